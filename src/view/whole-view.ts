// What a memoryview does beyond its state and fast path: memoryview(obj,
// layout), the general item get and set, iteration, and the whole-view
// operations (toList, toBytes, hex, equals, assign, typed, dataView). They
// work on the view's state through ViewInternals, which memory-view.ts
// hands over once (setViewInternals): the class keeps its private fields,
// and this file needs no import of it at run time.
import { builtinMemory, type BuiltinMemory } from '../export/builtin';
import { internalExporter, maybeOwnExporter } from '../export/exporters';
import { getBuffer } from '../export/get-buffer';
import { ExportHold, placedFromInfo, releaseQuietly, type BufferInfo } from '../export/buffer-info';
import { holdRegion, type RegionHold } from '../owners/region-owner';
import { BufferError, invalidArgType, outOfRange } from '../errors';
import { BufferFlags } from '../flags';
import { memoryGone } from '../internal/memory';
import { checkOrder } from '../internal/validate';
import { contiguousStrides, type Placed } from '../layout/layout';
import type { SliceKey } from '../layout/slice-key';
import { checkedIndex, codecOf, listOf, offsetOf, readItem, typedOf, writeItem } from './item-access';
import type { ItemAccess, NestedList } from './item-access';
import type { Item } from './items';
import type { FormatOf } from './format-types';
import type { Exporter } from '../export/exporter';
import { ManagedBuffer } from './managed-buffer';
import type { MemoryView } from './memory-view';
import {
  layout1,
  layoutOf,
  readWantedLayout,
  reinterpret,
  viewLayout,
  type MemoryViewLayout,
  type ViewLayout,
  type ViewParts,
  type Region,
  type WantedLayout,
  withExporterFormat,
} from './transforms';
import { byteRange, compareViews, copyItems, hexOf, toBytesForUser } from './view-ops';

/** What the operations here may see of a view. */
export interface ViewInternals {
  readonly layout: ViewLayout;
  readonly mbuf: ManagedBuffer;
  /** @throws ERR_BUFFER_RELEASED once released. */
  check(): void;
  /** @throws ERR_BUFFER_RELEASED once the owner took the memory away. */
  checkAttached(): void;
  /** The layout with an in-buffer offset for an empty view (see byteOffset). */
  placed(): Placed;
  /** Item access, set up on first use. */
  items(): ItemAccess;
  /** A new view of the same export with some parts changed (re-checks that this one is live). */
  derive(changes: Partial<ViewParts>): MemoryView;
  /** Mirrors the view's layout in the binding for C's get_buffer (once). */
  mirrorForC(): void;
}

/** What MemoryView hands over: its internals, its brand check and its private constructor. */
export interface ViewFriend {
  of(view: MemoryView): ViewInternals;
  isView(obj: unknown): obj is MemoryView;
  make(mbuf: ManagedBuffer, layout: ViewLayout): MemoryView;
}

let friend: ViewFriend;
const internalsOf = (view: MemoryView): ViewInternals => friend.of(view);

/**
 * A family's first view: its memory (`whole`, `readonly`, in `exporterFormat`
 * as its exporter describes it) reinterpreted by `wanted`.
 */
function reinterpreted(
  mbuf: ManagedBuffer,
  whole: Region,
  readonly: boolean,
  exporterFormat: string | null,
  wanted: WantedLayout,
): MemoryView {
  // A layout without a format takes the object's: a Float32Array stays 'f'.
  const resolved = withExporterFormat(wanted, exporterFormat);
  return friend.make(mbuf, viewLayout(reinterpret(mbuf.buffer, whole, readonly, resolved)));
}

/** memoryview(owner, layout) of a NativeBuffer or MappedFile, whose count `region` holds. */
function viewOfRegion(obj: object, region: RegionHold, wanted: WantedLayout | undefined): MemoryView {
  let hold: ExportHold;
  try {
    hold = new ExportHold(obj, region.release);
  } catch (error) {
    region.release();
    throw error;
  }
  try {
    const mbuf = ManagedBuffer.ofHold(obj, region.buffer, hold, region.bytes);
    const { buffer, length, layout, readonly } = region;
    if (wanted !== undefined) {
      const whole =
        layout === null
          ? { byteOffset: 0, len: length, contiguous: true }
          : { byteOffset: layout.byteOffset, len: layout.len, contiguous: layout.cContiguous };
      return reinterpreted(mbuf, whole, readonly, layout?.format ?? 'B', wanted);
    }
    if (layout === null) return friend.make(mbuf, layout1(buffer, 0, 'B', 1, length, 1, readonly));
    // The owner's arrays are frozen and shared by its exports: the view reads its own copies.
    const { byteOffset, format, itemsize, shape, strides } = layout;
    return friend.make(mbuf, layoutOf(buffer, byteOffset, format ?? 'B', itemsize, [...shape], [...strides], readonly));
  } catch (error) {
    hold.release();
    throw error;
  }
}

/** Called once, from MemoryView's static block. */
export function setViewInternals(given: ViewFriend): void {
  friend = given;
}

/** memoryview(obj, layout). */
export function createView(obj: unknown, layout: MemoryViewLayout | undefined): MemoryView {
  // The two calls a loop makes, memoryview(typedArray) and
  // memoryview(nativeBuffer), first and small: V8 inlines this much into the
  // loop, and the general path below is too large to be.
  if (layout === undefined && typeof obj === 'object' && obj !== null) {
    if (!maybeOwnExporter(obj)) {
      const builtin = builtinMemory(obj);
      if (builtin !== null) return viewOfBuiltin(obj, builtin);
    } else {
      // Null for a MemoryView or BufferObject, which the general path takes.
      const region = internalExporter(obj) !== null ? holdRegion(obj) : null;
      if (region !== null) return viewOfRegion(obj, region, undefined);
    }
  }
  return createGeneral(obj, layout);
}

/** memoryview(builtin) of the built-in memory `builtin` of `obj`: a family with no count to give back. */
function viewOfBuiltin(obj: object, builtin: BuiltinMemory): MemoryView {
  const { buffer, byteOffset, len, format, itemsize } = builtin;
  return friend.make(
    ManagedBuffer.ofBuiltin(obj, builtin),
    layout1(buffer, byteOffset, format, itemsize, len / itemsize, itemsize, false),
  );
}

function createGeneral(obj: unknown, layout: MemoryViewLayout | undefined): MemoryView {
  // Every user value of the layout is read once, into plain values, before
  // the memory is looked at: a getter on shape[0] that detaches or closes
  // the memory then finds nothing exported, and the export that follows
  // sees the memory as it is.
  const wanted = layout === undefined ? undefined : readWantedLayout(layout);
  if (friend.isView(obj)) {
    const base = friend.of(obj);
    base.check();
    if (wanted === undefined) return base.derive({});
    base.checkAttached();
    const placed = base.placed();
    const whole = { byteOffset: placed.byteOffset, len: placed.len, contiguous: placed.cContiguous };
    return reinterpreted(base.mbuf, whole, base.layout.readonly, base.layout.format, wanted);
  }
  // Without a layout, createView has already taken built-in memory and
  // NativeBuffers and MappedFiles: what remains goes through getBuffer.
  if (wanted !== undefined && typeof obj === 'object' && obj !== null) {
    // Built-in memory needs no export object: its export holds nothing to give back.
    const builtin = maybeOwnExporter(obj) ? null : builtinMemory(obj);
    if (builtin !== null) {
      const { byteOffset, len, format } = builtin;
      return reinterpreted(ManagedBuffer.ofBuiltin(obj, builtin), { byteOffset, len, contiguous: true }, false, format, wanted);
    }
    // A NativeBuffer's or MappedFile's family holds the owner's count itself,
    // checked as getBuffer(obj, FULL_RO) would: no BufferInfo, negotiation
    // or arrays of an export that only the family would see.
    // Told by brand as getBuffer tells them (internalExporter): an object with
    // a swapped prototype is then refused as getBuffer refuses it.
    const region = internalExporter(obj) !== null ? holdRegion(obj) : null;
    if (region !== null) return viewOfRegion(obj, region, wanted);
  }
  const master = getBuffer(obj, BufferFlags.FULL_RO);
  try {
    const mbuf = ManagedBuffer.holding(master);
    if (wanted !== undefined) {
      const whole = placedFromInfo(master);
      return reinterpreted(
        mbuf,
        { byteOffset: whole.byteOffset, len: whole.len, contiguous: whole.cContiguous },
        master.readonly,
        master.format,
        wanted,
      );
    }
    // The export's arrays are copied: the view's must be its own (see viewLayout).
    const itemsize = master.itemsize;
    const shape = master.shape === null ? [master.len / itemsize] : [...master.shape];
    const strides = master.strides === null ? contiguousStrides(shape, itemsize, 'C') : [...master.strides];
    return friend.make(
      mbuf,
      layoutOf(master.buffer, master.byteOffset, master.format ?? 'B', itemsize, shape, strides, master.readonly),
    );
  } catch (error) {
    releaseQuietly(master);
    throw error;
  }
}

/**
 * get()'s general path (wrapping, errors, more dimensions), out of get()
 * itself so that get() stays small enough to inline into a caller's loop.
 */
export function getGeneral(
  view: MemoryView,
  i: number | undefined,
  j: number | undefined,
  k: number | undefined,
  l: number | undefined,
  more: readonly number[],
): Item {
  const index: number[] = [];
  if (i !== undefined || j !== undefined || k !== undefined || l !== undefined) index.push(i!);
  if (j !== undefined || k !== undefined || l !== undefined) index.push(j!);
  if (k !== undefined || l !== undefined) index.push(k!);
  if (l !== undefined) index.push(l);
  for (const m of more) index.push(m);
  return getItem(view, index);
}

/** get()'s general path: wrapping, errors, more dimensions. */
export function getItem(view: MemoryView, index: readonly number[]): Item {
  const self = internalsOf(view);
  self.check();
  const items = self.items();
  const codec = codecOf(items, self.layout);
  const offset = offsetOf(self.layout, checkedIndex(self.layout, index, 'get()'));
  return readItem(items, self.mbuf, self.layout, codec, offset);
}

export function setItem(view: MemoryView, index: number | readonly number[], value: Item): void {
  const self = internalsOf(view);
  self.check();
  const items = self.items();
  const codec = codecOf(items, self.layout);
  if (self.layout.readonly) throw new BufferError('ERR_BUFFER_NOT_WRITABLE', 'cannot modify read-only memory');
  const indices = typeof index === 'number' ? [index] : index;
  if (!Array.isArray(indices)) throw invalidArgType('index', 'an integer or an array of integers', index);
  const offset = offsetOf(self.layout, checkedIndex(self.layout, indices, 'set()'));
  const checked = codec.check(value);
  // Reading the indices may have run user code that released the view.
  self.check();
  writeItem(items, self.mbuf, self.layout, codec, offset, checked);
}

/** True for a MemoryView of this copy of the package, by its private brand (no user code runs). */
export function isOwnMemoryView(value: unknown): value is MemoryView {
  return friend.isView(value);
}

/** For the C API's facade: lets C's next get_buffer of `view` skip JavaScript. */
export function mirrorViewForC(view: MemoryView): void {
  internalsOf(view).mirrorForC();
}

/** 1-D: the items. N-d: the sub-views along the first axis (NumPy's iteration). */
export function* iterateView(view: MemoryView): Generator<Item | MemoryView, void, undefined> {
  const self = internalsOf(view);
  self.check();
  const shape = self.layout.shape;
  if (shape.length === 0) throw new BufferError('ERR_BUFFER_ZERO_DIM', 'memoryview: invalid indexing of 0-dim memory');
  const n = shape[0]!;
  if (shape.length === 1) {
    for (let i = 0; i < n; i++) yield view.get(i);
  } else {
    for (let i = 0; i < n; i++) yield view.slice(i);
  }
}

const kIsMemoryView = Symbol.for('buffer-protocol.MemoryView');

/** Brands `proto` as a MemoryView prototype, recognised by every copy of this package. */
export function brandMemoryView(proto: object): void {
  Object.defineProperty(proto, kIsMemoryView, { value: true });
}

/** True for a MemoryView of this package, from any realm or copy. */
export function isMemoryView(value: unknown): value is MemoryView {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kIsMemoryView] === true;
}

export function toListOf(view: MemoryView): NestedList {
  const self = internalsOf(view);
  self.check();
  const items = self.items();
  return listOf(items, self.mbuf, self.layout, codecOf(items, self.layout));
}

export function toBytesOf(view: MemoryView, order: 'C' | 'F' | 'A'): Uint8Array {
  if (order === undefined || order === null) order = 'C';
  checkOrder(order);
  const self = internalsOf(view);
  self.check();
  self.checkAttached();
  const v = self.layout;
  const fortran = order === 'F' || (order === 'A' && v.fContiguous && !v.cContiguous);
  return toBytesForUser(self.placed(), fortran);
}

// CPython's order: Argument Clinic converts bytes_per_sep to a C int
// (TypeError, OverflowError) before the method checks sep and the view.
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

export function hexOfView(view: MemoryView, sep: string | undefined, bytesPerSep: number | boolean): string {
  const group = typeof bytesPerSep === 'boolean' ? Number(bytesPerSep) : bytesPerSep;
  if (typeof group !== 'number' || !Number.isInteger(group)) throw invalidArgType('bytesPerSep', 'an integer', bytesPerSep);
  if (group < INT_MIN || group > INT_MAX)
    throw outOfRange('bytesPerSep', `an integer >= ${INT_MIN} and <= ${INT_MAX} (a C int)`, bytesPerSep);
  internalsOf(view).check();
  if (sep !== undefined) {
    if (typeof sep !== 'string') throw invalidArgType('sep', 'a one-character string', sep);
    if (sep.length !== 1) throw outOfRange('sep', 'of length 1', JSON.stringify(sep));
    if (sep.charCodeAt(0) > 0x7f) throw outOfRange('sep', 'ASCII', JSON.stringify(sep));
  }
  return hexOf(view.toBytes('C'), sep, group);
}

export function equalsOf(view: MemoryView, other: unknown): boolean {
  if (view.released) return other === view;
  const self = internalsOf(view);
  // Memory detached by its owner holds no values to compare.
  if (memoryGone(self.layout.buffer, self.layout.len)) return false;
  const mine = self.placed();
  if (other === view) return compareViews(mine, mine);
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

export function assignInto(view: MemoryView, source: unknown, keys: readonly SliceKey[]): void {
  const self = internalsOf(view);
  self.check();
  const targetView = keys.length === 0 ? view : view.slice(...keys);
  try {
    const target = internalsOf(targetView);
    const t = target.layout;
    if (t.readonly) throw new BufferError('ERR_BUFFER_NOT_WRITABLE', 'cannot modify read-only memory');
    const info = getBuffer(source, BufferFlags.FULL_RO);
    try {
      // The source's hook may have released this view (CPython's gh-92888):
      // its memory may no longer be exported, so nothing may be written.
      self.check();
      target.check();
      const src = placedFromInfo(info);
      const sameShape = src.ndim === t.ndim && src.shape.every((d, i) => d === t.shape[i]);
      const sameFormat = (src.format ?? 'B').replace(/^@/, '') === t.format.replace(/^@/, '');
      if (!sameFormat || src.itemsize !== t.itemsize || !sameShape) {
        throw new BufferError(
          'ERR_BUFFER_STRUCTURE_MISMATCH',
          'memoryview assignment: lvalue and rvalue have different structures',
        );
      }
      target.checkAttached();
      copyItems(target.placed(), src);
    } finally {
      releaseQuietly(info);
    }
  } finally {
    if (targetView !== view) targetView.release();
  }
}

export function typedOfView(view: MemoryView): ArrayBufferView {
  const self = internalsOf(view);
  self.check();
  self.checkAttached();
  return typedOf(self.layout, self.placed().byteOffset);
}

export function dataViewOf(view: MemoryView): DataView {
  const self = internalsOf(view);
  self.check();
  self.checkAttached();
  const [start, end] = byteRange(self.placed());
  return new DataView(self.layout.buffer, start, end - start);
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
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when obj is not an exporter or layout has fields of the wrong type.
 * @throws {BufferError} ERR_BUFFER_BAD_FORMAT for a format struct refuses (with a hint for NumPy dtype strings),
 *   ERR_BUFFER_OUT_OF_BOUNDS for a layout outside the bytes, ERR_BUFFER_NOT_C_CONTIGUOUS when a layout is
 *   given for bytes that are not contiguous, ERR_BUFFER_RELEASED for released memory, and the exporter's own refusals.
 */
export function memoryview<const F extends string>(
  obj: Exporter,
  layout: MemoryViewLayout & { readonly format: F },
): MemoryView<F>;
export function memoryview<T extends Exporter>(
  obj: T,
  layout?: MemoryViewLayout & { readonly format?: undefined },
): MemoryView<FormatOf<T>>;
export function memoryview(obj: Exporter, layout?: MemoryViewLayout): MemoryView;
export function memoryview(obj: unknown, layout?: MemoryViewLayout): MemoryView {
  return createView(obj, layout);
}
