// Entry point of the kernels module: every exported function is a kernel entry called from
// src/wasm/index.ts, which also declares their types. Memory is managed by the caller (no
// allocator, --runtime stub): JS lays out buffers above heapBase(), grows memory as needed and
// passes pointers.

export { iirSetup, iirPass1, iirPass2, firSetup, firRows } from './gaussian';
export { boxSetup, boxPass1, boxPass2 } from './box';
export { isOpaque, unsharpCombine, invertColours } from './pointwise';
export { grayWeighted, grayLightness } from './gray';
export { hueSaturationSetup, hueSaturationEntries, hueSaturation } from './hsl';
export { channelLuts, channelLutsPair, channelLutsRG } from './lut';
export { convolveSetup, convolveRows, conv3Setup, conv3Stride, conv3Row, conv3Rows, sobelSetup, sobelRows } from './convolve';
export { medianSetup, medianDeinterleave, medianStripe, medianSmallSetup, medianSmall, median5Setup, median5Scratch, median5, medianNetStride, medianNetScratch, medianNetHas, medianNetSetup, medianNetOutBytes, medianNetDeinterleave, medianNet, medianNetInterleave } from './median';
export { morphSetup, morphRows, morphColumns, discSetup, discRows } from './morphology';
export { resizeSetup, resize16Setup, resizeRows } from './resize';

export function heapBase(): usize {
  return __heap_base;
}
