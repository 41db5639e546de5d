import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BufferFlags, getBuffer, memoryview, mmap, nativeMemoryStats } from '../src';
import { jsonLines, runFixture } from './helpers/child';
import { expectCode } from './helpers/expect';

let dir: string;
let file: string;
const data = Buffer.from(Array.from({ length: 3 * 4096 + 123 }, (_, i) => (i * 7) % 251));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-mmap-'));
  file = path.join(dir, 'data.bin');
  fs.writeFileSync(file, data);
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('mmap modes', () => {
  test("'r' maps the file read-only: exports refuse WRITABLE, and stray writes never reach the file", () => {
    const f = mmap(file);
    expect([f.length, f.mode, f.readonly, f.offset, f.path]).toEqual([data.length, 'r', true, 0, file]);
    expect(Buffer.from(f.buffer).equals(data)).toBe(true);
    expectCode(() => getBuffer(f, BufferFlags.WRITABLE), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    using info = getBuffer(f, BufferFlags.SIMPLE);
    expect([info.readonly, info.len]).toEqual([true, data.length]);
    new Uint8Array(f.buffer)[0] = 255;
    expect(fs.readFileSync(file)[0]).toBe(data[0]);
    info.release();
    f.close();
  });

  test("'r+' writes reach the file, seen by readFileSync after flush()", () => {
    const f = mmap(file, { mode: 'r+' });
    using info = getBuffer(f, BufferFlags.CONTIG);
    new Uint8Array(info.buffer, info.byteOffset, info.len).set([1, 2, 3], 100);
    f.flush();
    expect(Array.from(fs.readFileSync(file).subarray(100, 103))).toEqual([1, 2, 3]);
    info.release();
    f.close();
  });

  test("'c' is writable copy-on-write and leaves the file untouched", () => {
    const f = mmap(file, { mode: 'c' });
    const m = memoryview(f);
    m.set(5, 77);
    expect(m.get(5)).toBe(77);
    f.flush();
    expect(fs.readFileSync(file).equals(data)).toBe(true);
    m.release();
    f.close();
  });
});

describe('ranges', () => {
  test.each([[1], [4095], [4096], [4097], [5000]])('offset %i (not page-aligned) starts the view at that byte', (offset) => {
    const f = mmap(file, { offset, length: 200 });
    expect(Buffer.from(f.buffer).equals(data.subarray(offset, offset + 200))).toBe(true);
    f.close();
  });

  test('the default length is the rest of the file', () => {
    const f = mmap(file, { offset: 4100 });
    expect(f.length).toBe(data.length - 4100);
    f.close();
  });

  test('an N-d layout reads a raw file as typed items', () => {
    const f = mmap(file, { format: '<H', shape: [4, 8], byteOffset: 2 });
    const m = memoryview(f);
    expect(m.get(1, 3)).toBe(data.readUInt16LE(2 + (8 + 3) * 2));
    expect([m.shape, m.format]).toEqual([[4, 8], '<H']);
    m.release();
    expectCode(() => mmap(file, { format: 'd', shape: [10_000] }), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    f.close();
  });

  test.each([
    [{ offset: data.length }, 'ERR_OUT_OF_RANGE'],
    [{ offset: 10, length: data.length }, 'ERR_OUT_OF_RANGE'],
    [{ length: 0 }, 'ERR_OUT_OF_RANGE'],
    [{ offset: -1 }, 'ERR_OUT_OF_RANGE'],
    [{ offset: 1.5 }, 'ERR_OUT_OF_RANGE'],
    [{ mode: 'w' }, 'ERR_OUT_OF_RANGE'],
    [{ mode: 1 }, 'ERR_INVALID_ARG_TYPE'],
    [{ length: '1' }, 'ERR_INVALID_ARG_TYPE'],
    [{ huge: true }, 'ERR_INVALID_ARG_TYPE'],
  ])('options %p are refused with %s', (options, code) => {
    const before = nativeMemoryStats().liveBlocks;
    expectCode(() => mmap(file, options as never), code);
    expect(nativeMemoryStats().liveBlocks).toBe(before);
  });

  test('an empty file is refused at map time; a missing one gets a Node-style system error', () => {
    const empty = path.join(dir, 'empty.bin');
    fs.writeFileSync(empty, '');
    expectCode(() => mmap(empty), 'ERR_OUT_OF_RANGE', 'RangeError');
    const error = expectCode(() => mmap(path.join(dir, 'missing.bin')), 'ENOENT') as unknown as Error & {
      errno: number;
      syscall: string;
    };
    expect([error.errno, error.syscall]).toEqual([-2, 'open']);
    expectCode(() => mmap(dir, { mode: 'r+' }), 'EISDIR');
    expectCode(() => mmap(42 as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });
});

describe('lifecycle', () => {
  test('close is refused while exported; a forced close detaches every view', () => {
    const f = mmap(file);
    const m = memoryview(f);
    const bytes = new Uint8Array(f.buffer);
    expectCode(() => f.close(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    expect(f.exports).toBe(1);
    f.close({ force: true });
    expect([bytes.length, f.length, f.isClosed]).toEqual([0, 0, true]);
    expectCode(() => m.get(0), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => f.flush(), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => f.buffer, 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => getBuffer(f), 'ERR_BUFFER_RELEASED', 'BufferError');
    m.release();
    f.close();
  });

  test('advise takes the madvise hints and refuses others', () => {
    const f = mmap(file);
    for (const advice of ['normal', 'sequential', 'random', 'willneed', 'dontneed'] as const) f.advise(advice);
    expect(Buffer.from(f.buffer).equals(data)).toBe(true);
    expectCode(() => f.advise('soon' as never), 'ERR_OUT_OF_RANGE', 'RangeError');
    f.close();
  });
});

describe('a file that shrinks under its mapping (child processes)', () => {
  test.each([['r'], ['r+'], ['c']])(
    "mode '%s': pages past the new end read as zeros, no SIGBUS, and the loss is reported",
    (mode) => {
      const child = runFixture('truncate', {}, [mode]);
      expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({
        status: 0,
        signal: null,
        stderr: '',
      });
      expect(jsonLines(child.stdout)).toEqual([
        {
          before: { first: 7, last: 7, truncated: false },
          after: { first: 7, third: 0, last: 0, truncated: true },
          getBuffer: 'ERR_BUFFER_TRUNCATED',
          memoryview: 'ERR_BUFFER_TRUNCATED',
          flush: 'ERR_BUFFER_TRUNCATED',
        },
        { closed: true },
      ]);
    },
  );

  test('a SIGBUS that is not about a mapping still ends the process', () => {
    const child = runFixture('foreign-sigbus');
    expect(child.signal).toBe('SIGBUS');
    expect(jsonLines(child.stdout)).toEqual([{ mapped: 4096 }]);
  });
});

describe('guard slots', () => {
  test('4,100 mappings closed but not yet collected, then a truncation: the guard is still there (child process)', () => {
    const child = runFixture('mmap-many', {}, ['4100']);
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(jsonLines(child.stdout)).toEqual([
      { rounds: 4100, first: 7, third: 0, truncated: true, getBuffer: 'ERR_BUFFER_TRUNCATED' },
    ]);
  });
});

describe('what cannot be mapped', () => {
  test('a FIFO, a socket and character devices are refused at once with ENODEV, never opened blocking (child process)', () => {
    // On a blocking open() the child would hang until the timeout kills it.
    const child = runFixture('mmap-special', {}, [], 20_000);
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    const refusal = { code: 'ENODEV', errno: -19, syscall: 'mmap', hint: true };
    expect(jsonLines(child.stdout)).toEqual(
      ['fifo', 'fifo r+', 'socket', '/dev/zero', '/dev/null'].map((name) => ({ name, ...refusal })),
    );
  });

  test('the refusal changes nothing: no block is left behind', () => {
    const before = nativeMemoryStats().liveBlocks;
    const error = expectCode(() => mmap('/dev/null'), 'ENODEV') as unknown as Error & { path: string };
    expect(error.path).toBe('/dev/null');
    expect(error.message).toMatch(/only regular files can be mapped/);
    expect(nativeMemoryStats().liveBlocks).toBe(before);
  });
});
