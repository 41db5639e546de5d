/**
 * Every refusal of the buffer protocol, by code. Python raises most of these
 * as `BufferError`; the rest are CPython's ValueError or NotImplementedError
 * cases that belong to the protocol (see each code).
 */
export type BufferErrorCode =
  /** A WRITABLE request on a read-only export. */
  | 'ERR_BUFFER_NOT_WRITABLE'
  /** C_CONTIGUOUS requested, or a request without STRIDES on a non-C layout. */
  | 'ERR_BUFFER_NOT_C_CONTIGUOUS'
  /** F_CONTIGUOUS requested on a layout that is not Fortran-contiguous. */
  | 'ERR_BUFFER_NOT_F_CONTIGUOUS'
  /** ANY_CONTIGUOUS requested on a layout that is neither C nor F. */
  | 'ERR_BUFFER_NOT_CONTIGUOUS'
  /** A layout with suboffsets, requested without INDIRECT. */
  | 'ERR_BUFFER_REQUIRES_SUBOFFSETS'
  /** FORMAT without ND: a SIMPLE request is an implicit cast to bytes. */
  | 'ERR_BUFFER_FORMAT_WITHOUT_SHAPE'
  /** Use of a released view or a closed owner (CPython: ValueError). */
  | 'ERR_BUFFER_RELEASED'
  /** resize() or close() while exports are live. */
  | 'ERR_BUFFER_EXPORTS_ACTIVE'
  /** More than 64 dimensions. */
  | 'ERR_BUFFER_TOO_MANY_DIMS'
  /** A format string that Python's struct module refuses. */
  | 'ERR_BUFFER_BAD_FORMAT'
  /** A valid format whose items cannot be read (CPython: NotImplementedError). */
  | 'ERR_BUFFER_UNSUPPORTED_FORMAT'
  /** Shape, strides or itemsize that cannot describe memory (negative, overflowing 2**63, mismatched). */
  | 'ERR_BUFFER_INVALID_LAYOUT'
  /** A layout that reaches outside its memory block. */
  | 'ERR_BUFFER_OUT_OF_BOUNDS'
  /** Two buffers whose shapes or formats do not match. */
  | 'ERR_BUFFER_STRUCTURE_MISMATCH'
  /** An exporter's `[bufferProtocol.getBuffer]` returned something that is not a buffer. */
  | 'ERR_BUFFER_INVALID_EXPORT'
  /** A cast that breaks one of memoryview.cast's rules (CPython: TypeError/ValueError). */
  | 'ERR_BUFFER_INVALID_CAST'
  /** A reshape that needs a copy (the strides cannot express it). */
  | 'ERR_BUFFER_RESHAPE_NEEDS_COPY'
  /** typed() on a view whose start or strides are not multiples of the item size. */
  | 'ERR_BUFFER_UNALIGNED'
  /** typed() on a view whose items are not in the host's byte order. */
  | 'ERR_BUFFER_NOT_NATIVE_ORDER'
  /** A mapped file shrank under its mapping (pages past its end read as zeros). */
  | 'ERR_BUFFER_TRUNCATED'
  /** A resizable ArrayBuffer, which could shrink under a live export. */
  | 'ERR_BUFFER_RESIZABLE'
  /** resize() of memory that cannot change size: a mapped file, or memory lent by C code. */
  | 'ERR_BUFFER_NOT_RESIZABLE'
  /** length or iteration of a 0-d view (CPython: TypeError). */
  | 'ERR_BUFFER_ZERO_DIM'
  /** A .npy file NumPy would refuse to load: bad magic or version, a malformed or oversized header, too little data. */
  | 'ERR_BUFFER_BAD_NPY'
  /** A release callback (fromPointer) threw; it is not called again, and the memory counts as released. */
  | 'ERR_BUFFER_RELEASE_FAILED';

/**
 * Raised when a buffer request cannot be satisfied (Python's `BufferError`).
 * Test with {@link isBufferError}, which works across realms (jest, vm),
 * where `instanceof` does not.
 */
export class BufferError extends Error {
  override name = 'BufferError' as const;
  readonly code: BufferErrorCode;

  constructor(code: BufferErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** True for a BufferError from any realm: checks `name` and the `ERR_BUFFER_` code prefix. */
export function isBufferError(error: unknown): error is BufferError {
  if (error instanceof BufferError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'BufferError' && typeof code === 'string' && code.startsWith('ERR_BUFFER_');
}

type ArgErrorCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE';

function coded<E extends Error>(error: E, code: ArgErrorCode): E & { code: ArgErrorCode } {
  return Object.assign(error, { code });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `type bigint (${value}n)`;
  if (typeof value === 'string') return `type string (${JSON.stringify(value.length > 30 ? value.slice(0, 27) + '...' : value)})`;
  return `type ${typeof value} (${String(value)})`;
}

/** `TypeError [ERR_INVALID_ARG_TYPE]`, worded as Node's own. */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  return coded(new TypeError(`The "${name}" argument must be ${expected}. Received ${describe(actual)}`), 'ERR_INVALID_ARG_TYPE');
}

/** `TypeError [ERR_INVALID_ARG_VALUE]`: the right type, a value Node's own functions refuse too (a path with a NUL byte). */
export function invalidArgValue(name: string, reason: string, actual: unknown): TypeError {
  return coded(new TypeError(`The argument '${name}' ${reason}. Received ${JSON.stringify(actual)}`), 'ERR_INVALID_ARG_VALUE');
}

/** `RangeError [ERR_OUT_OF_RANGE]`, worded as Node's own. */
export function outOfRange(name: string, expected: string, actual: unknown): RangeError {
  return coded(
    new RangeError(`The value of "${name}" is out of range. It must be ${expected}. Received ${String(actual)}`),
    'ERR_OUT_OF_RANGE',
  );
}

/**
 * Runs a native call and rewraps its coded errors: ERR_BUFFER_* become this
 * realm's BufferError (with the native error as `cause`); argument errors
 * pass through unchanged.
 */
export function callNative<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw wrapNativeError(error);
  }
}

/** A native error as callNative rethrows it (for errors that arrive through callbacks). */
export function wrapNativeError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_BUFFER_')) {
    return new BufferError(code as BufferErrorCode, (error as Error).message, { cause: error });
  }
  return error;
}

/** What a thrown value says, without throwing again (a null-prototype object cannot be made a string). */
export function describeThrown(error: unknown): string {
  try {
    return String(error);
  } catch {
    return 'a value that cannot be shown';
  }
}
