// The little of ZIP that .npz needs (APPNOTE 6.3): reading the central
// directory (Zip64 included) to find each member's data, and writing
// stored members with data descriptors, so that their bytes stream out
// once without knowing their CRC in advance.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { BufferError } from '../errors';

export interface ZipMember {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Where the member's (compressed) bytes start in the file. */
  readonly dataOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const DESCRIPTOR = 0x08074b50;
const U32 = 0xffffffff;

export function badZip(message: string): BufferError {
  return new BufferError('ERR_BUFFER_BAD_NPY', `not a valid .npz (zip) file: ${message}`);
}

function readAt(fd: number, length: number, position: number): Buffer {
  const out = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  if (done < length)
    throw badZip(`it ends at byte ${position + done}, inside a record that needs ${length} bytes at ${position}`);
  return out;
}

/** A 64-bit little-endian size, refused past 2**53 (no file is that large). */
function u64(b: Buffer, at: number): number {
  const n = b.readBigUInt64LE(at);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw badZip('a Zip64 size above 2**53');
  return Number(n);
}

/** Every member of the archive open on `fd`, from its central directory. */
export function readZipDirectory(fd: number): ZipMember[] {
  const size = fs.fstatSync(fd).size;
  // The end record is in the last 22 + 65535 (comment) bytes.
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = readAt(fd, tailLength, size - tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw badZip('no end of central directory record');
  let entries = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  const eocdAt = size - tailLength + eocd;
  if ((entries === 0xffff || cdSize === U32 || cdOffset === U32) && eocdAt >= 20) {
    const locator = readAt(fd, 20, eocdAt - 20);
    if (locator.readUInt32LE(0) === ZIP64_LOCATOR) {
      const record = readAt(fd, 56, u64(locator, 8));
      if (record.readUInt32LE(0) !== ZIP64_EOCD) throw badZip('a Zip64 locator that points at no Zip64 end record');
      entries = u64(record, 32);
      cdSize = u64(record, 40);
      cdOffset = u64(record, 48);
    }
  }
  if (cdOffset + cdSize > size)
    throw badZip(`the central directory claims bytes ${cdOffset} to ${cdOffset + cdSize} of a ${size}-byte file`);
  const cd = readAt(fd, cdSize, cdOffset);
  const members: ZipMember[] = [];
  let at = 0;
  for (let k = 0; k < entries; k++) {
    if (at + 46 > cd.length || cd.readUInt32LE(at) !== CENTRAL) throw badZip(`central directory entry ${k} is corrupt`);
    const method = cd.readUInt16LE(at + 10);
    const crc = cd.readUInt32LE(at + 16);
    let compressedSize = cd.readUInt32LE(at + 20);
    let usize = cd.readUInt32LE(at + 24);
    const nameLength = cd.readUInt16LE(at + 28);
    const extraLength = cd.readUInt16LE(at + 30);
    const commentLength = cd.readUInt16LE(at + 32);
    let localOffset = cd.readUInt32LE(at + 42);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > cd.length) throw badZip(`central directory entry ${k} runs past the directory`);
    const name = cd.toString('utf8', at + 46, at + 46 + nameLength);
    // The Zip64 extra field holds, in order, only the sizes saturated above.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength;) {
      const id = cd.readUInt16LE(e);
      const length = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        if (usize === U32) {
          usize = u64(cd, f);
          f += 8;
        }
        if (compressedSize === U32) {
          compressedSize = u64(cd, f);
          f += 8;
        }
        if (localOffset === U32) localOffset = u64(cd, f);
      }
      e += 4 + length;
    }
    const local = readAt(fd, 30, localOffset);
    if (local.readUInt32LE(0) !== LOCAL) throw badZip(`member '${name}' has no local header at ${localOffset}`);
    const dataOffset = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (dataOffset + compressedSize > size) {
      throw badZip(`member '${name}' claims ${compressedSize} bytes at ${dataOffset}, past the end of the ${size}-byte file`);
    }
    members.push({ name, method, crc, compressedSize, size: usize, dataOffset });
    at = end;
  }
  return members;
}

/** Reads a member's bytes, inflating a deflated one. */
export function readZipMember(fd: number, member: ZipMember): Buffer {
  const raw = readAt(fd, member.compressedSize, member.dataOffset);
  if (member.method === 0) return raw;
  if (member.method !== 8)
    throw badZip(`member '${member.name}' uses compression method ${member.method}; .npz members are stored or deflated`);
  const out = zlib.inflateRawSync(raw);
  if (out.length !== member.size) throw badZip(`member '${member.name}' inflates to ${out.length} bytes, not ${member.size}`);
  return out;
}

/** Writes a ZIP archive of stored members, one at a time, to `fd`. */
export class ZipWriter {
  readonly #fd: number;
  #at = 0;
  readonly #central: Buffer[] = [];
  #count = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  #write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.#fd, bytes, done, bytes.length - done, this.#at + done);
    this.#at += bytes.length;
  }

  /**
   * Adds a stored member whose bytes `produce` hands to `write`, in order:
   * a data descriptor after them carries their CRC and size, with Zip64
   * sizes (bit 3 and the 0x0001 extra), so nothing is buffered.
   */
  add(name: string, produce: (write: (bytes: Uint8Array) => void) => void): void {
    const nameBytes = Buffer.from(name, 'utf8');
    const offset = this.#at;
    const local = Buffer.alloc(30 + nameBytes.length + 20);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(45, 4); // version needed: Zip64
    local.writeUInt16LE(0x0808, 6); // bit 3: data descriptor; bit 11: UTF-8 name
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00, as NumPy's zipfile writes
    local.writeUInt32LE(U32, 18);
    local.writeUInt32LE(U32, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(20, 28);
    nameBytes.copy(local, 30);
    local.writeUInt16LE(0x0001, 30 + nameBytes.length);
    local.writeUInt16LE(16, 32 + nameBytes.length); // zeros: sizes follow in the descriptor
    this.#write(local);
    let crc = 0;
    let size = 0;
    produce((bytes) => {
      crc = zlib.crc32(bytes, crc);
      size += bytes.length;
      this.#write(bytes);
    });
    const descriptor = Buffer.alloc(24);
    descriptor.writeUInt32LE(DESCRIPTOR, 0);
    descriptor.writeUInt32LE(crc >>> 0, 4);
    descriptor.writeBigUInt64LE(BigInt(size), 8);
    descriptor.writeBigUInt64LE(BigInt(size), 16);
    this.#write(descriptor);
    const central = Buffer.alloc(46 + nameBytes.length + 28);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(45, 4);
    central.writeUInt16LE(45, 6);
    central.writeUInt16LE(0x0808, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0x00210000, 12);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(U32, 20);
    central.writeUInt32LE(U32, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(28, 30);
    central.writeUInt32LE(0o600 << 16, 38); // external attributes: rw-------, as np.savez
    central.writeUInt32LE(U32, 42);
    nameBytes.copy(central, 46);
    const extra = 46 + nameBytes.length;
    central.writeUInt16LE(0x0001, extra);
    central.writeUInt16LE(24, extra + 2);
    central.writeBigUInt64LE(BigInt(size), extra + 4);
    central.writeBigUInt64LE(BigInt(size), extra + 12);
    central.writeBigUInt64LE(BigInt(offset), extra + 20);
    this.#central.push(central);
    this.#count++;
  }

  /** Writes the central directory and the (Zip64) end records. */
  finish(): number {
    const cdOffset = this.#at;
    for (const entry of this.#central) this.#write(entry);
    const cdSize = this.#at - cdOffset;
    const zip64At = this.#at;
    const record = Buffer.alloc(56 + 20 + 22);
    record.writeUInt32LE(ZIP64_EOCD, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(this.#count), 24);
    record.writeBigUInt64LE(BigInt(this.#count), 32);
    record.writeBigUInt64LE(BigInt(cdSize), 40);
    record.writeBigUInt64LE(BigInt(cdOffset), 48);
    record.writeUInt32LE(ZIP64_LOCATOR, 56);
    record.writeBigUInt64LE(BigInt(zip64At), 64);
    record.writeUInt32LE(1, 72);
    record.writeUInt32LE(EOCD, 76);
    record.writeUInt16LE(Math.min(this.#count, 0xffff), 84);
    record.writeUInt16LE(Math.min(this.#count, 0xffff), 86);
    record.writeUInt32LE(Math.min(cdSize, U32), 88);
    record.writeUInt32LE(U32, 92);
    this.#write(record);
    return this.#at;
  }
}
