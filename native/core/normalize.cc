#include "normalize.h"

#include "assert.h"

namespace bp {
namespace {

// Planar output in one pass over the pixels: each source byte is read once
// and the C planes are written as C sequential streams. C is a template
// argument for the usual 1 to 4 channels, so that the per-channel scale
// and shift stay in registers and the inner loop unrolls.
template <int C>
void Planar(const uint8_t* src, int64_t h, int64_t w, const int64_t* strides,
            const float* scale, const float* shift, float* out) {
  float a[C], b[C];
  for (int k = 0; k < C; k++) {
    a[k] = scale[k];
    b[k] = shift[k];
  }
  const int64_t plane = h * w;
  for (int64_t y = 0; y < h; y++) {
    const uint8_t* row = src + y * strides[0];
    float* dst = out + y * w;
    for (int64_t x = 0; x < w; x++) {
      const uint8_t* pixel = row + x * strides[1];
      for (int k = 0; k < C; k++) {
        dst[k * plane + x] =
            static_cast<float>(pixel[k * strides[2]]) * a[k] + b[k];
      }
    }
  }
}

void PlanarAny(const uint8_t* src, int64_t h, int64_t w, int64_t c,
               const int64_t* strides, const float* scale, const float* shift,
               float* out) {
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
}

}  // namespace

void NormalizeImage(const uint8_t* src, const int64_t* shape,
                    const int64_t* strides, bool planar, const float* scale,
                    const float* shift, float* out) {
  const int64_t h = shape[0], w = shape[1], c = shape[2];
  BP_ASSERT(h >= 0 && w >= 0 && c > 0);
  if (planar) {
    switch (c) {
      case 1: return Planar<1>(src, h, w, strides, scale, shift, out);
      case 3: return Planar<3>(src, h, w, strides, scale, shift, out);
      case 4: return Planar<4>(src, h, w, strides, scale, shift, out);
      default: return PlanarAny(src, h, w, c, strides, scale, shift, out);
    }
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
