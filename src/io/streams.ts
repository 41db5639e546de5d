// Socket and stream I/O over exporters: writes of every contiguous run of a
// view without copying, and filling a view from a readable stream.
import type { Readable, Writable } from 'node:stream';
import { releaseQuietly } from '../buffer-info';
import { BufferFlags } from '../flags';
import { getBuffer } from '../get-buffer';
import { BufferError, invalidArgType } from '../errors';
import { placedFromInfo, toContiguousBytes, type Placed } from '../view-ops';
import { beginTransfer, endTransfer } from './owned';

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
function pieces(v: Placed): Uint8Array[] {
  const r = v.cContiguous ? [[v.byteOffset, v.len] as [number, number]] : runs(v);
  if (r.length === 0) return [];
  if (r[0]![1] >= MIN_RUN || v.cContiguous) return r.map(([o, n]) => new Uint8Array(v.buffer, o, n));
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
 * Writes the items of `view` (any exporter) to a Writable or net.Socket in C
 * order, without copying contiguous runs: each run is written as a Buffer
 * over the memory itself, inside one cork()/uncork(). Runs shorter than
 * 4 KiB are gathered into 1 MiB chunks instead. The export is held (its
 * owner cannot be closed or resized) until the last write has completed.
 * @returns a promise of the bytes written.
 */
export function writeView(stream: Writable, view: unknown): Promise<number> {
  if (typeof stream !== 'object' || stream === null || typeof (stream as Writable).write !== 'function') {
    throw invalidArgType('stream', 'a Writable stream or net.Socket', stream);
  }
  const info = getBuffer(view, BufferFlags.FULL_RO);
  let parts: Uint8Array[];
  try {
    parts = pieces(placedFromInfo(info));
  } catch (error) {
    releaseQuietly(info);
    throw error;
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  return new Promise<number>((resolve, reject) => {
    if (parts.length === 0) {
      releaseQuietly(info);
      resolve(0);
      return;
    }
    // Write callbacks still to come, and the first failure.
    let pending = parts.length;
    let failure: { error: unknown } | null = null;
    let settled = false;
    // Until the last callback, libuv may still read the memory: not even a
    // forced close of its owner may free it meanwhile.
    beginTransfer(info.buffer);
    const settle = (): void => {
      if (settled) return;
      settled = true;
      endTransfer(info.buffer);
      releaseQuietly(info);
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

/**
 * Fills the C-contiguous writable `view` from a Readable stream or socket.
 * Resolves with the bytes read when the view is full (extra data is put
 * back with `unshift` and the stream paused) or at the end of the stream.
 */
export function readIntoStream(stream: Readable, view: unknown): Promise<number> {
  if (typeof stream !== 'object' || stream === null || typeof (stream as Readable).on !== 'function') {
    throw invalidArgType('stream', 'a Readable stream or net.Socket', stream);
  }
  const info = getBuffer(view, BufferFlags.CONTIG);
  const target = new Uint8Array(info.buffer, info.byteOffset, info.len);
  return new Promise<number>((resolve, reject) => {
    let filled = 0;
    // A failure is boxed: whatever a hostile stream throws, even undefined, rejects.
    const finish = (failure?: { error: unknown }): void => {
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
      if (typeof chunk === 'string') {
        finish({ error: new BufferError('ERR_BUFFER_INVALID_EXPORT', 'the stream delivers strings; remove its encoding') });
        return;
      }
      const room = target.length - filled;
      const take = Math.min(room, chunk.length);
      target.set(chunk.subarray(0, take), filled);
      filled += take;
      if (filled === target.length) {
        stream.pause();
        if (take < chunk.length) stream.unshift(chunk.subarray(take));
        finish();
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

/**
 * Zero-copy receive: creates a socket (with `open`, which must pass the given
 * options, the `onread` static-buffer option, to net.connect or
 * `new net.Socket`) whose reads land directly in the C-contiguous writable
 * `view`, with no intermediate Buffer. Node only allows this when the socket
 * is created; for an existing socket use {@link readIntoStream}. Resolves
 * with the bytes received when the view is full (reading then pauses; later
 * data stays in the kernel) or when the peer ends the connection. The view
 * stays exported until then.
 * @example
 * const n = await receiveInto(view, (options) => net.connect({ port, host, ...options }));
 */
export function receiveInto(view: unknown, open: (options: ReceiveOptions) => import('node:net').Socket): Promise<number> {
  if (typeof open !== 'function') throw invalidArgType('open', 'a function creating a net.Socket', open);
  const info = getBuffer(view, BufferFlags.CONTIG);
  const target = new Uint8Array(info.buffer, info.byteOffset, info.len);
  return new Promise<number>((resolve, reject) => {
    let filled = 0;
    let settled = false;
    // A failure is boxed: whatever a hostile open() throws, even undefined, rejects.
    const finish = (failure?: { error: unknown }): void => {
      if (settled) return;
      settled = true;
      releaseQuietly(info);
      if (failure !== undefined) reject(failure.error);
      else resolve(filled);
    };
    // Node asks for a buffer before every read: hand out the unfilled rest,
    // and never the view once it is released (a socket may outlive a failure).
    const spare = new Uint8Array(1);
    const options: ReceiveOptions = {
      onread: {
        buffer: () => (!settled && filled < target.length ? target.subarray(filled) : spare),
        callback: (bytes: number, buffer: Uint8Array) => {
          if (buffer === spare) {
            socket.unshift(Buffer.from(spare.subarray(0, bytes)));
            return false;
          }
          filled += bytes;
          if (filled < target.length) return true;
          finish();
          return false;
        },
      },
    };
    let socket: import('node:net').Socket;
    try {
      socket = open(options);
      if (typeof socket !== 'object' || socket === null || typeof socket.once !== 'function' || typeof socket.pause !== 'function') {
        throw invalidArgType('open', 'a function returning a net.Socket', socket);
      }
    } catch (error) {
      finish({ error });
      return;
    }
    try {
      if (target.length === 0) {
        socket.pause();
        finish();
        return;
      }
      socket.once('end', () => finish());
      socket.once('close', () => finish());
      socket.once('error', (error) => finish({ error }));
    } catch (error) {
      finish({ error });
    }
  });
}
