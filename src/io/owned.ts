import { SafeWeakMap } from '../internal/primordials';
import type { NativeRegion } from '../native';

// ArrayBuffers whose memory this package owns (external memory of a
// NativeBuffer or MappedFile), with their region: zero-copy socket writes
// and C views use this to choose what to hold. Memory safety off the
// JavaScript thread never rests on it alone: the binding holds the native
// block itself for file I/O (io.cc) and C views. The maps are SafeWeakMaps,
// whose methods nobody can replace (internal/primordials.ts).
// The region is held weakly: it holds its ArrayBuffer through a native
// (root) reference, so a strong entry here would keep both alive forever.
const owned = new SafeWeakMap<ArrayBuffer | SharedArrayBuffer, WeakRef<NativeRegion>>();

export function markOwned(buffer: ArrayBuffer | null, region: NativeRegion): void {
  if (buffer !== null) owned.set(buffer, new WeakRef(region));
}

export function isOwned(buffer: ArrayBuffer | SharedArrayBuffer): boolean {
  return owned.has(buffer);
}

/**
 * The region whose memory `buffer` is, while it lives. Once it is gone
 * nothing can close the memory any more: the ArrayBuffer alone keeps it.
 */
export function regionOf(buffer: ArrayBuffer | SharedArrayBuffer): NativeRegion | undefined {
  return owned.get(buffer)?.deref();
}

// Async transfers in flight per owned buffer. A forced close detaches the
// ArrayBuffer and lets the finalizer free the memory, which must never
// happen while the threadpool still reads or writes it: even a forced
// close is refused while this count is above zero.
const inFlight = new SafeWeakMap<ArrayBuffer | SharedArrayBuffer, number>();

export function beginTransfer(buffer: ArrayBuffer | SharedArrayBuffer): void {
  inFlight.set(buffer, (inFlight.get(buffer) ?? 0) + 1);
}

export function endTransfer(buffer: ArrayBuffer | SharedArrayBuffer): void {
  const n = (inFlight.get(buffer) ?? 1) - 1;
  if (n === 0) inFlight.delete(buffer);
  else inFlight.set(buffer, n);
}

export function transfersInFlight(buffer: ArrayBuffer | SharedArrayBuffer | null): number {
  return buffer === null ? 0 : (inFlight.get(buffer) ?? 0);
}
