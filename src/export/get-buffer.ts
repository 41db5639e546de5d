// getBuffer (PyObject_GetBuffer) and checkBuffer (PyObject_CheckBuffer):
// the dispatch to the three kinds of exporter. Built-in JavaScript memory is
// exported in builtin.ts with no native call; this package's own exporters
// register in exporters.ts; anything else goes through the public protocol
// symbols (descriptor.ts).
import { scijsDescriptor } from './scijs';
import { noteMade } from '../internal/lifetimes';
import { invalidArgType } from '../errors';
import { BufferFlags, checkFlags } from '../flags';
import { anyArrayBufferLength } from '../internal/memory';
import { isArrayBufferView } from '../internal/primordials';
import { bufferProtocol } from '../protocol';
import type { BufferInfo } from './buffer-info';
import { exportBuiltin } from './builtin';
import { exportViaProtocol, type ProtocolExporter, exportDescriptor } from './descriptor';
import { internalExporter } from './exporters';
import type { Exporter } from './exporter';

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
    // TypedArrays and DataViews first, then this package's exporters, and
    // only then ArrayBuffers: asking whether an object is one costs a call
    // into C++, which every other exporter would pay.
    if (isArrayBufferView(obj)) return exportBuiltin(obj, flags)!;
    const internal = internalExporter(obj);
    if (internal !== null) return internal(obj, flags);
    const builtin = exportBuiltin(obj, flags);
    if (builtin !== null) return builtin;
  }
  if (
    (typeof obj === 'object' || typeof obj === 'function') &&
    obj !== null &&
    typeof (obj as Partial<ProtocolExporter>)[bufferProtocol.getBuffer] === 'function'
  ) {
    return exportViaProtocol(obj as ProtocolExporter, flags);
  }
  const scijs = typeof obj === 'object' && obj !== null ? scijsDescriptor(obj) : null;
  if (scijs !== null) return exportDescriptor(obj as object, scijs, flags);
  throw invalidArgType('obj', 'a bytes-like object (an exporter of the buffer protocol)', obj);
}

/** True when `obj` can export a buffer: CPython's `PyObject_CheckBuffer`. It exports nothing. */
export function checkBuffer(obj: unknown): boolean {
  if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) return false;
  if (isArrayBufferView(obj) || anyArrayBufferLength(obj) >= 0) return true;
  return (
    internalExporter(obj) !== null ||
    typeof (obj as Partial<ProtocolExporter>)[bufferProtocol.getBuffer] === 'function' ||
    (typeof obj === 'object' && scijsDescriptor(obj) !== null)
  );
}

// getBuffer as users call it: the export is noted for scope() and the trace
// (BUFFER_PROTOCOL_TRACE=1). The library's own calls, which release what
// they take, are not.
/**
 * Gets a buffer from `obj`: CPython's `PyObject_GetBuffer`. Every
 * successful call is an export that must be ended with `release()` (or
 * `using`, or {@link scope}); a garbage-collected export is released as a
 * safety net.
 *
 * @param flags a combination of {@link BufferFlags}; default FULL_RO.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when `obj` exports no buffer, or `flags` is not a number.
 * @throws {RangeError} ERR_OUT_OF_RANGE when `flags` has unknown bits or is exactly READ or WRITE.
 * @throws {BufferError} when the exporter cannot meet the request: ERR_BUFFER_NOT_WRITABLE,
 *   ERR_BUFFER_NOT_C_CONTIGUOUS, ERR_BUFFER_NOT_F_CONTIGUOUS, ERR_BUFFER_NOT_CONTIGUOUS,
 *   ERR_BUFFER_FORMAT_WITHOUT_SHAPE, ERR_BUFFER_RELEASED, ERR_BUFFER_RESIZABLE, ERR_BUFFER_TRUNCATED,
 *   ERR_BUFFER_INVALID_EXPORT (a protocol exporter's bad answer).
 * @example
 * using info = getBuffer(new Float32Array(6), BufferFlags.RECORDS_RO);
 * info.format; // 'f'
 */
export function getBufferForUser(obj: Exporter, flags: number = BufferFlags.FULL_RO): BufferInfo {
  const info = getBuffer(obj, flags);
  noteMade(info);
  return info;
}
