// Coded JS errors thrown from the binding. The binding throws plain
// Error/TypeError/RangeError objects carrying `code`; the TypeScript facade
// rewraps ERR_BUFFER_* codes as BufferError, so the error class always comes
// from the caller's realm (jest gives every test file its own).
#ifndef BUFFER_PROTOCOL_BINDING_ERRORS_H_
#define BUFFER_PROTOCOL_BINDING_ERRORS_H_

#include <napi.h>

#include "core/buffer_view.h"
#include "core/status.h"

namespace bp::binding {

enum class ErrorKind { kError, kTypeError, kRangeError };

Napi::Error CodedError(Napi::Env env, ErrorKind kind, const char* code,
                       const std::string& message);

// Throws the JS form of a failed core Status.
[[noreturn]] void ThrowStatus(Napi::Env env, const Status& status);

// ThrowStatus for ValidateLayout's Status: ERR_BUFFER_OUT_OF_BOUNDS says
// which bytes the layout's items span against the memory's length.
[[noreturn]] void ThrowLayoutStatus(Napi::Env env, const Status& status,
                                    const BufferView& view, int64_t offset,
                                    int64_t memlen);

// Node's form of a failed system call: code and message from libuv's name
// for `error` (an errno), with `errno` (negative, as libuv's), `syscall`
// and, when given, `path`.
Napi::Error SystemError(Napi::Env env, int error, const char* syscall,
                        const char* path = nullptr);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_ERRORS_H_
