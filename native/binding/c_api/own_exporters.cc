// get_buffer on a NativeBuffer or MappedFile natively: the memory and the
// layout its JavaScript owner exports are mirrored in the region
// (memory/native_region_c_views.cc), so C gets the view the facade would
// give without calling into JavaScript. Only success is answered here:
// anything the region cannot vouch for, and every refusal, goes to the
// facade's path, so codes, messages and their order stay the facade's.
// The view pins the block and counts as an export of the owner, as the
// facade's does.
#include "binding/c_api/own_exporters.h"

#include <cstring>

#include "binding/c_api/state.h"
#include "binding/c_api/view_internal.h"
#include "binding/memory/native_region.h"
#include "core/flags.h"
#include "core/negotiate.h"

namespace bp::binding {
namespace {

// The owner's full layout over `length` bytes at `data`, checked against
// them; false when it does not fit (then the facade decides).
bool FullLayout(const NativeRegion::Mirror& m, void* data, size_t length,
                int64_t* shape, int64_t* strides, BufferView* full) {
  if (m.has_layout)
    return FitMirroredLayout(m, data, length, shape, strides, full);
  shape[0] = static_cast<int64_t>(length);
  strides[0] = 1;
  full->buf = data;
  full->len = static_cast<int64_t>(length);
  full->itemsize = 1;
  full->ndim = 1;
  full->format = "B";
  full->shape = shape;
  full->strides = strides;
  full->readonly = m.readonly;
  return true;
}

}  // namespace

void FillCountedView(const BufferView& full, const BufferView& seen,
                     ViewInternal* internal, ExportTally* tally,
                     bp_buffer* view) {
  const int n = full.ndim;
  std::memcpy(&internal->arrays[0], full.shape,
              sizeof(int64_t) * static_cast<size_t>(n));
  std::memcpy(&internal->arrays[n], full.strides,
              sizeof(int64_t) * static_cast<size_t>(n));
  char* format = reinterpret_cast<char*>(&internal->arrays[2 * n]);
  if (seen.format != nullptr) std::strcpy(format, seen.format);
  internal->tally = tally;
  HoldTally(tally);
  tally->views++;
  view->buf = full.buf;
  view->len = full.len;
  view->itemsize = full.itemsize;
  view->readonly = full.readonly ? 1 : 0;
  view->ndim = seen.shape != nullptr ? n : 1;
  view->format = seen.format != nullptr ? format : nullptr;
  view->shape = seen.shape != nullptr ? &internal->arrays[0] : nullptr;
  view->strides = seen.strides != nullptr ? &internal->arrays[n] : nullptr;
  view->suboffsets = nullptr;
  view->internal = internal;
}

int GetOwnExporter(napi_env env, NativeRegion* region, napi_value obj,
                   bp_buffer* view, int flags, ThreadViews* views) {
  if (!CheckFlags(flags).ok()) return 0;
  void* data = nullptr;
  size_t length = 0;
  Block* pin = nullptr;
  if (!region->PinForC(env, &data, &length, &pin)) return 0;
  const NativeRegion::Mirror& m = region->mirror();
  int64_t shape[kMaxNdim], strides[kMaxNdim];
  BufferView full, seen;
  if (!FullLayout(m, data, length, shape, strides, &full) ||
      !(m.has_layout ? Negotiate(full, flags, &seen)
                     : NegotiateContiguous(full, flags, &seen))
           .ok()) {
    UnrefBlock(pin);
    return 0;
  }
  const size_t format_bytes =
      seen.format == nullptr ? 0 : std::strlen(seen.format) + 1;
  ViewInternal* internal = NewInternal(env, 2 * full.ndim, format_bytes, views);
  if (internal == nullptr) {
    UnrefBlock(pin);
    return FailRange(env, "out of memory for a buffer view");
  }
  internal->pin = pin;
  ListPinned(internal, views);
  if (napi_create_reference(env, obj, 1, &view->obj) != napi_ok) {
    FreeInternal(internal, views);
    view->obj = nullptr;
    return -1;
  }
  FillCountedView(full, seen, internal, region->c_views(), view);
  return 1;
}

}  // namespace bp::binding
