import { invalidArgType, outOfRange } from './errors';

/**
 * Request flags, with CPython's `PyBUF_*` values bit for bit (and the C
 * header's `BP_*`). A compound flag includes the bits of the simpler ones it
 * implies, so test a request with `(flags & X) === X`, never `flags & X`.
 *
 * `READ` and `WRITE` are buffer types for from-memory and get-contiguous
 * calls, not requests: `getBuffer` refuses them.
 */
export const BufferFlags = {
  SIMPLE: 0x0,
  WRITABLE: 0x1,
  FORMAT: 0x4,
  ND: 0x8,
  STRIDES: 0x18,
  C_CONTIGUOUS: 0x38,
  F_CONTIGUOUS: 0x58,
  ANY_CONTIGUOUS: 0x98,
  INDIRECT: 0x118,
  CONTIG: 0x9,
  CONTIG_RO: 0x8,
  STRIDED: 0x19,
  STRIDED_RO: 0x18,
  RECORDS: 0x1d,
  RECORDS_RO: 0x1c,
  FULL: 0x11d,
  FULL_RO: 0x11c,
  READ: 0x100,
  WRITE: 0x200,
} as const;

export type BufferFlagName = keyof typeof BufferFlags;

/** Every bit a request may carry (0x2 was never assigned). */
export const REQUEST_MASK = 0x1fd;

export const reqWritable = (f: number): boolean => (f & BufferFlags.WRITABLE) !== 0;
export const reqFormat = (f: number): boolean => (f & BufferFlags.FORMAT) === BufferFlags.FORMAT;
export const reqShape = (f: number): boolean => (f & BufferFlags.ND) === BufferFlags.ND;
export const reqStrides = (f: number): boolean => (f & BufferFlags.STRIDES) === BufferFlags.STRIDES;
export const reqIndirect = (f: number): boolean => (f & BufferFlags.INDIRECT) === BufferFlags.INDIRECT;
export const reqCContiguous = (f: number): boolean => (f & BufferFlags.C_CONTIGUOUS) === BufferFlags.C_CONTIGUOUS;
export const reqFContiguous = (f: number): boolean => (f & BufferFlags.F_CONTIGUOUS) === BufferFlags.F_CONTIGUOUS;
export const reqAnyContiguous = (f: number): boolean => (f & BufferFlags.ANY_CONTIGUOUS) === BufferFlags.ANY_CONTIGUOUS;

/**
 * Throws unless `flags` is a request: an integer made of request bits only,
 * and not exactly READ or WRITE (CPython 3.13+ refuses those too).
 */
export function checkFlags(flags: unknown): asserts flags is number {
  if (typeof flags !== 'number') throw invalidArgType('flags', 'of type number', flags);
  if (!Number.isInteger(flags) || flags < 0 || (flags & ~REQUEST_MASK) !== 0 || flags > REQUEST_MASK) {
    throw outOfRange('flags', 'an integer made of BufferFlags request bits (mask 0x1fd)', flags);
  }
  if (flags === BufferFlags.READ) {
    throw outOfRange('flags', 'a request; READ and WRITE are buffer types, not request flags', flags);
  }
}
