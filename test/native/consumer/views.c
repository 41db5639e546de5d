/* views.c: Views: get_buffer and release with the sanity the walks rely on, and the item walk. */
#include "consumer.h"

/* ------------------------------------------------------------------------
 * Views
 * ---------------------------------------------------------------------- */

/* get_buffer, plus the sanity the walks below rely on. Returns false with
 * an exception pending, and *view released. */
bool GetViewAs(napi_env env, const bp_api* api, napi_value obj,
                      bp_buffer* view, int flags, bool borrowed) {
  if ((borrowed ? api->get_buffer_borrowed(env, obj, view, flags)
                : api->get_buffer(env, obj, view, flags)) != 0) {
    PropagateFailure(env, "get_buffer");
    return false;
  }
  if (view->itemsize < 1 || view->len < 0 || view->ndim < 0 ||
      view->ndim > BP_MAX_NDIM || (view->buf == NULL && view->len != 0)) {
    api->release(env, view);
    napi_throw_error(env, "ERR_TEST_BAD_VIEW",
                     "get_buffer filled an inconsistent view");
    return false;
  }
  return true;
}

bool GetView(napi_env env, const bp_api* api, napi_value obj,
                    bp_buffer* view, int flags) {
  return GetViewAs(env, api, obj, view, flags, false);
}

/* release, then whether an exception is pending (release refuses a view of
 * another env that way). */
bool ReleaseView(napi_env env, const bp_api* api, bp_buffer* view) {
  api->release(env, view);
  return !ExceptionPending(env);
}

/* For the callbacks whose one argument is the object to view. */
const bp_api* GetApiAndView(napi_env env, napi_callback_info info,
                                   bp_buffer* view, int flags) {
  napi_value obj;
  const bp_api* api = GetApiAndArgs(env, info, 1, &obj);
  if (api == NULL || !GetView(env, api, obj, view, flags)) {
    return NULL;
  }
  return api;
}

/* For a failed call on a view we hold: its exception stays pending while
 * the view is released, as CPython code releases with an error set. */
napi_value ReleaseAfterFailure(napi_env env, const bp_api* api,
                                      bp_buffer* view, const char* what) {
  api->release(env, view);
  return PropagateFailure(env, what);
}

/* The view is released even when describing it failed. */
napi_value DescribeAndRelease(napi_env env, const bp_api* api,
                                     bp_buffer* view) {
  napi_value result;
  bool described = DescribeView(env, view, &result);
  return ReleaseView(env, api, view) && described ? result : NULL;
}


void WalkStart(ItemWalk* walk, const bp_buffer* view) {
  bp_ssize_t stride = view->itemsize;
  int d;
  walk->item = (char*)view->buf;
  walk->done = false;
  if (view->shape == NULL) {
    walk->ndim = 1;
    walk->shape[0] = view->len / view->itemsize;
    walk->strides[0] = view->itemsize;
  } else {
    walk->ndim = view->ndim;
    for (d = walk->ndim - 1; d >= 0; d--) {
      walk->shape[d] = view->shape[d];
      walk->strides[d] = view->strides != NULL ? view->strides[d] : stride;
      stride *= view->shape[d];
    }
  }
  for (d = 0; d < walk->ndim; d++) {
    walk->index[d] = 0;
    if (walk->shape[d] <= 0) {
      walk->done = true;
    }
  }
}

void WalkNext(ItemWalk* walk) {
  int d;
  for (d = walk->ndim - 1; d >= 0; d--) {
    if (++walk->index[d] < walk->shape[d]) {
      walk->item += walk->strides[d];
      return;
    }
    walk->item -= walk->strides[d] * (walk->shape[d] - 1);
    walk->index[d] = 0;
  }
  walk->done = true;
}

/* How sum()/heldSum() read items: 'f', 'd', or 'B' (every byte of every
 * item, for byte formats and for views without a format). */
char SumKind(const bp_buffer* view, bool allow_bytes) {
  if (view->format != NULL && strcmp(view->format, "f") == 0 &&
      view->itemsize == (bp_ssize_t)sizeof(float)) {
    return 'f';
  }
  if (view->format != NULL && strcmp(view->format, "d") == 0 &&
      view->itemsize == (bp_ssize_t)sizeof(double)) {
    return 'd';
  }
  if (allow_bytes &&
      (view->format == NULL || strcmp(view->format, "B") == 0)) {
    return 'B';
  }
  return '\0';
}

/* Assumptions: kind is SumKind(view, ...), and view has no suboffsets. */
double SumItems(const bp_buffer* view, char kind) {
  ItemWalk walk;
  double total = 0;
  float f;
  double d;
  bp_ssize_t i;
  /* memcpy: items of a strided view need not be aligned. */
  for (WalkStart(&walk, view); !walk.done; WalkNext(&walk)) {
    if (kind == 'f') {
      memcpy(&f, walk.item, sizeof(f));
      total += f;
    } else if (kind == 'd') {
      memcpy(&d, walk.item, sizeof(d));
      total += d;
    } else {
      for (i = 0; i < view->itemsize; i++) {
        total += (unsigned char)walk.item[i];
      }
    }
  }
  return total;
}

napi_value NewBoolean(napi_env env, bool flag) {
  napi_value result;
  TRY_NAPI(env, napi_get_boolean(env, flag, &result), NULL);
  return result;
}

napi_value Undefined(napi_env env) {
  napi_value result;
  TRY_NAPI(env, napi_get_undefined(env, &result), NULL);
  return result;
}
