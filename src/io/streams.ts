// Stream writes over exporters: long contiguous runs of a view are written
// without copying, short ones gathered in bounded chunks (reads into a view
// are in receive.ts).
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Writable } from 'node:stream';
import { placedFromInfo, releaseQuietly, type BufferInfo } from '../export/buffer-info';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { invalidArgType } from '../errors';
import type { Placed } from '../layout/layout';
import { privateBytes, privateView } from '../internal/primordials';
import { beginTransfer, endTransfer, isOwned } from './owned';
import { chunking, forEachRun, moveChunk, runOf } from './chunks';

/** Views of the memory itself, one per run: for memory this package owns, in long runs. */
function views(v: Placed): Uint8Array[] {
  if (v.cContiguous) return v.len === 0 ? [] : [privateView(v.buffer, v.byteOffset, v.len)];
  const out: Uint8Array[] = [];
  forEachRun(v, (offset, bytes) => out.push(privateView(v.buffer, offset, bytes)));
  return out;
}

/**
 * Copies of the items of `v` in private chunks: memory this package cannot
 * keep alive (a plain ArrayBuffer can be transferred away, and freed,
 * while libuv still has the write queued) never reaches the socket itself.
 */
function staged(v: Placed): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let from = 0; from < v.len; from += chunking.size) {
    const chunk = privateBytes(Math.min(chunking.size, v.len - from));
    moveChunk(v, from, chunk, true);
    out.push(chunk);
  }
  return out;
}

// Gathered chunks handed to the stream and not yet written: two keep the
// socket busy while the next is gathered, and bound the memory.
const CHUNKS_QUEUED = 2;

/**
 * Short runs of memory this package owns: gathered a chunk at a time as the
 * stream takes them, so the extra memory is two chunks whatever the size of
 * the view. The export is held, and a close refused, until the last chunk
 * was gathered and written.
 */
function writeGathered(stream: Writable, info: BufferInfo, v: Placed): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let from = 0;
    let queued = 0;
    let failure: { error: unknown } | null = null;
    let settled = false;
    let pumping = false;
    // A socket or file stream is done with a chunk once its write callback
    // ran (the kernel has the bytes), so its chunks are reused: memory
    // stays two chunks even before a GC. Any other Writable may keep the
    // chunks it was given (a PassThrough hands them to its reader).
    const spare: Uint8Array[] | null = stream instanceof net.Socket || stream instanceof fs.WriteStream ? [] : null;
    beginTransfer(info.buffer);
    const settle = (): void => {
      if (settled) return;
      settled = true;
      try {
        if (watching) stream.off('close', onClose);
      } catch {
        // A listener left behind finds the promise settled and does nothing.
      }
      endTransfer(info.buffer);
      releaseQuietly(info);
      if (failure !== null) reject(failure.error);
      else resolve(v.len);
    };
    // A stream destroyed while a write is under way may never call it back;
    // the chunks are copies, so its 'close' can end the wait safely.
    const onClose = (): void => {
      if (failure === null) {
        const error = (stream as { errored?: unknown }).errored;
        failure = {
          error:
            error ??
            Object.assign(new Error('the stream closed before writeView had written every chunk'), {
              code: 'ERR_STREAM_PREMATURE_CLOSE',
            }),
        };
      }
      settle();
    };
    const watching = typeof stream.once === 'function' && typeof stream.off === 'function';
    const pump = (): void => {
      if (pumping || settled) return;
      pumping = true;
      try {
        while (failure === null && from < v.len && queued < CHUNKS_QUEUED) {
          const bytes = Math.min(chunking.size, v.len - from);
          const block = spare?.pop() ?? privateBytes(Math.min(chunking.size, v.len));
          const chunk = block.subarray(0, bytes);
          moveChunk(v, from, chunk, true);
          from += bytes;
          queued++;
          try {
            stream.write(Buffer.from(chunk.buffer, chunk.byteOffset, bytes), (error?: Error | null) => {
              if (!error) spare?.push(block);
              done(error);
            });
          } catch (error) {
            // A throwing write() took no callback.
            queued--;
            throw error;
          }
        }
      } catch (error) {
        if (failure === null) failure = { error };
      } finally {
        pumping = false;
      }
      // The chunks are copies: after a failure nothing reads the memory any more.
      if (failure !== null || (queued === 0 && from >= v.len)) settle();
    };
    const done = (error?: Error | null): void => {
      queued--;
      if (error && failure === null) failure = { error };
      pump();
    };
    try {
      if (watching) stream.once('close', onClose);
    } catch (error) {
      failure = { error };
    }
    pump();
  });
}

/**
 * Writes the items of `view` (any exporter) to a Writable or net.Socket in C
 * order. Memory this package owns (a NativeBuffer, a MappedFile, views of
 * them) is written without copying contiguous runs: each run is written as
 * a Buffer over the memory itself, inside one cork()/uncork(), and the
 * export is held (its owner cannot be closed, not even forced, or resized)
 * until the last write has completed. Any other memory (a plain
 * ArrayBuffer or SharedArrayBuffer) is copied at the call into private
 * chunks of at most 1 MiB, and the export released at once: the caller
 * may change or transfer it as soon as writeView returns. Owned memory in
 * runs shorter than 64 KiB (a transpose, every other item) is gathered
 * into 1 MiB chunks as the stream takes them, at most two queued at a time,
 * so the extra memory stays bounded whatever the size of the view; its
 * export is held the same way until the last chunk is written.
 * @returns a promise of the bytes written.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when stream is not a Writable, or view not an exporter.
 * @throws {BufferError} ERR_BUFFER_RELEASED for a released view or closed owner.
 */
export function writeView(stream: Writable, view: unknown): Promise<number> {
  if (typeof stream !== 'object' || stream === null || typeof (stream as Writable).write !== 'function') {
    throw invalidArgType('stream', 'a Writable stream or net.Socket', stream);
  }
  const info = getBuffer(view, BufferFlags.FULL_RO);
  const owned = isOwned(info.buffer);
  let parts: Uint8Array[];
  try {
    const v = placedFromInfo(info);
    if (owned && v.len > 0 && !v.cContiguous && runOf(v).run < chunking.longRun) return writeGathered(stream, info, v);
    parts = owned ? views(v) : staged(v);
  } catch (error) {
    releaseQuietly(info);
    throw error;
  }
  // Staged parts are private copies: nothing reads the caller's memory any more.
  if (!owned) releaseQuietly(info);
  const total = parts.reduce((n, p) => n + p.length, 0);
  return new Promise<number>((resolve, reject) => {
    if (parts.length === 0) {
      if (owned) releaseQuietly(info);
      resolve(0);
      return;
    }
    // Write callbacks still to come, and the first failure.
    let pending = parts.length;
    let failure: { error: unknown } | null = null;
    let settled = false;
    // Until the last callback, libuv may still read the memory: not even a
    // forced close of its owner may free it meanwhile.
    if (owned) beginTransfer(info.buffer);
    const settle = (): void => {
      if (settled) return;
      settled = true;
      if (owned) {
        endTransfer(info.buffer);
        releaseQuietly(info);
      }
      if (failure !== null) reject(failure.error);
      else resolve(total);
    };
    const done = (error?: Error | null): void => {
      pending--;
      if (error && failure === null) failure = { error };
      // A Writable runs one write at a time and fails the buffered ones with
      // the first, so after a failed write none still reads the memory.
      if (error || pending === 0) settle();
    };
    let corked = false;
    let handed = 0;
    try {
      stream.cork();
      corked = true;
      for (const part of parts) {
        stream.write(Buffer.from(part.buffer, part.byteOffset, part.length), done);
        handed++;
      }
    } catch (error) {
      // A throwing write() took no callback, nor did the parts after it; the
      // parts handed over before it still hold the memory until theirs.
      pending -= parts.length - handed;
      if (failure === null) failure = { error };
      if (pending === 0) settle();
    } finally {
      if (corked) process.nextTick(() => stream.uncork());
    }
  });
}
