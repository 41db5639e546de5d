// scijs `ndarray` objects are exporters as they are: getBuffer and
// memoryview read one without an adapter call and without touching its
// prototype. Recognised by shape, as scijs has no brand: a TypedArray
// `data` with `shape`, `stride` and `offset` in elements, a `dtype` name
// and scijs's own `get`/`pick` methods.
import { typedArrayKind } from '../internal/primordials';

const FORMATS: Readonly<Record<string, string>> = {
  Int8Array: 'b',
  Uint8Array: 'B',
  Uint8ClampedArray: 'B',
  Int16Array: 'h',
  Uint16Array: 'H',
  Int32Array: 'i',
  Uint32Array: 'I',
  Float32Array: 'f',
  Float64Array: 'd',
  BigInt64Array: 'q',
  BigUint64Array: 'Q',
};

/** The descriptor of a scijs ndarray (element units turned into bytes), or null for anything else. */
export function scijsDescriptor(obj: object): Record<string, unknown> | null {
  const a = obj as {
    data?: unknown;
    shape?: unknown;
    stride?: unknown;
    offset?: unknown;
    dtype?: unknown;
    get?: unknown;
    pick?: unknown;
  };
  if (typeof a.dtype !== 'string' || typeof a.get !== 'function' || typeof a.pick !== 'function') return null;
  const { data, shape, stride, offset } = a;
  if (!ArrayBuffer.isView(data) || !Array.isArray(shape) || !Array.isArray(stride) || typeof offset !== 'number') return null;
  const format = FORMATS[typedArrayKind(data) ?? ''];
  if (format === undefined || shape.length !== stride.length) return null;
  const size = (data as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return {
    buffer: data.buffer,
    byteOffset: data.byteOffset + offset * size,
    format,
    shape: [...(shape as number[])],
    strides: (stride as number[]).map((s) => s * size),
    readonly: false,
  };
}
