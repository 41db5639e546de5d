// getBuffer (PyObject_GetBuffer) and checkBuffer (PyObject_CheckBuffer):
// the exporter registry. Built-in JavaScript memory is exported here in pure
// TypeScript with no native call; this package's own exporters implement
// kExport; anything else goes through the public protocol symbols.
import { isArrayBuffer, isSharedArrayBuffer } from 'node:util/types';
import { BufferInfoImpl, type BufferInfo } from './buffer-info';
import { BufferError, invalidArgType } from './errors';
import { BufferFlags, checkFlags, reqFormat, reqShape, reqStrides } from './flags';
import {
  contiguousStrides,
  isCContiguousLayout,
  isFContiguousLayout,
  makeLayout,
  negotiate,
  type Layout,
} from './layout';
import { bufferProtocol, kExport } from './protocol';

type AnyArrayBuffer = ArrayBuffer | SharedArrayBuffer;

function getter<T>(proto: object, key: PropertyKey): (this: unknown) => T {
  return Object.getOwnPropertyDescriptor(proto, key)!.get as (this: unknown) => T;
}

// The intrinsic getters check internal slots, so they work across realms and
// cannot be fooled by a subclass that overrides byteLength or byteOffset: a
// lying length would let a native consumer read out of bounds.
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = getter<string | undefined>(TypedArrayPrototype, Symbol.toStringTag);
const typedArrayBuffer = getter<AnyArrayBuffer>(TypedArrayPrototype, 'buffer');
const typedArrayOffset = getter<number>(TypedArrayPrototype, 'byteOffset');
const typedArrayLength = getter<number>(TypedArrayPrototype, 'byteLength');
const dataViewBuffer = getter<AnyArrayBuffer>(DataView.prototype, 'buffer');
const dataViewOffset = getter<number>(DataView.prototype, 'byteOffset');
const dataViewLength = getter<number>(DataView.prototype, 'byteLength');
const arrayBufferLength = getter<number>(ArrayBuffer.prototype, 'byteLength');
const sharedArrayBufferLength =
  typeof SharedArrayBuffer === 'function' ? getter<number>(SharedArrayBuffer.prototype, 'byteLength') : null;

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
  if (isArrayBuffer(value)) return arrayBufferLength.call(value);
  if (isSharedArrayBuffer(value) && sharedArrayBufferLength !== null) return sharedArrayBufferLength.call(value);
  return -1;
}

/** A detached ArrayBuffer reports length 0 and refuses new views. */
function isDetached(buffer: AnyArrayBuffer): boolean {
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

function released(what: string): BufferError {
  return new BufferError('ERR_BUFFER_RELEASED', `${what} is detached`);
}

/**
 * The built-ins are one-dimensional, contiguous and writable: like CPython's
 * bytearray and array.array they never refuse a request. Without FORMAT the
 * format is null but itemsize is kept; without ND the shape is null.
 */
function exportContiguous(
  obj: unknown,
  buffer: AnyArrayBuffer,
  byteOffset: number,
  len: number,
  format: string,
  itemsize: number,
  flags: number,
  onRelease: (() => void) | null,
): BufferInfo {
  return new BufferInfoImpl(
    obj,
    buffer,
    byteOffset,
    len,
    false,
    itemsize,
    reqFormat(flags) ? format : null,
    1,
    reqShape(flags) ? [len / itemsize] : null,
    reqStrides(flags) ? [itemsize] : null,
    onRelease,
  );
}

function exportBuiltin(obj: object, flags: number): BufferInfo | null {
  if (ArrayBuffer.isView(obj)) {
    const tag = typedArrayTag.call(obj);
    if (tag === undefined) {
      const buffer = dataViewBuffer.call(obj);
      // DataView's getters throw on a detached buffer; read the length first.
      if (anyArrayBufferLength(buffer) === 0 && isDetached(buffer)) throw released('DataView buffer');
      return exportContiguous(obj, buffer, dataViewOffset.call(obj), dataViewLength.call(obj), 'B', 1, flags, null);
    }
    const [format, itemsize] = TYPED_FORMATS[tag] ?? ['B', 1];
    const buffer = typedArrayBuffer.call(obj);
    const len = typedArrayLength.call(obj);
    if (len === 0 && isDetached(buffer)) throw released(`${tag} buffer`);
    return exportContiguous(obj, buffer, typedArrayOffset.call(obj), len, format, itemsize, flags, null);
  }
  const len = anyArrayBufferLength(obj);
  if (len < 0) return null;
  const buffer = obj as AnyArrayBuffer;
  if (len === 0 && isDetached(buffer)) throw released('ArrayBuffer');
  return exportContiguous(obj, buffer, 0, len, 'B', 1, flags, null);
}

interface InternalExporter {
  [kExport](flags: number): BufferInfo;
}

interface ProtocolExporter {
  [bufferProtocol.getBuffer](flags: number): unknown;
  [bufferProtocol.releaseBuffer]?: (view: unknown) => void;
}

function invalidExport(message: string, cause?: unknown): BufferError {
  return new BufferError('ERR_BUFFER_INVALID_EXPORT', message, cause === undefined ? undefined : { cause });
}

/** The complete layout behind what a protocol exporter returned. */
function describeReturned(value: unknown): { buffer: AnyArrayBuffer; layout: Layout; readonly: boolean } {
  // A built-in (TypedArray, DataView, ArrayBuffer) stands for its own full
  // export: returning one is a redirect to it.
  const builtin = typeof value === 'object' && value !== null ? exportBuiltin(value, BufferFlags.FULL_RO) : null;
  const returned = builtin ?? value;
  if (BufferInfoImpl.is(returned)) {
    if (returned.released) throw invalidExport('the exporter returned a released BufferInfo');
    if (returned.suboffsets !== null) throw invalidExport('suboffsets cannot be re-exported from JavaScript');
    const { itemsize, len } = returned;
    // A SIMPLE export has no shape (one dimension of bytes) and an ND export
    // no strides (C order); the format is unknown unless it was requested,
    // or the items are bytes.
    const shape = returned.shape ?? [len / itemsize];
    const strides = returned.strides ?? contiguousStrides(shape, itemsize, 'C');
    const layout: Layout = {
      format: returned.format ?? (itemsize === 1 ? 'B' : null),
      itemsize,
      ndim: shape.length,
      shape,
      strides,
      byteOffset: returned.byteOffset,
      len,
      cContiguous: returned.strides === null || isCContiguousLayout(shape, strides, itemsize, len),
      fContiguous: isFContiguousLayout(shape, strides, itemsize, len),
    };
    return { buffer: returned.buffer, layout, readonly: returned.readonly };
  }
  if (typeof returned !== 'object' || returned === null) {
    throw invalidExport(`[bufferProtocol.getBuffer] returned ${returned === null ? 'null' : typeof returned}, not a buffer`);
  }
  const desc = returned as Record<string, unknown>;
  const memlen = anyArrayBufferLength(desc['buffer']);
  if (memlen < 0) throw invalidExport('[bufferProtocol.getBuffer] returned an object whose "buffer" is not an ArrayBuffer');
  const buffer = desc['buffer'] as AnyArrayBuffer;
  if (memlen === 0 && isDetached(buffer)) throw released('exported ArrayBuffer');
  const readonly = desc['readonly'] ?? false;
  if (typeof readonly !== 'boolean') throw invalidExport('"readonly" of the returned descriptor is not a boolean');
  let layout: Layout;
  try {
    layout = makeLayout(desc, memlen, 'descriptor.');
  } catch (error) {
    // Bad values are the exporter's fault, not the caller's: report them as
    // an invalid export. Layouts outside the memory keep their own code.
    if (error instanceof BufferError) throw error;
    throw invalidExport(`the returned descriptor is malformed: ${(error as Error).message}`, error);
  }
  return { buffer, layout, readonly };
}

function exportViaProtocol(obj: ProtocolExporter, flags: number): BufferInfo {
  const returned = obj[bufferProtocol.getBuffer](flags);
  // From here on the exporter holds an export: pair it with exactly one
  // releaseBuffer call, whether the consumer gets it or we refuse it.
  const releaseHook = obj[bufferProtocol.releaseBuffer];
  let done = false;
  const onRelease = (): void => {
    if (done) return;
    done = true;
    try {
      if (typeof releaseHook === 'function') releaseHook.call(obj, returned);
    } finally {
      if (BufferInfoImpl.is(returned)) returned.release();
    }
  };
  try {
    const { buffer, layout, readonly } = describeReturned(returned);
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
    onRelease();
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
    if (typeof (obj as Partial<InternalExporter>)[kExport] === 'function') {
      return (obj as InternalExporter)[kExport](flags);
    }
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
  if (ArrayBuffer.isView(obj) || anyArrayBufferLength(obj) >= 0) return true;
  return (
    typeof (obj as Partial<InternalExporter>)[kExport] === 'function' ||
    typeof (obj as Partial<ProtocolExporter>)[bufferProtocol.getBuffer] === 'function'
  );
}
