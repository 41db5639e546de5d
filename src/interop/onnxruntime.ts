// onnxruntime-node tensors as views and back. onnxruntime is an optional
// peer: the caller passes the module it holds (`toOrtTensor(view, ort)`).
//
// Facts (../shared/reference/interop.md §6.1): a Tensor keeps the caller's
// TypedArray (inputs are zero-copy), takes no strides (dims are dense,
// row-major), and `session.run` reads inputs synchronously on the
// JavaScript thread in the released builds.
import { BufferError, invalidArgType } from '../errors';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { memoryview, type MemoryView } from '../index';

type TypedCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView;

// ORT tensor types with a struct format: [type, format, TypedArray].
const TYPES: ReadonlyArray<readonly [string, string, TypedCtor]> = [
  ['float32', 'f', Float32Array],
  ['float64', 'd', Float64Array],
  ['int8', 'b', Int8Array],
  ['uint8', 'B', Uint8Array],
  ['int16', 'h', Int16Array],
  ['uint16', 'H', Uint16Array],
  ['int32', 'i', Int32Array],
  ['uint32', 'I', Uint32Array],
  ['int64', 'q', BigInt64Array],
  ['uint64', 'Q', BigUint64Array],
  ['bool', '?', Uint8Array],
  ['float16', 'e', Uint16Array],
];
const BY_FORMAT = new Map(TYPES.map(([type, format, ctor]) => [format, { type, ctor }]));
const BY_TYPE = new Map(TYPES.map(([type, format]) => [type, format]));

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
    const format = (info.format ?? 'B').replace(/^[@=<]/, '');
    const kind = BY_FORMAT.get(format);
    if (kind === undefined) {
      throw new BufferError(
        'ERR_BUFFER_UNSUPPORTED_FORMAT',
        `'${info.format}' is no onnxruntime tensor type (native-order ${[...BY_FORMAT.keys()].join(' ')})`,
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
    const data = new kind.ctor(info.buffer, info.byteOffset, info.len / info.itemsize);
    return new ort.Tensor(kind.type, data, info.shape ?? [info.len / info.itemsize]);
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
  const format = BY_TYPE.get(tensor.type);
  const data = tensor.data;
  if (format === undefined || !ArrayBuffer.isView(data)) {
    throw new BufferError('ERR_BUFFER_UNSUPPORTED_FORMAT', `a '${tensor.type}' tensor has no struct format here`);
  }
  return memoryview(data.buffer, { format, shape: [...tensor.dims], byteOffset: data.byteOffset });
}
