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
