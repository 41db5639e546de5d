// Request negotiation replayed against CPython: test/golden/getbuffer.json
// was written by test/golden/generate.py, which asked _testbuffer for every
// request flag value on each exporter and recorded the Py_buffer it got (or
// the BufferError it raised).
//
// - kind "typed": built-in JavaScript memory, modelled on bytearray and
//   array.array (they never refuse a request).
// - kind "layout": an N-d layout exported through the public protocol symbols
//   (a plain descriptor), negotiated with memoryview's rules. PIL layouts
//   (suboffsets) cannot be described from JavaScript, so only the native
//   core's own procedure is held to them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BufferFlags, NativeBuffer, bufferProtocol, getBuffer, type BufferInfo } from '../src';
import { native } from '../src/native';
import { expectCode } from './helpers/expect';

interface Seen {
  format: string | null;
  itemsize: number;
  ndim: number;
  shape: number[] | null;
  strides: number[] | null;
  suboffsets: number[] | null;
  readonly: boolean;
  len: number;
}

type Outcome = { ok: Seen } | { error: string; message: string };

interface BaseExporter {
  id: string;
  results: Record<string, Outcome>;
}

interface TypedExporter extends BaseExporter {
  kind: 'typed';
  jsType: string;
  length: number;
  pyModel: string;
}

interface LayoutExporter extends BaseExporter {
  kind: 'layout';
  format: string;
  itemsize: number;
  shape: number[];
  strides: number[];
  suboffsets: number[] | null;
  offset: number;
  memlen: number;
  readonly: boolean;
  pil?: true;
}

type Exporter = TypedExporter | LayoutExporter;

interface GetBufferGolden {
  header: { python: string; byteorder: string; sizeof: Record<string, number> };
  flags: number[];
  exporters: Exporter[];
  pyBufferFillInfo: TypedExporter[];
}

const golden = JSON.parse(readFileSync(join(__dirname, 'golden', 'getbuffer.json'), 'utf8')) as GetBufferGolden;
const FLAGS = golden.flags;

const typedExporters = golden.exporters.filter((e): e is TypedExporter => e.kind === 'typed');
const layoutExporters = golden.exporters.filter((e): e is LayoutExporter => e.kind === 'layout');
const plainLayouts = layoutExporters.filter((e) => e.pil !== true);
const pilLayouts = layoutExporters.filter((e) => e.pil === true);

/** Every exporter id that had all of its flags replayed (checked by the last test). */
const replayed = { getBuffer: new Set<string>(), native: new Set<string>() };

// ---------------------------------------------------------------------------
// comparison helpers: each returns a plain, JSON-comparable value, so a
// mismatch list prints both sides in full
// ---------------------------------------------------------------------------

const ND = BufferFlags.ND;
const STRIDES = BufferFlags.STRIDES;

const list = (a: readonly number[] | null | undefined): number[] | null | undefined =>
  a === null || a === undefined ? a : Array.from(a);

/**
 * The golden outcome in this package's JavaScript form. _testbuffer reports
 * a 0-d view's shape and strides as () whether or not the pointers were set;
 * BufferInfo (and the native core) give [] when they were requested and null
 * otherwise.
 */
function expectedSeen(ok: Seen, flags: number): Seen {
  if (ok.ndim !== 0) return ok;
  return {
    ...ok,
    shape: (flags & ND) === ND ? [] : null,
    strides: (flags & STRIDES) === STRIDES ? [] : null,
  };
}

function seenOf(info: {
  format: string | null;
  itemsize: number;
  ndim: number;
  shape: readonly number[] | null;
  strides: readonly number[] | null;
  suboffsets: readonly number[] | null;
  readonly: boolean;
  len: number;
}): Seen {
  return {
    format: info.format,
    itemsize: info.itemsize,
    ndim: info.ndim,
    shape: list(info.shape) as number[] | null,
    strides: list(info.strides) as number[] | null,
    suboffsets: list(info.suboffsets) as number[] | null,
    readonly: info.readonly,
    len: info.len,
  };
}

/** Golden outcome -> the comparable form of what the call must produce. */
function expectedOutcome(outcome: Outcome, flags: number, errorName: string): unknown {
  if ('ok' in outcome) return { ok: expectedSeen(outcome.ok, flags) };
  return { error: outcome.error, name: errorName };
}

function errorOutcome(error: unknown): unknown {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  return { error: e?.code, name: e?.name, message: e?.message };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

interface Mismatch {
  flags: number;
  expected: unknown;
  actual: unknown;
}

function outcomeFor(exporter: Exporter, flags: number): Outcome {
  const outcome = exporter.results[String(flags)];
  if (outcome === undefined) throw new Error(`${exporter.id}: no golden outcome for flags ${flags}`);
  return outcome;
}

// ---------------------------------------------------------------------------
// the golden table itself
// ---------------------------------------------------------------------------

describe('the golden table', () => {
  test('has 255 request flag values: every combination of the request bits except READ alone', () => {
    expect(FLAGS.length).toBe(255);
    expect(new Set(FLAGS).size).toBe(255);
    const bits = [0x1, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100];
    const all: number[] = [];
    for (let mask = 0; mask < 256; mask++) {
      let v = 0;
      bits.forEach((bit, i) => {
        if (mask & (1 << i)) v |= bit;
      });
      if (v !== BufferFlags.READ) all.push(v);
    }
    expect([...FLAGS].sort((a, b) => a - b)).toEqual(all.sort((a, b) => a - b));
  });

  test('has 96 exporters, each with an outcome for every flag value', () => {
    expect(golden.exporters.length).toBe(96);
    expect(typedExporters.length + layoutExporters.length).toBe(golden.exporters.length);
    expect(plainLayouts.length + pilLayouts.length).toBe(layoutExporters.length);
    expect(typedExporters.length).toBe(16);
    expect(pilLayouts.length).toBe(8);
    expect(new Set(golden.exporters.map((e) => e.id)).size).toBe(golden.exporters.length);
    for (const exporter of golden.exporters) {
      expect([exporter.id, Object.keys(exporter.results).sort()]).toEqual([exporter.id, FLAGS.map(String).sort()]);
    }
  });

  test('was generated on a little-endian LP64 CPython', () => {
    expect(golden.header.byteorder).toBe('little');
    expect(golden.header.sizeof).toEqual({ l: 8, L: 8, P: 8, n: 8, N: 8, q: 8 });
  });
});

// ---------------------------------------------------------------------------
// typed: built-in JavaScript memory
// ---------------------------------------------------------------------------

interface Built {
  obj: object;
  buffer: ArrayBuffer | SharedArrayBuffer;
  byteOffset: number;
}

const TYPED_CTORS: Record<string, new (length: number) => ArrayBufferView & { buffer: ArrayBuffer }> = {
  Uint8Array,
  Uint8ClampedArray,
  Int8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

function buildTyped(jsType: string, length: number): Built {
  switch (jsType) {
    case 'ArrayBuffer': {
      const ab = new ArrayBuffer(length);
      return { obj: ab, buffer: ab, byteOffset: 0 };
    }
    case 'SharedArrayBuffer': {
      const sab = new SharedArrayBuffer(length);
      return { obj: sab, buffer: sab, byteOffset: 0 };
    }
    case 'DataView': {
      const ab = new ArrayBuffer(length);
      return { obj: new DataView(ab), buffer: ab, byteOffset: 0 };
    }
    case 'Buffer': {
      const b = Buffer.alloc(length);
      return { obj: b, buffer: b.buffer, byteOffset: 0 };
    }
    default: {
      const ctor = TYPED_CTORS[jsType];
      if (ctor === undefined) throw new Error(`no JavaScript type for golden jsType ${jsType}`);
      const view = new ctor(length);
      return { obj: view, buffer: view.buffer, byteOffset: 0 };
    }
  }
}

/** Replays every flag value of `exporter` on `built`; returns the mismatches and the number of flags checked. */
function replayTyped(exporter: TypedExporter, built: Built): { mismatches: Mismatch[]; checked: number } {
  const mismatches: Mismatch[] = [];
  let checked = 0;
  for (const flags of FLAGS) {
    checked++;
    const outcome = outcomeFor(exporter, flags);
    const expected = expectedOutcome(outcome, flags, 'BufferError');
    let info: BufferInfo | undefined;
    try {
      info = getBuffer(built.obj as never, flags);
    } catch (error) {
      const actual = errorOutcome(error);
      if (
        'ok' in outcome ||
        !same({ error: (actual as { error: unknown }).error, name: (actual as { name: unknown }).name }, expected)
      ) {
        mismatches.push({ flags, expected, actual });
      }
      continue;
    }
    try {
      const actual = { ok: seenOf(info) };
      if (!same(actual, expected)) mismatches.push({ flags, expected, actual });
      if (info.byteOffset !== built.byteOffset) {
        mismatches.push({ flags, expected: { byteOffset: built.byteOffset }, actual: { byteOffset: info.byteOffset } });
      }
      if (info.obj !== built.obj) mismatches.push({ flags, expected: 'obj is the exporter', actual: info.obj });
      if (info.buffer !== built.buffer) {
        mismatches.push({ flags, expected: 'buffer is the underlying ArrayBuffer', actual: info.buffer });
      }
      if (info.released) mismatches.push({ flags, expected: { released: false }, actual: { released: true } });
    } finally {
      info.release();
    }
    if (!info.released) mismatches.push({ flags, expected: { releasedAfterRelease: true }, actual: false });
  }
  return { mismatches, checked };
}

describe('getBuffer on built-in JavaScript memory matches bytearray / array.array', () => {
  test.each(typedExporters.map((e) => [e.id, e.pyModel, e] as const))('%s (as %s)', (id, _model, exporter) => {
    const { mismatches, checked } = replayTyped(exporter, buildTyped(exporter.jsType, exporter.length));
    if (checked === FLAGS.length) replayed.getBuffer.add(id);
    expect(checked).toBe(FLAGS.length);
    expect(mismatches).toEqual([]);
  });

  test('a pooled Buffer (non-zero byteOffset into a shared ArrayBuffer) matches typed-Buffer-6', () => {
    const exporter = typedExporters.find((e) => e.id === 'typed-Buffer-6');
    expect(exporter).toBeDefined();
    // The first small Buffer.from may sit at the start of a fresh pool slab;
    // the second cannot.
    Buffer.from([255]);
    const pooled = Buffer.from([0, 1, 2, 3, 4, 5]);
    expect(pooled.byteOffset).toBeGreaterThan(0);
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
    const { mismatches, checked } = replayTyped(exporter!, {
      obj: pooled,
      buffer: pooled.buffer,
      byteOffset: pooled.byteOffset,
    });
    expect(checked).toBe(FLAGS.length);
    expect(mismatches).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// layout: N-d exporters through the public protocol symbols
// ---------------------------------------------------------------------------

interface Descriptor {
  buffer: ArrayBuffer;
  byteOffset: number;
  format: string;
  shape: number[];
  strides: number[];
  readonly: boolean;
}

/** A JavaScript class that exports the golden layout as a plain descriptor and counts the protocol calls. */
class GoldenLayoutExporter {
  getCalls = 0;
  releaseCalls = 0;
  lastFlags: number | undefined;
  lastReturned: Descriptor | undefined;
  lastReleased: unknown;

  constructor(private readonly spec: LayoutExporter) {}

  [bufferProtocol.getBuffer](flags: number): Descriptor {
    this.getCalls++;
    this.lastFlags = flags;
    const { memlen, offset, format, shape, strides, readonly } = this.spec;
    this.lastReturned = {
      buffer: new ArrayBuffer(memlen),
      byteOffset: offset,
      format,
      shape: [...shape],
      strides: [...strides],
      readonly,
    };
    return this.lastReturned;
  }

  [bufferProtocol.releaseBuffer](view: unknown): void {
    this.releaseCalls++;
    this.lastReleased = view;
  }
}

function replayLayout(spec: LayoutExporter): { mismatches: Mismatch[]; checked: number; exporter: GoldenLayoutExporter } {
  const exporter = new GoldenLayoutExporter(spec);
  const mismatches: Mismatch[] = [];
  const lifecycle = (flags: number, what: string, expected: unknown, actual: unknown): void => {
    if (!same(expected, actual)) mismatches.push({ flags, expected: { [what]: expected }, actual: { [what]: actual } });
  };
  let checked = 0;
  for (const flags of FLAGS) {
    checked++;
    const outcome = outcomeFor(spec, flags);
    const expected = expectedOutcome(outcome, flags, 'BufferError');
    const gets = exporter.getCalls;
    const releases = exporter.releaseCalls;
    exporter.lastReleased = undefined;
    let info: BufferInfo | undefined;
    try {
      info = getBuffer(exporter, flags);
    } catch (error) {
      const actual = errorOutcome(error) as { error: unknown; name: unknown };
      if ('ok' in outcome || !same({ error: actual.error, name: actual.name }, expected)) {
        mismatches.push({ flags, expected, actual });
      }
      // A refused export was still made: it is released at once, exactly once.
      lifecycle(flags, 'getBuffer hook calls', gets + 1, exporter.getCalls);
      lifecycle(flags, 'releaseBuffer hook calls after a refusal', releases + 1, exporter.releaseCalls);
      lifecycle(flags, 'releaseBuffer got the returned descriptor', true, exporter.lastReleased === exporter.lastReturned);
      continue;
    }
    lifecycle(flags, 'getBuffer hook calls', gets + 1, exporter.getCalls);
    lifecycle(flags, 'flags passed to the hook', flags, exporter.lastFlags);
    lifecycle(flags, 'releaseBuffer hook calls while exported', releases, exporter.releaseCalls);
    try {
      const actual = { ok: seenOf(info) };
      if (!same(actual, expected)) mismatches.push({ flags, expected, actual });
      lifecycle(flags, 'byteOffset', spec.offset, info.byteOffset);
      lifecycle(flags, 'obj is the exporter', true, info.obj === exporter);
      lifecycle(flags, 'buffer is the descriptor buffer', true, info.buffer === exporter.lastReturned!.buffer);
    } finally {
      info.release();
    }
    lifecycle(flags, 'releaseBuffer hook calls after release()', releases + 1, exporter.releaseCalls);
    lifecycle(flags, 'releaseBuffer got the returned descriptor', true, exporter.lastReleased === exporter.lastReturned);
    info.release();
    lifecycle(flags, 'releaseBuffer hook calls after a second release()', releases + 1, exporter.releaseCalls);
  }
  return { mismatches, checked, exporter };
}

describe('getBuffer on a protocol exporter returning a plain descriptor matches memoryview', () => {
  test.each(plainLayouts.map((e) => [e.id, e] as const))('%s', (id, spec) => {
    const { mismatches, checked, exporter } = replayLayout(spec);
    if (checked === FLAGS.length) replayed.getBuffer.add(id);
    expect(checked).toBe(FLAGS.length);
    expect(exporter.getCalls).toBe(FLAGS.length);
    expect(exporter.releaseCalls).toBe(exporter.getCalls);
    expect(mismatches).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// the native core's own negotiation (memory_getbuf), including PIL layouts
// ---------------------------------------------------------------------------
// NativeBuffer: plain bytes follow PyBuffer_FillInfo (bytearray, or bytes when
// read-only); a NativeBuffer with a layout follows memoryview
// ---------------------------------------------------------------------------

/** Replays every flag of `exporter` on a NativeBuffer; exports must return to 0. */
function replayNativeBuffer(exporter: Exporter, nb: NativeBuffer): Mismatch[] {
  const mismatches: Mismatch[] = [];
  for (const flags of FLAGS) {
    const outcome = outcomeFor(exporter, flags);
    const expected = expectedOutcome(outcome, flags, 'BufferError');
    let actual: unknown;
    try {
      const info = getBuffer(nb, flags);
      actual = { ok: seenOf(info) };
      if (info.buffer !== nb.buffer || info.byteOffset !== nb.byteOffset || nb.exports !== 1) {
        mismatches.push({ flags, expected: 'buffer, byteOffset and one export', actual: [info.byteOffset, nb.exports] });
      }
      info.release();
    } catch (error) {
      const e = errorOutcome(error) as { error: unknown; name: unknown };
      actual = { error: e.error, name: e.name };
    }
    if (!same(actual, expected)) mismatches.push({ flags, expected, actual });
    if (nb.exports !== 0) mismatches.push({ flags, expected: { exports: 0 }, actual: { exports: nb.exports } });
  }
  return mismatches;
}

describe('getBuffer on a NativeBuffer matches CPython', () => {
  test('plain bytes match bytearray (typed-ArrayBuffer-6)', () => {
    const exporter = typedExporters.find((e) => e.id === 'typed-ArrayBuffer-6');
    expect(exporter).toBeDefined();
    const nb = NativeBuffer.alloc(exporter!.length);
    expect(replayNativeBuffer(exporter!, nb)).toEqual([]);
    nb.close();
  });

  test('read-only plain bytes match bytes (PyBuffer_FillInfo)', () => {
    expect(golden.pyBufferFillInfo.length).toBe(1);
    const exporter = golden.pyBufferFillInfo[0]!;
    const nb = NativeBuffer.alloc(exporter.length, { readonly: true });
    expect(replayNativeBuffer(exporter, nb)).toEqual([]);
    nb.close();
  });

  test.each(plainLayouts.map((e) => [e.id, e] as const))('layout %s', (_id, spec) => {
    const nb = NativeBuffer.alloc(spec.memlen, {
      format: spec.format,
      shape: spec.shape,
      strides: spec.strides,
      byteOffset: spec.offset,
      readonly: spec.readonly,
    });
    expect(replayNativeBuffer(spec, nb)).toEqual([]);
    nb.close();
  });
});

// ---------------------------------------------------------------------------

function nativeDescriptor(spec: LayoutExporter) {
  return {
    itemsize: spec.itemsize,
    readonly: spec.readonly,
    format: spec.format,
    shape: [...spec.shape],
    strides: [...spec.strides],
    suboffsets: spec.suboffsets === null ? null : [...spec.suboffsets],
  };
}

describe('native.core.negotiate matches memoryview', () => {
  test.each(layoutExporters.map((e) => [e.id, e] as const))('%s', (id, spec) => {
    const desc = nativeDescriptor(spec);
    const mismatches: Mismatch[] = [];
    let checked = 0;
    for (const flags of FLAGS) {
      checked++;
      const outcome = outcomeFor(spec, flags);
      const expected = expectedOutcome(outcome, flags, 'Error');
      let actual: unknown;
      try {
        actual = { ok: seenOf(native.core.negotiate(desc, flags)) };
      } catch (error) {
        const e = errorOutcome(error) as { error: unknown; name: unknown };
        actual = { error: e.error, name: e.name };
        if (!same(actual, expected)) mismatches.push({ flags, expected, actual: errorOutcome(error) });
        continue;
      }
      if (!same(actual, expected)) mismatches.push({ flags, expected, actual });
    }
    if (checked === FLAGS.length) replayed.native.add(id);
    expect(checked).toBe(FLAGS.length);
    expect(mismatches).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// values that are not requests
// ---------------------------------------------------------------------------

describe('flags that are not requests', () => {
  const notRequests: Array<[string, number]> = [
    ['READ (0x100)', 0x100],
    ['WRITE (0x200)', 0x200],
    ['the unassigned bit 0x2', 0x2],
    ['0x400', 0x400],
    ['-1', -1],
    ['1.5', 1.5],
    ['NaN', NaN],
  ];
  const sampleLayout = plainLayouts.find((e) => e.id === 'layout-2d-c-B-rw')!;

  test.each(notRequests)('getBuffer refuses %s with RangeError ERR_OUT_OF_RANGE', (_name, flags) => {
    expectCode(() => getBuffer(new Uint8Array(4), flags), 'ERR_OUT_OF_RANGE', 'RangeError');
    expectCode(() => getBuffer(new ArrayBuffer(4), flags), 'ERR_OUT_OF_RANGE', 'RangeError');
    const exporter = new GoldenLayoutExporter(sampleLayout);
    expectCode(() => getBuffer(exporter, flags), 'ERR_OUT_OF_RANGE', 'RangeError');
    // whatever the exporter was asked for, it was released
    expect(exporter.releaseCalls).toBe(exporter.getCalls);
  });

  test.each(notRequests)('native.core.negotiate refuses %s with ERR_OUT_OF_RANGE', (_name, flags) => {
    expect(sampleLayout).toBeDefined();
    expectCode(() => native.core.negotiate(nativeDescriptor(sampleLayout), flags), 'ERR_OUT_OF_RANGE', 'RangeError');
  });

  test("getBuffer refuses the string '4' with TypeError ERR_INVALID_ARG_TYPE", () => {
    expectCode(() => getBuffer(new Uint8Array(4), '4' as unknown as number), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    const exporter = new GoldenLayoutExporter(sampleLayout);
    expectCode(() => getBuffer(exporter, '4' as unknown as number), 'ERR_INVALID_ARG_TYPE', 'TypeError');
    expect(exporter.releaseCalls).toBe(exporter.getCalls);
  });
});

// ---------------------------------------------------------------------------
// completeness: declared last, so it runs after every replay above
// ---------------------------------------------------------------------------

describe('completeness', () => {
  test('every exporter of the table was replayed over all of its flags', () => {
    expect([...replayed.getBuffer].sort()).toEqual([...typedExporters, ...plainLayouts].map((e) => e.id).sort());
    expect([...replayed.native].sort()).toEqual(layoutExporters.map((e) => e.id).sort());
    expect(replayed.getBuffer.size + pilLayouts.length).toBe(golden.exporters.length);
  });
});
