/*
 * fixture_napi.h: N-API argument and error helpers shared by the C test
 * fixtures (consumer.c, image_addon.c). Each fixture is its own addon, a
 * single translation unit built as a separate target, so the helpers are
 * static inline here rather than a library both would have to link. Only
 * <node_api.h> and libc: the fixtures must reach buffer-protocol through
 * buffer_protocol.h alone, so nothing of it belongs here.
 */
#ifndef BP_TEST_FIXTURE_NAPI_H_
#define BP_TEST_FIXTURE_NAPI_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <node_api.h>

/* Throws an Error for a failed napi_* call unless it left one pending. */
static inline void ThrowNapiError(napi_env env) {
  const napi_extended_error_info* error = NULL;
  const char* message = "N-API call failed";
  bool pending = false;
  /* Read the message first: every napi_* call resets the last error. */
  if (napi_get_last_error_info(env, &error) == napi_ok && error != NULL &&
      error->error_message != NULL) {
    message = error->error_message;
  }
  if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) {
    napi_throw_error(env, NULL, message);
  }
}

#define TRY_NAPI(env, call, failed) \
  do {                              \
    if ((call) != napi_ok) {        \
      ThrowNapiError(env);          \
      return failed;                \
    }                               \
  } while (0)

#define METHOD(name, function) \
  {name, NULL, function, NULL, NULL, NULL, napi_enumerable, NULL}

/* For a bp_api call that returned failure: its exception propagates. One
 * that left none broke the header's contract, which the tests must see. */
static inline napi_value PropagateFailure(napi_env env, const char* what) {
  bool pending = false;
  char message[128];
  TRY_NAPI(env, napi_is_exception_pending(env, &pending), NULL);
  if (!pending) {
    snprintf(message, sizeof(message),
             "%s failed without a pending exception", what);
    napi_throw_error(env, "ERR_TEST_NO_PENDING_EXCEPTION", message);
  }
  return NULL;
}

/* The Throw* helpers return NULL so that a callback can return them. */
static inline napi_value ThrowTypeError(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

static inline napi_value ThrowRangeError(napi_env env, const char* message) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  return NULL;
}

static inline bool GetArgs(napi_env env, napi_callback_info info,
                           size_t count, napi_value* argv) {
  /* Missing arguments come back as undefined. */
  TRY_NAPI(env, napi_get_cb_info(env, info, &count, argv, NULL, NULL),
           false);
  return true;
}

/* One wording for every argument of the wrong type, which tests match. */
static inline bool ExpectType(napi_env env, napi_value value,
                              napi_valuetype expected, const char* name,
                              const char* what) {
  napi_valuetype type;
  char message[128];
  TRY_NAPI(env, napi_typeof(env, value, &type), false);
  if (type != expected) {
    snprintf(message, sizeof(message), "%s must be %s", name, what);
    ThrowTypeError(env, message);
    return false;
  }
  return true;
}

/* Reads an integral number in [min, max]. */
static inline bool GetInteger(napi_env env, napi_value value,
                              const char* name, double min, double max,
                              int64_t* out) {
  double number;
  char message[128];
  if (!ExpectType(env, value, napi_number, name, "a number")) {
    return false;
  }
  TRY_NAPI(env, napi_get_value_double(env, value, &number), false);
  /* The range check comes first so that the cast below is defined. */
  if (!(number >= min && number <= max) ||
      (double)(int64_t)number != number) {
    snprintf(message, sizeof(message), "%s must be an integer in [%.0f, %.0f]",
             name, min, max);
    ThrowRangeError(env, message);
    return false;
  }
  *out = (int64_t)number;
  return true;
}

static inline bool GetBool(napi_env env, napi_value value, bool* out) {
  napi_value coerced;
  TRY_NAPI(env, napi_coerce_to_bool(env, value, &coerced), false);
  TRY_NAPI(env, napi_get_value_bool(env, coerced, out), false);
  return true;
}

static inline napi_value NewDouble(napi_env env, double number) {
  napi_value result;
  TRY_NAPI(env, napi_create_double(env, number, &result), NULL);
  return result;
}

#endif /* BP_TEST_FIXTURE_NAPI_H_ */
