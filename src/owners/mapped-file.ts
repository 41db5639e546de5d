import { constants as bufferConstants } from 'node:buffer';
import { BufferError, callNative, invalidArgType, invalidArgValue, outOfRange } from '../errors';
import { checkInteger, checkObject, checkString } from '../internal/validate';
import { makeLayout, type Layout, type LayoutOptions } from '../layout/layout';
import { native, type NativeRegion } from '../native';
import { RegionOwner } from './region-owner';

/** Options of {@link mmap}; the layout fields describe the mapped bytes. */
export interface MmapOptions extends LayoutOptions {
  /**
   * 'r': read-only exports (the mapping is private, so a stray write through
   * `buffer` changes memory, never the file); 'r+': shared read-write, writes
   * reach the file; 'c': private copy-on-write, writable, the file stays
   * untouched. @default 'r'
   */
  readonly mode?: 'r' | 'r+' | 'c';
  /** First byte of the file to map; need not be page-aligned. @default 0 */
  readonly offset?: number;
  /** Bytes to map. @default the rest of the file */
  readonly length?: number;
}

const MODES = new Set(['r', 'r+', 'c']);
const ADVICE = new Set(['normal', 'sequential', 'random', 'willneed', 'dontneed']);
const OPTION_KEYS = new Set(['mode', 'offset', 'length', 'format', 'shape', 'strides', 'byteOffset']);

// What to do about the refusals that name no obvious fix.
const HINTS: Record<string, string> = {
  ENODEV:
    'only regular files can be mapped; read FIFOs, sockets and devices with fs streams, and allocate zeroed memory with NativeBuffer.alloc',
  ENOMEM: 'too many mappings are alive: close the MappedFiles you no longer use, or map fewer at once',
};

function withHint(error: unknown): unknown {
  const e = error as { code?: unknown; syscall?: unknown; message?: unknown } | null;
  const hint = typeof e?.code === 'string' && e.syscall === 'mmap' ? HINTS[e.code] : undefined;
  if (hint !== undefined && typeof e!.message === 'string') (e as Error).message = `${e!.message}: ${hint}`;
  return error;
}

/**
 * A memory-mapped file range, exported through the buffer protocol. Its
 * `buffer` is one external ArrayBuffer over the mapping. `close()` is refused
 * while exports are live unless forced; closing detaches every view at once
 * and unmaps, unless a held C view or a transfer in flight still uses the
 * memory: then the unmap waits for the last of them.
 *
 * If the file shrinks under the mapping (another process truncates it),
 * the pages past its new end read as zeros instead of raising SIGBUS: a
 * guard maps a zero page over each faulting page. The MappedFile then
 * reports `truncated`, and refuses new exports and flush() with
 * ERR_BUFFER_TRUNCATED, so the loss does not go unnoticed.
 */
export class MappedFile extends RegionOwner {
  readonly #layout: Layout | null;
  readonly #mode: 'r' | 'r+' | 'c';
  readonly #path: string;
  // Made once: an export reads it on every call, a refused write alone uses it.
  readonly #writeAdvice: string;
  readonly #offset: number;
  // The guard's truncation flag for this mapping, read per export without a
  // native call; null where the runtime refuses external memory. Read only
  // while open: once closed, its slot may guard another mapping.
  readonly #truncation: Uint8Array | null;

  private constructor(region: NativeRegion, layout: Layout | null, mode: 'r' | 'r+' | 'c', path: string, offset: number) {
    super(region);
    this.#layout = layout;
    this.#mode = mode;
    this.#path = path;
    this.#writeAdvice =
      mode === 'r'
        ? `${path} is mapped read-only (mode 'r'): map it with mode 'r+' to write to the file, or 'c' to write to a private copy`
        : '';
    this.#offset = offset;
    const flag = region.truncationFlag();
    this.#truncation = flag === null ? null : new Uint8Array(flag);
    this.mirrorForC();
  }

  /** @internal */
  static open(path: string, options: MmapOptions): MappedFile {
    checkString('path', path);
    // C sees the path only up to its first NUL: refused, as fs refuses it,
    // rather than mapping a different file than the one named.
    if (path.includes('\0')) throw invalidArgValue('path', 'must be a string without null bytes', path);
    const opts = checkObject('options', options);
    for (const key of Object.keys(opts)) {
      if (!OPTION_KEYS.has(key)) throw invalidArgType(`options.${key}`, `one of ${[...OPTION_KEYS].join(', ')}`, key);
    }
    const mode = opts['mode'] === undefined ? 'r' : checkString('options.mode', opts['mode']);
    if (!MODES.has(mode)) throw outOfRange('options.mode', "'r', 'r+' or 'c'", JSON.stringify(mode));
    const offset = opts['offset'] === undefined ? 0 : checkInteger('options.offset', opts['offset'], 0);
    const length =
      opts['length'] === undefined ? -1 : checkInteger('options.length', opts['length'], 1, bufferConstants.MAX_LENGTH);
    const hasLayout = ['format', 'shape', 'strides', 'byteOffset'].some((key) => opts[key] !== undefined);
    const spec = { format: opts['format'], shape: opts['shape'], strides: opts['strides'], byteOffset: opts['byteOffset'] };
    if (hasLayout && length !== -1) makeLayout(spec, length);
    const region = callNative(() => {
      try {
        return new native.NativeRegion(path, mode, offset, length);
      } catch (error) {
        throw withHint(error);
      }
    });
    if (region.length > bufferConstants.MAX_LENGTH) {
      region.close();
      throw outOfRange('options.length', `at most ${bufferConstants.MAX_LENGTH} bytes (map the file in windows)`, region.length);
    }
    let layout: Layout | null = null;
    if (hasLayout) {
      try {
        layout = makeLayout(spec, region.length);
      } catch (error) {
        region.close();
        throw error;
      }
    }
    return new MappedFile(region, layout, mode as 'r' | 'r+' | 'c', path, offset);
  }

  /** @internal */
  protected get kind(): string {
    return 'MappedFile';
  }

  /** @internal */
  protected override get writeAdvice(): string {
    return this.#writeAdvice;
  }

  /** @internal */
  protected get exportLayout(): Layout | null {
    return this.#layout;
  }

  get mode(): 'r' | 'r+' | 'c' {
    return this.#mode;
  }
  get path(): string {
    return this.#path;
  }
  /** The file offset of the first mapped byte. */
  get offset(): number {
    return this.#offset;
  }
  /** True for mode 'r': exports refuse WRITABLE. */
  override get readonly(): boolean {
    return this.#mode === 'r';
  }

  /** True once the file shrank under the mapping and a read past its end was answered with zeros. */
  get truncated(): boolean {
    const flag = this.#truncation;
    return flag !== null && this.isOpen ? flag[0] !== 0 : this.region.truncated;
  }

  /** @internal */
  protected override checkExport(): void {
    if (this.truncated) {
      throw new BufferError('ERR_BUFFER_TRUNCATED', `${this.#path} shrank under its mapping; pages past its end read as zeros`);
    }
  }

  /**
   * msync: writes 'r+' changes to the file now (a no-op for 'r' and 'c').
   * @throws {BufferError} ERR_BUFFER_RELEASED once closed; ERR_BUFFER_TRUNCATED when the file shrank under the mapping.
   * @throws {Error} with a Node-style `code`, `errno` and `syscall` when msync fails.
   */
  flush(): void {
    this.checkExport();
    callNative(() => this.region.flush());
  }

  /**
   * madvise: tells the kernel how the mapping will be read.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when advice is not a string.
   * @throws {RangeError} ERR_OUT_OF_RANGE for another advice.
   * @throws {BufferError} ERR_BUFFER_RELEASED once closed.
   */
  advise(advice: 'normal' | 'sequential' | 'random' | 'willneed' | 'dontneed'): void {
    checkString('advice', advice);
    if (!ADVICE.has(advice)) throw outOfRange('advice', "'normal', 'sequential', 'random', 'willneed' or 'dontneed'", advice);
    callNative(() => this.region.advise(advice));
  }
}

/**
 * Maps a file range into memory: CPython's `mmap`, as a buffer exporter.
 * @example
 * const f = mmap('data.bin', { format: '<f', shape: [1024, 1024] });
 * const m = memoryview(f);
 * @throws {TypeError} ERR_INVALID_ARG_TYPE for a path that is not a string or options of the wrong types;
 *   ERR_INVALID_ARG_VALUE for a path with a NUL byte.
 * @throws {RangeError} ERR_OUT_OF_RANGE for an empty file, a range past EOF, or a bad mode, offset or length.
 * @throws {BufferError} for a layout the range cannot hold (ERR_BUFFER_OUT_OF_BOUNDS, ERR_BUFFER_BAD_FORMAT, ...).
 * @throws {Error} with Node's `code`, `errno`, `syscall` and `path` for a failed system call
 *   (`ENOENT`, `EACCES`, `EISDIR`; `ENODEV` for anything but a regular file).
 */
export function mmap(path: string, options: MmapOptions = {}): MappedFile {
  return MappedFile.open(path, options);
}
