// An ArrayBuffer over a Block's memory, and what the GC is told of it.
#ifndef BUFFER_PROTOCOL_BINDING_MEMORY_EXTERNAL_BUFFER_H_
#define BUFFER_PROTOCOL_BINDING_MEMORY_EXTERNAL_BUFFER_H_

#include <napi.h>

#include <cstddef>

#include "binding/memory/block.h"

namespace bp::binding {

// What one external ArrayBuffer holds: a reference to its block (null once
// let go), and the bytes this env reported to the GC for it. Its finalizer
// owns it; the caller that keeps the ArrayBuffer alive may read it.
struct ArrayBufferHold {
  Block* block;
  int64_t reported;
  bool home;  // counted in block->home_holds
};

// A new ArrayBuffer over `block` (one reference, which the call takes):
// external, its finalizer dropping the reference (*hold); or, where the
// runtime refuses external memory (a V8 sandbox, or
// BUFFER_PROTOCOL_NO_EXTERNAL=1), a copy in V8's memory, with *copy set,
// *hold null and the block's reference dropped. Throws AllocationError.
napi_value ArrayBufferOver(Napi::Env env, Block* block, bool* copy,
                           ArrayBufferHold** hold);

// The owner detached the ArrayBuffer itself, so nothing can read the
// memory through it any more: its reference goes now, not at GC, and
// close() frees (or hands back) the memory once no other holder is left.
// Call only while the ArrayBuffer is kept alive (its finalizer not run).
void DetachedByOwner(ArrayBufferHold* hold);

Napi::Error AllocationError(Napi::Env env, size_t size);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_MEMORY_EXTERNAL_BUFFER_H_
