// Request flags: CPython's PyBUF_* values, bit for bit. Compound flags
// include their prerequisites, so a request is tested with (f & X) == X.
#ifndef BUFFER_PROTOCOL_CORE_FLAGS_H_
#define BUFFER_PROTOCOL_CORE_FLAGS_H_

#include <cstdint>

namespace bp {

constexpr int kBufSimple = 0;
constexpr int kBufWritable = 0x0001;
constexpr int kBufFormat = 0x0004;
constexpr int kBufNd = 0x0008;
constexpr int kBufStrides = 0x0010 | kBufNd;
constexpr int kBufCContiguous = 0x0020 | kBufStrides;
constexpr int kBufFContiguous = 0x0040 | kBufStrides;
constexpr int kBufAnyContiguous = 0x0080 | kBufStrides;
constexpr int kBufIndirect = 0x0100 | kBufStrides;
constexpr int kBufContig = kBufNd | kBufWritable;
constexpr int kBufContigRo = kBufNd;
constexpr int kBufStrided = kBufStrides | kBufWritable;
constexpr int kBufStridedRo = kBufStrides;
constexpr int kBufRecords = kBufStrides | kBufWritable | kBufFormat;
constexpr int kBufRecordsRo = kBufStrides | kBufFormat;
constexpr int kBufFull = kBufIndirect | kBufWritable | kBufFormat;
constexpr int kBufFullRo = kBufIndirect | kBufFormat;
// Buffer types for from-memory and get-contiguous calls, not requests.
constexpr int kBufRead = 0x100;
constexpr int kBufWrite = 0x200;

// Every bit a request may carry. 0x2 has never been assigned.
constexpr int kBufRequestMask = 0x1fd;

constexpr bool ReqWritable(int f) { return (f & kBufWritable) != 0; }
constexpr bool ReqFormat(int f) { return (f & kBufFormat) == kBufFormat; }
constexpr bool ReqShape(int f) { return (f & kBufNd) == kBufNd; }
constexpr bool ReqStrides(int f) { return (f & kBufStrides) == kBufStrides; }
constexpr bool ReqIndirect(int f) { return (f & kBufIndirect) == kBufIndirect; }
constexpr bool ReqCContiguous(int f) {
  return (f & kBufCContiguous) == kBufCContiguous;
}
constexpr bool ReqFContiguous(int f) {
  return (f & kBufFContiguous) == kBufFContiguous;
}
constexpr bool ReqAnyContiguous(int f) {
  return (f & kBufAnyContiguous) == kBufAnyContiguous;
}

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_FLAGS_H_
