/* slots.c: One wrapper per table slot. */
#include "consumer.h"

/* ------------------------------------------------------------------------
 * One wrapper per table slot
 * ---------------------------------------------------------------------- */

/* isContiguous(obj, order, flags = BP_FULL_RO) -> boolean. */
napi_value IsContiguous(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  const bp_api* api;
  bp_buffer view;
  char order;
  int flags, contiguous;
  if ((api = GetApiAndArgs(env, info, 3, argv)) == NULL ||
      !GetOrder(env, argv[1], &order) ||
      !GetFlags(env, argv[2], BP_FULL_RO, &flags) ||
      !GetView(env, api, argv[0], &view, flags)) {
    return NULL;
  }
  contiguous = api->is_contiguous(&view, order);
  return ReleaseView(env, api, &view) ? NewBoolean(env, contiguous != 0)
                                      : NULL;
}

/* getPointerOffset(obj, indices) -> number | null: the byte distance of
 * get_pointer(view, indices) from buf on a BP_FULL_RO view, or null when
 * get_pointer returned NULL. indices must have ndim entries. */
napi_value GetPointerOffset(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  const bp_api* api;
  bp_buffer view;
  bp_ssize_t indices[BP_MAX_NDIM];
  int count = 0;
  void* pointer;
  if ((api = GetApiAndArgs(env, info, 2, argv)) == NULL ||
      !GetSsizeArray(env, argv[1], "indices", indices, &count) ||
      !GetView(env, api, argv[0], &view, BP_FULL_RO)) {
    return NULL;
  }
  if (count != view.ndim) {
    api->release(env, &view);
    return ThrowRangeError(env, "getPointerOffset: need ndim indices");
  }
  pointer = api->get_pointer(&view, indices);
  if (pointer == NULL) {
    TRY_NAPI(env, napi_get_null(env, &result), NULL);
  } else {
    /* Through intptr_t: with suboffsets the item may lie in another block. */
    TRY_NAPI(env,
             napi_create_double(
                 env, (double)((intptr_t)pointer - (intptr_t)view.buf),
                 &result),
             NULL);
  }
  return ReleaseView(env, api, &view) ? result : NULL;
}

/* toContiguous(obj, order) -> Uint8Array: to_contiguous of a BP_FULL_RO
 * view into a new ArrayBuffer of view.len bytes. */
napi_value ToContiguous(napi_env env, napi_callback_info info) {
  napi_value argv[2], buffer, result;
  const bp_api* api;
  bp_buffer view;
  char order;
  void* data = NULL;
  size_t len;
  if ((api = GetApiAndArgs(env, info, 2, argv)) == NULL ||
      !GetOrder(env, argv[1], &order) ||
      !GetView(env, api, argv[0], &view, BP_FULL_RO)) {
    return NULL;
  }
  len = (size_t)view.len; /* release() may clear the view */
  if (napi_create_arraybuffer(env, len, &data, &buffer) !=
      napi_ok) {
    ThrowNapiError(env);
    api->release(env, &view);
    return NULL;
  }
  if (api->to_contiguous(env, data, &view, view.len, order) != 0) {
    return ReleaseAfterFailure(env, api, &view, "to_contiguous");
  }
  if (!ReleaseView(env, api, &view)) {
    return NULL;
  }
  TRY_NAPI(env,
           napi_create_typedarray(env, napi_uint8_array, len, buffer, 0,
                                  &result),
           NULL);
  return result;
}

/* indirectRoundTrip(order) -> Uint8Array: a PIL-style view built in C (a
 * 3 x 4 'B' image whose rows are reached through an array of pointers,
 * suboffsets {0, -1}, rows stored bottom-up), copied out with to_contiguous
 * in `order`, then its bytes + 100 written back with from_contiguous in the
 * same order and copied out again: 24 bytes, the two copies one after the
 * other. No JavaScript exporter can describe suboffsets, so only C can. */
napi_value IndirectRoundTrip(napi_env env, napi_callback_info info) {
  napi_value argv[1], buffer, result;
  const bp_api* api;
  char order;
  unsigned char rows[3][4];
  unsigned char* pointers[3];
  bp_ssize_t shape[2] = {3, 4}, strides[2] = {sizeof(unsigned char*), 1};
  bp_ssize_t suboffsets[2] = {0, -1};
  unsigned char copy[12];
  void* data = NULL;
  bp_buffer view;
  int r, c;
  if ((api = GetApiAndArgs(env, info, 1, argv)) == NULL ||
      !GetOrder(env, argv[0], &order)) {
    return NULL;
  }
  for (r = 0; r < 3; r++) {
    for (c = 0; c < 4; c++) rows[r][c] = (unsigned char)(r * 10 + c);
    pointers[r] = rows[2 - r];
  }
  memset(&view, 0, sizeof(view));
  view.buf = pointers;
  view.len = 12;
  view.itemsize = 1;
  view.readonly = 0;
  view.ndim = 2;
  view.format = "B";
  view.shape = shape;
  view.strides = strides;
  view.suboffsets = suboffsets;
  TRY_NAPI(env, napi_create_arraybuffer(env, 24, &data, &buffer), NULL);
  if (api->to_contiguous(env, data, &view, 12, order) != 0) return NULL;
  for (r = 0; r < 12; r++) copy[r] = (unsigned char)(((unsigned char*)data)[r] + 100);
  if (api->from_contiguous(env, &view, copy, 12, order) != 0 ||
      api->to_contiguous(env, (unsigned char*)data + 12, &view, 12, order) != 0) {
    return NULL;
  }
  TRY_NAPI(env, napi_create_typedarray(env, napi_uint8_array, 24, buffer, 0, &result), NULL);
  return result;
}

/* fromContiguous(obj, bytes, order) -> undefined: from_contiguous of all
 * of the Uint8Array `bytes` into a writable BP_FULL view of obj. */
napi_value FromContiguous(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  const bp_api* api;
  bp_buffer view;
  char order;
  void* data;
  bp_ssize_t len;
  if ((api = GetApiAndArgs(env, info, 3, argv)) == NULL ||
      !GetBytes(env, argv[1], &data, &len) ||
      !GetOrder(env, argv[2], &order) ||
      !GetView(env, api, argv[0], &view, BP_FULL)) {
    return NULL;
  }
  if (api->from_contiguous(env, &view, data, len, order) != 0) {
    return ReleaseAfterFailure(env, api, &view, "from_contiguous");
  }
  return ReleaseView(env, api, &view) ? Undefined(env) : NULL;
}

/* copyData(dst, src) -> undefined. */
napi_value CopyData(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  const bp_api* api = GetApiAndArgs(env, info, 2, argv);
  if (api == NULL) {
    return NULL;
  }
  if (api->copy_data(env, argv[0], argv[1]) != 0) {
    return PropagateFailure(env, "copy_data");
  }
  return Undefined(env);
}

/* fillContiguousStrides(shape, itemsize, order) -> number[]. */
napi_value FillContiguousStrides(napi_env env,
                                        napi_callback_info info) {
  napi_value argv[3], result;
  const bp_api* api;
  bp_ssize_t shape[BP_MAX_NDIM], strides[BP_MAX_NDIM];
  int ndim = 0;
  int64_t itemsize;
  char order;
  if ((api = GetApiAndArgs(env, info, 3, argv)) == NULL ||
      !GetSsizeArray(env, argv[0], "shape", shape, &ndim) ||
      !GetInteger(env, argv[1], "itemsize", 0, 9007199254740991.0,
                  &itemsize) ||
      !GetOrder(env, argv[2], &order)) {
    return NULL;
  }
  api->fill_contiguous_strides(ndim, shape, strides, itemsize, order);
  return NewSsizeArray(env, strides, ndim, &result) ? result : NULL;
}

/* fillInfo(obj | null, bytes, readonly, flags) -> the DescribeView()
 * object of fill_info over the Uint8Array's memory (released before
 * returning). */
napi_value FillInfo(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  const bp_api* api;
  bp_buffer view;
  void* data;
  bp_ssize_t len;
  bool no_obj, readonly;
  int flags;
  if ((api = GetApiAndArgs(env, info, 4, argv)) == NULL ||
      !IsNullish(env, argv[0], &no_obj) ||
      !GetBytes(env, argv[1], &data, &len) ||
      !GetBool(env, argv[2], &readonly) ||
      !GetFlags(env, argv[3], BP_SIMPLE, &flags)) {
    return NULL;
  }
  if (api->fill_info(env, &view, no_obj ? NULL : argv[0], data, len,
                     readonly ? 1 : 0, flags) != 0) {
    return PropagateFailure(env, "fill_info");
  }
  return DescribeAndRelease(env, api, &view);
}

/* sizeFromFormat(format) -> number, or throws what size_from_format left
 * pending when it returned -1. */
napi_value SizeFromFormat(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  const bp_api* api;
  char* format;
  bp_ssize_t size;
  if ((api = GetApiAndArgs(env, info, 1, argv)) == NULL ||
      (format = GetString(env, argv[0], "format")) == NULL) {
    return NULL;
  }
  size = api->size_from_format(env, format);
  free(format);
  if (size < 0) {
    return PropagateFailure(env, "size_from_format");
  }
  return NewDouble(env, (double)size);
}
