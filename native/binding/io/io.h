// Strided file I/O: read a file into the items of a layout, or write them
// out, with one pread/pwrite for contiguous memory, preadv/pwritev over the
// contiguous runs when runs are long, and a bounded staging buffer (gather or
// scatter with the copy kernel) when runs are short. Synchronous calls run
// on the JS thread; async ones on the libuv threadpool, over memory whose
// owner the facade holds for the duration (see src/io/file-io.ts).
#ifndef BUFFER_PROTOCOL_BINDING_IO_IO_H_
#define BUFFER_PROTOCOL_BINDING_IO_IO_H_

#include <napi.h>

namespace bp::binding {

Napi::Object InitIo(Napi::Env env);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_IO_IO_H_
