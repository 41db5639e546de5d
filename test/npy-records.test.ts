// Structured, complex and UCS-4 .npy files round-tripped with the real
// NumPy: files np.save wrote load with NumPy's values, and saveNpy writes
// them back with the same header bytes and data, which np.load reads.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createNpy, descrToFormat, formatToDescr, loadNpy, readNpyHeader, saveNpy } from '../src/interop/npy';
import { expectCode } from './helpers/expect';

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-npy-records-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function python(script: string): string {
  const child = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`python3 failed: ${child.stderr}`);
  return child.stdout;
}

// Each dtype in NumPy's syntax, with values NumPy assigns.
const CASES: Array<[string, string, string]> = [
  ['aligned', "np.dtype([('a', 'i1'), ('b', '<f8')], align=True)", '[(1, 2.5), (-3, -0.25)]'],
  [
    'nested with sub-array',
    "np.dtype([('a', '>i2'), ('s', 'S3'), ('sub', '<f4', (2, 2)), ('n', [('p', 'u1'), ('q', '<i4')])], align=True)",
    "[(7, b'ab', [[1, 2], [3, 4]], (5, -6)), (-8, b'xyz', [[0.5, 0], [0, 1]], (255, 9))]",
  ],
  [
    'packed, both orders',
    "np.dtype([('z', '>c8'), ('u', '<U2'), ('w', '>U1'), ('d', '>f8')])",
    "[(1+2j, 'é', 'z', 1.5), (-1j, '名x', '', -2)]",
  ],
  ['unicode name', "np.dtype([('名', '<i4'), ('f', '<f4')])", '[(1, 0.5), (2, -0.5)]'],
  ['<c8', "np.dtype('<c8')", '[1+2j, -3.5j]'],
  ['>c16', "np.dtype('>c16')", '[1+2j, -3.5j]'],
  ['<U3', "np.dtype('<U3')", "['ab', '名😀']"],
  ['>U2', "np.dtype('>U2')", "['a', '']"],
];

describe.each(CASES)('NumPy saves %s', (name, dtype, values) => {
  test('loadNpy reads NumPy’s values; saveNpy writes NumPy’s bytes back', () => {
    const file = path.join(dir, `${name.replace(/\W/g, '_')}.npy`);
    const out = `${file}.out.npy`;
    const expected = python(`
import numpy as np, json
a = np.array(${values}, dtype=${dtype})
np.save(${JSON.stringify(file)}, a)
def conv(v):
    if isinstance(v, complex): return {'re': v.real, 'im': v.imag}
    if isinstance(v, bytes): return v.decode('latin1')
    if isinstance(v, np.ndarray): return conv(v.tolist())
    if isinstance(v, (list, tuple)) and a.dtype.names is None: return [conv(x) for x in v]
    return v
def record(v, dt):
    if dt.names is None: return conv(v)
    return {n: record(v[i], dt.fields[n][0]) for i, n in enumerate(dt.names)}
print(json.dumps([record(v, a.dtype) for v in a.tolist()]))
`);
    for (const mmap of ['r', false] as const) {
      const view = loadNpy(file, { mmap });
      expect(view.toList()).toEqual(JSON.parse(expected));
      view.release();
    }
    const view = loadNpy(file, { mmap: false });
    saveNpy(out, view);
    expect(fs.readFileSync(out).equals(fs.readFileSync(file))).toBe(true);
    expect(readNpyHeader(out).descr).toBe(readNpyHeader(file).descr);
    const check = python(`
import numpy as np
a = np.load(${JSON.stringify(file)}); b = np.load(${JSON.stringify(out)})
print(a.dtype == b.dtype and a.tobytes() == b.tobytes())
`);
    expect(check.trim()).toBe('True');
  });
});

describe('structured descrs', () => {
  test('createNpy with an aligned record format makes a file np.load reads', () => {
    const file = path.join(dir, 'created.npy');
    const view = createNpy(file, { format: 'T{b:a:xxxxxxxd:b:(2)<2w:s:}', shape: [2] });
    view.set(1, { a: 3, b: 1.25, s: ['hé', 'x'] } as never);
    view.release();
    const out = python(`
import numpy as np
a = np.load(${JSON.stringify(file)})
print(a.dtype.itemsize, a.dtype.fields['s'][1], a[1].tolist()[:2], a['s'][1].tolist())
`);
    expect(out.trim()).toBe("32 16 (3, 1.25) ['hé', 'x']");
  });

  test('descr <-> format keeps NumPy’s offsets through explicit padding', () => {
    const descr = "[('a', '|i1'), ('', '|V7'), ('b', '<f8'), ('sub', '>i2', (2, 3))]";
    const { format, itemsize } = descrToFormat(descr);
    expect({ format, itemsize }).toEqual({ format: 'T{<b:a:7x<d:b:(2,3)>h:sub:}', itemsize: 28 });
    expect(formatToDescr(format)).toBe(descr);
    expect(formatToDescr('T{b:a:d:b:}')).toBe("[('a', '|i1'), ('', '|V7'), ('b', '<f8')]");
  });

  test('bad structured descrs are ERR_BUFFER_BAD_NPY; long complex is unsupported', () => {
    expectCode(() => descrToFormat("[('a',)]"), 'ERR_BUFFER_BAD_NPY');
    expectCode(() => descrToFormat("[('a', '<f4', (0,))]"), 'ERR_BUFFER_BAD_NPY');
    expectCode(() => descrToFormat("[('a:b', '<f4')]"), 'ERR_BUFFER_BAD_NPY');
    expectCode(() => descrToFormat("[('a', 3)]"), 'ERR_BUFFER_BAD_NPY');
    expectCode(() => descrToFormat('<U0'), 'ERR_BUFFER_BAD_NPY');
    expectCode(() => descrToFormat('<c32'), 'ERR_BUFFER_UNSUPPORTED_FORMAT');
    expectCode(() => descrToFormat("[('a', '|O')]"), 'ERR_BUFFER_UNSUPPORTED_FORMAT');
  });

  test('a format struct refuses is a BufferError from formatToDescr, quoting it', () => {
    const error = expectCode(() => formatToDescr('('), 'ERR_BUFFER_BAD_FORMAT', 'BufferError');
    expect(error.message).toContain('format "("');
  });
});
