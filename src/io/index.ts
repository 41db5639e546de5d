// buffer-protocol/io: zero-copy file I/O.
export { mmap, MappedFile } from '../owners/mapped-file';
export type { MmapOptions } from '../owners/mapped-file';
export { readInto, writeFrom, read, write } from './file-io';
export { writeView } from './streams';
export { readIntoStream, receiveInto } from './receive';
export type { ReceiveOptions } from './receive';
