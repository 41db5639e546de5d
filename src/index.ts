// Public entry point: re-exports only.
export { BufferError, isBufferError } from './errors';
export type { BufferErrorCode } from './errors';
export { BufferFlags } from './flags';
export type { BufferFlagName } from './flags';
export type { BufferInfo } from './buffer-info';
export { getBuffer, checkBuffer } from './get-buffer';
export { bufferProtocol } from './protocol';
export type { BufferDescriptor } from './protocol';
export { NativeBuffer, nativeMemoryStats } from './native-buffer';
export type { NativeBufferOptions } from './native-buffer';
export type { CloseOptions } from './region-owner';
export { isContiguous, fillContiguousStrides } from './helpers';
export { sizeFromFormat } from './format';
export { toContiguous, fromContiguous, copyData } from './contiguous';
export { memoryview, MemoryView, isMemoryView } from './memory-view';
export type { MemoryViewLayout, NestedList, Item, SliceKey } from './memory-view';
export { mmap, MappedFile, readInto, writeFrom, read, write, writeView, readIntoStream, receiveInto } from './io';
export type { MmapOptions } from './io';
export { BufferObject, END_OF_BUFFER } from './buffer-object';
export type { LayoutOptions } from './layout';
export type { SharedNativeBuffer } from './native-buffer';
// Installs the C API (buffer_protocol.h) for this JavaScript thread.
import './c-api';
