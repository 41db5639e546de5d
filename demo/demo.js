// A short tour of buffer-protocol: run with `npm run demo`.
// Each section is one of the three jobs the library exists for; later
// features (memoryview, file I/O, the C API) extend this tour.
'use strict';
const {
  BufferFlags,
  NativeBuffer,
  bufferProtocol,
  getBuffer,
  isBufferError,
  isContiguous,
  memoryview,
  sizeFromFormat,
} = require('..');

const line = (title) => console.log(`\n== ${title} ==`);
const show = (info) =>
  `format=${info.format} itemsize=${info.itemsize} ndim=${info.ndim} shape=${JSON.stringify(info.shape)} ` +
  `strides=${JSON.stringify(info.strides)} len=${info.len} byteOffset=${info.byteOffset} readonly=${info.readonly}`;

line('1. Any JavaScript memory is an exporter');
{
  const samples = new Float32Array([0.5, 1.5, 2.5, 3.5]);
  const info = getBuffer(samples, BufferFlags.RECORDS_RO);
  console.log('Float32Array      ->', show(info));
  info.release(); // or `using info = ...` where the runtime supports it
  const pooled = Buffer.from('hello');
  const bytes = getBuffer(pooled, BufferFlags.SIMPLE);
  console.log('pooled Buffer     ->', show(bytes), '(a view into the 8 KiB pool)');
  bytes.release();
}

line('2. Native memory with a lifecycle');
{
  // 1 GiB of zeroed native memory: O(1), the kernel zeroes pages lazily.
  const t0 = process.hrtime.bigint();
  const big = NativeBuffer.alloc(2 ** 30);
  const view = new Uint8Array(big.buffer);
  view[view.length - 1] = 255;
  console.log(`alloc(1 GiB) usable in ${Number(process.hrtime.bigint() - t0) / 1e3} us, last byte ${view[view.length - 1]}`);
  big.close();
  console.log('after close(): the view reads as length', view.length);

  const nb = NativeBuffer.alloc(64, { format: 'd', shape: [2, 4] });
  const info = getBuffer(nb, BufferFlags.STRIDED);
  console.log('exported:', show(info), '| exports =', nb.exports);
  try {
    nb.resize(128);
  } catch (error) {
    console.log('resize while exported ->', error.name, error.code);
  }
  info.release();
  nb.resize(128);
  console.log('after release, resize(128) works; exports =', nb.exports, 'length =', nb.length);
  nb.close();
}

line('3. Strided N-d views for image and numeric code');
{
  // An RGBA image class that exports its pixels as [height, width, 4] ...
  class Image {
    #pixels;
    constructor(width, height) {
      this.width = width;
      this.height = height;
      this.#pixels = NativeBuffer.alloc(width * height * 4, { format: 'B', shape: [height, width, 4] });
      new Uint8Array(this.#pixels.buffer).forEach((_, i, a) => (a[i] = i % 251));
    }
    [bufferProtocol.getBuffer](flags) {
      return getBuffer(this.#pixels, flags); // redirect to the owned memory
    }
  }
  const image = new Image(3, 2);
  const rgba = getBuffer(image, BufferFlags.FULL_RO);
  console.log('image             ->', show(rgba));
  rgba.release();

  // ... and a column-major (Fortran) matrix described over raw bytes.
  const matrix = {
    data: new Float64Array([1, 4, 2, 5, 3, 6]),
    [bufferProtocol.getBuffer]() {
      return { buffer: this.data.buffer, format: 'd', shape: [2, 3], strides: [8, 16] };
    },
  };
  const f = getBuffer(matrix, BufferFlags.F_CONTIGUOUS);
  console.log('Fortran matrix    ->', show(f), `| C? ${isContiguous(f, 'C')} F? ${isContiguous(f, 'F')}`);
  f.release();
  try {
    getBuffer(matrix, BufferFlags.C_CONTIGUOUS);
  } catch (error) {
    console.log('C_CONTIGUOUS request ->', isBufferError(error) ? error.code : error);
  }
}

line('4. memoryview: crop, flip, transpose and split channels as O(1) views');
{
  // A 4x6 RGBA image: pixel (y, x) channel c holds y * 10 + x (c = 0..3 scaled).
  const h = 4;
  const w = 6;
  const pixels = NativeBuffer.alloc(h * w * 4, { format: 'B', shape: [h, w, 4] });
  const img = memoryview(pixels);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 4; c++) img.set([y, x, c], (y * 10 + x + c * 50) % 256);
  const crop = img.slice([1, 3], [2, 5]);
  console.log('crop [1:3, 2:5]   -> shape', crop.shape, 'strides', crop.strides, 'byteOffset', crop.byteOffset);
  const flipped = img.slice('::-1');
  console.log('vertical flip     -> strides', flipped.strides, 'first row red:', flipped.slice(0, null, 0).toList());
  const red = img.slice(null, null, 0);
  console.log('red channel       -> shape', red.shape, 'strides', red.strides, 'row 1:', red.slice(1).toList());
  const t = red.T;
  console.log('transposed        -> shape', t.shape, 'strides', t.strides, 'C-contiguous?', t.cContiguous);
  console.log('toBytes of T      ->', Buffer.from(t.slice([0, 2], [0, 3]).toBytes()).toString('hex'), '(a C-order copy)');
  const floats = memoryview(new Float64Array([1, 2, 3, 4, 5, 6])).cast('B').cast('d', [2, 3]);
  console.log('cast to [2, 3] d  ->', JSON.stringify(floats.toList()), '| typed():', floats.typed().constructor.name);
  const bigEndian = memoryview(new Uint8Array([0, 0, 1, 0]), { format: '>i' });
  console.log('">i" item         ->', bigEndian.get(0), '(CPython refuses non-native formats; we read them)');
  for (const v of [crop, flipped, red, t, floats, bigEndian, img]) v.release();
  // The one-off sub-views above (flipped.slice(...), red.slice(1), ...) were
  // never released, so they still hold the pixels: close() refuses.
  try {
    pixels.close();
  } catch (error) {
    console.log('close() with live sub-views ->', error.code, `(exports: ${pixels.exports})`);
  }
  pixels.close({ force: true });
  console.log('close({ force: true }) detaches: red channel view now reads ->', (() => {
    try {
      return red.get(0, 0);
    } catch (error) {
      return error.code;
    }
  })());
}

line('5. Zero-copy file I/O');
{
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { mmap, writeFrom, readInto } = require('../lib/io');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-demo-'));
  const file = path.join(dir, 'matrix.f32');
  // Write the transpose of a 3x4 float matrix straight from its strided view.
  const m = memoryview(new Float32Array([...Array(12).keys()])).cast('B').cast('f', [3, 4]);
  const fd = fs.openSync(file, 'w+');
  console.log('writeFrom(m.T)    ->', writeFrom(fd, m.T, 0), 'bytes');
  // Read it back into a negatively strided view.
  const back = memoryview(new Float32Array(12)).cast('B').cast('f', [4, 3]).slice('::-1');
  console.log('readInto(flipped) ->', readInto(fd, back, 0), 'bytes; first row', back.slice(0).toList());
  fs.closeSync(fd);
  // Map the file as typed items, without reading it.
  const mapped = mmap(file, { format: 'f', shape: [4, 3] });
  const view = memoryview(mapped);
  console.log('mmap as [4, 3] f  ->', JSON.stringify(view.toList()));
  view.release();
  mapped.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

line('6. Struct formats');
for (const format of ['bi', '=bi', '<d', '3s', 'T{i}']) {
  try {
    console.log(`sizeFromFormat(${JSON.stringify(format)}) = ${sizeFromFormat(format)}`);
  } catch (error) {
    console.log(`sizeFromFormat(${JSON.stringify(format)}) -> ${error.code}: ${error.message}`);
  }
}

line('7. Native addons: a C image library and a C consumer, through the C API');
{
  // Two addons built from test/native by `npm install`: one hands a C
  // library's RGBA image to JavaScript with export_memory, the other (which
  // only includes buffer_protocol.h) reads views of anything with get_buffer.
  let images = null;
  let consumer = null;
  try {
    const loadFixture = require('../test/native/load');
    images = loadFixture('bp_test_image');
    consumer = loadFixture('bp_test_consumer');
  } catch {
    console.log('(the C fixtures are not built here: run npm install in a clone of the repository)');
  }
  if (images !== null && consumer !== null) {
    const image = images.create(4, 2);
    console.log('C image as NativeBuffer ->', `format=${image.format} shape=${JSON.stringify(image.shape)}`);
    // Flip it upside down as an O(1) view, and let C invert it in place.
    const whole = memoryview(image);
    const flipped = whole.slice('::-1');
    consumer.invert(flipped);
    console.log('inverted through a flipped view; pixel (0, 0) is now', JSON.stringify([0, 1, 2, 3].map((c) => whole.get(0, 0, c))));
    const seen = consumer.describe(flipped, BufferFlags.STRIDED_RO);
    console.log('what C saw             ->', `shape=${JSON.stringify(seen.shape)} strides=${JSON.stringify(seen.strides)}`);
    flipped.release();
    whole.release();
    const before = images.freeCount();
    image.close();
    setImmediate(() => setImmediate(() => console.log('img_free ran after close():', images.freeCount() - before, 'time(s)')));
  }
}

line('8. Pictures: sharp images as views (demo-out/)');
(async () => {
  let sharp;
  try {
    sharp = require('sharp');
  } catch {
    console.log('(sharp is not installed here: npm install sharp to see this section)');
    return;
  }
  const path = require('node:path');
  const { imageDemo } = require('./images');
  const { written, sheetFile } = await imageDemo(sharp, path.join(process.cwd(), 'demo-out'));
  for (const w of written) console.log(`${path.relative(process.cwd(), w.file)}  ${JSON.stringify(w.shape)}`);
  console.log(`contact sheet: ${path.relative(process.cwd(), sheetFile)}`);
})();
