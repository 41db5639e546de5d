// ValidateLayout, contiguity, GetItemPointer and Negotiate against a naive
// model that enumerates every item of small layouts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../core/layout.h"
#include "../core/negotiate.h"
#include "fuzz_input.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  fprintf(stderr, "fuzz_layout: %s\n", what);
  abort();
}

// Calls visit(offset) for every index in C order.
template <typename F>
void Enumerate(int ndim, const int64_t* shape, const int64_t* strides,
               int64_t base, F visit) {
  std::vector<int64_t> idx(ndim, 0);
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == 0) return;
  }
  for (;;) {
    int64_t o = base;
    for (int i = 0; i < ndim; i++) o += idx[i] * strides[i];
    visit(o, idx.data());
    int d = ndim - 1;
    while (d >= 0 && ++idx[d] == shape[d]) idx[d--] = 0;
    if (d < 0) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in{data, size};
  const int ndim = static_cast<int>(in.Range(0, 4));
  const int64_t itemsize = in.Range(1, 16);
  int64_t shape[4];
  int64_t strides[4];
  for (int i = 0; i < ndim; i++) {
    shape[i] = in.Range(0, 5);
    strides[i] = in.Range(-40, 40);
  }
  const int64_t memlen = in.Range(0, 300);
  const int64_t offset = in.Range(-8, 310);
  bp::BufferView v;
  v.itemsize = itemsize;
  v.ndim = ndim;
  v.shape = shape;
  v.strides = strides;
  const bool valid = bp::ValidateLayout(&v, offset, memlen).ok();

  // The model: every item's bytes inside [0, memlen); an empty layout only
  // needs 0 <= offset <= memlen.
  int64_t count = 1;
  for (int i = 0; i < ndim; i++) count *= shape[i];
  bool model = true;
  if (count == 0) {
    model = offset >= 0 && offset <= memlen;
  } else {
    Enumerate(ndim, shape, strides, offset, [&](int64_t o, const int64_t*) {
      if (o < 0 || o + itemsize > memlen) model = false;
    });
    if (offset < 0 || offset > memlen) model = false;
  }
  if (valid != model) Fail("ValidateLayout disagrees with enumeration");
  if (!valid) return 0;
  if (v.len != count * itemsize) Fail("len");

  // Item pointers stay in bounds and match the enumeration.
  std::vector<char> memory(static_cast<size_t>(memlen) + 1);
  v.buf = memory.data() + offset;
  Enumerate(ndim, shape, strides, offset, [&](int64_t o, const int64_t* idx) {
    char* p = static_cast<char*>(bp::GetItemPointer(v, idx));
    if (p != memory.data() + o) Fail("GetItemPointer");
  });

  // C-contiguity: the items, in C order, sit at consecutive itemsize steps.
  bool c_model = true;
  int64_t k = 0;
  Enumerate(ndim, shape, strides, offset, [&](int64_t o, const int64_t*) {
    if (shape[0] > 0 && o != offset + k * itemsize) c_model = false;
    k++;
  });
  // Extents of 1 never constrain a stride, so compare with the rule itself
  // only where every extent exceeds 1 (the enumeration ignores strides of
  // extent-1 axes anyway).
  if (count > 0 && bp::IsCContiguous(v) != c_model) Fail("IsCContiguous");

  // Negotiation: a success never claims more than the request allows.
  const int flags = static_cast<int>(in.Range(0, 0x1ff)) & bp::kBufRequestMask;
  if (!bp::CheckFlags(flags).ok()) return 0;
  v.readonly = in.Byte() & 1;
  v.format = "B";
  bp::BufferView out;
  if (bp::Negotiate(v, flags, &out).ok()) {
    if (bp::ReqWritable(flags) && out.readonly) Fail("writable");
    if (!bp::ReqStrides(flags) && out.strides != nullptr) Fail("strides");
    if (!bp::ReqShape(flags) && (out.shape != nullptr || out.ndim != 1))
      Fail("shape");
    if (!bp::ReqFormat(flags) && out.format != nullptr) Fail("format");
    if (bp::ReqCContiguous(flags) && !bp::IsCContiguous(v)) Fail("C request");
    if (!bp::ReqStrides(flags) && !bp::IsCContiguous(v)) Fail("implicit C");
    if (out.len != v.len || out.itemsize != v.itemsize) Fail("len/itemsize");
  }
  return 0;
}
