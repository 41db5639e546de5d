'use strict';
// Benchmark: the C API's get_buffer + release on a Float32Array, per call,
// against napi_get_typedarray_info alone (what a C addon would call
// without the protocol). Both loops run inside C (test/native/consumer.c,
// built by npm install), so no JavaScript call is timed. Rounds alternate
// the two, and the ratio is the median of the per-round ratios. For
// information: the facade's path (exporters that are not built-ins).
const { BufferFlags, NativeBuffer, memoryview } = require('../lib');
const { median } = require('./harness');

/** The consumer fixture, next to the addon under test. */
function loadConsumer() {
  return require('../test/native/load')('bp_test_consumer');
}

module.exports = function benchCapi({ quick = false } = {}) {
  const consumer = loadConsumer();
  const ab = new ArrayBuffer(16 + 4096 + 16);
  const f32 = new Float32Array(ab, 16, 1024);
  const n = quick ? 100_000 : 1_000_000;
  const rounds = quick ? 5 : 11;
  // Warm-up: first calls populate caches and the view free list.
  consumer.benchTypedArrayInfo(f32, n / 10);
  consumer.benchGetBuffer(f32, n / 10, BufferFlags.FULL_RO);

  const samples = { info: [], simple: [], fullRo: [], borrowed: [], ratioSimple: [], ratioFullRo: [], ratioBorrowed: [] };
  for (let r = 0; r < rounds; r++) {
    const info = consumer.benchTypedArrayInfo(f32, n);
    const simple = consumer.benchGetBuffer(f32, n, BufferFlags.SIMPLE);
    const fullRo = consumer.benchGetBuffer(f32, n, BufferFlags.FULL_RO);
    samples.info.push(info);
    samples.simple.push(simple);
    samples.fullRo.push(fullRo);
    samples.ratioSimple.push(simple / info);
    samples.ratioFullRo.push(fullRo / info);
    const borrowed = consumer.benchGetBuffer(f32, n, BufferFlags.SIMPLE, true);
    samples.borrowed.push(borrowed);
    samples.ratioBorrowed.push(borrowed / info);
  }
  const slowN = quick ? 2_000 : 20_000;
  const nb = NativeBuffer.alloc(4096, { format: 'f' });
  const mv = memoryview(new Float32Array(1024), { format: 'f', shape: [32, 32] }).T;
  const slow = {
    nativeBuffer: consumer.benchGetBuffer(nb, slowN, BufferFlags.FULL_RO),
    memoryView: consumer.benchGetBuffer(mv, slowN, BufferFlags.FULL_RO),
  };
  mv.release();
  nb.close();

  const row = (name, ns, ratio) => console.log(`${name.padEnd(66)}  ${ns.toFixed(1).padStart(8)}  ${ratio.padStart(6)}`);
  console.log('\n## C API: get_buffer + release per call (ns, median of rounds; both loops run in C)');
  row('napi_get_typedarray_info alone (Float32Array)', median(samples.info), '1.00x');
  row('get_buffer(BP_SIMPLE) + release (Float32Array)', median(samples.simple), `${median(samples.ratioSimple).toFixed(2)}x`);
  row('get_buffer(BP_FULL_RO) + release (Float32Array)', median(samples.fullRo), `${median(samples.ratioFullRo).toFixed(2)}x`);
  row('get_buffer_borrowed(BP_SIMPLE) + release (Float32Array)', median(samples.borrowed), `${median(samples.ratioBorrowed).toFixed(2)}x`);
  row('get_buffer(BP_FULL_RO) + release, NativeBuffer (facade path)', slow.nativeBuffer, '-');
  row('get_buffer(BP_FULL_RO) + release, transposed MemoryView (facade)', slow.memoryView, '-');
  const ratioSimple = Math.round(median(samples.ratioSimple) * 100) / 100;
  const ratioFullRo = Math.round(median(samples.ratioFullRo) * 100) / 100;
  return {
    summary: {
      infoNs: Math.round(median(samples.info) * 10) / 10,
      simpleNs: Math.round(median(samples.simple) * 10) / 10,
      fullRoNs: Math.round(median(samples.fullRo) * 10) / 10,
      ratioSimple,
      ratioFullRo,
      borrowedNs: Math.round(median(samples.borrowed) * 10) / 10,
      ratioBorrowed: Math.round(median(samples.ratioBorrowed) * 100) / 100,
      facadeNs: { nativeBuffer: Math.round(slow.nativeBuffer), memoryView: Math.round(slow.memoryView) },
      met: Math.max(ratioSimple, ratioFullRo) <= 2,
    },
  };
};

module.exports.loadConsumer = loadConsumer;

if (require.main === module) {
  const { summary } = module.exports({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify(summary));
}
