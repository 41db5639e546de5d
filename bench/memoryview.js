'use strict';
// Benchmark 4: memoryview() / MemoryView against what the issue measures it by.
//
//   4a. toList() of a 1e6-item 'd' view (over a Float64Array of random
//       numbers) against CPython's memoryview(array('d', ...)).tolist() over
//       the very same numbers, run by python3 in a child process
//       (bench/memoryview_ref.py). Target: ours <= 1.0x Python's time.
//       Information: every other item of 2e6, and a 2-D 1000x1000 C view.
//   4b. toBytes('C') of a transposed 4096x4096 'f' view against NumPy's
//       np.ascontiguousarray(a.T).tobytes(), in MB/s. Target: at least
//       NumPy's throughput. Information: 1024x1024 and 256x256 (where a
//       native kernel would start to pay), and NumPy's one-copy a.T.tobytes().
//   4c. get(i, j) summing all items of a 1000x1000 'd' view against scijs
//       ndarray's get(i, j), get(i, j, k) on [100, 100, 100] and get(i, j) on
//       the transposes. Target: ours within 1.0x (issue 13). Also view.typed()
//       indexed as t[i * 1000 + j] against a plain Float64Array loop, each
//       array made before the timing (target: the same speed, taken as
//       <= 1.05x for noise); for information, the same with the array made
//       inside the timed function (typed() there, and new Float64Array(buffer)
//       as the control), the get loop over the transposed views, and both
//       get loops in a helper handed either of two views (where the compiler
//       cannot fold the object's fields into the loop, for us or ndarray).
//
// 4a and 4b time one call at a time in each process (process.hrtime here,
// time.perf_counter_ns() in Python), dropping the result untimed after the
// clock stops; the two sides run interleaved batch by batch (the Python
// process stays up and is driven over a pipe), and the figure is the median
// of the single calls after warm-up. 4c uses the harness's compare(): one op
// is one row of 1000 items, reported per item.
//
// Without python3 on PATH, 4a and 4b are skipped (and said so); without
// NumPy, 4b is; without the ndarray devDependency, the ndarray rows of 4c are.
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { spawn, spawnSync } = require('child_process');
const { memoryview } = require('../lib');
const { compare, pairedRatio, printTable, consume, settle, median, fmtNs, ownCode } = require('./harness');
const { round } = require('./get-buffer');

const REF_SCRIPT = path.join(__dirname, 'memoryview_ref.py');
const now = process.hrtime.bigint;

let ndarray = null;
let ndarrayVersion = null;
try {
  ndarray = require('ndarray');
  ndarrayVersion = require('ndarray/package.json').version;
} catch {
  // devDependency missing (production install): the ndarray rows are skipped.
}

function randomFloat64(n) {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random();
  return a;
}

// ---- the Python side ------------------------------------------------------

/** Starts bench/memoryview_ref.py; resolves to { hello, request(obj), close() } or { why }. */
async function startReference() {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return { why: `python3 not found on PATH (${probe.error?.code ?? `exit ${probe.status}`})` };
  }
  const child = spawn('python3', ['-u', REF_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = [];
  let ended = null;
  const fail = (error) => {
    ended = error;
    for (const w of waiting.splice(0)) w.reject(error);
  };
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift();
    if (w === undefined) return;
    try {
      w.resolve(JSON.parse(line));
    } catch (error) {
      w.reject(error);
    }
  });
  child.on('error', fail);
  child.on('exit', (code, signal) => fail(new Error(`python3 ${REF_SCRIPT} exited (${signal ?? code})`)));
  const next = () =>
    new Promise((resolve, reject) => {
      if (ended !== null) reject(ended);
      else waiting.push({ resolve, reject });
    });
  const hello = next();
  const request = async (obj) => {
    const reply = next();
    child.stdin.write(`${JSON.stringify(obj)}\n`);
    const r = await reply;
    if (!r.ok) throw new Error(`python3 reference: ${r.error}`);
    return r;
  };
  try {
    return { hello: await hello, request, close: () => child.stdin.end() };
  } catch (error) {
    return { why: `python3 reference did not start: ${error.message}` };
  }
}

// ---- interleaved single-call timing ----------------------------------------

/**
 * Sides: { name, js: { op(), check(result) } } or { name, py: caseName }.
 * Each batch runs `reps` calls of every side in turn (A, B, A, B ...). The
 * check of the last call of each side is returned (untimed) so both sides
 * can be shown to have produced the same thing.
 */
async function interleaved(sides, ref, { batches, reps, warmup }) {
  const runJs = async (js, count, wantCheck) => {
    const ns = [];
    let check;
    for (let k = 0; k < count; k++) {
      const t0 = now();
      let r = js.op();
      const t1 = now();
      ns.push(Number(t1 - t0));
      if (wantCheck && k === count - 1) check = js.check(r);
      consume(r.length);
      r = null;
      await settle(); // untimed: lets the event loop turn (and gc when exposed)
    }
    return { ns, check };
  };
  const runSide = (s, count, wantCheck) =>
    s.js !== undefined ? runJs(s.js, count, wantCheck) : ref.request({ cmd: 'run', case: s.py, reps: count, check: wantCheck });
  for (let w = 0; w < warmup; w++) for (const s of sides) await runSide(s, 1, false);
  const all = sides.map(() => []);
  const perBatch = sides.map(() => []);
  const checks = sides.map(() => undefined);
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < sides.length; i++) {
      const r = await runSide(sides[i], reps, b === batches - 1);
      all[i].push(...r.ns);
      perBatch[i].push(r.ns.reduce((x, y) => x + y, 0) / r.ns.length);
      if (r.check !== undefined) checks[i] = r.check;
    }
  }
  return sides.map((s, i) => ({
    name: s.name,
    nsPerOp: median(all[i]), // the median of the single calls
    min: Math.min(...all[i]),
    max: Math.max(...all[i]),
    batches,
    opsPerBatch: reps,
    perBatch: perBatch[i], // batch means, for pairedRatio
    check: checks[i],
  }));
}

// ---- 4a. toList() against CPython ------------------------------------------

function sumList(list) {
  let s = 0;
  for (let i = 0; i < list.length; i++) s += list[i];
  return s;
}
function sumRows(rows) {
  let s = 0;
  for (let i = 0; i < rows.length; i++) s += sumList(rows[i]);
  return s;
}

async function benchToList(ref, tmp, quick) {
  const opts = quick ? { batches: 7, reps: 1, warmup: 2 } : { batches: 11, reps: 1, warmup: 3 };
  const data = randomFloat64(1e6);
  const data2 = randomFloat64(2e6);
  const file1 = path.join(tmp, 'tolist-1e6.f64');
  const file2 = path.join(tmp, 'tolist-2e6.f64');
  fs.writeFileSync(file1, new Uint8Array(data.buffer));
  fs.writeFileSync(file2, new Uint8Array(data2.buffer));
  await ref.request({ cmd: 'setup', case: 'tolist-1d', path: file1 });
  await ref.request({ cmd: 'setup', case: 'tolist-strided', path: file2 });
  await ref.request({ cmd: 'setup', case: 'tolist-2d', path: file1, shape: [1000, 1000] });

  const v1 = memoryview(data);
  const vs = memoryview(data2).slice('::2');
  const v2 = memoryview(data).cast('B').cast('d', [1000, 1000]);
  const groups = [
    {
      key: 'oneD',
      title: "4a. toList() of a 1e6-item 'd' view vs CPython memoryview(array('d')).tolist() (single calls, ms)",
      sides: [
        { name: 'memoryview(Float64Array[1e6]).toList()', js: { op: () => v1.toList(), check: sumList } },
        { name: "CPython memoryview(array('d', 1e6)).tolist()", py: 'tolist-1d' },
      ],
    },
    {
      key: 'strided',
      title: '4a. (information) toList() of every other item of 2e6',
      sides: [
        { name: "memoryview(Float64Array[2e6]).slice('::2').toList()", js: { op: () => vs.toList(), check: sumList } },
        { name: "CPython memoryview(array('d', 2e6))[::2].tolist()", py: 'tolist-strided' },
      ],
    },
    {
      key: 'c2d',
      title: "4a. (information) toList() of a 2-D 1000x1000 C 'd' view",
      sides: [
        { name: "memoryview(...).cast('B').cast('d', [1000, 1000]).toList()", js: { op: () => v2.toList(), check: sumRows } },
        { name: "CPython ....cast('B').cast('d', [1000, 1000]).tolist()", py: 'tolist-2d' },
      ],
    },
  ];
  const out = {};
  for (const g of groups) {
    const rows = await interleaved(g.sides, ref, opts);
    printTimedTable(g.title, rows);
    const ratio = rows[0].nsPerOp / rows[1].nsPerOp;
    const paired = pairedRatio(rows[0], rows[1]);
    const same = rows[0].check === rows[1].check;
    const target = g.key === 'oneD' ? `   target <= 1.0x: ${ratio <= 1 ? 'MET' : 'MISSED'}` : '';
    console.log(`ratio ours / CPython = ${ratio.toFixed(2)}x (paired batches: ${paired.toFixed(2)}x)${target}`);
    console.log(`  same items: ${same ? 'yes' : 'NO'} (sum in list order: ours ${rows[0].check}, CPython ${rows[1].check})`);
    out[g.key] = {
      oursNs: round(rows[0].nsPerOp),
      pythonNs: round(rows[1].nsPerOp),
      ratio: round(ratio, 2),
      pairedRatio: round(paired, 2),
      sameItems: same,
    };
  }
  for (const v of [v1, vs, v2]) v.release();
  const { oneD, ...info } = out;
  return { ...oneD, target: 1, met: oneD.ratio <= 1, info };
}

// ---- 4b. toBytes('C') of a transposed view against NumPy ---------------------

/** The transpose of an n x n float32 matrix, as bytes, the obvious way (a reference for the check). */
function transposeBytes(src, n) {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = src[j * n + i];
  return new Uint8Array(out.buffer);
}

async function benchToBytes(ref, quick) {
  const sizes = [
    { n: 4096, opts: quick ? { batches: 7, reps: 1, warmup: 1 } : { batches: 9, reps: 1, warmup: 2 } },
    { n: 1024, opts: quick ? { batches: 7, reps: 3, warmup: 2 } : { batches: 9, reps: 5, warmup: 3 } },
    { n: 256, opts: quick ? { batches: 7, reps: 20, warmup: 10 } : { batches: 9, reps: 40, warmup: 20 } },
  ];
  const out = {};
  for (const { n, opts } of sizes) {
    const nbytes = n * n * 4;
    await ref.request({ cmd: 'setup', case: `T${n}`, n });
    await ref.request({ cmd: 'setup', case: `T${n}-direct`, n });
    // Filled (not left zero), so that every page is real memory on both sides.
    const f = new Float32Array(n * n);
    for (let i = 0; i < f.length; i++) f[i] = Math.random();
    const base = memoryview(f);
    const t = base.cast('B').cast('f', [n, n]).T;
    if (n <= 1024) {
      const got = t.toBytes('C');
      const want = transposeBytes(f, n);
      if (got.length !== want.length || !got.every((b, i) => b === want[i]))
        throw new Error(`toBytes('C') of the ${n}x${n} transpose is wrong`);
    }
    const rows = await interleaved(
      [
        {
          name: `memoryview(Float32Array(${n}*${n})).cast('B').cast('f', [${n}, ${n}]).T.toBytes('C')`,
          js: { op: () => t.toBytes('C'), check: (r) => r.length },
        },
        { name: `np.ascontiguousarray(a.T).tobytes()  [float32 ${n}x${n}]`, py: `T${n}` },
        { name: `a.T.tobytes()  [one copy; information]`, py: `T${n}-direct` },
      ],
      ref,
      opts,
    );
    const mbs = (ns) => nbytes / (ns / 1e9) / 1e6;
    const title =
      n === 4096
        ? `4b. toBytes('C') of a transposed ${n}x${n} 'f' view vs NumPy (${(nbytes / 2 ** 20).toFixed(0)} MiB; single calls)`
        : `4b. (information) the same at ${n}x${n}`;
    printTimedTable(title, rows);
    const ratio = rows[0].nsPerOp / rows[1].nsPerOp;
    const paired = pairedRatio(rows[0], rows[1]);
    console.log(
      `MB/s: ours ${mbs(rows[0].nsPerOp).toFixed(0)}, NumPy ascontiguousarray+tobytes ${mbs(rows[1].nsPerOp).toFixed(0)}, NumPy a.T.tobytes() ${mbs(rows[2].nsPerOp).toFixed(0)}`,
    );
    const verdict = n === 4096 ? `   target >= NumPy's MB/s (time <= 1.0x): ${ratio <= 1 ? 'MET' : 'MISSED'}` : '';
    console.log(`time ratio ours / NumPy = ${ratio.toFixed(2)}x (paired batches: ${paired.toFixed(2)}x)${verdict}`);
    if (rows[0].check !== nbytes || rows[1].check !== nbytes) throw new Error(`toBytes: expected ${nbytes} bytes on both sides`);
    out[`n${n}`] = {
      oursNs: round(rows[0].nsPerOp),
      numpyNs: round(rows[1].nsPerOp),
      numpyDirectNs: round(rows[2].nsPerOp),
      oursMBs: round(mbs(rows[0].nsPerOp)),
      numpyMBs: round(mbs(rows[1].nsPerOp)),
      numpyDirectMBs: round(mbs(rows[2].nsPerOp)),
      ratio: round(ratio, 2),
      pairedRatio: round(paired, 2),
    };
    t.release();
    base.release();
    await settle();
  }
  const { n4096, ...info } = out;
  return { ...n4096, target: 1, met: n4096.ratio <= 1, info };
}

// ---- 4c. get(i, j) loops ---------------------------------------------------

const N = 1000;
/**
 * A case whose op is one row of 1000 items; a case's rows run through the
 * whole matrix, batch after batch. Every case is its own function literal,
 * so its call sites have their own feedback.
 */
function rowCase(name, makeRun) {
  return { name, run: makeRun() };
}

/**
 * rowCase for the sum of `item` (an expression of `row`, `j` and `t`) over
 * one row, where `t` is `array`, or what `prelude` makes of it at the start
 * of each op. Code of its own per case (ownCode), as a literal would be.
 */
function rowSweep(name, array, item, prelude = 'const t = a;') {
  const body = `const N = ${N};
  let row = 0;
  return (n) => {
    ${prelude}
    let s = 0;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < N; j++) s += ${item};
      if (++row === N) row = 0;
    }
    return s;
  };`;
  return { name, run: ownCode(['a'], body, array) };
}

function benchGet(quick) {
  const opts = quick ? { batches: 9, batchMs: 8, warmupMs: 100 } : { batches: 15, batchMs: 12, warmupMs: 200 };
  const data = randomFloat64(N * N);
  const view = memoryview(data).cast('B').cast('d', [N, N]);
  const viewT = view.T;
  const plain = data;
  const nd = ndarray === null ? null : ndarray(data, [N, N]);
  const ndT = nd === null ? null : nd.transpose(1, 0);

  // One full sweep of each, untimed: all loops must see the same items.
  let want = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) want += plain[i * N + j];
  let got = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) got += view.get(i, j);
  if (got !== want) throw new Error('get(i, j) sweep differs from the Float64Array sweep');
  if (nd !== null) {
    let s = 0;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) s += nd.get(i, j);
    if (s !== want) throw new Error('ndarray sweep differs from the Float64Array sweep');
  }

  const ours = rowSweep('view.get(i, j)', view, 't.get(row, j)');
  const theirs = rowSweep('ndarray(Float64Array, [1000, 1000]).get(i, j)', nd, 't.get(row, j)');
  // typed() against a plain Float64Array, like for like: each loop reads an
  // array made before the timing from its closure.
  const viewTyped = view.typed();
  const typed = rowSweep('t = view.typed() (made once); t[i * 1000 + j]', viewTyped, 't[row * N + j]');
  const plainCase = rowSweep('plain Float64Array a[i * 1000 + j]', plain, 't[row * N + j]');
  // (information) the array made inside the timed function, at the start of
  // every op: typed() there, and new Float64Array(buffer) as its control.
  const typedInside = rowSweep('view.typed() inside each op, then the loop', view, 't[row * N + j]', 'const t = a.typed();');
  const plainInside = rowSweep(
    'new Float64Array(buffer) inside each op, then the loop',
    plain,
    't[row * N + j]',
    'const t = new Float64Array(a.buffer, a.byteOffset, a.length);',
  );
  const oursT = rowSweep('view.T.get(i, j)', viewT, 't.get(row, j)');
  const theirsT = rowSweep('ndarray.transpose(1, 0).get(i, j)', ndT, 't.get(row, j)');

  // 3-D: one op is one (i, j) line of 100 items along k.
  const view3 = memoryview(data, { shape: [100, 100, 100] });
  const nd3 = nd === null ? null : ndarray(data, [100, 100, 100]);
  const ours3 = rowCase('view.get(i, j, k), [100, 100, 100]', () => {
    let line = 0;
    return (n) => {
      let s = 0;
      for (let r = 0; r < n; r++) {
        const i = (line / 100) | 0;
        const j = line % 100;
        for (let k = 0; k < 100; k++) s += view3.get(i, j, k);
        if (++line === 10000) line = 0;
      }
      return s;
    };
  });
  const theirs3 = rowCase('ndarray(Float64Array, [100, 100, 100]).get(i, j, k)', () => {
    let line = 0;
    return (n) => {
      let s = 0;
      for (let r = 0; r < n; r++) {
        const i = (line / 100) | 0;
        const j = line % 100;
        for (let k = 0; k < 100; k++) s += nd3.get(i, j, k);
        if (++line === 10000) line = 0;
      }
      return s;
    };
  });

  // (information) A helper given either of two views: the compiler no longer
  // knows which object it reads, so neither our layout nor ndarray's fields
  // fold into the loop as they do above, where each loop reads one view it
  // holds in a const.
  const view2 = memoryview(data).cast('B').cast('d', [N, N]);
  const nd2 = nd === null ? null : ndarray(data, [N, N]);
  const rowSumOurs = (v, row) => {
    let s = 0;
    for (let j = 0; j < N; j++) s += v.get(row, j);
    return s;
  };
  const rowSumNd = (a, row) => {
    let s = 0;
    for (let j = 0; j < N; j++) s += a.get(row, j);
    return s;
  };
  const oursArg = rowCase('view.get(i, j) in a helper given either of two views', () => {
    let row = 0;
    return (n) => {
      let s = 0;
      for (let r = 0; r < n; r++) {
        s += rowSumOurs((r & 1) === 0 ? view : view2, row);
        if (++row === N) row = 0;
      }
      return s;
    };
  });
  const theirsArg = rowCase('ndarray.get(i, j) in a helper given either of two arrays', () => {
    let row = 0;
    return (n) => {
      let s = 0;
      for (let r = 0; r < n; r++) {
        s += rowSumNd((r & 1) === 0 ? nd : nd2, row);
        if (++row === N) row = 0;
      }
      return s;
    };
  });

  // (information, run last: it changes what get() has seen for the rest of
  // the process) The 2-D loops again, as code of their own, once get() has read
  // views of eight other kinds of array, as a program with images ('B', a
  // Buffer), tensors ('f') and integer data would. ndarray makes a class per
  // dtype, so it reads the same arrays through each dtype's class.
  const readOtherFormats = () => {
    let s = 0;
    const kinds = [Uint8Array, Float32Array, Int32Array, Int16Array, Uint16Array, Int8Array, Uint32Array, Buffer.alloc];
    for (const Kind of kinds) {
      const items = Kind === Buffer.alloc ? Buffer.alloc(64) : new Kind(64);
      const whole = memoryview(items);
      const m = whole.cast('B').cast(whole.format, [8, 8]);
      const bytes = whole.cast('B');
      const a = nd === null ? null : ndarray(items, [8, 8]);
      for (let k = 0; k < 5000; k++) {
        s += m.get(k & 7, (k >> 3) & 7) + whole.get(k & 63) + bytes.get(k & 63);
        if (a !== null) s += a.get(k & 7, (k >> 3) & 7);
      }
      for (const v of [m, bytes, whole]) v.release();
    }
    consume(s);
  };
  const oursMixed = rowSweep("view.get(i, j), once other formats' views were read", view, 't.get(row, j)');
  const theirsMixed = rowSweep('ndarray.get(i, j), once other dtypes were read', nd, 't.get(row, j)');

  const perItem = (r) => r.nsPerOp / N;
  const summary = {};
  if (nd !== null) {
    const rows = compare([theirs, ours], opts);
    printTable("4c. get(i, j) over a 1000x1000 'd' view vs scijs ndarray (one op = one row of 1000 items)", rows);
    const ratio = rows[1].nsPerOp / rows[0].nsPerOp;
    const paired = pairedRatio(rows[1], rows[0]);
    console.log(
      `per item: ndarray ${perItem(rows[0]).toFixed(2)} ns, ours ${perItem(rows[1]).toFixed(2)} ns; whole 1e6 sweep: ${fmtNs(rows[0].nsPerOp * N)} vs ${fmtNs(rows[1].nsPerOp * N)}`,
    );
    console.log(
      `ratio ours / ndarray = ${ratio.toFixed(2)}x (paired batches: ${paired.toFixed(2)}x)   target <= 1.0x: ${ratio <= 1.0 ? 'MET' : 'MISSED'}`,
    );
    const rows3 = compare([theirs3, ours3], opts);
    printTable("4c. get(i, j, k) over a [100, 100, 100] 'd' view vs scijs ndarray (one op = one line of 100 items)", rows3);
    const ratio3 = rows3[1].nsPerOp / rows3[0].nsPerOp;
    console.log(`ratio ours / ndarray = ${ratio3.toFixed(2)}x   target <= 1.0x: ${ratio3 <= 1.0 ? 'MET' : 'MISSED'}`);
    const rowsT = compare([theirsT, oursT], opts);
    const ratioT = rowsT[1].nsPerOp / rowsT[0].nsPerOp;
    printTable('4c. get(i, j) over the transposed views vs ndarray.transpose(1, 0) (column walks)', rowsT);
    console.log(`ratio ours / ndarray = ${ratioT.toFixed(2)}x   target <= 1.0x: ${ratioT <= 1.0 ? 'MET' : 'MISSED'}`);
    summary.get = {
      oursNsPerItem: round(perItem(rows[1]), 2),
      ndarrayNsPerItem: round(perItem(rows[0]), 2),
      ratio: round(ratio, 2),
      pairedRatio: round(paired, 2),
      ratio3d: round(ratio3, 2),
      ratioTransposed: round(ratioT, 2),
      target: 1.0,
      met: Math.max(ratio, ratio3, ratioT) <= 1.0,
    };
  } else {
    console.log('\n## 4c. get(i, j) vs ndarray: skipped (the ndarray devDependency is not installed)');
    summary.get = { skipped: 'ndarray not installed' };
  }

  const trows = compare([plainCase, typed, plainInside, typedInside], opts);
  printTable('4c. view.typed() indexed t[i * 1000 + j] vs a plain Float64Array (one op = one row)', trows);
  const tRatio = trows[1].nsPerOp / trows[0].nsPerOp;
  const tPaired = pairedRatio(trows[1], trows[0]);
  const insideRatio = trows[3].nsPerOp / trows[2].nsPerOp;
  for (const r of trows)
    console.log(`  ${r.name}: ${perItem(r).toFixed(3)} ns per item (${(r.nsPerOp / trows[0].nsPerOp).toFixed(2)}x plain)`);
  console.log(
    `ratio typed() / plain = ${tRatio.toFixed(2)}x (paired batches: ${tPaired.toFixed(2)}x)   target the same speed (<= 1.05x): ${tRatio <= 1.05 ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `  (information) made inside each op: typed() / new Float64Array(buffer) = ${insideRatio.toFixed(2)}x (paired ${pairedRatio(trows[3], trows[2]).toFixed(2)}x)`,
  );
  summary.typedLoop = {
    typedNsPerItem: round(perItem(trows[1]), 3),
    plainNsPerItem: round(perItem(trows[0]), 3),
    ratio: round(tRatio, 2),
    pairedRatio: round(tPaired, 2),
    target: 1.05,
    met: tRatio <= 1.05,
    info: {
      typedInsideOpNsPerItem: round(perItem(trows[3]), 3),
      newFloat64ArrayInsideOpNsPerItem: round(perItem(trows[2]), 3),
      ratioTypedInsideVsNewInside: round(insideRatio, 2),
      ratioTypedInsideVsPlain: round(trows[3].nsPerOp / trows[0].nsPerOp, 2),
    },
  };

  const icases = nd !== null ? [ours, oursT, theirsT] : [ours, oursT];
  const irows = compare(icases, opts);
  printTable('4c. (information) get(i, j) over the transposed views (column walks, stride 8000 bytes)', irows);
  for (const r of irows) console.log(`  ${r.name}: ${perItem(r).toFixed(2)} ns per item`);
  summary.getInfo = {
    oursNsPerItem: round(perItem(irows[0]), 2),
    oursTransposedNsPerItem: round(perItem(irows[1]), 2),
    ndarrayTransposedNsPerItem: nd !== null ? round(perItem(irows[2]), 2) : null,
  };
  if (nd !== null) {
    const arows = compare([theirsArg, oursArg], opts);
    printTable('4c. (information) get(i, j) in a helper given either of two views (nothing folds)', arows);
    const argRatio = arows[1].nsPerOp / arows[0].nsPerOp;
    console.log(
      `  per item: ndarray ${perItem(arows[0]).toFixed(2)} ns, ours ${perItem(arows[1]).toFixed(2)} ns; ratio ${argRatio.toFixed(2)}x`,
    );
    summary.getInfo.helperRatio = round(argRatio, 2);
    readOtherFormats();
    const mrows = compare([theirsMixed, oursMixed], opts);
    printTable("4c. (information) get(i, j) on the 'd' view once views of 8 other kinds of array were read", mrows);
    const mixedRatio = mrows[1].nsPerOp / mrows[0].nsPerOp;
    console.log(
      `  per item: ndarray ${perItem(mrows[0]).toFixed(2)} ns, ours ${perItem(mrows[1]).toFixed(2)} ns; ratio ${mixedRatio.toFixed(2)}x`,
    );
    summary.getInfo.otherFormatsRatio = round(mixedRatio, 2);
  }
  view2.release();
  view3.release();
  viewT.release();
  view.release();
  return summary;
}

// ---- driver ----------------------------------------------------------------

function printTimedTable(title, rows) {
  console.log(`\n## ${title}`);
  const w = Math.max(...rows.map((r) => r.name.length), 4);
  console.log(`${'case'.padEnd(w)}  ${'median'.padStart(10)}  ${'min..max of calls'.padStart(22)}  ${'calls'.padStart(5)}`);
  for (const r of rows) {
    const spread = `${fmtNs(r.min)}..${fmtNs(r.max)}`;
    console.log(
      `${r.name.padEnd(w)}  ${fmtNs(r.nsPerOp).padStart(10)}  ${spread.padStart(22)}  ${String(r.batches * r.opsPerBatch).padStart(5)}`,
    );
  }
}

/** Returns { summary } with the `memoryview` part of BENCH_JSON. */
async function benchMemoryView({ quick = false } = {}) {
  const summary = { python: null, numpy: null, ndarray: ndarrayVersion };
  const ref = await startReference();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'buffer-protocol-bench-'));
  try {
    if (ref.why !== undefined) {
      console.log(`\n## 4a/4b. toList() vs CPython, toBytes() vs NumPy: skipped: ${ref.why}`);
      summary.toList = { skipped: ref.why };
      summary.toBytes = { skipped: ref.why };
    } else {
      summary.python = ref.hello.python;
      summary.numpy = ref.hello.numpy;
      console.log(
        `\n(reference: python3 ${ref.hello.python}, numpy ${ref.hello.numpy ?? 'not installed'}; ndarray ${ndarrayVersion ?? 'not installed'})`,
      );
      summary.toList = await benchToList(ref, tmp, quick);
      if (ref.hello.numpy === null) {
        console.log('\n## 4b. toBytes() vs NumPy: skipped: numpy is not installed for python3');
        summary.toBytes = { skipped: 'numpy not installed' };
      } else {
        summary.toBytes = await benchToBytes(ref, quick);
      }
    }
  } finally {
    if (ref.close !== undefined) ref.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  await settle();
  Object.assign(summary, benchGet(quick));
  const measured = [summary.toList, summary.toBytes, summary.get, summary.typedLoop].filter((t) => t.met !== undefined);
  summary.met = measured.every((t) => t.met);
  summary.skipped = ['toList', 'toBytes', 'get'].filter((k) => summary[k].skipped !== undefined);
  return { summary };
}

module.exports = benchMemoryView;
