// Unpacking whole struct items ('2h', 'bi', '3s', '<hd'), as struct.unpack
// does, for the comparisons CPython makes through the struct module. Item
// access stays restricted to single-code formats, as in CPython.
import { codecFor, type Item } from './items';
import { parseFormat } from '../layout/format';

/** One item's values: a single value, or a tuple (one-element tuples unwrap, as in memoryview). */
export type Unpacked = Item | Item[];

type Field = (view: DataView, offset: number) => Item;

const TOKEN = /\s*(\d*)([^\s\d])/y;

function latin1(view: DataView, offset: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(view.getUint8(offset + i));
  return s;
}

const unpackers = new Map<string, ((view: DataView, offset: number) => Unpacked) | null>();

/**
 * An unpacker for every item of `format` (already known to be valid), or
 * null when a field cannot be unpacked.
 */
export function unpackerFor(format: string): ((view: DataView, offset: number) => Unpacked) | null {
  const cached = unpackers.get(format);
  if (cached !== undefined) return cached;
  const single = codecFor(format);
  let result: ((view: DataView, offset: number) => Unpacked) | null;
  if (single !== null) {
    result = (view, offset) => single.read(view, offset);
  } else {
    result = compile(format);
  }
  if (unpackers.size > 1024) unpackers.clear();
  unpackers.set(format, result);
  return result;
}

function compile(format: string): ((view: DataView, offset: number) => Unpacked) | null {
  const prefix = /^[@=<>!]/.test(format) ? format[0]! : '';
  const body = format.slice(prefix.length);
  const native = prefix === '' || prefix === '@';
  const fields: Array<[number, Field]> = [];
  let offset = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < body.length) {
    if (/^\s*$/.test(body.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(body);
    if (m === null) return null;
    const count = m[1] === '' ? 1 : Number(m[1]);
    const code = m[2]!;
    const one = parseFormat(prefix + code);
    if (native && one.alignment > 1 && offset > 0) offset += one.alignment - 1 - ((offset - 1) % one.alignment);
    if (code === 'x') {
      offset += count;
    } else if (code === 's') {
      const at = offset;
      fields.push([at, (v, base) => latin1(v, base + at, count)]);
      offset += count;
    } else if (code === 'p') {
      const at = offset;
      fields.push([at, (v, base) => (count === 0 ? '' : latin1(v, base + at + 1, Math.min(v.getUint8(base + at), count - 1)))]);
      offset += count;
    } else {
      const codec = codecFor(prefix + code);
      if (codec === null) return null;
      for (let i = 0; i < count; i++) {
        const at = offset;
        fields.push([at, (v, base) => codec.read(v, base + at)]);
        offset += one.itemsize;
      }
    }
  }
  return (view, base) => {
    const values = fields.map(([, read]) => read(view, base));
    return values.length === 1 ? values[0]! : values;
  };
}
