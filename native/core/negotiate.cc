#include "negotiate.h"

#include "layout.h"

namespace bp {

Status CheckFlags(int64_t flags) {
  if (flags < 0 || (flags & ~static_cast<int64_t>(kBufRequestMask)) != 0) {
    return Fail(ErrorCode::kBadFlags, "flags hold bits that are not requests");
  }
  if (flags == kBufRead || flags == kBufWrite) {
    return Fail(ErrorCode::kBadFlags,
                "READ and WRITE are buffer types, not request flags");
  }
  return Status::Ok();
}

Status Negotiate(const BufferView& base, int flags, BufferView* out) {
  BP_ASSERT(CheckFlags(flags).ok());
  BP_ASSERT(base.ndim >= 0 && base.ndim <= kMaxNdim && base.itemsize >= 1);
  BP_ASSERT(base.ndim == 0 ||
            (base.shape != nullptr && base.strides != nullptr));
  BufferView view = base;
  if (ReqWritable(flags) && base.readonly) {
    return Fail(ErrorCode::kNotWritable, "underlying buffer is not writable");
  }
  if (!ReqFormat(flags)) view.format = nullptr;
  // Contiguity is worked out only when a flag asks (FULL and RECORDS, the
  // N-d requests, ask for none): it walks every dimension, twice.
  if (ReqCContiguous(flags) && !IsContiguous(base, 'C')) {
    return Fail(ErrorCode::kNotCContiguous,
                "underlying buffer is not C-contiguous");
  }
  if (ReqFContiguous(flags) && !IsContiguous(base, 'F')) {
    return Fail(ErrorCode::kNotFContiguous,
                "underlying buffer is not Fortran contiguous");
  }
  if (ReqAnyContiguous(flags) && !IsContiguous(base, 'A')) {
    return Fail(ErrorCode::kNotContiguous,
                "underlying buffer is not contiguous");
  }
  if (!ReqIndirect(flags) && base.suboffsets != nullptr) {
    return Fail(ErrorCode::kRequiresSuboffsets,
                "underlying buffer requires suboffsets");
  }
  if (!ReqStrides(flags)) {
    if (!IsContiguous(base, 'C')) {
      return Fail(ErrorCode::kNotCContiguous,
                  "underlying buffer is not C-contiguous");
    }
    view.strides = nullptr;
  }
  if (!ReqShape(flags)) {
    // A SIMPLE request is an implicit cast to unsigned bytes, which would
    // contradict an explicitly requested format.
    if (view.format != nullptr) {
      return Fail(ErrorCode::kFormatWithoutShape,
                  "cannot cast to unsigned bytes if the format flag is "
                  "present");
    }
    view.ndim = 1;
    view.shape = nullptr;
  }
  *out = view;
  return Status::Ok();
}

}  // namespace bp
