// The exports of JavaScript's own memory (TypedArrays, DataViews,
// ArrayBuffers, SharedArrayBuffers), in pure TypeScript with no native call:
// the hot path of getBuffer. Like bytearray and array.array, they are
// one-dimensional, contiguous and writable, and never refuse.
import { negotiateContiguous } from '../layout/negotiate';
import { anyArrayBufferLength, checkStable, type AnyArrayBuffer } from '../internal/memory';
import {
  isArrayBufferView,
  typedArrayBufferOf,
  typedArrayByteLengthOf,
  typedArrayByteOffsetOf,
  typedArrayKind,
  viewParts,
} from '../internal/primordials';
import { BufferInfoImpl, exportedMemory, type BufferInfo } from './buffer-info';

/** struct format and item size of each TypedArray kind, by its toStringTag. */
const TYPED_FORMATS: Readonly<Record<string, readonly [string, number]>> = {
  Int8Array: ['b', 1],
  Uint8Array: ['B', 1],
  Uint8ClampedArray: ['B', 1],
  Int16Array: ['h', 2],
  Uint16Array: ['H', 2],
  Float16Array: ['e', 2],
  Int32Array: ['i', 4],
  Uint32Array: ['I', 4],
  Float32Array: ['f', 4],
  Float64Array: ['d', 8],
  BigInt64Array: ['q', 8],
  BigUint64Array: ['Q', 8],
};

/** The struct format of a TypedArray's items ('f' for a Float32Array), from its real toStringTag; undefined for a DataView. */
export function typedArrayFormat(view: ArrayBufferView): string | undefined {
  const tag = typedArrayKind(view);
  return tag === undefined ? undefined : TYPED_FORMATS[tag]?.[0];
}

/** The memory of a built-in: one dimension of `format` items, contiguous and writable. */
export interface BuiltinMemory {
  readonly buffer: AnyArrayBuffer;
  readonly byteOffset: number;
  readonly len: number;
  readonly format: string;
  readonly itemsize: number;
  /** `obj` itself when it is a TypedArray whose elements are the items (any but a Float16Array), else null. */
  readonly values: ArrayBufferView | null;
}

/** Whether a TypedArray's elements are its items as get() returns them: all but float16's ('e' items are read through a DataView). */
function elementsAreItems(format: string): boolean {
  return format !== 'e';
}

/**
 * The memory of a built-in (a TypedArray, DataView, ArrayBuffer or
 * SharedArrayBuffer), or null when `obj` is none.
 * @throws {BufferError} ERR_BUFFER_RESIZABLE for memory that can move (checkStable).
 */
export function builtinMemory(obj: object): BuiltinMemory | null {
  // TypedArrays first and alone, small enough for the compiler to inline
  // into getBuffer's hot path (an export measured 53 ns instead of 39 when not).
  const isView = isArrayBufferView(obj);
  const tag = isView ? typedArrayKind(obj) : undefined;
  if (tag === undefined) return untypedMemory(obj, isView);
  const [format, itemsize] = TYPED_FORMATS[tag] ?? ['B', 1];
  const buffer = typedArrayBufferOf(obj as ArrayBufferView);
  const len = typedArrayByteLengthOf(obj as ArrayBufferView);
  checkStable(buffer, len, tag, ' buffer');
  const values = elementsAreItems(format) ? (obj as ArrayBufferView) : null;
  return { buffer, byteOffset: typedArrayByteOffsetOf(obj as ArrayBufferView), len, format, itemsize, values };
}

/** The memory of a DataView, ArrayBuffer or SharedArrayBuffer, or null. */
function untypedMemory(obj: object, isView: boolean): BuiltinMemory | null {
  if (isView) {
    const { buffer, byteOffset, byteLength } = viewParts(obj as ArrayBufferView);
    checkStable(buffer, byteLength, 'DataView buffer');
    return { buffer, byteOffset, len: byteLength, format: 'B', itemsize: 1, values: null };
  }
  const len = anyArrayBufferLength(obj);
  if (len < 0) return null;
  const buffer = obj as AnyArrayBuffer;
  checkStable(buffer, len, 'ArrayBuffer');
  return { buffer, byteOffset: 0, len, format: 'B', itemsize: 1, values: null };
}

/** The export of a built-in, or null when `obj` is none. */
export function exportBuiltin(obj: object, flags: number): BufferInfo | null {
  const isView = isArrayBufferView(obj);
  const tag = isView ? typedArrayKind(obj) : undefined;
  if (tag !== undefined) {
    // The package's hottest path, spelled out rather than through
    // builtinMemory(): that measured 53 ns an export instead of 39.
    const [format, itemsize] = TYPED_FORMATS[tag] ?? ['B', 1];
    const buffer = typedArrayBufferOf(obj as ArrayBufferView);
    const len = typedArrayByteLengthOf(obj as ArrayBufferView);
    checkStable(buffer, len, tag, ' buffer');
    const seen = negotiateContiguous(len, itemsize, format, false, flags);
    return BufferInfoImpl.of(
      obj,
      exportedMemory(buffer, typedArrayByteOffsetOf(obj as ArrayBufferView), len, itemsize),
      false,
      seen,
      null,
    );
  }
  const memory = untypedMemory(obj, isView);
  if (memory === null) return null;
  const seen = negotiateContiguous(memory.len, memory.itemsize, memory.format, false, flags);
  return BufferInfoImpl.of(obj, exportedMemory(memory.buffer, memory.byteOffset, memory.len, memory.itemsize), false, seen, null);
}
