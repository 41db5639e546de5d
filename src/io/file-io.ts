// readInto / writeFrom: file I/O straight into and out of any exporter's
// memory, strided layouts included.
import { isArrayBuffer } from 'node:util/types';
import { placedFromInfo, releaseQuietly, type BufferInfo } from '../export/buffer-info';
import { fromContiguous } from '../export/contiguous';
import { callNative, wrapNativeError } from '../errors';
import { privateBytes } from '../internal/primordials';
import { checkInteger } from '../internal/validate';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { native, type TransferArgs } from '../native';
import type { Placed } from '../layout/layout';
import { toContiguousBytes } from '../view/view-ops';
import { beginTransfer, endTransfer } from './owned';
import { chunking, moveChunk } from './chunks';

const checkFd = (fd: unknown): number => checkInteger('fd', fd, 0, 0x7fffffff);

/** undefined or null: the file's current position (read/write); else pread/pwrite at `position`. */
const checkPosition = (position: unknown): number =>
  position === undefined || position === null ? -1 : checkInteger('position', position, 0);

/** The binding's arguments for a transfer of a layout, or of plain bytes (a private array). */
function transferArgs(write: boolean, fd: number, v: Placed | Uint8Array, position: number): TransferArgs {
  // Not `instanceof`: private arrays come from another realm (primordials).
  return 'shape' in v
    ? [write, fd, v.buffer as ArrayBuffer, v.byteOffset, v.shape, v.strides, v.itemsize, position]
    : [write, fd, v.buffer as ArrayBuffer, v.byteOffset, [v.length], [1], 1, position];
}

function syncTransfer(write: boolean, fd: number, v: Placed | Uint8Array, position: number): number {
  return callNative(() => native.io.transfer(...transferArgs(write, fd, v, position)));
}

// The binding holds what the threadpool touches itself (a reference to our
// block, or a private copy), so memory safety does not rest on this side.
// The in-flight count is the library's promise that a close, even forced,
// is refused until the transfer completes.
function asyncTransfer(write: boolean, fd: number, v: Placed | Uint8Array, position: number, keep: object): Promise<number> {
  const args = transferArgs(write, fd, v, position);
  const buffer = args[2];
  beginTransfer(buffer);
  return new Promise<number>((resolve, reject) => {
    try {
      native.io.transferAsync(...args, keep, (error, bytes) => {
        endTransfer(buffer);
        if (error === null) resolve(bytes!);
        else reject(wrapNativeError(error));
      });
    } catch (error) {
      endTransfer(buffer);
      reject(wrapNativeError(error));
    }
  });
}

// SharedArrayBuffer memory (the binding transfers ArrayBuffers only): through
// one private chunk, a bounded piece at a time, so the extra memory stays
// one chunk whatever the size of the view.
function sharedTransfer(write: boolean, fd: number, v: Placed, position: number): number {
  const chunk = privateBytes(Math.min(chunking.size, v.len));
  let done = 0;
  while (done < v.len) {
    const part = chunk.subarray(0, Math.min(chunk.length, v.len - done));
    if (write) moveChunk(v, done, part, true);
    const n = syncTransfer(write, fd, part, position < 0 ? -1 : position + done);
    if (!write) moveChunk(v, done, part.subarray(0, n), false);
    done += n;
    // Only a read stops short, at EOF: a write moves every byte or throws.
    if (n < part.length) break;
  }
  return done;
}

/**
 * Reads from `fd` into the items of `target` (any writable exporter,
 * strided views included), in C order: one `pread` for contiguous memory,
 * `preadv` over long contiguous runs, a bounded (1 MiB) staging buffer for
 * short runs. Stops early only at EOF.
 * @param position file offset; undefined or null reads from the current position.
 * @returns the number of bytes read (short at EOF).
 * @throws {BufferError} ERR_BUFFER_NOT_WRITABLE for a read-only target.
 * @throws {Error} with a Node-style `code` (`EBADF`, ...), `errno` and `syscall` for a failed syscall.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when fd or position is not a number, or target is not an exporter.
 * @throws {RangeError} ERR_OUT_OF_RANGE for a negative or non-integer fd or position.
 */
export function readInto(fd: number, target: unknown, position?: number | null): number {
  const f = checkFd(fd);
  const at = checkPosition(position);
  const info = getBuffer(target, BufferFlags.FULL);
  try {
    const v = placedFromInfo(info);
    return isArrayBuffer(v.buffer) ? syncTransfer(false, f, v, at) : sharedTransfer(false, f, v, at);
  } finally {
    releaseQuietly(info);
  }
}

/**
 * Writes the items of `source` (any exporter, strided views included) to
 * `fd` in C order: one `pwrite` for contiguous memory, `pwritev` over long
 * contiguous runs, a bounded (1 MiB) gather buffer for short runs.
 * @returns the number of bytes written.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when fd or position is not a number, or source is not an exporter.
 * @throws {RangeError} ERR_OUT_OF_RANGE for a negative or non-integer fd or position.
 * @throws {Error} with a Node-style `code` (`EBADF`, ...), `errno` and `syscall` for a failed syscall.
 */
export function writeFrom(fd: number, source: unknown, position?: number | null): number {
  const f = checkFd(fd);
  const at = checkPosition(position);
  const info = getBuffer(source, BufferFlags.FULL_RO);
  try {
    const v = placedFromInfo(info);
    return isArrayBuffer(v.buffer) ? syncTransfer(true, f, v, at) : sharedTransfer(true, f, v, at);
  } finally {
    releaseQuietly(info);
  }
}

/**
 * `readInto` on the libuv threadpool. The target stays exported (its owner
 * cannot be closed or resized, not even forced) until the promise settles.
 * Memory this package owns (NativeBuffer, MappedFile, views of them) is
 * read into directly, and the read holds it alive whatever happens to its
 * ArrayBuffer. Other memory (a plain ArrayBuffer could be transferred
 * away, and freed, while the kernel writes) is read into a private native
 * copy, stored into the target when the read completes.
 * @throws {BufferError} ERR_BUFFER_RELEASED (as a rejection) when the target
 *   was detached or shrunk before the read completed.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when fd or position is not a number, or target is not an exporter.
 * @throws {RangeError} ERR_OUT_OF_RANGE for a negative or non-integer fd or position.
 * @throws {BufferError} ERR_BUFFER_NOT_WRITABLE for a read-only target.
 */
export async function read(fd: number, target: unknown, position?: number | null): Promise<number> {
  const f = checkFd(fd);
  const at = checkPosition(position);
  const info: BufferInfo = getBuffer(target, BufferFlags.FULL);
  try {
    const v = placedFromInfo(info);
    if (isArrayBuffer(v.buffer)) return await asyncTransfer(false, f, v, at, info);
    // SharedArrayBuffer memory (the binding reads ArrayBuffers only).
    const tmp = privateBytes(v.len);
    const n = await asyncTransfer(false, f, tmp, at, tmp);
    fromContiguous(target, tmp.subarray(0, n), 'C');
    return n;
  } finally {
    releaseQuietly(info);
  }
}

/**
 * `writeFrom` on the libuv threadpool; the source stays exported until the
 * promise settles. Memory this package does not own is copied, when the
 * call is made, into private native memory that the write then reads.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when fd or position is not a number, or source is not an exporter.
 * @throws {RangeError} ERR_OUT_OF_RANGE for a negative or non-integer fd or position.
 * @throws {Error} (as a rejection) with a Node-style `code`, `errno` and `syscall` for a failed syscall.
 */
export async function write(fd: number, source: unknown, position?: number | null): Promise<number> {
  const f = checkFd(fd);
  const at = checkPosition(position);
  const info: BufferInfo = getBuffer(source, BufferFlags.FULL_RO);
  try {
    const v = placedFromInfo(info);
    return await asyncTransfer(true, f, isArrayBuffer(v.buffer) ? v : toContiguousBytes(v, false), at, info);
  } finally {
    releaseQuietly(info);
  }
}
