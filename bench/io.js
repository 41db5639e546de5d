'use strict';
// Benchmark 5: the I/O API (buffer-protocol/io) against what a user does
// today with fs and net.
//
//   5a. Time to the first element of a 1 GiB file: mmap(path) +
//       new Uint8Array(f.buffer)[0] + f.close() against
//       fs.readFileSync(path)[0]. Target: mmap at least 100x faster. Also
//       the RSS growth of mmap() before any byte is touched (expected ~0),
//       after the first byte, and of readFileSync for contrast.
//       Information: the same calls mapping only 1 MiB of the file (mmap
//       itself does not depend on the length; V8's external-memory
//       accounting of the ArrayBuffer does).
//   5b. A full sequential checksum of the same file (in the page cache; it
//       is read once first): mmap + memoryview(f, { format: 'd' }).typed()
//       summed item by item, against readFileSync + the very same loop over
//       a Float64Array of its bytes. Target: ours at least as fast (>= 1.0x).
//       Information (2 interleaved single ops each): mmap with
//       advise('sequential'), and readSync in 8 MiB chunks into one reused
//       array (what a careful user does without mmap). Every side checks
//       its sum against the one computed while writing the file (the items
//       are multiples of 1/8 below 125, so the float64 sum is exact).
//   5c. writeFrom(fd, view, 0) of a transposed 4096x4096 'f' view (64 MiB)
//       against fs.writeSync(fd, view.toBytes(), 0, n, 0). Target: ours at
//       least as fast; and the peak extra memory of both (VmHWM after a
//       reset through /proc/self/clear_refs, and arrayBuffers right after
//       the call), where ours should need far less (1 MiB staging).
//   5d. 256 MiB over loopback TCP to a receiver (a worker thread with a
//       net server on 127.0.0.1, port 0, that only counts bytes):
//       writeView(socket, nativeBuffer) against
//       socket.write(Buffer.from(bytes)) (copy into a Buffer, then write),
//       timed until the receiver has counted every byte. Target: ours at
//       least as fast. Information: socket.write(Buffer.from(ab, 0, n)), the
//       zero-copy write a user could do by hand for contiguous memory.
//   5e. Short runs (issue 13): a transposed [2048, 4096] and [4096, 4096]
//       'f' view and every other float32 of 200 MB (64 MiB with --quick),
//       all in a NativeBuffer: writeView to a loopback socket, writeFrom,
//       readInto and readIntoStream against toBytes() + the plain write (a
//       plain read + fromContiguous for reads). Targets: >= 1.0x, and peak
//       RSS growth <= 8 MiB for the 200 MB source (for readIntoStream, fed
//       by a source that allocates nothing: a file stream's own chunks are
//       garbage until a GC, shown beside it). readIntoStream's sides are
//       timed in their steady state (3 runs in a row, the first untimed):
//       the file stream allocates a chunk per read, and its speed depends
//       on what a forced gc between single runs left the allocator.
//       `node bench/io.js --short-runs [--quick]` runs this section alone.
//
// The data file lives in a fresh os.tmpdir() directory, removed at the end.
// The file is 1 GiB, or 256 MiB when the temp file system has less than
// 2.25 GiB free (said so in the output and in BENCH_JSON); it is removed
// before 5c, so the peak disk use is the file (5c's files are 2 x 64 MiB).
// 5a-5c use the harness's compareTimed (each op timed alone, interleaved A,
// B, A, B ..., cleanup and an event-loop turn untimed); 5d is asynchronous
// and timed here the same way, one send at a time.
//
// Garbage: every op's large garbage (readFileSync's 1 GiB Buffer, toBytes'
// 64 MiB, the 256 MiB copy of 5d) is collected and freed in the untimed
// cleanup: a gc (global.gc, or one obtained through v8.setFlagsFromString
// and vm when node runs without --expose-gc), then a wait (at most 300 ms)
// until RSS has dropped. Without it, the munmap of a 1 GiB Buffer (~60 ms
// here) lands in whichever op runs next, which in an A, B, A, B run is the
// other side's. A closed MappedFile needs no gc: close() detaches its
// ArrayBuffer and the unmap runs on the next event-loop turn.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Worker } = require('worker_threads');
const net = require('net');
const { memoryview, NativeBuffer } = require('../lib');
const { mmap, writeFrom, writeView } = require('../lib/io');
const { compareTimed, pairedRatio, printTable, consume, settle, turn, median, fmtNs, fmtBytes, gcHow } = require('./harness');
const { round } = require('./get-buffer');

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const now = process.hrtime.bigint;

// ---- memory probes ---------------------------------------------------------

const rss = () => process.memoryUsage.rss();

/** A gc function even without --expose-gc (only this module uses it; the harness keeps its own setting). */
function findGc() {
  if (typeof global.gc === 'function') return { gc: global.gc, how: '--expose-gc' };
  try {
    require('v8').setFlagsFromString('--expose-gc');
    const fn = require('vm').runInNewContext('gc');
    if (typeof fn === 'function') return { gc: fn, how: 'v8.setFlagsFromString + vm' };
  } catch {
    // fall through
  }
  return { gc: null, how: 'unavailable' };
}
// Set by benchIo() (not at require time, so the other benchmarks run as before).
let gcNow = null;
let gcNowHow = 'not looked up';
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms) => Atomics.wait(sleeper, 0, 0, ms);

/**
 * Untimed: collects garbage and, when `bytes` of it were expected, waits
 * (at most 300 ms) until RSS stops falling, so freeing it happens here and
 * not inside the next timed op.
 */
function collect(bytes = 0) {
  if (gcNow === null) return;
  const before = rss();
  gcNow();
  if (bytes <= 0) return;
  const deadline = Date.now() + 300;
  let last = rss();
  while (Date.now() < deadline && last > before - bytes * 0.9) {
    sleep(5);
    const r = rss();
    if (r >= last && before - r > bytes * 0.5) break; // fell most of the way and stopped
    last = r;
  }
}

/** VmHWM (peak RSS) can be reset to the current RSS by writing 5 to /proc/self/clear_refs (Linux >= 4.0). */
function peakProbe() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    readStatus();
    return true;
  } catch {
    return false;
  }
}
function readStatus() {
  const s = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s)[1]) * 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}
/** Runs fn once with the peak RSS reset just before; returns { peakRss, arrayBuffers, rss } deltas in bytes. */
function measurePeak(fn, canReset) {
  const ab0 = process.memoryUsage().arrayBuffers;
  let rss0;
  if (canReset) {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    rss0 = readStatus().rss;
  } else {
    rss0 = rss();
  }
  const result = fn();
  const after = canReset ? readStatus() : { hwm: NaN, rss: rss() };
  const ab1 = process.memoryUsage().arrayBuffers;
  consume(result);
  return { peakRss: after.hwm - rss0, rss: after.rss - rss0, arrayBuffers: ab1 - ab0 };
}

// ---- the data file ---------------------------------------------------------

/** Item k of the file, a float64: a multiple of 1/8 below 125, so every sum of them is exact. */
function itemAt(k) {
  return ((Math.imul(k, 0x9e3779b1) >>> 0) % 1000) / 8;
}

/** Writes `bytes` of float64 items to file; returns { sum, writeMs, fsyncMs }. */
function makeDataFile(file, bytes) {
  const CHUNK = 8 * MiB;
  const chunk = new Float64Array(CHUNK / 8);
  const fd = fs.openSync(file, 'w');
  let sum = 0;
  const t0 = now();
  try {
    for (let at = 0; at < bytes; at += CHUNK) {
      const k0 = at / 8;
      for (let i = 0; i < chunk.length; i++) {
        const x = itemAt(k0 + i);
        chunk[i] = x;
        sum += x;
      }
      fs.writeSync(fd, chunk, 0, CHUNK, at);
    }
    const t1 = now();
    // Flushed now, so that writeback does not run under the timings.
    fs.fsyncSync(fd);
    const t2 = now();
    return { sum, writeMs: Number(t1 - t0) / 1e6, fsyncMs: Number(t2 - t1) / 1e6 };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads the whole file once through an 8 MiB buffer (puts it in the page cache); returns its float64 sum. */
function readThrough(file) {
  const fd = fs.openSync(file, 'r');
  try {
    return sumChunked(fd, new Float64Array(MiB));
  } finally {
    fs.closeSync(fd);
  }
}

// One summing loop for every side of 5b: the same machine code for all.
function sumFloat64(a) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function sumChunked(fd, chunk) {
  const bytes = new Uint8Array(chunk.buffer);
  let s = 0;
  let at = 0;
  for (;;) {
    const n = fs.readSync(fd, bytes, 0, bytes.length, at);
    if (n === 0) return s;
    if (n % 8 !== 0) throw new Error('short read inside an item');
    s += sumFloat64(n === bytes.length ? chunk : chunk.subarray(0, n / 8));
    at += n;
  }
}

function printDetails(rows) {
  for (const r of rows) {
    console.log(`  ${r.name}: median single op ${fmtNs(r.medianSingleOp)}, slowest ${fmtNs(r.maxSingleOp)}`);
  }
}

// ---- 5a. time to the first element -----------------------------------------

async function benchFirstElement(file, size, quick) {
  const sizeName = size === GiB ? '1 GiB' : fmtBytes(size);
  const ours = {
    name: `mmap(path) + new Uint8Array(f.buffer)[0] + f.close()`,
    iterations: quick ? 10 : 20,
    op() {
      const f = mmap(file);
      const first = new Uint8Array(f.buffer)[0];
      f.close();
      return { sum: first + 1, state: null };
    },
    cleanup() {
      collect();
    },
  };
  const theirs = {
    name: `fs.readFileSync(path)[0]`,
    iterations: 1,
    op() {
      const b = fs.readFileSync(file);
      return { sum: b[0] + 1, state: null };
    },
    cleanup() {
      collect(size);
    },
  };
  // The same calls over 1 MiB of the file: what mmap costs when V8 is not
  // told about 1 GiB of new external memory (which starts a GC cycle).
  const small = {
    ...ours,
    name: `mmap(path, { length: 1 MiB }) + [0] + f.close()  [information]`,
    op() {
      const f = mmap(file, { length: MiB });
      const first = new Uint8Array(f.buffer)[0];
      f.close();
      return { sum: first + 1, state: null };
    },
  };
  const rows = await compareTimed([ours, theirs, small], { batches: 7, warmup: 1 });
  printTable(`5a. Time to the first element of a ${sizeName} file (page cache warm; timer overhead subtracted)`, rows);
  printDetails(rows);
  const speedup = rows[1].nsPerOp / rows[0].nsPerOp;
  // pairedRatio(theirs, ours): readFileSync time / mmap time, batch by batch.
  const paired = pairedRatio(rows[1], rows[0]);
  console.log(
    `speedup readFileSync / mmap = ${speedup.toFixed(0)}x (paired batches: ${paired.toFixed(0)}x)   target >= 100x: ${speedup >= 100 ? 'MET' : 'MISSED'}`,
  );
  const note =
    size === GiB
      ? undefined
      : `the target is for a 1 GiB file; this one is ${fmtBytes(size)}: readFileSync's time shrinks with the file, mmap's does not`;
  if (note !== undefined) console.log(`  note: ${note}`);

  // RSS: before any byte is touched, after the first byte, and readFileSync's.
  const samples = { mapped: [], touched: [], readFile: [] };
  for (let k = 0; k < 5; k++) {
    await settle();
    const r0 = rss();
    const f = mmap(file);
    const r1 = rss();
    consume(new Uint8Array(f.buffer)[0]);
    const r2 = rss();
    f.close();
    samples.mapped.push(r1 - r0);
    samples.touched.push(r2 - r0);
  }
  {
    await settle();
    const r0 = rss();
    const b = fs.readFileSync(file);
    const r1 = rss();
    consume(b[0]);
    samples.readFile.push(r1 - r0);
  }
  collect(size);
  await settle();
  const kib = (x) => `${(x / 1024).toFixed(0)} KiB`;
  const mapped = median(samples.mapped);
  const touched = median(samples.touched);
  const readFile = median(samples.readFile);
  console.log(
    `RSS growth (median of ${samples.mapped.length}): mmap() before touching ${kib(mapped)}, after reading [0] ${kib(touched)}; ` +
      `readFileSync ${fmtBytes(readFile)}   (expected ~0 for mmap)`,
  );
  return {
    mmapNs: round(rows[0].nsPerOp),
    readFileSyncNs: round(rows[1].nsPerOp),
    mmapMedianSingleNs: round(rows[0].medianSingleOp),
    info: { mmap1MiBNs: round(rows[2].nsPerOp), mmap1MiBMedianSingleNs: round(rows[2].medianSingleOp) },
    readFileSyncMedianSingleNs: round(rows[1].medianSingleOp),
    speedup: round(speedup, 0),
    pairedSpeedup: round(paired, 0),
    target: 100,
    met: speedup >= 100,
    ...(note !== undefined ? { note } : {}),
    rssGrowthKiB: {
      mmapUntouched: round(mapped / 1024, 0),
      mmapAfterFirstByte: round(touched / 1024, 0),
      readFileSync: round(readFile / 1024, 0),
    },
  };
}

// ---- 5b. full sequential checksum ------------------------------------------

/** Information rows: each op run `rounds` times, interleaved, untimed cleanup; rows with the median single op. */
async function sampleRounds(cases, rounds) {
  const all = cases.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const t0 = now();
      const out = cases[i].op();
      const t1 = now();
      consume(out.sum);
      cases[i].cleanup(out.state);
      await settle();
      all[i].push(Number(t1 - t0));
    }
  }
  return cases.map((c, i) => ({
    name: c.name,
    nsPerOp: median(all[i]),
    min: Math.min(...all[i]),
    max: Math.max(...all[i]),
    batches: rounds,
    opsPerBatch: 1,
  }));
}

async function benchChecksum(file, size, expected, quick) {
  const sizeName = size === GiB ? '1 GiB' : fmtBytes(size);
  const got = {};
  const check = (key, s) => {
    got[key] = s;
    if (s !== expected) throw new Error(`5b ${key}: checksum ${s}, expected ${expected}`);
    return s;
  };
  const ours = {
    name: "mmap + memoryview(f, { format: 'd' }).typed(), sum",
    iterations: 1,
    op() {
      const f = mmap(file);
      const v = memoryview(f, { format: 'd' });
      const s = sumFloat64(v.typed());
      v.release();
      f.close();
      return { sum: check('ours', s), state: null };
    },
    cleanup() {
      collect();
    },
  };
  const theirs = {
    name: 'readFileSync + new Float64Array(b.buffer, ...), sum',
    iterations: 1,
    op() {
      const b = fs.readFileSync(file);
      if (b.byteOffset % 8 !== 0) throw new Error('readFileSync returned an unaligned Buffer');
      const s = sumFloat64(new Float64Array(b.buffer, b.byteOffset, b.length / 8));
      return { sum: check('readFileSync', s), state: null };
    },
    cleanup() {
      collect(size);
    },
  };
  const sequential = {
    name: "mmap + advise('sequential') + typed(), sum",
    op() {
      const f = mmap(file);
      f.advise('sequential');
      const v = memoryview(f, { format: 'd' });
      const s = sumFloat64(v.typed());
      v.release();
      f.close();
      return { sum: check('mmapSequential', s), state: null };
    },
    cleanup() {
      collect();
    },
  };
  const chunk = new Float64Array(MiB); // 8 MiB, reused
  const chunked = {
    name: 'readSync 8 MiB chunks into one reused array, sum',
    op() {
      const fd = fs.openSync(file, 'r');
      try {
        return { sum: check('readSyncChunks', sumChunked(fd, chunk)), state: null };
      } finally {
        fs.closeSync(fd);
      }
    },
    cleanup() {
      collect();
    },
  };
  // No warm-up round: sumFloat64 is already hot from reading the file through once.
  const rows = await compareTimed([ours, theirs], { batches: 7, warmup: 0 });
  printTable(`5b. Full sequential float64 checksum of the ${sizeName} file (page cache warm)`, rows);
  printDetails(rows);
  const info = await sampleRounds([ours, sequential, chunked], 2);
  printTable(`5b. (information) variants, ${info[0].batches} interleaved single ops each, median`, info);
  const speedup = rows[1].nsPerOp / rows[0].nsPerOp;
  const paired = pairedRatio(rows[1], rows[0]);
  const gbs = (r) => size / r.nsPerOp;
  console.log(
    `GB/s: ours ${gbs(rows[0]).toFixed(2)}, readFileSync ${gbs(rows[1]).toFixed(2)}; advise('sequential') ${gbs(info[1]).toFixed(2)}, readSync chunks ${gbs(info[2]).toFixed(2)}`,
  );
  console.log(
    `checksums: ${Object.entries(got)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} (expected ${expected}: ${Object.values(got).every((v) => v === expected) ? 'all equal' : 'DIFFER'})`,
  );
  console.log(
    `speedup readFileSync / mmap+typed() = ${speedup.toFixed(2)}x (paired batches: ${paired.toFixed(2)}x)   target >= 1.0x: ${speedup >= 1 ? 'MET' : 'MISSED'}`,
  );
  return {
    oursNs: round(rows[0].nsPerOp),
    readFileSyncNs: round(rows[1].nsPerOp),
    oursGBs: round(gbs(rows[0]), 2),
    readFileSyncGBs: round(gbs(rows[1]), 2),
    speedup: round(speedup, 2),
    pairedSpeedup: round(paired, 2),
    target: 1,
    met: speedup >= 1,
    checksum: expected,
    sameChecksum: Object.values(got).every((v) => v === expected),
    info: {
      oursSampledNs: round(info[0].nsPerOp),
      mmapAdviseSequentialNs: round(info[1].nsPerOp),
      readSyncChunksNs: round(info[2].nsPerOp),
    },
  };
}

// ---- 5c. writeFrom of a transposed view --------------------------------------

async function benchWriteTransposed(tmp, quick) {
  const n = 4096;
  const nbytes = n * n * 4;
  const f = new Float32Array(n * n);
  for (let i = 0; i < f.length; i++) f[i] = Math.random();
  const base = memoryview(f, { format: 'f', shape: [n, n] });
  const t = base.T;
  const fileOurs = path.join(tmp, 'transposed-writeFrom.f32');
  const fileTheirs = path.join(tmp, 'transposed-writeSync.f32');
  const fdOurs = fs.openSync(fileOurs, 'w+');
  const fdTheirs = fs.openSync(fileTheirs, 'w+');
  try {
    const ours = {
      name: `writeFrom(fd, view.T, 0)  [${n}x${n} 'f']`,
      iterations: 1,
      op() {
        return { sum: writeFrom(fdOurs, t, 0), state: null };
      },
      cleanup() {
        collect();
      },
    };
    const theirs = {
      name: `fs.writeSync(fd, view.T.toBytes(), 0, n, 0)`,
      iterations: 1,
      op() {
        const bytes = t.toBytes();
        return { sum: fs.writeSync(fdTheirs, bytes, 0, bytes.length, 0), state: null };
      },
      cleanup() {
        collect(nbytes);
      },
    };
    const rows = await compareTimed([ours, theirs], { batches: quick ? 7 : 9, warmup: 2 });
    printTable(`5c. Writing a transposed ${n}x${n} 'f' view (${fmtBytes(nbytes)}) to a file`, rows);
    printDetails(rows);
    // Both files must hold the same bytes: the C-order transpose.
    const a = fs.readFileSync(fileOurs);
    const b = fs.readFileSync(fileTheirs);
    const same = a.length === nbytes && a.equals(b);
    const f2 = new Float32Array(a.buffer, a.byteOffset, n * n);
    const spot = [0, 1, n, n * n - 1, 12345 * 7].every((k) => f2[k] === f[(k % n) * n + Math.floor(k / n)]);
    if (!same || !spot) throw new Error('5c: writeFrom and writeSync(toBytes()) wrote different bytes');
    const speedup = rows[1].nsPerOp / rows[0].nsPerOp;
    const paired = pairedRatio(rows[1], rows[0]);
    const mbs = (r) => nbytes / (r.nsPerOp / 1e9) / 1e6;
    console.log(
      `MB/s: ours ${mbs(rows[0]).toFixed(0)}, toBytes + writeSync ${mbs(rows[1]).toFixed(0)}; files identical: ${same ? 'yes' : 'NO'}`,
    );
    console.log(
      `speedup (toBytes + writeSync) / writeFrom = ${speedup.toFixed(2)}x (paired batches: ${paired.toFixed(2)}x)   target >= 1.0x: ${speedup >= 1 ? 'MET' : 'MISSED'}`,
    );

    // Peak extra memory, each measured alone after a settle, median of 3.
    const canReset = peakProbe();
    const mem = { ours: [], theirs: [] };
    for (let k = 0; k < 3; k++) {
      collect(nbytes);
      await settle();
      mem.ours.push(measurePeak(() => writeFrom(fdOurs, t, 0), canReset));
      collect(nbytes);
      await settle();
      mem.theirs.push(
        measurePeak(() => {
          const bytes = t.toBytes();
          return fs.writeSync(fdTheirs, bytes, 0, bytes.length, 0);
        }, canReset),
      );
    }
    collect(nbytes);
    await settle();
    const pick = (list, key) => median(list.map((m) => m[key]));
    const memOurs = { peakRss: pick(mem.ours, 'peakRss'), arrayBuffers: pick(mem.ours, 'arrayBuffers') };
    const memTheirs = { peakRss: pick(mem.theirs, 'peakRss'), arrayBuffers: pick(mem.theirs, 'arrayBuffers') };
    const how = canReset ? 'peak RSS (VmHWM reset via /proc/self/clear_refs)' : 'RSS after the call (VmHWM reset unavailable)';
    console.log(
      `extra memory, median of 3 (${how}; arrayBuffers right after the call, before GC): ` +
        `ours ${fmtBytes(memOurs.peakRss)} RSS / ${fmtBytes(memOurs.arrayBuffers)} arrayBuffers; ` +
        `toBytes + writeSync ${fmtBytes(memTheirs.peakRss)} RSS / ${fmtBytes(memTheirs.arrayBuffers)} arrayBuffers`,
    );
    const mib = (x) => round(x / MiB, 1);
    return {
      oursNs: round(rows[0].nsPerOp),
      toBytesWriteSyncNs: round(rows[1].nsPerOp),
      oursMBs: round(mbs(rows[0])),
      toBytesWriteSyncMBs: round(mbs(rows[1])),
      speedup: round(speedup, 2),
      pairedSpeedup: round(paired, 2),
      target: 1,
      met: speedup >= 1,
      sameBytes: same,
      extraMemoryMiB: {
        how: canReset ? 'VmHWM' : 'rss-after',
        oursPeakRss: mib(memOurs.peakRss),
        oursArrayBuffers: mib(memOurs.arrayBuffers),
        toBytesPeakRss: mib(memTheirs.peakRss),
        toBytesArrayBuffers: mib(memTheirs.arrayBuffers),
      },
    };
  } finally {
    fs.closeSync(fdOurs);
    fs.closeSync(fdTheirs);
    t.release();
    base.release();
  }
}

// ---- 5d. loopback TCP ------------------------------------------------------

// The receiver: a net server in a worker thread (its own event loop and
// core) that counts bytes and posts every time the count crosses a multiple
// of `size`.
const RECEIVER = `
const net = require('net');
const { parentPort, workerData } = require('worker_threads');
const size = workerData.size;
let total = 0;
let next = size;
const sockets = new Set();
const server = net.createServer((s) => {
  sockets.add(s);
  s.on('data', (c) => {
    total += c.length;
    while (total >= next) {
      parentPort.postMessage({ got: next });
      next += size;
    }
  });
  s.on('error', () => {});
  s.on('close', () => sockets.delete(s));
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'close') {
    for (const s of sockets) s.destroy();
    server.close(() => parentPort.postMessage({ closed: total }));
  }
});
`;

async function startReceiver(size) {
  const worker = new Worker(RECEIVER, { eval: true, workerData: { size } });
  const waiting = [];
  const received = [];
  worker.on('message', (m) => {
    const w = waiting.shift();
    if (w) w.resolve(m);
    else received.push(m);
  });
  worker.on('error', (error) => {
    for (const w of waiting.splice(0)) w.reject(error);
  });
  const next = () =>
    received.length > 0 ? Promise.resolve(received.shift()) : new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  const { port } = await next();
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    next,
    async close() {
      socket.end();
      worker.postMessage('close');
      const m = await next();
      await worker.terminate();
      return m.closed;
    },
  };
}

async function benchTcp(quick) {
  const size = 256 * MiB;
  const nb = NativeBuffer.alloc(size);
  const u = new Uint8Array(nb.buffer);
  for (let i = 0; i < size; i += 4096) u[i] = i >>> 12; // every page is real memory
  const rx = await startReceiver(size);
  const sock = rx.socket;
  const written = (buf) => new Promise((resolve, reject) => sock.write(buf, (e) => (e ? reject(e) : resolve(buf.length))));
  const sides = [
    {
      name: 'writeView(socket, nativeBuffer)',
      op: async () => {
        const [n, got] = await Promise.all([writeView(sock, nb), rx.next()]);
        return n === size && got.got !== undefined ? n : -1;
      },
    },
    {
      name: 'socket.write(Buffer.from(bytes))  [copy, then write]',
      garbage: size,
      op: async () => {
        const [n, got] = await Promise.all([written(Buffer.from(u)), rx.next()]);
        return n === size && got.got !== undefined ? n : -1;
      },
    },
    {
      name: 'socket.write(Buffer.from(ab, 0, n))  [zero-copy by hand; information]',
      op: async () => {
        const [n, got] = await Promise.all([written(Buffer.from(nb.buffer, 0, size)), rx.next()]);
        return n === size && got.got !== undefined ? n : -1;
      },
    },
  ];
  const batches = 7;
  const warmup = 1;
  const runOne = async (s) => {
    const t0 = now();
    const n = await s.op();
    const t1 = now();
    if (n !== size) throw new Error(`5d ${s.name}: sent ${n} bytes, expected ${size}`);
    consume(n);
    collect(s.garbage);
    await settle();
    return Number(t1 - t0);
  };
  let closed;
  const all = sides.map(() => []);
  try {
    for (let w = 0; w < warmup; w++) for (const s of sides) await runOne(s);
    for (let b = 0; b < batches; b++) for (let i = 0; i < sides.length; i++) all[i].push(await runOne(sides[i]));
  } finally {
    closed = await rx.close();
    nb.close();
  }
  const rows = sides.map((s, i) => ({
    name: s.name,
    nsPerOp: median(all[i]),
    min: Math.min(...all[i]),
    max: Math.max(...all[i]),
    medianSingleOp: median(all[i]),
    maxSingleOp: Math.max(...all[i]),
    batches,
    opsPerBatch: 1,
    perBatch: all[i],
  }));
  printTable(
    `5d. Sending ${fmtBytes(size)} over loopback TCP to a byte-counting receiver (worker thread), until all bytes are counted`,
    rows,
  );
  const mbs = (r) => size / (r.nsPerOp / 1e9) / 1e6;
  const expectTotal = size * (warmup + batches) * sides.length;
  console.log(`MB/s: ${rows.map((r) => `${r.name.split('  [')[0]} ${mbs(r).toFixed(0)}`).join('; ')}`);
  console.log(`receiver counted ${closed} bytes (expected ${expectTotal}: ${closed === expectTotal ? 'yes' : 'NO'})`);
  const speedup = rows[1].nsPerOp / rows[0].nsPerOp;
  const paired = pairedRatio(rows[1], rows[0]);
  console.log(
    `speedup (Buffer.from copy + write) / writeView = ${speedup.toFixed(2)}x (paired batches: ${paired.toFixed(2)}x)   target >= 1.0x: ${speedup >= 1 ? 'MET' : 'MISSED'}`,
  );
  return {
    oursNs: round(rows[0].nsPerOp),
    copyWriteNs: round(rows[1].nsPerOp),
    oursMBs: round(mbs(rows[0])),
    copyWriteMBs: round(mbs(rows[1])),
    speedup: round(speedup, 2),
    pairedSpeedup: round(paired, 2),
    target: 1,
    met: speedup >= 1,
    bytesCounted: closed === expectTotal,
    info: { zeroCopyByHandNs: round(rows[2].nsPerOp), zeroCopyByHandMBs: round(mbs(rows[2])) },
  };
}

// ---- 5e. short runs ----------------------------------------------------------

/**
 * Times `sides` (async ops, each returning the bytes it moved) interleaved
 * A, B, A, B ..., one op at a time (or a block of `block` runs of one side
 * at a time), garbage collected untimed between.
 */
async function interleaved(sides, { batches, warmup, expect, block = 1 }) {
  const times = sides.map(() => []);
  const timeOne = async (s) => {
    const t0 = now();
    const n = await s.op();
    const t1 = now();
    if (n !== expect) throw new Error(`5e ${s.name}: moved ${n} bytes, expected ${expect}`);
    return Number(t1 - t0);
  };
  // One side's run, or with `block` > 1 its steady state: `block` runs in a
  // row, the first untimed, with no forced gc between them, so the side's
  // own garbage (and the allocator state it leaves) lands in its own time.
  const runSide = async (s) => {
    const t = [];
    for (let r = 0; r < block; r++) {
      const ns = await timeOne(s);
      if (block === 1 || r > 0) t.push(ns);
      if (r < block - 1) await turn();
    }
    collect(s.garbage ?? 0);
    await settle();
    return t;
  };
  for (let w = 0; w < warmup; w++) for (const s of sides) await runSide(s);
  for (let b = 0; b < batches; b++) for (let i = 0; i < sides.length; i++) times[i].push(...(await runSide(sides[i])));
  return times.map((t) => median(t));
}

/** Peak RSS growth (VmHWM after a reset) of one run of the async `op`, median of 3. */
async function peakOf(op, canReset, garbage) {
  const peaks = [];
  for (let k = 0; k < 3; k++) {
    collect(garbage);
    await settle();
    let rss0;
    if (canReset) {
      fs.writeFileSync('/proc/self/clear_refs', '5');
      rss0 = readStatus().rss;
    } else rss0 = rss();
    let peak = rss0;
    // Without VmHWM, sample RSS while the op runs (misses short peaks).
    const timer = canReset ? null : setInterval(() => (peak = Math.max(peak, rss())), 1);
    consume(await op());
    if (timer) clearInterval(timer);
    peaks.push((canReset ? readStatus().hwm : Math.max(peak, rss())) - rss0);
  }
  return median(peaks);
}

/**
 * A Readable of `bytes` bytes whose chunks are views of one block: no
 * memory per chunk, so what a reader's run adds to RSS is the reader's.
 */
function quietSource(bytes) {
  const { Readable } = require('stream');
  const block = Buffer.alloc(MiB, 0x5a);
  let left = bytes;
  return new Readable({
    read() {
      const k = Math.min(MiB, left);
      left -= k;
      this.push(k === 0 ? null : block.subarray(0, k));
    },
  });
}

/** Ends when `stream` has taken `bytes` and called back. */
const streamWrite = (stream, bytes) =>
  new Promise((resolve, reject) => stream.write(bytes, (e) => (e ? reject(e) : resolve(bytes.length))));

/**
 * 5e. Views whose contiguous runs are short (a transpose, every other
 * item), in memory this package owns: writeView to a socket, writeFrom to
 * a file, readInto from it and readIntoStream from a file stream, against
 * toBytes() + the plain write (and, for reads, a plain read into a
 * contiguous array + fromContiguous). Target: ours at least as fast
 * (>= 1.0x), and peak RSS growth at most 8 MiB for the 200 MB source.
 */
async function benchShortRuns(tmp, quick) {
  const { fromContiguous } = require('../lib');
  const { readInto, readIntoStream } = require('../lib/io');
  const big = quick ? 64 * MiB : 200e6;
  const cases = [
    { name: "transpose [2048, 4096] 'f'", size: 32 * MiB, pick: (m) => m.cast('f', [2048, 4096]).T },
    { name: "transpose [4096, 4096] 'f'", size: 64 * MiB, pick: (m) => m.cast('f', [4096, 4096]).T },
    { name: `every other float32 of ${fmtBytes(big)}`, size: big, pick: (m) => m.cast('f').slice('::2') },
  ];
  const canReset = peakProbe();
  const results = [];
  console.log(
    `\n## 5e. Short runs, memory this package owns (NativeBuffer); peak RSS growth via ${canReset ? 'VmHWM reset' : 'RSS sampling'}`,
  );
  console.log(
    `${'case'.padEnd(40)}  ${'op'.padEnd(15)}  ${'ours MB/s'.padStart(9)}  ${'base MB/s'.padStart(9)}  ${'ratio'.padStart(6)}  ${'ours peak'.padStart(10)}  ${'base peak'.padStart(10)}`,
  );
  for (const c of cases) {
    const nb = NativeBuffer.alloc(c.size, { zero: false });
    const u = new Uint8Array(nb.buffer);
    for (let i = 0; i < c.size; i += 4096) u.fill((i >>> 12) & 0xff, i, Math.min(i + 4096, c.size));
    const whole = memoryview(nb);
    const view = c.pick(whole);
    const n = view.nbytes;
    const target = c.pick(memoryview(NativeBuffer.alloc(c.size)));
    const file = path.join(tmp, 'short-runs.bin');
    const fd = fs.openSync(file, 'w+');
    const rx = await startReceiver(n);
    const sock = rx.socket;
    const readStream = () => fs.createReadStream(null, { fd, start: 0, end: n - 1, autoClose: false, highWaterMark: MiB });
    const drain = (stream) =>
      new Promise((resolve, reject) => {
        const parts = [];
        stream.on('data', (p) => parts.push(p));
        stream.on('end', () => resolve(Buffer.concat(parts)));
        stream.on('error', reject);
      });
    const ops = [
      {
        op: 'writeView',
        ours: async () => (await Promise.all([writeView(sock, view), rx.next()]))[0],
        base: async () => (await Promise.all([streamWrite(sock, Buffer.from(view.toBytes())), rx.next()]))[0],
      },
      {
        op: 'writeFrom',
        ours: async () => writeFrom(fd, view, 0),
        base: async () => fs.writeSync(fd, Buffer.from(view.toBytes()), 0, n, 0),
      },
      {
        op: 'readInto',
        ours: async () => readInto(fd, target, 0),
        base: async () => {
          const tmpBytes = Buffer.allocUnsafeSlow(n);
          const got = fs.readSync(fd, tmpBytes, 0, n, 0);
          fromContiguous(target, tmpBytes);
          return got;
        },
      },
      {
        op: 'readIntoStream',
        // A file stream allocates a fresh chunk per read: how fast that is
        // depends on what the allocator holds, which a forced gc between
        // single runs resets (the same op measured 20 or 200 ms by which
        // op ran before it). Each side is timed in its steady state.
        block: 3,
        ours: async () => readIntoStream(readStream(), target),
        // What readIntoStream itself holds: a source that allocates nothing.
        quiet: async () => readIntoStream(quietSource(n), target),
        // The read stream alone, each chunk dropped: the garbage its own
        // fresh chunks leave until a GC, which no reader can avoid.
        floor: () =>
          new Promise((resolve, reject) => {
            let got = 0;
            const stream = readStream();
            stream.on('data', (p) => (got += p.length));
            stream.on('end', () => resolve(got));
            stream.on('error', reject);
          }),
        base: async () => {
          const bytes = await drain(readStream());
          fromContiguous(target, bytes);
          return bytes.length;
        },
      },
    ];
    try {
      for (const o of ops) {
        const [oursNs, baseNs] = await interleaved(
          [
            // base's garbage (a copy of n bytes) is collected and waited for
            // before the next op. A read stream's chunks, on either side, are
            // not waited for: once glibc hands their pages back, each chunk of
            // the next read is faulted in afresh (20 or 150 ms per 32 MiB here,
            // on either side), and the first run of each block absorbs it.
            { name: `${o.op} ours`, op: o.ours },
            { name: `${o.op} base`, op: o.base, garbage: n },
          ],
          { batches: quick ? 3 : 5, warmup: o.block ? 1 : 2, expect: n, block: o.block },
        );
        if (o.op === 'writeFrom' && !fs.readFileSync(file).subarray(0, n).equals(Buffer.from(view.toBytes()))) {
          throw new Error('5e: writeFrom wrote other bytes than toBytes()');
        }
        if (o.op.startsWith('read') && !Buffer.from(target.toBytes()).equals(Buffer.from(view.toBytes()))) {
          throw new Error(`5e: ${o.op} scattered other bytes than were written`);
        }
        const oursPeak = await peakOf(o.ours, canReset, n);
        const basePeak = await peakOf(o.base, canReset, n);
        const sourcePeak = o.floor ? await peakOf(o.floor, canReset, n) : 0;
        const quietPeak = o.quiet ? await peakOf(o.quiet, canReset, n) : null;
        const mbs = (ns) => n / (ns / 1e9) / 1e6;
        const ratio = baseNs / oursNs;
        results.push({
          case: c.name,
          bytes: n,
          op: o.op,
          oursMBs: round(mbs(oursNs)),
          baseMBs: round(mbs(baseNs)),
          ratio: round(ratio, 2),
          oursPeak,
          basePeak,
          sourcePeak,
          quietPeak,
        });
        console.log(
          `${c.name.padEnd(40)}  ${o.op.padEnd(15)}  ${mbs(oursNs).toFixed(0).padStart(9)}  ${mbs(baseNs).toFixed(0).padStart(9)}  ${ratio.toFixed(2).padStart(5)}x  ${fmtBytes(oursPeak).padStart(10)}  ${fmtBytes(basePeak).padStart(10)}${o.floor ? `  (the read stream alone: ${fmtBytes(sourcePeak)}; from a source that allocates nothing: ${fmtBytes(quietPeak)})` : ''}`,
        );
      }
    } finally {
      await rx.close();
      fs.closeSync(fd);
      fs.rmSync(file);
      nb.close({ force: true });
      collect(c.size);
    }
  }
  const speedMet = results.every((r) => r.ratio >= 1);
  // readIntoStream's own growth: fed by a source that allocates nothing (a
  // file stream's fresh chunks are garbage until a GC, 0 or 32 MiB by when
  // it runs, with the stream alone too).
  const bigPeak = Math.max(
    ...results.filter((r) => r.case === cases[2].name).map((r) => (r.quietPeak === null ? r.oursPeak : r.quietPeak)),
  );
  const memoryMet = bigPeak <= 8 * MiB;
  console.log(
    `throughput >= toBytes() + plain write everywhere: ${speedMet ? 'MET' : 'MISSED'} (lowest ${Math.min(...results.map((r) => r.ratio)).toFixed(2)}x)`,
  );
  console.log(
    `peak RSS growth for the ${fmtBytes(big)} source (readIntoStream: from a source that allocates nothing) <= 8 MiB: ${memoryMet ? 'MET' : 'MISSED'} (${fmtBytes(bigPeak)})`,
  );
  return { results, speedMet, bigPeakBytes: bigPeak, memoryMet, met: speedMet && memoryMet };
}

// ---- driver ----------------------------------------------------------------

/** Returns { summary } with the `io` part of BENCH_JSON. */
async function benchIo({ quick = false } = {}) {
  const started = now();
  ({ gc: gcNow, how: gcNowHow } = findGc());
  const tmpRoot = os.tmpdir();
  const st = fs.statfsSync(tmpRoot);
  const free = st.bavail * st.bsize;
  // 1 GiB file + two 64 MiB files of 5c, with room to spare: else 256 MiB.
  const size = free >= 2 * GiB + 256 * MiB ? GiB : 256 * MiB;
  const scaled = size !== GiB;
  console.log(
    `\n(io: temp dir ${tmpRoot}, ${(free / GiB).toFixed(1)} GiB free; data file ${size === GiB ? '1 GiB' : fmtBytes(size)}` +
      `${scaled ? ' (SCALED DOWN from 1 GiB: less than 2.25 GiB free)' : ''}; harness gc: ${gcHow}; large garbage freed untimed via gc: ${gcNowHow})`,
  );
  const tmp = fs.mkdtempSync(path.join(tmpRoot, 'buffer-protocol-bench-io-'));
  const summary = { fileBytes: size, scaledDown: scaled, tmpFreeGiB: round(free / GiB, 1), garbageGc: gcNowHow };
  try {
    const file = path.join(tmp, 'data.f64');
    const made = makeDataFile(file, size);
    const warm = readThrough(file);
    if (warm !== made.sum) throw new Error(`data file reads back as ${warm}, written as ${made.sum}`);
    console.log(
      `data file written in ${made.writeMs.toFixed(0)} ms, fsync ${made.fsyncMs.toFixed(0)} ms, read once (page cache warm); float64 sum ${made.sum}`,
    );
    await settle();
    summary.firstElement = await benchFirstElement(file, size, quick);
    await settle();
    summary.checksum = await benchChecksum(file, size, made.sum, quick);
    fs.rmSync(file);
    await settle();
    summary.writeTransposed = await benchWriteTransposed(tmp, quick);
    await settle();
    summary.shortRuns = await benchShortRuns(tmp, quick);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  await settle();
  summary.tcp = await benchTcp(quick);
  await settle();
  summary.met = [summary.firstElement, summary.checksum, summary.writeTransposed, summary.shortRuns, summary.tcp].every(
    (t) => t.met,
  );
  summary.elapsedS = round(Number(now() - started) / 1e9, 1);
  console.log(`(io section: ${summary.elapsedS} s)`);
  return { summary };
}

module.exports = benchIo;

if (require.main === module && process.argv.includes('--short-runs')) {
  // Only 5e (the short-run I/O of issue 13).
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'buffer-protocol-bench-io-'));
  ({ gc: gcNow, how: gcNowHow } = findGc());
  benchShortRuns(tmp, process.argv.includes('--quick'))
    .then((summary) => console.log(`BENCH_IO_SHORT_RUNS_JSON ${JSON.stringify(summary)}`))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => fs.rmSync(tmp, { recursive: true, force: true }));
} else if (require.main === module) {
  benchIo({ quick: process.argv.includes('--quick') }).then(
    ({ summary }) => console.log(`BENCH_IO_JSON ${JSON.stringify(summary)}`),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
