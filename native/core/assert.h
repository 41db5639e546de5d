// BP_ASSERT: the core's stated "Assumptions:" as checks that run in the
// sanitizer and fuzz builds (scripts/sanitize.sh, scripts/fuzz.sh define
// BP_CHECK_ASSUMPTIONS) and compile to nothing in Release, as CPython's
// memoryobject.c asserts in debug builds only. A failure aborts: it is a
// caller's bug, never a user's input.
#ifndef BUFFER_PROTOCOL_CORE_ASSERT_H_
#define BUFFER_PROTOCOL_CORE_ASSERT_H_

#ifdef BP_CHECK_ASSUMPTIONS
#include <cstdio>
#include <cstdlib>
// Not assert(): node-gyp's builds may define NDEBUG.
#define BP_ASSERT(condition)                                             \
  ((condition) ? (void)0                                                 \
               : (std::fprintf(stderr, "%s:%d: assumption failed: %s\n", \
                               __FILE__, __LINE__, #condition),          \
                  std::abort()))
#else
#define BP_ASSERT(condition) ((void)0)
#endif

#endif  // BUFFER_PROTOCOL_CORE_ASSERT_H_
