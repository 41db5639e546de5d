#include "native_region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>

#include <cstdlib>
#include <cstring>
#include <string>

#include "errors.h"
#include "sigbus_guard.h"

namespace bp::binding {

// One native allocation or file mapping. It belongs to the finalizer of the
// ArrayBuffer that wraps it.
struct Block {
  void* base = nullptr;   // what to free or unmap
  size_t reserved = 0;    // bytes mapped, when mapped
  bool mapped = false;
  void* data = nullptr;   // aligned start
  size_t size = 0;
  int64_t reported = 0;   // bytes we reported to the GC ourselves
  bool file = false;      // a file mapping (msync/madvise apply)
  int guard = -1;         // its SIGBUS guard slot (sigbus_guard.h)
};

namespace {

std::atomic<int64_t> g_live_blocks{0};
std::atomic<int64_t> g_live_bytes{0};
std::atomic<int64_t> g_freed_blocks{0};

// Above this size, memory comes straight from mmap: the kernel hands out
// zeroed pages lazily, so allocating (and zeroing) 1 GiB costs the same as
// 4 KiB. Below it, the allocator is faster and wastes less.
constexpr size_t kMmapThreshold = 128 * 1024;


void FreeBlock(Block* block) {
  UnguardMapping(block->guard);
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

// Maps [offset, offset + length) of the file at `path`. The mapping starts
// at the page boundary below `offset`; `data` points at the requested byte.
// mode: 'r' and 'c' map privately (copy-on-write, so a stray write from
// JavaScript changes memory, never the file, and never faults), 'r+' maps
// shared. On failure returns nullptr and sets *error (an errno) or, for a
// range the file does not hold, *error = 0.
Block* MapFileBlock(const std::string& path, char mode, int64_t offset,
                    int64_t length, int* error, const char** syscall) {
  *error = 0;
  const int fd = open(path.c_str(), mode == '+' ? O_RDWR | O_CLOEXEC : O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = errno;
    *syscall = "open";
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *error = errno;
    *syscall = "fstat";
    close(fd);
    return nullptr;
  }
  const int64_t size = static_cast<int64_t>(st.st_size);
  if (length < 0) length = size - offset;
  if (offset > size || length <= 0 || length > size - offset) {
    close(fd);
    *syscall = "mmap";
    return nullptr;
  }
  const int64_t page = static_cast<int64_t>(sysconf(_SC_PAGESIZE));
  const int64_t aligned = offset - offset % page;
  const size_t reserved = static_cast<size_t>(offset - aligned + length);
  void* base = mmap(nullptr, reserved, PROT_READ | PROT_WRITE,
                    mode == '+' ? MAP_SHARED : MAP_PRIVATE, fd, aligned);
  const int saved = errno;
  close(fd);
  if (base == MAP_FAILED) {
    *error = saved;
    *syscall = "mmap";
    return nullptr;
  }
  Block* block = new Block();
  block->base = base;
  block->reserved = reserved;
  block->mapped = true;
  block->file = true;
  block->data = static_cast<char*>(base) + (offset - aligned);
  block->size = static_cast<size_t>(length);
  block->guard = GuardMapping(base, reserved);
  g_live_blocks++;
  g_live_bytes += static_cast<int64_t>(length);
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
          InstanceMethod("flush", &NativeRegion::Flush),
          InstanceMethod("advise", &NativeRegion::Advise),
          InstanceAccessor("truncated", &NativeRegion::Truncated, nullptr),
      });
}

NativeRegion::NativeRegion(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NativeRegion>(info) {
  Napi::Env env = info.Env();
  if (info[0].IsString()) {
    // new NativeRegion(path, mode, offset, length): a file mapping.
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    const std::string mode = info[1].As<Napi::String>().Utf8Value();
    const int64_t offset = info[2].As<Napi::Number>().Int64Value();
    const int64_t length = info[3].As<Napi::Number>().Int64Value();
    int error = 0;
    const char* syscall = "";
    Block* block = MapFileBlock(path, mode == "r+" ? '+' : mode[0], offset, length, &error, &syscall);
    if (block == nullptr) {
      if (error == 0) {
        throw CodedError(env, ErrorKind::kRangeError, "ERR_OUT_OF_RANGE",
                         "the file holds no bytes in the requested range");
      }
      Napi::Error e = CodedError(env, ErrorKind::kError, uv_err_name(-error),
                                 std::string(uv_err_name(-error)) + ": " + uv_strerror(-error) + ", " + syscall + " '" + path + "'");
      e.Set("errno", Napi::Number::New(env, -error));
      e.Set("syscall", Napi::String::New(env, syscall));
      e.Set("path", Napi::String::New(env, path));
      throw e;
    }
    file_mode_ = mode == "r+" ? '+' : mode[0];
    Install(env, block, 0);
    return;
  }
  const double size = info[0].As<Napi::Number>().DoubleValue();
  align_ = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
  zero_ = info[2].ToBoolean();
  Replace(env, static_cast<size_t>(size), 0);
}

void NativeRegion::Replace(Napi::Env env, size_t size, size_t keep) {
  // A resize zeroes the bytes past the kept ones, whatever `zero` said.
  Block* block = AllocateBlock(size, align_, zero_ || !buffer_.IsEmpty());
  if (block == nullptr) throw AllocationError(env, size);
  Install(env, block, keep);
}

void NativeRegion::Install(Napi::Env env, Block* block, size_t keep) {
  const size_t size = block->size;
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
    block = nullptr;
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
  block_ = block;
  length_ = size;
  copy_ = copy;
}

void NativeRegion::Detach(Napi::Env env) {
  if (block_ != nullptr && MappingTruncated(block_->guard)) truncated_ = true;
  Napi::ArrayBuffer old = buffer_.Value();
  if (!old.IsEmpty() && !old.IsDetached()) old.Detach();
  buffer_.Reset();
  // The block now belongs to the finalizer alone.
  block_ = nullptr;
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
  if (file_mode_ != 0) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_NOT_RESIZABLE",
                     "a mapped file cannot be resized");
  }
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

// flush(): msync of a shared file mapping (others have nothing to write).
void NativeRegion::Flush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t length = 0;
  if (closed_ || CurrentData(env, &length) == nullptr || block_ == nullptr) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED", "the mapping is closed");
  }
  if (file_mode_ != '+') return;
  if (msync(block_->base, block_->reserved, MS_SYNC) != 0) {
    const int error = errno;
    Napi::Error e = CodedError(env, ErrorKind::kError, uv_err_name(-error),
                               std::string(uv_err_name(-error)) + ": " + uv_strerror(-error) + ", msync");
    e.Set("errno", Napi::Number::New(env, -error));
    e.Set("syscall", Napi::String::New(env, "msync"));
    throw e;
  }
}

// advise(kind): madvise over the mapping; kind is already checked.
void NativeRegion::Advise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t length = 0;
  if (closed_ || CurrentData(env, &length) == nullptr || block_ == nullptr) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED", "the mapping is closed");
  }
  const std::string kind = info[0].As<Napi::String>().Utf8Value();
  int advice = MADV_NORMAL;
  if (kind == "sequential") advice = MADV_SEQUENTIAL;
  else if (kind == "random") advice = MADV_RANDOM;
  else if (kind == "willneed") advice = MADV_WILLNEED;
  else if (kind == "dontneed") advice = MADV_DONTNEED;
  // Advice is a hint: a refusal changes nothing the caller can observe.
  if (block_->mapped) madvise(block_->base, block_->reserved, advice);
}

// True once the file shrank under the mapping and a read past its new end
// was answered with zeros (see sigbus_guard.h).
Napi::Value NativeRegion::Truncated(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), truncated_ || (block_ != nullptr && MappingTruncated(block_->guard)));
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
