// Strided copy kernels: the items of one N-d layout into another of the
// same shape. Mirrors copy_buffer() in CPython's memoryobject.c (atomic,
// overlap-safe), plus dimension coalescing and cache-blocked 2-D transposes.
#ifndef BUFFER_PROTOCOL_CORE_COPY_H_
#define BUFFER_PROTOCOL_CORE_COPY_H_

#include <cstdint>

#include "buffer_view.h"
#include "status.h"

namespace bp {

// Where items live: item [0,...,0] at `base`, ndim strides in bytes.
struct StridedRef {
  char* base;
  const int64_t* strides;
};

// Copies every item of `src` to the same index in `dst`; both have `shape`
// (ndim entries) and `itemsize`-byte items. When the two byte ranges
// overlap, the source is gathered into a temporary first, as memmove would,
// so the copy never reads an item it already overwrote.
// Assumptions: both layouts were validated against their memory (the
// binding runs ValidateLayout on each before calling this).
Status CopyItems(StridedRef dst, StridedRef src, const int64_t* shape, int ndim,
                 int64_t itemsize);

// Copies every item of `view`, whose dimensions may hold pointers
// (suboffsets, PIL-style), to or from `bytes` laid out with `packed`
// strides: into the view when `into_view`. Item by item, in C (or, with
// `fortran`, Fortran) index order, each item read just before it is
// written: PyBuffer_FromContiguous's own loop, which is also what a copy
// must do where the order shows (items that share bytes, a source inside
// the view). Through GetItemPointer: indirect views have no stride to
// coalesce.
// Assumptions: view is complete (shape and strides) and its pointers are
// the exporter's promise; packed describes view's shape within bytes.
void CopyIndirect(const BufferView& view, char* bytes, const int64_t* packed,
                  bool into_view, bool fortran);

// True unless the items of a layout provably occupy disjoint bytes (sorted
// by stride, each axis steps past everything the inner axes span). A copy
// into items that share bytes must keep an order: the last write wins.
bool ItemsMayOverlap(int ndim, const int64_t* shape, const int64_t* strides,
                     int64_t itemsize);

// True when the bytes the items of a non-empty layout at `base` touch meet
// [lo, hi).
bool LayoutMeets(const char* base, const int64_t* shape, const int64_t* strides,
                 int ndim, int64_t itemsize, const char* lo, const char* hi);

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_COPY_H_
