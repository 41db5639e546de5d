// The C-order runs of a layout: items of the innermost dimensions that lie
// back to back form one run of contiguous bytes. File I/O (iovecs) and
// socket writes (one write per run) walk the same runs, from here.
#ifndef BUFFER_PROTOCOL_CORE_RUNS_H_
#define BUFFER_PROTOCOL_CORE_RUNS_H_

#include <cstdint>

#include "assert.h"
#include "buffer_view.h"

namespace bp {

// The bytes of one run, and in *outer the count of leading dimensions the
// walk steps through (those after them make up a run).
// Assumptions: 0 <= ndim <= kMaxNdim; shape and strides hold ndim entries.
inline int64_t RunLength(int ndim, const int64_t* shape, const int64_t* strides,
                         int64_t itemsize, int* outer) {
  BP_ASSERT(ndim >= 0 && ndim <= kMaxNdim);
  int64_t run = itemsize;
  int inner = ndim;
  while (inner > 0 && strides[inner - 1] == run) {
    run *= shape[inner - 1];
    inner--;
  }
  *outer = inner;
  return run;
}

// Calls visit(offset, bytes) for each run in C order, `offset` counted from
// item [0,...,0]; stops early, returning false, when visit does. A layout
// with no items has no runs.
// Assumptions: as RunLength; the layout was validated (no extent overflows).
template <typename Visit>
bool ForEachRun(int ndim, const int64_t* shape, const int64_t* strides,
                int64_t itemsize, Visit&& visit) {
  for (int d = 0; d < ndim; d++) {
    if (shape[d] == 0) return true;
  }
  int outer = 0;
  const int64_t run = RunLength(ndim, shape, strides, itemsize, &outer);
  int64_t index[kMaxNdim] = {};
  for (;;) {
    int64_t offset = 0;
    for (int d = 0; d < outer; d++) offset += index[d] * strides[d];
    if (!visit(offset, run)) return false;
    int d = outer - 1;
    while (d >= 0 && ++index[d] == shape[d]) index[d--] = 0;
    if (d < 0) return true;
  }
}

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_RUNS_H_
