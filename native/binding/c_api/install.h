// The C ABI of native/include/buffer_protocol.h: the static bp_api table and
// the per-env state its functions need. The facade calls installCApi once
// per env with the TypeScript functions that do the work best done there
// (exporting any object, wrapping lent memory in a NativeBuffer or a
// BufferObject); the table is then published on the env's global object
// under Symbol.for(BP_API_KEY), where bp_import() finds it.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_H_
#define BUFFER_PROTOCOL_BINDING_C_API_H_

#include <napi.h>

namespace bp::binding {

struct Block;

// installCApi({ exportForC, releaseForC, wrapForeign, bufferObjectForeign,
//               copyData, sizeFromFormat, bufferError }) -> the scratch
// Float64Array exportForC writes its numbers into.
Napi::Value InstallCApi(const Napi::CallbackInfo& info);

// Takes a block reference the facade pinned for the C view being made
// (region.pin() during exportForC).
void HandOverPin(Block* block);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_H_
