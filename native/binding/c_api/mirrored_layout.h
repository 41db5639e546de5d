// A layout that JavaScript handed to the binding once (a NativeBuffer's or
// MappedFile's export layout, a MemoryView's), from which C's get_buffer
// describes the memory without calling back, checked against the memory as
// the facade's answers are.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_MIRRORED_LAYOUT_H_
#define BUFFER_PROTOCOL_BINDING_C_API_MIRRORED_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/buffer_view.h"

namespace bp::binding {

struct MirroredLayout {
  std::string format;
  int64_t itemsize = 1, byte_offset = 0, len = 0;
  bool readonly = false;
  std::vector<int64_t> shape, strides;
  // The memory length the layout last fitted (ValidateLayout passed, its
  // len was `len`), or -1. A mirror's layout never changes (a new one
  // replaces it), so a C export over memory of that length need not check
  // it again; the memory's length can change (a resize, a resizable
  // ArrayBuffer), and then it is checked.
  mutable int64_t fitted_memlen = -1;
};

// `m` over the `length` bytes at `data`, as a full view in *full, whose
// shape and strides are written to `shape` and `strides` (room for
// kMaxNdim each); false when it does not fit them (then the facade decides).
bool FitMirroredLayout(const MirroredLayout& m, void* data, size_t length,
                       int64_t* shape, int64_t* strides, BufferView* full);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_MIRRORED_LAYOUT_H_
