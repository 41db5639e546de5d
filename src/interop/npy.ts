// NumPy .npy files as views: loaded by mapping (zero-copy, O(1) for any
// size) or by one read, saved from any strided view with the gather I/O,
// and created as a writable mapping that NumPy's np.load(path,
// mmap_mode='r+') shares with this process.
import * as fs from 'node:fs';
import { invalidArgType, outOfRange } from '../errors';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { isContiguous, memoryview, NativeBuffer, type MemoryView } from '../index';
import { checkBoolean, checkInteger, checkObject, checkString } from '../internal/validate';
import { mmap, readInto, writeFrom } from '../io/index';
import { contiguousStrides } from '../layout/layout';
import {
  badNpy,
  descrToFormat,
  formatNpyHeader,
  formatToDescr,
  MAX_HEADER_SIZE,
  parseNpyHeader,
  type NpyHeader,
} from './npy-header';
// Unknown inputs, checked at run time: memoryview() without its Exporter type.
import { createView } from '../view/whole-view';

export { descrToFormat, formatToDescr, type NpyHeader } from './npy-header';

/** Options of {@link loadNpy}. */
export interface LoadNpyOptions {
  /**
   * Map the file ('r' read-only, 'r+' shared read-write, 'c' copy-on-write)
   * or read it into a NativeBuffer in one pass (false). @default 'r'
   */
  readonly mmap?: 'r' | 'r+' | 'c' | false;
  /** Headers longer than this are refused, as NumPy's max_header_size. @default 10000 */
  readonly maxHeaderSize?: number;
}

/** Options of {@link saveNpy}. */
export interface SaveNpyOptions {
  /**
   * Write the items in Fortran (column-major) order, or in C order. By
   * default, as np.save chooses: Fortran order for a view that is Fortran-
   * but not C-contiguous (a transpose), which is then written as it lies.
   */
  readonly fortranOrder?: boolean;
}

/** Options of {@link createNpy}: the array's layout. */
export interface CreateNpyOptions {
  /** Struct format of the items ('f', '>q', '?'); or give `dtype`. */
  readonly format?: string;
  /** NumPy dtype descr of the items ('<f4', '|u1'); or give `format`. */
  readonly dtype?: string;
  readonly shape: readonly number[];
  /** @default false */
  readonly fortranOrder?: boolean;
}

// The header each loaded view came from (its datetime unit included).
const headers = new WeakMap<MemoryView, NpyHeader>();

/** @internal Records the header a view was loaded from (loadNpy, loadNpz). */
export function rememberHeader(view: MemoryView, header: NpyHeader): void {
  headers.set(view, header);
}

/** Reads exactly `length` bytes at `position`, or fewer at the end of the file. */
function readAt(fd: number, length: number, position: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return out.subarray(0, done);
}

// NumPy writes headers of 128 bytes for most arrays: one read of a page
// covers them, and a second read only a longer header.
const FIRST_READ = 4096;

function headerOf(fd: number, maxHeaderSize: number): NpyHeader {
  const size = fs.fstatSync(fd).size;
  let head = readAt(fd, FIRST_READ, 0);
  if (head.length >= 12) {
    const view = new DataView(head.buffer, head.byteOffset);
    const length = head[6] === 1 ? 10 + view.getUint16(8, true) : 12 + view.getUint32(8, true);
    if (length > head.length && length <= 12 + maxHeaderSize) head = readAt(fd, length, 0);
  }
  return parseNpyHeader(head, size, maxHeaderSize);
}

/** @internal Runs `use` on the file opened with `flags`, and closes it. */
export function withFile<T>(path: string, flags: string, use: (fd: number) => T): T {
  const fd = fs.openSync(path, flags);
  try {
    return use(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads the header of a .npy file: version, descr, the struct format of
 * its items, shape, order, and where the data starts.
 * @throws {BufferError} ERR_BUFFER_BAD_NPY for a file NumPy would refuse;
 *   ERR_BUFFER_UNSUPPORTED_FORMAT for object arrays and dtypes without a format here.
 */
export function readNpyHeader(path: string, options: { maxHeaderSize?: number } = {}): NpyHeader {
  checkString('path', path);
  const max = checkObject('options', options)['maxHeaderSize'];
  const maxHeaderSize = max === undefined ? MAX_HEADER_SIZE : checkInteger('options.maxHeaderSize', max, 0, 0xffffffff);
  return withFile(path, 'r', (fd) => headerOf(fd, maxHeaderSize));
}

/**
 * Loads a .npy file (format 1, 2 or 3) as a MemoryView. With `mmap`
 * (default 'r') the view is over a MappedFile of the data: no copy, O(1)
 * whatever the size; release the view and close its owner (`view.obj`)
 * when done, or let GC unmap it. With `mmap: false` the data is read into a
 * NativeBuffer in one pass. Fortran-order files give Fortran-strided views.
 * datetime64/timedelta64 items load as 8-byte integers; their unit is in
 * {@link npyHeader}(view).datetime.
 * @throws {BufferError} ERR_BUFFER_BAD_NPY / ERR_BUFFER_UNSUPPORTED_FORMAT (see readNpyHeader).
 */
export function loadNpy(path: string, options: LoadNpyOptions = {}): MemoryView {
  checkString('path', path);
  const opts = checkObject('options', options);
  const mode = opts['mmap'] === undefined ? 'r' : opts['mmap'];
  if (mode !== false && mode !== 'r' && mode !== 'r+' && mode !== 'c') {
    throw outOfRange('options.mmap', "'r', 'r+', 'c' or false", JSON.stringify(mode));
  }
  const header = readNpyHeader(
    path,
    opts['maxHeaderSize'] === undefined ? {} : { maxHeaderSize: opts['maxHeaderSize'] as number },
  );
  const { format, shape, itemsize, fortranOrder, dataOffset, dataBytes } = header;
  const layout = { format, shape, strides: contiguousStrides(shape, itemsize, fortranOrder ? 'F' : 'C') };
  let view: MemoryView;
  if (mode === false || dataBytes === 0) {
    // A mapping needs at least one byte; an empty array has none to share.
    const nb = NativeBuffer.alloc(dataBytes, { ...layout, zero: false });
    if (dataBytes > 0) {
      const n = withFile(path, 'r', (fd) => readInto(fd, new Uint8Array(nb.buffer), dataOffset));
      if (n !== dataBytes) {
        nb.close();
        throw badNpy(`the file ended after ${n} of ${dataBytes} data bytes`);
      }
    }
    view = memoryview(nb);
  } else {
    view = memoryview(mmap(path, { mode, offset: dataOffset, length: dataBytes, ...layout }));
  }
  headers.set(view, header);
  return view;
}

function openForWrite(pathOrFd: string | number): { fd: number; close: boolean } {
  if (typeof pathOrFd === 'number') return { fd: checkInteger('pathOrFd', pathOrFd, 0, 0x7fffffff), close: false };
  if (typeof pathOrFd !== 'string') throw invalidArgType('pathOrFd', 'a path string or a file descriptor', pathOrFd);
  return { fd: fs.openSync(pathOrFd, 'w'), close: true };
}

/**
 * The header {@link saveNpy} would write for `view`, or, for a view made
 * by {@link loadNpy}, the header it was loaded from.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when `view` is not an exporter.
 * @throws {BufferError} ERR_BUFFER_UNSUPPORTED_FORMAT for items NumPy has no dtype for here.
 */
export function npyHeader(view: unknown, options: SaveNpyOptions = {}): NpyHeader {
  const loaded = typeof view === 'object' && view !== null ? headers.get(view as MemoryView) : undefined;
  return loaded ?? headerToSave(view, checkFortran(options));
}

/** The header saveNpy writes for the items of `view`. */
/** @internal */
export function headerToSave(view: unknown, fortranOrder: boolean | undefined): NpyHeader {
  const info = getBuffer(view, BufferFlags.FULL_RO);
  try {
    const format = info.format ?? 'B';
    const shape = info.shape === null ? [info.len / info.itemsize] : [...info.shape];
    // np.save's own choice: Fortran order for an array that is Fortran- but
    // not C-contiguous (a transpose), which it then writes as it lies.
    const fortran = fortranOrder ?? (isContiguous(info, 'F') && !isContiguous(info, 'C'));
    return { ...parseNpyHeader(formatNpyHeader(formatToDescr(format), shape, fortran)), format };
  } finally {
    info.release();
  }
}

/** The fortranOrder option: true, false, or undefined for NumPy's own choice. */
function checkFortran(options: SaveNpyOptions): boolean | undefined {
  const value = checkObject('options', options)['fortranOrder'];
  return value === undefined ? undefined : checkBoolean('options.fortranOrder', value);
}

/**
 * Writes `view` (any exporter, any strides) as a .npy file with the header
 * np.save writes for the same array, version and 64-byte data alignment
 * included. The items go out through the gather I/O (writeFrom): O(1)
 * extra memory whatever the layout. The order is np.save's choice unless
 * `fortranOrder` says (see {@link SaveNpyOptions}).
 * `pathOrFd`: a path (created or truncated) or an open file descriptor,
 * written at its current position.
 * @returns the bytes written, header included.
 * @throws {BufferError} ERR_BUFFER_UNSUPPORTED_FORMAT for items NumPy has no dtype for here.
 */
export function saveNpy(pathOrFd: string | number, view: unknown, options: SaveNpyOptions = {}): number {
  const fortranOrder = checkFortran(options);
  const whole = createView(view, undefined);
  let items = whole;
  try {
    let head = headerToSave(whole, fortranOrder);
    // A datetime64/timedelta64 array loaded here saves as what it was.
    const loaded = typeof view === 'object' && view !== null ? headers.get(view as MemoryView) : undefined;
    if (loaded?.datetime !== undefined && loaded.format === head.format) head = { ...head, descr: loaded.descr };
    // Fortran order is the C order of the transpose.
    if (head.fortranOrder && whole.ndim > 1) items = whole.T;
    const bytes = formatNpyHeader(head.descr, head.shape, head.fortranOrder);
    const target = openForWrite(pathOrFd);
    try {
      writeFrom(target.fd, bytes, null);
      return bytes.length + writeFrom(target.fd, items, null);
    } finally {
      if (target.close) fs.closeSync(target.fd);
    }
  } finally {
    if (items !== whole) items.release();
    whole.release();
  }
}

/**
 * Creates a .npy file of zeros with the given layout and returns a
 * writable view of its data, mapped shared ('r+'): under /dev/shm this is
 * memory shared with a Python process, whose
 * `np.load(path, mmap_mode='r+')` sees the same bytes.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE for a path that is not a string, or options without exactly one of format and dtype.
 * @throws {BufferError} ERR_BUFFER_UNSUPPORTED_FORMAT for items NumPy has no dtype for here; ERR_BUFFER_BAD_FORMAT for a bad format.
 * @throws {Error} with Node's `code`, `errno` and `syscall` when the file cannot be made.
 */
export function createNpy(path: string, options: CreateNpyOptions): MemoryView {
  checkString('path', path);
  const opts = checkObject('options', options);
  const fortranOrder = checkFortran(opts as SaveNpyOptions) ?? false;
  if ((opts['format'] === undefined) === (opts['dtype'] === undefined)) {
    throw invalidArgType('options', 'an object with exactly one of format and dtype', options);
  }
  const descr =
    opts['dtype'] !== undefined
      ? checkString('options.dtype', opts['dtype'])
      : formatToDescr(checkString('options.format', opts['format']));
  descrToFormat(descr);
  const shapeValue = opts['shape'];
  if (!Array.isArray(shapeValue) || shapeValue.length > 64)
    throw invalidArgType('options.shape', 'an array of at most 64 integers', shapeValue);
  const shape = shapeValue.map((d, i) => checkInteger(`options.shape[${i}]`, d, 0));
  const head = formatNpyHeader(descr, shape, fortranOrder);
  const header = parseNpyHeader(head);
  withFile(path, 'w+', (fd) => {
    fs.writeSync(fd, head, 0, head.length, 0);
    fs.ftruncateSync(fd, header.dataOffset + header.dataBytes);
  });
  if (header.dataBytes === 0) return loadNpy(path, { mmap: false });
  return loadNpy(path, { mmap: 'r+' });
}
