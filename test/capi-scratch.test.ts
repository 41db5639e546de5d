// Hole 7 of issue 10: the C API's facade answers through a scratch
// Float64Array the binding reads directly. User code that replaces
// %TypedArray%.prototype.set must not get hold of it (and transfer its
// memory away), and a WeakMap.prototype.get / WeakRef.prototype.deref hook
// that starts a nested C export must not leave that export's numbers for
// the outer one: C then saw a read-only [2, 4] mapped file as writable,
// [8, 1] with strides [8, 0]. Each case runs in a child process
// (test/fixtures/capi-scratch.js), hooks installed before or after require.
import { jsonLines, runFixture } from './helpers/child';

const FILE = { readonly: true, format: 'd', shape: [2, 4], strides: [32, 8], len: 64 };
const NATIVE = { readonly: false, format: 'f', shape: [3, 4], strides: [16, 4], len: 48 };

describe('the scratch array of the C API cannot be captured or forged', () => {
  test.each([
    ['%TypedArray%.prototype.set replaced', 'set', 'before'],
    ['%TypedArray%.prototype.set replaced', 'set', 'after'],
    ['WeakMap.prototype.get and WeakRef.prototype.deref run a nested C export', 'weakmap', 'before'],
    ['WeakMap.prototype.get and WeakRef.prototype.deref run a nested C export', 'weakmap', 'after'],
  ])('%s (hook %s, installed %s require): C sees the true layout and read-only flag', (_name, hook, when) => {
    const child = runFixture('capi-scratch', {}, [hook, when]);
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    const [line] = jsonLines(child.stdout);
    expect(line).toEqual({
      step: 'views',
      views: [0, 1, 2].map(() => ({ file: FILE, nb: NATIVE })),
      exports: 0,
      // The scratch never reached the hook. The nested exports ran or not
      // (whether the package still calls these built-ins is not this
      // test's business); either way they changed nothing.
      caught: { arrays: 0, transferred: 0, nested: hook === 'weakmap' ? expect.any(Number) : 0 },
    });
  });
});
