// Exports of memory owned by a native region (NativeBuffer, MappedFile).
import { BufferInfoImpl, type BufferInfo } from '../export/buffer-info';
import { BufferError, callNative } from '../errors';
import type { Layout } from '../layout/layout';
import { negotiate, negotiateContiguous } from '../layout/negotiate';
import type { NativeRegion } from '../native';

function bytesLayout(length: number): Layout {
  return {
    format: 'B',
    itemsize: 1,
    ndim: 1,
    shape: [length],
    strides: [1],
    byteOffset: 0,
    len: length,
    cContiguous: true,
    fContiguous: true,
  };
}

/**
 * One export of a region's memory: plain bytes (`layout` null) negotiate as
 * PyBuffer_FillInfo does, a layout as memoryview does. The region's export
 * count is taken only once the request was met, so a refusal changes nothing.
 */
export function exportRegion(
  owner: object,
  region: NativeRegion,
  buffer: ArrayBuffer | null,
  layout: Layout | null,
  readonly: boolean,
  flags: number,
  what: string,
): BufferInfo {
  if (buffer === null) throw new BufferError('ERR_BUFFER_RELEASED', `${what} is closed`);
  // A V8-owned buffer (isCopy) can be transferred away by the user.
  if (buffer.byteLength !== region.length) {
    throw new BufferError('ERR_BUFFER_RELEASED', `the ${what}'s ArrayBuffer was detached`);
  }
  const full = layout ?? bytesLayout(region.length);
  const seen = layout === null ? negotiateContiguous(full.len, 1, 'B', readonly, flags) : negotiate(full, readonly, flags);
  callNative(() => region.acquire());
  const memory = { buffer, byteOffset: full.byteOffset, len: full.len, itemsize: full.itemsize };
  return BufferInfoImpl.of(owner, memory, readonly, seen, () => region.release());
}
