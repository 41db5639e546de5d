// Reading and writing a memoryview's items. Items that are aligned and in
// host byte order are read through one TypedArray over the whole block;
// others through a DataView. get()'s own fast path (memory-view.ts) reads
// items that are TypedArray elements; itemPlace serves the others with no
// array per call; anything else (wrapping, errors) goes the general way.
import { BufferError, invalidArgType } from '../errors';
import { memoryGone } from '../internal/memory';
import { packedZeros } from '../internal/validate';
import { checkIndex } from '../layout/slice-key';
import { codecFor, type Item, type ItemCodec } from './items';
import { releasedView, type ManagedBuffer } from './managed-buffer';
import type { ViewLayout } from './transforms';

/** How a view reads its items, decided on first use. */
export interface ItemAccess {
  readonly codec: ItemCodec | null;
  /** A TypedArray over the whole block, when items are aligned and in host order. */
  readonly elements: ArrayLike<number | bigint> | null;
}

/**
 * The byte offset of item (i, j, k) of a 1- to 3-D view (fewer indices for
 * fewer dimensions), or -1 for anything but that many in-range,
 * non-negative integers (which the general path wraps or refuses).
 */
export function itemPlace(v: ViewLayout, i: unknown, j: unknown, k: unknown): number {
  const { ndim, shape, strides } = v;
  if (ndim < 1 || ndim > 3 || typeof i !== 'number' || i >>> 0 !== i || i >= shape[0]!) return -1;
  const at = v.byteOffset + i * strides[0]!;
  if (ndim === 1) return j === undefined && k === undefined ? at : -1;
  if (typeof j !== 'number' || j >>> 0 !== j || j >= shape[1]!) return -1;
  if (ndim === 2) return k === undefined ? at + j * strides[1]! : -1;
  if (typeof k !== 'number' || k >>> 0 !== k || k >= shape[2]!) return -1;
  return at + j * strides[1]! + k * strides[2]!;
}

function aligned(v: ViewLayout, size: number): boolean {
  if (v.byteOffset % size !== 0) return false;
  for (let i = 0; i < v.shape.length; i++) {
    if (v.shape[i]! > 1 && v.strides[i]! % size !== 0) return false;
  }
  return true;
}

/** Item access for a view, set up on its first item read. */
export function itemAccess(v: ViewLayout, mbuf: ManagedBuffer): ItemAccess {
  const codec = codecFor(v.format);
  const elements =
    codec !== null && codec.nativeOrder && aligned(v, codec.size)
      ? (mbuf.elements(codec) as unknown as ArrayLike<number | bigint> | null)
      : null;
  return { codec, elements };
}

/** The codec of a view's items. @throws ERR_BUFFER_UNSUPPORTED_FORMAT for multi-item formats. */
export function codecOf(access: ItemAccess, v: ViewLayout): ItemCodec {
  if (access.codec === null) {
    throw new BufferError('ERR_BUFFER_UNSUPPORTED_FORMAT', `memoryview: unsupported format ${v.format}`);
  }
  return access.codec;
}

/** One index per dimension, each checked and wrapped: `what` names the caller in messages. */
export function checkedIndex(v: ViewLayout, index: ArrayLike<unknown>, what: string): number[] {
  const ndim = v.shape.length;
  if (index.length !== ndim) {
    if (ndim === 0) throw invalidArgType('index', `nothing: ${what} of a 0-dim view takes no index`, index.length);
    throw invalidArgType('index', `${ndim} integer${ndim === 1 ? '' : 's'} for a ${ndim}-dimension view`, index.length);
  }
  const out = packedZeros(ndim);
  for (let i = 0; i < ndim; i++) out[i] = checkIndex(index[i], v.shape[i]!, i);
  return out;
}

/** The byte offset of the item at already-checked indices. */
export function offsetOf(v: ViewLayout, index: ArrayLike<number>): number {
  let offset = v.byteOffset;
  for (let i = 0; i < index.length; i++) offset += index[i]! * v.strides[i]!;
  return offset;
}

export function readItem(access: ItemAccess, mbuf: ManagedBuffer, v: ViewLayout, codec: ItemCodec, offset: number): Item {
  const elements = access.elements;
  if (elements !== null) {
    const raw = elements[offset / codec.size];
    // A detached block's array reads undefined.
    if (raw === undefined) throw releasedView();
    return codec.fromRaw(raw);
  }
  if (mbuf.released || memoryGone(v.buffer, v.len)) throw releasedView();
  return codec.read(mbuf.dataView(), offset);
}

export function writeItem(
  access: ItemAccess,
  mbuf: ManagedBuffer,
  v: ViewLayout,
  codec: ItemCodec,
  offset: number,
  value: Item,
): void {
  const elements = access.elements;
  if (elements !== null) {
    // A detached block's array has no elements.
    if (offset / codec.size >= elements.length) throw releasedView();
    (elements as unknown as Record<number, number | bigint>)[offset / codec.size] = codec.toRaw(value);
    return;
  }
  if (memoryGone(v.buffer, v.len)) throw releasedView();
  codec.write(mbuf.dataView(), offset, value);
}

/** The nested array `toList()` returns: items, arrays of items, ... */
export type NestedList = Item | NestedList[];

/** toList(): the items as nested arrays (a 0-d view gives the item itself). */
export function listOf(access: ItemAccess, mbuf: ManagedBuffer, v: ViewLayout, codec: ItemCodec): NestedList {
  const { shape, strides } = v;
  if (memoryGone(v.buffer, v.len)) throw releasedView();
  const fast = access.elements;
  const dv = fast === null ? mbuf.dataView() : null;
  const size = codec.size;
  const leaf = (offset: number, n: number, stride: number): Item[] => {
    const out = new Array<Item>(n);
    if (fast !== null) {
      const step = stride / size;
      let k = offset / size;
      if (codec.valueArray !== null) {
        for (let i = 0; i < n; i++, k += step) out[i] = fast[k] as Item;
      } else {
        for (let i = 0; i < n; i++, k += step) out[i] = codec.fromRaw(fast[k]!);
      }
    } else {
      for (let i = 0; i < n; i++, offset += stride) out[i] = codec.read(dv!, offset);
    }
    return out;
  };
  const walk = (dim: number, offset: number): NestedList => {
    if (dim === shape.length - 1) return leaf(offset, shape[dim]!, strides[dim]!);
    const out = new Array<NestedList>(shape[dim]!);
    for (let i = 0; i < shape[dim]!; i++) out[i] = walk(dim + 1, offset + i * strides[dim]!);
    return out;
  };
  if (shape.length === 0) return readItem(access, mbuf, v, codec, v.byteOffset);
  return walk(0, v.byteOffset);
}

/** typed(): a zero-copy TypedArray over a C-contiguous, aligned, host-order view, or the reason why not. */
export function typedOf(v: ViewLayout, byteOffset: number): ArrayBufferView {
  const codec = codecFor(v.format);
  const ctor =
    codec?.valueArray ??
    (codec?.kind === 'f16' ? (globalThis as { Float16Array?: typeof Float32Array }).Float16Array : undefined);
  if (codec === null || ctor === undefined || ctor === null) {
    throw new BufferError('ERR_BUFFER_UNSUPPORTED_FORMAT', `memoryview: no TypedArray holds items of format ${v.format}`);
  }
  if (!v.cContiguous) throw new BufferError('ERR_BUFFER_NOT_C_CONTIGUOUS', 'memoryview: typed() needs a C-contiguous view');
  if (!codec.nativeOrder) {
    throw new BufferError('ERR_BUFFER_NOT_NATIVE_ORDER', `memoryview: format ${v.format} is not in host byte order`);
  }
  if (byteOffset % codec.size !== 0) {
    throw new BufferError('ERR_BUFFER_UNALIGNED', `memoryview: byte offset ${byteOffset} is not a multiple of ${codec.size}`);
  }
  return new ctor(v.buffer as ArrayBuffer, byteOffset, v.len / codec.size);
}
