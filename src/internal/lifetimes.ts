// Lifetimes in a language without refcounts. CPython releases a temporary
// view when its expression ends; JavaScript keeps it until a GC. So every
// view and export made here is noted (cheaply: one comparison when neither
// is on) for two tools:
//   - scope(fn), after TensorFlow.js's tf.tidy: what fn made and did not
//     return is released when fn ends, normally or by a throw;
//   - BUFFER_PROTOCOL_TRACE=1: where each live export was made, shown by
//     the refusal of a close() or resize() that it blocks.
import { invalidArgType } from '../errors';

interface Releasable {
  readonly released: boolean;
  readonly obj: unknown;
  release(): void;
}

const TRACE = process.env['BUFFER_PROTOCOL_TRACE'] === '1';

// The innermost scope's list, or null outside every scope.
let current: Releasable[] | null = null;

// Traced objects, weakly, with the stack that made them.
const traced = new Map<WeakRef<Releasable>, string>();

/** Notes a new view or export: for the scope around it, and for the trace. */
export function noteMade(made: Releasable): void {
  if (current !== null) current.push(made);
  if (TRACE) {
    if (traced.size > 4096) for (const ref of traced.keys()) if (ref.deref()?.released !== false) traced.delete(ref);
    // The first lines are this library's own frames: drop them.
    const stack = (new Error().stack ?? '').split('\n').slice(1);
    const user = stack.filter((line) => !/[/\\](lib|src)[/\\](view|export|owners|internal|io|layout)[/\\]/.test(line));
    traced.set(new WeakRef(made), (user.length > 0 ? user : stack).slice(0, 4).join('\n'));
  }
}

/**
 * For an owner's refusal: where its live exports were made, when tracing;
 * otherwise how to turn tracing on.
 */
export function whereMade(owner: unknown): string {
  if (!TRACE) return 'set BUFFER_PROTOCOL_TRACE=1 to see where each live export was made';
  const places: string[] = [];
  for (const [ref, stack] of traced) {
    const made = ref.deref();
    if (made === undefined || made.released) {
      traced.delete(ref);
    } else if (made.obj === owner) {
      places.push(stack);
    }
  }
  return places.length === 0 ? 'no live view or export of it was traced' : `live exports were made at:\n${places.join('\n--\n')}`;
}

/** The views and exports `value` returns: itself, or an array's elements, or an object's values. */
function kept(value: unknown): Set<unknown> {
  const out = new Set<unknown>([value]);
  if (Array.isArray(value)) for (const v of value) out.add(v);
  else if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) out.add(v);
  }
  return out;
}

/**
 * Runs `fn` and then releases every MemoryView and BufferInfo made during
 * it, except what it returns (the value itself, the elements of a returned
 * array, or the values of a returned plain object), which pass to the
 * enclosing scope if there is one. Release also happens when `fn` throws.
 * Something still exported (a view a C consumer holds) stays alive.
 * `fn` must be synchronous: views made after an `await` could not be told
 * from other code's.
 * @example const crop = scope(() => memoryview(nb).slice([0, 10]));  // the parent view is released
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when fn is not a function or returns a promise (after releasing what it made).
 */
export function scope<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'a function', fn);
  const outer = current;
  const made: Releasable[] = [];
  current = made;
  let result: T | undefined;
  let threw = true;
  try {
    result = fn();
    threw = false;
  } finally {
    current = outer;
    const keep = threw ? new Set<unknown>() : kept(result);
    // Newest first: sub-views and exports of a view go before it.
    for (let i = made.length - 1; i >= 0; i--) {
      const item = made[i]!;
      if (keep.has(item)) {
        outer?.push(item);
      } else if (!item.released) {
        try {
          item.release();
        } catch {
          // Still exported (held by C, or in flight): it lives on.
        }
      }
    }
  }
  if (typeof (result as { then?: unknown } | undefined)?.then === 'function') {
    throw invalidArgType('fn', 'a synchronous function (scope() cannot follow an await)', result);
  }
  return result as T;
}
