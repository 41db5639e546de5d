import { BufferFlags, NativeBuffer, bufferProtocol, getBuffer, isMemoryView, memoryview } from '../src';
import type { MemoryView } from '../src';
import { expectCode } from './helpers/expect';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

describe('memoryview lifecycle', () => {
  test('a view and its slices and casts share one export of the object', () => {
    const nb = NativeBuffer.alloc(24);
    const m = memoryview(nb);
    expect(nb.exports).toBe(1);
    const s = m.slice([2, 10]);
    const c = m.cast('i', [2, 3]);
    const r = m.toReadonly();
    const again = memoryview(m);
    expect(nb.exports).toBe(1);
    m.release();
    expect(s.toList()).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expectCode(() => nb.resize(8), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    for (const v of [s, c, r]) v.release();
    expect(nb.exports).toBe(1);
    again.release();
    expect(nb.exports).toBe(0);
    nb.resize(8);
  });

  test('release() is refused while the view has exports of its own, then succeeds once', () => {
    const m = memoryview(new Uint8Array(6));
    const info = getBuffer(m, BufferFlags.SIMPLE);
    const info2 = getBuffer(m);
    expect(m.exports).toBe(2);
    const error = expectCode(() => m.release(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    expect(error.message).toBe('memoryview has 2 exported buffers');
    expect(m.released).toBe(false);
    info.release();
    info2.release();
    m.release();
    m.release();
    expect(m.released).toBe(true);
  });

  test('everything on a released view throws ERR_BUFFER_RELEASED, except release, released and identity equality', () => {
    const m = memoryview(new Uint8Array([1, 2, 3]));
    m.release();
    const ops: Array<() => unknown> = [
      () => m.obj,
      () => m.buffer,
      () => m.byteOffset,
      () => m.nbytes,
      () => m.readonly,
      () => m.itemsize,
      () => m.format,
      () => m.ndim,
      () => m.shape,
      () => m.strides,
      () => m.suboffsets,
      () => m.cContiguous,
      () => m.fContiguous,
      () => m.contiguous,
      () => m.length,
      () => m.get(0),
      () => m.set(0, 1),
      () => m.slice(),
      () => m.cast('B'),
      () => m.transpose(),
      () => m.T,
      () => m.reshape([3]),
      () => m.toList(),
      () => m.toBytes(),
      () => m.hex(),
      () => m.toReadonly(),
      () => m.assign(new Uint8Array(3)),
      () => m.typed(),
      () => m.dataView(),
      () => [...m],
      () => getBuffer(m),
      () => memoryview(m),
    ];
    for (const op of ops) expectCode(op, 'ERR_BUFFER_RELEASED', 'BufferError');
    expect(m.released).toBe(true);
    expect(m.equals(m)).toBe(true);
    expect(m.equals(new Uint8Array([1, 2, 3]))).toBe(false);
    expect(() => m.release()).not.toThrow();
  });

  test('get() on views read in a loop refuses once released, in 1, 2 and 3 dimensions', () => {
    // The fast path reads at `index | mark`: warm it first, then release.
    const data = new Float64Array(24).map((_, i) => i + 0.5);
    const v1 = memoryview(data);
    const v2 = memoryview(data, { shape: [4, 6] });
    const v3 = memoryview(data, { shape: [2, 3, 4] }).T;
    let sum = 0;
    for (let n = 0; n < 2000; n++) sum += v1.get(n % 24) + v2.get(n % 4, n % 6) + v3.get(n % 4, n % 3, n % 2);
    expect(sum).toBeGreaterThan(0);
    expect([v1.get(23), v2.get(3, 5), v3.get(3, 2, 1)]).toEqual([23.5, 23.5, 23.5]);
    for (const v of [v1, v2, v3]) v.release();
    expectCode(() => v1.get(0), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => v2.get(3, 5), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => v3.get(0, 0, 0), 'ERR_BUFFER_RELEASED', 'BufferError');
  });

  test('a view of more than 2**31 - 1 items reads its far items and refuses once released', () => {
    // Such a view cannot fold its released mark into a 32-bit index.
    const size = 2 ** 31 + 16;
    const nb = NativeBuffer.alloc(size);
    const bytes = new Uint8Array(nb.buffer);
    bytes[5] = 3;
    bytes[size - 2] = 7;
    const v = memoryview(nb);
    const w = memoryview(nb, { shape: [2, size / 2] });
    expect([v.get(5), v.get(size - 2), v.get(-2), w.get(1, size / 2 - 2), w.get(0, 5)]).toEqual([3, 7, 7, 7, 3]);
    v.release();
    w.release();
    expectCode(() => v.get(size - 2), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => w.get(1, 0), 'ERR_BUFFER_RELEASED', 'BufferError');
    nb.close();
  });

  test('a forced close of the owner makes every view refuse item access', () => {
    const nb = NativeBuffer.alloc(16, { format: 'i' });
    const m = memoryview(nb);
    const unaligned = memoryview(nb, { format: 'i', shape: [3], byteOffset: 1 });
    nb.close({ force: true });
    expectCode(() => m.get(0), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => m.set(0, 1), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => unaligned.get(0), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => m.toList(), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => m.toBytes(), 'ERR_BUFFER_RELEASED', 'BufferError');
    m.release();
    unaligned.release();
  });

  test('using releases a view', () => {
    const nb = NativeBuffer.alloc(4);
    {
      using m = memoryview(nb);
      expect(nb.exports).toBe(1);
      expect(m.length).toBe(4);
    }
    expect(nb.exports).toBe(0);
  });

  test('a view is an exporter: memory_getbuf negotiation, flattening and SIMPLE|FORMAT refusal', () => {
    const m = memoryview(new Int16Array(12)).cast('B').cast('h', [3, 4]);
    const simple = getBuffer(m, BufferFlags.SIMPLE);
    expect([simple.ndim, simple.shape, simple.itemsize, simple.len, simple.format]).toEqual([1, null, 2, 24, null]);
    simple.release();
    expectCode(() => getBuffer(m, BufferFlags.FORMAT), 'ERR_BUFFER_FORMAT_WITHOUT_SHAPE', 'BufferError');
    expectCode(() => getBuffer(m.slice(null, '::2'), BufferFlags.ND), 'ERR_BUFFER_NOT_C_CONTIGUOUS', 'BufferError');
    expectCode(() => getBuffer(m.toReadonly(), BufferFlags.WRITABLE), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    expect(m.exports).toBe(0);
    const viaProtocol = m[bufferProtocol.getBuffer](BufferFlags.STRIDED_RO);
    expect(viaProtocol.strides).toEqual([8, 2]);
    m[bufferProtocol.releaseBuffer](viaProtocol);
    expect(m.exports).toBe(0);
    expect(isMemoryView(m)).toBe(true);
    expect(isMemoryView(new Uint8Array(1))).toBe(false);
  });
});

describe('memoryview layouts', () => {
  test('reinterprets bytes like np.ndarray(shape, dtype, buffer, offset, strides)', () => {
    const raw = new Uint8Array(32).map((_, i) => i);
    const m = memoryview(raw, { format: '<H', shape: [2, 3], strides: [12, 4], byteOffset: 2 });
    expect(m.toList()).toEqual([
      [0x0302, 0x0706, 0x0b0a],
      [0x0f0e, 0x1312, 0x1716],
    ]);
    expect([m.byteOffset, m.cContiguous, m.fContiguous]).toEqual([2, false, false]);
  });

  test('the byte offset is relative to the object, not to its ArrayBuffer', () => {
    const ab = new ArrayBuffer(16);
    new Uint8Array(ab).set([9, 8, 7, 6], 8);
    const m = memoryview(new Uint8Array(ab, 8, 8), { format: 'B', shape: [2], byteOffset: 2 });
    expect([m.byteOffset, m.toList()]).toEqual([10, [7, 6]]);
  });

  test.each([
    [{ format: 'i', shape: [5] }, 'ERR_BUFFER_OUT_OF_BOUNDS'],
    [{ format: 'B', shape: [2], strides: [-1] }, 'ERR_BUFFER_OUT_OF_BOUNDS'],
    [{ byteOffset: 17 }, 'ERR_BUFFER_OUT_OF_BOUNDS'],
    [{ shape: new Array(65).fill(1) }, 'ERR_BUFFER_TOO_MANY_DIMS'],
    [{ shape: [2 ** 40, 2 ** 40] }, 'ERR_BUFFER_INVALID_LAYOUT'],
    [{ format: 'T{i' }, 'ERR_BUFFER_BAD_FORMAT'],
    [{ format: 'i', shape: [1.5] }, 'ERR_OUT_OF_RANGE'],
    [{ format: 3 }, 'ERR_INVALID_ARG_TYPE'],
    [{ readonly: 'yes' }, 'ERR_INVALID_ARG_TYPE'],
  ])('layout %p is refused with %s and leaves the exporter unchanged', (layout, code) => {
    const nb = NativeBuffer.alloc(16);
    expectCode(() => memoryview(nb, layout as never), code);
    expect(nb.exports).toBe(0);
  });

  test('a layout cannot make read-only memory writable, and needs contiguous memory', () => {
    const ro = NativeBuffer.alloc(8, { readonly: true });
    expectCode(() => memoryview(ro, { readonly: false }), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    expect(memoryview(ro, { format: 'h' }).readonly).toBe(true);
    const strided = memoryview(new Uint8Array(8)).slice('::2');
    expectCode(() => memoryview(strided, { format: 'h' }), 'ERR_BUFFER_NOT_C_CONTIGUOUS', 'BufferError');
  });
});

describe('items', () => {
  test('8-byte integers are bigints, floats are numbers, ? is boolean, c is a one-character string', () => {
    const raw = new Uint8Array(8).fill(0xff);
    expect(memoryview(raw, { format: 'q' }).get(0)).toBe(-1n);
    expect(memoryview(raw, { format: 'Q' }).get(0)).toBe(2n ** 64n - 1n);
    expect(memoryview(raw, { format: 'l' }).get(0)).toBe(-1n);
    expect(memoryview(raw, { format: '<l' }).get(0)).toBe(-1);
    expect(memoryview(raw, { format: 'P' }).get(0)).toBe(2n ** 64n - 1n);
    expect(memoryview(bytes(2, 0), { format: '?' }).toList()).toEqual([true, false]);
    expect(memoryview(bytes(97, 0xe9), { format: 'c' }).toList()).toEqual(['a', '\u00e9']);
    expect(memoryview(new Float32Array([0.1])).get(0)).toBe(Math.fround(0.1));
  });

  test('explicit byte order and unaligned items read correctly through a DataView', () => {
    const raw = bytes(0xff, 0x00, 0x00, 0x01, 0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0);
    expect(memoryview(raw, { format: '>i', shape: [1], byteOffset: 1 }).get(0)).toBe(0x00000100);
    expect(memoryview(raw, { format: '<i', shape: [1], byteOffset: 1 }).get(0)).toBe(0x00010000);
    expect(memoryview(raw, { format: '!d', shape: [1], byteOffset: 5 }).get(0)).toBe(1);
    expect(memoryview(raw, { format: '!H', shape: [2], byteOffset: 1 }).toList()).toEqual([0, 0x100]);
    const u = memoryview(new Uint8Array(9), { format: 'd', shape: [1], byteOffset: 1 });
    u.set(0, Math.PI);
    expect(u.get(0)).toBe(Math.PI);
  });

  test('half floats round to nearest even and refuse overflow', () => {
    const e = memoryview(new Uint16Array(4), { format: 'e' });
    for (const [value, expected] of [
      [1, 1],
      [65504, 65504],
      [2 ** -24, 2 ** -24],
      [1 + 2 ** -11, 1],
      [1 + 3 * 2 ** -11, 1 + 2 ** -9],
      [-0, -0],
      [Infinity, Infinity],
    ] as const) {
      e.set(0, value);
      expect(Object.is(e.get(0), expected)).toBe(true);
    }
    e.set(0, NaN);
    expect(e.get(0)).toBeNaN();
    expectCode(() => e.set(0, 65520), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => e.set(0, 'x' as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });

  test.each([
    ['b', 128, 'ERR_OUT_OF_RANGE'],
    ['b', -129, 'ERR_OUT_OF_RANGE'],
    ['B', -1, 'ERR_OUT_OF_RANGE'],
    ['B', 1.5, 'ERR_INVALID_ARG_TYPE'],
    ['h', 32768, 'ERR_OUT_OF_RANGE'],
    ['H', 65536, 'ERR_OUT_OF_RANGE'],
    ['i', 2 ** 31, 'ERR_OUT_OF_RANGE'],
    ['I', -1, 'ERR_OUT_OF_RANGE'],
    ['q', 2n ** 63n, 'ERR_OUT_OF_RANGE'],
    ['Q', -1n, 'ERR_OUT_OF_RANGE'],
    ['q', 2 ** 60, 'ERR_OUT_OF_RANGE'],
    ['q', 'x', 'ERR_INVALID_ARG_TYPE'],
    ['Q', 1.5, 'ERR_INVALID_ARG_TYPE'],
    ['i', '1', 'ERR_INVALID_ARG_TYPE'],
    ['d', '1', 'ERR_INVALID_ARG_TYPE'],
    ['c', 97, 'ERR_INVALID_ARG_TYPE'],
    ['c', 'ab', 'ERR_OUT_OF_RANGE'],
    ['c', '\u0100', 'ERR_OUT_OF_RANGE'],
    ['i', NaN, 'ERR_INVALID_ARG_TYPE'],
    ['i', Infinity, 'ERR_INVALID_ARG_TYPE'],
    ['d', 2n ** 1024n, 'ERR_OUT_OF_RANGE'],
    ['B', 2n ** 70n, 'ERR_OUT_OF_RANGE'],
  ] as const)('set on format %s refuses %p with %s and writes nothing', (format, value, code) => {
    const m = memoryview(new Uint8Array(8), { format });
    expectCode(() => m.set(0, value as never), code);
    expect(Array.from(m.toBytes())).toEqual(new Array(8).fill(0));
  });

  test('set accepts what CPython accepts', () => {
    const q = memoryview(new Uint8Array(8), { format: 'q' });
    q.set(0, -5);
    expect(q.get(0)).toBe(-5n);
    const b = memoryview(new Uint8Array(6), { format: '?' });
    const values = ['non-empty', 0, NaN, [], '', {}];
    values.forEach((v, i) => b.set(i, v as never));
    expect(b.toList()).toEqual([true, false, true, false, false, true]);
    const f = memoryview(new Uint8Array(4), { format: 'f' });
    f.set(0, 1e39);
    expect(f.get(0)).toBe(Infinity);
    const i = memoryview(new Uint8Array(4), { format: 'i' });
    i.set(0, 7n);
    expect(i.get(0)).toBe(7);
  });

  test('set on a read-only view is refused', () => {
    const m = memoryview(new Uint8Array(2)).toReadonly();
    expectCode(() => m.set(0, 1), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    expectCode(() => m.assign(new Uint8Array(2)), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
  });

  test('multi-item formats have an itemsize but no item access', () => {
    const m = memoryview(new Uint8Array(8), { format: '2h' });
    expect([m.itemsize, m.shape]).toEqual([4, [2]]);
    expectCode(() => m.get(0), 'ERR_BUFFER_UNSUPPORTED_FORMAT', 'BufferError');
    expectCode(() => m.toList(), 'ERR_BUFFER_UNSUPPORTED_FORMAT', 'BufferError');
    expect(m.toBytes().length).toBe(8);
    expect(m.cast('B').length).toBe(8);
  });
});

describe('indexing and slicing', () => {
  const m3 = () => memoryview(new Uint8Array([...Array(24).keys()])).cast('B', [2, 3, 4]);

  test('an integer key drops a dimension, as NumPy does', () => {
    const s = m3().slice(1);
    expect([s.shape, s.strides, s.byteOffset]).toEqual([[3, 4], [4, 1], 12]);
    expect(m3().slice(1, -1, 2).toList()).toEqual(22);
    expect(m3().slice(1, -1, 2).ndim).toBe(0);
    expect(m3().slice(null, 1).toList()).toEqual([
      [4, 5, 6, 7],
      [16, 17, 18, 19],
    ]);
  });

  test('negative steps give negative strides and compose', () => {
    const m = m3();
    const r = m.slice('::-1', '::-1', '::-1');
    expect([r.strides, r.byteOffset, r.get(0, 0, 0)]).toEqual([[-12, -4, -1], 23, 23]);
    expect(r.slice('::-1', '::-1', '::-1').toList()).toEqual(m.toList());
    expect(m.slice(null, [2, 0, -1], [3, null, -2]).toList()).toEqual([
      [
        [11, 9],
        [7, 5],
      ],
      [
        [23, 21],
        [19, 17],
      ],
    ]);
  });

  test('bad keys are refused', () => {
    const m = m3();
    expectCode(() => m.slice(null, null, null, null), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => m.slice('::0'), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => m.slice([0, 1, 0]), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => m.slice(2), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => m.slice('1'), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => m.slice('a:b'), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => m.slice([0.5]), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => m.slice({} as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => m.get(0, 0), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => m.get(0, 0, 0, 0), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => m.get(0, 0, 4), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => m.get(0, 0, 1.5), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => m.get(0, '1' as never, 0), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });

  test('0-d views: get(), set([], v), toList() gives the item, no length or iteration', () => {
    const z = memoryview(new Uint8Array([7, 0, 0, 0])).cast('i', []);
    expect([z.ndim, z.shape, z.strides, z.nbytes, z.get(), z.toList()]).toEqual([0, [], [], 4, 7, 7]);
    z.set([], 9);
    expect(z.get()).toBe(9);
    expectCode(() => z.get(0), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => z.length, 'ERR_BUFFER_ZERO_DIM', 'BufferError');
    expectCode(() => [...z], 'ERR_BUFFER_ZERO_DIM', 'BufferError');
    expect(z.cast('B').toList()).toEqual([9, 0, 0, 0]);
  });

  test('iteration yields items in 1-D and sub-views in N-d', () => {
    expect([...memoryview(new Uint8Array([1, 2, 3]))]).toEqual([1, 2, 3]);
    const rows = [...m3()].map((v) => (v as ReturnType<typeof m3>).shape);
    expect(rows).toEqual([
      [3, 4],
      [3, 4],
    ]);
  });
});

describe('transpose, reshape, typed and dataView', () => {
  test('transpose permutes axes and reshape makes views where strides allow', () => {
    const m = memoryview(new Float64Array(24)).cast('B').cast('d', [2, 3, 4]);
    expect(m.transpose(2, 0, 1).shape).toEqual([4, 2, 3]);
    expect(m.transpose(-1, 0, 1).strides).toEqual([8, 96, 32]);
    expectCode(() => m.transpose(0, 0, 1), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => m.transpose(0, 1), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => m.transpose(0, 1, 3), 'ERR_OUT_OF_RANGE', 'RangeError');
    expect(m.reshape([6, 4]).strides).toEqual([32, 8]);
    expect(m.slice(null, null, '::2').reshape([12]).strides).toEqual([16]);
    expectCode(() => m.T.reshape([4, 6]), 'ERR_BUFFER_RESHAPE_NEEDS_COPY', 'BufferError');
    expect(m.T.reshape([4, 3, 1, 2]).strides).toEqual([8, 32, 192, 96]);
    expectCode(() => m.T.reshape([24]), 'ERR_BUFFER_RESHAPE_NEEDS_COPY', 'BufferError');
    expectCode(() => m.reshape([5, 5]), 'ERR_BUFFER_INVALID_LAYOUT', 'BufferError');
  });

  test('typed() is zero-copy when it can be, and says why when it cannot', () => {
    const f = new Float32Array([1, 2, 3, 4, 5, 6]);
    const m = memoryview(f).cast('B').cast('f', [2, 3]);
    const t = m.typed() as Float32Array;
    expect(t.buffer).toBe(f.buffer);
    t[4] = 42;
    expect(m.get(1, 1)).toBe(42);
    expect(m.slice(1).typed()).toEqual(new Float32Array([4, 42, 6]));
    expectCode(() => m.T.typed(), 'ERR_BUFFER_NOT_C_CONTIGUOUS', 'BufferError');
    expectCode(
      () => memoryview(new Uint8Array(9), { format: 'f', shape: [2], byteOffset: 1 }).typed(),
      'ERR_BUFFER_UNALIGNED',
      'BufferError',
    );
    expectCode(() => memoryview(new Uint8Array(8), { format: '>f' }).typed(), 'ERR_BUFFER_NOT_NATIVE_ORDER', 'BufferError');
    expectCode(() => memoryview(new Uint8Array(8), { format: '?' }).typed(), 'ERR_BUFFER_UNSUPPORTED_FORMAT', 'BufferError');
    expect(memoryview(new Uint8Array(8), { format: '<q' }).typed()).toEqual(new BigInt64Array(1));
  });

  test('dataView() spans exactly the bytes of the view', () => {
    const m = memoryview(new Uint8Array(24), { format: 'h', shape: [3, 2], strides: [-8, 2], byteOffset: 16 });
    const dv = m.dataView();
    expect([dv.byteOffset, dv.byteLength]).toEqual([0, 20]);
    expect(memoryview(new Uint8Array(4)).slice([4, 4]).dataView().byteLength).toBe(0);
  });
});

describe('cast', () => {
  const src = () => memoryview(new Uint8Array(24));
  test('follows CPython rules and codes', () => {
    expect(src().cast('@i').format).toBe('@i');
    expect(src().cast('d', [3]).shape).toEqual([3]);
    expect(src().cast('i', [2, 3]).cast('B').shape).toEqual([24]);
    expectCode(() => src().slice('::2').cast('B'), 'ERR_BUFFER_NOT_C_CONTIGUOUS', 'BufferError');
    expectCode(() => src().cast('<i'), 'ERR_BUFFER_INVALID_CAST', 'BufferError');
    expectCode(() => src().cast('2i'), 'ERR_BUFFER_INVALID_CAST', 'BufferError');
    expectCode(() => src().cast('i').cast('h'), 'ERR_BUFFER_INVALID_CAST', 'BufferError');
    expectCode(() => src().cast('i').cast('i', [2, 3]), 'ERR_BUFFER_INVALID_CAST', 'BufferError');
    expectCode(() => src().cast('d', [2, 2]), 'ERR_BUFFER_INVALID_CAST', 'BufferError');
    expectCode(() => src().cast('B', [2, 3, 4]).cast('B', [4, 6]), 'ERR_BUFFER_INVALID_CAST', 'BufferError');
    expectCode(() => src().slice([0, 20]).cast('q'), 'ERR_BUFFER_INVALID_CAST', 'BufferError');
    expectCode(() => src().cast('B', [0, 24]), 'ERR_BUFFER_INVALID_CAST', 'BufferError');
    expectCode(() => src().cast('B', [-24]), 'ERR_BUFFER_INVALID_CAST', 'BufferError');
    expectCode(() => src().cast('B', new Array(65).fill(1)), 'ERR_BUFFER_TOO_MANY_DIMS', 'BufferError');
    expectCode(() => src().cast(5 as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => src().cast('B', 24 as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => src().cast('B', [1.5] as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expect(src().slice([0, 0]).cast('i').shape).toEqual([0]);
  });
});

describe('large copies (native kernel)', () => {
  test('assign and toBytes of large transposed views match an item-by-item copy', () => {
    const n = 300;
    const src = new Float32Array(n * n).map((_, i) => i);
    const t = memoryview(src).cast('B').cast('f', [n, n]).T;
    const bytes = new Float32Array(t.toBytes('C').buffer);
    const dst = memoryview(new Float32Array(n * n))
      .cast('B')
      .cast('f', [n, n]);
    dst.assign(t);
    let ok = true;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) if (bytes[i * n + j] !== src[j * n + i] || dst.get(i, j) !== src[j * n + i]) ok = false;
    expect(ok).toBe(true);
  });

  test('in-place reversal of a large view is a memmove', () => {
    const data = new Int32Array(10_000).map((_, i) => i);
    const m = memoryview(data);
    m.assign(m.slice('::-1'));
    expect([data[0], data[1], data[9_999]]).toEqual([9_999, 9_998, 0]);
  });

  test('a large destination whose items share bytes is written in C order (the last item wins)', () => {
    const n = 200;
    const src = new Uint8Array(n * n).map((_, i) => i % 251);
    const d = memoryview(new Uint8Array(n), { format: 'B', shape: [n, n], strides: [0, 1] });
    d.assign(memoryview(src).cast('B', [n, n]).T);
    expect(d.slice(0).toList()).toEqual(Array.from({ length: n }, (_, j) => src[j * n + n - 1]));
  });
});

describe('toBytes, hex and equals', () => {
  test('toBytes orders and argument checks', () => {
    const m = memoryview(new Int16Array([0, 1, 2, 3, 4, 5]))
      .cast('B')
      .cast('h', [2, 3]);
    expect(Array.from(m.toBytes('F'))).toEqual([0, 0, 3, 0, 1, 0, 4, 0, 2, 0, 5, 0]);
    expect(m.T.toBytes('A')).toEqual(m.toBytes('C'));
    expectCode(() => m.toBytes('c' as never), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => m.toBytes(1 as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });

  test('hex separators', () => {
    const m = memoryview(bytes(0xb9, 0x01, 0xef, 0x02, 0x03));
    expect([m.hex(), m.hex(':', 3), m.hex(':', -3), m.hex(':', 99), m.hex('-', 0)]).toEqual([
      'b901ef0203',
      'b901:ef0203',
      'b901ef:0203',
      'b901ef0203',
      'b901ef0203',
    ]);
    expectCode(() => m.hex('::'), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => m.hex('\u00e9'), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => m.hex(1 as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });

  test('equality compares values across formats and layouts', () => {
    const ff = memoryview(new Uint8Array([0xff]));
    expect(ff.cast('b').equals(ff)).toBe(false);
    expect(memoryview(new Int8Array([1, 2, 3])).equals(new Int16Array([1, 2, 3]))).toBe(true);
    expect(memoryview(new Float32Array([0.1])).equals(new Float64Array([0.1]))).toBe(false);
    expect(memoryview(new Float64Array([NaN])).equals(new Float64Array([NaN]))).toBe(false);
    const nan = memoryview(new Float64Array([NaN]));
    expect(nan.equals(nan)).toBe(false);
    expect(memoryview(new Float64Array([-0])).equals(new Float64Array([0]))).toBe(true);
    expect(memoryview(bytes(49)).cast('c').equals(bytes(1))).toBe(false);
    expect(memoryview(bytes(1)).cast('?').equals(bytes(1))).toBe(true);
    const c = memoryview(new Int16Array([0, 1, 2, 3, 4, 5]))
      .cast('B')
      .cast('h', [2, 3]);
    const fOrder = memoryview(new Int16Array([0, 3, 1, 4, 2, 5]), { format: 'h', shape: [2, 3], strides: [2, 4] });
    expect(c.equals(fOrder)).toBe(true);
    expect(c.equals([0, 1, 2])).toBe(false);
    expect(c.equals(null)).toBe(false);
  });
});

describe("a view's shape and strides never leave it", () => {
  // The view keeps its arrays unfrozen (freezing cost half of a slice), so
  // what it hands out must be copies that cannot reach back into it.
  test('shape and strides are new frozen arrays per read, as CPython makes a new tuple', () => {
    const v = memoryview(new Float64Array(12), { shape: [3, 4] }).T;
    const shape = v.shape;
    expect(Object.isFrozen(shape)).toBe(true);
    expect(Object.isFrozen(v.strides)).toBe(true);
    expect(v.shape).not.toBe(shape);
    expect(v.shape).toEqual([4, 3]);
    expect(v.strides).toEqual([8, 32]);
  });

  test("an export's shape and strides are frozen copies the view's exports share: writing to them cannot move the view", () => {
    const v = memoryview(new Uint8Array(64), { shape: [8, 8] }).slice('::-1', [0, 4]);
    const info = getBuffer(v, BufferFlags.FULL_RO);
    const again = getBuffer(v, BufferFlags.RECORDS_RO);
    expect(Object.isFrozen(info.shape)).toBe(true);
    expect(Object.isFrozen(info.strides)).toBe(true);
    expect(again.strides).toBe(info.strides);
    expect(() => {
      (info.strides as number[])[0] = 1 << 20;
    }).toThrow(TypeError);
    expect(() => {
      (info.shape as number[])[1] = 1 << 20;
    }).toThrow(TypeError);
    again.release();
    info.release();
    expect(info.strides).toEqual([-8, 1]);
    expect(v.strides).toEqual([-8, 1]);
    expect(v.get(7, 3)).toBe(0);
  });

  test("a view's exports answer each request anew, whatever the last one asked or refused", () => {
    const ro = memoryview(new Uint8Array(64), { shape: [8, 8] }).T.toReadonly();
    const full = getBuffer(ro, BufferFlags.FULL_RO);
    expect([full.format, full.ndim, full.shape, full.strides]).toEqual(['B', 2, [8, 8], [1, 8]]);
    // A refusal between two exports with the same flags leaves the next answer whole.
    expectCode(() => getBuffer(ro, BufferFlags.FULL), 'ERR_BUFFER_NOT_WRITABLE');
    expectCode(() => getBuffer(ro, BufferFlags.C_CONTIGUOUS), 'ERR_BUFFER_NOT_C_CONTIGUOUS');
    const strided = getBuffer(ro, BufferFlags.STRIDED_RO);
    expect([strided.format, strided.ndim, strided.shape, strided.strides]).toEqual([null, 2, [8, 8], [1, 8]]);
    const again = getBuffer(ro, BufferFlags.FULL_RO);
    expect([again.format, again.ndim, again.shape, again.strides]).toEqual(['B', 2, [8, 8], [1, 8]]);
    const f = getBuffer(ro, BufferFlags.F_CONTIGUOUS);
    expect([f.format, f.ndim, f.shape, f.strides]).toEqual([null, 2, [8, 8], [1, 8]]);
    expect(ro.exports).toBe(4);
    for (const info of [full, strided, again, f]) info.release();
    expect(ro.exports).toBe(0);
  });

  test("an empty view's export shows an offset inside its buffer as the buffer is at each export", () => {
    const ab = new ArrayBuffer(32);
    const empty = memoryview(new Uint8Array(ab)).slice([24, 24]);
    const before = getBuffer(empty);
    expect([before.byteOffset, before.len]).toEqual([24, 0]);
    before.release();
    structuredClone(ab, { transfer: [ab] }); // detaches: an empty view loses nothing, and exports on
    const after = getBuffer(empty);
    expect([after.byteOffset, after.len]).toEqual([0, 0]);
    after.release();
  });
});

describe("get() reads a TypedArray exporter's own elements from the first call", () => {
  // The family's TypedArray serves get() with no array made on first use:
  // its byte offset, strides, writes, detachment and release must all show.
  test('an exporter with a byte offset, negative strides, writes and a 3-D view', () => {
    const backing = new Float64Array(40).map((_, n) => n);
    const a = backing.subarray(4, 28); // byteOffset 32
    const m = memoryview(a, { shape: [4, 6] });
    expect(m.get(0, 0)).toBe(4);
    expect(m.get(3, 5)).toBe(27);
    const flipped = m.slice('::-1', '::-2');
    expect(flipped.get(0, 0)).toBe(27);
    expect(flipped.get(3, 2)).toBe(5);
    expect(m.T.get(5, 3)).toBe(27);
    a[0] = -1;
    expect(m.get(0, 0)).toBe(-1);
    expect(m.get(-1, -1)).toBe(27);
    const cube = memoryview(a, { shape: [2, 3, 4] });
    expect(cube.get(1, 2, 3)).toBe(27);
    expectCode(() => cube.get(2, 0, 0), 'ERR_OUT_OF_RANGE');
    expectCode(() => m.get(1n as never, 0), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => m.get(0.5, 0), 'ERR_INVALID_ARG_TYPE');
  });

  test('items that are not a whole number of elements apart are still read right', () => {
    const bytes = new Uint8Array(64).map((_, n) => n);
    const odd = memoryview(bytes).slice([1, 33]).cast('H');
    expect(odd.get(0)).toBe(new DataView(bytes.buffer).getUint16(1, true));
    const f = new Float32Array([1, 2, 3, 4]);
    expect(memoryview(f).cast('B').cast('f').get(3)).toBe(4);
  });

  test('one warm loop reads views of every kind of array, and refuses each once released', () => {
    // get() reads items at one site per item size: each must read its own
    // items whatever the others saw, views without items included.
    const arrays: ArrayBufferView[] = [
      new Float64Array([1.5, -2, 3]),
      new Uint8Array([1, 200, 3]),
      Buffer.from([4, 5, 250]),
      new Uint8ClampedArray([7, 8, 255]),
      new Float32Array([0.5, -1.25, 3]),
      new Int8Array([-1, 2, -128]),
      new Int16Array([-300, 2, 3]),
      new Uint16Array([65535, 2, 3]),
      new Int32Array([-70000, 2, 3]),
      new Uint32Array([4294967295, 2, 3]),
      new BigInt64Array([-1n, 2n, 3n]),
      new BigUint64Array([2n ** 64n - 1n, 2n, 3n]),
    ];
    // Items no TypedArray holds (bool, big-endian): read through #getSlow.
    const odd = [memoryview(new Uint8Array([0, 1, 2])).cast('?'), memoryview(new Uint8Array(24), { format: '>d' })];
    const views = arrays.map((a) => memoryview(a));
    const wide = views.map((m) => m.cast('B').cast(m.format, [1, 3]));
    const read = (m: MemoryView, k: number): unknown => m.get(k);
    const read2 = (m: MemoryView, k: number): unknown => m.get(0, k);
    for (let round = 0; round < 200; round++) {
      views.forEach((m, n) => {
        const items = arrays[n] as unknown as ArrayLike<unknown>;
        for (let k = 0; k < 3; k++) {
          expect(read(m, k)).toBe(items[k]);
          expect(read2(wide[n]!, k)).toBe(items[k]);
        }
      });
    }
    for (let round = 0; round < 200; round++) {
      expect(read(odd[0]!, 1)).toBe(true);
      expect(read(odd[1]!, 2)).toBe(0);
    }
    expect(read(views[1]!, 1)).toBe(200);
    views.forEach((m, n) => {
      m.release();
      expectCode(() => read(m, 1), 'ERR_BUFFER_RELEASED');
      expect(read2(wide[n]!, 2)).toBe((arrays[n] as unknown as ArrayLike<unknown>)[2]);
      wide[n]!.release();
      expectCode(() => read2(wide[n]!, 2), 'ERR_BUFFER_RELEASED');
    });
  });

  test('release and a detached buffer are refused', () => {
    const a = new Float64Array(8);
    const m = memoryview(a, { shape: [2, 4] });
    const row = m.slice(1);
    m.release();
    expectCode(() => m.get(0, 0), 'ERR_BUFFER_RELEASED');
    expect(row.get(3)).toBe(0);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    expectCode(() => row.get(3), 'ERR_BUFFER_RELEASED');
  });
});

describe('get() on views of memory that is not a TypedArray of their format', () => {
  // Such a view reads from one array over its whole block, of its format,
  // shared by every view of that block and format (see blockItems).
  test('a NativeBuffer viewed as doubles: writes through the buffer show, one array serves two families', () => {
    const nb = NativeBuffer.alloc(8 * 12);
    const m = memoryview(nb, { format: 'd', shape: [3, 4] });
    const other = memoryview(nb, { format: 'd', shape: [12] });
    const plain = new Float64Array(nb.buffer);
    plain[7] = 2.5;
    expect(m.get(1, 3)).toBe(2.5);
    expect(other.get(7)).toBe(2.5);
    expect(m.T.get(3, 1)).toBe(2.5);
    expect(m.slice(null, '::-1').get(1, 0)).toBe(2.5);
    m.release();
    expectCode(() => m.get(1, 3), 'ERR_BUFFER_RELEASED');
    expect(other.get(7)).toBe(2.5);
    nb.close({ force: true });
    expectCode(() => other.get(7), 'ERR_BUFFER_RELEASED');
  });

  test('a cast to another element type reads the cast items, also off a whole element', () => {
    const bytes = new Uint8Array(26).map((_, n) => n);
    const words = memoryview(bytes).slice([2, 26]).cast('I');
    const dv = new DataView(bytes.buffer);
    expect(words.get(0)).toBe(dv.getUint32(2, true));
    expect(words.get(5)).toBe(dv.getUint32(22, true));
    const aligned = memoryview(bytes).slice([4, 20]).cast('H', [2, 4]);
    expect(aligned.get(1, 3)).toBe(dv.getUint16(18, true));
    bytes[18] = 0xff;
    expect(aligned.get(1, 3)).toBe(dv.getUint16(18, true));
  });

  test('a growable SharedArrayBuffer: views made after it grew read items past its first length', () => {
    type Growable = SharedArrayBuffer & { grow(length: number): void };
    const Shared = SharedArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => Growable;
    const sab = new Shared(16, { maxByteLength: 64 });
    new Float64Array(sab)[1] = 2.5;
    const before = memoryview(new Uint8Array(sab)).cast('d');
    expect(before.get(1)).toBe(2.5);
    sab.grow(64);
    new Float64Array(sab)[7] = 7.5;
    const after = memoryview(new Uint8Array(sab)).cast('d');
    expect(after.shape).toEqual([8]);
    expect(after.get(7)).toBe(7.5);
    expect((after.toList() as number[])[7]).toBe(7.5);
  });

  test('a dimension of one item may have any stride', () => {
    const bytes = new Uint8Array(16);
    const m = memoryview(bytes, { format: 'H', shape: [1, 4], strides: [3, 2] });
    new Uint16Array(bytes.buffer)[3] = 9;
    expect(m.get(0, 3)).toBe(9);
    expect(m.get(-1, -1)).toBe(9);
    expectCode(() => m.get(1, 0), 'ERR_OUT_OF_RANGE');
  });

  test('items no TypedArray holds as values (bool, big-endian, float16) are read right', () => {
    const bytes = new Uint8Array([0, 1, 2, 0x00, 0x3e, 0x12, 0x34]);
    expect(memoryview(bytes).slice([0, 3]).cast('?').get(1)).toBe(true);
    expect(memoryview(bytes, { format: '>H', byteOffset: 5, shape: [1] }).get(0)).toBe(0x1234);
    expect(memoryview(bytes, { format: 'e', byteOffset: 3, shape: [1] }).get(0)).toBe(1.5);
  });
});
