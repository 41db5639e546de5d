// C's get_buffer on a NativeBuffer or MappedFile is answered natively, from
// the layout the binding mirrors (issue 13): no call into JavaScript, the
// same view the facade gives, counted as an export of the owner, and every
// refusal still worded by the facade.
import { probesOf, runFixture } from './helpers/child';

describe("C's get_buffer on this package's native exporters", () => {
  const child = runFixture('capi-own');
  const probe = probesOf(child);

  test('the child ran to the end', () => {
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
  });

  test.each([
    [
      'bytes',
      { len: 64, itemsize: 1, readonly: false, ndim: 1, format: 'B', shape: [64], strides: [1] },
      0,
      'ERR_BUFFER_EXPORTS_ACTIVE',
    ],
    [
      'layout',
      { len: 24, itemsize: 4, readonly: false, ndim: 2, format: 'f', shape: [2, 3], strides: [12, 4] },
      21,
      'ERR_BUFFER_EXPORTS_ACTIVE',
    ],
    ['mapped', { len: 24, itemsize: 4, readonly: true, ndim: 2, format: 'f', shape: [3, 2], strides: [8, 4] }, 21, null],
  ])('%s: answered without JavaScript, counted as an export while held', (name, described, sum, resizeRefused) => {
    const p = probe('answered natively', { name });
    expect(p['jsCalls']).toBe(0);
    expect(p['described']).toMatchObject(described);
    expect(p).toMatchObject({ whileHeld: 1, closeRefused: 'ERR_BUFFER_EXPORTS_ACTIVE', resizeRefused, sum, afterRelease: 0 });
  });

  test('a refusal goes to the facade, which words it, and leaves no export', () => {
    expect(probe('refusal')).toMatchObject({ code: 'ERR_BUFFER_NOT_WRITABLE', jsCalls: 1, exports: 0 });
  });

  test("the owner's region object is refused in C as in JavaScript", () => {
    expect(probe('region object')).toEqual({
      probe: 'region object',
      js: 'ERR_INVALID_ARG_TYPE',
      c: 'ERR_INVALID_ARG_TYPE',
      owner: 16,
    });
  });

  test('a forced close leaves a held C view its memory', () => {
    expect(probe('forced close')).toMatchObject({ sum: 48, exports: 0, closed: true });
  });

  test('a resize is mirrored: C sees the new length', () => {
    const p = probe('after resize');
    expect(p['before']).toMatchObject([
      { len: 8, shape: [8] },
      { len: 8, shape: [8] },
    ]);
    expect(p['described']).toMatchObject({ len: 32, shape: [32] });
    expect(p['again']).toMatchObject({ len: 8, shape: [8] });
  });

  test("a view family holds one export of its owner without a region export; C describes the view's transpose", () => {
    expect(probe('memoryview')).toMatchObject({
      jsCalls: 0,
      whileHeld: 1,
      described: { len: 24, itemsize: 4, ndim: 2, format: 'f', shape: [3, 2], strides: [4, 12] },
      afterRelease: 0,
    });
  });
});
