// The ManagedBuffer of CPython's memoryobject.c: one export of the
// underlying object, shared by a memoryview and every view derived from it
// (slices, casts, transposes, toReadonly, memoryview(view)). The export is
// released once, when the last registered view goes.
import type { BufferInfo } from '../export/buffer-info';
import { BufferError } from '../errors';
import { isDetached } from '../internal/memory';

// Any TypedArray constructor, typed loosely: callers cast the result.
type TypedCtor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): unknown; BYTES_PER_ELEMENT: number };

/** The refusal of any use of a released view, or of one whose memory went away. */
export function releasedView(): BufferError {
  return new BufferError('ERR_BUFFER_RELEASED', 'operation forbidden on released memoryview object');
}

// Views dropped without release() give their hold on the shared export back.
const dropped = new FinalizationRegistry<ManagedBuffer>((mbuf) => mbuf.unregister());

export class ManagedBuffer {
  readonly master: BufferInfo;
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  #views = 0;
  #dataView: DataView | null = null;
  readonly #typed = new Map<unknown, unknown>();

  constructor(master: BufferInfo) {
    this.master = master;
    this.buffer = master.buffer;
  }

  get released(): boolean {
    return this.master.released;
  }

  /** A new view holds the export; collected without release(), it gives its hold back. */
  register(view: object): void {
    // Once the last view went, the export is gone: no view may come back.
    if (this.master.released) throw releasedView();
    this.#views++;
    dropped.register(view, this, view);
  }

  /** A view lets go (released, or collected: then `view` is absent); the last one ends the export. */
  unregister(view?: object): void {
    if (view !== undefined) dropped.unregister(view);
    if (--this.#views === 0) this.master.release();
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
    let array = this.#typed.get(ctor);
    if (array === undefined) {
      this.#checkAttached();
      const length = Math.floor(this.buffer.byteLength / ctor.BYTES_PER_ELEMENT);
      array = new ctor(this.buffer as ArrayBuffer, 0, length);
      this.#typed.set(ctor, array);
    }
    return array;
  }
}
