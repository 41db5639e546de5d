// What NativeBuffer and MappedFile share: one native region exposed as one
// ArrayBuffer, its export count, close() with detach, and the exporter
// plumbing. Subclasses add how they are made and what layout they export.
import { releaseOwnExport, type BufferInfo } from '../export/buffer-info';
import { BufferError, callNative, invalidArgType } from '../errors';
import { BufferFlags, checkFlags } from '../flags';
import { checkBoolean, checkObject } from '../internal/validate';
import { markOwned, transfersInFlight } from '../io/owned';
import type { Layout } from '../layout/layout';
import type { NativeRegion } from '../native';
import { bufferProtocol, registerExporter } from '../protocol';
import { exportRegion } from './region-export';

/** Options of `close()`. */
export interface CloseOptions {
  /** Close even while exports are live: their views then read as length 0. @default false */
  readonly force?: boolean;
}

export abstract class RegionOwner {
  readonly #region: NativeRegion;
  #buffer: ArrayBuffer | null;

  protected constructor(region: NativeRegion) {
    this.#region = region;
    this.#buffer = region.buffer();
    if (!region.isCopy) markOwned(this.#buffer, region);
  }

  static {
    registerExporter(
      (obj) => #region in obj,
      (obj, flags) => (obj as RegionOwner).#export(flags),
    );
  }

  /** The name used in messages ('NativeBuffer', 'MappedFile'). */
  protected abstract get kind(): string;
  /** The layout exports describe; null for plain bytes. */
  protected abstract get exportLayout(): Layout | null;
  /** True when exports are read-only. */
  abstract get readonly(): boolean;
  /** Refuses an export for reasons of the subclass (a truncated file). */
  protected checkExport(): void {}

  protected get region(): NativeRegion {
    return this.#region;
  }

  /** Swaps in the region's new ArrayBuffer (after a resize). */
  protected adoptBuffer(buffer: ArrayBuffer): void {
    this.#buffer = buffer;
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
    return this.#region.exports;
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
    const pending = transfersInFlight(this.#buffer);
    if (pending > 0) {
      throw new BufferError(
        'ERR_BUFFER_EXPORTS_ACTIVE',
        `cannot close: ${pending} asynchronous transfer${pending === 1 ? '' : 's'} in flight (not even forced: the kernel is using the memory)`,
      );
    }
    callNative(() => this.#region.close(force as boolean));
    this.#buffer = null;
  }

  #export(flags: number): BufferInfo {
    this.checkExport();
    return exportRegion(this, this.#region, this.#buffer, this.exportLayout, this.readonly, flags, this.kind);
  }

  /** PEP 688 form of getBuffer(this, flags). */
  [bufferProtocol.getBuffer](flags: number = BufferFlags.FULL_RO): BufferInfo {
    if (typeof this !== 'object' || this === null || !(#region in this)) throw invalidArgType('this', 'a NativeBuffer or MappedFile', this);
    checkFlags(flags);
    return this.#export(flags);
  }

  /** PEP 688 form of view.release(): ends an export of this memory. */
  [bufferProtocol.releaseBuffer](view: BufferInfo): void {
    releaseOwnExport(this, view);
  }
}
