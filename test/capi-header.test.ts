// The C header's constants are the JavaScript ones: every BP_* request flag
// is evaluated from native/include/buffer_protocol.h itself (macros
// referring to other macros included) and compared with BufferFlags, whose
// values the negotiation golden vectors tie to CPython's PyBUF_*.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BufferFlags } from '../src';

const header = readFileSync(join(__dirname, '..', 'native', 'include', 'buffer_protocol.h'), 'utf8');

/** The value of every object-like BP_* macro whose body is integer arithmetic. */
function headerMacros(): Map<string, number> {
  const bodies = new Map<string, string>();
  for (const match of header.matchAll(/^#define (BP_[A-Z_]+) (.+)$/gm)) {
    bodies.set(match[1]!, match[2]!.replace(/\/\*.*\*\//g, '').trim());
  }
  const values = new Map<string, number>();
  const evaluate = (name: string, depth = 0): number | undefined => {
    if (values.has(name)) return values.get(name);
    const body = bodies.get(name);
    if (body === undefined || depth > 8) return undefined;
    let unresolved = false;
    const expression = body.replace(/BP_[A-Z_]+/g, (ref) => {
      const value = evaluate(ref, depth + 1);
      if (value === undefined) unresolved = true;
      return String(value);
    });
    if (unresolved || !/^[\s0-9a-fA-FxX|()+-]+$/.test(expression)) return undefined;
    const value = Function(`"use strict"; return (${expression});`)() as number;
    values.set(name, value);
    return value;
  };
  for (const name of bodies.keys()) evaluate(name);
  return values;
}

const macros = headerMacros();

describe('buffer_protocol.h constants', () => {
  it.each(Object.entries(BufferFlags))('BP_%s is %d, as in BufferFlags', (name, value) => {
    expect(macros.get(`BP_${name}`)).toBe(value);
  });

  it('has no request flag that BufferFlags lacks (BP_WRITEABLE is the CPython alias)', () => {
    const flagNames = [...macros.keys()].filter((name) => !['BP_MAX_NDIM', 'BP_END_OF_BUFFER', 'BP_WRITEABLE'].includes(name));
    expect(flagNames.map((name) => name.slice(3)).sort()).toEqual(Object.keys(BufferFlags).sort());
    expect(macros.get('BP_WRITEABLE')).toBe(BufferFlags.WRITABLE);
  });

  it('limits views to 64 dimensions and spells END_OF_BUFFER as -1', () => {
    expect(macros.get('BP_MAX_NDIM')).toBe(64);
    expect(macros.get('BP_END_OF_BUFFER')).toBe(-1);
  });
});
