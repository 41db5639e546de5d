#include "binding/memory/external_buffer.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "binding/errors.h"

namespace bp::binding {
namespace {

void DropHold(ArrayBufferHold* hold) {
  if (hold->block == nullptr) return;
  if (hold->home) DropHomeHold(hold->block);
  UnrefBlock(hold->block);
  hold->block = nullptr;
}

void FinalizeBlock(napi_env env, void* /*data*/, void* hint) {
  ArrayBufferHold* hold = static_cast<ArrayBufferHold*>(hint);
  if (hold->reported != 0) {
    int64_t total = 0;
    napi_adjust_external_memory(env, -hold->reported, &total);
  }
  DropHold(hold);
  delete hold;
}

// Tests set BUFFER_PROTOCOL_NO_EXTERNAL=1 to take the path that runtimes
// with a V8 sandbox (Electron) force on us.
bool ExternalBuffersRefusedByRequest() {
  const char* value = std::getenv("BUFFER_PROTOCOL_NO_EXTERNAL");
  return value != nullptr && value[0] == '1';
}

}  // namespace

void DetachedByOwner(ArrayBufferHold* hold) { DropHold(hold); }

Napi::Error AllocationError(Napi::Env env, size_t size) {
  return CodedError(
      env, ErrorKind::kRangeError, "ERR_OUT_OF_RANGE",
      "cannot allocate " + std::to_string(size) + " bytes of native memory");
}

napi_value ArrayBufferOver(Napi::Env env, Block* block, bool* copy_out,
                           ArrayBufferHold** hold_out) {
  const size_t size = block->size;
  napi_value ab = nullptr;
  bool copy = ExternalBuffersRefusedByRequest();
  napi_status status = napi_no_external_buffers_allowed;
  int64_t external_before = 0;
  ArrayBufferHold* hold = nullptr;
  if (!copy) {
    napi_adjust_external_memory(env, 0, &external_before);
    hold = new ArrayBufferHold{block, 0, false};
    status = napi_create_external_arraybuffer(env, block->data, size,
                                              FinalizeBlock, hold, &ab);
    copy = status == napi_no_external_buffers_allowed;
    if (copy) delete hold;
  }
  if (copy) {
    // The runtime keeps ArrayBuffer memory in its own cage: move the bytes
    // there and say so (isCopy), instead of pretending to share.
    void* inside = nullptr;
    status = napi_create_arraybuffer(env, size, &inside, &ab);
    if (status == napi_ok && size > 0) std::memcpy(inside, block->data, size);
    UnrefBlock(block);
    if (status != napi_ok) throw AllocationError(env, size);
  } else if (status != napi_ok) {
    // Node may already have run the finalizer on failure (it does for sizes
    // above its Buffer limit), so the block is not ours to free any more:
    // leaking it on this path is the price of never freeing it twice. The
    // facade refuses such sizes before they get here.
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    throw AllocationError(env, size);
  } else {
    hold->home = CountHomeHold(block, env);
    // V8 (Node 20 and later) already counts an external backing store as
    // external memory when the ArrayBuffer is made; reporting it again would
    // double the pressure and force a full GC per large allocation. Report
    // only what the engine did not count.
    int64_t external_after = 0;
    napi_adjust_external_memory(env, 0, &external_after);
    const int64_t missing =
        static_cast<int64_t>(size) - (external_after - external_before);
    if (missing > 0) {
      hold->reported = missing;
      napi_adjust_external_memory(env, missing, &external_after);
    }
  }
  *copy_out = copy;
  *hold_out = copy ? nullptr : hold;
  return ab;
}

}  // namespace bp::binding
