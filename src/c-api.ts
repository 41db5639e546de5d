// The facade's half of the C API (native/include/buffer_protocol.h): the
// work the binding hands back to TypeScript, and the one call that installs
// the table for this env. Built-in TypedArrays, DataViews and ArrayBuffers
// never come here (the binding exports them itself); everything else does,
// so C consumers see exactly what getBuffer() gives JavaScript.
import { releaseQuietly, type BufferInfo } from './export/buffer-info';
import { BufferObject, mirrorBufferObjectForC } from './owners/buffer-object';
import { copyData } from './export/contiguous';
import { BufferError, type BufferErrorCode } from './errors';
import { sizeFromFormat } from './layout/format';
import { getBuffer } from './export/get-buffer';
import { privateNumbers } from './internal/primordials';
import { regionOf } from './io/owned';
import { isOwnMemoryView, mirrorViewForC } from './view/whole-view';
import type { LayoutSpec } from './layout/layout';
import { native, type CApiFunctions } from './native';
import { adoptForeign } from './owners/native-buffer';

/**
 * Where exportForC leaves its numbers for the binding, and the order of
 * its answer: native/binding/c_api/scratch.h, which
 * test/capi-scratch-layout.test.ts parses and compares with these. After
 * the header come up to MAX_NDIM numbers each of shape, strides and
 * suboffsets.
 */
export const SCRATCH = {
  byteOffset: 0,
  len: 1,
  itemsize: 2,
  readonly: 3,
  ndim: 4,
  hasShape: 5,
  hasStrides: 6,
  hasSuboffsets: 7,
  header: 8,
  maxNdim: 64,
} as const;
/** exportForC's answer: [info, bytes, format, region]. */
export const ANSWER = { info: 0, bytes: 1, format: 2, region: 3 } as const;
const HEADER = SCRATCH.header;
const MAX_NDIM = SCRATCH.maxNdim;

/** Stages `values` (ndim numbers, or null) at `at`; 1 if present. */
function stage(staged: Float64Array, at: number, values: readonly number[] | null, ndim: number): number {
  if (values === null) return 0;
  for (let i = 0; i < ndim; i++) staged[at + i] = values[i]!;
  return 1;
}

// Private staging arrays in the scratch's layout, one per nesting level of
// exportForC (a free list of plain objects, whose own properties no user
// code can intercept).
interface Staging {
  readonly numbers: Float64Array;
  next: Staging | null;
}
let spareStaging: Staging | null = null;

/**
 * getBuffer for a C caller: the export, the ArrayBuffer (or
 * SharedArrayBuffer) it lives in, and the format, with the Py_buffer
 * numbers in `scratch`, and the NativeRegion that owns the memory (or
 * null): the binding unwraps it and pins its block, so that memory of a
 * NativeBuffer or MappedFile outlives a forced close.
 *
 * The scratch is shared by every call, nested ones included (an exporter's
 * hook, or a replaced built-in, may call C, which calls here again), so it
 * is written last: everything that can run the caller's code (the export,
 * the numbers' conversion, the region's lookup and pin) runs before, into
 * this call's own staging array, and the copy is index stores between two
 * typed arrays, which no user code can intercept. The scratch itself is
 * never handed to a method that user code could replace.
 */
function exportForC(obj: unknown, flags: number): unknown[] {
  const info: BufferInfo = getBuffer(obj, flags);
  const staging = spareStaging ?? { numbers: privateNumbers(HEADER + 3 * MAX_NDIM), next: null };
  spareStaging = staging.next;
  try {
    const ndim = info.ndim;
    if (ndim > MAX_NDIM) throw new BufferError('ERR_BUFFER_TOO_MANY_DIMS', 'a view has at most 64 dimensions');
    const staged = staging.numbers;
    staged[SCRATCH.byteOffset] = info.byteOffset;
    staged[SCRATCH.len] = info.len;
    staged[SCRATCH.itemsize] = info.itemsize;
    staged[SCRATCH.readonly] = info.readonly ? 1 : 0;
    staged[SCRATCH.ndim] = ndim;
    staged[SCRATCH.hasShape] = stage(staged, HEADER, info.shape, ndim);
    staged[SCRATCH.hasStrides] = stage(staged, HEADER + MAX_NDIM, info.strides, ndim);
    staged[SCRATCH.hasSuboffsets] = stage(staged, HEADER + 2 * MAX_NDIM, info.suboffsets, ndim);
    const buffer = info.buffer;
    const format = info.format;
    const region = regionOf(buffer) ?? null;
    // A MemoryView's next C exports read a mirror of it instead of coming
    // here (a private-brand check and a native call: no user code runs).
    if (isOwnMemoryView(obj)) mirrorViewForC(obj);
    else if (BufferObject.isBufferObject(obj)) mirrorBufferObjectForC(obj);
    // Nothing of the caller's runs from here on.
    for (let i = 0; i < HEADER; i++) scratch[i] = staged[i]!;
    for (let i = 0; i < ndim; i++) {
      scratch[HEADER + i] = staged[HEADER + i]!;
      scratch[HEADER + MAX_NDIM + i] = staged[HEADER + MAX_NDIM + i]!;
      scratch[HEADER + 2 * MAX_NDIM + i] = staged[HEADER + 2 * MAX_NDIM + i]!;
    }
    // In ANSWER's order.
    return [info, buffer, format, region];
  } catch (error) {
    releaseQuietly(info);
    throw error;
  } finally {
    staging.next = spareStaging;
    spareStaging = staging;
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

// The binding's scratch array (HEADER + 3 * MAX_NDIM doubles), written by
// exportForC only after this line has run. It stays in this module.
const scratch = native.installCApi({
  exportForC,
  releaseForC: (info) => releaseQuietly(info as BufferInfo),
  wrapForeign,
  bufferObjectForeign,
  copyData,
  sizeFromFormat,
  bufferError: (code, message) => new BufferError(code as BufferErrorCode, message),
});
