// Type assertions without a dependency. `expectType<T>()(value)` compiles
// only when the value's type is exactly T (not merely assignable);
// `Equal<A, B>` is the test, for types that have no value at hand.
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export function expectType<Expected>(): <Actual>(
  value: Actual,
  ...exact: Equal<Actual, Expected> extends true ? [] : ['the type differs from the expected one']
) => void {
  return () => undefined;
}

export function expectTrue<T extends true>(): T | void {}
