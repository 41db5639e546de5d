#include "binding/errors.h"

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
    case ErrorKind::kError:
      error = Napi::Error::New(env, message);
      break;
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

}  // namespace bp::binding
