// Errors that say what to do: the byte span of a layout that overshoots its
// memory, the position of a bad format, the modes that make a mapped file
// writable, and a C API refusal in the C function's words.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferFlags, getBuffer, memoryview, mmap, NativeBuffer, sizeFromFormat } from '../src';
import { expectCode } from './helpers/expect';
import { loadFixture } from './helpers/native-fixtures';

describe('ERR_BUFFER_OUT_OF_BOUNDS gives the byte span against the memory length', () => {
  test.each([
    [{ format: 'd', shape: [3] }, 'its items span bytes [0, 24) of memory of 16 bytes'],
    [{ format: 'i', shape: [2], strides: [-4] }, 'its items span bytes [-4, 4) of memory of 16 bytes'],
    [{ format: 'B', shape: [2, 2], strides: [8, -9], byteOffset: 9 }, 'its items span bytes [0, 18) of memory of 16 bytes'],
    [{ format: 'B', shape: [1], byteOffset: 20 }, 'byte offset 20 is outside the 16 bytes of memory'],
  ])('memoryview(16 bytes, %j)', (layout, said) => {
    const error = expectCode(() => memoryview(new Uint8Array(16), layout), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    expect(error.message).toContain(said);
  });

  test('a NativeBuffer layout says it too', () => {
    const error = expectCode(() => NativeBuffer.alloc(8, { format: 'i', shape: [3] }), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    expect(error.message).toContain('[0, 12) of memory of 8 bytes');
  });
});

describe('ERR_BUFFER_BAD_FORMAT quotes the format and the position', () => {
  test.each([
    ['ii#', 'bad char in struct format at position 2 of format "ii#"'],
    ['@@i', 'bad char in struct format at position 1 of format "@@i"'],
    ['3x?z', 'bad char in struct format at position 3 of format "3x?z"'],
    ['i3', 'repeat count given without format specifier at position 1 of format "i3"'],
  ])('%s', (format, said) => {
    expect(expectCode(() => sizeFromFormat(format), 'ERR_BUFFER_BAD_FORMAT', 'BufferError').message).toBe(said);
  });

  test('a NumPy dtype keeps its hint after the position', () => {
    const error = expectCode(() => memoryview(new ArrayBuffer(8), { format: '<f4' }), 'ERR_BUFFER_BAD_FORMAT');
    expect(error.message).toBe(
      'repeat count given without format specifier at position 2 of format "<f4": "<f4" is a NumPy dtype; ' +
        'did you mean the struct format "<f"?',
    );
  });

  test('a format too long to rescan is quoted shortened, without a position', () => {
    const error = expectCode(() => sizeFromFormat(`${'i'.repeat(2000)}#`), 'ERR_BUFFER_BAD_FORMAT');
    expect(error.message).toBe(`bad char in struct format in format "${'i'.repeat(80)}..."`);
  });
});

describe('a read-only mapping suggests the modes that write', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bp-messages-'));
    file = join(dir, 'data');
    writeFileSync(file, Buffer.alloc(16));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("mode 'r' names 'r+' and 'c', and changes nothing", () => {
    const mapped = mmap(file, { mode: 'r' });
    const error = expectCode(() => getBuffer(mapped, BufferFlags.WRITABLE), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    expect(error.message).toBe(
      `Object is not writable. ${file} is mapped read-only (mode 'r'): map it with mode 'r+' to write to the file, ` +
        "or 'c' to write to a private copy",
    );
    expect(mapped.exports).toBe(0);
    mapped.close();
  });

  test.each(['r+', 'c'] as const)('mode %s exports writable memory', (mode) => {
    const mapped = mmap(file, { mode });
    const info = getBuffer(mapped, BufferFlags.WRITABLE);
    expect(info.readonly).toBe(false);
    info.release();
    mapped.close();
  });

  test('a read-only NativeBuffer keeps the plain refusal', () => {
    const nb = NativeBuffer.alloc(8, { readonly: true });
    expect(expectCode(() => getBuffer(nb, BufferFlags.WRITABLE), 'ERR_BUFFER_NOT_WRITABLE').message).toBe(
      'Object is not writable.',
    );
    nb.close();
  });
});

describe('a C API refusal names the C function and its argument', () => {
  const consumer = loadFixture('bp_test_consumer');

  test.each([
    ['get_buffer', (obj: unknown) => consumer.sum(obj)],
    ['get_buffer_borrowed', (obj: unknown) => consumer.describeBorrowed(obj, BufferFlags.SIMPLE)],
  ])('%s', (fn, call) => {
    for (const [value, received] of [
      [42, 'Received type number (42)'],
      [{}, 'Received an instance of Object'],
    ] as const) {
      const error = expectCode(() => call(value), 'ERR_INVALID_ARG_TYPE', 'TypeError');
      expect(error.message).toBe(`${fn}: obj must be a bytes-like object (an exporter of the buffer protocol). ${received}`);
    }
  });
});
