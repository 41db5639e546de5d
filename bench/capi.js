'use strict';
// Benchmark: the C API's get_buffer + release per call, against what a C
// addon does without the protocol. Every loop runs inside C
// (test/native/consumer, built by npm install), so no JavaScript call is
// timed. Rounds alternate the loops, and a ratio is the median of the
// per-round ratios. Targets (issue 13):
//   - the owning get_buffer on a Float32Array against
//     napi_get_typedarray_info + napi_create_reference/napi_delete_reference
//     (what holding the memory costs an addon): <= 1.3x;
//   - get_buffer_borrowed against napi_get_typedarray_info alone: <= 1.3x;
//   - this package's own exporters (NativeBuffer and MappedFile natively;
//     BufferObject and a transposed MemoryView through the facade) against
//     the built-in FULL_RO path: <= 3x.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { BufferFlags, BufferObject, NativeBuffer, memoryview, mmap } = require('../lib');
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

  const samples = {
    info: [],
    held: [],
    simple: [],
    fullRo: [],
    borrowed: [],
    ratioSimple: [],
    ratioFullRo: [],
    ratioBorrowed: [],
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-bench-capi-'));
  fs.writeFileSync(path.join(dir, 'f'), Buffer.alloc(4096));
  const own = {
    'NativeBuffer (native)': NativeBuffer.alloc(4096, { format: 'f', shape: [32, 32] }),
    'MappedFile (native)': mmap(path.join(dir, 'f'), { format: 'f', shape: [32, 32] }),
    'BufferObject (mirror)': BufferObject.fromObject(new Float32Array(1024)),
    'transposed MemoryView (mirror)': memoryview(new Float32Array(1024), { format: 'f', shape: [32, 32] }).T,
  };
  const ownN = quick ? 20_000 : 200_000;
  const ownNs = Object.fromEntries(Object.keys(own).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    const info = consumer.benchTypedArrayInfo(f32, n);
    const held = consumer.benchTypedArrayInfo(f32, n, true);
    const simple = consumer.benchGetBuffer(f32, n, BufferFlags.SIMPLE);
    const fullRo = consumer.benchGetBuffer(f32, n, BufferFlags.FULL_RO);
    samples.info.push(info);
    samples.held.push(held);
    samples.simple.push(simple);
    samples.fullRo.push(fullRo);
    samples.ratioSimple.push(simple / held);
    samples.ratioFullRo.push(fullRo / held);
    const borrowed = consumer.benchGetBuffer(f32, n, BufferFlags.SIMPLE, true);
    samples.borrowed.push(borrowed);
    samples.ratioBorrowed.push(borrowed / info);
    for (const [k, obj] of Object.entries(own)) ownNs[k].push(consumer.benchGetBuffer(obj, ownN, BufferFlags.FULL_RO) / fullRo);
  }
  const ownRatios = Object.fromEntries(Object.entries(ownNs).map(([k, v]) => [k, Math.round(median(v) * 100) / 100]));
  for (const obj of Object.values(own)) (obj.close ?? obj.release).call(obj);
  fs.rmSync(dir, { recursive: true });

  const row = (name, ns, ratio) => console.log(`${name.padEnd(66)}  ${ns.toFixed(1).padStart(8)}  ${ratio.padStart(6)}`);
  console.log('\n## C API: get_buffer + release per call (ns, median of rounds; both loops run in C)');
  row('napi_get_typedarray_info alone (Float32Array)', median(samples.info), '-');
  row('  + napi_create_reference/napi_delete_reference (the baseline)', median(samples.held), '1.00x');
  row('get_buffer(BP_SIMPLE) + release (Float32Array)', median(samples.simple), `${median(samples.ratioSimple).toFixed(2)}x`);
  row('get_buffer(BP_FULL_RO) + release (Float32Array)', median(samples.fullRo), `${median(samples.ratioFullRo).toFixed(2)}x`);
  row(
    'get_buffer_borrowed(BP_SIMPLE) + release, vs info alone',
    median(samples.borrowed),
    `${median(samples.ratioBorrowed).toFixed(2)}x`,
  );
  console.log('own exporters, get_buffer(BP_FULL_RO) + release, against the Float32Array FULL_RO row (target <= 3x):');
  for (const [k, ratio] of Object.entries(ownRatios)) row(`  ${k}`, ratio * median(samples.fullRo), `${ratio.toFixed(2)}x`);
  const ratioSimple = Math.round(median(samples.ratioSimple) * 100) / 100;
  const ratioFullRo = Math.round(median(samples.ratioFullRo) * 100) / 100;
  return {
    summary: {
      infoNs: Math.round(median(samples.info) * 10) / 10,
      heldNs: Math.round(median(samples.held) * 10) / 10,
      simpleNs: Math.round(median(samples.simple) * 10) / 10,
      fullRoNs: Math.round(median(samples.fullRo) * 10) / 10,
      ratioSimple,
      ratioFullRo,
      borrowedNs: Math.round(median(samples.borrowed) * 10) / 10,
      ratioBorrowed: Math.round(median(samples.ratioBorrowed) * 100) / 100,
      ownRatios,
      met:
        Math.max(ratioSimple, ratioFullRo, median(samples.ratioBorrowed)) <= 1.3 && Object.values(ownRatios).every((r) => r <= 3),
    },
  };
};

module.exports.loadConsumer = loadConsumer;

if (require.main === module) {
  const { summary } = module.exports({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify(summary));
}
