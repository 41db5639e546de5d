/*
 * image_addon.c: the bp_test_image addon. It hands images of the example C
 * library (image/image.h) to JavaScript as NativeBuffers through
 * buffer-protocol's C API, exactly as a third-party addon would: only
 * buffer_protocol.h, bp_import() and the table. It also drives
 * export_memory and the BufferObject constructors with bad input from C.
 *
 * Ownership: memory passed to a successful export_memory or
 * buffer_object_from_* belongs to the JavaScript object, and our release
 * callback frees it; after a failed call it is still ours, and is freed
 * here. The counters are process-wide statics because release callbacks get
 * no env; they are atomic because tests run this addon in Workers too and
 * read the counts from the main thread.
 *
 * With BP_TEST_IMAGE_TRACE=1 in the environment, every release callback
 * also writes a line to stderr, so that a test can count the callbacks of a
 * process or Worker that has already ended.
 */
#include <assert.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>

#include "buffer_protocol.h"
#include "fixture_napi.h"
#include "image/image.h"

static _Atomic uint64_t buffer_object_free_count = 0;
static _Atomic uint64_t bad_release_count = 0;

static void Trace(const char* line) {
  const char* trace = getenv("BP_TEST_IMAGE_TRACE");
  if (trace != NULL && trace[0] == '1') {
    fputs(line, stderr);
    fflush(stderr);
  }
}

/* Reads a string of fewer than size bytes into out. */
static bool GetShortString(napi_env env, napi_value value, const char* name,
                           char* out, size_t size) {
  size_t length = 0;
  char message[128];
  if (!ExpectType(env, value, napi_string, name, "a string")) {
    return false;
  }
  TRY_NAPI(env, napi_get_value_string_utf8(env, value, out, size, &length),
           false);
  if (length + 1 >= size) {
    snprintf(message, sizeof(message), "%s is too long", name);
    ThrowRangeError(env, message);
    return false;
  }
  return true;
}

static napi_value NewCount(napi_env env, uint64_t count) {
  return NewDouble(env, (double)count);
}

/* bp_release_cb of image NativeBuffers: ctx is the img_image. */
static void ReleaseImage(void* ctx, void* ptr) {
  img_image* image = (img_image*)ctx;
  assert(image != NULL && ptr == (void*)image->pixels);
  (void)ptr;
  img_free(image);
  Trace("bp_test_image: img_free\n");
}

/* bp_release_cb of createBufferObject(): ptr is the malloc'd block. */
static void ReleaseBufferObjectMemory(void* ctx, void* ptr) {
  (void)ctx;
  free(ptr);
  buffer_object_free_count++;
  Trace("bp_test_image: buffer object memory freed\n");
}

/* bp_release_cb of badExport(): never meant to run, so it only counts.
 * It does not free: badExport() already freed the memory after the failed
 * call, and a broken contract must show as a count, not a double free. */
static void CountBadRelease(void* ctx, void* ptr) {
  (void)ctx;
  (void)ptr;
  bad_release_count++;
  Trace("bp_test_image: bad release\n");
}

/* create(width, height, readonly = false) -> NativeBuffer: a gradient image
 * (img_fill_gradient) as format 'B', shape [height, width, 4], strides
 * [stride, 4, 1]. */
static napi_value Create(napi_env env, napi_callback_info info) {
  napi_value argv[3], result;
  int64_t width, height;
  bool readonly;
  const bp_api* api;
  img_image* image;
  bp_ssize_t shape[3], strides[3];
  bp_layout layout;
  if (!GetArgs(env, info, 3, argv) ||
      !GetInteger(env, argv[0], "width", 0, INT32_MAX, &width) ||
      !GetInteger(env, argv[1], "height", 0, INT32_MAX, &height) ||
      !GetBool(env, argv[2], &readonly)) {
    return NULL;
  }
  if (bp_import(env, &api) != 0) {
    return NULL;
  }
  image = img_create((int32_t)width, (int32_t)height);
  if (image == NULL) {
    napi_throw_error(env, "ERR_OUT_OF_MEMORY", "img_create failed");
    return NULL;
  }
  img_fill_gradient(image);
  shape[0] = image->height;
  shape[1] = image->width;
  shape[2] = 4;
  strides[0] = (bp_ssize_t)image->stride;
  strides[1] = 4;
  strides[2] = 1;
  layout = (bp_layout){.format = "B", .ndim = 3, .shape = shape,
                       .strides = strides, .offset = 0};
  if (api->export_memory(env, image->pixels,
                         (bp_ssize_t)image->stride * image->height, &layout,
                         readonly, ReleaseImage, image, &result) != 0) {
    img_free(image);
    return PropagateFailure(env, "export_memory");
  }
  return result;
}

/* freeCount() -> number: img_free_count(). */
static napi_value FreeCount(napi_env env, napi_callback_info info) {
  (void)info;
  return NewCount(env, img_free_count());
}

/* createBufferObject(size, writable) -> BufferObject over size malloc'd
 * bytes holding i & 255. */
static napi_value CreateBufferObject(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  int64_t size, i;
  bool writable;
  const bp_api* api;
  uint8_t* bytes = NULL;
  int status;
  if (!GetArgs(env, info, 2, argv) ||
      !GetInteger(env, argv[0], "size", 0, (double)INT32_MAX, &size) ||
      !GetBool(env, argv[1], &writable)) {
    return NULL;
  }
  if (bp_import(env, &api) != 0) {
    return NULL;
  }
  /* An empty object is made over NULL, which the API allows for size 0. */
  if (size != 0) {
    bytes = (uint8_t*)malloc((size_t)size);
    if (bytes == NULL) {
      napi_throw_error(env, "ERR_OUT_OF_MEMORY", "malloc failed");
      return NULL;
    }
    for (i = 0; i < size; i++) {
      bytes[i] = (uint8_t)(i & 255);
    }
  }
  status = writable ? api->buffer_object_from_read_write_memory(
                          env, bytes, size, ReleaseBufferObjectMemory, NULL,
                          &result)
                    : api->buffer_object_from_memory(
                          env, bytes, size, ReleaseBufferObjectMemory, NULL,
                          &result);
  if (status != 0) {
    free(bytes);
    return PropagateFailure(env, "buffer_object_from_memory");
  }
  return result;
}

/* bufferObjectFreeCount() -> number: release callbacks of
 * createBufferObject() memory so far. */
static napi_value BufferObjectFreeCount(napi_env env,
                                        napi_callback_info info) {
  (void)info;
  return NewCount(env, buffer_object_free_count);
}

/* badExport(kind) -> what the call made (NativeBuffer or BufferObject; the
 * number 0 for 'null-result'), or throws what it left pending. Kinds:
 *   'null-with-length'           export_memory(NULL, 16)
 *   'negative-length'            export_memory(ptr, -16)
 *   'layout-outside'             'd' [4, 4] strides [32, 8] over 64 bytes
 *   'bad-format'                 format "Q#"
 *   'ndim-65'                    ndim 65, shape all 1, over 1 byte
 *   'from-memory-end-of-buffer'  buffer_object_from_memory(BP_END_OF_BUFFER)
 *   'read-write-end-of-buffer'   the same through the read-write slot
 *   'null-result'                export_memory(..., result NULL)
 * The release callback counts into badReleaseCount(); after a failure the
 * memory is freed here, as the contract leaves it ours (after an unexpected
 * success it leaks: the callback does not free). */
static napi_value BadExport(napi_env env, napi_callback_info info) {
  napi_value argv[1], result = NULL;
  napi_value* result_out = &result;
  char kind[32];
  const bp_api* api;
  void* memory = NULL;
  size_t memory_size = 16;
  bp_ssize_t len = 16;
  bp_ssize_t shape[65], strides[2];
  bp_layout layout = {NULL, 0, NULL, NULL, 0};
  const bp_layout* layout_arg = NULL;
  int slot = 0; /* 0 export_memory, 1 from_memory, 2 from_read_write */
  int status, i;
  if (!GetArgs(env, info, 1, argv) ||
      !GetShortString(env, argv[0], "kind", kind, sizeof(kind))) {
    return NULL;
  }
  if (bp_import(env, &api) != 0) {
    return NULL;
  }
  if (strcmp(kind, "null-with-length") == 0) {
    memory_size = 0;
  } else if (strcmp(kind, "negative-length") == 0) {
    len = -16;
  } else if (strcmp(kind, "layout-outside") == 0) {
    memory_size = 64;
    len = 64;
    shape[0] = shape[1] = 4;
    strides[0] = 32;
    strides[1] = 8;
    layout = (bp_layout){.format = "d", .ndim = 2, .shape = shape,
                         .strides = strides, .offset = 0};
    layout_arg = &layout;
  } else if (strcmp(kind, "bad-format") == 0) {
    layout.format = "Q#";
    layout_arg = &layout;
  } else if (strcmp(kind, "ndim-65") == 0) {
    memory_size = 1;
    len = 1;
    for (i = 0; i < 65; i++) {
      shape[i] = 1;
    }
    layout = (bp_layout){.format = "B", .ndim = 65, .shape = shape,
                         .strides = NULL, .offset = 0};
    layout_arg = &layout;
  } else if (strcmp(kind, "from-memory-end-of-buffer") == 0) {
    len = BP_END_OF_BUFFER;
    slot = 1;
  } else if (strcmp(kind, "read-write-end-of-buffer") == 0) {
    len = BP_END_OF_BUFFER;
    slot = 2;
  } else if (strcmp(kind, "null-result") == 0) {
    result_out = NULL;
  } else {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE",
                          "badExport: unknown kind");
    return NULL;
  }
  if (memory_size != 0) {
    memory = calloc(1, memory_size);
    if (memory == NULL) {
      napi_throw_error(env, "ERR_OUT_OF_MEMORY", "calloc failed");
      return NULL;
    }
  }
  switch (slot) {
    case 1:
      status = api->buffer_object_from_memory(env, memory, len,
                                              CountBadRelease, NULL,
                                              result_out);
      break;
    case 2:
      status = api->buffer_object_from_read_write_memory(
          env, memory, len, CountBadRelease, NULL, result_out);
      break;
    default:
      status = api->export_memory(env, memory, len, layout_arg, 0,
                                  CountBadRelease, NULL, result_out);
      break;
  }
  if (status != 0) {
    free(memory);
    return PropagateFailure(env, kind);
  }
  if (result_out == NULL) {
    TRY_NAPI(env, napi_create_int32(env, status, &result), NULL);
  }
  return result;
}

/* badReleaseCount() -> number: release callbacks run for badExport()
 * memory; stays 0 while the API keeps its failure contract. */
static napi_value BadReleaseCount(napi_env env, napi_callback_info info) {
  (void)info;
  return NewCount(env, bad_release_count);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      METHOD("create", Create),
      METHOD("freeCount", FreeCount),
      METHOD("createBufferObject", CreateBufferObject),
      METHOD("bufferObjectFreeCount", BufferObjectFreeCount),
      METHOD("badExport", BadExport),
      METHOD("badReleaseCount", BadReleaseCount),
  };
  TRY_NAPI(env,
           napi_define_properties(
               env, exports, sizeof(properties) / sizeof(properties[0]),
               properties),
           NULL);
  return exports;
}
