// Whole-view operations over validated layouts: contiguous copies, item
// copies with memmove semantics, value comparison and hex. They loop in
// JavaScript over byte offsets; every layout here was checked against its
// memory when its view was made.
//
// Temporaries and the arrays that write memory are made with the built-ins
// captured in primordials, never this realm's Uint8Array, slice or set:
// a replaced one could capture a private copy (which I/O then hands to the
// threadpool) or stand in for it.
import { packedZeros } from '../internal/validate';
import { types } from 'node:util';
import { callNative } from '../errors';
import { copyInto, privateBytes, privateView, typedArrayBufferOf, typedArrayByteOffsetOf } from '../internal/primordials';
import { nativeCore } from '../internal/native-core';
import { unpackerFor, type Unpacked } from './struct-fields';
import { contiguousStrides, isCContiguousLayout, type Placed } from '../layout/layout';
import { native } from '../native';

/** Where a layout's items lie: what copies and overlap checks read of a layout. */
type StridedItems = Pick<Placed, 'buffer' | 'byteOffset' | 'itemsize' | 'shape' | 'strides'>;

// Below this many bytes the JavaScript loops beat the cost of a native call
// (measured: bench/memoryview.js).
const NATIVE_COPY_BYTES = 16 * 1024;

const { isArrayBuffer } = types;
// What toBytes() hands the caller: this realm's class, as it was at load.
const PublicUint8Array = Uint8Array;

/** [first byte, one past the last byte] the items of a layout touch. */
export function byteRange(v: {
  byteOffset: number;
  shape: readonly number[];
  strides: readonly number[];
  itemsize: number;
}): [number, number] {
  let lo = v.byteOffset;
  let hi = v.byteOffset;
  for (let i = 0; i < v.shape.length; i++) {
    const n = v.shape[i]!;
    if (n === 0) return [v.byteOffset, v.byteOffset];
    const extent = v.strides[i]! * (n - 1);
    if (extent < 0) lo += extent;
    else hi += extent;
  }
  return [lo, hi + v.itemsize];
}

/** Calls visit(offset) for every item, in C order (or Fortran order). */
export function forEachOffset(
  v: { byteOffset: number; shape: readonly number[]; strides: readonly number[] },
  fortran: boolean,
  visit: (offset: number) => void,
): void {
  const ndim = v.shape.length;
  if (ndim === 0) {
    visit(v.byteOffset);
    return;
  }
  if (v.shape.includes(0)) return;
  // Walk dimensions from the fastest-varying one: the last for C, the first for F.
  const order = [...Array(ndim).keys()];
  if (!fortran) order.reverse();
  const inner = order[0]!;
  const innerN = v.shape[inner]!;
  const innerStride = v.strides[inner]!;
  const counter = packedZeros(ndim);
  let base = v.byteOffset;
  for (;;) {
    for (let i = 0, o = base; i < innerN; i++, o += innerStride) visit(o);
    let k = 1;
    for (; k < ndim; k++) {
      const d = order[k]!;
      counter[d]!++;
      base += v.strides[d]!;
      if (counter[d]! < v.shape[d]!) break;
      base -= v.strides[d]! * v.shape[d]!;
      counter[d] = 0;
    }
    if (k === ndim) return;
  }
}

/**
 * Calls visit(a, b) for every index of `shape`, with the item offsets in
 * two layouts of that shape, in C order. No per-item storage: views of
 * hundreds of millions of items walk in constant memory.
 */
export function forEachOffsetPair(
  shape: readonly number[],
  a: { byteOffset: number; strides: readonly number[] },
  b: { byteOffset: number; strides: readonly number[] },
  visit: (oa: number, ob: number) => boolean | void,
): void {
  const ndim = shape.length;
  if (shape.includes(0)) return;
  if (ndim === 0) {
    visit(a.byteOffset, b.byteOffset);
    return;
  }
  const last = ndim - 1;
  const n = shape[last]!;
  const sa = a.strides[last]!;
  const sb = b.strides[last]!;
  const counter = packedZeros(ndim);
  let baseA = a.byteOffset;
  let baseB = b.byteOffset;
  for (;;) {
    for (let i = 0, oa = baseA, ob = baseB; i < n; i++, oa += sa, ob += sb) {
      if (visit(oa, ob) === false) return;
    }
    let d = last - 1;
    for (; d >= 0; d--) {
      counter[d]!++;
      baseA += a.strides[d]!;
      baseB += b.strides[d]!;
      if (counter[d]! < shape[d]!) break;
      baseA -= a.strides[d]! * shape[d]!;
      baseB -= b.strides[d]! * shape[d]!;
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Writes the items of `v` into `out` (v.len bytes, private or not yet handed out) in C (or Fortran) order. */
function gather(v: Placed, fortran: boolean, out: Uint8Array): void {
  if (fortran ? v.fContiguous : v.cContiguous) {
    copyInto(out, privateView(v.buffer, v.byteOffset, v.len));
    return;
  }
  const size = v.itemsize;
  if (v.len >= NATIVE_COPY_BYTES && isArrayBuffer(v.buffer)) {
    const strides = contiguousStrides(v.shape, size, fortran ? 'F' : 'C');
    // `out` may be the caller's array: its memory as the intrinsics see it.
    const memory = typedArrayBufferOf(out) as ArrayBuffer;
    const at = typedArrayByteOffsetOf(out);
    callNative(() => native.core.copyItems(memory, at, strides, v.buffer as ArrayBuffer, v.byteOffset, v.strides, v.shape, size));
    return;
  }
  const src = privateView(v.buffer);
  let k = 0;
  if (size === 1) {
    forEachOffset(v, fortran, (o) => {
      out[k++] = src[o]!;
    });
  } else {
    forEachOffset(v, fortran, (o) => {
      for (let b = 0; b < size; b++) out[k++] = src[o + b]!;
    });
  }
}

/**
 * PyBuffer_FromContiguous into a destination that is not contiguous in
 * that order: whole items of the packed `src` written into the items of
 * `v` in C (or Fortran) order, as many as `src` holds; returns the bytes
 * written. CPython copies item by item, in order, so a destination whose
 * items share bytes, or a source that lies in the destination's memory,
 * takes the same loop here, and so does a source short of the whole view.
 * Anything else is copyItems.
 */
export function scatter(v: Placed, fortran: boolean, src: Uint8Array): number {
  const size = v.itemsize;
  const items = Math.min(Math.floor(src.length / size), v.len / size);
  if (items === 0) return 0;
  const packed: StridedItems = {
    buffer: src.buffer,
    byteOffset: src.byteOffset,
    itemsize: size,
    shape: v.shape,
    strides: contiguousStrides(v.shape, size, fortran ? 'F' : 'C'),
  };
  // Where the order cannot show, any order will do: copyItems (one native
  // call from 16 KiB of ArrayBuffer memory).
  const arrayBuffers = isArrayBuffer(v.buffer) && isArrayBuffer(src.buffer);
  if (items * size === v.len && !itemsMayOverlap(v) && !sourceOverlaps(v, packed, arrayBuffers)) {
    copyItems(v, packed);
    return v.len;
  }
  const out = privateView(v.buffer);
  let k = src.byteOffset;
  const bytes = privateView(src.buffer);
  // Each item is read whole before it is written, as CPython copies an
  // item: a source item may overlap the destination item it lands on.
  const item = privateBytes(size);
  let written = 0;
  forEachOffset(v, fortran, (offset) => {
    if (written >= items) return;
    for (let b = 0; b < size; b++) item[b] = bytes[k++]!;
    for (let b = 0; b < size; b++) out[offset + b] = item[b]!;
    written++;
  });
  return written * size;
}

/**
 * PyBuffer_ToContiguous: the items' bytes in C (or Fortran) order, as a
 * private copy that no caller code can have seen or replaced: I/O may hand
 * it to the threadpool. Never give it to user code (its class is another
 * realm's); toBytesForUser is the public form.
 */
export function toContiguousBytes(v: Placed, fortran: boolean): Uint8Array {
  const out = privateBytes(v.len);
  if (v.len !== 0) gather(v, fortran, out);
  return out;
}

/** toContiguousBytes as a Uint8Array of this realm, for the caller to keep. */
export function toBytesForUser(v: Placed, fortran: boolean): Uint8Array {
  const out = new PublicUint8Array(v.len);
  if (v.len !== 0) gather(v, fortran, out);
  return out;
}

/**
 * Copies every item of `src` into `dst` (same shape and itemsize, already
 * checked). Overlapping memory reads the source first, as memmove would, so
 * the copy is never partial.
 */
export function copyItems(dst: Placed, src: StridedItems): void {
  const count = dst.len / dst.itemsize;
  if (count === 0) return;
  const size = dst.itemsize;
  const arrayBuffers = isArrayBuffer(dst.buffer) && isArrayBuffer(src.buffer);
  if (arrayBuffers && dst.cContiguous && isCContiguousLayout(src.shape, src.strides, size, dst.len)) {
    // Items in the same order on both sides: one memmove. set() moves by
    // address, so two ArrayBuffers over one block are safe too. (Between
    // SharedArrayBuffers V8 may copy forward: they take the paths below.)
    copyInto(privateView(dst.buffer, dst.byteOffset, dst.len), privateView(src.buffer, src.byteOffset, dst.len));
    return;
  }
  if (dst.len >= NATIVE_COPY_BYTES && arrayBuffers && !itemsMayOverlap(dst)) {
    // The kernel compares addresses itself (memmove semantics).
    callNative(() =>
      native.core.copyItems(
        dst.buffer as ArrayBuffer,
        dst.byteOffset,
        dst.strides,
        src.buffer as ArrayBuffer,
        src.byteOffset,
        src.strides,
        dst.shape,
        size,
      ),
    );
    return;
  }
  if (sourceOverlaps(dst, src, arrayBuffers)) {
    copyThroughTemporary(dst, src);
    return;
  }
  const dstBytes = privateView(dst.buffer);
  const source = privateView(src.buffer);
  forEachOffsetPair(dst.shape, dst, src, (od, os) => {
    for (let b = 0; b < size; b++) dstBytes[od + b] = source[os + b]!;
  });
}

/** memmove for strided items: the source gathered into a temporary in C order, then scattered. */
function copyThroughTemporary(
  dst: Placed,
  src: { buffer: ArrayBuffer | SharedArrayBuffer; byteOffset: number; strides: readonly number[] },
): void {
  const size = dst.itemsize;
  const tmp = toContiguousBytes(
    { ...dst, buffer: src.buffer, byteOffset: src.byteOffset, strides: src.strides, cContiguous: false, fContiguous: false },
    false,
  );
  const dstBytes = privateView(dst.buffer);
  forEachOffsetPair(dst.shape, dst, { byteOffset: 0, strides: contiguousStrides(dst.shape, size, 'C') }, (od, ot) => {
    for (let b = 0; b < size; b++) dstBytes[od + b] = tmp[ot + b]!;
  });
}

/**
 * Whether the bytes `src` reads may be among those `dst` writes. Two
 * ArrayBuffer objects can be windows on one block (a NativeBuffer and its
 * fromShared twin, C memory exported twice), so the test is by address.
 * Two SharedArrayBuffer objects can share memory too (structuredClone, a
 * grown WebAssembly.Memory), with no address to ask: assume they do.
 */
function sourceOverlaps(dst: StridedItems, src: StridedItems, arrayBuffers: boolean): boolean {
  let shift = 0; // where src's byte 0 lies in dst's buffer
  if (src.buffer !== dst.buffer) {
    if (!arrayBuffers) return !isArrayBuffer(src.buffer) && !isArrayBuffer(dst.buffer);
    const delta = callNative(() => nativeCore.aliasOffset(dst.buffer as ArrayBuffer, src.buffer as ArrayBuffer));
    if (delta === null) return false;
    shift = delta;
  }
  const [slo, shi] = byteRange(src);
  const [dlo, dhi] = byteRange(dst);
  return slo + shift < dhi && dlo < shi + shift;
}

/**
 * True unless the items of a layout provably occupy disjoint bytes: sorted
 * by stride, each axis must step past everything the inner axes span. The
 * native kernel reorders writes (tiles, coalescing), so a destination whose
 * items share bytes is written by the C-order loop instead.
 */
function itemsMayOverlap(v: { shape: readonly number[]; strides: readonly number[]; itemsize: number }): boolean {
  const axes = v.shape
    .map((n, i) => [n, Math.abs(v.strides[i]!)] as const)
    .filter(([n]) => n > 1)
    .sort((a, b) => a[1] - b[1]);
  let span = v.itemsize;
  for (const [n, stride] of axes) {
    if (stride < span) return true;
    span = stride * (n - 1) + span;
  }
  return false;
}

/** `==` between two items as CPython compares unpacked values ('c' and 's' items are bytes, never numbers). */
function itemsEqual(x: Unpacked, y: Unpacked): boolean {
  if (Array.isArray(x) || Array.isArray(y)) {
    return Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => itemsEqual(v, y[i]!));
  }
  if (typeof x === 'string' || typeof y === 'string') return x === y;
  // Records and complex items: equal field by field, under the same names.
  if (typeof x === 'object' || typeof y === 'object') {
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    const [rx, ry] = [x as Record<string, Unpacked>, y as Record<string, Unpacked>];
    const keys = Object.keys(rx);
    return keys.length === Object.keys(ry).length && keys.every((k) => k in ry && itemsEqual(rx[k]!, ry[k]!));
  }
  // Loose equality compares number, bigint and boolean by value, like Python.
  return x == y; // eslint-disable-line eqeqeq
}

/** memory_richcompare: equal shapes (up to the first 0), then every item equal by value. */
export function compareViews(a: Placed, b: Placed): boolean {
  if (a.shape.length !== b.shape.length) return false;
  for (let i = 0; i < a.shape.length; i++) {
    if (a.shape[i] !== b.shape[i]) return false;
    if (a.shape[i] === 0) return true;
  }
  const fa = a.format ?? 'B';
  const fb = b.format ?? 'B';
  // Same integer format, both C-contiguous: equal values are equal bytes.
  if (fa.replace(/^@/, '') === fb.replace(/^@/, '') && /^[@]?[bBhHiIlLqQnN]$/.test(fa) && a.cContiguous && b.cContiguous) {
    const ba = new Uint8Array(a.buffer, a.byteOffset, a.len);
    const bb = new Uint8Array(b.buffer, b.byteOffset, b.len);
    return Buffer.compare(ba, bb) === 0;
  }
  const ua = unpackerFor(fa);
  const ub = unpackerFor(fb);
  if (ua === null || ub === null) return false;
  const da = new DataView(a.buffer);
  const db = new DataView(b.buffer);
  let equal = true;
  forEachOffsetPair(a.shape, a, b, (oa, ob) => {
    if (!itemsEqual(ua(da, oa), ub(db, ob))) {
      equal = false;
      return false;
    }
    return true;
  });
  return equal;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** bytes.hex(sep, bytes_per_sep). */
export function hexOf(bytes: Uint8Array, sep: string | undefined, bytesPerSep: number): string {
  const n = bytes.length;
  const group = Math.abs(bytesPerSep);
  if (sep === undefined || group === 0 || group >= n) {
    let s = '';
    for (let i = 0; i < n; i++) s += HEX[bytes[i]!];
    return s;
  }
  const parts: string[] = [];
  if (bytesPerSep > 0) {
    // Groups are counted from the right; the leftmost may be short.
    let first = n % group || group;
    let i = 0;
    while (i < n) {
      let s = '';
      for (let j = 0; j < first; j++) s += HEX[bytes[i + j]!];
      parts.push(s);
      i += first;
      first = group;
    }
  } else {
    for (let i = 0; i < n; i += group) {
      let s = '';
      for (let j = i; j < Math.min(i + group, n); j++) s += HEX[bytes[j]!];
      parts.push(s);
    }
  }
  return parts.join(sep);
}
