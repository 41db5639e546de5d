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
// strides: into the view when `into_view`. Item by item, through
// GetItemPointer: indirect views have no stride to coalesce.
// Assumptions: view is complete (shape and strides) and its pointers are
// the exporter's promise; packed describes view's shape within bytes.
void CopyIndirect(const BufferView& view, char* bytes, const int64_t* packed,
                  bool into_view);

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_COPY_H_
