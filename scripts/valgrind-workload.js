// The workload of `npm run test:valgrind` (scripts/valgrind.sh): a plain node
// script, not jest (far too slow under valgrind), that drives every native
// entry point of build/Release/buffer_protocol.node through ../lib once or a
// few times, small and large, then lets the GC finalize what it dropped.
// Run with --expose-gc. Prints one line per stage and "workload ok" at the
// end; any failed check throws (exit status 1).
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const bp = require('../lib');
const io = require('../lib/io');
const { native } = require('../lib/native');
const { BufferFlags, NativeBuffer, BufferObject, getBuffer, memoryview, bufferProtocol } = bp;

if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');

const LARGE = 256 * 1024; // above the 128 KiB mmap threshold

function stage(name, fn) {
  const t0 = process.hrtime.bigint();
  const result = fn();
  const done = () => console.log(`  ${name}: ${Number(process.hrtime.bigint() - t0) / 1e6 | 0} ms`);
  if (result && typeof result.then === 'function') return result.then(done);
  done();
  return undefined;
}

function throwsCode(fn, code) {
  assert.throws(fn, (e) => e.code === code, `expected ${code}`);
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

async function collect(until = () => true) {
  // FinalizationRegistry callbacks and ArrayBuffer finalizers run on later
  // turns (the backing stores are freed by a concurrent sweeper): alternate
  // gc() and event-loop turns until `until()` holds, for at most ~30 s
  // (valgrind runs everything far slower, threads one at a time).
  const deadline = Date.now() + 30000;
  for (let i = 0; ; i++) {
    global.gc();
    await turn();
    await new Promise((resolve) => setTimeout(resolve, i < 4 ? 5 : 100));
    if ((i >= 3 && until()) || Date.now() > deadline) return i + 1;
  }
}

function nativeBuffers() {
  for (const size of [0, 1, 63, 4096, LARGE, 3 * LARGE + 5]) {
    const nb = NativeBuffer.alloc(size);
    const bytes = new Uint8Array(nb.buffer);
    if (size > 0) {
      bytes[0] = 1;
      bytes[size - 1] = 2;
    }
    nb.resize(size + 100);
    assert.equal(nb.length, size + 100);
    nb.resize(Math.floor(size / 2));
    nb.resize(LARGE + size);
    nb.resize(16);
    nb.close();
    nb.close();
    throwsCode(() => nb.resize(1), 'ERR_BUFFER_RELEASED');
  }
  for (const align of [1, 8, 4096, 1 << 20]) {
    const nb = NativeBuffer.alloc(1000, { align, zero: false });
    assert.equal(Number(nb.buffer.byteLength), 1000);
    nb.close();
  }
  // A layout, refused resizes and closes while exported, a forced close.
  const nb = NativeBuffer.alloc(LARGE, { format: 'd', shape: [128, 256] });
  const info = getBuffer(nb, BufferFlags.FULL);
  throwsCode(() => nb.resize(10), 'ERR_BUFFER_EXPORTS_ACTIVE');
  throwsCode(() => nb.close(), 'ERR_BUFFER_EXPORTS_ACTIVE');
  const view = memoryview(nb);
  nb.close({ force: true });
  throwsCode(() => view.get(0, 0), 'ERR_BUFFER_RELEASED');
  view.release();
  info.release();
  // Bad sizes never reach an allocation.
  throwsCode(() => NativeBuffer.alloc(-1), 'ERR_OUT_OF_RANGE');
  throwsCode(() => NativeBuffer.alloc(64, { format: 'd', shape: [9] }), 'ERR_BUFFER_OUT_OF_BOUNDS');
  // Dropped without close: the finalizer frees them.
  for (let i = 0; i < 20; i++) NativeBuffer.alloc(i % 2 ? LARGE : 512);
  // The copy fallback (V8-owned memory) is exercised in a child process of
  // the jest suite; here only the external path runs.
}

class Exporter {
  constructor() {
    this.pixels = new Uint8Array(4 * 6 * 3).map((_, i) => i);
    this.released = 0;
  }
  [bufferProtocol.getBuffer]() {
    return { buffer: this.pixels.buffer, format: 'B', shape: [4, 6, 3] };
  }
  [bufferProtocol.releaseBuffer]() {
    this.released++;
  }
}

class Redirect {
  constructor(target) {
    this.target = target;
  }
  [bufferProtocol.getBuffer](flags) {
    return getBuffer(this.target, flags);
  }
}

function exporters() {
  const ab = new ArrayBuffer(64);
  const sab = new SharedArrayBuffer(64);
  const nbBytes = NativeBuffer.alloc(256);
  const nbLayout = NativeBuffer.alloc(LARGE, { format: '<i', shape: [256, 256] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-vg-'));
  const file = path.join(dir, 'map.bin');
  fs.writeFileSync(file, Buffer.alloc(8192, 7));
  const mapped = io.mmap(file, { mode: 'c', format: 'H', shape: [64, 64] });
  const bo = BufferObject.alloc(100);
  const kinds = [
    ab,
    sab,
    new DataView(ab, 8, 16),
    new Uint8Array(ab),
    Buffer.from('pooled buffer'),
    new Int16Array(8),
    new Float64Array(5),
    new BigInt64Array(3),
    nbBytes,
    nbLayout,
    mapped,
    bo,
    memoryview(new Float32Array(12)).cast('B').cast('f', [3, 4]),
    new Exporter(),
    new Redirect(nbLayout),
  ];
  const flagsList = [
    BufferFlags.SIMPLE,
    BufferFlags.WRITABLE,
    BufferFlags.ND,
    BufferFlags.STRIDES,
    BufferFlags.C_CONTIGUOUS,
    BufferFlags.F_CONTIGUOUS,
    BufferFlags.ANY_CONTIGUOUS,
    BufferFlags.RECORDS,
    BufferFlags.FULL_RO,
    BufferFlags.FULL,
  ];
  let ok = 0;
  let refused = 0;
  for (const obj of kinds) {
    assert.equal(bp.checkBuffer(obj), true);
    for (const flags of flagsList) {
      let info;
      try {
        info = getBuffer(obj, flags);
      } catch (e) {
        if (e.name !== 'BufferError') throw e;
        refused++;
        continue;
      }
      ok++;
      for (const order of ['C', 'F', 'A']) bp.isContiguous(info, order);
      info.release();
      info.release();
    }
    // The PEP 688 methods of this package's exporters.
    if (typeof obj[bufferProtocol.releaseBuffer] === 'function' && !(obj instanceof Exporter)) {
      const info = obj[bufferProtocol.getBuffer](BufferFlags.FULL_RO);
      obj[bufferProtocol.releaseBuffer](info);
    }
  }
  assert.ok(ok > 100 && refused > 0);
  assert.equal(nbBytes.exports, 0);
  assert.equal(nbLayout.exports, 0);
  assert.equal(mapped.exports, 0);
  kinds[12].release();
  bo.release();
  nbBytes.close();
  nbLayout.close();
  mapped.close();
  fs.rmSync(dir, { recursive: true, force: true });
  // Dropped exports: the FinalizationRegistry releases them.
  const dropped = NativeBuffer.alloc(128);
  for (let i = 0; i < 10; i++) getBuffer(dropped, BufferFlags.SIMPLE);
  return dropped;
}

function views() {
  const nb = NativeBuffer.alloc(6 * 8 * 10 * 4, { format: 'f', shape: [6, 8, 10] });
  const m = memoryview(nb);
  // Every intermediate view holds the export: keep them to release.
  const temps = [];
  const keep = (v) => {
    temps.push(v);
    return v;
  };
  const t = m.typed();
  for (let i = 0; i < t.length; i++) t[i] = i;
  const pieces = [
    m,
    m.T,
    m.transpose(1, 0, 2),
    m.slice('::-1', [1, 7, 2], '::-3'),
    m.slice(2),
    m.slice(null, 3, '1:9:4'),
    keep(m.slice([5, 0, -2])).T,
    m.reshape([48, 10]),
    m.cast('B'),
    keep(m.cast('B')).cast('i', [480]),
    keep(m.slice(0, 0)).cast('B'),
    m.toReadonly(),
    m.slice('3:3'),
  ];
  for (const v of pieces) {
    const bytesC = v.toBytes('C');
    const bytesF = v.toBytes('F');
    assert.equal(bytesC.length, v.nbytes);
    assert.equal(bytesF.length, v.nbytes);
    v.toBytes('A');
    v.toList();
    v.hex(':', 3);
    assert.equal(v.equals(v), v.format === 'B' || v.format === 'i' || v.format === 'f');
    if (v.ndim > 0 && v.shape.every((d) => d > 0)) {
      const first = new Array(v.ndim).fill(0);
      v.get(...first);
      if (!v.readonly) v.set(v.ndim === 1 ? 0 : first, v.get(...first));
    }
    v.dataView();
    for (const flags of [BufferFlags.FULL_RO, BufferFlags.STRIDED_RO]) getBuffer(v, flags).release();
  }
  // Large strided views go to the native copy kernel (>= 16 KiB).
  const big = NativeBuffer.alloc(512 * 512 * 2, { format: 'h', shape: [512, 512] });
  const bm = memoryview(big);
  const bt = bm.typed();
  for (let i = 0; i < bt.length; i += 7) bt[i] = i & 0x7fff;
  assert.equal(keep(bm.T).toBytes('C').length, 512 * 512 * 2);
  assert.equal(keep(bm.slice('::-1', '::-1')).toBytes('F').length, 512 * 512 * 2);
  assert.ok(keep(bm.T).equals(keep(bm.T)));
  keep(bm.T).toList();
  // Copies into overlapping targets (memmove semantics), large and small.
  keep(bm.slice('0:256')).assign(keep(bm.slice('128:384')));
  keep(bm.slice('::-1')).assign(bm);
  keep(bm.T).assign(bm);
  keep(m.slice('1:', null)).assign(keep(m.slice(':-1', null)));
  for (const v of [...temps, ...pieces.slice(1)]) v.release();
  m.release();
  bm.release();
  big.close();
  nb.close();
  // Item formats: every codec once, byte order and unaligned items.
  for (const format of ['b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'n', 'N', 'f', 'd', 'e', '?', 'c', '<i', '>d', '!H', '=q', '2h', 'bi']) {
    const size = bp.sizeFromFormat(format);
    const raw = new Uint8Array(size * 5 + 1);
    const v = memoryview(raw, { format, shape: [5], byteOffset: 1 });
    try {
      v.toList();
      v.equals(v);
    } catch (e) {
      if (e.code !== 'ERR_BUFFER_UNSUPPORTED_FORMAT') throw e;
    }
    v.release();
  }
}

function contiguous() {
  const src = memoryview(new Float64Array(40 * 60).map((_, i) => i)).cast('B').cast('d', [40, 60]);
  for (const order of ['C', 'F', 'A']) {
    for (const v of [src, src.T, src.slice('::-2', '1::3'), src.slice(5)]) {
      const bytes = bp.toContiguous(v, order);
      const dst = new Float64Array(v.nbytes / 8);
      const target = memoryview(dst).cast('B').cast('d', [...v.shape]);
      assert.equal(bp.fromContiguous(target, bytes, order), v.nbytes);
      assert.equal(bp.fromContiguous(target.T, bytes.subarray(0, 13), order) <= 13, true);
      target.release();
    }
  }
  // copyData: strided, overlapping (same buffer), reversed, large.
  const a = new Float64Array(64 * 64).map((_, i) => i);
  const ma = memoryview(a).cast('B').cast('d', [64, 64]);
  bp.copyData(ma.slice('::-1'), ma);
  bp.copyData(ma.T, ma);
  bp.copyData(ma.slice('1:'), ma.slice(':-1'));
  bp.copyData(ma.slice(null, '::2'), ma.slice(null, '1::2'));
  throwsCode(() => bp.copyData(ma, ma.T.slice('1:')), 'ERR_BUFFER_STRUCTURE_MISMATCH');
  const nb = NativeBuffer.alloc(64 * 64 * 8, { format: 'd', shape: [64, 64] });
  bp.copyData(nb, ma.T);
  bp.copyData(ma, nb);
  nb.close();
  ma.release();
  src.release();
  // The native kernel directly, on the edge shapes.
  const buf = new ArrayBuffer(4096);
  native.core.copyItems(buf, 0, [64, 1], buf, 100, [1, 64], [16, 16], 1);
  native.core.copyItems(buf, 4095, [-1], buf, 0, [1], [4096], 1);
  native.core.copyItems(buf, 0, [8], buf, 4, [8], [500], 4);
  native.core.copyItems(buf, 0, [0], buf, 0, [0], [0], 8);
}

function coreFunctions() {
  const formats = ['', '<', 'B', '@d', '=q', '<2h', '>5s', '3p', 'x', 'bi', '@bq', ' b h ', '9999999999999999999B', 'Z', '4', '<@', 'T{i}', '2', '(2)i', 'w'];
  for (const f of formats) {
    try {
      bp.sizeFromFormat(f);
      native.core.parseFormat(f);
    } catch (e) {
      if (!['ERR_BUFFER_BAD_FORMAT', 'ERR_OUT_OF_RANGE'].includes(e.code)) throw e;
    }
  }
  for (let i = 0; i < 64; i++) native.core.parseFormat('<' + 'bhiqfd'.repeat(i));
  const layouts = [
    [{ itemsize: 8, shape: [3, 4], strides: [32, 8] }, 0, 96],
    [{ itemsize: 8, shape: [3, 4], strides: [-32, -8] }, 88, 96],
    [{ itemsize: 1, shape: [], strides: [] }, 0, 1],
    [{ itemsize: 1, shape: [0, 5], strides: [1e15, -1e15] }, 0, 0],
    [{ itemsize: 4, shape: [2 ** 40, 2 ** 40], strides: [4, 4] }, 0, 16],
    [{ itemsize: 2, shape: new Array(64).fill(1), strides: new Array(64).fill(-2) }, 0, 2],
    [{ itemsize: 1, shape: [3], strides: [2 ** 62] }, 0, 16],
    [{ itemsize: 1, shape: [3], strides: [1] }, -1, 16],
  ];
  for (const [desc, offset, memlen] of layouts) {
    try {
      native.core.validateLayout(desc, offset, memlen);
    } catch (e) {
      if (!e.code || !e.code.startsWith('ERR_')) throw e;
    }
    for (const order of ['C', 'F', 'A', 'x']) {
      try {
        native.core.isContiguous(desc, order);
      } catch (e) {
        if (!e.code || !e.code.startsWith('ERR_')) throw e;
      }
    }
    for (let flags = 0; flags <= 0x1fd; flags += 1) {
      try {
        native.core.negotiate({ ...desc, format: 'B', readonly: flags % 3 === 0 }, flags);
      } catch (e) {
        if (!e.code || !e.code.startsWith('ERR_')) throw e;
      }
    }
  }
  native.core.negotiate({ itemsize: 4, shape: [2, 3], strides: [4, 8], suboffsets: [0, -1], format: 'i', readonly: false }, BufferFlags.FULL);
  assert.deepEqual(bp.fillContiguousStrides([2, 3, 4], 8, 'F'), [8, 16, 48]);
  assert.deepEqual(native.core.fillContiguousStrides([2, 3, 4], 8, 'C'), [96, 32, 8]);
  throwsCode(() => native.core.fillContiguousStrides(new Array(64).fill(2), 1, 'F'), 'ERR_BUFFER_INVALID_LAYOUT');
  native.core.fillContiguousStrides(new Array(40).fill(2), 1, 'F');
}

async function fileIo() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-vg-io-'));
  try {
    const file = path.join(dir, 'data.bin');
    const N = 200;
    const content = Buffer.alloc(N * N * 4);
    for (let i = 0; i < content.length; i++) content[i] = (i * 31) & 0xff;
    fs.writeFileSync(file, content);
    // mmap: read-only, copy-on-write, shared; unaligned offset; a layout.
    const ro = io.mmap(file, { format: '<I', shape: [N, N] });
    const mv = memoryview(ro);
    const mt = mv.T;
    assert.equal(mt.toBytes('F').length, N * N * 4);
    mt.release();
    throwsCode(() => getBuffer(ro, BufferFlags.WRITABLE), 'ERR_BUFFER_NOT_WRITABLE');
    ro.advise('sequential');
    ro.flush();
    mv.release();
    ro.close();
    const rw = io.mmap(file, { mode: 'r+', offset: 4097, length: 5000 });
    new Uint8Array(rw.buffer)[0] ^= 0xff;
    rw.flush();
    rw.close();
    const cow = io.mmap(file, { mode: 'c' });
    new Uint8Array(cow.buffer).fill(1, 0, 100);
    cow.close();
    throwsCode(() => io.mmap(path.join(dir, 'missing')), 'ENOENT');
    throwsCode(() => io.mmap(file, { offset: content.length + 10 }), 'ERR_OUT_OF_RANGE');

    // readInto / writeFrom on strided views: pread, preadv runs, staging.
    const fd = fs.openSync(file, 'r+');
    try {
      const nb = NativeBuffer.alloc(N * N * 4, { format: 'I', shape: [N, N] });
      const m = memoryview(nb);
      const strided = [m.T, m.slice('::-1'), m.slice('::-2', '::-3'), m.slice(null, 7), m.slice(3)];
      for (const v of [m, ...strided]) {
        const n = io.readInto(fd, v, 0);
        assert.equal(n, v.nbytes);
        assert.equal(io.writeFrom(fd, v, 0), v.nbytes);
      }
      // Plain JS memory, a SharedArrayBuffer (the staged path), EOF short reads.
      const plain = memoryview(new Uint16Array(N * N)).cast('B').cast('H', [N, N]).T;
      assert.equal(io.readInto(fd, plain, 0), plain.nbytes);
      const shared = new Uint8Array(new SharedArrayBuffer(1000));
      assert.equal(io.readInto(fd, shared, content.length - 10), 10);
      assert.equal(io.writeFrom(fd, shared, content.length), 1000);
      throwsCode(() => io.readInto(-1, nb), 'ERR_OUT_OF_RANGE');
      throwsCode(() => io.readInto(987654, nb, 0), 'EBADF');
      // Async on the threadpool.
      assert.equal(await io.read(fd, strided[0], 0), m.nbytes);
      assert.equal(await io.write(fd, strided[1], 0), m.nbytes);
      assert.equal(await io.read(fd, plain, 0), plain.nbytes);
      assert.equal(await io.write(fd, plain, 0), plain.nbytes);
      const pending = io.read(fd, m, 0);
      throwsCode(() => nb.close({ force: true }), 'ERR_BUFFER_EXPORTS_ACTIVE');
      await pending;
      for (const v of strided) v.release();
      plain.release();
      m.release();
      nb.close();
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function bufferObjects() {
  const base = NativeBuffer.alloc(LARGE);
  const ro = BufferObject.fromObject(base, 10, 1000);
  const rw = BufferObject.fromReadWriteObject(base, 0);
  rw.set(5, 200);
  assert.equal(rw.get(5), 200);
  const s = rw.slice(2, 50);
  s.assign(new Uint8Array(10), 0, 10);
  const cat = s.concat(ro, new Uint8Array([1, 2, 3]), BufferObject.alloc(7));
  assert.equal(cat.length, 48 + 1000 + 3 + 7);
  assert.equal(cat.indexOf(1), 48 + 1000);
  cat.compare(s);
  cat.equals(cat);
  cat.toString('hex');
  const info = getBuffer(ro, BufferFlags.SIMPLE);
  throwsCode(() => base.close(), 'ERR_BUFFER_EXPORTS_ACTIVE');
  info.release();
  for (const b of [ro, rw, s, cat]) b.release();
  base.close();
  BufferObject.alloc(LARGE); // dropped: finalized below
}

// NativeBuffer.share()/fromShared(): the same block in this env and in a
// Worker (atomic reference count, frees from the thread that drops it last).
async function sharing() {
  if (typeof NativeBuffer.prototype.share !== 'function') return;
  const { Worker } = require('node:worker_threads');
  const nb = NativeBuffer.alloc(LARGE, { format: 'd', shape: [LARGE / 8] });
  new Float64Array(nb.buffer)[5] = 42;
  const same = NativeBuffer.fromShared(nb.share());
  assert.equal(new Float64Array(same.buffer)[5], 42);
  same.close();
  throwsCode(() => NativeBuffer.fromShared({ kind: 'buffer-protocol.NativeBuffer', token: 12345n, length: 8, readonly: false, layout: null }), 'ERR_BUFFER_RELEASED');
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { NativeBuffer } = require(workerData.lib);
    const mine = NativeBuffer.fromShared(workerData.handle);
    const a = new Float64Array(mine.buffer);
    a[6] = a[5] + 1;
    mine.close();
    // Never claimed: dropped when this environment ends.
    NativeBuffer.alloc(100).share();
    parentPort.postMessage('done');
  `;
  const worker = new Worker(source, { eval: true, workerData: { handle: nb.share(), lib: path.join(__dirname, '..', 'lib') } });
  const message = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  assert.equal(message, 'done');
  await new Promise((resolve) => worker.once('exit', resolve));
  assert.equal(new Float64Array(nb.buffer)[6], 43);
  nb.close();
}

// The C API through the C fixtures of test/native (bp_test_consumer and
// bp_test_image, built by binding.gyp next to the addon), when they exist.
function cApi() {
  const loadFixture = require('../test/native/load');
  const load = (name) => {
    try {
      return loadFixture(name);
    } catch {
      return null;
    }
  };
  const consumer = load('bp_test_consumer');
  const image = load('bp_test_image');
  if (consumer === null && image === null) return 'skipped (fixtures not built)';
  // Refusals from C are expected in places: only memory errors matter here.
  const attempt = (fn) => {
    try {
      return fn();
    } catch (e) {
      return e;
    }
  };
  if (consumer !== null) {
    const floats = new Float64Array(64).map((_, i) => i);
    assert.equal(consumer.sum(floats), (63 * 64) / 2);
    const m = memoryview(floats).cast('B').cast('d', [8, 8]);
    const t = m.T;
    const strided = m.slice('::-2', '1::3');
    for (const obj of [floats, m, t, strided, new Uint8Array(33), NativeBuffer.alloc(LARGE), BufferObject.alloc(10), new DataView(new ArrayBuffer(5))]) {
      for (const flags of [undefined, 0, 0x8, 0x18, 0x1c, 0x38, 0x58, 0x98, 0x11c, 0x1]) attempt(() => consumer.describe(obj, flags));
      attempt(() => consumer.sum(obj));
      for (const order of ['C', 'F', 'A']) {
        attempt(() => consumer.isContiguous(obj, order));
        const bytes = attempt(() => consumer.toContiguous(obj, order));
        if (bytes instanceof Uint8Array) attempt(() => consumer.fromContiguous(obj, bytes, order));
      }
      attempt(() => consumer.getPointerOffset(obj, [0, 0]));
      attempt(() => consumer.getPointerOffset(obj, [1]));
    }
    attempt(() => consumer.invert(m.cast('B')));
    attempt(() => consumer.invert(new Uint8Array(LARGE)));
    attempt(() => consumer.copyData(t, m));
    attempt(() => consumer.copyData(m, strided));
    const handles = [];
    for (const obj of [floats, m, new Uint8Array(100), t]) handles.push(attempt(() => consumer.hold(obj)));
    for (const h of handles) {
      if (typeof h !== 'number') continue;
      attempt(() => consumer.heldSum(h));
      attempt(() => consumer.releaseHeld(h));
      attempt(() => consumer.releaseHeld(h));
    }
    for (const kind of ['null-view', 'release-twice', 'release-zeroed', 'non-exporter', 'bad-flags', 'get-pointer-out-of-range',
      'get-pointer-negative', 'get-pointer-null-indices', 'get-pointer-null-view', 'to-contiguous-wrong-len']) {
      attempt(() => consumer.badCall(kind, m));
    }
    attempt(() => consumer.fillContiguousStrides([2, 3, 4], 8, 'F'));
    attempt(() => consumer.fillInfo(null, new Uint8Array(16), true, 0x1c));
    attempt(() => consumer.fillInfo({}, new Uint8Array(16), false, 0x1));
    for (const f of ['B', '<2h', 'Z', '9999999999999999999B']) attempt(() => consumer.sizeFromFormat(f));
    t.release();
    strided.release();
    m.release();
  }
  if (image !== null) {
    for (const [w, h] of [[1, 1], [7, 5], [256, 200]]) {
      const img = attempt(() => image.create(w, h));
      if (img instanceof NativeBuffer) {
        const v = memoryview(img);
        const flipped = v.slice('::-1', null, 0);
        flipped.toBytes();
        flipped.release();
        v.release();
        img.close();
      }
    }
    image.create(3, 3, true); // dropped: its C release callback runs from the finalizer
    const bo = attempt(() => image.createBufferObject(300, true));
    if (BufferObject.isBufferObject(bo)) {
      bo.set(1, 7);
      bo.slice(2, 9).release();
      bo.release();
    }
    for (const kind of ['null-with-length', 'negative-length', 'layout-outside', 'bad-format', 'ndim-65', 'from-memory-end-of-buffer',
      'read-write-end-of-buffer', 'null-result']) {
      const made = attempt(() => image.badExport(kind));
      if (made instanceof NativeBuffer) made.close({ force: true });
      else if (BufferObject.isBufferObject(made)) made.release();
    }
  }
  return undefined;
}

// Memory from libc's malloc through koffi: one lend closed, one dropped for
// GC, one left for the exit hook; each release frees it with libc's free.
async function pointers() {
  const koffi = require('koffi');
  const { fromPointer } = require('../lib/interop');
  const libc = koffi.load('libc.so.6');
  const malloc = libc.func('void *malloc(size_t)');
  const free = libc.func('void free(void *)');
  let released = 0;
  const lend = (bytes) =>
    fromPointer(malloc(bytes), bytes, {
      format: 'B',
      release: (p) => {
        released++;
        free(p);
      },
    });
  const closed = lend(LARGE);
  const view = memoryview(closed);
  view.set(LARGE - 1, 9);
  view.release();
  closed.close();
  (() => lend(64))();
  await collect(() => released === 2);
  assert.equal(released, 2, 'closed and collected lends were released');
  globalThis.leftForExit = lend(64);
  throwsCode(() => fromPointer(0n, 8, { release: free }), 'ERR_INVALID_ARG_TYPE');
}

async function main() {
  const before = native.regionStats();
  console.log('valgrind workload:');
  stage('NativeBuffer alloc/resize/close', nativeBuffers);
  let dropped;
  stage('getBuffer/release on every exporter kind', () => {
    dropped = exporters();
  });
  stage('memoryview slicing/cast/toBytes/toList/transposes', views);
  stage('toContiguous/fromContiguous/copyData', contiguous);
  stage('core functions (formats, validateLayout, negotiate)', coreFunctions);
  await stage('mmap + readInto/writeFrom/read/write', fileIo);
  stage('BufferObject', bufferObjects);
  await stage('NativeBuffer.share() with a Worker', sharing);
  stage('C API (test/native fixtures)', () => {
    const skipped = cApi();
    if (skipped) console.log(`  C API: ${skipped}`);
  });
  await stage('fromPointer (koffi malloc/free)', pointers);
  let rounds = 0;
  await stage('GC finalization', async () => {
    rounds += await collect(() => dropped.exports === 0);
    assert.equal(dropped.exports, 0, 'dropped exports were released by the FinalizationRegistry');
    dropped.close();
    dropped = null;
    // The lend left for the exit hook is the one block still alive.
    rounds += await collect(() => native.regionStats().liveBlocks <= before.liveBlocks + 1);
  });
  const after = native.regionStats();
  console.log(`  native blocks: live ${before.liveBlocks} -> ${after.liveBlocks}, freed ${after.freedBlocks - before.freedBlocks} (${rounds} gc rounds)`);
  assert.ok(after.liveBlocks <= before.liveBlocks + 1, `native blocks leaked: ${JSON.stringify(after)}`);
  console.log('workload ok');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
