// An ArrayBuffer over a Block's memory, and what the GC is told of it.
#ifndef BUFFER_PROTOCOL_BINDING_MEMORY_EXTERNAL_BUFFER_H_
#define BUFFER_PROTOCOL_BINDING_MEMORY_EXTERNAL_BUFFER_H_

#include <napi.h>

#include <cstddef>

#include "binding/memory/block.h"

namespace bp::binding {

// A new ArrayBuffer over `block` (one reference, which the call takes):
// external, its finalizer dropping the reference; or, where the runtime
// refuses external memory (a V8 sandbox, or BUFFER_PROTOCOL_NO_EXTERNAL=1),
// a copy in V8's memory, with *copy set and the block's reference dropped.
// Throws AllocationError.
napi_value ArrayBufferOver(Napi::Env env, Block* block, bool* copy);

Napi::Error AllocationError(Napi::Env env, size_t size);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_MEMORY_EXTERNAL_BUFFER_H_
