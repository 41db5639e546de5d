// get_buffer on a MemoryView without a call into JavaScript, from its
// second C export on: the first, through the facade, leaves a mirror of the
// view's layout on the view (mirrorView, called by src/c-api.ts), which
// later exports read. A view's layout never changes, so the mirror only
// has to learn that the view was released.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_VIEW_MIRROR_H_
#define BUFFER_PROTOCOL_BINDING_C_API_VIEW_MIRROR_H_

#include <buffer_protocol.h>
#include <napi.h>

#include "binding/c_api/view_internal.h"

namespace bp::binding {

// For `obj`, wrapped with `mirror` (own_wraps.h): 1 when `view` is filled
// from the mirror, 0 when only the facade can answer (it words every
// refusal), -1 with an exception pending.
int GetMirroredView(napi_env env, void* mirror, napi_value obj, bp_buffer* view,
                    int flags, ThreadViews* views);

// mirrorView(view, buffer, region, format, itemsize, byteOffset, len,
// readonly, shape, strides); viewMirrorCViews(view) -> the C views it
// holds; releaseViewMirror(view): the view was released.
Napi::Object InitViewMirror(Napi::Env env);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_VIEW_MIRROR_H_
