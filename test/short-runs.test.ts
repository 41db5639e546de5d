// Strided I/O in bounded chunks (src/io/chunks.ts over the run cursor of
// native/core/run_cursor.h): every layout's bytes, written or read back,
// equal toBytes() and the reference scatter, with chunk boundaries falling
// mid-run, mid-item and between rows.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import {
  NativeBuffer,
  fromContiguous,
  memoryview,
  mmap,
  read,
  readInto,
  readIntoStream,
  write,
  writeFrom,
  writeView,
} from '../src';
import type { Exporter, MemoryView } from '../src';
import { chunking } from '../src/io/chunks';
import { native } from '../src/native';

type Kind = 'owned' | 'plain' | 'shared';
const KINDS: Kind[] = ['owned', 'plain', 'shared'];
const ITEMS = 6 * 7 * 5;

/** Zeroed memory of `kind` for ITEMS float32s, with its bytes. */
function memory(kind: Kind): { bytes: Uint8Array; base: Exporter; close: () => void } {
  if (kind === 'owned') {
    const nb = NativeBuffer.alloc(ITEMS * 4);
    // Forced: the views a layout is made of stay exported until then.
    return { bytes: new Uint8Array(nb.buffer!), base: nb, close: () => nb.close({ force: true }) };
  }
  const ab = kind === 'plain' ? new ArrayBuffer(ITEMS * 4) : new SharedArrayBuffer(ITEMS * 4);
  return { bytes: new Uint8Array(ab), base: new Uint8Array(ab), close: () => {} };
}

const cube = (base: Exporter): MemoryView => memoryview(base).cast('B').cast('f', [6, 7, 5]);
const LAYOUTS: Array<[string, (base: Exporter) => MemoryView]> = [
  ['contiguous', (b) => cube(b)],
  ['a 2-D transpose', (b) => cube(b).cast('B').cast('f', [42, 5]).T],
  ['negative strides', (b) => cube(b).slice('::-1', '::-2', '::-1')],
  ['every other item', (b) => cube(b).cast('B').cast('f').slice('::2')],
  ['every other item, backwards', (b) => cube(b).cast('B').cast('f').slice('::-2')],
  ['a 3-D transpose of odd dims', (b) => cube(b).transpose(2, 0, 1)],
  ['a 3-D odd slice', (b) => cube(b).slice(null, '1::2', '::-3')],
  ['long inner runs', (b) => cube(b).slice('::-2')],
  ['0-d', (b) => memoryview(b).cast('B').slice('8:12').cast('f', [])],
  ['zero-size', (b) => cube(b).slice('2:2')],
];
// [chunk bytes, long-run threshold]: tiny chunks split items and runs.
const SIZES: Array<[number, number]> = [
  [1, 1 << 16],
  [7, 1 << 16],
  [13, 8],
  [1 << 20, 1 << 16],
];

/** The pattern the source memory holds: no byte is zero, so a missed byte shows. */
function fill(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) % 255 || 1;
}

/** What a correct read of `expected` into `pick`'s layout leaves in `kind` memory: the reference scatter. */
function modelScatter(kind: Kind, pick: (base: Exporter) => MemoryView, expected: Uint8Array): Uint8Array {
  const m = memory(kind);
  try {
    fromContiguous(pick(m.base), expected, 'C');
    return m.bytes.slice();
  } finally {
    m.close();
  }
}

let dir: string;
const saved = { ...chunking };
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-runs-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => Object.assign(chunking, saved));

describe.each(SIZES)('chunks of %i bytes, long runs from %i bytes', (size, longRun) => {
  beforeEach(() => Object.assign(chunking, { size, longRun }));

  describe.each(KINDS)('%s memory', (kind) => {
    test.each(LAYOUTS)('%s: writeView, writeFrom and write give toBytes()', async (_, pick) => {
      const m = memory(kind);
      try {
        fill(m.bytes);
        const view = pick(m.base);
        const want = Buffer.from(view.toBytes('C'));
        const sink = new PassThrough();
        const got: Buffer[] = [];
        sink.on('data', (c: Buffer) => got.push(c));
        expect(await writeView(sink, view)).toBe(want.length);
        expect(Buffer.concat(got).equals(want)).toBe(true);
        const file = path.join(dir, `${kind}-${size}.bin`);
        const fd = fs.openSync(file, 'w+');
        try {
          expect(writeFrom(fd, view, 3)).toBe(want.length);
          expect(fs.readFileSync(file).subarray(3).equals(want)).toBe(true);
          expect(await write(fd, view, 0)).toBe(want.length);
          expect(fs.readFileSync(file).subarray(0, want.length).equals(want)).toBe(true);
        } finally {
          fs.closeSync(fd);
        }
      } finally {
        m.close();
      }
    });

    test.each(LAYOUTS)('%s: readInto, read and readIntoStream scatter back', async (_, pick) => {
      const src = memory(kind);
      fill(src.bytes);
      const want = Buffer.from(pick(src.base).toBytes('C'));
      src.close();
      const model = modelScatter(kind, pick, want);
      const file = path.join(dir, `in-${kind}-${size}.bin`);
      fs.writeFileSync(file, Buffer.concat([Buffer.from([9, 9]), want]));
      const fd = fs.openSync(file, 'r');
      try {
        for (const how of ['readInto', 'read', 'readIntoStream'] as const) {
          const m = memory(kind);
          try {
            const target = pick(m.base);
            let n: number;
            if (how === 'readInto') n = readInto(fd, target, 2);
            else if (how === 'read') n = await read(fd, target, 2);
            else {
              const stream = new PassThrough();
              const reading = readIntoStream(stream, target);
              // Pieces of 3 bytes: they split items and runs.
              for (let at = 0; at < want.length; at += 3) stream.write(want.subarray(at, at + 3));
              stream.end();
              n = await reading;
            }
            expect([how, n]).toEqual([how, want.length]);
            expect(Buffer.from(m.bytes).equals(Buffer.from(model))).toBe(true);
          } finally {
            m.close();
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    });
  });
});

test('a read that ends inside the items stores exactly the bytes read, as a contiguous read would', () => {
  chunking.size = 5;
  const want = Buffer.from(cube(new Uint8Array(ITEMS * 4).map((_, i) => i || 1)).T.toBytes('C')).subarray(0, 61);
  const file = path.join(dir, 'short.bin');
  fs.writeFileSync(file, want);
  const fd = fs.openSync(file, 'r');
  try {
    for (const kind of KINDS) {
      const m = memory(kind);
      try {
        const target = cube(m.base).T;
        expect(readInto(fd, target, 0)).toBe(61);
        // The first 61 bytes of the C-order image, and zeros after them.
        const image = Buffer.from(target.toBytes('C'));
        expect(image.subarray(0, 61).equals(want)).toBe(true);
        expect(image.subarray(61).every((b) => b === 0)).toBe(true);
      } finally {
        m.close();
      }
    }
  } finally {
    fs.closeSync(fd);
  }
});

test('writeView of owned short runs queues at most two chunks at a time and holds the export until the last is written', async () => {
  chunking.size = 1024;
  const nb = NativeBuffer.alloc(64 * 1024);
  fill(new Uint8Array(nb.buffer!));
  const view = memoryview(nb).cast('f').slice('::2');
  let queued = 0;
  let most = 0;
  const got: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      got.push(chunk);
      setImmediate(() => {
        queued--;
        callback();
      });
    },
  });
  const writeOriginal = sink.write.bind(sink);
  sink.write = ((chunk: Buffer, callback: () => void) => {
    queued++;
    most = Math.max(most, queued);
    return writeOriginal(chunk, callback);
  }) as typeof sink.write;
  const views = nb.exports;
  const sending = writeView(sink, view);
  expect(() => nb.close({ force: true })).toThrow(expect.objectContaining({ code: 'ERR_BUFFER_EXPORTS_ACTIVE' }));
  expect(await sending).toBe(view.nbytes);
  expect(most).toBeLessThanOrEqual(2);
  expect(got.length).toBe(view.nbytes / 1024);
  expect(Buffer.concat(got).equals(Buffer.from(view.toBytes('C')))).toBe(true);
  expect(nb.exports).toBe(views);
  nb.close({ force: true });
});

test('writeView of owned short runs rejects with the stream failure and gives the export back', async () => {
  chunking.size = 64;
  const nb = NativeBuffer.alloc(4096);
  const sink = new Writable({
    write(_chunk, _encoding, callback) {
      callback(new Error('disk full'));
    },
  });
  sink.on('error', () => {});
  const view = memoryview(nb).cast('f').slice('::2');
  const views = nb.exports;
  await expect(writeView(sink, view)).rejects.toThrow('disk full');
  expect(nb.exports).toBe(views);
  nb.close({ force: true });
});

test('every other float32 of a mapped file goes out gathered, and the mapping cannot close until it has', async () => {
  chunking.size = 4000;
  const file = path.join(dir, 'mapped.bin');
  const data = Buffer.alloc(1 << 16);
  fill(data);
  fs.writeFileSync(file, data);
  const f = mmap(file);
  try {
    const view = memoryview(f).cast('f').slice('1::2');
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on('data', (c: Buffer) => got.push(c));
    const sending = writeView(sink, view);
    expect(() => f.close({ force: true })).toThrow(expect.objectContaining({ code: 'ERR_BUFFER_EXPORTS_ACTIVE' }));
    expect(await sending).toBe(1 << 15);
    expect(Buffer.concat(got).equals(Buffer.from(view.toBytes('C')))).toBe(true);
  } finally {
    f.close({ force: true });
  }
});

test('writeView of owned short runs to a stream destroyed mid-way rejects and gives the export back', async () => {
  chunking.size = 256;
  const nb = NativeBuffer.alloc(1 << 14);
  const view = memoryview(nb).cast('f').slice('::2');
  const views = nb.exports;
  let writes = 0;
  const sink = new Writable({
    write(_chunk, _encoding, callback) {
      writes++;
      setImmediate(() => (writes === 2 ? sink.destroy() : callback()));
    },
  });
  sink.on('error', () => {});
  await expect(writeView(sink, view)).rejects.toThrow(expect.objectContaining({ code: 'ERR_STREAM_PREMATURE_CLOSE' }));
  expect(writes).toBe(2);
  expect(nb.exports).toBe(views);
  nb.close({ force: true });
});

test('every other float32 of 64 MiB goes out through writeView under --max-old-space-size=128, matching toBytes', () => {
  const fixture = path.join(__dirname, 'fixtures', 'short-runs-memory.js');
  const child = spawnSync(process.execPath, ['--max-old-space-size=128', fixture, String(64 << 20)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  const out = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
    bytes: number;
    sent: string;
    want: string;
    growthMiB: number;
  };
  expect(out.bytes).toBe(32 << 20);
  expect(out.sent).toBe(out.want);
  expect(out.sent).toMatch(/^[0-9a-f]{64}$/);
  // Extra memory stays a few chunks, not the 300+ MiB a list of runs took.
  expect(out.growthMiB).toBeLessThan(16);
}, 120_000);

describe('the binding refuses a chunk move that would leave either buffer, and changes nothing', () => {
  const io = native.io as unknown as Record<'gather' | 'scatter', (...args: unknown[]) => number>;
  const memory = new ArrayBuffer(64);
  const chunk = new ArrayBuffer(16);
  // A [4, 4] 'B' transpose of the first 16 bytes.
  const args = (from: number, chunkOffset: number, n: number, offset = 0) => [
    memory,
    offset,
    [4, 4],
    [1, 4],
    1,
    from,
    chunk,
    chunkOffset,
    n,
  ];
  test.each(['gather', 'scatter'] as const)('%s', (how) => {
    new Uint8Array(memory).fill(7);
    new Uint8Array(chunk).fill(9);
    const cases: Array<[unknown[], string]> = [
      [args(0, 8, 9), 'ERR_OUT_OF_RANGE'],
      [args(0, 17, 0), 'ERR_OUT_OF_RANGE'],
      [args(17, 0, 1), 'ERR_OUT_OF_RANGE'],
      [args(-1, 0, 1), 'ERR_OUT_OF_RANGE'],
      [args(0, 0, 16, 50), 'ERR_BUFFER_OUT_OF_BOUNDS'],
    ];
    for (const [a, code] of cases) {
      expect(() => io[how](...a)).toThrow(expect.objectContaining({ code }));
    }
    expect(() => io[how](new SharedArrayBuffer(64), ...args(0, 0, 1).slice(1))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' }),
    );
    expect(new Uint8Array(memory).every((b) => b === 7)).toBe(true);
    expect(new Uint8Array(chunk).every((b) => b === 9)).toBe(true);
    // The last bytes: a move that reaches the end stops there.
    expect(io[how](...args(12, 0, 16))).toBe(4);
  });
});
