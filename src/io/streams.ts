// Socket and stream I/O over exporters: writes of every contiguous run of a
// view without copying, and filling a view from a readable stream.
import type { Readable, Writable } from 'node:stream';
import { placedFromInfo, releaseQuietly, type BufferInfo } from '../export/buffer-info';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { BufferError, invalidArgType } from '../errors';
import type { Placed } from '../layout/layout';
import { toContiguousBytes } from '../view/view-ops';
import { bufferByteLength, copyInto, privateBytes, privateView } from '../internal/primordials';
import { beginTransfer, endTransfer, isOwned } from './owned';

// Runs shorter than this are gathered into chunks of about STAGE bytes: a
// write call per 4-byte item would cost far more than the copy.
const MIN_RUN = 4096;
const STAGE = 1 << 20;

/** The C-order contiguous runs of a layout as [byteOffset, length] pairs (long runs only). */
function runs(v: Placed): Array<[number, number]> {
  const ndim = v.shape.length;
  let run = v.itemsize;
  let inner = ndim;
  while (inner > 0 && v.strides[inner - 1] === run) {
    run *= v.shape[inner - 1]!;
    inner--;
  }
  const out: Array<[number, number]> = [];
  if (v.len === 0) return out;
  const index = new Array<number>(inner).fill(0);
  for (;;) {
    let o = v.byteOffset;
    for (let d = 0; d < inner; d++) o += index[d]! * v.strides[d]!;
    out.push([o, run]);
    let d = inner - 1;
    while (d >= 0 && ++index[d]! === v.shape[d]) index[d--] = 0;
    if (d < 0) return out;
  }
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
    out.push(toContiguousBytes({ ...v, byteOffset: v.byteOffset + i * v.strides[0]!, shape, len, cContiguous: false, fContiguous: false }, false));
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
    for (let done = 0; done < n; ) {
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

/** ERR_BUFFER_RELEASED for a target whose memory went away mid-read. */
function targetGone(what: string): BufferError {
  return new BufferError(
    'ERR_BUFFER_RELEASED',
    `the target of ${what} was detached or shrank mid-read (closed with force, transferred or resized); keep it attached until the promise settles`,
  );
}

/** True while [byteOffset, byteOffset + len) of the export's buffer is still there. */
function attached(info: BufferInfo): boolean {
  return bufferByteLength(info.buffer) >= info.byteOffset + info.len;
}

/**
 * Fills the C-contiguous writable `view` from a Readable stream or socket.
 * Resolves with the bytes read when the view is full (extra data is put
 * back with `unshift` and the stream paused) or at the end of the stream.
 * Each chunk is copied into the view when it arrives, so the target may be
 * any memory; if it is detached meanwhile (a forced close, a transfer), the
 * promise rejects with ERR_BUFFER_RELEASED, the stream is paused and the
 * chunk put back.
 */
export function readIntoStream(stream: Readable, view: unknown): Promise<number> {
  if (typeof stream !== 'object' || stream === null || typeof (stream as Readable).on !== 'function') {
    throw invalidArgType('stream', 'a Readable stream or net.Socket', stream);
  }
  const info = getBuffer(view, BufferFlags.CONTIG);
  const target = privateView(info.buffer, info.byteOffset, info.len);
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
        if (!attached(info)) {
          stream.pause();
          stream.unshift(chunk);
          finish({ error: targetGone('readIntoStream') });
          return;
        }
        const room = target.length - filled;
        const take = Math.min(room, chunk.length);
        copyInto(target, chunk.subarray(0, take), filled);
        filled += take;
        if (filled === target.length) {
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
    if (target.length === 0) {
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
