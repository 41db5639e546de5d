// get_buffer for every exporter that is not a built-in: the facade
// exports the object (exportForC in src/c-api.ts), and this side checks
// the answer against the bytes it claims to describe before C sees it.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_VIA_FACADE_H_
#define BUFFER_PROTOCOL_BINDING_C_API_VIA_FACADE_H_

#include <buffer_protocol.h>

#include <cstddef>

#include "binding/c_api/state.h"

namespace bp::binding {

// 0 with *view filled, or -1 with the exception pending (and the facade's
// export, if any, ended).
int GetViaFacade(napi_env env, CApiState* state, napi_value obj,
                 bp_buffer* view, int flags);

struct ViewInternal;

// What keeps a C view's memory, `block_length` bytes at `block_data` in
// the ArrayBuffer `bytes`: the block of `region` (a NativeRegion, or
// anything else, then ignored) if it really holds them, else the bytes' own
// backing store. 0, or -1 with the error pending.
int HoldMemory(napi_env env, napi_value region, napi_value bytes,
               void* block_data, size_t block_length, ViewInternal* internal);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_VIA_FACADE_H_
