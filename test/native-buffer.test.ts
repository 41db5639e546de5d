import { BufferFlags, NativeBuffer, getBuffer, memoryview } from '../src';
import { native } from '../src/native';
import { expectCode } from './helpers/expect';
import { jsonLines, runFixture } from './helpers/child';

describe('NativeBuffer.alloc', () => {
  test('gives one zeroed external ArrayBuffer of the requested size', () => {
    const nb = NativeBuffer.alloc(1000);
    expect(nb.length).toBe(1000);
    expect(nb.buffer.byteLength).toBe(1000);
    expect(nb.buffer).toBe(nb.buffer);
    expect(new Uint8Array(nb.buffer).every((b) => b === 0)).toBe(true);
    expect([nb.exports, nb.isClosed, nb.isCopy]).toEqual([0, false, false]);
    nb.close();
  });

  test.each([[1], [8], [64], [4096], [1 << 16], [1 << 21]])('aligns to %i bytes, small and large', (align) => {
    for (const size of [0, 1, 100, 1 << 20]) {
      const region = new native.NativeRegion(size, align, true);
      expect(region.address() % BigInt(align)).toBe(0n);
      region.close();
    }
  });

  test('the GC is told about the memory exactly once', () => {
    // V8 counts an external backing store itself; the binding reports only
    // what the engine did not, so the external total grows by the size once
    // (not zero times, not twice). The allocation can start a GC that frees
    // other external memory in between (a whole suite's garbage, when the
    // suites share a process), which only ever lowers the growth: so the
    // largest of three tries must reach the size, and none may pass 80 MiB.
    const grown: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = process.memoryUsage().external;
      const nb = NativeBuffer.alloc(64 << 20);
      grown.push(process.memoryUsage().external - before);
      nb.close();
    }
    expect(Math.max(...grown)).toBeGreaterThan(60 << 20);
    expect(Math.max(...grown)).toBeLessThan(80 << 20);
  });

  test('zero: false still gives usable memory', () => {
    const nb = NativeBuffer.alloc(64, { zero: false });
    const view = new Uint8Array(nb.buffer);
    view.fill(9);
    expect(view[63]).toBe(9);
    nb.close();
  });

  test('a 1 GiB allocation is usable at once', () => {
    const nb = NativeBuffer.alloc(2 ** 30);
    const view = new Uint8Array(nb.buffer);
    expect(view.length).toBe(2 ** 30);
    expect(view[2 ** 30 - 1]).toBe(0);
    view[2 ** 30 - 1] = 1;
    expect(view[2 ** 30 - 1]).toBe(1);
    nb.close();
  });

  test('a layout gives typed, N-d exports', () => {
    const nb = NativeBuffer.alloc(24, { format: 'h', shape: [3, 4] });
    expect([nb.format, nb.itemsize, nb.shape, nb.strides]).toEqual(['h', 2, [3, 4], [8, 2]]);
    using info = getBuffer(nb, BufferFlags.RECORDS);
    expect([info.format, info.shape, info.strides, info.len]).toEqual(['h', [3, 4], [8, 2], 24]);
    expectCode(() => getBuffer(nb, BufferFlags.FORMAT), 'ERR_BUFFER_FORMAT_WITHOUT_SHAPE', 'BufferError');
    expect(nb.exports).toBe(1);
  });

  test('a plain NativeBuffer exports bytes like PyBuffer_FillInfo, SIMPLE|FORMAT included', () => {
    const nb = NativeBuffer.alloc(10);
    using info = getBuffer(nb, BufferFlags.FORMAT);
    expect([info.format, info.shape, info.len]).toEqual(['B', null, 10]);
  });

  test('a Fortran layout is refused by C requests', () => {
    const nb = NativeBuffer.alloc(24, { format: 'h', shape: [3, 4], strides: [2, 6] });
    expectCode(() => getBuffer(nb, BufferFlags.C_CONTIGUOUS), 'ERR_BUFFER_NOT_C_CONTIGUOUS', 'BufferError');
    expectCode(() => getBuffer(nb, BufferFlags.CONTIG_RO), 'ERR_BUFFER_NOT_C_CONTIGUOUS', 'BufferError');
    using f = getBuffer(nb, BufferFlags.F_CONTIGUOUS);
    expect(f.strides).toEqual([2, 6]);
    expect(nb.exports).toBe(1);
  });
});

describe('NativeBuffer lifecycle', () => {
  test('exports count live exports; resize and close refuse while any is live', () => {
    const nb = NativeBuffer.alloc(16);
    const a = getBuffer(nb);
    const b = getBuffer(nb, BufferFlags.SIMPLE);
    expect(nb.exports).toBe(2);
    const bytes = new Uint8Array(nb.buffer);
    bytes[3] = 33;
    expectCode(() => nb.resize(32), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    expectCode(() => nb.close(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    // Refusals change nothing.
    expect([nb.length, nb.exports, nb.isClosed, bytes.length, bytes[3]]).toEqual([16, 2, false, 16, 33]);
    a.release();
    a.release();
    expect(nb.exports).toBe(1);
    b.release();
    expect(nb.exports).toBe(0);
    nb.resize(32);
    nb.close();
    expect(nb.isClosed).toBe(true);
  });

  test('resize keeps the bytes, zeroes the new ones and detaches the old ArrayBuffer', () => {
    const nb = NativeBuffer.alloc(8);
    const old = new Uint8Array(nb.buffer);
    old.set([1, 2, 3, 4, 5, 6, 7, 8]);
    nb.resize(200_000);
    expect(old.length).toBe(0);
    const grown = new Uint8Array(nb.buffer);
    expect(Array.from(grown.subarray(0, 10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0, 0]);
    expect(grown[199_999]).toBe(0);
    nb.resize(3);
    expect(Array.from(new Uint8Array(nb.buffer))).toEqual([1, 2, 3]);
    nb.resize(0);
    expect(nb.length).toBe(0);
    nb.close();
  });

  test('views made after a resize read the new block, through the bytes the owner keeps', () => {
    const nb = NativeBuffer.alloc(4);
    new Uint8Array(nb.buffer).set([1, 2, 3, 4]);
    const before = memoryview(nb);
    expect([before.get(0), before.get(3)]).toEqual([1, 4]);
    before.release();
    nb.resize(6);
    const bytes = new Uint8Array(nb.buffer);
    bytes[0] = 9;
    bytes[5] = 7;
    const after = memoryview(nb);
    expect(after.toList()).toEqual([9, 2, 3, 4, 0, 7]);
    expect([after.get(0), after.get(5), after.get(-1)]).toEqual([9, 7, 7]);
    // Zero-copy both ways: a write through the view is seen in the block.
    after.set(1, 200);
    expect(bytes[1]).toBe(200);
    after.release();
    nb.close();
  });

  test('resize keeps a format-only layout in step and refuses a shape that no longer fits', () => {
    const nb = NativeBuffer.alloc(16, { format: 'i' });
    nb.resize(24);
    expect(nb.shape).toEqual([6]);
    expectCode(() => nb.resize(10), 'ERR_BUFFER_INVALID_LAYOUT', 'BufferError');
    expect(nb.length).toBe(24);
    const shaped = NativeBuffer.alloc(16, { format: 'i', shape: [2, 2] });
    shaped.resize(64);
    expect(shaped.shape).toEqual([2, 2]);
    expectCode(() => shaped.resize(8), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    expect(shaped.length).toBe(64);
  });

  test('a forced close detaches every view at once; releases afterwards are harmless', () => {
    const nb = NativeBuffer.alloc(64, { format: 'd' });
    const info = getBuffer(nb);
    const f64 = new Float64Array(nb.buffer);
    const dv = new DataView(info.buffer, 8, 8);
    nb.close({ force: true });
    expect([f64.length, dv.buffer.byteLength, nb.length, nb.isClosed]).toEqual([0, 0, 0, true]);
    expect(f64[0]).toBeUndefined();
    expect(() => dv.getFloat64(0)).toThrow();
    info.release();
    expect(nb.exports).toBe(0);
    nb.close();
    expectCode(() => nb.buffer, 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => getBuffer(nb), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => nb.resize(8), 'ERR_BUFFER_RELEASED', 'BufferError');
  });

  test('finalizers free dropped memory after GC, close() at once, in a child process', () => {
    const child = runFixture('gc-finalize');
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    const steps = Object.fromEntries(jsonLines(child.stdout).map((l) => [l['step'], l]));
    expect(steps['allocated 10 dropped']).toMatchObject({ liveBlocks: 10, liveBytes: 10 << 20 });
    expect(steps['after gc of dropped']).toMatchObject({ liveBlocks: 0, freedBlocks: 10 });
    expect(steps['closed, before any GC']).toMatchObject({ liveBlocks: 0, freedBlocks: 11 });
    expect(steps['closed']).toMatchObject({ viewLength: 0, read: null });
    expect(steps['after gc of closed']).toMatchObject({ liveBlocks: 0, freedBlocks: 11 });
    expect(steps['leaked export']).toMatchObject({ exports: 1 });
    expect(steps['after gc of leaked export']).toMatchObject({ exports: 0 });
    expect(steps['survivor']).toMatchObject({ length: 65536, liveBlocks: 1, liveBytes: 1 << 18 });
    expect(steps['end']).toMatchObject({ liveBlocks: 0, liveBytes: 0 });
  });

  test('where external buffers are refused, the fallback copies and says so', () => {
    const child = runFixture('no-external', { BUFFER_PROTOCOL_NO_EXTERNAL: '1' });
    expect({ status: child.status, signal: child.signal }).toEqual({ status: 0, signal: null });
    expect(jsonLines(child.stdout)[0]).toEqual({
      isCopy: true,
      seen: 42,
      after: 42,
      viewLength: 0,
      stats: { liveBlocks: 0, liveBytes: 0, freedBlocks: 2 },
    });
  });
});

describe('NativeBuffer bad input', () => {
  test.each([
    ['a string', '8', 'ERR_INVALID_ARG_TYPE', 'TypeError'],
    ['a bigint', 8n, 'ERR_INVALID_ARG_TYPE', 'TypeError'],
    ['negative', -1, 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['NaN', NaN, 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['fractional', 1.5, 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['Infinity', Infinity, 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['2**53', 2 ** 53, 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['2**53 - 1, beyond what the platform maps', 2 ** 53 - 1, 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['2**47, beyond the address space', 2 ** 47, 'ERR_OUT_OF_RANGE', 'RangeError'],
  ])('size %s is refused', (_, size, code, name) => {
    const before = native.regionStats();
    expectCode(() => NativeBuffer.alloc(size as number), code, name);
    expect(native.regionStats()).toEqual(before);
  });

  test.each([
    [{ align: 3 }, 'ERR_OUT_OF_RANGE'],
    [{ align: 0 }, 'ERR_OUT_OF_RANGE'],
    [{ align: 2 ** 31 }, 'ERR_OUT_OF_RANGE'],
    [{ align: '64' }, 'ERR_INVALID_ARG_TYPE'],
    [{ zero: 1 }, 'ERR_INVALID_ARG_TYPE'],
    [{ format: 5 }, 'ERR_INVALID_ARG_TYPE'],
    [{ shape: 4 }, 'ERR_INVALID_ARG_TYPE'],
    [{ shape: [-1] }, 'ERR_OUT_OF_RANGE'],
    [{ shape: [NaN] }, 'ERR_OUT_OF_RANGE'],
    [{ strides: [1] }, 'ERR_INVALID_ARG_TYPE'],
    [{ colour: 'red' }, 'ERR_INVALID_ARG_TYPE'],
  ])('options %p are refused', (options, code) => {
    const before = native.regionStats();
    expectCode(() => NativeBuffer.alloc(16, options as never), code);
    expect(native.regionStats()).toEqual(before);
  });

  test.each([
    ['3', 'ERR_BUFFER_BAD_FORMAT'],
    ['<', 'ERR_BUFFER_BAD_FORMAT'],
    ['', 'ERR_BUFFER_BAD_FORMAT'],
    ['T{', 'ERR_BUFFER_BAD_FORMAT'],
    ['i i3', 'ERR_BUFFER_BAD_FORMAT'],
    ['3 i', 'ERR_BUFFER_BAD_FORMAT'],
    ['99999999999999999999i', 'ERR_BUFFER_BAD_FORMAT'],
    ['9223372036854775807x', 'ERR_BUFFER_OUT_OF_BOUNDS'],
  ])('format %p is refused with %s', (format, code) => {
    const before = native.regionStats();
    expectCode(() => NativeBuffer.alloc(16, { format, shape: [1] }), code, 'BufferError');
    expect(native.regionStats()).toEqual(before);
  });

  test('65 dimensions are refused; 64 are fine', () => {
    expectCode(() => NativeBuffer.alloc(1, { shape: new Array(65).fill(1) }), 'ERR_BUFFER_TOO_MANY_DIMS', 'BufferError');
    const nb = NativeBuffer.alloc(1, { shape: new Array(64).fill(1) });
    using info = getBuffer(nb);
    expect(info.ndim).toBe(64);
  });

  test('shape and stride products overflowing 2**63 are refused', () => {
    expectCode(() => NativeBuffer.alloc(16, { shape: [2 ** 40, 2 ** 40] }), 'ERR_BUFFER_INVALID_LAYOUT', 'BufferError');
    expectCode(
      () => NativeBuffer.alloc(16, { format: 'd', shape: [2 ** 31, 2 ** 31] }),
      'ERR_BUFFER_INVALID_LAYOUT',
      'BufferError',
    );
    expectCode(() => NativeBuffer.alloc(16, { shape: [0, 2 ** 40, 2 ** 40] }), 'ERR_BUFFER_INVALID_LAYOUT', 'BufferError');
    expectCode(
      () => NativeBuffer.alloc(16, { shape: [2, 3], strides: [2 ** 52, 2 ** 52] }),
      'ERR_BUFFER_OUT_OF_BOUNDS',
      'BufferError',
    );
    expectCode(
      () => NativeBuffer.alloc(16, { shape: [2 ** 11 + 1, 2], strides: [2 ** 52, 1] }),
      'ERR_BUFFER_INVALID_LAYOUT',
      'BufferError',
    );
  });

  test('strides pointing outside the memory are refused', () => {
    expectCode(() => NativeBuffer.alloc(16, { shape: [4], strides: [6] }), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    expectCode(() => NativeBuffer.alloc(16, { shape: [2], strides: [-1] }), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    expectCode(() => NativeBuffer.alloc(16, { format: 'i', shape: [5] }), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    expectCode(
      () => NativeBuffer.alloc(16, { format: 'i', shape: [2], strides: [13] }),
      'ERR_BUFFER_OUT_OF_BOUNDS',
      'BufferError',
    );
    expectCode(
      () => NativeBuffer.alloc(16, { format: 'i', shape: [2, 2], strides: [3] }),
      'ERR_BUFFER_INVALID_LAYOUT',
      'BufferError',
    );
    // Zero-size shapes touch nothing, so any strides are fine.
    const empty = NativeBuffer.alloc(0, { format: 'd', shape: [0, 5], strides: [999, -999] });
    expect(empty.shape).toEqual([0, 5]);
  });

  test('close options are checked', () => {
    const nb = NativeBuffer.alloc(4);
    expectCode(() => nb.close({ force: 'yes' } as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => nb.close(null as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expect(nb.isClosed).toBe(false);
    nb.close();
  });
});
