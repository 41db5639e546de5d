// get_buffer on this package's own native exporters (NativeBuffer and
// MappedFile) without a call into JavaScript.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_OWN_EXPORTERS_H_
#define BUFFER_PROTOCOL_BINDING_C_API_OWN_EXPORTERS_H_

#include <buffer_protocol.h>
#include <node_api.h>

#include "binding/c_api/view_internal.h"
#include "core/buffer_view.h"

namespace bp::binding {

class NativeRegion;

// For `obj`, the owner `region` is bound to (own_wraps.h): 1 when `view` is
// filled, 0 when only the facade's path can answer (it words every
// refusal, so both paths refuse alike), -1 with an exception pending.
int GetOwnExporter(napi_env env, NativeRegion* region, napi_value obj,
                   bp_buffer* view, int flags, ThreadViews* views);

// Fills `view` with `full` as `seen` negotiated it: the arrays and format
// copied into `internal` (room for 2 * ndim numbers and the format, its
// memory held, view->obj referenced), counted in `tally`.
void FillCountedView(const BufferView& full, const BufferView& seen,
                     ViewInternal* internal, ExportTally* tally,
                     bp_buffer* view);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_OWN_EXPORTERS_H_
