// Issue 10, the JavaScript side: replaced built-ins (hole 9), user values
// read after the memory was measured (hole 13), and overlap between two
// ArrayBuffers over one block (hole 10).
import { NativeBuffer, bufferProtocol, copyData, getBuffer, memoryview, type MemoryView } from '../src';
import { jsonLines, runFixture } from './helpers/child';
import { expectCode } from './helpers/expect';
import { resizableArrayBuffer } from './helpers/buffers';

describe('replaced built-ins do not defeat the checks (in a child process)', () => {
  const run = (name: string, when: 'before' | 'after'): Record<string, unknown> => {
    const child = runFixture('hardening-builtins', {}, [name, when]);
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    const lines = jsonLines(child.stdout);
    expect(lines).toHaveLength(1);
    return lines[0]!;
  };

  describe.each(['before', 'after'] as const)('tampered %s require', (when) => {
    test('a fake ArrayBuffer.prototype.resizable getter: resizable buffers are still refused, to C too', () => {
      expect(run('resizable', when)).toEqual({
        case: 'resizable',
        when,
        getBuffer: 'ERR_BUFFER_RESIZABLE',
        memoryview: 'ERR_BUFFER_RESIZABLE',
        cHold: 'ERR_BUFFER_RESIZABLE',
      });
    });

    test('a fake TypedArray length getter: never read while views are made and read', () => {
      expect(run('length', when)).toEqual({
        case: 'length',
        when,
        items: [0.5, 0.5, 0.5],
        reads: 0,
        released: 'ERR_BUFFER_RELEASED',
      });
    });

    test('a replaced Math.imul: never called, get() reads the right items', () => {
      expect(run('imul', when)).toEqual({ case: 'imul', when, items: [23, 16, 13], sum: 2000 * (23 + 23 + 17), calls: 0 });
    });

    test('fake byteLength getters: exports cover the real bytes', () => {
      expect(run('byteLength', when)).toEqual({ case: 'byteLength', when, len: 8, wholeLen: 16 });
    });

    test('another builtin getter of the same name, a replaced Function.prototype.call: exports still right', () => {
      expect(run('swapped', when)).toEqual({ case: 'swapped', when, len: 8, resizable: 'ERR_BUFFER_RESIZABLE' });
    });

    test('ArrayBuffer.prototype.slice, an own slice and Symbol.species: copies are private and right', () => {
      expect(run('slice', when)).toEqual({
        case: 'slice',
        when,
        bytes: [0, 1, 2, 3],
        length: 32,
        copy: [4, 5, 6, 7],
        captured: false,
        sliceCalls: 0,
      });
    });

    test('globalThis.Uint8Array and Buffer.allocUnsafeSlow: no private temporary is made by them', () => {
      expect(run('Uint8Array', when)).toEqual({ case: 'Uint8Array', when, made: 0, bytes: 13334, ownClass: true });
    });

    test('%TypedArray%.prototype.set: never called on library memory, bytes right', () => {
      expect(run('set', when)).toEqual({ case: 'set', when, copy: [9, 8, 7], written: 3, target: [1, 2, 3], calls: 0 });
    });

    test('WeakMap.prototype.get/has: refusals still hold', () => {
      expect(run('WeakMap', when)).toEqual({
        case: 'WeakMap',
        when,
        close: 'ERR_BUFFER_EXPORTS_ACTIVE',
        resizable: 'ERR_BUFFER_RESIZABLE',
        detached: 'ERR_BUFFER_RELEASED',
      });
    });
  });
});

describe('user values are read before the memory is measured', () => {
  const detach = (ab: ArrayBuffer): void => {
    structuredClone(ab, { transfer: [ab] });
  };

  /** A layout of 64 bytes whose `field` runs `effect` when read. */
  function trapped(field: 'shape' | 'strides' | 'byteOffset' | 'format', effect: () => void): Record<string, unknown> {
    const layout: Record<string, unknown> = { shape: [64], strides: [1], byteOffset: 0, format: 'B' };
    if (field === 'shape' || field === 'strides') {
      const value = field === 'shape' ? 64 : 1;
      Object.defineProperty(layout[field], 0, {
        get() {
          effect();
          return value;
        },
      });
    } else {
      const value = layout[field];
      Object.defineProperty(layout, field, {
        enumerable: true,
        get() {
          effect();
          return value;
        },
      });
    }
    return layout;
  }

  describe.each(['shape', 'strides', 'byteOffset', 'format'] as const)('a getter on %s', (field) => {
    test('that detaches the descriptor’s buffer: getBuffer refuses with ERR_BUFFER_RELEASED', () => {
      const ab = new ArrayBuffer(64);
      const desc = { buffer: ab, ...trapped(field, () => detach(ab)) };
      let releases = 0;
      const exporter = {
        [bufferProtocol.getBuffer]: () => desc,
        [bufferProtocol.releaseBuffer]: () => void releases++,
      };
      expectCode(() => getBuffer(exporter), 'ERR_BUFFER_RELEASED', 'BufferError');
      expect(releases).toBe(1);
    });

    test('that detaches the memory of memoryview(ab, layout): refused with ERR_BUFFER_RELEASED', () => {
      const ab = new ArrayBuffer(64);
      expectCode(
        () =>
          memoryview(
            ab,
            trapped(field, () => detach(ab)),
          ),
        'ERR_BUFFER_RELEASED',
        'BufferError',
      );
    });

    test('that force-closes the NativeBuffer: nothing is exported, no view returned', () => {
      const nb = NativeBuffer.alloc(64);
      expectCode(
        () =>
          memoryview(
            nb,
            trapped(field, () => nb.close({ force: true })),
          ),
        'ERR_BUFFER_RELEASED',
        'BufferError',
      );
      expect(nb.exports).toBe(0);
    });

    test('that resizes the NativeBuffer a descriptor describes: refused, export count unchanged', () => {
      const nb = NativeBuffer.alloc(64);
      const desc = { buffer: nb.buffer, ...trapped(field, () => nb.resize(8)) };
      expectCode(() => getBuffer({ [bufferProtocol.getBuffer]: () => desc }), 'ERR_BUFFER_RELEASED', 'BufferError');
      expect(nb.exports).toBe(0);
      expect(nb.length).toBe(8);
    });

    test('that force-closes the owner under a base view: memoryview(view, layout) refuses', () => {
      const nb = NativeBuffer.alloc(64);
      const base = memoryview(nb);
      expectCode(
        () =>
          memoryview(
            base,
            trapped(field, () => nb.close({ force: true })),
          ),
        'ERR_BUFFER_RELEASED',
        'BufferError',
      );
      base.release();
      expect(nb.exports).toBe(0);
    });
  });

  test('a getter that shrinks a resizable buffer: refused as resizable, nothing exported', () => {
    const rab = resizableArrayBuffer(64, 64);
    const shrink = (): void => (rab as unknown as { resize(n: number): void }).resize(0);
    let releases = 0;
    const exporter = {
      [bufferProtocol.getBuffer]: () => ({ buffer: rab, ...trapped('shape', shrink) }),
      [bufferProtocol.releaseBuffer]: () => void releases++,
    };
    expectCode(() => getBuffer(exporter), 'ERR_BUFFER_RESIZABLE', 'BufferError');
    expect(releases).toBe(1);
  });
});

describe('copies between two ArrayBuffers over one block are memmove', () => {
  /** memmove's result (CPython's, NumPy's): the source gathered into a temporary, then scattered. */
  function expected(bytes: Uint8Array, dst: MemoryView, src: MemoryView): Uint8Array {
    const out = Uint8Array.from(bytes);
    const tmp: number[] = [];
    const offsets = (v: MemoryView): number[] => {
      const at: number[] = [];
      const walk = (d: number, o: number): void => {
        if (d === v.ndim) {
          for (let b = 0; b < v.itemsize; b++) at.push(o + b);
          return;
        }
        for (let i = 0; i < v.shape[d]!; i++) walk(d + 1, o + i * v.strides[d]!);
      };
      walk(0, v.byteOffset);
      return at;
    };
    for (const o of offsets(src)) tmp.push(bytes[o]!);
    offsets(dst).forEach((o, i) => (out[o] = tmp[i]!));
    return out;
  }

  const sizes = [15, 4096, 16 * 1024 - 1, 16 * 1024, 40_000];
  describe.each(sizes)('%i bytes', (n) => {
    test.each([
      ['forward (dst after src)', 1, 0],
      ['backward (dst before src)', 0, 1],
      ['forward by a page', 4096, 0],
    ])('%s, copyData and assign', (_name, dstAt, srcAt) => {
      for (const how of ['copyData', 'assign'] as const) {
        const nb = NativeBuffer.alloc(n + 4096);
        const twin = NativeBuffer.fromShared(nb.share());
        const bytes = new Uint8Array(nb.buffer);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 255;
        const dst = memoryview(twin).slice([dstAt, dstAt + n]);
        const src = memoryview(nb).slice([srcAt, srcAt + n]);
        const want = expected(bytes, dst, src);
        if (how === 'copyData') copyData(dst, src);
        else dst.assign(src);
        expect(Buffer.compare(bytes, want)).toBe(0);
      }
    });

    test('strided items (4-byte, every other), overlapping by one byte', () => {
      const nb = NativeBuffer.alloc(2 * n + 64);
      const twin = NativeBuffer.fromShared(nb.share());
      const bytes = new Uint8Array(nb.buffer);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 13 + 1) & 255;
      const count = Math.floor(n / 8);
      const dst = memoryview(twin, { format: 'I', shape: [count], strides: [8], byteOffset: 1 });
      const src = memoryview(nb, { format: 'I', shape: [count], strides: [8], byteOffset: 0 });
      const want = expected(bytes, dst, src);
      copyData(dst, src);
      expect(Buffer.compare(bytes, want)).toBe(0);
    });
  });

  test('disjoint windows of one block copy directly', () => {
    const nb = NativeBuffer.alloc(64);
    const twin = NativeBuffer.fromShared(nb.share());
    new Uint8Array(nb.buffer).set([1, 2, 3, 4]);
    copyData(memoryview(twin).slice([32, 36]), memoryview(nb).slice([0, 4]));
    expect([...new Uint8Array(nb.buffer, 32, 4)]).toEqual([1, 2, 3, 4]);
  });
});

describe("this package's exporters are told by brand, not by prototype", () => {
  test('a NativeBuffer given MemoryView.prototype is refused with a coded error, and exports again once restored', () => {
    const nb = NativeBuffer.alloc(12);
    const own = Object.getPrototypeOf(nb) as object;
    Object.setPrototypeOf(nb, Object.getPrototypeOf(memoryview(new Uint8Array(4))) as object);
    expectCode(() => getBuffer(nb), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => memoryview(nb), 'ERR_INVALID_ARG_TYPE');
    Object.setPrototypeOf(nb, own);
    expect(nb.exports).toBe(0);
    const info = getBuffer(nb);
    expect(info.obj).toBe(nb);
    expect(info.len).toBe(12);
    info.release();
    expect(nb.exports).toBe(0);
  });

  test('an object claiming to be a MemoryView through its prototype is refused by the brand check', () => {
    const fake = Object.create(Object.getPrototypeOf(memoryview(new Uint8Array(4))) as object) as object;
    expectCode(() => getBuffer(fake as never), 'ERR_INVALID_ARG_TYPE');
  });
});

describe('replaced built-ins in this realm cannot break a view or an export count', () => {
  test('a forged exporter marker (an index past the registry) is not one of ours', () => {
    let proto: object | null = NativeBuffer.prototype;
    let key: symbol | undefined;
    while (proto !== null && key === undefined) {
      key = Object.getOwnPropertySymbols(proto).find((s) => String(s).includes('buffer-protocol.exporter'));
      proto = Object.getPrototypeOf(proto) as object | null;
    }
    expect(key).toBeDefined();
    const arrayProto = Array.prototype as unknown as Record<number, unknown>;
    arrayProto[50] = [() => true, () => ({ len: 1 << 20 })];
    try {
      for (const index of [50, -1, 1.5, Number.NaN]) {
        const forged = { [key!]: index };
        expectCode(() => getBuffer(forged as never), 'ERR_INVALID_ARG_TYPE');
        expectCode(() => memoryview(forged as never), 'ERR_INVALID_ARG_TYPE');
      }
    } finally {
      delete arrayProto[50];
    }
  });

  test('a failure while a view family enrolls its export gives the owner its count back', () => {
    const nb = NativeBuffer.alloc(8);
    const original = Array.prototype.findIndex;
    Array.prototype.findIndex = () => {
      throw new Error('findIndex replaced');
    };
    try {
      expect(() => memoryview(nb)).toThrow('findIndex replaced');
    } finally {
      Array.prototype.findIndex = original;
    }
    expect(nb.exports).toBe(0);
    nb.close();
    expect(nb.isClosed).toBe(true);
  });

  test('a view made by user code while another view is being made leaves both whole', () => {
    const original = Number.isSafeInteger;
    let inside = false;
    let made = 0;
    Number.isSafeInteger = (x: unknown): boolean => {
      if (!inside) {
        inside = true;
        try {
          memoryview(new Uint8Array(4)).release();
          made++;
        } finally {
          inside = false;
        }
      }
      return original(x);
    };
    let outer: MemoryView;
    try {
      outer = memoryview(new Float64Array([1, 2, 3, 4]))
        .cast('B')
        .cast('d');
    } finally {
      Number.isSafeInteger = original;
    }
    expect(made).toBeGreaterThan(0);
    expect(outer.shape).toEqual([4]);
    expect(outer.get(3)).toBe(4);
    expect(outer.toList()).toEqual([1, 2, 3, 4]);
  });
});
