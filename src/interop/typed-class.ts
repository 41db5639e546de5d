// Which TypedArray holds the items of a format, for the adapters whose
// targets take TypedArrays (ndarray, Arrow, onnxruntime, sharp). One answer
// for all, from the item codecs memoryview itself uses: a format holds in a
// TypedArray only in the host's byte order, whatever its prefix says.
import { codecFor } from '../view/items';

export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** The item kinds of view/items.ts that a TypedArray can hold. */
export type TypedKind = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f16' | 'f32' | 'f64' | 'bool';

export interface TypedClass {
  readonly kind: TypedKind;
  /** The TypedArray of the stored items: Uint16Array for 'e', Uint8Array for '?'. */
  readonly ctor: new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArray;
  readonly size: number;
}

/** The TypedArray class of a single-item, host-order format; null for anything else. */
export function typedClassOf(format: string | null): TypedClass | null {
  const codec = codecFor(format ?? 'B');
  if (codec === null || !codec.nativeOrder || codec.kind === 'char') return null;
  return { kind: codec.kind as TypedKind, ctor: codec.storage as TypedClass['ctor'], size: codec.size };
}

/** The dtype names most array libraries (scijs, @stdlib, onnxruntime, NumPy) give the 8- to 32-bit and float kinds. */
export const COMMON_DTYPES = {
  i8: 'int8',
  u8: 'uint8',
  i16: 'int16',
  u16: 'uint16',
  i32: 'int32',
  u32: 'uint32',
  f32: 'float32',
  f64: 'float64',
} as const;
