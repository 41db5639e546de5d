// Error assertions that work across realms: jest gives each test file its
// own globals, so errors are checked by name and code, never instanceof.
export function expectCode(fn: () => unknown, code: string, name?: string): Error & { code: string } {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) throw new Error(`expected an error with code ${code}, but nothing was thrown`);
  const error = thrown as Error & { code: string };
  expect(error.code).toBe(code);
  if (name !== undefined) expect(error.name).toBe(name);
  return error;
}
