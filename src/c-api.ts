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

// Where exportForC leaves its numbers for the binding (c_api.cc, enum
// Scratch): byteOffset, len, itemsize, readonly, ndim, then whether shape,
// strides and suboffsets are present, then up to 64 of each.
const HEADER = 8;
const MAX_NDIM = 64;

function put(at: number, values: readonly number[] | null): number {
  if (values === null) return 0;
  scratch.set(values, at);
  return 1;
}

/**
 * getBuffer for a C caller: the export, the whole block as bytes, and the
 * format, with the Py_buffer numbers in `scratch`; memory of a NativeBuffer
 * or MappedFile is pinned so that it outlives a forced close. Nothing of
 * the caller's runs after the scratch is written: a nested call from an
 * exporter's hook finishes before.
 */
function exportForC(obj: unknown, flags: number): unknown[] {
  const info: BufferInfo = getBuffer(obj, flags);
  try {
    const buffer = info.buffer;
    const bytes = buffer.byteLength === 0 ? null : new Uint8Array(buffer);
    if (info.ndim > MAX_NDIM) throw new BufferError('ERR_BUFFER_TOO_MANY_DIMS', 'a view has at most 64 dimensions');
    scratch[0] = info.byteOffset;
    scratch[1] = info.len;
    scratch[2] = info.itemsize;
    scratch[3] = info.readonly ? 1 : 0;
    scratch[4] = info.ndim;
    scratch[5] = put(HEADER, info.shape);
    scratch[6] = put(HEADER + MAX_NDIM, info.strides);
    scratch[7] = put(HEADER + 2 * MAX_NDIM, info.suboffsets);
    regionOf(buffer)?.pin();
    return [info, bytes, info.format];
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

// The binding's scratch array (HEADER + 3 * MAX_NDIM doubles), read by
// exportForC only after this line has run.
const scratch = native.installCApi({
  exportForC,
  releaseForC: (info) => releaseQuietly(info as BufferInfo),
  wrapForeign,
  bufferObjectForeign,
  copyData,
  sizeFromFormat,
  bufferError: (code, message) => new BufferError(code as BufferErrorCode, message),
});
