// The ManagedBuffer of CPython's memoryobject.c: one export of the
// underlying object, shared by a memoryview and every view derived from it
// (slices, casts, transposes, toReadonly, memoryview(view)). The export is
// released once, when the last registered view goes.
import { holdsSomething, type BufferInfo } from '../export/buffer-info';
import { valuesOf, type BuiltinMemory } from '../export/builtin';
import { BufferError } from '../errors';
import { isDetached } from '../internal/memory';

// Any TypedArray constructor, typed loosely: callers cast the result.
type TypedCtor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): unknown; BYTES_PER_ELEMENT: number };

/** The refusal of any use of a released view, or of one whose memory went away. */
export function releasedView(): BufferError {
  return new BufferError('ERR_BUFFER_RELEASED', 'operation forbidden on released memoryview object');
}

export class ManagedBuffer {
  /** The object the family's views were made from. */
  readonly obj: unknown;
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  // The export the family holds, or null for built-in memory, whose export
  // gives nothing back (no count): such a family needs no BufferInfo and no
  // safety net at all.
  readonly #master: BufferInfo | null;
  #views = 0;
  #released = false;
  #dataView: DataView | null = null;
  #typed: Map<unknown, unknown> | null = null;
  /**
   * Items of format `valuesFormat` that need no conversion, readable at
   * once: the exporter itself when it is a TypedArray (its first element at
   * `valuesOffset` in `buffer`), else null. A view of that format reads its
   * items from it with nothing made on first use (see MemoryView.get).
   */
  readonly values: ArrayBufferView | null;
  readonly valuesFormat: string;
  readonly valuesOffset: number;

  private constructor(
    obj: unknown,
    buffer: ArrayBuffer | SharedArrayBuffer,
    master: BufferInfo | null,
    values: ArrayBufferView | null,
    valuesFormat: string,
    valuesOffset: number,
  ) {
    this.obj = obj;
    this.buffer = buffer;
    this.#master = master;
    this.values = values;
    this.valuesFormat = valuesFormat;
    this.valuesOffset = valuesOffset;
  }

  /**
   * A family holding `master`, an export this ManagedBuffer now ends. The
   * family is the export's only holder, so the export's own safety net
   * (its batch, in buffer-info.ts) gives it back once every unreleased view
   * of the family was collected: the family needs none of its own.
   */
  static holding(master: BufferInfo): ManagedBuffer {
    const held = holdsSomething(master) ? master : null;
    const typed = valuesOf(master.obj, master.buffer);
    return typed === null
      ? new ManagedBuffer(master.obj, master.buffer, held, null, '', 0)
      : new ManagedBuffer(master.obj, master.buffer, held, typed.values, typed.format, typed.byteOffset);
  }

  /** A family over built-in memory of `obj`, exported with no count to give back. */
  static ofBuiltin(obj: unknown, memory: BuiltinMemory): ManagedBuffer {
    return new ManagedBuffer(obj, memory.buffer, null, memory.values, memory.format, memory.byteOffset);
  }

  get released(): boolean {
    return this.#released;
  }

  /** A new view holds the export, until it is released (unregister) or the whole family is collected. */
  register(): void {
    // Once the last view went, the export is gone: no view may come back.
    if (this.#released) throw releasedView();
    this.#views++;
  }

  /** A view is released; the last one ends the export. */
  unregister(): void {
    if (--this.#views === 0) {
      this.#released = true;
      this.#master?.release();
    }
  }

  // An owner's forced close detaches the block under live views.
  #checkAttached(): void {
    if (isDetached(this.buffer)) {
      throw new BufferError('ERR_BUFFER_RELEASED', 'the memory of this view was released by its owner');
    }
  }

  /** A DataView over the whole block, made once. @throws ERR_BUFFER_RELEASED once the block is detached. */
  dataView(): DataView {
    if (this.#dataView === null) {
      this.#checkAttached();
      this.#dataView = new DataView(this.buffer);
    }
    return this.#dataView;
  }

  /** A TypedArray of `ctor` over the whole block (whole elements only), made once per type. */
  typed(ctor: TypedCtor): unknown {
    const made = (this.#typed ??= new Map());
    let array = made.get(ctor);
    if (array === undefined) {
      this.#checkAttached();
      const length = Math.floor(this.buffer.byteLength / ctor.BYTES_PER_ELEMENT);
      array = new ctor(this.buffer as ArrayBuffer, 0, length);
      made.set(ctor, array);
    }
    return array;
  }
}

/**
 * What a released view holds instead of its family: nothing. Never used (a
 * released view refuses every operation before it looks at its family).
 */
export const RELEASED_FAMILY: ManagedBuffer = Object.create(ManagedBuffer.prototype) as ManagedBuffer;
