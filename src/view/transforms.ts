// A memoryview's layout and the transforms that describe new views of the
// same memory: memoryview(obj, layout), slice, transpose, reshape and cast.
// Each one checks its arguments against the view's layout and returns the
// parts of the new view; the class builds it (and re-checks that it is not
// released, as user code may have run).
import { BufferError, invalidArgType, outOfRange } from '../errors';
import { checkInteger, packedZeros } from '../internal/validate';
import { parseFormat, itemFormat } from '../layout/format';
import {
  contiguousStrides,
  isCContiguousLayout,
  isFContiguousLayout,
  placeLayout,
  readLayoutSpec,
  type LayoutOptions,
  type LayoutSpec,
  type Placed,
  type PlainLayoutSpec,
} from '../layout/layout';
import { reshapeStrides } from '../layout/reshape';
import { resolveKey, type Range, type SliceKey } from '../layout/slice-key';

/** Options of {@link memoryview}: reinterpret the raw bytes, as `np.ndarray(shape, dtype, buffer, offset, strides)`. */
export interface MemoryViewLayout extends LayoutOptions {
  /** @default the object's own read-only flag */
  readonly readonly?: boolean;
}

/** The parts a view is made of. */
export type ViewParts = {
  buffer: ArrayBuffer | SharedArrayBuffer;
  byteOffset: number;
  format: string;
  itemsize: number;
  shape: readonly number[];
  strides: readonly number[];
  readonly: boolean;
};

/**
 * get()'s geometry, made with the layout so that get() needs nothing made
 * later: the extents of the first three dimensions, and their strides
 * counted in items (0 for a dimension of one item). Both are 0 past ndim,
 * and all are 0 (no index passes get()'s fast path) when a stride is not a
 * whole number of items: a fraction here would turn these fields into
 * doubles in every layout.
 */
export interface ItemGeometry {
  readonly extent0: number;
  readonly extent1: number;
  readonly extent2: number;
  readonly itemStride0: number;
  readonly itemStride1: number;
  readonly itemStride2: number;
}

/** A view's own layout: its parts placed (length, contiguity), frozen. */
export type ViewLayout = Placed & ItemGeometry & { readonly format: string; readonly readonly: boolean };

/** The bytes a view reinterprets: a contiguous region of its memory. */
export interface Region {
  readonly byteOffset: number;
  readonly len: number;
  readonly contiguous: boolean;
}

/** The options of memoryview(obj, layout), checked and read once. */
export interface WantedLayout {
  readonly spec: PlainLayoutSpec;
  readonly readonly: boolean | undefined;
  /** False when the layout named no format: the exporter's own then applies. */
  readonly formatGiven: boolean;
}

/** The wanted layout with the exporter's format where the layout named none. */
export function withExporterFormat(wanted: WantedLayout, format: string | null): WantedLayout {
  if (wanted.formatGiven || format === null || format === wanted.spec.format) return wanted;
  return { ...wanted, spec: { ...wanted.spec, format, itemsize: itemFormat(format).itemsize } };
}

const CAST_CODES = new Set('cbB?hHiIlLqQnNfdeP');
const LAYOUT_KEYS = new Set(['format', 'shape', 'strides', 'byteOffset', 'readonly']);
const BYTE_CODES = new Set('bBc');

function invalidCast(message: string): BufferError {
  return new BufferError('ERR_BUFFER_INVALID_CAST', `memoryview: ${message}`);
}

function tooManyDims(): BufferError {
  return new BufferError('ERR_BUFFER_TOO_MANY_DIMS', 'memoryview: number of dimensions must not exceed 64');
}

/** What cast() needs to know of a format: its native single-character code, if any. */
interface CastInfo {
  /** 'i' for 'i' and '@i'; null for anything cast() refuses. */
  readonly code: string | null;
  /** A byte format ('B', 'b', 'c'), which casts to and from any other. */
  readonly bytes: boolean;
  /** 0 unless `code` is set. */
  readonly itemsize: number;
}

// Two lookups a cast, so a cast costs about what CPython's does; bounded,
// as formats come from callers.
const castInfos = new Map<string, CastInfo>();

// The two formats a cast loop asks about (its source's and its target's),
// answered without the Map.
let castKeyA = '';
let castInfoA: CastInfo | null = null;
let castKeyB = '';
let castInfoB: CastInfo | null = null;

function castInfo(format: string): CastInfo {
  if (format === castKeyA && castInfoA !== null) return castInfoA;
  if (format === castKeyB && castInfoB !== null) return castInfoB;
  return castInfoAnew(format);
}

// castInfo past its two last answers: out of line, so that castInfo stays
// small enough for V8 to inline into a loop's cast() within its budget.
function castInfoAnew(format: string): CastInfo {
  let info = castInfos.get(format);
  if (info === undefined) {
    const f = format.length === 1 ? format : format.length === 2 && format[0] === '@' ? format[1]! : '';
    const code = f !== '' && CAST_CODES.has(f) ? f : null;
    info = { code, bytes: code !== null && BYTE_CODES.has(code), itemsize: code === null ? 0 : parseFormat(format).itemsize };
    if (castInfos.size >= 256) castInfos.clear();
    castInfos.set(format, info);
  }
  castKeyB = castKeyA;
  castInfoB = castInfoA;
  castKeyA = format;
  castInfoA = info;
  return info;
}

/**
 * A view's layout from its parts: length and contiguity. `parts.shape` and
 * `parts.strides` become the view's own: callers pass arrays nobody else
 * holds (every transform makes new ones) or the parent view's. They never
 * leave the package (the view's getters and exports hand out copies), so
 * they need no freezing, which measured 100 ns a view, half of its cost.
 */
export function viewLayout(parts: ViewParts): ViewLayout {
  return layoutOf(parts.buffer, parts.byteOffset, parts.format, parts.itemsize, parts.shape, parts.strides, parts.readonly);
}

// The strides of contiguous 1-D views, one array per itemsize: a view's
// arrays are never written (its getters and exports copy them), so every
// such view can share one, which saves an array a view.
const unitStrides: (readonly number[])[] = [];

/** `[itemsize]`, shared: the strides of a contiguous 1-D view. */
export function unitStridesOf(itemsize: number): readonly number[] {
  return (unitStrides[itemsize] ??= [itemsize]);
}

/** viewLayout from the parts themselves: a transform makes its view's layout with no parts object between. */
export function layoutOf(
  buffer: ArrayBuffer | SharedArrayBuffer,
  byteOffset: number,
  format: string,
  itemsize: number,
  shape: readonly number[],
  strides: readonly number[],
  readonly: boolean,
): ViewLayout {
  let len = itemsize;
  for (const d of shape) len *= d;
  let c: boolean;
  let f: boolean;
  if (shape.length === 1) {
    // layout1's rule.
    c = f = shape[0] === 1 || strides[0] === itemsize;
  } else if (len === 0) {
    c = f = true;
  } else {
    // PyBuffer_IsContiguous's two rules, written out here: once every kind
    // of view has been made, calls to the shared helpers are not inlined.
    const n = shape.length;
    let sc = itemsize;
    let sf = itemsize;
    c = f = true;
    for (let k = 0; k < n; k++) {
      const dc = shape[n - 1 - k]!;
      const df = shape[k]!;
      if (dc > 1 && strides[n - 1 - k] !== sc) c = false;
      if (df > 1 && strides[k] !== sf) f = false;
      sc *= dc;
      sf *= df;
    }
  }
  const ndim = shape.length;
  // A dimension of one item never steps: its stride counts as 0 (it may be any number).
  const s0 = ndim > 0 && shape[0]! > 1 ? strides[0]! / itemsize : 0;
  const s1 = ndim > 1 && shape[1]! > 1 ? strides[1]! / itemsize : 0;
  const s2 = ndim > 2 && shape[2]! > 1 ? strides[2]! / itemsize : 0;
  const whole = Number.isSafeInteger(s0) && Number.isSafeInteger(s1) && Number.isSafeInteger(s2);
  return {
    buffer,
    byteOffset,
    format,
    itemsize,
    ndim,
    shape,
    strides,
    readonly,
    len,
    cContiguous: c,
    fContiguous: f,
    extent0: whole && ndim > 0 ? shape[0]! : 0,
    extent1: whole && ndim > 1 ? shape[1]! : 0,
    extent2: whole && ndim > 2 ? shape[2]! : 0,
    itemStride0: whole ? s0 : 0,
    itemStride1: whole ? s1 : 0,
    itemStride2: whole ? s2 : 0,
  };
}

/**
 * layoutOf for a one-dimensional view of `length` items `stride` bytes
 * apart: what memoryview(), a 1-D slice and a cast to 1-D make. Small enough
 * for V8 to inline where a loop makes views.
 */
export function layout1(
  buffer: ArrayBuffer | SharedArrayBuffer,
  byteOffset: number,
  format: string,
  itemsize: number,
  length: number,
  stride: number,
  readonly: boolean,
): ViewLayout {
  // memoryview's own 1-D rule (MV_CONTIGUOUS_NDIM1), stricter than
  // PyBuffer_IsContiguous: an empty slice with a step is not contiguous.
  const contiguous = length === 1 || stride === itemsize;
  const s0 = length > 1 ? stride / itemsize : 0;
  const whole = Number.isSafeInteger(s0);
  // layoutOf's fields in its order: every layout has one V8 map.
  return {
    buffer,
    byteOffset,
    format,
    itemsize,
    ndim: 1,
    shape: [length],
    strides: stride === itemsize ? unitStridesOf(itemsize) : [stride],
    readonly,
    len: length * itemsize,
    cContiguous: contiguous,
    fContiguous: contiguous,
    extent0: whole ? length : 0,
    extent1: 0,
    extent2: 0,
    itemStride0: whole ? s0 : 0,
    itemStride1: 0,
    itemStride2: 0,
  };
}

/** The options of memoryview(obj, layout), checked and read once. */
export function readWantedLayout(layout: MemoryViewLayout): WantedLayout {
  if (typeof layout !== 'object' || layout === null) throw invalidArgType('layout', 'an object', layout);
  for (const key of Object.keys(layout)) {
    if (!LAYOUT_KEYS.has(key)) throw invalidArgType(`layout.${key}`, `one of ${[...LAYOUT_KEYS].join(', ')}`, key);
  }
  const given: LayoutSpec = {
    format: layout.format,
    shape: layout.shape,
    strides: layout.strides,
    byteOffset: layout.byteOffset,
  };
  // Not frozen: the arrays become the view's own, which no one else sees
  // (its getters and exports copy them), and a frozen array is slower to
  // read and to copy for every view derived from it.
  const spec = readLayoutSpec(given, { fieldPrefix: 'layout.', freeze: false });
  const readonly: unknown = layout.readonly;
  if (readonly !== undefined && typeof readonly !== 'boolean')
    throw invalidArgType('layout.readonly', 'of type boolean', readonly);
  return { spec, readonly, formatGiven: given.format !== undefined };
}

/** memoryview(obj, layout): the bytes of a contiguous region, described anew. */
export function reinterpret(
  buffer: ArrayBuffer | SharedArrayBuffer,
  region: Region,
  baseReadonly: boolean,
  wanted: WantedLayout,
): ViewParts {
  if (!region.contiguous) {
    throw new BufferError('ERR_BUFFER_NOT_C_CONTIGUOUS', 'memoryview: a layout reinterprets contiguous memory only');
  }
  const checked = placeLayout(wanted.spec, region.len);
  let readonly = baseReadonly;
  if (wanted.readonly !== undefined) {
    if (!wanted.readonly && baseReadonly) throw new BufferError('ERR_BUFFER_NOT_WRITABLE', 'underlying buffer is not writable');
    readonly = wanted.readonly;
  }
  return {
    buffer,
    byteOffset: region.byteOffset + checked.byteOffset,
    format: checked.format!,
    itemsize: checked.itemsize,
    shape: checked.shape,
    strides: checked.strides,
    readonly,
  };
}

/** `v`'s layout with a new shape and strides, which the new view keeps as its own. */
function withShape(v: ViewLayout, shape: readonly number[], strides: readonly number[]): ViewLayout {
  return layoutOf(v.buffer, v.byteOffset, v.format, v.itemsize, shape, strides, v.readonly);
}

/** The stride of a dimension sliced by `r`. */
function steppedStride(stride: number, r: Range): number {
  // A huge step only ever selects one item; its stride is then never used,
  // so keep it a safe integer instead of stride * step.
  const stepped = stride * r.step;
  return r.length <= 1 && !Number.isSafeInteger(stepped) ? stride : stepped;
}

/**
 * slice(...keys): NumPy's basic indexing. The 1-D slice by a range (a crop
 * per request, a slice per row) has its own small path, which V8 can inline
 * into the caller's loop: the general one is too large to be.
 */
export function sliced(v: ViewLayout, keys: readonly SliceKey[]): ViewLayout {
  const key = keys[0];
  if (v.ndim === 1 && keys.length === 1 && typeof key !== 'number' && key !== null && key !== undefined) {
    const r = resolveKey(key, v.shape[0]!, 0) as Range;
    const stride = v.strides[0]!;
    return layout1(
      v.buffer,
      v.byteOffset + r.start * stride,
      v.format,
      v.itemsize,
      r.length,
      steppedStride(stride, r),
      v.readonly,
    );
  }
  if (keys.length === 1 && typeof key === 'string' && v.ndim > 1) return slicedFirst(v, key);
  return slicedN(v, keys);
}

/**
 * An N-d view sliced on its first axis by a string key ('::-1', '10:20'),
 * the other axes whole: a flip or a band of rows. Only axis 0 changes, so
 * the length, contiguity and item strides follow from the parent's rather
 * than from layoutOf's walk over every axis (a flip 0.74x of its time).
 */
function slicedFirst(v: ViewLayout, key: string): ViewLayout {
  const r = resolveKey(key, v.shape[0]!, 0) as Range;
  const n0 = r.length;
  const ndim = v.ndim;
  const shape = packedZeros(ndim);
  const strides = packedZeros(ndim);
  const stride = v.strides[0]!;
  const s0 = steppedStride(stride, r);
  const byteOffset = v.byteOffset + r.start * stride;
  shape[0] = n0;
  strides[0] = s0;
  for (let d = 1; d < ndim; d++) {
    shape[d] = v.shape[d]!;
    strides[d] = v.strides[d]!;
  }
  const rows = v.shape[0]!;
  // An empty parent tells nothing of its other axes, nor one whose strides
  // are not whole items (extent0 is 0 then): walk them.
  if (rows === 0 || v.extent0 === 0) return layoutOf(v.buffer, byteOffset, v.format, v.itemsize, shape, strides, v.readonly);
  const itemsize = v.itemsize;
  // The bytes under one index of axis 0: itemsize times the other extents.
  const row = v.len / rows;
  const len = n0 * row;
  let c = true;
  let f = true;
  if (len !== 0) {
    // A C-contiguous parent is so on axes 1..: only axis 0 is new. Axis 0
    // comes first in the Fortran rule, and a flip fails it there. The rest
    // (rare) walk the whole layout.
    c = v.cContiguous ? n0 <= 1 || s0 === row : isCContiguousLayout(shape, strides, itemsize, len);
    f = (n0 <= 1 || s0 === itemsize) && isFContiguousLayout(shape, strides, itemsize, len);
  }
  // The parent's item strides are whole (extent0 > 0), so are axes 1 and 2's.
  const i0 = n0 > 1 ? s0 / itemsize : 0;
  const whole = Number.isSafeInteger(i0);
  // layoutOf's fields in its order: every layout has one V8 map.
  return {
    buffer: v.buffer,
    byteOffset,
    format: v.format,
    itemsize,
    ndim,
    shape,
    strides,
    readonly: v.readonly,
    len,
    cContiguous: c,
    fContiguous: f,
    extent0: whole ? n0 : 0,
    extent1: whole ? v.extent1 : 0,
    extent2: whole ? v.extent2 : 0,
    itemStride0: whole ? i0 : 0,
    itemStride1: whole ? v.itemStride1 : 0,
    itemStride2: whole ? v.itemStride2 : 0,
  };
}

function slicedN(v: ViewLayout, keys: readonly SliceKey[]): ViewLayout {
  const ndim = v.shape.length;
  if (keys.length > ndim) {
    throw invalidArgType('keys', `at most ${ndim} key${ndim === 1 ? '' : 's'} for a ${ndim}-dimension view`, keys.length);
  }
  let byteOffset = v.byteOffset;
  // An index key drops its dimension. Arrays of the exact size, not grown by
  // push: less to allocate and collect per view.
  let kept = ndim;
  for (let d = 0; d < keys.length; d++) if (typeof keys[d] === 'number') kept--;
  const shape = packedZeros(kept);
  const strides = packedZeros(kept);
  let at = 0;
  for (let d = 0; d < ndim; d++) {
    const key = keys[d];
    const stride = v.strides[d]!;
    // A whole dimension (a missing key, or null) stays as it is.
    if (key === undefined || key === null) {
      shape[at] = v.shape[d]!;
      strides[at++] = stride;
      continue;
    }
    const r = resolveKey(key, v.shape[d]!, d);
    if (typeof r === 'number') {
      byteOffset += r * stride;
    } else {
      byteOffset += r.start * stride;
      shape[at] = r.length;
      strides[at++] = steppedStride(stride, r);
    }
  }
  return layoutOf(v.buffer, byteOffset, v.format, v.itemsize, shape, strides, v.readonly);
}

/** transpose(...axes): the axes permuted (reversed when none are given). */
export function transposed(v: ViewLayout, axes: readonly number[]): ViewLayout {
  const ndim = v.shape.length;
  // Arrays of the exact size (packedZeros), not grown by push.
  const shape = packedZeros(ndim);
  const strides = packedZeros(ndim);
  if (axes.length === 0) {
    for (let d = 0; d < ndim; d++) {
      shape[d] = v.shape[ndim - 1 - d]!;
      strides[d] = v.strides[ndim - 1 - d]!;
    }
    return withShape(v, shape, strides);
  }
  if (axes.length !== ndim) throw invalidArgType('axes', `a permutation of ${ndim} axes`, axes.length);
  for (let i = 0; i < ndim; i++) {
    const a: unknown = axes[i];
    if (typeof a !== 'number' || !Number.isInteger(a)) throw invalidArgType(`axes[${i}]`, 'an integer', a);
    const k = a < 0 ? a + ndim : a;
    if (k < 0 || k >= ndim) throw outOfRange(`axes[${i}]`, `an axis of a ${ndim}-dimension view`, a);
    shape[i] = v.shape[k]!;
    strides[i] = v.strides[k]!;
    // A repeat, found by comparing with the axes before (ndim <= 64): no Set per call.
    for (let j = 0; j < i; j++) {
      const b = axes[j]!;
      if ((b < 0 ? b + ndim : b) === k) throw outOfRange('axes', 'a permutation with no repeated axis', `[${axes.join(', ')}]`);
    }
  }
  return withShape(v, shape, strides);
}

/** reshape(shape): the same items in a new shape (C order), when strides can express it. */
export function reshaped(v: ViewLayout, shape: readonly number[]): ViewLayout {
  if (!Array.isArray(shape)) throw invalidArgType('shape', 'an array of integers', shape);
  if (shape.length > 64) throw tooManyDims();
  const dims = shape.map((d, i) => checkInteger(`shape[${i}]`, d, 0));
  const count = v.len / v.itemsize;
  if (dims.reduce((a, b) => a * b, 1) !== count) {
    throw new BufferError('ERR_BUFFER_INVALID_LAYOUT', `cannot reshape ${count} items into shape [${dims.join(', ')}]`);
  }
  const strides = reshapeStrides(v.shape, v.strides, v.itemsize, dims);
  if (strides === null) {
    throw new BufferError(
      'ERR_BUFFER_RESHAPE_NEEDS_COPY',
      'memoryview: these strides cannot express the new shape without a copy',
    );
  }
  return withShape(v, dims, strides);
}

/** cast(format, shape): CPython's rules, checked in its order (see MemoryView.cast). */
export function cast(v: ViewLayout, format: string, shape: readonly number[] | undefined): ViewLayout {
  // The common cast, 1-D to 1-D to or from a byte format, when the checks
  // of castChecked would all pass: in few bytes of code, as V8 inlines the
  // calls in a loop within a budget of bytecode (castChecked is 420 bytes).
  if (shape === undefined && v.ndim === 1 && v.cContiguous) {
    const dest = castInfo(format);
    const itemsize = dest.itemsize;
    if (dest.code !== null && (dest.bytes || castInfo(v.format).bytes) && v.len % itemsize === 0) {
      return layout1(v.buffer, v.byteOffset, format, itemsize, v.len / itemsize, itemsize, v.readonly);
    }
  }
  return castChecked(v, format, shape);
}

/** cast() past its common case: every rule, checked in order. */
function castChecked(v: ViewLayout, format: string, shape: readonly number[] | undefined): ViewLayout {
  if (!v.cContiguous)
    throw new BufferError('ERR_BUFFER_NOT_C_CONTIGUOUS', 'memoryview: casts are restricted to C-contiguous views');
  const ndim = v.shape.length;
  if ((shape !== undefined || ndim !== 1) && v.shape.includes(0)) {
    throw invalidCast('cannot cast view with zeros in shape or strides');
  }
  let newNdim = 1;
  if (shape !== undefined) {
    if (!Array.isArray(shape)) throw invalidArgType('shape', 'an array of integers', shape);
    if (shape.length > 64) throw tooManyDims();
    newNdim = shape.length;
  }
  if (ndim !== 1 && newNdim !== 1) throw invalidCast('cast must be 1D -> ND or ND -> 1D');
  const dest = castInfo(format);
  if (dest.code === null) {
    throw invalidCast("destination format must be a native single character format prefixed with an optional '@'");
  }
  if (!castInfo(v.format).bytes && !dest.bytes) {
    throw invalidCast('cannot cast between two non-byte formats');
  }
  const itemsize = dest.itemsize;
  if (v.len % itemsize !== 0) throw invalidCast('length is not a multiple of itemsize');
  if (shape === undefined) return layout1(v.buffer, v.byteOffset, format, itemsize, v.len / itemsize, itemsize, v.readonly);
  const dims = castShape(shape, itemsize, v.len);
  const strides = dims.length === 1 ? unitStridesOf(itemsize) : contiguousStrides(dims, itemsize, 'C');
  return layoutOf(v.buffer, v.byteOffset, format, itemsize, dims, strides, v.readonly);
}

const SSIZE_MAX = 2n ** 63n - 1n;

/**
 * The shape of a cast: positive integers whose product holds `len` bytes of
 * `itemsize` items. Checked element by element in CPython's order (type,
 * C ssize_t range, > 0, then the running product against SSIZE_MAX), in
 * exact integers: JavaScript numbers lose exactness above 2**53.
 */
function castShape(shape: readonly number[], itemsize: number, len: number): number[] {
  const dims = packedZeros(shape.length);
  let product = 1n;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d)) throw invalidArgType(`shape[${i}]`, 'an integer', d);
    // CPython: OverflowError from PyLong_AsSsize_t.
    if (d >= 2 ** 63 || d < -(2 ** 63)) throw outOfRange(`shape[${i}]`, 'an integer a C ssize_t can hold', d);
    if (d <= 0) throw invalidCast('elements of shape must be integers > 0');
    const x = BigInt(d);
    if (x > SSIZE_MAX / product) throw invalidCast('product(shape) > SSIZE_MAX');
    product *= x;
    dims[i] = d;
  }
  if (product * BigInt(itemsize) !== BigInt(len)) throw invalidCast('product(shape) * itemsize != buffer size');
  return dims;
}
