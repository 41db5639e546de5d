// What NativeBuffer and MappedFile share: one native region exposed as one
// ArrayBuffer, its export count, close() with detach, and the exporter
// plumbing. Subclasses add how they are made and what layout they export.
import { whereMade } from '../internal/lifetimes';
import { sharedRelease, type BufferInfo } from '../export/buffer-info';
import { defineExporter, type ExporterMethods } from '../export/exporters';
import { BufferError, callNative } from '../errors';
import { checkBoolean, checkObject } from '../internal/validate';
import { markOwned, transfersInFlight } from '../io/owned';
import type { Layout } from '../layout/layout';
import type { NativeRegion } from '../native';
import type { bufferProtocol } from '../protocol';
import { checkRegionMemory, exportRegion } from './region-export';
import { blockBytes } from '../view/managed-buffer';

/** Options of `close()`. */
export interface CloseOptions {
  /** Close even while exports are live: their views then read as length 0. @default false */
  readonly force?: boolean;
}

/**
 * @internal What a view family holds of a region owner: its memory as a
 * read-only-request export (FULL_RO) sees it, counted by the owner until
 * `release` runs.
 */
export interface RegionHold {
  readonly buffer: ArrayBuffer;
  readonly length: number;
  /** null: plain bytes ('B'). */
  readonly layout: Layout | null;
  readonly readonly: boolean;
  readonly release: () => void;
  /** The block's bytes as a view's get() reads them (blockBytes), kept by the owner. */
  readonly bytes: ArrayBufferView | null;
}

// Set in the class's static block, where the private fields can be reached.
let holdOf: (obj: object) => RegionHold | null;

/**
 * @internal A counted hold on `obj`'s memory if `obj` is a NativeBuffer or
 * MappedFile (null otherwise): what getBuffer(obj, FULL_RO) would check and
 * count, without a BufferInfo. @throws ERR_BUFFER_RELEASED as getBuffer would.
 */
export function holdRegion(obj: object): RegionHold | null {
  return holdOf(obj);
}

export abstract class RegionOwner {
  readonly #region: NativeRegion;
  #buffer: ArrayBuffer | null;
  // The region's length while #buffer is current: an export compares the
  // buffer's own length with it to see a detach (a transfer, C revoking
  // lent memory) without asking the binding.
  #length: number;
  // The live exports made here (C's get_buffer counts its own views in the
  // binding: cExports). The count is a policy (close and resize refuse while
  // it is above zero, unless forced), not what keeps memory alive: a forced
  // close detaches every view, and the binding's block references keep the
  // memory of C views and other threads. So it is kept here, where an
  // export costs no call into the binding (three calls were 60% of one).
  #exports = 0;
  // blockBytes(#bytesOf), made for a view's family on the first
  // memoryview(this) of the current block.
  #bytes: ArrayBufferView | null = null;
  #bytesOf: ArrayBuffer | null = null;
  // Every export's release action: one closure per owner, not per export.
  readonly #releaseOne = sharedRelease((): void => {
    this.#exports--;
  });

  protected constructor(region: NativeRegion) {
    this.#region = region;
    this.#buffer = region.buffer();
    this.#length = region.length;
    if (!region.isCopy) markOwned(this.#buffer, region);
  }

  static {
    defineExporter(
      this,
      'a NativeBuffer or MappedFile',
      (obj) => #region in obj,
      (obj, flags) => obj.#export(flags),
    );
    holdOf = (obj) => (#region in obj ? obj.#hold() : null);
  }

  /** PEP 688 form of getBuffer(this, flags). */
  declare [bufferProtocol.getBuffer]: ExporterMethods[typeof bufferProtocol.getBuffer];
  /** PEP 688 form of view.release(): ends an export of this memory. */
  declare [bufferProtocol.releaseBuffer]: ExporterMethods[typeof bufferProtocol.releaseBuffer];

  /** @internal The name used in messages ('NativeBuffer', 'MappedFile'). */
  protected abstract get kind(): string;
  /** @internal The layout exports describe; null for plain bytes. */
  protected abstract get exportLayout(): Layout | null;
  /** True when exports are read-only. */
  abstract get readonly(): boolean;
  /** @internal Refuses an export for reasons of the subclass (a truncated file). */
  protected checkExport(): void {}

  /** @internal */
  protected get region(): NativeRegion {
    return this.#region;
  }

  /** @internal False once close() ran (no native call). */
  protected get isOpen(): boolean {
    return this.#buffer !== null;
  }

  /**
   * @internal
   * Tells the binding what an export of this owner is (read-only, layout),
   * so that C's get_buffer answers without calling back here. Subclasses
   * call it once their fields are set, and again when the layout changes.
   */
  protected mirrorForC(): void {
    this.#region.bindOwner(this, this.readonly, this.exportLayout);
  }

  /** @internal Swaps in the region's new ArrayBuffer (after a resize). */
  protected adoptBuffer(buffer: ArrayBuffer): void {
    this.#buffer = buffer;
    this.#length = this.#region.length;
    if (!this.#region.isCopy) markOwned(buffer, this.#region);
  }

  /** The one ArrayBuffer over the memory. @throws {BufferError} ERR_BUFFER_RELEASED once closed. */
  get buffer(): ArrayBuffer {
    if (this.#buffer === null) throw new BufferError('ERR_BUFFER_RELEASED', `${this.kind} is closed`);
    return this.#buffer;
  }

  /** Size in bytes; 0 once closed. */
  get length(): number {
    return this.#region.length;
  }

  /** The number of live exports holding this memory. */
  get exports(): number {
    return this.#exports + this.#region.cExports;
  }

  get isClosed(): boolean {
    return this.#region.isClosed;
  }

  /**
   * True when the runtime refused external memory (Electron's V8 sandbox)
   * and the bytes live in a V8-owned ArrayBuffer instead. Everything still
   * works; native code simply does not share the JavaScript view (and a
   * mapped file's 'r+' writes do not reach the file).
   */
  get isCopy(): boolean {
    return this.#region.isCopy;
  }

  /**
   * Detaches the ArrayBuffer (every view reads as length 0) and lets the
   * finalizer free or unmap the memory. Closing twice does nothing.
   * @throws {BufferError} ERR_BUFFER_EXPORTS_ACTIVE while exported, unless forced;
   *   and, forced or not, while an async read or write is using the memory.
   */
  close(options: CloseOptions = {}): void {
    const force = checkObject('options', options)['force'] ?? false;
    checkBoolean('options.force', force);
    this.checkChange('close', force as boolean);
    callNative(() => this.#region.close());
    this.#buffer = null;
  }

  /**
   * @internal
   * The close/resize policy, in one place and worded with the real owner
   * kind. The binding re-checks the same rules (C++ owns memory safety);
   * these run first so that messages name NativeBuffer or MappedFile.
   * Closing what is closed does nothing.
   */
  protected checkChange(action: 'close' | 'resize', force: boolean): void {
    const region = this.#region;
    if (region.isClosed) {
      if (action === 'close') return;
      throw new BufferError('ERR_BUFFER_RELEASED', `${this.kind} is closed`);
    }
    if (action === 'resize' && region.isForeign) {
      throw new BufferError('ERR_BUFFER_NOT_RESIZABLE', 'memory lent by C code cannot be resized');
    }
    // Not even a forced close may free memory the threadpool still uses (a
    // resize is refused by the export such a transfer holds).
    const pending = action === 'close' ? transfersInFlight(this.#buffer) : 0;
    if (pending > 0) {
      throw new BufferError(
        'ERR_BUFFER_EXPORTS_ACTIVE',
        `cannot close: ${pending} asynchronous transfer${pending === 1 ? '' : 's'} in flight (not even forced: the kernel is using the memory)`,
      );
    }
    const exports = this.exports;
    if (exports > 0 && !force) {
      throw new BufferError(
        'ERR_BUFFER_EXPORTS_ACTIVE',
        `cannot ${action}: ${exports} exported buffer${exports === 1 ? '' : 's'}. Views derived from one memoryview ` +
          `(slices, casts, .T) share its export until every one is released: call release() on each, make temporary ` +
          `views inside scope(), or close({ force: true }) to detach them all; ${whereMade(this)}`,
      );
    }
  }

  /** @internal What to do instead of writing to this read-only memory ('' when nothing applies). */
  protected get writeAdvice(): string {
    return '';
  }

  #hold(): RegionHold {
    this.checkExport();
    const buffer = this.#buffer;
    checkRegionMemory(buffer, this.#length, this.kind);
    if (this.#bytesOf !== buffer) {
      this.#bytes = blockBytes(buffer!);
      this.#bytesOf = buffer;
    }
    const hold = {
      buffer,
      length: this.#length,
      layout: this.exportLayout,
      readonly: this.readonly,
      release: this.#releaseOne,
      bytes: this.#bytes,
    };
    this.#exports++;
    return hold;
  }

  #export(flags: number): BufferInfo {
    this.checkExport();
    const info = exportRegion(
      this,
      this.#buffer,
      this.#length,
      this.exportLayout,
      this.readonly,
      flags,
      this.kind,
      this.#releaseOne,
      this.writeAdvice,
    );
    this.#exports++;
    return info;
  }
}
