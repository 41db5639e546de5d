// C's get_buffer on a MemoryView, from its second export on, reads a mirror
// of the view in the binding (issue 13): no call into JavaScript, the same
// view as the facade's, counted in view.exports, refused as before.
import { probesOf, runFixture } from './helpers/child';

describe("C's get_buffer on a mirrored MemoryView", () => {
  const child = runFixture('capi-mirror');
  const probe = probesOf(child);

  test('the child ran to the end', () => {
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
  });

  test.each([
    ['transposed', { shape: [3, 2], strides: [4, 12], format: 'f', len: 24, readonly: false }],
    ['flipped', { shape: [2, 3], strides: [-12, -4], format: 'f', len: 24, readonly: false }],
  ])('%s: the first export takes the facade, the next ones the mirror, with the same view', (name, described) => {
    const p = probe('mirrored', { name });
    expect(p).toMatchObject({ firstCalls: 2, secondCalls: 0, same: true });
    expect(p['described']).toMatchObject(described);
  });

  test.each(['transposed', 'flipped'])('%s: a held C view is an export of the view; refusals keep their codes', (name) => {
    expect(probe('mirrored', { name })).toMatchObject({
      whileHeld: 1,
      releaseRefused: 'ERR_BUFFER_EXPORTS_ACTIVE',
      sum: 21,
      afterRelease: 0,
      refusal: 'ERR_BUFFER_NOT_C_CONTIGUOUS',
    });
  });

  test('a BufferObject: its second export takes the mirror; FillInfo-only answers and refusals keep the facade', () => {
    const p = probe('buffer object');
    expect(p).toMatchObject({ secondCalls: 0, same: true, writable: 'ERR_BUFFER_NOT_WRITABLE' });
    expect(p['firstCalls']).toBeGreaterThan(0);
    expect(p['described']).toMatchObject({ shape: [4], strides: [1], format: 'B', len: 4, readonly: true });
    expect(p['formatOnlyCalls']).toBeGreaterThan(0);
    expect(p['formatOnly']).toMatchObject({ format: 'B', shape: null, len: 4 });
  });

  test('a held C view of a mirrored BufferObject holds it and its base, and is counted until released', () => {
    expect(probe('buffer object')).toMatchObject({
      releaseRefused: 'ERR_BUFFER_EXPORTS_ACTIVE',
      closeRefused: 'ERR_BUFFER_EXPORTS_ACTIVE',
      sum: 3 + 4 + 5 + 6,
      afterRelease: 'ERR_BUFFER_RELEASED',
    });
  });

  test('a released view is refused with ERR_BUFFER_RELEASED', () => {
    expect(probe('released')['code']).toBe('ERR_BUFFER_RELEASED');
  });

  test('a forced close of the owner: a held C view keeps its bytes, a new export is refused', () => {
    expect(probe('forced close')).toMatchObject({ sum: 21, code: 'ERR_BUFFER_RELEASED' });
  });

  test("a transfer of a built-in's buffer leaves a held C view its bytes", () => {
    expect(probe('transfer')).toMatchObject({ sum: 10, length: 0 });
  });
});
