// Public entry point: re-exports only.
export { BufferError, isBufferError } from './errors';
export type { BufferErrorCode } from './errors';
export { BufferFlags } from './flags';
export type { BufferFlagName } from './flags';
export type { BufferInfo } from './export/buffer-info';
export { getBufferForUser as getBuffer, checkBuffer } from './export/get-buffer';
export { bufferProtocol } from './protocol';
export type { BufferDescriptor } from './protocol';
export { NativeBuffer, nativeMemoryStats } from './owners/native-buffer';
export type { NativeBufferOptions } from './owners/native-buffer';
export type { CloseOptions } from './owners/region-owner';
export { isContiguous, fillContiguousStrides } from './export/helpers';
export { sizeFromFormat } from './layout/format';
export { toContiguous, fromContiguous, copyData } from './export/contiguous';
export { memoryview, MemoryView, isMemoryView } from './view/memory-view';
export type { MemoryViewLayout } from './view/transforms';
export type { NestedList } from './view/item-access';
export type { Item, ItemRecord } from './view/items';
export type { SliceKey } from './layout/slice-key';
export { mmap, MappedFile, readInto, writeFrom, read, write, writeView, readIntoStream, receiveInto } from './io';
export type { MmapOptions } from './io';
export { BufferObject, END_OF_BUFFER } from './owners/buffer-object';
export type { LayoutOptions } from './layout/layout';
export type { SharedNativeBuffer } from './owners/native-buffer';
// Installs the C API (buffer_protocol.h) for this JavaScript thread.
import './c-api';
export { scope } from './internal/lifetimes';
