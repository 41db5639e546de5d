// This package's own exporters (NativeBuffer, MappedFile, MemoryView,
// BufferObject): a registry that getBuffer asks first, and the PEP 688
// methods every one of them carries. A brand check (a private field) cannot
// be forged or inherited, unlike a symbol-keyed method, so the registry
// decides by brand and the methods refuse a `this` of another class.
import { invalidArgType } from '../errors';
import { BufferFlags, checkFlags } from '../flags';
import { bufferProtocol } from '../protocol';
import { releaseOwnExport, type BufferInfo } from './buffer-info';

type InternalExport = (obj: object, flags: number) => BufferInfo;
const internalExporters: Array<readonly [(obj: object) => boolean, InternalExport]> = [];

// On the prototype of each of this package's exporter classes: the index of
// the class's entry in internalExporters. Objects without it (a plain
// descriptor, a user's class) skip the brand checks, and one of ours takes
// only its own class's. Anyone can add it; only the brand check makes an
// object one of ours (one that fails it, a swapped prototype say, is then
// asked as any protocol exporter is, and refused by the class's methods).
const kMaybeOwn = Symbol('buffer-protocol.exporter');

/** False for an object that cannot be one of this package's exporters (it lacks their marker). */
export function maybeOwnExporter(obj: object): boolean {
  return typeof (obj as Record<symbol, unknown>)[kMaybeOwn] === 'number';
}

/** The export function for one of this package's exporters, or null. */
export function internalExporter(obj: object): InternalExport | null {
  const index = (obj as Record<symbol, unknown>)[kMaybeOwn];
  // Only an index of an entry: any other number would be looked up on
  // Array.prototype, where user code could put a brand check and an export.
  if (typeof index !== 'number' || !(index >= 0 && index < internalExporters.length) || (index | 0) !== index) return null;
  const entry = internalExporters[index]!;
  return entry[0](obj) ? entry[1] : null;
}

/** The PEP 688 methods `defineExporter` puts on a class's prototype. */
export interface ExporterMethods {
  /** PEP 688 form of getBuffer(this, flags). */
  [bufferProtocol.getBuffer](flags?: number): BufferInfo;
  /** PEP 688 form of view.release(): ends an export of this object. */
  [bufferProtocol.releaseBuffer](view: BufferInfo): void;
}

/**
 * Makes the instances of `cls` exporters: registers `is` (a brand check) and
 * `exportBuffer` with getBuffer, and puts `[bufferProtocol.getBuffer]` and
 * `[bufferProtocol.releaseBuffer]` on the prototype, as methods would be
 * (non-enumerable). Called from the class's static block, where `is` and
 * `exportBuffer` can reach its private fields; the class declares the two
 * methods' types with `declare`.
 * @param what what `this` must be, for the message ('a MemoryView').
 */
export function defineExporter<T extends object>(
  cls: { readonly prototype: T },
  what: string,
  is: (obj: object) => boolean,
  exportBuffer: (obj: T, flags: number) => BufferInfo,
): void {
  const index = internalExporters.push([is, exportBuffer as InternalExport]) - 1;
  const methods: ExporterMethods = {
    [bufferProtocol.getBuffer](this: unknown, flags: number = BufferFlags.FULL_RO): BufferInfo {
      if (typeof this !== 'object' || this === null || !is(this)) throw invalidArgType('this', what, this);
      checkFlags(flags);
      return exportBuffer(this as T, flags);
    },
    [bufferProtocol.releaseBuffer](this: object, view: BufferInfo): void {
      releaseOwnExport(this, view);
    },
  };
  for (const key of [bufferProtocol.getBuffer, bufferProtocol.releaseBuffer] as const) {
    Object.defineProperty(cls.prototype, key, { value: methods[key], writable: true, enumerable: false, configurable: true });
  }
  Object.defineProperty(cls.prototype, kMaybeOwn, { value: index });
}
