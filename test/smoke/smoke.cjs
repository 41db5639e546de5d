// The portable smoke suite: plain CommonJS with node:assert, no jest, so it
// runs unchanged under Node, Bun and Deno (`npm run test:smoke` runs it
// under each; see run.sh). It walks the demo's paths, the C API through the
// test fixtures (test/native, built next to the addon) and a Worker.
//   <runtime> test/smoke/smoke.cjs
// Prints one line per check and ends with "smoke: N passed" or exits 1.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const bp = require('../../lib');
const { mmap } = require('../../lib/io');
const loadFixture = require('../native/load');

const { BufferFlags, NativeBuffer, getBuffer, memoryview } = bp;
const runtime =
  typeof globalThis.Bun !== 'undefined'
    ? `bun ${globalThis.Bun.version}`
    : typeof globalThis.Deno !== 'undefined'
      ? `deno ${globalThis.Deno.version.deno}`
      : `node ${process.version}`;
const checks = [];
const check = (name, fn) => checks.push({ name, fn });
const codeOf = (fn) => {
  try {
    fn();
  } catch (error) {
    return error.code;
  }
  return null;
};

check('getBuffer describes a Float32Array', () => {
  const info = getBuffer(new Float32Array([0.5, 1.5, 2.5]), BufferFlags.RECORDS_RO);
  assert.deepEqual([info.format, info.itemsize, info.shape, info.len], ['f', 4, [3], 12]);
  info.release();
});

check('NativeBuffer: an export refuses resize until released, then close', () => {
  const nb = NativeBuffer.alloc(64, { format: 'd', shape: [2, 4] });
  const info = getBuffer(nb, BufferFlags.STRIDED);
  assert.equal(nb.exports, 1);
  assert.equal(
    codeOf(() => nb.resize(128)),
    'ERR_BUFFER_EXPORTS_ACTIVE',
  );
  info.release();
  nb.resize(128);
  assert.equal(nb.length, 128);
  nb.close();
  assert.equal(nb.isClosed, true);
});

check('memoryview: a view of more than 2**32 items reads its far items, then refuses once released', () => {
  // get() folds a released mark into a 32-bit index only for views whose
  // items fit one; this runtime may refuse a block this large outright.
  const size = 2 ** 32 + 16;
  let nb;
  try {
    nb = NativeBuffer.alloc(size);
  } catch (error) {
    assert.equal(error.code, 'ERR_OUT_OF_RANGE');
    return;
  }
  const bytes = new Uint8Array(nb.buffer);
  bytes[14] = 3;
  bytes[size - 2] = 7;
  const v = memoryview(nb);
  // Item [1, size / 2 - 2] lies at 2**32 + 14: 32 bits of that are 14.
  const w = memoryview(nb, { shape: [2, size / 2] });
  const odd = v.slice('1::2');
  assert.deepEqual([v.get(14), v.get(size - 2), w.get(1, size / 2 - 2), w.get(0, 14), odd.get(size / 2 - 2)], [3, 7, 7, 3, 0]);
  bytes[size - 3] = 9;
  assert.equal(odd.get(size / 2 - 2), 9);
  // Reversed: item [1] lies at 2**32 + 14, counted down from the far end.
  const back = v.slice('::-1');
  assert.deepEqual([back.get(1), back.get(size - 15)], [7, 3]);
  for (const view of [back, odd, w, v]) view.release();
  assert.equal(
    codeOf(() => w.get(1, size / 2 - 2)),
    'ERR_BUFFER_RELEASED',
  );
  nb.close();
});

check('memoryview: cast, slice, transpose and toList', () => {
  const data = new Float64Array([0, 1, 2, 3, 4, 5]);
  const m = memoryview(data.buffer).cast('d', [2, 3]);
  assert.deepEqual(m.toList(), [
    [0, 1, 2],
    [3, 4, 5],
  ]);
  assert.deepEqual(m.T.toList(), [
    [0, 3],
    [1, 4],
    [2, 5],
  ]);
  const column = memoryview(data).slice('1::2');
  assert.deepEqual(column.toList(), [1, 3, 5]);
  column.set(0, 10);
  assert.equal(data[1], 10);
  for (const view of [m, column]) view.release();
});

check('mmap: read a file, refuse a write in mode r, write in r+', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-smoke-'));
  const file = path.join(dir, 'data');
  fs.writeFileSync(file, Buffer.from(new Int32Array([1, 2, 3, 4]).buffer));
  const read = mmap(file, { mode: 'r', format: 'i', shape: [2, 2] });
  const view = memoryview(read);
  assert.deepEqual(view.toList(), [
    [1, 2],
    [3, 4],
  ]);
  assert.equal(
    codeOf(() => view.set([0, 0], 9)),
    'ERR_BUFFER_NOT_WRITABLE',
  );
  view.release();
  read.close();
  const write = mmap(file, { mode: 'r+', format: 'i' });
  const writable = memoryview(write);
  writable.set(3, 40);
  writable.release();
  write.flush();
  write.close();
  const bytes = fs.readFileSync(file);
  assert.deepEqual([...new Int32Array(bytes.buffer, bytes.byteOffset, 4)], [1, 2, 3, 40]);
  fs.rmSync(dir, { recursive: true, force: true });
});

check('C API: get_buffer and release from a C addon', () => {
  const consumer = loadFixture('bp_test_consumer');
  assert.equal(consumer.sum(new Float64Array([1, 2, 3.5])), 6.5);
  const nb = NativeBuffer.alloc(24, { format: 'f', shape: [2, 3] });
  new Float32Array(nb.buffer).set([1, 2, 3, 4, 5, 6]);
  assert.equal(consumer.sum(nb), 21);
  assert.equal(nb.exports, 0);
  nb.close();
});

check('C API: export_memory gives C memory to JavaScript', () => {
  const image = loadFixture('bp_test_image');
  const pixels = image.create(3, 2, false);
  const view = memoryview(pixels);
  assert.deepEqual(view.shape, [2, 3, 4]);
  assert.equal(view.format, 'B');
  view.release();
});

check('a Worker writes into a shared NativeBuffer', async () => {
  const nb = NativeBuffer.alloc(16, { format: 'i' });
  const worker = new Worker(path.join(__dirname, 'smoke-worker.cjs'), { workerData: nb.share() });
  const code = await new Promise((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', resolve);
  });
  assert.equal(code, 0);
  assert.deepEqual([...new Int32Array(nb.buffer)], [7, 7, 7, 7]);
  nb.close();
});

(async () => {
  let failed = 0;
  for (const { name, fn } of checks) {
    try {
      await fn();
      console.log(`ok   ${name}`);
    } catch (error) {
      failed++;
      console.log(
        `FAIL ${name}\n     ${String(error && error.stack)
          .slice(0, 1500)
          .split('\n')
          .join('\n     ')}`,
      );
    }
  }
  console.log(`smoke (${runtime}): ${checks.length - failed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})();
