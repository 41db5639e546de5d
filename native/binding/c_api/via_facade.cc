// The facade's answer, in four steps: read it (numbers from the scratch
// array, values from the answer array: scratch.h), complete the layout the
// negotiated one stands for, check it against the bytes, fill the view.
// Everything is checked here: this side trusts no JavaScript value.
#include "binding/c_api/via_facade.h"

#include <cstring>
#include <limits>
#include <string>

#include "binding/c_api/scratch.h"
#include "binding/c_api/view_internal.h"
#include "binding/memory/native_region.h"
#include "core/layout.h"

namespace bp::binding {
namespace {

// What the facade answered, read once.
struct Answer {
  napi_value info = nullptr, bytes = nullptr, format = nullptr,
             region = nullptr;
  int64_t offset = 0, len = 0, itemsize = 0;
  int ndim = 0;
  bool readonly = false, has_shape = false, has_strides = false,
       has_suboffsets = false;
  bool has_format = false;
  std::string format_text;
  // The whole memory the view lives in, as V8 knows it.
  void* block_data = nullptr;
  size_t block_length = 0;
};

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
    if (!ScratchInt(scratch, start + static_cast<size_t>(i), &out[i]))
      return false;
  }
  return true;
}

bool IsNullish(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok &&
         (type == napi_null || type == napi_undefined);
}

// Ends the facade's export after a failure, keeping the first error.
int Refuse(napi_env env, const CApiState* state, napi_value info,
           const char* message) {
  if (!Pending(env)) FailBufferError(env, "ERR_BUFFER_INVALID_EXPORT", message);
  napi_value pending_error = SetAside(env);
  if (info != nullptr) CallFacade(env, state, kReleaseForC, 1, &info);
  SetAside(env);  // a throwing release hook was reported as a warning
  ThrowAgain(env, pending_error);
  return -1;
}

// The header numbers, the bytes, the format and the region; nullptr or
// what is wrong.
const char* ReadAnswer(napi_env env, const double* scratch, napi_value answer,
                       Answer* a) {
  int64_t ndim = 0, present[4] = {0, 0, 0, 0};
  if (!ScratchInt(scratch, kScratchByteOffset, &a->offset) ||
      !ScratchInt(scratch, kScratchLen, &a->len) ||
      !ScratchInt(scratch, kScratchItemsize, &a->itemsize) ||
      !ScratchInt(scratch, kScratchNdim, &ndim) ||
      !ScratchInts(scratch, kScratchReadonly, 1, &present[0]) ||
      !ScratchInts(scratch, kScratchHasShape, 3, &present[1]) ||
      napi_get_element(env, answer, kAnswerBytes, &a->bytes) != napi_ok ||
      napi_get_element(env, answer, kAnswerFormat, &a->format) != napi_ok ||
      napi_get_element(env, answer, kAnswerRegion, &a->region) != napi_ok) {
    return "the exporter's view could not be read";
  }
  if (ndim < 0 || ndim > kMaxNdim || a->itemsize < 1 || a->len < 0) {
    return "the exporter's view has an impossible structure";
  }
  a->ndim = static_cast<int>(ndim);
  a->readonly = present[0] != 0;
  a->has_shape = present[1] != 0;
  a->has_strides = present[2] != 0;
  a->has_suboffsets = present[3] != 0;
  if ((a->has_strides && !a->has_shape) ||
      (a->has_suboffsets && !a->has_strides)) {
    return "the exporter's shape, strides or suboffsets are malformed";
  }
  if (!IsNullish(env, a->bytes) &&
      !BufferMemory(env, a->bytes, &a->block_data, &a->block_length)) {
    return "the exporter's memory could not be read";
  }
  a->has_format = !IsNullish(env, a->format);
  if (a->has_format) {
    size_t length = 0;
    if (napi_get_value_string_utf8(env, a->format, nullptr, 0, &length) !=
        napi_ok) {
      return "the exporter's format is not a string";
    }
    a->format_text.resize(length);
    napi_get_value_string_utf8(env, a->format, a->format_text.data(),
                               length + 1, &length);
  }
  return nullptr;
}

// Reads the arrays into the view's internal, completes the layout they
// stand for (strides of a C-contiguous shape, or one dimension of bytes)
// and checks it in bounds of the memory; nullptr or what is wrong.
const char* CompleteAndCheck(const double* scratch, const Answer& a,
                             ViewInternal* internal) {
  const int n = a.ndim;
  int64_t* shape = &internal->arrays[0];
  int64_t* strides = &internal->arrays[n];
  int64_t* suboffsets = &internal->arrays[2 * n];
  if ((a.has_shape && !ScratchInts(scratch, kScratchHeader, n, shape)) ||
      (a.has_strides &&
       !ScratchInts(scratch, kScratchHeader + kScratchMaxNdim, n, strides)) ||
      (a.has_suboffsets &&
       !ScratchInts(scratch, kScratchHeader + 2 * kScratchMaxNdim, n,
                    suboffsets))) {
    return "the exporter's shape, strides or suboffsets are malformed";
  }
  int64_t full_shape[kMaxNdim], full_strides[kMaxNdim];
  BufferView check;
  check.itemsize = a.itemsize;
  if (a.has_shape) {
    check.ndim = n;
    std::memcpy(full_shape, shape, sizeof(int64_t) * static_cast<size_t>(n));
    if (a.has_strides) {
      std::memcpy(full_strides, strides,
                  sizeof(int64_t) * static_cast<size_t>(n));
    } else if (!FillContiguousStrides(n, shape, a.itemsize, 'C', full_strides)
                    .ok()) {
      return "the exporter's shape overflows";
    }
  } else {
    check.ndim = 1;
    full_shape[0] = a.len / a.itemsize;
    full_strides[0] = a.itemsize;
  }
  check.shape = full_shape;
  check.strides = full_strides;
  check.suboffsets = a.has_suboffsets ? suboffsets : nullptr;
  if (!ValidateLayout(&check, a.offset, static_cast<int64_t>(a.block_length))
           .ok() ||
      (a.has_shape ? check.len != a.len : a.len % a.itemsize != 0)) {
    return "the exporter's view does not fit its memory";
  }
  return nullptr;
}

// Whether `block` holds all of [data, data + length).
bool Covers(const Block* block, const void* data, size_t length) {
  const uintptr_t start = reinterpret_cast<uintptr_t>(block->data);
  const uintptr_t first = reinterpret_cast<uintptr_t>(data);
  return first >= start && first - start <= block->size &&
         length <= block->size - (first - start);
}

// The references the view holds, then its fields; nullptr or what failed.
const char* FillView(napi_env env, napi_value obj, const Answer& a,
                     ViewInternal* internal, bp_buffer* view) {
  if (napi_create_reference(env, obj, 1, &view->obj) != napi_ok) {
    view->obj = nullptr;
    return "cannot reference the exporter";
  }
  if (napi_create_reference(env, a.info, 1, &internal->info) != napi_ok) {
    napi_delete_reference(env, view->obj);
    view->obj = nullptr;
    return "cannot reference the export";
  }
  const int n = a.ndim;
  char* format_copy = reinterpret_cast<char*>(&internal->arrays[3 * n]);
  if (a.has_format)
    std::memcpy(format_copy, a.format_text.c_str(), a.format_text.size() + 1);
  view->buf = a.block_data == nullptr
                  ? nullptr
                  : static_cast<char*>(a.block_data) + a.offset;
  view->len = a.len;
  view->itemsize = a.itemsize;
  view->readonly = a.readonly ? 1 : 0;
  view->ndim = a.has_shape ? n : 1;
  view->format = a.has_format ? format_copy : nullptr;
  view->shape = a.has_shape ? &internal->arrays[0] : nullptr;
  view->strides = a.has_strides ? &internal->arrays[n] : nullptr;
  view->suboffsets = a.has_suboffsets ? &internal->arrays[2 * n] : nullptr;
  view->internal = internal;
  return nullptr;
}

}  // namespace

// What keeps the memory while C holds the view: the block of the region
// the facade named, if it really is the one the bytes live in (this side
// trusts no JavaScript answer), else the bytes' own backing store, which
// holds every other memory (and a NativeBuffer's copy in V8's memory)
// through detach, transfer and forced close. 0, or -1 with the error
// pending.
int HoldMemory(napi_env env, napi_value region, napi_value bytes,
               void* block_data, size_t block_length, ViewInternal* internal) {
  Block* pin = NativeRegion::PinBlockOf(env, region);
  if (pin != nullptr &&
      (block_data == nullptr || !Covers(pin, block_data, block_length))) {
    UnrefBlock(pin);
    pin = nullptr;
  }
  if (pin != nullptr) {
    internal->pin = pin;
    ListPinned(internal);
    return 0;
  }
  // Without V8's API (Bun, Deno) the view holds its exporter, not the
  // memory (README: runtimes).
  if (block_length == 0 || !HaveBackingStores()) return 0;
  if (!PinBackingStore(&Views()->pins, bytes, block_data, block_length,
                       &internal->store)) {
    return FailBufferError(
        env, "ERR_BUFFER_INVALID_EXPORT",
        "the exporter's memory could not be pinned for the view");
  }
  if (PinnedResizable(&internal->store)) {
    return FailBufferError(env, "ERR_BUFFER_RESIZABLE",
                           "a resizable ArrayBuffer could shrink under a C "
                           "view: export a fixed-length one");
  }
  return 0;
}

int GetViaFacade(napi_env env, CApiState* state, napi_value obj,
                 bp_buffer* view, int flags) {
  napi_value args[2] = {obj, nullptr};
  if (napi_create_int32(env, flags, &args[1]) != napi_ok) return -1;
  // Numbers the facade did not write this time (it failed, or its array was
  // somehow detached) must not pass for an answer: NaN is never one.
  const double* scratch = state->scratch;
  for (size_t i = 0; i < kScratchHeader; i++)
    state->scratch[i] = std::numeric_limits<double>::quiet_NaN();
  napi_value answer = CallFacade(env, state, kExportForC, 2, args);
  if (answer == nullptr) return -1;
  // From here on the facade holds an export: every failure must end it.
  Answer a;
  napi_get_element(env, answer, kAnswerInfo, &a.info);
  const char* error = ReadAnswer(env, scratch, answer, &a);
  if (error != nullptr) return Refuse(env, state, a.info, error);
  ViewInternal* internal =
      NewInternal(env, 3 * a.ndim, a.has_format ? a.format_text.size() + 1 : 0);
  if (internal == nullptr)
    return Refuse(env, state, a.info, "out of memory for a buffer view");
  error = CompleteAndCheck(scratch, a, internal);
  if (error == nullptr && HoldMemory(env, a.region, a.bytes, a.block_data,
                                     a.block_length, internal) != 0)
    error = "";
  if (error == nullptr) error = FillView(env, obj, a, internal, view);
  if (error == nullptr) return 0;
  FreeInternal(internal);
  return Refuse(env, state, a.info, error);
}

}  // namespace bp::binding
