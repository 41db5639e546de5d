// What a filled C view owns, and each thread's list of them.
//
// A view owns its arrays and format, the facade's BufferInfo (slow path)
// or a count on its native owner (own_exporters.cc), and what keeps its memory:
// a pinned block (memory of a NativeBuffer or MappedFile) or, for any other
// memory, its V8 backing store. Either outlives detach, transfer, forced close
// and GC.
//
// The functions are inline: get_buffer's fast path and release call them
// on every view. They take the thread's views from the caller, which
// reads its thread_local once (in a shared library each thread-local
// access is a call).
#ifndef BUFFER_PROTOCOL_BINDING_C_API_VIEW_INTERNAL_H_
#define BUFFER_PROTOCOL_BINDING_C_API_VIEW_INTERNAL_H_

#include <buffer_protocol.h>
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "binding/memory/backing_store_pin.h"
#include "binding/memory/block.h"
#include "binding/memory/export_tally.h"

namespace bp::binding {

struct ViewInternal {
  napi_env env;
  napi_ref info;
  Block* pin;
  BackingStorePin store;
  // The owner's count of C views (own_exporters.cc), decremented and let
  // go of on release; null for every other view.
  ExportTally* tally;
  bool small;  // room for kSmallArrays numbers: may be reused
  // Views that pin a block are listed per thread, so that the thread's env
  // teardown can let go of blocks whose views C never released (the pin
  // cache lists backing stores).
  ViewInternal* prev_pinned;
  ViewInternal* next_pinned;
  int64_t arrays[1];  // shape, strides, suboffsets (ndim each), then format
};

// A thread's views: those that pin a block, listed so that the thread's
// env teardown can let go of blocks whose views C never released; freed
// small internals kept for the next views (linked by next_pinned), so that
// a built-in's view costs no malloc/free pair; and the backing-store pin
// cache.
// Room for a 2-D shape and strides and a short format (own_exporters.cc),
// so that the common views reuse internals instead of malloc and free.
constexpr int kSmallArrays = 6;
constexpr int kSpares = 8;
struct ThreadViews {
  ViewInternal* pinned;
  ViewInternal* spare;
  int spares;
  PinCache pins;
  // The pointer WrapKindOf found listed last, and its kind (own_wraps.cc).
  const void* last_wrap;
  int last_wrap_kind;
};

// This thread's views. The variable lives in get_buffer.cc with internal
// linkage, where the hot paths read it directly: a thread_local shared
// across files made FULL_RO get_buffer about 8 ns slower (its access and
// the code around it compile worse).
ThreadViews* Views();

inline void ListPinned(ViewInternal* internal, ThreadViews* views = Views()) {
  internal->prev_pinned = nullptr;
  internal->next_pinned = views->pinned;
  if (views->pinned != nullptr) views->pinned->prev_pinned = internal;
  views->pinned = internal;
}

// A backing-store pin is listed by its PinCache; only block pins are
// listed here.
inline void UnpinView(ViewInternal* internal, ThreadViews* views) {
  UnpinBackingStore(&internal->store);
  if (internal->pin == nullptr) return;
  if (internal->prev_pinned != nullptr) {
    internal->prev_pinned->next_pinned = internal->next_pinned;
  } else {
    views->pinned = internal->next_pinned;
  }
  if (internal->next_pinned != nullptr) {
    internal->next_pinned->prev_pinned = internal->prev_pinned;
  }
  Block* block = internal->pin;
  internal->pin = nullptr;
  UnrefBlock(block);
}

// A view's internal with room for `arrays` numbers and `format_bytes`;
// nullptr when out of memory.
inline ViewInternal* NewInternal(napi_env env, int arrays, size_t format_bytes,
                                 ThreadViews* views = Views()) {
  const bool small =
      sizeof(int64_t) * static_cast<size_t>(arrays) + format_bytes <=
      sizeof(int64_t) * kSmallArrays;
  ViewInternal* internal = nullptr;
  if (small && views->spare != nullptr) {
    internal = views->spare;
    views->spare = internal->next_pinned;
    views->spares--;
  } else {
    const size_t size =
        offsetof(ViewInternal, arrays) +
        (small ? sizeof(int64_t) * kSmallArrays
               : sizeof(int64_t) * static_cast<size_t>(arrays) + format_bytes);
    internal = static_cast<ViewInternal*>(std::malloc(size));
    if (internal == nullptr) return nullptr;
  }
  internal->small = small;
  internal->env = env;
  internal->info = nullptr;
  internal->pin = nullptr;
  internal->tally = nullptr;
  internal->store.entry = nullptr;
  internal->prev_pinned = internal->next_pinned = nullptr;
  return internal;
}

inline void FreeInternal(ViewInternal* internal, ThreadViews* views = Views()) {
  UnpinView(internal, views);
  if (internal->small && views->spares < kSpares) {
    internal->next_pinned = views->spare;
    views->spare = internal;
    views->spares++;
    return;
  }
  std::free(internal);
}

// A held built-in view without arrays (SIMPLE, the hottest request) needs
// nothing but its pin: view->internal is then the pin's entry, tagged in
// its low bit (entries are heap objects, at least 8-aligned), instead of a
// ViewInternal, which saves allocating and listing one per view.
constexpr uintptr_t kPinTag = 1;
static_assert(alignof(PinHead) >= 2, "a pin's address has a free low bit");

inline void* TagPin(const BackingStorePin& pin) {
  return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(pin.entry) |
                                 kPinTag);
}

inline bool IsTaggedPin(const void* internal) {
  return (reinterpret_cast<uintptr_t>(internal) & kPinTag) != 0;
}

inline BackingStorePin UntagPin(void* internal) {
  return BackingStorePin{reinterpret_cast<void*>(
      reinterpret_cast<uintptr_t>(internal) & ~kPinTag)};
}

inline void Clear(bp_buffer* view) { std::memset(view, 0, sizeof(*view)); }

// At env teardown (process or Worker exit) views C still holds stop
// pinning their memory; see view_internal.cc.
void UnpinAllViewsOnTeardown(void*);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_VIEW_INTERNAL_H_
