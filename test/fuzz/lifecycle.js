// Model-based lifecycle fuzzer: random sequences of alloc, export, view
// operations, async I/O, C views, close (forced or not), transfer, GC and
// Worker sharing, checked after every step against a model of export
// counts and bytes. Any mismatch prints the seed and the steps that led to
// it; any crash ends the process (its runner asserts how it ended).
//   node --expose-gc test/fuzz/lifecycle.js [--seconds S] [--runs R] [--seed N] [--steps K]
// runs at least R seeds (1) and keeps going for S seconds (10).
// Prints one JSON line: {seeds, steps, ops, seconds}.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');

const root = path.join(__dirname, '..', '..');
const bp = require(path.join(root, 'lib'));

if (!isMainThread) {
  // Worker: claims the shared block, writes one byte, reports, then either
  // exits or spins in addon calls until terminated.
  const nb = bp.NativeBuffer.fromShared(workerData.handle);
  new Uint8Array(nb.buffer)[workerData.index] = workerData.value;
  parentPort.postMessage('written');
  if (workerData.spin) {
    for (;;) bp.memoryview(nb).slice([0, 1]).release();
  }
  nb.close({ force: true });
  return;
}

// ArrayBuffer.prototype.transfer is behind a flag on Node 20.
if (typeof ArrayBuffer.prototype.transfer !== 'function' && !process.execArgv.includes('--harmony-rab-gsab-transfer')) {
  const child = spawnSync(process.execPath, ['--harmony-rab-gsab-transfer', ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? (child.signal ? 128 : 1));
}

const io = require(path.join(root, 'lib', 'io'));
const consumer = require(path.join(root, 'test', 'native', 'load'))('bp_test_consumer');

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

// mulberry32: small, seedable, good enough to pick operations.
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
}

class Mismatch extends Error {}
const expect = (what, actual, wanted) => {
  if (actual !== wanted) throw new Mismatch(`${what}: got ${actual}, model says ${wanted}`);
};
const codeOf = (fn) => {
  try {
    fn();
    return null;
  } catch (error) {
    if (typeof error?.code !== 'string') throw error;
    return error.code;
  }
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-lifecycle-'));
const file = path.join(dir, 'data.bin');
const FILE_BYTES = Uint8Array.from({ length: 1 << 18 }, (_, i) => (i * 31 + 7) & 255);
fs.writeFileSync(file, FILE_BYTES);
const fd = fs.openSync(file, 'r+');

// The bytes a view should read: walk its layout over the owner's mirror.
function expectedBytes(view) {
  const { shape, strides, offset } = view;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(n);
  const index = new Array(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let at = offset;
    for (let d = 0; d < shape.length; d++) at += index[d] * strides[d];
    out[k] = view.owner.mirror[at];
    for (let d = shape.length - 1; d >= 0 && ++index[d] === shape[d]; d--) index[d] = 0;
  }
  return out;
}

async function runSeed(seed, steps, stats) {
  const r = rng(seed);
  const owners = [];
  const views = [];
  const infos = [];
  const held = [];
  let inflight = null; // {owner, promise, settle}
  const trace = [];

  const live = (o) => !o.closed && !o.lost;
  const families = (o) => new Set(views.filter((v) => v.owner === o && !v.released).map((v) => v.family)).size;
  // A transfer exports the view it was given (not the owner), as getBuffer
  // of a memoryview does; the owner counts it only as in flight.
  const modelExports = (o) => families(o) + o.infos;

  const ops = {
    alloc() {
      if (owners.filter(live).length >= 6) return;
      const size = r.chance(0.1) ? 1 << 17 : 1 + r.int(512);
      const nb = bp.NativeBuffer.alloc(size);
      const mirror = new Uint8Array(size);
      owners.push({ kind: 'native', obj: nb, mirror, size, infos: 0, closed: false, lost: false });
    },
    plain() {
      if (owners.filter(live).length >= 6) return;
      const size = 1 + r.int(512);
      const bytes = Uint8Array.from({ length: size }, () => r.int(256));
      owners.push({ kind: 'plain', obj: bytes.buffer, mirror: bytes.slice(), size, infos: 0, closed: false, lost: false });
    },
    view() {
      const o = r.pick(owners.filter(live));
      if (!o) return;
      const m = bp.memoryview(o.obj);
      views.push({ m, owner: o, family: {}, offset: 0, shape: [o.size], strides: [1], released: false, cexports: 0 });
    },
    derive() {
      const v = r.pick(views.filter((x) => !x.released && live(x.owner)));
      if (!v) return;
      let m, offset = v.offset, shape = [...v.shape], strides = [...v.strides];
      if (v.shape.length === 2 && r.chance(0.3)) {
        m = v.m.T;
        shape.reverse();
        strides.reverse();
      } else if (v.shape.length === 1 && v.strides[0] === 1 && v.shape[0] > 0 && v.shape[0] % 4 === 0 && r.chance(0.3)) {
        const cols = r.pick([1, 2, 4]);
        m = v.m.cast('B', [v.shape[0] / cols, cols]);
        shape = [v.shape[0] / cols, cols];
        strides = [cols, 1];
      } else {
        // Python's slice rules on one axis, with start and stop kept in range.
        const d = r.int(v.shape.length);
        const len = v.shape[d];
        const step = r.pick([1, 1, 2, 3, -1, -2]);
        const a = r.int(len + 1);
        const b = r.int(len + 1);
        let first, end, key;
        if (step > 0) {
          [first, end] = [Math.min(a, b), Math.max(a, b)];
          key = [first, end, step];
        } else {
          // A negative step starts at most at the last item; stop -1 is "to the front".
          first = Math.min(Math.max(a, b), len - 1);
          end = Math.min(a, b) - 1;
          key = [Math.max(a, b), end < 0 ? null : end, step];
        }
        const count = Math.max(0, Math.ceil((end - first) / step));
        m = v.m.slice(...v.shape.map((_, i) => (i === d ? key : null)));
        if (count > 0) offset += first * strides[d];
        shape[d] = count;
        // One item or none: the stride is never used, so the library may keep any.
        strides[d] = count <= 1 ? m.strides[d] : strides[d] * step;
      }
      views.push({ m, owner: v.owner, family: v.family, offset, shape, strides, released: false, cexports: 0 });
    },
    write() {
      const v = r.pick(views.filter((x) => !x.released && live(x.owner) && inflight?.owner !== x.owner));
      if (!v || v.m.readonly) return;
      const n = v.shape.reduce((a, b) => a * b, 1);
      if (n === 0) return;
      const index = v.shape.map((s) => r.int(s));
      const value = r.int(256);
      v.m.set(index.length === 1 ? index[0] : index, value);
      let at = v.offset;
      for (let d = 0; d < index.length; d++) at += index[d] * v.strides[d];
      v.owner.mirror[at] = value;
    },
    release() {
      const v = r.pick(views.filter((x) => !x.released));
      if (!v) return;
      const code = codeOf(() => v.m.release());
      // Views of closed or transferred memory may be released whatever they export.
      if (live(v.owner)) expect('view.release() refusal', code, v.cexports > 0 ? 'ERR_BUFFER_EXPORTS_ACTIVE' : null);
      if (code === null) v.released = true;
    },
    export() {
      const o = r.pick(owners.filter((x) => live(x) && x.kind === 'native'));
      if (!o) return;
      infos.push({ info: bp.getBuffer(o.obj), owner: o });
      o.infos++;
    },
    unexport() {
      const at = r.int(infos.length);
      if (infos.length === 0) return;
      const [{ info, owner }] = infos.splice(at, 1);
      info.release();
      owner.infos--;
    },
    hold() {
      if (held.length >= 8) return;
      const v = r.pick(views.filter((x) => !x.released && live(x.owner)));
      if (!v) return;
      held.push({ handle: consumer.hold(v.m), view: v });
      v.cexports++;
    },
    unhold() {
      if (held.length === 0) return;
      const [{ handle, view }] = held.splice(r.int(held.length), 1);
      consumer.releaseHeld(handle);
      view.cexports--;
    },
    close() {
      const o = r.pick(owners.filter((x) => !x.closed && x.kind === 'native'));
      if (!o) return;
      const force = r.chance(0.5);
      const code = codeOf(() => o.obj.close({ force }));
      if (o.lost) return; // its ArrayBuffer was transferred: any coded outcome is fine
      const busy = inflight?.owner === o;
      const wanted = busy || (!force && modelExports(o) > 0) ? 'ERR_BUFFER_EXPORTS_ACTIVE' : null;
      expect(`close({force: ${force}})`, code, wanted);
      if (code === null) o.closed = true;
    },
    transfer() {
      const o = r.pick(owners.filter((x) => live(x) && inflight?.owner !== x));
      if (!o) return;
      if (o.kind === 'plain') structuredClone(o.obj, { transfer: [o.obj] });
      else if (r.chance(0.5)) o.obj.buffer.transfer();
      else return;
      o.lost = true;
    },
    io() {
      if (inflight !== null) return;
      const v = r.pick(views.filter((x) => !x.released && live(x.owner)));
      if (!v) return;
      const reading = !v.m.readonly && r.chance(0.5);
      const position = r.int(FILE_BYTES.length - 4096);
      const expected = expectedBytes(v);
      const o = v.owner;
      const promise = reading ? io.read(fd, v.m, position) : io.write(fd, v.m, position);
      v.cexports++;
      // The transfer ends, in the library as in the model, when its promise settles.
      const ended = () => {
        v.cexports--;
        inflight = null;
      };
      inflight = { owner: o, view: v };
      inflight.promise = promise.then(
        (n) => {
          ended();
          expect('bytes transferred', n, reading ? Math.min(expected.length, FILE_BYTES.length - position) : expected.length);
          if (reading) {
            // Store what the file held into the model, through the layout.
            const { shape, strides, offset } = v;
            const index = new Array(shape.length).fill(0);
            for (let k = 0; k < n; k++) {
              let at = offset;
              for (let d = 0; d < shape.length; d++) at += index[d] * strides[d];
              o.mirror[at] = FILE_BYTES[position + k];
              for (let d = shape.length - 1; d >= 0 && ++index[d] === shape[d]; d--) index[d] = 0;
            }
          } else {
            const written = fs.readFileSync(file).subarray(position, position + n);
            expect('bytes written', Buffer.from(written).equals(Buffer.from(expected)), true);
            // Put the file back as it was, its length included.
            fs.writeSync(fd, FILE_BYTES.subarray(position, position + n), 0, Math.min(n, FILE_BYTES.length - position), position);
            fs.ftruncateSync(fd, FILE_BYTES.length);
          }
          return null;
        },
        (error) => {
          ended();
          // Only a target taken away mid-transfer may fail, with a code.
          expect('failed transfer of a live target', live(o), false);
          expect('failure code', typeof error.code, 'string');
          return null;
        },
      );
    },
    async settle() {
      if (inflight === null) return;
      await inflight.promise;
    },
    async gc() {
      global.gc();
      await new Promise((resolve) => setImmediate(resolve));
    },
    async worker() {
      const o = r.pick(owners.filter((x) => live(x) && x.kind === 'native' && x.size > 0));
      if (!o || inflight?.owner === o) return;
      const index = r.int(o.size);
      const value = r.int(256);
      const spin = r.chance(0.5);
      const worker = new Worker(__filename, { workerData: { handle: o.obj.share(), index, value, spin } });
      // Node emits a Worker's last messages and its 'exit' in one turn:
      // listen for both from the start.
      let written = false;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      await new Promise((resolve, reject) => {
        worker.once('message', () => resolve((written = true)));
        worker.once('error', reject);
        exited.then((code) => written || reject(new Mismatch(`the Worker exited (${code}) before writing`)));
      });
      o.mirror[index] = value;
      if (spin) await worker.terminate();
      await exited;
    },
  };
  const weights = [
    ['alloc', 6], ['plain', 3], ['view', 10], ['derive', 14], ['write', 10], ['release', 8], ['export', 4],
    ['unexport', 4], ['hold', 4], ['unhold', 4], ['close', 5], ['transfer', 2], ['io', 5], ['settle', 4], ['gc', 2],
    ['worker', 0.4],
  ];
  const total = weights.reduce((n, [, w]) => n + w, 0);
  const choose = () => {
    let x = r.int(total * 10) / 10;
    for (const [name, w] of weights) if ((x -= w) < 0) return name;
    return 'view';
  };

  const check = () => {
    for (const o of owners) {
      if (o.kind !== 'native' || !live(o)) continue;
      expect('exports', o.obj.exports, modelExports(o));
    }
    for (const v of views) {
      if (v.released || !live(v.owner) || inflight?.owner === v.owner) continue;
      const got = Buffer.from(v.m.toBytes());
      if (!got.equals(Buffer.from(expectedBytes(v)))) {
        throw new Mismatch(`bytes of a ${JSON.stringify(v.shape)} view differ from the model`);
      }
    }
    // A view of closed or transferred memory refuses with a code, never reads.
    for (const v of views) {
      if (v.released || live(v.owner) || v.shape.some((s) => s === 0)) continue;
      const code = codeOf(() => v.m.toBytes());
      if (code !== 'ERR_BUFFER_RELEASED') {
        throw new Mismatch(`a ${JSON.stringify(v.shape)} view of ${v.owner.closed ? 'closed' : 'transferred'} ${v.owner.kind} memory read without ERR_BUFFER_RELEASED (${code})`);
      }
    }
  };

  try {
    for (let step = 0; step < steps; step++) {
      const name = choose();
      trace.push(name);
      stats.last = trace;
      if (process.env.FUZZ_TRACE) fs.writeSync(2, `${seed}:${step} ${name}\n`);
      await ops[name]();
      stats.ops++;
      check();
    }
    await ops.settle();
  } catch (error) {
    if (!(error instanceof Mismatch)) error.message = `seed ${seed}, step ${trace.length}: ${error.message}`;
    error.seed = seed;
    error.trace = trace.slice(-30);
    throw error;
  } finally {
    // Leave nothing held: C views, exports, views, then the owners.
    for (const { handle } of held) consumer.releaseHeld(handle);
    for (const { info } of infos) info.release();
    for (const v of views) if (!v.released) codeOf(() => v.m.release());
    for (const o of owners) if (o.kind === 'native') codeOf(() => o.obj.close({ force: true }));
  }
}

(async () => {
  const seconds = option('seconds', 10);
  const steps = option('steps', 200);
  let seed = option('seed', 1);
  const stats = { seeds: 0, steps, ops: 0, seed: 0, last: [] };
  // A promise that never settles lets the event loop run dry: say where.
  process.on('exit', (code) => {
    if (!stats.done) console.log(JSON.stringify({ stalled: true, seed: stats.seed, last: stats.last.slice(-10), code }));
  });
  const started = Date.now();
  try {
    const runs = option('runs', 1);
    do {
      stats.seed = seed;
      await runSeed(seed++, steps, stats);
      stats.seeds++;
    } while (stats.seeds < runs || (Date.now() - started) / 1000 < seconds);
    stats.done = true;
    console.log(JSON.stringify({ seeds: stats.seeds, steps, ops: stats.ops, seconds: (Date.now() - started) / 1000 }));
  } catch (error) {
    stats.done = true;
    console.log(JSON.stringify({ mismatch: error.message, seed: error.seed, trace: error.trace, stack: error.stack }));
    process.exitCode = 1;
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true });
  }
})();
