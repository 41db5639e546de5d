// The only file that loads the addon. Keep NativeBinding in step with
// native/binding/addon.cc.
import type { Layout } from './layout/layout';

/** What `parseFormat` reports about a struct format string. */
export interface NativeFormat {
  readonly itemsize: number;
  readonly alignment: number;
  readonly prefix: '' | '@' | '=' | '<' | '>' | '!';
  readonly littleEndian: boolean;
  readonly nativeSizes: boolean;
  /** The code character of a one-item format ('d', '<i'), else ''. */
  readonly item: string;
}

export interface NativeLayoutInput {
  readonly itemsize: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly suboffsets?: readonly number[] | null;
  readonly readonly?: boolean;
  readonly format?: string;
}

export interface NativeNegotiated {
  readonly format: string | null;
  readonly itemsize: number;
  readonly ndim: number;
  readonly shape: number[] | null;
  readonly strides: number[] | null;
  readonly suboffsets: number[] | null;
  readonly readonly: boolean;
  readonly len: number;
}

export interface NativeRegion {
  buffer(): ArrayBuffer | null;
  readonly length: number;
  readonly isClosed: boolean;
  readonly isCopy: boolean;
  /** Memory lent by C code (export_memory): never resized. */
  readonly isForeign: boolean;
  address(): bigint;
  resize(size: number): ArrayBuffer;
  close(): void;
  flush(): void;
  advise(advice: string): void;
  readonly truncated: boolean;
  /** A 1-byte ArrayBuffer over the mapping's truncation flag (0 or 1), or null. */
  truncationFlag(): ArrayBuffer | null;
  /** A token another env claims with `new NativeRegion(token)`. */
  share(): bigint;
  /** Tags `owner` for C's get_buffer and mirrors what its exports are. */
  bindOwner(owner: object, readonly: boolean, layout: Layout | null): void;
  /** The C views (get_buffer) that hold this region's memory. */
  readonly cExports: number;
}

/**
 * What the C API asks of the facade: the table BP_FACADE_FUNCTIONS in
 * native/binding/c_api/state.h, in the same order.
 */
export interface CApiFunctions {
  exportForC(obj: unknown, flags: number): unknown[];
  releaseForC(info: unknown): void;
  wrapForeign(
    block: object,
    len: number,
    format: string | undefined,
    shape: number[] | undefined,
    strides: number[] | undefined,
    byteOffset: number | undefined,
    readonly: boolean,
  ): unknown;
  bufferObjectForeign(block: object, size: number, writable: boolean): unknown;
  copyData(dst: unknown, src: unknown): void;
  sizeFromFormat(format: string): number;
  bufferError(code: string, message: string): Error;
}

/** A strided file transfer: direction, file, and the layout of the memory. */
export type TransferArgs = [
  write: boolean,
  fd: number,
  buffer: ArrayBuffer,
  byteOffset: number,
  shape: readonly number[],
  strides: readonly number[],
  itemsize: number,
  position: number,
];

/** io.gather/io.scatter: a layout over `buffer`, the byte to start at, and the chunk. */
export type ChunkMoveArgs = [
  buffer: ArrayBuffer,
  byteOffset: number,
  shape: readonly number[],
  strides: readonly number[],
  itemsize: number,
  from: number,
  chunk: ArrayBuffer,
  chunkOffset: number,
  n: number,
];

export interface NativeBinding {
  readonly core: {
    parseFormat(format: string): NativeFormat;
    validateLayout(layout: NativeLayoutInput, offset: number, memlen: number): number;
    negotiate(layout: NativeLayoutInput, flags: number): NativeNegotiated;
    isContiguous(layout: NativeLayoutInput, order: string): boolean;
    fillContiguousStrides(shape: readonly number[], itemsize: number, order: string): number[];
    /** Bytes of an [h, w, c] image (any strides) as floats x * scale[c] + shift[c], planar (NCHW) or interleaved. */
    normalizeImage(
      src: ArrayBuffer,
      srcOffset: number,
      shape: readonly number[],
      strides: readonly number[],
      dst: ArrayBuffer,
      dstOffset: number,
      planar: boolean,
      scale: readonly number[],
      shift: readonly number[],
    ): void;
    copyItems(
      dst: ArrayBuffer,
      dstOffset: number,
      dstStrides: readonly number[],
      src: ArrayBuffer,
      srcOffset: number,
      srcStrides: readonly number[],
      shape: readonly number[],
      itemsize: number,
    ): void;
  };
  readonly NativeRegion: {
    new (size: number, align: number, zero: boolean): NativeRegion;
    new (path: string, mode: string, offset: number, length: number): NativeRegion;
    /** Adopts a pending block (C memory) or claims a share token. */
    new (blockOrToken: object | bigint): NativeRegion;
  };
  /** Returns the scratch array exportForC writes its numbers into. */
  installCApi(functions: CApiFunctions): Float64Array<ArrayBufferLike>;
  regionStats(): { liveBlocks: number; liveBytes: number; freedBlocks: number };
  /** A MemoryView's layout mirrored for C's get_buffer (native/binding/c_api/view_mirror.cc). */
  readonly viewMirror: {
    mirrorView(
      view: object,
      buffer: ArrayBuffer | SharedArrayBuffer,
      region: object | null,
      format: string,
      itemsize: number,
      byteOffset: number,
      len: number,
      readonly: boolean,
      shape: readonly number[],
      strides: readonly number[],
    ): void;
    /** The C views a mirrored view holds. */
    viewMirrorCViews(view: object): number;
    /** Tells the mirror its view was released: C exports of it then take the facade, which refuses. */
    releaseViewMirror(view: object): void;
  };
  /** Memory at an FFI address, given back by a JavaScript callback (native/binding/memory/lent_pointer.h). */
  readonly lentPointer: {
    /** A lender whose threadsafe function calls `dispatch(token)` on this thread. */
    bind(dispatch: (token: number) => void): number;
    /** A pending block over `length` bytes at `address`, and the token `lender` will release it with. */
    lend(lender: number, address: bigint, length: number): [object, number];
    /** Gives back a pending block that was never adopted, without releasing it. */
    discard(pending: object): void;
    /** Whether the release may run now, at exit: nothing outside this thread's JavaScript holds the memory. */
    takeAtExit(token: number): boolean;
    detach(buffer: ArrayBuffer): void;
  };
  readonly io: {
    /** Copies `n` bytes of a layout's C-order bytes, from byte `from`, into (gather) or out of (scatter) `chunk`. */
    gather(...args: ChunkMoveArgs): number;
    scatter(...args: ChunkMoveArgs): number;
    transfer(...args: TransferArgs): number;
    transferAsync(...args: [...TransferArgs, keep: object, callback: (error: Error | null, bytes?: number) => void]): void;
  };
}

// BUFFER_PROTOCOL_ADDON points at another build of the addon (the sanitizer
// build of `npm run test:sanitize`); `bindings` would find build/ first.
// Read inside load(): Deno refuses environment access without --allow-env.
let override: string | undefined;

/** True when a failed load means "no such file", not a broken binary. */
function isMissing(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'MODULE_NOT_FOUND' || /Could not locate the bindings file/.test(String(error));
}

/**
 * The prebuilt binary the package ships (prebuilds/linux-x64), used when no
 * build from source exists: the install script builds only when the prebuilt
 * does not load, and a build (a checkout, another platform) must win.
 */
function loadPrebuilt(): NativeBinding | null {
  const { prebuiltPath } = require('../scripts/prebuilt') as { prebuiltPath(root: string): string };
  try {
    return require(prebuiltPath(`${__dirname}/..`)) as NativeBinding;
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/**
 * Deno loads N-API addons only with permissions: without them the load
 * fails on whichever it meets first (environment, system, FFI), in words
 * that do not say which flags to give.
 */
function denoRefusal(error: unknown): Error {
  return Object.assign(
    new Error(
      'buffer-protocol could not load its native addon under Deno, which allows that only with --allow-ffi --allow-read --allow-env --allow-sys (or --allow-all)',
      { cause: error },
    ),
    { code: 'ERR_BUFFER_PROTOCOL_NOT_PERMITTED' },
  );
}

/** The addon, or an error that says how to build it (bindings' own lists every path it tried). */
function load(): NativeBinding {
  try {
    override = process.env['BUFFER_PROTOCOL_ADDON'];
    // Required here, not imported: `bindings` reads the environment on load.
    const bindings = require('bindings') as typeof import('bindings');
    return (override ? require(override) : bindings('buffer_protocol')) as NativeBinding;
  } catch (error) {
    if ('Deno' in globalThis && !isMissing(error)) throw denoRefusal(error);
    if (!isMissing(error)) throw error;
    const prebuilt = override ? null : loadPrebuilt();
    if (prebuilt) return prebuilt;
    throw Object.assign(
      new Error(
        `buffer-protocol's native addon is not built${override ? ` (BUFFER_PROTOCOL_ADDON=${override})` : ''}: ` +
          'its install script did not run (npm --ignore-scripts, or a blocked script). Run `npm rebuild buffer-protocol`, ' +
          'which uses the prebuilt binary on linux-x64 (glibc) and elsewhere needs a C++ toolchain and Python for node-gyp.',
        { cause: error },
      ),
      { code: 'ERR_BUFFER_PROTOCOL_NOT_BUILT' },
    );
  }
}

export const native = load();
