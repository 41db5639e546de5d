'use strict';
// npm run bench  (node bench/run.js [--quick]; may also be run with
// node --expose-gc bench/run.js). Runs every benchmark, prints a table per
// benchmark, the targets, and one last line `BENCH_JSON {...}`. The memoryview
// benchmark (bench/memoryview.js) also drives python3 (bench/memoryview_ref.py,
// CPython and NumPy) when it is on PATH, and skips those comparisons otherwise.
// The I/O benchmark (bench/io.js) writes a 1 GiB file (256 MiB when the temp
// file system is short of space) and two 64 MiB files under os.tmpdir(),
// removed afterwards, and talks TCP over 127.0.0.1 to a worker thread.
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const benchGetBuffer = require('./get-buffer');
const benchExporters = require('./exporters');
const benchAlloc = require('./alloc');
const benchMemoryView = require('./memoryview');
const benchIo = require('./io');
const benchCapi = require('./capi');
const benchNpy = require('./npy');
const benchInterop = require('./interop');
const benchViews = require('./views');
const { getChecksum, gcHow, timerOverhead } = require('./harness');

async function main() {
  const quick = process.argv.includes('--quick');
  const started = process.hrtime.bigint();
  const cpus = os.cpus();
  console.log(
    `buffer-protocol bench: node ${process.version}, ${os.platform()}-${os.arch()}, ${cpus.length} x ${cpus[0]?.model ?? '?'}, ` +
      `load ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}, gc: ${gcHow}${quick ? ', quick' : ''}`,
  );
  console.log(
    `ns/op is the median of the batches; cases of one table run interleaved. hrtime pair overhead: ${timerOverhead()} ns`,
  );

  const g = benchGetBuffer({ quick });
  const e = benchExporters({ quick });
  const a = await benchAlloc({ quick });
  const m = await benchMemoryView({ quick });
  const io = (await benchIo({ quick })).summary;
  const capi = benchCapi({ quick }).summary;
  const npy = (await benchNpy({ quick })).summary;
  const interop = (await benchInterop({ quick })).summary;

  console.log('\n## Targets');
  console.log(
    `getBuffer(Float32Array) + release vs new Uint8Array(ab, off, len): FULL_RO ${g.summary.ratioFullRo}x, SIMPLE ${g.summary.ratioSimple}x ` +
      `(target <= 3x) -> ${g.summary.met ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `NativeBuffer.alloc(1 GiB) vs new ArrayBuffer(1 GiB), alloc to usable view: ${a.summary.ratio}x (target <= 1.0x) -> ` +
      `${a.summary.met ? 'MET' : 'MISSED'}; against alloc(4 KiB) ${a.summary.info.ratio1GiBVs4KiB}x (issue 2's 1.5x, restated by issue 13)`,
  );
  const mv = m.summary;
  const verdict = (t) => (t.skipped !== undefined ? `SKIPPED (${t.skipped})` : t.met ? 'MET' : 'MISSED');
  console.log(
    `memoryview toList() of 1e6 'd' vs CPython tolist(): ${mv.toList.ratio ?? '-'}x (target <= 1.0x) -> ${verdict(mv.toList)}`,
  );
  console.log(
    `memoryview toBytes('C') of a 4096x4096 'f' transpose vs NumPy: ours ${mv.toBytes.oursMBs ?? '-'} MB/s, NumPy ${mv.toBytes.numpyMBs ?? '-'} MB/s ` +
      `(target >= NumPy) -> ${verdict(mv.toBytes)}`,
  );
  console.log(
    `memoryview get vs ndarray get: 2-D ${mv.get.ratio ?? '-'}x, 3-D ${mv.get.ratio3d ?? '-'}x, transposed ${mv.get.ratioTransposed ?? '-'}x ` +
      `(target <= 1.0x) -> ${verdict(mv.get)}`,
  );
  console.log(
    `memoryview typed() loop vs plain Float64Array loop: ${mv.typedLoop.ratio}x (target the same, <= 1.05x) -> ${verdict(mv.typedLoop)}`,
  );
  const ioFile = io.fileBytes === 2 ** 30 ? '1 GiB' : `${io.fileBytes / 2 ** 20} MiB (scaled down: short of temp space)`;
  const fe = io.firstElement;
  console.log(
    `mmap + [0] vs readFileSync()[0] of a ${ioFile} file: ${fe.speedup}x faster (target >= 100x) -> ${verdict(fe)}; ` +
      `RSS growth of mmap() before touching ${fe.rssGrowthKiB.mmapUntouched} KiB`,
  );
  console.log(
    `checksum of the ${ioFile} file, mmap + typed() vs readFileSync: ${io.checksum.speedup}x faster ` +
      `(${io.checksum.oursGBs} vs ${io.checksum.readFileSyncGBs} GB/s; target >= 1.0x) -> ${verdict(io.checksum)}`,
  );
  const wt = io.writeTransposed;
  console.log(
    `writeFrom(fd, 4096x4096 'f' transpose) vs writeSync(fd, toBytes()): ${wt.speedup}x faster (target >= 1.0x) -> ${verdict(wt)}; ` +
      `extra memory ${wt.extraMemoryMiB.oursPeakRss} vs ${wt.extraMemoryMiB.toBytesPeakRss} MiB`,
  );
  console.log(
    `writeView(socket, 256 MiB) vs socket.write(Buffer.from(bytes)) over loopback: ${io.tcp.oursMBs} vs ${io.tcp.copyWriteMBs} MB/s, ` +
      `${io.tcp.speedup}x (target >= 1.0x) -> ${verdict(io.tcp)}`,
  );
  console.log(
    `C API get_buffer + release on a Float32Array vs napi_get_typedarray_info + a reference: SIMPLE ${capi.ratioSimple}x, ` +
      `FULL_RO ${capi.ratioFullRo}x (${capi.simpleNs} / ${capi.fullRoNs} vs ${capi.heldNs} ns; target <= 1.3x); ` +
      `get_buffer_borrowed vs info alone ${capi.ratioBorrowed}x (target <= 1.3x)`,
  );
  console.log(
    `C API get_buffer on own exporters vs the Float32Array FULL_RO path (target <= 3x): ` +
      Object.entries(capi.ownRatios)
        .map(([k, r]) => `${k} ${r}x`)
        .join(', ') +
      ` -> (every C API row) ${capi.met ? 'MET' : 'MISSED'}`,
  );
  // Making views twice: in a fresh process, as a program that makes views
  // of a few kinds sees it, and here, after every benchmark above has made
  // this process's call sites see every kind of view and exporter.
  console.log('\n# views in fresh processes (node bench/views.js)');
  const child = spawnSync(process.execPath, [path.join(__dirname, 'views.js'), ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
  });
  const jsonLine = child.stdout.split('\n').find((line) => line.startsWith('VIEWS_JSON '));
  console.log(child.stdout.replace(/^VIEWS_JSON .*$/m, '').trimEnd());
  if (jsonLine === undefined) console.log(`bench/views.js failed: ${child.stderr || child.error}`);
  const viewsFresh = jsonLine === undefined ? null : JSON.parse(jsonLine.slice('VIEWS_JSON '.length));
  console.log('\n# views after the other benchmarks, in this process');
  const views = (await benchViews({ quick })).summary;
  const viewRatios = (v) =>
    `making a view vs CPython/NumPy (target <= 1.0x): ` +
    Object.entries(v.views)
      .map(([k, x]) => `${k} ${x.ratio ?? '-'}x`)
      .join(', ') +
    `; getBuffer on own exporters vs Uint8Array (target <= 2x, JS class <= 4x): ` +
    Object.entries(v.exports)
      .map(([k, x]) => `${k} ${x.ratio}x`)
      .join(', ');
  // viewsMet is null without python3: the view rows are then skipped, and
  // count neither way, as the memoryview benchmark's comparisons do.
  const viewsMet = viewsFresh !== null && viewsFresh.viewsMet !== false && viewsFresh.exportsMet;
  if (viewsFresh !== null) {
    const skipped = viewsFresh.viewsMet === null ? ' (view rows SKIPPED: no python3)' : '';
    console.log(`fresh processes: ${viewRatios(viewsFresh)} -> ${viewsMet ? 'MET' : 'MISSED'}${skipped}`);
  } else {
    console.log('fresh processes: bench/views.js failed -> MISSED');
  }
  console.log(`after the other benchmarks (information): ${viewRatios(views)}`);
  console.log(
    `loadNpy(${npy.load.bytes / 2 ** 20} MiB .npy) to the first element vs np.load / npyjs: ${npy.load.vsNumpy}x / ${npy.load.vsNpyjs}x ` +
      `(target >= 100x) -> ${npy.load.met ? 'MET' : 'MISSED'}; saveNpy(4096^2 'f' transpose) vs np.save(a.T): ${npy.save.ratio}x ` +
      `(target >= 1.0x) -> ${npy.save.met ? 'MET' : 'MISSED'}`,
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
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
    memoryview: mv,
    io,
    capi,
    npy,
    interop,
    views: { freshProcess: viewsFresh, afterOtherBenchmarks: views },
    // skipped memoryview comparisons (no python3, NumPy or ndarray) count neither way
    targetsMet: g.summary.met && a.summary.met && mv.met && io.met && capi.met && npy.met && viewsMet,
    checksum: getChecksum(),
  };
  console.log(`BENCH_JSON ${JSON.stringify(summary)}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
