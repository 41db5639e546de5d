// buffer-protocol/interop: one module per outside library. Each library is
// an optional peer: nothing here loads it; the caller passes the module.
export { fromSharpRaw, withSharp } from './sharp';
export type { SharpModule, SharpRaw } from './sharp';
export { fromScijs, fromStdlib, toScijs, toStdlib } from './ndarray';
export type { ScijsNdarray, StdlibNdarray } from './ndarray';
export { fromArrow, fromArrowTensor, toArrow } from './arrow';
export type { ArrowField, ArrowModule, ArrowView } from './arrow';
export { fromOrtTensor, imageToTensor, toOrtTensor } from './onnxruntime';
export type { ImageToTensorOptions, OrtModule } from './onnxruntime';
export { fromImageData, toImageData } from './canvas';
export type { CanvasModule, ImageDataLike } from './canvas';
export { fromPointer } from './pointer';
export type { FromPointerOptions, KoffiModule } from './pointer';
export * from './numpy';
