// FFI pointers (koffi): memory a C function returned, as a NativeBuffer
// whose JavaScript release callback runs exactly once, when the buffer is
// closed or collected and nothing holds the memory any more, or at the
// latest when its thread exits. koffi is an optional peer: pointers are
// BigInt addresses in koffi 3; an older pointer object needs the caller's
// koffi module to read its address.
import { constants as bufferConstants } from 'node:buffer';
import { BufferError, callNative, invalidArgType, outOfRange } from '../errors';
import { bufferByteLength } from '../internal/primordials';
import { checkBoolean, checkInteger, checkObject } from '../internal/validate';
import { makeLayout, type LayoutOptions, type LayoutSpec } from '../layout/layout';
import { native } from '../native';
import { adoptForeign, type NativeBuffer } from '../owners/native-buffer';

/** The part of koffi this adapter calls: only for pointers that are not BigInts (koffi 2). */
export interface KoffiModule {
  address(pointer: unknown): bigint;
}

/** Options of {@link fromPointer}. */
export interface FromPointerOptions<P> extends LayoutOptions {
  /**
   * Gives the memory back (for example koffi's `free`), called once with the
   * pointer as given. For memory that is never freed, pass `() => {}`.
   */
  readonly release: (pointer: P) => void;
  /** Your koffi module, needed only when `pointer` is not a BigInt (koffi 2's pointer objects). */
  readonly koffi?: KoffiModule;
  /** Export read-only: WRITABLE requests are refused. @default false */
  readonly readonly?: boolean;
}

interface Lend {
  readonly pointer: unknown;
  readonly release: (pointer: never) => void;
  readonly owner: WeakRef<NativeBuffer>;
  readonly buffer: WeakRef<ArrayBuffer>;
}

const OPTION_KEYS = new Set(['release', 'koffi', 'readonly', 'format', 'shape', 'strides', 'byteOffset']);
const MAX_ADDRESS = 2n ** 64n - 1n;

// Lends of this realm not yet released, by token (unique per process).
const lends = new Map<number, Lend>();
let lender = 0;

// Calls a lend's callback, once; what it threw comes back as a coded error.
function release(token: number): BufferError | undefined {
  const lend = lends.get(token);
  if (lend === undefined) return undefined;
  lends.delete(token);
  try {
    (lend.release as (pointer: unknown) => void)(lend.pointer);
    return undefined;
  } catch (cause) {
    return new BufferError(
      'ERR_BUFFER_RELEASE_FAILED',
      `the release callback given to fromPointer threw (${String((cause as Error)?.message ?? cause)}); it will not be called again and the memory counts as released: make it not throw`,
      { cause },
    );
  }
}

// The lender's threadsafe function calls this. A throw from here would be
// swallowed by Node-API (DEP0168), so a failure becomes a real uncaught
// exception on the next tick instead.
function dispatch(token: number): void {
  const error = release(token);
  if (error !== undefined) {
    process.nextTick(() => {
      throw error;
    });
  }
}

// The last moment JavaScript runs in this thread (process exit, or a
// Worker's natural end or process.exit()): detach what still reaches each
// lend's memory, then release every lend nothing else holds. One that a C
// view, a transfer or another Worker still holds is left alone: its
// callback cannot run after this, and freeing under a reader is worse
// than the leak the process exit ends anyway.
function releaseAtExit(): void {
  const failures: BufferError[] = [];
  for (const [token, lend] of [...lends]) {
    const owner = lend.owner.deref();
    try {
      if (owner !== undefined && !owner.isClosed) owner.close({ force: true });
    } catch {
      continue; // an asynchronous transfer still has the memory: the kernel may be using it
    }
    const buffer = lend.buffer.deref();
    if (buffer !== undefined && bufferByteLength(buffer) !== 0) native.lentPointer.detach(buffer);
    if (!native.lentPointer.takeAtExit(token)) continue;
    const error = release(token);
    if (error !== undefined) failures.push(error);
  }
  // No tick runs after 'exit': report the first failure by throwing.
  if (failures.length > 0) throw failures[0];
}

function lenderOfThisRealm(): number {
  if (lender === 0) {
    lender = native.lentPointer.bind(dispatch);
    process.on('exit', releaseAtExit);
  }
  return lender;
}

function isArrayBufferLike(value: object): boolean {
  const tag = Object.prototype.toString.call(value);
  return tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]';
}

function addressOf(pointer: unknown, koffi: unknown): bigint {
  if (typeof pointer === 'bigint') {
    if (pointer < 0n || pointer > MAX_ADDRESS) throw outOfRange('pointer', 'an address from 0 to 2**64 - 1', pointer);
    return pointer;
  }
  if (typeof pointer !== 'object' || pointer === null) {
    throw invalidArgType('pointer', 'a pointer returned by koffi (a BigInt address)', pointer);
  }
  // JavaScript's own memory has an owner already, and the GC may free it
  // under the buffer: views of it come from memoryview(), not from here.
  if (ArrayBuffer.isView(pointer) || isArrayBufferLike(pointer)) {
    throw invalidArgType('pointer', 'memory from C (JavaScript memory needs no fromPointer: use memoryview(it))', pointer);
  }
  const k = koffi as Partial<KoffiModule> | undefined;
  if (typeof k?.address !== 'function') {
    throw invalidArgType('options.koffi', 'your koffi module, to read the address of a pointer object', koffi);
  }
  const address = k.address(pointer);
  if (typeof address !== 'bigint') throw invalidArgType('pointer', 'a pointer koffi.address() can read', pointer);
  return address;
}

/**
 * `byteLength` bytes at `pointer`, memory a C function returned through
 * koffi, as a NativeBuffer over that memory with no copy. `options.release`
 * gives it back, exactly once and on this thread: after `close()` (or a
 * collection of the buffer) once no export, C view, transfer or Worker
 * holds the memory; at the latest when this thread exits. Memory still held
 * outside JavaScript at exit (a C view, a transfer, another Worker) is not
 * released, and neither is that of a Worker stopped by `terminate()`: no
 * JavaScript runs there. A callback that throws is reported once as an
 * uncaught `ERR_BUFFER_RELEASE_FAILED` and not called again.
 *
 * @example
 * const libc = koffi.load('libc.so.6');
 * const malloc = libc.func('void *malloc(size_t)');
 * const free = libc.func('void free(void *)');
 * const nb = fromPointer(malloc(1024), 1024, { release: free, format: 'f' });
 * @throws {TypeError} ERR_INVALID_ARG_TYPE for a pointer that is not an
 *   address (or koffi missing for a pointer object), NULL with a length, a
 *   release that is not a function, or an unknown option.
 * @throws {RangeError} ERR_OUT_OF_RANGE for a length of 0 (nothing to
 *   share: use NativeBuffer.alloc(0)), negative, fractional, or beyond
 *   `buffer.constants.MAX_LENGTH`, or an address beyond 64 bits.
 * @throws {BufferError} for a layout that does not fit in `byteLength`.
 * Nothing is released when this throws: the memory stays the caller's.
 */
export function fromPointer<P>(pointer: P, byteLength: number, options: FromPointerOptions<P>): NativeBuffer {
  const opts = checkObject('options', options);
  for (const key of Object.keys(opts)) {
    if (!OPTION_KEYS.has(key)) {
      throw invalidArgType(`options.${key}`, 'one of release, koffi, readonly, format, shape, strides, byteOffset', key);
    }
  }
  const releaseFn = opts['release'];
  if (typeof releaseFn !== 'function') {
    throw invalidArgType('options.release', 'a function that frees the memory (for memory never freed, () => {})', releaseFn);
  }
  const address = addressOf(pointer, opts['koffi']);
  checkInteger('byteLength', byteLength, 0, bufferConstants.MAX_LENGTH);
  if (byteLength === 0) {
    throw outOfRange('byteLength', 'at least 1: a pointer to 0 bytes has nothing to share (NativeBuffer.alloc(0) is empty)', 0);
  }
  if (address === 0n) throw invalidArgType('pointer', `an address, not NULL, for ${byteLength} bytes`, pointer);
  const readonly = opts['readonly'] === undefined ? false : checkBoolean('options.readonly', opts['readonly']);
  const hasLayout = ['format', 'shape', 'strides', 'byteOffset'].some((key) => opts[key] !== undefined);
  const spec: LayoutSpec | null = hasLayout
    ? { format: opts['format'] ?? 'B', shape: opts['shape'], strides: opts['strides'], byteOffset: opts['byteOffset'] ?? 0 }
    : null;
  // Refuse a bad layout before the memory is wrapped, so it stays the caller's.
  if (spec !== null) makeLayout(spec, byteLength);
  const [pending, token] = callNative(() => native.lentPointer.lend(lenderOfThisRealm(), address, byteLength));
  let nb: NativeBuffer;
  try {
    nb = adoptForeign(pending, byteLength, spec, readonly);
  } catch (error) {
    native.lentPointer.discard(pending);
    throw error;
  }
  lends.set(token, {
    pointer,
    release: releaseFn as (pointer: never) => void,
    owner: new WeakRef(nb),
    buffer: new WeakRef(nb.buffer as ArrayBuffer),
  });
  return nb;
}
