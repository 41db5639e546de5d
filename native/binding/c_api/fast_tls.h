// BP_FAST_TLS: the thread-local variables the C API's hot paths read.
//
// In a shared library every thread_local access is a call to
// __tls_get_addr (general-dynamic model). Under glibc the initial-exec model
// reads the variable at a fixed offset from the thread pointer instead,
// about 1 ns of each get_buffer and release. glibc keeps static TLS room
// for the modules dlopen loads (rtld.optional_static_tls, 512 bytes by
// default); the variables marked here use well under 100 of it. Elsewhere
// (musl, macOS, Windows) the default model stays.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_FAST_TLS_H_
#define BUFFER_PROTOCOL_BINDING_C_API_FAST_TLS_H_

#if defined(__linux__)
#include <features.h>  // __GLIBC__ where glibc is the C library
#endif

#if defined(__GLIBC__)
#define BP_FAST_TLS __attribute__((tls_model("initial-exec")))
#else
#define BP_FAST_TLS
#endif

#endif  // BUFFER_PROTOCOL_BINDING_C_API_FAST_TLS_H_
