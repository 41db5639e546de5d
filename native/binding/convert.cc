#include "binding/convert.h"

#include <cmath>

#include "binding/errors.h"
#include "core/buffer_view.h"

namespace bp::binding {

int64_t ToInt64(Napi::Value value) {
  if (!value.IsNumber()) {
    throw CodedError(value.Env(), ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE",
                     "expected an integer");
  }
  // Int64Value() would quietly truncate 1.5 to 1 and NaN to 0.
  const double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= -9007199254740991.0 && d <= 9007199254740991.0) ||
      d != std::trunc(d)) {
    throw CodedError(value.Env(), ErrorKind::kRangeError, "ERR_OUT_OF_RANGE",
                     "expected a safe integer");
  }
  return static_cast<int64_t>(d);
}

std::vector<int64_t> ToInt64Vector(Napi::Value value) {
  if (!value.IsArray()) {
    throw CodedError(value.Env(), ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE",
                     "expected an array of integers");
  }
  Napi::Array array = value.As<Napi::Array>();
  const uint32_t length = array.Length();
  if (length > static_cast<uint32_t>(kMaxNdim)) {
    throw CodedError(value.Env(), ErrorKind::kError, "ERR_BUFFER_TOO_MANY_DIMS",
                     "number of dimensions must not exceed 64");
  }
  std::vector<int64_t> out(length);
  for (uint32_t i = 0; i < length; i++) out[i] = ToInt64(array.Get(i));
  return out;
}

Napi::Array FromInt64(Napi::Env env, const int64_t* values, int count) {
  Napi::Array array = Napi::Array::New(env, count);
  for (int i = 0; i < count; i++) {
    array.Set(i, Napi::Number::New(env, static_cast<double>(values[i])));
  }
  return array;
}

}  // namespace bp::binding
