// The bp_api table and the functions it holds, each defined in the file of
// its concept: get_buffer.cc (get_buffer, get_buffer_borrowed, release),
// helpers.cc (the layout and copy helpers, fill_info), lend.cc (memory C
// lends to JavaScript). Each is callable from C: no C++ exception leaves
// them, and every failure is a JavaScript exception left pending in the
// caller's env plus an error return.
#ifndef BUFFER_PROTOCOL_BINDING_C_API_TABLE_H_
#define BUFFER_PROTOCOL_BINDING_C_API_TABLE_H_

#include <buffer_protocol.h>

namespace bp::binding {

const bp_api* ApiTable();

int GetBuffer(napi_env env, napi_value obj, bp_buffer* view, int flags);
int GetBufferBorrowed(napi_env env, napi_value obj, bp_buffer* view, int flags);
void Release(napi_env env, bp_buffer* view);

int IsContiguousC(const bp_buffer* view, char order);
void* GetPointerC(const bp_buffer* view, const bp_ssize_t* indices);
int ToContiguous(napi_env env, void* dst, const bp_buffer* src, bp_ssize_t len,
                 char order);
int FromContiguous(napi_env env, const bp_buffer* dst, const void* src,
                   bp_ssize_t len, char order);
int CopyData(napi_env env, napi_value dst, napi_value src);
void FillContiguousStridesC(int ndim, const bp_ssize_t* shape,
                            bp_ssize_t* strides, bp_ssize_t itemsize,
                            char order);
int FillInfo(napi_env env, bp_buffer* view, napi_value obj, void* buf,
             bp_ssize_t len, int readonly, int flags);
bp_ssize_t SizeFromFormat(napi_env env, const char* format);

int ExportMemory(napi_env env, void* ptr, bp_ssize_t len,
                 const bp_layout* layout, int readonly,
                 bp_release_cb release_cb, void* ctx, napi_value* result);
int BufferObjectFromMemoryC(napi_env env, void* ptr, bp_ssize_t size,
                            bp_release_cb release_cb, void* ctx,
                            napi_value* result);
int BufferObjectFromReadWriteMemoryC(napi_env env, void* ptr, bp_ssize_t size,
                                     bp_release_cb release_cb, void* ctx,
                                     napi_value* result);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_C_API_TABLE_H_
