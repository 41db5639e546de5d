// Image normalisation: the pre-processing of image models, in one pass.
// Bytes of an [height, width, channels] image in any strides become floats
// x * scale[c] + shift[c] (scale = 1 / (255 * std), shift = -mean / std,
// for instance), written planar (NCHW: channel by channel) or interleaved
// (NHWC), C-contiguous.
#ifndef BUFFER_PROTOCOL_CORE_NORMALIZE_H_
#define BUFFER_PROTOCOL_CORE_NORMALIZE_H_

#include <cstdint>

namespace bp {

// Assumptions: the source layout was validated against its memory (shape
// and strides of 3 dimensions, itemsize 1); `out` holds
// shape[0] * shape[1] * shape[2] floats; scale and shift hold shape[2].
void NormalizeImage(const uint8_t* src, const int64_t* shape,
                    const int64_t* strides, bool planar, const float* scale,
                    const float* shift, float* out);

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_NORMALIZE_H_
