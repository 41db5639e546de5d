// .npy against NumPy: golden files NumPy wrote (test/golden/npy.json, made by
// `npm run golden`) loaded by mapping and by reading; files saveNpy writes,
// byte for byte what np.save writes and read back by the real python3; a
// mapping shared live with a Python process; and every malformed file
// refused with its code, leaving nothing behind.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memoryview, nativeMemoryStats } from '../src';
import {
  createNpy,
  createSharedMemory,
  loadNpy,
  loadNpz,
  npyHeader,
  npzMember,
  openSharedMemory,
  readNpyHeader,
  saveNpy,
  saveNpz,
} from '../src/interop/numpy';
import { expectCode } from './helpers/expect';

interface NpyCase {
  name: string;
  file: string;
  version: number;
  descr: string;
  shape: number[];
  fortranOrder: boolean;
  dataOffset: number;
  bytesC: string;
  items: unknown;
  savedByNumpy: boolean;
}

const golden = JSON.parse(fs.readFileSync(path.join(__dirname, 'golden', 'npy.json'), 'utf8')) as { cases: NpyCase[] };

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-npy-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeCase(c: NpyCase): string {
  const file = path.join(dir, `${c.name.replace(/[^\w]+/g, '_')}.npy`);
  fs.writeFileSync(file, Buffer.from(c.file, 'base64'));
  return file;
}

/** toList() with bigints as strings, as the golden file stores them. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  return typeof value === 'bigint' ? String(value) : value;
}

function python(script: string, args: string[] = []): string {
  const child = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`python3 failed: ${child.stderr}`);
  return child.stdout;
}

describe.each(golden.cases.map((c) => [c.name, c] as const))('NumPy wrote %s', (_name, c) => {
  test.each([['r'], [false]] as const)('loadNpy(mmap: %s) gives its header, items and bytes', (mode) => {
    const file = writeCase(c);
    const header = readNpyHeader(file);
    expect({
      version: header.version,
      descr: header.descr,
      shape: header.shape,
      fortranOrder: header.fortranOrder,
      dataOffset: header.dataOffset,
    }).toEqual({
      version: c.version,
      descr: c.descr,
      shape: c.shape,
      fortranOrder: c.fortranOrder,
      dataOffset: c.dataOffset,
    });
    const view = loadNpy(file, { mmap: mode });
    try {
      expect(view.shape).toEqual(c.shape);
      expect(Buffer.from(view.toBytes('C')).toString('hex')).toBe(c.bytesC);
      if (c.items !== null) expect(plain(view.toList())).toEqual(c.items);
      expect(npyHeader(view)).toBe(npyHeader(view));
      expect(npyHeader(view).descr).toBe(c.descr);
      // saveNpy writes what np.save wrote, byte for byte.
      if (c.savedByNumpy) {
        const again = path.join(dir, 'again.npy');
        saveNpy(again, view, { fortranOrder: c.fortranOrder });
        expect(fs.readFileSync(again).equals(Buffer.from(c.file, 'base64'))).toBe(true);
      }
    } finally {
      const owner = view.obj as { close(): void };
      view.release();
      owner.close();
    }
  });
});

describe('datetime64 and timedelta64', () => {
  test('load as 8-byte integers with their unit in the header', () => {
    const c = golden.cases.find((x) => x.descr === '>M8[D]' && x.shape.length === 1 && x.shape[0] === 5)!;
    const view = loadNpy(writeCase(c));
    expect(view.format).toBe('>q');
    expect(npyHeader(view).datetime).toEqual({ kind: 'datetime64', unit: 'D' });
    view.release();
  });
});

describe('saveNpy of strided views, read back by NumPy', () => {
  test('a transposed, flipped and sliced view saves its items in C or Fortran order', () => {
    const base = memoryview(new Float32Array(Array.from({ length: 24 }, (_, i) => i)), { format: 'f', shape: [4, 6] });
    const view = base.T.slice('::-1', '1::2');
    const c = path.join(dir, 'strided-c.npy');
    const f = path.join(dir, 'strided-f.npy');
    saveNpy(c, view);
    saveNpy(f, view, { fortranOrder: true });
    const out = python(
      'import numpy as np, sys, json; a = np.load(sys.argv[1]); b = np.load(sys.argv[2]); print(json.dumps([a.tolist(), b.tolist(), bool(b.flags.f_contiguous), str(a.dtype)]))',
      [c, f],
    );
    const expected = view.toList();
    expect(JSON.parse(out)).toEqual([expected, expected, true, 'float32']);
    expect(base.exports).toBe(0);
  });

  test('a file descriptor is written at its current position', () => {
    const file = path.join(dir, 'fd.npy');
    const fd = fs.openSync(file, 'w');
    try {
      const n = saveNpy(fd, new Int16Array([1, -2, 3]));
      expect(n).toBe(128 + 6);
    } finally {
      fs.closeSync(fd);
    }
    expect(python('import numpy as np, sys; print(np.load(sys.argv[1]).tolist())', [file]).trim()).toBe('[1, -2, 3]');
  });
});

describe('createNpy: memory shared with a Python process', () => {
  test('Python writes, Node sees; Node writes, Python sees; no copy on either side', () => {
    const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : dir;
    const file = path.join(shm, `bp-npy-${process.pid}.npy`);
    const view = createNpy(file, { format: 'f', shape: [1024, 1024] });
    try {
      // Python maps the same file (np.load mmap_mode='r+') and writes.
      python('import numpy as np, sys; a = np.load(sys.argv[1], mmap_mode="r+"); a[3, :] = 7.5; a[1023, 1023] = -1; a.flush()', [
        file,
      ]);
      // No reload: the mapping this view already had shows Python's writes.
      expect([view.get(3, 0), view.get(3, 1023), view.get(1023, 1023), view.get(0, 0)]).toEqual([7.5, 7.5, -1, 0]);
      view.set([512, 256], 42.25);
      const seen = python(
        'import numpy as np, sys; a = np.load(sys.argv[1], mmap_mode="r"); print(float(a[512, 256]), a.shape, a.dtype)',
        [file],
      );
      expect(seen.trim()).toBe('42.25 (1024, 1024) float32');
      // The view is the mapping of the file itself, not a copy of it.
      expect((view.obj as { path: string; mode: string }).path).toBe(file);
      expect((view.obj as { mode: string }).mode).toBe('r+');
    } finally {
      const owner = view.obj as { close(): void };
      view.release();
      owner.close();
      fs.rmSync(file, { force: true });
    }
  });

  test('dtype or format, Fortran order and zero-size shapes', () => {
    const file = path.join(dir, 'created.npy');
    const v = createNpy(file, { dtype: '>i4', shape: [2, 3], fortranOrder: true });
    v.set([1, 2], 9);
    expect(v.format).toBe('>i');
    const owner = v.obj as { close(): void };
    v.release();
    owner.close();
    expect(
      python('import numpy as np, sys; a = np.load(sys.argv[1]); print(a.tolist(), a.dtype.str, a.flags.f_contiguous)', [
        file,
      ]).trim(),
    ).toBe('[[0, 0, 0], [0, 0, 9]] >i4 True');
    const empty = createNpy(path.join(dir, 'empty.npy'), { format: 'd', shape: [0, 4] });
    expect(empty.shape).toEqual([0, 4]);
    empty.release();
  });
});

describe('bad input: a coded error, and nothing left behind', () => {
  const good = (): Buffer => Buffer.from(golden.cases.find((c) => c.descr === '<f4' && c.shape.length === 2)!.file, 'base64');
  const cases: Array<[string, () => Buffer, string]> = [
    ['a bad magic', () => Buffer.concat([Buffer.from('\x92NUMPY'), good().subarray(6)]), 'ERR_BUFFER_BAD_NPY'],
    [
      'an unknown version',
      () => Buffer.concat([good().subarray(0, 6), Buffer.from([4, 0]), good().subarray(8)]),
      'ERR_BUFFER_BAD_NPY',
    ],
    ['a truncated header', () => good().subarray(0, 40), 'ERR_BUFFER_BAD_NPY'],
    [
      'a header length past the end of the file',
      () => {
        const b = Buffer.from(good());
        b.writeUInt16LE(9000, 8);
        return b.subarray(0, 200);
      },
      'ERR_BUFFER_BAD_NPY',
    ],
    [
      'a header above max_header_size',
      () => {
        const b = Buffer.from(good());
        b[6] = 2;
        return Buffer.concat([b.subarray(0, 8), Buffer.from([0x20, 0x4e, 0, 0]), b.subarray(10)]);
      },
      'ERR_BUFFER_BAD_NPY',
    ],
    [
      'a descr NumPy refuses',
      () => Buffer.from(good().toString('latin1').replace("'<f4'", "'<f3'"), 'latin1'),
      'ERR_BUFFER_BAD_NPY',
    ],
    [
      'a header that is not a literal',
      () => Buffer.from(good().toString('latin1').replace("'<f4'", 'eval()'), 'latin1'),
      'ERR_BUFFER_BAD_NPY',
    ],
    ['a shape the data does not fill', () => good().subarray(0, good().length - 4), 'ERR_BUFFER_BAD_NPY'],
    [
      'an object dtype',
      () => Buffer.from(good().toString('latin1').replace("'<f4'", "'|O' "), 'latin1'),
      'ERR_BUFFER_UNSUPPORTED_FORMAT',
    ],
  ];
  test.each(cases)('%s', (_what, make, code) => {
    const file = path.join(dir, 'bad.npy');
    fs.writeFileSync(file, make());
    const before = nativeMemoryStats().liveBlocks;
    expectCode(() => loadNpy(file), code, 'BufferError');
    expectCode(() => loadNpy(file, { mmap: false }), code, 'BufferError');
    expect(nativeMemoryStats().liveBlocks).toBe(before);
  });

  test('arguments are checked before the file is touched', () => {
    expectCode(() => loadNpy(42 as unknown as string), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => loadNpy('x.npy', { mmap: 'w' as never }), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => createNpy(path.join(dir, 'c.npy'), { shape: [2] } as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(
      () => saveNpy(path.join(dir, 's.npy'), memoryview(new ArrayBuffer(8), { format: '2i' })),
      'ERR_BUFFER_UNSUPPORTED_FORMAT',
      'BufferError',
    );
  });
});

describe('.npz archives', () => {
  const archives = (
    golden as unknown as {
      npz: Array<{
        name: string;
        file: string;
        members: Record<string, { descr: string; shape: number[]; bytesC: string; items: unknown }>;
      }>;
    }
  ).npz;

  test.each(archives.map((a) => [a.name, a] as const))(
    'np.savez archive (%s) loads every member with its items',
    (how, archive) => {
      const file = path.join(dir, `${how}.npz`);
      fs.writeFileSync(file, Buffer.from(archive.file, 'base64'));
      const loaded = loadNpz(file);
      expect([...loaded.keys()].sort()).toEqual(Object.keys(archive.members).sort());
      for (const [name, expected] of Object.entries(archive.members)) {
        const view = loaded.get(name)!;
        expect(view.shape).toEqual(expected.shape);
        expect(npyHeader(view).descr).toBe(expected.descr);
        expect(Buffer.from(view.toBytes('C')).toString('hex')).toBe(expected.bytesC);
        if (expected.items !== null) expect(plain(view.toList())).toEqual(expected.items);
        const member = npzMember(view)!;
        // Stored members with data are mapped from the archive; inflated ones are copies.
        expect(member.isCopy).toBe(how === 'deflated' || view.nbytes === 0);
        expect(member.compression).toBe(how);
        view.release();
      }
    },
  );

  test('saveNpz writes what np.load reads: C, Fortran (a transpose) and strided members', () => {
    const file = path.join(dir, 'ours.npz');
    const base = memoryview(new Float64Array(Array.from({ length: 3000 }, (_, i) => i * 0.5)), { format: 'd', shape: [100, 30] });
    const t = base.T;
    const flipped = base.slice('::-1', '::3');
    saveNpz(file, {
      ints: new Int32Array([1, -2, 3]),
      t,
      flipped,
      flags: memoryview(new Uint8Array([1, 0, 1]), { format: '?' }),
    });
    const out = python(
      'import numpy as np, sys, json; z = np.load(sys.argv[1]); print(json.dumps({k: [z[k].tolist(), z[k].dtype.str, bool(z[k].flags.f_contiguous and not z[k].flags.c_contiguous)] for k in z.files}))',
      [file],
    );
    expect(JSON.parse(out)).toEqual({
      ints: [[1, -2, 3], '<i4', false],
      t: [t.toList(), '<f8', true],
      flipped: [flipped.toList(), '<f8', false],
      flags: [[true, false, true], '|b1', false],
    });
    // And it loads back here, mapped.
    const back = loadNpz(file);
    expect(back.get('t')!.toList()).toEqual(t.toList());
    expect(npzMember(back.get('t')!)!.isCopy).toBe(false);
    for (const v of back.values()) v.release();
    t.release();
    flipped.release();
    expect(base.exports).toBe(0);
  });

  test('a corrupt directory or a member past the end of the file is refused with its code', () => {
    const good = Buffer.from(archives[0]!.file, 'base64');
    const file = path.join(dir, 'bad.npz');
    const corrupt = Buffer.from(good);
    corrupt.writeUInt32LE(0x12345678, corrupt.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])));
    fs.writeFileSync(file, corrupt);
    expectCode(() => loadNpz(file), 'ERR_BUFFER_BAD_NPY', 'BufferError');
    fs.writeFileSync(file, good.subarray(0, good.length - 200));
    expectCode(() => loadNpz(file), 'ERR_BUFFER_BAD_NPY', 'BufferError');
    const liar = Buffer.from(good);
    const cd = liar.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    liar.writeUInt32LE(0x7fffffff, cd + 20);
    fs.writeFileSync(file, liar);
    expectCode(() => loadNpz(file), 'ERR_BUFFER_BAD_NPY', 'BufferError');
    fs.writeFileSync(file, Buffer.from('not a zip at all'));
    expectCode(() => loadNpz(file), 'ERR_BUFFER_BAD_NPY', 'BufferError');
  });
});

describe('shared memory by name, with a Python process', () => {
  test("Python's SharedMemory(name) and createSharedMemory share a [1024, 1024] 'f' array both ways, without a copy", () => {
    const shm = createSharedMemory(undefined, 1024 * 1024 * 4, { format: 'f', shape: [1024, 1024] });
    const view = memoryview(shm);
    try {
      // Python attaches by name, writes, and keeps the segment alive past its
      // exit: before 3.13 its resource tracker unlinks segments it only
      // attached to (gh-82300); unregister is the workaround (track=False on 3.13+).
      const script = [
        'import sys, numpy as np',
        'from multiprocessing import shared_memory, resource_tracker',
        'm = shared_memory.SharedMemory(name=sys.argv[1])',
        'resource_tracker.unregister(m._name, "shared_memory")',
        'a = np.ndarray((1024, 1024), dtype=np.float32, buffer=m.buf)',
        'a[10, :] = 2.5',
        'print(float(a[700, 300]))',
        'del a',
        'm.close()',
      ].join('\n');
      view.set([700, 300], 9.75);
      // Node's write, seen by Python; Python's writes, seen by this same view.
      expect(python(script, [shm.name.slice(1)]).trim()).toBe('9.75');
      expect([view.get(10, 0), view.get(10, 1023), view.get(11, 0)]).toEqual([2.5, 2.5, 0]);
      expect(fs.existsSync(`/dev/shm${shm.name}`)).toBe(true);
    } finally {
      view.release();
      shm.close();
    }
    // The creator's close unlinks the name.
    expect(fs.existsSync(`/dev/shm${shm.name}`)).toBe(false);
  });

  test('a segment Python created opens by name; a layout larger than it is refused', () => {
    const name = `bp_test_${process.pid}`;
    python(
      'import sys\nfrom multiprocessing import shared_memory, resource_tracker\nm = shared_memory.SharedMemory(name=sys.argv[1], create=True, size=64)\nresource_tracker.unregister(m._name, "shared_memory")\nm.buf[:4] = bytes([1, 2, 3, 4])\nm.close()',
      [name],
    );
    try {
      const shm = openSharedMemory(name);
      expect(Array.from(new Uint8Array(shm.buffer, 0, 4))).toEqual([1, 2, 3, 4]);
      shm.close();
      expect(fs.existsSync(`/dev/shm/${name}`)).toBe(true);
      expectCode(() => openSharedMemory(name, { format: 'd', shape: [100] }), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    } finally {
      fs.rmSync(`/dev/shm/${name}`, { force: true });
    }
  });

  test('bad names and missing segments: coded errors as fs gives them', () => {
    expectCode(() => openSharedMemory(`bp_missing_${process.pid}`), 'ENOENT');
    expectCode(() => openSharedMemory('a/b'), 'EINVAL');
    expectCode(() => openSharedMemory('x'.repeat(300)), 'ENAMETOOLONG');
    expectCode(() => createSharedMemory('bp_bad', 0), 'ERR_OUT_OF_RANGE', 'RangeError');
    const taken = createSharedMemory(`bp_taken_${process.pid}`, 16);
    try {
      expectCode(() => createSharedMemory(`bp_taken_${process.pid}`, 16), 'EEXIST');
    } finally {
      taken.close();
    }
  });
});
