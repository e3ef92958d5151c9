import { defineOp } from '../types';
import meta from './meta';

// Nothing to compute: the app plays the timer (it edits its target's parameter).
export default defineOp(meta, () => ({}));
