// Apache Arrow JS vectors as views and back. Arrow is an optional peer: the
// caller passes the `apache-arrow` module it holds.
//
// Facts (../shared/reference/interop.md §4): a slice already applies its
// offset to `values`, while `data.offset` still applies to the null bitmap;
// booleans are bit-packed; FixedSizeList keeps its elements in
// `children[0]`, sliced with the parent (child offset = offset * listSize).
import { BufferError, invalidArgType } from '../errors';
import { BufferFlags } from '../flags';
import { typedArrayFormat } from '../export/builtin';
import { getBuffer } from '../export/get-buffer';
import { memoryview, type MemoryView } from '../index';
import { typedClassOf } from './typed-class';

/** One chunk of an Arrow vector, as apache-arrow's `Data` has it. */
interface ArrowData {
  readonly type: { readonly typeId: number; readonly listSize?: number; readonly children?: unknown[] };
  readonly offset: number;
  readonly length: number;
  readonly nullCount: number;
  readonly stride: number;
  readonly values: ArrayBufferView | undefined;
  readonly nullBitmap: Uint8Array | undefined;
  readonly children: ArrowData[];
}

/** A view of an Arrow vector, with its validity. */
export interface ArrowView {
  /** The values: 1-D for a primitive vector, N-d for FixedSizeList (nested) or a fixed_shape_tensor. */
  readonly view: MemoryView;
  /**
   * The validity bitmap (LSB first, 1 = valid) and the bit of the first
   * element in it, or null when every element is valid.
   */
  readonly validity: { readonly bitmap: Uint8Array; readonly bitOffset: number } | null;
}

function chunkOf(vector: unknown): ArrowData {
  const chunks = (vector as { data?: unknown }).data;
  if (!Array.isArray(chunks)) throw invalidArgType('vector', 'an apache-arrow Vector', vector);
  if (chunks.length !== 1) {
    throw new BufferError(
      'ERR_BUFFER_STRUCTURE_MISMATCH',
      `the vector has ${chunks.length} chunks; a view is one block of memory: convert each of vector.data with fromArrow(makeVector(chunk)), or combine them first`,
    );
  }
  return chunks[0] as ArrowData;
}

/**
 * A view of a single-chunk Arrow vector's values, with no copy: a
 * primitive vector as 1-D, a FixedSizeList (nested lists too) as N-d with
 * the list sizes as inner dimensions. Validity is returned, not dropped.
 * @throws {BufferError} ERR_BUFFER_STRUCTURE_MISMATCH for several chunks;
 *   ERR_BUFFER_UNSUPPORTED_FORMAT for types without a fixed-size value buffer
 *   (strings, booleans, which are bit-packed, dictionaries).
 */
export function fromArrow(vector: unknown): ArrowView {
  const top = chunkOf(vector);
  const shape: number[] = [top.length];
  let data = top;
  // FixedSizeList: the elements are the child's, offset by the parent's slots.
  let childOffset = 0;
  while (data.values === undefined && data.children?.length === 1 && typeof data.type.listSize === 'number') {
    const size = data.type.listSize;
    childOffset = (childOffset + data.offset) * size;
    shape.push(size);
    data = data.children[0]!;
  }
  const values = data.values;
  const format = values === undefined ? undefined : typedArrayFormat(values);
  if (values === undefined || format === undefined || data.stride !== 1 || data.type.typeId === 6 /* Bool */) {
    throw new BufferError(
      'ERR_BUFFER_UNSUPPORTED_FORMAT',
      'only vectors of fixed-size numbers (and FixedSizeLists of them) have a value buffer a view can share',
    );
  }
  const itemsize = (values as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  // `values` of a sliced child starts at the child's own data.offset; the
  // list's offset selects further into it.
  const start = values.byteOffset + (shape.length > 1 ? (childOffset - data.offset) * itemsize : 0);
  const view = memoryview(values.buffer, { format, shape, byteOffset: start });
  const bitmap = top.nullBitmap;
  const validity = top.nullCount > 0 && bitmap !== undefined && bitmap.length > 0 ? { bitmap, bitOffset: top.offset } : null;
  return { view, validity };
}

/** The part of the apache-arrow module this adapter calls. */
export interface ArrowModule {
  makeVector(values: ArrayBufferView): unknown;
}

/**
 * An Arrow vector over a C-contiguous 1-D view's memory, with no copy
 * (makeVector keeps the TypedArray by reference). The vector holds no
 * export: close the view's owner only when Arrow is done with it.
 * @throws {BufferError} ERR_BUFFER_NOT_C_CONTIGUOUS for strided views (use toContiguous first);
 *   ERR_BUFFER_UNSUPPORTED_FORMAT for formats Arrow has no type for here.
 */
export function toArrow(view: unknown, arrow: ArrowModule): unknown {
  if (typeof arrow !== 'object' || arrow === null || typeof arrow.makeVector !== 'function') {
    throw invalidArgType('arrow', "the apache-arrow module (require('apache-arrow'))", arrow);
  }
  const info = getBuffer(view, BufferFlags.C_CONTIGUOUS | BufferFlags.FORMAT);
  try {
    const typed = typedClassOf(info.format);
    // Arrow's booleans are bit-packed, and its Float16 would not know these as halves.
    if (typed === null || typed.kind === 'bool' || typed.kind === 'f16' || info.ndim > 1) {
      throw new BufferError(
        'ERR_BUFFER_UNSUPPORTED_FORMAT',
        `a 1-D view of one of b B h H i I q Q f d in host byte order becomes an Arrow vector; got '${info.format}' with ${info.ndim} dimensions`,
      );
    }
    if (info.byteOffset % info.itemsize !== 0)
      throw new BufferError('ERR_BUFFER_UNALIGNED', 'Arrow values must start at a whole item');
    return arrow.makeVector(new typed.ctor(info.buffer, info.byteOffset, info.len / info.itemsize));
  } finally {
    info.release();
  }
}

/** The part of an apache-arrow Field this adapter reads: its metadata. */
export interface ArrowField {
  readonly metadata: ReadonlyMap<string, string>;
}

/**
 * A column of the canonical `arrow.fixed_shape_tensor` extension type as an
 * N-d view `[rows, ...shape]`, with no copy. apache-arrow JS keeps extension
 * types only as field metadata, so the field (`table.schema.fields[i]`)
 * comes with the vector. A `permutation` in the metadata (the order in
 * which the logical dimensions are laid out) comes back as a transposed
 * view of the same memory.
 * @throws {BufferError} ERR_BUFFER_STRUCTURE_MISMATCH when the field is not a
 *   fixed_shape_tensor or the list size is not the product of its shape.
 */
export function fromArrowTensor(vector: unknown, field: ArrowField): ArrowView {
  const metadata = field?.metadata;
  if (typeof metadata?.get !== 'function' || metadata.get('ARROW:extension:name') !== 'arrow.fixed_shape_tensor') {
    throw new BufferError('ERR_BUFFER_STRUCTURE_MISMATCH', "the field is not of the extension type 'arrow.fixed_shape_tensor'");
  }
  let params: { shape?: unknown; permutation?: unknown };
  try {
    params = JSON.parse(metadata.get('ARROW:extension:metadata') ?? '{}') as typeof params;
  } catch (error) {
    throw new BufferError('ERR_BUFFER_STRUCTURE_MISMATCH', 'the tensor metadata is not JSON', { cause: error });
  }
  const shape = params.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new BufferError('ERR_BUFFER_STRUCTURE_MISMATCH', 'the tensor metadata has no shape of non-negative integers');
  }
  const permutation = (params.permutation ?? shape.map((_, i) => i)) as number[];
  const { view: flat, validity } = fromArrow(vector);
  try {
    if (flat.ndim !== 2 || flat.shape[1] !== shape.reduce((a: number, b: number) => a * b, 1)) {
      throw new BufferError(
        'ERR_BUFFER_STRUCTURE_MISMATCH',
        `cells of ${flat.shape[1]} values are not tensors of shape ${JSON.stringify(shape)}`,
      );
    }
    // The cells are stored in the permuted order: lay them out so, then
    // transpose back to the logical dimensions.
    const physical = permutation.map((p) => shape[p] as number);
    const stored = memoryview(flat, { shape: [flat.shape[0]!, ...physical] });
    const inverse = permutation.map((_, i) => permutation.indexOf(i) + 1);
    const view = permutation.every((p, i) => p === i) ? stored : stored.transpose(0, ...inverse);
    if (view !== stored) stored.release();
    return { view, validity };
  } finally {
    flat.release();
  }
}
