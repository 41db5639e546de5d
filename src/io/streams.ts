// Stream writes over exporters: every contiguous run of a view is written
// without copying (reads into a view are in receive.ts).
import type { Writable } from 'node:stream';
import { placedFromInfo, releaseQuietly } from '../export/buffer-info';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { invalidArgType } from '../errors';
import type { Placed } from '../layout/layout';
import { toContiguousBytes } from '../view/view-ops';
import { copyInto, privateBytes, privateView } from '../internal/primordials';
import { beginTransfer, endTransfer, isOwned } from './owned';
import { native } from '../native';

// Runs shorter than this are gathered into chunks of about STAGE bytes: a
// write call per 4-byte item would cost far more than the copy.
const MIN_RUN = 4096;
const STAGE = 1 << 20;

/**
 * The C-order contiguous runs of a layout as [byteOffset, length] pairs:
 * the walk of native/core/runs.h, one native call per buffer.
 */
function runs(v: Placed): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (v.len === 0) return out;
  const found = native.core.runs(v.shape, v.strides, v.itemsize);
  const run = found[0]!;
  for (let i = 1; i < found.length; i++) out.push([v.byteOffset + found[i]!, run]);
  return out;
}

/** The pieces to write, in order: views of the memory (long runs) or gathered copies (short runs). */
function pieces(v: Placed, owned: boolean): Uint8Array[] {
  const r = v.cContiguous ? [[v.byteOffset, v.len] as [number, number]] : runs(v);
  if (r.length === 0) return [];
  const long = r[0]![1] >= MIN_RUN || v.cContiguous;
  if (long && owned) return r.map(([o, n]) => privateView(v.buffer, o, n));
  if (long) return staged(v, r);
  // Short runs: gather slices along the first axis into bounded chunks.
  const slice = v.len / v.shape[0]!;
  const per = Math.max(1, Math.floor(STAGE / slice));
  const out: Uint8Array[] = [];
  for (let i = 0; i < v.shape[0]!; i += per) {
    const g = Math.min(per, v.shape[0]! - i);
    const shape = [g, ...v.shape.slice(1)];
    const len = g * slice;
    out.push(
      toContiguousBytes(
        { ...v, byteOffset: v.byteOffset + i * v.strides[0]!, shape, len, cContiguous: false, fContiguous: false },
        false,
      ),
    );
  }
  return out;
}

/**
 * Copies of the runs `r` of `v` in private chunks of at most STAGE bytes:
 * memory this package cannot keep alive (a plain ArrayBuffer can be
 * transferred away, and freed, while libuv still has the write queued)
 * never reaches the socket itself.
 */
function staged(v: Placed, r: Array<[number, number]>): Uint8Array[] {
  const out: Uint8Array[] = [];
  let left = v.len;
  let chunk: Uint8Array | null = null;
  let at = 0;
  for (const [o, n] of r) {
    for (let done = 0; done < n;) {
      if (chunk === null || at === chunk.length) {
        chunk = privateBytes(Math.min(STAGE, left));
        at = 0;
        out.push(chunk);
      }
      const take = Math.min(n - done, chunk.length - at);
      copyInto(chunk, privateView(v.buffer, o + done, take), at);
      at += take;
      done += take;
      left -= take;
    }
  }
  return out;
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
 * may change or transfer it as soon as writeView returns. Runs shorter than
 * 4 KiB are gathered into 1 MiB chunks in either case.
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
    parts = pieces(placedFromInfo(info), owned);
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
