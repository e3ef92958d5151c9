// How every browser test finds Chromium; the logic lives in scripts/chromium.mjs, shared with the
// benchmark runner.
export { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.mjs';
