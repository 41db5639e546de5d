// The C API's per-env state: the facade's functions (one table drives
// their install and teardown) and the scratch array, plus the helpers every
// C API file uses to call the facade and to fail in the C ABI's style (an
// exception left pending plus an error return; nothing here throws C++).
//
// Envs: a consumer addon calls with its own napi_env, which differs from
// this addon's even on the same thread. So references a view holds, and
// every call into JavaScript, use the caller's env (that is where the
// caller looks for a pending exception and where it releases), while the
// facade's functions come from this thread's CApiState.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_STATE_H_
#define BUFFER_PROTOCOL_BINDING_C_API_STATE_H_

#include <node_api.h>

#include "binding/memory/backing_store_pin.h"
#include "core/status.h"

namespace bp::binding {

// The facade's functions, as installCApi receives them (CApiFunctions in
// src/native.ts). Adding one means a line here and its TypeScript twin.
#define BP_FACADE_FUNCTIONS(X)                   \
  X(kExportForC, "exportForC")                   \
  X(kReleaseForC, "releaseForC")                 \
  X(kWrapForeign, "wrapForeign")                 \
  X(kBufferObjectForeign, "bufferObjectForeign") \
  X(kCopyData, "copyData")                       \
  X(kSizeFromFormat, "sizeFromFormat")           \
  X(kBufferError, "bufferError")

enum FacadeFunction : int {
#define BP_ENUM(id, name) id,
  BP_FACADE_FUNCTIONS(BP_ENUM)
#undef BP_ENUM
      kFacadeFunctionCount
};

// The facade's functions for this thread's env of this addon, found by C
// callers through CurrentState(). jest installs the facade again per test
// file over one env; the state then points at the newest functions.
struct CApiState {
  napi_env env;
  napi_ref functions[kFacadeFunctionCount];
  napi_ref scratch_ref;
  double* scratch;
  BackingStorePin scratch_pin;
  ~CApiState();
};

// This thread's state, or nullptr before installCApi.
CApiState* CurrentState();
void MakeCurrent(CApiState* state);
// The same, or nullptr with ERR_BUFFER_PROTOCOL_NOT_LOADED pending.
CApiState* State(napi_env env);

napi_value RefValue(napi_env env, napi_ref ref);
// Calls a facade function; nullptr with the exception pending on failure.
napi_value CallFacade(napi_env env, const CApiState* state, FacadeFunction fn,
                      size_t argc, const napi_value* argv);

// --- failing in the C ABI's style: the exception pending, -1 returned ----

int FailType(napi_env env, const char* message);
int FailRange(napi_env env, const char* message);
// A BufferError made by the facade (so `name`, `code` and the class are the
// library's own), or a plain coded Error if the facade is not there.
int FailBufferError(napi_env env, const char* code, const char* message);
// A failed core Status: RangeError for bad flags, else a BufferError.
int FailStatus(napi_env env, const Status& status);

bool Pending(napi_env env);
// N-API refuses most calls while an exception is pending; cleanup paths
// set it aside, do their calls, and throw it again.
napi_value SetAside(napi_env env);
void ThrowAgain(napi_env env, napi_value error);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_STATE_H_
