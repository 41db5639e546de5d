/*
 * consumer.c: the bp_test_consumer addon, a buffer-protocol consumer written
 * the way a third-party addon would write one: plain C, only
 * buffer_protocol.h, and the table from bp_import(). It reads and writes
 * exporters' memory through views, proves every table slot from C, and
 * drives the API with bad input.
 *
 * Ownership: every view is released before the function that filled it
 * returns, except the ones hold() keeps in the per-env table until
 * releaseHeld(). Error paths release with the API's exception still pending,
 * as CPython code calls PyBuffer_Release with an error set.
 *
 * State (the cached table and the held views) is per env, as instance data:
 * a Worker has its own, and must load buffer-protocol itself before
 * bp_import() can find the table there.
 */
/* clock_gettime and CLOCK_MONOTONIC are POSIX, hidden by -std=c11. */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <node_api.h>

#include "buffer_protocol.h"
#include "fixture_napi.h"

enum { kHeldSlots = 64, kBenchBatch = 1000 };

/* A held view's handle is generation * kHeldSlots + slot index, so a stale
 * handle cannot reach the view that later reused its slot. */
typedef struct HeldSlot {
  bp_buffer view;
  uint32_t generation;
  bool in_use;
} HeldSlot;

typedef struct ConsumerState {
  const bp_api* api;
  HeldSlot held[kHeldSlots];
} ConsumerState;

static bool ExceptionPending(napi_env env) {
  bool pending = false;
  /* If even this fails, report "pending" so the caller returns at once. */
  return napi_is_exception_pending(env, &pending) != napi_ok || pending;
}

static ConsumerState* GetState(napi_env env) {
  void* data = NULL;
  TRY_NAPI(env, napi_get_instance_data(env, &data), NULL);
  return (ConsumerState*)data;
}

/* The table, imported on the first call in each env. */
static const bp_api* GetApi(napi_env env) {
  ConsumerState* state = GetState(env);
  if (state == NULL) {
    return NULL;
  }
  if (state->api == NULL && bp_import(env, &state->api) != 0) {
    return NULL;
  }
  return state->api;
}

/* The table before the arguments, so that a missing buffer-protocol is
 * what a callback reports first. */
static const bp_api* GetApiAndArgs(napi_env env, napi_callback_info info,
                                   size_t count, napi_value* argv) {
  const bp_api* api = GetApi(env);
  if (api == NULL || !GetArgs(env, info, count, argv)) {
    return NULL;
  }
  return api;
}

/* ------------------------------------------------------------------------
 * Arguments and results
 * ---------------------------------------------------------------------- */

static bool IsNullish(napi_env env, napi_value value, bool* out) {
  napi_valuetype type;
  TRY_NAPI(env, napi_typeof(env, value, &type), false);
  *out = type == napi_undefined || type == napi_null;
  return true;
}

/* Request flags: any int, or `fallback` when undefined. */
static bool GetFlags(napi_env env, napi_value value, int fallback, int* out) {
  napi_valuetype type;
  int64_t flags;
  TRY_NAPI(env, napi_typeof(env, value, &type), false);
  if (type == napi_undefined) {
    *out = fallback;
    return true;
  }
  if (!GetInteger(env, value, "flags", INT32_MIN, INT32_MAX, &flags)) {
    return false;
  }
  *out = (int)flags;
  return true;
}

/* A string as a malloc'd C string; free() it. */
static char* GetString(napi_env env, napi_value value, const char* name) {
  size_t length = 0;
  char* text;
  if (!ExpectType(env, value, napi_string, name, "a string")) {
    return NULL;
  }
  TRY_NAPI(env, napi_get_value_string_utf8(env, value, NULL, 0, &length),
           NULL);
  text = (char*)malloc(length + 1);
  if (text == NULL) {
    napi_throw_error(env, "ERR_OUT_OF_MEMORY", "malloc failed");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, value, text, length + 1, &length) !=
      napi_ok) {
    free(text);
    ThrowNapiError(env);
    return NULL;
  }
  return text;
}

/* An order: the first character of a non-empty string, passed on as is
 * (so that tests can hand the API orders other than 'C', 'F' and 'A'). */
static bool GetOrder(napi_env env, napi_value value, char* out) {
  char* text = GetString(env, value, "order");
  if (text == NULL) {
    return false;
  }
  *out = text[0];
  free(text);
  if (*out == '\0') {
    ThrowTypeError(env, "order must be a non-empty string");
    return false;
  }
  return true;
}

/* An array of at most BP_MAX_NDIM safe integers. */
static bool GetSsizeArray(napi_env env, napi_value value, const char* name,
                          bp_ssize_t* out, int* count) {
  bool is_array = false;
  uint32_t length, i;
  napi_value element;
  int64_t number;
  char message[128];
  TRY_NAPI(env, napi_is_array(env, value, &is_array), false);
  if (!is_array) {
    snprintf(message, sizeof(message), "%s must be an array", name);
    ThrowTypeError(env, message);
    return false;
  }
  TRY_NAPI(env, napi_get_array_length(env, value, &length), false);
  if (length > BP_MAX_NDIM) {
    snprintf(message, sizeof(message), "%s has more than %d entries", name,
             BP_MAX_NDIM);
    ThrowRangeError(env, message);
    return false;
  }
  for (i = 0; i < length; i++) {
    TRY_NAPI(env, napi_get_element(env, value, i, &element), false);
    if (!GetInteger(env, element, name, -9007199254740991.0,
                    9007199254740991.0, &number)) {
      return false;
    }
    out[i] = number;
  }
  *count = (int)length;
  return true;
}

/* The bytes of a Uint8Array (or Buffer). */
static bool GetBytes(napi_env env, napi_value value, void** data,
                     bp_ssize_t* len) {
  bool is_typedarray = false;
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  TRY_NAPI(env, napi_is_typedarray(env, value, &is_typedarray), false);
  if (is_typedarray) {
    TRY_NAPI(env,
             napi_get_typedarray_info(env, value, &type, &length, data, NULL,
                                      NULL),
             false);
  }
  if (!is_typedarray || type != napi_uint8_array) {
    ThrowTypeError(env, "expected a Uint8Array");
    return false;
  }
  *len = (bp_ssize_t)length;
  return true;
}

static bool SetNamed(napi_env env, napi_value object, const char* name,
                     napi_value value) {
  TRY_NAPI(env, napi_set_named_property(env, object, name, value), false);
  return true;
}

static bool SetNumber(napi_env env, napi_value object, const char* name,
                      double number) {
  napi_value value;
  TRY_NAPI(env, napi_create_double(env, number, &value), false);
  return SetNamed(env, object, name, value);
}

static bool SetBool(napi_env env, napi_value object, const char* name,
                    bool flag) {
  napi_value value;
  TRY_NAPI(env, napi_get_boolean(env, flag, &value), false);
  return SetNamed(env, object, name, value);
}

/* values as a JavaScript array, or null when values is NULL. */
static bool NewSsizeArray(napi_env env, const bp_ssize_t* values, int count,
                          napi_value* out) {
  napi_value element;
  int i;
  if (values == NULL) {
    TRY_NAPI(env, napi_get_null(env, out), false);
    return true;
  }
  TRY_NAPI(env, napi_create_array_with_length(env, (size_t)count, out),
           false);
  for (i = 0; i < count; i++) {
    TRY_NAPI(env, napi_create_double(env, (double)values[i], &element),
             false);
    TRY_NAPI(env, napi_set_element(env, *out, (uint32_t)i, element), false);
  }
  return true;
}

/* {len, itemsize, readonly, ndim, format, shape, strides, suboffsets,
 * address, obj}: the fields of a view as C sees them. address is a BigInt
 * (0n for NULL); obj is the referenced exporter, or null. */
static bool DescribeView(napi_env env, const bp_buffer* view,
                         napi_value* out) {
  napi_value object, value;
  int dims = view->ndim;
  TRY_NAPI(env, napi_create_object(env, &object), false);
  if (!SetNumber(env, object, "len", (double)view->len) ||
      !SetNumber(env, object, "itemsize", (double)view->itemsize) ||
      !SetBool(env, object, "readonly", view->readonly != 0) ||
      !SetNumber(env, object, "ndim", view->ndim)) {
    return false;
  }
  if (view->format == NULL) {
    TRY_NAPI(env, napi_get_null(env, &value), false);
  } else {
    TRY_NAPI(env,
             napi_create_string_utf8(env, view->format, NAPI_AUTO_LENGTH,
                                     &value),
             false);
  }
  if (!SetNamed(env, object, "format", value)) {
    return false;
  }
  if (dims < 0 || dims > BP_MAX_NDIM) {
    dims = 0; /* a broken ndim is still reported above, but never read */
  }
  if (!NewSsizeArray(env, view->shape, dims, &value) ||
      !SetNamed(env, object, "shape", value) ||
      !NewSsizeArray(env, view->strides, dims, &value) ||
      !SetNamed(env, object, "strides", value) ||
      !NewSsizeArray(env, view->suboffsets, dims, &value) ||
      !SetNamed(env, object, "suboffsets", value)) {
    return false;
  }
  TRY_NAPI(env,
           napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)view->buf,
                                     &value),
           false);
  if (!SetNamed(env, object, "address", value)) {
    return false;
  }
  if (view->obj == NULL) {
    TRY_NAPI(env, napi_get_null(env, &value), false);
  } else {
    TRY_NAPI(env, napi_get_reference_value(env, view->obj, &value), false);
  }
  if (!SetNamed(env, object, "obj", value)) {
    return false;
  }
  *out = object;
  return true;
}

/* ------------------------------------------------------------------------
 * Views
 * ---------------------------------------------------------------------- */

/* get_buffer, plus the sanity the walks below rely on. Returns false with
 * an exception pending, and *view released. */
static bool GetViewAs(napi_env env, const bp_api* api, napi_value obj,
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

static bool GetView(napi_env env, const bp_api* api, napi_value obj,
                    bp_buffer* view, int flags) {
  return GetViewAs(env, api, obj, view, flags, false);
}

/* release, then whether an exception is pending (release refuses a view of
 * another env that way). */
static bool ReleaseView(napi_env env, const bp_api* api, bp_buffer* view) {
  api->release(env, view);
  return !ExceptionPending(env);
}

/* For the callbacks whose one argument is the object to view. */
static const bp_api* GetApiAndView(napi_env env, napi_callback_info info,
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
static napi_value ReleaseAfterFailure(napi_env env, const bp_api* api,
                                      bp_buffer* view, const char* what) {
  api->release(env, view);
  return PropagateFailure(env, what);
}

/* The view is released even when describing it failed. */
static napi_value DescribeAndRelease(napi_env env, const bp_api* api,
                                     bp_buffer* view) {
  napi_value result;
  bool described = DescribeView(env, view, &result);
  return ReleaseView(env, api, view) && described ? result : NULL;
}

/* Walks every item of a view in C order through its strides, with an
 * index odometer rather than recursion: 64 dimensions cost no stack.
 * A view without shape is len / itemsize contiguous items; one without
 * strides is C-contiguous. Assumptions: no suboffsets. */
typedef struct ItemWalk {
  int ndim;
  bp_ssize_t shape[BP_MAX_NDIM];
  bp_ssize_t strides[BP_MAX_NDIM];
  bp_ssize_t index[BP_MAX_NDIM];
  char* item;
  bool done;
} ItemWalk;

static void WalkStart(ItemWalk* walk, const bp_buffer* view) {
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

static void WalkNext(ItemWalk* walk) {
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
static char SumKind(const bp_buffer* view, bool allow_bytes) {
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
static double SumItems(const bp_buffer* view, char kind) {
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

static napi_value NewBoolean(napi_env env, bool flag) {
  napi_value result;
  TRY_NAPI(env, napi_get_boolean(env, flag, &result), NULL);
  return result;
}

static napi_value Undefined(napi_env env) {
  napi_value result;
  TRY_NAPI(env, napi_get_undefined(env, &result), NULL);
  return result;
}

/* ------------------------------------------------------------------------
 * Consumers
 * ---------------------------------------------------------------------- */

/* sum(obj) -> number: the sum of a 'f' or 'd' view (BP_FULL_RO), any
 * strides and ndim. Other formats and indirect views are a TypeError. */
static napi_value Sum(napi_env env, napi_callback_info info) {
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
static napi_value Invert(napi_env env, napi_callback_info info) {
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
static napi_value Describe(napi_env env, napi_callback_info info) {
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
static napi_value DescribeBorrowed(napi_env env, napi_callback_info info) {
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

/* ------------------------------------------------------------------------
 * Held views
 * ---------------------------------------------------------------------- */

/* The slot a handle names, or NULL (no exception) if it names none. */
static HeldSlot* FindSlot(ConsumerState* state, int64_t handle) {
  HeldSlot* slot = &state->held[handle % kHeldSlots];
  /* Generation 0 was never handed out. */
  if (slot->generation == 0 ||
      slot->generation != (uint64_t)(handle / kHeldSlots)) {
    return NULL;
  }
  return slot;
}

static bool GetHandle(napi_env env, napi_value value, int64_t* handle) {
  return GetInteger(env, value, "handle", 0,
                    (double)UINT32_MAX * kHeldSlots + (kHeldSlots - 1),
                    handle);
}

/* The handle argument of releaseHeld() and heldSum(). A handle that names
 * no slot is not an error here (*slot is NULL): each decides what it is. */
static bool GetHeldSlot(napi_env env, napi_callback_info info,
                        HeldSlot** slot) {
  napi_value argv[1];
  ConsumerState* state;
  int64_t handle;
  if ((state = GetState(env)) == NULL || !GetArgs(env, info, 1, argv) ||
      !GetHandle(env, argv[0], &handle)) {
    return false;
  }
  *slot = FindSlot(state, handle);
  return true;
}

/* hold(obj, flags = BP_FULL_RO) -> handle: keeps the view until
 * releaseHeld(handle). At most 64 at a time. */
static napi_value Hold(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  const bp_api* api = GetApi(env);
  ConsumerState* state;
  HeldSlot* slot = NULL;
  int flags, i;
  if (api == NULL || (state = GetState(env)) == NULL ||
      !GetArgs(env, info, 2, argv) ||
      !GetFlags(env, argv[1], BP_FULL_RO, &flags)) {
    return NULL;
  }
  for (i = 0; i < kHeldSlots && slot == NULL; i++) {
    if (!state->held[i].in_use) {
      slot = &state->held[i];
    }
  }
  if (slot == NULL) {
    return ThrowRangeError(env, "hold: all 64 slots hold a view");
  }
  if (!GetView(env, api, argv[0], &slot->view, flags)) {
    return NULL;
  }
  slot->generation++;
  slot->in_use = true;
  TRY_NAPI(env,
           napi_create_double(env,
                              (double)slot->generation * kHeldSlots +
                                  (double)(slot - state->held),
                              &result),
           NULL);
  return result;
}

/* releaseHeld(handle) -> boolean: releases the held view; true if it was
 * held. Again with the same handle, release() runs again on the released
 * view, which must be a no-op (false). A stale handle touches nothing. */
static napi_value ReleaseHeld(napi_env env, napi_callback_info info) {
  const bp_api* api = GetApi(env);
  HeldSlot* slot;
  bool was_held;
  if (api == NULL || !GetHeldSlot(env, info, &slot)) {
    return NULL;
  }
  if (slot == NULL) {
    return NewBoolean(env, false);
  }
  /* The header's definition of a released view. */
  was_held = slot->view.obj != NULL || slot->view.internal != NULL;
  slot->in_use = false;
  return ReleaseView(env, api, &slot->view) ? NewBoolean(env, was_held)
                                            : NULL;
}

/* One view held process-wide, so that a Worker can try to release a view
 * the main thread filled. The test orders the two threads through
 * postMessage, which is all the synchronisation this slot needs. */
static bp_buffer process_view;

/* holdInProcess(obj, flags = BP_FULL_RO) -> undefined. */
static napi_value HoldInProcess(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  const bp_api* api;
  int flags;
  if ((api = GetApiAndArgs(env, info, 2, argv)) == NULL ||
      !GetFlags(env, argv[1], BP_FULL_RO, &flags) ||
      !GetView(env, api, argv[0], &process_view, flags)) {
    return NULL;
  }
  return Undefined(env);
}

/* releaseInProcess() -> whether the view was held; from another env than
 * the one that filled it, the pending ERR_BUFFER_WRONG_ENV propagates and
 * the view stays held. */
static napi_value ReleaseInProcess(napi_env env, napi_callback_info info) {
  const bp_api* api;
  bool was_held;
  if ((api = GetApiAndArgs(env, info, 0, NULL)) == NULL) {
    return NULL;
  }
  was_held = process_view.obj != NULL || process_view.internal != NULL;
  return ReleaseView(env, api, &process_view) ? NewBoolean(env, was_held) : NULL;
}

/* heldSum(handle) -> number: sum() of a held 'f'/'d' view, or the sum of
 * all bytes of a 'B' view or one without a format. */
static napi_value HeldSum(napi_env env, napi_callback_info info) {
  HeldSlot* slot;
  char kind;
  if (!GetHeldSlot(env, info, &slot)) {
    return NULL;
  }
  if (slot == NULL || !slot->in_use) {
    return ThrowRangeError(env, "heldSum: no view is held under this handle");
  }
  kind = SumKind(&slot->view, true);
  if (kind == '\0' || slot->view.suboffsets != NULL) {
    return ThrowTypeError(env,
                          "heldSum: expected a 'B', 'f' or 'd' direct view");
  }
  return NewDouble(env, SumItems(&slot->view, kind));
}

/* ------------------------------------------------------------------------
 * Bad input from C
 * ---------------------------------------------------------------------- */

/* get_pointer on a BP_FULL_RO view of obj with the indices `kind` picks:
 * whether it returned NULL. */
static napi_value BadGetPointer(napi_env env, const bp_api* api,
                                napi_value obj, const char* kind) {
  bp_buffer view;
  bp_ssize_t indices[BP_MAX_NDIM] = {0};
  void* pointer;
  if (!GetView(env, api, obj, &view, BP_FULL_RO)) {
    return NULL;
  }
  if (view.ndim < 1 || view.shape == NULL) {
    api->release(env, &view);
    return ThrowTypeError(env, "badCall: get-pointer needs ndim >= 1");
  }
  if (strcmp(kind, "get-pointer-out-of-range") == 0) {
    indices[0] = view.shape[0];
    pointer = api->get_pointer(&view, indices);
  } else if (strcmp(kind, "get-pointer-negative") == 0) {
    indices[0] = -1;
    pointer = api->get_pointer(&view, indices);
  } else if (strcmp(kind, "get-pointer-null-indices") == 0) {
    pointer = api->get_pointer(&view, NULL);
  } else {
    pointer = api->get_pointer(NULL, indices);
  }
  return ReleaseView(env, api, &view) ? NewBoolean(env, pointer == NULL)
                                      : NULL;
}

/* badCall(kind, obj) -> per kind below, or throws what the call left
 * pending:
 *   'null-view'                  get_buffer(obj, view NULL) -> 0 on success
 *   'release-twice'              get_buffer, release, release -> whether the
 *                                view is released (obj, internal NULL)
 *   'release-zeroed'             release of a zeroed bp_buffer -> true
 *   'non-exporter'               get_buffer(obj, BP_SIMPLE) -> 0 on success
 *   'bad-flags'                  get_buffer(obj, 0x400) -> 0 on success
 *   'get-pointer-out-of-range'   get_pointer at [shape[0], 0...] -> is NULL
 *   'get-pointer-negative'       get_pointer at [-1, 0...] -> is NULL
 *   'get-pointer-null-indices'   get_pointer(view, NULL) -> is NULL
 *   'get-pointer-null-view'      get_pointer(NULL, indices) -> is NULL
 *   'to-contiguous-wrong-len'    to_contiguous with len + 1 -> 0 on success
 * Views filled on success are released. */
static napi_value BadCall(napi_env env, napi_callback_info info) {
  napi_value argv[2], result = NULL;
  const bp_api* api;
  bp_buffer view;
  char* kind;
  void* bytes;
  int status, flags;
  if ((api = GetApiAndArgs(env, info, 2, argv)) == NULL ||
      (kind = GetString(env, argv[0], "kind")) == NULL) {
    return NULL;
  }
  if (strcmp(kind, "null-view") == 0) {
    status = api->get_buffer(env, argv[1], NULL, BP_SIMPLE);
    result = status != 0 ? PropagateFailure(env, kind)
                         : NewDouble(env, status);
  } else if (strcmp(kind, "non-exporter") == 0 ||
             strcmp(kind, "bad-flags") == 0) {
    flags = strcmp(kind, "bad-flags") == 0 ? 0x400 : BP_SIMPLE;
    if (api->get_buffer(env, argv[1], &view, flags) != 0) {
      result = PropagateFailure(env, kind);
    } else if (ReleaseView(env, api, &view)) {
      result = NewDouble(env, 0);
    }
  } else if (strcmp(kind, "release-twice") == 0) {
    if (GetView(env, api, argv[1], &view, BP_SIMPLE) &&
        ReleaseView(env, api, &view) && ReleaseView(env, api, &view)) {
      result = NewBoolean(env, view.obj == NULL && view.internal == NULL);
    }
  } else if (strcmp(kind, "release-zeroed") == 0) {
    memset(&view, 0, sizeof(view));
    if (ReleaseView(env, api, &view)) {
      result = NewBoolean(env, true);
    }
  } else if (strncmp(kind, "get-pointer-", 12) == 0 &&
             (strcmp(kind + 12, "out-of-range") == 0 ||
              strcmp(kind + 12, "negative") == 0 ||
              strcmp(kind + 12, "null-indices") == 0 ||
              strcmp(kind + 12, "null-view") == 0)) {
    result = BadGetPointer(env, api, argv[1], kind);
  } else if (strcmp(kind, "to-contiguous-wrong-len") == 0) {
    if (GetView(env, api, argv[1], &view, BP_FULL_RO)) {
      bytes = malloc((size_t)view.len + 1);
      if (bytes == NULL) {
        api->release(env, &view);
        napi_throw_error(env, "ERR_OUT_OF_MEMORY", "malloc failed");
      } else {
        status = api->to_contiguous(env, bytes, &view, view.len + 1, 'C');
        free(bytes);
        if (status != 0) {
          result = ReleaseAfterFailure(env, api, &view, kind);
        } else if (ReleaseView(env, api, &view)) {
          result = NewDouble(env, 0);
        }
      }
    }
  } else {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE",
                          "badCall: unknown kind");
  }
  free(kind);
  return result;
}

/* importWith(abi, minApi, minSize) -> true, or throws what
 * bp_import_version left pending. */
static napi_value ImportWith(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t abi, min_api, min_size;
  const bp_api* api = NULL;
  if (!GetArgs(env, info, 3, argv) ||
      !GetInteger(env, argv[0], "abi", 0, UINT32_MAX, &abi) ||
      !GetInteger(env, argv[1], "minApi", 0, UINT32_MAX, &min_api) ||
      !GetInteger(env, argv[2], "minSize", 0, 9007199254740991.0,
                  &min_size)) {
    return NULL;
  }
  if (bp_import_version(env, &api, (uint32_t)abi, (uint32_t)min_api,
                        (size_t)min_size) != 0) {
    return PropagateFailure(env, "bp_import_version");
  }
  return NewBoolean(env, api != NULL);
}

/* tableInfo() -> {abiVersion, apiVersion, size, bufferSize}: the frozen
 * prefix of the loaded table. */
static napi_value TableInfo(napi_env env, napi_callback_info info) {
  napi_value result;
  const bp_api* api = GetApi(env);
  (void)info;
  if (api == NULL) {
    return NULL;
  }
  TRY_NAPI(env, napi_create_object(env, &result), NULL);
  if (!SetNumber(env, result, "abiVersion", api->abi_version) ||
      !SetNumber(env, result, "apiVersion", api->api_version) ||
      !SetNumber(env, result, "size", (double)api->size) ||
      !SetNumber(env, result, "bufferSize", (double)api->buffer_size)) {
    return NULL;
  }
  return result;
}

/* ------------------------------------------------------------------------
 * One wrapper per table slot
 * ---------------------------------------------------------------------- */

/* isContiguous(obj, order, flags = BP_FULL_RO) -> boolean. */
static napi_value IsContiguous(napi_env env, napi_callback_info info) {
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
static napi_value GetPointerOffset(napi_env env, napi_callback_info info) {
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
static napi_value ToContiguous(napi_env env, napi_callback_info info) {
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
static napi_value IndirectRoundTrip(napi_env env, napi_callback_info info) {
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
static napi_value FromContiguous(napi_env env, napi_callback_info info) {
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
static napi_value CopyData(napi_env env, napi_callback_info info) {
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
static napi_value FillContiguousStrides(napi_env env,
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
static napi_value FillInfo(napi_env env, napi_callback_info info) {
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
static napi_value SizeFromFormat(napi_env env, napi_callback_info info) {
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

/* ------------------------------------------------------------------------
 * Benchmarks (no timing is asserted anywhere)
 * ---------------------------------------------------------------------- */

static int64_t NowNs(void) {
  struct timespec now;
#ifdef _WIN32
  /* MSVC has no clock_gettime; C11's timespec_get is the portable clock. */
  timespec_get(&now, TIME_UTC);
#else
  clock_gettime(CLOCK_MONOTONIC, &now);
#endif
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static bool GetIterations(napi_env env, napi_value value, int64_t* n) {
  return GetInteger(env, value, "n", 0, 9007199254740991.0, n);
}

/* One iteration; false with an exception pending. */
typedef bool (*BenchStep)(napi_env env, napi_value arg, void* ctx);

/* ns per step(arg, ctx) over n steps. Handles the steps make are freed a
 * kBenchBatch at a time: memory stays flat without a scope per step
 * weighing on the timing. The check after the loop catches a release()
 * that refused (it can only say so by leaving an exception pending). */
static napi_value TimeSteps(napi_env env, int64_t n, BenchStep step,
                            napi_value arg, void* ctx) {
  napi_handle_scope scope;
  int64_t done = 0, batch_end, start = NowNs();
  while (done < n) {
    batch_end = n - done > kBenchBatch ? done + kBenchBatch : n;
    TRY_NAPI(env, napi_open_handle_scope(env, &scope), NULL);
    for (; done < batch_end; done++) {
      if (!step(env, arg, ctx)) {
        napi_close_handle_scope(env, scope);
        return NULL;
      }
    }
    TRY_NAPI(env, napi_close_handle_scope(env, scope), NULL);
  }
  if (ExceptionPending(env)) {
    return NULL;
  }
  return NewDouble(env, n == 0 ? 0 : (double)(NowNs() - start) / (double)n);
}

typedef struct GetBufferBench {
  const bp_api* api;
  int flags;
  bool borrowed;
} GetBufferBench;

static bool GetBufferStep(napi_env env, napi_value obj, void* ctx) {
  const GetBufferBench* bench = (const GetBufferBench*)ctx;
  bp_buffer view;
  if ((bench->borrowed
           ? bench->api->get_buffer_borrowed(env, obj, &view, bench->flags)
           : bench->api->get_buffer(env, obj, &view, bench->flags)) != 0) {
    PropagateFailure(env, "get_buffer");
    return false;
  }
  bench->api->release(env, &view);
  return true;
}

/* benchGetBuffer(obj, n, flags = BP_SIMPLE, borrowed = false) -> ns per
 * get_buffer (or get_buffer_borrowed) + release, batched as
 * benchTypedArrayInfo is so that the two compare. */
static napi_value BenchGetBuffer(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  GetBufferBench bench;
  int64_t n;
  napi_valuetype type;
  bench.borrowed = false;
  if ((bench.api = GetApiAndArgs(env, info, 4, argv)) == NULL ||
      !GetIterations(env, argv[1], &n) ||
      !GetFlags(env, argv[2], BP_SIMPLE, &bench.flags)) {
    return NULL;
  }
  TRY_NAPI(env, napi_typeof(env, argv[3], &type), NULL);
  if (type != napi_undefined && !GetBool(env, argv[3], &bench.borrowed)) {
    return NULL;
  }
  return TimeSteps(env, n, GetBufferStep, argv[0], &bench);
}

static bool TypedArrayInfoStep(napi_env env, napi_value typed_array,
                               void* ctx) {
  napi_value arraybuffer;
  napi_typedarray_type type;
  size_t length, byte_offset;
  void* data;
  (void)ctx;
  if (napi_get_typedarray_info(env, typed_array, &type, &length, &data,
                               &arraybuffer, &byte_offset) != napi_ok) {
    /* Before the scope closes: that resets the last error. */
    ThrowNapiError(env);
    return false;
  }
  return true;
}

/* benchTypedArrayInfo(typedArray, n) -> ns per napi_get_typedarray_info
 * (every out parameter requested). */
static napi_value BenchTypedArrayInfo(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t n;
  if (!GetArgs(env, info, 2, argv) || !GetIterations(env, argv[1], &n)) {
    return NULL;
  }
  return TimeSteps(env, n, TypedArrayInfoStep, argv[0], NULL);
}

/* ------------------------------------------------------------------------
 * Module
 * ---------------------------------------------------------------------- */

/* The header's numbers, so tests can compare them with BufferFlags. */
static bool SetConstants(napi_env env, napi_value exports) {
  napi_value constants;
  TRY_NAPI(env, napi_create_object(env, &constants), false);
  if (!SetNumber(env, constants, "SIMPLE", BP_SIMPLE) ||
      !SetNumber(env, constants, "WRITABLE", BP_WRITABLE) ||
      !SetNumber(env, constants, "FORMAT", BP_FORMAT) ||
      !SetNumber(env, constants, "ND", BP_ND) ||
      !SetNumber(env, constants, "STRIDES", BP_STRIDES) ||
      !SetNumber(env, constants, "C_CONTIGUOUS", BP_C_CONTIGUOUS) ||
      !SetNumber(env, constants, "F_CONTIGUOUS", BP_F_CONTIGUOUS) ||
      !SetNumber(env, constants, "ANY_CONTIGUOUS", BP_ANY_CONTIGUOUS) ||
      !SetNumber(env, constants, "INDIRECT", BP_INDIRECT) ||
      !SetNumber(env, constants, "CONTIG", BP_CONTIG) ||
      !SetNumber(env, constants, "CONTIG_RO", BP_CONTIG_RO) ||
      !SetNumber(env, constants, "STRIDED", BP_STRIDED) ||
      !SetNumber(env, constants, "STRIDED_RO", BP_STRIDED_RO) ||
      !SetNumber(env, constants, "RECORDS", BP_RECORDS) ||
      !SetNumber(env, constants, "RECORDS_RO", BP_RECORDS_RO) ||
      !SetNumber(env, constants, "FULL", BP_FULL) ||
      !SetNumber(env, constants, "FULL_RO", BP_FULL_RO) ||
      !SetNumber(env, constants, "READ", BP_READ) ||
      !SetNumber(env, constants, "WRITE", BP_WRITE) ||
      !SetNumber(env, constants, "MAX_NDIM", BP_MAX_NDIM) ||
      !SetNumber(env, constants, "END_OF_BUFFER", BP_END_OF_BUFFER) ||
      !SetNumber(env, constants, "ABI_VERSION", BP_ABI_VERSION) ||
      !SetNumber(env, constants, "API_VERSION", BP_API_VERSION) ||
      !SetNumber(env, constants, "apiSize", (double)sizeof(bp_api)) ||
      !SetNumber(env, constants, "bufferSize", (double)sizeof(bp_buffer))) {
    return false;
  }
  TRY_NAPI(env, napi_object_freeze(env, constants), false);
  return SetNamed(env, exports, "constants", constants);
}

/* Held views still held at env teardown are not released: buffer-protocol
 * may already be torn down in this env, and its teardown ends them. */
static void FreeState(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      METHOD("sum", Sum),
      METHOD("invert", Invert),
      METHOD("describe", Describe),
      METHOD("hold", Hold),
      METHOD("releaseHeld", ReleaseHeld),
      METHOD("holdInProcess", HoldInProcess),
      METHOD("releaseInProcess", ReleaseInProcess),
      METHOD("heldSum", HeldSum),
      METHOD("badCall", BadCall),
      METHOD("importWith", ImportWith),
      METHOD("tableInfo", TableInfo),
      METHOD("isContiguous", IsContiguous),
      METHOD("getPointerOffset", GetPointerOffset),
      METHOD("toContiguous", ToContiguous),
      METHOD("indirectRoundTrip", IndirectRoundTrip),
      METHOD("fromContiguous", FromContiguous),
      METHOD("copyData", CopyData),
      METHOD("fillContiguousStrides", FillContiguousStrides),
      METHOD("fillInfo", FillInfo),
      METHOD("sizeFromFormat", SizeFromFormat),
      METHOD("benchGetBuffer", BenchGetBuffer),
      METHOD("describeBorrowed", DescribeBorrowed),
      METHOD("benchTypedArrayInfo", BenchTypedArrayInfo),
  };
  ConsumerState* state = (ConsumerState*)calloc(1, sizeof(ConsumerState));
  if (state == NULL) {
    napi_throw_error(env, "ERR_OUT_OF_MEMORY", "calloc failed");
    return NULL;
  }
  if (napi_set_instance_data(env, state, FreeState, NULL) != napi_ok) {
    free(state);
    ThrowNapiError(env);
    return NULL;
  }
  TRY_NAPI(env,
           napi_define_properties(
               env, exports, sizeof(properties) / sizeof(properties[0]),
               properties),
           NULL);
  if (!SetConstants(env, exports)) {
    return NULL;
  }
  return exports;
}
