// memoryview for JavaScript: CPython's semantics, plus NumPy-style N-d
// slicing, transpose and reshape, and zero-copy typed access.
//
// Ownership rules (CPython's): every view derived from one memoryview()
// call shares one ManagedBuffer, i.e. one export of the underlying object,
// released when the last view is released or collected. A view's shape and
// strides are its own. A view that has exported buffers of its own (to
// getBuffer consumers) refuses release() until they are released.
//
// This file holds the view's state, lifecycle, attributes, get()'s fast
// path and export. Items are read in item-access.ts, new layouts made in
// transforms.ts, and the rest of what a view does is in whole-view.ts.
import { noteMade } from '../internal/lifetimes';
import { settleShape } from '../internal/settle-shape';
import {
  BufferInfoImpl,
  disposeSymbol,
  exportedMemory,
  sharedRelease,
  type BufferInfo,
  type ExportedMemory,
} from '../export/buffer-info';
import { defineExporter, type ExporterMethods } from '../export/exporters';
import { BufferError, invalidArgType } from '../errors';
import { memoryGone } from '../internal/memory';
import { imul as capturedImul } from '../internal/primordials';
import { regionOf } from '../io/owned';
import { native } from '../native';
import type { Placed } from '../layout/layout';
import { negotiate, negotiated as negotiatedOf, type Negotiated } from '../layout/negotiate';
import type { SliceKey } from '../layout/slice-key';
import type { bufferProtocol } from '../protocol';
import { itemAccess, itemPlace, readItem } from './item-access';
import type { ItemAccess, NestedList } from './item-access';
import type { Item } from './items';
import type { ItemOf, TypedOf } from './format-types';
import { ManagedBuffer, RELEASED_FAMILY, releasedView } from './managed-buffer';
import { cast, layout1, layoutOf, reshaped, sliced, transposed } from './transforms';
import type { MemoryViewLayout, ViewLayout, ViewParts } from './transforms';
import { assignInto, brandMemoryView, createView, dataViewOf, equalsOf, getGeneral, hexOfView } from './whole-view';
import { iterateView, setItem, setViewInternals, toBytesOf, toListOf, typedOfView } from './whole-view';

// Set in the class's static block, where the private fields can be reached.
let makeView: (mbuf: ManagedBuffer, layout: ViewLayout) => MemoryView;
let holdExport: (view: MemoryView) => Placed;
let endHeldExport: (view: MemoryView) => void;

/**
 * @internal An export of `view` for another exporter's export to hold: the
 * view counts it (release() refuses while it lasts) and it costs no
 * BufferInfo. @throws ERR_BUFFER_RELEASED as getBuffer(view) would.
 */
export function holdViewExport(view: MemoryView): Placed {
  return holdExport(view);
}

/** @internal Ends an export taken with holdViewExport. */
export function endViewExport(view: MemoryView): void {
  endHeldExport(view);
}

/** Where a placed layout's items lie, as an export tells it. */
function placedMemory(placed: Placed): ExportedMemory {
  return exportedMemory(placed.buffer, placed.byteOffset, placed.len, placed.itemsize);
}

/** Items indexed with a layout's item strides: a TypedArray of the view's format. */
type ItemArray = Readonly<Record<number, Item | undefined>>;

// The #values of a view get() cannot read directly: nothing, at any index.
const NO_VALUES: ItemArray = new Float64Array(0) as unknown as ItemArray;

// The view being made. Its field initializers read these, so that #layout,
// #values and #base are each stored once, as the object is made, and never
// again: V8 then marks the fields constant. In a loop over a view the
// compiler knows (a const the loop's closure holds), get()'s layout, bounds
// and items then fold into the loop as ndarray's own fields do (get() 1.8x
// -> 0.9x ndarray's time). Set and cleared around each `new` in make().
let nextLayout: ViewLayout | null = null;
let nextValues: ItemArray = NO_VALUES;
let nextBase = 0;

// A local binding: an import's every use reads the module's exports object
// (bytecode get() has little of, and a call V8 then does not reduce).
const imul = capturedImul;

/**
 * What a view's getBuffer exports share, made on the first: the function
 * that ends one (not a closure per export), where the items lie, frozen
 * copies of the shape and strides, and the last request's answer (a loop
 * exports with one set of flags). An export's arrays are read-only by
 * contract, as Py_buffer's; a NativeBuffer's exports share theirs the same way.
 */
interface ExportKit {
  readonly end: () => void;
  readonly memory: ExportedMemory;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  /** The flags `seen` answered; -1 before the first export. */
  flags: number;
  seen: Negotiated | null;
}

/**
 * A view of an exporter's memory (CPython's `memoryview`). `F` is the format
 * where TypeScript knows it (`memoryview(new Float64Array(4))` is a
 * `MemoryView<'d'>`, whose `get()` is a number and `typed()` a
 * Float64Array); else `string`, and items are the `Item` union.
 */
export class MemoryView<F extends string = string> implements Iterable<Item | MemoryView> {
  // Few fields on purpose: V8 turns objects with many out-of-object fields
  // into slow dictionaries, which costs get() 20x. So the layout is one
  // frozen object, and item access another, made on first use.
  // The family's shared export; a released view lets go of it, so that a
  // released view kept alive does not keep its family's export from the
  // collector.
  #mbuf: ManagedBuffer;
  readonly #layout: ViewLayout = nextLayout!;
  #exports = 0;
  // 0 while live, -1 once released. get() ORs it into the index it reads
  // at, so that a released view reads at -1, which holds nothing, with no
  // test per call: a test of a field release() writes costs a get() in a
  // loop 20% (V8 keeps only never-written fields out of the loop).
  #gone = 0;
  // How items are read: a TypedArray over the whole block when items are
  // aligned and in host order, else a DataView. Null until first used.
  #access: ItemAccess | null = null;
  // get()'s fast path: the items as an array indexed with the layout's
  // item strides from #base, or NO_VALUES. Given where the family's
  // exporter is a TypedArray of this view's format, or a TypedArray of it
  // can span the block (see #make); other views read through #access, in
  // #getSlow. Never changed (see nextLayout), and so kept after release(),
  // like the layout and its buffer: get() reads at `index | #gone`.
  readonly #values: ItemArray = nextValues;
  readonly #base: number = nextBase;
  // True once C's get_buffer left a mirror of this view in the binding
  // (view_mirror.cc): C views made from it count as exports of this view.
  #mirrored = false;
  // What this view's getBuffer exports share, made on the first (see
  // ExportKit): nothing per export but the BufferInfo.
  #exportKit: ExportKit | null = null;

  // Only #make calls it, once the family has counted the view.
  private constructor(mbuf: ManagedBuffer) {
    this.#mbuf = mbuf;
    noteMade(this);
  }

  /** A new view of `mbuf`'s export with `layout`: the one way a view is made. */
  static #make(mbuf: ManagedBuffer, layout: ViewLayout): MemoryView {
    // What get() reads, worked out first: user code a replaced built-in
    // runs here may make views of its own, which set and clear next*.
    let values: ItemArray = NO_VALUES;
    let base = 0;
    if (layout.ndim >= 1 && layout.ndim <= 3) {
      // The exporter's own elements, else the family's of this format.
      const own = layout.format === mbuf.valuesFormat ? mbuf.values : null;
      const items = own ?? mbuf.itemsFor(layout.format);
      // Item [0, ..., 0] must be a whole element; the layout's item strides are.
      const at = (layout.byteOffset - (own === null ? 0 : mbuf.valuesOffset)) / layout.itemsize;
      // get() ORs #gone into its index, which keeps 32 bits: a view that
      // can reach past item 2**31 - 1 of its block (from item [0, ...]
      // along each axis with a positive stride) reads in #getSlow instead.
      let far = at;
      if (layout.extent0 > 1 && layout.itemStride0 > 0) far += (layout.extent0 - 1) * layout.itemStride0;
      if (layout.extent1 > 1 && layout.itemStride1 > 0) far += (layout.extent1 - 1) * layout.itemStride1;
      if (layout.extent2 > 1 && layout.itemStride2 > 0) far += (layout.extent2 - 1) * layout.itemStride2;
      if (items !== null && Number.isSafeInteger(at) && far <= 0x7fffffff) {
        values = items as unknown as ItemArray;
        base = at;
      }
    }
    // The family's refusal (released) comes before next* is set, so that a
    // throw leaves no view's memory reachable from module state.
    mbuf.register();
    nextLayout = layout;
    nextValues = values;
    nextBase = base;
    const made = new MemoryView(mbuf);
    nextLayout = null;
    nextValues = NO_VALUES;
    return made;
  }

  /** @internal memoryview(obj, layout) */
  static create(obj: unknown, layout?: MemoryViewLayout): MemoryView {
    return createView(obj, layout);
  }

  /** The layout of a view not yet released. @throws ERR_BUFFER_RELEASED once released. */
  #live(): ViewLayout {
    if (this.#gone !== 0) throw releasedView();
    return this.#layout;
  }

  // The owner's forced close (or a transfer) detaches the memory under us.
  // Asked of the captured built-ins: this check guards exports to C.
  #checkAttached(): void {
    if (memoryGone(this.#layout.buffer, this.#layout.len)) throw releasedView();
  }

  /** A new view of the same export with the layout a transform made of this one's. */
  #made(layout: ViewLayout): MemoryView {
    // Making `layout` may have run user code (getters on shape or key arrays)
    // that released this view: check again (CPython's gh-92888).
    this.#live();
    return MemoryView.#make(this.#mbuf, layout);
  }

  #derive(changes: Partial<ViewParts>): MemoryView {
    // Building `changes` may have run user code (getters on shape or key
    // arrays) that released this view: check again (CPython's gh-92888).
    const v = this.#live();
    return MemoryView.#make(
      this.#mbuf,
      layoutOf(
        v.buffer,
        changes.byteOffset ?? v.byteOffset,
        changes.format ?? v.format,
        changes.itemsize ?? v.itemsize,
        changes.shape ?? v.shape,
        changes.strides ?? v.strides,
        changes.readonly ?? v.readonly,
      ),
    );
  }

  // ---- attributes -------------------------------------------------------

  /** The object the view was made from (for a view of a view, the original object). */
  get obj(): unknown {
    this.#live();
    return this.#mbuf.obj;
  }
  /** The memory block the view lives in. */
  get buffer(): ArrayBuffer | SharedArrayBuffer {
    return this.#live().buffer;
  }
  /**
   * Byte offset of item [0, ..., 0] in `buffer`. An empty view addresses
   * nothing; CPython's arithmetic can still put its start one stride before
   * the block (`[::-1]` of nothing), so the offset shown is kept inside the
   * buffer, a valid TypedArray/DataView offset. Slicing composes the exact one.
   */
  get byteOffset(): number {
    this.#live();
    return this.#placed().byteOffset;
  }
  get nbytes(): number {
    return this.#live().len;
  }
  get readonly(): boolean {
    return this.#live().readonly;
  }
  get itemsize(): number {
    return this.#live().itemsize;
  }
  get format(): string {
    return this.#live().format;
  }
  get ndim(): number {
    return this.#live().shape.length;
  }
  /** The length of each dimension: a new frozen array per read, as CPython and NumPy make a new tuple. */
  get shape(): readonly number[] {
    return Object.freeze([...this.#live().shape]);
  }
  /** The byte step of each dimension: a new frozen array per read. */
  get strides(): readonly number[] {
    return Object.freeze([...this.#live().strides]);
  }
  /** Always empty: JavaScript views never hold pointers. */
  get suboffsets(): readonly number[] {
    this.#live();
    return [];
  }
  get cContiguous(): boolean {
    return this.#live().cContiguous;
  }
  get fContiguous(): boolean {
    return this.#live().fContiguous;
  }
  get contiguous(): boolean {
    const v = this.#live();
    return v.cContiguous || v.fContiguous;
  }
  get released(): boolean {
    return this.#gone !== 0;
  }
  /** The length of the first dimension. @throws {BufferError} ERR_BUFFER_ZERO_DIM for a 0-d view. */
  get length(): number {
    this.#live();
    if (this.#layout.shape.length === 0) throw new BufferError('ERR_BUFFER_ZERO_DIM', '0-dim memory has no length');
    return this.#layout.shape[0]!;
  }
  /** The number of live getBuffer exports of this view (C's get_buffer included). */
  get exports(): number {
    return this.#exports + (this.#mirrored ? native.viewMirror.viewMirrorCViews(this) : 0);
  }

  // ---- items ------------------------------------------------------------

  /** Item access for this view, set up on first use. */
  #items(): ItemAccess {
    return (this.#access ??= itemAccess(this.#layout, this.#mbuf));
  }

  /**
   * `m[i, j, ...]`: the item at one index per dimension. Negative indices
   * wrap. A 0-d view takes `get()`.
   * @throws {RangeError} ERR_OUT_OF_RANGE for an index out of bounds.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE for a wrong count or a non-integer.
   * @throws {BufferError} ERR_BUFFER_UNSUPPORTED_FORMAT for multi-item formats.
   */
  get(...index: number[]): ItemOf<F>;
  get(i?: number, j?: number, k?: number, l?: number, ...more: number[]): Item {
    // Fast path: the item from the arguments, no array per call. Anything
    // else (wrapping, errors, a detached block, a view without #values)
    // goes to #getSlow. The dimension count is told from the arguments:
    // once get() is inlined into a caller's loop, which are missing is known
    // there, and the code for other counts goes.
    //
    // Every refusal (a view without items, NO_VALUES, an index the checks
    // below refuse, a released view) reads at -1, which holds nothing: no
    // branch leaves for #getSlow before the read. While no read has failed,
    // V8 compiles the read for in-range indices only and drops the test
    // after it, so no path leaves the caller's loop early. One that did (a
    // call never made, compiled as a deoptimization) kept V8 from peeling
    // the loop: 1.3x ndarray's time once any view had been released, against
    // 0.93x now.
    const values = this.#values;
    const v = this.#layout;
    const base = this.#base;
    let at = -1;
    // Each index is checked once, outermost first (extents past ndim are
    // 0): V8 inlines no function of more than 460 bytes of bytecode, and
    // one check per index per count had put get() at 438 (456 on Node 26).
    // A fourth index or more takes the general path.
    //
    // The place is 32-bit arithmetic (imul, | 0), exact here: every partial
    // sum is the index of an item of the view, at most 2**31 - 1 (see
    // #make), or, past that, of nothing get() reads. V8 moves the part of
    // an outer index out of the caller's loop, which it cannot do for `*`
    // and `+`, checked for overflow where they stand: 0.77x ndarray's time
    // against 1.0x, 0.62x in 3-D.
    if (l === undefined && more.length === 0 && typeof i === 'number' && i >>> 0 === i && i < v.extent0) {
      if (j === undefined) {
        if (v.ndim === 1 && k === undefined) at = (base + imul(i, v.itemStride0)) | 0;
      } else if (typeof j === 'number' && j >>> 0 === j && j < v.extent1) {
        if (k === undefined) {
          if (v.ndim === 2) at = (base + imul(i, v.itemStride0) + imul(j, v.itemStride1)) | 0;
        } else if (v.ndim === 3 && typeof k === 'number' && k >>> 0 === k && k < v.extent2) {
          at = (base + imul(i, v.itemStride0) + imul(j, v.itemStride1) + imul(k, v.itemStride2)) | 0;
        }
      }
    }
    // Not skipped at -1: see above. A released view's #gone (-1) makes any
    // index -1 (every index here fits in 32 bits: see #make).
    const x = at | this.#gone;
    // The same read four times over, each a site of its own, by item size:
    // V8 makes a read that has seen more than four kinds of array
    // megamorphic, and every get() then looks its array up in a cache. One
    // read for all had made a 'd' loop 4-6x ndarray's time once views of
    // five formats were read anywhere in the process (ndarray makes a class
    // per dtype). Each size has few kinds: 'B', Buffer, 'b' and
    // Uint8ClampedArray; 'h' and 'H'; 'f', 'i' and 'I'; 'd', 'q' and 'Q';
    // and NO_VALUES (a Float64Array), read for views without items.
    const size = v.itemsize;
    const item = size === 8 ? values[x] : size === 1 ? values[x] : size === 4 ? values[x] : values[x];
    if (item !== undefined) return item;
    return this.#getSlow(i, j, k, l, more);
  }

  /** get() past its fast path: items that are no TypedArray's elements, then the general path (wrapping, errors). */
  #getSlow(i?: number, j?: number, k?: number, l?: number, more: readonly number[] = []): Item {
    const v = this.#live();
    const at = l === undefined && more.length === 0 ? itemPlace(v, i, j, k) : -1;
    if (at >= 0) {
      const access = this.#items();
      if (access.codec !== null) return readItem(access, this.#mbuf, v, access.codec, at);
    }
    return getGeneral(this, i, j, k, l, more);
  }

  /**
   * `m[i, j, ...] = value`. `index` is a number for 1-D views, an array of
   * one index per dimension otherwise (`[]` for 0-d).
   * @throws {BufferError} ERR_BUFFER_NOT_WRITABLE on a read-only view.
   * @throws {TypeError|RangeError} for a value the format cannot hold.
   */
  set(index: number | readonly number[], value: Item): void {
    setItem(this, index, value);
  }

  // ---- views ------------------------------------------------------------

  /**
   * N-d slicing with NumPy's basic-indexing rules: a number indexes (and
   * drops) a dimension, null keeps it whole, `[start, stop, step]` or
   * `'start:stop:step'` slices it with Python's semantics. Missing trailing
   * keys mean whole dimensions. The result shares memory.
   * @example m.slice(null, '::-1')  // flip the second axis
   * @throws {TypeError} ERR_INVALID_ARG_TYPE for a key of another type, or more keys than dimensions.
   * @throws {RangeError} ERR_OUT_OF_RANGE for an index out of range or a step of 0.
   * @throws {BufferError} ERR_BUFFER_RELEASED on a released view, or memory its owner closed or transferred.
   */
  slice(...keys: SliceKey[]): MemoryView<F>;
  slice(...keys: SliceKey[]): MemoryView {
    this.#live();
    return this.#made(sliced(this.#layout, keys));
  }

  /**
   * Permutes the axes (reversed when none are given). Shares memory.
   * @example m.transpose(1, 0, 2)
   * @throws {TypeError} ERR_INVALID_ARG_TYPE for axes that are not integers, or not one per dimension.
   * @throws {RangeError} ERR_OUT_OF_RANGE for an axis out of range or repeated.
   * @throws {BufferError} ERR_BUFFER_RELEASED on a released view, or memory its owner closed or transferred.
   */
  transpose(...axes: number[]): MemoryView<F>;
  transpose(...axes: number[]): MemoryView {
    this.#live();
    return this.#made(transposed(this.#layout, axes));
  }

  /** The transpose: `transpose()`. */
  get T(): MemoryView<F> {
    return this.transpose();
  }

  /**
   * The same items in a new shape (C order), as a view.
   * @throws {BufferError} ERR_BUFFER_RESHAPE_NEEDS_COPY when strides cannot express it.
   */
  reshape(shape: readonly number[]): MemoryView<F>;
  reshape(shape: readonly number[]): MemoryView {
    this.#live();
    return this.#made(reshaped(this.#layout, shape));
  }

  /**
   * `memoryview.cast(format, shape)` with CPython's rules, checked in its
   * order: C-contiguous source, no zeros in the shape (unless 1-D to 1-D),
   * 1-D <-> N-D only, a native single-character destination format, one
   * side a byte format, whole items, and product(shape) * itemsize == nbytes.
   * `'@'` in the format is kept.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when format is not a string or shape not an array of integers.
   * @throws {RangeError} ERR_OUT_OF_RANGE for a shape element of 2**63 or more.
   * @throws {BufferError} ERR_BUFFER_NOT_C_CONTIGUOUS for a source that is not C-contiguous,
   *   ERR_BUFFER_INVALID_CAST for any other rule broken, ERR_BUFFER_BAD_FORMAT for a format
   *   struct refuses, ERR_BUFFER_RELEASED on a released view.
   */
  cast<const G extends string>(format: G, shape?: readonly number[]): MemoryView<G>;
  cast(format: string, shape?: readonly number[]): MemoryView {
    if (typeof format !== 'string') throw invalidArgType('format', 'of type string', format);
    this.#live();
    return this.#made(cast(this.#layout, format, shape));
  }

  /**
   * A read-only view of the same memory (a new view, even if this one is read-only).
   * @throws {BufferError} ERR_BUFFER_RELEASED on a released view, or memory its owner closed or transferred.
   */
  toReadonly(): MemoryView<F>;
  toReadonly(): MemoryView {
    return this.#derive({ readonly: true });
  }

  // ---- whole-view operations (whole-view.ts) ----------------------------

  /**
   * The items as nested arrays (a 0-d view gives the item itself).
   * @throws {BufferError} ERR_BUFFER_UNSUPPORTED_FORMAT for a format without item access (multi-item, `x`, `s`);
   *   ERR_BUFFER_RELEASED on a released view.
   */
  toList(): NestedList {
    return toListOf(this);
  }

  /**
   * The bytes of the items in C, Fortran or 'A' order (Fortran bytes for an
   * F-contiguous view, C otherwise): `PyBuffer_ToContiguous`. Always a copy.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when order is not a string.
   * @throws {RangeError} ERR_OUT_OF_RANGE for an order other than 'C', 'F' or 'A'.
   * @throws {BufferError} ERR_BUFFER_RELEASED on a released view, or memory its owner closed or transferred.
   */
  toBytes(order: 'C' | 'F' | 'A' = 'C'): Uint8Array {
    return toBytesOf(this, order);
  }

  /**
   * Hexadecimal of `toBytes()`, optionally with a one-character ASCII
   * separator every `bytesPerSep` bytes (counted from the right when
   * positive, from the left when negative), as `bytes.hex()`.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when sep is not a string or bytesPerSep not an integer.
   * @throws {RangeError} ERR_OUT_OF_RANGE when sep is not one ASCII character or bytesPerSep outside a C int.
   * @throws {BufferError} ERR_BUFFER_RELEASED on a released view, or memory its owner closed or transferred.
   */
  hex(sep?: string, bytesPerSep: number | boolean = 1): string {
    return hexOfView(this, sep, bytesPerSep);
  }

  /**
   * Value equality, as CPython's `==` on memoryviews: equal shapes (compared
   * up to the first 0), then every item equal as a value, whatever the
   * formats and layouts (NaN is never equal). A released view equals only
   * itself; a non-exporter equals nothing.
   * Never throws: what cannot be compared is unequal.
   */
  equals(other: unknown): boolean {
    return equalsOf(this, other);
  }

  /**
   * Slice assignment: copies `source` (any exporter of the same structure:
   * equal shape, equal format up to a leading '@', equal itemsize) into
   * `this.slice(...keys)`. Overlapping memory is handled as memmove does;
   * the copy is all or nothing.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when source is not an exporter, or for a bad key (as slice).
   * @throws {RangeError} ERR_OUT_OF_RANGE for a key out of range (as slice).
   * @throws {BufferError} ERR_BUFFER_NOT_WRITABLE on a read-only view, ERR_BUFFER_STRUCTURE_MISMATCH
   *   for a source of another shape, format or itemsize, ERR_BUFFER_RELEASED on a released view,
   *   and the source's own export refusals.
   */
  assign(source: unknown, ...keys: SliceKey[]): void {
    assignInto(this, source, keys);
  }

  /**
   * A zero-copy TypedArray over the items: needs a C-contiguous view, an
   * aligned start and a numeric format in host byte order.
   * @throws {BufferError} ERR_BUFFER_NOT_C_CONTIGUOUS, ERR_BUFFER_UNALIGNED,
   *   ERR_BUFFER_NOT_NATIVE_ORDER or ERR_BUFFER_UNSUPPORTED_FORMAT, saying why.
   */
  typed(): TypedOf<F>;
  typed(): ArrayBufferView {
    return typedOfView(this);
  }

  /**
   * A DataView over the bytes the view spans (from its lowest to its highest item).
   * @throws {BufferError} ERR_BUFFER_RELEASED on a released view, or memory its owner closed or transferred.
   */
  dataView(): DataView {
    return dataViewOf(this);
  }

  /** The layout as operations see it: an empty view shows an in-buffer offset (see byteOffset). */
  #placed(): Placed {
    const v = this.#layout;
    return v.len !== 0 ? v : { ...v, byteOffset: Math.min(Math.max(v.byteOffset, 0), v.buffer.byteLength) };
  }

  // ---- lifecycle --------------------------------------------------------

  /**
   * Releases the view; the shared export of the object goes with the last
   * view. Calling it again does nothing.
   * @throws {BufferError} ERR_BUFFER_EXPORTS_ACTIVE while getBuffer exports of this view are live.
   */
  release(): void {
    if (this.#gone !== 0) return;
    const n = this.exports;
    if (n > 0) throw new BufferError('ERR_BUFFER_EXPORTS_ACTIVE', `memoryview has ${n} exported buffer${n === 1 ? '' : 's'}`);
    if (this.#mirrored) native.viewMirror.releaseViewMirror(this);
    this.#gone = -1;
    this.#access = null;
    const mbuf = this.#mbuf;
    this.#mbuf = RELEASED_FAMILY;
    mbuf.unregister();
  }

  /**
   * `release()`, for `using`.
   * @throws {BufferError} ERR_BUFFER_EXPORTS_ACTIVE while getBuffer exports of this view are live.
   */
  [disposeSymbol](): void {
    this.release();
  }

  /**
   * 1-D: the items. N-d: the sub-views along the first axis (NumPy's iteration).
   * @throws {BufferError} ERR_BUFFER_ZERO_DIM for a 0-d view; ERR_BUFFER_UNSUPPORTED_FORMAT for items
   *   without item access; ERR_BUFFER_RELEASED on a released view.
   */
  *[Symbol.iterator](): Iterator<Item | MemoryView> {
    yield* iterateView(this);
  }

  // ---- export -----------------------------------------------------------

  static {
    defineExporter(
      this,
      'a MemoryView',
      (obj) => #mbuf in obj,
      (obj, flags) => obj.#export(flags),
    );
    setViewInternals({
      of: (view) => ({
        layout: view.#layout,
        mbuf: view.#mbuf,
        check: () => void view.#live(),
        checkAttached: () => view.#checkAttached(),
        placed: () => view.#placed(),
        items: () => view.#items(),
        derive: (changes) => view.#derive(changes),
        mirrorForC: () => view.#mirrorForC(),
      }),
      isView: (obj): obj is MemoryView => typeof obj === 'object' && obj !== null && #mbuf in obj,
      make: (mbuf, layout) => MemoryView.#make(mbuf, layout),
    });
    holdExport = (view) => view.#hold();
    endHeldExport = (view) => {
      view.#exports--;
    };
    makeView = (mbuf, layout) => MemoryView.#make(mbuf, layout);
  }

  /** PEP 688 form of getBuffer(this, flags). */
  declare [bufferProtocol.getBuffer]: ExporterMethods[typeof bufferProtocol.getBuffer];
  /** PEP 688 form of view.release(): ends an export of this view. */
  declare [bufferProtocol.releaseBuffer]: ExporterMethods[typeof bufferProtocol.releaseBuffer];

  /**
   * Leaves a mirror of this view's layout in the binding, so that C's
   * later get_buffer calls need no call back here. Called by the facade
   * after it exported the view to C; the layout is the view's own, which
   * never changes, and the binding checks it against the memory each time.
   */
  #mirrorForC(): void {
    if (this.#mirrored || this.#gone !== 0) return;
    const p = this.#placed();
    const region = regionOf(p.buffer) ?? null;
    native.viewMirror.mirrorView(
      this,
      p.buffer,
      region,
      p.format!,
      p.itemsize,
      p.byteOffset,
      p.len,
      this.#layout.readonly,
      p.shape,
      p.strides,
    );
    this.#mirrored = true;
  }

  /** An export of this view that another exporter's export holds (a BufferObject's): counted, checked as #export is. */
  #hold(): Placed {
    this.#live();
    this.#checkAttached();
    this.#exports++;
    return this.#placed();
  }

  /** memory_getbuf: this view as an exporter. */
  #export(flags: number): BufferInfo {
    this.#live();
    this.#checkAttached();
    const kit = (this.#exportKit ??= this.#makeExportKit());
    let seen = kit.flags === flags ? kit.seen! : null;
    if (seen === null) {
      const negotiated = negotiate(this.#placed(), this.#layout.readonly, flags);
      // Negotiation hands on the layout's own arrays or none: exports get the
      // frozen copies instead (a consumer writing to an export's strides
      // cannot move the view).
      seen = negotiatedOf(negotiated.format, negotiated.ndim, negotiated.shape && kit.shape, negotiated.strides && kit.strides);
      kit.flags = flags;
      kit.seen = seen;
    }
    // An empty view's offset is kept inside its buffer as it is now (see #placed).
    const memory = this.#layout.len !== 0 ? kit.memory : placedMemory(this.#placed());
    this.#exports++;
    return BufferInfoImpl.of(this, memory, this.#layout.readonly, seen, kit.end);
  }

  #makeExportKit(): ExportKit {
    const placed = this.#placed();
    return {
      end: sharedRelease(() => {
        this.#exports--;
      }),
      memory: placedMemory(placed),
      shape: Object.freeze([...placed.shape]),
      strides: Object.freeze([...placed.strides]),
      flags: -1,
      seen: null,
    };
  }

  get [Symbol.toStringTag](): string {
    return 'MemoryView';
  }
}

brandMemoryView(MemoryView.prototype);

// Views (and their families) of nothing, made at once and dropped, not
// released: they hold no export, and a release would write #gone,
// which V8 then no longer treats as a constant field: every get() in the
// process would load it (1.12 -> 0.93-0.99 ns an item, ndarray 1.06, until
// the program releases a view itself).
const nothing = new ArrayBuffer(0);
settleShape(
  () =>
    makeView(
      ManagedBuffer.ofBuiltin(null, { buffer: nothing, byteOffset: 0, len: 0, format: 'B', itemsize: 1, values: null }),
      layout1(nothing, 0, 'B', 1, 0, 1, false),
    ),
  () => {},
);

export { isMemoryView, memoryview } from './whole-view';
