// The C ABI of native/include/buffer_protocol.h: installCApi, the one call
// the facade makes per env with the TypeScript functions that do the work
// best done there (exporting any object, wrapping lent memory in a
// NativeBuffer or a BufferObject). The bp_api table (table.cc) is then
// published on the env's global object under Symbol.for(BP_API_KEY), where
// bp_import() finds it.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_INSTALL_H_
#define BUFFER_PROTOCOL_BINDING_C_API_INSTALL_H_

#include <napi.h>

namespace bp::binding {

// installCApi({ exportForC, releaseForC, wrapForeign, bufferObjectForeign,
//               copyData, sizeFromFormat, bufferError }) -> the scratch
// Float64Array exportForC writes its numbers into (scratch.h).
Napi::Value InstallCApi(const Napi::CallbackInfo& info);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_INSTALL_H_
