// Memory C lends to JavaScript: export_memory (a NativeBuffer over it,
// with an optional layout) and buffer_object_from_(read_write_)memory (a
// BufferObject). The memory travels as a foreign Block (block.h) that the
// facade wraps; on any failure it goes back to its C owner untouched.
#include <string>

#include "binding/c_api/state.h"
#include "binding/c_api/table.h"
#include "binding/memory/block.h"
#include "core/buffer_view.h"

namespace bp::binding {
namespace {

napi_value Int64Array(napi_env env, const int64_t* values, int n) {
  napi_value array;
  if (napi_create_array_with_length(env, static_cast<size_t>(n), &array) !=
      napi_ok)
    return nullptr;
  for (int i = 0; i < n; i++) {
    napi_value item;
    if (napi_create_double(env, static_cast<double>(values[i]), &item) !=
            napi_ok ||
        napi_set_element(env, array, static_cast<uint32_t>(i), item) !=
            napi_ok) {
      return nullptr;
    }
  }
  return array;
}

// Hands a foreign block to a facade function (its first argument) that
// wraps it; on failure the block goes back to its C owner untouched.
int Lend(napi_env env, const CApiState* state, FacadeFunction fn, void* ptr,
         int64_t len, bp_release_cb release_cb, void* ctx, napi_value* args,
         size_t argc, napi_value* result) {
  Block* block = ForeignBlock(ptr, static_cast<size_t>(len), release_cb, ctx);
  try {
    args[0] = WrapPendingBlock(env, block);
  } catch (...) {
    if (!Pending(env)) FailRange(env, "cannot lend memory: out of memory");
    return -1;
  }
  napi_value wrapped = CallFacade(env, state, fn, argc, args);
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

bool CheckLend(napi_env env, void* ptr, bp_ssize_t len, napi_value* result,
               const char* who) {
  std::string prefix(who);
  if (result == nullptr) {
    FailType(env, (prefix + ": result must not be NULL").c_str());
    return false;
  }
  *result = nullptr;
  if (len < 0 || len > 9007199254740991LL) {
    FailRange(env, (prefix + ": the length must be >= 0 and < 2**53").c_str());
    return false;
  }
  if (ptr == nullptr && len > 0) {
    FailType(
        env,
        (prefix + ": ptr must not be NULL when the length is > 0").c_str());
    return false;
  }
  return true;
}

}  // namespace

int ExportMemory(napi_env env, void* ptr, bp_ssize_t len,
                 const bp_layout* layout, int readonly,
                 bp_release_cb release_cb, void* ctx, napi_value* result) {
  if (!CheckLend(env, ptr, len, result, "export_memory")) return -1;
  CApiState* state = State(env);
  if (state == nullptr) return -1;
  // wrapForeign(block, len, format, shape, strides, byteOffset, readonly)
  napi_value args[7];
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  for (napi_value& arg : args) arg = undefined;
  if (napi_create_double(env, static_cast<double>(len), &args[1]) != napi_ok)
    return -1;
  if (layout != nullptr) {
    if (layout->format != nullptr &&
        napi_create_string_utf8(env, layout->format, NAPI_AUTO_LENGTH,
                                &args[2]) != napi_ok) {
      return -1;
    }
    if (layout->shape != nullptr || layout->strides != nullptr) {
      if (layout->ndim < 0 || layout->ndim > kMaxNdim) {
        return FailBufferError(env, "ERR_BUFFER_TOO_MANY_DIMS",
                               "export_memory: ndim must be between 0 and 64");
      }
      if (layout->shape == nullptr) {
        return FailType(env, "export_memory: strides need a shape");
      }
      if ((args[3] = Int64Array(env, layout->shape, layout->ndim)) == nullptr)
        return -1;
      if (layout->strides != nullptr &&
          (args[4] = Int64Array(env, layout->strides, layout->ndim)) ==
              nullptr) {
        return -1;
      }
    }
    if (napi_create_double(env, static_cast<double>(layout->offset),
                           &args[5]) != napi_ok)
      return -1;
  }
  if (napi_get_boolean(env, readonly != 0, &args[6]) != napi_ok) return -1;
  return Lend(env, state, kWrapForeign, ptr, len, release_cb, ctx, args, 7,
              result);
}

namespace {

int BufferObjectFromMemory(napi_env env, void* ptr, bp_ssize_t size,
                           bp_release_cb release_cb, void* ctx,
                           napi_value* result, bool writable, const char* who) {
  if (size == BP_END_OF_BUFFER && result != nullptr) {
    *result = nullptr;
    return FailRange(
        env, (std::string(who) +
              ": END_OF_BUFFER is not a size here: memory has no end to reach")
                 .c_str());
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
  return Lend(env, state, kBufferObjectForeign, ptr, size, release_cb, ctx,
              args, 3, result);
}

}  // namespace

int BufferObjectFromMemoryC(napi_env env, void* ptr, bp_ssize_t size,
                            bp_release_cb release_cb, void* ctx,
                            napi_value* result) {
  return BufferObjectFromMemory(env, ptr, size, release_cb, ctx, result, false,
                                "buffer_object_from_memory");
}

int BufferObjectFromReadWriteMemoryC(napi_env env, void* ptr, bp_ssize_t size,
                                     bp_release_cb release_cb, void* ctx,
                                     napi_value* result) {
  return BufferObjectFromMemory(env, ptr, size, release_cb, ctx, result, true,
                                "buffer_object_from_read_write_memory");
}

}  // namespace bp::binding
