'use strict';
// npm run bench  (node bench/run.js [--quick]; may also be run with
// node --expose-gc bench/run.js). Runs every benchmark, prints a table per
// benchmark, the targets, and one last line `BENCH_JSON {...}`.
const os = require('os');
const benchGetBuffer = require('./get-buffer');
const benchExporters = require('./exporters');
const benchAlloc = require('./alloc');
const { getChecksum, gcHow, timerOverhead } = require('./harness');

async function main() {
  const quick = process.argv.includes('--quick');
  const started = process.hrtime.bigint();
  const cpus = os.cpus();
  console.log(
    `buffer-protocol bench: node ${process.version}, ${os.platform()}-${os.arch()}, ${cpus.length} x ${cpus[0]?.model ?? '?'}, ` +
      `load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, gc: ${gcHow}${quick ? ', quick' : ''}`,
  );
  console.log(`ns/op is the median of the batches; cases of one table run interleaved. hrtime pair overhead: ${timerOverhead()} ns`);

  const g = benchGetBuffer({ quick });
  const e = benchExporters({ quick });
  const a = await benchAlloc({ quick });

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log('\n## Targets');
  console.log(
    `getBuffer(Float32Array) + release vs new Uint8Array(ab, off, len): FULL_RO ${g.summary.ratioFullRo}x, SIMPLE ${g.summary.ratioSimple}x ` +
      `(target <= 3x) -> ${g.summary.met ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `NativeBuffer.alloc(1 GiB) / alloc(4 KiB), alloc to usable view: ${a.summary.ratio}x (target <= 1.5x) -> ${a.summary.met ? 'MET' : 'MISSED'}`,
  );
  console.log(`checksum ${getChecksum()}   (elapsed ${seconds.toFixed(1)} s)`);
  const summary = {
    node: process.version,
    cpus: cpus.length,
    gc: gcHow,
    quick,
    elapsedS: Math.round(seconds * 10) / 10,
    getBuffer: g.summary,
    exporters: e.summary,
    alloc: a.summary,
    targetsMet: g.summary.met && a.summary.met,
    checksum: getChecksum(),
  };
  console.log(`BENCH_JSON ${JSON.stringify(summary)}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
