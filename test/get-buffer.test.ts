import { BufferFlags, bufferProtocol, checkBuffer, getBuffer, isBufferError, type BufferInfo } from '../src';
import { expectCode } from './helpers/expect';

describe('getBuffer on built-in exporters', () => {
  test('a Float32Array reports its own format, shape and strides', () => {
    const ab = new ArrayBuffer(64);
    const f = new Float32Array(ab, 8, 6);
    const info = getBuffer(f, BufferFlags.FULL_RO);
    expect(info.obj).toBe(f);
    expect(info.buffer).toBe(ab);
    expect(info.byteOffset).toBe(8);
    expect(info.len).toBe(24);
    expect(info.format).toBe('f');
    expect(info.itemsize).toBe(4);
    expect(info.ndim).toBe(1);
    expect(info.shape).toEqual([6]);
    expect(info.strides).toEqual([4]);
    expect(info.suboffsets).toBeNull();
    expect(info.readonly).toBe(false);
    info.release();
  });

  test.each([
    ['Int8Array', 'b', 1],
    ['Uint8Array', 'B', 1],
    ['Uint8ClampedArray', 'B', 1],
    ['Int16Array', 'h', 2],
    ['Uint16Array', 'H', 2],
    ['Int32Array', 'i', 4],
    ['Uint32Array', 'I', 4],
    ['Float32Array', 'f', 4],
    ['Float64Array', 'd', 8],
    ['BigInt64Array', 'q', 8],
    ['BigUint64Array', 'Q', 8],
  ] as const)('%s exports format %s', (type, format, itemsize) => {
    const ctor = globalThis[type] as unknown as new (n: number) => ArrayBufferView;
    using info = getBuffer(new ctor(3), BufferFlags.RECORDS);
    expect([info.format, info.itemsize, info.len]).toEqual([format, itemsize, 3 * itemsize]);
  });

  test('a pooled Buffer keeps its non-zero byteOffset into the shared pool', () => {
    const b = Buffer.from([1, 2, 3, 4, 5]);
    expect(b.byteOffset).toBeGreaterThan(0);
    using info = getBuffer(b, BufferFlags.CONTIG);
    expect(info.buffer).toBe(b.buffer);
    expect(info.byteOffset).toBe(b.byteOffset);
    expect(info.len).toBe(5);
    expect(Array.from(new Uint8Array(info.buffer, info.byteOffset, info.len))).toEqual([1, 2, 3, 4, 5]);
  });

  test('ArrayBuffer, SharedArrayBuffer and DataView export bytes', () => {
    const sab = new SharedArrayBuffer(16);
    for (const [obj, buffer, offset, len] of [
      [new ArrayBuffer(10), null, 0, 10],
      [sab, sab, 0, 16],
      [new DataView(sab, 3, 5), sab, 3, 5],
    ] as const) {
      using info = getBuffer(obj, BufferFlags.FULL);
      expect(info.buffer).toBe(buffer ?? obj);
      expect([info.byteOffset, info.len, info.format, info.itemsize]).toEqual([offset, len, 'B', 1]);
    }
  });

  test('a SIMPLE request keeps itemsize but drops format, shape and strides', () => {
    using info = getBuffer(new Float64Array(5), BufferFlags.SIMPLE);
    expect([info.format, info.itemsize, info.ndim, info.shape, info.strides, info.len]).toEqual([null, 8, 1, null, null, 40]);
  });

  test('a subclass cannot lie about its bounds', () => {
    class Liar extends Uint8Array {
      override get byteLength(): number {
        return 1 << 30;
      }
      override get byteOffset(): number {
        return 12345;
      }
    }
    const liar = new Liar(4);
    using info = getBuffer(liar);
    expect([info.byteOffset, info.len]).toEqual([0, 4]);
  });

  test('a detached ArrayBuffer, or a view of one, is refused as released', () => {
    const ab = new ArrayBuffer(8);
    const view = new Uint8Array(ab);
    const dv = new DataView(ab);
    structuredClone(ab, { transfer: [ab] });
    expect(ab.byteLength).toBe(0);
    expectCode(() => getBuffer(ab), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => getBuffer(view), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => getBuffer(dv), 'ERR_BUFFER_RELEASED', 'BufferError');
  });

  test('an empty but attached ArrayBuffer is a valid zero-length export', () => {
    using info = getBuffer(new ArrayBuffer(0));
    expect([info.len, info.shape]).toEqual([0, [0]]);
  });

  test('release() is idempotent and Symbol.dispose releases', () => {
    const info = getBuffer(new Uint8Array(2));
    expect(info.released).toBe(false);
    info.release();
    info.release();
    expect(info.released).toBe(true);
    let outer: BufferInfo;
    {
      using inner = getBuffer(new Uint8Array(2));
      outer = inner;
      expect(outer.released).toBe(false);
    }
    expect(outer.released).toBe(true);
  });
});

describe('getBuffer bad input', () => {
  test.each([[undefined], [null], [3], ['abc'], [{}], [[1, 2]], [Symbol('x')], [() => 0]])(
    'a non-exporter %p is a TypeError',
    (value) => {
      expectCode(() => getBuffer(value as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    },
  );

  test('flags must be a number', () => {
    expectCode(() => getBuffer(new Uint8Array(1), '4' as unknown as number), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => getBuffer(new Uint8Array(1), 4n as unknown as number), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });

  test.each([[-1], [1.5], [NaN], [Infinity], [0x2], [0x200], [0x400], [0x100], [2 ** 32 + 8], [0x1fd | 0x1000]])(
    'flags %p are refused as out of range',
    (flags) => {
      expectCode(() => getBuffer(new Uint8Array(1), flags), 'ERR_OUT_OF_RANGE', 'RangeError');
    },
  );

  test('a refused request changes no export count', () => {
    let gets = 0;
    let releases = 0;
    const exporter = {
      [bufferProtocol.getBuffer]() {
        gets++;
        return { buffer: new ArrayBuffer(8), readonly: true };
      },
      [bufferProtocol.releaseBuffer]() {
        releases++;
      },
    };
    expectCode(() => getBuffer(exporter, BufferFlags.WRITABLE), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    expect([gets, releases]).toEqual([1, 1]);
  });
});

describe('checkBuffer', () => {
  test('is true for exporters and false for everything else, and exports nothing', () => {
    let gets = 0;
    const exporter = {
      [bufferProtocol.getBuffer]() {
        gets++;
        return { buffer: new ArrayBuffer(1) };
      },
    };
    for (const yes of [
      new ArrayBuffer(1),
      new SharedArrayBuffer(1),
      new Uint16Array(1),
      new DataView(new ArrayBuffer(1)),
      Buffer.alloc(1),
      exporter,
    ]) {
      expect(checkBuffer(yes)).toBe(true);
    }
    for (const no of [null, undefined, 1, 'x', {}, [], Symbol('s')]) expect(checkBuffer(no)).toBe(false);
    expect(gets).toBe(0);
  });
});

describe('BufferError', () => {
  test('isBufferError works on errors from any realm and rejects look-alikes', () => {
    let caught: unknown;
    try {
      getBuffer({ [bufferProtocol.getBuffer]: () => ({ buffer: new ArrayBuffer(4), readonly: true }) }, BufferFlags.WRITABLE);
    } catch (error) {
      caught = error;
    }
    expect(isBufferError(caught)).toBe(true);
    const vm = require('node:vm') as typeof import('node:vm');
    const foreign = vm.runInNewContext('e = new Error("x"); e.name = "BufferError"; e.code = "ERR_BUFFER_NOT_WRITABLE"; e');
    expect(foreign instanceof Error).toBe(false);
    expect(isBufferError(foreign)).toBe(true);
    expect(isBufferError(Object.assign(new Error('x'), { code: 'ERR_OUT_OF_RANGE', name: 'BufferError' }))).toBe(false);
    expect(isBufferError(new TypeError('x'))).toBe(false);
    expect(isBufferError(null)).toBe(false);
  });
});
