// Async file I/O while JavaScript takes the memory away mid-transfer. The
// binding holds what the threadpool touches (a reference to our block, or
// a private native copy), and the facade's in-flight count sits in maps
// whose methods nobody can replace. Each scenario runs in a child process
// (test/fixtures/inflight.js) with a FIFO that keeps the transfer waiting
// in the kernel while the hostile step runs.
import { jsonLines, runFixture } from './helpers/child';

const MIB = 1 << 20;

function scenario(name: string): Record<string, unknown> {
  const child = runFixture('inflight', {}, [name]);
  expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  const lines = jsonLines(child.stdout);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

test('a read into a NativeBuffer survives its ArrayBuffer being transferred and collected', () => {
  // Before: the block was freed mid-read (freedMidRead 1) and the kernel
  // wrote into unmapped memory (EFAULT) or a freed heap block.
  expect(scenario('ownedTransferRead')).toEqual({
    scenario: 'ownedTransferRead',
    resolved: MIB,
    freedMidRead: 0,
    freedAfter: 1,
    moved: null,
  });
});

test('a write from a NativeBuffer survives the same, and writes the original bytes', () => {
  expect(scenario('ownedTransferWrite')).toEqual({ scenario: 'ownedTransferWrite', resolved: MIB, same: true, moved: null });
});

test('replaced WeakMap methods cannot let a forced close through mid-read', () => {
  expect(scenario('forcedCloseWithHooks')).toEqual({
    scenario: 'forcedCloseWithHooks',
    close: 'ERR_BUFFER_EXPORTS_ACTIVE',
    resolved: 4096,
    same: true,
  });
});

test('a plain ArrayBuffer transferred mid-read is never written; the read rejects with a coded error', () => {
  expect(scenario('plainTransferRead')).toEqual({
    scenario: 'plainTransferRead',
    code: 'ERR_BUFFER_RELEASED',
    cloneUntouched: true,
  });
});

test('write() of plain memory copies it privately: no species or own slice is called, a transfer changes nothing', () => {
  expect(scenario('plainTransferWrite')).toEqual({ scenario: 'plainTransferWrite', resolved: MIB, same: true, captured: false });
});

test('an owner whose ArrayBuffer was transferred and collected refuses with codes, never touching the freed block', () => {
  // Before: the region kept a raw pointer to the block, which the
  // transferred buffer's finalizer freed: close() read its guard (SIGSEGV
  // on an unmapped 1 MiB block), share() and resize() used it.
  expect(scenario('ownedTransferThenUse')).toEqual({
    scenario: 'ownedTransferThenUse',
    close: 'ok',
    share: 'ERR_BUFFER_RELEASED',
    resize: 'ERR_BUFFER_RELEASED',
    truncated: false,
    exports: 0,
  });
});
