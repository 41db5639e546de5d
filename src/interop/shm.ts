// POSIX shared memory by name, as Python's
// multiprocessing.shared_memory.SharedMemory(name) opens it: on Linux,
// shm_open("/name") is the file /dev/shm/name, so a segment is a mapped
// file there, with MappedFile's export lifecycle.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { bufferProtocol } from '../index';
import { checkBoolean, checkInteger, checkObject, checkString } from '../internal/validate';
import { mmap, type MappedFile } from '../io/index';
import type { LayoutOptions } from '../layout/layout';

const SHM_DIR = '/dev/shm';
// NAME_MAX: shm_open refuses longer names.
const NAME_MAX = 255;

/** Options of {@link createSharedMemory} and {@link openSharedMemory}: the layout of exports. */
export interface SharedMemoryOptions extends LayoutOptions {
  /** Open read-only ('r' mapping). @default false */
  readonly readonly?: boolean;
}

/** Options of {@link createSharedMemory}. */
export interface CreateSharedMemoryOptions extends LayoutOptions {
  /** Unlink the name when this creator closes the segment. @default true */
  readonly unlinkOnClose?: boolean;
}

/** An error as fs gives them: code, errno, syscall and the name as path. */
function shmError(code: 'EINVAL' | 'ENAMETOOLONG' | 'ENOENT' | 'EEXIST', what: string, name: string): Error {
  const errno = os.constants.errno[code];
  return Object.assign(new Error(`${code}: ${what}, shm_open '${name}'`), {
    code,
    errno: -errno,
    syscall: 'shm_open',
    path: name,
  });
}

/** The file of a segment name: Python's names, with or without the leading '/'. */
function segmentPath(name: string): string {
  checkString('name', name);
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (bare.length === 0 || bare.includes('/') || bare.includes('\0') || bare === '.' || bare === '..') {
    throw shmError('EINVAL', 'a shared memory name is one path component, without "/" inside', name);
  }
  if (Buffer.byteLength(bare) > NAME_MAX)
    throw shmError('ENAMETOOLONG', `shared memory names have at most ${NAME_MAX} bytes`, name);
  return `${SHM_DIR}/${bare}`;
}

function layoutOf(opts: Record<string, unknown>): LayoutOptions {
  const out: Record<string, unknown> = {};
  for (const key of ['format', 'shape', 'strides', 'byteOffset']) if (opts[key] !== undefined) out[key] = opts[key];
  return out as LayoutOptions;
}

/**
 * A shared memory segment by name: an exporter of its mapping (getBuffer,
 * memoryview, close with the export rules of MappedFile), plus the name.
 */
export class SharedMemory {
  readonly #file: MappedFile;
  readonly #path: string;
  readonly #unlinkOnClose: boolean;
  /** The name, with its leading '/' as shm_open takes it ('/psm_1a2b'). */
  readonly name: string;

  /** @internal */
  constructor(file: MappedFile, path: string, unlinkOnClose: boolean) {
    this.#file = file;
    this.#path = path;
    this.#unlinkOnClose = unlinkOnClose;
    this.name = `/${path.slice(SHM_DIR.length + 1)}`;
  }

  /** The mapping (its `buffer`, `exports`, `flush()` ...). */
  get file(): MappedFile {
    return this.#file;
  }
  get buffer(): ArrayBuffer {
    return this.#file.buffer;
  }
  get length(): number {
    return this.#file.length;
  }

  /**
   * Unmaps (as MappedFile.close: refused while exported unless forced) and,
   * for a creator with `unlinkOnClose`, unlinks the name.
   * @throws {BufferError} ERR_BUFFER_EXPORTS_ACTIVE while exported, unless forced.
   */
  close(options: { force?: boolean } = {}): void {
    this.#file.close(options);
    if (this.#unlinkOnClose) this.unlink();
  }

  /** Removes the name (shm_unlink); mappings stay valid until closed. Unlinking twice does nothing. */
  unlink(): void {
    fs.rmSync(this.#path, { force: true });
  }

  /** Exports are the mapping's own. */
  [bufferProtocol.getBuffer](): MappedFile {
    return this.#file;
  }
}

/**
 * Creates a segment that Python opens with `SharedMemory(name)` (the name
 * without its leading '/', as Python reports it). `name` undefined makes a
 * fresh one like Python's ('psm_' and random hex). The creator unlinks it
 * on close unless `unlinkOnClose` is false.
 * @throws {Error} EEXIST when the name is taken; EINVAL/ENAMETOOLONG for a bad name.
 */
export function createSharedMemory(
  name: string | undefined,
  size: number,
  options: CreateSharedMemoryOptions = {},
): SharedMemory {
  const path = segmentPath(name ?? `psm_${crypto.randomBytes(4).toString('hex')}`);
  checkInteger('size', size, 1);
  const opts = checkObject('options', options);
  const unlinkOnClose = opts['unlinkOnClose'] === undefined ? true : checkBoolean('options.unlinkOnClose', opts['unlinkOnClose']);
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') throw shmError('EEXIST', 'a segment of this name exists', name ?? path);
    throw error;
  }
  try {
    fs.ftruncateSync(fd, size);
  } finally {
    fs.closeSync(fd);
  }
  try {
    return new SharedMemory(mmap(path, { mode: 'r+', ...layoutOf(opts) }), path, unlinkOnClose);
  } catch (error) {
    fs.rmSync(path, { force: true });
    throw error;
  }
}

/**
 * Opens an existing segment (one Python created with
 * `SharedMemory(create=True, size=...)`, or createSharedMemory), mapped
 * shared read-write, or read-only with `readonly`. Opening never unlinks.
 * @throws {Error} ENOENT when no segment has the name; a layout larger than
 *   the segment is refused as mmap refuses it.
 */
export function openSharedMemory(name: string, options: SharedMemoryOptions = {}): SharedMemory {
  const path = segmentPath(name);
  const opts = checkObject('options', options);
  const readonly = opts['readonly'] === undefined ? false : checkBoolean('options.readonly', opts['readonly']);
  if (!fs.existsSync(path)) throw shmError('ENOENT', 'no shared memory segment has this name', name);
  return new SharedMemory(mmap(path, { mode: readonly ? 'r' : 'r+', ...layoutOf(opts) }), path, false);
}
