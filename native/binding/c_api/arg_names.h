// A refusal of an argument, said in the C API's words.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_ARG_NAMES_H_
#define BUFFER_PROTOCOL_BINDING_C_API_ARG_NAMES_H_

#include <node_api.h>

namespace bp::binding {

// The facade refuses a value as JavaScript's argument ('The "obj" argument
// must be a bytes-like object...'), but a C caller passed it to a C
// function: a pending ERR_INVALID_ARG_TYPE is reworded to name `function`
// and its `parameter` ("get_buffer: obj must be ..."). Anything else pending
// is left as it is.
void NameCArgument(napi_env env, const char* function, const char* parameter);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_ARG_NAMES_H_
