#include "native_region.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "errors.h"

namespace bp::binding {
namespace {

std::atomic<int64_t> g_live_blocks{0};
std::atomic<int64_t> g_live_bytes{0};
std::atomic<int64_t> g_freed_blocks{0};

// Above this size, memory comes straight from mmap: the kernel hands out
// zeroed pages lazily, so allocating (and zeroing) 1 GiB costs the same as
// 4 KiB. Below it, the allocator is faster and wastes less.
constexpr size_t kMmapThreshold = 128 * 1024;

struct Block {
  void* base = nullptr;   // what to free or unmap
  size_t reserved = 0;    // bytes mapped, when mapped
  bool mapped = false;
  void* data = nullptr;   // aligned start
  size_t size = 0;
  int64_t reported = 0;   // bytes we reported to the GC ourselves
};

void FreeBlock(Block* block) {
  if (block->mapped) {
    munmap(block->base, block->reserved);
  } else {
    std::free(block->base);
  }
  g_live_blocks--;
  g_live_bytes -= static_cast<int64_t>(block->size);
  g_freed_blocks++;
  delete block;
}

// Returns nullptr when the system refuses the memory.
Block* AllocateBlock(size_t size, size_t align, bool zero) {
  Block* block = new Block();
  block->size = size;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  if (size >= kMmapThreshold) {
    const size_t extra = align > page ? align : 0;
    if (size > SIZE_MAX - extra) {
      delete block;
      return nullptr;
    }
    block->reserved = size + extra;
    void* base = mmap(nullptr, block->reserved, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
      delete block;
      return nullptr;
    }
    block->base = base;
    block->mapped = true;
    const uintptr_t p = reinterpret_cast<uintptr_t>(base);
    block->data = reinterpret_cast<void*>((p + align - 1) & ~(uintptr_t{align} - 1));
  } else {
    // posix_memalign needs a multiple of sizeof(void*); a 0-byte request
    // still gets a real, unique pointer.
    const size_t a = align < sizeof(void*) ? sizeof(void*) : align;
    void* base = nullptr;
    if (posix_memalign(&base, a, size == 0 ? 1 : size) != 0) {
      delete block;
      return nullptr;
    }
    block->base = base;
    block->data = base;
    if (zero) std::memset(base, 0, size);
  }
  g_live_blocks++;
  g_live_bytes += static_cast<int64_t>(size);
  return block;
}

void FinalizeBlock(napi_env env, void* /*data*/, void* hint) {
  Block* block = static_cast<Block*>(hint);
  if (block->reported != 0) {
    int64_t total = 0;
    napi_adjust_external_memory(env, -block->reported, &total);
  }
  FreeBlock(block);
}

// Tests set BUFFER_PROTOCOL_NO_EXTERNAL=1 to take the path that runtimes
// with a V8 sandbox (Electron) force on us.
bool ExternalBuffersRefusedByRequest() {
  const char* value = std::getenv("BUFFER_PROTOCOL_NO_EXTERNAL");
  return value != nullptr && value[0] == '1';
}

Napi::Error AllocationError(Napi::Env env, size_t size) {
  return CodedError(env, ErrorKind::kRangeError, "ERR_OUT_OF_RANGE",
                    "cannot allocate " + std::to_string(size) +
                        " bytes of native memory");
}

}  // namespace

Napi::Function NativeRegion::Init(Napi::Env env) {
  return DefineClass(
      env,
      "NativeRegion",
      {
          InstanceMethod("buffer", &NativeRegion::Buffer),
          InstanceAccessor("length", &NativeRegion::Length, nullptr),
          InstanceAccessor("exports", &NativeRegion::Exports, nullptr),
          InstanceAccessor("isClosed", &NativeRegion::IsClosed, nullptr),
          InstanceAccessor("isCopy", &NativeRegion::IsCopy, nullptr),
          InstanceMethod("address", &NativeRegion::Address),
          InstanceMethod("acquire", &NativeRegion::Acquire),
          InstanceMethod("release", &NativeRegion::Release),
          InstanceMethod("resize", &NativeRegion::Resize),
          InstanceMethod("close", &NativeRegion::Close),
      });
}

NativeRegion::NativeRegion(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NativeRegion>(info) {
  Napi::Env env = info.Env();
  const double size = info[0].As<Napi::Number>().DoubleValue();
  align_ = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
  zero_ = info[2].ToBoolean();
  Replace(env, static_cast<size_t>(size), 0);
}

void NativeRegion::Replace(Napi::Env env, size_t size, size_t keep) {
  // A resize zeroes the bytes past the kept ones, whatever `zero` said.
  Block* block = AllocateBlock(size, align_, zero_ || !buffer_.IsEmpty());
  if (block == nullptr) throw AllocationError(env, size);
  if (keep > 0) {
    size_t old_length = 0;
    void* old = CurrentData(env, &old_length);
    if (old == nullptr || old_length < keep) {
      FreeBlock(block);
      throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
                       "the NativeBuffer's ArrayBuffer was detached");
    }
    std::memcpy(block->data, old, keep);
  }

  napi_value ab = nullptr;
  bool copy = ExternalBuffersRefusedByRequest();
  napi_status status = napi_no_external_buffers_allowed;
  int64_t external_before = 0;
  if (!copy) {
    napi_adjust_external_memory(env, 0, &external_before);
    status = napi_create_external_arraybuffer(env, block->data, size,
                                              FinalizeBlock, block, &ab);
    copy = status == napi_no_external_buffers_allowed;
  }
  if (copy) {
    // The runtime keeps ArrayBuffer memory in its own cage: move the bytes
    // there and say so (isCopy), instead of pretending to share.
    void* inside = nullptr;
    status = napi_create_arraybuffer(env, size, &inside, &ab);
    if (status == napi_ok && size > 0) std::memcpy(inside, block->data, size);
    FreeBlock(block);
    if (status != napi_ok) throw AllocationError(env, size);
  } else if (status != napi_ok) {
    // Node may already have run the finalizer on failure (it does for sizes
    // above its Buffer limit), so the block is not ours to free any more:
    // leaking it on this path is the price of never freeing it twice. The
    // facade refuses such sizes before they get here.
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    throw AllocationError(env, size);
  } else {
    // V8 (Node 20 and later) already counts an external backing store as
    // external memory when the ArrayBuffer is made; reporting it again would
    // double the pressure and force a full GC per large allocation. Report
    // only what the engine did not count.
    int64_t external_after = 0;
    napi_adjust_external_memory(env, 0, &external_after);
    const int64_t missing =
        static_cast<int64_t>(size) - (external_after - external_before);
    if (missing > 0) {
      block->reported = missing;
      napi_adjust_external_memory(env, missing, &external_after);
    }
  }
  if (!buffer_.IsEmpty()) Detach(env);
  buffer_ = Napi::Persistent(Napi::ArrayBuffer(env, ab));
  length_ = size;
  copy_ = copy;
}

void NativeRegion::Detach(Napi::Env env) {
  Napi::ArrayBuffer old = buffer_.Value();
  if (!old.IsEmpty() && !old.IsDetached()) old.Detach();
  buffer_.Reset();
}

// The memory is read from the ArrayBuffer each time, never cached: a
// V8-owned buffer (isCopy) can be transferred away by the user, and a
// cached pointer would then dangle.
void* NativeRegion::CurrentData(Napi::Env env, size_t* length) {
  *length = 0;
  if (closed_ || buffer_.IsEmpty()) return nullptr;
  Napi::ArrayBuffer ab = buffer_.Value();
  if (ab.IsDetached()) return nullptr;
  *length = ab.ByteLength();
  if (*length != length_) return nullptr;
  return ab.Data();
}

Napi::Value NativeRegion::Buffer(const Napi::CallbackInfo& info) {
  if (closed_) return info.Env().Null();
  return buffer_.Value();
}

Napi::Value NativeRegion::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), closed_ ? 0 : static_cast<double>(length_));
}

Napi::Value NativeRegion::Exports(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(exports_.load()));
}

Napi::Value NativeRegion::IsClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), closed_);
}

Napi::Value NativeRegion::IsCopy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), copy_);
}

Napi::Value NativeRegion::Address(const Napi::CallbackInfo& info) {
  size_t length = 0;
  void* data = CurrentData(info.Env(), &length);
  return Napi::BigInt::New(info.Env(),
                           static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data)));
}

void NativeRegion::Acquire(const Napi::CallbackInfo& info) {
  size_t length = 0;
  if (closed_ || (CurrentData(info.Env(), &length) == nullptr && length_ > 0)) {
    throw CodedError(info.Env(), ErrorKind::kError, "ERR_BUFFER_RELEASED",
                     "NativeBuffer is closed");
  }
  exports_++;
}

void NativeRegion::Release(const Napi::CallbackInfo&) {
  int64_t current = exports_.load();
  while (current > 0 && !exports_.compare_exchange_weak(current, current - 1)) {
  }
}

Napi::Value NativeRegion::Resize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
                     "NativeBuffer is closed");
  }
  const int64_t exports = exports_.load();
  if (exports > 0) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_EXPORTS_ACTIVE",
                     "cannot resize: " + std::to_string(exports) +
                         (exports == 1 ? " exported buffer" : " exported buffers"));
  }
  const size_t size =
      static_cast<size_t>(info[0].As<Napi::Number>().DoubleValue());
  Replace(env, size, size < length_ ? size : length_);
  return buffer_.Value();
}

void NativeRegion::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) return;
  const bool force = info[0].ToBoolean();
  const int64_t exports = exports_.load();
  if (exports > 0 && !force) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_EXPORTS_ACTIVE",
                     "cannot close: " + std::to_string(exports) +
                         (exports == 1 ? " exported buffer" : " exported buffers"));
  }
  Detach(env);
  closed_ = true;
}

Napi::Value RegionStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("liveBlocks", static_cast<double>(g_live_blocks.load()));
  out.Set("liveBytes", static_cast<double>(g_live_bytes.load()));
  out.Set("freedBlocks", static_cast<double>(g_freed_blocks.load()));
  return out;
}

}  // namespace bp::binding
