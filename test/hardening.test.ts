// Regressions for defects found in review: each once crashed, leaked a hold
// or let a layout escape its memory.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BufferFlags, NativeBuffer, bufferProtocol, getBuffer, memoryview } from '../src';
import { jsonLines, runFixture } from './helpers/child';
import { expectCode } from './helpers/expect';
import { growableSharedArrayBuffer, resizableArrayBuffer } from './helpers/buffers';

describe('in a child process', () => {
  test('sizes above Node’s Buffer limit are refused, not double-freed', () => {
    const child = runFixture('hardening', {}, ['huge']);
    expect({ status: child.status, signal: child.signal }).toEqual({ status: 0, signal: null });
    expect(jsonLines(child.stdout)).toEqual([{ alloc: 'ERR_OUT_OF_RANGE' }, { resize: 'ERR_OUT_OF_RANGE', length: 16 }]);
  });

  test('a transferred V8-owned buffer (isCopy) is treated as released, never read', () => {
    const child = runFixture('hardening', { BUFFER_PROTOCOL_NO_EXTERNAL: '1' }, ['transferred']);
    expect({ status: child.status, signal: child.signal }).toEqual({ status: 0, signal: null });
    expect(jsonLines(child.stdout)).toEqual([{ isCopy: true, resize: 'ERR_BUFFER_RELEASED', getBuffer: 'ERR_BUFFER_RELEASED' }]);
  });

  test('a release hook that throws inside the GC safety net becomes a warning', () => {
    const child = runFixture('hardening', {}, ['throwingHook']);
    expect({ status: child.status, signal: child.signal }).toEqual({ status: 0, signal: null });
    expect(jsonLines(child.stdout)).toEqual([{ warning: 'BufferWarning' }, { survived: true }]);
  });
});

describe('the addon as a shared library', () => {
  test('many copies load in one process (no static TLS, whose pool a dozen copies exhausted)', () => {
    // Several versions of the package in one tree (nested node_modules, an
    // Electron app's bundles) each dlopen their own copy of the addon.
    const addon = process.env['BUFFER_PROTOCOL_ADDON'] ?? require('bindings')({ bindings: 'buffer_protocol', path: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-copies-'));
    try {
      const copies = Array.from({ length: 24 }, (_, i) => path.join(dir, `copy${i}.node`));
      for (const copy of copies) fs.copyFileSync(addon, copy);
      const script = `let n = 0; for (const f of ${JSON.stringify(copies)}) { require(f); n++; } console.log(n);`;
      const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect({ status: child.status, stderr: child.stderr, loaded: child.stdout.trim() }).toEqual({
        status: 0,
        stderr: '',
        loaded: '24',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('V8 keeps the hot objects compact', () => {
  test('views and exports keep their fields inside the object after early ones were made, dropped and collected', () => {
    // V8 fixes a class's in-object field count from its first instances; had
    // they died and been collected first, every later view would keep its
    // fields in a separate array (settle-shape.ts).
    const lib = path.join(__dirname, '..', 'lib');
    const script = `
      const { memoryview, getBuffer } = require(${JSON.stringify(lib)});
      for (let i = 0; i < 3; i++) memoryview(new Uint8Array(8)).slice([1, 2]);
      getBuffer(new Uint8Array(4));
      gc(); gc();
      const keep = [];
      for (let i = 0; i < 20; i++) keep.push(memoryview(new Uint8Array(16)).slice([1, 3]), getBuffer(new Uint8Array(4)));
      %DebugPrint(keep[38]);
      %DebugPrint(keep[39]);`;
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '-e', script], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    const printed = child.stdout;
    expect(printed.match(/location: in-object/g)?.length ?? 0).toBeGreaterThanOrEqual(20);
    expect(printed).not.toContain('location: properties[');
  });

  test("a view's released mark stays a constant field until the program releases a view", () => {
    // get() reads #gone per item unless V8 may treat it as a constant;
    // the library's own views made at load must not spend that.
    const lib = path.join(__dirname, '..', 'lib');
    const script = `
      const { memoryview } = require(${JSON.stringify(lib)});
      const a = memoryview(new Float64Array(4)).cast('B').cast('d', [2, 2]);
      a.get(1, 1);
      %DebugPrint(a);
      memoryview(new Uint8Array(2)).release();
      %DebugPrint(memoryview(new Uint8Array(2)));`;
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    const released = child.stdout.split('\n').filter((line) => line.includes('<Symbol: #gone>'));
    expect(released).toHaveLength(2);
    expect(released[0]).toContain('(const data field');
    // The test can tell: a release makes the field mutable.
    expect(released[1]).not.toContain('(const data field');
  });

  test("get() stays small enough for V8 to inline into a caller's loop", () => {
    // Every speed figure of get() rests on this: past 460 bytes of
    // bytecode V8 calls it instead (about 8 ns an item, not 1).
    const lib = path.join(__dirname, '..', 'lib');
    const script = `
      const { memoryview } = require(${JSON.stringify(lib)});
      const v = memoryview(new Float64Array(10000)).cast('B').cast('d', [100, 100]);
      function sweep() { let s = 0; for (let i = 0; i < 100; i++) for (let j = 0; j < 100; j++) s += v.get(i, j); return s; }
      for (let r = 0; r < 300; r++) sweep();`;
    const child = spawnSync(process.execPath, ['--trace-turbo-inlining', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(child.status).toBe(0);
    const sizes = [...child.stdout.matchAll(/<SharedFunctionInfo get>}, bytecode size: (\d+)/g)].map((m) => Number(m[1]));
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(460);
    expect(child.stdout).toMatch(/Inlining \S+ \{\S+ <SharedFunctionInfo get>} into \S+ \{\S+ <SharedFunctionInfo sweep>}/);
  });
});

describe('layouts cannot escape their memory', () => {
  test('a BufferInfo mutated by the exporter that returns it is re-checked', () => {
    const liar = {
      [bufferProtocol.getBuffer](flags: number) {
        const info = getBuffer(new Uint8Array(4), flags) as unknown as { shape: number[]; len: number; byteOffset: number };
        info.shape[0] = 1e9;
        return info;
      },
    };
    expectCode(() => getBuffer(liar), 'ERR_BUFFER_OUT_OF_BOUNDS', 'BufferError');
    const negative = {
      [bufferProtocol.getBuffer](flags: number) {
        return Object.assign(getBuffer(new Uint8Array(4), flags), {});
      },
    };
    expect(getBuffer(negative).len).toBe(4);
  });

  test('descriptor getters cannot detach the buffer after it was measured', () => {
    const ab = new ArrayBuffer(64);
    const sneaky = {
      [bufferProtocol.getBuffer]: () => ({
        buffer: ab,
        get format() {
          structuredClone(ab, { transfer: [ab] });
          return 'B';
        },
      }),
    };
    expectCode(() => getBuffer(sneaky), 'ERR_BUFFER_RELEASED', 'BufferError');
  });

  test('resizable ArrayBuffers are refused: they could shrink under an export', () => {
    const rab = resizableArrayBuffer(16, 64);
    expectCode(() => getBuffer(rab), 'ERR_BUFFER_RESIZABLE', 'BufferError');
    expectCode(() => getBuffer(new Float64Array(rab)), 'ERR_BUFFER_RESIZABLE', 'BufferError');
    expectCode(() => getBuffer(new DataView(rab)), 'ERR_BUFFER_RESIZABLE', 'BufferError');
    expectCode(() => getBuffer({ [bufferProtocol.getBuffer]: () => ({ buffer: rab }) }), 'ERR_BUFFER_RESIZABLE', 'BufferError');
    const growable = growableSharedArrayBuffer(16, 64);
    expect(getBuffer(growable).len).toBe(16);
  });

  test('a length beyond 2**53 - 1 is refused rather than rounded', () => {
    const broadcast = {
      [bufferProtocol.getBuffer]: () => ({ buffer: new ArrayBuffer(1), shape: [2 ** 53 - 1, 3], strides: [0, 0] }),
    };
    expectCode(() => getBuffer(broadcast), 'ERR_BUFFER_INVALID_LAYOUT', 'BufferError');
  });
});

describe('holds are never lost', () => {
  test('returning a NativeBuffer from a hook holds it', () => {
    const nb = NativeBuffer.alloc(16);
    const info = getBuffer({ [bufferProtocol.getBuffer]: () => nb });
    expect(nb.exports).toBe(1);
    expectCode(() => nb.close(), 'ERR_BUFFER_EXPORTS_ACTIVE', 'BufferError');
    info.release();
    expect(nb.exports).toBe(0);
  });

  test('returning a MemoryView from a hook holds it', () => {
    const m = memoryview(new Uint8Array(8));
    const info = getBuffer({ [bufferProtocol.getBuffer]: () => m });
    expect(m.exports).toBe(1);
    info.release();
    expect(m.exports).toBe(0);
  });

  test('a BufferInfo from another copy of the package is released with the outer export', () => {
    const other = require(path.join(__dirname, '..', 'lib')) as typeof import('../src');
    const nb = other.NativeBuffer.alloc(8);
    const info = getBuffer({ [bufferProtocol.getBuffer]: (flags: number) => other.getBuffer(nb, flags) }, BufferFlags.SIMPLE);
    expect(nb.exports).toBe(1);
    info.release();
    expect(nb.exports).toBe(0);
    // Floats exported without FORMAT: their format is unknown, so a FORMAT
    // request is refused, and the refused inner export is released too.
    const floats = other.NativeBuffer.alloc(8, { format: 'f' });
    const simple = { [bufferProtocol.getBuffer]: () => other.getBuffer(floats, other.BufferFlags.SIMPLE) };
    expectCode(() => getBuffer(simple, BufferFlags.RECORDS_RO), 'ERR_BUFFER_INVALID_EXPORT', 'BufferError');
    expect(floats.exports).toBe(0);
  });

  test('a throwing releaseBuffer getter exports nothing', () => {
    const nb = NativeBuffer.alloc(8);
    const exporter = {
      [bufferProtocol.getBuffer]: (flags: number) => getBuffer(nb, flags),
      get [bufferProtocol.releaseBuffer](): () => void {
        throw new Error('getter failed');
      },
    };
    expect(() => getBuffer(exporter)).toThrow('getter failed');
    expect(nb.exports).toBe(0);
  });

  test('a refusal survives a release hook that throws', () => {
    const exporter = {
      [bufferProtocol.getBuffer]: () => ({ buffer: new ArrayBuffer(4), readonly: true }),
      [bufferProtocol.releaseBuffer]: () => {
        throw new Error('hook failed');
      },
    };
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on('warning', onWarning);
    try {
      expectCode(() => getBuffer(exporter, BufferFlags.WRITABLE), 'ERR_BUFFER_NOT_WRITABLE', 'BufferError');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('NativeBuffer details', () => {
  test('resize zeroes new bytes even with zero: false', () => {
    const nb = NativeBuffer.alloc(0, { zero: false });
    nb.resize(4096);
    expect(new Uint8Array(nb.buffer).every((b) => b === 0)).toBe(true);
    const grown = NativeBuffer.alloc(8, { zero: false });
    new Uint8Array(grown.buffer).fill(7);
    grown.resize(300_000);
    const bytes = new Uint8Array(grown.buffer);
    expect([bytes[7], bytes[8], bytes[299_999]]).toEqual([7, 0, 0]);
  });

  test('the caller’s layout arrays are copied at allocation', () => {
    const shape = [2, 3, 4];
    const nb = NativeBuffer.alloc(24, { format: 'B', shape });
    shape[0] = 1;
    nb.resize(24);
    expect(nb.shape).toEqual([2, 3, 4]);
  });

  test('objects that only look like exporters get coded errors', () => {
    const nb = NativeBuffer.alloc(8);
    expectCode(() => getBuffer(Object.create(nb)), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => getBuffer(new Proxy(nb, {})), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    const other = NativeBuffer.alloc(8);
    const foreign = getBuffer(other);
    expectCode(() => nb[bufferProtocol.releaseBuffer](foreign), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(() => nb[bufferProtocol.releaseBuffer](5 as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expect(other.exports).toBe(1);
    foreign.release();
  });
});

describe('memoryview re-entrancy and extremes (review)', () => {
  test('a getter that releases the view during cast() or set() cannot resurrect it', () => {
    const nb = NativeBuffer.alloc(16);
    const m = memoryview(nb);
    const shape = [16];
    Object.defineProperty(shape, 0, { get: () => (m.release(), 16) });
    expectCode(() => m.cast('B', shape), 'ERR_BUFFER_RELEASED', 'BufferError');
    expect(nb.exports).toBe(0);
    const w = memoryview(new Uint8Array(4));
    const index = [0];
    Object.defineProperty(index, 0, { get: () => (w.release(), 0) });
    expectCode(() => w.set(index, 1), 'ERR_BUFFER_RELEASED', 'BufferError');
  });

  test('infinite and huge slice steps select one item with a usable stride', () => {
    const m = memoryview(new Uint8Array([5, 6, 7, 8]), { shape: [2, 2] });
    const s = m.slice([null, null, Infinity]);
    expect([s.shape, s.strides, s.toList()]).toEqual([[1, 2], [2, 1], [[5, 6]]]);
    expect(
      memoryview(new Uint8Array([1, 2, 3]))
        .slice([null, null, -1e300])
        .toList(),
    ).toEqual([3]);
  });

  test('two SharedArrayBuffer objects over the same memory copy as memmove', () => {
    const sab = new SharedArrayBuffer(8);
    new Uint8Array(sab).set([1, 2, 3, 4, 5, 6, 7, 8]);
    const alias = structuredClone(sab);
    memoryview(sab).slice('1:8').assign(memoryview(alias).slice('0:7'));
    expect(Array.from(new Uint8Array(sab))).toEqual([1, 1, 2, 3, 4, 5, 6, 7]);
  });

  test('views over memory their owner detached refuse with ERR_BUFFER_RELEASED', () => {
    const nb = NativeBuffer.alloc(16, { format: 'i' });
    const m = memoryview(nb);
    nb.close({ force: true });
    expectCode(() => m.typed(), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => m.dataView(), 'ERR_BUFFER_RELEASED', 'BufferError');
    expectCode(() => getBuffer(m), 'ERR_BUFFER_RELEASED', 'BufferError');
    expect(m.equals(m)).toBe(false);
    m.release();
  });

  test('a PEP 688 hook may release the view it returned (the inner export goes first)', () => {
    const nb = NativeBuffer.alloc(8);
    const exporter = {
      [bufferProtocol.getBuffer]: () => memoryview(nb),
      [bufferProtocol.releaseBuffer]: (view: { release(): void }) => view.release(),
    };
    const info = getBuffer(exporter);
    expect(nb.exports).toBe(1);
    info.release();
    expect(nb.exports).toBe(0);
  });

  test('unknown layout keys are refused', () => {
    expectCode(() => memoryview(new Uint8Array(8), { formatt: 'd' } as never), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expectCode(
      () => (memoryview(new Uint8Array(1))[bufferProtocol.getBuffer] as (this: unknown) => unknown).call(5),
      'ERR_INVALID_ARG_TYPE',
      'TypeError',
    );
  });
});
