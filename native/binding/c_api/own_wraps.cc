#include "binding/c_api/own_wraps.h"

#include <unordered_map>

namespace bp::binding {
namespace {

// Per thread, as every env (and so every wrap) belongs to one: no lock.
thread_local std::unordered_map<const void*, WrapKind> t_wraps;

}  // namespace

void ListWrap(const void* wrapped, WrapKind kind) { t_wraps[wrapped] = kind; }

void UnlistWrap(const void* wrapped) { t_wraps.erase(wrapped); }

WrapKind WrapKindOf(napi_env env, napi_value obj, void** wrapped) {
  // Fails for anything not an object or not wrapped, and costs one
  // lookup, where a type tag check and then the unwrap cost two.
  if (napi_unwrap(env, obj, wrapped) != napi_ok || *wrapped == nullptr) {
    return WrapKind::kNone;
  }
  auto found = t_wraps.find(*wrapped);
  return found == t_wraps.end() ? WrapKind::kNone : found->second;
}

}  // namespace bp::binding
