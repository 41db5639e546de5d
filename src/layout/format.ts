import { BufferError, callNative, outOfRange } from '../errors';
import { checkString } from '../internal/validate';
import { native, type NativeFormat } from '../native';
import { isExtendedFormat, parseRecordFormat } from './record-format';

export type { NativeFormat as FormatInfo };

// Formats repeat (every export of a layout names one), so parse each once.
const cache = new Map<string, NativeFormat>();
const CACHE_LIMIT = 1024;
// The last format asked for, before the map: a loop exports one layout.
let lastFormat = '';
let lastParsed: NativeFormat | null = null;

/** Parses a struct format string; throws BufferError ERR_BUFFER_BAD_FORMAT. */
export function parseFormat(format: string): NativeFormat {
  if (format === lastFormat && lastParsed !== null) return lastParsed;
  let parsed = cache.get(format);
  if (parsed === undefined) {
    try {
      parsed = isExtendedFormat(format) ? recordInfo(format) : callNative(() => native.core.parseFormat(format));
    } catch (error) {
      // The record parser names the position itself; the core's errors get it here.
      throw withDtypeHint(isExtendedFormat(format) ? error : withPosition(error, format), format);
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(format, parsed);
  }
  lastFormat = format;
  lastParsed = parsed;
  return parsed;
}

// Records, complex and UCS-4 items have no single struct code: item stays ''.
function recordInfo(format: string): NativeFormat {
  const { itemsize, alignment } = parseRecordFormat(format);
  return { itemsize, alignment, prefix: '', littleEndian: true, nativeSizes: true, item: '' };
}

/**
 * The parser's refusal, with the format quoted and where it goes wrong: the
 * binding puts `position` (the length of the longest prefix that parses, or
 * -1 for a format too long to rescan) on its error, the cause here.
 */
function withPosition(error: unknown, format: string): unknown {
  if ((error as { code?: unknown }).code !== 'ERR_BUFFER_BAD_FORMAT') return error;
  const position = (error as { cause?: { position?: unknown } }).cause?.position;
  const where = typeof position === 'number' && position >= 0 ? ` at position ${position} of` : ' in';
  const quoted = JSON.stringify(format.length > 80 ? `${format.slice(0, 80)}...` : format);
  return new BufferError('ERR_BUFFER_BAD_FORMAT', `${(error as Error).message}${where} format ${quoted}`, { cause: error });
}

// NumPy dtype strings ('<f4', '|u1') are the usual mistake: say which
// struct format names the same items.
const DTYPE = /^([<>|=]?)([biuf])([1248])$/;
const DTYPE_CODES: Readonly<Record<string, string>> = {
  b1: '?',
  i1: 'b',
  i2: 'h',
  i4: 'i',
  i8: 'q',
  u1: 'B',
  u2: 'H',
  u4: 'I',
  u8: 'Q',
  f2: 'e',
  f4: 'f',
  f8: 'd',
};

function withDtypeHint(error: unknown, format: string): unknown {
  const match = DTYPE.exec(format);
  const code = match === null ? undefined : DTYPE_CODES[`${match[2]}${match[3]}`];
  if (code === undefined || (error as { code?: unknown }).code !== 'ERR_BUFFER_BAD_FORMAT') return error;
  const order = match![1] === '|' || match![3] === '1' ? '' : match![1] === '=' ? '=' : match![1];
  const hint = `${order}${code}`;
  return new BufferError(
    'ERR_BUFFER_BAD_FORMAT',
    `${(error as Error).message}: ${JSON.stringify(format)} is a NumPy dtype; did you mean the struct format ${JSON.stringify(hint)}?`,
    { cause: error },
  );
}

/**
 * `struct.calcsize(format)`: the item size of a struct format string
 * (`PyBuffer_SizeFromFormat`). `''` and a lone prefix such as `'<'` are
 * valid and give 0, as in Python. Record (`T{...}`), complex and `w` formats
 * are refused as struct refuses them; memoryview layouts accept them.
 * @throws {BufferError} ERR_BUFFER_BAD_FORMAT for anything Python's struct refuses.
 * @throws {RangeError} ERR_OUT_OF_RANGE when the size exceeds 2**53 - 1 and so
 *   cannot be a JavaScript number (Python would return the exact integer).
 * @example sizeFromFormat('bi') === 8; sizeFromFormat('=bi') === 5
 */
export function sizeFromFormat(format: string): number {
  checkString('format', format);
  // struct.calcsize: records, complex and 'w' are PEP 3118, not struct.
  const size = (isExtendedFormat(format) ? callNative(() => native.core.parseFormat(format)) : parseFormat(format)).itemsize;
  if (size > Number.MAX_SAFE_INTEGER) throw outOfRange('format', 'a format of at most 2**53 - 1 bytes', format);
  return size;
}

/** The parsed format of a buffer layout, which needs items of at least one byte. */
export function itemFormat(format: string): NativeFormat {
  const parsed = parseFormat(format);
  if (parsed.itemsize < 1) {
    throw new BufferError('ERR_BUFFER_BAD_FORMAT', `format ${JSON.stringify(format)} describes items of 0 bytes`);
  }
  if (parsed.itemsize > Number.MAX_SAFE_INTEGER) {
    throw new BufferError('ERR_BUFFER_OUT_OF_BOUNDS', `items of ${parsed.itemsize} bytes cannot fit in memory`);
  }
  return parsed;
}
