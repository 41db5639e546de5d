'use strict';
// Benchmark 2: NativeBuffer.alloc(size) until a usable view exists (alloc,
// new Uint8Array(nb.buffer), read one byte and write one byte at the end),
// with the default zero: true. Only that is timed: nb.close(), the
// event-loop turn that runs the finalizers and the GC come after, untimed.
// Target (issue 13, restating issue 2's): alloc(1 GiB) against what a user
// would otherwise use, new ArrayBuffer(1 GiB), <= 1.0x. Issue 2 asked
// alloc(1 GiB) <= 1.5x alloc(4 KiB), shown for information: our allocation
// is O(1) (fresh pages are zero, nothing is written), but V8 starts a GC for
// any ArrayBuffer of 64 MiB or more of external memory, which N-API cannot
// avoid and which sets the 1 GiB time of every kind of buffer here.
const { NativeBuffer, nativeMemoryStats } = require('../lib');
const { compareTimed, pairedRatio, printTable, settle, fmtBytes, gcHow } = require('./harness');
const { round } = require('./get-buffer');

const GiB = 2 ** 30;
const KiB4 = 4096;

function nativeCase(name, size, iterations) {
  return {
    name,
    iterations,
    op() {
      const nb = NativeBuffer.alloc(size);
      const u = new Uint8Array(nb.buffer);
      const last = u[size - 1];
      u[size - 1] = 0x5a;
      return { sum: last + u.length, state: nb };
    },
    cleanup(nb) {
      nb.close();
    },
  };
}

function arrayBufferCase(name, size, iterations) {
  return {
    name,
    iterations,
    op() {
      const u = new Uint8Array(new ArrayBuffer(size));
      const last = u[size - 1];
      u[size - 1] = 0x5a;
      return { sum: last + u.length, state: null };
    },
    cleanup() {},
  };
}

function bufferAllocCase(name, size, iterations) {
  return {
    name,
    iterations,
    op() {
      const b = Buffer.alloc(size);
      const last = b[size - 1];
      b[size - 1] = 0x5a;
      return { sum: last + b.length, state: null };
    },
    cleanup() {},
  };
}

// 4 KiB allocations back to back (hot code, warm caches), for information:
// one op is `burst` allocations to a usable view; all are closed afterwards.
function nativeBurstCase(name, size, burst, iterations) {
  return {
    name,
    iterations,
    opsPerCall: burst,
    op() {
      const kept = new Array(burst);
      let sum = 0;
      for (let k = 0; k < burst; k++) {
        const nb = NativeBuffer.alloc(size);
        const u = new Uint8Array(nb.buffer);
        sum += u[size - 1];
        u[size - 1] = 0x5a;
        kept[k] = nb;
      }
      return { sum, state: kept };
    },
    cleanup(kept) {
      for (const nb of kept) nb.close();
    },
  };
}

function arrayBufferBurstCase(name, size, burst, iterations) {
  return {
    name,
    iterations,
    opsPerCall: burst,
    op() {
      const kept = new Array(burst);
      let sum = 0;
      for (let k = 0; k < burst; k++) {
        const u = new Uint8Array(new ArrayBuffer(size));
        sum += u[size - 1];
        u[size - 1] = 0x5a;
        kept[k] = u;
      }
      return { sum, state: kept };
    },
    cleanup() {},
  };
}

function memory(label) {
  const rss = process.memoryUsage().rss;
  const s = nativeMemoryStats();
  console.log(
    `${label}: rss ${fmtBytes(rss)}, native live blocks ${s.liveBlocks} (${fmtBytes(s.liveBytes)}), freed ${s.freedBlocks}`,
  );
  return rss;
}

async function benchAlloc({ quick = false } = {}) {
  console.log(`\n(gc between iterations: ${gcHow})`);
  await settle();
  const rss0 = memory('before alloc benchmarks');

  const big = nativeCase('NativeBuffer.alloc(1 GiB) -> usable view', GiB, quick ? 12 : 30);
  const small = nativeCase('NativeBuffer.alloc(4 KiB) -> usable view', KiB4, quick ? 12 : 30);
  const target = await compareTimed([big, small], { batches: quick ? 7 : 9 });
  printTable(
    '2. (information, issue 2) NativeBuffer.alloc(1 GiB) vs alloc(4 KiB), alloc-to-usable-view (timer overhead subtracted)',
    target,
  );
  for (const r of target) {
    console.log(`  ${r.name}: median single op ${r.medianSingleOp.toFixed(0)} ns, slowest ${r.maxSingleOp.toFixed(0)} ns`);
  }
  const ratio = target[0].nsPerOp / target[1].nsPerOp;
  const paired = pairedRatio(target[0], target[1]);
  const ratioSingle = target[0].medianSingleOp / target[1].medianSingleOp;
  console.log(
    `ratio 1 GiB / 4 KiB = ${ratio.toFixed(2)}x (paired batches: ${paired.toFixed(2)}x, median single ops: ${ratioSingle.toFixed(2)}x): ` +
      `issue 2's 1.5x, restated by issue 13 against new ArrayBuffer(1 GiB) (below)`,
  );
  await settle();
  const rss1 = memory('after NativeBuffer cases');

  const cmp = await compareTimed(
    [
      arrayBufferCase('new ArrayBuffer(1 GiB) -> usable view', GiB, quick ? 4 : 8),
      bufferAllocCase('Buffer.alloc(1 GiB) -> usable view', GiB, quick ? 4 : 8),
      nativeCase('NativeBuffer.alloc(1 GiB) -> usable view', GiB, quick ? 4 : 8),
      arrayBufferCase('new ArrayBuffer(4 KiB) -> usable view', KiB4, quick ? 4 : 8),
    ],
    { batches: 7, warmup: 2 },
  );
  const hot = await compareTimed(
    [
      nativeBurstCase('NativeBuffer.alloc(4 KiB) -> usable view, 200 back to back', KiB4, 200, quick ? 3 : 5),
      arrayBufferBurstCase('new ArrayBuffer(4 KiB) -> usable view, 200 back to back', KiB4, 200, quick ? 3 : 5),
    ],
    { batches: 7, warmup: 3 },
  );
  cmp.push(...hot);
  printTable(
    '2b. what a user would otherwise use (the target row: NativeBuffer vs new ArrayBuffer, 1 GiB); 4 KiB in a hot loop',
    cmp,
  );
  for (const r of cmp) {
    console.log(`  ${r.name}: median single op ${r.medianSingleOp.toFixed(0)} ns, slowest ${r.maxSingleOp.toFixed(0)} ns`);
  }
  // Both sides pay the same external-memory GC at random, in a few
  // iterations: met only when the ratio and the paired batches' agree.
  const vsArrayBuffer = cmp[2].nsPerOp / cmp[0].nsPerOp;
  const vsArrayBufferPaired = pairedRatio(cmp[2], cmp[0]);
  const allocMet = Math.max(vsArrayBuffer, vsArrayBufferPaired) <= 1;
  console.log(
    `NativeBuffer.alloc(1 GiB) / new ArrayBuffer(1 GiB) = ${vsArrayBuffer.toFixed(2)}x ` +
      `(paired batches: ${vsArrayBufferPaired.toFixed(2)}x)   target <= 1.0x, both: ${allocMet ? 'MET' : 'MISSED'}`,
  );
  await settle();
  const rss2 = memory('after comparison cases');

  return {
    rows: [...target, ...cmp],
    summary: {
      nativeBuffer1GiBNs: round(cmp[2].nsPerOp),
      arrayBuffer1GiBNs: round(cmp[0].nsPerOp),
      ratio: round(vsArrayBuffer, 2),
      pairedRatio: round(vsArrayBufferPaired, 2),
      target: 1,
      met: allocMet,
      info: {
        alloc1GiBNs: round(target[0].nsPerOp),
        alloc4KiBNs: round(target[1].nsPerOp),
        ratio1GiBVs4KiB: round(ratio, 2),
        pairedRatio1GiBVs4KiB: round(paired, 2),
        ratioMedianSingleOps1GiBVs4KiB: round(ratioSingle, 2),
        bufferAlloc1GiBNs: round(cmp[1].nsPerOp),
        arrayBuffer4KiBNs: round(cmp[3].nsPerOp),
        nativeBuffer4KiBHotNs: round(cmp[4].nsPerOp),
        arrayBuffer4KiBHotNs: round(cmp[5].nsPerOp),
      },
      rssMiB: { before: round(rss0 / 2 ** 20), afterNative: round(rss1 / 2 ** 20), after: round(rss2 / 2 ** 20) },
      gc: gcHow,
    },
  };
}

module.exports = benchAlloc;
