#include "binding/c_api/arg_names.h"

#include <string>

namespace bp::binding {
namespace {

// A string property of `object`, or "" when it is missing or not a string.
std::string StringProperty(napi_env env, napi_value object, const char* name) {
  napi_value value;
  napi_valuetype type;
  size_t length = 0;
  if (napi_get_named_property(env, object, name, &value) != napi_ok ||
      napi_typeof(env, value, &type) != napi_ok || type != napi_string ||
      napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) {
    return "";
  }
  std::string text(length, '\0');
  napi_get_value_string_utf8(env, value, text.data(), length + 1, &length);
  return text;
}

}  // namespace

void NameCArgument(napi_env env, const char* function, const char* parameter) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return;
  napi_value error;
  if (napi_get_and_clear_last_exception(env, &error) != napi_ok) return;
  napi_valuetype type;
  if (napi_typeof(env, error, &type) == napi_ok && type == napi_object &&
      StringProperty(env, error, "code") == "ERR_INVALID_ARG_TYPE") {
    const std::string message = StringProperty(env, error, "message");
    const std::string lead = "The \"";
    const std::string::size_type name_end = message.find("\" argument ");
    if (message.compare(0, lead.size(), lead) == 0 &&
        name_end != std::string::npos) {
      const std::string reworded =
          std::string(function) + ": " + parameter +
          message.substr(name_end + sizeof("\" argument") - 1);
      napi_value text;
      if (napi_create_string_utf8(env, reworded.data(), reworded.size(),
                                  &text) == napi_ok) {
        napi_set_named_property(env, error, "message", text);
      }
    }
  }
  napi_throw(env, error);
}

}  // namespace bp::binding
