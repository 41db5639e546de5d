#include "layout.h"

#include "assert.h"

namespace bp {
namespace {

bool MulOverflows(int64_t a, int64_t b, int64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

bool AddOverflows(int64_t a, int64_t b, int64_t* out) {
  return __builtin_add_overflow(a, b, out);
}

const Status kOverflow =
    Fail(ErrorCode::kInvalidLayout, "shape and strides overflow 2**63");
const Status kOutside =
    Fail(ErrorCode::kOutOfBounds, "layout reaches outside the memory block");

}  // namespace

Status ComputeLength(int ndim, const int64_t* shape, int64_t itemsize,
                     int64_t* len) {
  int64_t n = itemsize;
  bool zero = false;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == 0) zero = true;
    // Keep checking overflow past a zero extent: [0, 2**40, 2**40] is
    // refused like its non-empty cousins, so a reshape cannot smuggle it in.
    if (MulOverflows(n, shape[i] == 0 ? 1 : shape[i], &n)) return kOverflow;
  }
  *len = zero ? 0 : n;
  return Status::Ok();
}

Status ValidateLayout(BufferView* view, int64_t offset, int64_t memlen) {
  const int ndim = view->ndim;
  if (ndim < 0 || ndim > kMaxNdim) {
    return Fail(ErrorCode::kTooManyDims,
                "number of dimensions must not exceed 64");
  }
  if (view->itemsize < 1) {
    return Fail(ErrorCode::kInvalidLayout, "itemsize must be at least 1");
  }
  if (ndim > 0 && (view->shape == nullptr || view->strides == nullptr)) {
    return Fail(ErrorCode::kInvalidLayout, "shape and strides are required");
  }
  if (ndim == 0 && view->suboffsets != nullptr) {
    return Fail(ErrorCode::kInvalidLayout, "a 0-d view has no suboffsets");
  }
  for (int i = 0; i < ndim; i++) {
    if (view->shape[i] < 0) {
      return Fail(ErrorCode::kInvalidLayout, "shape entries must be >= 0");
    }
  }
  int64_t len = 0;
  Status status = ComputeLength(ndim, view->shape, view->itemsize, &len);
  if (!status.ok()) return status;
  if (memlen < 0 || offset < 0 || offset > memlen) return kOutside;

  // Only the dimensions up to the first indirect one address this block.
  int direct = ndim;
  int64_t tail = view->itemsize;
  if (view->suboffsets != nullptr) {
    for (int i = 0; i < ndim; i++) {
      if (view->suboffsets[i] >= 0) {
        direct = i + 1;
        tail = static_cast<int64_t>(sizeof(void*));
        break;
      }
    }
  }
  if (len == 0) {
    view->len = 0;
    return Status::Ok();
  }
  int64_t imin = 0;
  int64_t imax = 0;
  for (int j = 0; j < direct; j++) {
    int64_t term;
    if (MulOverflows(view->strides[j], view->shape[j] - 1, &term)) {
      return kOverflow;
    }
    if (AddOverflows(term <= 0 ? imin : imax, term,
                     term <= 0 ? &imin : &imax)) {
      return kOverflow;
    }
  }
  // offset >= 0 and imin <= 0, so offset + imin cannot overflow.
  if (offset + imin < 0) return kOutside;
  int64_t last;
  if (AddOverflows(offset, imax, &last) || AddOverflows(last, tail, &last) ||
      last > memlen) {
    return kOutside;
  }
  view->len = len;
  return Status::Ok();
}

bool LayoutSpan(const BufferView& view, int64_t offset, int64_t* first,
                int64_t* end) {
  if (view.ndim > 0 && (view.shape == nullptr || view.strides == nullptr)) {
    return false;
  }
  int64_t imin = 0;
  int64_t imax = 0;
  for (int j = 0; j < view.ndim; j++) {
    if (view.shape[j] <= 0) return false;
    int64_t term;
    if (MulOverflows(view.strides[j], view.shape[j] - 1, &term) ||
        AddOverflows(term <= 0 ? imin : imax, term,
                     term <= 0 ? &imin : &imax)) {
      return false;
    }
  }
  return !AddOverflows(offset, imin, first) &&
         !AddOverflows(offset, imax, end) &&
         !AddOverflows(*end, view.itemsize, end);
}

bool IsCContiguous(const BufferView& view) {
  if (view.suboffsets != nullptr) return false;
  if (view.len == 0 || view.strides == nullptr) return true;
  int64_t sd = view.itemsize;
  for (int i = view.ndim - 1; i >= 0; i--) {
    const int64_t dim = view.shape[i];
    if (dim > 1 && view.strides[i] != sd) return false;
    if (MulOverflows(sd, dim, &sd)) return false;
  }
  return true;
}

bool IsFContiguous(const BufferView& view) {
  if (view.suboffsets != nullptr) return false;
  if (view.len == 0) return true;
  if (view.strides == nullptr) {
    // C strides describe a Fortran layout too when at most one extent > 1.
    if (view.ndim <= 1) return true;
    int big = 0;
    for (int i = 0; i < view.ndim; i++) {
      if (view.shape[i] > 1) big++;
    }
    return big <= 1;
  }
  int64_t sd = view.itemsize;
  for (int i = 0; i < view.ndim; i++) {
    const int64_t dim = view.shape[i];
    if (dim > 1 && view.strides[i] != sd) return false;
    if (MulOverflows(sd, dim, &sd)) return false;
  }
  return true;
}

bool IsContiguous(const BufferView& view, char order) {
  switch (order) {
    case 'C': return IsCContiguous(view);
    case 'F': return IsFContiguous(view);
    case 'A': return IsCContiguous(view) || IsFContiguous(view);
    default: return false;
  }
}

void* GetItemPointer(const BufferView& view, const int64_t* indices) {
  BP_ASSERT(view.ndim >= 0 && view.ndim <= kMaxNdim);
  BP_ASSERT(view.ndim == 0 || (view.strides != nullptr && indices != nullptr));
  char* p = static_cast<char*>(view.buf);
  for (int i = 0; i < view.ndim; i++) {
    p += view.strides[i] * indices[i];
    if (view.suboffsets != nullptr && view.suboffsets[i] >= 0) {
      p = *reinterpret_cast<char**>(p) + view.suboffsets[i];
    }
  }
  return p;
}

Status FillContiguousStrides(int ndim, const int64_t* shape, int64_t itemsize,
                             char order, int64_t* strides) {
  if (ndim < 0 || ndim > kMaxNdim) {
    return Fail(ErrorCode::kTooManyDims,
                "number of dimensions must not exceed 64");
  }
  int64_t sd = itemsize;
  for (int k = 0; k < ndim; k++) {
    const int i = order == 'F' ? k : ndim - 1 - k;
    strides[i] = sd;
    if (MulOverflows(sd, shape[i], &sd)) return kOverflow;
  }
  return Status::Ok();
}

}  // namespace bp
