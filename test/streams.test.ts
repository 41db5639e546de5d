import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import { NativeBuffer, memoryview, readIntoStream, receiveInto, writeView } from '../src';
import { jsonLines, runFixture } from './helpers/child';
import { expectCode } from './helpers/expect';

/** A loopback server that pipes what it receives into `sink`; resolves with a connected client. */
async function loopback(onSocket: (socket: net.Socket) => void): Promise<{ client: net.Socket; close: () => Promise<void> }> {
  const server = net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  return {
    client,
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('socket round trips', () => {
  test('64 MiB out with writeView and back in with readIntoStream, byte for byte', async () => {
    const size = 64 << 20;
    const source = NativeBuffer.alloc(size, { zero: false });
    const bytes = new Uint8Array(source.buffer);
    for (let i = 0; i < size; i += 4096) bytes[i] = (i >>> 12) & 0xff;
    bytes[size - 1] = 0x5a;
    const target = NativeBuffer.alloc(size);
    let received: Promise<number> = Promise.resolve(0);
    const { client, close } = await loopback((socket) => {
      received = readIntoStream(socket, target);
    });
    try {
      const sending = writeView(client, source);
      expectCode(() => source.close(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
      expect(await sending).toBe(size);
      expect(source.exports).toBe(0);
      client.end();
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(await received).toBe(size);
      expect(Buffer.compare(Buffer.from(target.buffer), Buffer.from(source.buffer))).toBe(0);
      expect(target.exports).toBe(0);
    } finally {
      await close();
      source.close();
      target.close();
    }
  }, 60_000);

  test('a strided view goes out as its C-order bytes (long runs zero-copy, short runs gathered)', async () => {
    const m = memoryview(new Float32Array(256 * 256).map((_, i) => i))
      .cast('B')
      .cast('f', [256, 256]);
    for (const view of [m.slice('::-1'), m.T, m.slice(null, '::2')]) {
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (c: Buffer) => chunks.push(c));
      const n = await writeView(sink, view);
      expect(n).toBe(view.nbytes);
      expect(Buffer.concat(chunks).equals(Buffer.from(view.toBytes('C')))).toBe(true);
    }
  });
});

describe('readIntoStream', () => {
  test('stops when the view is full and puts the rest back', async () => {
    const stream = new PassThrough();
    const view = new Uint8Array(4);
    const reading = readIntoStream(stream, view);
    stream.write(Buffer.from([1, 2, 3]));
    stream.write(Buffer.from([4, 5, 6]));
    expect(await reading).toBe(4);
    expect(Array.from(view)).toEqual([1, 2, 3, 4]);
    const rest = new Uint8Array(2);
    const more = readIntoStream(stream, rest);
    expect(await more).toBe(2);
    expect(Array.from(rest)).toEqual([5, 6]);
  });

  test('resolves with a short count at the end of the stream', async () => {
    const stream = new PassThrough();
    const view = new Uint8Array(10);
    const reading = readIntoStream(stream, view);
    stream.end(Buffer.from([7, 8]));
    expect(await reading).toBe(2);
  });

  test('needs a writable view, and a stream', () => {
    const stream = new PassThrough();
    expectCode(() => readIntoStream(stream, NativeBuffer.alloc(4, { readonly: true })), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    expectCode(() => readIntoStream({} as never, new Uint8Array(1)), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => writeView(null as never, new Uint8Array(1)), 'ERR_INVALID_ARG_TYPE', 'TypeError');
  });
});

describe('receiveInto (zero-copy receive through the onread option)', () => {
  async function serve(payload: Buffer): Promise<{ port: number; close: () => Promise<void> }> {
    // The client may close with unread data (a full view): ignore the reset.
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(payload);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as net.AddressInfo).port,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  test('64 MiB land directly in a NativeBuffer, byte for byte', async () => {
    const size = 64 << 20;
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i += 997) payload[i] = (i / 997) & 0xff;
    const { port, close } = await serve(payload);
    const target = NativeBuffer.alloc(size);
    let socket: net.Socket | undefined;
    try {
      const n = await receiveInto(target, (options) => (socket = net.connect({ port, host: '127.0.0.1', ...options })));
      expect(n).toBe(size);
      expect(Buffer.compare(Buffer.from(target.buffer), payload)).toBe(0);
      expect(target.exports).toBe(0);
    } finally {
      socket?.destroy();
      await close();
      target.close();
    }
  }, 60_000);

  test('a short stream resolves at its end; a long one stops when the view is full', async () => {
    const short = await serve(Buffer.from([1, 2, 3]));
    const view = new Uint8Array(8);
    let socket: net.Socket | undefined;
    expect(await receiveInto(view, (o) => (socket = net.connect({ port: short.port, host: '127.0.0.1', ...o })))).toBe(3);
    socket?.destroy();
    await short.close();
    const long = await serve(Buffer.from([9, 8, 7, 6, 5]));
    const small = new Uint8Array(2);
    expect(await receiveInto(small, (o) => (socket = net.connect({ port: long.port, host: '127.0.0.1', ...o })))).toBe(2);
    expect(Array.from(small)).toEqual([9, 8]);
    socket?.destroy();
    await long.close();
  });

  test('needs a contiguous writable view and a socket factory', () => {
    expectCode(() => receiveInto(new Uint8Array(4), 5 as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(
      () => receiveInto(memoryview(new Uint8Array(8)).slice('::2'), () => new net.Socket()),
      'ERR_BUFFER_NOT_C_CONTIGUOUS',
      'BufferError',
    );
  });
});

describe('memory that goes away mid-I/O', () => {
  test('readIntoStream: a forced close of the target rejects with ERR_BUFFER_RELEASED, detaches the listeners and puts the chunk back', async () => {
    const stream = new PassThrough();
    const nb = NativeBuffer.alloc(8);
    const reading = readIntoStream(stream, nb);
    stream.write(Buffer.from([1, 2]));
    await new Promise((resolve) => setImmediate(resolve));
    nb.close({ force: true });
    stream.write(Buffer.from([3, 4]));
    await expect(reading).rejects.toMatchObject({ name: 'BufferError', code: 'ERR_BUFFER_RELEASED' });
    expect([stream.listenerCount('data'), stream.listenerCount('end'), stream.listenerCount('error')]).toEqual([0, 0, 0]);
    expect(nb.exports).toBe(0);
    const rest = new Uint8Array(2);
    expect(await readIntoStream(stream, rest)).toBe(2);
    expect(Array.from(rest)).toEqual([3, 4]);
  });

  test('readIntoStream: a target transferred away mid-stream rejects the same way', async () => {
    const stream = new PassThrough();
    let ab = new ArrayBuffer(8);
    const reading = readIntoStream(stream, new Uint8Array(ab, 2, 4));
    stream.write(Buffer.from([1]));
    await new Promise((resolve) => setImmediate(resolve));
    ab = structuredClone(ab, { transfer: [ab] });
    stream.write(Buffer.from([2]));
    await expect(reading).rejects.toMatchObject({ name: 'BufferError', code: 'ERR_BUFFER_RELEASED' });
    expect(stream.listenerCount('data')).toBe(0);
    expect(new Uint8Array(ab)[2]).toBe(1);
  });

  test('writeView of a plain ArrayBuffer sends the bytes it held at the call, whatever happens to it after', async () => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    const bytes = new Uint8Array(3 << 20).map((_, i) => i % 251);
    const expected = Buffer.from(bytes);
    const m = memoryview(bytes);
    const writing = writeView(sink, m);
    expect(m.exports).toBe(0);
    bytes.fill(0);
    expect(await writing).toBe(expected.length);
    expect(Buffer.concat(chunks).equals(expected)).toBe(true);
    m.release();
  });

  test('writeView of a plain ArrayBuffer transferred while the write is queued: the peer gets exactly the original bytes (child process)', () => {
    const child = runFixture('write-view-transfer', {}, [], 30_000);
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(jsonLines(child.stdout)).toEqual([{ n: 8 << 20, length: 8 << 20, wrong: 0, others: 16 }]);
  });

  test('receiveInto into a NativeBuffer refuses its forced close until the socket is closed (child process)', () => {
    const child = runFixture('receive-into', {}, ['force-close'], 20_000);
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(jsonLines(child.stdout)).toEqual([
      { forced: 'ERR_BUFFER_EXPORTS_ACTIVE', n: 4096, same: true, exports: 0, destroyed: true, close: 'ok' },
    ]);
  });

  test('receiveInto into a plain ArrayBuffer transferred away: ERR_BUFFER_RELEASED, and no stray write (child process)', () => {
    const child = runFixture('receive-into', {}, ['transfer'], 20_000);
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(jsonLines(child.stdout)).toEqual([
      { code: 'ERR_BUFFER_RELEASED', name: 'BufferError', destroyed: true, clobbered: false },
    ]);
  });

  test("the README's receiveInto example lets the process exit: the socket is destroyed when it settles (child process)", () => {
    const child = runFixture('receive-into', {}, ['exits'], 20_000);
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(jsonLines(child.stdout)).toEqual([{ n: 4096, same: true }]);
  });
});
