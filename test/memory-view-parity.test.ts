// The last CPython parity checks, replayed from golden/parity.json (made by
// golden/parity.py from CPython itself, `npm run golden`): contiguity of
// zero-size and extent-1 layouts, booleans and out-of-range values in set(),
// hex()'s argument rules, and cast()'s shape checks in CPython's order.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BufferFlags, getBuffer, isContiguous, memoryview, type BufferInfo } from '../src';

type Encoded = number | boolean | string | null | { int: string } | Encoded[];
interface Outcome {
  ok?: Encoded;
  error?: string;
  message?: string;
}

const golden = JSON.parse(fs.readFileSync(path.join(__dirname, 'golden', 'parity.json'), 'utf8')) as {
  layouts: Array<{
    format: string;
    itemsize: number;
    byteOffset: number;
    shape: number[];
    strides: number[];
    flags: [boolean, boolean, boolean];
    isContiguous: [number, number, number];
    requests: Record<string, string>;
    tobytes: string;
  }>;
  sets: Array<{ format: string; value: Encoded; valueType: string; outcome: Outcome }>;
  hex: Array<{ sep: string | number | null; per: Encoded; perType: string; outcome: Outcome }>;
  casts: Array<{ shape: Encoded[]; outcome: Outcome }>;
};

/** A golden value as JavaScript passes it: ints past 2**53 as bigint, NaN and infinities from their names. */
function asValue(v: Encoded, bigAsNumber = false): unknown {
  if (v === 'nan') return NaN;
  if (v === 'inf' || v === '-inf') return v === 'inf' ? Infinity : -Infinity;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'int' in v) return bigAsNumber ? Number(v.int) : BigInt(v.int);
  if (Array.isArray(v)) return v.map((x) => asValue(x, bigAsNumber));
  return v;
}

/** What JavaScript code a CPython exception maps to, by the library's rules. */
function codeOf(outcome: Outcome, cast = false): string {
  if (cast && outcome.message === 'memoryview.cast(): elements of shape must be integers') return 'ERR_INVALID_ARG_TYPE';
  if (outcome.error === 'OverflowError') return 'ERR_OUT_OF_RANGE';
  if (cast) return 'ERR_BUFFER_INVALID_CAST';
  return outcome.error === 'TypeError' ? 'ERR_INVALID_ARG_TYPE' : 'ERR_OUT_OF_RANGE';
}

function attempt(fn: () => unknown): { ok: unknown } | { code: string } {
  try {
    return { ok: fn() };
  } catch (error) {
    return { code: (error as { code: string }).code };
  }
}

const memory = (): ArrayBuffer => Uint8Array.from({ length: 128 }, (_, i) => (i * 7) % 256).buffer;
const REQUEST_CODES: Record<string, string> = {
  'memoryview: underlying buffer is not C-contiguous': 'ERR_BUFFER_NOT_C_CONTIGUOUS',
  'memoryview: underlying buffer is not Fortran contiguous': 'ERR_BUFFER_NOT_F_CONTIGUOUS',
  'memoryview: underlying buffer is not contiguous': 'ERR_BUFFER_NOT_CONTIGUOUS',
};

describe('zero-size and extent-1 layouts with arbitrary strides', () => {
  test.each(golden.layouts.map((c) => [`${c.format} ${JSON.stringify(c.shape)} ${JSON.stringify(c.strides)}`, c] as const))(
    '%s: flags, PyBuffer_IsContiguous, requests and bytes as CPython',
    (_name, c) => {
      const view = memoryview(memory(), { format: c.format, shape: c.shape, strides: c.strides, byteOffset: c.byteOffset });
      // memoryview's own flags (MV_CONTIGUOUS_NDIM1 for 1-D), not NumPy's.
      expect([view.cContiguous, view.fContiguous, view.contiguous]).toEqual(c.flags);
      const info = getBuffer(view, BufferFlags.STRIDES);
      expect((['C', 'F', 'A'] as const).map((o) => (isContiguous(info, o) ? 1 : 0))).toEqual(c.isContiguous);
      info.release();
      for (const [name, expected] of Object.entries(c.requests)) {
        const got = attempt(() => (getBuffer(view, BufferFlags[name as keyof typeof BufferFlags]) as BufferInfo).release());
        expect([name, 'ok' in got ? 'ok' : got.code]).toEqual([name, expected === 'ok' ? 'ok' : REQUEST_CODES[expected]]);
      }
      // typed() needs a C-contiguous view: refused exactly where memoryview's flag is false.
      if (!c.flags[0]) expect(attempt(() => view.typed())).toEqual({ code: 'ERR_BUFFER_NOT_C_CONTIGUOUS' });
      expect(Buffer.from(view.toBytes()).toString('hex')).toBe(c.tobytes);
      view.release();
    },
  );
});

// JavaScript has one number type: 1.0 is 1. Where CPython refuses a float
// that is integral for an integer format, a JavaScript caller passes the
// int, so those cases expect the int's outcome (README, Differences).
const INT_FORMATS = new Set(['B', 'b', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'n', 'N']);
const sets = golden.sets.map((c) => {
  if (c.valueType !== 'float' || !INT_FORMATS.has(c.format) || typeof c.value !== 'number' || !Number.isInteger(c.value))
    return c;
  const asInt = golden.sets.find((x) => x.format === c.format && x.valueType === 'int' && x.value === c.value)!;
  return { ...c, outcome: asInt.outcome };
});

describe('set() with booleans and out-of-range values', () => {
  test.each(sets.map((c) => [`'${c.format}' = ${c.valueType} ${JSON.stringify(c.value)}`, c] as const))('%s', (_name, c) => {
    const view = memoryview(new ArrayBuffer(16), {
      format: c.format,
      shape: [16 / memoryview(new ArrayBuffer(8), { format: c.format }).itemsize],
    });
    const value = asValue(c.value);
    const got = attempt(() => {
      view.set(0, value as never);
      return view.get(0);
    });
    if (c.outcome.ok !== undefined) {
      const stored = got as { ok: unknown };
      const expected = asValue(c.outcome.ok);
      expect('ok' in got).toBe(true);
      // 8-byte integer formats read back as bigint.
      expect(typeof stored.ok === 'bigint' && typeof expected === 'number' ? Number(stored.ok) : stored.ok).toEqual(expected);
    } else {
      expect(got).toEqual({ code: codeOf(c.outcome) });
    }
    view.release();
  });

  test("'e' refuses a bigint beyond the double range, as 'd' does", () => {
    const d = golden.sets.find((c) => c.format === 'd' && c.valueType === 'int' && typeof c.value === 'object')!;
    const half = memoryview(new ArrayBuffer(2), { format: 'e' });
    expect(attempt(() => half.set(0, asValue(d.value) as never))).toEqual({ code: codeOf(d.outcome) });
    expect(half.get(0)).toBe(0);
  });
});

describe('hex(sep, bytesPerSep)', () => {
  test.each(golden.hex.map((c) => [`${JSON.stringify(c.sep)}, ${c.perType} ${JSON.stringify(c.per)}`, c] as const))(
    '%s',
    (_name, c) => {
      const view = memoryview(new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
      const got = attempt(() => (c.sep === null ? view.hex() : view.hex(c.sep as string, asValue(c.per, true) as number)));
      expect(got).toEqual(c.outcome.ok !== undefined ? { ok: c.outcome.ok } : { code: codeOf(c.outcome) });
      view.release();
    },
  );
});

describe('cast() shape checks, in CPython order', () => {
  test.each(golden.casts.map((c) => [JSON.stringify(c.shape), c] as const))('%s', (_name, c) => {
    const view = memoryview(new ArrayBuffer(8));
    const got = attempt(() => {
      const cast = view.cast('B', asValue(c.shape, true) as number[]);
      const shape = [...cast.shape];
      cast.release();
      return shape;
    });
    expect(got).toEqual(c.outcome.ok !== undefined ? { ok: c.outcome.ok } : { code: codeOf(c.outcome, true) });
    view.release();
  });
});
