// onnxruntime-node tensors as views and back. onnxruntime is an optional
// peer: the caller passes the module it holds (`toOrtTensor(view, ort)`).
//
// Facts (../shared/reference/interop.md §6.1): a Tensor keeps the caller's
// TypedArray (inputs are zero-copy), takes no strides (dims are dense,
// row-major), and `session.run` reads inputs synchronously on the
// JavaScript thread in the released builds.
import { BufferError, callNative, invalidArgType, outOfRange } from '../errors';
import { native } from '../native';
import { COMMON_DTYPES, typedClassOf, type TypedKind } from './typed-class';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { memoryview, type MemoryView } from '../index';

// ORT tensor types by item kind, and the struct format of each type.
const ORT_TYPES: Readonly<Record<TypedKind, string>> = {
  ...COMMON_DTYPES,
  i64: 'int64',
  u64: 'uint64',
  bool: 'bool',
  f16: 'float16',
};
const FORMAT_OF_TYPE: Readonly<Record<string, string>> = {
  float32: 'f',
  float64: 'd',
  int8: 'b',
  uint8: 'B',
  int16: 'h',
  uint16: 'H',
  int32: 'i',
  uint32: 'I',
  int64: 'q',
  uint64: 'Q',
  bool: '?',
  float16: 'e',
};

/** The part of the onnxruntime module this adapter calls. */
export interface OrtModule<T> {
  readonly Tensor: new (type: string, data: ArrayBufferView, dims: readonly number[]) => T;
}

/**
 * An `ort.Tensor` over the view's memory, with no copy. The view must be
 * C-contiguous, start at a whole item and hold native-order items of an ORT
 * type (f d b B h H i I q Q ? e). The tensor holds no export: keep the
 * view's owner open until the tensor is no longer used.
 * @throws {BufferError} ERR_BUFFER_NOT_C_CONTIGUOUS (use toContiguous),
 *   ERR_BUFFER_UNALIGNED, ERR_BUFFER_UNSUPPORTED_FORMAT.
 */
export function toOrtTensor<T>(view: unknown, ort: OrtModule<T>): T {
  if (typeof ort !== 'object' || ort === null || typeof ort.Tensor !== 'function') {
    throw invalidArgType('ort', "the onnxruntime-node module (require('onnxruntime-node'))", ort);
  }
  const info = getBuffer(view, BufferFlags.C_CONTIGUOUS | BufferFlags.FORMAT);
  try {
    const typed = typedClassOf(info.format);
    if (typed === null) {
      throw new BufferError(
        'ERR_BUFFER_UNSUPPORTED_FORMAT',
        `'${info.format}' is no onnxruntime tensor type (host-order f d b B h H i I q Q ? e)`,
      );
    }
    if (
      info.buffer instanceof SharedArrayBuffer ||
      Object.prototype.toString.call(info.buffer) === '[object SharedArrayBuffer]'
    ) {
      throw new BufferError(
        'ERR_BUFFER_UNSUPPORTED_FORMAT',
        'onnxruntime refuses TypedArrays over a SharedArrayBuffer ("Invalid argument"); copy the data first',
      );
    }
    if (info.byteOffset % info.itemsize !== 0)
      throw new BufferError('ERR_BUFFER_UNALIGNED', 'a tensor must start at a whole item of its type');
    const data = new typed.ctor(info.buffer, info.byteOffset, info.len / info.itemsize);
    return new ort.Tensor(ORT_TYPES[typed.kind], data, info.shape ?? [info.len / info.itemsize]);
  } finally {
    info.release();
  }
}

/**
 * A view of a CPU tensor's data (`[dims]`, C order), with no copy.
 * @throws {BufferError} ERR_BUFFER_UNSUPPORTED_FORMAT for string tensors and GPU locations.
 */
export function fromOrtTensor(tensor: {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  readonly location?: string;
}): MemoryView {
  if (typeof tensor !== 'object' || tensor === null || typeof tensor.type !== 'string' || !Array.isArray(tensor.dims)) {
    throw invalidArgType('tensor', 'an onnxruntime Tensor', tensor);
  }
  if (tensor.location !== undefined && tensor.location !== 'cpu' && tensor.location !== 'cpu-pinned') {
    throw new BufferError(
      'ERR_BUFFER_UNSUPPORTED_FORMAT',
      `a tensor on '${tensor.location}' has no CPU memory to view; download it first (getData())`,
    );
  }
  const format = FORMAT_OF_TYPE[tensor.type];
  const data = tensor.data;
  if (format === undefined || !ArrayBuffer.isView(data)) {
    throw new BufferError('ERR_BUFFER_UNSUPPORTED_FORMAT', `a '${tensor.type}' tensor has no struct format here`);
  }
  return memoryview(data.buffer, { format, shape: [...tensor.dims], byteOffset: data.byteOffset });
}

/** Options of {@link imageToTensor}. */
export interface ImageToTensorOptions {
  /** NCHW (planes, what most vision models take) or NHWC. @default 'NCHW' */
  readonly layout?: 'NCHW' | 'NHWC';
  /** Only float32 for now. @default 'float32' */
  readonly dtype?: 'float32';
  /** Multiplies each byte first. @default 1 / 255 */
  readonly scale?: number;
  /** Per channel, subtracted after scaling. @default 0 */
  readonly mean?: readonly number[];
  /** Per channel, divides after the mean. @default 1 */
  readonly std?: readonly number[];
  /** Writes into this Float32Array (C order, `channels * height * width` floats) instead of a new one. */
  readonly out?: Float32Array;
}

/**
 * The pre-processing every image-model user writes by hand, in one native
 * pass: a `'B'` image `[height, width, channels]` in any strides (a crop, a
 * flip, an RGBA image with its alpha sliced off) becomes
 * `((x * scale) - mean[c]) / std[c]` as float32, planar (NCHW) or
 * interleaved (NHWC). With `ort`, the result is an `ort.Tensor` of dims
 * `[1, c, h, w]` or `[1, h, w, c]` over the output (no further copy);
 * without, the Float32Array itself.
 * @throws {BufferError} ERR_BUFFER_STRUCTURE_MISMATCH for another shape or format.
 * @throws {RangeError} ERR_OUT_OF_RANGE for an `out` too small, or mean/std of the wrong length.
 */
export function imageToTensor<T>(view: unknown, options: ImageToTensorOptions = {}, ort?: OrtModule<T>): T | Float32Array {
  const layout = options.layout ?? 'NCHW';
  if (layout !== 'NCHW' && layout !== 'NHWC') throw outOfRange('options.layout', "'NCHW' or 'NHWC'", layout);
  if ((options.dtype ?? 'float32') !== 'float32') throw outOfRange('options.dtype', "'float32'", options.dtype);
  const info = getBuffer(view, BufferFlags.RECORDS_RO);
  try {
    const shape = info.shape ?? [];
    if (info.itemsize !== 1 || (info.format !== null && info.format.replace(/^[@=<>!]/, '') !== 'B') || shape.length !== 3) {
      throw new BufferError(
        'ERR_BUFFER_STRUCTURE_MISMATCH',
        `an image is [height, width, channels] of 'B'; got ${JSON.stringify(info.shape)} of '${info.format}'`,
      );
    }
    if (Object.prototype.toString.call(info.buffer) !== '[object ArrayBuffer]') {
      throw new BufferError(
        'ERR_BUFFER_UNSUPPORTED_FORMAT',
        'imageToTensor reads ArrayBuffer memory (a SharedArrayBuffer image: copy it first)',
      );
    }
    const [h, w, c] = shape as [number, number, number];
    const scale = options.scale ?? 1 / 255;
    const mean = options.mean ?? new Array<number>(c).fill(0);
    const std = options.std ?? new Array<number>(c).fill(1);
    if (mean.length !== c || std.length !== c)
      throw outOfRange('options.mean/std', `${c} values, one per channel`, `${mean.length}/${std.length}`);
    const out = options.out ?? new Float32Array(h * w * c);
    if (!(out instanceof Float32Array) && Object.prototype.toString.call(out) !== '[object Float32Array]') {
      throw invalidArgType('options.out', 'a Float32Array', out);
    }
    if (out.length < h * w * c) throw outOfRange('options.out.length', `at least ${h * w * c}`, out.length);
    callNative(() =>
      native.core.normalizeImage(
        info.buffer as ArrayBuffer,
        info.byteOffset,
        shape,
        info.strides ?? [w * c, c, 1],
        out.buffer as ArrayBuffer,
        out.byteOffset,
        layout === 'NCHW',
        std.map((s) => scale / s),
        mean.map((m, k) => -m / std[k]!),
      ),
    );
    if (ort === undefined) return out;
    return new ort.Tensor('float32', out.subarray(0, h * w * c), layout === 'NCHW' ? [1, c, h, w] : [1, h, w, c]);
  } finally {
    info.release();
  }
}
