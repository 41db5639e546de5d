// Built-in buffers that TypeScript's bundled lib cannot type yet.

/** A resizable ArrayBuffer (ES2024); TypeScript's lib here lacks the options argument. */
export function resizableArrayBuffer(length: number, maxByteLength: number): ArrayBuffer {
  const Ctor = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
  return new Ctor(length, { maxByteLength });
}

/** A growable SharedArrayBuffer (ES2024). */
export function growableSharedArrayBuffer(length: number, maxByteLength: number): SharedArrayBuffer {
  const Ctor = SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer;
  return new Ctor(length, { maxByteLength });
}
