// scijs `ndarray` objects are exporters as they are: getBuffer and
// memoryview read one without an adapter call and without touching its
// prototype. Recognised by shape, as scijs has no brand: a TypedArray
// `data` with `shape`, `stride` and `offset` in elements, a `dtype` name
// and scijs's own `get`/`pick` methods.
import { typedArrayFormat } from './builtin';

/**
 * An element-unit array (scijs, @stdlib) as a descriptor in bytes: `data`
 * a TypedArray, `strides` and `offset` counted in its elements. Null when
 * `data` is no TypedArray or the parts are not arrays and a number.
 */
export function elementDescriptor(
  data: unknown,
  shape: unknown,
  strides: unknown,
  offset: unknown,
): Record<string, unknown> | null {
  if (!ArrayBuffer.isView(data) || !Array.isArray(shape) || !Array.isArray(strides) || typeof offset !== 'number') return null;
  const format = typedArrayFormat(data);
  if (format === undefined || shape.length !== strides.length) return null;
  const size = (data as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return {
    buffer: data.buffer,
    byteOffset: data.byteOffset + offset * size,
    format,
    shape: [...(shape as number[])],
    strides: (strides as number[]).map((s) => s * size),
    readonly: false,
  };
}

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
  return elementDescriptor(a.data, a.shape, a.stride, a.offset);
}
