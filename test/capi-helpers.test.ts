// toContiguous / fromContiguous / copyData replayed against CPython 3.11's
// PyBuffer_ToContiguous, PyBuffer_FromContiguous and PyObject_CopyData:
// test/golden/capi.json was written by test/golden/generate.py
// (build_capi; schema in its docstring), calling the C API through
// ctypes.pythonapi on hand-built Py_buffer structs over random memory.
//
// - layouts: random strided layouts (formats B h i d, ndim 0-4, zero,
//   negative and unaligned strides, items overlapping each other, empty
//   views, offsets) and hand-made edge cases, rebuilt here as
//   memoryview(ArrayBuffer(memory), { format, shape, strides, byteOffset }).
//   toContiguous for 'C', 'F', 'A' on each; fromContiguous on the first 150
//   for every order and several lengths (full, short and not a multiple of
//   the itemsize, zero, longer than the view), comparing the whole block
//   after the call and the bytes written.
// - copies: copyData between two layouts of one shape and format, in two
//   blocks or in one (overlapping). Where CPython's in-place item loop
//   differs from memmove semantics, the vector holds both and the documented
//   difference (memmove) is what is asserted. Mismatched shapes/formats are
//   refused here (CPython copies whatever fits).
//
// The "completeness" block checks that every vector was visited.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bufferProtocol,
  copyData,
  fromContiguous,
  getBuffer,
  memoryview,
  NativeBuffer,
  toContiguous,
  type MemoryView,
} from '../src';
import { expectCode } from './helpers/expect';
import { arrayBufferFromHex, bytesToHex, describeThrown, hexToBytes } from './helpers/golden-items';

// ---------------------------------------------------------------------------
// the golden file
// ---------------------------------------------------------------------------

interface Header {
  python: string;
  numpy: string;
  byteorder: string;
  sizeof: Record<string, number>;
  seed: number;
}

type Order = 'C' | 'F' | 'A';
const ORDERS: readonly Order[] = ['C', 'F', 'A'];

interface LayoutSpec {
  format: string;
  shape: number[];
  strides: number[];
  offset: number;
}

interface FromCase {
  order: Order;
  len: number;
  memory: string;
  written: number;
}

interface LayoutCase extends LayoutSpec {
  id: string;
  memory: string;
  toContiguous: Record<Order, string>;
  isContiguous: { C: boolean; F: boolean };
  fromContiguous?: { source: string; cases: FromCase[] };
}

interface CopyCase {
  id: string;
  dst: LayoutSpec;
  src: LayoutSpec;
  memory: string;
  srcMemory?: string;
  sameMemory?: true;
  ok?: string;
  memcpy?: boolean;
  memmove?: string;
  dstItemsOverlap?: true;
  mismatch?: true;
  cpython?: { ok?: string; error?: string; message?: string };
}

interface CapiFile {
  header: Header;
  layouts: LayoutCase[];
  copies: CopyCase[];
}

const capi = JSON.parse(readFileSync(join(__dirname, 'golden', 'capi.json'), 'utf8')) as CapiFile;
const layouts = capi.layouts;
const withFrom = layouts.filter((l) => l.fromContiguous !== undefined);
const copies = capi.copies.filter((c) => c.mismatch !== true && c.dstItemsOverlap !== true);
const overlappingDst = capi.copies.filter((c) => c.dstItemsOverlap === true);
const mismatches = capi.copies.filter((c) => c.mismatch === true);

const iterated = {
  toContiguous: 0,
  toContiguousProtocol: 0,
  toContiguousNative: 0,
  fromContiguous: 0,
  copies: 0,
  copiesMemmove: 0,
  overlappingDst: 0,
  mismatches: 0,
};

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

const product = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

function itemsizeOf(format: string): number {
  return { B: 1, h: 2, i: 4, d: 8 }[format.replace(/^@/, '')]!;
}

function viewOf(buffer: ArrayBuffer, l: LayoutSpec): MemoryView {
  return memoryview(buffer, { format: l.format, shape: l.shape, strides: l.strides, byteOffset: l.offset });
}

function hexOf(buffer: ArrayBuffer): string {
  return bytesToHex(new Uint8Array(buffer));
}

function attempt(fn: () => string | null): string | null {
  try {
    return fn();
  } catch (error) {
    return describeThrown(error);
  }
}

/**
 * `bytes` in one of three containers, each at a non-zero byteOffset in a
 * larger buffer (padding filled with 0xee, which must never be read).
 */
function container(bytes: Uint8Array, kind: number): ArrayBufferView {
  const pad = 3 + (kind % 3);
  const backing = new ArrayBuffer(bytes.length + 2 * pad);
  new Uint8Array(backing).fill(0xee);
  new Uint8Array(backing, pad, bytes.length).set(bytes);
  switch (kind % 3) {
    case 0:
      return new Uint8Array(backing, pad, bytes.length);
    case 1:
      return Buffer.from(backing, pad, bytes.length);
    default:
      return new DataView(backing, pad, bytes.length);
  }
}

// ---------------------------------------------------------------------------

describe('the golden file', () => {
  test('was generated on a little-endian LP64 CPython 3.11', () => {
    expect(capi.header.python.startsWith('3.11.')).toBe(true);
    expect(capi.header.byteorder).toBe('little');
    expect(capi.header.sizeof).toEqual({ l: 8, L: 8, P: 8, n: 8, N: 8, q: 8 });
    expect(typeof capi.header.seed).toBe('number');
  });

  test('holds enough vectors of every kind', () => {
    expect(layouts.length).toBeGreaterThanOrEqual(300);
    expect(withFrom.length).toBeGreaterThanOrEqual(150);
    expect(copies.length).toBeGreaterThanOrEqual(100);
    expect(mismatches.length).toBeGreaterThanOrEqual(5);
    expect(overlappingDst.length).toBeGreaterThanOrEqual(3);
    for (const set of [layouts, withFrom]) {
      expect(new Set(set.map((l) => l.format))).toEqual(new Set(['B', 'h', 'i', 'd']));
      expect([...new Set(set.map((l) => l.shape.length))].sort()).toEqual([0, 1, 2, 3, 4]);
      const count = (p: (l: LayoutCase) => boolean): number => set.filter(p).length;
      expect(count((l) => l.strides.includes(0) && !l.shape.includes(0))).toBeGreaterThanOrEqual(5);
      expect(count((l) => l.strides.some((s) => s < 0))).toBeGreaterThanOrEqual(20);
      expect(count((l) => l.shape.includes(0))).toBeGreaterThanOrEqual(5);
      expect(count((l) => l.isContiguous.F && !l.isContiguous.C)).toBeGreaterThanOrEqual(5);
      expect(count((l) => !l.isContiguous.F && !l.isContiguous.C)).toBeGreaterThanOrEqual(20);
      const size = (l: LayoutCase): number => itemsizeOf(l.format);
      expect(count((l) => l.offset % size(l) !== 0 || l.strides.some((s) => s % size(l) !== 0))).toBeGreaterThanOrEqual(5);
    }
    // the native copy kernel starts at 16 KiB
    expect(layouts.some((l) => product(l.shape) * itemsizeOf(l.format) >= 16384 && !l.isContiguous.C)).toBe(true);
    // every length kind for fromContiguous
    for (const l of withFrom) {
      const len = product(l.shape) * itemsizeOf(l.format);
      const lens = new Set(l.fromContiguous!.cases.map((c) => c.len));
      expect(lens.has(len)).toBe(true);
      expect(lens.has(0)).toBe(true);
      expect([...lens].some((n) => n > len)).toBe(true);
      if (len >= 2)
        expect([...lens].some((n) => n > 0 && n < len && (itemsizeOf(l.format) === 1 || n % itemsizeOf(l.format) !== 0))).toBe(
          true,
        );
      expect(new Set(l.fromContiguous!.cases.map((c) => c.order))).toEqual(new Set(ORDERS));
    }
    const shared = copies.filter((c) => c.sameMemory === true);
    expect(shared.length).toBeGreaterThanOrEqual(30);
    expect(shared.filter((c) => c.memmove !== undefined).length).toBeGreaterThanOrEqual(10);
    expect(copies.filter((c) => c.memcpy === true).length).toBeGreaterThanOrEqual(20);
    expect(copies.filter((c) => c.memcpy === false).length).toBeGreaterThanOrEqual(20);
    expect(
      copies.filter((c) => c.dst.strides.some((s) => s < 0) || c.src.strides.some((s) => s < 0)).length,
    ).toBeGreaterThanOrEqual(20);
    expect(copies.filter((c) => product(c.dst.shape) * itemsizeOf(c.dst.format) >= 16384).length).toBeGreaterThanOrEqual(2);
    for (const c of copies) {
      expect(c.dst.shape).toEqual(c.src.shape);
      expect(c.dst.format.replace(/^@/, '')).toBe(c.src.format.replace(/^@/, ''));
    }
  });
});

describe('toContiguous against PyBuffer_ToContiguous', () => {
  test('C, F, A and the default order on memoryview(ArrayBuffer, layout)', () => {
    const problems: unknown[] = [];
    for (const l of layouts) {
      iterated.toContiguous++;
      const found: string[] = [];
      try {
        const buffer = arrayBufferFromHex(l.memory);
        const view = viewOf(buffer, l);
        for (const order of ORDERS) {
          const got = attempt(() => {
            const out = toContiguous(view, order);
            if (!(out instanceof Uint8Array)) return `not a Uint8Array: ${Object.prototype.toString.call(out)}`;
            if (out.buffer === buffer) return 'shares the source buffer';
            const hex = bytesToHex(out);
            return hex === l.toContiguous[order] ? null : `${hex} != ${l.toContiguous[order]}`;
          });
          if (got !== null) found.push(`'${order}': ${got}`);
        }
        const plain = attempt(() => (bytesToHex(toContiguous(view)) === l.toContiguous.C ? null : 'differs from C'));
        if (plain !== null) found.push(`default: ${plain}`);
        if (hexOf(buffer) !== l.memory) found.push('the source memory changed');
        if (view.exports !== 0) found.push(`${view.exports} exports left on the view`);
        view.release();
      } catch (error) {
        found.push(describeThrown(error));
      }
      if (found.length > 0)
        problems.push({ id: l.id, format: l.format, shape: l.shape, strides: l.strides, offset: l.offset, found });
    }
    expect(problems).toEqual([]);
  });

  test('the same bytes through a protocol exporter and a NativeBuffer with the layout', () => {
    const problems: unknown[] = [];
    for (const l of layouts) {
      const buffer = arrayBufferFromHex(l.memory);
      const exporter = {
        [bufferProtocol.getBuffer]: () => ({
          buffer,
          byteOffset: l.offset,
          format: l.format,
          shape: l.shape,
          strides: l.strides,
        }),
      };
      iterated.toContiguousProtocol++;
      for (const order of ORDERS) {
        const got = attempt(() => {
          const hex = bytesToHex(toContiguous(exporter, order));
          return hex === l.toContiguous[order] ? null : `${hex} != ${l.toContiguous[order]}`;
        });
        if (got !== null) problems.push({ id: l.id, exporter: 'protocol', order, got });
      }
      if (buffer.byteLength === 0) continue;
      iterated.toContiguousNative++;
      let nb: NativeBuffer | undefined;
      try {
        nb = NativeBuffer.alloc(buffer.byteLength, {
          format: l.format,
          shape: l.shape,
          strides: l.strides,
          byteOffset: l.offset,
        });
        new Uint8Array(nb.buffer).set(new Uint8Array(buffer));
        for (const order of ORDERS) {
          const hex = bytesToHex(toContiguous(nb, order));
          if (hex !== l.toContiguous[order])
            problems.push({ id: l.id, exporter: 'NativeBuffer', order, got: `${hex} != ${l.toContiguous[order]}` });
        }
        if (nb.exports !== 0) problems.push({ id: l.id, exporter: 'NativeBuffer', got: `${nb.exports} exports left` });
      } catch (error) {
        problems.push({ id: l.id, exporter: 'NativeBuffer', got: describeThrown(error) });
      } finally {
        nb?.close({ force: true });
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('fromContiguous against PyBuffer_FromContiguous', () => {
  test('every order and length: the whole block after the call and the bytes written', () => {
    const problems: unknown[] = [];
    let k = 0;
    for (const l of withFrom) {
      const source = hexToBytes(l.fromContiguous!.source);
      for (const c of l.fromContiguous!.cases) {
        iterated.fromContiguous++;
        const got = attempt(() => {
          const buffer = arrayBufferFromHex(l.memory);
          const view = viewOf(buffer, l);
          const bytes = container(source.slice(0, c.len), k++);
          const written = fromContiguous(view, bytes, c.order);
          const found: string[] = [];
          const after = hexOf(buffer);
          if (after !== c.memory) found.push(`memory ${after} != ${c.memory}`);
          if (written !== c.written) found.push(`returned ${written}, CPython wrote ${c.written} bytes`);
          if (
            bytesToHex(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)) !== bytesToHex(source.subarray(0, c.len))
          ) {
            found.push('the source bytes changed');
          }
          if (view.exports !== 0) found.push(`${view.exports} exports left on the view`);
          view.release();
          return found.length === 0 ? null : found.join('; ');
        });
        if (got !== null) {
          problems.push({
            id: l.id,
            format: l.format,
            shape: l.shape,
            strides: l.strides,
            offset: l.offset,
            isContiguous: l.isContiguous,
            order: c.order,
            len: c.len,
            got,
          });
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('the default order is C', () => {
    const l = withFrom.find((x) => !x.isContiguous.C && !x.shape.includes(0) && x.shape.length >= 2)!;
    const c = l.fromContiguous!.cases.find((x) => x.order === 'C' && x.len === product(l.shape) * itemsizeOf(l.format))!;
    const buffer = arrayBufferFromHex(l.memory);
    const written = fromContiguous(viewOf(buffer, l), hexToBytes(l.fromContiguous!.source).slice(0, c.len));
    expect(written).toBe(c.written);
    expect(hexOf(buffer)).toBe(c.memory);
  });
});

describe('fromContiguous into large destinations (the native copy)', () => {
  // PyBuffer_FromContiguous's own walk, item by item in order, reading the
  // source as it goes: what the golden cases above pin for small layouts.
  // `source` null: the source is `length` bytes of the memory itself, from `from`, read live.
  function expected(
    memory: Uint8Array,
    l: LayoutSpec,
    source: Uint8Array | null,
    order: 'C' | 'F',
    from = 0,
    length = 0,
  ): Uint8Array {
    const out = memory.slice();
    const read = source === null ? out.subarray(from, from + length) : source.slice();
    const size = itemsizeOf(l.format);
    const axes = l.shape.map((_, d) => d);
    if (order === 'F') axes.reverse();
    const index = l.shape.map(() => 0);
    const count = product(l.shape);
    for (let item = 0, k = 0; item < count && k + size <= read.length; item++) {
      let at = l.offset;
      for (let d = 0; d < l.shape.length; d++) at += index[d]! * l.strides[d]!;
      for (let b = 0; b < size; b++) out[at + b] = read[k++]!;
      for (let a = axes.length - 1; a >= 0; a--) {
        const d = axes[a]!;
        if (++index[d]! < l.shape[d]!) break;
        index[d] = 0;
      }
    }
    return out;
  }
  // The first byte where two blocks differ (-1: none): a mismatch prints one index, not 64 KiB of hex.
  const firstDiff = (x: Uint8Array, y: Uint8Array): number => {
    if (x.length !== y.length) return Math.min(x.length, y.length);
    return x.findIndex((value, i) => value !== y[i]);
  };
  const bytesOf = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
  const layouts: (LayoutSpec & { bytes: number })[] = [
    // a transposed [96, 84] 'i' block, 80 columns used: the scatter whose stores were strided
    { format: 'i', shape: [80, 96], strides: [4, 336], offset: 0, bytes: 32256 },
    { format: 'B', shape: [160, 200], strides: [1, 176], offset: 0, bytes: 35200 },
    // every other double, backwards
    { format: 'd', shape: [3000], strides: [-16], offset: 47984, bytes: 48000 },
    // 3-D with a flipped axis and a gap
    { format: 'h', shape: [20, 30, 24], strides: [1600, -2, 64], offset: 58, bytes: 32000 },
  ];
  test.each(layouts.flatMap((l) => (['C', 'F'] as const).map((order) => [l, order] as const)))(
    '%j in %s order: the bytes of the item walk, nothing outside the items',
    (l, order) => {
      const memory = bytesOf(l.bytes, 3);
      const buffer = memory.slice().buffer;
      const view = viewOf(buffer, l);
      const source = bytesOf(view.nbytes, 11);
      expect(fromContiguous(view, source, order)).toBe(view.nbytes);
      expect(firstDiff(new Uint8Array(buffer), expected(memory, l, source, order))).toBe(-1);
      expect(firstDiff(view.toBytes(order), source)).toBe(-1);
      // Short of the whole: the items the source holds, whole ones only.
      const partial = memory.slice().buffer;
      const short = source.subarray(0, view.nbytes - view.itemsize - 1);
      expect(fromContiguous(viewOf(partial, l), short, order)).toBe(view.nbytes - 2 * view.itemsize);
      expect(firstDiff(new Uint8Array(partial), expected(memory, l, short, order))).toBe(-1);
    },
  );

  test('a source inside the destination, and items that share bytes, are walked item by item as CPython does', () => {
    const memory = bytesOf(65536, 5);
    const l: LayoutSpec = { format: 'i', shape: [64, 128], strides: [4, 512], offset: 0 };
    const buffer = memory.slice().buffer;
    const live = expected(memory, l, null, 'C', 4, 32768);
    expect(fromContiguous(viewOf(buffer, l), new Uint8Array(buffer, 4, 32768))).toBe(32768);
    expect(firstDiff(new Uint8Array(buffer), live)).toBe(-1);
    // Read first, as a memmove would, the items come out otherwise: the order matters here.
    expect(firstDiff(live, expected(memory, l, memory.slice(4, 4 + 32768), 'C'))).not.toBe(-1);
    const shared: LayoutSpec = { format: 'i', shape: [40, 200], strides: [0, 4], offset: 0 };
    const block = memory.slice().buffer;
    const src = bytesOf(32000, 9);
    expect(fromContiguous(viewOf(block, shared), src, 'F')).toBe(32000);
    expect(firstDiff(new Uint8Array(block), expected(memory, shared, src, 'F'))).toBe(-1);
  });
});

describe('copyData against PyObject_CopyData', () => {
  function run(c: CopyCase): { dst: ArrayBuffer; src: ArrayBuffer } {
    const dst = arrayBufferFromHex(c.memory);
    const src = c.sameMemory === true ? dst : arrayBufferFromHex(c.srcMemory!);
    const d = viewOf(dst, c.dst);
    const s = viewOf(src, c.src);
    try {
      copyData(d, s);
    } finally {
      d.release();
      s.release();
    }
    return { dst, src };
  }

  test('same shape and format, separate blocks and one block (memmove where CPython differs)', () => {
    const problems: unknown[] = [];
    for (const c of copies) {
      iterated.copies++;
      // README/TSDoc: overlapping memory is copied as memmove. CPython's
      // item loop copies in place one item at a time (item [0,...,0] last),
      // which the vector records as ok; memmove is the same copy from a
      // snapshot of the source.
      const want = c.memmove ?? c.ok!;
      if (c.memmove !== undefined) iterated.copiesMemmove++;
      const got = attempt(() => {
        const { dst, src } = run(c);
        const found: string[] = [];
        if (hexOf(dst) !== want)
          found.push(`dst ${hexOf(dst)} != ${want}${c.memmove !== undefined ? ` (memmove; CPython in place: ${c.ok})` : ''}`);
        if (c.sameMemory !== true && hexOf(src) !== c.srcMemory) found.push('the source block changed');
        return found.length === 0 ? null : found.join('; ');
      });
      if (got !== null)
        problems.push({ id: c.id, dst: c.dst, src: c.src, sameMemory: c.sameMemory === true, memcpy: c.memcpy, got });
    }
    expect(problems).toEqual([]);
  });

  /** Item byte offsets of a layout in C order (an odometer over the index). */
  function cOrderOffsets(l: LayoutSpec): number[] {
    const out: number[] = [];
    if (l.shape.includes(0)) return out;
    const index = new Array<number>(l.shape.length).fill(0);
    for (;;) {
      out.push(index.reduce((o, i, d) => o + i * l.strides[d]!, l.offset));
      let d = l.shape.length - 1;
      while (d >= 0 && ++index[d]! === l.shape[d]) index[d--] = 0;
      if (d < 0) return out;
    }
  }

  test('a destination whose items share bytes receives the items in C order (README: differences)', () => {
    // CPython's loop writes item [0,...,0] last (c.ok); we copy in C order,
    // so the item with the highest C index wins wherever items share bytes.
    const problems: unknown[] = [];
    for (const c of overlappingDst) {
      iterated.overlappingDst++;
      const got = attempt(() => {
        const expected = new Uint8Array(arrayBufferFromHex(c.memory));
        const source = new Uint8Array(arrayBufferFromHex(c.srcMemory!));
        const size = itemsizeOf(c.dst.format);
        const from = cOrderOffsets(c.src);
        cOrderOffsets(c.dst).forEach((to, n) => expected.set(source.subarray(from[n]!, from[n]! + size), to));
        const { dst, src } = run(c);
        if (hexOf(src) !== c.srcMemory) return 'the source block changed';
        const want = Buffer.from(expected).toString('hex');
        return hexOf(dst) === want ? null : `dst ${hexOf(dst)} != C-order ${want} (CPython ${c.ok})`;
      });
      if (got !== null) problems.push({ id: c.id, dst: c.dst, src: c.src, got });
    }
    expect(problems).toEqual([]);
    // The vectors really exercise the difference: CPython's answer differs somewhere.
    expect(overlappingDst.length).toBeGreaterThan(0);
  });

  test('mismatched shapes or formats are refused and change nothing', () => {
    for (const c of mismatches) {
      iterated.mismatches++;
      const dst = arrayBufferFromHex(c.memory);
      const src = arrayBufferFromHex(c.srcMemory!);
      const d = viewOf(dst, c.dst);
      const s = viewOf(src, c.src);
      expectCode(() => copyData(d, s), 'ERR_BUFFER_STRUCTURE_MISMATCH', 'BufferError');
      expect([hexOf(dst), hexOf(src)]).toEqual([c.memory, c.srcMemory]);
      expect([d.exports, s.exports]).toEqual([0, 0]);
      d.release();
      s.release();
    }
    // CPython copied something (or refused a short destination) in most of them
    expect(mismatches.filter((c) => c.cpython?.ok !== undefined).length).toBeGreaterThanOrEqual(5);
    expect(mismatches.some((c) => c.cpython?.error === 'BufferError')).toBe(true);
  });
});

describe('bad input', () => {
  const make = (readonly = false): { buffer: ArrayBuffer; view: MemoryView } => {
    const buffer = arrayBufferFromHex('000102030405060708090a0b');
    return { buffer, view: memoryview(buffer, { format: 'h', shape: [2, 2], strides: [2, 8], byteOffset: 0, readonly }) };
  };
  const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);

  test('a non-exporter is a TypeError', () => {
    const { view } = make();
    for (const bad of [{}, 42, null, undefined, 'abcd', [1, 2, 3], Symbol('x')]) {
      expectCode(() => toContiguous(bad), 'ERR_INVALID_ARG_TYPE', 'TypeError');
      expectCode(() => fromContiguous(bad, bytes), 'ERR_INVALID_ARG_TYPE', 'TypeError');
      expectCode(() => copyData(bad, view), 'ERR_INVALID_ARG_TYPE', 'TypeError');
      expectCode(() => copyData(view, bad), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    }
    expect(view.exports).toBe(0);
  });

  test("a bad order: a string other than 'C', 'F', 'A' is out of range, a non-string a TypeError", () => {
    const { buffer, view } = make();
    const before = hexOf(buffer);
    for (const order of ['x', 'c', 'f', 'a', '', 'CF', 'C ']) {
      expectCode(() => toContiguous(view, order as Order), 'ERR_OUT_OF_RANGE', 'RangeError');
      expectCode(() => fromContiguous(view, bytes, order as Order), 'ERR_OUT_OF_RANGE', 'RangeError');
    }
    for (const order of [1, null, 67, ['C'], { toString: () => 'C' }]) {
      expectCode(() => toContiguous(view, order as unknown as Order), 'ERR_INVALID_ARG_TYPE', 'TypeError');
      expectCode(() => fromContiguous(view, bytes, order as unknown as Order), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    }
    expect(hexOf(buffer)).toBe(before);
    expect(view.exports).toBe(0);
  });

  test('a read-only destination is ERR_BUFFER_NOT_WRITABLE and stays as it was', () => {
    const { buffer, view: ro } = make(true);
    const rw = make().view;
    const before = hexOf(buffer);
    const readonlyNative = NativeBuffer.alloc(8, { readonly: true });
    const destinations: unknown[] = [ro, rw.toReadonly(), readonlyNative];
    try {
      for (const dst of destinations) {
        for (const order of ORDERS) expectCode(() => fromContiguous(dst, bytes, order), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
        expectCode(() => fromContiguous(dst, new Uint8Array(0)), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
      }
      expectCode(() => copyData(ro, rw), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
      // refused before the structures are compared
      expectCode(() => copyData(readonlyNative, rw), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
      expect(hexOf(buffer)).toBe(before);
      expect(ro.exports).toBe(0);
      expect(readonlyNative.exports).toBe(0);
      // a read-only source is fine
      copyData(rw, ro);
      expect(bytesToHex(toContiguous(rw))).toBe(bytesToHex(toContiguous(ro)));
    } finally {
      readonlyNative.close({ force: true });
    }
  });

  test('bytes that are not an ArrayBuffer view are a TypeError', () => {
    const { buffer, view } = make();
    const before = hexOf(buffer);
    const other = make().view;
    for (const bad of [
      new ArrayBuffer(8),
      new SharedArrayBuffer(8),
      [1, 2, 3, 4, 5, 6, 7, 8],
      'abcdefgh',
      null,
      undefined,
      8,
      other,
      { length: 8 },
    ]) {
      expectCode(() => fromContiguous(view, bad as unknown as Uint8Array), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    }
    expect(hexOf(buffer)).toBe(before);
    expect(view.exports).toBe(0);
  });

  test('a released view is ERR_BUFFER_RELEASED', () => {
    const { view } = make();
    const other = make().view;
    view.release();
    expectCode(() => toContiguous(view), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => fromContiguous(view, bytes), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => copyData(view, other), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => copyData(other, view), 'ERR_BUFFER_RELEASED', 'BufferError');
    expect(other.exports).toBe(0);
  });

  test('built-in exporters work as they are', () => {
    const h = new Int16Array([1, -2, 0x1234]);
    expect(bytesToHex(toContiguous(h))).toBe('0100feff3412');
    expect(fromContiguous(h, new Uint8Array([9, 0, 8, 0, 7]))).toBe(5);
    // contiguous: one copy of 5 bytes, the half item included (CPython's memcpy)
    expect([...h]).toEqual([9, 8, 0x1207]);
    const d = new Uint8Array(6);
    copyData(d, new Uint8Array([1, 2, 3, 4, 5, 6]));
    expect([...d]).toEqual([1, 2, 3, 4, 5, 6]);
    expectCode(() => copyData(d, h), 'ERR_BUFFER_STRUCTURE_MISMATCH', 'BufferError');
    expect(getBuffer(d).len).toBe(6);
  });
});

describe('completeness', () => {
  test('every vector was replayed', () => {
    expect(iterated).toEqual({
      toContiguous: layouts.length,
      toContiguousProtocol: layouts.length,
      toContiguousNative: layouts.filter((l) => l.memory.length > 0).length,
      fromContiguous: withFrom.reduce((n, l) => n + l.fromContiguous!.cases.length, 0),
      copies: copies.length,
      copiesMemmove: copies.filter((c) => c.memmove !== undefined).length,
      overlappingDst: overlappingDst.length,
      mismatches: mismatches.length,
    });
    expect(iterated.toContiguous).toBeGreaterThanOrEqual(300);
    expect(iterated.fromContiguous).toBeGreaterThanOrEqual(1500);
    expect(iterated.copies + iterated.overlappingDst).toBeGreaterThanOrEqual(100);
  });
});
