#include "binding/c_api/own_wraps.h"

#include <unordered_map>

namespace bp::binding {
namespace {

// Per thread, as every env (and so every wrap) belongs to one: no lock.
thread_local std::unordered_map<const void*, WrapKind> t_wraps;

// The thread's last answer (ThreadViews) follows the list: a pointer
// listed anew, or unlisted, is forgotten there.
void Forget(const void* wrapped) {
  ThreadViews* views = Views();
  if (views->last_wrap == wrapped) views->last_wrap = nullptr;
}

}  // namespace

void ListWrap(const void* wrapped, WrapKind kind) {
  Forget(wrapped);
  t_wraps[wrapped] = kind;
}

void UnlistWrap(const void* wrapped) {
  Forget(wrapped);
  t_wraps.erase(wrapped);
}

WrapKind WrapKindOf(napi_env env, napi_value obj, void** wrapped,
                    ThreadViews* views) {
  // Fails for anything not an object or not wrapped, and costs one
  // lookup, where a type tag check and then the unwrap cost two.
  if (napi_unwrap(env, obj, wrapped) != napi_ok || *wrapped == nullptr) {
    return WrapKind::kNone;
  }
  // A loop over one owner asks the map (a thread_local with a constructor:
  // three calls to reach in a shared library) once.
  if (*wrapped == views->last_wrap)
    return static_cast<WrapKind>(views->last_wrap_kind);
  auto found = t_wraps.find(*wrapped);
  if (found == t_wraps.end()) return WrapKind::kNone;
  views->last_wrap = *wrapped;
  views->last_wrap_kind = static_cast<int>(found->second);
  return found->second;
}

}  // namespace bp::binding
