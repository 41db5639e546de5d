// Built-ins that memory safety depends on, captured once and never looked
// up at call time (Node core's "primordials" rule; see native/binding/README.md).
//
// They come from a fresh `vm` realm, not from this realm's globals: code
// that ran before `require('buffer-protocol')` may already have replaced
// `WeakMap.prototype.get` or the `resizable` getter here, but it cannot
// have reached a realm that did not exist yet. Built-in methods check their
// receiver by internal slot, not by realm, so the captured ones work on this
// realm's objects. Objects a primordial constructs (a WeakMap, a
// Uint8Array) belong to the fresh realm: never hand them to user code,
// whose `instanceof` would fail on them.
import * as vm from 'node:vm';

interface Realm {
  readonly Function: FunctionConstructor;
  readonly Object: ObjectConstructor;
  readonly Reflect: typeof Reflect;
  readonly WeakMap: WeakMapConstructor;
  readonly ArrayBuffer: ArrayBufferConstructor;
  readonly SharedArrayBuffer: SharedArrayBufferConstructor;
  readonly Uint8Array: Uint8ArrayConstructor;
  readonly Float64Array: Float64ArrayConstructor;
  readonly Math: Math;
}

/** The TypedArrays whose elements can be a view's items. */
export type ElementArrayName =
  | 'Int8Array'
  | 'Uint8Array'
  | 'Int16Array'
  | 'Uint16Array'
  | 'Int32Array'
  | 'Uint32Array'
  | 'BigInt64Array'
  | 'BigUint64Array'
  | 'Float32Array'
  | 'Float64Array';

const realm = vm.runInNewContext('this') as Realm;

// f.call bound to f: calls f with an explicit receiver, without touching
// Function.prototype.call of any realm at call time.
const bindCall = realm.Function.prototype.bind.bind(realm.Function.prototype.call) as <T, A extends unknown[], R>(
  fn: (this: T, ...args: A) => R,
) => (self: T, ...args: A) => R;

function getter<T>(proto: object, name: string): (self: T) => unknown {
  const descriptor = realm.Reflect.getOwnPropertyDescriptor(proto, name);
  if (descriptor?.get === undefined) {
    // Runtimes without the property (resizable buffers are ES2024): it reads as undefined.
    return () => undefined;
  }
  return bindCall(descriptor.get as (this: T) => unknown);
}

/** A WeakMap whose methods nobody can replace: a class over captured methods. */
export class SafeWeakMap<K extends object, V> {
  readonly #map: WeakMap<K, V> = new realm.WeakMap<K, V>();
  get(key: K): V | undefined {
    return weakMapGet(this.#map, key) as V | undefined;
  }
  has(key: K): boolean {
    return weakMapHas(this.#map, key);
  }
  set(key: K, value: V): void {
    weakMapSet(this.#map, key, value);
  }
  delete(key: K): boolean {
    return weakMapDelete(this.#map, key);
  }
}

const weakMapGet = bindCall(realm.WeakMap.prototype.get as (this: WeakMap<object, unknown>, key: object) => unknown);
const weakMapHas = bindCall(realm.WeakMap.prototype.has as (this: WeakMap<object, unknown>, key: object) => boolean);
const weakMapSet = bindCall(
  realm.WeakMap.prototype.set as (this: WeakMap<object, unknown>, key: object, value: unknown) => WeakMap<object, unknown>,
);
const weakMapDelete = bindCall(realm.WeakMap.prototype.delete as (this: WeakMap<object, unknown>, key: object) => boolean);

const arrayBufferResizable = getter<ArrayBuffer>(realm.ArrayBuffer.prototype, 'resizable');
const arrayBufferByteLength = getter<ArrayBuffer>(realm.ArrayBuffer.prototype, 'byteLength');
const sharedGrowable = getter<SharedArrayBuffer>(realm.SharedArrayBuffer.prototype, 'growable');
const typedArrayProto = realm.Reflect.getPrototypeOf(realm.Uint8Array.prototype) as object;
const typedArraySet = bindCall(
  (realm.Reflect.getOwnPropertyDescriptor(typedArrayProto, 'set') as PropertyDescriptor).value as (
    this: Uint8Array,
    source: ArrayLike<number>,
    offset?: number,
  ) => void,
);

/** The real `resizable` of an ArrayBuffer (false where the runtime has none). */
export function isResizableArrayBuffer(buffer: ArrayBuffer): boolean {
  return arrayBufferResizable(buffer) === true;
}

/** The real `growable` of a SharedArrayBuffer (false where the runtime has none). */
export function isGrowableSharedArrayBuffer(buffer: SharedArrayBuffer): boolean {
  return sharedGrowable(buffer) === true;
}

/** The real `byteLength` of an ArrayBuffer: 0 once detached. */
export function arrayBufferLength(buffer: ArrayBuffer): number {
  return arrayBufferByteLength(buffer) as number;
}

/** `%TypedArray%.prototype.set`, as it was. */
export function copyInto(target: Uint8Array, source: Uint8Array, offset = 0): void {
  typedArraySet(target, source, offset);
}

/**
 * A private Uint8Array of `length` zeroed bytes, made by a constructor
 * nobody can replace. It never leaves the library.
 */
export function privateBytes(length: number): Uint8Array {
  return new realm.Uint8Array(length);
}

// ---- views and detachment (hole 9: get-buffer, view-ops) ----

// getBuffer's hot path reads four or five getters per call, and V8 does
// not inline another realm's builtins: the fresh realm's getters cost it a
// quarter more. This realm's own getters serve when they are genuine: a
// builtin getter of that name (whose source no code can fake, read with the
// fresh realm's toString) answers truly for its own kind of object, from
// any realm, and throws for any other (checked on a probe at load); a
// replaced one is anything else, and then the fresh realm's getter is used.
const realmFunctionToString = bindCall(realm.Function.prototype.toString as (this: unknown) => string);
function isBuiltin(fn: unknown, name: string): boolean {
  try {
    return typeof fn === 'function' && realmFunctionToString(fn) === `function ${name}() { [native code] }`;
  } catch {
    return false;
  }
}
const localCall = realm.Reflect.getOwnPropertyDescriptor(Function.prototype, 'call')?.value as unknown;
const localBind = realm.Reflect.getOwnPropertyDescriptor(Function.prototype, 'bind')?.value as unknown;
const localBindCall =
  isBuiltin(localCall, 'call') && isBuiltin(localBind, 'bind')
    ? (fn: unknown): ((self: unknown) => unknown) =>
        realm.Reflect.apply(localBind as () => unknown, localCall, [fn]) as (self: unknown) => unknown
    : null;

/** This realm's value of `read()`, or undefined where replaced globals make reading it throw. */
function local(read: () => unknown): unknown {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * A getter of this realm's `localProto` if it is the builtin and answers
 * `probe` (an object of its kind) as the fresh realm's does, else the fresh realm's.
 */
function hotGetter<T>(
  localProto: unknown,
  realmProto: object,
  name: string | symbol,
  label: string,
  probe: object,
): (self: T) => unknown {
  const fresh = getter<T>(realmProto, name as string);
  const own = local(() => realm.Reflect.getOwnPropertyDescriptor(localProto as object, name)?.get);
  if (localBindCall === null || !isBuiltin(own, `get ${label}`)) return fresh;
  const bound = localBindCall(own) as (self: T) => unknown;
  return local(() => bound(probe as T) === fresh(probe as T)) === true ? bound : fresh;
}

// Well-known symbols are shared by every realm; this one is read from the fresh realm's Symbol.
const { DataView: realmDataView, Symbol: realmSymbol } = realm as unknown as {
  DataView: DataViewConstructor;
  Symbol: SymbolConstructor;
};
const localTypedArrayProto = local(() => realm.Reflect.getPrototypeOf(Uint8Array.prototype));
const probeBuffer = new realm.ArrayBuffer(16);
const probeArray = new realm.Uint8Array(probeBuffer, 4, 8);
const probeView = new realmDataView(probeBuffer, 4, 8);
const typedArrayTag = hotGetter<ArrayBufferView>(
  localTypedArrayProto,
  typedArrayProto,
  realmSymbol.toStringTag,
  '[Symbol.toStringTag]',
  probeArray,
);
const typedArrayBuffer = hotGetter<ArrayBufferView>(localTypedArrayProto, typedArrayProto, 'buffer', 'buffer', probeArray);
const typedArrayOffset = hotGetter<ArrayBufferView>(
  localTypedArrayProto,
  typedArrayProto,
  'byteOffset',
  'byteOffset',
  probeArray,
);
const typedArrayLength = hotGetter<ArrayBufferView>(
  localTypedArrayProto,
  typedArrayProto,
  'byteLength',
  'byteLength',
  probeArray,
);
const localArrayBufferProto = local(() => ArrayBuffer.prototype);
const hotArrayBufferLength = hotGetter<ArrayBuffer>(
  localArrayBufferProto,
  realm.ArrayBuffer.prototype,
  'byteLength',
  'byteLength',
  probeBuffer,
);
const hotResizable = hotGetter<ArrayBuffer>(
  localArrayBufferProto,
  realm.ArrayBuffer.prototype,
  'resizable',
  'resizable',
  probeBuffer,
);
const localDataViewProto = local(() => DataView.prototype);
const dataViewBuffer = hotGetter<DataView>(localDataViewProto, realmDataView.prototype, 'buffer', 'buffer', probeView);
const dataViewOffset = hotGetter<DataView>(localDataViewProto, realmDataView.prototype, 'byteOffset', 'byteOffset', probeView);
const dataViewLength = hotGetter<DataView>(localDataViewProto, realmDataView.prototype, 'byteLength', 'byteLength', probeView);
const sharedByteLength = getter<SharedArrayBuffer>(realm.SharedArrayBuffer.prototype, 'byteLength');
const arrayBufferDetached = getter<ArrayBuffer>(realm.ArrayBuffer.prototype, 'detached');
const hasDetachedGetter = realm.Reflect.getOwnPropertyDescriptor(realm.ArrayBuffer.prototype, 'detached') !== undefined;
const localIsView = local(() => realm.Reflect.getOwnPropertyDescriptor(ArrayBuffer, 'isView')?.value);

/** `ArrayBuffer.isView`, as it was. */
export const isArrayBufferView = (isBuiltin(localIsView, 'isView') ? localIsView : realm.ArrayBuffer.isView) as (
  value: unknown,
) => value is ArrayBufferView;

const localImul = local(() => realm.Reflect.getOwnPropertyDescriptor(Math, 'imul')?.value);

/**
 * `Math.imul`, as it was: V8 compiles it to one 32-bit multiply that it
 * can move out of a loop, where `*` is checked for overflow in place.
 */
export const imul = (isBuiltin(localImul, 'imul') ? localImul : realm.Math.imul) as (a: number, b: number) => number;

/** isResizableArrayBuffer, for hot paths (same answer). */
export function isResizableArrayBufferHot(buffer: ArrayBuffer): boolean {
  return hotResizable(buffer) === true;
}

/** arrayBufferLength, for hot paths (same answer). */
export function arrayBufferLengthHot(buffer: ArrayBuffer): number {
  return hotArrayBufferLength(buffer) as number;
}

// What a TypedArray or DataView really covers, read through the intrinsic
// getters (which check internal slots, so a subclass or a replaced getter
// cannot lie about it). The TypedArray ones are separate functions, not
// one object: getBuffer's hot path calls them.

/** The TypedArray kind ('Float32Array'), undefined for a DataView. */
export function typedArrayKind(view: ArrayBufferView): string | undefined {
  return typedArrayTag(view) as string | undefined;
}

export function typedArrayBufferOf(view: ArrayBufferView): ArrayBuffer | SharedArrayBuffer {
  return typedArrayBuffer(view) as ArrayBuffer | SharedArrayBuffer;
}

export function typedArrayByteOffsetOf(view: ArrayBufferView): number {
  return typedArrayOffset(view) as number;
}

export function typedArrayByteLengthOf(view: ArrayBufferView): number {
  return typedArrayLength(view) as number;
}

/** What any TypedArray or DataView covers; a DataView of a detached buffer covers nothing (its getters would throw). */
export function viewParts(view: ArrayBufferView): {
  buffer: ArrayBuffer | SharedArrayBuffer;
  byteOffset: number;
  byteLength: number;
} {
  if (typedArrayKind(view) !== undefined) {
    return {
      buffer: typedArrayBufferOf(view),
      byteOffset: typedArrayByteOffsetOf(view),
      byteLength: typedArrayByteLengthOf(view),
    };
  }
  const buffer = dataViewBuffer(view as DataView) as ArrayBuffer | SharedArrayBuffer;
  if (sizeOf(buffer) === 0) return { buffer, byteOffset: 0, byteLength: 0 };
  return {
    buffer,
    byteOffset: dataViewOffset(view as DataView) as number,
    byteLength: dataViewLength(view as DataView) as number,
  };
}

/** The real `byteLength` of a SharedArrayBuffer. */
export function sharedArrayBufferLength(buffer: SharedArrayBuffer): number {
  return sharedByteLength(buffer) as number;
}

/**
 * The real `byteLength` of an ArrayBuffer (0 once detached) or a
 * SharedArrayBuffer: each getter refuses the other kind by its slot.
 */
export function bufferByteLength(buffer: ArrayBuffer | SharedArrayBuffer): number {
  return sizeOf(buffer);
}

// This realm's SharedArrayBuffer, only to pick which genuine getter to try
// first (a throw costs microseconds): a lying instanceof picks the wrong
// one, which refuses, and the other answers.
const localShared = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : null;

function sizeOf(buffer: ArrayBuffer | SharedArrayBuffer): number {
  if (localShared !== null && buffer instanceof localShared) {
    try {
      return sharedByteLength(buffer) as number;
    } catch {
      // not one after all
    }
  }
  try {
    return hotArrayBufferLength(buffer as ArrayBuffer) as number;
  } catch {
    return sharedByteLength(buffer as SharedArrayBuffer) as number;
  }
}

/** True once an ArrayBuffer is detached (transferred, or closed by its owner); never for a SharedArrayBuffer. */
export function isDetachedArrayBuffer(buffer: ArrayBuffer | SharedArrayBuffer): boolean {
  if (hasDetachedGetter) {
    try {
      return arrayBufferDetached(buffer as ArrayBuffer) === true;
    } catch {
      return false; // a SharedArrayBuffer
    }
  }
  try {
    new realm.Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * A private Uint8Array over `buffer` (the caller's memory), made by a
 * constructor nobody can replace. Like `privateBytes`, it never leaves the library.
 */
export function privateView(buffer: ArrayBuffer | SharedArrayBuffer, byteOffset = 0, length?: number): Uint8Array {
  return length === undefined ? new realm.Uint8Array(buffer, byteOffset) : new realm.Uint8Array(buffer, byteOffset, length);
}

/**
 * A private TypedArray of `name` over the first `length` elements of
 * `buffer` (the caller's memory), made by a constructor nobody can replace.
 */
export function privateElements(
  name: ElementArrayName,
  buffer: ArrayBuffer | SharedArrayBuffer,
  length: number,
): ArrayBufferView {
  const ctor = (realm as unknown as Record<ElementArrayName, new (b: ArrayBufferLike, o: number, n: number) => ArrayBufferView>)[
    name
  ];
  return new ctor(buffer, 0, length);
}

/**
 * A private Float64Array of `length` zeros, as privateBytes: user code can
 * neither reach it nor hook a method it is called with.
 */
export function privateNumbers(length: number): Float64Array {
  return new realm.Float64Array(length);
}
