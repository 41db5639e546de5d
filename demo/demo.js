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

line('4. Struct formats');
for (const format of ['bi', '=bi', '<d', '3s', 'T{i}']) {
  try {
    console.log(`sizeFromFormat(${JSON.stringify(format)}) = ${sizeFromFormat(format)}`);
  } catch (error) {
    console.log(`sizeFromFormat(${JSON.stringify(format)}) -> ${error.code}: ${error.message}`);
  }
}
