// Layout arithmetic replayed against CPython and NumPy: test/golden/layouts.json
// was written by test/golden/generate.py.
//
// - structures: random (seeded) itemsize/shape/strides/offset/memlen. `valid`
//   is the core's bounds rule (ported to Python in the generator); NumPy's
//   own verdict is kept as `numpyValid` and differs only where NumPy takes
//   an empty buffer to be "of unknown size" (see the last test of the first
//   block). c/f/a/x are PyBuffer_IsContiguous on a hand-built Py_buffer.
// - fillStrides: PyBuffer_FillContiguousStrides for shape x itemsize x order.
// - suboffsets: Py_buffers with a non-NULL suboffsets array, never contiguous.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillContiguousStrides, isContiguous, type BufferInfo } from '../src';
import { native } from '../src/native';
import { lengthInBounds } from '../src/layout/layout';
import { expectCode } from './helpers/expect';

interface Structure {
  itemsize: number;
  shape: number[];
  strides: number[];
  offset: number;
  memlen: number;
  valid: boolean;
  numpyValid: boolean;
  numpyError?: string;
  c: boolean;
  f: boolean;
  a: boolean;
  x: boolean;
}

interface FillCase {
  shape: number[];
  itemsize: number;
  order: 'C' | 'F' | 'A';
  strides: number[];
}

interface SuboffsetCase {
  itemsize: number;
  shape: number[];
  strides: number[];
  suboffsets: number[];
  c: boolean;
  f: boolean;
  a: boolean;
  x: boolean;
}

interface LayoutsGolden {
  header: { python: string; numpy: string; byteorder: string; sizeof: Record<string, number>; seed: number };
  structures: Structure[];
  fillStrides: FillCase[];
  suboffsets: SuboffsetCase[];
}

const golden = JSON.parse(readFileSync(join(__dirname, 'golden', 'layouts.json'), 'utf8')) as LayoutsGolden;
const { structures, fillStrides, suboffsets } = golden;

type Order = 'C' | 'F' | 'A';
const ORDERS: readonly ['c' | 'f' | 'a' | 'x', string][] = [
  ['c', 'C'],
  ['f', 'F'],
  ['a', 'A'],
  ['x', 'x'],
];

const product = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

/** A BufferInfo-shaped object, as a consumer would have after a STRIDES request. */
function infoOf(s: { itemsize: number; shape: number[]; strides: number[] }, subs: number[] | null = null): BufferInfo {
  return {
    obj: null,
    buffer: new ArrayBuffer(0),
    byteOffset: 0,
    len: product(s.shape) * s.itemsize,
    readonly: false,
    itemsize: s.itemsize,
    format: 'B',
    ndim: s.shape.length,
    shape: s.shape,
    strides: s.strides,
    suboffsets: subs,
    released: false,
    release() {},
    [Symbol.dispose]() {},
  };
}

const id = (s: Structure, i: number): string =>
  `#${i} itemsize=${s.itemsize} shape=[${s.shape}] strides=[${s.strides}] offset=${s.offset} memlen=${s.memlen}`;

/** Vectors each test actually went through, checked against the JSON at the end. */
const iterated = { validate: 0, nativeContig: 0, publicContig: 0, fillNative: 0, fillPublic: 0, subNative: 0, subPublic: 0 };

describe('the golden file', () => {
  test('was generated on a little-endian LP64 CPython 3.11 with NumPy', () => {
    expect(golden.header.python.startsWith('3.11.')).toBe(true);
    expect(typeof golden.header.numpy).toBe('string');
    expect(golden.header.byteorder).toBe('little');
    expect(golden.header.sizeof.n).toBe(8);
  });

  test('holds enough vectors of every kind', () => {
    expect(structures.length).toBeGreaterThanOrEqual(800);
    expect(fillStrides.length).toBeGreaterThanOrEqual(900);
    expect(suboffsets.length).toBeGreaterThanOrEqual(5);
    const valid = structures.filter((s) => s.valid).length;
    // roughly half valid, and both verdicts on zero-size and unaligned views
    expect(valid).toBeGreaterThan(structures.length * 0.3);
    expect(valid).toBeLessThan(structures.length * 0.7);
    const zero = structures.filter((s) => s.shape.includes(0));
    expect(zero.some((s) => s.valid) && zero.some((s) => !s.valid)).toBe(true);
    const unaligned = structures.filter((s) => s.offset % s.itemsize !== 0 || s.strides.some((x) => x % s.itemsize !== 0));
    expect(unaligned.some((s) => s.valid) && unaligned.some((s) => !s.valid)).toBe(true);
    for (const key of ['c', 'f', 'a'] as const) {
      expect(structures.some((s) => s[key]) && structures.some((s) => !s[key])).toBe(true);
    }
    expect(structures.every((s) => !s.x)).toBe(true);
    expect(suboffsets.every((s) => !s.c && !s.f && !s.a && !s.x)).toBe(true);
  });
});

describe('validateLayout against the bounds rule', () => {
  test('every structure: the byte length when valid, ERR_BUFFER_OUT_OF_BOUNDS when not', () => {
    const mismatches: unknown[] = [];
    structures.forEach((s, i) => {
      const desc = { itemsize: s.itemsize, shape: s.shape, strides: s.strides };
      let actual: unknown;
      try {
        actual = { len: native.core.validateLayout(desc, s.offset, s.memlen) };
      } catch (error) {
        actual = { code: (error as { code?: unknown }).code };
      }
      const expected = s.valid ? { len: product(s.shape) * s.itemsize } : { code: 'ERR_BUFFER_OUT_OF_BOUNDS' };
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push({ id: id(s, i), expected, actual });
      iterated.validate++;
    });
    expect(mismatches).toEqual([]);
  });

  test('a refusal from the core carries its code', () => {
    const bad = structures.find((s) => !s.valid)!;
    expectCode(
      () =>
        native.core.validateLayout({ itemsize: bad.itemsize, shape: bad.shape, strides: bad.strides }, bad.offset, bad.memlen),
      'ERR_BUFFER_OUT_OF_BOUNDS',
    );
  });

  test('NumPy agrees except for non-empty views over an empty buffer', () => {
    // numpy's PyArray_CheckStrides reads numbytes == 0 as "size unknown" and
    // substitutes product(shape) * itemsize, so np.ndarray(buffer=bytearray(0),
    // shape=(4,), strides=(1,), dtype='u1') is accepted and reads 4 bytes
    // that do not exist. The core refuses those.
    const differ = structures.filter((s) => s.valid !== s.numpyValid);
    expect(differ.length).toBeGreaterThan(0);
    for (const s of differ) {
      expect([s.memlen, s.offset, s.shape.includes(0), s.valid, s.numpyValid]).toEqual([0, 0, false, false, true]);
    }
  });
});

describe('isContiguous against PyBuffer_IsContiguous', () => {
  test('native.core.isContiguous equals CPython for every structure and order', () => {
    const mismatches: unknown[] = [];
    structures.forEach((s, i) => {
      const desc = { itemsize: s.itemsize, shape: s.shape, strides: s.strides };
      const actual = ORDERS.map(([, order]) => native.core.isContiguous(desc, order));
      const expected = ORDERS.map(([key]) => s[key]);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push({ id: id(s, i), expected, actual });
      iterated.nativeContig++;
    });
    expect(mismatches).toEqual([]);
  });

  test('the public isContiguous equals CPython for every structure and order', () => {
    const mismatches: unknown[] = [];
    structures.forEach((s, i) => {
      const info = infoOf(s);
      const actual = ORDERS.map(([, order]) => isContiguous(info, order as Order));
      const expected = ORDERS.map(([key]) => s[key]);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push({ id: id(s, i), expected, actual });
      iterated.publicContig++;
    });
    expect(mismatches).toEqual([]);
  });

  test('an unknown order is never contiguous, even for an empty view (CPython checks the order first)', () => {
    const empty = infoOf({ itemsize: 1, shape: [0], strides: [1] });
    expect(native.core.isContiguous({ itemsize: 1, shape: [0], strides: [1] }, 'x')).toBe(false);
    expect(isContiguous(empty, 'x' as Order)).toBe(false);
    expect(isContiguous(empty, 'C')).toBe(true);
  });
});

describe('fillContiguousStrides against PyBuffer_FillContiguousStrides', () => {
  test('native.core.fillContiguousStrides equals CPython', () => {
    const mismatches: unknown[] = [];
    for (const v of fillStrides) {
      const actual = native.core.fillContiguousStrides(v.shape, v.itemsize, v.order);
      if (JSON.stringify(actual) !== JSON.stringify(v.strides)) mismatches.push({ ...v, actual });
      iterated.fillNative++;
    }
    expect(mismatches).toEqual([]);
  });

  test('the public fillContiguousStrides equals CPython', () => {
    const mismatches: unknown[] = [];
    for (const v of fillStrides) {
      const actual = fillContiguousStrides(v.shape, v.itemsize, v.order);
      if (JSON.stringify(actual) !== JSON.stringify(v.strides)) mismatches.push({ ...v, actual });
      iterated.fillPublic++;
    }
    expect(mismatches).toEqual([]);
  });
});

describe('suboffsets', () => {
  test('native.core.isContiguous is false for every order when suboffsets are given', () => {
    const mismatches: unknown[] = [];
    for (const s of suboffsets) {
      const desc = { itemsize: s.itemsize, shape: s.shape, strides: s.strides, suboffsets: s.suboffsets };
      const actual = ORDERS.map(([, order]) => native.core.isContiguous(desc, order));
      const expected = ORDERS.map(([key]) => s[key]);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push({ ...s, actual });
      iterated.subNative++;
    }
    expect(mismatches).toEqual([]);
  });

  test('the public isContiguous is false for every order when suboffsets are non-null', () => {
    const mismatches: unknown[] = [];
    for (const s of suboffsets) {
      const info = infoOf(s, s.suboffsets);
      const actual = ORDERS.map(([, order]) => isContiguous(info, order as Order));
      const expected = ORDERS.map(([key]) => s[key]);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push({ ...s, actual });
      iterated.subPublic++;
    }
    expect(mismatches).toEqual([]);
  });
});

describe('bad input to the public helpers', () => {
  test('fillContiguousStrides: shape must be an array', () => {
    for (const shape of [undefined, null, 3, '3', { length: 1, 0: 3 }, new Int32Array([3])]) {
      expectCode(() => fillContiguousStrides(shape as unknown as number[], 1), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    }
  });

  test('fillContiguousStrides: entries must be non-negative safe integers', () => {
    for (const shape of [[-1], [2, -3], [1.5], [2, 0.5], [NaN], [Infinity], [2 ** 53]]) {
      expectCode(() => fillContiguousStrides(shape, 1), 'ERR_OUT_OF_RANGE', 'RangeError');
    }
    for (const shape of [['2'], [2n], [null]]) {
      expectCode(() => fillContiguousStrides(shape as unknown as number[], 1), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    }
  });

  test('fillContiguousStrides: at most 64 dimensions', () => {
    expect(fillContiguousStrides(new Array(64).fill(1), 4)).toEqual(new Array(64).fill(4));
    expectCode(() => fillContiguousStrides(new Array(65).fill(1), 1), 'ERR_BUFFER_TOO_MANY_DIMS', 'BufferError');
  });

  test('fillContiguousStrides: itemsize must be an integer >= 1', () => {
    for (const itemsize of [0, -1, 1.5, NaN]) {
      expectCode(() => fillContiguousStrides([2], itemsize), 'ERR_OUT_OF_RANGE', 'RangeError');
    }
    expectCode(() => fillContiguousStrides([2], '1' as unknown as number), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });

  test('fillContiguousStrides: the byte extent must stay below 2**53 (zeros count as 1)', () => {
    expect(fillContiguousStrides([2 ** 53 - 1], 1)).toEqual([1]);
    expect(fillContiguousStrides([2 ** 26, 2 ** 26], 1)).toEqual([2 ** 26, 1]);
    expect(fillContiguousStrides([2 ** 25, 2 ** 24], 8, 'F')).toEqual([8, 2 ** 28]);
    expectCode(() => fillContiguousStrides([2 ** 52, 2], 1), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => fillContiguousStrides([2 ** 26, 2 ** 26], 2), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => fillContiguousStrides([2 ** 50], 8, 'F'), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => fillContiguousStrides([0, 2 ** 30, 2 ** 30], 8), 'ERR_OUT_OF_RANGE', 'RangeError');
  });

  test('fillContiguousStrides: order must be a string', () => {
    expectCode(() => fillContiguousStrides([2], 1, 67 as unknown as Order), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });

  test('isContiguous: info must be a BufferInfo', () => {
    for (const info of [undefined, null, 0, 'C', [], {}, { len: '4' }, { len: null }]) {
      expectCode(() => isContiguous(info as unknown as BufferInfo, 'C'), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    }
  });

  test('isContiguous: order must be a string', () => {
    const info = infoOf({ itemsize: 1, shape: [2], strides: [1] });
    for (const order of [undefined, null, 67, ['C']]) {
      expectCode(() => isContiguous(info, order as unknown as Order), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    }
  });
});

describe('coverage', () => {
  // Runs last (jest runs tests of a file in order): every loop above went
  // through every vector of the JSON.
  test('every golden vector was iterated', () => {
    expect(iterated).toEqual({
      validate: structures.length,
      nativeContig: structures.length,
      publicContig: structures.length,
      fillNative: fillStrides.length,
      fillPublic: fillStrides.length,
      subNative: suboffsets.length,
      subPublic: suboffsets.length,
    });
  });
});

describe("placeLayout's exact-in-doubles bounds check agrees with the core", () => {
  // lengthInBounds answers only when doubles are exact and the layout fits;
  // every answer it gives must be the core's, near 2**53 and 2**63 too.
  let seed = 0x9e3779b9;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const magnitudes = [0, 1, 3, 7, 100, 4096, 2 ** 31, 2 ** 40, 2 ** 52, 2 ** 53 - 1];
  const pick = (): number => magnitudes[Math.floor(next() * magnitudes.length)]! + Math.floor(next() * 3);
  const capped = (x: number): number => Math.min(x, Number.MAX_SAFE_INTEGER);

  test('on 20,000 random layouts, from small to overflowing', () => {
    let answered = 0;
    for (let n = 0; n < 20_000; n++) {
      const ndim = Math.floor(next() * 4);
      const itemsize = 1 + Math.floor(next() * 8);
      const shape = Array.from({ length: ndim }, () => (next() < 0.7 ? Math.floor(next() * 9) : capped(pick())));
      const strides = Array.from(
        { length: ndim },
        () => (next() < 0.5 ? -1 : 1) * capped(next() < 0.7 ? Math.floor(next() * 64) : pick()),
      );
      const memlen = next() < 0.7 ? Math.floor(next() * 4096) : capped(pick());
      const offset = next() < 0.8 ? Math.floor(next() * (memlen + 2)) : capped(pick());
      const fast = lengthInBounds(itemsize, shape, strides, offset, memlen);
      let core: number | string;
      try {
        core = native.core.validateLayout({ itemsize, shape, strides }, offset, memlen);
      } catch (error) {
        core = (error as { code: string }).code;
      }
      if (fast >= 0) {
        answered++;
        expect({ shape, strides, offset, memlen, len: fast }).toEqual({ shape, strides, offset, memlen, len: core });
      }
    }
    // The fast path must answer the common cases, or it is no fast path.
    expect(answered).toBeGreaterThan(5_000);
  });
});
