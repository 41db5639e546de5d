// Which objects C's get_buffer can answer without JavaScript: the owners
// (NativeBuffer, MappedFile) and the mirrored views this addon wrapped,
// listed by the pointer napi_wrap holds. One napi_unwrap then tells the
// kind: a pointer another addon wrapped is only compared, never read.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_OWN_WRAPS_H_
#define BUFFER_PROTOCOL_BINDING_C_API_OWN_WRAPS_H_

#include <node_api.h>

#include "binding/c_api/view_internal.h"

namespace bp::binding {

enum class WrapKind { kNone, kRegionOwner, kViewMirror };

// Called on the env's thread when the wrap is made, and when what it
// points to is destroyed.
void ListWrap(const void* wrapped, WrapKind kind);
void UnlistWrap(const void* wrapped);

// The kind of `obj`'s wrap, with the wrapped pointer in *wrapped; `views`
// are this thread's, which remember the last answer.
WrapKind WrapKindOf(napi_env env, napi_value obj, void** wrapped,
                    ThreadViews* views);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_OWN_WRAPS_H_
