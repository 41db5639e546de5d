// Validated layouts in TypeScript: a layout's parts read once, then placed
// against the bytes of a block. The C++ core (native/core/layout.cc) holds
// the same rules for C callers.
import { BufferError, callNative, invalidArgType } from '../errors';
import { itemFormat } from './format';
import { checkIntArray, checkInteger, packedZeros } from '../internal/validate';
import { native } from '../native';

/** A complete, bounds-checked description of items in a memory block. */
export interface Layout {
  /** null: the item format is unknown (an export made without FORMAT). */
  readonly format: string | null;
  readonly itemsize: number;
  readonly ndim: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  /** Byte offset of item [0, ..., 0] in its block. */
  readonly byteOffset: number;
  /** product(shape) * itemsize. */
  readonly len: number;
  readonly cContiguous: boolean;
  readonly fContiguous: boolean;
}

/** A layout together with the block it lies in. */
export type Placed = Layout & { readonly buffer: ArrayBuffer | SharedArrayBuffer };

/**
 * PyBuffer_IsContiguous's rule, from the last axis (C) or the first
 * (Fortran): each stride is the product of the extents after (or before) it;
 * extents 0 and 1 never constrain a stride.
 */
function stridesFollowShape(
  shape: readonly number[],
  strides: readonly number[],
  itemsize: number,
  len: number,
  fortran: boolean,
): boolean {
  if (len === 0) return true;
  const ndim = shape.length;
  let sd = itemsize;
  for (let k = 0; k < ndim; k++) {
    const i = fortran ? k : ndim - 1 - k;
    const dim = shape[i]!;
    if (dim > 1 && strides[i] !== sd) return false;
    sd *= dim;
  }
  return true;
}

/** PyBuffer_IsContiguous's C rule. */
export function isCContiguousLayout(
  shape: readonly number[],
  strides: readonly number[],
  itemsize: number,
  len: number,
): boolean {
  return stridesFollowShape(shape, strides, itemsize, len, false);
}

/** PyBuffer_IsContiguous's Fortran rule. */
export function isFContiguousLayout(
  shape: readonly number[],
  strides: readonly number[],
  itemsize: number,
  len: number,
): boolean {
  return stridesFollowShape(shape, strides, itemsize, len, true);
}

/**
 * Contiguous strides for `shape`: Fortran order for 'F', C order for
 * anything else, as `PyBuffer_FillContiguousStrides` does. After a zero
 * extent, the remaining strides are 0, as in CPython.
 */
export function contiguousStrides(shape: readonly number[], itemsize: number, order: string): number[] {
  const strides = packedZeros(shape.length);
  let sd = itemsize;
  if (order === 'F') {
    for (let i = 0; i < shape.length; i++) {
      strides[i] = sd;
      sd *= shape[i]!;
    }
  } else {
    for (let i = shape.length - 1; i >= 0; i--) {
      strides[i] = sd;
      sd *= shape[i]!;
    }
  }
  return strides;
}

/**
 * An N-d layout over a block of bytes, as NumPy's
 * `ndarray(shape, dtype, buffer, offset, strides)` describes one. Options of
 * NativeBuffer.alloc, mmap and memoryview extend it.
 */
export interface LayoutOptions {
  /** struct format of the items. @default 'B' */
  readonly format?: string;
  /** @default as many whole items as fit after byteOffset */
  readonly shape?: readonly number[];
  /** Byte strides. @default C order */
  readonly strides?: readonly number[];
  /** Byte offset of item [0, ..., 0] in the bytes (past the start with negative strides). @default 0 */
  readonly byteOffset?: number;
}

/** Raw parts of a layout, as exporters and options give them. */
export interface LayoutSpec {
  readonly format?: unknown;
  readonly shape?: unknown;
  readonly strides?: unknown;
  readonly byteOffset?: unknown;
}

/** A layout's parts as plain values: every user-supplied value read exactly once. */
export interface PlainLayoutSpec {
  /** null: items of `itemsize` bytes whose format is unknown (see ReadLayoutOptions). */
  readonly format: string | null;
  readonly itemsize: number;
  readonly byteOffset: number;
  /** null: as many whole items as fit after byteOffset. */
  readonly shape: readonly number[] | null;
  /** null: C order. */
  readonly strides: readonly number[] | null;
  /** false: the arrays placeLayout makes are not frozen either (see ReadLayoutOptions). @default true */
  readonly freeze?: boolean;
}

/** Options of readLayoutSpec and makeLayout. */
export interface ReadLayoutOptions {
  /** Prefix of field names in messages ('layout.', 'descriptor.'). @default '' */
  readonly fieldPrefix?: string;
  /**
   * null: the items are `itemsize` bytes of unknown format (a re-exported
   * BufferInfo made without FORMAT); `spec.format` is not read and the
   * layout's format is null.
   */
  readonly format?: null;
  /** The size of items of unknown format (with `format: null` only). */
  readonly itemsize?: unknown;
  /**
   * false: the shape and strides copies are not frozen, for a layout that
   * only one export holds (a protocol exporter's descriptor). @default true
   */
  readonly freeze?: boolean;
}

/**
 * Reads the parts of a layout into plain numbers and frozen arrays. Getters
 * on the spec or on array elements run here, and nowhere later: a caller
 * reads the memory's length only after this, so user code cannot detach or
 * shrink the memory between the bounds check and the export.
 * @throws TypeError/RangeError for malformed values.
 */
export function readLayoutSpec(spec: LayoutSpec, options: ReadLayoutOptions = {}): PlainLayoutSpec {
  const fieldPrefix = options.fieldPrefix ?? '';
  let format: string | null;
  let itemsize: number;
  if (options.format === null) {
    format = null;
    itemsize = unknownItemsize(options.itemsize);
  } else {
    const formatValue = spec.format ?? 'B';
    if (typeof formatValue !== 'string') throw invalidArgType(`${fieldPrefix}format`, 'of type string', formatValue);
    format = formatValue;
    itemsize = itemFormat(formatValue).itemsize;
  }
  const offsetValue = spec.byteOffset;
  const byteOffset = offsetValue === undefined ? 0 : checkInteger(`${fieldPrefix}byteOffset`, offsetValue, 0);
  const shapeValue = spec.shape;
  const stridesValue = spec.strides;
  if (shapeValue === undefined && stridesValue !== undefined) {
    throw invalidArgType(`${fieldPrefix}shape`, 'an array of integers when strides are given', undefined);
  }
  const freeze = options.freeze ?? true;
  const shape = shapeValue === undefined ? null : checkIntArray(`${fieldPrefix}shape`, shapeValue, 0, freeze);
  const strides =
    stridesValue === undefined ? null : checkIntArray(`${fieldPrefix}strides`, stridesValue, Number.MIN_SAFE_INTEGER, freeze);
  return { format, itemsize, byteOffset, shape, strides, freeze };
}

/** The size of items of unknown format: a whole number of bytes, as a format would give. */
function unknownItemsize(itemsize: unknown): number {
  if (typeof itemsize !== 'number' || !Number.isSafeInteger(itemsize) || itemsize < 1) {
    throw new BufferError(
      'ERR_BUFFER_BAD_FORMAT',
      `items of unknown format need a positive whole itemsize, not ${String(itemsize)}`,
    );
  }
  return itemsize;
}

/**
 * The length of a layout that lies within `memlen` bytes, when every
 * product and sum of ValidateLayout (native/core/layout.cc) stays a safe
 * integer, so that doubles compute it exactly; -1 for anything else, which
 * the core then decides (and words the refusal). Inputs are checked safe
 * integers, shape entries >= 0 and itemsize >= 1.
 */
export function lengthInBounds(
  itemsize: number,
  shape: readonly number[],
  strides: readonly number[],
  byteOffset: number,
  memlen: number,
): number {
  if (byteOffset < 0 || byteOffset > memlen) return -1;
  // The product skips zero extents, as the core's does: [0, 2**40, 2**40]
  // is refused like its non-empty cousins.
  let product = itemsize;
  let empty = false;
  let low = 0;
  let high = 0;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === 0) {
      empty = true;
      continue;
    }
    product *= d;
    if (product > Number.MAX_SAFE_INTEGER) return -1;
    const term = strides[i]! * (d - 1);
    if (term < 0) low += term;
    else high += term;
    if (Math.abs(term) > Number.MAX_SAFE_INTEGER || low < -Number.MAX_SAFE_INTEGER || high > Number.MAX_SAFE_INTEGER) return -1;
  }
  if (empty) return 0;
  return byteOffset + low >= 0 && byteOffset + high + itemsize <= memlen ? product : -1;
}

/**
 * Checks plain layout parts against a block of `memlen` bytes and
 * describes the layout. Runs no user code.
 * @throws BufferError for layouts that cannot describe the memory.
 */
export function placeLayout(plain: PlainLayoutSpec, memlen: number): Layout {
  const { itemsize, byteOffset } = plain;
  let shape = plain.shape;
  if (shape === null) {
    const room = Math.max(0, memlen - byteOffset);
    if (room % itemsize !== 0) {
      throw new BufferError('ERR_BUFFER_INVALID_LAYOUT', `${room} bytes are not a whole number of ${itemsize}-byte items`);
    }
    shape = plain.freeze === false ? [room / itemsize] : Object.freeze([room / itemsize]);
  }
  let strides = plain.strides;
  if (strides === null) {
    const c = contiguousStrides(shape, itemsize, 'C');
    if (!c.every(Number.isSafeInteger)) {
      throw new BufferError('ERR_BUFFER_INVALID_LAYOUT', 'shape and strides overflow 2**63');
    }
    strides = plain.freeze === false ? c : Object.freeze(c);
  } else if (strides.length !== shape.length) {
    throw new BufferError('ERR_BUFFER_INVALID_LAYOUT', `shape has ${shape.length} entries but strides have ${strides.length}`);
  }
  // Bounds and overflow need exact 64-bit arithmetic: the core does them,
  // unless every step is exact in doubles (a native call with arrays costs
  // more than the rest of a protocol export).
  let len = lengthInBounds(itemsize, shape, strides, byteOffset, memlen);
  if (len < 0) {
    const layoutInput = { itemsize, shape, strides };
    len = callNative(() => native.core.validateLayout(layoutInput, byteOffset, memlen));
  }
  if (len > Number.MAX_SAFE_INTEGER) {
    throw new BufferError('ERR_BUFFER_INVALID_LAYOUT', 'product(shape) * itemsize exceeds 2**53 - 1');
  }
  return {
    format: plain.format,
    itemsize,
    ndim: shape.length,
    shape,
    strides,
    byteOffset,
    len,
    // Strides made from the shape above are C order by construction.
    cContiguous: plain.strides === null || isCContiguousLayout(shape, strides, itemsize, len),
    fContiguous: isFContiguousLayout(shape, strides, itemsize, len),
  };
}

/**
 * Checks a layout against a block of `memlen` bytes and describes it. The
 * shape defaults to as many whole items as fit after byteOffset, the strides
 * to C order. Where `memlen` is the length of memory that user code could
 * detach, use readLayoutSpec, then read the length, then placeLayout.
 * @throws TypeError/RangeError for malformed values, BufferError for
 *   layouts that cannot describe the memory.
 */
export function makeLayout(spec: LayoutSpec, memlen: number, options: ReadLayoutOptions = {}): Layout {
  return placeLayout(readLayoutSpec(spec, options), memlen);
}
