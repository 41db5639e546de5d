import { describeThrown, invalidArgType } from '../errors';
import { contiguousStrides, isCContiguousLayout, isFContiguousLayout, type Layout, type Placed } from '../layout/layout';
import { negotiate, negotiated, type Negotiated } from '../layout/negotiate';
import { settleShape } from '../internal/settle-shape';
import { SafeWeakMap } from '../internal/primordials';

/**
 * The descriptor of one export: CPython's `Py_buffer`, with the memory given
 * as an ArrayBuffer plus a byte offset instead of a raw pointer.
 *
 * JavaScript forms of the same semantics:
 * - `buffer` + `byteOffset` is `buf`: the address of item [0, ..., 0], which
 *   may sit anywhere in the block (at its end for negative strides).
 * - `shape` and `strides` are `null` where CPython's pointers are NULL: no
 *   shape without ND, no strides without STRIDES (then the layout is
 *   C-contiguous). A 0-d export has `shape` and `strides` `[]` when they
 *   were requested.
 * - `suboffsets` is always `null` for JavaScript exporters; only native
 *   exporters may describe pointer-based (PIL-style) layouts.
 * - `release()` is `PyBuffer_Release`: idempotent, and `using` calls it.
 */
export interface BufferInfo extends Disposable {
  /** The object the buffer was requested from. */
  readonly obj: unknown;
  /** The memory block the view lives in. */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Byte offset of item [0, ..., 0] in `buffer`. */
  readonly byteOffset: number;
  /** product(shape) * itemsize: the bytes a contiguous copy would need. */
  readonly len: number;
  readonly readonly: boolean;
  /** Bytes per item. Kept even when `format` is null (SIMPLE requests), as in CPython. */
  readonly itemsize: number;
  /** struct-module format; null unless FORMAT was requested (then read as 'B'). */
  readonly format: string | null;
  readonly ndim: number;
  readonly shape: readonly number[] | null;
  /** Byte strides; null unless STRIDES was requested. */
  readonly strides: readonly number[] | null;
  readonly suboffsets: readonly number[] | null;
  /** True once `release()` ran. An addition to Py_buffer. */
  readonly released: boolean;
  /** Ends this export. Calling it again does nothing. */
  release(): void;
}

// Node 20 defines Symbol.dispose as the registered symbol 'nodejs.dispose',
// but only in the main realm: vm contexts (jest) lack it. The registered
// symbol is the same in every realm, so `using` works wherever it exists.
export const disposeSymbol: typeof Symbol.dispose =
  (Symbol.dispose as typeof Symbol.dispose | undefined) ?? (Symbol.for('nodejs.dispose') as typeof Symbol.dispose);

// Exports that hold something (an export count, an exporter's release hook)
// are released by the garbage collector if the consumer drops them without
// release(). One FinalizationRegistry entry per export cost about 150 ns
// (register + unregister), more than the rest of an export, so exports are
// enrolled in batches instead: the exports of one object made in one
// stretch of synchronous code (at most BATCH of them) share an anchor
// object, which only their unreleased exports reference, and which alone is
// registered. When it is collected, every export of the batch still
// enrolled was dropped unreleased, and its release action runs. The price,
// documented in docs/lifetimes.md: a dropped export is given back once the
// other unreleased exports of its batch are released or collected too. They
// are exports of the same object, which refuse its close() and resize()
// anyway; an export of another object never delays it. A view family's
// export (a ManagedBuffer's) is enrolled like any other: the family is its
// only holder, so it is given back when the family is collected.

const BATCH = 1024;

/** A batch's release actions, one slot per export; null once that export was released. */
type Releases = ((() => void) | null)[];

/**
 * What the collector runs for a batch: `common` once per export enrolled
 * with it and not released (`counted`), and each other action still in its
 * slot. The exports of one object mostly share one action (an owner's
 * count, marked with sharedRelease), so they take no slot: a family dropped
 * in a loop costs nothing to keep, where a slot each made 8 bytes of old
 * space per view, and the pages it grew into cost this machine more than
 * the views did. It never references an export (or no export could be
 * collected), and holds `common` only while an export counts on it: the
 * action holds its owner, which must not outlive its last export.
 */
interface Held {
  common: (() => void) | null;
  counted: number;
  // Made at its full size when the first other action comes: growing it
  // export by export measured slower.
  releases: Releases | null;
}

// The release actions that stand for every export of their object (an
// owner's count): only these are counted instead of slotted. A protocol
// exporter's action is one closure per export, over what that export
// returned, and the batch must not keep it once its export is released.
const sharedActions = new SafeWeakMap<() => void, true>();

/** Marks `action` as the one release action of every export of its object; returns it. */
export function sharedRelease<T extends () => void>(action: T): T {
  sharedActions.set(action, true);
  return action;
}

// A throwing release hook must not take the process down from inside GC.
function releaseDropped(release: () => void): void {
  try {
    release();
  } catch (error) {
    process.emitWarning(`buffer-protocol: releasing a dropped export failed: ${describeThrown(error)}`, 'BufferWarning');
  }
}

const dropped = new FinalizationRegistry<Held>((held) => {
  let n = held.counted;
  const common = held.common;
  held.counted = 0;
  held.common = null;
  for (; n > 0; n--) releaseDropped(common!);
  for (const release of held.releases?.splice(0) ?? []) if (release !== null) releaseDropped(release);
});

/** A batch: the exports of `obj` in one stretch of synchronous code. Each unreleased one holds it, and so its anchor. */
interface Batch {
  readonly obj: unknown;
  readonly anchor: object;
  readonly held: Held;
  // The shared action its exports are counted under, or null.
  readonly common: (() => void) | null;
  used: number;
  // Exports enrolled and not yet released: at 0 the slots are all free again.
  live: number;
}

// A few batches stay open at once, so that exports of objects made in
// turn (a BufferObject's and that of the view under it) still share theirs.
const OPEN_BATCHES = 4;
let open: Batch[] = [];
let nextSlot = 0;

/** The open batch of `obj` with room for one more export; a new one if there is none. */
function batchFor(obj: unknown, onRelease: () => void): Batch {
  for (let i = 0; i < open.length; i++) {
    const batch = open[i]!;
    if (batch.obj === obj && batch.used < BATCH) return batch;
  }
  return newBatch(obj, onRelease);
}

// batchFor when `obj` has no open batch with room: out of line, so that
// batchFor stays small enough for V8 to inline into the export or view a
// loop makes.
function newBatch(obj: unknown, onRelease: () => void): Batch {
  if (open.length === 0) queueMicrotask(endBatches);
  const held: Held = { common: null, counted: 0, releases: null };
  const common = sharedActions.has(onRelease) ? onRelease : null;
  const batch: Batch = { obj, anchor: {}, held, common, used: 0, live: 0 };
  dropped.register(batch.anchor, held);
  const slot = open.findIndex((b) => b.obj === obj);
  if (slot >= 0) open[slot] = batch;
  else if (open.length < OPEN_BATCHES) open.push(batch);
  else {
    open[nextSlot] = batch;
    nextSlot = (nextSlot + 1) % OPEN_BATCHES;
  }
  return batch;
}

/**
 * Enrolls an export in `batch`, for the collector to run `onRelease` if it
 * is dropped; returns its slot, -1 when it takes none (the batch's shared action).
 */
function enroll(batch: Batch, onRelease: () => void): number {
  const slot = batch.used++;
  batch.live++;
  const held = batch.held;
  if (onRelease === batch.common) {
    if (held.counted++ === 0) held.common = onRelease;
    return -1;
  }
  (held.releases ??= new Array<(() => void) | null>(BATCH).fill(null))[slot] = onRelease;
  return slot;
}

/**
 * Ends a released export's enrolment. Once every export of the batch is
 * released, its slots are used again from the first: a loop that exports
 * and releases keeps one batch, one anchor and one registration, instead
 * of a new batch every 1024 exports, which the registry held until a full
 * GC (the scavenger keeps a registered target alive): 80 MB of old space
 * after ten million exports, and a third of their time in GC.
 */
function leave(batch: Batch, slot: number): void {
  const held = batch.held;
  if (slot >= 0) held.releases![slot] = null;
  else if (--held.counted === 0) held.common = null;
  if (--batch.live === 0) batch.used = 0;
}

/**
 * An export without a descriptor: a count its owner keeps, given
 * back once, by release() or, if dropped, by the collector (enrolled in a
 * batch as a BufferInfo is). What a view family of a NativeBuffer or
 * MappedFile holds: it needs no BufferInfo.
 */
export class ExportHold {
  #onRelease: (() => void) | null;
  #batch: Batch | null;
  readonly #slot: number;

  constructor(obj: unknown, onRelease: () => void) {
    this.#onRelease = onRelease;
    const batch = batchFor(obj, onRelease);
    this.#batch = batch;
    this.#slot = enroll(batch, onRelease);
  }

  release(): void {
    const onRelease = this.#onRelease;
    if (onRelease === null) return;
    this.#onRelease = null;
    leave(this.#batch!, this.#slot);
    this.#batch = null;
    onRelease();
  }
}

// The module lets go of the anchors when the synchronous code that made the
// batches ends: from then on only the batches' unreleased exports hold them.
function endBatches(): void {
  open = [];
  nextSlot = 0;
}

// Marks BufferInfo objects of any copy of this package (Symbol.for), so a
// redirect through another copy still releases what it was handed.
export const kBufferInfo = Symbol.for('buffer-protocol.BufferInfo');

/** Where an export's items lie: the memory parts of a placed layout. */
export type ExportedMemory = Pick<Placed, 'buffer' | 'byteOffset' | 'len' | 'itemsize'>;

/** An ExportedMemory, always from this one literal (see negotiated() in layout/negotiate.ts). */
export function exportedMemory(
  buffer: ArrayBuffer | SharedArrayBuffer,
  byteOffset: number,
  len: number,
  itemsize: number,
): ExportedMemory {
  return { buffer, byteOffset, len, itemsize };
}

/** The export of `layout` in `buffer` as `flags` negotiate it (memory_getbuf's rules), ended by `onRelease`. */
export function layoutExport(
  obj: unknown,
  buffer: ArrayBuffer | SharedArrayBuffer,
  layout: Layout,
  readonly: boolean,
  flags: number,
  onRelease: (() => void) | null,
): BufferInfo {
  const seen = negotiate(layout, readonly, flags);
  return BufferInfoImpl.of(
    obj,
    exportedMemory(buffer, layout.byteOffset, layout.len, layout.itemsize),
    readonly,
    seen,
    onRelease,
  );
}

/** The BufferInfo implementation shared by every exporter. */
export class BufferInfoImpl implements BufferInfo {
  readonly obj: unknown;
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly byteOffset: number;
  readonly len: number;
  readonly readonly: boolean;
  readonly itemsize: number;
  readonly format: string | null;
  readonly ndim: number;
  readonly shape: readonly number[] | null;
  readonly strides: readonly number[] | null;
  readonly suboffsets: readonly number[] | null = null;
  #onRelease: (() => void) | null;
  #released = false;
  // While unreleased: the batch, held (and so its anchor), and this export's slot in it.
  #batch: Batch | null = null;
  #slot = 0;

  /**
   * One export of `obj`: the items lie in `memory`, the consumer sees what
   * `seen` negotiated, and `onRelease` (if any) runs once, on release() or
   * when the export is collected.
   */
  static of(
    obj: unknown,
    memory: ExportedMemory,
    readonly: boolean,
    seen: Negotiated,
    onRelease: (() => void) | null,
  ): BufferInfoImpl {
    return new BufferInfoImpl(obj, memory, readonly, seen, onRelease);
  }

  private constructor(obj: unknown, memory: ExportedMemory, readonly: boolean, seen: Negotiated, onRelease: (() => void) | null) {
    this.obj = obj;
    this.buffer = memory.buffer;
    this.byteOffset = memory.byteOffset;
    this.len = memory.len;
    this.readonly = readonly;
    this.itemsize = memory.itemsize;
    this.format = seen.format;
    this.ndim = seen.ndim;
    this.shape = seen.shape;
    this.strides = seen.strides;
    this.#onRelease = onRelease;
    if (onRelease !== null) {
      const batch = batchFor(obj, onRelease);
      this.#batch = batch;
      this.#slot = enroll(batch, onRelease);
    }
  }

  get released(): boolean {
    return this.#released;
  }

  release(): void {
    if (this.#released === true) return;
    // Mark first: a release hook that re-enters release() must be a no-op.
    this.#released = true;
    const onRelease = this.#onRelease;
    this.#onRelease = null;
    if (onRelease !== null) {
      this.#leaveBatch();
      onRelease();
    }
  }

  [disposeSymbol](): void {
    this.release();
  }

  #leaveBatch(): void {
    const batch = this.#batch;
    if (batch !== null) {
      leave(batch, this.#slot);
      this.#batch = null;
    }
  }

  /** @internal True when release() gives something back (an export count, an exporter's hook). */
  get holds(): boolean {
    return this.#onRelease !== null;
  }

  /** True for BufferInfo objects made by this module (not look-alikes). */
  static is(value: unknown): value is BufferInfoImpl {
    return typeof value === 'object' && value !== null && #released in value;
  }
}

Object.defineProperty(BufferInfoImpl.prototype, kBufferInfo, { value: true });

/** True for a BufferInfo from this or another copy of the package. */
export function isBrandedBufferInfo(value: unknown): value is BufferInfo {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[kBufferInfo] === true &&
    typeof (value as { release?: unknown }).release === 'function'
  );
}

/** True unless `info` is one of ours whose release gives nothing back: another copy's exports are assumed to hold. */
export function holdsSomething(info: BufferInfo): boolean {
  return !BufferInfoImpl.is(info) || info.holds;
}

/**
 * Ends an export this package took for itself (a temporary in equals,
 * assign, copyData, ...). An exporter's failing release hook becomes a
 * warning: the operation itself already succeeded, as CPython reports such
 * errors as unraisable.
 */
export function releaseQuietly(info: BufferInfo): void {
  try {
    info.release();
  } catch (error) {
    process.emitWarning(`buffer-protocol: an exporter's release failed: ${describeThrown(error)}`, 'BufferWarning');
  }
}

/**
 * `[bufferProtocol.releaseBuffer](view)` of this package's exporters: ends
 * `view` if `exporter` made it (CPython refuses a view of another object).
 */
export function releaseOwnExport(exporter: object, view: unknown): void {
  if (!BufferInfoImpl.is(view) || view.obj !== exporter) {
    throw invalidArgType('view', 'a BufferInfo exported by this object', view);
  }
  view.release();
}

/** A held export as a complete layout (shape, strides and format filled in). */
export function placedFromInfo(info: BufferInfo): Placed {
  const itemsize = info.itemsize;
  const shape = info.shape ?? [info.len / itemsize];
  const strides = info.strides ?? contiguousStrides(shape, itemsize, 'C');
  return {
    buffer: info.buffer,
    format: info.format ?? 'B',
    itemsize,
    ndim: shape.length,
    shape,
    strides,
    byteOffset: info.byteOffset,
    len: info.len,
    cContiguous: isCContiguousLayout(shape, strides, itemsize, info.len),
    fContiguous: isFContiguousLayout(shape, strides, itemsize, info.len),
  };
}

// Exports of nothing, made and released at once (see settle-shape.ts).
settleShape(
  () => BufferInfoImpl.of(null, exportedMemory(new ArrayBuffer(0), 0, 0, 1), false, negotiated(null, 1, null, null), null),
  (info) => info.release(),
);
settleShape(
  () => new ExportHold(null, () => {}),
  (hold) => hold.release(),
);
