// NumPy .npz archives (np.savez, np.savez_compressed): a ZIP of .npy
// members. Stored members are mapped in place, however their data is
// aligned; deflated ones are inflated once.
import * as fs from 'node:fs';
import { invalidArgType } from '../errors';
import { memoryview, type MemoryView } from '../index';
import { checkObject, checkString } from '../internal/validate';
import { mmap } from '../io/index';
import { contiguousStrides } from '../layout/layout';
import { headerToSave, rememberHeader, withFile } from './npy';
import { formatNpyHeader, parseNpyHeader, type NpyHeader } from './npy-header';
import { readZipDirectory, readZipMember, ZipWriter, type ZipMember } from './zip';
// Unknown inputs, checked at run time: memoryview() without its Exporter type.
import { createView } from '../view/whole-view';

/** How a member of a .npz archive was stored. */
export interface NpzMember {
  /** The member's file name in the archive ('a.npy'). */
  readonly member: string;
  readonly compression: 'stored' | 'deflated';
  /** True when the view holds a copy (an inflated member), false when it maps the archive. */
  readonly isCopy: boolean;
}

const members = new WeakMap<MemoryView, NpzMember>();

/** For a view loaded by {@link loadNpz}: which member it is and whether it is a copy. */
export function npzMember(view: MemoryView): NpzMember | undefined {
  return members.get(view);
}

function loadMember(path: string, fd: number, entry: ZipMember): MemoryView {
  const layout = (h: NpyHeader) => ({
    format: h.format,
    shape: h.shape,
    strides: contiguousStrides(h.shape, h.itemsize, h.fortranOrder ? 'F' : 'C'),
  });
  if (entry.method === 0) {
    const headBytes = Math.min(entry.size, 4096 + 12);
    const head = Buffer.alloc(headBytes);
    fs.readSync(fd, head, 0, headBytes, entry.dataOffset);
    const header = parseNpyHeader(head, entry.size);
    if (header.dataBytes > 0) {
      // Mapped where it lies: NumPy's stored members are not 64-byte
      // aligned in the archive, so items may be read through a DataView.
      const view = memoryview(
        mmap(path, { mode: 'r', offset: entry.dataOffset + header.dataOffset, length: header.dataBytes, ...layout(header) }),
      );
      rememberHeader(view, header);
      members.set(view, { member: entry.name, compression: 'stored', isCopy: false });
      return view;
    }
  }
  const bytes = readZipMember(fd, entry);
  const header = parseNpyHeader(bytes, bytes.length);
  const view = memoryview(bytes.buffer, { ...layout(header), byteOffset: bytes.byteOffset + header.dataOffset });
  rememberHeader(view, header);
  members.set(view, { member: entry.name, compression: entry.method === 0 ? 'stored' : 'deflated', isCopy: true });
  return view;
}

/**
 * Loads every `.npy` member of a .npz archive (np.savez, np.savez_compressed),
 * by name without the `.npy`. Stored members are mapped from the archive
 * (no copy, whatever their alignment); deflated members are inflated once
 * ({@link npzMember}(view).isCopy says which). Zip64 archives and data
 * descriptors are read.
 * @throws {BufferError} ERR_BUFFER_BAD_NPY for a corrupt archive or member.
 */
export function loadNpz(path: string): Map<string, MemoryView> {
  checkString('path', path);
  return withFile(path, 'r', (fd) => {
    const out = new Map<string, MemoryView>();
    const made: MemoryView[] = [];
    try {
      for (const entry of readZipDirectory(fd)) {
        if (!entry.name.endsWith('.npy')) continue;
        const view = loadMember(path, fd, entry);
        made.push(view);
        out.set(entry.name.slice(0, -4), view);
      }
    } catch (error) {
      for (const view of made) view.release();
      throw error;
    }
    return out;
  });
}

/** Hands the items of `view` to `emit` in C order, in chunks of about 1 MiB. */
function emitItems(view: MemoryView, emit: (bytes: Uint8Array) => void): void {
  if (view.ndim === 0 || view.nbytes <= 1 << 20 || view.shape[0]! <= 1) {
    emit(view.toBytes());
    return;
  }
  const rows = view.shape[0]!;
  const per = Math.max(1, Math.floor((1 << 20) / (view.nbytes / rows)));
  for (let r = 0; r < rows; r += per) {
    const part = view.slice([r, Math.min(rows, r + per)]);
    try {
      emit(part.toBytes());
    } finally {
      part.release();
    }
  }
}

/**
 * Writes a .npz archive of `arrays` (name -> any exporter) that np.load
 * reads: one stored `name.npy` member each, with the header and order
 * saveNpy would write. Items stream out in chunks of about 1 MiB; Zip64
 * records make any size readable.
 * @returns the archive's size in bytes.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE for a path that is not a string, a name that is empty or has '/',
 *   or a value that is not an exporter.
 * @throws {BufferError} ERR_BUFFER_UNSUPPORTED_FORMAT for items NumPy has no dtype for here.
 * @throws {Error} with Node's `code`, `errno` and `syscall` when the file cannot be written.
 */
export function saveNpz(path: string, arrays: Record<string, unknown>): number {
  checkString('path', path);
  const entries = Object.entries(checkObject('arrays', arrays));
  for (const [name] of entries) {
    if (name.length === 0 || name.includes('/'))
      throw invalidArgType('arrays', 'names without "/" (they become file names)', name);
  }
  return withFile(path, 'w', (fd) => {
    const zip = new ZipWriter(fd);
    for (const [name, value] of entries) {
      const whole = createView(value, undefined);
      let items = whole;
      try {
        const head = headerToSave(whole, undefined);
        if (head.fortranOrder && whole.ndim > 1) items = whole.T;
        zip.add(`${name}.npy`, (write) => {
          write(formatNpyHeader(head.descr, head.shape, head.fortranOrder));
          emitItems(items, write);
        });
      } finally {
        if (items !== whole) items.release();
        whole.release();
      }
    }
    return zip.finish();
  });
}
