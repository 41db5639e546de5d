// What a TypeScript user of the published package writes, with no casts.
// Compiled by run.sh against lib/*.d.ts (imported as 'buffer-protocol')
// under moduleResolution node16 and node; each `@ts-expect-error` line must
// be an error, so a type that grows too loose fails too.
import { BufferFlags, getBuffer, memoryview, NativeBuffer, bufferProtocol, type MemoryView } from 'buffer-protocol';
import type { BufferDescriptor, Exporter, Item } from 'buffer-protocol';
import { mmap } from 'buffer-protocol/io';
import { loadNpy } from 'buffer-protocol/npy';
import { fromPointer, fromScijs } from 'buffer-protocol/interop';
import { expectTrue, expectType, type Equal } from './expect';

// The format of a TypedArray is its type's.
const doubles = memoryview(new Float64Array(4));
expectType<MemoryView<'d'>>()(doubles);
expectType<number>()(doubles.get(0));
expectType<Float64Array>()(doubles.typed());
const third: number = doubles.typed()[2]!;
expectType<Float64Array>()(doubles.slice('1:').typed());
expectType<number>()(doubles.T.get(0));
expectType<number>()(doubles.reshape([2, 2]).transpose().get(0, 1));
expectType<bigint>()(memoryview(new BigInt64Array(2)).get(0));
expectType<bigint>()(memoryview(new BigUint64Array(2)).get(0));
expectType<Uint8Array>()(memoryview(new Uint8Array(2)).typed());
expectType<number>()(memoryview(Buffer.alloc(2)).get(0));
expectType<Uint8Array>()(memoryview(new ArrayBuffer(2)).typed());
expectType<Int16Array>()(memoryview(new Int16Array(2)).toReadonly().typed());

// A layout's format, as written (no `as const` needed; with it too).
const ab = new ArrayBuffer(64);
const floats = memoryview(ab, { format: 'f', shape: [4, 4] });
expectType<MemoryView<'f'>>()(floats);
expectType<Float32Array>()(floats.typed());
expectType<number>()(memoryview(ab, { format: 'f' as const, shape: [16] }).get(0));
expectType<bigint>()(memoryview(ab, { format: 'q' }).get(0));
const flags = memoryview(ab, { format: '?' });
expectType<boolean>()(flags.get(0));
expectTrue<Equal<ReturnType<typeof flags.typed>, never>>();
expectType<string>()(memoryview(ab, { format: 'c' }).get(0));
// Native 'l' is 8 bytes on LP64, standard-size '<l' 4; byte order prefixes.
expectType<bigint>()(memoryview(ab, { format: 'l' }).get(0));
expectType<number>()(memoryview(ab, { format: '<l' }).get(0));
expectType<Int32Array>()(memoryview(ab, { format: '<l' }).typed());
expectType<Float64Array>()(memoryview(ab, { format: '@d' }).typed());
expectType<bigint>()(memoryview(ab, { format: '>Q' }).get(0));
// cast changes the format type.
const asBytes = doubles.cast('B');
expectType<Uint8Array>()(asBytes.typed());
expectType<number>()(asBytes.cast('i', [2, 4]).get(0, 0));

// A format known only as a string: the Item union.
declare const someFormat: string;
const unknownFormat = memoryview(ab, { format: someFormat });
expectType<Item>()(unknownFormat.get(0));
expectType<ArrayBufferView>()(unknownFormat.typed());
const nb = NativeBuffer.alloc(16, { format: 'd' });
expectType<Item>()(memoryview(nb).get(0));
// A typed view is still a MemoryView where one is wanted.
const anyView: MemoryView = doubles;

// Exporters: a non-exporter is a compile error.
getBuffer(new Float32Array(2), BufferFlags.RECORDS_RO).release();
getBuffer(nb).release();
// @ts-expect-error a number exports no buffer
getBuffer(42);
// @ts-expect-error a string exports no buffer
memoryview('bytes');
// @ts-expect-error a plain object exports no buffer
memoryview({ length: 3 });
// @ts-expect-error a bigint is not a number item
const wrong: number = memoryview(new BigInt64Array(1)).get(0);

// A class exporter: BufferDescriptor.buffer takes a TypedArray's buffer as it is typed.
class Samples {
  readonly data = new Float32Array(8);
  [bufferProtocol.getBuffer](): BufferDescriptor {
    return { buffer: this.data.buffer, byteOffset: this.data.byteOffset, format: 'f', shape: [8] };
  }
}
const exporter: Exporter = new Samples();
memoryview(exporter).release();

// fromPointer's release takes the pointer as it was given.
const freeAddress = (pointer: bigint): void => void pointer;
const lent = fromPointer(1n, 8, { release: freeAddress, format: 'B' });
// @ts-expect-error a release for another pointer type
fromPointer('p', 8, { release: freeAddress });
// @ts-expect-error the release is required
fromPointer(1n, 8, {});

// Subpath imports resolve under both module resolutions.
const subpaths = [mmap, loadNpy, fromScijs].map((f) => typeof f);

export { third, anyView, wrong, subpaths, lent };
