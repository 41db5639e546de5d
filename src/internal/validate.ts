// Argument checks shared by the public entry points. Each throws Node-style
// coded errors and returns the value with its narrowed type.
import { BufferError, invalidArgType, outOfRange } from '../errors';

export const MAX_NDIM = 64;

/** A safe integer in [min, max]. */
/**
 * `n` zeros in a packed array. `new Array(n)` makes a holey one, whose every
 * later read checks for holes: a view's shape and strides are read per
 * item, and a holey pair made exporting a view 60% slower.
 */
export function packedZeros(n: number): number[] {
  // Literals for the common sizes: an array grown by push has room for 17.
  // Their zero is computed, not written: V8 makes a literal of constants
  // copy-on-write, and every caller's first store then copies it again
  // (a 1-D slice 63 -> 47 ns, a flip 106 -> 74 ns).
  const z = n & 0;
  switch (n) {
    case 0:
      return [];
    case 1:
      return [z];
    case 2:
      return [z, z];
    case 3:
      return [z, z, z];
    case 4:
      return [z, z, z, z];
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(0);
  return out;
}

export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw outOfRange(name, `an integer >= ${min} and <= ${max}`, value);
  }
  return value;
}

/**
 * An array of at most 64 safe integers, each >= min; returned as a fresh
 * copy, frozen unless `freeze` is false (a copy only its one export holds:
 * freezing measured a fifth of a protocol export).
 */
export function checkIntArray(name: string, value: unknown, min: number, freeze = true): readonly number[] {
  if (!Array.isArray(value)) throw invalidArgType(name, 'an array of integers', value);
  if (value.length > MAX_NDIM) {
    throw new BufferError('ERR_BUFFER_TOO_MANY_DIMS', `number of dimensions must not exceed ${MAX_NDIM}, got ${value.length}`);
  }
  const out = packedZeros(value.length);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    // The element's name is built only for the error: this runs per export.
    out[i] =
      typeof item === 'number' && Number.isSafeInteger(item) && item >= min ? item : checkInteger(`${name}[${i}]`, item, min);
  }
  return freeze ? Object.freeze(out) : out;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
  return value;
}

export function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
  return value;
}

export function checkObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw invalidArgType(name, 'of type object', value);
  return value as Record<string, unknown>;
}

/** A memory order: 'C', 'F' or 'A' (anything else is refused, lowercase included). */
export function checkOrder(order: unknown): 'C' | 'F' | 'A' {
  if (typeof order !== 'string') throw invalidArgType('order', "'C', 'F' or 'A'", order);
  if (order !== 'C' && order !== 'F' && order !== 'A') throw outOfRange('order', "'C', 'F' or 'A'", order);
  return order;
}
