// get_buffer, get_buffer_borrowed and release: built-in TypedArrays,
// DataViews and ArrayBuffers are exported here without a call into
// JavaScript (the hot path), NativeBuffers and MappedFiles in
// own_exporters.cc, MemoryViews exported before from their mirror
// (view_mirror.cc); every other object goes to the facade (via_facade.cc).
#include <unistd.h>

#include "binding/c_api/arg_names.h"
#include "binding/c_api/own_exporters.h"
#include "binding/c_api/own_wraps.h"
#include "binding/c_api/state.h"
#include "binding/c_api/table.h"
#include "binding/c_api/via_facade.h"
#include "binding/c_api/view_internal.h"
#include "binding/c_api/view_mirror.h"
#include "binding/memory/native_region.h"
#include "core/flags.h"
#include "core/negotiate.h"

namespace bp::binding {
namespace {

thread_local ThreadViews t_views = {nullptr, nullptr, 0, {nullptr, nullptr},
                                    nullptr, 0};

const char* TypedFormat(napi_typedarray_type type, int64_t* itemsize) {
  switch (type) {
    case napi_int8_array: *itemsize = 1; return "b";
    case napi_uint8_array: *itemsize = 1; return "B";
    case napi_uint8_clamped_array: *itemsize = 1; return "B";
    case napi_int16_array: *itemsize = 2; return "h";
    case napi_uint16_array: *itemsize = 2; return "H";
    case napi_int32_array: *itemsize = 4; return "i";
    case napi_uint32_array: *itemsize = 4; return "I";
    case napi_float32_array: *itemsize = 4; return "f";
    case napi_float64_array: *itemsize = 8; return "d";
    case napi_bigint64_array: *itemsize = 8; return "q";
    case napi_biguint64_array: *itemsize = 8; return "Q";
    default: return nullptr;
  }
}

// Page size - 1 (a power of two): a mask, because a division here costs
// more than the rest of the fast path's arithmetic together.
uintptr_t PageMask() {
  static const uintptr_t mask =
      static_cast<uintptr_t>(sysconf(_SC_PAGESIZE)) - 1;
  return mask;
}

// A built-in's memory as N-API reports it.
struct Builtin {
  void* data = nullptr;
  size_t offset = 0, bytes = 0, count = 0;
  int64_t itemsize = 1;
  const char* format = "B";
  napi_value
      buffer;  // the ArrayBuffer (or SharedArrayBuffer) the bytes live in
};

// False for anything but a TypedArray of a known type, a DataView or an
// ArrayBuffer.
bool ReadBuiltin(napi_env env, napi_value obj, Builtin* b) {
  napi_typedarray_type type;
  bool is = false;
  b->buffer = obj;
  if (napi_get_typedarray_info(env, obj, &type, &b->count, &b->data, &b->buffer,
                               &b->offset) == napi_ok) {
    b->format = TypedFormat(type, &b->itemsize);
    b->bytes = b->count * static_cast<size_t>(b->itemsize);
    return b->format != nullptr;
  }
  if (napi_is_dataview(env, obj, &is) == napi_ok && is) {
    if (napi_get_dataview_info(env, obj, &b->bytes, &b->data, &b->buffer,
                               &b->offset) != napi_ok)
      return false;
    b->count = b->bytes;
    return true;
  }
  if (napi_is_arraybuffer(env, obj, &is) == napi_ok && is) {
    if (napi_get_arraybuffer_info(env, obj, &b->data, &b->bytes) != napi_ok)
      return false;
    b->count = b->bytes;
    return true;
  }
  return false;
}

// Fills `view` from a built-in's negotiated view `seen`: 1, or -1 with
// the exception pending, or 0 to take the facade's path.
// A held view pins the backing store, which keeps the bytes whatever
// JavaScript does to the ArrayBuffer; its shape and strides are the pin's
// (PinnedArrays), so that a held view needs nothing allocated but the pin:
// view->internal is then the pin's entry, tagged (TagPin). A borrowed one
// leans on the caller's handle for obj and pins nothing: without ND it needs
// no internal at all; with ND its arrays are an internal's.
int HoldBuiltin(napi_env env, napi_value obj, bp_buffer* view, const Builtin& b,
                const BufferView& seen, bool borrow, ThreadViews* views) {
  const uintptr_t base = reinterpret_cast<uintptr_t>(b.data) - b.offset;
  BackingStorePin pin = {nullptr};
  // Where the runtime has no backing stores (Bun, Deno) the view goes
  // unpinned; asked second, as the pin's hot path needs no answer.
  if (!borrow &&
      !PinBackingStore(&views->pins, b.buffer, reinterpret_cast<void*>(base),
                       b.offset + b.bytes, &pin) &&
      HaveBackingStores()) {
    return 0;  // memory V8 cannot name: the facade's path decides
  }
  ViewInternal* internal = nullptr;
  int64_t* arrays = nullptr;
  if (seen.shape != nullptr) {
    arrays = PinnedArrays(&pin, static_cast<int64_t>(b.count), b.itemsize);
    if (arrays == nullptr) {
      internal = NewInternal(env, 2, 0, views);
      if (internal == nullptr) {
        UnpinBackingStore(&pin);
        return FailRange(env, "out of memory for a buffer view");
      }
      arrays = internal->arrays;
      arrays[0] = static_cast<int64_t>(b.count);
      arrays[1] = b.itemsize;
      internal->store = pin;
    }
  }
  view->obj = nullptr;
  if (!borrow && napi_create_reference(env, obj, 1, &view->obj) != napi_ok) {
    if (internal != nullptr)
      FreeInternal(internal, views);
    else
      UnpinBackingStore(&pin);
    view->obj = nullptr;
    return -1;
  }
  view->buf = b.data;
  view->len = static_cast<int64_t>(b.bytes);
  view->itemsize = b.itemsize;
  view->readonly = 0;
  view->ndim = 1;
  view->format = seen.format;  // a literal: lives forever
  view->shape = seen.shape != nullptr ? &arrays[0] : nullptr;
  view->strides = seen.strides != nullptr ? &arrays[1] : nullptr;
  view->suboffsets = nullptr;
  view->internal = internal != nullptr    ? internal
                   : pin.entry != nullptr ? TagPin(pin)
                                          : nullptr;
  return 1;
}

// The built-ins without a call into JavaScript. Returns 1 when done, 0 to
// take the facade's path, -1 on failure. The facade's path keeps every
// check that needs JavaScript: a resizable ArrayBuffer (which can shrink,
// and unmap, under a C consumer) must be refused, and N-API cannot tell
// one. V8 reserves every resizable ArrayBuffer's memory with the page
// allocator, so its address is page-aligned; ordinary ones come from
// malloc and rarely are. A page-aligned (or empty) buffer therefore goes
// to the facade, which asks the real `resizable` getter; the rest is safe.
int GetBuiltin(napi_env env, napi_value obj, bp_buffer* view, int flags,
               bool borrow, ThreadViews* views) {
  Builtin b;
  if (!ReadBuiltin(env, obj, &b)) return 0;
  const uintptr_t base = reinterpret_cast<uintptr_t>(b.data) - b.offset;
  if (b.bytes == 0 || (base & PageMask()) == 0) return 0;
  // The facade's refusal of bad flags has the exact message; a writable,
  // contiguous, one-dimensional view meets every valid request, so what
  // memory_getbuf would do reduces to dropping unrequested fields. (The
  // test is CheckFlags', spelled out: this is the hottest line.)
  if ((flags & ~kBufRequestMask) != 0 || flags == kBufRead) return 0;

  const int64_t shape[1] = {static_cast<int64_t>(b.count)};
  const int64_t strides[1] = {b.itemsize};
  BufferView full;
  full.buf = b.data;
  full.len = static_cast<int64_t>(b.bytes);
  full.itemsize = b.itemsize;
  full.format = b.format;
  full.shape = shape;
  full.strides = strides;
  BufferView seen;
  // Writable memory: the built-ins' rule never refuses a valid request.
  if (!NegotiateContiguous(full, flags, &seen).ok()) return 0;

  return HoldBuiltin(env, obj, view, b, seen, borrow, views);
}

int GetBufferAs(napi_env env, napi_value obj, bp_buffer* view, int flags,
                bool borrow) {
  if (view == nullptr)
    return FailType(env, "get_buffer: view must not be NULL");
  if (obj == nullptr) {
    Clear(view);
    return FailType(env, "get_buffer: obj must not be NULL");
  }
  try {
    // Read once: in a shared library each thread-local access is a call.
    ThreadViews* views = &t_views;
    // The fast path fills every field on success; anything else starts clean.
    const int fast = GetBuiltin(env, obj, view, flags, borrow, views);
    if (fast > 0) return 0;
    Clear(view);
    if (fast < 0) return -1;
    void* wrapped = nullptr;
    int own = 0;
    switch (WrapKindOf(env, obj, &wrapped, views)) {
      case WrapKind::kRegionOwner:
        own = GetOwnExporter(env, NativeRegion::OfOwnerTag(wrapped), obj, view,
                             flags, views);
        break;
      case WrapKind::kViewMirror:
        own = GetMirroredView(env, wrapped, obj, view, flags, views);
        break;
      case WrapKind::kNone: break;
    }
    if (own > 0) return 0;
    Clear(view);
    if (own < 0) return -1;
    CApiState* state = State(env);
    if (state == nullptr) return -1;
    const int result = GetViaFacade(env, state, obj, view, flags);
    if (result != 0) {
      Clear(view);
      NameCArgument(env, borrow ? "get_buffer_borrowed" : "get_buffer", "obj");
    }
    return result;
  } catch (...) {
    Clear(view);
    if (!Pending(env)) FailRange(env, "get_buffer failed: out of memory");
    return -1;
  }
}

}  // namespace

ThreadViews* Views() { return &t_views; }

int GetBuffer(napi_env env, napi_value obj, bp_buffer* view, int flags) {
  return GetBufferAs(env, obj, view, flags, false);
}

// Other exporters hold an export whatever the caller asks: only built-ins
// can be read without one.
int GetBufferBorrowed(napi_env env, napi_value obj, bp_buffer* view,
                      int flags) {
  return GetBufferAs(env, obj, view, flags, true);
}

void Release(napi_env env, bp_buffer* view) {
  if (view == nullptr || (view->obj == nullptr && view->internal == nullptr))
    return;
  ThreadViews* views = &t_views;
  if (IsTaggedPin(view->internal)) {
    // A built-in's view without arrays: its reference and its pin, both
    // made on the thread whose cache made the pin.
    BackingStorePin pin = UntagPin(view->internal);
    if (!PinnedBy(&pin, &views->pins)) {
      napi_throw_error(
          env, "ERR_BUFFER_WRONG_ENV",
          "release: this view was filled in another thread; release it there");
      return;
    }
    if (view->obj != nullptr) napi_delete_reference(env, view->obj);
    UnpinBackingStore(&pin);
    Clear(view);
    return;
  }
  ViewInternal* internal = static_cast<ViewInternal*>(view->internal);
  if (internal != nullptr && internal->env != env) {
    napi_throw_error(
        env, "ERR_BUFFER_WRONG_ENV",
        "release: this view was filled in another env (addon or thread); "
        "release it there");
    return;
  }
  // Ending an export cannot fail (PyBuffer_Release returns nothing): the
  // facade reports a throwing release hook as a warning. An exception the
  // caller already had pending (release on an error path) is kept.
  napi_value pending_error = nullptr;
  if (internal != nullptr && internal->tally != nullptr) {
    internal->tally->views--;
    DropTally(internal->tally);
    internal->tally = nullptr;
  }
  if (internal != nullptr && internal->info != nullptr) {
    pending_error = SetAside(env);
    napi_value info = RefValue(env, internal->info);
    CApiState* state = CurrentState();
    if (state != nullptr && info != nullptr) {
      CallFacade(env, state, kReleaseForC, 1, &info);
      SetAside(env);
    }
    napi_delete_reference(env, internal->info);
  }
  if (view->obj != nullptr) napi_delete_reference(env, view->obj);
  if (internal != nullptr) FreeInternal(internal, views);
  Clear(view);
  ThrowAgain(env, pending_error);
}

}  // namespace bp::binding
