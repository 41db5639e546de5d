/*
 * image.c: see image.h. libc only.
 */
#include "image.h"

#include <stdatomic.h>
#include <stdlib.h>

/* Atomic: each image is used by one thread at a time (image.h), but tests
 * create and free images in Workers and read the count in the main thread. */
static _Atomic uint64_t free_count = 0;

img_image* img_create(int32_t width, int32_t height) {
  img_image* image;
  size_t stride, size;
  if (width < 0 || height < 0) {
    return NULL;
  }
  stride = (size_t)width * 4u;
  /* Sizes are handed on as int64_t byte counts (bp_ssize_t), so stay below
   * PTRDIFF_MAX as well as SIZE_MAX. */
  if ((uint64_t)width * 4u * (uint64_t)height > (uint64_t)PTRDIFF_MAX) {
    return NULL;
  }
  size = stride * (size_t)height;
  image = (img_image*)malloc(sizeof(*image));
  if (image == NULL) {
    return NULL;
  }
  image->width = width;
  image->height = height;
  image->stride = stride;
  image->pixels = NULL;
  /* malloc(0) may return NULL or a unique pointer; make it always NULL. */
  if (size != 0) {
    image->pixels = (uint8_t*)malloc(size);
    if (image->pixels == NULL) {
      free(image);
      return NULL;
    }
  }
  return image;
}

void img_fill_gradient(img_image* image) {
  int64_t w_den, h_den;
  int32_t x, y;
  if (image == NULL || image->pixels == NULL) {
    return;
  }
  w_den = image->width > 1 ? (int64_t)image->width - 1 : 1;
  h_den = image->height > 1 ? (int64_t)image->height - 1 : 1;
  for (y = 0; y < image->height; y++) {
    uint8_t* pixel = image->pixels + (size_t)y * image->stride;
    uint8_t g = (uint8_t)((int64_t)y * 255 / h_den);
    for (x = 0; x < image->width; x++, pixel += 4) {
      pixel[0] = (uint8_t)((int64_t)x * 255 / w_den);
      pixel[1] = g;
      pixel[2] = (uint8_t)(((int64_t)x + y) & 255);
      pixel[3] = 255;
    }
  }
}

void img_free(img_image* image) {
  if (image == NULL) {
    return;
  }
  free(image->pixels);
  free(image);
  free_count++;
}

uint64_t img_free_count(void) { return atomic_load(&free_count); }
