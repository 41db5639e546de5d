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
}

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

// Well-known symbols are shared by every realm; this one is read from the fresh realm's Symbol.
const { DataView: realmDataView, Symbol: realmSymbol } = realm as unknown as { DataView: DataViewConstructor; Symbol: SymbolConstructor };
const typedArrayTag = getter<ArrayBufferView>(typedArrayProto, realmSymbol.toStringTag as unknown as string);
const typedArrayBuffer = getter<ArrayBufferView>(typedArrayProto, 'buffer');
const typedArrayOffset = getter<ArrayBufferView>(typedArrayProto, 'byteOffset');
const typedArrayLength = getter<ArrayBufferView>(typedArrayProto, 'byteLength');
const dataViewBuffer = getter<DataView>(realmDataView.prototype, 'buffer');
const dataViewOffset = getter<DataView>(realmDataView.prototype, 'byteOffset');
const dataViewLength = getter<DataView>(realmDataView.prototype, 'byteLength');
const sharedByteLength = getter<SharedArrayBuffer>(realm.SharedArrayBuffer.prototype, 'byteLength');
const arrayBufferDetached = getter<ArrayBuffer>(realm.ArrayBuffer.prototype, 'detached');
const hasDetachedGetter = realm.Reflect.getOwnPropertyDescriptor(realm.ArrayBuffer.prototype, 'detached') !== undefined;

/** `ArrayBuffer.isView`, as it was. */
export const isArrayBufferView = realm.ArrayBuffer.isView as (value: unknown) => value is ArrayBufferView;

/**
 * What a TypedArray or DataView really covers, read through the intrinsic
 * getters (which check internal slots, so a subclass or a replaced getter
 * cannot lie about it). `tag` is the TypedArray kind, undefined for a DataView.
 */
export function viewParts(view: ArrayBufferView): {
  tag: string | undefined;
  buffer: ArrayBuffer | SharedArrayBuffer;
  byteOffset: number;
  byteLength: number;
} {
  const tag = typedArrayTag(view) as string | undefined;
  if (tag !== undefined) {
    return {
      tag,
      buffer: typedArrayBuffer(view) as ArrayBuffer | SharedArrayBuffer,
      byteOffset: typedArrayOffset(view) as number,
      byteLength: typedArrayLength(view) as number,
    };
  }
  const buffer = dataViewBuffer(view as DataView) as ArrayBuffer | SharedArrayBuffer;
  // DataView's getters throw once its buffer is detached: it covers nothing then.
  if (arrayBufferLengthOrShared(buffer) === 0) return { tag, buffer, byteOffset: 0, byteLength: 0 };
  return { tag, buffer, byteOffset: dataViewOffset(view as DataView) as number, byteLength: dataViewLength(view as DataView) as number };
}

/** The real `byteLength` of a SharedArrayBuffer. */
export function sharedArrayBufferLength(buffer: SharedArrayBuffer): number {
  return sharedByteLength(buffer) as number;
}

function arrayBufferLengthOrShared(buffer: ArrayBuffer | SharedArrayBuffer): number {
  try {
    return arrayBufferByteLength(buffer as ArrayBuffer) as number;
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
