// The C fixtures of test/native, built by binding.gyp next to the addon:
// bp_test_image (image_addon.c) and bp_test_consumer (consumer/). They reach
// buffer-protocol only through buffer_protocol.h's bp_import(), which finds
// the table at call time, so load buffer-protocol (import '../src') before
// calling them.
import type { BufferObject, NativeBuffer } from '../../src';

/** A bp_buffer as C sees it (describe(), fillInfo()). */
export interface CView {
  readonly len: number;
  readonly itemsize: number;
  readonly readonly: boolean;
  readonly ndim: number;
  readonly format: string | null;
  readonly shape: number[] | null;
  readonly strides: number[] | null;
  readonly suboffsets: number[] | null;
  /** view->buf; 0n when NULL. */
  readonly address: bigint;
  /** The object view->obj references, or null. */
  readonly obj: unknown;
}

export type BadExportKind =
  | 'null-with-length'
  | 'negative-length'
  | 'layout-outside'
  | 'bad-format'
  | 'ndim-65'
  | 'from-memory-end-of-buffer'
  | 'read-write-end-of-buffer'
  | 'null-result';

/** test/native/image_addon.c. */
export interface ImageAddon {
  /**
   * An RGBA image as a NativeBuffer: format 'B', shape [height, width, 4],
   * strides [width * 4, 4, 1], pixel (x, y) = [x * 255 / W, y * 255 / H,
   * (x + y) & 255, 255] with W = max(width - 1, 1), H = max(height - 1, 1),
   * truncating. Its release callback is img_free().
   */
  create(width: number, height: number, readonly?: boolean): NativeBuffer;
  /** How many images img_free() has freed in this process. */
  freeCount(): number;
  /** A BufferObject over `size` malloc'd bytes holding i & 255. */
  createBufferObject(size: number, writable: boolean): BufferObject;
  /** Release callbacks run for createBufferObject() memory. */
  bufferObjectFreeCount(): number;
  /**
   * Calls export_memory / buffer_object_from_* with bad input from C and
   * throws what it left pending; returns what a wrongly successful call made
   * (0 for 'null-result').
   */
  badExport(kind: BadExportKind): NativeBuffer | BufferObject | number;
  /** Release callbacks run for badExport() memory: 0 while the contract holds. */
  badReleaseCount(): number;
}

export type BadCallKind =
  | 'null-view'
  | 'release-twice'
  | 'release-zeroed'
  | 'non-exporter'
  | 'bad-flags'
  | 'get-pointer-out-of-range'
  | 'get-pointer-negative'
  | 'get-pointer-null-indices'
  | 'get-pointer-null-view'
  | 'to-contiguous-wrong-len';

/** The numbers of buffer_protocol.h, as compiled into the consumer. */
export interface HeaderConstants {
  readonly SIMPLE: number;
  readonly WRITABLE: number;
  readonly FORMAT: number;
  readonly ND: number;
  readonly STRIDES: number;
  readonly C_CONTIGUOUS: number;
  readonly F_CONTIGUOUS: number;
  readonly ANY_CONTIGUOUS: number;
  readonly INDIRECT: number;
  readonly CONTIG: number;
  readonly CONTIG_RO: number;
  readonly STRIDED: number;
  readonly STRIDED_RO: number;
  readonly RECORDS: number;
  readonly RECORDS_RO: number;
  readonly FULL: number;
  readonly FULL_RO: number;
  readonly READ: number;
  readonly WRITE: number;
  readonly MAX_NDIM: number;
  readonly END_OF_BUFFER: number;
  readonly ABI_VERSION: number;
  readonly API_VERSION: number;
  /** sizeof(bp_api) */
  readonly apiSize: number;
  /** sizeof(bp_buffer) */
  readonly bufferSize: number;
}

/** test/native/consumer/. `order` arguments pass their first character on as is. */
export interface ConsumerAddon {
  readonly constants: HeaderConstants;
  /** Sum of a 'f' or 'd' view (BP_FULL_RO); other formats throw ERR_INVALID_ARG_TYPE. */
  sum(obj: unknown): number;
  /** b = 255 - b through a BP_STRIDED byte view. */
  invert(obj: unknown): void;
  /** get_buffer(obj, flags = BP_FULL_RO), described, released. */
  describe(obj: unknown, flags?: number): CView;
  /** Keeps get_buffer(obj, flags = BP_FULL_RO) until releaseHeld(); 64 at most. */
  hold(obj: unknown, flags?: number): number;
  /** true if the handle's view was held; a second call runs release() again, a no-op (false). */
  releaseHeld(handle: number): boolean;
  /** Holds get_buffer(obj, flags = BP_FULL_RO) in one process-wide slot (for cross-env tests). */
  holdInProcess(obj: unknown, flags?: number): void;
  /** Releases the process-wide view; true if it was held. */
  releaseInProcess(): boolean;
  /** Sum of a held 'f'/'d' view, or of every byte of a 'B' view or one without format. */
  heldSum(handle: number): number;
  /**
   * Bad input from C; throws what the call left pending. Otherwise: 0 for
   * get_buffer / to_contiguous kinds, whether the view ended released for
   * 'release-twice', true for 'release-zeroed', whether get_pointer returned
   * NULL for 'get-pointer-*'.
   */
  badCall(kind: BadCallKind, obj?: unknown): number | boolean;
  /** bp_import_version(env, &api, abi, minApi, minSize). */
  importWith(abi: number, minApi: number, minSize: number): true;
  /** The frozen prefix of the loaded table. */
  tableInfo(): { abiVersion: number; apiVersion: number; size: number; bufferSize: number };
  /** is_contiguous on get_buffer(obj, flags = BP_FULL_RO). */
  isContiguous(obj: unknown, order: string, flags?: number): boolean;
  /** get_pointer(view, indices) - buf on a BP_FULL_RO view, or null for NULL. */
  getPointerOffset(obj: unknown, indices: readonly number[]): number | null;
  /** to_contiguous of a BP_FULL_RO view into a new buffer of view.len bytes. */
  toContiguous(obj: unknown, order: string): Uint8Array;
  /** to_contiguous, from_contiguous (bytes + 100) and to_contiguous again of a PIL-style 3 x 4 view built in C. */
  indirectRoundTrip(order: string): Uint8Array;
  /** from_contiguous of all of `bytes` into a BP_FULL view of obj. */
  fromContiguous(obj: unknown, bytes: Uint8Array, order: string): void;
  copyData(dst: unknown, src: unknown): void;
  fillContiguousStrides(shape: readonly number[], itemsize: number, order: string): number[];
  /** fill_info over the memory of `bytes`, described, released. */
  fillInfo(obj: object | null, bytes: Uint8Array, readonly: boolean, flags: number): CView;
  sizeFromFormat(format: string): number;
  /** describe() through get_buffer_borrowed. */
  describeBorrowed(obj: unknown, flags?: number): CView;
  /** Nanoseconds per get_buffer(flags = BP_SIMPLE) + release (get_buffer_borrowed when `borrowed`). */
  benchGetBuffer(obj: unknown, n: number, flags?: number, borrowed?: boolean): number;
  /** Nanoseconds per napi_get_typedarray_info with every out parameter. */
  benchTypedArrayInfo(typedArray: ArrayBufferView, n: number): number;
}

interface Fixtures {
  bp_test_image: ImageAddon;
  bp_test_consumer: ConsumerAddon;
}

/**
 * Loads a C fixture from the directory of the addon under test: that of
 * BUFFER_PROTOCOL_ADDON (the sanitizer build) when set, else build/Release.
 */
export function loadFixture<Name extends keyof Fixtures>(name: Name): Fixtures[Name] {
  const load = require('../native/load') as (fixture: string) => unknown;
  return load(name) as Fixtures[Name];
}
