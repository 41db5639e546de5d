#include "binding/io/io.h"

#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/buffer_view.h"
#include "core/copy.h"
#include "core/layout.h"
#include "binding/convert.h"
#include "binding/memory/block.h"
#include "binding/errors.h"

namespace bp::binding {
namespace {

// Runs shorter than this go through a staging buffer: one syscall per run
// (or per IOV_MAX runs) costs more than copying them.
constexpr int64_t kMinIovecRun = 512;
// Staging buffer size; it bounds the extra memory a strided transfer needs.
constexpr int64_t kStageBytes = 1 << 20;

// One transfer: a layout over `base` (validated), a file, a direction.
struct Transfer {
  bool write = false;
  int fd = -1;
  int64_t position = -1;  // -1: the file's current position
  char* base = nullptr;   // item [0,...,0]
  int64_t itemsize = 1;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  // Results.
  int64_t done = 0;
  int error = 0;
  const char* syscall = "";
};

// One contiguous pread/pwrite loop: handles short counts and EINTR; stops
// early only at EOF (reads). Returns false on error (t->error set).
bool Contiguous(Transfer* t, char* p, int64_t n, bool* eof) {
  while (n > 0) {
    const size_t chunk = static_cast<size_t>(n > SSIZE_MAX ? SSIZE_MAX : n);
    ssize_t r;
    if (t->write) {
      r = t->position < 0 ? ::write(t->fd, p, chunk) : pwrite(t->fd, p, chunk, t->position + t->done);
    } else {
      r = t->position < 0 ? ::read(t->fd, p, chunk) : pread(t->fd, p, chunk, t->position + t->done);
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      t->error = errno;
      t->syscall = t->write ? "write" : "read";
      return false;
    }
    if (r == 0) {
      // A read at EOF; a zero-byte write cannot happen for chunk > 0.
      *eof = true;
      return true;
    }
    p += r;
    n -= r;
    t->done += r;
  }
  return true;
}

// Visits the C-order runs of contiguous bytes of a layout: (pointer, bytes).
template <typename F>
bool ForEachRun(const Transfer& t, F&& visit) {
  const int ndim = static_cast<int>(t.shape.size());
  int64_t run = t.itemsize;
  int inner = ndim;  // dimensions [inner, ndim) form one run
  while (inner > 0 && t.strides[inner - 1] == run) {
    run *= t.shape[inner - 1];
    inner--;
  }
  std::vector<int64_t> index(inner, 0);
  for (;;) {
    char* p = t.base;
    for (int d = 0; d < inner; d++) p += index[d] * t.strides[d];
    if (!visit(p, run)) return false;
    int d = inner - 1;
    while (d >= 0 && ++index[d] == t.shape[d]) index[d--] = 0;
    if (d < 0) return true;
  }
}

// Stores the first `bytes` bytes of `src` (items in C order, packed with
// `packed` strides) into the items of a strided layout: the bytes a read
// returned, all of them. A read that ends inside an item (EOF) stores that
// item's first bytes too, as a read into contiguous memory would, so the
// count returned is always the count stored.
void ScatterPrefix(char* base, const int64_t* shape, const int64_t* strides, int ndim, int64_t itemsize,
                   const char* src, const int64_t* packed, int64_t bytes, int64_t len) {
  if (bytes == len) {
    (void)CopyItems(StridedRef{base, strides}, StridedRef{const_cast<char*>(src), packed}, shape, ndim, itemsize);
    return;
  }
  std::vector<int64_t> index(static_cast<size_t>(ndim), 0);
  for (int64_t at = 0; at < bytes; at += itemsize) {
    char* p = base;
    for (int d = 0; d < ndim; d++) p += index[d] * strides[d];
    std::memcpy(p, src + at, static_cast<size_t>(bytes - at < itemsize ? bytes - at : itemsize));
    int d = ndim - 1;
    while (d >= 0 && ++index[d] == shape[d]) index[d--] = 0;
  }
}

void Run(Transfer* t) {
  BufferView v;
  v.itemsize = t->itemsize;
  v.ndim = static_cast<int>(t->shape.size());
  v.shape = t->shape.data();
  v.strides = t->strides.data();
  int64_t len = 0;
  if (!ComputeLength(v.ndim, v.shape, v.itemsize, &len).ok() || len == 0) return;
  v.len = len;
  bool eof = false;
  if (IsCContiguous(v)) {
    Contiguous(t, t->base, len, &eof);
    return;
  }
  // Length of the innermost contiguous run decides the method.
  int64_t run = t->itemsize;
  for (int d = v.ndim - 1; d >= 0 && t->strides[d] == run; d--) run *= t->shape[d];
  if (run >= kMinIovecRun) {
    std::vector<iovec> iov;
    iov.reserve(IOV_MAX);
    auto flush = [&]() -> bool {
      size_t at = 0;
      while (at < iov.size()) {
        const int count = static_cast<int>(iov.size() - at > IOV_MAX ? IOV_MAX : iov.size() - at);
        ssize_t r;
        if (t->write) {
          r = t->position < 0 ? writev(t->fd, &iov[at], count) : pwritev(t->fd, &iov[at], count, t->position + t->done);
        } else {
          r = t->position < 0 ? readv(t->fd, &iov[at], count) : preadv(t->fd, &iov[at], count, t->position + t->done);
        }
        if (r < 0) {
          if (errno == EINTR) continue;
          t->error = errno;
          t->syscall = t->write ? "writev" : "readv";
          return false;
        }
        if (r == 0) {
          eof = true;
          return false;
        }
        t->done += r;
        // Skip what was transferred; a short count leaves a partial iovec.
        size_t left = static_cast<size_t>(r);
        while (left > 0 && at < iov.size()) {
          if (left >= iov[at].iov_len) {
            left -= iov[at].iov_len;
            at++;
          } else {
            iov[at].iov_base = static_cast<char*>(iov[at].iov_base) + left;
            iov[at].iov_len -= left;
            left = 0;
          }
        }
      }
      iov.clear();
      return true;
    };
    ForEachRun(*t, [&](char* p, int64_t n) {
      iov.push_back(iovec{p, static_cast<size_t>(n)});
      return iov.size() < IOV_MAX || flush();
    });
    if (t->error == 0 && !eof) flush();
    return;
  }
  // Short runs: move whole slices along the first axis through a bounded
  // staging buffer with the copy kernel.
  int64_t slice = t->itemsize;
  for (int d = 1; d < v.ndim; d++) slice *= t->shape[d];
  const int64_t per = slice >= kStageBytes ? 1 : kStageBytes / slice;
  const int64_t rows = v.ndim == 0 ? 1 : t->shape[0];
  char* stage = static_cast<char*>(std::malloc(static_cast<size_t>(per * slice)));
  if (stage == nullptr) {
    t->error = ENOMEM;
    t->syscall = "malloc";
    return;
  }
  std::vector<int64_t> sub_shape = t->shape;
  std::vector<int64_t> c_strides(v.ndim);
  for (int64_t r0 = 0; r0 < rows && !eof && t->error == 0; r0 += per) {
    const int64_t g = rows - r0 < per ? rows - r0 : per;
    sub_shape[0] = g;
    int64_t sd = t->itemsize;
    for (int d = v.ndim - 1; d >= 0; d--) {
      c_strides[d] = sd;
      sd *= sub_shape[d];
    }
    char* at = t->base + r0 * t->strides[0];
    const int64_t bytes = g * slice;
    if (t->write) {
      (void)CopyItems(StridedRef{stage, c_strides.data()}, StridedRef{at, t->strides.data()}, sub_shape.data(), v.ndim, t->itemsize);
      Contiguous(t, stage, bytes, &eof);
    } else {
      const int64_t before = t->done;
      if (!Contiguous(t, stage, bytes, &eof)) break;
      ScatterPrefix(at, sub_shape.data(), t->strides.data(), v.ndim, t->itemsize, stage, c_strides.data(),
                    t->done - before, bytes);
    }
  }
  std::free(stage);
}

Napi::Error SystemError(Napi::Env env, int error, const char* syscall) {
  Napi::Error e = CodedError(env, ErrorKind::kError, uv_err_name(-error),
                             std::string(uv_err_name(-error)) + ": " + uv_strerror(-error) + ", " + syscall);
  e.Set("errno", Napi::Number::New(env, -error));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

// transfer(write, fd, arrayBuffer, byteOffset, shape, strides, itemsize,
// position): the layout is validated against the ArrayBuffer here, so no
// JavaScript value can make the syscalls leave it. Returns the validated
// length in bytes.
int64_t Prepare(const Napi::CallbackInfo& info, Transfer* t) {
  Napi::Env env = info.Env();
  t->write = info[0].ToBoolean();
  t->fd = static_cast<int>(ToInt64(info[1]));
  if (!info[2].IsArrayBuffer()) {
    throw CodedError(env, ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE", "expected an ArrayBuffer");
  }
  // Values that can run JavaScript first; the memory pointer last.
  const int64_t offset = ToInt64(info[3]);
  t->shape = ToInt64Vector(info[4]);
  t->strides = ToInt64Vector(info[5]);
  t->itemsize = ToInt64(info[6]);
  t->position = ToInt64(info[7]);
  Napi::ArrayBuffer ab = info[2].As<Napi::ArrayBuffer>();
  if (t->shape.size() != t->strides.size()) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_INVALID_LAYOUT", "shape and strides differ in length");
  }
  BufferView v;
  v.itemsize = t->itemsize;
  v.ndim = static_cast<int>(t->shape.size());
  static const int64_t kNone[1] = {0};
  v.shape = t->shape.empty() ? kNone : t->shape.data();
  v.strides = t->strides.empty() ? kNone : t->strides.data();
  Status status = ValidateLayout(&v, offset, static_cast<int64_t>(ab.ByteLength()));
  if (!status.ok()) ThrowStatus(env, status);
  t->base = static_cast<char*>(ab.Data()) + offset;
  return v.len;
}

Napi::Value TransferSync(const Napi::CallbackInfo& info) {
  Transfer t;
  if (Prepare(info, &t) > 0) Run(&t);
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
  TransferWorker(Napi::Function callback, Napi::ArrayBuffer target, Napi::Object keep, Transfer t, int64_t len)
      : Napi::AsyncWorker(callback), t_(std::move(t)), len_(len) {
    keep_ = Napi::Persistent(keep);
    pin_ = TakeBlockOf(target.Data(), target.ByteLength());
    if (pin_ != nullptr || len_ == 0) return;
    stage_ = static_cast<char*>(std::malloc(static_cast<size_t>(len_)));
    if (stage_ == nullptr) throw CodedError(Env(), ErrorKind::kRangeError, "ERR_OUT_OF_RANGE", "out of memory for a private copy of the memory");
    const int ndim = static_cast<int>(t_.shape.size());
    packed_.resize(static_cast<size_t>(ndim));
    (void)FillContiguousStrides(ndim, t_.shape.data(), t_.itemsize, 'C', packed_.data());
    if (t_.write) {
      (void)CopyItems(StridedRef{stage_, packed_.data()}, StridedRef{t_.base, t_.strides.data()}, t_.shape.data(), ndim, t_.itemsize);
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
      Run(&t_);
      return;
    }
    // The private copy is contiguous: one plain transfer.
    bool eof = false;
    Contiguous(&t_, stage_, len_, &eof);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (t_.error != 0) {
      Callback().Call({SystemError(env, t_.error, t_.syscall).Value(), env.Undefined()});
      return;
    }
    if (stage_ != nullptr && !t_.write && !ScatterIntoTarget()) {
      Napi::Error e = CodedError(env, ErrorKind::kError, "ERR_BUFFER_RELEASED",
                                 "the read completed, but its target memory was detached or shrunk meanwhile; "
                                 "keep the target attached (do not transfer or resize it) until the promise settles");
      Callback().Call({e.Value(), env.Undefined()});
      return;
    }
    Callback().Call({env.Null(), Napi::Number::New(env, static_cast<double>(t_.done))});
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
    if (ab.IsEmpty() || ab.Data() == nullptr || !ValidateLayout(&v, offset_, static_cast<int64_t>(ab.ByteLength())).ok()) {
      return false;
    }
    ScatterPrefix(static_cast<char*>(ab.Data()) + offset_, t_.shape.data(), t_.strides.data(), v.ndim, t_.itemsize,
                  stage_, packed_.data(), t_.done, len_);
    return true;
  }

  Transfer t_;
  int64_t len_;
  Block* pin_ = nullptr;
  char* stage_ = nullptr;
  std::vector<int64_t> packed_;
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
    throw CodedError(info.Env(), ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE", "expected keep and callback");
  }
  auto* worker = new TransferWorker(info[9].As<Napi::Function>(), info[2].As<Napi::ArrayBuffer>(),
                                    info[8].As<Napi::Object>(), std::move(t), len);
  worker->Queue();
  return info.Env().Undefined();
}

}  // namespace

Napi::Object InitIo(Napi::Env env) {
  Napi::Object io = Napi::Object::New(env);
  io.Set("transfer", Napi::Function::New(env, TransferSync));
  io.Set("transferAsync", Napi::Function::New(env, TransferAsync));
  return io;
}

}  // namespace bp::binding
