// Slice keys: NumPy basic indexing in JavaScript form, with Python's
// PySlice_AdjustIndices arithmetic for each dimension.
import { invalidArgType, outOfRange } from '../errors';

/** One key of `slice()`: an index, null (the whole dimension), [start, stop, step] or 'start:stop:step'. */
export type SliceKey = number | null | undefined | readonly [(number | null)?, (number | null)?, (number | null)?] | string;

export interface Range {
  readonly start: number;
  readonly step: number;
  readonly length: number;
}

// resolveKey's answer, overwritten by its next call: a view is sliced per
// row or per tile, and an object per key was a fifth of a 1-D slice's time.
const resolved: { start: number; step: number; length: number } = { start: 0, step: 1, length: 0 };

function answer(start: number, step: number, length: number): Range {
  resolved.start = start;
  resolved.step = step;
  resolved.length = length;
  return resolved;
}

function bound(name: string, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  // The common case first: nothing to clamp.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value !== 'number' || !(Number.isInteger(value) || Math.abs(value) === Infinity)) {
    throw invalidArgType(name, 'an integer or null', value);
  }
  // PySlice_Unpack clamps to the index range; 2**53 - 1 is ours.
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, value));
}

const PART = /^\s*([+-]?\d+)?\s*$/;

/** A slice string's bounds, checked and clamped as bound() does. */
interface ParsedKey {
  readonly start: number | null;
  readonly stop: number | null;
  readonly step: number | null;
}

// A program slices with a few string keys over and over ('::-1' per row):
// parsed and checked once each. Bounded, so that generated keys cannot grow it.
const parsedKeys = new Map<string, ParsedKey>();

// The key parsed last: a loop slices with the same string each time.
let lastKey = '';
let lastParsed: ParsedKey | null = null;

function parseString(key: string): ParsedKey {
  if (key === lastKey && lastParsed !== null) return lastParsed;
  let parsed = parsedKeys.get(key);
  if (parsed === undefined) {
    const parts = parseUncached(key);
    parsed = { start: bound('start', parts[0]), stop: bound('stop', parts[1]), step: bound('step', parts[2]) };
    if (parsedKeys.size >= 256) parsedKeys.clear();
    parsedKeys.set(key, parsed);
  }
  lastKey = key;
  lastParsed = parsed;
  return parsed;
}

function parseUncached(key: string): (number | null)[] {
  const parts = key.split(':');
  if (parts.length < 2 || parts.length > 3) throw invalidArgType('key', "a slice string such as '1:5' or '::-1'", key);
  return parts.map((part) => {
    const m = PART.exec(part);
    if (m === null) throw invalidArgType('key', "a slice string such as '1:5' or '::-1'", key);
    return m[1] === undefined ? null : Number(m[1]);
  });
}

/** One bound of PySlice_AdjustIndices: `v` wrapped and clamped into a dimension of `length`. */
function clampBound(v: number | null, whenNull: number, length: number, step: number): number {
  if (v === null) return whenNull;
  if (v < 0) {
    v += length;
    if (v < 0) v = step < 0 ? -1 : 0;
  } else if (v >= length) {
    v = step < 0 ? length - 1 : length;
  }
  return v;
}

/** Python's slice.indices(length) plus the slice length (valid until the next call). */
function adjustSlice(start: number | null, stop: number | null, step: number | null, length: number): Range {
  const s = step ?? 1;
  if (s === 0) throw outOfRange('step', 'a non-zero integer (slice step cannot be zero)', 0);
  const a = clampBound(start, s < 0 ? length - 1 : 0, length, s);
  const b = clampBound(stop, s < 0 ? -1 : length, length, s);
  let n = 0;
  if (s < 0) {
    if (b < a) n = Math.floor((a - b - 1) / -s) + 1;
  } else if (a < b) {
    n = Math.floor((b - a - 1) / s) + 1;
  }
  return answer(a, s, n);
}

/**
 * A key as a range over a dimension of `length`, or an index when the key
 * is a number. The range is valid until the next call: read it at once.
 */
export function resolveKey(key: SliceKey, length: number, dim: number): Range | number {
  if (typeof key === 'number') return checkIndex(key, length, dim);
  if (key === null || key === undefined) return answer(0, 1, length);
  if (typeof key === 'string') {
    const parsed = parseString(key);
    return adjustSlice(parsed.start, parsed.stop, parsed.step, length);
  }
  if (!Array.isArray(key)) throw invalidArgType('key', "a number, null, [start, stop, step] or 'start:stop:step'", key);
  if (key.length > 3) throw invalidArgType('key', '[start, stop, step] with at most three entries', key);
  return adjustSlice(bound('start', key[0]), bound('stop', key[1]), bound('step', key[2]), length);
}

/** A wrapped index into a dimension of `length`; `dim` is 0-based (messages say 1-based, like CPython). */
export function checkIndex(index: unknown, length: number, dim: number): number {
  if (typeof index !== 'number' || !Number.isInteger(index)) throw invalidArgType('index', 'an integer', index);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) {
    throw outOfRange('index', `within bounds on dimension ${dim + 1} (length ${length})`, index);
  }
  return i;
}
