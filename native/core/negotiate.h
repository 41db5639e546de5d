// Request negotiation: what a consumer asking for `flags` may see of a
// complete exporter view. Mirrors memory_getbuf() in CPython's
// Objects/memoryobject.c, check for check and in the same order, because
// the order decides which refusal a consumer sees.
#ifndef BUFFER_PROTOCOL_CORE_NEGOTIATE_H_
#define BUFFER_PROTOCOL_CORE_NEGOTIATE_H_

#include <cstdint>

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

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_NEGOTIATE_H_
