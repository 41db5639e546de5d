// Items of record, complex and UCS-4 formats, as NumPy's item access gives
// them: records as objects keyed by field name (unnamed fields by NumPy's
// own names 'f0', 'f1', ...), sub-arrays as nested arrays, complex as
// {re, im}, byte and UCS-4 strings with trailing NULs stripped. Each format
// compiles once into a tree of readers; set() checks the whole value before
// writing any byte.
import { invalidArgType, outOfRange } from '../errors';
import { parseRecordFormat, type FieldType } from '../layout/record-format';
import { codecFor, type Item, type ItemRecord } from './items';

interface Part {
  read(view: DataView, offset: number): Item;
  write(view: DataView, offset: number, value: Item): void;
  check(value: unknown, path: string): Item;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

// A field named '__proto__' (NumPy allows it) must be an own property, not
// the object's prototype.
function setField(out: Record<string, Item>, name: string, value: Item): void {
  if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  else out[name] = value;
}

function compile(type: FieldType, format: string): Part {
  switch (type.kind) {
    case 'scalar': {
      const codec = codecFor(type.format);
      if (codec === null) throw invalidArgType('format', `a record of readable fields in ${JSON.stringify(format)}`, type.format);
      return {
        read: codec.read,
        write: codec.write,
        check: (value, path) => {
          try {
            return codec.check(value);
          } catch (error) {
            (error as Error).message = `${path}: ${(error as Error).message}`;
            throw error;
          }
        },
      };
    }
    case 'complex': {
      const part = codecFor(type.part)!;
      const half = type.size / 2;
      return {
        read: (v, o) => ({ re: part.read(v, o), im: part.read(v, o + half) }),
        write: (v, o, value) => {
          const c = value as { re: number; im: number };
          part.write(v, o, c.re);
          part.write(v, o + half, c.im);
        },
        check: (value, path) => {
          if (typeof value === 'number') return { re: value, im: 0 };
          if (!isObject(value) || typeof value.re !== 'number' || typeof value.im !== 'number') {
            throw invalidArgType(path, 'a complex {re, im} of numbers', value);
          }
          return { re: value.re, im: value.im };
        },
      };
    }
    case 'bytes': {
      const size = type.size;
      return {
        read: (v, o) => {
          let end = size;
          while (end > 0 && v.getUint8(o + end - 1) === 0) end--;
          let s = '';
          for (let i = 0; i < end; i++) s += String.fromCharCode(v.getUint8(o + i));
          return s;
        },
        write: (v, o, value) => {
          const s = value as string;
          for (let i = 0; i < size; i++) v.setUint8(o + i, i < s.length ? s.charCodeAt(i) : 0);
        },
        check: (value, path) => {
          if (typeof value !== 'string') throw invalidArgType(path, `a string of at most ${size} Latin-1 characters`, value);
          if (value.length > size || /[^\0-\xff]/.test(value)) {
            throw outOfRange(path, `at most ${size} characters with codes below 256`, JSON.stringify(value));
          }
          return value;
        },
      };
    }
    case 'unicode': {
      const { chars, littleEndian: le } = type;
      return {
        read: (v, o) => {
          let end = chars;
          while (end > 0 && v.getUint32(o + 4 * (end - 1), le) === 0) end--;
          const points: number[] = [];
          for (let i = 0; i < end; i++) points.push(v.getUint32(o + 4 * i, le));
          return String.fromCodePoint(...points);
        },
        write: (v, o, value) => {
          const points = Array.from(value as string, (c) => c.codePointAt(0)!);
          for (let i = 0; i < chars; i++) v.setUint32(o + 4 * i, points[i] ?? 0, le);
        },
        check: (value, path) => {
          if (typeof value !== 'string') throw invalidArgType(path, `a string of at most ${chars} characters`, value);
          if (Array.from(value).length > chars) throw outOfRange(path, `at most ${chars} characters`, JSON.stringify(value));
          return value;
        },
      };
    }
    case 'array': {
      const [n, ...rest] = type.shape;
      const inner =
        rest.length === 0 ? compile(type.element, format) : compile({ ...type, shape: rest, size: type.size / n! }, format);
      const step = type.size / n!;
      return {
        read: (v, o) => {
          const out: Item[] = [];
          for (let i = 0; i < n!; i++) out.push(inner.read(v, o + i * step));
          return out;
        },
        write: (v, o, value) => {
          const items = value as readonly Item[];
          for (let i = 0; i < n!; i++) inner.write(v, o + i * step, items[i]!);
        },
        check: (value, path) => {
          if (!Array.isArray(value)) throw invalidArgType(path, `an array of ${n} items`, value);
          if (value.length !== n) throw invalidArgType(path, `an array of ${n} items`, `an array of ${value.length}`);
          return value.map((x, i) => inner.check(x, `${path}[${i}]`));
        },
      };
    }
    case 'record': {
      const fields = type.fields.map((f) => ({ name: f.name, offset: f.offset, part: compile(f.type, format) }));
      return {
        read: (v, o) => {
          const out: Record<string, Item> = {};
          for (const f of fields) setField(out, f.name, f.part.read(v, o + f.offset));
          return out;
        },
        write: (v, o, value) => {
          const fieldValues = value as ItemRecord;
          for (const f of fields) f.part.write(v, o + f.offset, fieldValues[f.name]!);
        },
        check: (value, path) => {
          if (!isObject(value))
            throw invalidArgType(path, `a record object with fields ${fields.map((f) => f.name).join(', ')}`, value);
          const out: Record<string, Item> = {};
          for (const f of fields) {
            if (!Object.prototype.hasOwnProperty.call(value, f.name)) {
              throw invalidArgType(`${path}.${f.name}`, `a value for field ${JSON.stringify(f.name)}`, undefined);
            }
            setField(out, f.name, f.part.check(value[f.name], `${path}.${f.name}`));
          }
          return out;
        },
      };
    }
  }
}

/** The compiled reader, writer and checker of one record, complex or UCS-4 format. */
export function recordPart(format: string): Part {
  return compile(parseRecordFormat(format).type, format);
}
