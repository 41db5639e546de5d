// CopyItems against a naive item-by-item copy through a snapshot (memmove
// semantics), over two random small layouts in one or two blocks.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../core/copy.h"
#include "../core/layout.h"
#include "../core/run_cursor.h"
#include "../core/runs.h"
#include "fuzz_input.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  fprintf(stderr, "fuzz_copy: %s\n", what);
  abort();
}

// Offsets of every item in C order.
std::vector<int64_t> Offsets(int ndim, const int64_t* shape,
                             const int64_t* strides, int64_t base) {
  std::vector<int64_t> out;
  std::vector<int64_t> idx(ndim, 0);
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == 0) return out;
  }
  for (;;) {
    int64_t o = base;
    for (int i = 0; i < ndim; i++) o += idx[i] * strides[i];
    out.push_back(o);
    int d = ndim - 1;
    while (d >= 0 && ++idx[d] == shape[d]) idx[d--] = 0;
    if (d < 0) return out;
  }
}

}  // namespace

// The runs (core/runs.h) walk a layout's items in C order, whole.
static void CheckRuns(int ndim, const int64_t* shape, const int64_t* strides,
                      int64_t itemsize, int64_t base) {
  const std::vector<int64_t> order = Offsets(ndim, shape, strides, base);
  size_t next = 0;
  bp::ForEachRun(
      ndim, shape, strides, itemsize, [&](int64_t offset, int64_t bytes) {
        if (bytes % itemsize != 0) Fail("a run splits an item");
        for (int64_t at = 0; at < bytes; at += itemsize) {
          if (next >= order.size() || order[next++] != base + offset + at)
            Fail("the runs skip or reorder items");
        }
        return true;
      });
  if (next != order.size()) Fail("the runs miss items");
}

// The cursor (core/run_cursor.h), gathering and scattering in chunks of
// random sizes and resuming from a Seek, moves the same bytes as one
// item-by-item pass in C order.
static void CheckCursor(int ndim, const int64_t* shape, const int64_t* strides,
                        int64_t itemsize, int64_t base, FuzzInput* in,
                        const std::vector<uint8_t>& memory) {
  const std::vector<int64_t> order = Offsets(ndim, shape, strides, base);
  std::vector<uint8_t> want;
  for (int64_t o : order)
    want.insert(want.end(), memory.begin() + o, memory.begin() + o + itemsize);
  bp::RunCursor cursor(ndim, shape, strides, itemsize);
  if (cursor.length() != static_cast<int64_t>(want.size()))
    Fail("the cursor's length differs from the items'");
  const char* at = reinterpret_cast<const char*>(memory.data()) + base;
  std::vector<uint8_t> got(want.size() + 1, 0xEE);
  const int64_t seek = in->Range(0, cursor.length());
  cursor.Seek(seek);
  for (int64_t done = seek; done < cursor.length();) {
    const int64_t n = in->Range(1, 40);
    const int64_t moved =
        cursor.Gather(at, reinterpret_cast<char*>(got.data()) + done, n);
    if (moved != std::min(n, cursor.length() - done))
      Fail("a gather stopped short of its count");
    done += moved;
    if (cursor.position() != done) Fail("the cursor lost its position");
  }
  if (cursor.Gather(at, reinterpret_cast<char*>(got.data()), 1) != 0)
    Fail("a gather past the end moved bytes");
  if (!std::equal(want.begin() + seek, want.end(), got.begin() + seek) ||
      got[want.size()] != 0xEE)
    Fail("the chunked gather differs from the one-shot gather");
  // Scatter back into a blank copy, in other chunks, and a prefix of the
  // items only: what lies past the count must stay untouched.
  std::vector<uint8_t> blank(memory.size(), 0);
  std::vector<uint8_t> expect = blank;
  const int64_t count = in->Range(0, cursor.length());
  for (int64_t k = 0; k < count; k++) {
    const int64_t item = k / itemsize;
    expect[order[item] + k % itemsize] = want[k];
  }
  cursor.Seek(0);
  char* into = reinterpret_cast<char*>(blank.data()) + base;
  for (int64_t done = 0; done < count;) {
    const int64_t n = std::min(in->Range(1, 40), count - done);
    done += cursor.Scatter(
        into, reinterpret_cast<const char*>(want.data()) + done, n);
  }
  if (blank != expect) Fail("the chunked scatter differs from the model");
  // The runs an iovec walk takes, from the cursor, are the runs in order.
  cursor.Seek(0);
  int64_t walked = 0;
  while (cursor.RunLeft() > 0) {
    const int64_t take = std::min(cursor.RunLeft(), in->Range(1, 40));
    if (memcmp(at + cursor.RunOffset(), want.data() + walked,
               static_cast<size_t>(take)) != 0)
      Fail("a run from the cursor differs from the items");
    walked += take;
    cursor.Advance(take);
  }
  if (walked != cursor.length()) Fail("the run walk missed bytes");
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in{data, size};
  const int ndim = static_cast<int>(in.Range(0, 3));
  const int64_t itemsize = in.Range(1, 9);
  int64_t shape[3];
  int64_t ds[3];
  int64_t ss[3];
  for (int i = 0; i < ndim; i++) {
    shape[i] = in.Range(0, 6);
    ds[i] = in.Range(-48, 48);
    ss[i] = in.Range(-48, 48);
  }
  const int64_t memlen = 400;
  const int64_t doff = in.Range(0, memlen);
  const int64_t soff = in.Range(0, memlen);
  const bool same_block = in.Byte() & 1;
  bp::BufferView d;
  d.itemsize = itemsize;
  d.ndim = ndim;
  d.shape = shape;
  d.strides = ds;
  bp::BufferView s = d;
  s.strides = ss;
  if (!bp::ValidateLayout(&d, doff, memlen).ok() ||
      !bp::ValidateLayout(&s, soff, memlen).ok())
    return 0;
  // Destination items must not share bytes (the JS facade and the C API's
  // from_contiguous write those in order, item by item, instead: the C API
  // through CopyIndirect); check by enumeration.
  const std::vector<int64_t> dst_items = Offsets(ndim, shape, ds, doff);
  CheckRuns(ndim, shape, ss, itemsize, soff);
  std::vector<int> touched(memlen, 0);
  for (int64_t o : dst_items) {
    for (int64_t b = 0; b < itemsize; b++) {
      if (touched[o + b]++) return 0;
    }
  }
  std::vector<uint8_t> a(memlen);
  std::vector<uint8_t> b(memlen);
  for (int64_t i = 0; i < memlen; i++) {
    a[i] = static_cast<uint8_t>(in.Byte() ^ i);
    b[i] = static_cast<uint8_t>(i * 7);
  }
  CheckCursor(ndim, shape, ss, itemsize, soff, &in, a);
  std::vector<uint8_t>& dst_block = same_block ? a : b;
  // The model: snapshot the source items, then write them in C order.
  std::vector<uint8_t> want = dst_block;
  const std::vector<int64_t> src_items = Offsets(ndim, shape, ss, soff);
  std::vector<uint8_t> snapshot;
  for (int64_t o : src_items)
    snapshot.insert(snapshot.end(), a.begin() + o, a.begin() + o + itemsize);
  for (size_t k = 0; k < dst_items.size(); k++) {
    memcpy(want.data() + dst_items[k], snapshot.data() + k * itemsize,
           static_cast<size_t>(itemsize));
  }
  const bp::Status st = bp::CopyItems(
      bp::StridedRef{reinterpret_cast<char*>(dst_block.data()) + doff, ds},
      bp::StridedRef{reinterpret_cast<char*>(a.data()) + soff, ss}, shape, ndim,
      itemsize);
  if (!st.ok()) Fail("CopyItems failed");
  if (dst_block != want) Fail("CopyItems differs from the item-by-item model");
  return 0;
}
