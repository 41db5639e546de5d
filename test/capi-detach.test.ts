// Hole 3 of issue 10: a held C view (get_buffer) must keep reading its
// bytes when JavaScript takes the memory away (structuredClone or
// postMessage transfer, a forced close of an isCopy NativeBuffer), the new
// owner is dropped and GC plus fresh allocations reuse what was freed.
// Each case runs in a child process (test/fixtures/capi-detach.js): before
// views pinned their memory, C read freed memory there (SIGSEGV, or a sum
// of other allocations' bytes).
import { jsonLines, runFixture } from './helpers/child';

// The bytes the fixture writes: (i * 7 + 3) & 0xff over 1 MiB.
const EXPECTED = 133693440;

function read(args: string[], env: Record<string, string> = {}): Record<string, unknown> {
  const child = runFixture('capi-detach', env, args);
  expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({
    status: 0,
    signal: null,
    stderr: '',
  });
  const lines = jsonLines(child.stdout);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('a held C view keeps its memory when JavaScript detaches it', () => {
  test.each([
    ['an ArrayBuffer transferred by structuredClone (SIMPLE, no internal before)', 'arraybuffer', 'SIMPLE'],
    ['an ArrayBuffer transferred by structuredClone (FULL_RO)', 'arraybuffer', 'FULL_RO'],
    ["a TypedArray's buffer posted through a MessageChannel (SIMPLE)", 'typedarray', 'SIMPLE'],
    ["a TypedArray's buffer posted through a MessageChannel (FULL_RO)", 'typedarray', 'FULL_RO'],
    ["a DataView's buffer posted through a MessageChannel", 'dataview', 'SIMPLE'],
    ["a memoryview's buffer transferred (facade path)", 'memoryview', 'FULL_RO'],
    ["a protocol exporter's buffer transferred (facade path)", 'protocol', 'FULL_RO'],
    ["a NativeBuffer whose region lookup was misdirected to another's, force-closed", 'misdirected-pin', 'FULL_RO'],
  ])('%s: the bytes read after GC are the original ones', (_name, source, flags) => {
    expect(read([source, flags])).toEqual({
      step: 'read',
      source,
      flags,
      moved: 1 << 20,
      before: EXPECTED,
      sum: EXPECTED,
      expected: EXPECTED,
      released: true,
    });
  });

  test('an isCopy NativeBuffer (no external memory) force-closed: the C view stays readable, as the README says', () => {
    expect(read(['native-copy', 'FULL_RO'], { BUFFER_PROTOCOL_NO_EXTERNAL: '1' })).toEqual({
      step: 'read',
      source: 'native-copy',
      flags: 'FULL_RO',
      moved: 1 << 20,
      before: EXPECTED,
      sum: EXPECTED,
      expected: EXPECTED,
      released: true,
      isCopy: true,
    });
  });

  test('a Worker that exits holding pinned views lets go of them; the buffer it sent lives on', () => {
    expect(read(['worker-teardown'])).toEqual({
      step: 'read',
      source: 'worker-teardown',
      code: 0,
      held: 4,
      sum: EXPECTED,
      expected: EXPECTED,
    });
  });
});
