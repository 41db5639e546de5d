// PyBuffer_ToContiguous, PyBuffer_FromContiguous and PyObject_CopyData over
// any exporter.
import { placedFromInfo, releaseQuietly } from './buffer-info';
import { BufferError, invalidArgType } from '../errors';
import { BufferFlags } from '../flags';
import { anyArrayBufferLength, isDetached } from '../internal/memory';
import { getBuffer } from './get-buffer';
import { copyInto, isArrayBufferView, privateView, viewParts } from '../internal/primordials';
import { checkObject, checkOrder } from '../internal/validate';
import { copyItems, scatter, toBytesForUser } from '../view/view-ops';

type Order = 'C' | 'F' | 'A';

function released(message: string): BufferError {
  return new BufferError('ERR_BUFFER_RELEASED', message);
}

/**
 * The memory of `bytes` as a private array (what its intrinsic getters say,
 * not what a subclass claims), refused once detached: a detached view has
 * no bytes to give.
 */
function bytesView(bytes: ArrayBufferView): Uint8Array {
  const { buffer, byteOffset, byteLength } = viewParts(bytes);
  if (anyArrayBufferLength(buffer) === 0 && isDetached(buffer)) throw released('the ArrayBuffer of "bytes" is detached');
  return privateView(buffer, byteOffset, byteLength);
}

/**
 * `PyBuffer_ToContiguous`: the items of `src` as bytes in C order, Fortran
 * order, or ('A') the order the source already has (Fortran if it is
 * Fortran- and not C-contiguous, else C). Always a copy.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when `src` is not an exporter.
 * @throws {RangeError} ERR_OUT_OF_RANGE for an order other than 'C', 'F' or 'A'.
 * @throws {BufferError} ERR_BUFFER_RELEASED for released memory, and the exporter's own refusals.
 */
export function toContiguous(src: unknown, order: Order = 'C'): Uint8Array {
  const o = checkOrder(order);
  const info = getBuffer(src, BufferFlags.FULL_RO);
  try {
    const v = placedFromInfo(info);
    return toBytesForUser(v, o === 'F' || (o === 'A' && v.fContiguous && !v.cContiguous));
  } finally {
    releaseQuietly(info);
  }
}

/**
 * `PyBuffer_FromContiguous`: writes `bytes` into the items of `dst`. A
 * destination contiguous in `order` ('A': C or Fortran) takes the bytes in
 * memory order, a partial trailing item included; any other takes whole
 * items in Fortran order for 'F' and C order otherwise ('A' too, as in
 * CPython). Extra bytes are ignored.
 * @returns the number of bytes written.
 * @throws {BufferError} ERR_BUFFER_NOT_WRITABLE for a read-only destination.
 */
export function fromContiguous(dst: unknown, bytes: ArrayBufferView, order: Order = 'C'): number {
  const o = checkOrder(order);
  if (!isArrayBufferView(bytes)) throw invalidArgType('bytes', 'a TypedArray, Buffer or DataView', bytes);
  const src = bytesView(bytes);
  const srcLength = src.byteLength;
  const info = getBuffer(dst, BufferFlags.FULL);
  try {
    // The destination's hook may have detached the memory of `bytes` (or
    // shrunk its resizable buffer): read nothing from it then.
    if (src.byteLength === 0 && isDetached(src.buffer))
      throw released('the ArrayBuffer of "bytes" was detached while the destination was exported');
    if (src.byteLength !== srcLength) {
      throw new BufferError(
        'ERR_BUFFER_RESIZABLE',
        'the resizable ArrayBuffer of "bytes" shrank while the destination was exported',
      );
    }
    const v = placedFromInfo(info);
    // Contiguous in the requested order ('A': either): one copy in memory order.
    if (o === 'C' ? v.cContiguous : o === 'F' ? v.fContiguous : v.cContiguous || v.fContiguous) {
      // set() copies as memmove, by address, whenever the memory overlaps.
      const n = Math.min(src.length, v.len);
      copyInto(privateView(v.buffer), privateView(src.buffer, src.byteOffset, n), v.byteOffset);
      return n;
    }
    return scatter(v, o === 'F', src);
  } finally {
    releaseQuietly(info);
  }
}

/**
 * `PyObject_CopyData`: copies the items of `src` into `dst`. Unlike CPython,
 * which copies whatever fits, the two must have the same shape, format (up
 * to a leading '@') and itemsize; overlapping memory is handled as memmove,
 * and where destination items share bytes they are written in C order.
 * @throws {BufferError} ERR_BUFFER_STRUCTURE_MISMATCH, ERR_BUFFER_NOT_WRITABLE.
 */
export function copyData(dst: unknown, src: unknown): void {
  checkObject('dst', dst);
  const d = getBuffer(dst, BufferFlags.FULL);
  try {
    const dstLength = anyArrayBufferLength(d.buffer);
    const s = getBuffer(src, BufferFlags.FULL_RO);
    try {
      // The source's hook may have force-closed or detached the destination's
      // memory: it is no longer what was exported, so nothing may be written.
      if (anyArrayBufferLength(d.buffer) < dstLength)
        throw released('the destination was released while the source was exported');
      const dv = placedFromInfo(d);
      const sv = placedFromInfo(s);
      const sameShape = dv.ndim === sv.ndim && dv.shape.every((x, i) => x === sv.shape[i]);
      const sameFormat = (dv.format ?? 'B').replace(/^@/, '') === (sv.format ?? 'B').replace(/^@/, '');
      if (!sameShape || !sameFormat || dv.itemsize !== sv.itemsize) {
        throw new BufferError(
          'ERR_BUFFER_STRUCTURE_MISMATCH',
          `cannot copy ${sv.format} [${sv.shape.join(', ')}] into ${dv.format} [${dv.shape.join(', ')}]`,
        );
      }
      copyItems(dv, sv);
    } finally {
      releaseQuietly(s);
    }
  } finally {
    releaseQuietly(d);
  }
}
