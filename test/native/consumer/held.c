/* held.c: Held views: filled in one call, released in another (or never). */
#include "consumer.h"

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
napi_value Hold(napi_env env, napi_callback_info info) {
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
napi_value ReleaseHeld(napi_env env, napi_callback_info info) {
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
napi_value HoldInProcess(napi_env env, napi_callback_info info) {
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
napi_value ReleaseInProcess(napi_env env, napi_callback_info info) {
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
napi_value HeldSum(napi_env env, napi_callback_info info) {
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
