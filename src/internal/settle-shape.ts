// V8 sizes a class's objects by watching its first instances ("slack
// tracking"): once a few exist, it fixes how many fields live inside the
// object, from the fields those instances have. If they were collected
// (and their hidden classes cleared) before that, it fixes the count with
// none, and every later instance keeps all its fields in a separate array:
// one more allocation per object, one more load per field read. A program
// that makes a view or two, drops them and collects before making more met
// exactly that (making a view 1.3-1.5x slower for the rest of the process).
// So the hot classes make their first instances here, alive together.

/** V8's slack tracking watches this many constructions (7), with room to spare. */
const WATCHED = 8;

/** Makes WATCHED objects with `make`, all alive until the last is made, then hands each to `dispose`. */
export function settleShape<T>(make: () => T, dispose: (made: T) => void): void {
  const made: T[] = [];
  for (let i = 0; i < WATCHED; i++) made.push(make());
  for (const object of made) dispose(object);
}
