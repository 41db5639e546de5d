// Adapters against the real packages (devDependencies): zero-copy is shown
// by writing through one side and reading the change through the other,
// copies by the opposite; bad input gets its code and changes nothing.
import * as canvas from '@napi-rs/canvas';
import * as arrow from 'apache-arrow';
import ndarray = require('ndarray');
import sharp = require('sharp');
import { BufferFlags, checkBuffer, getBuffer, memoryview, NativeBuffer } from '../src';
import {
  fromArrow,
  fromArrowTensor,
  fromImageData,
  toImageData,
  fromOrtTensor,
  fromScijs,
  fromSharpRaw,
  fromStdlib,
  toArrow,
  toOrtTensor,
  imageToTensor,
  toScijs,
  toStdlib,
  withSharp,
} from '../src/interop';
import { jsonLines, runFixture } from './helpers/child';
import { expectCode } from './helpers/expect';

const StdlibNdarray = require('@stdlib/ndarray/ctor');

describe('sharp', () => {
  test('raw output becomes a [h, w, c] view over the same memory', async () => {
    const raw = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 10, g: 20, b: 30 } } })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const view = fromSharpRaw(raw);
    expect([view.shape, view.format, view.get(5, 7, 0), view.get(5, 7, 2)]).toEqual([[6, 8, 3], 'B', 10, 30]);
    view.set([0, 0, 1], 99);
    expect(raw.data[1]).toBe(99);
    view.release();
  });

  test('16-bit output with rgb16 keeps its values', async () => {
    const u16 = new Uint16Array([1000, 2000, 3000, 65535, 0, 7]);
    const raw = await sharp(u16, { raw: { width: 2, height: 1, channels: 3 } })
      .toColourspace('rgb16')
      .raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
    const view = fromSharpRaw(raw);
    expect([view.format, view.toList()]).toEqual([
      'H',
      [
        [
          [1000, 2000, 3000],
          [65535, 0, 7],
        ],
      ],
    ]);
    view.release();
  });

  test('a packed NativeBuffer goes to sharp in place and is held until the pipeline settles', async () => {
    const nb = NativeBuffer.alloc(6 * 8 * 3, { format: 'B', shape: [6, 8, 3] });
    const pixels = new Uint8Array(nb.buffer);
    pixels.fill(50);
    const pending = withSharp(nb, sharp, (img) => {
      // In place: sharp reads the memory when the pipeline runs, so a write
      // after the image was made is what it reads.
      pixels.fill(77);
      return img.raw().toBuffer({ resolveWithObject: true });
    });
    // libvips reads on its threadpool after the call: no close, not even forced.
    expectCode(() => nb.close(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    expectCode(() => nb.close({ force: true }), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    const out = await pending;
    expect([out.info.width, out.info.height, out.info.channels, out.data.every((b: number) => b === 77)]).toEqual([
      8,
      6,
      3,
      true,
    ]);
    expect(nb.exports).toBe(0);
    nb.close();
  });

  test('a crop, a flip and a transpose are packed once and give the right pixels', async () => {
    const h = 6,
      w = 8;
    const nb = NativeBuffer.alloc(h * w * 3, { format: 'B', shape: [h, w, 3] });
    new Uint8Array(nb.buffer).forEach((_, i, a) => (a[i] = i % 251));
    const whole = memoryview(nb);
    for (const make of [() => whole.slice([1, 5], [2, 7]), () => whole.slice('::-1'), () => whole.transpose(1, 0, 2)]) {
      const view = make();
      const before = view.toBytes();
      const out = await withSharp(view, sharp, (img) => {
        // Packed once: a write to the source after that is not what sharp reads.
        new Uint8Array(nb.buffer).fill(0);
        return img.raw().toBuffer({ resolveWithObject: true });
      });
      expect([out.info.height, out.info.width]).toEqual([view.shape[0], view.shape[1]]);
      expect(Buffer.from(out.data).equals(Buffer.from(before))).toBe(true);
      new Uint8Array(nb.buffer).forEach((_, i, a) => (a[i] = i % 251));
      view.release();
    }
    whole.release();
    nb.close();
  });

  test('bad input: a coded error, and nothing held', async () => {
    expectCode(
      () => fromSharpRaw({ data: new Uint8Array(4), info: { width: 2, height: 2, channels: 1, depth: 'complex' } }),
      'ERR_INVALID_ARG_VALUE',
      'TypeError',
    );
    expectCode(
      () => fromSharpRaw({ data: new Uint8Array(4), info: { width: 2, height: 2, channels: 5 } }),
      'ERR_OUT_OF_RANGE',
      'RangeError',
    );
    expectCode(
      () => fromSharpRaw({ data: new Uint8Array(3), info: { width: 2, height: 2, channels: 1 } }),
      'ERR_OUT_OF_RANGE',
      'RangeError',
    );
    const nb = NativeBuffer.alloc(2 * 2 * 5, { format: 'B', shape: [2, 2, 5] });
    await expect(withSharp(nb, sharp, (img) => img.toBuffer())).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    const q = NativeBuffer.alloc(16, { format: 'q', shape: [1, 2, 1] });
    await expect(withSharp(q, sharp, (img) => img.toBuffer())).rejects.toMatchObject({ code: 'ERR_BUFFER_UNSUPPORTED_FORMAT' });
    expect([nb.exports, q.exports]).toEqual([0, 0]);
    nb.close();
    q.close();
  });
});

describe('scijs ndarray and @stdlib/ndarray', () => {
  const make = () => memoryview(new Float64Array(Array.from({ length: 12 }, (_, i) => i)), { format: 'd', shape: [3, 4] });

  test.each([
    ['scijs', (v: unknown) => toScijs(v, ndarray as never) as { get(...i: number[]): number; set(...a: number[]): void }],
    ['@stdlib', (v: unknown) => toStdlib(v, StdlibNdarray) as { get(...i: number[]): number; set(...a: number[]): void }],
  ])('%s: a flipped transpose converts both ways with no copy', (_name, to) => {
    const base = make();
    const view = base.T.slice(null, '::-1');
    const arr = to(view);
    for (const [i, j] of [
      [0, 0],
      [1, 2],
      [3, 0],
    ] as const)
      expect(arr.get(i, j)).toBe(view.get(i, j));
    arr.set(1, 0, 100);
    expect(view.get(1, 0)).toBe(100);
    const back = _name === 'scijs' ? fromScijs(arr as never) : fromStdlib(arr as never);
    expect(back.toList()).toEqual(view.toList());
    back.set([2, 1], -5);
    expect(arr.get(2, 1)).toBe(-5);
    back.release();
    view.release();
    base.release();
  });

  test('a scijs ndarray is an exporter as it is: getBuffer and memoryview read it with no adapter call', () => {
    const arr = ndarray(new Float32Array(Array.from({ length: 12 }, (_, i) => i)), [3, 4])
      .transpose(1, 0)
      .step(-1);
    expect(checkBuffer(arr)).toBe(true);
    const view = memoryview(arr);
    expect([view.shape, view.format, view.get(0, 0), view.get(3, 2)]).toEqual([[4, 3], 'f', arr.get(0, 0), arr.get(3, 2)]);
    view.set([1, 1], -7);
    expect(arr.get(1, 1)).toBe(-7);
    view.release();
    const info = getBuffer(arr, BufferFlags.STRIDED_RO);
    expect([info.strides, info.obj === arr]).toEqual([[-4, 16], true]);
    info.release();
    // Not the shape of a scijs ndarray: still no exporter.
    expect(checkBuffer({ data: new Float32Array(4), shape: [4], stride: [1], offset: 0 })).toBe(false);
  });

  test('strides that are not whole elements, and memory without a TypedArray, are refused', () => {
    const odd = memoryview(new ArrayBuffer(24), { format: 'd', shape: [2], strides: [12] });
    expectCode(() => toScijs(odd, ndarray as never), 'ERR_BUFFER_UNALIGNED', 'BufferError');
    expectCode(() => fromScijs(ndarray([1, 2, 3]) as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(
      () => toScijs(memoryview(new ArrayBuffer(8), { format: '?' }), ndarray as never),
      'ERR_BUFFER_UNSUPPORTED_FORMAT',
      'BufferError',
    );
    expect(odd.exports).toBe(0);
  });
});

describe('Apache Arrow', () => {
  test('a sliced primitive vector: its values, not offset twice, shared both ways', () => {
    const vector = arrow.makeVector(new Float32Array([1, 2, 3, 4, 5, 6]));
    const { view, validity } = fromArrow(vector.slice(2, 5));
    expect([view.toList(), validity]).toEqual([[3, 4, 5], null]);
    view.set(0, 30);
    expect(vector.get(2)).toBe(30);
    view.release();
  });

  test('validity is returned with the bit offset of the first element', () => {
    const vector = arrow.vectorFromArray([1, null, 3, null, 5], new arrow.Int32());
    const { view, validity } = fromArrow(vector.slice(1));
    expect(view.toList()).toEqual([0, 3, 0, 5]);
    const valid = [0, 1, 2, 3].map(
      (i) => (validity!.bitmap[(validity!.bitOffset + i) >> 3]! >> ((validity!.bitOffset + i) & 7)) & 1,
    );
    expect(valid).toEqual([0, 1, 0, 1]);
    view.release();
  });

  test('a FixedSizeList becomes an N-d view, slices included', () => {
    const child = arrow.makeData({
      type: new arrow.Float32(),
      length: 12,
      data: new Float32Array(Array.from({ length: 12 }, (_, i) => i)),
    });
    const list = arrow.makeVector(
      arrow.makeData({ type: new arrow.FixedSizeList(3, new arrow.Field('x', new arrow.Float32())), length: 4, child }),
    );
    const { view } = fromArrow(list.slice(1, 3));
    expect([view.shape, view.toList()]).toEqual([
      [2, 3],
      [
        [3, 4, 5],
        [6, 7, 8],
      ],
    ]);
    view.release();
  });

  test('an arrow.fixed_shape_tensor column becomes [rows, ...shape], its permutation a transpose', () => {
    const child = arrow.makeData({
      type: new arrow.Float32(),
      length: 12,
      data: new Float32Array(Array.from({ length: 12 }, (_, i) => i)),
    });
    const type = new arrow.FixedSizeList(6, new arrow.Field('item', new arrow.Float32()));
    const vector = arrow.makeVector(arrow.makeData({ type, length: 2, child }));
    const field = (metadata: object) =>
      new arrow.Field(
        't',
        type,
        false,
        new Map([
          ['ARROW:extension:name', 'arrow.fixed_shape_tensor'],
          ['ARROW:extension:metadata', JSON.stringify(metadata)],
        ]),
      );
    const plain = fromArrowTensor(vector, field({ shape: [2, 3] })).view;
    expect([plain.shape, plain.get(1, 1, 2)]).toEqual([[2, 2, 3], 11]);
    // Stored as [3, 2] (permutation [1, 0]): logical [i, j] is stored at [j, i].
    const permuted = fromArrowTensor(vector, field({ shape: [2, 3], permutation: [1, 0] })).view;
    expect(permuted.toList()).toEqual([
      [
        [0, 2, 4],
        [1, 3, 5],
      ],
      [
        [6, 8, 10],
        [7, 9, 11],
      ],
    ]);
    plain.set([0, 0, 1], 40);
    expect(vector.get(0)!.get(1)).toBe(40);
    expectCode(() => fromArrowTensor(vector, field({ shape: [4, 4] })), 'ERR_BUFFER_STRUCTURE_MISMATCH', 'BufferError');
    expectCode(() => fromArrowTensor(vector, new arrow.Field('t', type)), 'ERR_BUFFER_STRUCTURE_MISMATCH', 'BufferError');
    plain.release();
    permuted.release();
  });

  test('a contiguous view becomes a vector over the same memory', () => {
    const data = new Float64Array([1, 2, 3, 4]);
    const view = memoryview(data, { format: 'd' }).slice([1, 3]);
    const vector = toArrow(view, arrow) as arrow.Vector;
    data[1] = 20;
    expect([vector.type.toString(), [...vector.toArray()]]).toEqual(['Float64', [20, 3]]);
    view.release();
  });

  test('several chunks, booleans, strided views: refused with their codes', () => {
    const chunked = new arrow.Vector([
      arrow.makeData({ type: new arrow.Int32(), length: 1, data: new Int32Array([1]) }),
      arrow.makeData({ type: new arrow.Int32(), length: 1, data: new Int32Array([2]) }),
    ]);
    expectCode(() => fromArrow(chunked), 'ERR_BUFFER_STRUCTURE_MISMATCH', 'BufferError');
    expectCode(() => fromArrow(arrow.vectorFromArray([true, false])), 'ERR_BUFFER_UNSUPPORTED_FORMAT', 'BufferError');
    expectCode(
      () => toArrow(memoryview(new Float64Array(4), { format: 'd' }).slice('::2'), arrow),
      'ERR_BUFFER_NOT_C_CONTIGUOUS',
      'BufferError',
    );
  });
});

describe('onnxruntime-node', () => {
  // onnxruntime's native side makes output TypedArrays in the main realm,
  // which its own Tensor refuses inside jest's sandbox: the inference runs
  // in a child process (test/fixtures/ort-inference.js).
  test('a view feeds a real inference (a one-node Mul graph) with no copy, and the output is a view', () => {
    const child = runFixture('ort-inference');
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(jsonLines(child.stdout)).toEqual([
      { sharedInput: 10, output: [20, 5, -6, 8], shape: [4], sharedOutput: 0 },
      // A sharp image through imageToTensor and the model: every pixel's planes, times 2.
      { dims: [1, 3, 3, 4], planes: [[0.4], [0.8], [2]] },
    ]);
  });

  test('strided views, unsupported types and string tensors: refused with their codes', () => {
    const ort = require('onnxruntime-node') as { Tensor: new (type: string, data: unknown, dims: readonly number[]) => never };
    expectCode(
      () => toOrtTensor(memoryview(new Float32Array(8), { format: 'f' }).slice('::2'), ort),
      'ERR_BUFFER_NOT_C_CONTIGUOUS',
      'BufferError',
    );
    expectCode(
      () => toOrtTensor(memoryview(new ArrayBuffer(8), { format: '2i' }), ort),
      'ERR_BUFFER_UNSUPPORTED_FORMAT',
      'BufferError',
    );
    expectCode(() => fromOrtTensor(new ort.Tensor('string', ['a', 'b'], [2])), 'ERR_BUFFER_UNSUPPORTED_FORMAT', 'BufferError');
    expectCode(() => toOrtTensor(new Float32Array(2), {} as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });
});

describe('@napi-rs/canvas', () => {
  test('ImageData becomes a [h, w, 4] view and back, over the same memory', () => {
    const ctx = canvas.createCanvas(3, 2).getContext('2d');
    ctx.fillStyle = 'rgb(10, 20, 30)';
    ctx.fillRect(0, 0, 3, 2);
    const image = ctx.getImageData(0, 0, 3, 2);
    const view = fromImageData(image);
    expect([view.shape, view.get(1, 2, 0), view.get(1, 2, 2), view.get(1, 2, 3)]).toEqual([[2, 3, 4], 10, 30, 255]);
    view.set([0, 0, 1], 99);
    expect(image.data[1]).toBe(99);
    const back = toImageData(view, canvas);
    expect([back.width, back.height, back.data.buffer === image.data.buffer]).toEqual([3, 2, true]);
    ctx.putImageData(back, 0, 0);
    expect(Array.from(ctx.getImageData(0, 0, 1, 1).data)).toEqual([10, 99, 30, 255]);
    view.release();
  });

  test('a strided view or another shape is refused with its code', () => {
    const flipped = memoryview(new Uint8Array(2 * 3 * 4), { format: 'B', shape: [2, 3, 4] }).slice('::-1');
    expectCode(() => toImageData(flipped, canvas), 'ERR_BUFFER_NOT_C_CONTIGUOUS', 'BufferError');
    expectCode(
      () => toImageData(memoryview(new Uint8Array(12), { format: 'B', shape: [2, 2, 3] }), canvas),
      'ERR_BUFFER_STRUCTURE_MISMATCH',
      'BufferError',
    );
    expect(flipped.exports).toBe(0);
  });
});

describe('imageToTensor', () => {
  // The JavaScript loop image-model code writes by hand, as the reference.
  function reference(
    view: ReturnType<typeof memoryview>,
    planar: boolean,
    scale: number,
    mean: number[],
    std: number[],
  ): number[] {
    const [h, w, c] = view.shape as [number, number, number];
    const out = new Float32Array(h * w * c);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) {
          const v = Math.fround(
            Math.fround((view.get(y, x, k) as number) * Math.fround(scale / std[k]!)) + Math.fround(-mean[k]! / std[k]!),
          );
          out[planar ? k * h * w + y * w + x : (y * w + x) * c + k] = v;
        }
    return Array.from(out);
  }

  test.each([
    ['NCHW', true],
    ['NHWC', false],
  ] as const)(
    '%s from a cropped, flipped RGBA image with its alpha sliced off, as the JavaScript loop gives',
    (layout, planar) => {
      const nb = NativeBuffer.alloc(9 * 7 * 4, { format: 'B', shape: [9, 7, 4] });
      new Uint8Array(nb.buffer).forEach((_, i, a) => (a[i] = (i * 37) % 256));
      const whole = memoryview(nb);
      const view = whole.slice([1, 8], '::-1', [0, 3]);
      const mean = [0.485, 0.456, 0.406];
      const std = [0.229, 0.224, 0.225];
      const out = imageToTensor(view, { layout, mean, std }) as Float32Array;
      expect(Array.from(out)).toEqual(reference(view, planar, 1 / 255, mean, std));
      view.release();
      whole.release();
      expect(nb.exports).toBe(0);
      nb.close();
    },
  );

  test('writes into a given array, and refuses a short one, another shape or format', () => {
    const image = memoryview(new Uint8Array([0, 255, 51, 102]), { format: 'B', shape: [1, 2, 2] });
    const out = new Float32Array(4);
    expect(imageToTensor(image, { out })).toBe(out);
    // float32 arithmetic, as the kernel does it: x * fround(1 / 255).
    const k = Math.fround(1 / 255);
    expect(Array.from(out)).toEqual([0, 51, 255, 102].map((x) => Math.fround(x * k)));
    expectCode(() => imageToTensor(image, { out: new Float32Array(3) }), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(
      () => imageToTensor(memoryview(new Uint8Array(4), { format: 'B', shape: [2, 2] })),
      'ERR_BUFFER_STRUCTURE_MISMATCH',
      'BufferError',
    );
    expectCode(
      () => imageToTensor(memoryview(new Float32Array(4), { shape: [1, 2, 2] })),
      'ERR_BUFFER_STRUCTURE_MISMATCH',
      'BufferError',
    );
    expectCode(() => imageToTensor(image, { mean: [0] }), 'ERR_OUT_OF_RANGE', 'RangeError');
    expect(image.exports).toBe(0);
  });
});

describe('every adapter refuses a closed or detached source', () => {
  test.each([
    ['toScijs', (v: unknown) => toScijs(v, ndarray as never)],
    ['toStdlib', (v: unknown) => toStdlib(v, StdlibNdarray)],
    ['toArrow', (v: unknown) => toArrow(v, arrow)],
    ['toImageData', (v: unknown) => toImageData(v, canvas)],
    ['imageToTensor', (v: unknown) => imageToTensor(v)],
  ])('%s', (_name, convert) => {
    const nb = NativeBuffer.alloc(16, { format: 'B', shape: [2, 2, 4] });
    nb.close();
    expectCode(() => convert(nb), 'ERR_BUFFER_RELEASED', 'BufferError');
    const plain = new Uint8Array(16);
    const view = memoryview(plain, { format: 'B', shape: [2, 2, 4] });
    structuredClone(plain.buffer, { transfer: [plain.buffer] });
    expectCode(() => convert(view), 'ERR_BUFFER_RELEASED', 'BufferError');
  });

  test('withSharp', async () => {
    const nb = NativeBuffer.alloc(12, { format: 'B', shape: [2, 2, 3] });
    nb.close();
    await expect(withSharp(nb, sharp, (img) => img.toBuffer())).rejects.toMatchObject({ code: 'ERR_BUFFER_RELEASED' });
  });
});
