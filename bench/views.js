'use strict';
// Benchmark: the cost of making a view (issue 13), against CPython's and
// NumPy's same operation, measured the same way in the same run: timeit's
// method on both sides, the best of ROUNDS timings of N calls each. Python
// runs before and after the JavaScript side (bench/views_ref.py), and each
// Python case keeps its best of both runs.
//
//   - memoryview(x), 1-D slice and cast, each with release(), against
//     CPython's memoryview over a bytearray; N-d slice, transpose and flip of
//     a [480, 640, 4] 'B' image against NumPy's (which has no release).
//     Target <= 1.0x, stretch <= 0.5x.
//   - Each again with the view dropped instead of released, left to the
//     garbage collector: the time includes two turns of the event loop after
//     each batch, where finalizers run (released rows include them too).
//   - getBuffer + release on this package's exporters against
//     getBuffer(Uint8Array) + release: target <= 2x, a JavaScript class
//     exporter with a 16x16 descriptor <= 4x.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { memoryview, getBuffer, NativeBuffer, BufferObject, mmap, bufferProtocol } = require('../lib');
const { consume, ownCode } = require('./harness');

const turn = () => new Promise((resolve) => setImmediate(resolve));
const now = process.hrtime.bigint;

function python(n, rounds) {
  const r = spawnSync('python3', [path.join(__dirname, 'views_ref.py'), String(n), String(rounds)], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout);
}

/** timeit's method: the best of `rounds` timings of `n` calls, in ns per call, event-loop turns included. */
async function best(run, n, rounds) {
  run(Math.min(n, 20000));
  await turn();
  let result = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = now();
    consume(run(n));
    await turn();
    await turn();
    result = Math.min(result, Number(now() - t0) / n);
  }
  return result;
}

class Matrix16 {
  #memory = new ArrayBuffer(16 * 16 * 4);
  [bufferProtocol.getBuffer]() {
    return { buffer: this.#memory, format: 'f', shape: [16, 16] };
  }
}

// Each case is its own function, so that its call sites stay monomorphic.
function viewCases(u8, m, img) {
  return {
    memoryview: memoryviewCase(u8),
    slice1: [
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const v = m.slice([10, 20]);
          s += v.nbytes;
          v.release();
        }
        return s;
      },
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += m.slice([10, 20]).nbytes;
        return s;
      },
    ],
    cast: [
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const v = m.cast('i');
          s += v.nbytes;
          v.release();
        }
        return s;
      },
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += m.cast('i').nbytes;
        return s;
      },
    ],
    sliceNd: [
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const v = img.slice([10, 20], [30, 40]);
          s += v.nbytes;
          v.release();
        }
        return s;
      },
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += img.slice([10, 20], [30, 40]).nbytes;
        return s;
      },
    ],
    transpose: [
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const v = img.transpose(1, 0, 2);
          s += v.nbytes;
          v.release();
        }
        return s;
      },
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += img.transpose(1, 0, 2).nbytes;
        return s;
      },
    ],
    flip: [
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const v = img.slice('::-1');
          s += v.nbytes;
          v.release();
        }
        return s;
      },
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += img.slice('::-1').nbytes;
        return s;
      },
    ],
  };
}

// ownCode makes a new function per object (not one closure's code shared by
// all), so that each case's call sites see one kind of object:
// memoryview(NativeBuffer) would otherwise share its feedback with the
// Uint8Array runs before it.
function memoryviewCase(obj) {
  return ownCode(
    ['memoryview', 'obj'],
    `return [
    (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const v = memoryview(obj);
        s += v.nbytes;
        v.release();
      }
      return s;
    },
    (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += memoryview(obj).nbytes;
      return s;
    },
  ];`,
    memoryview,
    obj,
  );
}

function exportCase(obj) {
  return ownCode(
    ['getBuffer', 'obj'],
    `return (n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const info = getBuffer(obj);
      s += info.len;
      info.release();
    }
    return s;
  };`,
    getBuffer,
    obj,
  );
}

async function benchViews({ quick = false } = {}) {
  const n = quick ? 20000 : 50000;
  const rounds = quick ? 3 : 5;
  const before = python(n, rounds);

  const u8 = new Uint8Array(1024);
  const m = memoryview(u8);
  const img = memoryview(new Uint8Array(480 * 640 * 4), { shape: [480, 640, 4] });
  const ours = {};
  for (const [name, [released, dropped]] of Object.entries(viewCases(u8, m, img))) {
    ours[name] = { released: await best(released, n, rounds), dropped: await best(dropped, n, rounds) };
  }
  // A family whose export holds something (a NativeBuffer's count) needs the GC safety net.
  const nb = NativeBuffer.alloc(4096);
  const [nbReleased, nbDropped] = memoryviewCase(nb);
  ours.memoryviewNative = { released: await best(nbReleased, n, rounds), dropped: await best(nbDropped, n, rounds) };

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-bench-views-'));
  fs.writeFileSync(path.join(dir, 'f'), Buffer.alloc(4096));
  const mapped = mmap(path.join(dir, 'f'), { mode: 'r' });
  const bo = BufferObject.fromObject(new Uint8Array(4096));
  const exporters = {
    'Uint8Array (baseline)': u8,
    NativeBuffer: nb,
    MappedFile: mapped,
    BufferObject: bo,
    'MemoryView (transposed)': img.T,
    "JavaScript class, 'f' [16,16]": new Matrix16(),
  };
  // Every case is warmed first, so that each is timed with getBuffer in the
  // same (polymorphic) state a program using them all would see.
  const runs = Object.fromEntries(Object.entries(exporters).map(([name, obj]) => [name, exportCase(obj)]));
  for (const run of Object.values(runs)) run(20000);
  const exportNs = {};
  for (const [name, run] of Object.entries(runs)) exportNs[name] = await best(run, n, rounds);

  const after = python(n, rounds);
  const ref = {};
  if (before !== null && after !== null)
    for (const k of Object.keys(before)) ref[k] = typeof before[k] === 'number' ? Math.min(before[k], after[k]) : before[k];

  console.log(`\n## Making a view (best of ${rounds} x ${n} calls, ns per call; timeit's method on both sides)`);
  if (before === null) console.log('python3 not found: the reference column is empty');
  else console.log(`reference: CPython ${ref.python}, NumPy ${ref.numpy ?? 'absent'}`);
  const what = {
    memoryview: ['memoryview(u8) + release()', 'memoryview(bytearray).release()'],
    slice1: ['m.slice([10, 20]) + release()', 'm[10:20].release()'],
    cast: ["m.cast('i') + release()", "m.cast('i').release()"],
    sliceNd: ['img.slice([10,20],[30,40]) + release()', 'a[10:20, 30:40] (NumPy)'],
    transpose: ['img.transpose(1, 0, 2) + release()', 'a.transpose(1, 0, 2) (NumPy)'],
    flip: ["img.slice('::-1') + release()", 'a[::-1] (NumPy)'],
    memoryviewNative: ['memoryview(NativeBuffer) + release()', 'memoryview(bytearray).release()'],
  };
  const summary = { views: {}, exports: {} };
  const pad = (s, w) => String(s).padEnd(w);
  console.log(`${pad('operation', 42)}${pad('released', 10)}${pad('dropped', 10)}${pad('reference', 36)}${pad('ns', 8)}ratio`);
  for (const [name, o] of Object.entries(ours)) {
    const [label, refLabel] = what[name];
    const key = name === 'memoryviewNative' ? 'memoryview' : name;
    const r = ref[key];
    const ratio = r === undefined ? null : o.released / r;
    summary.views[name] = {
      released: Math.round(o.released),
      dropped: Math.round(o.dropped),
      reference: r === undefined ? null : Math.round(r),
      ratio: ratio === null ? null : +ratio.toFixed(2),
    };
    console.log(
      `${pad(label, 42)}${pad(o.released.toFixed(0), 10)}${pad(o.dropped.toFixed(0), 10)}${pad(refLabel, 36)}${pad(r === undefined ? '-' : r.toFixed(0), 8)}${ratio === null ? '-' : ratio.toFixed(2) + 'x'}`,
    );
  }
  console.log('\n## getBuffer + release on each exporter (ns per call), against getBuffer(Uint8Array)');
  const base = exportNs['Uint8Array (baseline)'];
  for (const [name, ns] of Object.entries(exportNs)) {
    summary.exports[name] = { ns: Math.round(ns), ratio: +(ns / base).toFixed(2) };
    console.log(`${pad(name, 42)}${pad(ns.toFixed(0), 10)}${(ns / base).toFixed(2)}x`);
  }
  bo.release();
  mapped.close();
  // The dropped families wait for the collector (old-space ones for a full
  // collection, which this run may not have had): say how many, then detach.
  summary.exportsAwaitingGc = nb.exports;
  nb.close({ force: true });
  m.release();
  img.release();
  fs.rmSync(dir, { recursive: true });
  return { summary };
}

module.exports = benchViews;
// Alone (npm run bench runs it so too, in a fresh process, before the same
// cases after every other benchmark): the summary on its last line.
if (require.main === module) {
  benchViews({ quick: process.argv.includes('--quick') }).then(({ summary }) =>
    console.log(`VIEWS_JSON ${JSON.stringify(summary)}`),
  );
}
