// The type of what getBuffer and memoryview take, so that passing a
// non-exporter is a compile error where TypeScript can see the type.
// Whatever TypeScript cannot see (an `unknown`, an `any`) is still checked
// at run time: ERR_INVALID_ARG_TYPE.
import type { bufferProtocol } from '../protocol';

/** An object with the PEP 688 method: this package's own exporters, and any class implementing the protocol. */
export interface ProtocolExporterLike {
  [bufferProtocol.getBuffer](flags: number): unknown;
}

/** A scijs `ndarray`, exported as it is (its strides and offset count elements). */
export interface ScijsArrayLike {
  readonly data: ArrayBufferView;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly offset: number;
}

/**
 * Anything that exports a buffer: built-in memory (a TypedArray, DataView,
 * Buffer, ArrayBuffer, SharedArrayBuffer), this package's exporters
 * (NativeBuffer, MappedFile, MemoryView, BufferObject), an object with
 * `[bufferProtocol.getBuffer]`, or a scijs ndarray.
 */
export type Exporter = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | ProtocolExporterLike | ScijsArrayLike;
