/* Per-env state: the imported table and the held views. */
#include "consumer.h"

bool ExceptionPending(napi_env env) {
  bool pending = false;
  /* If even this fails, report "pending" so the caller returns at once. */
  return napi_is_exception_pending(env, &pending) != napi_ok || pending;
}

ConsumerState* GetState(napi_env env) {
  void* data = NULL;
  TRY_NAPI(env, napi_get_instance_data(env, &data), NULL);
  return (ConsumerState*)data;
}

/* The table, imported on the first call in each env. */
const bp_api* GetApi(napi_env env) {
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
const bp_api* GetApiAndArgs(napi_env env, napi_callback_info info,
                                   size_t count, napi_value* argv) {
  const bp_api* api = GetApi(env);
  if (api == NULL || !GetArgs(env, info, count, argv)) {
    return NULL;
  }
  return api;
}
