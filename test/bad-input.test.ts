// The bad-input matrix: every public function and method of the root and
// io entry points against tables of hostile arguments and hostile states
// (wrong types, NaN, -1, fractions, 2**53, Infinity, overflowing shapes,
// 65 dimensions, huge repeat counts, strides outside memory, released views,
// closed owners, detached and resizable ArrayBuffers, throwing getters, and
// exporters or getters that release or close things mid-operation, as in
// CPython's gh-92888). Each case checks the exact error name and code
// (never instanceof: jest gives each file its own realm), then that nothing
// changed: export counts, the bytes of every memory, and that the views of
// the fixture are still usable.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import {
  BufferFlags,
  BufferObject,
  NativeBuffer,
  bufferProtocol,
  checkBuffer,
  copyData,
  fillContiguousStrides,
  fromContiguous,
  getBuffer,
  isContiguous,
  memoryview,
  mmap,
  nativeMemoryStats,
  read,
  readInto,
  readIntoStream,
  receiveInto,
  sizeFromFormat,
  toContiguous,
  write,
  writeFrom,
  writeView,
  type MemoryView,
} from '../src';
import * as io from '../src/io';
import { resizableArrayBuffer } from './helpers/buffers';
import { expectCode } from './helpers/expect';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyFn = (...args: any[]) => any;
/** Calls `f` with arguments its signature forbids. */
const call = (f: unknown, ...args: unknown[]): unknown => (f as AnyFn)(...args);
/** A method of `obj`, callable with any arguments. */
const method = (obj: unknown, name: string | symbol): AnyFn => {
  const f = (obj as Record<string | symbol, AnyFn>)[name]!;
  return (...args: unknown[]) => f.apply(obj, args);
};

type Expect = readonly [name: string, code: string | undefined];
const TYPE: Expect = ['TypeError', 'ERR_INVALID_ARG_TYPE'];
const RANGE: Expect = ['RangeError', 'ERR_OUT_OF_RANGE'];
const B = (code: string): Expect => ['BufferError', code];
const RELEASED = B('ERR_BUFFER_RELEASED');
const GETTER: Expect = ['Error', 'ERR_TEST_GETTER'];

function getterError(): Error {
  return Object.assign(new Error('a hostile getter threw'), { code: 'ERR_TEST_GETTER' });
}

// ---- the fixture every case runs against ------------------------------------

const INTS = Array.from({ length: 12 }, (_, i) => i * 7 - 20);
const PLAIN = Array.from({ length: 16 }, (_, i) => 100 + i);

interface World {
  /** 48 bytes: format 'i', shape [3, 4], INTS. */
  nb: NativeBuffer;
  /** memoryview(nb): one export of nb. */
  m: MemoryView;
  /** A 16-byte Uint8Array over its own ArrayBuffer: PLAIN. */
  plain: Uint8Array;
  /** A writable BufferObject over `plain`. */
  bo: BufferObject;
  /** A read-only 16-byte NativeBuffer (bytes 1..16). */
  ro: NativeBuffer;
  /** A read-only view of `ro`. */
  rov: MemoryView;
  released: MemoryView;
  closed: NativeBuffer;
  boReleased: BufferObject;
  detached: ArrayBuffer;
  detachedView: Uint8Array;
  /** A resizable ArrayBuffer shrunk under a Uint8Array of its first 16 bytes. */
  shrunk: Uint8Array;
  resizable: ArrayBuffer;
  /** A released BufferInfo of `plain`. */
  releasedInfo: ReturnType<typeof getBuffer>;
}

function detach(ab: ArrayBuffer | ArrayBufferLike): void {
  structuredClone(ab, { transfer: [ab as ArrayBuffer] });
}

function world(): World {
  const nb = NativeBuffer.alloc(48, { format: 'i', shape: [3, 4] });
  new Int32Array(nb.buffer).set(INTS);
  const m = memoryview(nb);
  const plain = Uint8Array.from(PLAIN);
  const bo = BufferObject.fromReadWriteObject(plain);
  const ro = NativeBuffer.alloc(16, { readonly: true });
  new Uint8Array(ro.buffer).forEach((_, i, a) => (a[i] = i + 1));
  const rov = memoryview(ro);
  const released = memoryview(new Uint8Array(8));
  released.release();
  const closed = NativeBuffer.alloc(8);
  closed.close();
  const boReleased = BufferObject.alloc(4);
  boReleased.release();
  const detached = new ArrayBuffer(8);
  const detachedView = new Uint8Array(detached, 2, 4);
  detach(detached);
  const resizable = resizableArrayBuffer(32, 64);
  const shrunk = new Uint8Array(resizable, 0, 16);
  (resizable as unknown as { resize(n: number): void }).resize(8);
  const releasedInfo = getBuffer(plain);
  releasedInfo.release();
  return { nb, m, plain, bo, ro, rov, released, closed, boReleased, detached, detachedView, shrunk, resizable, releasedInfo };
}

interface Snapshot {
  nbExports: number;
  roExports: number;
  mExports: number;
  mReleased: boolean;
  boReleased: boolean;
  nbLength: number;
  nbBytes: string;
  plainBytes: string;
  roBytes: string;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

function snapshot(w: World): Snapshot {
  return {
    nbExports: w.nb.exports,
    roExports: w.ro.exports,
    mExports: w.m.exports,
    mReleased: w.m.released,
    boReleased: w.bo.released,
    nbLength: w.nb.length,
    nbBytes: w.nb.isClosed ? '(closed)' : hex(new Uint8Array(w.nb.buffer)),
    plainBytes: hex(w.plain),
    roBytes: hex(new Uint8Array(w.ro.buffer)),
  };
}

/** The fixture still works: every live view reads its values, the owners export and refuse as before. */
function checkUsable(w: World): void {
  if (!w.m.released && !w.nb.isClosed) {
    expect(w.m.toList()).toEqual([INTS.slice(0, 4), INTS.slice(4, 8), INTS.slice(8)]);
    expect(w.m.get(-1, -1)).toBe(INTS[11]);
    const s = w.m.slice('::-1', 1);
    expect(s.toList()).toEqual([INTS[9], INTS[5], INTS[1]]);
    s.release();
  }
  if (!w.nb.isClosed) {
    const info = getBuffer(w.nb, BufferFlags.FULL);
    expect(info.shape).toEqual([3, 4]);
    info.release();
  }
  if (!w.bo.released) {
    expect(w.bo.get(3)).toBe(PLAIN[3]);
    expect(w.bo.length).toBe(16);
  }
  expect(w.rov.toBytes()).toEqual(Uint8Array.from({ length: 16 }, (_, i) => i + 1));
}

function teardown(w: World): void {
  // Every step on its own: a case that leaked a hold makes some refuse, and
  // the state check has already reported it.
  const steps = [
    () => w.m.release(),
    () => w.rov.release(),
    () => w.bo.release(),
    () => w.nb.close({ force: true }),
    () => w.ro.close({ force: true }),
  ];
  for (const step of steps) {
    try {
      step();
    } catch {
      // reported by the state check
    }
  }
}

// ---- cases --------------------------------------------------------------

interface Case {
  label: string;
  run: (w: World) => unknown;
  expect: Expect;
  /** Snapshot fields the hostile input itself changes (a getter that releases a view). */
  changes?: Partial<Snapshot>;
  /** The call under test must allocate or map nothing (a refused NativeBuffer.alloc or mmap). */
  noAlloc?: boolean;
}

const cases: Case[] = [];
const add = (label: string, run: (w: World) => unknown, expected: Expect, changes?: Partial<Snapshot>): void => {
  cases.push(changes === undefined ? { label, run, expect: expected } : { label, run, expect: expected, changes });
};
/** A case whose refused call must not leave a native block behind. */
const addNoAlloc = (label: string, run: (w: World) => unknown, expected: Expect): void => {
  cases.push({ label, run, expect: expected, noAlloc: true });
};

/** Hostile values for a size, offset, count or fd (a safe integer >= 0). */
const BAD_INTS: ReadonlyArray<readonly [string, unknown, Expect]> = [
  ['NaN', NaN, RANGE],
  ['-1', -1, RANGE],
  ['0.5', 0.5, RANGE],
  ['2**53', 2 ** 53, RANGE],
  ['Infinity', Infinity, RANGE],
  ['-Infinity', -Infinity, RANGE],
  ['-0.5', -0.5, RANGE],
  ['1e300', 1e300, RANGE],
  ["'1'", '1', TYPE],
  ['1n', 1n, TYPE],
  ['null', null, TYPE],
  ['{}', {}, TYPE],
  ['true', true, TYPE],
  ['Symbol()', Symbol('s'), TYPE],
  ['new Number(1)', new Number(1), TYPE],
  ['{ valueOf }', { valueOf: () => 1 }, TYPE],
  ['[1]', [1], TYPE],
];

/** Hostile values for an index (an integer; negative wraps). */
const BAD_INDICES: ReadonlyArray<readonly [string, unknown, Expect]> = [
  ['NaN', NaN, TYPE],
  ['0.5', 0.5, TYPE],
  ['Infinity', Infinity, TYPE],
  ['-Infinity', -Infinity, TYPE],
  ['2**53', 2 ** 53, RANGE],
  ['-(2**53)', -(2 ** 53), RANGE],
  ['1e300', 1e300, RANGE],
  ['past the end', 3, RANGE],
  ['before the start', -4, RANGE],
  ["'1'", '1', TYPE],
  ['1n', 1n, TYPE],
  ['null', null, TYPE],
  ['{}', {}, TYPE],
  ['{ valueOf }', { valueOf: () => 1 }, TYPE],
];

/** Hostile flags for getBuffer and the PEP 688 methods. */
const BAD_FLAGS: ReadonlyArray<readonly [string, unknown, Expect]> = [
  ['NaN', NaN, RANGE],
  ['-1', -1, RANGE],
  ['0.5', 0.5, RANGE],
  ['2**53', 2 ** 53, RANGE],
  ['Infinity', Infinity, RANGE],
  ['READ', BufferFlags.READ, RANGE],
  ['WRITE', BufferFlags.WRITE, RANGE],
  ['0x2 (never assigned)', 0x2, RANGE],
  ['0x1fe', 0x1fe, RANGE],
  ['2**31 | FULL', 2 ** 31 + BufferFlags.FULL, RANGE],
  ["'0'", '0', TYPE],
  ['0n', 0n, TYPE],
  ['null', null, TYPE],
  ['{}', {}, TYPE],
];

/** Non-exporters: anything that is not a bytes-like object. */
const NOT_EXPORTERS: ReadonlyArray<readonly [string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['a number', 42],
  ['a string', 'bytes'],
  ['a bigint', 1n],
  ['a symbol', Symbol('x')],
  ['a plain object', {}],
  ['an array', [1, 2, 3]],
  ['a function', () => 1],
  ['an object whose getBuffer is not a function', { [bufferProtocol.getBuffer]: 1 }],
  ['a Map', new Map()],
];

/** Exporters in a state where nothing may be exported from them. */
const DEAD_EXPORTERS: ReadonlyArray<readonly [string, (w: World) => unknown, Expect]> = [
  ['a released MemoryView', (w) => w.released, RELEASED],
  ['a closed NativeBuffer', (w) => w.closed, RELEASED],
  ['a released BufferObject', (w) => w.boReleased, RELEASED],
  ['a detached ArrayBuffer', (w) => w.detached, RELEASED],
  ['a Uint8Array of a detached ArrayBuffer', (w) => w.detachedView, RELEASED],
  [
    'a DataView of a detached ArrayBuffer',
    () => {
      const ab = new ArrayBuffer(8);
      const dv = new DataView(ab);
      detach(ab);
      return dv;
    },
    RELEASED,
  ],
  ['a resizable ArrayBuffer', (w) => w.resizable, B('ERR_BUFFER_RESIZABLE')],
  ['a Uint8Array of a shrunk resizable ArrayBuffer', (w) => w.shrunk, B('ERR_BUFFER_RESIZABLE')],
  ['a length-tracking Float64Array of a resizable ArrayBuffer', (w) => new Float64Array(w.resizable), B('ERR_BUFFER_RESIZABLE')],
  [
    'an exporter returning a shrunk resizable buffer',
    (w) => ({ [bufferProtocol.getBuffer]: () => ({ buffer: w.resizable }) }),
    B('ERR_BUFFER_RESIZABLE'),
  ],
  ['an exporter returning a detached buffer', (w) => ({ [bufferProtocol.getBuffer]: () => ({ buffer: w.detached }) }), RELEASED],
  ['an exporter redirecting to a released view', (w) => ({ [bufferProtocol.getBuffer]: () => w.released }), RELEASED],
  ['an exporter redirecting to a closed NativeBuffer', (w) => ({ [bufferProtocol.getBuffer]: () => w.closed }), RELEASED],
  [
    'an exporter returning a released BufferInfo',
    (w) => ({ [bufferProtocol.getBuffer]: () => w.releasedInfo }),
    B('ERR_BUFFER_INVALID_EXPORT'),
  ],
  [
    'a view whose owner was force-closed',
    () => {
      const owner = NativeBuffer.alloc(16);
      const v = memoryview(owner);
      owner.close({ force: true });
      return v;
    },
    RELEASED,
  ],
];

/** Descriptors an exporter may return, all malformed or out of bounds (over a 16-byte buffer). */
const BAD_DESCRIPTORS: ReadonlyArray<readonly [string, (w: World) => unknown, Expect]> = [
  ['null', () => null, B('ERR_BUFFER_INVALID_EXPORT')],
  ['undefined', () => undefined, B('ERR_BUFFER_INVALID_EXPORT')],
  ['a number', () => 16, B('ERR_BUFFER_INVALID_EXPORT')],
  ['a string', () => 'abc', B('ERR_BUFFER_INVALID_EXPORT')],
  ['{} (no buffer)', () => ({}), B('ERR_BUFFER_INVALID_EXPORT')],
  ['buffer: a string', () => ({ buffer: 'abc' }), B('ERR_BUFFER_INVALID_EXPORT')],
  [
    'buffer: a Uint8Array (not an ArrayBuffer) in a descriptor',
    () => ({ buffer: new Uint8Array(4), shape: [4] }),
    B('ERR_BUFFER_INVALID_EXPORT'),
  ],
  [
    "format '9999999999999999999B'",
    () => ({ buffer: new ArrayBuffer(16), format: '9999999999999999999B', shape: [1] }),
    B('ERR_BUFFER_BAD_FORMAT'),
  ],
  ["format 'Z'", () => ({ buffer: new ArrayBuffer(16), format: 'Z' }), B('ERR_BUFFER_BAD_FORMAT')],
  ["format '' (0-byte items)", () => ({ buffer: new ArrayBuffer(16), format: '' }), B('ERR_BUFFER_BAD_FORMAT')],
  ['format 7', () => ({ buffer: new ArrayBuffer(16), format: 7 }), B('ERR_BUFFER_INVALID_EXPORT')],
  ['shape [NaN]', () => ({ buffer: new ArrayBuffer(16), shape: [NaN] }), B('ERR_BUFFER_INVALID_EXPORT')],
  ['shape [-1]', () => ({ buffer: new ArrayBuffer(16), shape: [-1] }), B('ERR_BUFFER_INVALID_EXPORT')],
  ['shape [0.5]', () => ({ buffer: new ArrayBuffer(16), shape: [0.5] }), B('ERR_BUFFER_INVALID_EXPORT')],
  ['shape [2**53]', () => ({ buffer: new ArrayBuffer(16), shape: [2 ** 53] }), B('ERR_BUFFER_INVALID_EXPORT')],
  ['shape [Infinity]', () => ({ buffer: new ArrayBuffer(16), shape: [Infinity] }), B('ERR_BUFFER_INVALID_EXPORT')],
  ["shape '16'", () => ({ buffer: new ArrayBuffer(16), shape: '16' }), B('ERR_BUFFER_INVALID_EXPORT')],
  [
    'shape [2**31, 2**31, 2**31] (product overflows)',
    () => ({ buffer: new ArrayBuffer(16), shape: [2 ** 31, 2 ** 31, 2 ** 31] }),
    B('ERR_BUFFER_INVALID_LAYOUT'),
  ],
  [
    'shape [2**40, 2**40] with zero strides (len overflows)',
    () => ({ buffer: new ArrayBuffer(16), shape: [2 ** 40, 2 ** 40], strides: [0, 0] }),
    B('ERR_BUFFER_INVALID_LAYOUT'),
  ],
  ['65 dimensions', () => ({ buffer: new ArrayBuffer(16), shape: new Array(65).fill(1) }), B('ERR_BUFFER_TOO_MANY_DIMS')],
  ['shape [17] (past the end)', () => ({ buffer: new ArrayBuffer(16), shape: [17] }), B('ERR_BUFFER_OUT_OF_BOUNDS')],
  [
    'strides [100] reaching outside',
    () => ({ buffer: new ArrayBuffer(16), shape: [2], strides: [100] }),
    B('ERR_BUFFER_OUT_OF_BOUNDS'),
  ],
  [
    'strides [-1] from offset 0',
    () => ({ buffer: new ArrayBuffer(16), shape: [2], strides: [-1] }),
    B('ERR_BUFFER_OUT_OF_BOUNDS'),
  ],
  [
    'strides [2**52] (the end overflows past memory)',
    () => ({ buffer: new ArrayBuffer(16), shape: [3], strides: [2 ** 52] }),
    B('ERR_BUFFER_OUT_OF_BOUNDS'),
  ],
  [
    'strides [-(2**53 - 1)]',
    () => ({ buffer: new ArrayBuffer(16), byteOffset: 15, shape: [2], strides: [-(2 ** 53 - 1)] }),
    B('ERR_BUFFER_OUT_OF_BOUNDS'),
  ],
  ['strides [1e300]', () => ({ buffer: new ArrayBuffer(16), shape: [2], strides: [1e300] }), B('ERR_BUFFER_INVALID_EXPORT')],
  [
    'strides of another length',
    () => ({ buffer: new ArrayBuffer(16), shape: [2, 2], strides: [1] }),
    B('ERR_BUFFER_INVALID_LAYOUT'),
  ],
  ['strides without shape', () => ({ buffer: new ArrayBuffer(16), strides: [1] }), B('ERR_BUFFER_INVALID_EXPORT')],
  ['byteOffset -1', () => ({ buffer: new ArrayBuffer(16), byteOffset: -1 }), B('ERR_BUFFER_INVALID_EXPORT')],
  ['byteOffset NaN', () => ({ buffer: new ArrayBuffer(16), byteOffset: NaN }), B('ERR_BUFFER_INVALID_EXPORT')],
  ['byteOffset 17', () => ({ buffer: new ArrayBuffer(16), byteOffset: 17, shape: [0] }), B('ERR_BUFFER_OUT_OF_BOUNDS')],
  ["byteOffset '1'", () => ({ buffer: new ArrayBuffer(16), byteOffset: '1' }), B('ERR_BUFFER_INVALID_EXPORT')],
  ['byteOffset 2**53', () => ({ buffer: new ArrayBuffer(16), byteOffset: 2 ** 53, shape: [0] }), B('ERR_BUFFER_INVALID_EXPORT')],
  ['3 bytes of 2-byte items', () => ({ buffer: new ArrayBuffer(3), format: 'h' }), B('ERR_BUFFER_INVALID_LAYOUT')],
  ["readonly 'yes'", () => ({ buffer: new ArrayBuffer(16), readonly: 'yes' }), B('ERR_BUFFER_INVALID_EXPORT')],
  [
    'a getter that throws',
    () => ({
      buffer: new ArrayBuffer(16),
      get shape(): number[] {
        throw getterError();
      },
    }),
    GETTER,
  ],
  [
    'a getter that detaches the buffer after it was read',
    () => {
      const ab = new ArrayBuffer(16);
      return {
        buffer: ab,
        get readonly(): boolean {
          detach(ab);
          return false;
        },
      };
    },
    RELEASED,
  ],
  [
    'a resizable buffer behind a shape getter',
    (w) => ({
      buffer: w.resizable,
      get shape(): number[] {
        return [4];
      },
    }),
    B('ERR_BUFFER_RESIZABLE'),
  ],
];

// getBuffer ------------------------------------------------------------------

for (const [label, obj] of NOT_EXPORTERS) add(`getBuffer(${label})`, () => getBuffer(obj as never), TYPE);
for (const [label, obj, e] of DEAD_EXPORTERS) {
  add(`getBuffer(${label})`, (w) => getBuffer(obj(w) as never), e);
  add(`getBuffer(${label}, SIMPLE)`, (w) => getBuffer(obj(w) as never, BufferFlags.SIMPLE), e);
}
for (const [label, flags, e] of BAD_FLAGS) {
  add(`getBuffer(NativeBuffer, flags ${label})`, (w) => getBuffer(w.nb, flags as number), e);
  add(`getBuffer(Uint8Array, flags ${label})`, (w) => getBuffer(w.plain, flags as number), e);
  add(`getBuffer(MemoryView, flags ${label})`, (w) => getBuffer(w.m, flags as number), e);
  add(`getBuffer(BufferObject, flags ${label})`, (w) => getBuffer(w.bo, flags as number), e);
  add(`NativeBuffer[getBuffer](flags ${label})`, (w) => method(w.nb, bufferProtocol.getBuffer)(flags), e);
  add(`MemoryView[getBuffer](flags ${label})`, (w) => method(w.m, bufferProtocol.getBuffer)(flags), e);
  add(`BufferObject[getBuffer](flags ${label})`, (w) => method(w.bo, bufferProtocol.getBuffer)(flags), e);
}
for (const [label, desc, e] of BAD_DESCRIPTORS) {
  add(`getBuffer(an exporter returning ${label})`, (w) => getBuffer({ [bufferProtocol.getBuffer]: () => desc(w) }), e);
}
// Refusals of a request hold nothing.
add('getBuffer(read-only NativeBuffer, WRITABLE)', (w) => getBuffer(w.ro, BufferFlags.WRITABLE), B('ERR_BUFFER_NOT_WRITABLE'));
add('getBuffer(read-only view, FULL)', (w) => getBuffer(w.rov, BufferFlags.FULL), B('ERR_BUFFER_NOT_WRITABLE'));
add(
  'getBuffer(transposed view, C_CONTIGUOUS)',
  (w) => getBuffer(w.m.T, BufferFlags.C_CONTIGUOUS),
  B('ERR_BUFFER_NOT_C_CONTIGUOUS'),
);
add('getBuffer(view, SIMPLE | FORMAT)', (w) => getBuffer(w.m, BufferFlags.FORMAT), B('ERR_BUFFER_FORMAT_WITHOUT_SHAPE'));
add(
  'getBuffer(redirect to a read-only NativeBuffer, WRITABLE)',
  (w) => getBuffer({ [bufferProtocol.getBuffer]: () => w.ro }, BufferFlags.WRITABLE),
  B('ERR_BUFFER_NOT_WRITABLE'),
);
add(
  'getBuffer(redirect via getBuffer(ro, flags), WRITABLE)',
  (w) => getBuffer({ [bufferProtocol.getBuffer]: (f: number) => getBuffer(w.ro, f) }, BufferFlags.WRITABLE),
  B('ERR_BUFFER_NOT_WRITABLE'),
);
add(
  'getBuffer(redirect to the NativeBuffer, refused request)',
  (w) => getBuffer({ [bufferProtocol.getBuffer]: () => getBuffer(w.nb, BufferFlags.FULL_RO) }, BufferFlags.F_CONTIGUOUS),
  B('ERR_BUFFER_NOT_F_CONTIGUOUS'),
);
add(
  'getBuffer(an exporter whose hook throws)',
  () =>
    getBuffer({
      [bufferProtocol.getBuffer]: () => {
        throw getterError();
      },
    }),
  GETTER,
);
add(
  'getBuffer(an exporter whose releaseBuffer getter throws)',
  (w) =>
    getBuffer({
      [bufferProtocol.getBuffer]: () => w.nb,
      get [bufferProtocol.releaseBuffer](): unknown {
        throw getterError();
      },
    } as never),
  GETTER,
);
add(
  'getBuffer(a Proxy whose get trap throws)',
  () =>
    getBuffer(
      new Proxy(
        {},
        {
          get() {
            throw getterError();
          },
        },
      ) as never,
    ),
  GETTER,
);
add(
  'getBuffer(an exporter that re-enters itself forever)',
  () => {
    const loop: Record<symbol, unknown> = {};
    loop[bufferProtocol.getBuffer] = (f: number) => getBuffer(loop as never, f);
    return getBuffer(loop as never);
  },
  ['RangeError', undefined],
);
add(
  'getBuffer(an exporter releasing the fixture view mid-export)',
  (w) =>
    getBuffer({
      [bufferProtocol.getBuffer]: () => {
        w.m.release();
        return w.m;
      },
    }),
  RELEASED,
  { mReleased: true, nbExports: 0 },
);
add(
  'getBuffer(an exporter closing the NativeBuffer it redirects to)',
  (w) =>
    getBuffer({
      [bufferProtocol.getBuffer]: () => {
        w.m.release();
        w.nb.close();
        return w.nb;
      },
    }),
  RELEASED,
  { mReleased: true, nbExports: 0, nbLength: 0, nbBytes: '(closed)' },
);
add(
  'NativeBuffer[getBuffer] with this = {}',
  () => call(NativeBuffer.prototype[bufferProtocol.getBuffer].bind({} as never)),
  TYPE,
);
add('MemoryView[getBuffer] with this = {}', (w) => call(w.m[bufferProtocol.getBuffer].bind({} as never)), TYPE);
add('BufferObject[getBuffer] with this = {}', (w) => call(w.bo[bufferProtocol.getBuffer].bind({} as never)), TYPE);
add('NativeBuffer[releaseBuffer]({})', (w) => method(w.nb, bufferProtocol.releaseBuffer)({}), TYPE);
add(
  'NativeBuffer[releaseBuffer](an export of another object)',
  (w) => {
    const info = getBuffer(w.plain);
    try {
      return method(w.nb, bufferProtocol.releaseBuffer)(info);
    } finally {
      info.release();
    }
  },
  TYPE,
);
add(
  'MemoryView[releaseBuffer](an export of another view)',
  (w) => {
    const info = getBuffer(w.rov);
    try {
      return method(w.m, bufferProtocol.releaseBuffer)(info);
    } finally {
      info.release();
    }
  },
  TYPE,
);
add('BufferObject[releaseBuffer](null)', (w) => method(w.bo, bufferProtocol.releaseBuffer)(null), TYPE);

// checkBuffer never throws for non-exporters: the cases below are the only throws.
add(
  'checkBuffer(a Proxy whose get trap throws)',
  () =>
    checkBuffer(
      new Proxy(
        {},
        {
          get() {
            throw getterError();
          },
        },
      ),
    ),
  GETTER,
);

// memoryview ------------------------------------------------------------------

for (const [label, obj] of NOT_EXPORTERS) add(`memoryview(${label})`, () => memoryview(obj as never), TYPE);
for (const [label, obj, e] of DEAD_EXPORTERS) {
  // memoryview(view) derives a view, as slice() does: a view of detached
  // memory still derives (and refuses on access); every other dead exporter is refused.
  const derives = label === 'a view whose owner was force-closed';
  add(`memoryview(${label})`, (w) => memoryview(obj(w) as never), derives ? ['none', undefined] : e);
}
for (const [label, desc, e] of BAD_DESCRIPTORS) {
  add(`memoryview(an exporter returning ${label})`, (w) => memoryview({ [bufferProtocol.getBuffer]: () => desc(w) }), e);
}

/** Hostile layouts for memoryview(obj, layout) over 48 contiguous bytes (also NativeBuffer.alloc and mmap options). */
const BAD_LAYOUTS: ReadonlyArray<readonly [string, Record<string, unknown>, Expect]> = [
  ['format 1', { format: 1 }, TYPE],
  ["format 'Z'", { format: 'Z' }, B('ERR_BUFFER_BAD_FORMAT')],
  ["format ''", { format: '' }, B('ERR_BUFFER_BAD_FORMAT')],
  ["format '9999999999999999999B'", { format: '9999999999999999999B', shape: [1] }, B('ERR_BUFFER_BAD_FORMAT')],
  ["format '9007199254740993B' (2**53 + 1 bytes)", { format: '9007199254740993B', shape: [1] }, B('ERR_BUFFER_OUT_OF_BOUNDS')],
  ["format '4611686018427387904q' (2**65 bytes)", { format: '4611686018427387904q', shape: [1] }, B('ERR_BUFFER_BAD_FORMAT')],
  ["format 'T{i'", { format: 'T{i' }, B('ERR_BUFFER_BAD_FORMAT')],
  ["format '\\ud800'", { format: '\ud800' }, B('ERR_BUFFER_BAD_FORMAT')],
  ['shape null', { shape: null }, TYPE],
  ["shape '48'", { shape: '48' }, TYPE],
  ['shape [NaN]', { shape: [NaN] }, RANGE],
  ['shape [-1]', { shape: [-1] }, RANGE],
  ['shape [0.5]', { shape: [0.5] }, RANGE],
  ['shape [2**53]', { shape: [2 ** 53] }, RANGE],
  ['shape [Infinity]', { shape: [Infinity] }, RANGE],
  ["shape ['1']", { shape: ['1'] }, TYPE],
  ['shape [1n]', { shape: [1n] }, TYPE],
  ['shape [2**31, 2**31, 2**31] (product overflows)', { shape: [2 ** 31, 2 ** 31, 2 ** 31] }, B('ERR_BUFFER_INVALID_LAYOUT')],
  [
    'shape [2**52, 2**52] with strides [0, 0] (len overflows)',
    { shape: [2 ** 52, 2 ** 52], strides: [0, 0] },
    B('ERR_BUFFER_INVALID_LAYOUT'),
  ],
  ['65 dimensions', { shape: new Array(65).fill(1) }, B('ERR_BUFFER_TOO_MANY_DIMS')],
  ['65 strides', { shape: new Array(65).fill(1), strides: new Array(65).fill(1) }, B('ERR_BUFFER_TOO_MANY_DIMS')],
  ['shape [49] (past the end)', { shape: [49] }, B('ERR_BUFFER_OUT_OF_BOUNDS')],
  ['strides without shape', { strides: [1] }, TYPE],
  ["strides '1'", { shape: [2], strides: '1' }, TYPE],
  ['strides [NaN]', { shape: [2], strides: [NaN] }, RANGE],
  ['strides [0.5]', { shape: [2], strides: [0.5] }, RANGE],
  ['strides [1e300]', { shape: [2], strides: [1e300] }, RANGE],
  ['strides [100] reaching outside', { shape: [2], strides: [100] }, B('ERR_BUFFER_OUT_OF_BOUNDS')],
  ['strides [-1] from offset 0', { shape: [2], strides: [-1] }, B('ERR_BUFFER_OUT_OF_BOUNDS')],
  ['strides [2**52]', { shape: [3], strides: [2 ** 52] }, B('ERR_BUFFER_OUT_OF_BOUNDS')],
  ['strides [2**53 - 1, 2**53 - 1]', { shape: [2, 2], strides: [2 ** 53 - 1, 2 ** 53 - 1] }, B('ERR_BUFFER_OUT_OF_BOUNDS')],
  ['strides of another length', { shape: [2, 2], strides: [1] }, B('ERR_BUFFER_INVALID_LAYOUT')],
  ['byteOffset -1', { byteOffset: -1 }, RANGE],
  ['byteOffset NaN', { byteOffset: NaN }, RANGE],
  ['byteOffset 0.5', { byteOffset: 0.5 }, RANGE],
  ['byteOffset 2**53', { byteOffset: 2 ** 53, shape: [0] }, RANGE],
  ["byteOffset '1'", { byteOffset: '1' }, TYPE],
  ['byteOffset 49', { byteOffset: 49, shape: [0] }, B('ERR_BUFFER_OUT_OF_BOUNDS')],
  ['byteOffset 47 with 4-byte items', { byteOffset: 47, format: 'i', shape: [1] }, B('ERR_BUFFER_OUT_OF_BOUNDS')],
  ["format 'd' over 48 bytes from offset 4 (not whole items)", { byteOffset: 4, format: 'd' }, B('ERR_BUFFER_INVALID_LAYOUT')],
];

for (const [label, layout, e] of BAD_LAYOUTS) {
  add(`memoryview(Uint8Array(48), { ${label} })`, () => memoryview(new Uint8Array(48), layout), e);
  add(`memoryview(NativeBuffer, { ${label} })`, (w) => memoryview(w.nb, layout), e);
  add(`memoryview(view, { ${label} })`, (w) => memoryview(w.m, layout), e);
}
add('memoryview(x, null)', (w) => memoryview(w.plain, null as never), TYPE);
add("memoryview(x, 'B')", (w) => memoryview(w.plain, 'B' as never), TYPE);
add('memoryview(x, { unknown: 1 })', (w) => memoryview(w.plain, { unknown: 1 } as never), TYPE);
add("memoryview(x, { readonly: 'no' })", (w) => memoryview(w.plain, { readonly: 'no' } as never), TYPE);
add('memoryview(read-only, { readonly: false })', (w) => memoryview(w.ro, { readonly: false }), B('ERR_BUFFER_NOT_WRITABLE'));
add(
  'memoryview(read-only view, { readonly: false })',
  (w) => memoryview(w.rov, { readonly: false }),
  B('ERR_BUFFER_NOT_WRITABLE'),
);
add('memoryview(transposed view, { format })', (w) => memoryview(w.m.T, { format: 'B' }), B('ERR_BUFFER_NOT_C_CONTIGUOUS'));
add(
  'memoryview(x, a layout whose getter throws)',
  (w) =>
    memoryview(w.nb, {
      get shape(): number[] {
        throw getterError();
      },
    }),
  GETTER,
);
add(
  'memoryview(view, a layout whose getter releases the view)',
  (w) =>
    memoryview(w.m, {
      get format(): string {
        w.m.release();
        return 'B';
      },
    }),
  RELEASED,
  { mReleased: true, nbExports: 0 },
);

// MemoryView: released views and views of force-closed memory ----------------

const VIEW_GETTERS = [
  'obj',
  'buffer',
  'byteOffset',
  'nbytes',
  'readonly',
  'itemsize',
  'format',
  'ndim',
  'shape',
  'strides',
  'suboffsets',
  'cContiguous',
  'fContiguous',
  'contiguous',
  'length',
  'T',
] as const;
const VIEW_METHODS: ReadonlyArray<readonly [string, unknown[]]> = [
  ['get', [0, 0]],
  ['set', [[0, 0], 1]],
  ['slice', [0]],
  ['transpose', []],
  ['reshape', [[12]]],
  ['cast', ['B']],
  ['toReadonly', []],
  ['toList', []],
  ['toBytes', []],
  ['hex', []],
  // A source of the same structure, so only the view's state can refuse.
  ['assign', [memoryview(new Int32Array(12)).cast('B').cast('i', [3, 4])]],
  ['typed', []],
  ['dataView', []],
];

/** m released by its user, while a sibling keeps the export alive. */
function releasedSibling(w: World): MemoryView {
  const v = w.m.slice();
  v.release();
  return v;
}

for (const g of VIEW_GETTERS)
  add(`released view .${g}`, (w) => (releasedSibling(w) as unknown as Record<string, unknown>)[g], RELEASED);
for (const [name, args] of VIEW_METHODS) {
  add(`released view .${name}()`, (w) => method(releasedSibling(w), name)(...args), RELEASED);
}
add('released view [Symbol.iterator]().next()', (w) => releasedSibling(w)[Symbol.iterator]().next(), RELEASED);
add('memoryview(released view)', (w) => memoryview(releasedSibling(w)), RELEASED);
add('memoryview(released view, layout)', (w) => memoryview(releasedSibling(w), { format: 'B' }), RELEASED);

/** A view of the fixture's bytes whose owner was closed by force under it. */
function forceClosed(w: World): MemoryView {
  w.m.release();
  const v = memoryview(w.nb);
  w.nb.close({ force: true });
  return v;
}
const CLOSED_STATE: Partial<Snapshot> = { mReleased: true, nbExports: 1, nbLength: 0, nbBytes: '(closed)' };
for (const [name, args] of VIEW_METHODS) {
  if (['slice', 'transpose', 'reshape', 'cast', 'toReadonly'].includes(name)) continue; // views of nothing are still views
  add(`view of force-closed memory .${name}()`, (w) => method(forceClosed(w), name)(...args), RELEASED, CLOSED_STATE);
}
add(
  'view of force-closed memory [Symbol.iterator] of its first row',
  (w) => [...forceClosed(w).slice(0)],
  RELEASED,
  CLOSED_STATE,
);
add('getBuffer(view of force-closed memory)', (w) => getBuffer(forceClosed(w)), RELEASED, CLOSED_STATE);
add(
  'memoryview(view of force-closed memory, layout)',
  (w) => memoryview(forceClosed(w), { format: 'B' }).toList(),
  RELEASED,
  CLOSED_STATE,
);
add('copyData(view of force-closed memory, source)', (w) => copyData(forceClosed(w), new Int32Array(12)), RELEASED, CLOSED_STATE);
add(
  'copyData(dst, view of force-closed memory)',
  (w) => {
    const v = forceClosed(w);
    return copyData(memoryview(new Int32Array(12)).cast('B').cast('i', [3, 4]), v);
  },
  RELEASED,
  CLOSED_STATE,
);
add('toContiguous(view of force-closed memory)', (w) => toContiguous(forceClosed(w)), RELEASED, CLOSED_STATE);
add(
  'fromContiguous(view of force-closed memory, bytes)',
  (w) => fromContiguous(forceClosed(w), new Uint8Array(48)),
  RELEASED,
  CLOSED_STATE,
);
add(
  'BufferObject.fromObject(view of force-closed memory)',
  (w) => BufferObject.fromObject(forceClosed(w).cast('B')),
  RELEASED,
  CLOSED_STATE,
);

// MemoryView: item access -----------------------------------------------------

for (const [label, index, e] of BAD_INDICES) {
  add(`view.get(${label}, 0)`, (w) => call(w.m.get.bind(w.m), index, 0), e);
  add(
    `view.get(0, ${label})`,
    (w) => call(w.m.get.bind(w.m), 0, label === 'past the end' ? 4 : label === 'before the start' ? -5 : index),
    e,
  );
  add(`view.set([${label}, 0], 1)`, (w) => call(w.m.set.bind(w.m), [index, 0], 1), e);
  add(
    `1-D view.set(${label}, 1)`,
    (w) => {
      const row = w.m.slice(0, [0, 3]);
      try {
        return call(row.set.bind(row), index, 1);
      } finally {
        row.release();
      }
    },
    e,
  );
}
add('view.get() (too few indices)', (w) => w.m.get(), TYPE);
add('view.get(0) (a sub-view through get)', (w) => w.m.get(0), TYPE);
add('view.get(0, 0, 0) (too many indices)', (w) => w.m.get(0, 0, 0), TYPE);
add('view.get(0, 0, undefined, 0)', (w) => call(w.m.get.bind(w.m), 0, 0, undefined, 0), TYPE);
add('view.get(0, 0, undefined, undefined, 0)', (w) => call(w.m.get.bind(w.m), 0, 0, undefined, undefined, 0), TYPE);
add('view.get(0, undefined, undefined, 0)', (w) => call(w.m.get.bind(w.m), 0, undefined, undefined, 0), TYPE);
add('view.get(0, undefined, 0) on a 1-D view', (w) => call(w.rov.get.bind(w.rov), 0, undefined, 0), TYPE);
add("view.get(0, undefined, 'x') on a 1-D view", (w) => call(w.rov.get.bind(w.rov), 0, undefined, 'x'), TYPE);
add('view.set(0, 1) (a number for a 2-D view)', (w) => w.m.set(0, 1), TYPE);
add("view.set('0', 1)", (w) => call(w.m.set.bind(w.m), '0', 1), TYPE);
add('view.set({ length: 2 }, 1) (array-like)', (w) => call(w.m.set.bind(w.m), { length: 2, 0: 0, 1: 0 }, 1), TYPE);

const BAD_VALUES: ReadonlyArray<readonly [string, string, unknown, Expect]> = [
  ['i', '0.5', 0.5, TYPE],
  ['i', 'NaN', NaN, TYPE],
  ['i', 'Infinity', Infinity, TYPE],
  ['i', '2**31', 2 ** 31, RANGE],
  ['i', '-(2**31) - 1', -(2 ** 31) - 1, RANGE],
  ['i', '2n**31n', 2n ** 31n, RANGE],
  ['i', "'1'", '1', TYPE],
  ['i', 'null', null, TYPE],
  ['c', 'true', true, TYPE],
  ['e', '2n**1024n', 2n ** 1024n, RANGE],
  ['i', '{ valueOf }', { valueOf: () => 1 }, TYPE],
  ['B', '256', 256, RANGE],
  ['B', '-1', -1, RANGE],
  ['b', '128', 128, RANGE],
  ['h', '32768', 32768, RANGE],
  ['H', '-1', -1, RANGE],
  ['I', '2**32', 2 ** 32, RANGE],
  ['q', '2n**63n', 2n ** 63n, RANGE],
  ['q', '2**53 (inexact)', 2 ** 53, RANGE],
  ['q', '0.5', 0.5, TYPE],
  ['q', "'1'", '1', TYPE],
  ['Q', '-1n', -1n, RANGE],
  ['Q', '2n**64n', 2n ** 64n, RANGE],
  ['d', "'1'", '1', TYPE],
  ['d', '2n**1024n', 2n ** 1024n, RANGE],
  ['f', 'null', null, TYPE],
  ['e', '65520', 65520, RANGE],
  ['e', '1e300', 1e300, RANGE],
  ['e', "'1'", '1', TYPE],
  ['c', "'ab'", 'ab', RANGE],
  ['c', "''", '', RANGE],
  ['c', "'\\u0100'", '\u0100', RANGE],
  ['c', '65', 65, TYPE],
  ['<i', '0.5', 0.5, TYPE],
  ['>H', '65536', 65536, RANGE],
];
for (const [format, label, value, e] of BAD_VALUES) {
  add(
    `set on format '${format}' of ${label}`,
    (w) => {
      const v = memoryview(w.plain, { format, shape: [1] });
      try {
        return v.set(0, value as never);
      } finally {
        v.release();
      }
    },
    e,
  );
}
add('set on a read-only view', (w) => w.rov.set(0, 1), B('ERR_BUFFER_NOT_WRITABLE'));
add(
  'set on a multi-item format',
  (w) => {
    const v = memoryview(w.plain, { format: '2h', shape: [4] });
    try {
      return v.set(0, 1);
    } finally {
      v.release();
    }
  },
  B('ERR_BUFFER_UNSUPPORTED_FORMAT'),
);
add(
  'get on a multi-item format',
  (w) => {
    const v = memoryview(w.plain, { format: 'bi', shape: [1], strides: [8] });
    try {
      return v.get(0);
    } finally {
      v.release();
    }
  },
  B('ERR_BUFFER_UNSUPPORTED_FORMAT'),
);
add(
  'toList on a padding format',
  (w) => {
    const v = memoryview(w.plain, { format: '3x', shape: [5] });
    try {
      return v.toList();
    } finally {
      v.release();
    }
  },
  B('ERR_BUFFER_UNSUPPORTED_FORMAT'),
);

/** An index array whose first entry is a getter running `effect`. */
function hostileIndex(effect: () => void, values: number[] = [0, 0]): number[] {
  const index = [...values];
  Object.defineProperty(index, 0, {
    get() {
      effect();
      return values[0];
    },
  });
  return index;
}
add(
  'set() with an index getter that releases the view (gh-92888)',
  (w) =>
    w.m.set(
      hostileIndex(() => w.m.release()),
      99,
    ),
  RELEASED,
  { mReleased: true, nbExports: 0 },
);
add(
  'set() with an index getter that force-closes the owner',
  (w) =>
    w.m.set(
      hostileIndex(() => w.nb.close({ force: true })),
      99,
    ),
  RELEASED,
  { nbExports: 1, nbLength: 0, nbBytes: '(closed)' },
);
add(
  'set() with an index getter that throws',
  (w) =>
    w.m.set(
      hostileIndex(() => {
        throw getterError();
      }),
      99,
    ),
  GETTER,
);
add(
  'get() on a 1-D view after its owner was force-closed, through the fast path',
  (w) => {
    const row = w.m.slice(0);
    row.get(0);
    w.nb.close({ force: true });
    return row.get(1);
  },
  RELEASED,
  { nbExports: 1, nbLength: 0, nbBytes: '(closed)' },
);
add(
  'set() on a 1-D view after its owner was force-closed',
  (w) => {
    const row = w.m.slice(0);
    row.set(0, INTS[0]!);
    w.nb.close({ force: true });
    return row.set(1, 5);
  },
  RELEASED,
  { nbExports: 1, nbLength: 0, nbBytes: '(closed)' },
);
add(
  'get() on a big-endian view after its owner was force-closed (DataView path)',
  (w) => {
    const v = memoryview(w.m, { format: '>i', shape: [12] });
    v.get(0);
    w.nb.close({ force: true });
    return v.get(1);
  },
  RELEASED,
  { nbExports: 1, nbLength: 0, nbBytes: '(closed)' },
);

// MemoryView: slicing, transposes, reshape, cast --------------------------------

const BAD_KEYS: ReadonlyArray<readonly [string, unknown, Expect]> = [
  ['step 0', [null, null, 0], RANGE],
  ["'::0'", '::0', RANGE],
  ["'a:b'", 'a:b', TYPE],
  ["'1' (no colon)", '1', TYPE],
  ["'1:2:3:4'", '1:2:3:4', TYPE],
  ["'1.5:'", '1.5:', TYPE],
  ['[1, 2, 3, 4]', [1, 2, 3, 4], TYPE],
  ['[NaN]', [NaN], TYPE],
  ['[0.5]', [0.5], TYPE],
  ["['1']", ['1'], TYPE],
  ['[0, 1n]', [0, 1n], TYPE],
  ['[0, 3, NaN]', [0, 3, NaN], TYPE],
  ['{}', {}, TYPE],
  ['true', true, TYPE],
  ['1n', 1n, TYPE],
  ['NaN (an index)', NaN, TYPE],
  ['0.5 (an index)', 0.5, TYPE],
  ['3 (an index past the end)', 3, RANGE],
  ['-4', -4, RANGE],
  ['2**53', 2 ** 53, RANGE],
  ['Infinity (an index)', Infinity, TYPE],
];
for (const [label, key, e] of BAD_KEYS) {
  add(`view.slice(${label})`, (w) => call(w.m.slice.bind(w.m), key), e);
  add(
    `view.slice(null, ${label})`,
    (w) => call(w.m.slice.bind(w.m), null, label.startsWith('3 ') ? 4 : label === '-4' ? -5 : key),
    e,
  );
  add(`view.assign(source, ${label})`, (w) => call(w.m.assign.bind(w.m), new Int32Array(4), key), e);
  // BufferObject.slice(start, end) clamps any integer (or infinite) bound, as Python's slices do.
  add(
    `BufferObject.slice(${label}, 4)`,
    (w) => call(w.bo.slice.bind(w.bo), key, 4),
    typeof key === 'number' && (Number.isInteger(key) || Math.abs(key) === Infinity) ? ['none', undefined] : TYPE,
  );
}
add('view.slice(0, 0, 0) (more keys than dimensions)', (w) => w.m.slice(0, 0, 0), TYPE);
add(
  '0-d view.slice(0)',
  (w) => {
    const scalar = memoryview(w.plain, { format: 'B', shape: [] });
    try {
      return scalar.slice(0);
    } finally {
      scalar.release();
    }
  },
  TYPE,
);
/** A [start, stop, step] key whose start is a getter running `effect`. */
function hostileKey(effect: () => void): unknown[] {
  const key = [0, 2, 1];
  Object.defineProperty(key, 0, {
    get() {
      effect();
      return 0;
    },
  });
  return key;
}
add(
  'slice() with a key getter that releases the view (gh-92888)',
  (w) => w.m.slice(hostileKey(() => w.m.release()) as never),
  RELEASED,
  { mReleased: true, nbExports: 0 },
);
add(
  'slice() with a key getter that force-closes the owner, then reading it',
  (w) => w.m.slice(hostileKey(() => w.nb.close({ force: true })) as never).toList(),
  RELEASED,
  { nbExports: 1, nbLength: 0, nbBytes: '(closed)' },
);
add(
  'assign() with a key getter that releases the view',
  (w) => w.m.assign(new Int32Array(8), hostileKey(() => w.m.release()) as never),
  RELEASED,
  { mReleased: true, nbExports: 0 },
);

const BAD_AXES: ReadonlyArray<readonly [string, unknown[], Expect]> = [
  ['one axis of two', [0], TYPE],
  ['three axes of two', [0, 1, 2], TYPE],
  ['axis 2', [0, 2], RANGE],
  ['axis -3', [0, -3], RANGE],
  ['repeated axis', [1, 1], RANGE],
  ['axis NaN', [0, NaN], TYPE],
  ['axis 0.5', [0, 0.5], TYPE],
  ["axis '1'", [0, '1'], TYPE],
  ['axis null', [0, null], TYPE],
  ['axis 2**53', [0, 2 ** 53], RANGE],
  ['axis Infinity', [0, Infinity], TYPE],
];
for (const [label, axes, e] of BAD_AXES) add(`view.transpose(${label})`, (w) => call(w.m.transpose.bind(w.m), ...axes), e);

const BAD_RESHAPES: ReadonlyArray<readonly [string, unknown, Expect]> = [
  ["'12'", '12', TYPE],
  ['null', null, TYPE],
  ['{ length: 1 }', { length: 1, 0: 12 }, TYPE],
  ['[NaN]', [NaN], RANGE],
  ['[-12]', [-12], RANGE],
  ['[12.5]', [12.5], RANGE],
  ['[2**53]', [2 ** 53], RANGE],
  ['[Infinity]', [Infinity], RANGE],
  ["['12']", ['12'], TYPE],
  ['[11] (wrong count)', [11], B('ERR_BUFFER_INVALID_LAYOUT')],
  ['[0]', [0], B('ERR_BUFFER_INVALID_LAYOUT')],
  ['[2**26, 2**26, 2**26, 2**26] (product overflows)', [2 ** 26, 2 ** 26, 2 ** 26, 2 ** 26], B('ERR_BUFFER_INVALID_LAYOUT')],
  ['[2**30, 2**30, 0, 12] ', [2 ** 30, 2 ** 30, 0, 12], B('ERR_BUFFER_INVALID_LAYOUT')],
  ['65 dimensions', [12, ...new Array(64).fill(1)], B('ERR_BUFFER_TOO_MANY_DIMS')],
];
for (const [label, shape, e] of BAD_RESHAPES) add(`view.reshape(${label})`, (w) => call(w.m.reshape.bind(w.m), shape), e);
add('transposed view.reshape([12]) (needs a copy)', (w) => w.m.T.reshape([12]), B('ERR_BUFFER_RESHAPE_NEEDS_COPY'));
/** A shape array whose first entry is a getter running `effect`. */
function hostileShape(effect: () => void, values: number[]): number[] {
  const shape = [...values];
  Object.defineProperty(shape, 0, {
    get() {
      effect();
      return values[0];
    },
  });
  return shape;
}
add(
  'reshape() with a shape getter that releases the view (gh-92888)',
  (w) => w.m.reshape(hostileShape(() => w.m.release(), [12])),
  RELEASED,
  { mReleased: true, nbExports: 0 },
);
add(
  'cast() with a shape getter that releases the view (gh-92888)',
  (w) => {
    const bytes = w.m.cast('B');
    w.m.release();
    try {
      return bytes.cast(
        'i',
        hostileShape(() => bytes.release(), [12]),
      );
    } finally {
      bytes.release();
    }
  },
  RELEASED,
  { mReleased: true, nbExports: 0 },
);

const BAD_CASTS: ReadonlyArray<readonly [string, unknown[], Expect, string?]> = [
  ['format 1', [1], TYPE],
  ['format null', [null], TYPE],
  ["format 'Z'", ['Z'], B('ERR_BUFFER_INVALID_CAST')],
  ["format '9999999999999999999B'", ['9999999999999999999B'], B('ERR_BUFFER_INVALID_CAST')],
  ["format '<i' (not native)", ['<i'], B('ERR_BUFFER_INVALID_CAST')],
  ["format '2B'", ['2B'], B('ERR_BUFFER_INVALID_CAST')],
  ["format 'f' from 'i' (two non-byte formats)", ['f'], B('ERR_BUFFER_INVALID_CAST')],
  ["shape '12' ", ['B', '12'], TYPE],
  ['shape null', ['B', null], TYPE],
  ['shape [NaN]', ['i', [NaN]], TYPE, 'bytes'],
  ['shape [0.5]', ['i', [0.5]], TYPE, 'bytes'],
  ["shape ['12']", ['i', ['12']], TYPE, 'bytes'],
  ['shape [0]', ['i', [0]], B('ERR_BUFFER_INVALID_CAST'), 'bytes'],
  ['shape [-12]', ['i', [-12]], B('ERR_BUFFER_INVALID_CAST'), 'bytes'],
  ['shape [13]', ['i', [13]], B('ERR_BUFFER_INVALID_CAST'), 'bytes'],
  ['shape [2**53]', ['i', [2 ** 53]], B('ERR_BUFFER_INVALID_CAST'), 'bytes'],
  ['shape [Infinity]', ['i', [Infinity]], TYPE, 'bytes'],
  ['shape [2**31, 2**31, 2**31]', ['i', [2 ** 31, 2 ** 31, 2 ** 31]], B('ERR_BUFFER_INVALID_CAST'), 'bytes'],
  [
    'shape [2**27] x 4 (product overflows 2**53)',
    ['B', [2 ** 27, 2 ** 27, 2 ** 27, 2 ** 27]],
    B('ERR_BUFFER_INVALID_CAST'),
    'bytes',
  ],
  ['65 dimensions', ['i', [12, ...new Array(64).fill(1)]], B('ERR_BUFFER_TOO_MANY_DIMS'), 'bytes'],
  ['N-D to N-D', ['B', [4, 12]], B('ERR_BUFFER_INVALID_CAST')],
  ["'d' over 48 bytes as [7]", ['d', [7]], B('ERR_BUFFER_INVALID_CAST'), 'bytes'],
  ["'d' over 44 bytes", ['d'], B('ERR_BUFFER_INVALID_CAST'), 'odd'],
];
for (const [label, args, e, from] of BAD_CASTS) {
  add(
    `view.cast(${label})${from === undefined ? '' : ` of a ${from} view`}`,
    (w) => {
      const base = from === 'bytes' ? w.m.cast('B') : from === 'odd' ? w.m.cast('B').slice('4:') : w.m;
      try {
        return call(base.cast.bind(base), ...args);
      } finally {
        if (base !== w.m) base.release();
      }
    },
    e,
  );
}
add('transposed view.cast("B")', (w) => w.m.T.cast('B'), B('ERR_BUFFER_NOT_C_CONTIGUOUS'));
add('empty 2-D view.cast("B", [1]) (zeros in the shape)', (w) => w.m.slice('0:0').cast('B', [1]), B('ERR_BUFFER_INVALID_CAST'));

// MemoryView: whole-view operations ---------------------------------------------

const BAD_ORDERS: ReadonlyArray<readonly [string, unknown, Expect]> = [
  ["'c' (lowercase)", 'c', RANGE],
  ["'K'", 'K', RANGE],
  ["''", '', RANGE],
  ['1', 1, TYPE],
  ['{}', {}, TYPE],
  ['true', true, TYPE],
];
for (const [label, order, e] of BAD_ORDERS) {
  add(`view.toBytes(${label})`, (w) => call(w.m.toBytes.bind(w.m), order), e);
  add(`toContiguous(view, ${label})`, (w) => call(toContiguous, w.m, order), e);
  add(`fromContiguous(view, bytes, ${label})`, (w) => call(fromContiguous, w.m, new Uint8Array(48), order), e);
  add(
    `fillContiguousStrides([2, 3], 4, ${label})`,
    () => call(fillContiguousStrides, [2, 3], 4, order),
    typeof order === 'string' ? ['none', undefined] : TYPE,
  );
  add(
    `isContiguous(info, ${label})`,
    (w) => {
      const info = getBuffer(w.plain);
      try {
        return call(isContiguous, info, order);
      } finally {
        info.release();
      }
    },
    typeof order === 'string' ? ['none', undefined] : TYPE,
  );
}

const BAD_HEX: ReadonlyArray<readonly [string, unknown[], Expect]> = [
  ['sep 1', [1], TYPE],
  ['sep null', [null], TYPE],
  ["sep ''", [''], RANGE],
  ["sep '::'", ['::'], RANGE],
  ["sep 'é'", ['é'], RANGE],
  ['bytesPerSep NaN', [':', NaN], TYPE],
  ['bytesPerSep 0.5', [':', 0.5], TYPE],
  ["bytesPerSep '2'", [':', '2'], TYPE],
  ['bytesPerSep Infinity', [':', Infinity], TYPE],
  ['bytesPerSep 2n', [':', 2n], TYPE],
];
for (const [label, args, e] of BAD_HEX) add(`view.hex(${label})`, (w) => call(w.m.hex.bind(w.m), ...args), e);

const BAD_SOURCES: ReadonlyArray<readonly [string, (w: World) => unknown, Expect]> = [
  ['a non-exporter', () => ({}), TYPE],
  ['null', () => null, TYPE],
  ['a shorter source', () => new Int32Array(11), B('ERR_BUFFER_STRUCTURE_MISMATCH')],
  ['a 1-D source of 12 items', () => new Int32Array(12), B('ERR_BUFFER_STRUCTURE_MISMATCH')],
  ['another format', () => memoryview(new Float32Array(12)).cast('B').cast('f', [3, 4]), B('ERR_BUFFER_STRUCTURE_MISMATCH')],
  ['another itemsize (bytes)', () => new Uint8Array(48), B('ERR_BUFFER_STRUCTURE_MISMATCH')],
  ['the transpose', (w) => w.m.T, B('ERR_BUFFER_STRUCTURE_MISMATCH')],
  ['a released view', (w) => w.released, RELEASED],
  ['a detached buffer', (w) => w.detachedView, RELEASED],
  ['a shrunk resizable buffer', (w) => w.shrunk, B('ERR_BUFFER_RESIZABLE')],
  [
    'an exporter whose hook throws',
    () => ({
      [bufferProtocol.getBuffer]: () => {
        throw getterError();
      },
    }),
    GETTER,
  ],
];
for (const [label, source, e] of BAD_SOURCES) {
  add(`view.assign(${label})`, (w) => w.m.assign(source(w)), e);
  add(`copyData(view, ${label})`, (w) => copyData(w.m, source(w)), e);
}
add('view.assign(...) on a read-only view', (w) => w.rov.assign(new Uint8Array(16)), B('ERR_BUFFER_NOT_WRITABLE'));
add('copyData(read-only view, source)', (w) => copyData(w.rov, new Uint8Array(16)), B('ERR_BUFFER_NOT_WRITABLE'));
add('copyData(read-only NativeBuffer, source)', (w) => copyData(w.ro, new Uint8Array(16)), B('ERR_BUFFER_NOT_WRITABLE'));
for (const [label, obj] of NOT_EXPORTERS) add(`copyData(${label}, source)`, () => copyData(obj, new Uint8Array(4)), TYPE);
for (const [label, obj, e] of DEAD_EXPORTERS) add(`copyData(${label}, source)`, (w) => copyData(obj(w), new Uint8Array(4)), e);

/** An exporter of 12 zero 'i' items in [3, 4] whose getBuffer hook first runs `effect` (re-entering the library mid-operation). */
function reentrant(effect: () => void): object {
  return {
    [bufferProtocol.getBuffer]: () => {
      effect();
      return memoryview(new Int32Array(12)).cast('B').cast('i', [3, 4]);
    },
  };
}
add('view.assign(a source whose hook releases the target view)', (w) => w.m.assign(reentrant(() => w.m.release())), RELEASED, {
  mReleased: true,
  nbExports: 0,
});
add(
  'view.assign(a source whose hook force-closes the target owner)',
  (w) => w.m.assign(reentrant(() => w.nb.close({ force: true }))),
  RELEASED,
  { nbExports: 1, nbLength: 0, nbBytes: '(closed)' },
);
add(
  'copyData(NativeBuffer, a source whose hook force-closes the destination)',
  (w) =>
    copyData(
      w.nb,
      reentrant(() => w.nb.close({ force: true })),
    ),
  RELEASED,
  { nbExports: 1, nbLength: 0, nbBytes: '(closed)' },
);
add(
  'copyData(view, a source whose hook force-closes the destination owner)',
  (w) =>
    copyData(
      w.m,
      reentrant(() => w.nb.close({ force: true })),
    ),
  RELEASED,
  { nbExports: 1, nbLength: 0, nbBytes: '(closed)' },
);
add(
  'copyData(a view of JS memory, a source whose hook detaches the destination)',
  () => {
    const dst = memoryview(new Int32Array(12)).cast('B').cast('i', [3, 4]);
    const ab = dst.buffer as ArrayBuffer;
    return copyData(
      dst,
      reentrant(() => detach(ab)),
    );
  },
  RELEASED,
);
add(
  'copyData(a large destination, a source whose hook detaches it)',
  () => {
    const dst = new Uint8Array(1 << 16);
    const src = {
      [bufferProtocol.getBuffer]: () => {
        detach(dst.buffer);
        return new Uint8Array(1 << 16);
      },
    };
    return copyData(dst, src);
  },
  RELEASED,
);
add('fromContiguous(dst, bytes of a detached buffer)', (w) => fromContiguous(w.m, w.detachedView), RELEASED);
add(
  'fromContiguous(dst whose hook detaches the bytes, bytes)',
  () => {
    const bytes = new Uint8Array(16).fill(7);
    const dst = {
      [bufferProtocol.getBuffer]: () => {
        detach(bytes.buffer);
        return new Uint8Array(16);
      },
    };
    return fromContiguous(dst, bytes);
  },
  RELEASED,
);
for (const [label, obj] of NOT_EXPORTERS) {
  add(`toContiguous(${label})`, () => toContiguous(obj), TYPE);
  add(`fromContiguous(${label}, bytes)`, () => fromContiguous(obj, new Uint8Array(4)), TYPE);
}
for (const [label, obj, e] of DEAD_EXPORTERS) {
  add(`toContiguous(${label})`, (w) => toContiguous(obj(w)), e);
  add(`fromContiguous(${label}, bytes)`, (w) => fromContiguous(obj(w), new Uint8Array(4)), e);
}
for (const [label, bytes] of [
  ['a string', 'abc'],
  ['an ArrayBuffer', new ArrayBuffer(4)],
  ['an array', [1, 2]],
  ['null', null],
  ['a view', 'VIEW'],
] as const) {
  add(`fromContiguous(view, ${label})`, (w) => call(fromContiguous, w.m, bytes === 'VIEW' ? w.rov : bytes), TYPE);
}
add(
  'toContiguous(an exporter releasing the fixture view and redirecting to it)',
  (w) =>
    toContiguous({
      [bufferProtocol.getBuffer]: () => {
        w.m.release();
        return w.m;
      },
    }),
  RELEASED,
  { mReleased: true, nbExports: 0 },
);
add(
  'BufferObject.fromObject(an exporter that answers smaller the second time)',
  () => {
    let calls = 0;
    const fickle = { [bufferProtocol.getBuffer]: () => ({ buffer: new ArrayBuffer(calls++ === 0 ? 16 : 4) }) };
    return BufferObject.fromObject(fickle, 8, 8);
  },
  B('ERR_BUFFER_OUT_OF_BOUNDS'),
);
add('fromContiguous(read-only, bytes)', (w) => fromContiguous(w.ro, new Uint8Array(16)), B('ERR_BUFFER_NOT_WRITABLE'));

add(
  'view.release() while exported',
  (w) => {
    const info = getBuffer(w.m);
    try {
      return w.m.release();
    } finally {
      info.release();
    }
  },
  B('ERR_BUFFER_EXPORTS_ACTIVE'),
);
add(
  '0-d view.length',
  (w) => {
    const scalar = memoryview(w.plain, { format: 'B', shape: [] });
    try {
      return scalar.length;
    } finally {
      scalar.release();
    }
  },
  B('ERR_BUFFER_ZERO_DIM'),
);
add(
  '0-d view iteration',
  (w) => {
    const scalar = memoryview(w.plain, { format: 'B', shape: [] });
    try {
      return [...scalar];
    } finally {
      scalar.release();
    }
  },
  B('ERR_BUFFER_ZERO_DIM'),
);
const BAD_TYPED: ReadonlyArray<readonly [string, Record<string, unknown>, Expect]> = [
  ["'?'", { format: '?' }, B('ERR_BUFFER_UNSUPPORTED_FORMAT')],
  ["'c'", { format: 'c' }, B('ERR_BUFFER_UNSUPPORTED_FORMAT')],
  ["'2h'", { format: '2h' }, B('ERR_BUFFER_UNSUPPORTED_FORMAT')],
  ["'>i'", { format: '>i' }, B('ERR_BUFFER_NOT_NATIVE_ORDER')],
  ['unaligned', { format: 'i', byteOffset: 1, shape: [3] }, B('ERR_BUFFER_UNALIGNED')],
  ['strided', { format: 'B', shape: [8], strides: [2] }, B('ERR_BUFFER_NOT_C_CONTIGUOUS')],
];
for (const [label, layout, e] of BAD_TYPED) {
  add(
    `view.typed() of ${label}`,
    (w) => {
      const v = memoryview(w.plain, layout);
      try {
        return v.typed();
      } finally {
        v.release();
      }
    },
    e,
  );
}

// NativeBuffer --------------------------------------------------------------

for (const [label, size, e] of BAD_INTS) {
  addNoAlloc(`NativeBuffer.alloc(${label})`, () => call(NativeBuffer.alloc, size), e);
  add(
    `nb.resize(${label})`,
    (w) => {
      w.m.release();
      return call(w.nb.resize.bind(w.nb), size);
    },
    e,
    { mReleased: true, nbExports: 0 },
  );
  addNoAlloc(`NativeBuffer.alloc(16, { align: ${label} })`, () => NativeBuffer.alloc(16, { align: size as number }), e);
}
addNoAlloc('NativeBuffer.alloc(undefined)', () => call(NativeBuffer.alloc), TYPE);
addNoAlloc(
  'NativeBuffer.alloc(MAX_LENGTH + 1)',
  () => NativeBuffer.alloc(require('node:buffer').constants.MAX_LENGTH + 1),
  RANGE,
);
add(
  'nb.resize(MAX_LENGTH + 1)',
  (w) => {
    w.m.release();
    return w.nb.resize(require('node:buffer').constants.MAX_LENGTH + 1);
  },
  RANGE,
  { mReleased: true, nbExports: 0 },
);
addNoAlloc('NativeBuffer.alloc(2**52) (more than the system maps)', () => NativeBuffer.alloc(2 ** 52), RANGE);
for (const [label, align] of [
  ['3', 3],
  ['0', 0],
  ['2**31', 2 ** 31],
  ['96', 96],
] as const) {
  addNoAlloc(`NativeBuffer.alloc(16, { align: ${label} })`, () => NativeBuffer.alloc(16, { align }), RANGE);
}
for (const [label, options] of [
  ['null', null],
  ["'x'", 'x'],
  ['1', 1],
  ['{ size: 1 }', { size: 1 }],
  ["{ zero: 'yes' }", { zero: 'yes' }],
  ['{ readonly: 1 }', { readonly: 1 }],
  ['{ zero: null }', { zero: null }],
] as const) {
  addNoAlloc(`NativeBuffer.alloc(16, ${label})`, () => call(NativeBuffer.alloc, 16, options), TYPE);
}
for (const [label, layout, e] of BAD_LAYOUTS) {
  addNoAlloc(`NativeBuffer.alloc(48, { ${label} })`, () => NativeBuffer.alloc(48, layout as never), e);
}
addNoAlloc(
  'NativeBuffer.alloc(16, options with a throwing getter)',
  () =>
    NativeBuffer.alloc(16, {
      get align(): number {
        throw getterError();
      },
    }),
  GETTER,
);
addNoAlloc(
  'NativeBuffer.alloc(16, a Proxy whose ownKeys trap throws)',
  () =>
    NativeBuffer.alloc(
      16,
      new Proxy(
        {},
        {
          ownKeys() {
            throw getterError();
          },
        },
      ),
    ),
  GETTER,
);
add('nb.resize() while exported', (w) => w.nb.resize(8), B('ERR_BUFFER_EXPORTS_ACTIVE'));
add(
  'nb.resize() below its layout',
  (w) => {
    w.m.release();
    return w.nb.resize(44);
  },
  B('ERR_BUFFER_OUT_OF_BOUNDS'),
  { mReleased: true, nbExports: 0 },
);
add('closed nb.resize()', (w) => w.closed.resize(8), RELEASED);
add('closed nb.buffer', (w) => w.closed.buffer, RELEASED);
add('nb.close() while exported', (w) => w.nb.close(), B('ERR_BUFFER_EXPORTS_ACTIVE'));
for (const [label, options] of [
  ['null', null],
  ["'force'", 'force'],
  ["{ force: 'yes' }", { force: 'yes' }],
  ['{ force: 1 }', { force: 1 }],
] as const) {
  add(`nb.close(${label})`, (w) => call(w.nb.close.bind(w.nb), options), TYPE);
}
add(
  'nb.close({ get force() { throw } })',
  (w) =>
    w.nb.close({
      get force(): boolean {
        throw getterError();
      },
    }),
  GETTER,
);
add(
  'nb.close({ get force() { release the view; return false } })',
  (w) =>
    w.nb.close({
      get force(): boolean {
        w.m.release();
        return false;
      },
    }),
  ['none', undefined],
  { mReleased: true, nbExports: 0, nbLength: 0, nbBytes: '(closed)' },
);

// BufferObject ----------------------------------------------------------------

for (const [label, value, e] of BAD_INTS) {
  add(`BufferObject.fromObject(base, ${label})`, (w) => call(BufferObject.fromObject, w.plain, value), e);
  add(
    `BufferObject.fromObject(base, 0, ${label})`,
    (w) => call(BufferObject.fromObject, w.plain, 0, value),
    value === -1 ? ['none', undefined] : e,
  );
  add(`BufferObject.fromReadWriteObject(base, ${label})`, (w) => call(BufferObject.fromReadWriteObject, w.nb, value), e);
  addNoAlloc(`BufferObject.alloc(${label})`, () => call(BufferObject.alloc, value), e);
  // indexOf takes a byte (0-255), a string, or any exporter.
  add(
    `bo.indexOf(${label})`,
    (w) => call(w.bo.indexOf.bind(w.bo), value),
    typeof value === 'number' ? RANGE : typeof value === 'string' ? ['none', undefined] : TYPE,
  );
}
add('BufferObject.fromObject(base, 17)', (w) => BufferObject.fromObject(w.plain, 17), RANGE);
add('BufferObject.fromObject(base, 8, 9)', (w) => BufferObject.fromObject(w.plain, 8, 9), RANGE);
add('BufferObject.fromObject(base, 0, -2)', (w) => BufferObject.fromObject(w.plain, 0, -2), RANGE);
add('BufferObject.fromObject(a transposed view)', (w) => BufferObject.fromObject(w.m.T), B('ERR_BUFFER_NOT_C_CONTIGUOUS'));
add('BufferObject.fromReadWriteObject(read-only)', (w) => BufferObject.fromReadWriteObject(w.ro), TYPE);
add('BufferObject.fromReadWriteObject(read-only view)', (w) => BufferObject.fromReadWriteObject(w.rov), TYPE);
for (const [label, obj] of NOT_EXPORTERS) {
  add(`BufferObject.fromObject(${label})`, () => BufferObject.fromObject(obj), TYPE);
  add(`bo.assign(${label})`, (w) => w.bo.assign(obj, 0, 4), TYPE);
  add(`bo.concat(${label})`, (w) => w.bo.concat(obj), TYPE);
  add(`bo.compare(${label})`, (w) => w.bo.compare(obj), TYPE);
}
for (const [label, obj, e] of DEAD_EXPORTERS) {
  add(`BufferObject.fromObject(${label})`, (w) => BufferObject.fromObject(obj(w)), e);
  add(`bo.concat(${label})`, (w) => w.bo.concat(obj(w)), e);
  add(`bo.compare(${label})`, (w) => w.bo.compare(obj(w)), e);
  add(`bo.indexOf(${label})`, (w) => w.bo.indexOf(obj(w) as object), e);
}
for (const [label, index, e] of BAD_INDICES) {
  const idx = label === 'past the end' ? 16 : label === 'before the start' ? -17 : index;
  add(`bo.get(${label})`, (w) => call(w.bo.get.bind(w.bo), idx), e);
  add(`bo.set(${label}, 1)`, (w) => call(w.bo.set.bind(w.bo), idx, 1), e);
}
for (const [label, value, e] of [
  ['256', 256, RANGE],
  ['-1', -1, RANGE],
  ['0.5', 0.5, TYPE],
  ['NaN', NaN, TYPE],
  ["'a'", 'a', TYPE],
  ['null', null, TYPE],
] as const) {
  add(`bo.set(0, ${label})`, (w) => call(w.bo.set.bind(w.bo), 0, value), e);
}
add(
  'read-only bo.set(0, 1)',
  (w) => {
    const r = BufferObject.fromObject(w.plain);
    try {
      return r.set(0, 1);
    } finally {
      r.release();
    }
  },
  B('ERR_BUFFER_NOT_WRITABLE'),
);
add('bo.assign(4 bytes, 0, 5)', (w) => w.bo.assign(new Uint8Array(4), 0, 5), B('ERR_BUFFER_STRUCTURE_MISMATCH'));
add('bo.assign(a transposed view)', (w) => w.bo.assign(w.m.T, 0, 48), B('ERR_BUFFER_NOT_C_CONTIGUOUS'));
add("bo.toString('bogus')", (w) => w.bo.toString('bogus' as never), ['TypeError', 'ERR_UNKNOWN_ENCODING']);
for (const [name, args] of [
  ['length', null],
  ['get', [0]],
  ['set', [0, 1]],
  ['slice', [0, 1]],
  ['assign', [new Uint8Array(1), 0, 1]],
  ['concat', []],
  ['compare', [new Uint8Array(1)]],
  ['indexOf', [1]],
] as const) {
  add(`released bo.${name}`, (w) => (args === null ? w.boReleased.length : method(w.boReleased, name)(...args)), RELEASED);
}
/** A redirect to `target` whose release hook then runs `after`: the exporter takes its memory back once released. */
function takesBack(target: object, after: () => void): object {
  return {
    [bufferProtocol.getBuffer]: (flags: number) => getBuffer(target as never, flags),
    [bufferProtocol.releaseBuffer]: () => after(),
  };
}
add(
  'bo.concat(an exporter that closes its memory once released)',
  (w) => {
    const nb = NativeBuffer.alloc(4);
    new Uint8Array(nb.buffer).fill(9);
    const out = w.bo.concat(takesBack(nb, () => nb.close()));
    try {
      // All of it, or an error: never a silently shorter result.
      expect(out.length).toBe(20);
      expect([...Buffer.from(out.toString('latin1'), 'latin1').subarray(16)]).toEqual([9, 9, 9, 9]);
    } finally {
      out.release();
    }
  },
  ['none', undefined],
);
add(
  'bo.compare(an exporter that closes its memory once released)',
  (w) => {
    const nb = NativeBuffer.alloc(16);
    new Uint8Array(nb.buffer).set(PLAIN);
    return expect(w.bo.compare(takesBack(nb, () => nb.close()))).toBe(0);
  },
  ['none', undefined],
);
add(
  'bo.assign(an exporter that closes its memory once released)',
  (w) => {
    const nb = NativeBuffer.alloc(4);
    new Uint8Array(nb.buffer).set(PLAIN.slice(0, 4));
    return w.bo.assign(
      takesBack(nb, () => nb.close()),
      0,
      4,
    );
  },
  ['none', undefined],
);

// Descriptor helpers ---------------------------------------------------------

for (const [label, info] of [
  ['null', null],
  ['{}', {}],
  ['a number', 1],
  ["{ len: '1' }", { len: '1' }],
] as const) {
  add(`isContiguous(${label}, 'C')`, () => call(isContiguous, info, 'C'), TYPE);
}
for (const [label, shape, e] of [
  ["'x'", 'x', TYPE],
  ['null', null, TYPE],
  ['[NaN]', [NaN], RANGE],
  ['[-1]', [-1], RANGE],
  ['[0.5]', [0.5], RANGE],
  ['[2**53]', [2 ** 53], RANGE],
  ["['2']", ['2'], TYPE],
  ['65 dimensions', new Array(65).fill(1), B('ERR_BUFFER_TOO_MANY_DIMS')],
  ['[2**30, 2**30] (extent beyond 2**53)', [2 ** 30, 2 ** 30], RANGE],
] as const) {
  add(`fillContiguousStrides(${label}, 8)`, () => call(fillContiguousStrides, shape, 8), e);
}
for (const [label, itemsize, e] of BAD_INTS)
  add(`fillContiguousStrides([2], ${label})`, () => call(fillContiguousStrides, [2], itemsize), e);
add('fillContiguousStrides([2], 0)', () => fillContiguousStrides([2], 0), RANGE);

for (const [label, format, e] of [
  ['1', 1, TYPE],
  ['null', null, TYPE],
  ['undefined', undefined, TYPE],
  ["new String('B')", new String('B'), TYPE],
  ["'Z'", 'Z', B('ERR_BUFFER_BAD_FORMAT')],
  ["'T{i}'", 'T{i}', B('ERR_BUFFER_BAD_FORMAT')],
  ["'\\0'", '\0', B('ERR_BUFFER_BAD_FORMAT')],
  ["'\\ud800'", '\ud800', B('ERR_BUFFER_BAD_FORMAT')],
  ["'<>'", '<>', B('ERR_BUFFER_BAD_FORMAT')],
  ["'2'", '2', B('ERR_BUFFER_BAD_FORMAT')],
  ["'-1B'", '-1B', B('ERR_BUFFER_BAD_FORMAT')],
  ["'1.5B'", '1.5B', B('ERR_BUFFER_BAD_FORMAT')],
  ["'9999999999999999999B'", '9999999999999999999B', B('ERR_BUFFER_BAD_FORMAT')],
  ["'99999999999999999999999999999B'", '99999999999999999999999999999B', B('ERR_BUFFER_BAD_FORMAT')],
  ["'4611686018427387904q' (2**65 bytes)", '4611686018427387904q', B('ERR_BUFFER_BAD_FORMAT')],
  ["'9007199254740993B' (2**53 + 1)", '9007199254740993B', RANGE],
  ["'4503599627370497H' (2**53 + 2)", '4503599627370497H', RANGE],
  [
    "'1152921504606846976q1152921504606846976q' (sum 2**64)",
    '1152921504606846976q1152921504606846976q',
    B('ERR_BUFFER_BAD_FORMAT'),
  ],
  ['a 1 MB string of spaces and one Z', ' '.repeat(1 << 20) + 'Z', B('ERR_BUFFER_BAD_FORMAT')],
] as const) {
  add(`sizeFromFormat(${label})`, () => call(sizeFromFormat, format), e);
}

// io: mmap --------------------------------------------------------------------

let dir = '';
let dataFile = '';
let emptyFile = '';
let fd = -1;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-bad-'));
  dataFile = path.join(dir, 'data.bin');
  fs.writeFileSync(dataFile, Buffer.from(Array.from({ length: 64 }, (_, i) => i)));
  emptyFile = path.join(dir, 'empty.bin');
  fs.writeFileSync(emptyFile, '');
  fd = fs.openSync(dataFile, 'r+');
});
afterAll(() => {
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

const ENOENT: Expect = ['Error', 'ENOENT'];
for (const [label, p, e] of [
  ['1', () => 1, TYPE],
  ['null', () => null, TYPE],
  ['a Buffer', () => Buffer.from('x'), TYPE],
  ["''", () => '', ENOENT],
  ['a missing file', () => path.join(dir, 'missing'), ENOENT],
  ['a directory', () => dir, ['Error', 'EISDIR'] as Expect],
  ['an empty file', () => emptyFile, RANGE],
  ['a path with a NUL byte', () => `${dataFile}\0x`, ['TypeError', 'ERR_INVALID_ARG_VALUE'] as Expect],
] as const) {
  addNoAlloc(`mmap(${label})`, () => call(mmap, p()), e);
}
for (const [label, value, e] of BAD_INTS) {
  addNoAlloc(`mmap(file, { offset: ${label} })`, () => mmap(dataFile, { offset: value as number }), e);
  addNoAlloc(`mmap(file, { length: ${label} })`, () => mmap(dataFile, { length: value as number }), e);
}
for (const [label, options, e] of [
  ['null', null, TYPE],
  ["'r'", 'r', TYPE],
  ["{ mode: 'w' }", { mode: 'w' }, RANGE],
  ["{ mode: 'R' }", { mode: 'R' }, RANGE],
  ['{ mode: 1 }', { mode: 1 }, TYPE],
  ['{ flags: 1 }', { flags: 1 }, TYPE],
  ['{ length: 0 }', { length: 0 }, RANGE],
  ['{ offset: 65 }', { offset: 65 }, RANGE],
  ['{ offset: 60, length: 5 }', { offset: 60, length: 5 }, RANGE],
  ['{ offset: 64 }', { offset: 64 }, RANGE],
  ['{ length: 2**40 }', { length: 2 ** 40 }, RANGE],
] as const) {
  addNoAlloc(`mmap(file, ${label})`, () => call(mmap, dataFile, options), e);
}
for (const [label, layout, e] of BAD_LAYOUTS) {
  // 48 bytes of the file, so the layouts meet the same memory length: with
  // a length they are checked before mapping, without one after it.
  addNoAlloc(`mmap(file, { length: 48, ${label} })`, () => mmap(dataFile, { length: 48, ...layout } as never), e);
  add(`mmap(file, { offset: 16, ${label} })`, () => mmap(dataFile, { offset: 16, ...layout } as never), e);
}
addNoAlloc(
  'mmap(file, options with a throwing getter)',
  () =>
    mmap(dataFile, {
      get mode(): 'r' {
        throw getterError();
      },
    }),
  GETTER,
);
add(
  "mmap(file, 'r').advise('sometimes')",
  () => {
    const f = mmap(dataFile);
    try {
      return f.advise('sometimes' as never);
    } finally {
      f.close();
    }
  },
  RANGE,
);
add(
  'mmap(file).advise(1)',
  () => {
    const f = mmap(dataFile);
    try {
      return f.advise(1 as never);
    } finally {
      f.close();
    }
  },
  TYPE,
);
add(
  'closed MappedFile.flush()',
  () => {
    const f = mmap(dataFile, { mode: 'r+' });
    f.close();
    return f.flush();
  },
  RELEASED,
);
add(
  'closed MappedFile.advise()',
  () => {
    const f = mmap(dataFile);
    f.close();
    return f.advise('normal');
  },
  RELEASED,
);
add(
  'closed MappedFile.buffer',
  () => {
    const f = mmap(dataFile);
    f.close();
    return f.buffer;
  },
  RELEASED,
);
add(
  'getBuffer(closed MappedFile)',
  () => {
    const f = mmap(dataFile);
    f.close();
    return getBuffer(f);
  },
  RELEASED,
);
add(
  "getBuffer(mmap 'r', WRITABLE)",
  () => {
    const f = mmap(dataFile);
    try {
      return getBuffer(f, BufferFlags.WRITABLE);
    } finally {
      f.close();
    }
  },
  B('ERR_BUFFER_NOT_WRITABLE'),
);
add(
  'MappedFile.close() while exported',
  () => {
    const f = mmap(dataFile);
    const info = getBuffer(f);
    try {
      return f.close();
    } finally {
      info.release();
      f.close();
    }
  },
  B('ERR_BUFFER_EXPORTS_ACTIVE'),
);

// io: file transfers ------------------------------------------------------------

type Transfer = (fd: number, target: unknown, position?: number | null) => unknown;
const TRANSFERS: ReadonlyArray<readonly [string, Transfer, boolean]> = [
  ['readInto', readInto as Transfer, true],
  ['writeFrom', writeFrom as Transfer, false],
  ['read', read as Transfer, true],
  ['write', write as Transfer, false],
];
for (const [name, transfer, writes] of TRANSFERS) {
  for (const [label, value, e] of BAD_INTS) {
    add(`${name}(${label}, target)`, (w) => transfer(value as number, w.m), e);
    // null (like undefined) means the file position: not bad input.
    if (value !== null) add(`${name}(fd, target, position ${label})`, (w) => transfer(fd, w.m, value as number), e);
  }
  add(`${name}(2**31, target)`, (w) => transfer(2 ** 31, w.m), RANGE);
  // The largest fd the API accepts: never open, so EBADF (a closed fd's number could be reused).
  add(`${name}(a closed fd, target)`, (w) => transfer(2 ** 31 - 1, w.m, 0), ['Error', 'EBADF']);
  for (const [label, obj] of NOT_EXPORTERS) add(`${name}(fd, ${label})`, () => transfer(fd, obj, 0), TYPE);
  add(
    `${name}(fd, an exporter that force-closes the NativeBuffer it redirects to)`,
    (w) =>
      transfer(
        fd,
        {
          [bufferProtocol.getBuffer]: () => {
            w.nb.close({ force: true });
            return w.nb;
          },
        },
        0,
      ),
    RELEASED,
    { nbLength: 0, nbBytes: '(closed)' },
  );
  for (const [label, obj, e] of DEAD_EXPORTERS) add(`${name}(fd, ${label})`, (w) => transfer(fd, obj(w), 0), e);
  if (writes) {
    add(`${name}(fd, a read-only NativeBuffer)`, (w) => transfer(fd, w.ro, 0), B('ERR_BUFFER_NOT_WRITABLE'));
    add(`${name}(fd, a read-only view)`, (w) => transfer(fd, w.rov, 0), B('ERR_BUFFER_NOT_WRITABLE'));
    add(
      `${name}(a directory fd, target)`,
      async (w) => {
        const d = fs.openSync(dir, 'r');
        try {
          // Awaited: the threadpool must not see the fd closed (or reused) under it.
          return await transfer(d, w.m, 0);
        } finally {
          fs.closeSync(d);
        }
      },
      ['Error', 'EISDIR'],
    );
  }
}
add('io.readInto is the root readInto', () => expect(io.readInto).toBe(readInto), ['none', undefined]);

// io: streams -------------------------------------------------------------------

for (const [label, stream] of [
  ['null', null],
  ['{}', {}],
  ['1', 1],
  ["'stream'", 'stream'],
  ['{ write: 1 }', { write: 1 }],
] as const) {
  add(`writeView(${label}, view)`, (w) => call(writeView, stream, w.m), TYPE);
  add(`readIntoStream(${label}, view)`, (w) => call(readIntoStream, stream, w.m), TYPE);
}
for (const [label, open] of [
  ['null', null],
  ['{}', {}],
  ["'net'", 'net'],
] as const)
  add(`receiveInto(view, ${label})`, (w) => call(receiveInto, w.m, open), TYPE);
for (const [label, obj] of NOT_EXPORTERS) {
  add(`writeView(stream, ${label})`, () => writeView(new PassThrough(), obj), TYPE);
  add(`readIntoStream(stream, ${label})`, () => readIntoStream(new PassThrough(), obj), TYPE);
  add(
    `receiveInto(${label}, open)`,
    () =>
      receiveInto(obj, () => {
        throw new Error('never called');
      }),
    TYPE,
  );
}
for (const [label, obj, e] of DEAD_EXPORTERS) {
  add(`writeView(stream, ${label})`, (w) => writeView(new PassThrough(), obj(w)), e);
  add(`readIntoStream(stream, ${label})`, (w) => readIntoStream(new PassThrough(), obj(w)), e);
  add(
    `receiveInto(${label}, open)`,
    (w) =>
      receiveInto(obj(w), () => {
        throw new Error('never called');
      }),
    e,
  );
}
add(
  'writeView(a stream whose write() throws, view)',
  (w) => {
    const s = new PassThrough();
    s.write = () => {
      throw getterError();
    };
    return writeView(s, w.m);
  },
  GETTER,
);
add(
  'writeView(a stream whose cork() throws, view)',
  (w) => {
    const s = new PassThrough();
    s.cork = () => {
      throw getterError();
    };
    return writeView(s, w.m);
  },
  GETTER,
);
add(
  'readIntoStream(a stream whose on() throws, view)',
  (w) =>
    readIntoStream(
      {
        on() {
          throw getterError();
        },
        off() {
          return this;
        },
      } as never,
      w.m,
    ),
  GETTER,
);
add(
  'readIntoStream(a stream whose resume() throws, view)',
  (w) => {
    const s = new PassThrough();
    s.resume = () => {
      throw getterError();
    };
    return readIntoStream(s, w.m);
  },
  GETTER,
);
add('receiveInto(view, an open() returning a non-socket)', (w) => receiveInto(w.m, () => ({}) as never), TYPE);
add('readIntoStream(stream, a read-only view)', (w) => readIntoStream(new PassThrough(), w.rov), B('ERR_BUFFER_NOT_WRITABLE'));
add(
  'receiveInto(a transposed view, open)',
  (w) =>
    receiveInto(w.m.T, () => {
      throw new Error('never called');
    }),
  B('ERR_BUFFER_NOT_C_CONTIGUOUS'),
);
add(
  'receiveInto(a read-only view, open)',
  (w) =>
    receiveInto(w.rov, () => {
      throw new Error('never called');
    }),
  B('ERR_BUFFER_NOT_WRITABLE'),
);
add(
  'receiveInto(view, an open() that throws)',
  (w) =>
    receiveInto(w.m.cast('B'), () => {
      throw getterError();
    }),
  GETTER,
);
add(
  'readIntoStream(a stream delivering strings, view)',
  (w) => {
    const s = new PassThrough();
    s.setEncoding('utf8');
    const p = readIntoStream(s, w.m.cast('B'));
    s.write('abc');
    return p;
  },
  B('ERR_BUFFER_INVALID_EXPORT'),
);
add(
  'readIntoStream(a stream that errors, view)',
  (w) => {
    const s = new PassThrough();
    const p = readIntoStream(s, w.m.cast('B'));
    s.destroy(getterError());
    return p;
  },
  GETTER,
);
add(
  'writeView(a stream that errors, view)',
  (w) => {
    const s = new Writable({
      write(_chunk, _enc, cb) {
        cb(getterError());
      },
    });
    s.on('error', () => undefined);
    return writeView(s, w.m);
  },
  GETTER,
);

// ---- the matrix ------------------------------------------------------------

/** What a case did: threw synchronously, rejected, or returned. */
async function outcome(run: () => unknown): Promise<{ error: unknown; sync: boolean } | null> {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    return { error, sync: true };
  }
  if (
    result instanceof Promise ||
    (typeof result === 'object' && result !== null && typeof (result as Promise<unknown>).then === 'function')
  ) {
    try {
      await result;
    } catch (error) {
      return { error, sync: false };
    }
  }
  return null;
}

const labels = new Set<string>();
for (const c of cases) {
  if (labels.has(c.label)) throw new Error(`duplicate case label: ${c.label}`);
  labels.add(c.label);
}

describe('bad input', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    // A release hook that fails after a refusal becomes a BufferWarning:
    // keep the output clean, the cases check what matters.
    warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it.each(cases)('$label', async ({ run, expect: [name, code], changes, noAlloc }) => {
    const w = world();
    const before = snapshot(w);
    const blocksBefore = nativeMemoryStats().liveBlocks;
    try {
      if (name === 'none') {
        const result = await outcome(() => run(w));
        expect(result).toBeNull();
      } else {
        const result = await outcome(() => run(w));
        if (result === null) throw new Error(`expected ${name} ${code}, but nothing was thrown`);
        if (result.sync) {
          expectCode(
            () => {
              throw result.error;
            },
            code as string,
            name,
          );
        } else {
          const error = result.error as { name?: unknown; code?: unknown };
          expect({ name: error.name, code: error.code }).toEqual({ name, code });
        }
      }
      expect(snapshot(w)).toEqual({ ...before, ...changes });
      checkUsable(w);
    } finally {
      teardown(w);
    }
    // A refused allocation or mapping allocates nothing (the fixture's own
    // blocks are freed later, by their finalizers, so the count can only drop).
    if (noAlloc === true) expect(nativeMemoryStats().liveBlocks).toBeLessThanOrEqual(blocksBefore);
  });

  test('the matrix is large', () => {
    expect(cases.length).toBeGreaterThan(1000);
  });
});
