// Entry of the app's step workers: the worker API over every registered operation and its kernel.
import { ops } from '../ops/kernels';
import { exposeStepWorker } from './step-worker';

exposeStepWorker(ops);
