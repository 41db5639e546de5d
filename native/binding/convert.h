// Conversions between JS values and core types. The facade has already
// checked types and ranges (safe integers, array lengths <= 64), so these
// only convert; a broken contract still fails safely with a TypeError.
#ifndef BUFFER_PROTOCOL_BINDING_CONVERT_H_
#define BUFFER_PROTOCOL_BINDING_CONVERT_H_

#include <napi.h>

#include <cstdint>
#include <vector>

namespace bp::binding {

int64_t ToInt64(Napi::Value value);
std::vector<int64_t> ToInt64Vector(Napi::Value value);
Napi::Array FromInt64(Napi::Env env, const int64_t* values, int count);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_CONVERT_H_
