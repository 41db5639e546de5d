#include "binding/c_api/state.h"

namespace bp::binding {
namespace {

thread_local CApiState* t_state = nullptr;

}  // namespace

CApiState* CurrentState() { return t_state; }

void MakeCurrent(CApiState* state) { t_state = state; }

CApiState::~CApiState() {
  if (t_state == this) t_state = nullptr;
  if (scratch_ref != nullptr) napi_delete_reference(env, scratch_ref);
  UnpinBackingStore(&scratch_pin);
  for (napi_ref ref : functions) {
    if (ref != nullptr) napi_delete_reference(env, ref);
  }
}

CApiState* State(napi_env env) {
  if (t_state == nullptr) {
    napi_throw_error(env, "ERR_BUFFER_PROTOCOL_NOT_LOADED",
                     "buffer-protocol is not loaded in this JavaScript thread: "
                     "require('buffer-protocol') first");
  }
  return t_state;
}

napi_value RefValue(napi_env env, napi_ref ref) {
  napi_value value = nullptr;
  napi_get_reference_value(env, ref, &value);
  return value;
}

napi_value CallFacade(napi_env env, const CApiState* state, FacadeFunction fn,
                      size_t argc, const napi_value* argv) {
  napi_value function = RefValue(env, state->functions[fn]), undefined,
             result = nullptr;
  if (function == nullptr || napi_get_undefined(env, &undefined) != napi_ok) {
    return nullptr;
  }
  if (napi_call_function(env, undefined, function, argc, argv, &result) !=
      napi_ok) {
    return nullptr;
  }
  return result;
}

int FailType(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return -1;
}

int FailRange(napi_env env, const char* message) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  return -1;
}

int FailBufferError(napi_env env, const char* code, const char* message) {
  CApiState* state = t_state;
  napi_value args[2], error;
  if (state != nullptr &&
      napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &args[0]) ==
          napi_ok &&
      napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &args[1]) ==
          napi_ok &&
      (error = CallFacade(env, state, kBufferError, 2, args)) != nullptr) {
    napi_throw(env, error);
  } else if (!Pending(env)) {
    napi_throw_error(env, code, message);
  }
  return -1;
}

int FailStatus(napi_env env, const Status& status) {
  if (status.code == ErrorCode::kBadFlags)
    return FailRange(env, status.message);
  return FailBufferError(env, CodeName(status.code), status.message);
}

bool Pending(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  return pending;
}

napi_value SetAside(napi_env env) {
  if (!Pending(env)) return nullptr;
  napi_value error = nullptr;
  napi_get_and_clear_last_exception(env, &error);
  return error;
}

void ThrowAgain(napi_env env, napi_value error) {
  if (error != nullptr) napi_throw(env, error);
}

}  // namespace bp::binding
