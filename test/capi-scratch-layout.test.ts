// The scratch protocol between exportForC (src/c-api.ts) and the binding
// (native/binding/c_api/scratch.h) is written on both sides; this test
// reads the header and holds the two to one layout, and the facade's
// function table (state.h) to CApiFunctions' names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANSWER, SCRATCH } from '../src/c-api';

const NATIVE = join(__dirname, '..', 'native', 'binding', 'c_api');

/** `kPrefixName = 12` entries of a C++ enum, as { name: 12 } (first letter lowered). */
function enumValues(source: string, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const match of source.matchAll(new RegExp(`\\bk${prefix}(\\w+) = (\\d+)`, 'g'))) {
    const name = match[1]!;
    out[name[0]!.toLowerCase() + name.slice(1)] = Number(match[2]);
  }
  return out;
}

describe('scratch.h and src/c-api.ts describe one protocol', () => {
  const header = readFileSync(join(NATIVE, 'scratch.h'), 'utf8');

  test('every scratch slot, the header length and the dimension limit', () => {
    expect(enumValues(header, 'Scratch')).toEqual({ ...SCRATCH });
  });

  test("the order of exportForC's answer", () => {
    expect(enumValues(header, 'Answer')).toEqual({ ...ANSWER });
  });

  test("the facade's functions are the ones installCApi is given", () => {
    const state = readFileSync(join(NATIVE, 'state.h'), 'utf8');
    const names = [...state.matchAll(/X\(k\w+, "(\w+)"\)/g)].map((m) => m[1]);
    const cApi = readFileSync(join(__dirname, '..', 'src', 'c-api.ts'), 'utf8');
    const installed = cApi.slice(cApi.indexOf('native.installCApi({'));
    const given = [...installed.slice(0, installed.indexOf('})')).matchAll(/^\s+(\w+)[,:]/gm)].map((m) => m[1]);
    expect(given).toEqual(names);
  });
});
