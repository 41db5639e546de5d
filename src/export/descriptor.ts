// Exports through the public protocol symbols (PEP 688's __buffer__): what
// an exporter returns (a BufferInfo, one of our exporters, a built-in, or a
// plain descriptor) is read once, checked against its memory, negotiated
// like any other layout, and paired with exactly one releaseBuffer call.
import { BufferError, describeThrown } from '../errors';
import { BufferFlags } from '../flags';
import { bufferLength, checkStable } from '../internal/memory';
import { contiguousStrides, placeLayout, readLayoutSpec, type PlainLayoutSpec } from '../layout/layout';
import { bufferProtocol } from '../protocol';
import { holdsSomething, isBrandedBufferInfo, layoutExport, type BufferInfo } from './buffer-info';
import { exportBuiltin } from './builtin';
import { internalExporter } from './exporters';

export interface ProtocolExporter {
  [bufferProtocol.getBuffer](flags: number): unknown;
  [bufferProtocol.releaseBuffer]?: (view: unknown) => void;
}

function invalidExport(message: string, cause?: unknown): BufferError {
  return new BufferError('ERR_BUFFER_INVALID_EXPORT', message, cause === undefined ? undefined : { cause });
}

/** A held export seen as a descriptor: its fields, copied and re-checked like any other. */
function infoFields(info: BufferInfo): Record<string, unknown> {
  if (info.released) throw invalidExport('the exporter returned a released BufferInfo');
  if (info.suboffsets !== null) throw invalidExport('suboffsets cannot be re-exported from JavaScript');
  const { itemsize, len } = info;
  // A SIMPLE export has no shape (one dimension of bytes) and an ND export
  // no strides (C order); the format is unknown unless it was requested,
  // or the items are bytes.
  const shape = info.shape === null ? [len / itemsize] : [...info.shape];
  return {
    buffer: info.buffer,
    byteOffset: info.byteOffset,
    format: info.format ?? (itemsize === 1 ? 'B' : null),
    itemsize,
    shape,
    strides: info.strides === null ? contiguousStrides(shape, itemsize, 'C') : [...info.strides],
    readonly: info.readonly,
  };
}

/**
 * The export a descriptor describes: its complete layout checked against
 * its memory, negotiated for `flags`, with `onRelease` as its release action.
 */
function exportOf(obj: object, desc: Record<string, unknown>, flags: number, onRelease: (() => void) | null): BufferInfo {
  // Read every user value once, into plain numbers and arrays (getters on
  // the descriptor and on shape or strides elements run here), and only
  // then the memory's length: a getter could otherwise detach or shrink the
  // buffer after its length was checked.
  const buffer = desc['buffer'];
  const format = desc['format'];
  const itemsize = desc['itemsize'];
  const readonly = desc['readonly'] ?? false;
  const byteOffset = desc['byteOffset'];
  const shape = desc['shape'];
  const strides = desc['strides'];
  if (bufferLength(buffer) < 0) {
    throw invalidExport('[bufferProtocol.getBuffer] returned an object whose "buffer" is not an ArrayBuffer');
  }
  if (typeof readonly !== 'boolean') throw invalidExport('"readonly" of the returned descriptor is not a boolean');
  // Only a re-exported BufferInfo can have an unknown format (null); its
  // itemsize still holds: the layout keeps a null format.
  const unknownFormat = format === null && typeof itemsize === 'number';
  let plain: PlainLayoutSpec;
  try {
    plain = readLayoutSpec(
      { format, byteOffset, shape, strides },
      // The copies belong to this one export: no need to freeze them.
      unknownFormat
        ? { fieldPrefix: 'descriptor.', format: null, itemsize, freeze: false }
        : { fieldPrefix: 'descriptor.', freeze: false },
    );
  } catch (error) {
    // Bad values are the exporter's fault, not the caller's: report them as
    // an invalid export. Coded refusals (too many dimensions) keep their code.
    if (error instanceof BufferError) throw error;
    throw invalidExport(`the returned descriptor is malformed: ${(error as Error).message}`, error);
  }
  const memory = buffer as ArrayBuffer | SharedArrayBuffer;
  const memlen = bufferLength(memory);
  checkStable(memory, memlen, 'the exported buffer');
  return layoutExport(obj, memory, placeLayout(plain, memlen), readonly, flags, onRelease);
}

/**
 * The export standing behind what the exporter returned: the BufferInfo it
 * returned, or the full export of one of our exporters or a built-in (each
 * stands for its own memory: returning one is a redirect to it); null for a
 * plain descriptor. The caller holds it until the export ends.
 */
function redirectOf(returned: unknown): BufferInfo | null {
  if (isBrandedBufferInfo(returned)) return returned;
  if (typeof returned !== 'object' || returned === null) {
    throw invalidExport(`[bufferProtocol.getBuffer] returned ${returned === null ? 'null' : typeof returned}, not a buffer`);
  }
  const internal = internalExporter(returned);
  return internal !== null ? internal(returned, BufferFlags.FULL_RO) : exportBuiltin(returned, BufferFlags.FULL_RO);
}

/** getBuffer of an object that implements `[bufferProtocol.getBuffer]`. */
export function exportViaProtocol(obj: ProtocolExporter, flags: number): BufferInfo {
  // Read the release hook first: if reading it throws, nothing is exported.
  const releaseHook = obj[bufferProtocol.releaseBuffer];
  const hasHook = typeof releaseHook === 'function';
  const returned = obj[bufferProtocol.getBuffer](flags);
  // From here on the exporter holds an export: pair it with exactly one
  // releaseBuffer call, whether the consumer gets it or we refuse it. Any
  // export handed back to us (a redirect) is released right after it.
  // Set by redirectOf alone: its brand check reads the returned object, and
  // a getter there could answer a second check differently.
  let held: BufferInfo | null = null;
  let done = false;
  const onRelease = (): void => {
    if (done) return;
    done = true;
    // CPython releases the re-exported view first, then calls
    // __release_buffer__ (bufferwrapper_releasebuf), so a hook may release
    // what it returned, as PEP 688 examples do.
    try {
      held?.release();
    } finally {
      if (hasHook) releaseHook.call(obj, returned);
    }
  };
  try {
    held = redirectOf(returned);
    const desc = held === null ? (returned as Record<string, unknown>) : infoFields(held);
    // Without a release hook, a plain descriptor (or a redirect to an export
    // that holds nothing, a built-in's) leaves nothing to give back: the
    // export needs no release action, and so no place in the collector's
    // safety net.
    const givesBack = hasHook || (held !== null && holdsSomething(held));
    return exportOf(obj, desc, flags, givesBack ? onRelease : null);
  } catch (error) {
    // The refusal is what the consumer needs to see, even if releasing fails.
    try {
      onRelease();
    } catch (hookError) {
      process.emitWarning(
        `buffer-protocol: a release hook failed after a refusal: ${describeThrown(hookError)}`,
        'BufferWarning',
      );
    }
    throw error;
  }
}

/**
 * An export of `obj` described by a plain descriptor this library made (a
 * scijs ndarray's), checked against its memory like any other, with no
 * release hook.
 */
export function exportDescriptor(obj: object, desc: Record<string, unknown>, flags: number): BufferInfo {
  return exportOf(obj, desc, flags, null);
}
