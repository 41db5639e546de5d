'use strict';
// Benchmark: the interop adapters.
//   1. Each zero-copy conversion is O(1): the same time for 1 KiB and
//      1 GiB (fromSharpRaw, toScijs, fromScijs, toStdlib, fromArrow,
//      toArrow, toOrtTensor, fromOrtTensor, fromImageData).
//   1b. fromPointer (+ close) over malloc'd memory from koffi, 1 KiB and
//      1 GiB, against koffi.view over the same memory: both make a new
//      external ArrayBuffer, which V8 counts as external memory, so a large
//      one brings a GC sooner whoever makes it.
//   2. A sharp round trip through views (crop + flip + channel split as
//      O(1) views, each written out through withSharp) against the same
//      with sharp's own extract / flip / extractChannel pipelines.
// node bench/interop.js [--quick]
const { NativeBuffer } = require('../lib');
const ix = require('../lib/interop');
const { median } = require('./harness');

const round = (x, digits = 1) => Number(x.toFixed(digits));

function timeOnce(fn, reps) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) fn();
  return Number(process.hrtime.bigint() - t0) / reps;
}

module.exports = async function benchInterop({ quick = false } = {}) {
  const sharp = require('sharp');
  const ndarray = require('ndarray');
  const Stdlib = require('@stdlib/ndarray/ctor');
  const arrow = require('apache-arrow');
  const ort = require('onnxruntime-node');
  const canvas = require('@napi-rs/canvas');
  const koffi = require('koffi');
  const libc = koffi.load('libc.so.6');
  const malloc = libc.func('void *malloc(size_t)');
  const free = libc.func('void free(void *)');

  // 1. O(1): each conversion on 1 KiB and on 1 GiB (256 MiB when quick).
  const sizes = [1024, quick ? 2 ** 28 : 2 ** 30];
  const reps = quick ? 2000 : 20000;
  const rows = [];
  const owners = sizes.map((n) => NativeBuffer.alloc(n, { format: 'f', shape: [n / 4] }));
  const raws = sizes.map((n) => ({ data: new Uint8Array(n), info: { width: n / 4, height: 1, channels: 4, depth: 'uchar' } }));
  const cases = {
    fromSharpRaw: (k) => () => ix.fromSharpRaw(raws[k]).release(),
    toScijs: (k) => () => ix.toScijs(owners[k], ndarray),
    fromScijs: (k) => {
      const a = ix.toScijs(owners[k], ndarray);
      return () => ix.fromScijs(a).release();
    },
    toStdlib: (k) => () => ix.toStdlib(owners[k], Stdlib),
    toArrow: (k) => () => ix.toArrow(owners[k], arrow),
    fromArrow: (k) => {
      const v = ix.toArrow(owners[k], arrow);
      return () => ix.fromArrow(v).view.release();
    },
    toOrtTensor: (k) => () => ix.toOrtTensor(owners[k], ort),
    fromOrtTensor: (k) => {
      const t = ix.toOrtTensor(owners[k], ort);
      return () => ix.fromOrtTensor(t).release();
    },
    fromImageData: (k) => {
      const px = sizes[k] / 4;
      const image = new canvas.ImageData(new Uint8ClampedArray(owners[k].buffer), px, 1);
      return () => ix.fromImageData(image).release();
    },
  };
  const o1 = {};
  for (const [name, make] of Object.entries(cases)) {
    const small = make(0);
    const large = make(1);
    for (let w = 0; w < 3; w++) (timeOnce(small, reps / 10), timeOnce(large, reps / 10));
    // Interleaved, so that JIT tiers and GC land on both sizes alike.
    const times = { s: [], l: [] };
    for (let r = 0; r < 7; r++) {
      times.s.push(timeOnce(small, reps));
      times.l.push(timeOnce(large, reps));
    }
    const s = median(times.s);
    const l = median(times.l);
    o1[name] = { smallNs: round(s), largeNs: round(l), ratio: round(l / s, 2) };
    rows.push(`${name.padEnd(14)} 1 KiB ${round(s)} ns   ${sizes[1] / 2 ** 20} MiB ${round(l)} ns   ratio ${round(l / s, 2)}`);
  }
  for (const nb of owners) nb.close();

  console.log('\n## interop: zero-copy conversions, 1 KiB vs large (O(1) means a ratio near 1)');
  for (const r of rows) console.log(r);

  // 1b. fromPointer vs koffi.view, in batches that yield to the event loop
  // (where the releases run) as a program would.
  const lendSizes = [1024, quick ? 2 ** 28 : 2 ** 30];
  const pointers = lendSizes.map((n) => malloc(n));
  const batch = async (fn) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 50; i++) fn();
    const ns = Number(process.hrtime.bigint() - t0) / 50;
    await new Promise((resolve) => setImmediate(resolve));
    return ns;
  };
  const lendCases = {
    'fromPointer + close': (k) => () => ix.fromPointer(pointers[k], lendSizes[k], { release: () => {} }).close(),
    'koffi.view': (k) => () => koffi.view(pointers[k], lendSizes[k]),
  };
  const lend = {};
  console.log(
    `\n## interop: fromPointer (+ close) vs koffi.view, 1 KiB vs ${lendSizes[1] / 2 ** 20} MiB (median of batches of 50)`,
  );
  for (const [name, make] of Object.entries(lendCases)) {
    const times = { s: [], l: [] };
    for (let r = 0; r < (quick ? 6 : 12); r++) {
      times.s.push(await batch(make(0)));
      times.l.push(await batch(make(1)));
    }
    const s = median(times.s.slice(2));
    const l = median(times.l.slice(2));
    lend[name] = { smallNs: round(s), largeNs: round(l), ratio: round(l / s, 2) };
    console.log(
      `${name.padEnd(20)} 1 KiB ${round(s)} ns   ${lendSizes[1] / 2 ** 20} MiB ${round(l)} ns   ratio ${round(l / s, 2)}`,
    );
  }
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (const p of pointers) free(p);

  // 2. sharp round trip: views vs sharp's own operations.
  const h = 1024;
  const w = 1024;
  const pixels = Buffer.alloc(h * w * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) & 255;
  const png = await sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
  const rounds = quick ? 3 : 7;
  const viaViews = [];
  const viaSharp = [];
  for (let r = 0; r < rounds; r++) {
    let t0 = process.hrtime.bigint();
    const image = ix.fromSharpRaw(await sharp(png).raw().toBuffer({ resolveWithObject: true }));
    const crop = image.slice([100, 900], [200, 1000]);
    const flip = crop.slice('::-1');
    const red = flip.slice(null, null, 0);
    const outs = await Promise.all([
      ix.withSharp(crop, sharp, (s) => s.raw().toBuffer()),
      ix.withSharp(flip, sharp, (s) => s.raw().toBuffer()),
      // One band: sharp would write sRGB unless told it is greyscale.
      ix.withSharp(red, sharp, (s) => s.toColourspace('b-w').raw().toBuffer()),
    ]);
    viaViews.push(Number(process.hrtime.bigint() - t0) / 1e6);
    red.release();
    flip.release();
    crop.release();
    image.release();
    t0 = process.hrtime.bigint();
    const base = sharp(png);
    const theirs = await Promise.all([
      base.clone().extract({ left: 200, top: 100, width: 800, height: 800 }).raw().toBuffer(),
      base.clone().extract({ left: 200, top: 100, width: 800, height: 800 }).flip().raw().toBuffer(),
      base.clone().extract({ left: 200, top: 100, width: 800, height: 800 }).flip().extractChannel(0).raw().toBuffer(),
    ]);
    viaSharp.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (!outs.every((b, i) => b.equals(theirs[i]))) throw new Error('views and sharp disagree');
  }
  const sharpTrip = {
    viewsMs: round(median(viaViews)),
    sharpMs: round(median(viaSharp)),
    ratio: round(median(viaViews) / median(viaSharp), 2),
    sameBytes: true,
  };
  console.log(
    `sharp round trip, crop + flip + red channel of a 1024^2 PNG: through views ${sharpTrip.viewsMs} ms, ` +
      `with sharp's extract/flip/extractChannel ${sharpTrip.sharpMs} ms (${sharpTrip.ratio}x), same bytes`,
  );
  // 3. imageToTensor of a 1024x1024 RGBA image to NCHW float32 (RGB, ImageNet
  // mean/std) against the loop transformers.js-style code writes.
  const side = 1024;
  const rgba = new Uint8Array(side * side * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 13) & 255;
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const out = new Float32Array(3 * side * side);
  const image = require('../lib').memoryview(rgba, { format: 'B', shape: [side, side, 4] });
  const rgb = image.slice(null, null, [0, 3]);
  const jsLoop = () => {
    const plane = side * side;
    for (let i = 0, j = 0; i < plane; i++, j += 4) {
      out[i] = (rgba[j] / 255 - mean[0]) / std[0];
      out[i + plane] = (rgba[j + 1] / 255 - mean[1]) / std[1];
      out[i + 2 * plane] = (rgba[j + 2] / 255 - mean[2]) / std[2];
    }
  };
  const ours = () => ix.imageToTensor(rgb, { mean, std, out });
  const copyTarget = Buffer.allocUnsafe(out.byteLength);
  const copySource = Buffer.from(out.buffer);
  const memcpy = () => copySource.copy(copyTarget);
  const laps = { js: [], ours: [], memcpy: [] };
  for (let r = 0; r < (quick ? 5 : 15); r++) {
    for (const [name, fn] of [
      ['js', jsLoop],
      ['ours', ours],
      ['memcpy', memcpy],
    ]) {
      const t0 = process.hrtime.bigint();
      fn();
      laps[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  rgb.release();
  image.release();
  const tensor = {
    oursMs: round(median(laps.ours), 2),
    jsMs: round(median(laps.js), 2),
    memcpyMs: round(median(laps.memcpy), 2),
    speedup: round(median(laps.js) / median(laps.ours), 1),
    ofMemcpy: round(median(laps.memcpy) / median(laps.ours), 2),
    target: 5,
  };
  tensor.met = tensor.speedup >= tensor.target;
  console.log(
    `imageToTensor(1024^2 RGBA -> NCHW float32): ${tensor.oursMs} ms; the JavaScript loop ${tensor.jsMs} ms (${tensor.speedup}x, target >= 5x) -> ` +
      `${tensor.met ? 'MET' : 'MISSED'}; ${Math.round(tensor.ofMemcpy * 100)}% of memcpy's bandwidth on the 12 MiB written`,
  );
  return { summary: { o1, lend, sharpTrip, tensor } };
};

if (require.main === module) {
  module.exports({ quick: process.argv.includes('--quick') }).then((r) => console.log(JSON.stringify(r.summary)));
}
