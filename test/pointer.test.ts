// fromPointer against a real C library called through koffi: libc's
// malloc, memset and free. Zero-copy is shown by writing through C and
// reading through the view, and the reverse; the release callback runs
// exactly once, after the last holder lets go, and never for refused input.
// GC, exits, Workers and throwing callbacks run in a child process.
// koffi's types resolve as an ES module (its package is "type": "module"), its require() entry is CommonJS.
const koffi = require('koffi') as typeof import('koffi', { with: { 'resolution-mode': 'import' } });
import { BufferFlags, getBuffer, memoryview, nativeMemoryStats } from '../src';
import { fromPointer } from '../src/interop';
import { jsonLines, runFixture } from './helpers/child';
import { expectCode } from './helpers/expect';
import { loadFixture } from './helpers/native-fixtures';

const libc = koffi.load('libc.so.6');
const malloc = libc.func('void *malloc(size_t)') as (size: number) => bigint;
const free = libc.func('void free(void *)') as (pointer: bigint) => void;
const memset = libc.func('void *memset(void *, int, size_t)') as (pointer: bigint, value: number, size: number) => bigint;
const consumer = loadFixture('bp_test_consumer');

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

/** malloc'd memory and a release that frees it and records each call. */
function allocation(bytes: number): { pointer: bigint; calls: bigint[]; release: (p: bigint) => void } {
  const pointer = malloc(bytes);
  const calls: bigint[] = [];
  return {
    pointer,
    calls,
    release: (p) => {
      calls.push(p);
      free(p);
    },
  };
}

describe('fromPointer: memory from C through koffi', () => {
  test('C and the view see the same bytes, both ways', async () => {
    const { pointer, calls, release } = allocation(256);
    const nb = fromPointer(pointer, 256, { release, format: 'i', shape: [8, 8] });
    memset(pointer, 1, 256);
    const m = memoryview(nb);
    expect([m.shape, m.format, m.get(7, 7)]).toEqual([[8, 8], 'i', 0x01010101]);
    m.set([2, 3], -5);
    expect((koffi.decode(pointer, 'int', 64) as number[])[2 * 8 + 3]).toBe(-5);
    const info = getBuffer(nb, BufferFlags.CONTIG_RO);
    expect(info.len).toBe(256);
    info.release();
    m.release();
    nb.close();
    await turns();
    expect(calls).toEqual([pointer]);
  });

  test('close() waits for the exports; the callback runs once, after close, with the pointer given', async () => {
    const { pointer, calls, release } = allocation(64);
    const nb = fromPointer(pointer, 64, { release });
    const m = memoryview(nb);
    expectCode(() => nb.close(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    await turns();
    expect(calls).toEqual([]);
    m.release();
    nb.close();
    nb.close();
    await turns();
    expect(calls).toEqual([pointer]);
    await turns();
    expect(calls.length).toBe(1);
  });

  test('a forced close detaches every view at once; a held C view keeps the memory until it is released', async () => {
    const { pointer, calls, release } = allocation(64);
    const nb = fromPointer(pointer, 64, { release });
    new Uint8Array(nb.buffer).fill(2);
    const view = memoryview(nb);
    const handle = consumer.hold(nb, BufferFlags.SIMPLE);
    nb.close({ force: true });
    expectCode(() => view.get(0), 'ERR_BUFFER_RELEASED', 'BufferError');
    await turns();
    expect(calls).toEqual([]);
    expect(consumer.heldSum(handle)).toBe(128);
    expect(consumer.releaseHeld(handle)).toBe(true);
    await turns();
    expect(calls).toEqual([pointer]);
  });

  test('a read-only lend refuses writable requests', async () => {
    const { pointer, calls, release } = allocation(16);
    const nb = fromPointer(pointer, 16, { release, readonly: true });
    expectCode(() => getBuffer(nb, BufferFlags.WRITABLE), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    nb.close();
    await turns();
    expect(calls.length).toBe(1);
  });

  const bad: [string, () => unknown, string, string][] = [
    ['length 0', () => fromPointer(malloc(1), 0, { release: () => {} }), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['NULL with a length', () => fromPointer(0n, 16, { release: () => {} }), 'ERR_INVALID_ARG_TYPE', 'TypeError'],
    ['a negative length', () => fromPointer(1n, -1, { release: () => {} }), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['a fractional length', () => fromPointer(1n, 1.5, { release: () => {} }), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['an address beyond 64 bits', () => fromPointer(2n ** 64n, 1, { release: () => {} }), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['a negative address', () => fromPointer(-8n, 1, { release: () => {} }), 'ERR_OUT_OF_RANGE', 'RangeError'],
    ['a number for a pointer', () => fromPointer(4096, 1, { release: () => {} }), 'ERR_INVALID_ARG_TYPE', 'TypeError'],
    ['a pointer object without koffi', () => fromPointer({}, 1, { release: () => {} }), 'ERR_INVALID_ARG_TYPE', 'TypeError'],
    [
      'JavaScript memory for a pointer',
      () => fromPointer(new Uint8Array(8), 8, { release: () => {}, koffi }),
      'ERR_INVALID_ARG_TYPE',
      'TypeError',
    ],
    ['no release', () => fromPointer(1n, 1, {} as never), 'ERR_INVALID_ARG_TYPE', 'TypeError'],
    [
      'a release that is not a function',
      () => fromPointer(1n, 1, { release: 'free' } as never),
      'ERR_INVALID_ARG_TYPE',
      'TypeError',
    ],
    ['an unknown option', () => fromPointer(1n, 1, { release: () => {}, size: 4 } as never), 'ERR_INVALID_ARG_TYPE', 'TypeError'],
    ['no options', () => fromPointer(1n, 1, undefined as never), 'ERR_INVALID_ARG_TYPE', 'TypeError'],
  ];
  test.each(bad)('%s is refused with its code, and nothing is lent or released', (_, call, code, name) => {
    const before = nativeMemoryStats();
    expectCode(call, code, name);
    expect(nativeMemoryStats()).toEqual(before);
  });

  test('a layout that does not fit, or a bad format, is refused before the memory is wrapped', async () => {
    const { pointer, calls, release } = allocation(16);
    const before = nativeMemoryStats();
    expectCode(() => fromPointer(pointer, 16, { release, format: 'd', shape: [3] }), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    expectCode(() => fromPointer(pointer, 16, { release, format: '(' }), 'ERR_BUFFER_BAD_FORMAT', 'BufferError');
    expect(nativeMemoryStats()).toEqual(before);
    await turns();
    expect(calls).toEqual([]);
    free(pointer);
  });

  test('each lend of the same memory is its own buffer with its own release', async () => {
    const { pointer, release } = allocation(32);
    const calls: string[] = [];
    const whole = fromPointer(pointer, 32, { release: () => calls.push('whole') });
    const tail = fromPointer(pointer + 16n, 16, { release: () => calls.push('tail') });
    new Uint8Array(tail.buffer)[0] = 77;
    expect(new Uint8Array(whole.buffer)[16]).toBe(77);
    tail.close();
    whole.close();
    await turns();
    expect(calls.sort()).toEqual(['tail', 'whole']);
    release(pointer);
  });
});

describe('fromPointer in a child process', () => {
  const run = (scenario: string): { status: number | null; lines: Record<string, unknown>[]; stderr: string } => {
    const child = runFixture('pointer-lifecycle', {}, [scenario]);
    return { status: child.status, lines: jsonLines(child.stdout), stderr: child.stderr };
  };
  const releases = (lines: Record<string, unknown>[]): unknown[] =>
    lines.filter((l) => 'released' in l).map((l) => l['released']);

  test('a lend dropped without close is released after GC, once', () => {
    const { status, lines } = run('gc');
    expect(status).toBe(0);
    expect(releases(lines)).toEqual(['dropped']);
    expect(lines.find((l) => l['step'] === 'after gc')).toMatchObject({ count: 1 });
  });

  test.each(['exit', 'process-exit'])('lends alive at %s are released then, once each, after the script', (scenario) => {
    const { status, lines } = run(scenario);
    expect(status).toBe(0);
    expect(lines[0]).toMatchObject({ count: 0 });
    expect(releases(lines).sort()).toEqual(scenario === 'exit' ? ['kept', 'orphan-buffer'] : ['a', 'b']);
  });

  test('an exit listener that runs after the release sees detached memory, not freed memory', () => {
    const { status, lines } = run('late-listener');
    expect(status).toBe(0);
    expect(lines).toEqual([
      { released: 'late', thread: 'main' },
      { step: 'late listener', length: 0, first: null },
    ]);
  });

  test.each([
    ['worker-natural', 0, 1],
    ['worker-process-exit', 5, 1],
  ])('a Worker that ends (%s) releases its lends on its own thread', (scenario, code, count) => {
    const { status, lines } = run(scenario);
    expect(status).toBe(0);
    expect(lines).toEqual([
      { released: 'in-worker', thread: 'worker' },
      { step: 'worker gone', code, count },
    ]);
  });

  test('a terminated Worker runs no JavaScript: its callback cannot run, and nothing crashes', () => {
    const { status, lines } = run('worker-terminate');
    expect(status).toBe(0);
    expect(lines).toEqual([{ step: 'worker gone', code: 1, count: 0 }]);
  });

  test('memory shared with a Worker is released once, on the lending thread, after both let go', () => {
    const { status, lines } = run('shared-with-worker');
    expect(status).toBe(0);
    expect(lines).toEqual([
      { step: 'worker read', sum: 64 * 3 },
      { step: 'worker gone', code: 0, count: 0 },
      { released: 'shared', thread: 'main' },
      { step: 'closed', count: 1 },
    ]);
  });

  test.each(['held-by-worker-at-exit', 'held-by-c-at-exit'])(
    'memory still held outside JavaScript at exit (%s) is not freed under its reader',
    (scenario) => {
      const { status, lines, stderr } = run(scenario);
      expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
      expect(releases(lines)).toEqual([]);
    },
  );

  test('a lend an asynchronous write still uses at process.exit() is left alone; the others are released', () => {
    const { status, lines, stderr } = run('write-in-flight-at-exit');
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(releases(lines)).toEqual(['idle']);
  });

  test('a throwing callback is one uncaught ERR_BUFFER_RELEASE_FAILED, and is not called again', () => {
    const { status, lines } = run('throws-handled');
    expect(status).toBe(0);
    expect(lines).toEqual([
      { released: 'thrower', thread: 'main' },
      { uncaught: 'ERR_BUFFER_RELEASE_FAILED', name: 'BufferError', cause: 'thrower refused' },
      { step: 'after close', count: 1 },
    ]);
  });

  test('unhandled, it ends the process as any uncaught exception does', () => {
    const { status, lines, stderr } = run('throws-unhandled');
    expect(status).toBe(1);
    expect(releases(lines)).toEqual(['thrower']);
    expect(stderr).toContain('ERR_BUFFER_RELEASE_FAILED');
  });

  test('at exit, a throwing callback does not keep the others from running', () => {
    const { status, lines, stderr } = run('throws-at-exit');
    expect(status).not.toBe(0);
    expect(releases(lines).sort()).toEqual(['first', 'second']);
    expect(stderr).toContain('ERR_BUFFER_RELEASE_FAILED');
  });
});
