// scijs `ndarray` and `@stdlib/ndarray` as views and back, without a copy.
// Both count strides and offsets in elements of a TypedArray; views count
// bytes. A view converts only when its start and strides are whole
// elements; otherwise it is refused with the reason (never copied). Both
// libraries are optional peers: the caller passes the constructor it holds.
import { BufferError, invalidArgType } from '../errors';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { elementDescriptor } from '../export/scijs';
import { type MemoryView } from '../index';
import { COMMON_DTYPES, typedClassOf, type TypedArray, type TypedKind } from './typed-class';
// Unknown inputs, checked at run time: memoryview() without its Exporter type.
import { createView } from '../view/whole-view';

// The dtype names both libraries give each TypedArray kind.
const DTYPES: Readonly<Partial<Record<TypedKind, string>>> = { ...COMMON_DTYPES, i64: 'bigint64', u64: 'biguint64' };

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
    const typed = typedClassOf(info.format);
    const dtype = typed === null ? undefined : DTYPES[typed.kind];
    if (typed === null || dtype === undefined) {
      throw new BufferError(
        'ERR_BUFFER_UNSUPPORTED_FORMAT',
        `'${info.format}' has no TypedArray here (one of b B h H i I q Q f d, host byte order)`,
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
    const data = new typed.ctor(info.buffer, 0, Math.floor(info.buffer.byteLength / size));
    return { data, dtype, shape, strides: strides.map((s) => s / size), offset: info.byteOffset / size };
  } finally {
    info.release();
  }
}

/** A view of `data` (a TypedArray) at an element offset with element strides. */
function fromElements(data: unknown, shape: unknown, strides: unknown, offset: unknown, what: string): MemoryView {
  if (!ArrayBuffer.isView(data) || data instanceof DataView) {
    throw invalidArgType(`${what}.data`, 'a TypedArray (generic arrays have no memory to share)', data);
  }
  const desc = elementDescriptor(data, shape, strides, offset);
  if (desc === null)
    throw invalidArgType(what, 'an ndarray of an integer or float TypedArray with shape, strides and offset', {
      shape,
      strides,
      offset,
    });
  return createView(desc['buffer'], {
    format: desc['format'] as string,
    shape: desc['shape'] as number[],
    strides: desc['strides'] as number[],
    byteOffset: desc['byteOffset'] as number,
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

/**
 * A view of a scijs ndarray's memory (its `data` must be a TypedArray), with no copy.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when array is not an ndarray, or its data is not a TypedArray (a plain Array).
 * @throws {BufferError} ERR_BUFFER_OUT_OF_BOUNDS when its shape, strides and offset reach outside the data.
 */
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
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when ctor is not a function or view not an exporter.
 * @throws {BufferError} ERR_BUFFER_UNALIGNED when the view's start or strides are not whole elements;
 *   ERR_BUFFER_UNSUPPORTED_FORMAT for a format with no TypedArray.
 */
export function toStdlib<T>(view: unknown, ctor: StdlibNdarray<T>): T {
  if (typeof ctor !== 'function') throw invalidArgType('ctor', "require('@stdlib/ndarray/ctor')", ctor);
  const e = elementLayout(view);
  // Its `order` names how strides were made; a view's may be neither (a
  // transpose of a crop): row-major unless the strides are column-major.
  const column = e.shape.length > 1 && e.strides.every((s, d) => d === 0 || Math.abs(s) >= Math.abs(e.strides[d - 1]!));
  return new ctor(e.dtype, e.data, e.shape, e.strides, e.offset, column ? 'column-major' : 'row-major');
}

/**
 * A view of a `@stdlib/ndarray`'s memory, with no copy.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when array is not an ndarray, or its data is not a TypedArray (a plain Array).
 * @throws {BufferError} ERR_BUFFER_OUT_OF_BOUNDS when its shape, strides and offset reach outside the data.
 */
export function fromStdlib(array: { data: unknown; shape: unknown; strides: unknown; offset: unknown }): MemoryView {
  if (typeof array !== 'object' || array === null) throw invalidArgType('array', 'a @stdlib/ndarray', array);
  return fromElements(array.data, array.shape, array.strides, array.offset, 'array');
}
