// The legacy buffer object of Python 2 (PyBuffer_FromObject and friends): a
// one-dimensional byte window onto another exporter's memory, or onto memory
// of its own (PyBuffer_New). It is built on a 'B' memoryview of the base, so
// slices share the base's single export and release it with the last of them.
import { BufferInfoImpl, exportedMemory, releaseQuietly, sharedRelease, type BufferInfo } from '../export/buffer-info';
import { defineExporter, type ExporterMethods } from '../export/exporters';
import { BufferError, invalidArgType, outOfRange } from '../errors';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { memoryGone } from '../internal/memory';
import { regionOf } from '../io/owned';
import { native } from '../native';
import { checkInteger } from '../internal/validate';
import { negotiateContiguous } from '../layout/negotiate';
import { endViewExport, holdViewExport, memoryview, type MemoryView } from '../view/memory-view';
import { NativeBuffer } from './native-buffer';
import type { bufferProtocol } from '../protocol';
// Unknown inputs, checked at run time: memoryview() without its Exporter type.
import { createView } from '../view/whole-view';

// Set in the class's static block, where the private method can be reached.
let mirrorForC: (obj: BufferObject) => void;

/** For the C API's facade: lets C's next get_buffer of `obj` skip JavaScript. */
export function mirrorBufferObjectForC(obj: BufferObject): void {
  mirrorForC(obj);
}

/** `Py_END_OF_BUFFER`: as a size, "up to the end of the base's buffer". */
export const END_OF_BUFFER = -1;

function checkSize(size: unknown): number {
  if (size === END_OF_BUFFER) return END_OF_BUFFER;
  return checkInteger('size', size, 0);
}

export class BufferObject {
  readonly #view: MemoryView;
  readonly #readonly: boolean;
  // True once C's get_buffer left a mirror of this object in the binding
  // (view_mirror.cc): C views made from it hold it as exports do.
  #mirrored = false;
  // Every export's release action: one closure per object, not per export,
  // so the GC safety net counts this object's exports instead of keeping a
  // slot for each (see buffer-info.ts).
  readonly #endExport = sharedRelease((): void => endViewExport(this.#view));

  private constructor(view: MemoryView, readonly: boolean) {
    this.#view = view;
    this.#readonly = readonly;
  }

  static {
    defineExporter(
      this,
      'a BufferObject',
      (obj) => #view in obj,
      (obj, flags) => obj.#export(flags),
    );
    mirrorForC = (obj) => obj.#mirrorForC();
  }

  /** PEP 688 form of getBuffer(this, flags). */
  declare [bufferProtocol.getBuffer]: ExporterMethods[typeof bufferProtocol.getBuffer];
  /** PEP 688 form of view.release(). */
  declare [bufferProtocol.releaseBuffer]: ExporterMethods[typeof bufferProtocol.releaseBuffer];

  static #window(base: unknown, offset: unknown, size: unknown, writable: boolean): BufferObject {
    const start = checkInteger('offset', offset, 0);
    const want = checkSize(size);
    // One segment of bytes: the base must be C-contiguous (SIMPLE).
    let info: BufferInfo;
    try {
      info = getBuffer(base, writable ? BufferFlags.WRITABLE : BufferFlags.SIMPLE);
    } catch (error) {
      if (writable && (error as { code?: unknown }).code === 'ERR_BUFFER_NOT_WRITABLE') {
        throw invalidArgType('base', 'a writable buffer (PyBuffer_FromReadWriteObject)', base);
      }
      throw error;
    }
    try {
      const available = info.len;
      if (start > available) throw outOfRange('offset', `<= the base's ${available} bytes`, start);
      const length = want === END_OF_BUFFER ? available - start : want;
      if (start + length > available) {
        throw outOfRange('size', `<= ${available - start} (the bytes after offset), or END_OF_BUFFER`, want);
      }
      const view = createView(base, { format: 'B', shape: [length], byteOffset: start, readonly: !writable });
      return new BufferObject(view, !writable);
    } finally {
      info.release();
    }
  }

  /**
   * `PyBuffer_FromObject`: a read-only window of `size` bytes (to the end with
   * END_OF_BUFFER) from `offset` into `base`'s contiguous bytes.
   * @throws {RangeError} ERR_OUT_OF_RANGE for a negative offset or size, or a
   *   window past the end of the base.
   */
  static fromObject(base: unknown, offset = 0, size: number = END_OF_BUFFER): BufferObject {
    return BufferObject.#window(base, offset, size, false);
  }

  /**
   * `PyBuffer_FromReadWriteObject`: a writable window.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `base` is not writable.
   */
  static fromReadWriteObject(base: unknown, offset = 0, size: number = END_OF_BUFFER): BufferObject {
    return BufferObject.#window(base, offset, size, true);
  }

  /**
   * `PyBuffer_New`: a writable buffer object over `size` new zeroed bytes of its own.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when size is not a number.
   * @throws {RangeError} ERR_OUT_OF_RANGE when size is negative or not an integer.
   */
  static alloc(size: number): BufferObject {
    checkInteger('size', size, 0);
    const own = NativeBuffer.alloc(size, { align: 8 });
    const view = memoryview(own);
    return new BufferObject(view, false);
  }

  /** `PyBuffer_Check`. */
  static isBufferObject(value: unknown): value is BufferObject {
    return typeof value === 'object' && value !== null && #view in value;
  }

  get length(): number {
    return this.#view.length;
  }
  get readonly(): boolean {
    return this.#readonly;
  }
  get released(): boolean {
    return this.#view.released;
  }

  /**
   * The byte at `index` (negative indices count from the end).
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when index is not an integer.
   * @throws {RangeError} ERR_OUT_OF_RANGE when index is out of range.
   * @throws {BufferError} ERR_BUFFER_RELEASED once released, or when the base's memory is gone.
   */
  get(index: number): number {
    return this.#view.get(index) as number;
  }

  /** Sets the byte at `index`. @throws {BufferError} ERR_BUFFER_NOT_WRITABLE on a read-only buffer object. */
  set(index: number, value: number | boolean): void {
    this.#view.set(index, value);
  }

  /**
   * A zero-copy window [start, end) (Python slice rules, step 1).
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when start or end is neither an integer nor null.
   * @throws {BufferError} ERR_BUFFER_RELEASED once released, or when the base's memory is gone.
   */
  slice(start?: number | null, end?: number | null): BufferObject {
    return new BufferObject(this.#view.slice([start ?? null, end ?? null]), this.#readonly);
  }

  /**
   * Slice assignment: `source` (any exporter) must have exactly end - start bytes.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when source is not an exporter.
   * @throws {BufferError} ERR_BUFFER_STRUCTURE_MISMATCH for another number of bytes, ERR_BUFFER_NOT_WRITABLE
   *   on a read-only buffer object, ERR_BUFFER_RELEASED once released.
   */
  assign(source: unknown, start?: number | null, end?: number | null): void {
    const target = this.#view.slice([start ?? null, end ?? null]);
    try {
      BufferObject.#withBytes([source], ([bytes]) => {
        if (bytes!.length !== target.length) {
          throw new BufferError(
            'ERR_BUFFER_STRUCTURE_MISMATCH',
            `cannot assign ${bytes!.length} bytes to a window of ${target.length}`,
          );
        }
        target.assign(bytes);
      });
    } finally {
      target.release();
    }
  }

  /**
   * Runs `use` on the bytes of each contiguous exporter, as Uint8Arrays over
   * their memory, and only then releases them: once released, an exporter may
   * take its memory back (close or detach it), and the arrays would read as
   * empty. BufferObjects are exported too, so a later source's hook cannot
   * release them while their bytes are in use.
   */
  static #withBytes<T>(sources: readonly unknown[], use: (bytes: Uint8Array[]) => T): T {
    const held: BufferInfo[] = [];
    try {
      const bytes = sources.map((source) => {
        const info = getBuffer(source, BufferFlags.SIMPLE);
        held.push(info);
        return new Uint8Array(info.buffer, info.byteOffset, info.len);
      });
      return use(bytes);
    } finally {
      // Every one, even if an exporter's hook throws: the result (or the
      // refusal) stands, as after any temporary export.
      for (const info of held) releaseQuietly(info);
    }
  }

  // A released buffer object is reported before any argument is looked at.
  #checkLive(): void {
    if (this.#view.released) throw new BufferError('ERR_BUFFER_RELEASED', 'operation forbidden on released buffer object');
  }

  #bytes(): Uint8Array {
    const v = this.#view;
    // A forced close of the base's owner detaches the memory under the view.
    if (memoryGone(v.buffer, v.nbytes)) {
      throw new BufferError('ERR_BUFFER_RELEASED', 'the memory of this buffer object was released by its owner');
    }
    return new Uint8Array(v.buffer, v.byteOffset, v.length);
  }

  /**
   * A new buffer object (of its own memory) holding this one's bytes followed by the others'.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when one of others is not an exporter.
   * @throws {BufferError} ERR_BUFFER_RELEASED once released, or when the base's memory is gone.
   */
  concat(...others: unknown[]): BufferObject {
    this.#checkLive();
    // Own bytes last: getting the others' buffers runs their hooks, which may
    // release this buffer object or close its base.
    return BufferObject.#withBytes(others, (theirs) => {
      const parts = [this.#bytes(), ...theirs];
      const out = BufferObject.alloc(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      const dst = out.#bytes();
      for (const p of parts) {
        dst.set(p, at);
        at += p.length;
      }
      return out;
    });
  }

  /**
   * Byte equality with any exporter.
   * Never throws: what cannot be compared is unequal.
   */
  equals(other: unknown): boolean {
    try {
      return this.compare(other) === 0;
    } catch {
      return false;
    }
  }

  /**
   * Lexicographic byte order: -1, 0 or 1, as Buffer.compare.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when other is not an exporter.
   * @throws {BufferError} ERR_BUFFER_RELEASED once released, or when the base's memory is gone.
   */
  compare(other: unknown): -1 | 0 | 1 {
    this.#checkLive();
    // Own bytes after the other's: its hook may release this buffer object.
    return BufferObject.#withBytes([other], ([theirs]) => Buffer.compare(this.#bytes(), theirs!) as -1 | 0 | 1);
  }

  /**
   * The first index of a byte, a string (utf8) or another exporter's bytes, from `byteOffset`; -1 if absent.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when value is neither a byte, a string nor an exporter.
   * @throws {RangeError} ERR_OUT_OF_RANGE for a number outside 0..255.
   * @throws {BufferError} ERR_BUFFER_RELEASED once released, or when the base's memory is gone.
   */
  indexOf(value: number | string | object, byteOffset = 0): number {
    this.#checkLive();
    // Built after the needle's buffer is held: its hook may release this buffer object.
    const haystack = (): Buffer => {
      const bytes = this.#bytes();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    };
    if (typeof value === 'number') return haystack().indexOf(checkInteger('value', value, 0, 255), byteOffset);
    if (typeof value === 'string') return haystack().indexOf(value, byteOffset);
    return BufferObject.#withBytes([value], ([needle]) => haystack().indexOf(needle!, byteOffset));
  }

  /** Decodes the bytes (`buf.toString(encoding)` of Node's Buffer). */
  toString(encoding: BufferEncoding = 'utf8'): string {
    if (this.#view.released) return '[released BufferObject]';
    return Buffer.from(this.#bytes().buffer, this.#bytes().byteOffset, this.length).toString(encoding);
  }

  /**
   * Ends this buffer object's hold on the base (the base's export goes with the last slice).
   * @throws {BufferError} ERR_BUFFER_EXPORTS_ACTIVE while getBuffer exports of this buffer object are live.
   */
  release(): void {
    if (this.#view.released) return;
    const cViews = this.#mirrored ? native.viewMirror.viewMirrorCViews(this) : 0;
    if (cViews > 0) {
      throw new BufferError('ERR_BUFFER_EXPORTS_ACTIVE', `buffer object has ${cViews} exported buffer${cViews === 1 ? '' : 's'}`);
    }
    this.#view.release();
    if (this.#mirrored) native.viewMirror.releaseViewMirror(this);
  }

  /**
   * Leaves a mirror of this object's one segment of bytes in the binding,
   * so that C's later get_buffer calls need no call back here. The mirror
   * answers only what PyBuffer_FillInfo and memoryview's rules answer alike
   * (a 1-D contiguous 'B' layout), and leaves the rest to the facade.
   */
  #mirrorForC(): void {
    const view = this.#view;
    if (this.#mirrored || view.released) return;
    const buffer = view.buffer;
    const n = view.nbytes;
    native.viewMirror.mirrorView(this, buffer, regionOf(buffer) ?? null, 'B', 1, view.byteOffset, n, this.#readonly, [n], [1]);
    this.#mirrored = true;
  }

  [Symbol.dispose](): void {
    this.release();
  }

  #export(flags: number): BufferInfo {
    // The legacy object exports one segment of bytes: PyBuffer_FillInfo.
    // Negotiate first, then hold the inner view for the export's lifetime.
    const view = this.#view;
    const seen = negotiateContiguous(view.nbytes, 1, 'B', this.#readonly, flags);
    const placed = holdViewExport(view);
    return BufferInfoImpl.of(
      this,
      exportedMemory(placed.buffer, placed.byteOffset, placed.len, 1),
      this.#readonly,
      seen,
      this.#endExport,
    );
  }
}
