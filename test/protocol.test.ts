import { BufferFlags, NativeBuffer, bufferProtocol, getBuffer, type BufferInfo } from '../src';
import { holdsSomething } from '../src/export/buffer-info';
import { expectCode } from './helpers/expect';

/** An exporter that counts its getBuffer and releaseBuffer calls. */
function counting(make: (flags: number) => unknown) {
  const calls = { gets: 0, releases: 0, released: [] as unknown[] };
  const exporter = {
    calls,
    [bufferProtocol.getBuffer](flags: number) {
      const result = make(flags);
      calls.gets++;
      return result;
    },
    [bufferProtocol.releaseBuffer](view: unknown) {
      calls.releases++;
      calls.released.push(view);
    },
  };
  return exporter;
}

describe('JavaScript-level protocol', () => {
  test('a descriptor exporter gives N-d views over the memory it owns', () => {
    const pixels = new Uint8Array(2 * 3 * 4).map((_, i) => i);
    const image = counting(() => ({ buffer: pixels.buffer, format: 'B', shape: [2, 3, 4] }));
    const info = getBuffer(image, BufferFlags.RECORDS_RO);
    expect(info.obj).toBe(image);
    expect(info.buffer).toBe(pixels.buffer);
    expect([info.format, info.ndim, info.shape, info.strides, info.len]).toEqual(['B', 3, [2, 3, 4], [12, 4, 1], 24]);
    expect(image.calls).toMatchObject({ gets: 1, releases: 0 });
    info.release();
    info.release();
    expect(image.calls).toMatchObject({ gets: 1, releases: 1 });
  });

  test('negative strides put item [0, 0] at the end of the block', () => {
    const exporter = counting(() => ({
      buffer: new ArrayBuffer(24),
      format: 'h',
      shape: [3, 4],
      strides: [-8, -2],
      byteOffset: 22,
    }));
    using info = getBuffer(exporter, BufferFlags.STRIDED_RO);
    expect([info.byteOffset, info.strides, info.len]).toEqual([22, [-8, -2], 24]);
    expectCode(() => getBuffer(exporter, BufferFlags.CONTIG_RO), 'ERR_BUFFER_NOT_C_CONTIGUOUS', 'BufferError');
    expect(exporter.calls).toMatchObject({ gets: 2, releases: 1 });
  });

  test('a Fortran layout meets F_CONTIGUOUS and refuses C_CONTIGUOUS', () => {
    const exporter = counting(() => ({ buffer: new ArrayBuffer(48), format: 'i', shape: [3, 4], strides: [4, 12] }));
    using f = getBuffer(exporter, BufferFlags.F_CONTIGUOUS);
    expect(f.strides).toEqual([4, 12]);
    expectCode(() => getBuffer(exporter, BufferFlags.C_CONTIGUOUS), 'ERR_BUFFER_NOT_C_CONTIGUOUS', 'BufferError');
    using any = getBuffer(exporter, BufferFlags.ANY_CONTIGUOUS);
    expect(any.shape).toEqual([3, 4]);
  });

  test('a redirecting exporter hands out its target and holds the target export', () => {
    const target = NativeBuffer.alloc(16, { format: 'f' });
    const redirect = counting((flags) => getBuffer(target, flags));
    const info = getBuffer(redirect, BufferFlags.RECORDS);
    expect(info.buffer).toBe(target.buffer);
    expect([info.format, info.shape]).toEqual(['f', [4]]);
    expect(target.exports).toBe(1);
    expectCode(() => target.resize(32), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    info.release();
    expect(target.exports).toBe(0);
    expect(redirect.calls.releases).toBe(1);
    const inner = redirect.calls.released[0] as BufferInfo;
    expect(inner.released).toBe(true);
    target.resize(32);
    expect(target.length).toBe(32);
  });

  test('a redirect whose result the consumer refuses releases the target at once', () => {
    const target = NativeBuffer.alloc(16, { format: 'h', shape: [2, 4], strides: [2, 4] });
    // The redirect asks its target for everything; the consumer wants C order.
    const redirect = counting(() => getBuffer(target, BufferFlags.FULL_RO));
    expectCode(() => getBuffer(redirect, BufferFlags.C_CONTIGUOUS), 'ERR_BUFFER_NOT_C_CONTIGUOUS', 'BufferError');
    expect(target.exports).toBe(0);
    expect(redirect.calls).toMatchObject({ gets: 1, releases: 1 });
    using f = getBuffer(redirect, BufferFlags.F_CONTIGUOUS);
    expect([f.strides, target.exports]).toEqual([[2, 4], 1]);
  });

  test('a redirect to a SIMPLE export re-exports bytes; FORMAT then needs a known format', () => {
    const target = new Float32Array(4);
    const simple = counting(() => getBuffer(target, BufferFlags.SIMPLE));
    using nd = getBuffer(simple, BufferFlags.ND);
    expect([nd.shape, nd.itemsize, nd.format]).toEqual([[4], 4, null]);
    expectCode(() => getBuffer(simple, BufferFlags.RECORDS_RO), 'ERR_BUFFER_INVALID_EXPORT', 'BufferError');
    expect(simple.calls.gets - simple.calls.releases).toBe(1);
  });

  test('an exporter that throws propagates its error and is not released', () => {
    const boom = new Error('boom');
    const exporter = counting(() => {
      throw boom;
    });
    expect(() => getBuffer(exporter)).toThrow(boom);
    expect(exporter.calls).toMatchObject({ gets: 0, releases: 0 });
  });

  test.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a string', 'bytes'],
    ['an object without buffer', { shape: [2] }],
    ['a descriptor with a bad format', { buffer: new ArrayBuffer(4), format: 'T{' }],
    ['a descriptor with a fractional shape', { buffer: new ArrayBuffer(4), shape: [1.5] }],
    ['a descriptor with a non-boolean readonly', { buffer: new ArrayBuffer(4), readonly: 1 }],
    [
      'a released BufferInfo',
      (() => {
        const i = getBuffer(new Uint8Array(1));
        i.release();
        return i;
      })(),
    ],
  ])('garbage (%s) is an invalid export, released exactly once', (_, garbage) => {
    const exporter = counting(() => garbage);
    const error = expectCode(
      () => getBuffer(exporter),
      (garbage as { format?: string })?.format === 'T{' ? 'ERR_BUFFER_BAD_FORMAT' : 'ERR_BUFFER_INVALID_EXPORT',
      'BufferError',
    );
    expect(error.message.length).toBeGreaterThan(0);
    expect(exporter.calls).toMatchObject({ gets: 1, releases: 1 });
  });

  test('returning a built-in redirects to its full export', () => {
    const ab = new ArrayBuffer(32);
    const exporter = counting(() => new Int16Array(ab, 4, 6));
    using info = getBuffer(exporter, BufferFlags.RECORDS);
    expect([info.buffer, info.byteOffset, info.len, info.format, info.shape]).toEqual([ab, 4, 12, 'h', [6]]);
  });

  test('a descriptor reaching outside its buffer is out of bounds', () => {
    const exporter = counting(() => ({ buffer: new ArrayBuffer(8), format: 'i', shape: [3] }));
    expectCode(() => getBuffer(exporter), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    const shifted = counting(() => ({ buffer: new ArrayBuffer(8), format: 'i', shape: [2], byteOffset: 4 }));
    expectCode(() => getBuffer(shifted), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    const negative = counting(() => ({ buffer: new ArrayBuffer(8), format: 'B', shape: [2], strides: [-1], byteOffset: 0 }));
    expectCode(() => getBuffer(negative), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    expect([exporter.calls.releases, shifted.calls.releases, negative.calls.releases]).toEqual([1, 1, 1]);
  });

  test('a release hook that throws still releases the inner export once', () => {
    const target = NativeBuffer.alloc(8);
    const exporter = {
      [bufferProtocol.getBuffer]: (flags: number) => getBuffer(target, flags),
      [bufferProtocol.releaseBuffer]: () => {
        throw new Error('hook failed');
      },
    };
    const info = getBuffer(exporter);
    expect(target.exports).toBe(1);
    expect(() => info.release()).toThrow('hook failed');
    expect(target.exports).toBe(0);
    expect(() => info.release()).not.toThrow();
    expect(target.exports).toBe(0);
  });

  test('a release hook that re-enters release() runs once', () => {
    let releases = 0;
    let info: BufferInfo | undefined;
    const exporter = {
      [bufferProtocol.getBuffer]: () => ({ buffer: new ArrayBuffer(4) }),
      [bufferProtocol.releaseBuffer]: () => {
        releases++;
        info!.release();
      },
    };
    info = getBuffer(exporter);
    info.release();
    expect(releases).toBe(1);
  });

  test('an export holds something to give back only when the exporter has a release hook or redirected', () => {
    const memory = new ArrayBuffer(16);
    // A plain descriptor and no hook: release() has nothing to do, and the
    // export takes no place in the collector's safety net.
    const plain = { [bufferProtocol.getBuffer]: () => ({ buffer: memory, format: 'f', shape: [2, 2] }) };
    const bare = getBuffer(plain);
    expect([bare.len, bare.ndim, bare.released]).toEqual([16, 2, false]);
    expect(holdsSomething(bare)).toBe(false);
    bare.release();
    expect(bare.released).toBe(true);
    // A hook, or an export of ours standing behind the result, must be given back.
    const hooked = counting(() => ({ buffer: memory }));
    using withHook = getBuffer(hooked);
    expect(holdsSomething(withHook)).toBe(true);
    const target = NativeBuffer.alloc(8);
    const redirect = { [bufferProtocol.getBuffer]: () => target };
    const viaRedirect = getBuffer(redirect);
    expect(holdsSomething(viaRedirect)).toBe(true);
    expect(target.exports).toBe(1);
    viaRedirect.release();
    expect(target.exports).toBe(0);
    // A redirect to a built-in holds nothing either, without a hook.
    const toBuiltin = { [bufferProtocol.getBuffer]: () => new Uint8Array(memory) };
    using builtin = getBuffer(toBuiltin);
    expect([builtin.len, holdsSomething(builtin)]).toEqual([16, false]);
    // A hookless exporter whose descriptor is refused exports nothing.
    const bad = { [bufferProtocol.getBuffer]: () => ({ buffer: memory, shape: [17] }) };
    expectCode(() => getBuffer(bad), 'ERR_BUFFER_OUT_OF_BOUNDS');
  });

  test('a returned BufferInfo is recognized once: a brand getter answering differently later changes nothing', () => {
    let reads = 0;
    let releases = 0;
    const returned = {
      get [Symbol.for('buffer-protocol.BufferInfo')]() {
        return reads++ === 0;
      },
      release() {
        releases++;
      },
      buffer: new ArrayBuffer(4),
      format: 'B',
      itemsize: 1,
      len: 4,
      byteOffset: 0,
      readonly: false,
      released: false,
      shape: [4],
      strides: [1],
      suboffsets: null,
    };
    const info = getBuffer({ [bufferProtocol.getBuffer]: () => returned });
    expect(info.len).toBe(4);
    info.release();
    expect([reads, releases]).toEqual([1, 1]);
  });

  test('exporters may be functions or class instances, and NativeBuffer speaks the protocol too', () => {
    const fn = Object.assign(() => 0, { [bufferProtocol.getBuffer]: () => ({ buffer: new ArrayBuffer(3) }) });
    using a = getBuffer(fn);
    expect(a.len).toBe(3);
    const nb = NativeBuffer.alloc(8);
    const view = nb[bufferProtocol.getBuffer](BufferFlags.SIMPLE);
    expect(nb.exports).toBe(1);
    nb[bufferProtocol.releaseBuffer](view);
    expect(nb.exports).toBe(0);
  });
});
