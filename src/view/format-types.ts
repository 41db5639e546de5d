// The format as a type: what get() returns and typed() makes for a format
// known at compile time ('d', '<i', a TypedArray's own). A format TypeScript
// only knows as `string` falls back to Item and ArrayBufferView (no
// `string extends F` test: F in an extends clause would make MemoryView
// invariant, and MemoryView<'d'> no longer a MemoryView). The tables
// follow item codecs (items.ts) on an LP64 host: native 'l L n N P' are
// 8 bytes, standard-size ('<', '>', '=', '!') 'l L' are 4.
import type { Item } from './items';

type StandardPrefix = '=' | '<' | '>' | '!';

interface Items {
  b: number;
  B: number;
  h: number;
  H: number;
  i: number;
  I: number;
  q: bigint;
  Q: bigint;
  f: number;
  d: number;
  e: number;
  '?': boolean;
  c: string;
}
interface NativeItems extends Items {
  l: bigint;
  L: bigint;
  n: bigint;
  N: bigint;
  P: bigint;
}
interface StandardItems extends Items {
  l: number;
  L: number;
}

interface Arrays {
  b: Int8Array;
  B: Uint8Array;
  h: Int16Array;
  H: Uint16Array;
  i: Int32Array;
  I: Uint32Array;
  q: BigInt64Array;
  Q: BigUint64Array;
  f: Float32Array;
  d: Float64Array;
  /** Float16Array where the runtime has one (Node 24+), else typed() throws. */
  e: ArrayBufferView;
  /** No TypedArray holds booleans or characters: typed() throws ERR_BUFFER_UNSUPPORTED_FORMAT. */
  '?': never;
  c: never;
}
interface NativeArrays extends Arrays {
  l: BigInt64Array;
  L: BigUint64Array;
  n: BigInt64Array;
  N: BigUint64Array;
  P: BigUint64Array;
}
interface StandardArrays extends Arrays {
  l: Int32Array;
  L: Uint32Array;
}

type Lookup<Table, Code, Fallback> = Code extends keyof Table ? Table[Code] : Fallback;

/** The JavaScript value of one item of format `F` ('d' -> number, 'q' -> bigint, '?' -> boolean, 'c' -> string). */
export type ItemOf<F extends string> = F extends `${StandardPrefix}${infer C}`
  ? Lookup<StandardItems, C, Item>
  : F extends `@${infer C}`
    ? Lookup<NativeItems, C, Item>
    : Lookup<NativeItems, F, Item>;

/** What `typed()` returns for format `F` ('d' -> Float64Array). */
export type TypedOf<F extends string> = F extends `${StandardPrefix}${infer C}`
  ? Lookup<StandardArrays, C, ArrayBufferView>
  : F extends `@${infer C}`
    ? Lookup<NativeArrays, C, ArrayBufferView>
    : Lookup<NativeArrays, F, ArrayBufferView>;

interface TagFormats {
  Int8Array: 'b';
  Uint8Array: 'B';
  Uint8ClampedArray: 'B';
  Int16Array: 'h';
  Uint16Array: 'H';
  Int32Array: 'i';
  Uint32Array: 'I';
  BigInt64Array: 'q';
  BigUint64Array: 'Q';
  Float16Array: 'e';
  Float32Array: 'f';
  Float64Array: 'd';
}

/**
 * The format memoryview() reports for an object TypeScript can see the type
 * of. TypedArrays are told apart by their `Symbol.toStringTag` literal: by
 * shape alone, TypeScript < 6 takes a Float64Array for an ArrayBuffer.
 */
export type FormatOf<T> = T extends { readonly [Symbol.toStringTag]: infer Tag }
  ? Tag extends keyof TagFormats
    ? TagFormats[Tag]
    : PlainBytes<T>
  : PlainBytes<T>;

/** ArrayBuffer, SharedArrayBuffer and DataView are bytes; anything else's format is known at run time only. */
type PlainBytes<T> = T extends ArrayBuffer | SharedArrayBuffer | DataView ? 'B' : string;
