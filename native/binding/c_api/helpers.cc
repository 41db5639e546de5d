// The bp_api helpers: layout questions and copies that need no
// JavaScript (is_contiguous, get_pointer, to/from_contiguous,
// fill_contiguous_strides), fill_info, and the two that ask the facade
// (copy_data, size_from_format).
#include <cstring>
#include <string>

#include "binding/c_api/state.h"
#include "binding/c_api/table.h"
#include "binding/c_api/view_internal.h"
#include "core/copy.h"
#include "core/layout.h"
#include "core/negotiate.h"

namespace bp::binding {
namespace {

// The view as the core sees it; false for a structure no library view has.
bool CoreView(const bp_buffer* view, BufferView* out) {
  if (view == nullptr || view->ndim < 0 || view->ndim > kMaxNdim ||
      view->itemsize < 1 || view->len < 0 ||
      (view->ndim > 0 && view->strides != nullptr && view->shape == nullptr)) {
    return false;
  }
  out->buf = view->buf;
  out->len = view->len;
  out->itemsize = view->itemsize;
  out->readonly = view->readonly != 0;
  out->ndim = view->ndim;
  out->format = view->format;
  out->shape = view->shape;
  out->strides = view->strides;
  out->suboffsets = view->suboffsets;
  return true;
}

}  // namespace

int IsContiguousC(const bp_buffer* view, char order) {
  BufferView core;
  if (!CoreView(view, &core)) return 0;
  if (core.shape == nullptr)
    return order == 'C' || order == 'F' || order == 'A' ? 1 : 0;
  return IsContiguous(core, order) ? 1 : 0;
}

namespace {

// A complete layout (shape and strides present) for a view that may have
// left them out; false when the structure is inconsistent.
bool FullLayout(const bp_buffer* view, BufferView* core, int64_t* shape,
                int64_t* strides) {
  if (!CoreView(view, core)) return false;
  if (core->shape == nullptr) {
    if (core->len % core->itemsize != 0) return false;
    core->ndim = 1;
    shape[0] = core->len / core->itemsize;
    strides[0] = core->itemsize;
    core->shape = shape;
    core->strides = strides;
    return true;
  }
  int64_t len = 0;
  if (!ComputeLength(core->ndim, core->shape, core->itemsize, &len).ok() ||
      len != core->len)
    return false;
  if (core->strides == nullptr) {
    if (!FillContiguousStrides(core->ndim, core->shape, core->itemsize, 'C',
                               strides)
             .ok())
      return false;
    core->strides = strides;
  }
  return true;
}

}  // namespace

void* GetPointerC(const bp_buffer* view, const bp_ssize_t* indices) {
  int64_t shape[1], strides[kMaxNdim];
  BufferView core;
  if (!FullLayout(view, &core, shape, strides) ||
      (core.ndim > 0 && indices == nullptr) || core.buf == nullptr) {
    return nullptr;
  }
  for (int i = 0; i < core.ndim; i++) {
    if (indices[i] < 0 || indices[i] >= core.shape[i]) return nullptr;
  }
  return GetItemPointer(core, indices);
}

void FillContiguousStridesC(int ndim, const bp_ssize_t* shape,
                            bp_ssize_t* strides, bp_ssize_t itemsize,
                            char order) {
  if (ndim <= 0 || ndim > kMaxNdim || shape == nullptr || strides == nullptr)
    return;
  if (!FillContiguousStrides(ndim, shape, itemsize, order, strides).ok()) {
    // Only an extent past INT64_MAX fails: no array that size exists.
    for (int i = 0; i < ndim; i++) strides[i] = 0;
  }
}

namespace {

// Copies between a view and contiguous bytes, in either direction. Views
// with suboffsets take the item-by-item path through GetItemPointer.
int CopyContiguous(napi_env env, const bp_buffer* view, void* bytes,
                   bp_ssize_t len, char order, bool into_view,
                   const char* who) {
  auto fail = [&](bool range, const std::string& message) {
    if (env != nullptr) {
      if (range)
        FailRange(env, message.c_str());
      else
        FailType(env, message.c_str());
    }
    return -1;
  };
  if (view == nullptr || (bytes == nullptr && len > 0))
    return fail(false, std::string(who) + ": NULL argument");
  if (order != 'C' && order != 'F' && order != 'A')
    return fail(true, std::string(who) + ": order must be 'C', 'F' or 'A'");
  int64_t shape1[1], strides[kMaxNdim];
  BufferView core;
  if (!FullLayout(view, &core, shape1, strides))
    return fail(true,
                std::string(who) + ": the view's structure is inconsistent");
  if (len != core.len)
    return fail(true, std::string(who) + ": len must equal the view's len");
  if (into_view && core.readonly) {
    if (env != nullptr)
      FailBufferError(env, "ERR_BUFFER_NOT_WRITABLE",
                      "from_contiguous: the view is read-only");
    return -1;
  }
  if (len == 0) return 0;
  if (core.buf == nullptr)
    return fail(true, std::string(who) + ": the view has no memory");
  BufferView given;
  CoreView(view, &given);
  if (view->shape == nullptr || IsContiguous(given, order)) {
    if (into_view)
      std::memmove(core.buf, bytes, static_cast<size_t>(len));
    else
      std::memmove(bytes, core.buf, static_cast<size_t>(len));
    return 0;
  }
  int64_t packed[kMaxNdim];
  if (!FillContiguousStrides(core.ndim, core.shape, core.itemsize,
                             order == 'F' ? 'F' : 'C', packed)
           .ok()) {
    return fail(true, std::string(who) + ": the view's shape overflows");
  }
  if (core.suboffsets == nullptr) {
    // Where CPython's item-by-item order shows (items that share bytes, a
    // source inside the view), it is kept; anything else is one tiled copy.
    const char* from = static_cast<const char*>(bytes);
    if (into_view &&
        (ItemsMayOverlap(core.ndim, core.shape, core.strides, core.itemsize) ||
         LayoutMeets(static_cast<const char*>(core.buf), core.shape,
                     core.strides, core.ndim, core.itemsize, from,
                     from + len))) {
      CopyIndirect(core, static_cast<char*>(bytes), packed, true, order == 'F');
      return 0;
    }
    StridedRef contiguous{static_cast<char*>(bytes), packed};
    StridedRef strided{static_cast<char*>(core.buf), core.strides};
    Status status = into_view ? CopyItems(strided, contiguous, core.shape,
                                          core.ndim, core.itemsize)
                              : CopyItems(contiguous, strided, core.shape,
                                          core.ndim, core.itemsize);
    if (!status.ok())
      return fail(true, std::string(who) + ": " + status.message);
    return 0;
  }
  CopyIndirect(core, static_cast<char*>(bytes), packed, into_view,
               order == 'F');
  return 0;
}

}  // namespace

int ToContiguous(napi_env env, void* dst, const bp_buffer* src, bp_ssize_t len,
                 char order) {
  return CopyContiguous(env, src, dst, len, order, false, "to_contiguous");
}

int FromContiguous(napi_env env, const bp_buffer* dst, const void* src,
                   bp_ssize_t len, char order) {
  return CopyContiguous(env, dst, const_cast<void*>(src), len, order, true,
                        "from_contiguous");
}

int CopyData(napi_env env, napi_value dst, napi_value src) {
  if (dst == nullptr || src == nullptr)
    return FailType(env, "copy_data: dst and src must not be NULL");
  CApiState* state = State(env);
  if (state == nullptr) return -1;
  napi_value args[2] = {dst, src};
  return CallFacade(env, state, kCopyData, 2, args) == nullptr ? -1 : 0;
}

bp_ssize_t SizeFromFormat(napi_env env, const char* format) {
  if (format == nullptr)
    return FailType(env, "size_from_format: format must not be NULL");
  CApiState* state = State(env);
  if (state == nullptr) return -1;
  napi_value arg, result;
  int64_t size = -1;
  if (napi_create_string_utf8(env, format, NAPI_AUTO_LENGTH, &arg) != napi_ok)
    return -1;
  result = CallFacade(env, state, kSizeFromFormat, 1, &arg);
  if (result == nullptr || napi_get_value_int64(env, result, &size) != napi_ok)
    return -1;
  return size;
}

int FillInfo(napi_env env, bp_buffer* view, napi_value obj, void* buf,
             bp_ssize_t len, int readonly, int flags) {
  if (view == nullptr) return FailType(env, "fill_info: view must not be NULL");
  Clear(view);
  if (len < 0) return FailRange(env, "fill_info: len must be >= 0");
  if (buf == nullptr && len > 0)
    return FailType(env, "fill_info: buf must not be NULL when len > 0");
  Status status = CheckFlags(flags);
  if (!status.ok()) return FailStatus(env, status);
  const int64_t shape[1] = {len};
  const int64_t strides[1] = {1};
  BufferView full;
  full.buf = buf;
  full.len = len;
  full.readonly = readonly != 0;
  full.format = "B";
  full.shape = shape;
  full.strides = strides;
  BufferView seen;
  status = NegotiateContiguous(full, flags, &seen);
  if (!status.ok()) return FailStatus(env, status);
  ViewInternal* internal = NewInternal(env, 2, 0);
  if (internal == nullptr)
    return FailRange(env, "out of memory for a buffer view");
  if (obj != nullptr &&
      napi_create_reference(env, obj, 1, &view->obj) != napi_ok) {
    FreeInternal(internal);
    Clear(view);
    return -1;
  }
  internal->arrays[0] = len;
  internal->arrays[1] = 1;
  view->buf = buf;
  view->len = len;
  view->itemsize = 1;
  view->readonly = readonly != 0;
  view->ndim = 1;
  view->format = seen.format;
  view->shape = seen.shape != nullptr ? &internal->arrays[0] : nullptr;
  view->strides = seen.strides != nullptr ? &internal->arrays[1] : nullptr;
  view->suboffsets = nullptr;
  view->internal = internal;
  return 0;
}

}  // namespace bp::binding
