// The C-order bytes of a strided layout, moved a bounded chunk at a time:
// one native call per chunk through the run cursor of
// native/core/run_cursor.h, which resumes at any byte, so a transpose or
// every other item of a large block streams in constant memory, with no
// list of runs.
import { isArrayBuffer } from 'node:util/types';
import type { Placed } from '../layout/layout';
import { callNative } from '../errors';
import { copyInto, privateView } from '../internal/primordials';
import { native, type ChunkMoveArgs } from '../native';

const io = native.io;

/**
 * Sizes the I/O functions work in; internal, and changed only by tests, so
 * that tiny chunks make every chunk boundary fall mid-run.
 */
export const chunking = {
  /** Bytes gathered or scattered per native call (and per stream write). */
  size: 1 << 20,
  /** Runs at least this long are written as views of the memory itself. */
  longRun: 64 * 1024,
};

/** The bytes of one C-order run of `v` and the count of outer dimensions walked (native/core/runs.h). */
export function runOf(v: Placed): { run: number; outer: number } {
  let run = v.itemsize;
  let inner = v.ndim;
  while (inner > 0 && v.strides[inner - 1] === run) {
    run *= v.shape[inner - 1]!;
    inner--;
  }
  return { run, outer: inner };
}

/**
 * Moves bytes [from, from + chunk.length) of the C-order image of `v` into
 * `chunk` (gather) or from it into the items (scatter); returns the bytes
 * moved, fewer only at the end of the items.
 */
export function moveChunk(v: Placed, from: number, chunk: Uint8Array, gather: boolean): number {
  if (isArrayBuffer(v.buffer) && isArrayBuffer(chunk.buffer)) {
    const args: ChunkMoveArgs = [
      v.buffer,
      v.byteOffset,
      v.shape,
      v.strides,
      v.itemsize,
      from,
      chunk.buffer,
      chunk.byteOffset,
      chunk.length,
    ];
    return callNative(() => (gather ? io.gather(...args) : io.scatter(...args)));
  }
  return moveRunsJs(v, from, chunk, gather);
}

// SharedArrayBuffer memory (the binding reads ArrayBuffers only): the same
// walk, run by run, here.
function moveRunsJs(v: Placed, from: number, chunk: Uint8Array, gather: boolean): number {
  const { run, outer } = runOf(v);
  const n = Math.min(chunk.length, v.len - from);
  let moved = 0;
  while (moved < n) {
    const at = from + moved;
    let r = Math.floor(at / run);
    const within = at - r * run;
    let offset = v.byteOffset + within;
    for (let d = outer - 1; d >= 0; d--) {
      const size = v.shape[d]!;
      offset += (r % size) * v.strides[d]!;
      r = Math.floor(r / size);
    }
    const take = Math.min(run - within, n - moved);
    const items = privateView(v.buffer, offset, take);
    if (gather) copyInto(chunk, items, moved);
    else copyInto(items, chunk.subarray(moved, moved + take));
    moved += take;
  }
  return moved;
}

/**
 * Calls `visit(byteOffset, bytes)` for each C-order run of `v`, offsets in
 * its buffer; for layouts whose runs are long, so there are few of them.
 */
export function forEachRun(v: Placed, visit: (byteOffset: number, bytes: number) => void): void {
  if (v.len === 0) return;
  const { run, outer } = runOf(v);
  const index = new Array<number>(outer).fill(0);
  for (;;) {
    let offset = v.byteOffset;
    for (let d = 0; d < outer; d++) offset += index[d]! * v.strides[d]!;
    visit(offset, run);
    let d = outer - 1;
    for (; d >= 0; d--) {
      const next = index[d]! + 1;
      if (next < v.shape[d]!) {
        index[d] = next;
        break;
      }
      index[d] = 0;
    }
    if (d < 0) return;
  }
}
