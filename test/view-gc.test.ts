// The GC safety net of view families (issue 13's constraint): one
// registration per family instead of one per view must still give every
// export back, and hold it no longer than the family's last unreleased view.
import { probesOf, runFixture } from './helpers/child';

describe('views dropped without release()', () => {
  const child = runFixture('view-gc');
  const found = probesOf(child);
  const probe = (name: string, kind?: string): Record<string, unknown> => found(name, kind === undefined ? {} : { kind });

  test('the child ran to the end', () => {
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
  });

  test.each(['NativeBuffer', 'MappedFile', 'Counted'])('a dropped family of derived views gives a %s export back', (kind) => {
    expect(probe('dropped family', kind)).toMatchObject({ before: 1, after: 0 });
  });

  test('a dropped family over a BufferObject gives its hold on the base back', () => {
    expect(probe('dropped family', 'BufferObject')).toMatchObject({ refusedBefore: true, after: 0 });
  });

  test("dropped getBuffer exports of a view give the view's count back, and its collected relatives their hold", () => {
    expect(probe('dropped exports of a view')).toEqual({
      probe: 'dropped exports of a view',
      before: 1,
      after: 0,
      ownerAfterRelease: 1,
      ownerAfterGc: 0,
    });
  });

  test('a released view kept alive holds nothing; an unreleased one holds until it is collected', () => {
    expect(probe('bound')).toMatchObject({ whileKept: 1, afterDrop: 0, releasedStillAlive: true });
  });

  test('a dropped export waits for the other unreleased exports of its batch (one stretch of synchronous code), no longer', () => {
    expect(probe('batch bound')).toMatchObject({ sameBatch: 2, afterKeptReleased: 0, otherBatch: 1, end: 0 });
  });

  test('a loop of exports and releases reuses one batch; a dropped export in a reused slot is still given back', () => {
    // Before: one registration per 1024 exports (98 for the loop). The dropped
    // export keeps its batch's slots from being freed all at once: 1024
    // exports later a second batch starts, which the loop then reuses.
    expect(probe('reused batch')).toMatchObject({ loop: 1, withDropped: 2, held: 2, end: 0 });
  });

  test("exports and families dropped in a loop, an owner's (one shared action) and a protocol exporter's (one each), all come back once", () => {
    expect(probe('dropped in a loop')).toMatchObject({
      held: { nb: 6000, counted: 1500, bufferObject: 'ERR_BUFFER_EXPORTS_ACTIVE' },
      end: { nb: 0, counted: 0, bufferObject: true },
    });
  });

  test('a released export keeps nothing: its owner, or what a protocol export returned, goes in the next GC', () => {
    expect(probe('released exports keep nothing')).toMatchObject({ owner: false, firstMemory: false });
  });

  test("a release hook throwing what cannot be made a string: a warning, and the batch's other releases still run", () => {
    expect(probe('unprintable hook error')).toMatchObject({ live: 0, warnings: 2 });
  });

  test("another object's unreleased exports and views never delay a dropped one; the same object's do, until released", () => {
    expect(probe('per-object batches')).toMatchObject({ otherObject: 0, sameObject: 3, end: 0 });
  });
});
