// Exports of memory owned by a native region (NativeBuffer, MappedFile).
import { BufferInfoImpl, exportedMemory, layoutExport, type BufferInfo } from '../export/buffer-info';
import { BufferError } from '../errors';
import { BufferFlags } from '../flags';
import { bufferLength } from '../internal/memory';
import type { Layout } from '../layout/layout';
import { negotiateContiguous } from '../layout/negotiate';

/**
 * Refuses an export of a region's memory that is gone: the owner closed, or
 * its buffer detached. @throws ERR_BUFFER_RELEASED
 */
export function checkRegionMemory(buffer: ArrayBuffer | null, length: number, what: string): asserts buffer is ArrayBuffer {
  if (buffer === null) throw new BufferError('ERR_BUFFER_RELEASED', `${what} is closed`);
  // A V8-owned buffer (isCopy) can be transferred away by the user, and C
  // code can revoke the memory it lent: both detach the buffer. Asked of the
  // captured built-in, which user code cannot redefine.
  if (bufferLength(buffer) !== length) {
    throw new BufferError('ERR_BUFFER_RELEASED', `the ${what}'s ArrayBuffer was detached`);
  }
}

/**
 * One export of a region's memory (`length` bytes in `buffer`): plain bytes
 * (`layout` null) negotiate as PyBuffer_FillInfo does, a layout as
 * memoryview does. The caller counts the export once this returns, so a
 * refusal changes nothing; `release` uncounts it. `writeAdvice` completes
 * the refusal of a write request to read-only memory.
 */
export function exportRegion(
  owner: object,
  buffer: ArrayBuffer | null,
  length: number,
  layout: Layout | null,
  readonly: boolean,
  flags: number,
  what: string,
  release: () => void,
  writeAdvice = '',
): BufferInfo {
  checkRegionMemory(buffer, length, what);
  // What to do instead, for a refused write request (a file mapped with mode 'r').
  if (readonly && writeAdvice !== '' && (flags & BufferFlags.WRITABLE) !== 0) {
    throw new BufferError('ERR_BUFFER_NOT_WRITABLE', `Object is not writable. ${writeAdvice}`);
  }
  if (layout === null) {
    const seen = negotiateContiguous(length, 1, 'B', readonly, flags);
    return BufferInfoImpl.of(owner, exportedMemory(buffer, 0, length, 1), readonly, seen, release);
  }
  return layoutExport(owner, buffer, layout, readonly, flags, release);
}
