#include "binding/io/io.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "binding/convert.h"
#include "binding/errors.h"
#include "binding/io/transfer.h"
#include "binding/memory/block.h"
#include "core/buffer_view.h"
#include "core/copy.h"
#include "core/layout.h"
#include "core/run_cursor.h"

namespace bp::binding {
namespace {

// transfer(write, fd, arrayBuffer, byteOffset, shape, strides, itemsize,
// position): the layout is validated against the ArrayBuffer here, so no
// JavaScript value can make the syscalls leave it. Returns the validated
// length in bytes.
int64_t Prepare(const Napi::CallbackInfo& info, Transfer* t) {
  Napi::Env env = info.Env();
  t->write = info[0].ToBoolean();
  t->fd = static_cast<int>(ToInt64(info[1]));
  if (!info[2].IsArrayBuffer()) {
    throw CodedError(env, ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE",
                     "expected an ArrayBuffer");
  }
  // Values that can run JavaScript first; the memory pointer last.
  const int64_t offset = ToInt64(info[3]);
  t->shape = ToInt64Vector(info[4]);
  t->strides = ToInt64Vector(info[5]);
  t->itemsize = ToInt64(info[6]);
  t->position = ToInt64(info[7]);
  Napi::ArrayBuffer ab = info[2].As<Napi::ArrayBuffer>();
  if (t->shape.size() != t->strides.size()) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_INVALID_LAYOUT",
                     "shape and strides differ in length");
  }
  BufferView v;
  v.itemsize = t->itemsize;
  v.ndim = static_cast<int>(t->shape.size());
  static const int64_t kNone[1] = {0};
  v.shape = t->shape.empty() ? kNone : t->shape.data();
  v.strides = t->strides.empty() ? kNone : t->strides.data();
  Status status =
      ValidateLayout(&v, offset, static_cast<int64_t>(ab.ByteLength()));
  if (!status.ok()) ThrowStatus(env, status);
  t->base = static_cast<char*>(ab.Data()) + offset;
  return v.len;
}

Napi::Value TransferSync(const Napi::CallbackInfo& info) {
  Transfer t;
  if (Prepare(info, &t) > 0) RunTransfer(&t);
  if (t.error != 0) throw SystemError(info.Env(), t.error, t.syscall);
  return Napi::Number::New(info.Env(), static_cast<double>(t.done));
}

// The same transfer on the libuv threadpool. Nothing JavaScript does
// meanwhile (a forced close, a transfer of the ArrayBuffer, a detach, GC)
// can free memory the threadpool touches, because the worker owns what it
// uses: a reference to our Block when the memory is one (NativeBuffer,
// MappedFile), else a private copy in its own heap memory, gathered here
// for a write, and scattered into the target on the JavaScript thread,
// after checking the target again, for a read.
class TransferWorker : public Napi::AsyncWorker {
 public:
  TransferWorker(Napi::Function callback, Napi::ArrayBuffer target,
                 Napi::Object keep, Transfer t, int64_t len)
      : Napi::AsyncWorker(callback), t_(std::move(t)), len_(len) {
    keep_ = Napi::Persistent(keep);
    pin_ = TakeBlockOf(target.Data(), target.ByteLength());
    if (pin_ != nullptr || len_ == 0) return;
    stage_ = static_cast<char*>(std::malloc(static_cast<size_t>(len_)));
    if (stage_ == nullptr)
      throw CodedError(Env(), ErrorKind::kRangeError, "ERR_OUT_OF_RANGE",
                       "out of memory for a private copy of the memory");
    const int ndim = static_cast<int>(t_.shape.size());
    std::vector<int64_t> packed(static_cast<size_t>(ndim));
    (void)FillContiguousStrides(ndim, t_.shape.data(), t_.itemsize, 'C',
                                packed.data());
    if (t_.write) {
      (void)CopyItems(StridedRef{stage_, packed.data()},
                      StridedRef{t_.base, t_.strides.data()}, t_.shape.data(),
                      ndim, t_.itemsize);
    } else {
      target_ = Napi::Persistent(target);
      offset_ = t_.base - static_cast<char*>(target.Data());
    }
  }

  ~TransferWorker() override {
    if (pin_ != nullptr) UnrefBlock(pin_);
    std::free(stage_);
  }

  void Execute() override {
    if (len_ == 0) return;
    if (stage_ == nullptr) {
      RunTransfer(&t_);
      return;
    }
    // The private copy is contiguous: one plain transfer.
    bool eof = false;
    TransferContiguous(&t_, stage_, len_, &eof);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (t_.error != 0) {
      Callback().Call(
          {SystemError(env, t_.error, t_.syscall).Value(), env.Undefined()});
      return;
    }
    if (stage_ != nullptr && !t_.write && !ScatterIntoTarget()) {
      Napi::Error e = CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
                                 "the read completed, but its target memory "
                                 "was detached or shrunk meanwhile; "
                                 "keep the target attached (do not transfer or "
                                 "resize it) until the promise settles");
      Callback().Call({e.Value(), env.Undefined()});
      return;
    }
    Callback().Call(
        {env.Null(), Napi::Number::New(env, static_cast<double>(t_.done))});
  }

 private:
  // Checks the target's layout against what its ArrayBuffer holds now, and
  // stores what was read into it; false when it no longer fits.
  bool ScatterIntoTarget() {
    if (t_.done == 0) return true;
    Napi::ArrayBuffer ab = target_.Value();
    BufferView v;
    v.itemsize = t_.itemsize;
    v.ndim = static_cast<int>(t_.shape.size());
    static const int64_t kNone[1] = {0};
    v.shape = t_.shape.empty() ? kNone : t_.shape.data();
    v.strides = t_.strides.empty() ? kNone : t_.strides.data();
    if (ab.IsEmpty() || ab.Data() == nullptr ||
        !ValidateLayout(&v, offset_, static_cast<int64_t>(ab.ByteLength()))
             .ok()) {
      return false;
    }
    ScatterPrefix(static_cast<char*>(ab.Data()) + offset_, v.shape, v.strides,
                  v.ndim, t_.itemsize, stage_, t_.done);
    return true;
  }

  Transfer t_;
  int64_t len_;
  Block* pin_ = nullptr;
  char* stage_ = nullptr;
  int64_t offset_ = 0;
  Napi::Reference<Napi::ArrayBuffer> target_;
  Napi::ObjectReference keep_;
};

// transferAsync(write, fd, arrayBuffer, byteOffset, shape, strides,
// itemsize, position, keep, callback)
Napi::Value TransferAsync(const Napi::CallbackInfo& info) {
  Transfer t;
  const int64_t len = Prepare(info, &t);
  if (!info[9].IsFunction() || !info[8].IsObject()) {
    throw CodedError(info.Env(), ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE",
                     "expected keep and callback");
  }
  auto* worker = new TransferWorker(
      info[9].As<Napi::Function>(), info[2].As<Napi::ArrayBuffer>(),
      info[8].As<Napi::Object>(), std::move(t), len);
  worker->Queue();
  return info.Env().Undefined();
}

// The memory of an ArrayBuffer argument; SharedArrayBuffers take the
// facade's JavaScript path (src/io/chunks.ts).
Napi::ArrayBuffer ArrayBufferArg(const Napi::Value& value, const char* what) {
  if (!value.IsArrayBuffer()) {
    throw CodedError(value.Env(), ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE",
                     std::string(what) + " must be an ArrayBuffer");
  }
  return value.As<Napi::ArrayBuffer>();
}

// gather(arrayBuffer, byteOffset, shape, strides, itemsize, from, chunk,
// chunkOffset, n) and scatter(same): moves bytes [from, from + n) of the
// layout's C-order image to or from chunk[chunkOffset...], through a
// cursor that resumes at `from`, and returns the bytes moved (fewer only at
// the end). Both spans are validated here, so no JavaScript value can make
// the copy leave either buffer. One call per chunk, never per run.
Napi::Value MoveChunk(const Napi::CallbackInfo& info, bool gather) {
  Napi::Env env = info.Env();
  // Values that can run JavaScript first; the memory pointers last.
  const int64_t offset = ToInt64(info[1]);
  std::vector<int64_t> shape = ToInt64Vector(info[2]);
  std::vector<int64_t> strides = ToInt64Vector(info[3]);
  const int64_t itemsize = ToInt64(info[4]);
  const int64_t from = ToInt64(info[5]);
  const int64_t chunk_offset = ToInt64(info[7]);
  const int64_t n = ToInt64(info[8]);
  Napi::ArrayBuffer ab = ArrayBufferArg(info[0], "the memory");
  Napi::ArrayBuffer chunk = ArrayBufferArg(info[6], "the chunk");
  if (shape.size() != strides.size()) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_INVALID_LAYOUT",
                     "shape and strides differ in length");
  }
  BufferView v;
  v.itemsize = itemsize;
  v.ndim = static_cast<int>(shape.size());
  static const int64_t kNone[1] = {0};
  v.shape = shape.empty() ? kNone : shape.data();
  v.strides = strides.empty() ? kNone : strides.data();
  Status status =
      ValidateLayout(&v, offset, static_cast<int64_t>(ab.ByteLength()));
  if (!status.ok()) ThrowStatus(env, status);
  const int64_t chunk_len = static_cast<int64_t>(chunk.ByteLength());
  if (from < 0 || from > v.len || n < 0 || chunk_offset < 0 ||
      chunk_offset > chunk_len || n > chunk_len - chunk_offset) {
    throw CodedError(env, ErrorKind::kRangeError, "ERR_OUT_OF_RANGE",
                     "the chunk span lies outside the chunk or the position "
                     "outside the items");
  }
  if (v.len == 0 || n == 0) return Napi::Number::New(env, 0);
  RunCursor cursor(v.ndim, v.shape, v.strides, itemsize);
  cursor.Seek(from);
  char* base = static_cast<char*>(ab.Data()) + offset;
  char* span = static_cast<char*>(chunk.Data()) + chunk_offset;
  const int64_t moved =
      gather ? cursor.Gather(base, span, n) : cursor.Scatter(base, span, n);
  return Napi::Number::New(env, static_cast<double>(moved));
}

Napi::Value GatherJs(const Napi::CallbackInfo& info) {
  return MoveChunk(info, true);
}

Napi::Value ScatterJs(const Napi::CallbackInfo& info) {
  return MoveChunk(info, false);
}

}  // namespace

Napi::Object InitIo(Napi::Env env) {
  Napi::Object io = Napi::Object::New(env);
  io.Set("transfer", Napi::Function::New(env, TransferSync));
  io.Set("transferAsync", Napi::Function::New(env, TransferAsync));
  io.Set("gather", Napi::Function::New(env, GatherJs));
  io.Set("scatter", Napi::Function::New(env, ScatterJs));
  return io;
}

}  // namespace bp::binding
