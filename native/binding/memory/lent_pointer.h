// Memory at an address an FFI (koffi) handed to JavaScript, given back by a
// JavaScript callback (src/interop/pointer.ts).
//
// The callback can run only on the thread of the env that lent the memory,
// while that env lives; the last reference to its Block can go on any
// thread (a Worker, a threadpool transfer, a C view released elsewhere).
// So the Block's release posts the lend's token to that env through a
// threadsafe function, and JavaScript calls the callback once per token.
// At the env's exit JavaScript takes back, through TakeAtExit, every lend
// that nothing outside it still holds.
#ifndef BUFFER_PROTOCOL_BINDING_MEMORY_LENT_POINTER_H_
#define BUFFER_PROTOCOL_BINDING_MEMORY_LENT_POINTER_H_

#include <napi.h>

namespace bp::binding {

// { bind(dispatch) -> lender, lend(lender, address, length) ->
//   [pending block, token], discard(pending), takeAtExit(token) -> boolean,
//   detach(arrayBuffer) }
Napi::Object InitLentPointer(Napi::Env env);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_MEMORY_LENT_POINTER_H_
