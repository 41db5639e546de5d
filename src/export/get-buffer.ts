// getBuffer (PyObject_GetBuffer) and checkBuffer (PyObject_CheckBuffer):
// the exporter registry. Built-in JavaScript memory is exported here in pure
// TypeScript with no native call; this package's own exporters register
// with protocol.ts; anything else goes through the public protocol symbols.
import { types } from 'node:util';
import { BufferInfoImpl, isBrandedBufferInfo, type BufferInfo } from './buffer-info';
import { BufferError, invalidArgType } from '../errors';
import { BufferFlags, checkFlags } from '../flags';
import {
  contiguousStrides,
  negotiate,
  negotiateContiguous,
  placeLayout,
  readLayoutSpec,
  type Layout,
  type PlainLayoutSpec,
} from '../layout/layout';
import {
  arrayBufferLengthHot,
  isArrayBufferView,
  isDetachedArrayBuffer,
  isResizableArrayBufferHot,
  sharedArrayBufferLength,
  typedArrayBufferOf,
  typedArrayByteLengthOf,
  typedArrayByteOffsetOf,
  typedArrayKind,
  viewParts,
} from '../internal/primordials';
import { bufferProtocol, internalExporter } from '../protocol';

type AnyArrayBuffer = ArrayBuffer | SharedArrayBuffer;

// Every check that guards memory handed to a consumer (a C consumer reads
// it without bounds checks) asks the built-ins captured in primordials, not
// this realm's, which code that ran before or after require may have
// replaced: a lying byteLength or `resizable` would let a native consumer
// read out of bounds or freed memory. util.types checks internal slots;
// taking its functions once keeps a later replacement of them out too.
const { isArrayBuffer, isSharedArrayBuffer } = types;

/** struct format and item size of each TypedArray kind, by its toStringTag. */
const TYPED_FORMATS: Readonly<Record<string, readonly [string, number]>> = {
  Int8Array: ['b', 1],
  Uint8Array: ['B', 1],
  Uint8ClampedArray: ['B', 1],
  Int16Array: ['h', 2],
  Uint16Array: ['H', 2],
  Float16Array: ['e', 2],
  Int32Array: ['i', 4],
  Uint32Array: ['I', 4],
  Float32Array: ['f', 4],
  Float64Array: ['d', 8],
  BigInt64Array: ['q', 8],
  BigUint64Array: ['Q', 8],
};

/** byteLength of an ArrayBuffer or SharedArrayBuffer from any realm, or -1. */
export function anyArrayBufferLength(value: unknown): number {
  // util.types checks the internal slot (any realm) without throwing: a
  // failed getter call would cost microseconds per non-buffer exporter.
  if (isArrayBuffer(value)) return arrayBufferLengthHot(value);
  if (isSharedArrayBuffer(value)) return sharedArrayBufferLength(value);
  return -1;
}

/** A detached ArrayBuffer reports length 0 and refuses new views. */
export function isDetached(buffer: AnyArrayBuffer): boolean {
  return isDetachedArrayBuffer(buffer);
}

function released(what: string): BufferError {
  return new BufferError('ERR_BUFFER_RELEASED', `${what} is detached`);
}

/**
 * Refuses memory that can vanish under an export: a detached buffer, and a
 * resizable ArrayBuffer, which can shrink while a (native) consumer still
 * reads it and cannot be locked the way CPython locks a bytearray. Growable
 * SharedArrayBuffers only grow, so they are fine.
 */
function checkStable(buffer: AnyArrayBuffer, len: number, what: string): void {
  if (len === 0 && isDetached(buffer)) throw released(what);
  if (isArrayBuffer(buffer) && isResizableArrayBufferHot(buffer)) {
    throw new BufferError('ERR_BUFFER_RESIZABLE', `${what} is a resizable ArrayBuffer, which cannot be held at its size while exported`);
  }
}

/** The built-ins are one-dimensional, contiguous and writable: like bytearray and array.array they never refuse. */
function exportContiguous(
  obj: unknown,
  buffer: AnyArrayBuffer,
  byteOffset: number,
  len: number,
  format: string,
  itemsize: number,
  flags: number,
): BufferInfo {
  const seen = negotiateContiguous(len, itemsize, format, false, flags);
  return new BufferInfoImpl(obj, buffer, byteOffset, len, false, itemsize, seen.format, 1, seen.shape, seen.strides, null);
}

function exportBuiltin(obj: object, flags: number): BufferInfo | null {
  if (isArrayBufferView(obj)) {
    const tag = typedArrayKind(obj);
    if (tag === undefined) {
      const { buffer, byteOffset, byteLength } = viewParts(obj);
      checkStable(buffer, byteLength, 'DataView buffer');
      return exportContiguous(obj, buffer, byteOffset, byteLength, 'B', 1, flags);
    }
    const [format, itemsize] = TYPED_FORMATS[tag] ?? ['B', 1];
    const buffer = typedArrayBufferOf(obj);
    const len = typedArrayByteLengthOf(obj);
    checkStable(buffer, len, `${tag} buffer`);
    return exportContiguous(obj, buffer, typedArrayByteOffsetOf(obj), len, format, itemsize, flags);
  }
  const len = anyArrayBufferLength(obj);
  if (len < 0) return null;
  const buffer = obj as AnyArrayBuffer;
  checkStable(buffer, len, 'ArrayBuffer');
  return exportContiguous(obj, buffer, 0, len, 'B', 1, flags);
}

interface ProtocolExporter {
  [bufferProtocol.getBuffer](flags: number): unknown;
  [bufferProtocol.releaseBuffer]?: (view: unknown) => void;
}

function invalidExport(message: string, cause?: unknown): BufferError {
  return new BufferError('ERR_BUFFER_INVALID_EXPORT', message, cause === undefined ? undefined : { cause });
}

interface Described {
  buffer: AnyArrayBuffer;
  layout: Layout;
  readonly: boolean;
}

/** A held export seen as a descriptor: its fields, copied and re-checked like any other. */
function infoFields(info: BufferInfo): Record<string, unknown> {
  if (info.released) throw invalidExport('the exporter returned a released BufferInfo');
  if (info.suboffsets !== null) throw invalidExport('suboffsets cannot be re-exported from JavaScript');
  const { itemsize, len } = info;
  // A SIMPLE export has no shape (one dimension of bytes) and an ND export
  // no strides (C order); the format is unknown unless it was requested,
  // or the items are bytes.
  const shape = info.shape === null ? [len / itemsize] : [...info.shape];
  return {
    buffer: info.buffer,
    byteOffset: info.byteOffset,
    format: info.format ?? (itemsize === 1 ? 'B' : null),
    itemsize,
    shape,
    strides: info.strides === null ? contiguousStrides(shape, itemsize, 'C') : [...info.strides],
    readonly: info.readonly,
  };
}

/** The complete, checked layout behind a descriptor. */
function describe(desc: Record<string, unknown>): Described {
  // Read every user value once, into plain numbers and arrays (getters on
  // the descriptor and on shape or strides elements run here), and only
  // then the memory's length: a getter could otherwise detach or shrink the
  // buffer after its length was checked.
  const buffer = desc['buffer'];
  const format = desc['format'];
  const itemsize = desc['itemsize'];
  const readonly = desc['readonly'] ?? false;
  const byteOffset = desc['byteOffset'];
  const shape = desc['shape'];
  const strides = desc['strides'];
  if (anyArrayBufferLength(buffer) < 0) throw invalidExport('[bufferProtocol.getBuffer] returned an object whose "buffer" is not an ArrayBuffer');
  if (typeof readonly !== 'boolean') throw invalidExport('"readonly" of the returned descriptor is not a boolean');
  // Only a re-exported BufferInfo can have an unknown format (null); its
  // itemsize still holds, so check it as opaque items of that size.
  const unknownFormat = format === null && typeof itemsize === 'number';
  let plain: PlainLayoutSpec;
  try {
    plain = readLayoutSpec({ format: unknownFormat ? `${itemsize}s` : format, byteOffset, shape, strides }, 'descriptor.');
  } catch (error) {
    // Bad values are the exporter's fault, not the caller's: report them as
    // an invalid export. Coded refusals (too many dimensions) keep their code.
    if (error instanceof BufferError) throw error;
    throw invalidExport(`the returned descriptor is malformed: ${(error as Error).message}`, error);
  }
  const memory = buffer as AnyArrayBuffer;
  const memlen = anyArrayBufferLength(memory);
  checkStable(memory, memlen, 'the exported buffer');
  let layout = placeLayout(plain, memlen);
  // A BufferInfo whose item format was not requested keeps its itemsize.
  if (unknownFormat) layout = { ...layout, format: null };
  return { buffer: memory, layout, readonly };
}

function exportViaProtocol(obj: ProtocolExporter, flags: number): BufferInfo {
  // Read the release hook first: if reading it throws, nothing is exported.
  const releaseHook = obj[bufferProtocol.releaseBuffer];
  const returned = obj[bufferProtocol.getBuffer](flags);
  // From here on the exporter holds an export: pair it with exactly one
  // releaseBuffer call, whether the consumer gets it or we refuse it. Any
  // export handed back to us (a redirect) is released right after it.
  let held: BufferInfo | null = isBrandedBufferInfo(returned) ? returned : null;
  let done = false;
  const onRelease = (): void => {
    if (done) return;
    done = true;
    // CPython releases the re-exported view first, then calls
    // __release_buffer__ (bufferwrapper_releasebuf), so a hook may release
    // what it returned, as PEP 688 examples do.
    try {
      held?.release();
    } finally {
      if (typeof releaseHook === 'function') releaseHook.call(obj, returned);
    }
  };
  try {
    let desc: Record<string, unknown>;
    if (held !== null) {
      desc = infoFields(held);
    } else if (typeof returned === 'object' && returned !== null) {
      // A built-in or one of this package's exporters stands for its own
      // full export: returning one is a redirect to it.
      const internal = internalExporter(returned);
      const inner = internal !== null ? internal(returned, BufferFlags.FULL_RO) : exportBuiltin(returned, BufferFlags.FULL_RO);
      if (inner !== null) {
        held = inner;
        desc = infoFields(inner);
      } else {
        desc = returned as Record<string, unknown>;
      }
    } else {
      throw invalidExport(`[bufferProtocol.getBuffer] returned ${returned === null ? 'null' : typeof returned}, not a buffer`);
    }
    const { buffer, layout, readonly } = describe(desc);
    const seen = negotiate(layout, readonly, flags);
    return new BufferInfoImpl(
      obj,
      buffer,
      layout.byteOffset,
      layout.len,
      readonly,
      layout.itemsize,
      seen.format,
      seen.ndim,
      seen.shape,
      seen.strides,
      onRelease,
    );
  } catch (error) {
    // The refusal is what the consumer needs to see, even if releasing fails.
    try {
      onRelease();
    } catch (hookError) {
      process.emitWarning(`buffer-protocol: a release hook failed after a refusal: ${String(hookError)}`, 'BufferWarning');
    }
    throw error;
  }
}

/**
 * Gets a buffer from `obj`: CPython's `PyObject_GetBuffer`. Every
 * successful call is an export that must be ended with `release()` (or
 * `using`); a garbage-collected export is released as a safety net.
 *
 * @param flags a combination of {@link BufferFlags}; default FULL_RO.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when `obj` exports no buffer.
 * @throws {RangeError} ERR_OUT_OF_RANGE when `flags` is not a request.
 * @throws {BufferError} when the exporter cannot meet the request.
 * @example
 * using info = getBuffer(new Float32Array(6), BufferFlags.RECORDS_RO);
 * info.format; // 'f'
 */
export function getBuffer(obj: unknown, flags: number = BufferFlags.FULL_RO): BufferInfo {
  checkFlags(flags);
  if (typeof obj === 'object' && obj !== null) {
    const builtin = exportBuiltin(obj, flags);
    if (builtin !== null) return builtin;
    const internal = internalExporter(obj);
    if (internal !== null) return internal(obj, flags);
  }
  if (
    (typeof obj === 'object' || typeof obj === 'function') &&
    obj !== null &&
    typeof (obj as Partial<ProtocolExporter>)[bufferProtocol.getBuffer] === 'function'
  ) {
    return exportViaProtocol(obj as ProtocolExporter, flags);
  }
  throw invalidArgType('obj', 'a bytes-like object (an exporter of the buffer protocol)', obj);
}

/** True when `obj` can export a buffer: CPython's `PyObject_CheckBuffer`. It exports nothing. */
export function checkBuffer(obj: unknown): boolean {
  if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) return false;
  if (isArrayBufferView(obj) || anyArrayBufferLength(obj) >= 0) return true;
  return internalExporter(obj) !== null || typeof (obj as Partial<ProtocolExporter>)[bufferProtocol.getBuffer] === 'function';
}
