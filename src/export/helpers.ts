// The PyBuffer_* helpers that work on descriptors alone.
import { placedFromInfo, type BufferInfo } from './buffer-info';
import { invalidArgType, outOfRange } from '../errors';
import { checkIntArray, checkInteger } from '../internal/validate';
import { contiguousStrides } from '../layout/layout';

/**
 * `PyBuffer_IsContiguous`: whether the export is C ('C'), Fortran ('F') or
 * either ('A') contiguous. Any other order gives false, as in CPython. An
 * export without strides is C-contiguous; extents of 0 and 1 never
 * constrain a stride; an export with suboffsets is never contiguous.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when info is not a BufferInfo or order not a string.
 */
export function isContiguous(info: BufferInfo, order: 'C' | 'F' | 'A'): boolean {
  if (typeof info !== 'object' || info === null || typeof info.len !== 'number') {
    throw invalidArgType('info', 'a BufferInfo', info);
  }
  if (typeof order !== 'string') throw invalidArgType('order', "one of 'C', 'F', 'A'", order);
  // CPython looks at suboffsets, then the order, before anything else.
  if (info.suboffsets !== null) return false;
  if (order !== 'C' && order !== 'F' && order !== 'A') return false;
  // Missing strides mean C order; as Fortran, C strides fit only an
  // effectively 1-D shape, which the extent rule finds by itself.
  const v = placedFromInfo(info);
  if (order === 'C') return v.cContiguous;
  if (order === 'F') return v.fContiguous;
  return v.cContiguous || v.fContiguous;
}

/**
 * `PyBuffer_FillContiguousStrides`: the byte strides of a contiguous array of
 * `shape`, in Fortran order for 'F' and C order otherwise.
 * @example fillContiguousStrides([2, 3, 4], 8, 'C') // [96, 32, 8]
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when shape is not an array of integers, itemsize not a number or order not a string.
 * @throws {RangeError} ERR_OUT_OF_RANGE for negative extents, an itemsize below 1, or a byte extent of 2**53 or more.
 * @throws {BufferError} ERR_BUFFER_TOO_MANY_DIMS for more than 64 dimensions.
 */
export function fillContiguousStrides(shape: readonly number[], itemsize: number, order: 'C' | 'F' | 'A' = 'C'): number[] {
  const dims = checkIntArray('shape', shape, 0);
  checkInteger('itemsize', itemsize, 1);
  if (typeof order !== 'string') throw invalidArgType('order', "one of 'C', 'F', 'A'", order);
  let extent = itemsize;
  for (const d of dims) extent *= d === 0 ? 1 : d;
  if (extent > Number.MAX_SAFE_INTEGER) throw outOfRange('shape', 'a shape whose byte extent is below 2**53', shape);
  return contiguousStrides(dims, itemsize, order);
}
