import { BufferFlags, BufferObject, END_OF_BUFFER, NativeBuffer, getBuffer, memoryview } from '../src';
import { expectCode } from './helpers/expect';

describe('BufferObject (the Python 2 buffer object)', () => {
  test('fromObject is a read-only window; END_OF_BUFFER reaches the end of the base', () => {
    const base = Buffer.from('hello world');
    const b = BufferObject.fromObject(base, 6);
    expect([b.length, b.toString(), b.readonly, BufferObject.isBufferObject(b)]).toEqual([5, 'world', true, true]);
    expect(BufferObject.fromObject(base, 0, END_OF_BUFFER).length).toBe(11);
    expect(BufferObject.fromObject(base).toString('hex')).toBe(base.toString('hex'));
    expectCode(() => b.set(0, 1), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    expectCode(() => getBuffer(b, BufferFlags.WRITABLE), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    expect(BufferObject.isBufferObject(base)).toBe(false);
  });

  test('fromReadWriteObject writes through to the base; slices are zero-copy windows', () => {
    const base = new Uint8Array(Buffer.from('hello world'));
    const w = BufferObject.fromReadWriteObject(base, 0, 5);
    w.assign(Buffer.from('HELLO'));
    expect(Buffer.from(base).toString()).toBe('HELLO world');
    const s = w.slice(1, 3);
    s.set(0, 0x65);
    expect([s.toString(), Buffer.from(base).toString()]).toEqual(['eL', 'HeLLO world']);
    expect(w.get(-1)).toBe(0x4f);
    expect(w.slice(-2).toString()).toBe('LO');
  });

  test('the rules of the seeds: negative offsets and sizes, windows past the end, read-only bases', () => {
    const base = Buffer.from('abc');
    expectCode(() => BufferObject.fromObject(base, -1), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => BufferObject.fromObject(base, 0, -2), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => BufferObject.fromObject(base, 4), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => BufferObject.fromObject(base, 1, 3), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => BufferObject.fromObject(base, 1.5), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => BufferObject.fromObject('abc'), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    const ro = NativeBuffer.alloc(4, { readonly: true });
    expectCode(() => BufferObject.fromReadWriteObject(ro), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expect(ro.exports).toBe(0);
    expectCode(
      () => BufferObject.fromObject(memoryview(new Uint8Array(8)).slice('::2')),
      'ERR_BUFFER_NOT_C_CONTIGUOUS',
      'BufferError',
    );
  });

  test('alloc (PyBuffer_New) owns zeroed writable memory', () => {
    const a = BufferObject.alloc(4);
    expect([a.length, a.readonly, a.toString('hex')]).toEqual([4, false, '00000000']);
    a.set(3, 9);
    expect(a.toString('hex')).toBe('00000009');
    expectCode(() => BufferObject.alloc(-1), 'ERR_OUT_OF_RANGE', 'RangeError');
  });

  test('concat copies; equals, compare and indexOf work on bytes of any exporter', () => {
    const a = BufferObject.fromObject(Buffer.from('abc'));
    const joined = a.concat(new Uint8Array([0x2d]), BufferObject.fromObject(Buffer.from('xyz')));
    expect([joined.toString(), joined.readonly]).toEqual(['abc-xyz', false]);
    expect(a.equals(Buffer.from('abc'))).toBe(true);
    expect(a.equals(Buffer.from('abd'))).toBe(false);
    expect(a.equals('abc')).toBe(false);
    expect([a.compare(Buffer.from('abd')), a.compare(Buffer.from('ab')), a.compare(Buffer.from('abc'))]).toEqual([-1, 1, 0]);
    expect([joined.indexOf('xy'), joined.indexOf(0x2d), joined.indexOf(Buffer.from('c-')), joined.indexOf('q')]).toEqual([
      4, 3, 2, -1,
    ]);
    expectCode(() => a.concat('no' as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });

  test('slice assignment needs the exact length', () => {
    const w = BufferObject.fromReadWriteObject(new Uint8Array(6));
    expectCode(() => w.assign(new Uint8Array(3), 0, 2), 'ERR_BUFFER_STRUCTURE_MISMATCH', 'BufferError');
    w.assign(new Uint8Array([1, 2]), 4);
    expect(w.toString('hex')).toBe('000000000102');
  });

  test('it holds its base while alive and is itself an exporter (FillInfo semantics)', () => {
    const nb = NativeBuffer.alloc(8);
    const b = BufferObject.fromReadWriteObject(nb, 2, 4);
    expect(nb.exports).toBe(1);
    expectCode(() => nb.resize(2), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    const info = getBuffer(b, BufferFlags.FORMAT);
    expect([info.obj === b, info.format, info.shape, info.len, info.byteOffset]).toEqual([true, 'B', null, 4, 2]);
    expectCode(() => b.release(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    info.release();
    const s = b.slice(1);
    b.release();
    expect(nb.exports).toBe(1);
    s.release();
    expect(nb.exports).toBe(0);
    expectCode(() => b.get(0), 'ERR_BUFFER_RELEASED', 'BufferError');
  });
});
