#include "normalize.h"

#include "assert.h"

namespace bp {

void NormalizeImage(const uint8_t* src, const int64_t* shape,
                    const int64_t* strides, bool planar, const float* scale,
                    const float* shift, float* out) {
  const int64_t h = shape[0], w = shape[1], c = shape[2];
  BP_ASSERT(h >= 0 && w >= 0 && c > 0);
  if (planar) {
    // One plane at a time: writes are sequential, and the row's reads
    // stride by the pixel size, which the compiler can vectorise.
    for (int64_t k = 0; k < c; k++) {
      const float a = scale[k], b = shift[k];
      float* plane = out + k * h * w;
      for (int64_t y = 0; y < h; y++) {
        const uint8_t* row = src + y * strides[0] + k * strides[2];
        float* dst = plane + y * w;
        for (int64_t x = 0; x < w; x++) {
          dst[x] = static_cast<float>(row[x * strides[1]]) * a + b;
        }
      }
    }
    return;
  }
  for (int64_t y = 0; y < h; y++) {
    for (int64_t x = 0; x < w; x++) {
      const uint8_t* pixel = src + y * strides[0] + x * strides[1];
      float* dst = out + (y * w + x) * c;
      for (int64_t k = 0; k < c; k++) {
        dst[k] =
            static_cast<float>(pixel[k * strides[2]]) * scale[k] + shift[k];
      }
    }
  }
}

}  // namespace bp
