'use strict';
// Benchmark 1: getBuffer(typedArray) + release() versus the view a user
// would otherwise make, new Uint8Array(ab, off, len). Also, for
// information, getBuffer on a pooled Buffer, an ArrayBuffer and a DataView.
//
// Every case is its own function literal (own call sites, own feedback),
// folds a field of every result into a checksum, and parks the last results
// in SINK so the allocation cannot be optimized away.
const { getBuffer, BufferFlags } = require('../lib');
const { compare, pairedRatio, printTable } = require('./harness');

const SINK = new Array(8).fill(null);

// 1024 floats at byte offset 16 of a larger ArrayBuffer.
const ab = new ArrayBuffer(16 + 4096 + 16);
const f32 = new Float32Array(ab, 16, 1024);
const OFF = f32.byteOffset;
const LEN = f32.byteLength;
const FULL_RO = BufferFlags.FULL_RO;
const SIMPLE = BufferFlags.SIMPLE;

const pooled = Buffer.from('a pooled buffer: allocUnsafe slices the shared pool');
if (pooled.buffer.byteLength <= pooled.length) throw new Error('expected a Buffer from the pool');
const plainAb = new ArrayBuffer(4096);
const dv = new DataView(ab, 16, 4096);

const baseline = {
  name: 'new Uint8Array(ab, off, len)',
  run(n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const u = new Uint8Array(ab, OFF, LEN);
      s += u.byteLength + u.byteOffset;
      SINK[i & 7] = u;
    }
    return s;
  },
};

const fromTypedArray = {
  name: 'new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength)',
  run(n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const u = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
      s += u.byteLength + u.byteOffset;
      SINK[i & 7] = u;
    }
    return s;
  },
};

const fullRo = {
  name: 'getBuffer(f32) + release() [FULL_RO]',
  run(n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const info = getBuffer(f32);
      s += info.len + info.byteOffset;
      info.release();
      SINK[i & 7] = info;
    }
    return s;
  },
};

const simple = {
  name: 'getBuffer(f32, SIMPLE) + release()',
  run(n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const info = getBuffer(f32, SIMPLE);
      s += info.len + info.byteOffset;
      info.release();
      SINK[i & 7] = info;
    }
    return s;
  },
};

const fullRoExplicit = {
  name: 'getBuffer(f32, FULL_RO) + release() [again, after other types]',
  run(n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const info = getBuffer(f32, FULL_RO);
      s += info.len + info.byteOffset;
      info.release();
      SINK[i & 7] = info;
    }
    return s;
  },
};

const onPooledBuffer = {
  name: 'getBuffer(pooled Buffer) + release()',
  run(n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const info = getBuffer(pooled);
      s += info.len + info.byteOffset;
      info.release();
      SINK[i & 7] = info;
    }
    return s;
  },
};

const onArrayBuffer = {
  name: 'getBuffer(ArrayBuffer) + release()',
  run(n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const info = getBuffer(plainAb);
      s += info.len + info.byteOffset;
      info.release();
      SINK[i & 7] = info;
    }
    return s;
  },
};

const onDataView = {
  name: 'getBuffer(DataView) + release()',
  run(n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const info = getBuffer(dv);
      s += info.len + info.byteOffset;
      info.release();
      SINK[i & 7] = info;
    }
    return s;
  },
};

/** Returns { rows, summary }; rows are the table rows of every group. */
function benchGetBuffer({ quick = false } = {}) {
  const opts = quick ? { batches: 9, batchMs: 6, warmupMs: 80 } : { batches: 15, batchMs: 10, warmupMs: 150 };
  // Target group first, while getBuffer has only ever seen a Float32Array.
  const target = compare([baseline, fullRo, simple], opts);
  printTable('1. getBuffer(Float32Array[1024] @ offset 16) vs new Uint8Array(ab, off, len)', target);
  const base = target[0].nsPerOp;
  const ratioFull = target[1].nsPerOp / base;
  const ratioSimple = target[2].nsPerOp / base;
  const pairedFull = pairedRatio(target[1], target[0]);
  const pairedSimple = pairedRatio(target[2], target[0]);
  const verdict = (r) => (r <= 3 ? 'MET' : 'MISSED');
  console.log(
    `ratio FULL_RO / baseline = ${ratioFull.toFixed(2)}x (paired batches: ${pairedFull.toFixed(2)}x)   target <= 3x: ${verdict(ratioFull)}`,
  );
  console.log(
    `ratio SIMPLE  / baseline = ${ratioSimple.toFixed(2)}x (paired batches: ${pairedSimple.toFixed(2)}x)   target <= 3x: ${verdict(ratioSimple)}`,
  );

  const info = compare([baseline, fromTypedArray, onPooledBuffer, onArrayBuffer, onDataView, fullRoExplicit], opts);
  printTable('1b. (information) other built-in exporters; getBuffer now polymorphic', info);
  const ib = info[0].nsPerOp;
  for (const r of info.slice(1)) {
    console.log(`  ${r.name}: ${(r.nsPerOp / ib).toFixed(2)}x baseline (paired ${pairedRatio(r, info[0]).toFixed(2)}x)`);
  }

  return {
    rows: [...target, ...info],
    summary: {
      baselineNs: round(base),
      fullRoNs: round(target[1].nsPerOp),
      simpleNs: round(target[2].nsPerOp),
      ratioFullRo: round(ratioFull, 2),
      ratioSimple: round(ratioSimple, 2),
      pairedRatioFullRo: round(pairedFull, 2),
      pairedRatioSimple: round(pairedSimple, 2),
      target: 3,
      met: ratioFull <= 3 && ratioSimple <= 3,
      info: {
        baselineNs: round(ib),
        fromTypedArrayGettersNs: round(info[1].nsPerOp),
        pooledBufferNs: round(info[2].nsPerOp),
        arrayBufferNs: round(info[3].nsPerOp),
        dataViewNs: round(info[4].nsPerOp),
        f32FullRoPolymorphicNs: round(info[5].nsPerOp),
        ratioF32FullRoPolymorphic: round(info[5].nsPerOp / ib, 2),
        pairedRatioF32FullRoPolymorphic: round(pairedRatio(info[5], info[0]), 2),
      },
    },
  };
}

function round(x, d = 1) {
  const p = 10 ** d;
  return Math.round(x * p) / p;
}

module.exports = benchGetBuffer;
module.exports.round = round;
