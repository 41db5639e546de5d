import { constants as bufferConstants } from 'node:buffer';
import { releaseOwnExport, type BufferInfo } from '../buffer-info';
import { BufferError, callNative, invalidArgType, outOfRange } from '../errors';
import { BufferFlags, checkFlags } from '../flags';
import { checkBoolean, checkInteger, checkObject, checkString } from '../internal/validate';
import { makeLayout, type Layout } from '../layout';
import { native, type NativeRegion } from '../native';
import { bufferProtocol, registerExporter } from '../protocol';
import { exportRegion } from '../region-export';
import { markOwned } from './owned';

/** Options of {@link mmap}. */
export interface MmapOptions {
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
  /** Item format of an N-d layout over the mapped bytes. @default 'B' */
  readonly format?: string;
  readonly shape?: readonly number[];
  readonly strides?: readonly number[];
  /** Byte offset of item [0, ..., 0] within the mapped bytes. @default 0 */
  readonly byteOffset?: number;
}

const MODES = new Set(['r', 'r+', 'c']);
const ADVICE = new Set(['normal', 'sequential', 'random', 'willneed', 'dontneed']);
const OPTION_KEYS = new Set(['mode', 'offset', 'length', 'format', 'shape', 'strides', 'byteOffset']);

/**
 * A memory-mapped file range, exported through the buffer protocol. Its
 * `buffer` is one external ArrayBuffer over the mapping. `close()` is refused
 * while exports are live unless forced; closing detaches every view at once,
 * and the unmap happens in the finalizer, once V8 lets go of the memory.
 *
 * If the file shrinks under the mapping (another process truncates it),
 * the pages past its new end read as zeros instead of raising SIGBUS: a
 * guard maps a zero page over each faulting page. The MappedFile then
 * reports `truncated`, and refuses new exports and flush() with
 * ERR_BUFFER_TRUNCATED, so the loss does not go unnoticed.
 */
export class MappedFile {
  readonly #region: NativeRegion;
  #buffer: ArrayBuffer | null;
  readonly #layout: Layout | null;
  readonly #mode: 'r' | 'r+' | 'c';
  readonly #path: string;
  readonly #offset: number;

  private constructor(region: NativeRegion, layout: Layout | null, mode: 'r' | 'r+' | 'c', path: string, offset: number) {
    this.#region = region;
    this.#buffer = region.buffer();
    if (!region.isCopy) markOwned(this.#buffer);
    this.#layout = layout;
    this.#mode = mode;
    this.#path = path;
    this.#offset = offset;
  }

  static {
    registerExporter(
      (obj) => #region in obj,
      (obj, flags) => (obj as MappedFile).#export(flags),
    );
  }

  /** @internal */
  static open(path: string, options: MmapOptions): MappedFile {
    checkString('path', path);
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
    const region = callNative(() => new native.NativeRegion(path, mode, offset, length));
    if (region.length > bufferConstants.MAX_LENGTH) {
      region.close(true);
      throw outOfRange('options.length', `at most ${bufferConstants.MAX_LENGTH} bytes (map the file in windows)`, region.length);
    }
    let layout: Layout | null = null;
    if (hasLayout) {
      try {
        layout = makeLayout(spec, region.length);
      } catch (error) {
        region.close(true);
        throw error;
      }
    }
    return new MappedFile(region, layout, mode as 'r' | 'r+' | 'c', path, offset);
  }

  /** The one ArrayBuffer over the mapping. @throws {BufferError} ERR_BUFFER_RELEASED once closed. */
  get buffer(): ArrayBuffer {
    if (this.#buffer === null) throw new BufferError('ERR_BUFFER_RELEASED', 'MappedFile is closed');
    return this.#buffer;
  }
  /** Mapped bytes; 0 once closed. */
  get length(): number {
    return this.#region.length;
  }
  get exports(): number {
    return this.#region.exports;
  }
  get isClosed(): boolean {
    return this.#region.isClosed;
  }
  /** True where the runtime refused external memory: the bytes were read into a V8 ArrayBuffer, and 'r+' writes do not reach the file. */
  get isCopy(): boolean {
    return this.#region.isCopy;
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
  get readonly(): boolean {
    return this.#mode === 'r';
  }

  /** True once the file shrank under the mapping and a read past its end was answered with zeros. */
  get truncated(): boolean {
    return this.#region.truncated;
  }

  #checkTruncated(): void {
    if (this.#region.truncated) {
      throw new BufferError('ERR_BUFFER_TRUNCATED', `${this.#path} shrank under its mapping; pages past its end read as zeros`);
    }
  }

  /** msync: writes 'r+' changes to the file now (a no-op for 'r' and 'c'). */
  flush(): void {
    this.#checkTruncated();
    callNative(() => this.#region.flush());
  }

  /** madvise: tells the kernel how the mapping will be read. */
  advise(advice: 'normal' | 'sequential' | 'random' | 'willneed' | 'dontneed'): void {
    checkString('advice', advice);
    if (!ADVICE.has(advice)) throw outOfRange('advice', "'normal', 'sequential', 'random', 'willneed' or 'dontneed'", advice);
    callNative(() => this.#region.advise(advice));
  }

  /**
   * Detaches the ArrayBuffer (every view reads as length 0); the finalizer
   * unmaps. Closing twice does nothing.
   * @throws {BufferError} ERR_BUFFER_EXPORTS_ACTIVE while exported, unless forced.
   */
  close(options: { readonly force?: boolean } = {}): void {
    const force = checkObject('options', options)['force'] ?? false;
    checkBoolean('options.force', force);
    callNative(() => this.#region.close(force as boolean));
    this.#buffer = null;
  }

  #export(flags: number): BufferInfo {
    this.#checkTruncated();
    return exportRegion(this, this.#region, this.#buffer, this.#layout, this.readonly, flags, 'MappedFile');
  }

  /** PEP 688 form of getBuffer(this, flags). */
  [bufferProtocol.getBuffer](flags: number = BufferFlags.FULL_RO): BufferInfo {
    if (typeof this !== 'object' || this === null || !(#region in this)) throw invalidArgType('this', 'a MappedFile', this);
    checkFlags(flags);
    return this.#export(flags);
  }

  /** PEP 688 form of view.release(). */
  [bufferProtocol.releaseBuffer](view: BufferInfo): void {
    releaseOwnExport(this, view);
  }
}

/**
 * Maps a file range into memory: CPython's `mmap`, as a buffer exporter.
 * @example
 * const f = mmap('data.bin', { format: '<f', shape: [1024, 1024] });
 * const m = memoryview(f);
 */
export function mmap(path: string, options: MmapOptions = {}): MappedFile {
  return MappedFile.open(path, options);
}
