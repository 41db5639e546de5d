#include "binding/errors.h"

#include <uv.h>

#include <string>

namespace bp::binding {

Napi::Error CodedError(Napi::Env env, ErrorKind kind, const char* code,
                       const std::string& message) {
  Napi::Error error;
  switch (kind) {
    case ErrorKind::kTypeError:
      error = Napi::TypeError::New(env, message);
      break;
    case ErrorKind::kRangeError:
      error = Napi::RangeError::New(env, message);
      break;
    case ErrorKind::kError: error = Napi::Error::New(env, message); break;
  }
  error.Set("code", Napi::String::New(env, code));
  return error;
}

void ThrowStatus(Napi::Env env, const Status& status) {
  const ErrorKind kind = status.code == ErrorCode::kBadFlags
                             ? ErrorKind::kRangeError
                             : ErrorKind::kError;
  throw CodedError(env, kind, CodeName(status.code), status.message);
}

Napi::Error SystemError(Napi::Env env, int error, const char* syscall,
                        const char* path) {
  std::string message = std::string(uv_err_name(-error)) + ": " +
                        uv_strerror(-error) + ", " + syscall;
  if (path != nullptr) message += std::string(" '") + path + "'";
  Napi::Error e =
      CodedError(env, ErrorKind::kError, uv_err_name(-error), message);
  e.Set("errno", Napi::Number::New(env, -error));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (path != nullptr) e.Set("path", Napi::String::New(env, path));
  return e;
}

}  // namespace bp::binding
