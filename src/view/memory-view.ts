// memoryview for JavaScript: CPython's semantics, plus NumPy-style N-d
// slicing, transpose and reshape, and zero-copy typed access.
//
// Ownership rules (CPython's): every view derived from one memoryview()
// call shares one ManagedBuffer, i.e. one export of the underlying object,
// released when the last view is released or collected. A view's shape and
// strides are its own. A view that has exported buffers of its own (to
// getBuffer consumers) refuses release() until they are released.
//
// This file holds the view's state, lifecycle, attributes and export; its
// items are read in item-access.ts, new layouts made in transforms.ts, and
// whole-view operations (copies, comparison, hex) done in view-ops.ts.
import { disposeSymbol, placedFromInfo, releaseQuietly, BufferInfoImpl, type BufferInfo } from '../export/buffer-info';
import { defineExporter, type ExporterMethods } from '../export/exporters';
import { getBuffer } from '../export/get-buffer';
import { BufferError, invalidArgType, outOfRange } from '../errors';
import { BufferFlags } from '../flags';
import { memoryGone } from '../internal/memory';
import { checkOrder } from '../internal/validate';
import type { Placed } from '../layout/layout';
import { negotiate } from '../layout/negotiate';
import type { SliceKey } from '../layout/slice-key';
import type { bufferProtocol } from '../protocol';
import {
  checkedIndex,
  codecOf,
  itemAccess,
  listOf,
  offsetOf,
  placeOf,
  readItem,
  typedOf,
  writeItem,
  type FastIndex,
  type ItemAccess,
  type NestedList,
} from './item-access';
import type { Item, ItemCodec } from './items';
import { ManagedBuffer, releasedView } from './managed-buffer';
import {
  cast,
  readWantedLayout,
  reinterpret,
  reshaped,
  sliced,
  transposed,
  viewLayout,
  type MemoryViewLayout,
  type Region,
  type ViewLayout,
  type ViewParts,
} from './transforms';
import { byteRange, compareViews, copyItems, hexOf, toBytesForUser } from './view-ops';

export type { Item } from './items';
export type { SliceKey } from '../layout/slice-key';
export type { NestedList } from './item-access';
export type { MemoryViewLayout } from './transforms';

// Views dropped without release() give their hold on the shared export back.
const dropped = new FinalizationRegistry<ManagedBuffer>((mbuf) => mbuf.unregister());

export class MemoryView implements Iterable<Item | MemoryView> {
  // Few fields on purpose: V8 turns objects with many out-of-object fields
  // into slow dictionaries, which costs get() 20x. So the layout is one
  // frozen object, and item access another, made on first use.
  readonly #mbuf: ManagedBuffer;
  readonly #layout: ViewLayout;
  #exports = 0;
  #released = false;
  // How items are read: a TypedArray over the whole block when items are
  // aligned and in host order, else a DataView. Null until first used.
  #access: ItemAccess | null = null;
  // get()'s fast path (#access.fastIndex), kept in its own field so that
  // get() reads one field before indexing.
  #fastIndex: FastIndex | null = null;

  private constructor(mbuf: ManagedBuffer, parts: ViewParts) {
    this.#mbuf = mbuf;
    this.#layout = viewLayout(parts);
    mbuf.register();
    dropped.register(this, mbuf, this);
  }

  /** @internal memoryview(obj, layout) */
  static create(obj: unknown, layout?: MemoryViewLayout): MemoryView {
    // Every user value of the layout is read once, into plain values, before
    // the memory is looked at: a getter on shape[0] that detaches or closes
    // the memory then finds nothing exported, and the export that follows
    // sees the memory as it is.
    const wanted = layout === undefined ? undefined : readWantedLayout(layout);
    if (typeof obj === 'object' && obj !== null && #mbuf in obj) {
      const base = obj;
      base.#check();
      if (wanted === undefined) return base.#derive({});
      base.#checkAttached();
      const region = base.#region();
      return new MemoryView(base.#mbuf, reinterpret(base.#mbuf.buffer, region, base.#layout.readonly, wanted));
    }
    const master = getBuffer(obj, BufferFlags.FULL_RO);
    const mbuf = new ManagedBuffer(master);
    try {
      const whole = placedFromInfo(master);
      if (wanted !== undefined) {
        const region = { byteOffset: whole.byteOffset, len: whole.len, contiguous: whole.cContiguous };
        return new MemoryView(mbuf, reinterpret(mbuf.buffer, region, master.readonly, wanted));
      }
      return new MemoryView(mbuf, { ...whole, format: whole.format ?? 'B', readonly: master.readonly });
    } catch (error) {
      releaseQuietly(master);
      throw error;
    }
  }

  #check(): void {
    if (this.#released) throw releasedView();
  }

  // The owner's forced close (or a transfer) detaches the memory under us.
  // Asked of the captured built-ins: this check guards exports to C.
  #checkAttached(): void {
    if (memoryGone(this.#layout.buffer, this.#layout.len)) throw releasedView();
  }

  #derive(changes: Partial<ViewParts>): MemoryView {
    // Building `changes` may have run user code (getters on shape or key
    // arrays) that released this view: check again (CPython's gh-92888).
    this.#check();
    const v = this.#layout;
    return new MemoryView(this.#mbuf, {
      buffer: v.buffer,
      byteOffset: v.byteOffset,
      format: v.format,
      itemsize: v.itemsize,
      shape: v.shape,
      strides: v.strides,
      readonly: v.readonly,
      ...changes,
    });
  }

  #region(): Region {
    return { byteOffset: this.#visibleOffset(), len: this.#layout.len, contiguous: this.#layout.cContiguous };
  }

  // ---- attributes -------------------------------------------------------

  /** The object the view was made from (for a view of a view, the original object). */
  get obj(): unknown {
    this.#check();
    return this.#mbuf.master.obj;
  }
  /** The memory block the view lives in. */
  get buffer(): ArrayBuffer | SharedArrayBuffer {
    this.#check();
    return this.#layout.buffer;
  }
  /**
   * Byte offset of item [0, ..., 0] in `buffer`. An empty view addresses
   * nothing; CPython's arithmetic can still put its start one stride before
   * the block (`[::-1]` of nothing), so the offset shown is kept inside the
   * buffer, a valid TypedArray/DataView offset. Slicing composes the exact one.
   */
  get byteOffset(): number {
    this.#check();
    return this.#visibleOffset();
  }

  #visibleOffset(): number {
    const v = this.#layout;
    if (v.len !== 0) return v.byteOffset;
    return Math.min(Math.max(v.byteOffset, 0), v.buffer.byteLength);
  }
  get nbytes(): number {
    this.#check();
    return this.#layout.len;
  }
  get readonly(): boolean {
    this.#check();
    return this.#layout.readonly;
  }
  get itemsize(): number {
    this.#check();
    return this.#layout.itemsize;
  }
  get format(): string {
    this.#check();
    return this.#layout.format;
  }
  get ndim(): number {
    this.#check();
    return this.#layout.shape.length;
  }
  get shape(): readonly number[] {
    this.#check();
    return this.#layout.shape;
  }
  get strides(): readonly number[] {
    this.#check();
    return this.#layout.strides;
  }
  /** Always empty: JavaScript views never hold pointers. */
  get suboffsets(): readonly number[] {
    this.#check();
    return [];
  }
  get cContiguous(): boolean {
    this.#check();
    return this.#layout.cContiguous;
  }
  get fContiguous(): boolean {
    this.#check();
    return this.#layout.fContiguous;
  }
  get contiguous(): boolean {
    this.#check();
    return this.#layout.cContiguous || this.#layout.fContiguous;
  }
  get released(): boolean {
    return this.#released;
  }
  /** The length of the first dimension. @throws {BufferError} ERR_BUFFER_ZERO_DIM for a 0-d view. */
  get length(): number {
    this.#check();
    if (this.#layout.shape.length === 0) throw new BufferError('ERR_BUFFER_ZERO_DIM', '0-dim memory has no length');
    return this.#layout.shape[0]!;
  }
  /** The number of live getBuffer exports of this view. */
  get exports(): number {
    return this.#exports;
  }

  // ---- items ------------------------------------------------------------

  /** Item access for this view, set up on first use. */
  #items(): ItemAccess {
    let access = this.#access;
    if (access === null) {
      access = this.#access = itemAccess(this.#layout, this.#mbuf);
      this.#fastIndex = access.fastIndex;
    }
    return access;
  }

  #codec(): ItemCodec {
    return codecOf(this.#items(), this.#layout);
  }

  /**
   * `m[i, j, ...]`: the item at one index per dimension. Negative indices
   * wrap. A 0-d view takes `get()`.
   * @throws {RangeError} ERR_OUT_OF_RANGE for an index out of bounds.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE for a wrong count or a non-integer.
   * @throws {BufferError} ERR_BUFFER_UNSUPPORTED_FORMAT for multi-item formats.
   */
  get(...index: number[]): Item;
  get(i?: number, j?: number, k?: number, l?: number, ...more: number[]): Item {
    // Fast path: the place of the item straight from the arguments (no array
    // per call), for in-range, non-negative integer indices; anything it
    // cannot answer (wrapping, errors, a detached buffer) falls through.
    const fast = this.#fastIndex;
    if (fast !== null && l === undefined) {
      const at = placeOf(fast, i, j, k);
      if (at >= 0) {
        const items = fast.items;
        const item = items !== null ? items[at] : fast.read(at);
        if (item !== undefined) return item;
      }
    }
    // The general path: wrapping, errors, more dimensions.
    const index: number[] = [];
    if (i !== undefined || j !== undefined || k !== undefined || l !== undefined) index.push(i!);
    if (j !== undefined || k !== undefined || l !== undefined) index.push(j!);
    if (k !== undefined || l !== undefined) index.push(k!);
    if (l !== undefined) index.push(l);
    for (let n = 4; n < more.length + 4; n++) index.push(more[n - 4]!);
    return this.#get(index);
  }

  #get(index: number[]): Item {
    this.#check();
    const codec = this.#codec();
    const offset = offsetOf(this.#layout, checkedIndex(this.#layout, index, 'get()'));
    return readItem(this.#items(), this.#mbuf, this.#layout, codec, offset);
  }

  /**
   * `m[i, j, ...] = value`. `index` is a number for 1-D views, an array of
   * one index per dimension otherwise (`[]` for 0-d).
   * @throws {BufferError} ERR_BUFFER_NOT_WRITABLE on a read-only view.
   * @throws {TypeError|RangeError} for a value the format cannot hold.
   */
  set(index: number | readonly number[], value: Item): void {
    this.#check();
    const codec = this.#codec();
    if (this.#layout.readonly) throw new BufferError('ERR_BUFFER_NOT_WRITABLE', 'cannot modify read-only memory');
    const indices = typeof index === 'number' ? [index] : index;
    if (!Array.isArray(indices)) throw invalidArgType('index', 'an integer or an array of integers', index);
    const offset = offsetOf(this.#layout, checkedIndex(this.#layout, indices, 'set()'));
    const checked = codec.check(value);
    // Reading the indices may have run user code that released the view.
    this.#check();
    writeItem(this.#items(), this.#mbuf, this.#layout, codec, offset, checked);
  }

  // ---- views ------------------------------------------------------------

  /**
   * N-d slicing with NumPy's basic-indexing rules: a number indexes (and
   * drops) a dimension, null keeps it whole, `[start, stop, step]` or
   * `'start:stop:step'` slices it with Python's semantics. Missing trailing
   * keys mean whole dimensions. The result shares memory.
   * @example m.slice(null, '::-1')  // flip the second axis
   */
  slice(...keys: SliceKey[]): MemoryView {
    this.#check();
    return this.#derive(sliced(this.#layout, keys));
  }

  /**
   * Permutes the axes (reversed when none are given). Shares memory.
   * @example m.transpose(1, 0, 2)
   */
  transpose(...axes: number[]): MemoryView {
    this.#check();
    return this.#derive(transposed(this.#layout, axes));
  }

  /** The transpose: `transpose()`. */
  get T(): MemoryView {
    return this.transpose();
  }

  /**
   * The same items in a new shape (C order), as a view.
   * @throws {BufferError} ERR_BUFFER_RESHAPE_NEEDS_COPY when strides cannot express it.
   */
  reshape(shape: readonly number[]): MemoryView {
    this.#check();
    return this.#derive(reshaped(this.#layout, shape));
  }

  /**
   * `memoryview.cast(format, shape)` with CPython's rules, checked in its
   * order: C-contiguous source, no zeros in the shape (unless 1-D to 1-D),
   * 1-D <-> N-D only, a native single-character destination format, one
   * side a byte format, whole items, and product(shape) * itemsize == nbytes.
   * `'@'` in the format is kept.
   */
  cast(format: string, shape?: readonly number[]): MemoryView {
    if (typeof format !== 'string') throw invalidArgType('format', 'of type string', format);
    this.#check();
    return this.#derive(cast(this.#layout, format, shape));
  }

  /** A read-only view of the same memory (a new view, even if this one is read-only). */
  toReadonly(): MemoryView {
    this.#check();
    return this.#derive({ readonly: true });
  }

  // ---- whole-view operations --------------------------------------------

  /** The items as nested arrays (a 0-d view gives the item itself). */
  toList(): NestedList {
    this.#check();
    const codec = this.#codec();
    return listOf(this.#items(), this.#mbuf, this.#layout, codec);
  }

  /**
   * The bytes of the items in C, Fortran or 'A' order (Fortran bytes for an
   * F-contiguous view, C otherwise): `PyBuffer_ToContiguous`. Always a copy.
   */
  toBytes(order: 'C' | 'F' | 'A' = 'C'): Uint8Array {
    if (order === undefined || order === null) order = 'C';
    checkOrder(order);
    this.#check();
    this.#checkAttached();
    const v = this.#layout;
    const fortran = order === 'F' || (order === 'A' && v.fContiguous && !v.cContiguous);
    return toBytesForUser(this.#placed(), fortran);
  }

  /**
   * Hexadecimal of `toBytes()`, optionally with a one-character ASCII
   * separator every `bytesPerSep` bytes (counted from the right when
   * positive, from the left when negative), as `bytes.hex()`.
   */
  hex(sep?: string, bytesPerSep = 1): string {
    this.#check();
    if (sep !== undefined) {
      if (typeof sep !== 'string') throw invalidArgType('sep', 'a one-character string', sep);
      if (sep.length !== 1) throw outOfRange('sep', 'of length 1', JSON.stringify(sep));
      if (sep.charCodeAt(0) > 0x7f) throw outOfRange('sep', 'ASCII', JSON.stringify(sep));
    }
    if (typeof bytesPerSep !== 'number' || !Number.isInteger(bytesPerSep)) {
      throw invalidArgType('bytesPerSep', 'an integer', bytesPerSep);
    }
    return hexOf(this.toBytes('C'), sep, bytesPerSep);
  }

  /**
   * Value equality, as CPython's `==` on memoryviews: equal shapes (compared
   * up to the first 0), then every item equal as a value, whatever the
   * formats and layouts (NaN is never equal). A released view equals only
   * itself; a non-exporter equals nothing.
   */
  equals(other: unknown): boolean {
    if (this.#released) return other === this;
    // Memory detached by its owner holds no values to compare.
    if (memoryGone(this.#layout.buffer, this.#layout.len)) return false;
    const mine = this.#placed();
    if (other === this) return compareViews(mine, mine);
    if (isMemoryView(other) && other.released) return false;
    let info: BufferInfo;
    try {
      info = getBuffer(other, BufferFlags.FULL_RO);
    } catch {
      return false;
    }
    try {
      return compareViews(mine, placedFromInfo(info));
    } finally {
      releaseQuietly(info);
    }
  }

  /** The layout as operations see it: an empty view shows an in-buffer offset (see byteOffset). */
  #placed(): Placed {
    const v = this.#layout;
    return v.len !== 0 ? v : { ...v, byteOffset: this.#visibleOffset() };
  }

  /**
   * Slice assignment: copies `source` (any exporter of the same structure:
   * equal shape, equal format up to a leading '@', equal itemsize) into
   * `this.slice(...keys)`. Overlapping memory is handled as memmove does;
   * the copy is all or nothing.
   */
  assign(source: unknown, ...keys: SliceKey[]): void {
    this.#check();
    const target = keys.length === 0 ? this : this.slice(...keys);
    try {
      const t = target.#layout;
      if (t.readonly) throw new BufferError('ERR_BUFFER_NOT_WRITABLE', 'cannot modify read-only memory');
      const info = getBuffer(source, BufferFlags.FULL_RO);
      try {
        // The source's hook may have released this view (CPython's gh-92888):
        // its memory may no longer be exported, so nothing may be written.
        this.#check();
        target.#check();
        const src = placedFromInfo(info);
        const sameShape = src.ndim === t.ndim && src.shape.every((d, i) => d === t.shape[i]);
        const sameFormat = (src.format ?? 'B').replace(/^@/, '') === t.format.replace(/^@/, '');
        if (!sameFormat || src.itemsize !== t.itemsize || !sameShape) {
          throw new BufferError('ERR_BUFFER_STRUCTURE_MISMATCH', 'memoryview assignment: lvalue and rvalue have different structures');
        }
        target.#checkAttached();
        copyItems(target.#placed(), src);
      } finally {
        releaseQuietly(info);
      }
    } finally {
      if (target !== this) target.release();
    }
  }

  /**
   * A zero-copy TypedArray over the items: needs a C-contiguous view, an
   * aligned start and a numeric format in host byte order.
   * @throws {BufferError} ERR_BUFFER_NOT_C_CONTIGUOUS, ERR_BUFFER_UNALIGNED,
   *   ERR_BUFFER_NOT_NATIVE_ORDER or ERR_BUFFER_UNSUPPORTED_FORMAT, saying why.
   */
  typed(): ArrayBufferView {
    this.#check();
    this.#checkAttached();
    return typedOf(this.#layout, this.#visibleOffset());
  }

  /** A DataView over the bytes the view spans (from its lowest to its highest item). */
  dataView(): DataView {
    this.#check();
    this.#checkAttached();
    const [start, end] = byteRange(this.#placed());
    return new DataView(this.#layout.buffer, start, end - start);
  }

  // ---- lifecycle --------------------------------------------------------

  /**
   * Releases the view; the shared export of the object goes with the last
   * view. Calling it again does nothing.
   * @throws {BufferError} ERR_BUFFER_EXPORTS_ACTIVE while getBuffer exports of this view are live.
   */
  release(): void {
    if (this.#released) return;
    if (this.#exports > 0) {
      const n = this.#exports;
      throw new BufferError('ERR_BUFFER_EXPORTS_ACTIVE', `memoryview has ${n} exported buffer${n === 1 ? '' : 's'}`);
    }
    this.#released = true;
    this.#access = null;
    this.#fastIndex = null;
    dropped.unregister(this);
    this.#mbuf.unregister();
  }

  [disposeSymbol](): void {
    this.release();
  }

  /** 1-D: the items. N-d: the sub-views along the first axis (NumPy's iteration). */
  *[Symbol.iterator](): Iterator<Item | MemoryView> {
    this.#check();
    const shape = this.#layout.shape;
    if (shape.length === 0) throw new BufferError('ERR_BUFFER_ZERO_DIM', 'memoryview: invalid indexing of 0-dim memory');
    const n = shape[0]!;
    if (shape.length === 1) {
      for (let i = 0; i < n; i++) yield this.get(i);
    } else {
      for (let i = 0; i < n; i++) yield this.slice(i);
    }
  }

  // ---- export -----------------------------------------------------------

  static {
    defineExporter(this, 'a MemoryView', (obj) => #mbuf in obj, (obj, flags) => obj.#export(flags));
  }

  /** PEP 688 form of getBuffer(this, flags). */
  declare [bufferProtocol.getBuffer]: ExporterMethods[typeof bufferProtocol.getBuffer];
  /** PEP 688 form of view.release(): ends an export of this view. */
  declare [bufferProtocol.releaseBuffer]: ExporterMethods[typeof bufferProtocol.releaseBuffer];

  /** memory_getbuf: this view as an exporter. */
  #export(flags: number): BufferInfo {
    this.#check();
    this.#checkAttached();
    const placed = this.#placed();
    const seen = negotiate(placed, this.#layout.readonly, flags);
    this.#exports++;
    return BufferInfoImpl.of(this, placed, this.#layout.readonly, seen, () => {
      this.#exports--;
    });
  }

  get [Symbol.toStringTag](): string {
    return 'MemoryView';
  }
}

const kIsMemoryView = Symbol.for('buffer-protocol.MemoryView');
Object.defineProperty(MemoryView.prototype, kIsMemoryView, { value: true });

/** True for a MemoryView of this package, from any realm or copy. */
export function isMemoryView(value: unknown): value is MemoryView {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kIsMemoryView] === true;
}

/**
 * `memoryview(obj)`: a view of any exporter, CPython's `memoryview(obj)`.
 * With `layout`, the object's bytes (which must be contiguous) are
 * reinterpreted with another format, shape, strides and byte offset, as
 * `np.ndarray(shape, dtype, buffer, offset, strides)` does; the layout is
 * validated against the bytes' bounds.
 * @example
 * const m = memoryview(new Uint8Array(24), { format: 'f', shape: [2, 3] });
 * m.get(1, 2); // 0
 */
export function memoryview(obj: unknown, layout?: MemoryViewLayout): MemoryView {
  return MemoryView.create(obj, layout);
}
