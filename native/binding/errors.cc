#include "binding/errors.h"

#include "core/layout.h"

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

void ThrowLayoutStatus(Napi::Env env, const Status& status,
                       const BufferView& view, int64_t offset, int64_t memlen) {
  if (status.code != ErrorCode::kOutOfBounds) ThrowStatus(env, status);
  std::string message = status.message;
  int64_t first = 0;
  int64_t end = 0;
  if (offset < 0 || offset > memlen) {
    message += ": byte offset " + std::to_string(offset) + " is outside the " +
               std::to_string(memlen) + " bytes of memory";
  } else if (LayoutSpan(view, offset, &first, &end)) {
    message += ": its items span bytes [" + std::to_string(first) + ", " +
               std::to_string(end) + ") of memory of " +
               std::to_string(memlen) + " bytes";
  }
  throw CodedError(env, ErrorKind::kError, CodeName(status.code), message);
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
