// Reshape without copying: find strides for a new shape over the same
// memory, or report that none exist. The idea is NumPy's: walk old and new
// dimensions in step, group them into runs of equal element count, and
// require each old run to be contiguous in itself.

import { packedZeros } from '../internal/validate';
/** Strides for `newShape` (C order) over a view of `shape`/`strides`, or null if a copy is needed. */
export function reshapeStrides(
  shape: readonly number[],
  strides: readonly number[],
  itemsize: number,
  newShape: readonly number[],
): number[] | null {
  const size = shape.reduce((a, b) => a * b, 1);
  const newSize = newShape.reduce((a, b) => a * b, 1);
  if (size !== newSize) return null;
  const out = packedZeros(newShape.length);
  if (size === 0) {
    // Nothing is addressed: any C strides will do.
    let sd = itemsize;
    for (let i = newShape.length - 1; i >= 0; i--) {
      out[i] = sd;
      sd *= Math.max(newShape[i]!, 1);
    }
    return out;
  }
  // Extent-1 dimensions constrain nothing; drop them from the old view.
  const oldDims: number[] = [];
  const oldStrides: number[] = [];
  shape.forEach((d, i) => {
    if (d !== 1) {
      oldDims.push(d);
      oldStrides.push(strides[i]!);
    }
  });
  let oi = 0;
  let oj = 1;
  let ni = 0;
  let nj = 1;
  while (ni < newShape.length && oi < oldDims.length) {
    let np = newShape[ni]!;
    let op = oldDims[oi]!;
    while (np !== op) {
      if (np < op) np *= newShape[nj++]!;
      else op *= oldDims[oj++]!;
    }
    for (let k = oi; k < oj - 1; k++) {
      if (oldStrides[k] !== oldDims[k + 1]! * oldStrides[k + 1]!) return null;
    }
    out[nj - 1] = oldStrides[oj - 1]!;
    for (let k = nj - 1; k > ni; k--) out[k - 1] = out[k]! * newShape[k]!;
    ni = nj++;
    oi = oj++;
  }
  const last = ni >= 1 ? out[ni - 1]! : itemsize;
  for (let k = ni; k < newShape.length; k++) out[k] = last;
  return out;
}
