// sharp (libvips) raw pixels as views, and views as sharp raw input.
// sharp is an optional peer: the caller passes the module it already holds.
//
// Two traps of sharp's raw input (see ../shared/reference/interop.md §1):
// libvips reads the caller's memory on the threadpool after the call
// returns, and it takes no strides and checks the TypedArray's exact
// constructor. So the memory is held until the caller's pipeline settles
// (withSharp makes that the only way in), and a strided view is packed once.
import { BufferError, invalidArgType, outOfRange } from '../errors';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { isContiguous, memoryview, type BufferInfo, type MemoryView } from '../index';
import { beginTransfer, endTransfer, isOwned } from '../io/owned';
import { typedClassOf, type TypedClass } from './typed-class';
// Unknown inputs, checked at run time: memoryview() without its Exporter type.
import { createView } from '../view/whole-view';

/** sharp's raw output: `.raw({ depth }).toBuffer({ resolveWithObject: true })`. */
export interface SharpRaw {
  readonly data: Uint8Array;
  readonly info: {
    readonly width: number;
    readonly height: number;
    readonly channels: number;
    readonly depth?: string | undefined;
    readonly pageHeight?: number | undefined;
    readonly pages?: number | undefined;
  };
}

/**
 * The sharp module: `sharp(input, { raw })`. Typed loosely, since sharp's
 * own overloads differ between versions; the result's type is kept.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SharpModule<T> = (input: any, options: any) => T;

// sharp's raw depths and the struct formats of their samples.
const DEPTH_FORMATS: Readonly<Record<string, string>> = {
  char: 'b',
  uchar: 'B',
  short: 'h',
  ushort: 'H',
  int: 'i',
  uint: 'I',
  float: 'f',
  double: 'd',
};

// The item kinds sharp reads (it switches on the TypedArray's exact
// constructor, which typedClassOf gives: a subclass or a Buffer of other
// items would be refused).
const SHARP_KINDS: ReadonlySet<string> = new Set(['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'f64']);

/**
 * sharp's raw output as a view, with no copy: `[height, width, channels]`,
 * or `[pages, pageHeight, width, channels]` for a multi-page strip, with
 * the format of `info.depth` (uchar 'B', ushort 'H', float 'f', ...).
 * @throws {TypeError} ERR_INVALID_ARG_VALUE for a depth with no struct format here (complex).
 * @throws {RangeError} ERR_OUT_OF_RANGE when the data is shorter than the image.
 */
export function fromSharpRaw(raw: SharpRaw): MemoryView {
  if (
    typeof raw !== 'object' ||
    raw === null ||
    !ArrayBuffer.isView(raw.data) ||
    typeof raw.info !== 'object' ||
    raw.info === null
  ) {
    throw invalidArgType('raw', "sharp's { data, info } (toBuffer({ resolveWithObject: true }))", raw);
  }
  const { width, height, channels, depth = 'uchar', pageHeight, pages } = raw.info;
  const format = DEPTH_FORMATS[depth];
  if (format === undefined) {
    throw Object.assign(
      new TypeError(`The raw depth '${depth}' has no view format here (one of ${Object.keys(DEPTH_FORMATS).join(', ')})`),
      {
        code: 'ERR_INVALID_ARG_VALUE',
      },
    );
  }
  for (const [name, value] of [
    ['width', width],
    ['height', height],
    ['channels', channels],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw outOfRange(`raw.info.${name}`, 'a positive integer', value);
  }
  if (channels > 4) throw outOfRange('raw.info.channels', 'at most 4 (sharp images have 1 to 4 bands)', channels);
  const strip = pages !== undefined && pages > 1 && pageHeight !== undefined && pageHeight * pages === height;
  const shape = strip ? [pages, pageHeight, width, channels] : [height, width, channels];
  const bytes = height * width * channels * typedClassOf(format)!.size;
  if (raw.data.byteLength < bytes) {
    throw outOfRange(
      'raw.data.byteLength',
      `at least ${bytes} bytes for a ${width}x${height}x${channels} ${depth} image`,
      raw.data.byteLength,
    );
  }
  return memoryview(raw.data.buffer, { format, shape, byteOffset: raw.data.byteOffset });
}

/** The raw-input options sharp needs for a view of `shape`. */
function rawOptions(shape: readonly number[]): { width: number; height: number; channels: number; pageHeight?: number } {
  if (shape.length === 2) return { height: shape[0]!, width: shape[1]!, channels: 1 };
  if (shape.length === 3) return { height: shape[0]!, width: shape[1]!, channels: shape[2]! };
  if (shape.length === 4) return { height: shape[0]! * shape[1]!, width: shape[2]!, channels: shape[3]!, pageHeight: shape[1]! };
  throw new BufferError(
    'ERR_BUFFER_STRUCTURE_MISMATCH',
    `a sharp image is [height, width(, channels)] or [pages, pageHeight, width, channels]; got ${shape.length} dimensions`,
  );
}

/** sharp's input for the export: the memory itself when packed, else one packed copy. */
function inputOf(source: unknown, info: BufferInfo, typed: TypedClass): { input: ArrayBufferView; inPlace: boolean } {
  const { ctor, size } = typed;
  if (isContiguous(info, 'C') && info.byteOffset % size === 0 && isOwned(info.buffer)) {
    return { input: new ctor(info.buffer, info.byteOffset, info.len / size), inPlace: true };
  }
  // Strided, unaligned, or memory this package cannot keep alive while
  // libvips reads it (a plain ArrayBuffer can be transferred away): one copy.
  const view = createView(source, undefined);
  try {
    const bytes = view.toBytes('C');
    return { input: new ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / size), inPlace: false };
  } finally {
    view.release();
  }
}

/**
 * Runs a sharp pipeline on a view's pixels and holds the memory until the
 * pipeline settles: `close()`, `resize()`, even `close({ force: true })` of
 * the view's owner are refused meanwhile, because libvips reads the memory
 * on its threadpool after sharp's call returns. A packed view of memory
 * this package owns (NativeBuffer, MappedFile) goes to sharp in place; a
 * strided view (crop, flip, transpose) or other memory is packed into one
 * private copy first.
 * @param view `[height, width]`, `[height, width, channels]` (1 to 4) or
 *   `[pages, pageHeight, width, channels]`, of format B b H h I i f d.
 * @param sharp the sharp module.
 * @param pipeline gets the sharp instance; returns its output promise.
 * @example const png = await withSharp(view, sharp, (img) => img.png().toBuffer());
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when sharp or pipeline is not a function, or view not an exporter.
 * @throws {BufferError} ERR_BUFFER_UNSUPPORTED_FORMAT for a format sharp cannot take, or a shape it cannot;
 *   whatever the pipeline rejects with, after the memory is let go.
 */
export async function withSharp<T, R>(view: unknown, sharp: SharpModule<T>, pipeline: (image: T) => R | Promise<R>): Promise<R> {
  if (typeof sharp !== 'function') throw invalidArgType('sharp', "the sharp module (require('sharp'))", sharp);
  if (typeof pipeline !== 'function') throw invalidArgType('pipeline', 'a function of the sharp instance', pipeline);
  const info = getBuffer(view, BufferFlags.FULL_RO);
  let inFlight = false;
  try {
    const typed = typedClassOf(info.format);
    if (typed === null || !SHARP_KINDS.has(typed.kind)) {
      throw new BufferError(
        'ERR_BUFFER_UNSUPPORTED_FORMAT',
        `sharp reads samples of format B b H h I i f d in host byte order; got '${info.format}'`,
      );
    }
    const options = rawOptions(info.shape ?? [info.len / info.itemsize]);
    if (options.channels < 1 || options.channels > 4)
      throw outOfRange('channels', '1 to 4 (the last dimension)', options.channels);
    const { input, inPlace } = inputOf(view, info, typed);
    if (inPlace) {
      beginTransfer(info.buffer);
      inFlight = true;
    }
    return await pipeline(sharp(input, { raw: options }));
  } finally {
    if (inFlight) endTransfer(info.buffer);
    info.release();
  }
}
