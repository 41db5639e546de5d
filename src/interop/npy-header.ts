// The .npy header (NumPy's numpy/lib/_format_impl.py, format versions 1 to
// 3): parsing the Python dict literal NumPy writes, writing it byte for byte
// as np.save does, and the table between NumPy dtype descrs ('<f4') and
// struct formats ('f').
import { BufferError } from '../errors';
import { parseFormat } from '../layout/format';
import { isExtendedFormat, parseRecordFormat } from '../layout/record-format';
import { listDescrToFormat, recordDescr } from './npy-records';

/** What a .npy header says. */
export interface NpyHeader {
  /** 1, 2 or 3: the format version (NumPy writes the lowest that fits). */
  readonly version: 1 | 2 | 3;
  /** NumPy's dtype descr, as written ('<f4', '|u1', '>i8', '<M8[ns]'). */
  readonly descr: string;
  /** The struct format of the items ('f', '>q', '?', '3s'). */
  readonly format: string;
  readonly itemsize: number;
  readonly shape: readonly number[];
  /** True when the data is in Fortran (column-major) order. */
  readonly fortranOrder: boolean;
  /** Where the data starts in the file: a multiple of 64 for files NumPy writes. */
  readonly dataOffset: number;
  /** product(shape) * itemsize. */
  readonly dataBytes: number;
  /** For datetime64/timedelta64 descrs (stored as 8-byte integers): the kind and unit. */
  readonly datetime?: { readonly kind: 'datetime64' | 'timedelta64'; readonly unit: string };
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;
/** NumPy's default max_header_size: headers are parsed, and large ones refused. */
export const MAX_HEADER_SIZE = 10000;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function badNpy(message: string): BufferError {
  return new BufferError('ERR_BUFFER_BAD_NPY', message);
}

// ---- descr <-> format ---------------------------------------------------

const KIND_CODES: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  b: { 1: '?' },
  i: { 1: 'b', 2: 'h', 4: 'i', 8: 'q' },
  u: { 1: 'B', 2: 'H', 4: 'I', 8: 'Q' },
  f: { 2: 'e', 4: 'f', 8: 'd' },
};

// The item sizes NumPy itself accepts per kind ('<f3' is no dtype at all;
// '<f16', long double, is one this version has no struct format for).
const NUMPY_SIZES: Readonly<Record<string, readonly number[]>> = {
  b: [1],
  i: [1, 2, 4, 8],
  u: [1, 2, 4, 8],
  f: [2, 4, 8, 12, 16],
  c: [8, 16, 24, 32],
  U: [],
  S: [],
  V: [],
};

/**
 * The struct format, item size and datetime metadata of a NumPy descr string.
 * A structured descr (a list, or its Python repr '[(...), ...]') gives a
 * packed `T{...}` format with NumPy's offsets; '<c8'/'<c16' give 'Zf'/'Zd';
 * '<U3' gives '3w'.
 * @throws {BufferError} ERR_BUFFER_BAD_NPY for a descr that is not a dtype;
 *   ERR_BUFFER_UNSUPPORTED_FORMAT for object, long double and long complex dtypes.
 */
export function descrToFormat(descr: unknown): { format: string; itemsize: number; datetime?: NpyHeader['datetime'] } {
  if (typeof descr === 'string' && descr.startsWith('[')) descr = parseLiteral(descr);
  if (Array.isArray(descr)) {
    const { format, itemsize } = listDescrToFormat(descr, descrToFormat);
    const record = `T{${format}}`;
    if (parseRecordFormat(record).itemsize !== itemsize) throw badNpy('the structured descr has no consistent item size');
    return { format: record, itemsize };
  }
  if (typeof descr !== 'string') throw badNpy(`the header's descr is not a dtype string: ${String(descr)}`);
  const match = /^([<>|=])([biufcmMOSUV])(\d*)(?:\[(\w+)\])?$/.exec(descr);
  if (match === null) throw badNpy(`'${descr}' is not a NumPy dtype descr`);
  const [, order, kind, digits, unit] = match as unknown as [string, string, string, string, string | undefined];
  const size = Number(digits);
  if (kind === 'O') {
    throw new BufferError(
      'ERR_BUFFER_UNSUPPORTED_FORMAT',
      'object arrays (|O) hold pickled Python objects, not numbers: save the data with a numeric or string dtype',
    );
  }
  // Explicit byte order only where it differs from the host's, as NumPy's
  // own PEP 3118 export does ('<f4' -> 'f', '>i8' -> '>q').
  const swapped = (order === '<' && !LITTLE_ENDIAN_HOST) || (order === '>' && LITTLE_ENDIAN_HOST);
  const prefix = swapped ? order : '';
  if (kind === 'M' || kind === 'm') {
    if (size !== 8 || unit === undefined) throw badNpy(`'${descr}' is not a NumPy datetime descr`);
    return { format: `${prefix}q`, itemsize: 8, datetime: { kind: kind === 'M' ? 'datetime64' : 'timedelta64', unit } };
  }
  if (unit !== undefined) throw badNpy(`'${descr}' has a unit but is not a datetime`);
  if (kind === 'U') {
    if (digits === '' || size < 1) throw badNpy(`'${descr}' has no characters`);
    // NumPy exports '<U3' as '3w': three UCS-4 code units.
    return { format: `${prefix}${size}w`, itemsize: 4 * size };
  }
  if (kind === 'c' && (size === 8 || size === 16)) {
    return { format: `${prefix}Z${size === 8 ? 'f' : 'd'}`, itemsize: size };
  }
  if (kind === 'S' || kind === 'V') {
    if (digits === '' || size < 1) throw badNpy(`'${descr}' has no bytes`);
    // NumPy exports |S3 as '3s' and |V3 as '3x'.
    return { format: `${size}${kind === 'S' ? 's' : 'x'}`, itemsize: size };
  }
  if (digits === '' || !NUMPY_SIZES[kind]!.includes(size)) throw badNpy(`'${descr}' is not a dtype NumPy reads`);
  const code = KIND_CODES[kind]?.[size];
  if (code === undefined) {
    throw new BufferError(
      'ERR_BUFFER_UNSUPPORTED_FORMAT',
      `'${descr}' has no struct format this version reads (long double and long complex items are not supported)`,
    );
  }
  return { format: size === 1 ? code : `${prefix}${code}`, itemsize: size };
}

const DESCR_KINDS: Readonly<Record<string, string>> = {
  '?': 'b',
  b: 'i',
  h: 'i',
  i: 'i',
  l: 'i',
  q: 'i',
  n: 'i',
  B: 'u',
  H: 'u',
  I: 'u',
  L: 'u',
  Q: 'u',
  N: 'u',
  P: 'u',
  e: 'f',
  f: 'f',
  d: 'f',
};

/**
 * The NumPy descr of a struct format, as np.save would write it for the same items.
 * Record formats give the Python repr of a structured descr ("[('x', '<f8')]").
 * @throws {BufferError} ERR_BUFFER_BAD_FORMAT for a format struct refuses.
 * @throws {BufferError} ERR_BUFFER_UNSUPPORTED_FORMAT for one with no NumPy dtype here (several items, 'p').
 */
export function formatToDescr(format: string): string {
  if (isExtendedFormat(format)) {
    const type = parseRecordFormat(format).type;
    if (type.kind === 'array') {
      throw new BufferError('ERR_BUFFER_UNSUPPORTED_FORMAT', `format '${format}' is a sub-array: name the field ('T{(2)f:a:}')`);
    }
    const descr = recordDescr(type, formatToDescr);
    return type.kind === 'record' ? descr : descr.slice(1, -1);
  }
  const bytes = /^([@=<>!]?)(\d*)([sxc])$/.exec(format);
  if (bytes !== null) {
    const count = bytes[3] === 'c' ? 1 : bytes[2] === '' ? 1 : Number(bytes[2]);
    return `|${bytes[3] === 'x' ? 'V' : 'S'}${count}`;
  }
  // Through the facade's parser: a bad format is a BufferError that quotes it.
  const parsed = parseFormat(format);
  const kind = DESCR_KINDS[parsed.item.replace(/^[@=<>!]/, '')];
  if (kind === undefined) {
    throw new BufferError(
      'ERR_BUFFER_UNSUPPORTED_FORMAT',
      `format '${format}' has no NumPy dtype here: .npy holds one numeric item per element, or bytes ('Ns')`,
    );
  }
  const order = parsed.itemsize === 1 ? '|' : parsed.littleEndian ? '<' : '>';
  return `${order}${kind}${parsed.itemsize}`;
}

// ---- the header's Python literal -----------------------------------------

type PyValue = string | number | boolean | null | PyValue[] | { tuple: PyValue[] } | Map<string, PyValue>;

/**
 * Parses the Python literal of a .npy header: a dict of strings, ints,
 * True/False/None, tuples and lists, nested at most 32 deep. Anything else
 * (a call, an expression, a float) is refused, as ast.literal_eval would
 * refuse what is not a literal.
 */
function parseLiteral(text: string): PyValue {
  let at = 0;
  const fail = (what: string): never => {
    throw badNpy(`the header is not the Python literal NumPy writes: ${what} at character ${at}`);
  };
  const space = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const value = (depth: number): PyValue => {
    if (depth > 32) fail('nesting too deep');
    space();
    const c = text[at];
    if (c === "'" || c === '"') return string(c);
    if (c === '{') return dict(depth);
    if (c === '(' || c === '[') return sequence(c, depth);
    const word = /^(True|False|None|-?\d+)/.exec(text.slice(at, at + 40));
    if (word === null) return fail('an unexpected token');
    at += word[1]!.length;
    if (word[1] === 'True') return true;
    if (word[1] === 'False') return false;
    if (word[1] === 'None') return null;
    const n = Number(word[1]);
    if (!Number.isSafeInteger(n)) fail('an integer above 2**53');
    return n;
  };
  const string = (quote: string): string => {
    let out = '';
    for (at++; at < text.length && text[at] !== quote; at++) {
      if (text[at] === '\\') {
        const next = text[++at];
        if (next === 'x') {
          out += String.fromCharCode(parseInt(text.slice(at + 1, at + 3), 16));
          at += 2;
        } else if (next === 'u') {
          out += String.fromCharCode(parseInt(text.slice(at + 1, at + 5), 16));
          at += 4;
        } else {
          out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
        }
      } else {
        out += text[at];
      }
    }
    if (at >= text.length) fail('an unterminated string');
    at++;
    return out;
  };
  const sequence = (open: string, depth: number): PyValue => {
    const close = open === '(' ? ')' : ']';
    const items: PyValue[] = [];
    let comma = false;
    for (at++; ;) {
      space();
      if (text[at] === close) break;
      items.push(value(depth + 1));
      space();
      comma = text[at] === ',';
      if (comma) at++;
      else if (text[at] !== close) fail(`a missing ',' or '${close}'`);
    }
    at++;
    // (1) is the number 1 in Python; (1,) is a tuple.
    if (open === '(') return items.length === 1 && !comma ? items[0]! : { tuple: items };
    return items;
  };
  const dict = (depth: number): PyValue => {
    const out = new Map<string, PyValue>();
    for (at++; ;) {
      space();
      if (text[at] === '}') break;
      const key = value(depth + 1);
      if (typeof key !== 'string') fail('a dict key that is not a string');
      space();
      if (text[at++] !== ':') fail("a missing ':'");
      out.set(key as string, value(depth + 1));
      space();
      if (text[at] === ',') at++;
      else if (text[at] !== '}') fail("a missing ',' or '}'");
    }
    at++;
    return out;
  };
  const result = value(0);
  space();
  if (at !== text.length) fail('text after the literal');
  return result;
}

/**
 * Parses a .npy file's first bytes: magic, version, header length and the
 * header dict. `head` must hold at least the whole header (or the file,
 * if shorter). `fileBytes`, when given, is checked to hold the data.
 * @throws {BufferError} ERR_BUFFER_BAD_NPY for what NumPy would refuse to load,
 *   ERR_BUFFER_UNSUPPORTED_FORMAT for dtypes this version cannot read.
 */
export function parseNpyHeader(head: Uint8Array, fileBytes?: number, maxHeaderSize = MAX_HEADER_SIZE): NpyHeader {
  if (head.length < 10 || MAGIC.some((b, i) => head[i] !== b))
    throw badNpy('the file does not start with the .npy magic "\\x93NUMPY"');
  const major = head[6]!;
  if (major < 1 || major > 3 || head[7] !== 0) throw badNpy(`.npy format version ${major}.${head[7]} is not 1.0, 2.0 or 3.0`);
  const version = major as 1 | 2 | 3;
  const prefix = version === 1 ? 10 : 12;
  if (head.length < prefix) throw badNpy('the file ends inside the .npy header length');
  const view = new DataView(head.buffer, head.byteOffset, head.length);
  const headerLength = version === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > maxHeaderSize) {
    throw badNpy(`the header is ${headerLength} bytes, above the ${maxHeaderSize} that NumPy reads by default (max_header_size)`);
  }
  if (head.length < prefix + headerLength) throw badNpy(`the header claims ${headerLength} bytes, past the end of the file`);
  const bytes = head.subarray(prefix, prefix + headerLength);
  const text = version === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(bytes) : String.fromCharCode(...bytes);
  const dict = parseLiteral(text);
  if (!(dict instanceof Map) || dict.size !== 3 || !dict.has('descr') || !dict.has('fortran_order') || !dict.has('shape')) {
    throw badNpy("the header is not a dict of exactly 'descr', 'fortran_order' and 'shape'");
  }
  const fortranOrder = dict.get('fortran_order');
  if (typeof fortranOrder !== 'boolean') throw badNpy("the header's fortran_order is not True or False");
  const shapeValue = dict.get('shape');
  const dims = typeof shapeValue === 'object' && shapeValue !== null && 'tuple' in shapeValue ? shapeValue.tuple : null;
  if (dims === null || !dims.every((d) => typeof d === 'number' && d >= 0) || dims.length > 64) {
    throw badNpy("the header's shape is not a tuple of at most 64 non-negative integers");
  }
  const shape = dims as number[];
  const { format, itemsize, datetime } = descrToFormat(dict.get('descr'));
  let dataBytes = itemsize;
  for (const d of shape) dataBytes *= d;
  if (!Number.isSafeInteger(dataBytes)) throw badNpy(`shape ${JSON.stringify(shape)} holds more than 2**53 bytes`);
  const dataOffset = prefix + headerLength;
  if (fileBytes !== undefined && fileBytes - dataOffset < dataBytes) {
    throw badNpy(
      `shape ${JSON.stringify(shape)} of '${dict.get('descr') as string}' needs ${dataBytes} bytes of data; the file holds ${Math.max(0, fileBytes - dataOffset)}`,
    );
  }
  const descrValue = dict.get('descr');
  return {
    version,
    descr: typeof descrValue === 'string' ? descrValue : formatToDescr(format),
    format,
    itemsize,
    shape,
    fortranOrder,
    dataOffset,
    dataBytes,
    ...(datetime === undefined ? {} : { datetime }),
  };
}

/** Python's repr of a str (the descrs here are ASCII). */
const reprString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Python's repr of a tuple of ints. */
const reprShape = (shape: readonly number[]): string => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`);

/**
 * The header bytes np.save writes for `descr`, `shape` and `fortranOrder`:
 * the dict literal with its growth spaces, padded so the data starts at a
 * multiple of 64, in the lowest version that holds it.
 */
export function formatNpyHeader(descr: string, shape: readonly number[], fortranOrder: boolean): Uint8Array {
  // A structured descr is already the Python literal of its list.
  const descrLiteral = descr.startsWith('[') ? descr : reprString(descr);
  let dict = `{'descr': ${descrLiteral}, 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${reprShape(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[fortranOrder ? shape.length - 1 : 0]).length);
  // Field names beyond Latin-1 need version 3's UTF-8, as in np.save.
  const utf8 = /[^\0-\xff]/.test(dict);
  const text = utf8 ? new TextEncoder().encode(dict) : Uint8Array.from(dict, (c) => c.charCodeAt(0));
  for (const version of utf8 ? ([3] as const) : ([1, 2] as const)) {
    const prefix = version === 1 ? 10 : 12;
    const hlen = text.length + 1;
    const padlen = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
    const total = hlen + padlen;
    if (version === 1 && total > 0xffff) continue;
    const out = new Uint8Array(prefix + total);
    out.set(MAGIC, 0);
    out[6] = version;
    out[7] = 0;
    const view = new DataView(out.buffer);
    if (version === 1) view.setUint16(8, total, true);
    else view.setUint32(8, total, true);
    out.set(text, prefix);
    out.fill(0x20, prefix + text.length, out.length - 1);
    out[out.length - 1] = 0x0a;
    return out;
  }
  throw badNpy('the header does not fit a .npy file');
}
