// The ManagedBuffer of CPython's memoryobject.c: one export of the
// underlying object, shared by a memoryview and every view derived from it
// (slices, casts, transposes, toReadonly, memoryview(view)). The export is
// released once, when the last registered view goes.
import { holdsSomething, type BufferInfo, type ExportHold } from '../export/buffer-info';
import { valuesOf, type BuiltinMemory } from '../export/builtin';
import { BufferError } from '../errors';
import { isDetached } from '../internal/memory';
import { SafeWeakMap, bufferByteLength, privateElements, type ElementArrayName } from '../internal/primordials';
import { codecFor } from './items';

// Any TypedArray constructor, typed loosely: callers cast the result.
type TypedCtor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): unknown; BYTES_PER_ELEMENT: number };

/** The refusal of any use of a released view, or of one whose memory went away. */
export function releasedView(): BufferError {
  return new BufferError('ERR_BUFFER_RELEASED', 'operation forbidden on released memoryview object');
}

/** The item array a block last gave out: its format and the array (null: none). */
interface BlockItems {
  format: string;
  values: ArrayBufferView | null;
}

// The arrays whose elements are the items of each kind (codecFor's).
const ELEMENT_ARRAYS: Readonly<Record<string, ElementArrayName>> = {
  i8: 'Int8Array',
  u8: 'Uint8Array',
  i16: 'Int16Array',
  u16: 'Uint16Array',
  i32: 'Int32Array',
  u32: 'Uint32Array',
  i64: 'BigInt64Array',
  u64: 'BigUint64Array',
  f32: 'Float32Array',
  f64: 'Float64Array',
};

// Per block, so that the families of one block (a NativeBuffer viewed per
// request) share one array instead of each making its own (50 ns).
// Its methods are the library's own: a replaced WeakMap.prototype.get must
// not hand get() an array of its choosing.
const itemsOfBlock = new SafeWeakMap<object, BlockItems>();

/**
 * A TypedArray over all of `buffer` whose elements are `format` items as
 * get() returns them; null when no TypedArray holds them (records, '?',
 * 'e', the other byte order) or the block is empty or gone.
 */
function blockItems(buffer: ArrayBuffer | SharedArrayBuffer, format: string): ArrayBufferView | null {
  const kept = itemsOfBlock.get(buffer);
  if (kept !== undefined && kept.format === format) return kept.values;
  const codec = codecFor(format);
  const name = codec !== null && codec.nativeOrder && codec.valueArray !== null ? ELEMENT_ARRAYS[codec.kind] : undefined;
  // The genuine length (0 once detached): a getter put on the buffer could lie.
  const length = name === undefined ? 0 : Math.floor(bufferByteLength(buffer) / codec!.size);
  // Made by the library's own constructors: a replaced global one would see the block.
  const values = length === 0 ? null : privateElements(name!, buffer, length);
  if (kept === undefined) {
    itemsOfBlock.set(buffer, { format, values });
  } else {
    kept.format = format;
    kept.values = values;
  }
  return values;
}

export class ManagedBuffer {
  /** The object the family's views were made from. */
  readonly obj: unknown;
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  // The export the family holds, or null for built-in memory, whose export
  // gives nothing back (no count): such a family needs no BufferInfo and no
  // safety net at all.
  readonly #master: BufferInfo | ExportHold | null;
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
  // The items of one other format (a NativeBuffer's views, a cast's), from
  // the block's first byte: see itemsFor.
  #otherFormat = '';
  #otherValues: ArrayBufferView | null = null;

  private constructor(
    obj: unknown,
    buffer: ArrayBuffer | SharedArrayBuffer,
    master: BufferInfo | ExportHold | null,
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

  /** A family holding `hold`, a count of `obj`'s (a NativeBuffer's, a MappedFile's) this ManagedBuffer now ends. */
  static ofHold(obj: unknown, buffer: ArrayBuffer, hold: ExportHold): ManagedBuffer {
    return new ManagedBuffer(obj, buffer, hold, null, '', 0);
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
    if (this.#released === true) throw releasedView();
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

  /**
   * A TypedArray over the whole block, from its first byte, whose elements
   * are `format` items as get() returns them (see blockItems); the last
   * format asked is kept, so that the views a loop makes of one format get
   * it with one comparison.
   */
  itemsFor(format: string): ArrayBufferView | null {
    if (format !== this.#otherFormat) {
      this.#otherValues = blockItems(this.buffer, format);
      this.#otherFormat = format;
    }
    return this.#otherValues;
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
