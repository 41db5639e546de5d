// The facade's half of the C API (native/include/buffer_protocol.h): the
// work the binding hands back to TypeScript, and the one call that installs
// the table for this env. Built-in TypedArrays, DataViews and ArrayBuffers
// never come here (the binding exports them itself); everything else does,
// so C consumers see exactly what getBuffer() gives JavaScript.
import { releaseQuietly, type BufferInfo } from './buffer-info';
import { BufferObject } from './buffer-object';
import { copyData } from './contiguous';
import { BufferError, type BufferErrorCode } from './errors';
import { sizeFromFormat } from './format';
import { getBuffer } from './get-buffer';
import { regionOf } from './io/owned';
import type { LayoutSpec } from './layout';
import { native, type CApiFunctions } from './native';
import { adoptForeign } from './native-buffer';

/**
 * getBuffer for a C caller, flattened for the binding (c_api.cc, enum
 * Slot): the export, the whole block as bytes, then the Py_buffer fields,
 * then a pin on native memory so that it outlives a forced close.
 */
function exportForC(obj: unknown, flags: number): unknown[] {
  const info: BufferInfo = getBuffer(obj, flags);
  try {
    const buffer = info.buffer;
    const bytes = buffer.byteLength === 0 ? null : new Uint8Array(buffer);
    const pin = regionOf(buffer)?.pin() ?? null;
    return [info, bytes, info.byteOffset, info.len, info.itemsize, info.readonly, info.format, info.ndim,
      info.shape, info.strides, info.suboffsets, pin];
  } catch (error) {
    releaseQuietly(info);
    throw error;
  }
}

const wrapForeign: CApiFunctions['wrapForeign'] = (block, len, format, shape, strides, byteOffset, readonly) => {
  const hasLayout = format !== undefined || shape !== undefined || strides !== undefined || (byteOffset ?? 0) !== 0;
  const spec: LayoutSpec | null = hasLayout ? { format: format ?? 'B', shape, strides, byteOffset: byteOffset ?? 0 } : null;
  return adoptForeign(block, len, spec, readonly);
};

function bufferObjectForeign(block: object, size: number, writable: boolean): unknown {
  const owner = adoptForeign(block, size, null, !writable);
  return writable ? BufferObject.fromReadWriteObject(owner) : BufferObject.fromObject(owner);
}

native.installCApi({
  exportForC,
  releaseForC: (info) => releaseQuietly(info as BufferInfo),
  wrapForeign,
  bufferObjectForeign,
  copyData: (dst, src) => copyData(dst, src),
  sizeFromFormat: (format) => sizeFromFormat(format),
  bufferError: (code, message) => new BufferError(code as BufferErrorCode, message),
});
