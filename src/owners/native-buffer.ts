import { constants as bufferConstants } from 'node:buffer';
import { BufferError, callNative, invalidArgType, outOfRange } from '../errors';
import { checkBoolean, checkInteger, checkObject } from '../internal/validate';
import { makeLayout, type Layout, type LayoutOptions, type LayoutSpec } from '../layout/layout';
import { native, type NativeRegion } from '../native';
import { RegionOwner } from './region-owner';

/** Options of {@link NativeBuffer.alloc}. */
export interface NativeBufferOptions extends LayoutOptions {
  /** Alignment of the first byte: a power of two up to 2**30. @default 64 */
  readonly align?: number;
  /**
   * Zero the memory. Large blocks come from the OS already zeroed, so this
   * costs nothing for them. @default true
   */
  readonly zero?: boolean;
  /**
   * Export read-only: WRITABLE requests are refused, as for CPython's bytes.
   * JavaScript can still write through `buffer`; the flag is the promise
   * made to consumers (native ones included). @default false
   */
  readonly readonly?: boolean;
}

const MAX_ALIGN = 2 ** 30;
// Node's limit for external memory (buffer.constants.MAX_LENGTH: 4 GiB on
// Node 20, 2**53 - 1 on later versions).
const MAX_LENGTH = bufferConstants.MAX_LENGTH;

const OPTION_KEYS = new Set(['align', 'zero', 'format', 'shape', 'strides', 'byteOffset', 'readonly']);

/**
 * What `NativeBuffer.share()` returns: a plain, structured-cloneable handle
 * to post to a Worker, which maps the same memory with
 * `NativeBuffer.fromShared(handle)`. Each handle can be claimed once.
 */
export interface SharedNativeBuffer {
  readonly kind: 'buffer-protocol.NativeBuffer';
  readonly token: bigint;
  readonly length: number;
  readonly readonly: boolean;
  /** The layout given at allocation, or null for plain bytes. */
  readonly layout: {
    readonly format: string;
    readonly shape: readonly number[] | undefined;
    readonly strides: readonly number[] | undefined;
    readonly byteOffset: number;
  } | null;
}

// Wraps a region made in the binding (memory lent by C code); set by the
// class's static block, so the constructor stays private.
let adopt: (region: NativeRegion, spec: LayoutSpec | null, layout: Layout | null, readonly: boolean) => NativeBuffer;

/** The checked parts of a layout given to NativeBuffer, kept for resizes and shares. */
function keepSpec(layout: Layout | null, given: { shape?: unknown; strides?: unknown }): LayoutSpec | null {
  if (layout === null) return null;
  return {
    format: layout.format,
    shape: given.shape === undefined ? undefined : layout.shape,
    strides: given.strides === undefined ? undefined : layout.strides,
    byteOffset: layout.byteOffset,
  };
}

/**
 * Aligned native memory owned by JavaScript, exposed as exactly one external
 * ArrayBuffer (`buffer`) and exported through the buffer protocol.
 *
 * Lifecycle: every export (getBuffer, memoryview, in-flight I/O) holds the
 * buffer; while any is live, `resize()` and `close()` refuse with
 * `ERR_BUFFER_EXPORTS_ACTIVE`. `close()` (or `close({ force: true })`)
 * detaches the ArrayBuffer, so every view of it reads as length 0, and
 * frees the memory then, unless a C view, a transfer in flight or a
 * Worker's share still holds it: then it goes when the last of them lets
 * go, never while anything can still reach it.
 *
 * @example
 * const nb = NativeBuffer.alloc(4 * 3 * 2, { format: 'B', shape: [2, 3, 4] });
 * using info = getBuffer(nb, BufferFlags.RECORDS);
 * nb.resize(10); // BufferError ERR_BUFFER_EXPORTS_ACTIVE
 */
export class NativeBuffer extends RegionOwner {
  // null: plain bytes, exported as PyBuffer_FillInfo does (never refuses).
  #layout: Layout | null;
  // The caller's layout parts, re-checked against every new size.
  readonly #spec: LayoutSpec | null;
  readonly #readonly: boolean;

  private constructor(region: NativeRegion, spec: LayoutSpec | null, layout: Layout | null, readonly: boolean) {
    super(region);
    this.#readonly = readonly;
    this.#spec = spec;
    this.#layout = layout;
    this.mirrorForC();
  }

  /**
   * Allocates `size` bytes of native memory, aligned to `options.align`.
   * Allocation is O(1) in `size` for large blocks.
   * @throws {RangeError} ERR_OUT_OF_RANGE for a negative, fractional or
   *   too large size (2**53 and beyond, or more than the system will map).
   * @throws {BufferError} for a layout that does not fit in `size` bytes.
   */
  static alloc(size: number, options: NativeBufferOptions = {}): NativeBuffer {
    checkInteger('size', size, 0, MAX_LENGTH);
    const opts = checkObject('options', options);
    for (const key of Object.keys(opts)) {
      if (!OPTION_KEYS.has(key)) {
        throw invalidArgType(`options.${key}`, 'one of align, zero, format, shape, strides, byteOffset, readonly', key);
      }
    }
    const align = opts['align'] === undefined ? 64 : checkInteger('options.align', opts['align'], 1, MAX_ALIGN);
    if ((align & (align - 1)) !== 0) throw outOfRange('options.align', 'a power of two', align);
    const zero = opts['zero'] === undefined ? true : checkBoolean('options.zero', opts['zero']);
    const readonly = opts['readonly'] === undefined ? false : checkBoolean('options.readonly', opts['readonly']);
    const hasLayout = ['format', 'shape', 'strides', 'byteOffset'].some((key) => opts[key] !== undefined);
    const given: LayoutSpec | null = hasLayout
      ? { format: opts['format'], shape: opts['shape'], strides: opts['strides'], byteOffset: opts['byteOffset'] }
      : null;
    // Check the layout before allocating, so a bad one allocates nothing.
    const layout = given === null ? null : makeLayout(given, size);
    // Keep the checked values, not the caller's arrays, for later resizes.
    const spec = keepSpec(layout, opts);
    const region = callNative(() => new native.NativeRegion(size, align, zero));
    return new NativeBuffer(region, spec, layout, readonly);
  }

  static {
    adopt = (region, spec, layout, readonly) => new NativeBuffer(region, spec, layout, readonly);
  }

  /**
   * A handle that lets a `worker_threads` Worker map this same memory,
   * without copying: post it, then call `NativeBuffer.fromShared(handle)`
   * in the Worker. The memory lives until every thread has let go of it
   * (closed or garbage-collected its NativeBuffer); each thread frees only
   * its own objects. While shared, this buffer cannot be resized. A handle
   * that is never claimed is dropped when this thread's environment ends.
   * @throws {BufferError} ERR_BUFFER_RELEASED once closed;
   *   ERR_BUFFER_INVALID_EXPORT for a copy (isCopy), which has no native memory to share.
   */
  share(): SharedNativeBuffer {
    const token = callNative(() => this.region.share());
    const spec = this.#spec;
    return {
      kind: 'buffer-protocol.NativeBuffer',
      token,
      length: this.length,
      readonly: this.#readonly,
      layout:
        spec === null
          ? null
          : {
              format: spec.format as string,
              shape: spec.shape as readonly number[] | undefined,
              strides: spec.strides as readonly number[] | undefined,
              byteOffset: spec.byteOffset as number,
            },
    };
  }

  /**
   * Maps the memory of a NativeBuffer that another thread shared with
   * `share()`. Claims the handle: a second call with it is refused.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE for something that is not a handle.
   * @throws {BufferError} ERR_BUFFER_RELEASED for a handle already claimed,
   *   or whose sender's environment has ended.
   */
  static fromShared(handle: SharedNativeBuffer): NativeBuffer {
    const h = checkObject('handle', handle);
    if (h['kind'] !== 'buffer-protocol.NativeBuffer' || typeof h['token'] !== 'bigint') {
      throw invalidArgType('handle', 'a handle made by NativeBuffer.prototype.share()', handle);
    }
    const length = checkInteger('handle.length', h['length'], 0, MAX_LENGTH);
    const readonly = checkBoolean('handle.readonly', h['readonly']);
    const given = h['layout'] === null ? null : (checkObject('handle.layout', h['layout']) as LayoutSpec);
    const layout = given === null ? null : makeLayout(given, length);
    const region = callNative(() => new native.NativeRegion(h['token'] as bigint));
    if (region.length !== length) {
      region.close();
      throw new BufferError(
        'ERR_BUFFER_INVALID_EXPORT',
        `the shared memory holds ${region.length} bytes, not the handle's ${length}`,
      );
    }
    return new NativeBuffer(region, keepSpec(layout, given ?? {}), layout, readonly);
  }

  /** @internal */
  protected get kind(): string {
    return 'NativeBuffer';
  }

  /** @internal */
  protected get exportLayout(): Layout | null {
    return this.#layout;
  }

  /** The item format of the layout ('B' without one). */
  get format(): string {
    return this.#layout?.format ?? 'B';
  }

  /** True when exports are read-only. */
  override get readonly(): boolean {
    return this.#readonly;
  }

  /** Byte offset of item [0, ..., 0] in `buffer`. */
  get byteOffset(): number {
    return this.#layout?.byteOffset ?? 0;
  }

  get itemsize(): number {
    return this.#layout?.itemsize ?? 1;
  }

  get shape(): readonly number[] {
    return this.#layout?.shape ?? [this.length];
  }

  get strides(): readonly number[] {
    return this.#layout?.strides ?? [1];
  }

  /**
   * Changes the size, keeping the first min(old, new) bytes; new bytes are
   * zero. The old ArrayBuffer is detached and `buffer` is a new one. A
   * layout given at allocation must still fit (a format-only layout follows
   * the new size).
   * @throws {BufferError} ERR_BUFFER_EXPORTS_ACTIVE while exported.
   */
  resize(size: number): void {
    checkInteger('size', size, 0, MAX_LENGTH);
    this.checkChange('resize', false);
    const layout = this.#spec === null ? null : makeLayout(this.#spec, size);
    this.adoptBuffer(callNative(() => this.region.resize(size)));
    this.#layout = layout;
    this.mirrorForC();
  }
}

/** Counters of native blocks not yet freed, process-wide (for leak checks). */
export function nativeMemoryStats(): { liveBlocks: number; liveBytes: number; freedBlocks: number } {
  return native.regionStats();
}

/**
 * A NativeBuffer over memory lent by C code (export_memory of the C API):
 * `block` is the binding's pending block, adopted only once the layout was
 * checked, so a refused layout leaves the memory with its C owner.
 */
export function adoptForeign(block: object, len: number, given: LayoutSpec | null, readonly: boolean): NativeBuffer {
  const layout = given === null ? null : makeLayout(given, len);
  const region = callNative(() => new native.NativeRegion(block));
  return adopt(region, keepSpec(layout, given ?? {}), layout, readonly);
}
