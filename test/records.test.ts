// Record (T{...}), complex (Zf/Zd) and UCS-4 (w) items against NumPy:
// golden/records.json was written by golden/records.py (npm run golden)
// from 240 random structured dtypes. Each case checks the itemsize and every
// field's offset, get/toList against NumPy's tolist(), and that set() of
// those values rebuilds NumPy's bytes from zeros.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryview, sizeFromFormat } from '../src';
import { parseFormat } from '../src/layout/format';
import { parseRecordFormat, type FieldType } from '../src/layout/record-format';
import { expectCode } from './helpers/expect';

interface Case {
  dtype: string;
  format: string;
  itemsize: number;
  offsets: Array<[string, number]>;
  hex: string;
  values: unknown[];
}

const golden = JSON.parse(readFileSync(join(__dirname, 'golden', 'records.json'), 'utf8')) as { cases: Case[] };

function fromHex(hex: string): ArrayBuffer {
  return new Uint8Array(Buffer.from(hex, 'hex')).buffer;
}

/** Our item values in the golden file's JSON form. */
function normalise(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : { int: String(value) };
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { float: Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf' };
  }
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

/** The golden JSON form back to values for set(). */
function denormalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(denormalise);
  if (typeof value === 'object' && value !== null) {
    const tagged = value as { int?: string; float?: string };
    if (Object.keys(value).length === 1 && tagged.int !== undefined) return BigInt(tagged.int);
    if (Object.keys(value).length === 1 && tagged.float !== undefined) {
      return tagged.float === 'nan' ? NaN : tagged.float === 'inf' ? Infinity : -Infinity;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, denormalise(v)]));
  }
  return value;
}

function fieldOffsets(type: FieldType, base: number, prefix: string, out: Array<[string, number]>): Array<[string, number]> {
  if (type.kind !== 'record') return out;
  for (const f of type.fields) {
    out.push([prefix + f.name, base + f.offset]);
    const inner = f.type;
    if (inner.kind === 'record') fieldOffsets(inner, base + f.offset, `${prefix}${f.name}.`, out);
  }
  return out;
}

describe('records against NumPy structured dtypes', () => {
  test('the golden file covers nesting, sub-arrays, padding and both byte orders', () => {
    const formats = golden.cases.map((c) => c.format);
    expect(formats.length).toBeGreaterThanOrEqual(200);
    for (const part of ['T{', '(', 'x', '>', '=', 'Zf', 'Zd', 'w', 's:']) {
      expect(formats.filter((f) => f.slice(2).includes(part)).length).toBeGreaterThan(5);
    }
  });

  test('itemsize and field offsets are NumPy’s', () => {
    const bad: string[] = [];
    for (const c of golden.cases) {
      const parsed = parseRecordFormat(c.format);
      if (parseFormat(c.format).itemsize !== c.itemsize || parsed.itemsize !== c.itemsize) bad.push(`${c.format}: size`);
      else if (JSON.stringify(fieldOffsets(parsed.type, 0, '', [])) !== JSON.stringify(c.offsets))
        bad.push(`${c.format}: offsets`);
    }
    expect(bad).toEqual([]);
  });

  test('get, toList and iteration give NumPy’s tolist()', () => {
    for (const c of golden.cases) {
      const n = c.values.length;
      const view = memoryview(fromHex(c.hex), { format: c.format, shape: [n] });
      expect([c.format, normalise(view.toList())]).toEqual([c.format, c.values]);
      expect(normalise(view.get(n - 1))).toEqual(c.values[n - 1]);
      expect(normalise([...view])).toEqual(c.values);
    }
  });

  test('set() of NumPy’s values rebuilds NumPy’s bytes', () => {
    for (const c of golden.cases) {
      const n = c.values.length;
      const view = memoryview(new ArrayBuffer(c.itemsize * n), { format: c.format, shape: [n] });
      c.values.forEach((v, i) => view.set(i, denormalise(v) as never));
      expect([c.format, Buffer.from(view.toBytes()).toString('hex')]).toEqual([c.format, c.hex]);
      // NaN is unequal to itself, in records too (NumPy's == on structured arrays).
      const hasNan = JSON.stringify(c.values).includes('"nan"');
      expect(view.equals(memoryview(fromHex(c.hex), { format: c.format, shape: [n] }))).toBe(!hasNan);
    }
  });
});

describe('record items', () => {
  const format = 'T{<d:x:<i:y:3s:name:(2)B:pair:}';

  test('read and written as objects keyed by field name', () => {
    const view = memoryview(new ArrayBuffer(2 * parseFormat(format).itemsize), { format, shape: [2] });
    view.set(1, { x: 1.5, y: -2, name: 'abc', pair: [3, 4] } as never);
    expect(view.get(1)).toEqual({ x: 1.5, y: -2, name: 'abc', pair: [3, 4] });
    expect(view.get(0)).toEqual({ x: 0, y: 0, name: '', pair: [0, 0] });
  });

  test('unnamed fields take NumPy’s names f0, f1', () => {
    const view = memoryview(new ArrayBuffer(12), { format: 'T{i=d}', shape: [1] });
    expect(view.get(0)).toEqual({ f0: 0, f1: 0 });
  });

  test('a field named __proto__ is a field', () => {
    const view = memoryview(new ArrayBuffer(4), { format: 'T{<i:__proto__:}', shape: [1] });
    view.set(0, JSON.parse('{"__proto__": 7}') as never);
    expect(Object.keys(view.get(0) as object)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(view.get(0), '__proto__')?.value).toBe(7);
  });

  test('complex and UCS-4 items', () => {
    const z = memoryview(new ArrayBuffer(16), { format: '>Zf', shape: [2] });
    z.set(0, { re: 1.5, im: -2 } as never);
    expect(z.toList()).toEqual([
      { re: 1.5, im: -2 },
      { re: 0, im: 0 },
    ]);
    expect(Buffer.from(z.toBytes().slice(0, 8)).toString('hex')).toBe('3fc00000c0000000');
    const w = memoryview(new ArrayBuffer(12), { format: '3w', shape: [1] });
    w.set(0, 'a😀' as never);
    expect(w.get(0)).toBe('a😀');
    expectCode(() => w.set(0, 'abcd' as never), 'ERR_OUT_OF_RANGE');
  });

  test('set() with a missing field or a wrong type writes nothing', () => {
    const view = memoryview(new ArrayBuffer(parseFormat(format).itemsize), { format, shape: [1] });
    const before = Buffer.from(view.toBytes()).toString('hex');
    expectCode(() => view.set(0, { x: 1, y: 2, name: 'a' } as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => view.set(0, { x: 1, y: 'two', name: 'a', pair: [1, 2] } as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => view.set(0, { x: 1, y: 2, name: 'a', pair: [1] } as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => view.set(0, 5 as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expect(Buffer.from(view.toBytes()).toString('hex')).toBe(before);
  });

  test('malformed record formats name the position', () => {
    const cases: Array<[string, RegExp]> = [
      ['T{i:a:', /position 0: 'T\{' is never closed/],
      ['T{i:a:i:a:}', /position 6: duplicate field name "a"/],
      ['T{(2,x)i:a:}', /position 2: sub-array shape/],
      ['T{i:a}', /position 3: field name is not closed/],
      ['T{i:a:}}', /position 7: '\}' without 'T\{'/],
      ['Zq', /position 0: complex must be/],
    ];
    for (const [bad, message] of cases) {
      expect(expectCode(() => memoryview(new ArrayBuffer(64), { format: bad }), 'ERR_BUFFER_BAD_FORMAT').message).toMatch(
        message,
      );
    }
  });

  test('equals compares field by field', () => {
    const a = memoryview(new ArrayBuffer(16), { format: 'T{b:a:xxxxxxxd:b:}', shape: [1] });
    const b = memoryview(new ArrayBuffer(9), { format: 'T{b:a:=d:b:}', shape: [1] });
    a.set(0, { a: 1, b: 2.5 } as never);
    b.set(0, { a: 1, b: 2.5 } as never);
    expect(a.equals(b)).toBe(true);
    b.set(0, { a: 1, b: 3 } as never);
    expect(a.equals(b)).toBe(false);
    const renamed = memoryview(new ArrayBuffer(9), { format: 'T{b:a:=d:c:}', shape: [1] });
    renamed.set(0, { a: 1, c: 2.5 } as never);
    expect(a.equals(renamed)).toBe(false);
  });

  test('sizeFromFormat stays struct.calcsize: records, complex and w are refused', () => {
    for (const f of ['T{i:a:}', 'Zd', '3w']) expectCode(() => sizeFromFormat(f), 'ERR_BUFFER_BAD_FORMAT');
  });

  test('multi-item struct formats keep CPython’s rule: no item access', () => {
    const view = memoryview(new ArrayBuffer(8), { format: 'bi' });
    expectCode(() => view.get(0), 'ERR_BUFFER_UNSUPPORTED_FORMAT');
  });

  test('cast follows CPython: to bytes only, never to a record', () => {
    const view = memoryview(new ArrayBuffer(16), { format: 'T{b:a:xxxxxxxd:b:}', shape: [1] });
    expect(view.cast('B').shape).toEqual([16]);
    expectCode(() => memoryview(new ArrayBuffer(16)).cast('T{b:a:xxxxxxxd:b:}'), 'ERR_BUFFER_INVALID_CAST');
  });
});
