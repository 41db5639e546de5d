// Core functions added for memory safety that src/native.ts does not type
// yet (native/binding/core_functions.cc).
import { native } from '../native';

interface NativeCoreSafety {
  /** (address of b) - (address of a) when the two ArrayBuffers share a byte, else null. */
  aliasOffset(a: ArrayBuffer, b: ArrayBuffer): number | null;
}

export const nativeCore = native.core as unknown as NativeCoreSafety;
