// Strided file transfers, without N-API: read a file into the items of a
// layout, or write them out, by one of three strategies. Runs on the
// JavaScript thread (sync) or the libuv threadpool (async, io/io.cc).
#ifndef BUFFER_PROTOCOL_BINDING_IO_TRANSFER_H_
#define BUFFER_PROTOCOL_BINDING_IO_TRANSFER_H_

#include <cstdint>
#include <vector>

namespace bp::binding {

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

// The whole transfer, by the strategy its layout calls for: one
// pread/pwrite for C-contiguous memory, preadv/pwritev over the runs when
// runs are long, a bounded staging buffer when they are short.
void RunTransfer(Transfer* t);

// One contiguous pread/pwrite loop: handles short counts and EINTR; stops
// early only at EOF (reads). Returns false on error (t->error set).
bool TransferContiguous(Transfer* t, char* p, int64_t n, bool* eof);

// Stores the first `bytes` bytes of `src` (items in C order, packed) into
// the items of a strided layout: the bytes a read
// returned, all of them. A read that ends inside an item (EOF) stores that
// item's first bytes too, as a read into contiguous memory would, so the
// count returned is always the count stored.
void ScatterPrefix(char* base, const int64_t* shape, const int64_t* strides,
                   int ndim, int64_t itemsize, const char* src, int64_t bytes);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_IO_TRANSFER_H_
