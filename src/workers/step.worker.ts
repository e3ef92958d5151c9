// Entry of the app's step workers: the worker API over every registered operation.
import { ops } from '../ops/registry';
import { exposeStepWorker } from './step-worker';

exposeStepWorker(ops);
