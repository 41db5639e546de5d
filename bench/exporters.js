'use strict';
// Benchmark 3 (information): getBuffer + release on this package's own
// exporter (NativeBuffer) and on a JavaScript class implementing the public
// protocol, [bufferProtocol.getBuffer], with a 16x16 float32 descriptor.
// Shown next to the new Uint8Array(ab, off, len) baseline of benchmark 1.
const { getBuffer, NativeBuffer, bufferProtocol } = require('../lib');
const { compare, pairedRatio, printTable } = require('./harness');
const { round } = require('./get-buffer');

const SINK = new Array(8).fill(null);

class Matrix16 {
  #memory = new ArrayBuffer(16 * 16 * 4);
  [bufferProtocol.getBuffer]() {
    return { buffer: this.#memory, format: 'f', shape: [16, 16] };
  }
}

function benchExporters({ quick = false } = {}) {
  const opts = quick ? { batches: 9, batchMs: 6, warmupMs: 80 } : { batches: 15, batchMs: 10, warmupMs: 150 };
  const nb = NativeBuffer.alloc(4096);
  const matrix = new Matrix16();
  const ab = new ArrayBuffer(4096 + 32);

  const baseline = {
    name: 'new Uint8Array(ab, off, len)',
    run(n) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const u = new Uint8Array(ab, 16, 4096);
        s += u.byteLength + u.byteOffset;
        SINK[i & 7] = u;
      }
      return s;
    },
  };
  const onNative = {
    name: 'getBuffer(NativeBuffer 4 KiB) + release()',
    run(n) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const info = getBuffer(nb);
        s += info.len + info.byteOffset;
        info.release();
        SINK[i & 7] = info;
      }
      return s;
    },
  };
  const onProtocol = {
    name: "getBuffer(protocol exporter 'f' [16,16]) + release()",
    run(n) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const info = getBuffer(matrix);
        s += info.len + info.ndim;
        info.release();
        SINK[i & 7] = info;
      }
      return s;
    },
  };

  const rows = compare([baseline, onNative, onProtocol], opts);
  printTable('3. (information) getBuffer on NativeBuffer and on a protocol exporter', rows);
  for (const r of rows.slice(1)) {
    console.log(
      `  ${r.name}: ${(r.nsPerOp / rows[0].nsPerOp).toFixed(2)}x baseline (paired ${pairedRatio(r, rows[0]).toFixed(2)}x)`,
    );
  }
  if (nb.exports !== 0) throw new Error(`NativeBuffer still has ${nb.exports} exports`);
  nb.close();
  return {
    rows,
    summary: {
      baselineNs: round(rows[0].nsPerOp),
      nativeBufferNs: round(rows[1].nsPerOp),
      protocolExporterNs: round(rows[2].nsPerOp),
      ratioNativeBuffer: round(rows[1].nsPerOp / rows[0].nsPerOp, 2),
      ratioProtocolExporter: round(rows[2].nsPerOp / rows[0].nsPerOp, 2),
    },
  };
}

module.exports = benchExporters;
