// Lifecycles that only a fresh process can show: release callbacks of C
// memory after GC, at process exit (natural or process.exit()) and at Worker
// exit with exports still live; the published table's protection; a
// consumer called where buffer-protocol is not loaded; and Worker threads
// sharing one NativeBuffer's memory under load. Each runs in a child
// process (test/fixtures/capi-lifecycle.js, worker-share.js).
import { jsonLines, runFixture } from './helpers/child';

const TRACE = { BP_TEST_IMAGE_TRACE: '1' };

/** The release-callback lines the image addon wrote to stderr. */
function callbacks(stderr: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of stderr.split('\n')) {
    if (line.startsWith('bp_test_image: ')) counts[line.slice(15)] = (counts[line.slice(15)] ?? 0) + 1;
  }
  return counts;
}

function steps(stdout: string): Record<string, Record<string, unknown>> {
  return Object.fromEntries(jsonLines(stdout).map((line) => [line['step'] as string, line]));
}

describe('release callbacks of C memory', () => {
  test('run once after GC, never while a slice lives, never for refused exports', () => {
    const child = runFixture('capi-lifecycle', TRACE, ['gc']);
    expect([child.status, child.signal]).toEqual([0, null]);
    const s = steps(child.stdout);
    expect(s['dropped five']).toMatchObject({ freed: 5 });
    expect(s['slice alive']).toMatchObject({ freed: 5, pixel: 255 });
    expect(s['slice gone']).toMatchObject({ freed: 6 });
    expect(s['buffer objects dropped']).toMatchObject({ freed: 1 });
    expect(s['bad exports']).toMatchObject({ refused: 8, released: 0 });
    expect(s['stats']).toMatchObject({ liveBlocks: 0, liveBytes: 0 });
    expect(callbacks(child.stderr)).toEqual({ img_free: 6, 'buffer object memory freed': 1 });
  });

  test.each([
    ['a natural end', []],
    ['process.exit()', ['process.exit']],
  ])('run once each at %s with exports, C views and views still live', (_how, extra) => {
    const child = runFixture('capi-lifecycle', TRACE, ['exit', ...extra]);
    expect([child.status, child.signal]).toEqual([0, null]);
    expect(steps(child.stdout)['live']).toMatchObject({ exports: 2 });
    expect(callbacks(child.stderr)).toEqual({ img_free: 3, 'buffer object memory freed': 1 });
  });

  test('where external memory is refused, C memory is copied and handed back at once', () => {
    const child = runFixture('capi-lifecycle', { BUFFER_PROTOCOL_NO_EXTERNAL: '1' }, ['no-external']);
    expect([child.status, child.signal, child.stderr]).toEqual([0, null, '']);
    expect(steps(child.stdout)['no external']).toEqual({
      step: 'no external',
      isCopy: true,
      freedAtOnce: 1,
      pixel: [127, 0, 1, 255],
      shape: [2, 3, 4],
      inverted: 128,
      share: 'ERR_BUFFER_INVALID_EXPORT',
      sum: true,
      freedAfter: 1,
    });
  });

  test('run once each when a Worker exits with live exports and a held C view', () => {
    const child = runFixture('capi-lifecycle', TRACE, ['worker-exit']);
    expect([child.status, child.signal]).toEqual([0, null]);
    const gone = steps(child.stdout)['worker gone']!;
    expect(gone).toMatchObject({ code: 0, freed: 3, said: { exports: 1 } });
    expect(callbacks(child.stderr)).toEqual({ img_free: 3 });
  });
});

describe('the table and its import', () => {
  test('the table on globalThis can be neither replaced nor deleted', () => {
    const child = runFixture('capi-lifecycle', {}, ['table']);
    expect(child.status).toBe(0);
    expect(steps(child.stdout)['table']).toEqual({
      step: 'table',
      writable: false,
      configurable: false,
      assign: 'TypeError',
      deleted: 'TypeError',
      imports: true,
    });
  });

  test('release from another env (a Worker) is refused, and the view stays releasable where it was filled', () => {
    const child = runFixture('capi-lifecycle', {}, ['wrong-env']);
    expect([child.status, child.signal]).toEqual([0, null]);
    expect(steps(child.stdout)['wrong env']).toEqual({
      step: 'wrong env',
      said: { code: 'ERR_BUFFER_WRONG_ENV', name: 'Error' },
      exportsBefore: 1,
      released: true,
      exportsAfter: 0,
    });
  });

  test("release of a built-in's SIMPLE view from a Worker's thread is refused, and works where it was filled", () => {
    const child = runFixture('capi-lifecycle', {}, ['wrong-thread-simple']);
    expect([child.status, child.signal, child.stderr]).toEqual([0, null, '']);
    expect(steps(child.stdout)['wrong thread']).toEqual({
      step: 'wrong thread',
      said: { code: 'ERR_BUFFER_WRONG_ENV', name: 'Error' },
      released: true,
      again: false,
    });
  });

  test('a consumer in a process that never loaded buffer-protocol gets a clear Error', () => {
    const child = runFixture('capi-lifecycle', {}, ['not-loaded']);
    expect(child.status).toBe(0);
    expect(steps(child.stdout)['not loaded']).toMatchObject({ code: 'ERR_BUFFER_PROTOCOL_NOT_LOADED', name: 'Error' });
  });
});

describe('Worker threads sharing one NativeBuffer', () => {
  test('four Workers x 100000 take/slice/release cycles: counts return to 0, memory freed once', () => {
    const child = runFixture('worker-share', {}, ['4', '100000'], 180_000);
    expect([child.status, child.signal, child.stderr]).toEqual([0, null, '']);
    const lines = jsonLines(child.stdout);
    const workers = lines.filter((l) => l['step'] === 'worker');
    expect(workers).toHaveLength(4);
    for (const w of workers) expect(w).toMatchObject({ exports: 0, checksumOk: true, code: 0 });
    expect(lines.find((l) => l['step'] === 'main')).toMatchObject({ exports: 0, rowsOk: true });
    expect(lines.find((l) => l['step'] === 'memory')).toMatchObject({ liveBlocksAfter: 0, freed: 1 });
  }, 200_000);
});
