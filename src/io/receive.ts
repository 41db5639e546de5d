// Filling a view from a readable stream or socket: readIntoStream copies
// each chunk in as it arrives; receiveInto reads straight into memory this
// package owns through the socket's onread option.
import type { Readable } from 'node:stream';
import { placedFromInfo, releaseQuietly, type BufferInfo } from '../export/buffer-info';
import type { Placed } from '../layout/layout';
import { moveChunk } from './chunks';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { BufferError, invalidArgType } from '../errors';
import { holdsRange } from '../internal/memory';
import { copyInto, privateBytes, privateView } from '../internal/primordials';
import { beginTransfer, endTransfer, isOwned } from './owned';

/** ERR_BUFFER_RELEASED for a target whose memory went away mid-read. */
function targetGone(what: string): BufferError {
  return new BufferError(
    'ERR_BUFFER_RELEASED',
    `the target of ${what} was detached or shrank mid-read (closed with force, transferred or resized); keep it attached until the promise settles`,
  );
}

/** True while the export's memory is still there. */
function attached(info: BufferInfo): boolean {
  return holdsRange(info.buffer, info.byteOffset, info.len);
}

/** One past the highest byte the items of `v` touch: what must stay attached. */
function extentEnd(v: Placed): number {
  let end = v.byteOffset + v.itemsize;
  for (let d = 0; d < v.ndim; d++) end += Math.max(0, (v.shape[d]! - 1) * v.strides[d]!);
  return end;
}

/**
 * Fills the writable `view` (strided views included, in C order) from a
 * Readable stream or socket.
 * Resolves with the bytes read when the view is full (extra data is put
 * back with `unshift` and the stream paused) or at the end of the stream.
 * Each chunk is copied into the view when it arrives (scattered into its
 * runs, one native call per chunk, when the view is not contiguous), so the
 * target may be any memory; if it is detached meanwhile (a forced close, a
 * transfer), the promise rejects with ERR_BUFFER_RELEASED, the stream is
 * paused and the chunk put back.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when stream is not a Readable, or view not an exporter.
 * @throws {BufferError} ERR_BUFFER_NOT_WRITABLE for a read-only view; ERR_BUFFER_RELEASED (as a
 *   rejection) when it is detached meanwhile.
 */
export function readIntoStream(stream: Readable, view: unknown): Promise<number> {
  if (typeof stream !== 'object' || stream === null || typeof (stream as Readable).on !== 'function') {
    throw invalidArgType('stream', 'a Readable stream or net.Socket', stream);
  }
  const info = getBuffer(view, BufferFlags.STRIDED);
  let v: Placed;
  try {
    v = placedFromInfo(info);
  } catch (error) {
    releaseQuietly(info);
    throw error;
  }
  const target = v.cContiguous ? privateView(info.buffer, info.byteOffset, info.len) : null;
  const end = v.len === 0 ? 0 : extentEnd(v);
  return new Promise<number>((resolve, reject) => {
    let filled = 0;
    let settled = false;
    // A failure is boxed: whatever a hostile stream throws, even undefined, rejects.
    const finish = (failure?: { error: unknown }): void => {
      if (settled) return;
      settled = true;
      try {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
      } finally {
        releaseQuietly(info);
        if (failure !== undefined) reject(failure.error);
        else resolve(filled);
      }
    };
    const onData = (chunk: Buffer | string): void => {
      if (settled) return;
      try {
        if (typeof chunk === 'string') {
          finish({ error: new BufferError('ERR_BUFFER_INVALID_EXPORT', 'the stream delivers strings; remove its encoding') });
          return;
        }
        if (!holdsRange(info.buffer, 0, end)) {
          stream.pause();
          stream.unshift(chunk);
          finish({ error: targetGone('readIntoStream') });
          return;
        }
        const take = Math.min(v.len - filled, chunk.length);
        if (target !== null) copyInto(target, chunk.subarray(0, take), filled);
        else moveChunk(v, filled, chunk.subarray(0, take), false);
        filled += take;
        if (filled === v.len) {
          stream.pause();
          if (take < chunk.length) stream.unshift(chunk.subarray(take));
          finish();
        }
      } catch (error) {
        finish({ error });
      }
    };
    const onEnd = (): void => finish();
    const onError = (error: Error): void => finish({ error });
    if (v.len === 0) {
      finish();
      return;
    }
    try {
      stream.on('data', onData);
      stream.on('end', onEnd);
      stream.on('error', onError);
      stream.resume();
    } catch (error) {
      finish({ error });
    }
  });
}

/** The `onread` option of net.connect / new net.Socket that receiveInto hands out. */
export interface ReceiveOptions {
  readonly onread: { buffer: () => Uint8Array; callback: (bytes: number, buffer: Uint8Array) => boolean };
}

// Private memory a receive into memory this package cannot keep alive lands in first.
const RECEIVE_STAGE = 64 * 1024;

/**
 * Receive through the `onread` option: creates a socket with `open`, which
 * must pass the given options to net.connect or `new net.Socket` (Node
 * only allows them when a socket is created; for an existing socket use
 * {@link readIntoStream}), and fills the C-contiguous writable `view` from
 * it. Resolves with the bytes received when the view is full or when the
 * peer ends the connection; rejects on a socket error.
 *
 * The socket belongs to receiveInto: once the view is full, the stream has
 * ended or a failure occurred, it is destroyed (unread data is dropped, so
 * the peer may see a reset), and the promise settles after its 'close'.
 * Node keeps a raw pointer to the memory it reads into between reads, until
 * the socket is closed, so:
 * - memory this package owns (a NativeBuffer, a MappedFile, views of them)
 *   is read into directly (zero-copy), and its owner refuses even
 *   `close({ force: true })` until the promise settles;
 * - any other memory (a plain ArrayBuffer or SharedArrayBuffer, which can be
 *   transferred away and freed) is read into private memory and copied into
 *   the view after each read. If the view is detached or shrinks meanwhile,
 *   the promise rejects with ERR_BUFFER_RELEASED.
 * @example
 * const n = await receiveInto(view, (options) => net.connect({ port, host, ...options }));
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when open is not a function, or view not an exporter.
 * @throws {BufferError} ERR_BUFFER_NOT_WRITABLE for a read-only view, ERR_BUFFER_NOT_C_CONTIGUOUS for a
 *   strided one; ERR_BUFFER_RELEASED (as a rejection) when it is detached meanwhile.
 */
export function receiveInto(view: unknown, open: (options: ReceiveOptions) => import('node:net').Socket): Promise<number> {
  if (typeof open !== 'function') throw invalidArgType('open', 'a function creating a net.Socket', open);
  const info = getBuffer(view, BufferFlags.CONTIG);
  const owned = isOwned(info.buffer);
  const target = privateView(info.buffer, info.byteOffset, info.len);
  const stage = owned ? null : privateBytes(Math.min(RECEIVE_STAGE, info.len));
  if (owned) beginTransfer(info.buffer);
  return new Promise<number>((resolve, reject) => {
    let filled = 0;
    // The outcome, once decided; the promise settles when the socket can no
    // longer read into the memory.
    let outcome: { error: unknown } | { bytes: number } | null = null;
    let socket: import('node:net').Socket | null = null;
    let closed = false;
    // True once Node was given memory of the view (owned) to read into.
    let lent = false;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      if (owned) endTransfer(info.buffer);
      releaseQuietly(info);
      if (outcome !== null && 'error' in outcome) reject(outcome.error);
      else resolve(filled);
    };
    // A failure is boxed: whatever a hostile open() throws, even undefined, rejects.
    const finish = (failure?: { error: unknown }): void => {
      if (outcome !== null) return;
      outcome = failure ?? { bytes: filled };
      if (closed || (socket === null && !lent)) {
        release();
        return;
      }
      if (socket === null) {
        // open() failed after a socket got the view's memory: that socket,
        // out of reach, may still read into it, so it stays held for good.
        reject(failure?.error);
        return;
      }
      try {
        socket.destroy();
      } catch (error) {
        // A socket that cannot be destroyed may still read into the memory: keep holding it.
        reject(failure?.error ?? error);
      }
    };
    // Node asks for a buffer when the socket gets its handle and after every
    // read: the unfilled rest of the view (or of the stage), and never the
    // view once the outcome is decided (a socket may be reconnected).
    const spare = privateBytes(1);
    const options: ReceiveOptions = {
      onread: {
        buffer: () => {
          const room = info.len - filled;
          if (outcome !== null || room === 0) return spare;
          if (stage !== null) return stage.length <= room ? stage : stage.subarray(0, room);
          lent = true;
          return target.subarray(filled);
        },
        callback: (bytes: number, buffer: Uint8Array) => {
          if (outcome !== null || buffer === spare) return false;
          try {
            if (stage !== null) {
              if (!attached(info)) {
                finish({ error: targetGone('receiveInto') });
                return false;
              }
              copyInto(target, stage.subarray(0, bytes), filled);
            }
            filled += bytes;
            if (filled < info.len) return true;
            finish();
          } catch (error) {
            finish({ error });
          }
          return false;
        },
      },
    };
    try {
      const opened: unknown = open(options);
      if (
        typeof opened !== 'object' ||
        opened === null ||
        typeof (opened as { once?: unknown }).once !== 'function' ||
        typeof (opened as { destroy?: unknown }).destroy !== 'function'
      ) {
        throw invalidArgType('open', 'a function returning a net.Socket', opened);
      }
      socket = opened as import('node:net').Socket;
    } catch (error) {
      finish({ error });
      return;
    }
    try {
      socket.once('close', () => {
        closed = true;
        finish();
        release();
      });
      socket.once('end', () => finish());
      socket.on('error', (error) => finish({ error }));
      if (info.len === 0) finish();
    } catch (error) {
      finish({ error });
    }
  });
}
