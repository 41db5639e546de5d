/* consumers.c: Consumers: read and write exporters' memory through views. */
#include "consumer.h"

/* ------------------------------------------------------------------------
 * Consumers
 * ---------------------------------------------------------------------- */

/* sum(obj) -> number: the sum of a 'f' or 'd' view (BP_FULL_RO), any
 * strides and ndim. Other formats and indirect views are a TypeError. */
napi_value Sum(napi_env env, napi_callback_info info) {
  bp_buffer view;
  const bp_api* api = GetApiAndView(env, info, &view, BP_FULL_RO);
  char kind;
  double total;
  if (api == NULL) {
    return NULL;
  }
  kind = SumKind(&view, false);
  if (kind == '\0' || view.suboffsets != NULL) {
    api->release(env, &view);
    return ThrowTypeError(env, kind == '\0'
                                   ? "sum: expected format 'f' or 'd'"
                                   : "sum: indirect views are not supported");
  }
  total = SumItems(&view, kind);
  return ReleaseView(env, api, &view) ? NewDouble(env, total) : NULL;
}

/* invert(obj) -> undefined: b = 255 - b for every byte of a writable byte
 * view (BP_STRIDED). A read-only exporter's BufferError propagates. */
napi_value Invert(napi_env env, napi_callback_info info) {
  bp_buffer view;
  const bp_api* api = GetApiAndView(env, info, &view, BP_STRIDED);
  ItemWalk walk;
  if (api == NULL) {
    return NULL;
  }
  if (view.itemsize != 1) {
    api->release(env, &view);
    return ThrowTypeError(env, "invert: expected a byte view (itemsize 1)");
  }
  if (view.readonly || view.suboffsets != NULL) {
    api->release(env, &view);
    napi_throw_error(env, "ERR_TEST_BAD_VIEW",
                     "invert: BP_STRIDED gave a read-only or indirect view");
    return NULL;
  }
  for (WalkStart(&walk, &view); !walk.done; WalkNext(&walk)) {
    *walk.item = (char)(255 - (unsigned char)*walk.item);
  }
  return ReleaseView(env, api, &view) ? Undefined(env) : NULL;
}

/* describe(obj, flags = BP_FULL_RO) -> the DescribeView() object. */
napi_value Describe(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  const bp_api* api;
  bp_buffer view;
  int flags;
  if ((api = GetApiAndArgs(env, info, 2, argv)) == NULL ||
      !GetFlags(env, argv[1], BP_FULL_RO, &flags) ||
      !GetView(env, api, argv[0], &view, flags)) {
    return NULL;
  }
  return DescribeAndRelease(env, api, &view);
}

/* describeBorrowed(obj, flags = BP_FULL_RO): describe() through
 * get_buffer_borrowed. */
napi_value DescribeBorrowed(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  const bp_api* api;
  bp_buffer view;
  int flags;
  if ((api = GetApiAndArgs(env, info, 2, argv)) == NULL ||
      !GetFlags(env, argv[1], BP_FULL_RO, &flags) ||
      !GetViewAs(env, api, argv[0], &view, flags, true)) {
    return NULL;
  }
  return DescribeAndRelease(env, api, &view);
}
