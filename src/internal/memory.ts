// Whether memory can still be read: the one place that asks if a block is
// detached, resizable or shorter than a view of it. Every check that guards
// memory handed to a consumer (a C consumer reads it without bounds checks)
// asks the built-ins captured in primordials, not this realm's, which code
// that ran before or after require may have replaced: a lying byteLength or
// `resizable` would let a native consumer read out of bounds or freed
// memory. util.types checks internal slots; taking its functions once keeps
// a later replacement of them out too.
import { types } from 'node:util';
import { BufferError } from '../errors';
import {
  arrayBufferLengthHot,
  bufferByteLength,
  isDetachedArrayBuffer,
  isResizableArrayBufferHot,
  sharedArrayBufferLength,
} from './primordials';

const { isAnyArrayBuffer, isArrayBuffer } = types;

export type AnyArrayBuffer = ArrayBuffer | SharedArrayBuffer;

/** byteLength of an ArrayBuffer or SharedArrayBuffer from any realm, or -1. */
export function anyArrayBufferLength(value: unknown): number {
  // util.types checks the internal slot (any realm) without throwing: a
  // failed getter call would cost microseconds per non-buffer exporter.
  // One call into C++ for what is neither (any other exporter), two at most.
  if (!isAnyArrayBuffer(value)) return -1;
  return isArrayBuffer(value) ? arrayBufferLengthHot(value) : sharedArrayBufferLength(value as SharedArrayBuffer);
}

/**
 * anyArrayBufferLength for a value that is an ArrayBuffer nearly always (an
 * exporter's `buffer`): the genuine getter answers for a real one from any
 * realm, without util.types' call into C++, and throws for anything else,
 * which the general check then sorts out.
 */
export function bufferLength(value: unknown): number {
  try {
    return arrayBufferLengthHot(value as ArrayBuffer);
  } catch {
    return anyArrayBufferLength(value);
  }
}

/** True for a SharedArrayBuffer (of any realm): the one kind of block that can grow under a view. */
export function isSharedBlock(buffer: AnyArrayBuffer): boolean {
  return !isArrayBuffer(buffer);
}

/**
 * A detached ArrayBuffer reports length 0 and refuses new views. Only an
 * empty one is asked further: without ArrayBuffer.prototype.detached
 * (Node 20) the question costs a view made in another realm, 250 ns.
 */
export function isDetached(buffer: AnyArrayBuffer): boolean {
  return bufferByteLength(buffer) === 0 && isDetachedArrayBuffer(buffer);
}

/**
 * True when a view of `len` bytes in `buffer` lost its memory: the owner's
 * forced close (or a transfer) detached the block under it. An empty view
 * loses nothing.
 */
export function memoryGone(buffer: AnyArrayBuffer, len: number): boolean {
  return len > 0 && bufferByteLength(buffer) === 0;
}

/** True while [byteOffset, byteOffset + len) of `buffer` is still there (not detached, not shrunk). */
export function holdsRange(buffer: AnyArrayBuffer, byteOffset: number, len: number): boolean {
  return bufferByteLength(buffer) >= byteOffset + len;
}

// The genuine getter throws for a SharedArrayBuffer, which never shrinks.
function isResizable(buffer: AnyArrayBuffer): boolean {
  try {
    return isResizableArrayBufferHot(buffer as ArrayBuffer);
  } catch {
    return false;
  }
}

/**
 * Refuses memory that can vanish under an export: a detached buffer, and a
 * resizable ArrayBuffer, which can shrink while a (native) consumer still
 * reads it and cannot be locked the way CPython locks a bytearray. Growable
 * SharedArrayBuffers only grow, so they are fine. `len` is the length the
 * caller already read.
 */
export function checkStable(buffer: AnyArrayBuffer, len: number, what: string, whatSuffix = ''): void {
  // The name comes in two parts so that the hot path joins no string.
  if (len === 0 && isDetached(buffer)) throw new BufferError('ERR_BUFFER_RELEASED', `${what}${whatSuffix} is detached`);
  if (isResizable(buffer)) {
    throw new BufferError(
      'ERR_BUFFER_RESIZABLE',
      `${what}${whatSuffix} is a resizable ArrayBuffer, which cannot be held at its size while exported`,
    );
  }
}
