#include "binding/c_api/mirrored_layout.h"

#include "core/layout.h"

namespace bp::binding {

bool FitMirroredLayout(const MirroredLayout& m, void* data, size_t length,
                       int64_t* shape, int64_t* strides, BufferView* full) {
  const size_t ndim = m.shape.size();
  if (ndim > static_cast<size_t>(kMaxNdim) || m.strides.size() != ndim)
    return false;
  for (size_t i = 0; i < ndim; i++) {
    shape[i] = m.shape[i];
    strides[i] = m.strides[i];
  }
  full->itemsize = m.itemsize;
  full->ndim = static_cast<int>(ndim);
  full->shape = shape;
  full->strides = strides;
  full->format = m.format.c_str();
  full->readonly = m.readonly;
  const int64_t memlen = static_cast<int64_t>(length);
  if (m.fitted_memlen == memlen) {
    full->len = m.len;
  } else {
    if (!ValidateLayout(full, m.byte_offset, memlen).ok() || full->len != m.len)
      return false;
    m.fitted_memlen = memlen;
  }
  full->buf = static_cast<char*>(data) + m.byte_offset;
  return true;
}

}  // namespace bp::binding
