// Request negotiation in TypeScript: what a consumer may see of a layout
// under some request flags. The C++ core (native/core/negotiate.cc) holds the
// same rules for C callers; test/negotiate.test.ts holds both to one table
// generated from CPython. It stays a TypeScript twin: getBuffer's hot path
// makes no native call.
import { BufferError } from '../errors';
import { reqAnyContiguous, reqCContiguous, reqFContiguous, reqFormat, reqShape, reqStrides, reqWritable } from '../flags';
import type { Layout } from './layout';

/** What a consumer may see of a layout under some request flags. */
export interface Negotiated {
  readonly format: string | null;
  readonly ndim: number;
  readonly shape: readonly number[] | null;
  readonly strides: readonly number[] | null;
}

/**
 * A Negotiated, always from this one literal: BufferInfo's constructor reads
 * every export's, and one shape of object keeps its reads monomorphic (a
 * program with several kinds of exporter made getBuffer(Uint8Array) 3x slower).
 */
export function negotiated(
  format: string | null,
  ndim: number,
  shape: readonly number[] | null,
  strides: readonly number[] | null,
): Negotiated {
  return { format, ndim, shape, strides };
}

/**
 * The one-dimensional contiguous exporters' rule (PyBuffer_FillInfo for
 * bytes, array.array for typed items): only WRITABLE on read-only memory is
 * refused; without FORMAT the format is null but itemsize is kept; without
 * ND there is no shape, without STRIDES no strides.
 */
export function negotiateContiguous(len: number, itemsize: number, format: string, readonly: boolean, flags: number): Negotiated {
  if (readonly && reqWritable(flags)) throw new BufferError('ERR_BUFFER_NOT_WRITABLE', 'Object is not writable.');
  return negotiated(
    reqFormat(flags) ? format : null,
    1,
    reqShape(flags) ? [len / itemsize] : null,
    reqStrides(flags) ? [itemsize] : null,
  );
}

/**
 * memory_getbuf() from CPython's Objects/memoryobject.c: start from the full
 * layout, then strip or refuse in this order: writable, format, C/F/any
 * contiguity, strides, shape. (JS layouts never carry suboffsets, so the
 * INDIRECT step cannot refuse; it only matters to native exporters.)
 */
export function negotiate(layout: Layout, readonly: boolean, flags: number): Negotiated {
  if (reqWritable(flags) && readonly) {
    throw new BufferError('ERR_BUFFER_NOT_WRITABLE', 'underlying buffer is not writable');
  }
  const format = reqFormat(flags) ? layout.format : null;
  if (reqFormat(flags) && format === null) {
    throw new BufferError('ERR_BUFFER_INVALID_EXPORT', 'the exporter does not know the item format, but FORMAT was requested');
  }
  const c = layout.cContiguous;
  const f = layout.fContiguous;
  if (reqCContiguous(flags) && !c) throw new BufferError('ERR_BUFFER_NOT_C_CONTIGUOUS', 'underlying buffer is not C-contiguous');
  if (reqFContiguous(flags) && !f) {
    throw new BufferError('ERR_BUFFER_NOT_F_CONTIGUOUS', 'underlying buffer is not Fortran contiguous');
  }
  if (reqAnyContiguous(flags) && !c && !f)
    throw new BufferError('ERR_BUFFER_NOT_CONTIGUOUS', 'underlying buffer is not contiguous');
  let strides: readonly number[] | null = layout.strides;
  if (!reqStrides(flags)) {
    if (!c) throw new BufferError('ERR_BUFFER_NOT_C_CONTIGUOUS', 'underlying buffer is not C-contiguous');
    strides = null;
  }
  if (!reqShape(flags)) {
    if (format !== null) {
      throw new BufferError('ERR_BUFFER_FORMAT_WITHOUT_SHAPE', 'cannot cast to unsigned bytes if the format flag is present');
    }
    return negotiated(format, 1, null, strides);
  }
  return negotiated(format, layout.ndim, layout.shape, strides);
}
