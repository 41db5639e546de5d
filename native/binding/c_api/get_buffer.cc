// The functions of the bp_api table. Each is callable from C: no C++
// exception leaves this file, and every failure is a JavaScript exception
// left pending in the caller's env plus an error return.
//
// Envs: a consumer addon calls with its own napi_env, which differs from
// this addon's even on the same thread. So references a view holds, and
// every call into JavaScript, use the caller's env (that is where the
// caller looks for a pending exception and where it releases), while the
// facade's functions come from this thread's CApiState.
#include "binding/c_api/install.h"

#include <buffer_protocol.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include "core/copy.h"
#include "core/format.h"
#include "core/layout.h"
#include "core/negotiate.h"
#include "binding/memory/backing_store_pin.h"
#include "binding/memory/block.h"

namespace bp::binding {
namespace {

static_assert(sizeof(bp_ssize_t) == sizeof(int64_t), "strides are int64_t in the core");
static_assert(BP_MAX_NDIM == kMaxNdim, "one dimension limit");
static_assert(BP_FULL_RO == kBufFullRo && BP_RECORDS == kBufRecords && BP_STRIDED == kBufStrided &&
                  BP_CONTIG == kBufContig && BP_INDIRECT == kBufIndirect &&
                  BP_ANY_CONTIGUOUS == kBufAnyContiguous && BP_F_CONTIGUOUS == kBufFContiguous &&
                  BP_C_CONTIGUOUS == kBufCContiguous && BP_WRITABLE == kBufWritable &&
                  BP_FORMAT == kBufFormat && BP_ND == kBufNd && BP_STRIDES == kBufStrides,
              "the header's flags are CPython's, as the core's are");

// The facade answers exportForC mostly through `scratch`: a Float64Array
// whose memory this side reads directly, in the layout of enum Scratch,
// instead of through a dozen napi_get_element calls. (It holds 1,600
// bytes, so V8 keeps it off-heap, where memory never moves.) The state
// pins its backing store, so no JavaScript can free the memory read here;
// the facade never lets the array reach user code, writes it last, and
// everything read from it is checked as any other JavaScript answer.
constexpr size_t kScratchHeader = 8;
constexpr size_t kScratchLength = kScratchHeader + 3 * kMaxNdim;
enum Scratch : size_t {
  kByteOffset, kLen, kItemsize, kReadonly, kNdim, kHasShape, kHasStrides, kHasSuboffsets
};

// The facade's functions for this thread's env of this addon, found by C
// callers through t_state. jest installs the facade again per test file
// over one env; the state then points at the newest functions.
struct CApiState {
  napi_env env;
  napi_ref export_for_c, release_for_c, wrap_foreign, buffer_object_foreign,
      copy_data, size_from_format, buffer_error;
  napi_ref scratch_ref;
  double* scratch;
  BackingStorePin scratch_pin;
  // A block the facade pinned for the view being made (NativeRegion::Pin
  // hands it over here; GetViaFacade takes it right after the call).
  Block* pending_pin;
  ~CApiState();
};

thread_local CApiState* t_state = nullptr;

CApiState::~CApiState() {
  if (t_state == this) t_state = nullptr;
  if (pending_pin != nullptr) UnrefBlock(pending_pin);
  if (scratch_ref != nullptr) napi_delete_reference(env, scratch_ref);
  UnpinBackingStore(&scratch_pin);
  for (napi_ref ref : {export_for_c, release_for_c, wrap_foreign, buffer_object_foreign,
                       copy_data, size_from_format, buffer_error}) {
    if (ref != nullptr) napi_delete_reference(env, ref);
  }
}

// What a filled view owns: its arrays and format, the facade's BufferInfo
// (slow path), and what keeps its memory: a pinned block (memory of a
// NativeBuffer or MappedFile) or, for any other memory, its V8 backing
// store. Either outlives detach, transfer, forced close and GC.
struct ViewInternal {
  napi_env env;
  napi_ref info;
  Block* pin;
  BackingStorePin store;
  bool small;  // room for kSmallArrays and no format: may be reused
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
// cache. One thread_local, whose address the hot paths take once: in a
// shared library each thread-local access is a call.
constexpr int kSmallArrays = 2;  // a built-in's shape and strides
constexpr int kSpares = 8;
struct ThreadViews {
  ViewInternal* pinned;
  ViewInternal* spare;
  int spares;
  PinCache pins;
};

thread_local ThreadViews t_views = {nullptr, nullptr, 0, {nullptr, nullptr}};

ThreadViews* Views() { return &t_views; }

void ListPinned(ViewInternal* internal, ThreadViews* views = Views()) {
  internal->prev_pinned = nullptr;
  internal->next_pinned = views->pinned;
  if (views->pinned != nullptr) views->pinned->prev_pinned = internal;
  views->pinned = internal;
}

// A backing-store pin is listed by its PinCache; only block pins are
// listed here.
void UnpinView(ViewInternal* internal, ThreadViews* views) {
  UnpinBackingStore(&internal->store);
  if (internal->pin == nullptr) return;
  if (internal->prev_pinned != nullptr) internal->prev_pinned->next_pinned = internal->next_pinned;
  else views->pinned = internal->next_pinned;
  if (internal->next_pinned != nullptr) internal->next_pinned->prev_pinned = internal->prev_pinned;
  Block* block = internal->pin;
  internal->pin = nullptr;
  UnrefBlock(block);
}

ViewInternal* NewInternal(napi_env env, int arrays, size_t format_bytes, ThreadViews* views = Views()) {
  const bool small = arrays <= kSmallArrays && format_bytes == 0;
  ViewInternal* internal = nullptr;
  if (small && views->spare != nullptr) {
    internal = views->spare;
    views->spare = internal->next_pinned;
    views->spares--;
  } else {
    const size_t size = offsetof(ViewInternal, arrays) +
                        sizeof(int64_t) * static_cast<size_t>(small ? kSmallArrays : arrays) + format_bytes;
    internal = static_cast<ViewInternal*>(std::malloc(size));
    if (internal == nullptr) return nullptr;
  }
  internal->small = small;
  internal->env = env;
  internal->info = nullptr;
  internal->pin = nullptr;
  internal->store.entry = nullptr;
  internal->prev_pinned = internal->next_pinned = nullptr;
  return internal;
}

void FreeInternal(ViewInternal* internal, ThreadViews* views = Views()) {
  UnpinView(internal, views);
  if (internal->small && views->spares < kSpares) {
    internal->next_pinned = views->spare;
    views->spare = internal;
    views->spares++;
    return;
  }
  std::free(internal);
}

// At env teardown (process or Worker exit) views C still holds stop
// pinning their memory, so that memory lent by C gets its release callback
// once, as promised, when the ArrayBuffers' finalizers run right after, and
// V8 memory is not kept past its env (Node frees external memory at env
// teardown whatever holds it). The views themselves stay valid to release;
// only their pins are gone, and their memory with them.
void UnpinAllOnTeardown(void*) {
  ThreadViews* views = Views();
  while (views->pinned != nullptr) UnpinView(views->pinned, views);
  DropPinsOnTeardown(&views->pins);
  while (views->spare != nullptr) {
    ViewInternal* next = views->spare->next_pinned;
    std::free(views->spare);
    views->spare = next;
  }
  views->spares = 0;
}

void Clear(bp_buffer* view) { std::memset(view, 0, sizeof(*view)); }

// A held built-in view without arrays (SIMPLE, the hottest request) needs
// nothing but its pin: view->internal is then the pin's entry, tagged in
// its low bit (entries are heap objects, at least 8-aligned), instead of a
// ViewInternal, which saves allocating and listing one per view.
constexpr uintptr_t kPinTag = 1;

void* TagPin(const BackingStorePin& pin) {
  return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(pin.entry) | kPinTag);
}

bool IsTaggedPin(const void* internal) { return (reinterpret_cast<uintptr_t>(internal) & kPinTag) != 0; }

BackingStorePin UntagPin(void* internal) {
  return BackingStorePin{reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(internal) & ~kPinTag)};
}

// --- errors --------------------------------------------------------------

int ThrowType(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return -1;
}

int ThrowRange(napi_env env, const char* message) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  return -1;
}

bool Pending(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  return pending;
}

// N-API refuses most calls while an exception is pending; cleanup paths
// set it aside, do their calls, and throw it again.
napi_value SetAside(napi_env env) {
  if (!Pending(env)) return nullptr;
  napi_value error = nullptr;
  napi_get_and_clear_last_exception(env, &error);
  return error;
}

void ThrowAgain(napi_env env, napi_value error) {
  if (error != nullptr) napi_throw(env, error);
}

CApiState* State(napi_env env) {
  if (t_state == nullptr) {
    napi_throw_error(env, "ERR_BUFFER_PROTOCOL_NOT_LOADED",
                     "buffer-protocol is not loaded in this JavaScript thread: "
                     "require('buffer-protocol') first");
  }
  return t_state;
}

napi_value RefValue(napi_env env, napi_ref ref) {
  napi_value value = nullptr;
  napi_get_reference_value(env, ref, &value);
  return value;
}

// A BufferError made by the facade (so `name`, `code` and the class are the
// library's own), or a plain coded Error if the facade is not there.
int ThrowBufferError(napi_env env, const char* code, const char* message) {
  CApiState* state = t_state;
  napi_value args[2], fn, undefined, error;
  if (state != nullptr && napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &args[0]) == napi_ok &&
      napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &args[1]) == napi_ok &&
      (fn = RefValue(env, state->buffer_error)) != nullptr && napi_get_undefined(env, &undefined) == napi_ok &&
      napi_call_function(env, undefined, fn, 2, args, &error) == napi_ok) {
    napi_throw(env, error);
  } else if (!Pending(env)) {
    napi_throw_error(env, code, message);
  }
  return -1;
}

int ThrowStatus(napi_env env, const Status& status) {
  if (status.code == ErrorCode::kBadFlags) return ThrowRange(env, status.message);
  return ThrowBufferError(env, CodeName(status.code), status.message);
}

// Calls a facade function; nullptr with the exception pending on failure.
napi_value CallFacade(napi_env env, napi_ref fn_ref, size_t argc, const napi_value* argv) {
  napi_value fn = RefValue(env, fn_ref), undefined, result = nullptr;
  if (fn == nullptr || napi_get_undefined(env, &undefined) != napi_ok) return nullptr;
  if (napi_call_function(env, undefined, fn, argc, argv, &result) != napi_ok) return nullptr;
  return result;
}

// --- reading the facade's answers ---------------------------------------

bool IsNullish(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && (type == napi_null || type == napi_undefined);
}

// --- get_buffer ----------------------------------------------------------

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
  static const uintptr_t mask = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE)) - 1;
  return mask;
}

// The built-ins without a call into JavaScript. Returns 1 when done, 0 to
// take the facade's path, -1 on failure. The facade's path keeps every
// check that needs JavaScript: a resizable ArrayBuffer (which can shrink,
// and unmap, under a C consumer) must be refused, and N-API cannot tell
// one. V8 reserves every resizable ArrayBuffer's memory with the page
// allocator, so its address is page-aligned; ordinary ones come from
// malloc and rarely are. A page-aligned (or empty) buffer therefore goes
// to the facade, which asks the real `resizable` getter; the rest is safe.
int GetBuiltin(napi_env env, napi_value obj, bp_buffer* view, int flags, bool borrow) {
  void* data = nullptr;
  size_t offset = 0, bytes = 0, count = 0;
  int64_t itemsize = 1;
  const char* format = "B";
  napi_typedarray_type type;
  napi_value buffer = obj;  // the ArrayBuffer (or SharedArrayBuffer) the bytes live in
  bool is = false;
  if (napi_get_typedarray_info(env, obj, &type, &count, &data, &buffer, &offset) == napi_ok) {
    format = TypedFormat(type, &itemsize);
    if (format == nullptr) return 0;
    bytes = count * static_cast<size_t>(itemsize);
  } else if (napi_is_dataview(env, obj, &is) == napi_ok && is) {
    if (napi_get_dataview_info(env, obj, &bytes, &data, &buffer, &offset) != napi_ok) return 0;
    count = bytes;
  } else if (napi_is_arraybuffer(env, obj, &is) == napi_ok && is) {
    if (napi_get_arraybuffer_info(env, obj, &data, &bytes) != napi_ok) return 0;
    count = bytes;
  } else {
    return 0;
  }
  const uintptr_t base = reinterpret_cast<uintptr_t>(data) - offset;
  if (bytes == 0 || (base & PageMask()) == 0) return 0;
  // The facade's refusal of bad flags has the exact message; a writable,
  // contiguous, one-dimensional view meets every valid request, so what
  // memory_getbuf would do reduces to dropping unrequested fields. (The
  // test is CheckFlags', spelled out: this is the hottest line.)
  if ((flags & ~kBufRequestMask) != 0 || flags == kBufRead) return 0;

  const int64_t shape[1] = {static_cast<int64_t>(count)};
  const int64_t strides[1] = {itemsize};
  BufferView full;
  full.buf = data;
  full.len = static_cast<int64_t>(bytes);
  full.itemsize = itemsize;
  full.format = format;
  full.shape = shape;
  full.strides = strides;
  BufferView seen;
  // Writable memory: the built-ins' rule never refuses a valid request.
  if (!NegotiateContiguous(full, flags, &seen).ok()) return 0;

  // A held view pins the backing store, which keeps the bytes whatever
  // JavaScript does to the ArrayBuffer. A borrowed one leans on the
  // caller's handle for obj and pins nothing: without ND it needs no
  // internal at all, which saves an allocation on its hottest request.
  ThreadViews* views = Views();
  BackingStorePin pin = {nullptr};
  if (!borrow && !PinBackingStore(&views->pins, buffer, reinterpret_cast<void*>(base), offset + bytes, &pin)) {
    return 0;  // memory V8 cannot name: the facade's path decides
  }
  ViewInternal* internal = nullptr;
  if (seen.shape != nullptr) {
    internal = NewInternal(env, 2, 0, views);
    if (internal == nullptr) {
      UnpinBackingStore(&pin);
      return ThrowRange(env, "out of memory for a buffer view");
    }
    internal->arrays[0] = shape[0];
    internal->arrays[1] = strides[0];
    internal->store = pin;
  }
  view->obj = nullptr;
  if (!borrow && napi_create_reference(env, obj, 1, &view->obj) != napi_ok) {
    if (internal != nullptr) FreeInternal(internal, views);
    else UnpinBackingStore(&pin);
    view->obj = nullptr;
    return -1;
  }
  view->buf = data;
  view->len = static_cast<int64_t>(bytes);
  view->itemsize = itemsize;
  view->readonly = 0;
  view->ndim = 1;
  view->format = seen.format;  // a literal: lives forever
  view->shape = seen.shape != nullptr ? &internal->arrays[0] : nullptr;
  view->strides = seen.strides != nullptr ? &internal->arrays[1] : nullptr;
  view->suboffsets = nullptr;
  view->internal = internal != nullptr ? internal : pin.entry != nullptr ? TagPin(pin) : nullptr;
  return 1;
}

// The facade's answer to exportForC(obj, flags) is [info, bytes, format]
// (the export, the ArrayBuffer or SharedArrayBuffer it lives in, the format
// or null), with the numbers in the scratch array and, for memory of a
// NativeBuffer or MappedFile, a pinned block handed over (pending_pin).
// Everything is checked again here against the bytes it claims to describe:
// this side trusts no JavaScript value.
enum Answer : uint32_t { kInfo, kBytes, kFormat };

Block* TakePendingPin(CApiState* state) {
  Block* pin = state->pending_pin;
  state->pending_pin = nullptr;
  return pin;
}

// An integer from the scratch array, or false when it is not one.
bool ScratchInt(const double* scratch, size_t index, int64_t* out) {
  const double number = scratch[index];
  if (!(number >= -9007199254740991.0 && number <= 9007199254740991.0) ||
      number != static_cast<double>(static_cast<int64_t>(number))) {
    return false;
  }
  *out = static_cast<int64_t>(number);
  return true;
}

bool ScratchInts(const double* scratch, size_t start, int n, int64_t* out) {
  for (int i = 0; i < n; i++) {
    if (!ScratchInt(scratch, start + static_cast<size_t>(i), &out[i])) return false;
  }
  return true;
}

// Whether `block` holds all of [data, data + length).
bool Covers(const Block* block, const void* data, size_t length) {
  const uintptr_t start = reinterpret_cast<uintptr_t>(block->data);
  const uintptr_t first = reinterpret_cast<uintptr_t>(data);
  return first >= start && first - start <= block->size && length <= block->size - (first - start);
}

int GetViaFacade(napi_env env, CApiState* state, napi_value obj, bp_buffer* view, int flags) {
  napi_value args[2] = {obj, nullptr};
  if (napi_create_int32(env, flags, &args[1]) != napi_ok) return -1;
  // Numbers the facade did not write this time (it failed, or its array was
  // somehow detached) must not pass for an answer: NaN is never one.
  for (size_t i = 0; i < kScratchHeader; i++) state->scratch[i] = std::numeric_limits<double>::quiet_NaN();
  napi_value answer = CallFacade(env, state->export_for_c, 2, args);
  Block* pin = TakePendingPin(state);
  if (answer == nullptr) {
    if (pin != nullptr) UnrefBlock(pin);
    return -1;
  }
  napi_value info = nullptr, bytes = nullptr, format_value = nullptr;
  napi_get_element(env, answer, kInfo, &info);

  // From here on the facade holds an export: every failure must end it.
  auto fail = [&](const char* message) {
    if (!Pending(env)) ThrowBufferError(env, "ERR_BUFFER_INVALID_EXPORT", message);
    napi_value pending_error = SetAside(env);
    if (info != nullptr) CallFacade(env, state->release_for_c, 1, &info);
    SetAside(env);  // a throwing release hook was reported as a warning
    if (pin != nullptr) UnrefBlock(pin);
    ThrowAgain(env, pending_error);
    return -1;
  };

  const double* scratch = state->scratch;
  int64_t offset = 0, len = 0, itemsize = 0, ndim = 0, present[4] = {0, 0, 0, 0};
  if (!ScratchInt(scratch, kByteOffset, &offset) || !ScratchInt(scratch, kLen, &len) ||
      !ScratchInt(scratch, kItemsize, &itemsize) || !ScratchInt(scratch, kNdim, &ndim) ||
      !ScratchInts(scratch, kReadonly, 1, &present[0]) || !ScratchInts(scratch, kHasShape, 3, &present[1]) ||
      napi_get_element(env, answer, kBytes, &bytes) != napi_ok ||
      napi_get_element(env, answer, kFormat, &format_value) != napi_ok) {
    return fail("the exporter's view could not be read");
  }
  if (ndim < 0 || ndim > kMaxNdim || itemsize < 1 || len < 0) {
    return fail("the exporter's view has an impossible structure");
  }
  const int n = static_cast<int>(ndim);
  const bool readonly = present[0] != 0;
  const bool has_shape = present[1] != 0, has_strides = present[2] != 0, has_suboffsets = present[3] != 0;
  if ((has_strides && !has_shape) || (has_suboffsets && !has_strides)) {
    return fail("the exporter's shape, strides or suboffsets are malformed");
  }

  // Memory: the whole block the view lives in, as V8 knows it.
  void* block_data = nullptr;
  size_t block_length = 0;
  if (!IsNullish(env, bytes) && !BufferMemory(bytes, &block_data, &block_length)) {
    return fail("the exporter's memory could not be read");
  }

  std::string format;
  const bool has_format = !IsNullish(env, format_value);
  if (has_format) {
    size_t length = 0;
    if (napi_get_value_string_utf8(env, format_value, nullptr, 0, &length) != napi_ok) {
      return fail("the exporter's format is not a string");
    }
    format.resize(length);
    napi_get_value_string_utf8(env, format_value, format.data(), length + 1, &length);
  }

  ViewInternal* internal = NewInternal(env, 3 * n, has_format ? format.size() + 1 : 0);
  if (internal == nullptr) return fail("out of memory for a buffer view");
  int64_t* shape = &internal->arrays[0];
  int64_t* strides = &internal->arrays[n];
  int64_t* suboffsets = &internal->arrays[2 * n];
  if ((has_shape && !ScratchInts(scratch, kScratchHeader, n, shape)) ||
      (has_strides && !ScratchInts(scratch, kScratchHeader + kMaxNdim, n, strides)) ||
      (has_suboffsets && !ScratchInts(scratch, kScratchHeader + 2 * kMaxNdim, n, suboffsets))) {
    FreeInternal(internal);
    return fail("the exporter's shape, strides or suboffsets are malformed");
  }

  // The complete layout the negotiated one stands for, checked in bounds.
  int64_t full_shape[kMaxNdim], full_strides[kMaxNdim];
  BufferView check;
  check.itemsize = itemsize;
  if (has_shape) {
    check.ndim = n;
    std::memcpy(full_shape, shape, sizeof(int64_t) * static_cast<size_t>(n));
    if (has_strides) {
      std::memcpy(full_strides, strides, sizeof(int64_t) * static_cast<size_t>(n));
    } else if (!FillContiguousStrides(n, shape, itemsize, 'C', full_strides).ok()) {
      FreeInternal(internal);
      return fail("the exporter's shape overflows");
    }
  } else {
    check.ndim = 1;
    full_shape[0] = len / itemsize;
    full_strides[0] = itemsize;
  }
  check.shape = full_shape;
  check.strides = full_strides;
  check.suboffsets = has_suboffsets ? suboffsets : nullptr;
  if (!ValidateLayout(&check, offset, static_cast<int64_t>(block_length)).ok() ||
      (has_shape ? check.len != len : len % itemsize != 0)) {
    FreeInternal(internal);
    return fail("the exporter's view does not fit its memory");
  }

  // What keeps the memory while C holds the view: the block the facade
  // pinned, if it really is the one the bytes live in (this side trusts no
  // JavaScript answer), else the bytes' own backing store, which holds
  // every other memory (and a NativeBuffer's copy in V8's memory) through
  // detach, transfer and forced close.
  if (pin != nullptr && (block_data == nullptr || !Covers(pin, block_data, block_length))) {
    UnrefBlock(pin);
    pin = nullptr;
  }
  if (pin != nullptr) {
    internal->pin = pin;
    pin = nullptr;  // the view's now: fail() must not drop it again
    ListPinned(internal);
  } else if (block_length > 0) {
    if (!PinBackingStore(&Views()->pins, bytes, block_data, block_length, &internal->store)) {
      FreeInternal(internal);
      return fail("the exporter's memory could not be pinned for the view");
    }
    if (PinnedResizable(&internal->store)) {
      FreeInternal(internal);
      ThrowBufferError(env, "ERR_BUFFER_RESIZABLE",
                       "a resizable ArrayBuffer could shrink under a C view: export a fixed-length one");
      return fail("");
    }
  }
  if (napi_create_reference(env, obj, 1, &view->obj) != napi_ok) {
    FreeInternal(internal);
    view->obj = nullptr;
    return fail("cannot reference the exporter");
  }
  if (napi_create_reference(env, info, 1, &internal->info) != napi_ok) {
    napi_delete_reference(env, view->obj);
    view->obj = nullptr;
    FreeInternal(internal);
    return fail("cannot reference the export");
  }
  char* format_copy = reinterpret_cast<char*>(&internal->arrays[3 * n]);
  if (has_format) std::memcpy(format_copy, format.c_str(), format.size() + 1);

  view->buf = block_data == nullptr ? nullptr : static_cast<char*>(block_data) + offset;
  view->len = len;
  view->itemsize = itemsize;
  view->readonly = readonly ? 1 : 0;
  view->ndim = has_shape ? n : 1;
  view->format = has_format ? format_copy : nullptr;
  view->shape = has_shape ? shape : nullptr;
  view->strides = has_strides ? strides : nullptr;
  view->suboffsets = has_suboffsets ? suboffsets : nullptr;
  view->internal = internal;
  return 0;
}

int GetBufferAs(napi_env env, napi_value obj, bp_buffer* view, int flags, bool borrow) {
  if (view == nullptr) return ThrowType(env, "get_buffer: view must not be NULL");
  if (obj == nullptr) {
    Clear(view);
    return ThrowType(env, "get_buffer: obj must not be NULL");
  }
  try {
    // The fast path fills every field on success; anything else starts clean.
    const int fast = GetBuiltin(env, obj, view, flags, borrow);
    if (fast > 0) return 0;
    Clear(view);
    if (fast < 0) return -1;
    CApiState* state = State(env);
    if (state == nullptr) return -1;
    const int result = GetViaFacade(env, state, obj, view, flags);
    if (result != 0) Clear(view);
    return result;
  } catch (...) {
    Clear(view);
    if (!Pending(env)) ThrowRange(env, "get_buffer failed: out of memory");
    return -1;
  }
}

int GetBuffer(napi_env env, napi_value obj, bp_buffer* view, int flags) {
  return GetBufferAs(env, obj, view, flags, false);
}

// Other exporters hold an export whatever the caller asks: only built-ins
// can be read without one.
int GetBufferBorrowed(napi_env env, napi_value obj, bp_buffer* view, int flags) {
  return GetBufferAs(env, obj, view, flags, true);
}

void Release(napi_env env, bp_buffer* view) {
  if (view == nullptr || (view->obj == nullptr && view->internal == nullptr)) return;
  if (IsTaggedPin(view->internal)) {
    // A built-in's view without arrays: its reference and its pin, both
    // made on the thread whose cache made the pin.
    BackingStorePin pin = UntagPin(view->internal);
    if (!PinnedBy(&pin, &Views()->pins)) {
      napi_throw_error(env, "ERR_BUFFER_WRONG_ENV",
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
    napi_throw_error(env, "ERR_BUFFER_WRONG_ENV",
                     "release: this view was filled in another env (addon or thread); "
                     "release it there");
    return;
  }
  // Ending an export cannot fail (PyBuffer_Release returns nothing): the
  // facade reports a throwing release hook as a warning. An exception the
  // caller already had pending (release on an error path) is kept.
  napi_value pending_error = nullptr;
  if (internal != nullptr && internal->info != nullptr) {
    pending_error = SetAside(env);
    napi_value info = RefValue(env, internal->info);
    CApiState* state = t_state;
    if (state != nullptr && info != nullptr) {
      CallFacade(env, state->release_for_c, 1, &info);
      SetAside(env);
    }
    napi_delete_reference(env, internal->info);
  }
  if (view->obj != nullptr) napi_delete_reference(env, view->obj);
  if (internal != nullptr) FreeInternal(internal);
  Clear(view);
  ThrowAgain(env, pending_error);
}

// --- helpers that need no JavaScript -------------------------------------

// The view as the core sees it; false for a structure no library view has.
bool CoreView(const bp_buffer* view, BufferView* out) {
  if (view == nullptr || view->ndim < 0 || view->ndim > kMaxNdim || view->itemsize < 1 ||
      view->len < 0 || (view->ndim > 0 && view->strides != nullptr && view->shape == nullptr)) {
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

int IsContiguousC(const bp_buffer* view, char order) {
  BufferView core;
  if (!CoreView(view, &core)) return 0;
  if (core.shape == nullptr) return order == 'C' || order == 'F' || order == 'A' ? 1 : 0;
  return IsContiguous(core, order) ? 1 : 0;
}

// A complete layout (shape and strides present) for a view that may have
// left them out; false when the structure is inconsistent.
bool FullLayout(const bp_buffer* view, BufferView* core, int64_t* shape, int64_t* strides) {
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
  if (!ComputeLength(core->ndim, core->shape, core->itemsize, &len).ok() || len != core->len) return false;
  if (core->strides == nullptr) {
    if (!FillContiguousStrides(core->ndim, core->shape, core->itemsize, 'C', strides).ok()) return false;
    core->strides = strides;
  }
  return true;
}

void* GetPointerC(const bp_buffer* view, const bp_ssize_t* indices) {
  int64_t shape[1], strides[kMaxNdim];
  BufferView core;
  if (!FullLayout(view, &core, shape, strides) || (core.ndim > 0 && indices == nullptr) ||
      core.buf == nullptr) {
    return nullptr;
  }
  for (int i = 0; i < core.ndim; i++) {
    if (indices[i] < 0 || indices[i] >= core.shape[i]) return nullptr;
  }
  return GetItemPointer(core, indices);
}

void FillContiguousStridesC(int ndim, const bp_ssize_t* shape, bp_ssize_t* strides,
                            bp_ssize_t itemsize, char order) {
  if (ndim <= 0 || ndim > kMaxNdim || shape == nullptr || strides == nullptr) return;
  if (!FillContiguousStrides(ndim, shape, itemsize, order, strides).ok()) {
    // Only an extent past INT64_MAX fails: no array that size exists.
    for (int i = 0; i < ndim; i++) strides[i] = 0;
  }
}

// Copies between a view and contiguous bytes, in either direction. Views
// with suboffsets take the item-by-item path through GetItemPointer.
int CopyContiguous(napi_env env, const bp_buffer* view, void* bytes, bp_ssize_t len, char order,
                   bool into_view, const char* who) {
  auto fail = [&](bool range, const std::string& message) {
    if (env != nullptr) {
      if (range) ThrowRange(env, message.c_str());
      else ThrowType(env, message.c_str());
    }
    return -1;
  };
  if (view == nullptr || (bytes == nullptr && len > 0)) return fail(false, std::string(who) + ": NULL argument");
  if (order != 'C' && order != 'F' && order != 'A') return fail(true, std::string(who) + ": order must be 'C', 'F' or 'A'");
  int64_t shape1[1], strides[kMaxNdim];
  BufferView core;
  if (!FullLayout(view, &core, shape1, strides)) return fail(true, std::string(who) + ": the view's structure is inconsistent");
  if (len != core.len) return fail(true, std::string(who) + ": len must equal the view's len");
  if (into_view && core.readonly) {
    if (env != nullptr) ThrowBufferError(env, "ERR_BUFFER_NOT_WRITABLE", "from_contiguous: the view is read-only");
    return -1;
  }
  if (len == 0) return 0;
  if (core.buf == nullptr) return fail(true, std::string(who) + ": the view has no memory");
  BufferView given;
  CoreView(view, &given);
  if (view->shape == nullptr || IsContiguous(given, order)) {
    if (into_view) std::memmove(core.buf, bytes, static_cast<size_t>(len));
    else std::memmove(bytes, core.buf, static_cast<size_t>(len));
    return 0;
  }
  int64_t packed[kMaxNdim];
  if (!FillContiguousStrides(core.ndim, core.shape, core.itemsize, order == 'F' ? 'F' : 'C', packed).ok()) {
    return fail(true, std::string(who) + ": the view's shape overflows");
  }
  if (core.suboffsets == nullptr) {
    StridedRef contiguous{static_cast<char*>(bytes), packed};
    StridedRef strided{static_cast<char*>(core.buf), core.strides};
    Status status = into_view ? CopyItems(strided, contiguous, core.shape, core.ndim, core.itemsize)
                              : CopyItems(contiguous, strided, core.shape, core.ndim, core.itemsize);
    if (!status.ok()) return fail(true, std::string(who) + ": " + status.message);
    return 0;
  }
  CopyIndirect(core, static_cast<char*>(bytes), packed, into_view);
  return 0;
}

int ToContiguous(napi_env env, void* dst, const bp_buffer* src, bp_ssize_t len, char order) {
  return CopyContiguous(env, src, dst, len, order, false, "to_contiguous");
}

int FromContiguous(napi_env env, const bp_buffer* dst, const void* src, bp_ssize_t len, char order) {
  return CopyContiguous(env, dst, const_cast<void*>(src), len, order, true, "from_contiguous");
}

// --- helpers that call the facade ---------------------------------------

int CopyData(napi_env env, napi_value dst, napi_value src) {
  if (dst == nullptr || src == nullptr) return ThrowType(env, "copy_data: dst and src must not be NULL");
  CApiState* state = State(env);
  if (state == nullptr) return -1;
  napi_value args[2] = {dst, src};
  return CallFacade(env, state->copy_data, 2, args) == nullptr ? -1 : 0;
}

bp_ssize_t SizeFromFormat(napi_env env, const char* format) {
  if (format == nullptr) return ThrowType(env, "size_from_format: format must not be NULL");
  CApiState* state = State(env);
  if (state == nullptr) return -1;
  napi_value arg, result;
  int64_t size = -1;
  if (napi_create_string_utf8(env, format, NAPI_AUTO_LENGTH, &arg) != napi_ok) return -1;
  result = CallFacade(env, state->size_from_format, 1, &arg);
  if (result == nullptr || napi_get_value_int64(env, result, &size) != napi_ok) return -1;
  return size;
}

int FillInfo(napi_env env, bp_buffer* view, napi_value obj, void* buf, bp_ssize_t len, int readonly,
             int flags) {
  if (view == nullptr) return ThrowType(env, "fill_info: view must not be NULL");
  Clear(view);
  if (len < 0) return ThrowRange(env, "fill_info: len must be >= 0");
  if (buf == nullptr && len > 0) return ThrowType(env, "fill_info: buf must not be NULL when len > 0");
  Status status = CheckFlags(flags);
  if (!status.ok()) return ThrowStatus(env, status);
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
  if (!status.ok()) return ThrowStatus(env, status);
  ViewInternal* internal = NewInternal(env, 2, 0);
  if (internal == nullptr) return ThrowRange(env, "out of memory for a buffer view");
  if (obj != nullptr && napi_create_reference(env, obj, 1, &view->obj) != napi_ok) {
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

// --- lending C memory ----------------------------------------------------

napi_value Int64Array(napi_env env, const int64_t* values, int n) {
  napi_value array;
  if (napi_create_array_with_length(env, static_cast<size_t>(n), &array) != napi_ok) return nullptr;
  for (int i = 0; i < n; i++) {
    napi_value item;
    if (napi_create_double(env, static_cast<double>(values[i]), &item) != napi_ok ||
        napi_set_element(env, array, static_cast<uint32_t>(i), item) != napi_ok) {
      return nullptr;
    }
  }
  return array;
}

// Hands a foreign block to a facade function (its first argument) that
// wraps it; on failure the block goes back to its C owner untouched.
int Lend(napi_env env, napi_ref fn, void* ptr, int64_t len, bp_release_cb release_cb, void* ctx,
         napi_value* args, size_t argc, napi_value* result) {
  Block* block = ForeignBlock(ptr, static_cast<size_t>(len), release_cb, ctx);
  try {
    args[0] = WrapPendingBlock(env, block);
  } catch (...) {
    if (!Pending(env)) ThrowRange(env, "cannot lend memory: out of memory");
    return -1;
  }
  napi_value wrapped = CallFacade(env, fn, argc, args);
  if (wrapped == nullptr) {
    // N-API refuses most calls while an exception is pending: set it
    // aside to take the block back, then throw it again.
    napi_value error = SetAside(env);
    Block* back = TakePendingBlock(env, args[0]);
    if (back != nullptr) DiscardForeignBlock(back);
    ThrowAgain(env, error);
    return -1;
  }
  *result = wrapped;
  return 0;
}

bool CheckLend(napi_env env, void* ptr, bp_ssize_t len, napi_value* result, const char* who) {
  std::string prefix(who);
  if (result == nullptr) {
    ThrowType(env, (prefix + ": result must not be NULL").c_str());
    return false;
  }
  *result = nullptr;
  if (len < 0 || len > 9007199254740991LL) {
    ThrowRange(env, (prefix + ": the length must be >= 0 and < 2**53").c_str());
    return false;
  }
  if (ptr == nullptr && len > 0) {
    ThrowType(env, (prefix + ": ptr must not be NULL when the length is > 0").c_str());
    return false;
  }
  return true;
}

int ExportMemory(napi_env env, void* ptr, bp_ssize_t len, const bp_layout* layout, int readonly,
                 bp_release_cb release_cb, void* ctx, napi_value* result) {
  if (!CheckLend(env, ptr, len, result, "export_memory")) return -1;
  CApiState* state = State(env);
  if (state == nullptr) return -1;
  // wrapForeign(block, len, format, shape, strides, byteOffset, readonly)
  napi_value args[7];
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  for (napi_value& arg : args) arg = undefined;
  if (napi_create_double(env, static_cast<double>(len), &args[1]) != napi_ok) return -1;
  if (layout != nullptr) {
    if (layout->format != nullptr &&
        napi_create_string_utf8(env, layout->format, NAPI_AUTO_LENGTH, &args[2]) != napi_ok) {
      return -1;
    }
    if (layout->shape != nullptr || layout->strides != nullptr) {
      if (layout->ndim < 0 || layout->ndim > kMaxNdim) {
        return ThrowBufferError(env, "ERR_BUFFER_TOO_MANY_DIMS",
                                "export_memory: ndim must be between 0 and 64");
      }
      if (layout->shape == nullptr) {
        return ThrowType(env, "export_memory: strides need a shape");
      }
      if ((args[3] = Int64Array(env, layout->shape, layout->ndim)) == nullptr) return -1;
      if (layout->strides != nullptr &&
          (args[4] = Int64Array(env, layout->strides, layout->ndim)) == nullptr) {
        return -1;
      }
    }
    if (napi_create_double(env, static_cast<double>(layout->offset), &args[5]) != napi_ok) return -1;
  }
  if (napi_get_boolean(env, readonly != 0, &args[6]) != napi_ok) return -1;
  return Lend(env, state->wrap_foreign, ptr, len, release_cb, ctx, args, 7, result);
}

int BufferObjectFromMemory(napi_env env, void* ptr, bp_ssize_t size, bp_release_cb release_cb,
                           void* ctx, napi_value* result, bool writable, const char* who) {
  if (size == BP_END_OF_BUFFER && result != nullptr) {
    *result = nullptr;
    return ThrowRange(env, (std::string(who) + ": END_OF_BUFFER is not a size here: memory has no end to reach").c_str());
  }
  if (!CheckLend(env, ptr, size, result, who)) return -1;
  CApiState* state = State(env);
  if (state == nullptr) return -1;
  // bufferObjectForeign(block, size, writable)
  napi_value args[3];
  if (napi_create_double(env, static_cast<double>(size), &args[1]) != napi_ok ||
      napi_get_boolean(env, writable, &args[2]) != napi_ok) {
    return -1;
  }
  return Lend(env, state->buffer_object_foreign, ptr, size, release_cb, ctx, args, 3, result);
}

int BufferObjectFromMemoryC(napi_env env, void* ptr, bp_ssize_t size, bp_release_cb release_cb,
                            void* ctx, napi_value* result) {
  return BufferObjectFromMemory(env, ptr, size, release_cb, ctx, result, false,
                                "buffer_object_from_memory");
}

int BufferObjectFromReadWriteMemoryC(napi_env env, void* ptr, bp_ssize_t size,
                                     bp_release_cb release_cb, void* ctx, napi_value* result) {
  return BufferObjectFromMemory(env, ptr, size, release_cb, ctx, result, true,
                                "buffer_object_from_read_write_memory");
}

const bp_api kApi = {
    BP_ABI_VERSION,
    BP_API_VERSION,
    sizeof(bp_api),
    sizeof(bp_buffer),
    GetBuffer,
    Release,
    IsContiguousC,
    GetPointerC,
    ToContiguous,
    FromContiguous,
    CopyData,
    FillContiguousStridesC,
    FillInfo,
    SizeFromFormat,
    ExportMemory,
    BufferObjectFromMemoryC,
    BufferObjectFromReadWriteMemoryC,
    GetBufferBorrowed,
};

}  // namespace

void HandOverPin(Block* block) {
  CApiState* state = t_state;
  if (state == nullptr) {
    UnrefBlock(block);
    return;
  }
  if (state->pending_pin != nullptr) UnrefBlock(state->pending_pin);
  state->pending_pin = block;
}

Napi::Value InstallCApi(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object fns = info[0].As<Napi::Object>();
  // Installing again in the same env (jest loads the facade once per test
  // file over one addon instance) points the state at the newest functions.
  CApiState* state = env.GetInstanceData<CApiState>();
  const bool fresh = state == nullptr;
  napi_ref refs[7] = {};
  const char* names[7] = {"exportForC", "releaseForC", "wrapForeign", "bufferObjectForeign",
                          "copyData", "sizeFromFormat", "bufferError"};
  for (int i = 0; i < 7; i++) {
    Napi::Value fn = fns.Get(names[i]);
    if (!fn.IsFunction() || napi_create_reference(env, fn, 1, &refs[i]) != napi_ok) {
      for (napi_ref ref : refs) {
        if (ref != nullptr) napi_delete_reference(env, ref);
      }
      throw Napi::TypeError::New(env, std::string("installCApi: ") + names[i] + " must be a function");
    }
  }
  if (fresh) {
    // V8 never moves an ArrayBuffer's memory, and the pin keeps it whatever
    // becomes of the array: the state reads it directly for its lifetime.
    Napi::Float64Array scratch = Napi::Float64Array::New(env, kScratchLength);
    state = new CApiState{};
    state->env = env;
    if (!PinOwnBackingStore(scratch.ArrayBuffer(), scratch.Data(), kScratchLength * sizeof(double),
                            &state->scratch_pin)) {
      for (napi_ref ref : refs) napi_delete_reference(env, ref);
      delete state;
      throw Napi::Error::New(env, "installCApi: cannot pin the scratch array");
    }
    state->scratch = static_cast<double*>(PinnedData(&state->scratch_pin));
    napi_create_reference(env, scratch, 1, &state->scratch_ref);
    // The env owns its state: freed (and forgotten by this thread) at teardown.
    env.SetInstanceData<CApiState>(state);
    napi_add_env_cleanup_hook(env, UnpinAllOnTeardown, nullptr);
  }
  napi_ref* slots[7] = {&state->export_for_c, &state->release_for_c, &state->wrap_foreign,
                        &state->buffer_object_foreign, &state->copy_data, &state->size_from_format,
                        &state->buffer_error};
  for (int i = 0; i < 7; i++) {
    if (*slots[i] != nullptr) napi_delete_reference(env, *slots[i]);
    *slots[i] = refs[i];
  }
  t_state = state;

  // Publish the table once per global object (a Worker has its own). The
  // property is read-only and permanent: JavaScript cannot swap the table.
  Napi::Object global = env.Global();
  Napi::Function symbol_for = global.Get("Symbol").As<Napi::Object>().Get("for").As<Napi::Function>();
  Napi::Value key = symbol_for.Call(global.Get("Symbol"), {Napi::String::New(env, BP_API_KEY)});
  Napi::Value scratch = Napi::Value(env, RefValue(env, state->scratch_ref));
  if (global.Get(key).IsExternal()) return scratch;
  // The table is immutable; External only takes a non-const pointer.
  Napi::External<bp_api> table = Napi::External<bp_api>::New(env, const_cast<bp_api*>(&kApi));
  const napi_type_tag tag = {BP_API_TAG_LOWER, BP_API_TAG_UPPER};
  NAPI_THROW_IF_FAILED(env, napi_type_tag_object(env, table, &tag), Napi::Value());
  napi_property_descriptor property = {nullptr, key, nullptr, nullptr, nullptr, table, napi_default, nullptr};
  NAPI_THROW_IF_FAILED(env, napi_define_properties(env, global, 1, &property), Napi::Value());
  return scratch;
}

}  // namespace bp::binding
