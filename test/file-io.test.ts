import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NativeBuffer, memoryview, read, readInto, write, writeFrom } from '../src';
import { expectCode } from './helpers/expect';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-io-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const N = 300;
const matrix = () =>
  memoryview(new Float32Array(N * N).map((_, i) => i))
    .cast('B')
    .cast('f', [N, N]);

function withFile<T>(name: string, flags: string, fn: (fd: number, file: string) => T): T {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, flags);
  try {
    return fn(fd, file);
  } finally {
    fs.closeSync(fd);
  }
}

describe('writeFrom', () => {
  test.each([
    ['contiguous', (m: ReturnType<typeof matrix>) => m],
    ['transposed (short runs, staged)', (m: ReturnType<typeof matrix>) => m.T],
    ['negative step over rows (long runs, pwritev)', (m: ReturnType<typeof matrix>) => m.slice('::-1')],
    ['negative steps both ways', (m: ReturnType<typeof matrix>) => m.slice('::-2', '::-3')],
    ['a column (1-D strided)', (m: ReturnType<typeof matrix>) => m.slice(null, 7)],
  ])('%s: the file bytes equal toBytes("C")', (_, pick) => {
    const view = pick(matrix());
    withFile('out.bin', 'w+', (fd, file) => {
      const n = writeFrom(fd, view, 0);
      expect(n).toBe(view.nbytes);
      expect(fs.readFileSync(file).equals(Buffer.from(view.toBytes('C')))).toBe(true);
    });
  });

  test('without a position it writes at the current file position', () => {
    withFile('seq.bin', 'w+', (fd, file) => {
      writeFrom(fd, new Uint8Array([1, 2]));
      writeFrom(fd, new Uint8Array([3]));
      expect(Array.from(fs.readFileSync(file))).toEqual([1, 2, 3]);
    });
  });

  test('SharedArrayBuffer memory works too', () => {
    const sab = new SharedArrayBuffer(8);
    new Uint8Array(sab).set([9, 8, 7, 6, 5, 4, 3, 2]);
    withFile('sab.bin', 'w+', (fd, file) => {
      expect(writeFrom(fd, memoryview(sab).slice('::2'), 0)).toBe(4);
      expect(Array.from(fs.readFileSync(file))).toEqual([9, 7, 5, 3]);
      const target = new Uint8Array(new SharedArrayBuffer(4));
      expect(readInto(fd, target, 0)).toBe(4);
      expect(Array.from(target)).toEqual([9, 7, 5, 3]);
    });
  });
});

describe('readInto', () => {
  test('round trip into a transposed and a negatively strided view', () => {
    const source = matrix();
    for (const pick of [(m: ReturnType<typeof matrix>) => m.T, (m: ReturnType<typeof matrix>) => m.slice('::-1', '::-1')]) {
      const expected = pick(source);
      withFile('in.bin', 'w+', (fd) => {
        fs.writeSync(fd, expected.toBytes('C'), 0, expected.nbytes, 0);
        const target = pick(
          memoryview(new Float32Array(N * N))
            .cast('B')
            .cast('f', [N, N]),
        );
        expect(readInto(fd, target, 0)).toBe(expected.nbytes);
        expect(target.equals(expected)).toBe(true);
      });
    }
  });

  // CPython's readinto stores every byte it returns, a partial last item
  // included: 5 bytes into array('h', [0]*3) give [1, 2, 3] and tell() 5.
  // A strided (staged) target keeps that rule: the count is what is stored.
  test('EOF gives a short count and stores every byte read, a partial last item included', () => {
    withFile('short.bin', 'w+', (fd) => {
      fs.writeSync(fd, Buffer.from([1, 0, 2, 0, 3]), 0, 5, 0);
      const target = memoryview(new Int16Array(8)).slice('::2');
      expect(readInto(fd, target, 0)).toBe(5);
      expect(target.toList()).toEqual([1, 2, 3, 0]);
      expect(readInto(fd, new Uint8Array(4), 100)).toBe(0);
      // From the file's own position: it ends after the 5 bytes, none lost.
      fs.writeSync(fd, Buffer.from([9, 9]), 0, 2, 5);
      const fromStart = memoryview(new Int16Array(8)).slice('::2');
      const positioned = fs.openSync(path.join(dir, 'short.bin'), 'r');
      try {
        expect(readInto(positioned, fromStart)).toBe(7);
        expect(readInto(positioned, new Uint8Array(1))).toBe(0);
      } finally {
        fs.closeSync(positioned);
      }
      expect(fromStart.toList()).toEqual([1, 2, 0x903, 9]);
    });
  });

  test('async read at EOF inside an item stores its bytes too, for plain and owned memory', async () => {
    const file = path.join(dir, 'short-async.bin');
    fs.writeFileSync(file, Buffer.from([1, 0, 2, 0, 3]));
    const fd = fs.openSync(file, 'r');
    try {
      const plain = memoryview(new Int16Array(8)).slice('::2');
      expect(await read(fd, plain, 0)).toBe(5);
      expect(plain.toList()).toEqual([1, 2, 3, 0]);
      const nb = NativeBuffer.alloc(16, { format: 'h', shape: [8] });
      const whole = memoryview(nb);
      const owned = whole.slice('::2');
      expect(await read(fd, owned, 0)).toBe(5);
      expect(owned.toList()).toEqual([1, 2, 3, 0]);
      owned.release();
      whole.release();
      nb.close();
    } finally {
      fs.closeSync(fd);
    }
  });

  test('a read-only target is refused before any read', () => {
    withFile('ro.bin', 'w+', (fd) => {
      fs.writeSync(fd, Buffer.from([1, 2, 3, 4]), 0, 4, 0);
      const ro = NativeBuffer.alloc(4, { readonly: true });
      expectCode(() => readInto(fd, ro, 0), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
      expect(Array.from(new Uint8Array(ro.buffer))).toEqual([0, 0, 0, 0]);
      expect(ro.exports).toBe(0);
    });
  });
});

describe('bad input', () => {
  test('syscall errors are Node-style and release the export', () => {
    const nb = NativeBuffer.alloc(8);
    const error = expectCode(() => readInto(2 ** 30, nb, 0), 'EBADF') as unknown as { errno: number; syscall: string };
    expect([error.errno, error.syscall]).toEqual([-9, 'read']);
    expect(nb.exports).toBe(0);
  });

  test.each([
    [() => readInto(-1, new Uint8Array(1)), 'ERR_OUT_OF_RANGE'],
    [() => readInto('3' as never, new Uint8Array(1)), 'ERR_INVALID_ARG_TYPE'],
    [() => writeFrom(1, new Uint8Array(1), -5), 'ERR_OUT_OF_RANGE'],
    [() => writeFrom(1, new Uint8Array(1), 1.5), 'ERR_OUT_OF_RANGE'],
    [() => writeFrom(1, new Uint8Array(1), '0' as never), 'ERR_INVALID_ARG_TYPE'],
    [() => writeFrom(1, 'text'), 'ERR_INVALID_ARG_TYPE'],
  ])('%#: refused with %s', (fn, code) => {
    expectCode(fn, code);
  });
});

describe('async read and write', () => {
  test('hold the export while in flight: close() is refused until they settle', async () => {
    const expected = matrix().T;
    const file = path.join(dir, 'async.bin');
    const fd = fs.openSync(file, 'w+');
    try {
      const nb = NativeBuffer.alloc(N * N * 4, { format: 'f', shape: [N, N] });
      const source = memoryview(nb);
      source.assign(expected);
      const sourceT = source.T;
      const sourceTT = sourceT.T;
      const writing = write(fd, sourceTT, 0);
      expectCode(() => nb.close(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
      expect(await writing).toBe(N * N * 4);
      expect(fs.readFileSync(file).equals(Buffer.from(expected.toBytes()))).toBe(true);
      for (const v of [sourceTT, sourceT, source]) v.release();
      const base = memoryview(nb);
      const target = base.T;
      const reading = read(fd, target, 0);
      expectCode(() => nb.resize(8), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
      expect(await reading).toBe(N * N * 4);
      expect(target.equals(expected)).toBe(true);
      target.release();
      expect(nb.exports).toBe(1);
      base.release();
      expect(nb.exports).toBe(0);
      nb.close();
    } finally {
      fs.closeSync(fd);
    }
  });

  test('not even a forced close can pull memory out from under an async transfer', async () => {
    const file = path.join(dir, 'forced.bin');
    const fd = fs.openSync(file, 'w+');
    try {
      fs.writeSync(fd, Buffer.alloc(1 << 20, 3), 0, 1 << 20, 0);
      const nb = NativeBuffer.alloc(1 << 20);
      const reading = read(fd, nb, 0);
      expectCode(() => nb.close({ force: true }), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
      expect(nb.isClosed).toBe(false);
      expect(await reading).toBe(1 << 20);
      expect(new Uint8Array(nb.buffer)[12345]).toBe(3);
      nb.close({ force: true });
      expect(nb.isClosed).toBe(true);
    } finally {
      fs.closeSync(fd);
    }
  });

  test('plain JavaScript memory goes through a private copy and arrives intact', async () => {
    const file = path.join(dir, 'plain.bin');
    const fd = fs.openSync(file, 'w+');
    try {
      const view = matrix().slice('::-1', '::2');
      expect(await write(fd, view, 0)).toBe(view.nbytes);
      const target = memoryview(new Float32Array(N * N))
        .cast('B')
        .cast('f', [N, N])
        .slice('::-1', '::2');
      expect(await read(fd, target, 0)).toBe(view.nbytes);
      expect(target.equals(view)).toBe(true);
    } finally {
      fs.closeSync(fd);
    }
  });

  test('async errors reject with Node-style errors', async () => {
    await expect(read(2 ** 30, new Uint8Array(4), 0)).rejects.toMatchObject({ code: 'EBADF', syscall: 'read' });
    await expect(write(2 ** 30, new Uint8Array(4), 0)).rejects.toMatchObject({ code: 'EBADF', syscall: 'write' });
  });
});
