/*
 * image.h: a tiny RGBA8 image library, standing in for any C library whose
 * memory an addon wants to hand to JavaScript. It knows nothing of Node or
 * of buffer-protocol (test/native/image_addon.c is the glue).
 *
 * Ownership: img_create() returns an image that the caller owns; img_free()
 * frees it and its pixels. Not thread-safe: one thread at a time.
 */
#ifndef BP_TEST_IMAGE_H_
#define BP_TEST_IMAGE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Pixel (x, y) is the 4 bytes R, G, B, A at pixels + y * stride + x * 4.
 * Rows are packed (stride == width * 4), so the pixels form a C-contiguous
 * [height][width][4] array of height * stride bytes; pixels is NULL when
 * that is 0. */
typedef struct img_image {
  int32_t width;
  int32_t height;
  size_t stride;
  uint8_t* pixels;
} img_image;

/* A new image with unspecified pixel values, or NULL when width or height
 * is negative, the size overflows, or memory runs out. Zero is allowed for
 * either dimension. */
img_image* img_create(int32_t width, int32_t height);

/* Writes a deterministic gradient. With integer (truncating) division and
 * W = width - 1, H = height - 1 (each replaced by 1 when it is 0):
 *   R = x * 255 / W,  G = y * 255 / H,  B = (x + y) & 255,  A = 255. */
void img_fill_gradient(img_image* image);

/* Frees the image and its pixels; NULL is ignored (and not counted). */
void img_free(img_image* image);

/* How many images img_free() has freed in this process. */
uint64_t img_free_count(void);

#ifdef __cplusplus
}
#endif

#endif /* BP_TEST_IMAGE_H_ */
