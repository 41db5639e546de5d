// memoryview for JavaScript: CPython's semantics, plus NumPy-style N-d
// slicing, transpose and reshape, and zero-copy typed access.
//
// Ownership rules (CPython's): every view derived from one memoryview()
// call shares one ManagedBuffer, i.e. one export of the underlying object,
// released when the last view is released or collected. A view's shape and
// strides are its own. A view that has exported buffers of its own (to
// getBuffer consumers) refuses release() until they are released.
import { BufferInfoImpl, disposeSymbol, releaseOwnExport, releaseQuietly, type BufferInfo } from '../export/buffer-info';
import { BufferError, invalidArgType, outOfRange } from '../errors';
import { BufferFlags, checkFlags } from '../flags';
import { parseFormat } from '../layout/format';
import { anyArrayBufferLength, getBuffer } from '../export/get-buffer';
import { codecFor, type Item, type ItemCodec } from './items';
import { checkInteger, checkOrder } from '../internal/validate';
import {
  contiguousStrides,
  isCContiguousLayout,
  isFContiguousLayout,
  negotiate,
  placeLayout,
  readLayoutSpec,
  type LayoutOptions,
  type LayoutSpec,
  type PlainLayoutSpec,
} from '../layout/layout';
import { ManagedBuffer } from './managed-buffer';
import { bufferProtocol, registerExporter } from '../protocol';
import { reshapeStrides } from '../layout/reshape';
import { checkIndex, resolveKey, type SliceKey } from '../layout/slice-key';
import { byteRange, compareViews, copyItems, hexOf, placedFromInfo, toBytesForUser, type Placed } from './view-ops';

export type { Item } from './items';
export type { SliceKey } from '../layout/slice-key';

/** Options of {@link memoryview}: reinterpret the raw bytes, as `np.ndarray(shape, dtype, buffer, offset, strides)`. */
export interface MemoryViewLayout extends LayoutOptions {
  /** @default the object's own read-only flag */
  readonly readonly?: boolean;
}

/** A view's own fields: its placed layout plus the read-only flag. */
type ViewFields = Placed & { readonly format: string; readonly readonly: boolean };

interface Access {
  readonly codec: ItemCodec | null;
  /** A TypedArray over the whole block, when items are aligned and in host order. */
  readonly fast: ArrayLike<number | bigint> | null;
  /** A reader for up to three indices (null: the general path only). */
  readonly fastGet: FastGet | null;
}

/** get()'s inline path: element index = base + i * s0 + j * s1. */
interface Direct {
  readonly a: Record<number, Item | undefined>;
  readonly ndim: number;
  readonly base: number;
  readonly s0: number;
  readonly s1: number;
  readonly n0: number;
  readonly n1: number;
}

type FastGet = (i: number, j: number | undefined, k: number | undefined) => Item | undefined;

/** The nested array `toList()` returns: items, arrays of items, ... */
export type NestedList = Item | NestedList[];

type Fields = {
  buffer: ArrayBuffer | SharedArrayBuffer;
  byteOffset: number;
  format: string;
  itemsize: number;
  shape: readonly number[];
  strides: readonly number[];
  readonly: boolean;
};

const CAST_CODES = new Set('cbB?hHiIlLqQnNfdeP');
const LAYOUT_KEYS = new Set(['format', 'shape', 'strides', 'byteOffset', 'readonly']);
const BYTE_CODES = new Set('bBc');

// Views dropped without release() give their hold on the shared export back.
const dropped = new FinalizationRegistry<ManagedBuffer>((mbuf) => mbuf.unregister());

function released(): BufferError {
  return new BufferError('ERR_BUFFER_RELEASED', 'operation forbidden on released memoryview object');
}

function invalidCast(message: string): BufferError {
  return new BufferError('ERR_BUFFER_INVALID_CAST', `memoryview: ${message}`);
}

/** The code of a native single-character format ('i', '@i'), or null. */
function nativeCode(format: string): string | null {
  const f = format.startsWith('@') ? format.slice(1) : format;
  return f.length === 1 && CAST_CODES.has(f) ? f : null;
}

export class MemoryView implements Iterable<Item | MemoryView> {
  // Few fields on purpose: V8 turns objects with many out-of-object fields
  // into slow dictionaries, which costs get() 20x.
  readonly #mbuf: ManagedBuffer;
  readonly #v: ViewFields;
  #exports = 0;
  #released = false;
  // Item access, decided on first use: a TypedArray over the whole block
  // when items are aligned and in host order, else a DataView.
  #acc: Access | null = null;
  // get()'s inline path, for 1-D and 2-D views whose items are TypedArray elements.
  #d: Direct | null = null;

  private constructor(mbuf: ManagedBuffer, fields: Fields) {
    this.#mbuf = mbuf;
    const shape = Object.freeze([...fields.shape]);
    const strides = Object.freeze([...fields.strides]);
    let len = fields.itemsize;
    for (const d of shape) len *= d;
    let c: boolean;
    let f: boolean;
    if (shape.length === 1) {
      // memoryview's own 1-D rule (MV_CONTIGUOUS_NDIM1), stricter than
      // PyBuffer_IsContiguous: an empty slice with a step is not contiguous.
      c = f = shape[0] === 1 || strides[0] === fields.itemsize;
    } else {
      c = isCContiguousLayout(shape, strides, fields.itemsize, len);
      f = isFContiguousLayout(shape, strides, fields.itemsize, len);
    }
    this.#v = {
      buffer: fields.buffer,
      byteOffset: fields.byteOffset,
      format: fields.format,
      itemsize: fields.itemsize,
      ndim: shape.length,
      shape,
      strides,
      readonly: fields.readonly,
      len,
      cContiguous: c,
      fContiguous: f,
    };
    mbuf.register();
    dropped.register(this, mbuf, this);
  }

  /** @internal memoryview(obj, layout) */
  static create(obj: unknown, layout?: MemoryViewLayout): MemoryView {
    // Every user value of the layout is read once, into plain values, before
    // the memory is looked at: a getter on shape[0] that detaches or closes
    // the memory then finds nothing exported, and the export that follows
    // sees the memory as it is.
    const wanted = layout === undefined ? undefined : MemoryView.#readLayout(layout);
    if (typeof obj === 'object' && obj !== null && #mbuf in obj) {
      const base = obj;
      base.#check();
      if (wanted === undefined) return base.#derive({});
      base.#checkAttached();
      return MemoryView.#reinterpret(base.#mbuf, base.#region(), base.#v.readonly, wanted);
    }
    const master = getBuffer(obj, BufferFlags.FULL_RO);
    const mbuf = new ManagedBuffer(master);
    try {
      const whole = placedFromInfo(master);
      if (wanted !== undefined) {
        const region = { byteOffset: whole.byteOffset, len: whole.len, contiguous: whole.cContiguous };
        return MemoryView.#reinterpret(mbuf, region, master.readonly, wanted);
      }
      return new MemoryView(mbuf, { ...whole, format: whole.format ?? 'B', readonly: master.readonly });
    } catch (error) {
      releaseQuietly(master);
      throw error;
    }
  }

  /** The options of memoryview(obj, layout), checked and read once. */
  static #readLayout(layout: MemoryViewLayout): { spec: PlainLayoutSpec; readonly: boolean | undefined } {
    if (typeof layout !== 'object' || layout === null) throw invalidArgType('layout', 'an object', layout);
    for (const key of Object.keys(layout)) {
      if (!LAYOUT_KEYS.has(key)) throw invalidArgType(`layout.${key}`, `one of ${[...LAYOUT_KEYS].join(', ')}`, key);
    }
    const given: LayoutSpec = { format: layout.format, shape: layout.shape, strides: layout.strides, byteOffset: layout.byteOffset };
    const spec = readLayoutSpec(given, 'layout.');
    const readonly: unknown = layout.readonly;
    if (readonly !== undefined && typeof readonly !== 'boolean') throw invalidArgType('layout.readonly', 'of type boolean', readonly);
    return { spec, readonly };
  }

  /** memoryview(obj, layout): the bytes of a contiguous region, described anew. */
  static #reinterpret(
    mbuf: ManagedBuffer,
    region: { byteOffset: number; len: number; contiguous: boolean },
    baseReadonly: boolean,
    wanted: { spec: PlainLayoutSpec; readonly: boolean | undefined },
  ): MemoryView {
    if (!region.contiguous) {
      throw new BufferError('ERR_BUFFER_NOT_C_CONTIGUOUS', 'memoryview: a layout reinterprets contiguous memory only');
    }
    const checked = placeLayout(wanted.spec, region.len);
    let readonly = baseReadonly;
    if (wanted.readonly !== undefined) {
      if (!wanted.readonly && baseReadonly) throw new BufferError('ERR_BUFFER_NOT_WRITABLE', 'underlying buffer is not writable');
      readonly = wanted.readonly;
    }
    return new MemoryView(mbuf, {
      buffer: mbuf.buffer,
      byteOffset: region.byteOffset + checked.byteOffset,
      format: checked.format!,
      itemsize: checked.itemsize,
      shape: checked.shape,
      strides: checked.strides,
      readonly,
    });
  }

  #check(): void {
    if (this.#released) throw released();
  }

  // The owner's forced close (or a transfer) detaches the memory under us.
  // Asked of the captured built-ins: this check guards exports to C.
  #checkAttached(): void {
    if (this.#v.len > 0 && anyArrayBufferLength(this.#v.buffer) === 0) throw released();
  }

  #derive(changes: Partial<Fields>): MemoryView {
    // Building `changes` may have run user code (getters on shape or key
    // arrays) that released this view: check again (CPython's gh-92888).
    this.#check();
    return new MemoryView(this.#mbuf, {
      buffer: this.#v.buffer,
      byteOffset: this.#v.byteOffset,
      format: this.#v.format,
      itemsize: this.#v.itemsize,
      shape: this.#v.shape,
      strides: this.#v.strides,
      readonly: this.#v.readonly,
      ...changes,
    });
  }

  #region(): { byteOffset: number; len: number; contiguous: boolean } {
    return { byteOffset: this.#visibleOffset(), len: this.#v.len, contiguous: this.#v.cContiguous };
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
    return this.#v.buffer;
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
    if (this.#v.len !== 0) return this.#v.byteOffset;
    return Math.min(Math.max(this.#v.byteOffset, 0), this.#v.buffer.byteLength);
  }
  get nbytes(): number {
    this.#check();
    return this.#v.len;
  }
  get readonly(): boolean {
    this.#check();
    return this.#v.readonly;
  }
  get itemsize(): number {
    this.#check();
    return this.#v.itemsize;
  }
  get format(): string {
    this.#check();
    return this.#v.format;
  }
  get ndim(): number {
    this.#check();
    return this.#v.shape.length;
  }
  get shape(): readonly number[] {
    this.#check();
    return this.#v.shape;
  }
  get strides(): readonly number[] {
    this.#check();
    return this.#v.strides;
  }
  /** Always empty: JavaScript views never hold pointers. */
  get suboffsets(): readonly number[] {
    this.#check();
    return [];
  }
  get cContiguous(): boolean {
    this.#check();
    return this.#v.cContiguous;
  }
  get fContiguous(): boolean {
    this.#check();
    return this.#v.fContiguous;
  }
  get contiguous(): boolean {
    this.#check();
    return this.#v.cContiguous || this.#v.fContiguous;
  }
  get released(): boolean {
    return this.#released;
  }
  /** The length of the first dimension. @throws {BufferError} ERR_BUFFER_ZERO_DIM for a 0-d view. */
  get length(): number {
    this.#check();
    if (this.#v.shape.length === 0) throw new BufferError('ERR_BUFFER_ZERO_DIM', '0-dim memory has no length');
    return this.#v.shape[0]!;
  }
  /** The number of live getBuffer exports of this view. */
  get exports(): number {
    return this.#exports;
  }

  // ---- items ------------------------------------------------------------

  /** Item access for this view, set up on first use. */
  #access(): Access {
    let acc = this.#acc;
    if (acc === null) {
      const codec = codecFor(this.#v.format);
      const fast =
        codec !== null && codec.nativeOrder && this.#aligned(codec.size)
          ? (this.#mbuf.typed(codec.storage as never) as ArrayLike<number | bigint>)
          : null;
      acc = this.#acc = { codec, fast, fastGet: codec === null ? null : this.#makeFastGet(codec, fast) };
    }
    return acc;
  }

  #itemCodec(): ItemCodec {
    const codec = this.#access().codec;
    if (codec === null) {
      throw new BufferError('ERR_BUFFER_UNSUPPORTED_FORMAT', `memoryview: unsupported format ${this.#v.format}`);
    }
    return codec;
  }

  #aligned(size: number): boolean {
    if (this.#v.byteOffset % size !== 0) return false;
    for (let i = 0; i < this.#v.shape.length; i++) {
      if (this.#v.shape[i]! > 1 && this.#v.strides[i]! % size !== 0) return false;
    }
    return true;
  }

  /** The byte offset of the item at already-checked indices. */
  #offsetOf(index: ArrayLike<number>): number {
    let offset = this.#v.byteOffset;
    for (let i = 0; i < index.length; i++) offset += index[i]! * this.#v.strides[i]!;
    return offset;
  }

  #readAt(codec: ItemCodec, offset: number): Item {
    const fast = this.#access().fast;
    if (fast !== null) {
      const raw = fast[offset / codec.size];
      // A detached buffer (forced close of the owner) reads as undefined.
      if (raw === undefined) throw released();
      return codec.fromRaw(raw);
    }
    if (this.#mbuf.released || this.#v.buffer.byteLength === 0) throw released();
    return codec.read(this.#mbuf.dataView(), offset);
  }

  #writeAt(codec: ItemCodec, offset: number, value: Item): void {
    const fast = this.#access().fast;
    if (fast !== null) {
      if (offset / codec.size >= fast.length) throw released();
      (fast as unknown as Record<number, number | bigint>)[offset / codec.size] = codec.toRaw(value);
      return;
    }
    if (this.#v.buffer.byteLength === 0) throw released();
    codec.write(this.#mbuf.dataView(), offset, value);
  }

  #checkedIndex(index: ArrayLike<unknown>, what: string): number[] {
    const ndim = this.#v.shape.length;
    if (index.length !== ndim) {
      if (ndim === 0) throw invalidArgType('index', `nothing: ${what} of a 0-dim view takes no index`, index.length);
      throw invalidArgType('index', `${ndim} integer${ndim === 1 ? '' : 's'} for a ${ndim}-dimension view`, index.length);
    }
    const out = new Array<number>(ndim);
    for (let i = 0; i < ndim; i++) out[i] = checkIndex(index[i], this.#v.shape[i]!, i);
    return out;
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
    // Fast path: a reader specialised for this view on first use, taking
    // the indices straight from `arguments` (no array per call). It only
    // answers in-range, non-negative integer indices and anything it cannot
    // answer (wrapping, errors, a detached buffer) falls through.
    // (An explicit trailing undefined counts as absent here.)
    const d = this.#d;
    if (d !== null) {
      // Items are a TypedArray's elements: 1-D and 2-D index it inline.
      if (d.ndim === 2) {
        if (i! >>> 0 === i && j! >>> 0 === j && i < d.n0 && j < d.n1 && k === undefined) {
          const v = d.a[d.base + i * d.s0 + j * d.s1];
          if (v !== undefined) return v;
        }
      } else if (i! >>> 0 === i && i < d.n0 && j === undefined) {
        const v = d.a[d.base + i * d.s0];
        if (v !== undefined) return v;
      }
    }
    const acc = this.#acc;
    if (acc !== null && acc.fastGet !== null && l === undefined) {
      const value = acc.fastGet(i!, j, k);
      if (value !== undefined) return value;
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
    const codec = this.#itemCodec();
    return this.#readAt(codec, this.#offsetOf(this.#checkedIndex(index, 'get()')));
  }

  /**
   * A reader for up to three indices, specialised on this view's layout:
   * returns undefined for anything but in-range indices below 2**32 (the
   * general path then decides), and for items of a detached buffer.
   */
  #makeFastGet(codec: ItemCodec, fast: ArrayLike<number | bigint> | null): FastGet | null {
    const ndim = this.#v.shape.length;
    if (ndim < 1 || ndim > 3) return null;
    const [n0 = 0, n1 = 0, n2 = 0] = this.#v.shape;
    let [s0 = 0, s1 = 0, s2 = 0] = this.#v.strides;
    let base = this.#v.byteOffset;
    let read: (k: number) => Item | undefined;
    if (fast !== null) {
      const size = codec.size;
      base /= size;
      s0 /= size;
      s1 /= size;
      s2 /= size;
      const fromRaw = codec.fromRaw;
      read =
        codec.valueArray !== null
          ? (k) => fast[k] as Item | undefined
          : (k) => {
              const raw = fast[k];
              return raw === undefined ? undefined : fromRaw(raw);
            };
    } else {
      const dv = this.#mbuf.dataView();
      const buffer = this.#v.buffer;
      const codecRead = codec.read;
      const size = codec.size;
      // An ArrayBuffer's length reads 0 once detached (a DataView's throws).
      read = (k) => (k + size <= buffer.byteLength ? codecRead(dv, k) : undefined);
    }
    // `x >>> 0 === x` accepts exactly the integers in [0, 2**32).
    if (fast !== null && codec.valueArray !== null) {
      // The items are the array's elements: index it directly.
      const a = fast as unknown as Record<number, Item | undefined>;
      if (ndim <= 2) this.#d = { a, ndim, base, s0, s1, n0, n1 };
      if (ndim === 1) {
        return (i, j, k) => (i >>> 0 === i && i < n0 && j === undefined && k === undefined ? a[base + i * s0] : undefined);
      }
      if (ndim === 2) {
        return (i, j, k) =>
          i >>> 0 === i && (j as number) >>> 0 === j && i < n0 && (j as number) < n1 && k === undefined ? a[base + i * s0 + (j as number) * s1] : undefined;
      }
    }
    if (ndim === 1) {
      return (i, j, k) => (i >>> 0 === i && i < n0 && j === undefined && k === undefined ? read(base + i * s0) : undefined);
    }
    if (ndim === 2) {
      return (i, j, k) =>
        i >>> 0 === i && (j as number) >>> 0 === j && i < n0 && (j as number) < n1 && k === undefined ? read(base + i * s0 + (j as number) * s1) : undefined;
    }
    return (i, j, k) =>
      i >>> 0 === i && (j as number) >>> 0 === j && (k as number) >>> 0 === k && i < n0 && (j as number) < n1 && (k as number) < n2 ? read(base + i * s0 + (j as number) * s1 + (k as number) * s2) : undefined;
  }

  /**
   * `m[i, j, ...] = value`. `index` is a number for 1-D views, an array of
   * one index per dimension otherwise (`[]` for 0-d).
   * @throws {BufferError} ERR_BUFFER_NOT_WRITABLE on a read-only view.
   * @throws {TypeError|RangeError} for a value the format cannot hold.
   */
  set(index: number | readonly number[], value: Item): void {
    this.#check();
    const codec = this.#itemCodec();
    if (this.#v.readonly) throw new BufferError('ERR_BUFFER_NOT_WRITABLE', 'cannot modify read-only memory');
    const indices = typeof index === 'number' ? [index] : index;
    if (!Array.isArray(indices)) throw invalidArgType('index', 'an integer or an array of integers', index);
    const offset = this.#offsetOf(this.#checkedIndex(indices, 'set()'));
    const checked = codec.check(value);
    // Reading the indices may have run user code that released the view.
    this.#check();
    this.#writeAt(codec, offset, checked);
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
    const ndim = this.#v.shape.length;
    if (keys.length > ndim) {
      throw invalidArgType('keys', `at most ${ndim} key${ndim === 1 ? '' : 's'} for a ${ndim}-dimension view`, keys.length);
    }
    let byteOffset = this.#v.byteOffset;
    const shape: number[] = [];
    const strides: number[] = [];
    for (let d = 0; d < ndim; d++) {
      const r = resolveKey(keys[d], this.#v.shape[d]!, d);
      const stride = this.#v.strides[d]!;
      if (typeof r === 'number') {
        byteOffset += r * stride;
      } else {
        byteOffset += r.start * stride;
        shape.push(r.length);
        // A huge step only ever selects one item; its stride is then never
        // used, so keep it a safe integer instead of stride * step.
        const stepped = stride * r.step;
        strides.push(r.length <= 1 && !Number.isSafeInteger(stepped) ? stride : stepped);
      }
    }
    return this.#derive({ byteOffset, shape, strides });
  }

  /**
   * Permutes the axes (reversed when none are given). Shares memory.
   * @example m.transpose(1, 0, 2)
   */
  transpose(...axes: number[]): MemoryView {
    this.#check();
    const ndim = this.#v.shape.length;
    let order: number[];
    if (axes.length === 0) {
      order = [...Array(ndim).keys()].reverse();
    } else {
      if (axes.length !== ndim) throw invalidArgType('axes', `a permutation of ${ndim} axes`, axes.length);
      order = axes.map((a, i) => {
        if (typeof a !== 'number' || !Number.isInteger(a)) throw invalidArgType(`axes[${i}]`, 'an integer', a);
        const k = a < 0 ? a + ndim : a;
        if (k < 0 || k >= ndim) throw outOfRange(`axes[${i}]`, `an axis of a ${ndim}-dimension view`, a);
        return k;
      });
      if (new Set(order).size !== ndim) throw outOfRange('axes', 'a permutation with no repeated axis', `[${axes.join(', ')}]`);
    }
    return this.#derive({ shape: order.map((k) => this.#v.shape[k]!), strides: order.map((k) => this.#v.strides[k]!) });
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
    if (!Array.isArray(shape)) throw invalidArgType('shape', 'an array of integers', shape);
    if (shape.length > 64) throw new BufferError('ERR_BUFFER_TOO_MANY_DIMS', 'memoryview: number of dimensions must not exceed 64');
    const dims = shape.map((d, i) => checkInteger(`shape[${i}]`, d, 0));
    const count = this.#v.len / this.#v.itemsize;
    if (dims.reduce((a, b) => a * b, 1) !== count) {
      throw new BufferError('ERR_BUFFER_INVALID_LAYOUT', `cannot reshape ${count} items into shape [${dims.join(', ')}]`);
    }
    const strides = reshapeStrides(this.#v.shape, this.#v.strides, this.#v.itemsize, dims);
    if (strides === null) {
      throw new BufferError('ERR_BUFFER_RESHAPE_NEEDS_COPY', 'memoryview: these strides cannot express the new shape without a copy');
    }
    return this.#derive({ shape: dims, strides });
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
    if (!this.#v.cContiguous) throw new BufferError('ERR_BUFFER_NOT_C_CONTIGUOUS', 'memoryview: casts are restricted to C-contiguous views');
    const ndim = this.#v.shape.length;
    if ((shape !== undefined || ndim !== 1) && this.#v.shape.includes(0)) {
      throw invalidCast('cannot cast view with zeros in shape or strides');
    }
    let newNdim = 1;
    if (shape !== undefined) {
      if (!Array.isArray(shape)) throw invalidArgType('shape', 'an array of integers', shape);
      if (shape.length > 64) throw new BufferError('ERR_BUFFER_TOO_MANY_DIMS', 'memoryview: number of dimensions must not exceed 64');
      newNdim = shape.length;
    }
    if (ndim !== 1 && newNdim !== 1) throw invalidCast('cast must be 1D -> ND or ND -> 1D');
    const dest = nativeCode(format);
    if (dest === null) {
      throw invalidCast("destination format must be a native single character format prefixed with an optional '@'");
    }
    const src = nativeCode(this.#v.format);
    if (!(src !== null && BYTE_CODES.has(src)) && !BYTE_CODES.has(dest)) {
      throw invalidCast('cannot cast between two non-byte formats');
    }
    const itemsize = parseFormat(format).itemsize;
    if (this.#v.len % itemsize !== 0) throw invalidCast('length is not a multiple of itemsize');
    let dims = [this.#v.len / itemsize];
    if (shape !== undefined) {
      dims = shape.map((d, i) => {
        if (typeof d !== 'number' || !Number.isInteger(d)) throw invalidArgType(`shape[${i}]`, 'an integer', d);
        if (d <= 0) throw invalidCast('elements of shape must be integers > 0');
        return d;
      });
      const product = dims.reduce((a, b) => a * b, 1);
      if (!Number.isSafeInteger(product)) throw invalidCast('product(shape) > SSIZE_MAX');
      if (product * itemsize !== this.#v.len) throw invalidCast('product(shape) * itemsize != buffer size');
    }
    return this.#derive({ format, itemsize, shape: dims, strides: contiguousStrides(dims, itemsize, 'C') });
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
    const codec = this.#itemCodec();
    const shape = this.#v.shape;
    const strides = this.#v.strides;
    const fast = this.#access().fast;
    if (fast !== null && fast.length === 0 && this.#v.len > 0) throw released();
    if (fast === null && this.#v.buffer.byteLength === 0 && this.#v.len > 0) throw released();
    const dv = fast === null ? this.#mbuf.dataView() : null;
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
    if (shape.length === 0) return this.#readAt(codec, this.#v.byteOffset);
    return walk(0, this.#v.byteOffset);
  }

  /**
   * The bytes of the items in C, Fortran or 'A' order (Fortran bytes for an
   * F-contiguous view, C otherwise): `PyBuffer_ToContiguous`. Always a copy.
   */
  toBytes(order: 'C' | 'F' | 'A' = 'C'): Uint8Array {
    if (order === undefined || order === null) order = 'C';
    checkOrder(order);
    this.#check();
    if (this.#v.buffer.byteLength === 0 && this.#v.len > 0) throw released();
    const fortran = order === 'F' || (order === 'A' && this.#v.fContiguous && !this.#v.cContiguous);
    return toBytesForUser(this.#layoutOf(), fortran);
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
    if (this.#v.len > 0 && this.#v.buffer.byteLength === 0) return false;
    if (other === this) return this.#equalToSelf();
    if (isMemoryView(other) && (other as MemoryView).released) return false;
    let info: BufferInfo;
    try {
      info = getBuffer(other, BufferFlags.FULL_RO);
    } catch {
      return false;
    }
    try {
      const theirs = placedFromInfo(info);
      return compareViews(this.#layoutOf(), theirs);
    } finally {
      releaseQuietly(info);
    }
  }

  #equalToSelf(): boolean {
    const mine = this.#layoutOf();
    return compareViews(mine, mine);
  }

  #layoutOf(): Placed {
    // An empty view shows an in-buffer offset (see byteOffset).
    const v = this.#v;
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
      if (target.#v.readonly) throw new BufferError('ERR_BUFFER_NOT_WRITABLE', 'cannot modify read-only memory');
      const info = getBuffer(source, BufferFlags.FULL_RO);
      try {
        // The source's hook may have released this view (CPython's gh-92888):
        // its memory may no longer be exported, so nothing may be written.
        this.#check();
        target.#check();
        const src = placedFromInfo(info);
        const sameShape = src.ndim === target.#v.ndim && src.shape.every((d, i) => d === target.#v.shape[i]);
        if ((src.format ?? 'B').replace(/^@/, '') !== target.#v.format.replace(/^@/, '') || src.itemsize !== target.#v.itemsize || !sameShape) {
          throw new BufferError('ERR_BUFFER_STRUCTURE_MISMATCH', 'memoryview assignment: lvalue and rvalue have different structures');
        }
        if (target.#v.buffer.byteLength === 0 && target.#v.len > 0) throw released();
        copyItems(target.#layoutOf(), src);
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
    const codec = codecFor(this.#v.format);
    const ctor = codec?.valueArray ?? (codec?.kind === 'f16' ? (globalThis as { Float16Array?: typeof Float32Array }).Float16Array : undefined);
    if (codec === null || ctor === undefined || ctor === null) {
      throw new BufferError('ERR_BUFFER_UNSUPPORTED_FORMAT', `memoryview: no TypedArray holds items of format ${this.#v.format}`);
    }
    if (!this.#v.cContiguous) throw new BufferError('ERR_BUFFER_NOT_C_CONTIGUOUS', 'memoryview: typed() needs a C-contiguous view');
    if (!codec.nativeOrder) throw new BufferError('ERR_BUFFER_NOT_NATIVE_ORDER', `memoryview: format ${this.#v.format} is not in host byte order`);
    const offset = this.#visibleOffset();
    if (offset % codec.size !== 0) {
      throw new BufferError('ERR_BUFFER_UNALIGNED', `memoryview: byte offset ${offset} is not a multiple of ${codec.size}`);
    }
    return new ctor(this.#v.buffer as ArrayBuffer, offset, this.#v.len / codec.size);
  }

  /** A DataView over the bytes the view spans (from its lowest to its highest item). */
  dataView(): DataView {
    this.#check();
    this.#checkAttached();
    const [start, end] = byteRange(this.#layoutOf());
    return new DataView(this.#v.buffer, start, end - start);
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
    this.#acc = null;
    this.#d = null;
    dropped.unregister(this);
    this.#mbuf.unregister();
  }

  [disposeSymbol](): void {
    this.release();
  }

  /** 1-D: the items. N-d: the sub-views along the first axis (NumPy's iteration). */
  *[Symbol.iterator](): Iterator<Item | MemoryView> {
    this.#check();
    if (this.#v.shape.length === 0) throw new BufferError('ERR_BUFFER_ZERO_DIM', 'memoryview: invalid indexing of 0-dim memory');
    const n = this.#v.shape[0]!;
    if (this.#v.shape.length === 1) {
      for (let i = 0; i < n; i++) yield this.get(i);
    } else {
      for (let i = 0; i < n; i++) yield this.slice(i);
    }
  }

  static {
    registerExporter(
      (obj) => #mbuf in obj,
      (obj, flags) => (obj as MemoryView).#export(flags),
    );
  }

  /** memory_getbuf: this view as an exporter. */
  #export(flags: number): BufferInfo {
    this.#check();
    this.#checkAttached();
    const seen = negotiate(this.#layoutOf(), this.#v.readonly, flags);
    this.#exports++;
    return new BufferInfoImpl(this, this.#v.buffer, this.#visibleOffset(), this.#v.len, this.#v.readonly, this.#v.itemsize, seen.format,
      seen.ndim, seen.shape, seen.strides, () => {
        this.#exports--;
      });
  }

  /** PEP 688 form of getBuffer(this, flags). */
  [bufferProtocol.getBuffer](flags: number = BufferFlags.FULL_RO): BufferInfo {
    if (typeof this !== 'object' || this === null || !(#mbuf in this)) throw invalidArgType('this', 'a MemoryView', this);
    checkFlags(flags);
    return this.#export(flags);
  }

  /** PEP 688 form of view.release(): ends an export of this view. */
  [bufferProtocol.releaseBuffer](view: BufferInfo): void {
    releaseOwnExport(this, view);
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
