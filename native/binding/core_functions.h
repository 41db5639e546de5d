#ifndef BUFFER_PROTOCOL_BINDING_CORE_FUNCTIONS_H_
#define BUFFER_PROTOCOL_BINDING_CORE_FUNCTIONS_H_

#include <napi.h>

namespace bp::binding {

Napi::Object InitCoreFunctions(Napi::Env env);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_CORE_FUNCTIONS_H_
