// The facade's answer to exportForC, shared with src/c-api.ts (SCRATCH and
// ANSWER there); test/capi-scratch-layout.test.ts parses this file and
// compares, so the two sides cannot drift. Keep every value explicit.
//
// The numbers travel through `scratch`: a Float64Array whose memory this
// side reads directly, instead of through a dozen napi_get_element calls.
// (It holds 1,600 bytes, so V8 keeps it off-heap, where memory never moves.)
// The state pins its backing store, so no JavaScript can free the memory
// read here; the facade never lets the array reach user code, writes it
// last, and everything read from it is checked as any other JavaScript
// answer.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_SCRATCH_H_
#define BUFFER_PROTOCOL_BINDING_C_API_SCRATCH_H_

#include <cstddef>
#include <cstdint>

namespace bp::binding {

// Slots of the scratch array: the header, then shape, strides and
// suboffsets, kScratchMaxNdim slots each.
enum ScratchSlot : size_t {
  kScratchByteOffset = 0,
  kScratchLen = 1,
  kScratchItemsize = 2,
  kScratchReadonly = 3,
  kScratchNdim = 4,
  kScratchHasShape = 5,
  kScratchHasStrides = 6,
  kScratchHasSuboffsets = 7,
  kScratchHeader = 8,
  kScratchMaxNdim = 64,
};

constexpr size_t kScratchLength = kScratchHeader + 3 * kScratchMaxNdim;

// exportForC returns [info, bytes, format, region]: the export, the
// ArrayBuffer or SharedArrayBuffer it lives in, the format or null, and the
// NativeRegion that owns the memory or null.
enum AnswerIndex : uint32_t {
  kAnswerInfo = 0,
  kAnswerBytes = 1,
  kAnswerFormat = 2,
  kAnswerRegion = 3,
};

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_SCRATCH_H_
