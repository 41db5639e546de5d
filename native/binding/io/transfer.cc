#include "binding/io/transfer.h"

#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/buffer_view.h"
#include "core/copy.h"
#include "core/layout.h"
#include "core/run_cursor.h"
#include "core/runs.h"

namespace bp::binding {
namespace {

// Runs shorter than this go through a staging buffer: one syscall per run
// (or per IOV_MAX runs) costs more than copying them.
constexpr int64_t kMinIovecRun = 512;
// Staging buffer size; it bounds the extra memory a strided transfer needs.
constexpr int64_t kStageBytes = 1 << 20;

// Transfers the iovecs from `at` on, skipping what each call moved (a
// short count leaves a partial iovec). False on error or EOF.
bool TransferIovecs(Transfer* t, std::vector<iovec>& iov, bool* eof) {
  size_t at = 0;
  while (at < iov.size()) {
    const int count =
        static_cast<int>(iov.size() - at > IOV_MAX ? IOV_MAX : iov.size() - at);
    const off_t position = t->position + t->done;
    ssize_t r;
    if (t->write) {
      r = t->position < 0 ? writev(t->fd, &iov[at], count)
                          : pwritev(t->fd, &iov[at], count, position);
    } else {
      r = t->position < 0 ? readv(t->fd, &iov[at], count)
                          : preadv(t->fd, &iov[at], count, position);
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      t->error = errno;
      t->syscall = t->write ? "writev" : "readv";
      return false;
    }
    if (r == 0) {
      *eof = true;
      return false;
    }
    t->done += r;
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
}

// Long runs: preadv/pwritev over them, IOV_MAX at a time.
void TransferRuns(Transfer* t) {
  std::vector<iovec> iov;
  iov.reserve(IOV_MAX);
  bool eof = false;
  const int ndim = static_cast<int>(t->shape.size());
  ForEachRun(ndim, t->shape.data(), t->strides.data(), t->itemsize,
             [&](int64_t offset, int64_t n) {
               iov.push_back(iovec{t->base + offset, static_cast<size_t>(n)});
               return iov.size() < IOV_MAX || TransferIovecs(t, iov, &eof);
             });
  if (t->error == 0 && !eof) TransferIovecs(t, iov, &eof);
}

// Short runs: through a bounded staging buffer, walked by a cursor that
// hands whole blocks of rows to the copy kernel and resumes mid-run.
void TransferStaged(Transfer* t) {
  const int ndim = static_cast<int>(t->shape.size());
  RunCursor cursor(ndim, t->shape.data(), t->strides.data(), t->itemsize);
  const int64_t size =
      cursor.length() < kStageBytes ? cursor.length() : kStageBytes;
  char* stage = static_cast<char*>(std::malloc(static_cast<size_t>(size)));
  if (stage == nullptr) {
    t->error = ENOMEM;
    t->syscall = "malloc";
    return;
  }
  bool eof = false;
  while (cursor.position() < cursor.length() && !eof) {
    if (t->write) {
      const int64_t n = cursor.Gather(t->base, stage, size);
      if (!TransferContiguous(t, stage, n, &eof)) break;
    } else {
      const int64_t left = cursor.length() - cursor.position();
      const int64_t before = t->done;
      if (!TransferContiguous(t, stage, left < size ? left : size, &eof)) break;
      cursor.Scatter(t->base, stage, t->done - before);
    }
  }
  std::free(stage);
}

}  // namespace

bool TransferContiguous(Transfer* t, char* p, int64_t n, bool* eof) {
  while (n > 0) {
    const size_t chunk = static_cast<size_t>(n > SSIZE_MAX ? SSIZE_MAX : n);
    ssize_t r;
    if (t->write) {
      r = t->position < 0 ? ::write(t->fd, p, chunk)
                          : pwrite(t->fd, p, chunk, t->position + t->done);
    } else {
      r = t->position < 0 ? ::read(t->fd, p, chunk)
                          : pread(t->fd, p, chunk, t->position + t->done);
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

void ScatterPrefix(char* base, const int64_t* shape, const int64_t* strides,
                   int ndim, int64_t itemsize, const char* src, int64_t bytes) {
  RunCursor cursor(ndim, shape, strides, itemsize);
  (void)cursor.Scatter(base, src, bytes);
}

void RunTransfer(Transfer* t) {
  BufferView v;
  v.itemsize = t->itemsize;
  v.ndim = static_cast<int>(t->shape.size());
  v.shape = t->shape.data();
  v.strides = t->strides.data();
  int64_t len = 0;
  if (!ComputeLength(v.ndim, v.shape, v.itemsize, &len).ok() || len == 0)
    return;
  v.len = len;
  bool eof = false;
  if (IsCContiguous(v)) {
    TransferContiguous(t, t->base, len, &eof);
    return;
  }
  // The length of the innermost contiguous run decides the method.
  int outer = 0;
  if (RunLength(v.ndim, v.shape, v.strides, v.itemsize, &outer) >=
      kMinIovecRun) {
    TransferRuns(t);
  } else {
    TransferStaged(t);
  }
}

}  // namespace bp::binding
