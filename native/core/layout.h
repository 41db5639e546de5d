// Layout arithmetic over BufferView: bounds validation, contiguity, item
// addresses and contiguous strides. Mirrors verify_structure() from
// CPython's test_buffer.py and PyBuffer_IsContiguous / PyBuffer_GetPointer /
// PyBuffer_FillContiguousStrides from Objects/abstract.c.
#ifndef BUFFER_PROTOCOL_CORE_LAYOUT_H_
#define BUFFER_PROTOCOL_CORE_LAYOUT_H_

#include <cstdint>

#include "buffer_view.h"
#include "status.h"

namespace bp {

// Checks that every item of `view` lies inside a memory block of `memlen`
// bytes in which item [0,...,0] sits at byte `offset`, and computes
// view->len. Unlike verify_structure, strides and offset need not be
// multiples of itemsize: CPython's memoryview accepts unaligned views, and
// so do we. A view with a zero in its shape touches no memory and only
// needs 0 <= offset <= memlen.
// With suboffsets, only the directly addressed part (up to and including
// the first dimension that holds pointers) can be checked; the pointers
// themselves are the exporter's promise, so only native exporters may
// describe such layouts.
// Assumptions: strides is non-null when ndim > 0.
Status ValidateLayout(BufferView* view, int64_t offset, int64_t memlen);

// The bytes [*first, *end) a non-empty layout's items cover, with item
// [0,...,0] at `offset` (the span ValidateLayout checks, suboffsets
// ignored): for messages that say how far a layout overshoots. False when
// the layout is empty or the span overflows.
bool LayoutSpan(const BufferView& view, int64_t offset, int64_t* first,
                int64_t* end);

// product(shape) * itemsize, refusing overflow past INT64_MAX.
Status ComputeLength(int ndim, const int64_t* shape, int64_t itemsize,
                     int64_t* len);

bool IsCContiguous(const BufferView& view);
bool IsFContiguous(const BufferView& view);
// order is 'C', 'F' or 'A' (either); any other order is never contiguous.
bool IsContiguous(const BufferView& view, char order);

// The address of the item at `indices` (ndim entries, not bounds-checked),
// dereferencing through suboffsets. Assumptions: strides non-null.
void* GetItemPointer(const BufferView& view, const int64_t* indices);

// Fills `strides` with the contiguous strides of `shape` in Fortran order
// for 'F' and C order for anything else (as CPython does). Refuses a shape
// whose extent overflows.
Status FillContiguousStrides(int ndim, const int64_t* shape, int64_t itemsize,
                             char order, int64_t* strides);

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_LAYOUT_H_
