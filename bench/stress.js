// Lifecycle stress (issue 6 figures): 1e6 getBuffer/release cycles on a
// NativeBuffer and 1e5 NativeBuffer alloc/close cycles, in this process, run
// with --expose-gc by bench/run.js's caller or on its own:
//   node --expose-gc bench/stress.js
// Prints RSS growth after GC; the expectation is under 16 MiB.
'use strict';
const { NativeBuffer, getBuffer, memoryview, nativeMemoryStats } = require('../lib');

const gc = global.gc ?? (() => {});
const turn = () => new Promise((resolve) => setImmediate(resolve));
async function settle() {
  for (let i = 0; i < 10; i++) {
    gc();
    await turn();
  }
}
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

async function main() {
  const results = {};
  await settle();
  let rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  const nb = NativeBuffer.alloc(4096, { format: 'f', shape: [32, 32] });
  let t = process.hrtime.bigint();
  for (let i = 0; i < 1e6; i++) getBuffer(nb).release();
  results.exportCycles = { count: 1e6, nsPerCycle: Number(process.hrtime.bigint() - t) / 1e6, exportsAfter: nb.exports };
  for (let i = 0; i < 1e5; i++) {
    const m = memoryview(nb);
    m.slice(1).T.release();
    m.release();
  }
  await settle();
  results.exportCycles.rssGrowthMiB = Number(mib(process.memoryUsage().rss - rss0));
  // RSS includes V8 keeping its heap grown after the churn; heapUsed is what stays alive.
  results.exportCycles.heapUsedGrowthMiB = Number(mib(process.memoryUsage().heapUsed - heap0));
  const rss1 = process.memoryUsage().rss;
  for (let i = 0; i < 1e6; i++) getBuffer(nb).release();
  await settle();
  results.exportCycles.secondMillionRssGrowthMiB = Number(mib(process.memoryUsage().rss - rss1));
  results.exportCycles.exportsAfterViews = nb.exports;
  nb.close();

  await settle();
  const allocRound = async () => {
    const rss = process.memoryUsage().rss;
    const start = process.hrtime.bigint();
    for (let i = 0; i < 1e5; i++) {
      const b = NativeBuffer.alloc(4096);
      new Uint8Array(b.buffer)[0] = 1;
      b.close();
      if (i % 1000 === 0) await turn();
    }
    const ns = Number(process.hrtime.bigint() - start);
    await settle();
    return { ns, growth: Number(mib(process.memoryUsage().rss - rss)) };
  };
  // The first round grows V8's heap and the allocator's arenas to their
  // working size; a leak shows as growth in the second.
  const first = await allocRound();
  const second = await allocRound();
  results.allocCycles = {
    count: 1e5,
    nsPerCycle: first.ns / 1e5,
    rssGrowthMiB: first.growth,
    secondRoundRssGrowthMiB: second.growth,
    liveBlocksAfter: nativeMemoryStats().liveBlocks,
  };
  // The C API: 1e6 get_buffer/release from C on a Float32Array and on a
  // NativeBuffer (the facade path), when the test fixtures are built.
  try {
    const consumer = require('./capi').loadConsumer();
    const f32 = new Float32Array(1024);
    const owned = NativeBuffer.alloc(4096, { format: 'f' });
    await settle();
    const rss = process.memoryUsage().rss;
    consumer.benchGetBuffer(f32, 1e6, 0x11c);
    consumer.benchGetBuffer(owned, 1e5, 0x11c);
    await settle();
    results.capiCycles = {
      builtin: 1e6,
      facade: 1e5,
      rssGrowthMiB: Number(mib(process.memoryUsage().rss - rss)),
      exportsAfter: owned.exports,
    };
    owned.close();
  } catch (error) {
    results.capiCycles = { skipped: String(error.message) };
  }
  results.gc = global.gc ? 'exposed' : 'not exposed';
  const e = results.exportCycles;
  console.log(
    `export/release: ${e.nsPerCycle.toFixed(0)} ns per cycle, RSS growth ${e.rssGrowthMiB} MiB (heapUsed ${e.heapUsedGrowthMiB} MiB; ` +
      `a second million: ${e.secondMillionRssGrowthMiB} MiB), exports after ${e.exportsAfter}/${e.exportsAfterViews}`,
  );
  const a = results.allocCycles;
  console.log(
    `alloc/close 4 KiB: ${a.nsPerCycle.toFixed(0)} ns per cycle, RSS growth ${a.rssGrowthMiB} MiB ` +
      `(a second 1e5: ${a.secondRoundRssGrowthMiB} MiB), live blocks after ${a.liveBlocksAfter}`,
  );
  console.log(`C API get_buffer/release (1e6 built-in + 1e5 facade): ${JSON.stringify(results.capiCycles)}`);
  console.log(`BENCH_STRESS_JSON ${JSON.stringify(results)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
