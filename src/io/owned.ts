import type { NativeRegion } from '../native';

// ArrayBuffers whose memory this package owns (external memory of a
// NativeBuffer or MappedFile), with their region. Node never lets
// JavaScript transfer them, and their owner cannot free them while an
// export is held, so the threadpool may use them directly during async
// I/O. Any other memory (a plain ArrayBuffer can be transferred away
// mid-operation, freeing it) is staged. C views pin the region's memory.
// The region is held weakly: it holds its ArrayBuffer through a native
// (root) reference, so a strong entry here would keep both alive forever.
const owned = new WeakMap<ArrayBuffer | SharedArrayBuffer, WeakRef<NativeRegion>>();

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
const inFlight = new WeakMap<ArrayBuffer | SharedArrayBuffer, number>();

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
