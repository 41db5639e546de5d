'use strict';
// Tiny benchmark harness shared by the bench/*.js files.
//
// Two kinds of case:
//   - sync:  { name, run(n) }  run() does n operations in its own loop and
//            returns a number (a checksum of the results), so each case has
//            its own monomorphic call sites and nothing is dead code.
//   - timed: { name, iterations, op(), cleanup(state) }  for operations
//            that must be cleaned up between iterations (allocations). op()
//            is timed on its own and returns { sum, state }; cleanup(state)
//            is not timed, and the harness then lets the event loop turn
//            (finalizers run there) and collects garbage when it can.
//            An op may do opsPerCall operations back to back (default 1):
//            its time is then divided by opsPerCall.
//
// Cases of one comparison are run interleaved, A, B, A, B ..., batch by
// batch, so machine noise lands on every side; the figure reported is the
// median of the per-batch ns/op.

let checksum = 0;
/** Folds a result into the global checksum (printed at the end). */
function consume(value) {
  checksum = (checksum + (Number(value) || 0)) % 1e15;
}
function getChecksum() {
  return checksum;
}

/** global.gc when node runs with --expose-gc; otherwise finalizers still run, on the event-loop turn. */
function findGc() {
  if (typeof global.gc === 'function') return { gc: global.gc, how: '--expose-gc' };
  return { gc: null, how: 'not exposed (event-loop turns only)' };
}
const { gc, how: gcHow } = findGc();

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Collects garbage (when possible) and lets pending finalizers run. */
async function settle() {
  if (gc !== null) gc();
  await turn();
  await turn();
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const now = process.hrtime.bigint;

/** Cost of one now()/now() pair, in ns (median), to subtract from per-op timings. */
function timerOverhead(samples = 20001) {
  const d = new Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    const t1 = now();
    d[i] = Number(t1 - t0);
  }
  return median(d);
}

function runBatch(run, n) {
  const t0 = now();
  const sum = run(n);
  const t1 = now();
  consume(sum);
  return Number(t1 - t0);
}

/**
 * Runs sync cases interleaved. Each case's batch size is calibrated so that a
 * batch lasts about batchMs.
 */
function compare(cases, { batches = 15, batchMs = 10, warmupMs = 150 } = {}) {
  if (batches < 7) throw new RangeError('at least 7 batches');
  // Warm up (lets the optimizing compiler settle), interleaved as well.
  const n = cases.map(() => 64);
  const warmEnd = Date.now() + warmupMs;
  do {
    for (let i = 0; i < cases.length; i++) runBatch(cases[i].run, n[i]);
  } while (Date.now() < warmEnd);
  // Calibrate: grow n until one batch takes >= batchMs / 4, then scale.
  // The fastest of three tries, so that one slow try (a GC, another
  // process) does not shrink the batch.
  const fastest = (i) => Math.min(runBatch(cases[i].run, n[i]), runBatch(cases[i].run, n[i]), runBatch(cases[i].run, n[i]));
  for (let i = 0; i < cases.length; i++) {
    let ns = fastest(i);
    while (ns < (batchMs * 1e6) / 4) {
      n[i] *= 2;
      ns = fastest(i);
    }
    n[i] = Math.max(1, Math.round((n[i] * batchMs * 1e6) / ns));
  }
  const perOp = cases.map(() => []);
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < cases.length; i++) perOp[i].push(runBatch(cases[i].run, n[i]) / n[i]);
  }
  return cases.map((c, i) => ({
    name: c.name,
    nsPerOp: median(perOp[i]),
    min: Math.min(...perOp[i]),
    max: Math.max(...perOp[i]),
    batches,
    opsPerBatch: n[i],
    perBatch: perOp[i],
  }));
}

/**
 * Median over batches of row.perBatch[b] / base.perBatch[b]: each ratio
 * pairs two batches run back to back, so it is steadier than the ratio of
 * the two medians when the machine is busy.
 */
function pairedRatio(row, base) {
  return median(row.perBatch.map((v, b) => v / base.perBatch[b]));
}

/**
 * Runs timed cases interleaved: every op is timed alone (timer overhead
 * subtracted), cleanup and the event-loop turn are not timed.
 */
async function compareTimed(cases, { batches = 9, warmup = 5, overhead = timerOverhead() } = {}) {
  if (batches < 7) throw new RangeError('at least 7 batches');
  const runOne = async (c) => {
    const t0 = now();
    const r = c.op();
    const t1 = now();
    consume(r.sum);
    c.cleanup(r.state);
    await settle();
    return (Number(t1 - t0) - overhead) / (c.opsPerCall ?? 1);
  };
  for (let w = 0; w < warmup; w++) for (const c of cases) await runOne(c);
  const perOp = cases.map(() => []);
  const all = cases.map(() => []);
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      let total = 0;
      for (let k = 0; k < c.iterations; k++) {
        const ns = await runOne(c);
        total += ns;
        all[i].push(ns);
      }
      perOp[i].push(total / c.iterations);
    }
  }
  return cases.map((c, i) => ({
    name: c.name,
    nsPerOp: median(perOp[i]),
    min: Math.min(...perOp[i]),
    max: Math.max(...perOp[i]),
    // the median of single ops, less sensitive to the odd slow one (a GC)
    medianSingleOp: median(all[i]),
    maxSingleOp: Math.max(...all[i]),
    batches,
    opsPerBatch: c.iterations * (c.opsPerCall ?? 1),
    perBatch: perOp[i],
  }));
}

function fmtNs(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} us`;
  if (ns >= 100) return `${ns.toFixed(0)} ns`;
  return `${ns.toFixed(1)} ns`;
}

function fmtBytes(n) {
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/** Prints result rows as a table: name, ns/op (median), spread, ops per batch. */
function printTable(title, rows) {
  console.log(`\n## ${title}`);
  const w = Math.max(...rows.map((r) => r.name.length), 4);
  console.log(`${'case'.padEnd(w)}  ${'ns/op'.padStart(12)}  ${'min..max of batches'.padStart(24)}  ${'ops/batch'.padStart(9)}`);
  for (const r of rows) {
    const spread = `${fmtNs(r.min)}..${fmtNs(r.max)}`;
    console.log(
      `${r.name.padEnd(w)}  ${r.nsPerOp.toFixed(1).padStart(12)}  ${spread.padStart(24)}  ${String(r.opsPerBatch).padStart(9)}`,
    );
  }
}

let ownCodeCount = 0;

/**
 * `body` as a function of its own, called with `values` for `names`: code
 * made anew per call (not one literal's closures), so that each benchmark
 * case's call sites collect their own feedback. Each source is made unique:
 * V8 caches functions made from the same source text, feedback included.
 */
function ownCode(names, body, ...values) {
  return new Function(...names, `${body}\n// own code ${++ownCodeCount}`)(...values);
}

module.exports = {
  ownCode,
  turn,
  compare,
  compareTimed,
  pairedRatio,
  consume,
  getChecksum,
  settle,
  gc,
  gcHow,
  timerOverhead,
  median,
  printTable,
  fmtNs,
  fmtBytes,
};
