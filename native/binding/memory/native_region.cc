#include "binding/memory/native_region.h"

#include "binding/c_api/own_wraps.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "binding/errors.h"
#include "binding/memory/block.h"
#include "binding/memory/external_buffer.h"
#include "binding/memory/sigbus_guard.h"

namespace bp::binding {

// Marks NativeRegion objects, so that PinBlockOf can tell one from any
// other wrapped object before it unwraps it.
const napi_type_tag NativeRegion::kRegionTag = {0x6270526567696f6eULL,
                                                0x4e6174697665ULL};

// A block made elsewhere: lent by C, or an allocation or a read-only view
// of a mapping shared by another env.
NativeRegion::Kind NativeRegion::KindOf(const Block* block) {
  return block->foreign ? Kind::kForeign
         : block->file  ? Kind::kMappedRead
                        : Kind::kAllocated;
}

void NativeRegion::ThrowReleased(Napi::Env env, const char* what) const {
  throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
                   std::string(owner()) + " " + what);
}

Napi::Function NativeRegion::Init(Napi::Env env) {
  return DefineClass(
      env, "NativeRegion",
      {
          InstanceMethod("buffer", &NativeRegion::Buffer),
          InstanceAccessor("length", &NativeRegion::Length, nullptr),
          InstanceAccessor("isClosed", &NativeRegion::IsClosed, nullptr),
          InstanceAccessor("isCopy", &NativeRegion::IsCopy, nullptr),
          InstanceAccessor("isForeign", &NativeRegion::IsForeign, nullptr),
          InstanceMethod("address", &NativeRegion::Address),
          InstanceMethod("resize", &NativeRegion::Resize),
          InstanceMethod("close", &NativeRegion::Close),
          InstanceMethod("flush", &NativeRegion::Flush),
          InstanceMethod("advise", &NativeRegion::Advise),
          InstanceAccessor("truncated", &NativeRegion::Truncated, nullptr),
          InstanceMethod("truncationFlag", &NativeRegion::TruncationFlag),
          InstanceMethod("share", &NativeRegion::Share),
          InstanceMethod("bindOwner", &NativeRegion::BindOwner),
          InstanceAccessor("cExports", &NativeRegion::CExports, nullptr),
      });
}

// The JavaScript constructor's four forms, told apart by the first
// argument's type; each has its factory.
NativeRegion::NativeRegion(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NativeRegion>(info) {
  Napi::Env env = info.Env();
  NAPI_THROW_IF_FAILED_VOID(env,
                            napi_type_tag_object(env, Value(), &kRegionTag));
  if (info[0].IsExternal() || info[0].IsBigInt() || info[0].IsString()) {
    const Origin origin = info[0].IsExternal() ? AdoptPending(env, info[0])
                          : info[0].IsBigInt()
                              ? ClaimShared(env, info[0].As<Napi::BigInt>())
                              : MapFile(info);
    kind_ = origin.kind;
    Install(env, origin.block, 0);
    return;
  }
  const double size = info[0].As<Napi::Number>().DoubleValue();
  align_ = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
  zero_ = info[2].ToBoolean();
  Replace(env, static_cast<size_t>(size), 0);
}

// Memory lent by C code (c_api/lend.cc): a pending block, taken once.
NativeRegion::Origin NativeRegion::AdoptPending(Napi::Env env,
                                                Napi::Value pending) {
  Block* block = TakePendingBlock(env, pending);
  if (block == nullptr) {
    throw CodedError(
        env, ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE",
        "not a native block made by buffer-protocol, or one already used");
  }
  return {block, KindOf(block)};
}

// A block another env shared with this one (share()), claimed once.
NativeRegion::Origin NativeRegion::ClaimShared(Napi::Env env,
                                               Napi::BigInt token) {
  bool lossless = false;
  const uint64_t value = token.Uint64Value(&lossless);
  Block* block = lossless ? ClaimSharedBlock(value) : nullptr;
  if (block == nullptr) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
                     "this shared NativeBuffer handle was already claimed, or "
                     "its sender is gone");
  }
  return {block, KindOf(block)};
}

// (path, mode, offset, length): a file mapping; mode is 'r', 'c' or 'r+'.
NativeRegion::Origin NativeRegion::MapFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  // open() would stop at the first NUL and map another file than the one named.
  if (path.find('\0') != std::string::npos) {
    throw CodedError(env, ErrorKind::kTypeError, "ERR_INVALID_ARG_VALUE",
                     "The argument 'path' must be a string without null bytes");
  }
  const std::string mode = info[1].As<Napi::String>().Utf8Value();
  const int64_t offset = info[2].As<Napi::Number>().Int64Value();
  const int64_t length = info[3].As<Napi::Number>().Int64Value();
  const char kind = mode == "r+" ? '+' : mode[0];
  int error = 0;
  const char* syscall = "";
  Block* block =
      MapFileBlock(path.c_str(), kind, offset, length, &error, &syscall);
  if (block == nullptr && error == 0) {
    throw CodedError(env, ErrorKind::kRangeError, "ERR_OUT_OF_RANGE",
                     "the file holds no bytes in the requested range");
  }
  if (block == nullptr) throw SystemError(env, error, syscall, path.c_str());
  return {block, static_cast<Kind>(kind)};
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
      throw CodedError(
          env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
          std::string("the ") + owner() + "'s ArrayBuffer was detached");
    }
    std::memcpy(block->data, old, keep);
  }

  bool copy = false;
  ArrayBufferHold* hold = nullptr;
  napi_value ab = ArrayBufferOver(env, block, &copy, &hold);
  if (copy) block = nullptr;
  if (!buffer_.IsEmpty()) Detach(env);
  buffer_ = Napi::Persistent(Napi::ArrayBuffer(env, ab));
  ab_hold_ = hold;
  // The region's own reference: its ArrayBuffer can be transferred away and
  // collected (ArrayBuffer.prototype.transfer), whose finalizer then drops
  // the ArrayBuffer's reference while this region still names the block.
  if (block != nullptr) {
    RefBlock(block);
    home_hold_ = CountHomeHold(block, env);
  }
  block_ = block;
  length_ = size;
  copy_ = copy;
}

void NativeRegion::Detach(Napi::Env env) {
  if (block_ != nullptr && MappingTruncated(block_->guard)) truncated_ = true;
  Napi::ArrayBuffer old = buffer_.Value();
  if (!old.IsEmpty() && !old.IsDetached()) {
    // Only an ArrayBuffer detached here is known to reach nothing: one
    // transferred away (ArrayBuffer.prototype.transfer) may have handed its
    // memory to a successor, whose reads its finalizer still covers. The
    // hold goes first: some runtimes (Bun, Deno) run the finalizer, which
    // deletes the hold, inside Detach(); no JavaScript runs in between.
    if (ab_hold_ != nullptr) DetachedByOwner(ab_hold_);
    old.Detach();
  }
  ab_hold_ = nullptr;
  buffer_.Reset();
  // The block now belongs to views, shares and transfers that hold it.
  ReleaseOwn();
}

void NativeRegion::ReleaseOwn() {
  if (block_ == nullptr) return;
  if (home_hold_) DropHomeHold(block_);
  home_hold_ = false;
  UnrefBlock(block_);
  block_ = nullptr;
}

NativeRegion::~NativeRegion() {
  if (owner_bound_) UnlistWrap(&owner_tag_);
  ReleaseOwn();
  DropTally(c_views_);
}

// The memory is read from the ArrayBuffer each time, never cached: a
// V8-owned buffer (isCopy) can be transferred away by the user, and a
// cached pointer would then dangle.
void* NativeRegion::CurrentData(Napi::Env env, size_t* length) {
  *length = 0;
  if (closed_ || buffer_.IsEmpty()) return nullptr;
  napi_value ab = buffer_.Value();
  // One call for both (ArrayBuffer's Data() and ByteLength() make one each;
  // C's get_buffer on an owner runs this every time). A detached buffer
  // reads as no memory of length 0, which only an empty region can mistake
  // for its own.
  void* data = nullptr;
  size_t bytes = 0;
  if (napi_get_arraybuffer_info(env, ab, &data, &bytes) != napi_ok)
    return nullptr;
  if (length_ == 0) {
    bool detached = false;
    if (napi_is_detached_arraybuffer(env, ab, &detached) != napi_ok || detached)
      return nullptr;
  }
  *length = bytes;
  return bytes == length_ ? data : nullptr;
}

Napi::Value NativeRegion::Buffer(const Napi::CallbackInfo& info) {
  if (closed_) return info.Env().Null();
  return buffer_.Value();
}

Napi::Value NativeRegion::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(),
                           closed_ ? 0 : static_cast<double>(length_));
}

Napi::Value NativeRegion::IsClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), closed_);
}

Napi::Value NativeRegion::IsCopy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), copy_);
}

Napi::Value NativeRegion::IsForeign(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), kind_ == Kind::kForeign);
}

Napi::Value NativeRegion::Address(const Napi::CallbackInfo& info) {
  size_t length = 0;
  void* data = CurrentData(info.Env(), &length);
  return Napi::BigInt::New(
      info.Env(), static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data)));
}

Napi::Value NativeRegion::Resize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (mapped()) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_NOT_RESIZABLE",
                     "a mapped file cannot be resized");
  }
  if (kind_ == Kind::kForeign) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_NOT_RESIZABLE",
                     "memory lent by C code cannot be resized");
  }
  size_t current_length = 0;
  if (!closed_ && CurrentData(env, &current_length) == nullptr && length_ > 0) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
                     std::string("the ") + owner() +
                         "'s ArrayBuffer was detached or transferred");
  }
  // Attached, the block has two references: the ArrayBuffer's and ours.
  if (block_ != nullptr && block_->refs.load() > 2) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_EXPORTS_ACTIVE",
                     "cannot resize: the memory is shared with another thread "
                     "or held by a C view");
  }
  // JavaScript's export count refused a resize under live exports first;
  // detaching keeps even a forced one safe, as it does for close.
  if (closed_) ThrowReleased(env, "is closed");
  const size_t size =
      static_cast<size_t>(info[0].As<Napi::Number>().DoubleValue());
  Replace(env, size, size < length_ ? size : length_);
  return buffer_.Value();
}

void NativeRegion::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) return;
  // The export count lives in JavaScript (region-owner.ts), which refused
  // an unforced close under live exports; what must outlive the close is
  // kept by the block's references (C views, other threads) instead.
  Detach(env);
  closed_ = true;
}

// The current block, for msync and madvise; throws once closed or
// detached.
Block* NativeRegion::LiveBlock(Napi::Env env) {
  size_t length = 0;
  if (closed_ || CurrentData(env, &length) == nullptr || block_ == nullptr) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
                     "the mapping is closed");
  }
  return block_;
}

// flush(): msync of a shared file mapping (others have nothing to write).
void NativeRegion::Flush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Block* block = LiveBlock(env);
  if (kind_ != Kind::kMappedShared) return;
  if (msync(block->base, block->reserved, MS_SYNC) != 0)
    throw SystemError(env, errno, "msync");
}

// advise(kind): madvise over the mapping; kind is already checked.
void NativeRegion::Advise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Block* block = LiveBlock(env);
  const std::string kind = info[0].As<Napi::String>().Utf8Value();
  int advice = MADV_NORMAL;
  if (kind == "sequential")
    advice = MADV_SEQUENTIAL;
  else if (kind == "random")
    advice = MADV_RANDOM;
  else if (kind == "willneed")
    advice = MADV_WILLNEED;
  else if (kind == "dontneed")
    advice = MADV_DONTNEED;
  // Advice is a hint: a refusal changes nothing the caller can observe.
  if (block->mapped) madvise(block->base, block->reserved, advice);
}

// True once the file shrank under the mapping and a read past its new end
// was answered with zeros (see sigbus_guard.h).
Napi::Value NativeRegion::Truncated(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(
      info.Env(),
      truncated_ || (block_ != nullptr && MappingTruncated(block_->guard)));
}

// truncationFlag(): a 1-byte ArrayBuffer over the mapping's guard flag
// (sigbus_guard.h), which JavaScript reads per export instead of calling
// truncated; null when there is none, or the runtime refuses external
// memory. Its memory is never freed, so it needs no finalizer. The slot is
// this mapping's while the region holds the block: read it only until
// close().
Napi::Value NativeRegion::TruncationFlag(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const void* flag =
      block_ == nullptr ? nullptr : bp::binding::TruncationFlag(block_->guard);
  napi_value ab = nullptr;
  if (flag == nullptr ||
      napi_create_external_arraybuffer(env, const_cast<void*>(flag), 1, nullptr,
                                       nullptr, &ab) != napi_ok) {
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    return env.Null();
  }
  return Napi::Value(env, ab);
}

// share(): a token another env (a Worker) claims with new NativeRegion(token)
// to map the same memory. The block lives until every env let go of it.
Napi::Value NativeRegion::Share(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t length = 0;
  if (closed_ || block_ == nullptr ||
      (CurrentData(env, &length) == nullptr && length_ > 0)) {
    if (!copy_) ThrowReleased(env, "is closed");
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_INVALID_EXPORT",
                     std::string("this ") + owner() +
                         " is a copy in V8's memory (isCopy) and cannot be "
                         "shared without copying");
  }
  return Napi::BigInt::New(env, ShareBlock(env, block_));
}

Block* NativeRegion::PinBlockOf(napi_env env, napi_value value) {
  napi_valuetype type;
  bool is_region = false;
  void* wrapped = nullptr;
  if (value == nullptr || napi_typeof(env, value, &type) != napi_ok ||
      type != napi_object ||
      napi_check_object_type_tag(env, value, &kRegionTag, &is_region) !=
          napi_ok ||
      !is_region || napi_unwrap(env, value, &wrapped) != napi_ok ||
      wrapped == nullptr) {
    return nullptr;
  }
  NativeRegion* region = static_cast<NativeRegion*>(wrapped);
  if (region->closed_ || region->block_ == nullptr) return nullptr;
  RefBlock(region->block_);
  return region->block_;
}

}  // namespace bp::binding
