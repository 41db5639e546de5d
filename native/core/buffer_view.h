// BufferView: the Py_buffer descriptor without its owner reference.
//
// Ownership rules (as in CPython's memoryobject.c): the arrays behind
// format, shape, strides and suboffsets belong to whoever filled the view
// and must outlive every consumer of it; the core only reads them.
//
// Invariants of a complete view (what ValidateLayout establishes):
//   itemsize >= 1; 0 <= ndim <= kMaxNdim; shape[i] >= 0;
//   len == product(shape) * itemsize without overflow;
//   strides non-null whenever ndim > 0 (null only in negotiated results,
//   where it means C-contiguous); suboffsets null unless some dimension
//   holds pointers.
#ifndef BUFFER_PROTOCOL_CORE_BUFFER_VIEW_H_
#define BUFFER_PROTOCOL_CORE_BUFFER_VIEW_H_

#include <cstdint>

namespace bp {

constexpr int kMaxNdim = 64;

struct BufferView {
  void* buf = nullptr;  // item [0, ..., 0]
  int64_t len = 0;      // product(shape) * itemsize
  int64_t itemsize = 1;
  bool readonly = false;
  int ndim = 1;
  const char* format = nullptr;  // NUL-terminated; null means "B"
  const int64_t* shape = nullptr;
  const int64_t* strides = nullptr;
  const int64_t* suboffsets = nullptr;
};

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_BUFFER_VIEW_H_
