// Request negotiation: what a consumer asking for `flags` may see of a
// complete exporter view. Mirrors memory_getbuf() in CPython's
// Objects/memoryobject.c, check for check and in the same order, because
// the order decides which refusal a consumer sees.
#ifndef BUFFER_PROTOCOL_CORE_NEGOTIATE_H_
#define BUFFER_PROTOCOL_CORE_NEGOTIATE_H_

#include <cstdint>

#include "assert.h"
#include "buffer_view.h"
#include "flags.h"
#include "status.h"

namespace bp {

// Refuses flags outside kBufRequestMask, and exactly kBufRead or kBufWrite
// (CPython 3.13+ raises SystemError for those; they are buffer types).
Status CheckFlags(int64_t flags);

// Starts from the full `base` and strips or refuses, in this order:
// writable, format, C/F/any contiguity, suboffsets, strides, shape.
// On success `out` shares base's arrays; stripped fields are null, and a
// request without ND yields ndim 1 with itemsize and len kept.
// Assumptions: base is complete and validated; flags passed CheckFlags.
Status Negotiate(const BufferView& base, int flags, BufferView* out);

// The rule of one-dimensional contiguous exporters (PyBuffer_FillInfo,
// array.array, JavaScript's built-ins): only WRITABLE on read-only memory
// is refused; format, shape and strides that were not requested are null
// (without memory_getbuf's FORMAT-without-ND refusal), ndim stays 1.
// Assumptions: base is one-dimensional and contiguous; flags passed
// CheckFlags. Inline: the C API's hottest path runs it per get_buffer.
inline Status NegotiateContiguous(const BufferView& base, int flags,
                                  BufferView* out) {
  BP_ASSERT(CheckFlags(flags).ok());
  BP_ASSERT(base.ndim == 1 && base.shape != nullptr &&
            base.strides != nullptr && base.strides[0] == base.itemsize &&
            base.len == base.shape[0] * base.itemsize);
  if (ReqWritable(flags) && base.readonly) {
    return Fail(ErrorCode::kNotWritable, "Object is not writable.");
  }
  *out = base;
  if (!ReqFormat(flags)) out->format = nullptr;
  if (!ReqShape(flags)) out->shape = nullptr;
  if (!ReqStrides(flags)) out->strides = nullptr;
  return Status::Ok();
}

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_NEGOTIATE_H_
