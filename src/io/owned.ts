// ArrayBuffers whose memory this package owns (external memory of a
// NativeBuffer or MappedFile). Node never lets JavaScript transfer them, and
// their owner cannot free them while an export is held, so the threadpool
// may use them directly during async I/O. Any other memory (a plain
// ArrayBuffer can be transferred away mid-operation, freeing it) is staged.
const owned = new WeakSet<ArrayBuffer | SharedArrayBuffer>();

export function markOwned(buffer: ArrayBuffer | null): void {
  if (buffer !== null) owned.add(buffer);
}

export function isOwned(buffer: ArrayBuffer | SharedArrayBuffer): boolean {
  return owned.has(buffer);
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
