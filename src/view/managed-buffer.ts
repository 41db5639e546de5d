// The ManagedBuffer of CPython's memoryobject.c: one export of the
// underlying object, shared by a memoryview and every view derived from it
// (slices, casts, transposes, toReadonly, memoryview(view)). The export is
// released once, when the last registered view goes.
import { holdsSomething, type BufferInfo, type ExportHold } from '../export/buffer-info';
import type { BuiltinMemory } from '../export/builtin';
import { BufferError } from '../errors';
import { isDetached, isSharedBlock } from '../internal/memory';
import { SafeWeakMap, bufferByteLength, privateElements, type ElementArrayName } from '../internal/primordials';
import { codecFor, type ItemCodec } from './items';

/** The refusal of any use of a released view, or of one whose memory went away. */
export function releasedView(): BufferError {
  return new BufferError('ERR_BUFFER_RELEASED', 'operation forbidden on released memoryview object');
}

/** An array over a block, of one element type. */
interface BlockArray {
  readonly name: ElementArrayName;
  array: ArrayBufferView;
}

/** The arrays over one block (a program reads a block as one or two types), and whether it can grow (a SharedArrayBuffer). */
interface BlockArrays {
  readonly shared: boolean;
  readonly made: BlockArray[];
}

// The arrays over each block, one per element type, so that every family of
// a block (a NativeBuffer viewed per request) shares them. The library's own
// WeakMap, and arrays made in its private realm (privateElements): replaced
// built-ins neither see a block nor hand out an array of their choosing.
const arraysOfBlock = new SafeWeakMap<object, BlockArrays>();

/**
 * A TypedArray over all of `buffer`, from its first byte, whose elements are
 * the raw items of `codec` (host order); null when the block is empty or gone.
 */
function blockElements(buffer: ArrayBuffer | SharedArrayBuffer, codec: ItemCodec): ArrayBufferView | null {
  const name = codec.storageName;
  let block = arraysOfBlock.get(buffer);
  let kept: BlockArray | null = null;
  // Index loops and stores: replaced Array.prototype methods never run here.
  const made = block === undefined ? [] : block.made;
  for (let i = 0; i < made.length; i++) if (made[i]!.name === name) kept = made[i]!;
  // A block that cannot grow keeps its arrays (one detached reads nothing);
  // a growable SharedArrayBuffer's are made again once it grew.
  if (kept !== null && !block!.shared) return kept.array;
  // The genuine length (0 once detached): a getter put on the buffer could lie.
  const length = Math.floor(bufferByteLength(buffer) / codec.size);
  if (length === 0) return null;
  if (kept !== null && (kept.array as Uint8Array).length === length) return kept.array;
  const array = privateElements(name, buffer, length);
  if (kept !== null) {
    kept.array = array;
  } else {
    if (block === undefined) {
      block = { shared: isSharedBlock(buffer), made: [] };
      arraysOfBlock.set(buffer, block);
    }
    block.made[block.made.length] = { name, array };
  }
  return array;
}

const BYTES = codecFor('B')!;

/**
 * The bytes of `buffer` as get() reads them (blockElements for 'B'), which a
 * region owner keeps for its current block: each memoryview(owner) is a new
 * family, which would otherwise look them up by buffer.
 */
export function blockBytes(buffer: ArrayBuffer): ArrayBufferView | null {
  return blockElements(buffer, BYTES);
}

// valueCodec's last answer: a program views its blocks in one or two formats.
let lastFormat = '';
let lastCodec: ItemCodec | null = null;

/** The codec of `format` when TypedArray elements are its items as get() returns them (not '?', 'e', records, the other byte order), else null. */
function valueCodec(format: string): ItemCodec | null {
  if (format !== lastFormat) {
    const codec = codecFor(format);
    lastCodec = codec !== null && codec.nativeOrder && codec.valueArray !== null ? codec : null;
    lastFormat = format;
  }
  return lastCodec;
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
    return new ManagedBuffer(master.obj, master.buffer, holdsSomething(master) ? master : null, null, '', 0);
  }

  /**
   * A family holding `hold`, a count of `obj`'s (a NativeBuffer's, a
   * MappedFile's) this ManagedBuffer now ends; `bytes` are blockBytes(buffer).
   */
  static ofHold(obj: unknown, buffer: ArrayBuffer, hold: ExportHold, bytes: ArrayBufferView | null): ManagedBuffer {
    return new ManagedBuffer(obj, buffer, hold, bytes, bytes === null ? '' : 'B', 0);
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
   * The raw elements of `codec`'s items over the whole block, from its first
   * byte, shared by the block's families (see blockElements).
   */
  elements(codec: ItemCodec): ArrayBufferView | null {
    return blockElements(this.buffer, codec);
  }

  /**
   * elements() for `format` when they are its items as get() returns them
   * (not '?', 'e', records or the other byte order), else null. The last
   * format asked is kept, so that the views a loop makes of one format get
   * it with one comparison.
   */
  itemsFor(format: string): ArrayBufferView | null {
    if (format !== this.#otherFormat) {
      const codec = valueCodec(format);
      this.#otherValues = codec === null ? null : this.elements(codec);
      this.#otherFormat = format;
    }
    return this.#otherValues;
  }
}

/**
 * What a released view holds instead of its family: nothing. Never used (a
 * released view refuses every operation before it looks at its family).
 */
export const RELEASED_FAMILY: ManagedBuffer = Object.create(ManagedBuffer.prototype) as ManagedBuffer;
