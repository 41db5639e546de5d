// scijs `ndarray` and `@stdlib/ndarray` as views and back, without a copy.
// Both count strides and offsets in elements of a TypedArray; views count
// bytes. A view converts only when its start and strides are whole
// elements; otherwise it is refused with the reason (never copied). Both
// libraries are optional peers: the caller passes the constructor it holds.
import { BufferError, invalidArgType } from '../errors';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { memoryview, type MemoryView } from '../index';

type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;
type TypedCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArray;

// struct format <-> TypedArray and the dtype names both libraries use.
const KINDS: ReadonlyArray<readonly [format: string, ctor: TypedCtor, dtype: string]> = [
  ['b', Int8Array, 'int8'],
  ['B', Uint8Array, 'uint8'],
  ['h', Int16Array, 'int16'],
  ['H', Uint16Array, 'uint16'],
  ['i', Int32Array, 'int32'],
  ['I', Uint32Array, 'uint32'],
  ['f', Float32Array, 'float32'],
  ['d', Float64Array, 'float64'],
  ['q', BigInt64Array, 'bigint64'],
  ['Q', BigUint64Array, 'biguint64'],
];
const BY_FORMAT = new Map(KINDS.map(([format, ctor, dtype]) => [format, { ctor, dtype }]));
const FORMAT_OF_TAG = new Map(KINDS.map(([format, ctor]) => [ctor.name, format]));
FORMAT_OF_TAG.set('Uint8ClampedArray', 'B');

/** A view's memory in elements: the TypedArray over its whole buffer, the element strides and offset. */
interface ElementLayout {
  readonly data: TypedArray;
  readonly dtype: string;
  readonly shape: number[];
  readonly strides: number[];
  readonly offset: number;
}

function elementLayout(view: unknown): ElementLayout {
  const info = getBuffer(view, BufferFlags.RECORDS_RO);
  try {
    const format = (info.format ?? 'B').replace(/^[@=<]/, '');
    const kind = BY_FORMAT.get(format);
    if (kind === undefined) {
      throw new BufferError(
        'ERR_BUFFER_UNSUPPORTED_FORMAT',
        `'${info.format}' has no TypedArray here (one of ${[...BY_FORMAT.keys()].join(' ')}, native order)`,
      );
    }
    const size = info.itemsize;
    const shape = [...(info.shape ?? [info.len / size])];
    const strides = [...(info.strides ?? [size])];
    // Element units need the start and every stride to be whole elements.
    if (info.byteOffset % size !== 0 || strides.some((s) => s % size !== 0)) {
      throw new BufferError(
        'ERR_BUFFER_UNALIGNED',
        `strides ${JSON.stringify(strides)} and offset ${info.byteOffset} must be multiples of the item size ${size}: element-unit arrays cannot describe this view without a copy (use toContiguous first)`,
      );
    }
    const data = new kind.ctor(info.buffer, 0, Math.floor(info.buffer.byteLength / size));
    return { data, dtype: kind.dtype, shape, strides: strides.map((s) => s / size), offset: info.byteOffset / size };
  } finally {
    info.release();
  }
}

/** A view of `data` (a TypedArray) at an element offset with element strides. */
function fromElements(data: unknown, shape: unknown, strides: unknown, offset: unknown, what: string): MemoryView {
  if (!ArrayBuffer.isView(data) || data instanceof DataView)
    throw invalidArgType(`${what}.data`, 'a TypedArray (generic arrays have no memory to share)', data);
  const typed = data as TypedArray;
  const format = FORMAT_OF_TAG.get(Object.prototype.toString.call(typed).slice(8, -1));
  if (format === undefined) throw invalidArgType(`${what}.data`, 'an integer or float TypedArray', data);
  if (!Array.isArray(shape) || !Array.isArray(strides) || typeof offset !== 'number') {
    throw invalidArgType(what, 'an ndarray with shape, strides and offset', { shape, strides, offset });
  }
  const size = typed.BYTES_PER_ELEMENT;
  return memoryview(typed.buffer, {
    format,
    shape: shape as number[],
    strides: (strides as number[]).map((s) => s * size),
    byteOffset: typed.byteOffset + offset * size,
  });
}

/** The scijs `ndarray` factory: `ndarray(data, shape, stride, offset)`. */
export type ScijsNdarray<T> = (data: TypedArray, shape: number[], stride: number[], offset: number) => T;

/**
 * A scijs ndarray over the view's memory, with no copy.
 * @param ndarray the scijs module (`require('ndarray')`).
 * @throws {BufferError} ERR_BUFFER_UNALIGNED when the view's start or strides are not whole elements.
 */
export function toScijs<T>(view: unknown, ndarray: ScijsNdarray<T>): T {
  if (typeof ndarray !== 'function') throw invalidArgType('ndarray', "the scijs ndarray module (require('ndarray'))", ndarray);
  const e = elementLayout(view);
  return ndarray(e.data, e.shape, e.strides, e.offset);
}

/** A view of a scijs ndarray's memory (its `data` must be a TypedArray), with no copy. */
export function fromScijs(array: { data: unknown; shape: unknown; stride: unknown; offset: unknown }): MemoryView {
  if (typeof array !== 'object' || array === null) throw invalidArgType('array', 'a scijs ndarray', array);
  return fromElements(array.data, array.shape, array.stride, array.offset, 'array');
}

/** The `@stdlib/ndarray/ctor` constructor: `new ndarray(dtype, buffer, shape, strides, offset, order)`. */
export type StdlibNdarray<T> = new (
  dtype: string,
  buffer: TypedArray,
  shape: number[],
  strides: number[],
  offset: number,
  order: string,
) => T;

/**
 * A `@stdlib/ndarray` over the view's memory, with no copy.
 * @param ctor `require('@stdlib/ndarray/ctor')`.
 */
export function toStdlib<T>(view: unknown, ctor: StdlibNdarray<T>): T {
  if (typeof ctor !== 'function') throw invalidArgType('ctor', "require('@stdlib/ndarray/ctor')", ctor);
  const e = elementLayout(view);
  // Its `order` names how strides were made; a view's may be neither (a
  // transpose of a crop): row-major unless the strides are column-major.
  const column = e.shape.length > 1 && e.strides.every((s, d) => d === 0 || Math.abs(s) >= Math.abs(e.strides[d - 1]!));
  return new ctor(e.dtype, e.data, e.shape, e.strides, e.offset, column ? 'column-major' : 'row-major');
}

/** A view of a `@stdlib/ndarray`'s memory, with no copy. */
export function fromStdlib(array: { data: unknown; shape: unknown; strides: unknown; offset: unknown }): MemoryView {
  if (typeof array !== 'object' || array === null) throw invalidArgType('array', 'a @stdlib/ndarray', array);
  return fromElements(array.data, array.shape, array.strides, array.offset, 'array');
}
