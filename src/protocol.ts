// eslint-disable-next-line @typescript-eslint/no-unused-vars -- named by {@link BufferInfo} below
import type { BufferInfo } from './export/buffer-info';

// Registered symbols, so that two copies of this package (or a package that
// only implements the protocol) agree on them.
const getBufferSymbol: unique symbol = Symbol.for('buffer-protocol.getBuffer');
const releaseBufferSymbol: unique symbol = Symbol.for('buffer-protocol.releaseBuffer');

/**
 * The JavaScript-level buffer protocol (PEP 688's `__buffer__` and
 * `__release_buffer__`). Any object can export memory by implementing
 * `[bufferProtocol.getBuffer](flags)`, which returns one of:
 * - a {@link BufferInfo}, typically `getBuffer(other, flags)` to redirect to
 *   another exporter;
 * - a plain layout descriptor `{ buffer, byteOffset?, format?, shape?,
 *   strides?, readonly? }` over an ArrayBuffer or SharedArrayBuffer (an
 *   addition: it lets a class describe N-d memory it owns).
 *
 * The consumer's request is then checked against what was returned, exactly
 * as CPython checks a `__buffer__` result (memoryview semantics), and
 * `[bufferProtocol.releaseBuffer](returned)` runs exactly once per
 * successful `[bufferProtocol.getBuffer]` call: when the consumer releases,
 * or at once if the result is refused.
 *
 * @example
 * class Image {
 *   #pixels = new ArrayBuffer(4 * 3 * 2);
 *   [bufferProtocol.getBuffer](flags: number) {
 *     return { buffer: this.#pixels, format: 'B', shape: [2, 3, 4] };
 *   }
 * }
 */
export const bufferProtocol: {
  readonly getBuffer: typeof getBufferSymbol;
  readonly releaseBuffer: typeof releaseBufferSymbol;
} = Object.freeze({ getBuffer: getBufferSymbol, releaseBuffer: releaseBufferSymbol });

/** A plain layout descriptor an exporter may return. */
export interface BufferDescriptor {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly byteOffset?: number;
  readonly format?: string;
  readonly shape?: readonly number[];
  readonly strides?: readonly number[];
  readonly readonly?: boolean;
}
