// Item codecs: how one item of a single-code format reads and writes, for
// every code memoryview can unpack plus what CPython refuses but JavaScript
// can read exactly (explicit byte order, unaligned items, half floats).
import { invalidArgType, outOfRange } from '../errors';
import { parseFormat } from '../layout/format';
import { isExtendedFormat } from '../layout/record-format';
import { recordPart } from './record-codec';
import type { ElementArrayName } from '../internal/primordials';

/**
 * An item's JavaScript value: see "Item values" in docs/reference.md.
 * Records are objects keyed by field name (sub-arrays as arrays), complex
 * items `{re, im}`.
 */
export type Item = number | bigint | boolean | string | ItemRecord | readonly Item[];

/** A record item (`T{...}`) or a complex one (`{re, im}`). */
export interface ItemRecord {
  readonly [field: string]: Item;
}

type Kind = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f16' | 'f32' | 'f64' | 'bool' | 'char';

type TypedArrayCtor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

export interface ItemCodec {
  /** 'record' for records, complex and UCS-4 items, read only through a DataView. */
  readonly kind: Kind | 'record';
  readonly code: string;
  readonly size: number;
  readonly littleEndian: boolean;
  /** Byte order is the host's, so a TypedArray can read the items. */
  readonly nativeOrder: boolean;
  /** The TypedArray holding raw items (Uint8Array for '?' and 'c', Uint16Array for 'e'). */
  readonly storage: TypedArrayCtor;
  /** `storage`'s name, read at load: the library makes its own arrays by name (privateElements). */
  readonly storageName: ElementArrayName;
  /** The TypedArray whose elements are the item values, if one exists. */
  readonly valueArray: TypedArrayCtor | null;
  read(view: DataView, offset: number): Item;
  write(view: DataView, offset: number, value: Item): void;
  /** Converts a stored raw element (from `storage`) to the item value. */
  fromRaw(raw: number | bigint): Item;
  /** Converts a checked value to the raw element `storage` holds. */
  toRaw(value: Item): number | bigint;
  /** Checks a value for `set`, as CPython's pack_single does; returns it normalised. */
  check(value: unknown): Item;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE 754 binary16 bits -> number. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** number -> IEEE 754 binary16 bits, rounding to nearest even; null when it overflows. */
export function numberToHalf(x: number): number | null {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  if (Number.isNaN(x)) return 0x7e00;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal (1024 carries into the exponent)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return null;
  return sign | ((e + 15) << 10) | m;
}

const INT_RANGES: Partial<Record<Kind, readonly [number, number]>> = {
  i8: [-0x80, 0x7f],
  u8: [0, 0xff],
  i16: [-0x8000, 0x7fff],
  u16: [0, 0xffff],
  i32: [-0x80000000, 0x7fffffff],
  u32: [0, 0xffffffff],
};

const BIG_RANGES: Partial<Record<Kind, readonly [bigint, bigint]>> = {
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  u64: [0n, 2n ** 64n - 1n],
};

/** Python's truth value of a JavaScript value. */
function truth(value: unknown): boolean {
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (value === null || value === undefined || value === false) return false;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return (value as { length?: number }).length !== 0;
  return true;
}

function checkFor(kind: Kind, format: string): (value: unknown) => Item {
  const label = `value for format '${format}'`;
  const ints = INT_RANGES[kind];
  if (ints !== undefined) {
    const [lo, hi] = ints;
    return (value) => {
      // CPython's bool is an int: True stores 1, False 0.
      let v = typeof value === 'boolean' ? Number(value) : value;
      if (typeof v === 'bigint') v = v >= BigInt(lo) && v <= BigInt(hi) ? Number(v) : Infinity;
      // CPython refuses every float for an integer format (TypeError).
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        if (v === Infinity && typeof value === 'bigint') throw outOfRange(label, `an integer >= ${lo} and <= ${hi}`, value);
        throw invalidArgType('value', `an integer for format '${format}'`, value);
      }
      if (v < lo || v > hi) throw outOfRange(label, `an integer >= ${lo} and <= ${hi}`, value);
      return v;
    };
  }
  const bigs = BIG_RANGES[kind];
  if (bigs !== undefined) {
    const [lo, hi] = bigs;
    return (value) => {
      let v: bigint;
      if (typeof value === 'bigint') v = value;
      else if (typeof value === 'boolean') v = value ? 1n : 0n;
      else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
      else if (typeof value === 'number' && Number.isInteger(value)) {
        throw outOfRange(label, 'a bigint (numbers beyond 2**53 are not exact)', value);
      } else throw invalidArgType('value', `a bigint or an integer for format '${format}'`, value);
      if (v < lo || v > hi) throw outOfRange(label, `>= ${lo} and <= ${hi}`, value);
      return v;
    };
  }
  switch (kind) {
    case 'f32':
    case 'f64':
      return (value) => {
        if (typeof value === 'number') return value;
        if (typeof value === 'boolean') return Number(value);
        if (typeof value === 'bigint') {
          // CPython: an int too large for a double is a ValueError.
          const v = Number(value);
          if (!Number.isFinite(v)) throw outOfRange(label, 'an integer a double can hold', value);
          return v;
        }
        throw invalidArgType('value', `a number for format '${format}'`, value);
      };
    case 'f16':
      return (value) => {
        const v = typeof value === 'bigint' || typeof value === 'boolean' ? Number(value) : value;
        if (typeof v !== 'number') throw invalidArgType('value', `a number for format '${format}'`, value);
        // CPython: an int too large for a double cannot become a float at all.
        if (typeof value === 'bigint' && !Number.isFinite(v)) throw outOfRange(label, 'an integer a double can hold', value);
        if (numberToHalf(v) === null) throw outOfRange(label, 'a number whose magnitude is below 65520', value);
        return v;
      };
    case 'bool':
      // CPython stores the truth value of anything (PyObject_IsTrue), with
      // Python's idea of truth: NaN is true, empty arrays and strings false.
      return (value) => truth(value);
    case 'char':
      return (value) => {
        if (typeof value !== 'string') throw invalidArgType('value', `a one-character string for format '${format}'`, value);
        if (value.length !== 1 || value.charCodeAt(0) > 0xff) {
          throw outOfRange(label, 'one character with a code below 256', JSON.stringify(value));
        }
        return value;
      };
    default:
      throw new Error(`unreachable kind ${kind}`);
  }
}

interface KindInfo {
  storage: TypedArrayCtor;
  valueArray: TypedArrayCtor | null;
  read(dv: DataView, o: number, le: boolean): Item;
  write(dv: DataView, o: number, v: Item, le: boolean): void;
  fromRaw(raw: number | bigint): Item;
  toRaw(v: Item): number | bigint;
}

const same = (raw: number | bigint): Item => raw;
const KINDS: Record<Kind, KindInfo> = {
  i8: {
    storage: Int8Array,
    valueArray: Int8Array,
    read: (d, o) => d.getInt8(o),
    write: (d, o, v) => d.setInt8(o, v as number),
    fromRaw: same,
    toRaw: (v) => v as number,
  },
  u8: {
    storage: Uint8Array,
    valueArray: Uint8Array,
    read: (d, o) => d.getUint8(o),
    write: (d, o, v) => d.setUint8(o, v as number),
    fromRaw: same,
    toRaw: (v) => v as number,
  },
  i16: {
    storage: Int16Array,
    valueArray: Int16Array,
    read: (d, o, le) => d.getInt16(o, le),
    write: (d, o, v, le) => d.setInt16(o, v as number, le),
    fromRaw: same,
    toRaw: (v) => v as number,
  },
  u16: {
    storage: Uint16Array,
    valueArray: Uint16Array,
    read: (d, o, le) => d.getUint16(o, le),
    write: (d, o, v, le) => d.setUint16(o, v as number, le),
    fromRaw: same,
    toRaw: (v) => v as number,
  },
  i32: {
    storage: Int32Array,
    valueArray: Int32Array,
    read: (d, o, le) => d.getInt32(o, le),
    write: (d, o, v, le) => d.setInt32(o, v as number, le),
    fromRaw: same,
    toRaw: (v) => v as number,
  },
  u32: {
    storage: Uint32Array,
    valueArray: Uint32Array,
    read: (d, o, le) => d.getUint32(o, le),
    write: (d, o, v, le) => d.setUint32(o, v as number, le),
    fromRaw: same,
    toRaw: (v) => v as number,
  },
  i64: {
    storage: BigInt64Array,
    valueArray: BigInt64Array,
    read: (d, o, le) => d.getBigInt64(o, le),
    write: (d, o, v, le) => d.setBigInt64(o, v as bigint, le),
    fromRaw: same,
    toRaw: (v) => v as bigint,
  },
  u64: {
    storage: BigUint64Array,
    valueArray: BigUint64Array,
    read: (d, o, le) => d.getBigUint64(o, le),
    write: (d, o, v, le) => d.setBigUint64(o, v as bigint, le),
    fromRaw: same,
    toRaw: (v) => v as bigint,
  },
  f32: {
    storage: Float32Array,
    valueArray: Float32Array,
    read: (d, o, le) => d.getFloat32(o, le),
    write: (d, o, v, le) => d.setFloat32(o, v as number, le),
    fromRaw: same,
    toRaw: (v) => v as number,
  },
  f64: {
    storage: Float64Array,
    valueArray: Float64Array,
    read: (d, o, le) => d.getFloat64(o, le),
    write: (d, o, v, le) => d.setFloat64(o, v as number, le),
    fromRaw: same,
    toRaw: (v) => v as number,
  },
  f16: {
    storage: Uint16Array,
    valueArray: null,
    read: (d, o, le) => halfToNumber(d.getUint16(o, le)),
    write: (d, o, v, le) => d.setUint16(o, numberToHalf(v as number)!, le),
    fromRaw: (raw) => halfToNumber(raw as number),
    toRaw: (v) => numberToHalf(v as number)!,
  },
  bool: {
    storage: Uint8Array,
    valueArray: null,
    read: (d, o) => d.getUint8(o) !== 0,
    write: (d, o, v) => d.setUint8(o, v ? 1 : 0),
    fromRaw: (raw) => raw !== 0,
    toRaw: (v) => (v ? 1 : 0),
  },
  char: {
    storage: Uint8Array,
    valueArray: null,
    read: (d, o) => String.fromCharCode(d.getUint8(o)),
    write: (d, o, v) => d.setUint8(o, (v as string).charCodeAt(0)),
    fromRaw: (raw) => String.fromCharCode(raw as number),
    toRaw: (v) => (v as string).charCodeAt(0),
  },
};

// Each kind's storage name, read once now: a constructor's name can be
// redefined later, and the arrays made by it must hold what codecs expect.
const STORAGE_NAMES = new Map<Kind, ElementArrayName>(
  (Object.keys(KINDS) as Kind[]).map((kind) => [kind, KINDS[kind].storage.name as ElementArrayName]),
);

function kindOf(code: string, size: number): Kind | null {
  switch (code) {
    case 'b':
      return 'i8';
    case 'B':
      return 'u8';
    case 'c':
      return 'char';
    case '?':
      return size === 1 ? 'bool' : null;
    case 'e':
      return 'f16';
    case 'f':
      return 'f32';
    case 'd':
      return 'f64';
    case 'h':
      return 'i16';
    case 'H':
      return 'u16';
    case 'i':
    case 'l':
    case 'q':
    case 'n':
      return size === 2 ? 'i16' : size === 4 ? 'i32' : size === 8 ? 'i64' : null;
    case 'I':
    case 'L':
    case 'Q':
    case 'N':
    case 'P':
      return size === 2 ? 'u16' : size === 4 ? 'u32' : size === 8 ? 'u64' : null;
    default:
      return null;
  }
}

const codecs = new Map<string, ItemCodec | null>();

/**
 * The codec of a single-item format ('d', '<i', '@B', '>e'), or null when
 * items of this format cannot be unpacked one by one (multi-item formats,
 * padding, strings).
 */
export function codecFor(format: string): ItemCodec | null {
  let codec = codecs.get(format);
  if (codec !== undefined) return codec;
  const parsed = parseFormat(format);
  const kind = parsed.item === '' ? null : kindOf(parsed.item, parsed.itemsize);
  if (kind === null) {
    codec = isExtendedFormat(format) ? recordCodec(format, parsed.itemsize) : null;
  } else {
    const info = KINDS[kind];
    const le = parsed.littleEndian;
    codec = {
      kind,
      code: parsed.item,
      size: parsed.itemsize,
      littleEndian: le,
      nativeOrder: le === HOST_LITTLE_ENDIAN || parsed.itemsize === 1,
      storage: info.storage,
      storageName: STORAGE_NAMES.get(kind)!,
      valueArray: info.valueArray,
      read: (dv, o) => info.read(dv, o, le),
      write: (dv, o, v) => info.write(dv, o, v, le),
      fromRaw: info.fromRaw,
      toRaw: info.toRaw,
      check: checkFor(kind, format),
    };
  }
  if (codecs.size > 1024) codecs.clear();
  codecs.set(format, codec);
  return codec;
}

function noRaw(): never {
  throw new Error('record items have no TypedArray element');
}

function recordCodec(format: string, size: number): ItemCodec {
  const part = recordPart(format);
  return {
    kind: 'record',
    code: '',
    size,
    littleEndian: HOST_LITTLE_ENDIAN,
    nativeOrder: false,
    storage: Uint8Array,
    storageName: 'Uint8Array',
    valueArray: null,
    read: part.read,
    write: part.write,
    fromRaw: noRaw,
    toRaw: noRaw,
    check: (value) => part.check(value, 'value'),
  };
}
