#include "io.h"

#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../core/buffer_view.h"
#include "../core/copy.h"
#include "../core/layout.h"
#include "convert.h"
#include "errors.h"

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
      // Scatter only the whole items that arrived.
      const int64_t got = t->done - before;
      if (got == bytes) {
        (void)CopyItems(StridedRef{at, t->strides.data()}, StridedRef{stage, c_strides.data()}, sub_shape.data(), v.ndim, t->itemsize);
      } else {
        // EOF inside this group: scatter item by item in C order.
        const int64_t items = got / t->itemsize;
        std::vector<int64_t> index(v.ndim, 0);
        for (int64_t k = 0; k < items; k++) {
          char* p = at;
          for (int d = 0; d < v.ndim; d++) p += index[d] * t->strides[d];
          std::memcpy(p, stage + k * t->itemsize, static_cast<size_t>(t->itemsize));
          int d = v.ndim - 1;
          while (d >= 0 && ++index[d] == sub_shape[d]) index[d--] = 0;
        }
      }
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
// JavaScript value can make the syscalls leave it.
bool Prepare(const Napi::CallbackInfo& info, Transfer* t) {
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
  return v.len > 0;
}

Napi::Value TransferSync(const Napi::CallbackInfo& info) {
  Transfer t;
  if (Prepare(info, &t)) Run(&t);
  if (t.error != 0) throw SystemError(info.Env(), t.error, t.syscall);
  return Napi::Number::New(info.Env(), static_cast<double>(t.done));
}

// The same transfer on the libuv threadpool. The facade holds the memory's
// owner (an export of a NativeBuffer or MappedFile) until the callback.
class TransferWorker : public Napi::AsyncWorker {
 public:
  TransferWorker(Napi::Function callback, Napi::Object keep, Transfer t)
      : Napi::AsyncWorker(callback), t_(std::move(t)) {
    keep_ = Napi::Persistent(keep);
  }

  void Execute() override { Run(&t_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (t_.error != 0) {
      Callback().Call({SystemError(env, t_.error, t_.syscall).Value(), env.Undefined()});
    } else {
      Callback().Call({env.Null(), Napi::Number::New(env, static_cast<double>(t_.done))});
    }
  }

 private:
  Transfer t_;
  Napi::ObjectReference keep_;
};

// transferAsync(write, fd, arrayBuffer, byteOffset, shape, strides,
// itemsize, position, keep, callback)
Napi::Value TransferAsync(const Napi::CallbackInfo& info) {
  Transfer t;
  Prepare(info, &t);
  auto* worker = new TransferWorker(info[9].As<Napi::Function>(), info[8].As<Napi::Object>(), std::move(t));
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
