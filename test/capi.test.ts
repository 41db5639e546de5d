// The C API from real C: test/native/consumer/ (a separate addon that
// includes only buffer_protocol.h and finds the table with bp_import) and
// test/native/image_addon.c (a C image library's memory handed to
// JavaScript with export_memory). What C sees is compared with what
// getBuffer() gives JavaScript, whose negotiation the golden vectors tie to
// CPython, for every exporter kind and every flag value.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BufferFlags,
  BufferObject,
  bufferProtocol,
  fromContiguous,
  getBuffer,
  memoryview,
  mmap,
  NativeBuffer,
  type BufferInfo,
} from '../src';
import { resizableArrayBuffer } from './helpers/buffers';
import { expectCode } from './helpers/expect';
import { loadFixture, type CView } from './helpers/native-fixtures';

const consumer = loadFixture('bp_test_consumer');
const images = loadFixture('bp_test_image');

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

/** What C should see: getBuffer's answer, in describe()'s shape. */
function expected(info: BufferInfo): Omit<CView, 'address' | 'obj'> {
  return {
    len: info.len,
    itemsize: info.itemsize,
    readonly: info.readonly,
    ndim: info.ndim,
    format: info.format,
    shape: info.shape === null ? null : [...info.shape],
    strides: info.strides === null ? null : [...info.strides],
    suboffsets: info.suboffsets === null ? null : [...info.suboffsets],
  };
}

function outcome(run: () => unknown): unknown {
  try {
    const value = run() as CView | BufferInfo;
    return { ok: true, ...expected(value as BufferInfo) };
  } catch (error) {
    const e = error as { name?: string; code?: string };
    return { ok: false, name: e.name, code: e.code };
  }
}

/** A JavaScript class implementing the protocol over its own pixels. */
class Canvas {
  readonly pixels: Uint8Array;
  gets = 0;
  releases = 0;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 4).map((_, i) => (i * 7) & 255);
  }
  [bufferProtocol.getBuffer](flags: number): BufferInfo {
    // Bottom-up rows, as BMP stores them: a negative row stride.
    const info = getBuffer(memoryview(this.pixels, { format: 'B', shape: [this.height, this.width, 4] }).slice('::-1'), flags);
    this.gets++;
    return info;
  }
  [bufferProtocol.releaseBuffer](): void {
    this.releases++;
  }
}

function exporters(): [string, () => unknown, () => void][] {
  const big = new ArrayBuffer(4096 + 64);
  const f32 = new Float32Array(big, 16, 1000).map((_, i) => i / 4);
  const nb = NativeBuffer.alloc(6 * 8, { format: 'd', shape: [2, 3] });
  const ro = NativeBuffer.alloc(64, { readonly: true });
  const sab = new SharedArrayBuffer(64);
  const mv = memoryview(new Float64Array(24).map((_, i) => i))
    .cast('B')
    .cast('d', [4, 6])
    .T.slice('::-2', '1::-1');
  const base = NativeBuffer.alloc(32);
  const bo = BufferObject.fromObject(base, 4, 16);
  const rw = BufferObject.fromReadWriteObject(base, 0, 8);
  const canvas = new Canvas(3, 2);
  return [
    ['Float32Array at an offset', () => f32, () => {}],
    ['Float64Array', () => new Float64Array([1, 2, 3]), () => {}],
    ['Int16Array', () => new Int16Array(5), () => {}],
    ['BigInt64Array', () => new BigInt64Array(3), () => {}],
    ['Uint8ClampedArray', () => new Uint8ClampedArray(7), () => {}],
    ['pooled Buffer', () => Buffer.from('pooled bytes'), () => {}],
    ['ArrayBuffer', () => new ArrayBuffer(40), () => {}],
    ['empty ArrayBuffer', () => new ArrayBuffer(0), () => {}],
    ['page-aligned ArrayBuffer', () => NativeBuffer.alloc(1 << 17).buffer, () => {}],
    ['SharedArrayBuffer', () => sab, () => {}],
    ['Int32Array over a SharedArrayBuffer', () => new Int32Array(sab, 8, 4), () => {}],
    ['DataView', () => new DataView(big, 3, 17), () => {}],
    ['transposed, negatively strided MemoryView', () => mv, () => {}],
    ['NativeBuffer with a layout', () => nb, () => expect(nb.exports).toBe(0)],
    ['read-only NativeBuffer', () => ro, () => expect(ro.exports).toBe(0)],
    ['read-only BufferObject', () => bo, () => {}],
    ['writable BufferObject', () => rw, () => {}],
    ['bufferProtocol class', () => canvas, () => expect(canvas.gets - canvas.releases).toBe(0)],
  ];
}

describe('bp_import and the table', () => {
  test('the compiled header, the table and BufferFlags agree', () => {
    const c = consumer.constants;
    for (const [name, value] of Object.entries(BufferFlags)) {
      expect([name, c[name as keyof typeof c]]).toEqual([name, value]);
    }
    expect(c.MAX_NDIM).toBe(64);
    expect(c.END_OF_BUFFER).toBe(-1);
    expect(consumer.tableInfo()).toEqual({
      abiVersion: c.ABI_VERSION,
      apiVersion: c.API_VERSION,
      size: c.apiSize,
      bufferSize: c.bufferSize,
    });
  });

  test('a mismatched ABI, API version or table size is a clear Error', () => {
    const { ABI_VERSION, API_VERSION, apiSize } = consumer.constants;
    expect(consumer.importWith(ABI_VERSION, API_VERSION, apiSize)).toBe(true);
    expect(
      expectCode(() => consumer.importWith(ABI_VERSION + 1, API_VERSION, apiSize), 'ERR_BUFFER_PROTOCOL_ABI').message,
    ).toMatch(/ABI version/);
    expect(
      expectCode(() => consumer.importWith(ABI_VERSION, API_VERSION + 1, apiSize), 'ERR_BUFFER_PROTOCOL_ABI').message,
    ).toMatch(/newer/);
    expectCode(() => consumer.importWith(ABI_VERSION, API_VERSION, apiSize + 8), 'ERR_BUFFER_PROTOCOL_ABI');
  });
});

describe('get_buffer from C honours every flag on every exporter kind', () => {
  const flagValues = Array.from({ length: 0x400 }, (_, i) => i);
  test.each(exporters())('%s', (_name, make, after) => {
    const obj = make();
    let compared = 0;
    for (const flags of flagValues) {
      const js = outcome(() => {
        const info = getBuffer(obj as never, flags);
        try {
          return { ...expected(info) };
        } finally {
          info.release();
        }
      });
      const c = outcome(() => consumer.describe(obj, flags));
      if (JSON.stringify(c) !== JSON.stringify(js)) {
        expect({ flags, c }).toEqual({ flags, c: js });
      }
      compared++;
    }
    expect(compared).toBe(0x400);
    after();
  });

  test('get_buffer_borrowed gives the same views, without a reference to a built-in', () => {
    for (const [, make, after] of exporters()) {
      const obj = make();
      for (const flags of [
        0,
        BufferFlags.WRITABLE,
        BufferFlags.ND,
        BufferFlags.STRIDED_RO,
        BufferFlags.FULL_RO,
        BufferFlags.C_CONTIGUOUS,
        0x400,
      ]) {
        const c = outcome(() => consumer.describeBorrowed(obj, flags));
        const js = outcome(() => consumer.describe(obj, flags));
        expect({ flags, c }).toEqual({ flags, c: js });
      }
      after();
    }
    expect(consumer.describeBorrowed(new Float32Array(3)).obj).toBeNull();
    const nb = NativeBuffer.alloc(8);
    expect(consumer.describeBorrowed(nb).obj).toBe(nb);
    expect(nb.exports).toBe(0);
  });

  test('the view references its exporter and its memory', () => {
    const f64 = new Float64Array([1.5, 2.5, 4]);
    const view = consumer.describe(f64, BufferFlags.FULL_RO);
    expect(view.obj).toBe(f64);
    expect(consumer.sum(f64)).toBe(8);
    const nb = NativeBuffer.alloc(24, { format: 'd' });
    new Float64Array(nb.buffer).set([1, 2, 3]);
    expect(consumer.sum(nb)).toBe(6);
    expect(consumer.describe(nb).obj).toBe(nb);
  });

  test('a resizable ArrayBuffer is refused as in JavaScript, at every size', () => {
    for (const [length, max] of [
      [0, 0],
      [1, 1],
      [8, 16],
      [100, 4096],
      [5000, 1 << 20],
    ] as const) {
      const ab = resizableArrayBuffer(length, max);
      for (const obj of [ab, new Uint8Array(ab), new DataView(ab)]) {
        expectCode(() => consumer.describe(obj, BufferFlags.SIMPLE), 'ERR_BUFFER_RESIZABLE', 'BufferError');
      }
    }
  });

  test('a detached ArrayBuffer is refused', () => {
    const ab = new ArrayBuffer(16);
    const view = new Float32Array(ab);
    structuredClone(ab, { transfer: [ab] });
    expectCode(() => consumer.describe(ab, 0), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => consumer.describe(view, 0), 'ERR_BUFFER_RELEASED', 'BufferError');
  });

  test('a closed NativeBuffer and a released MemoryView are refused', () => {
    const nb = NativeBuffer.alloc(8);
    nb.close();
    expectCode(() => consumer.describe(nb), 'ERR_BUFFER_RELEASED', 'BufferError');
    const mv = memoryview(new Uint8Array(4));
    mv.release();
    expectCode(() => consumer.describe(mv), 'ERR_BUFFER_RELEASED', 'BufferError');
  });

  test('a MappedFile exports its mapping to C', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bp-capi-'));
    try {
      const file = join(dir, 'data.f64');
      writeFileSync(file, Buffer.from(new Float64Array([0.5, 1.5, 2.5, 3.5]).buffer));
      const mapped = mmap(file, { format: 'd', shape: [2, 2] });
      expect(consumer.describe(mapped, BufferFlags.RECORDS_RO)).toMatchObject({ format: 'd', shape: [2, 2], strides: [16, 8] });
      expect(consumer.sum(mapped)).toBe(8);
      expect(mapped.exports).toBe(0);
      mapped.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('consumer addon: sum and invert over any strides', () => {
  test('sum of a transposed, negatively strided float32 view', () => {
    const data = new Float32Array(5 * 7).map((_, i) => (i * 3) % 11);
    const mv = memoryview(data, { format: 'f', shape: [5, 7] }).slice('::-1', '1::2').T;
    const expectedSum = (mv.toList() as number[][]).flat().reduce((a, b) => a + b, 0);
    expect(mv.strides).toEqual([8, -28]);
    expect(consumer.sum(mv)).toBe(expectedSum);
  });

  test('sum of a 0-d view and of an empty view', () => {
    expect(consumer.sum(memoryview(new Float64Array([2.25]), { format: 'd', shape: [] }))).toBe(2.25);
    expect(consumer.sum(new Float64Array(0))).toBe(0);
  });

  test('sum refuses formats it does not know, and releases what it took', () => {
    const nb = NativeBuffer.alloc(16, { format: 'i' });
    expectCode(() => consumer.sum(nb), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expect(nb.exports).toBe(0);
  });

  test('invert works in place through a transposed, negatively strided byte view', () => {
    const bytes = new Uint8Array(4 * 6).map((_, i) => i * 5);
    const before = [...bytes];
    const mv = memoryview(bytes, { format: 'B', shape: [4, 6] }).slice('::-1', '::2').T;
    consumer.invert(mv);
    for (let i = 0; i < bytes.length; i++) {
      const [row, col] = [Math.floor(i / 6), i % 6];
      expect(bytes[i]).toBe(col % 2 === 0 ? 255 - before[i]! : before[i]);
      void row;
    }
  });

  test('invert through a bufferProtocol class sees its bottom-up rows', () => {
    const canvas = new Canvas(4, 3);
    const before = [...canvas.pixels];
    consumer.invert(canvas);
    expect([...canvas.pixels]).toEqual(before.map((b) => 255 - b));
    expect([canvas.gets, canvas.releases]).toEqual([1, 1]);
  });

  test('invert of read-only memory is a BufferError and changes nothing', () => {
    const nb = NativeBuffer.alloc(8, { readonly: true });
    new Uint8Array(nb.buffer).fill(9);
    expectCode(() => consumer.invert(nb), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    expect([...new Uint8Array(nb.buffer)]).toEqual(new Array(8).fill(9));
    const ro = BufferObject.fromObject(new Uint8Array(4));
    expectCode(() => consumer.invert(ro), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    expect(nb.exports).toBe(0);
  });
});

describe('held views and the lifecycle', () => {
  test('a held view is an export: resize and close refuse until release', () => {
    const nb = NativeBuffer.alloc(16, { format: 'B' });
    new Uint8Array(nb.buffer).fill(3);
    const handle = consumer.hold(nb, BufferFlags.FULL_RO);
    expect(nb.exports).toBe(1);
    expectCode(() => nb.resize(32), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    expectCode(() => nb.close(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    expect(consumer.heldSum(handle)).toBe(48);
    expect(consumer.releaseHeld(handle)).toBe(true);
    expect(consumer.releaseHeld(handle)).toBe(false);
    expect(nb.exports).toBe(0);
    nb.resize(32);
  });

  test('held views of one block with different shapes each keep their own shape and strides', () => {
    // Views of one memory block share what they can (a shape's arrays);
    // views of other shapes held meanwhile must never see them change.
    const ab = new ArrayBuffer(4096 + 16);
    const f32 = new Float32Array(ab, 16, 1024).map((_, i) => i % 7);
    const u8 = new Uint8Array(ab, 16, 4096);
    const f64 = new Float64Array(ab, 16, 512);
    const tail = new Float32Array(ab, 16 + 2048, 512);
    const sum = (a: ArrayLike<number>): number => Array.from(a).reduce((x, y) => x + y, 0);
    const a = consumer.hold(f32, BufferFlags.FULL_RO);
    const b = consumer.hold(u8, BufferFlags.FULL_RO);
    const c = consumer.hold(f32, BufferFlags.FULL_RO);
    const d = consumer.hold(tail, BufferFlags.RECORDS_RO);
    expect([a, b, c, d].map((h) => consumer.heldSum(h))).toEqual([sum(f32), sum(u8), sum(f32), sum(tail)]);
    consumer.releaseHeld(a);
    consumer.releaseHeld(c);
    const e = consumer.hold(f64, BufferFlags.FULL_RO);
    expect([b, d, e].map((h) => consumer.heldSum(h))).toEqual([sum(u8), sum(tail), sum(f64)]);
    for (const h of [b, d, e]) consumer.releaseHeld(h);
    // Alone again: the next shape takes the block's arrays over.
    const f = consumer.hold(f64, BufferFlags.FULL_RO);
    const g = consumer.hold(u8, BufferFlags.FULL_RO);
    expect([f, g].map((h) => consumer.heldSum(h))).toEqual([sum(f64), sum(u8)]);
    expect(consumer.describe(f64, BufferFlags.FULL_RO)).toMatchObject({ shape: [512], strides: [8] });
    for (const h of [f, g]) consumer.releaseHeld(h);
  });

  test('a held C view of a force-closed NativeBuffer stays readable until released', async () => {
    const nb = NativeBuffer.alloc(1 << 20);
    new Uint8Array(nb.buffer).fill(1);
    const stats = (): number => (require('../src') as typeof import('../src')).nativeMemoryStats().liveBlocks;
    const handle = consumer.hold(nb, BufferFlags.SIMPLE);
    const view = new Uint8Array(nb.buffer);
    nb.close({ force: true });
    expect(view.length).toBe(0);
    await turns();
    expect(consumer.heldSum(handle)).toBe(1 << 20);
    const live = stats();
    expect(consumer.releaseHeld(handle)).toBe(true);
    expect(stats()).toBe(live - 1);
  });

  test('a held view of a bufferProtocol exporter releases it exactly once', () => {
    const canvas = new Canvas(2, 2);
    const handle = consumer.hold(canvas, BufferFlags.STRIDED_RO);
    expect([canvas.gets, canvas.releases]).toEqual([1, 0]);
    consumer.releaseHeld(handle);
    consumer.releaseHeld(handle);
    expect([canvas.gets, canvas.releases]).toEqual([1, 1]);
  });

  test('an exporter whose release hook throws: release still completes, with a warning', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const target = NativeBuffer.alloc(8);
    const obj = {
      [bufferProtocol.getBuffer]: (flags: number) => getBuffer(target, flags),
      [bufferProtocol.releaseBuffer]: () => {
        throw new Error('hook failed');
      },
    };
    const handle = consumer.hold(obj, BufferFlags.SIMPLE);
    expect(target.exports).toBe(1);
    expect(consumer.releaseHeld(handle)).toBe(true);
    expect(target.exports).toBe(0);
    expect(emitWarning.mock.calls.some(([message]) => String(message).includes('hook failed'))).toBe(true);
    emitWarning.mockRestore();
  });
});

describe('C helpers on views from get_buffer', () => {
  const grid = (): Float64Array => new Float64Array(12).map((_, i) => i + 1);

  test('is_contiguous matches getBuffer + isContiguous for C, F, A and others', () => {
    const cases = [
      memoryview(grid(), { format: 'd', shape: [3, 4] }),
      memoryview(grid(), { format: 'd', shape: [3, 4] }).T,
      memoryview(grid(), { format: 'd', shape: [3, 4] }).slice(null, '::2'),
      memoryview(grid(), { format: 'd', shape: [12] }),
    ];
    for (const mv of cases) {
      expect(consumer.isContiguous(mv, 'C')).toBe(mv.cContiguous);
      expect(consumer.isContiguous(mv, 'F')).toBe(mv.fContiguous);
      expect(consumer.isContiguous(mv, 'A')).toBe(mv.cContiguous || mv.fContiguous);
      expect(consumer.isContiguous(mv, 'Z')).toBe(false);
    }
  });

  test('get_pointer follows strides, and refuses indices out of range', () => {
    const mv = memoryview(grid(), { format: 'd', shape: [3, 4] }).slice('::-1', '1::2');
    expect(mv.strides).toEqual([-32, 16]);
    expect(consumer.getPointerOffset(mv, [0, 0])).toBe(0);
    expect(consumer.getPointerOffset(mv, [2, 1])).toBe(2 * -32 + 16);
    expect(consumer.getPointerOffset(mv, [3, 0])).toBeNull();
    expect(consumer.getPointerOffset(mv, [0, -1])).toBeNull();
  });

  test('to_contiguous and from_contiguous agree with toBytes in every order', () => {
    const mv = memoryview(grid(), { format: 'd', shape: [3, 4] }).T.slice('::-1');
    for (const order of ['C', 'F', 'A'] as const) {
      expect([...consumer.toContiguous(mv, order)]).toEqual([...mv.toBytes(order)]);
    }
    const target = memoryview(new Float64Array(12), { format: 'd', shape: [3, 4] }).T;
    consumer.fromContiguous(target, mv.toBytes('F'), 'F');
    expect(target.toList()).toEqual(mv.toList());
  });

  test("from_contiguous keeps CPython's item order where it shows: items that share bytes, a source inside the view", () => {
    // fromContiguous (JavaScript) is pinned to PyBuffer_FromContiguous by
    // the golden vectors: the C API must write the same bytes.
    const run = (size: number, layout: { shape: number[]; strides: number[] }, order: 'C' | 'F', alias: number | null) => {
      const out: Uint8Array[] = [];
      for (const write of [fromContiguous, consumer.fromContiguous] as const) {
        const block = Uint8Array.from({ length: size }, (_, i) => (i * 13 + 5) & 0xff);
        const view = memoryview(block.buffer, { format: 'B', ...layout });
        const bytes =
          alias === null
            ? Uint8Array.from({ length: view.nbytes }, (_, i) => 200 - i)
            : block.subarray(alias, alias + view.nbytes);
        write(view, bytes, order);
        view.release();
        out.push(block);
      }
      return out;
    };
    for (const order of ['C', 'F'] as const) {
      // Items that share bytes: axis 0 spans 40 bytes, axis 1 steps 20.
      for (const [size, layout] of [
        [8, { shape: [3, 2], strides: [1, 2] }],
        [1024, { shape: [40, 50], strides: [1, 20] }],
      ] as const) {
        const [js, c] = run(size, { shape: [...layout.shape], strides: [...layout.strides] }, order, null);
        expect(Buffer.from(c!).equals(Buffer.from(js!))).toBe(true);
      }
      // A transposed 64x64 block filled from bytes 100.. of its own memory.
      const [js, c] = run(8192, { shape: [64, 64], strides: [1, 64] }, order, 100);
      expect(Buffer.from(c!).equals(Buffer.from(js!))).toBe(true);
    }
    // Items wider than a byte, each read from bytes that overlap the item it
    // lands on: CPython copies an item whole (PyBuffer_FromContiguous through
    // ctypes, CPython 3.11, gives these bytes).
    for (const write of [fromContiguous, consumer.fromContiguous] as const) {
      const block = Uint8Array.from([10, 11, 12, 13, 14, 15, 16, 17]);
      const view = memoryview(block.buffer, { format: 'H', shape: [2], strides: [-2], byteOffset: 3 });
      write(view, block.subarray(2, 6), 'C');
      view.release();
      expect([...block]).toEqual([10, 13, 15, 12, 13, 15, 16, 17]);
    }
    // The order showed: read first (memmove), the transposed block comes out otherwise.
    const [live] = run(8192, { shape: [64, 64], strides: [1, 64] }, 'C', 100);
    const first = Uint8Array.from({ length: 8192 }, (_, i) => (i * 13 + 5) & 0xff);
    const copy = first.slice(100, 4196);
    const moved = memoryview(first.buffer, { format: 'B', shape: [64, 64], strides: [1, 64] });
    fromContiguous(moved, copy);
    expect(Buffer.from(live!).equals(Buffer.from(first))).toBe(false);
  });

  test('to_contiguous and from_contiguous follow suboffsets (a PIL-style view built in C)', () => {
    // Rows stored bottom-up and reached through pointers: row r of the view is [r*10 .. r*10+3] reversed in storage.
    const rows = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => r * 10 + c)).reverse();
    const c = rows.flat();
    const f = [0, 1, 2, 3].flatMap((col) => rows.map((row) => row[col]!));
    for (const [order, expected] of [
      ['C', c],
      ['F', f],
      ['A', c],
    ] as const) {
      const out = [...consumer.indirectRoundTrip(order)];
      expect(out).toEqual([...expected, ...expected.map((b) => b + 100)]);
    }
  });

  test('to_contiguous with the wrong length and from_contiguous into read-only memory are refused', () => {
    expectCode(() => consumer.badCall('to-contiguous-wrong-len', new Float32Array(4)), 'ERR_OUT_OF_RANGE', 'RangeError');
    const ro = NativeBuffer.alloc(8, { readonly: true });
    expectCode(() => consumer.fromContiguous(ro, new Uint8Array(8), 'C'), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    expect(ro.exports).toBe(0);
  });

  test('copy_data copies between exporters, overlapping ones included', () => {
    const data = new Float64Array(8).map((_, i) => i);
    const dst = memoryview(data).slice('2:');
    const src = memoryview(data).slice(':6');
    consumer.copyData(dst, src);
    expect([...data]).toEqual([0, 1, 0, 1, 2, 3, 4, 5]);
    expectCode(() => consumer.copyData(new Float64Array(3), new Float32Array(3)), 'ERR_BUFFER_STRUCTURE_MISMATCH', 'BufferError');
  });

  test('fill_contiguous_strides and size_from_format', () => {
    expect(consumer.fillContiguousStrides([2, 3, 4], 8, 'C')).toEqual([96, 32, 8]);
    expect(consumer.fillContiguousStrides([2, 3, 4], 8, 'F')).toEqual([8, 16, 48]);
    expect(consumer.sizeFromFormat('<hd')).toBe(10);
    expect(consumer.sizeFromFormat('@hd')).toBe(16);
    expectCode(() => consumer.sizeFromFormat('Q#'), 'ERR_BUFFER_BAD_FORMAT', 'BufferError');
  });

  test('fill_info negotiates as PyBuffer_FillInfo', () => {
    const bytes = new Uint8Array(10);
    for (let flags = 0; flags < 0x200; flags++) {
      for (const readonly of [false, true]) {
        const c = outcome(() => consumer.fillInfo(null, bytes, readonly, flags));
        const info = (() => {
          if ((flags & ~0x1fd) !== 0 || flags === 0x100) return { ok: false, name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };
          if (readonly && (flags & 1) !== 0) return { ok: false, name: 'BufferError', code: 'ERR_BUFFER_NOT_WRITABLE' };
          return {
            ok: true,
            len: 10,
            itemsize: 1,
            readonly,
            ndim: 1,
            format: (flags & 4) === 4 ? 'B' : null,
            shape: (flags & 8) === 8 ? [10] : null,
            strides: (flags & 0x18) === 0x18 ? [1] : null,
            suboffsets: null,
          };
        })();
        if (JSON.stringify(c) !== JSON.stringify(info)) expect({ flags, readonly, c }).toEqual({ flags, readonly, c: info });
      }
    }
    expect(consumer.fillInfo(bytes, bytes, false, 0).obj).toBe(bytes);
  });
});

describe('bad input from C', () => {
  test.each([
    ['null-view', new Uint8Array(4), 'ERR_INVALID_ARG_TYPE', 'TypeError'],
    ['non-exporter', {}, 'ERR_INVALID_ARG_TYPE', 'TypeError'],
    ['non-exporter', 42, 'ERR_INVALID_ARG_TYPE', 'TypeError'],
    ['bad-flags', new Uint8Array(4), 'ERR_OUT_OF_RANGE', 'RangeError'],
  ] as const)('%s (%p) -> %s', (kind, obj, code, name) => {
    expectCode(() => consumer.badCall(kind, obj), code, name);
  });

  test('releasing twice, and releasing a zeroed view, are no-ops', () => {
    const nb = NativeBuffer.alloc(8);
    expect(consumer.badCall('release-twice', nb)).toBe(true);
    expect(nb.exports).toBe(0);
    expect(consumer.badCall('release-zeroed')).toBe(true);
  });

  test.each(['get-pointer-out-of-range', 'get-pointer-negative', 'get-pointer-null-indices', 'get-pointer-null-view'] as const)(
    '%s gives NULL',
    (kind) => {
      expect(consumer.badCall(kind, new Float32Array(6))).toBe(true);
    },
  );
});

describe('export_memory: an example C image library', () => {
  const gradient = (w: number, h: number): number[] => {
    const W = Math.max(w - 1, 1);
    const H = Math.max(h - 1, 1);
    const out: number[] = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) out.push(Math.trunc((x * 255) / W), Math.trunc((y * 255) / H), (x + y) & 255, 255);
    }
    return out;
  };

  test('the image is a [h, w, 4] B NativeBuffer over the library memory', () => {
    const image = images.create(5, 3);
    expect([image.format, image.shape, image.strides, image.length]).toEqual(['B', [3, 5, 4], [20, 4, 1], 60]);
    expect(image.constructor.name).toBe('NativeBuffer');
    expect([...new Uint8Array(image.buffer)]).toEqual(gradient(5, 3));
    const view = memoryview(image);
    expect(view.get(2, 4, 1)).toBe(255);
    view.release();
    expectCode(() => image.resize(10), 'ERR_BUFFER_NOT_RESIZABLE', 'BufferError');
    image.close();
  });

  test('its free function runs exactly once, after close()', async () => {
    await turns(10); // earlier tests' closed images are freed by now
    const image = images.create(4, 4);
    const freed = images.freeCount();
    const whole = memoryview(image);
    const slice = whole.slice('1:3');
    await turns();
    expect(images.freeCount()).toBe(freed);
    expectCode(() => image.close(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    slice.release();
    whole.release();
    image.close();
    image.close();
    await turns(10);
    expect(images.freeCount()).toBe(freed + 1);
  });

  test('the consumer inverts a library image in place', () => {
    const image = images.create(3, 2);
    consumer.invert(image);
    expect([...new Uint8Array(image.buffer)]).toEqual(gradient(3, 2).map((b) => 255 - b));
    expect(image.exports).toBe(0);
    image.close();
  });

  test('read-only images refuse writable requests', () => {
    const image = images.create(2, 2, true);
    expect(image.readonly).toBe(true);
    expectCode(() => consumer.invert(image), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    image.close();
  });

  test.each([
    ['null-with-length', 'ERR_INVALID_ARG_TYPE', 'TypeError'],
    ['negative-length', 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['layout-outside', 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError'],
    ['bad-format', 'ERR_BUFFER_BAD_FORMAT', 'BufferError'],
    ['ndim-65', 'ERR_BUFFER_TOO_MANY_DIMS', 'BufferError'],
    ['from-memory-end-of-buffer', 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['read-write-end-of-buffer', 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['null-result', 'ERR_INVALID_ARG_TYPE', 'TypeError'],
  ] as const)('export with %s is refused (%s) and never calls the release callback', async (kind, code, name) => {
    const before = images.badReleaseCount();
    expectCode(() => images.badExport(kind), code, name);
    await turns();
    expect(images.badReleaseCount()).toBe(before);
  });
});

describe('BufferObject over C memory (buffer_object_from_memory)', () => {
  test('read-only and writable buffer objects over malloc memory', () => {
    const ro = images.createBufferObject(300, false);
    expect(BufferObject.isBufferObject(ro)).toBe(true);
    expect([ro.length, ro.readonly, ro.get(0), ro.get(299), ro.get(-1)]).toEqual([300, true, 0, 299 & 255, 299 & 255]);
    expectCode(() => ro.set(0, 1), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    const rw = images.createBufferObject(16, true);
    rw.set(3, 200);
    expect(rw.get(3)).toBe(200);
    const window = rw.slice(2, 6);
    expect([window.length, window.get(1)]).toEqual([4, 200]);
    expect(rw.indexOf(200)).toBe(3);
    expect(rw.concat(ro.slice(0, 2)).length).toBe(18);
    expect(consumer.describe(ro, BufferFlags.SIMPLE)).toMatchObject({ len: 300, readonly: true });
    expectCode(() => consumer.describe(ro, BufferFlags.WRITABLE), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
  });
});

describe('bad input from JavaScript through the C API: C refuses exactly what getBuffer refuses', () => {
  const throwing = (what: string): object => ({
    [bufferProtocol.getBuffer]: () => {
      throw Object.assign(new Error(`${what} threw`), { code: 'ERR_TEST_HOOK' });
    },
  });
  const returning = (value: unknown): object => ({ [bufferProtocol.getBuffer]: () => value });
  const hostile = (): [string, () => unknown][] => {
    const detachedAb = new ArrayBuffer(8);
    const detachedView = new Float64Array(detachedAb);
    structuredClone(detachedAb, { transfer: [detachedAb] });
    const shrunk = resizableArrayBuffer(64, 128);
    const overShrunk = new Uint8Array(shrunk, 0, 64);
    (shrunk as unknown as { resize(length: number): void }).resize(8);
    const closed = NativeBuffer.alloc(16);
    closed.close();
    const released = memoryview(new Uint8Array(8));
    released.release();
    const releasedInfo = getBuffer(new Uint8Array(4));
    releasedInfo.release();
    return [
      ['undefined', () => undefined],
      ['null', () => null],
      ['a number', () => 42],
      ['a string', () => 'bytes'],
      ['a symbol', () => Symbol('x')],
      ['a plain object', () => ({ length: 4 })],
      ['an array', () => [1, 2, 3]],
      ['a function', () => () => 0],
      ['a detached ArrayBuffer', () => detachedAb],
      ['a TypedArray over a detached buffer', () => detachedView],
      ['a resizable ArrayBuffer', () => shrunk],
      ['a fixed view past the end of a shrunk resizable buffer', () => overShrunk],
      ['a closed NativeBuffer', () => closed],
      ['a released MemoryView', () => released],
      ['an exporter whose getBuffer throws', () => throwing('getBuffer')],
      ['an exporter returning a number', () => returning(5)],
      ['an exporter returning a released BufferInfo', () => returning(releasedInfo)],
      [
        'an exporter returning a descriptor outside its memory',
        () => returning({ buffer: new ArrayBuffer(8), format: 'd', shape: [2] }),
      ],
      ['an exporter returning 65 dimensions', () => returning({ buffer: new ArrayBuffer(8), shape: new Array(65).fill(1) })],
      ['an exporter returning an overflowing shape', () => returning({ buffer: new ArrayBuffer(8), shape: [2 ** 40, 2 ** 40] })],
      [
        'an exporter returning a huge repeat count',
        () => returning({ buffer: new ArrayBuffer(8), format: '9999999999999999999B' }),
      ],
      [
        'an exporter returning negative strides out of memory',
        () => returning({ buffer: new ArrayBuffer(8), shape: [4], strides: [-1] }),
      ],
      [
        'an exporter whose buffer getter throws',
        () => ({
          [bufferProtocol.getBuffer]: () => ({
            get buffer(): never {
              throw Object.assign(new Error('buffer getter'), { code: 'ERR_TEST_GETTER' });
            },
          }),
        }),
      ],
    ];
  };

  const errorOf = (run: () => unknown): { name: string | undefined; code: string | undefined } | 'no error' => {
    try {
      run();
      return 'no error';
    } catch (error) {
      const e = error as { name?: string; code?: string };
      return { name: e.name, code: e.code };
    }
  };

  test.each(hostile())('%s', (_name, make) => {
    const obj = make();
    for (const flags of [BufferFlags.SIMPLE, BufferFlags.WRITABLE, BufferFlags.FULL_RO, BufferFlags.FULL]) {
      const js = errorOf(() => getBuffer(obj as never, flags).release());
      const c = errorOf(() => consumer.describe(obj, flags));
      expect({ flags, c }).toEqual({ flags, c: js });
      expect(js).not.toBe('no error');
    }
  });

  test.each([
    ['-1', -1],
    ['0x2 (never assigned)', 0x2],
    ['0x400', 0x400],
    ['READ (a buffer type)', BufferFlags.READ],
    ['WRITE (a buffer type)', BufferFlags.WRITE],
    ['INT32_MIN', -(2 ** 31)],
  ] as const)('flags %s are a RangeError from C as from JavaScript, on built-ins and on the facade path', (_name, flags) => {
    for (const obj of [new Float32Array(4), NativeBuffer.alloc(8, { format: 'f' }), new Canvas(1, 1)]) {
      expect(errorOf(() => consumer.describe(obj, flags))).toEqual({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
      expect(errorOf(() => getBuffer(obj, flags))).toEqual({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    }
  });

  test('a refusal leaves the exporter unexported and its bytes unchanged', () => {
    const nb = NativeBuffer.alloc(16, { readonly: true });
    new Uint8Array(nb.buffer).fill(5);
    const canvas = new Canvas(2, 2);
    const before = [...canvas.pixels];
    for (let i = 0; i < 100; i++) {
      expectCode(() => consumer.invert(nb), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
      expectCode(() => consumer.describe(canvas, BufferFlags.C_CONTIGUOUS), 'ERR_BUFFER_NOT_C_CONTIGUOUS', 'BufferError');
    }
    expect(nb.exports).toBe(0);
    expect([...new Uint8Array(nb.buffer)]).toEqual(new Array(16).fill(5));
    expect([canvas.gets, canvas.releases]).toEqual([0, 0]);
    expect([...canvas.pixels]).toEqual(before);
  });
});
