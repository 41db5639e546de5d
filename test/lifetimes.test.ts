// Lifetimes in a language without refcounts: scope() releases what it made
// and keeps what it returns, on a throw too; a layout without a format takes
// the object's; a NumPy dtype as a format gets a hint; and the trace names
// the line that made a leaked export (in a child, since it is read at load).
import { BufferFlags, NativeBuffer, getBuffer, memoryview, scope } from '../src';
import { jsonLines, runFixture } from './helpers/child';
import { expectCode } from './helpers/expect';

describe('scope()', () => {
  test('releases the views and exports made inside, and keeps what it returns', () => {
    const nb = NativeBuffer.alloc(16, { format: 'B', shape: [4, 4] });
    const crop = scope(() => {
      const whole = memoryview(nb);
      getBuffer(whole, BufferFlags.STRIDED_RO); // an export nobody releases
      return whole.slice([0, 2]).T;
    });
    expect([crop.released, crop.shape, nb.exports]).toEqual([false, [4, 2], 1]);
    expectCode(() => nb.close(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    crop.release();
    expect(nb.exports).toBe(0);
    nb.close();
  });

  test('keeps the elements of a returned array and the values of a returned object', () => {
    const nb = NativeBuffer.alloc(8);
    const { info, views } = scope(() => ({ info: getBuffer(nb), views: memoryview(nb).slice([0, 2]) }));
    const [a, b] = scope(() => [memoryview(nb), memoryview(nb).slice([1, 3])]);
    expect([info.released, views.released, a!.released, b!.released]).toEqual([false, false, false, false]);
    for (const held of [info, views, a!, b!]) held.release();
    expect(nb.exports).toBe(0);
    nb.close();
  });

  test('releases everything when fn throws, and passes the error on', () => {
    const nb = NativeBuffer.alloc(8);
    expect(() =>
      scope(() => {
        memoryview(nb).slice([0, 1]);
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(nb.exports).toBe(0);
    nb.close();
  });

  test('inner scopes hand what they return to the outer one', () => {
    const nb = NativeBuffer.alloc(8);
    const outerKept = scope(() => {
      const inner = scope(() => memoryview(nb).slice([0, 4]));
      expect(inner.released).toBe(false);
      return 42;
    });
    expect([outerKept, nb.exports]).toEqual([42, 0]);
    nb.close();
  });

  test('an async fn is refused, after releasing what it made', () => {
    const nb = NativeBuffer.alloc(8);
    expectCode(() => scope((async () => memoryview(nb)) as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expect(nb.exports).toBe(0);
    expectCode(() => scope(42 as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    nb.close();
  });
});

describe('formats', () => {
  test("a layout without a format takes the object's own", () => {
    const view = memoryview(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    expect([view.format, view.itemsize, view.toList()]).toEqual([
      'f',
      4,
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    const again = memoryview(view, { shape: [3, 2] });
    expect([again.format, again.get(2, 1)]).toEqual(['f', 6]);
  });

  test.each([
    ['<f4', '<f'],
    ['|u1', 'B'],
    ['>i8', '>q'],
  ])('the NumPy dtype %s as a format suggests %s', (dtype, hint) => {
    const error = expectCode(() => memoryview(new ArrayBuffer(8), { format: dtype }), 'ERR_BUFFER_BAD_FORMAT', 'BufferError');
    expect(error.message).toContain(`did you mean the struct format "${hint}"?`);
  });
});

test('BUFFER_PROTOCOL_TRACE=1: the refusal of close() names the line that made the leaked export', () => {
  const child = runFixture('trace', { BUFFER_PROTOCOL_TRACE: '1' });
  expect({ status: child.status, signal: child.signal }).toEqual({ status: 0, signal: null });
  const [line] = jsonLines(child.stdout);
  expect(line!['code']).toBe('ERR_BUFFER_EXPORTS_ACTIVE');
  expect(line!['message']).toMatch(/live exports were made at:\n\s+at makeCrop \(.*trace\.js:\d+:\d+\)/);
  const quiet = runFixture('trace');
  expect(jsonLines(quiet.stdout)[0]!['message']).toMatch(/set BUFFER_PROTOCOL_TRACE=1 to see where each live export was made/);
});
