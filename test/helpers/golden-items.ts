// Decoding the lossless item encoding of the mv_*.json golden files
// (test/golden/generate.py) and the CPython -> JavaScript error mapping.
//
// Items:
//   {"int": "-7161"}                 decimal string (exact beyond 2**53)
//   {"float": "0.1", "bits": "..."}  bits: the 8 bytes of the IEEE double,
//                                    least significant first
//                                    (struct.pack('<d', x).hex()); 'f' and
//                                    'e' items are stored widened to double
//   {"bool": true}
//   {"bytes": "61"}                  one byte: a 'c' item
// Memory is hex of the whole block.

export type EncodedItem = { int: string } | { float: string; bits: string } | { bool: boolean } | { bytes: string };
export type EncodedList = EncodedItem | EncodedList[];

/** `{"ok": ...}` or `{"error": "<Python class>", "message": "..."}`, as spread into a case. */
export interface Outcome<T> {
  ok?: T;
  error?: string;
  message?: string;
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new Error(`odd hex length: ${hex}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] as number).toString(16).padStart(2, '0');
  return out;
}

/** A fresh ArrayBuffer holding exactly the bytes of `hex`. */
export function arrayBufferFromHex(hex: string): ArrayBuffer {
  const bytes = hexToBytes(hex);
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

/** The item code of a single-item format: 'i' for 'i', '@i', '<i'. */
export function formatCode(format: string): string {
  return format.slice(-1);
}

/** Byte-order prefix of a single-item format ('' when none). */
function prefixOf(format: string): string {
  return format.length > 1 ? format[0]! : '';
}

/**
 * Integer formats whose items are bigint: 8-byte integers, i.e. 'q' and 'Q'
 * under any prefix, and native ('' or '@') 'l L n N P' on LP64.
 */
export function isBigIntFormat(format: string): boolean {
  const code = formatCode(format);
  if (code === 'q' || code === 'Q') return true;
  const native = prefixOf(format) === '' || prefixOf(format) === '@';
  return native && 'lLnNP'.includes(code);
}

/** The double whose little-endian bytes are `bits` (16 hex digits). */
export function floatFromBits(bits: string): number {
  return new DataView(hexToBytes(bits).buffer).getFloat64(0, true);
}

/** The little-endian bytes of a double, as hex: the inverse of floatFromBits. */
export function bitsOfFloat(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value, true);
  return bytesToHex(new Uint8Array(view.buffer));
}

/**
 * The JavaScript value of an encoded item under the README's item rules:
 * bigint for 8-byte integer formats, number for other integers and floats,
 * boolean for '?', a one-character (latin1) string for 'c'.
 */
export function decodeItem(item: EncodedItem, format: string): number | bigint | boolean | string {
  if ('int' in item) return isBigIntFormat(format) ? BigInt(item.int) : Number(item.int);
  if ('bits' in item) return floatFromBits(item.bits);
  if ('bool' in item) return item.bool;
  return String.fromCharCode(parseInt(item.bytes, 16));
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  if (Array.isArray(value)) return `array(${value.length})`;
  return String(value);
}

/**
 * Compares one item with its encoding; null when equal, else a description.
 * Floats compare by the bits of the double (so -0 and 0 differ); NaN only
 * has to be NaN, because neither CPython (3.11 turns every half NaN into the
 * default NaN) nor V8 promises to keep NaN payloads.
 */
export function itemMismatch(actual: unknown, expected: EncodedItem, format: string): string | null {
  if ('int' in expected) {
    const want = BigInt(expected.int);
    if (isBigIntFormat(format)) {
      if (typeof actual !== 'bigint') return `expected bigint ${want}n, got ${typeof actual} ${show(actual)}`;
      return actual === want ? null : `expected ${want}n, got ${show(actual)}`;
    }
    if (typeof actual !== 'number' || !Number.isSafeInteger(actual)) {
      return `expected number ${want}, got ${typeof actual} ${show(actual)}`;
    }
    return BigInt(actual) === want ? null : `expected ${want}, got ${show(actual)}`;
  }
  if ('bits' in expected) {
    if (typeof actual !== 'number') return `expected number ${expected.float}, got ${typeof actual} ${show(actual)}`;
    const want = floatFromBits(expected.bits);
    if (Number.isNaN(want)) return Number.isNaN(actual) ? null : `expected NaN, got ${show(actual)}`;
    return bitsOfFloat(actual) === expected.bits
      ? null
      : `expected ${expected.float} (${expected.bits}), got ${show(actual)} (${bitsOfFloat(actual)})`;
  }
  if ('bool' in expected) {
    return actual === expected.bool ? null : `expected ${expected.bool}, got ${typeof actual} ${show(actual)}`;
  }
  const want = String.fromCharCode(parseInt(expected.bytes, 16));
  return actual === want ? null : `expected 'c' item ${JSON.stringify(want)}, got ${typeof actual} ${show(actual)}`;
}

/** Compares a nested toList() result with its encoding; null when equal. */
export function listMismatch(actual: unknown, expected: EncodedList, format: string, path = ''): string | null {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path || 'root'}: expected an array of ${expected.length}, got ${show(actual)}`;
    if (actual.length !== expected.length) return `${path || 'root'}: expected length ${expected.length}, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const m = listMismatch(actual[i], expected[i]!, format, `${path}[${i}]`);
      if (m !== null) return m;
    }
    return null;
  }
  const m = itemMismatch(actual, expected, format);
  return m === null ? null : `${path || 'item'}: ${m}`;
}

// ---------------------------------------------------------------------------
// CPython exception -> the error this package throws
// ---------------------------------------------------------------------------

export interface JsError {
  name: 'TypeError' | 'RangeError' | 'BufferError';
  code: string;
}

const INVALID_ARG: JsError = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
const OUT_OF_RANGE: JsError = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };
const INVALID_CAST: JsError = { name: 'BufferError', code: 'ERR_BUFFER_INVALID_CAST' };
const EXPORTS_ACTIVE: JsError = { name: 'BufferError', code: 'ERR_BUFFER_EXPORTS_ACTIVE' };

/**
 * [Python class, message pattern, our error]. First match wins. Rows marked
 * "assumed" are not spelled out by the API; they follow its rule that index
 * type/count problems are TypeError ERR_INVALID_ARG_TYPE and out-of-range
 * values RangeError ERR_OUT_OF_RANGE.
 */
export const ERROR_MAP: readonly (readonly [string, RegExp, JsError])[] = [
  // indexing and slicing (memoryview and numpy)
  ['IndexError', /./, OUT_OF_RANGE],
  ['ValueError', /^slice step cannot be zero$/, OUT_OF_RANGE],
  ['TypeError', /^cannot index \d+-dimension view with \d+-element tuple$/, INVALID_ARG],
  ['TypeError', /^invalid indexing of 0-dim memory$/, INVALID_ARG],
  ['TypeError', /^memoryview: invalid slice key$/, INVALID_ARG],
  // assumed: get() with fewer indices than ndim is an index-count error
  ['NotImplementedError', /^(multi-dimensional )?sub-views are not implemented$/, INVALID_ARG],
  [
    'NotImplementedError',
    /^memoryview: (unsupported format|format \S+ not supported)/,
    { name: 'BufferError', code: 'ERR_BUFFER_UNSUPPORTED_FORMAT' },
  ],
  // writes
  ['TypeError', /^cannot modify read-only memory$/, { name: 'BufferError', code: 'ERR_BUFFER_NOT_WRITABLE' }],
  [
    'ValueError',
    /^memoryview assignment: lvalue and rvalue have different structures$/,
    { name: 'BufferError', code: 'ERR_BUFFER_STRUCTURE_MISMATCH' },
  ],
  // assumed: item values out of range for the format
  ['ValueError', /^memoryview: invalid value for format/, OUT_OF_RANGE],
  ['OverflowError', /^float too large to pack with e format$/, OUT_OF_RANGE],
  // cast
  [
    'TypeError',
    /^memoryview: casts are restricted to C-contiguous views$/,
    { name: 'BufferError', code: 'ERR_BUFFER_NOT_C_CONTIGUOUS' },
  ],
  ['TypeError', /^memoryview: cannot cast view with zeros in shape or strides$/, INVALID_CAST],
  ['TypeError', /^memoryview: cast must be 1D -> ND or ND -> 1D$/, INVALID_CAST],
  ['ValueError', /^memoryview: destination format must be a native single character format/, INVALID_CAST],
  ['TypeError', /^memoryview: cannot cast between two non-byte formats$/, INVALID_CAST],
  ['TypeError', /^memoryview: length is not a multiple of itemsize$/, INVALID_CAST],
  ['TypeError', /^memoryview: product\(shape\) \* itemsize != buffer size$/, INVALID_CAST],
  ['ValueError', /^memoryview\.cast\(\): elements of shape must be integers > 0$/, INVALID_CAST],
  // assumed: a non-integer shape element is an argument type error
  ['TypeError', /^memoryview\.cast\(\): elements of shape must be integers$/, INVALID_ARG],
  ['TypeError', /^shape must be a list or a tuple$/, INVALID_ARG],
  ['TypeError', /^cast\(\) argument 'format' must be str/, INVALID_ARG],
  [
    'ValueError',
    /^memoryview: number of dimensions must not exceed 64$/,
    { name: 'BufferError', code: 'ERR_BUFFER_TOO_MANY_DIMS' },
  ],
  // lifecycle
  ['ValueError', /^operation forbidden on released memoryview object$/, { name: 'BufferError', code: 'ERR_BUFFER_RELEASED' }],
  ['BufferError', /^memoryview has \d+ exported buffers?$/, EXPORTS_ACTIVE],
  ['BufferError', /^Existing exports of data: object cannot be re-sized$/, EXPORTS_ACTIVE],
];

/** Our error for a recorded CPython error; throws for an unmapped one. */
export function expectedError(pyClass: string, message: string): JsError {
  for (const [cls, pattern, js] of ERROR_MAP) {
    if (cls === pyClass && pattern.test(message)) return js;
  }
  throw new Error(`unmapped CPython error ${pyClass}: ${message}`);
}

/**
 * Runs fn and checks it throws the error mapped from a CPython outcome;
 * null when it does, else a description (for mismatch lists).
 */
export function errorMismatch(fn: () => unknown, pyClass: string, message: string): string | null {
  const want = expectedError(pyClass, message);
  try {
    fn();
  } catch (error) {
    const { name, code, message: text } = error as { name?: unknown; code?: unknown; message?: unknown };
    if (name === want.name && code === want.code) return null;
    return `threw ${String(name)} ${String(code)} (${String(text)}); expected ${want.name} ${want.code} for ${pyClass}: ${message}`;
  }
  return `did not throw; expected ${want.name} ${want.code} for ${pyClass}: ${message}`;
}

/** Describes an unexpected exception for mismatch lists. */
export function describeThrown(error: unknown): string {
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  return `threw ${String(name)} ${String(code)}: ${String(message)}`;
}
