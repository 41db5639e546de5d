#include "binding/memory/native_region.h"

#include <sys/mman.h>
#include <uv.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "binding/errors.h"
#include "binding/memory/block.h"
#include "binding/c_api/install.h"
#include "binding/memory/sigbus_guard.h"

namespace bp::binding {

namespace {

// What one external ArrayBuffer holds: a reference to its block, and the
// bytes this env reported to the GC for it.
struct AbHold {
  Block* block;
  int64_t reported;
};

void FinalizeBlock(napi_env env, void* /*data*/, void* hint) {
  AbHold* hold = static_cast<AbHold*>(hint);
  if (hold->reported != 0) {
    int64_t total = 0;
    napi_adjust_external_memory(env, -hold->reported, &total);
  }
  UnrefBlock(hold->block);
  delete hold;
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
          InstanceAccessor("isForeign", &NativeRegion::IsForeign, nullptr),
          InstanceMethod("address", &NativeRegion::Address),
          InstanceMethod("acquire", &NativeRegion::Acquire),
          InstanceMethod("release", &NativeRegion::Release),
          InstanceMethod("resize", &NativeRegion::Resize),
          InstanceMethod("close", &NativeRegion::Close),
          InstanceMethod("flush", &NativeRegion::Flush),
          InstanceMethod("advise", &NativeRegion::Advise),
          InstanceAccessor("truncated", &NativeRegion::Truncated, nullptr),
          InstanceMethod("share", &NativeRegion::Share),
          InstanceMethod("pin", &NativeRegion::Pin),
      });
}

NativeRegion::NativeRegion(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NativeRegion>(info) {
  Napi::Env env = info.Env();
  if (info[0].IsExternal() || info[0].IsBigInt()) {
    // new NativeRegion(pendingBlock): memory lent by C code (c_api.cc) or
    // a block pinned for a C view; new NativeRegion(token): a block another
    // env shared with this one.
    Block* block = nullptr;
    if (info[0].IsExternal()) {
      block = TakePendingBlock(env, info[0]);
      if (block == nullptr) {
        throw CodedError(env, ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE",
                         "not a native block made by buffer-protocol, or one already used");
      }
    } else {
      bool lossless = false;
      const uint64_t token = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
      block = lossless ? ClaimSharedBlock(token) : nullptr;
      if (block == nullptr) {
        throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
                         "this shared NativeBuffer handle was already claimed, or its sender is gone");
      }
    }
    foreign_ = block->foreign;
    file_mode_ = block->file ? 'r' : 0;
    Install(env, block, 0);
    return;
  }
  if (info[0].IsString()) {
    // new NativeRegion(path, mode, offset, length): a file mapping.
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    // open() would stop at the first NUL and map another file than the one named.
    if (path.find('\0') != std::string::npos) {
      throw CodedError(env, ErrorKind::kTypeError, "ERR_INVALID_ARG_VALUE",
                       "The argument 'path' must be a string without null bytes");
    }
    const std::string mode = info[1].As<Napi::String>().Utf8Value();
    const int64_t offset = info[2].As<Napi::Number>().Int64Value();
    const int64_t length = info[3].As<Napi::Number>().Int64Value();
    int error = 0;
    const char* syscall = "";
    Block* block = MapFileBlock(path.c_str(), mode == "r+" ? '+' : mode[0], offset, length, &error, &syscall);
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
      UnrefBlock(block);
      throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
                       "the NativeBuffer's ArrayBuffer was detached");
    }
    std::memcpy(block->data, old, keep);
  }

  napi_value ab = nullptr;
  bool copy = ExternalBuffersRefusedByRequest();
  napi_status status = napi_no_external_buffers_allowed;
  int64_t external_before = 0;
  AbHold* hold = nullptr;
  if (!copy) {
    napi_adjust_external_memory(env, 0, &external_before);
    hold = new AbHold{block, 0};
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
      hold->reported = missing;
      napi_adjust_external_memory(env, missing, &external_after);
    }
  }
  if (!buffer_.IsEmpty()) Detach(env);
  buffer_ = Napi::Persistent(Napi::ArrayBuffer(env, ab));
  // The region's own reference: its ArrayBuffer can be transferred away and
  // collected (ArrayBuffer.prototype.transfer), whose finalizer then drops
  // the ArrayBuffer's reference while this region still names the block.
  if (block != nullptr) RefBlock(block);
  block_ = block;
  length_ = size;
  copy_ = copy;
}

void NativeRegion::Detach(Napi::Env env) {
  if (block_ != nullptr && MappingTruncated(block_->guard)) truncated_ = true;
  Napi::ArrayBuffer old = buffer_.Value();
  if (!old.IsEmpty() && !old.IsDetached()) old.Detach();
  buffer_.Reset();
  // The block now belongs to the ArrayBuffer's finalizer (and to views,
  // shares and transfers that hold it).
  if (block_ != nullptr) UnrefBlock(block_);
  block_ = nullptr;
}

NativeRegion::~NativeRegion() {
  if (block_ != nullptr) UnrefBlock(block_);
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

Napi::Value NativeRegion::IsForeign(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), foreign_);
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
  if (foreign_) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_NOT_RESIZABLE",
                     "memory lent by C code cannot be resized");
  }
  size_t current_length = 0;
  if (!closed_ && CurrentData(env, &current_length) == nullptr && length_ > 0) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
                     "the NativeBuffer's ArrayBuffer was detached or transferred");
  }
  // Attached, the block has two references: the ArrayBuffer's and ours.
  if (block_ != nullptr && block_->refs.load() > 2) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_EXPORTS_ACTIVE",
                     "cannot resize: the memory is shared with another thread or held by a C view");
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

// share(): a token another env (a Worker) claims with new NativeRegion(token)
// to map the same memory. The block lives until every env let go of it.
Napi::Value NativeRegion::Share(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t length = 0;
  if (closed_ || block_ == nullptr || (CurrentData(env, &length) == nullptr && length_ > 0)) {
    throw CodedError(env, ErrorKind::kError, copy_ ? "ERR_BUFFER_INVALID_EXPORT" : "ERR_BUFFER_RELEASED",
                     copy_ ? "this NativeBuffer is a copy in V8's memory (isCopy) and cannot be shared without copying"
                           : "NativeBuffer is closed");
  }
  return Napi::BigInt::New(env, ShareBlock(env, block_));
}

// pin(): hands a reference to the block to the C view being made
// (c_api.cc), so the memory outlives a forced close() until the view is
// released; false in copy mode, where the memory is V8's and the view holds
// its ArrayBuffer instead.
Napi::Value NativeRegion::Pin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_ || block_ == nullptr) return Napi::Boolean::New(env, false);
  RefBlock(block_);
  HandOverPin(block_);
  return Napi::Boolean::New(env, true);
}

}  // namespace bp::binding
