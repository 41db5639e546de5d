// struct.calcsize golden vectors: test/golden/formats.json was written by
// test/golden/generate.py from CPython's struct module. Each case is
// [format, size, error]: size is a number (<= 2**53 - 1) or a decimal string
// (larger), and error is null unless Python refused the format.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sizeFromFormat } from '../src';
import { expectCode } from './helpers/expect';

type FormatCase = [format: string, size: number | string | null, error: string | null];

interface FormatsGolden {
  header: { python: string; byteorder: string; sizeof: Record<string, number> };
  cases: FormatCase[];
}

const golden = JSON.parse(readFileSync(join(__dirname, 'golden', 'formats.json'), 'utf8')) as FormatsGolden;
const cases = golden.cases;

const accepted = cases.filter(([, size, error]) => error === null && typeof size === 'number');
const tooLarge = cases.filter(([, size, error]) => error === null && typeof size === 'string');
const refused = cases.filter(([, size, error]) => error !== null && size === null);

/** A readable, unambiguous test name for any format string (NUL, newlines, non-ASCII). */
const show = (format: string): string => JSON.stringify(format);

describe('the golden corpus', () => {
  test('was generated on a little-endian LP64 CPython and holds at least 2000 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(2000);
    expect(golden.header.byteorder).toBe('little');
    expect(golden.header.sizeof).toEqual({ l: 8, L: 8, P: 8, n: 8, N: 8, q: 8 });
  });

  test('every case is exactly one of accepted, too large, refused', () => {
    expect(accepted.length + tooLarge.length + refused.length).toBe(cases.length);
    expect(accepted.length).toBeGreaterThan(0);
    expect(tooLarge.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const [, size] of accepted) expect(Number.isSafeInteger(size)).toBe(true);
    for (const [, size] of tooLarge) {
      expect(size).toMatch(/^[0-9]+$/);
      expect(BigInt(size as string) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    }
  });

  test('format strings are unique', () => {
    expect(new Set(cases.map(([format]) => format)).size).toBe(cases.length);
  });
});

describe('sizeFromFormat matches struct.calcsize', () => {
  test.each(accepted.map(([format, size]) => [show(format), size as number, format]))(
    'calcsize(%s) == %p',
    (_name, size, format) => {
      expect(sizeFromFormat(format)).toBe(size);
    },
  );
});

describe('sizeFromFormat refuses sizes beyond 2**53 - 1 with RangeError ERR_OUT_OF_RANGE', () => {
  test.each(tooLarge.map(([format, size]) => [show(format), size as string, format]))(
    'calcsize(%s) == %s',
    (_name, _size, format) => {
      expectCode(() => sizeFromFormat(format), 'ERR_OUT_OF_RANGE', 'RangeError');
    },
  );
});

describe('sizeFromFormat refuses what struct refuses with BufferError ERR_BUFFER_BAD_FORMAT', () => {
  test.each(refused.map(([format, , error]) => [show(format), error as string, format]))('%s (%s)', (_name, _error, format) => {
    expectCode(() => sizeFromFormat(format), 'ERR_BUFFER_BAD_FORMAT', 'BufferError');
  });
});

describe('hand-picked values', () => {
  test.each([
    ['bi', 8],
    ['=bi', 5],
    ['ib', 5],
    ['ib0i', 8],
    ['<', 0],
    ['', 0],
  ] as const)('calcsize(%p) == %p', (format, size) => {
    expect(sizeFromFormat(format)).toBe(size);
    // and the corpus agrees with the hand-picked value
    expect(cases.find(([f]) => f === format)).toEqual([format, size, null]);
  });

  test.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 4],
    ['a bigint', 4n],
    ['a boolean', true],
    ['a symbol', Symbol('i')],
    ['an array', ['i']],
    ['a String object', new String('i')],
    ['an object', { toString: () => 'i' }],
  ])('a non-string (%s) is a TypeError ERR_INVALID_ARG_TYPE', (_name, value) => {
    expectCode(() => sizeFromFormat(value as unknown as string), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });
});
