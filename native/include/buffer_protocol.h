/*
 * buffer_protocol.h: the C ABI of buffer-protocol, for other native addons.
 *
 * Plain C (C11 and C++), header-only, no link dependency: an addon includes
 * this file, calls bp_import(), and reaches every function through the
 * returned table. The table is published by the loaded `buffer-protocol`
 * package, so `require('buffer-protocol')` must have run in the same
 * JavaScript thread (main thread or Worker) first. The table pointer lives
 * as long as the process, but cache it per env (napi_set_instance_data):
 * a function called in a thread where buffer-protocol is not loaded fails
 * with ERR_BUFFER_PROTOCOL_NOT_LOADED. Needs Node-API 8 (type tags).
 *
 * The semantics are CPython's buffer protocol (PEP 3118): bp_buffer is
 * Py_buffer, the BP_* request flags are PyBUF_* with the same numbers, and
 * the functions are the PyObject_GetBuffer / PyBuffer_* helpers.
 *
 * Conventions, for every function below:
 *   - Functions that take a napi_env must be called on that env's JavaScript
 *     thread. They return 0 (or a result) on success; on failure they
 *     return -1 (or NULL) and leave a JavaScript exception pending in env:
 *     a TypeError/RangeError with code ERR_INVALID_ARG_TYPE/ERR_OUT_OF_RANGE
 *     for bad arguments, or an Error whose name is 'BufferError' and whose
 *     code is ERR_BUFFER_* for a protocol refusal. Return to JavaScript
 *     promptly, or clear it with napi_get_and_clear_last_exception.
 *   - release() may be called while an exception is pending (on an error
 *     path, as with PyBuffer_Release); it keeps that exception.
 *   - Functions without a napi_env touch no JavaScript state. They may be
 *     called from any thread while the views they read are held.
 *   - Sizes, shapes, strides and offsets are bp_ssize_t (int64_t); strides
 *     and offsets are in bytes, and may be negative.
 *
 * What a held view's memory survives (a view from get_buffer, until
 * release(); not one from get_buffer_borrowed, see there):
 *   - Detach and transfer: JavaScript may transfer the ArrayBuffer away
 *     (structuredClone or postMessage with a transfer list,
 *     ArrayBuffer.prototype.transfer) or a NativeBuffer may be closed with
 *     { force: true }. view->buf stays readable (and, unless readonly,
 *     writable) with the bytes it had: the view holds the memory itself (the
 *     native block of a NativeBuffer or MappedFile, or V8's backing store of
 *     any other ArrayBuffer or SharedArrayBuffer), not just the object. After
 *     a transfer, C and the buffer's new owner share those bytes: writes race
 *     like any shared memory, but nothing is freed under the view.
 *   - Garbage collection of the exporter and of every JavaScript view of
 *     the memory: the same.
 *   - A mapped file truncated by another process is the exception: reading
 *     past its new end faults (SIGBUS) as for any mmap reader.
 *   - Env teardown (the Worker's or the process's end): views C still holds
 *     stop holding their memory, which may then be freed (Node frees its
 *     external memory then, whatever holds it). Release them before the env
 *     ends, or stop reading through them; release() itself stays safe.
 *
 * Versioning (as NumPy's import_array()): BP_ABI_VERSION changes only if the
 * layout of bp_buffer or of the existing table slots changes; a mismatch is
 * fatal. BP_API_VERSION counts appended slots: the table is append-only and
 * a slot is never reordered or reused. Build against a newer header and
 * still run on an older buffer-protocol by defining BP_TARGET_API_VERSION
 * to the oldest version you need (and using only the slots it has).
 */
#ifndef BUFFER_PROTOCOL_H_
#define BUFFER_PROTOCOL_H_

#include <stddef.h>
#include <stdint.h>

#include <node_api.h>

#if defined(NAPI_VERSION) && NAPI_VERSION < 8
#error "buffer_protocol.h needs NAPI_VERSION >= 8 (napi_check_object_type_tag)"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define BP_ABI_VERSION 1u
#define BP_API_VERSION 1u
#ifndef BP_TARGET_API_VERSION
#define BP_TARGET_API_VERSION BP_API_VERSION
#endif

/* The most dimensions a view may have (CPython's PyBUF_MAX_NDIM). */
#define BP_MAX_NDIM 64

/* Request flags: CPython's PyBUF_* values, number for number. */
#define BP_SIMPLE 0
#define BP_WRITABLE 0x0001
#define BP_WRITEABLE BP_WRITABLE
#define BP_FORMAT 0x0004
#define BP_ND 0x0008
#define BP_STRIDES (0x0010 | BP_ND)
#define BP_C_CONTIGUOUS (0x0020 | BP_STRIDES)
#define BP_F_CONTIGUOUS (0x0040 | BP_STRIDES)
#define BP_ANY_CONTIGUOUS (0x0080 | BP_STRIDES)
#define BP_INDIRECT (0x0100 | BP_STRIDES)
#define BP_CONTIG (BP_ND | BP_WRITABLE)
#define BP_CONTIG_RO (BP_ND)
#define BP_STRIDED (BP_STRIDES | BP_WRITABLE)
#define BP_STRIDED_RO (BP_STRIDES)
#define BP_RECORDS (BP_STRIDES | BP_WRITABLE | BP_FORMAT)
#define BP_RECORDS_RO (BP_STRIDES | BP_FORMAT)
#define BP_FULL (BP_INDIRECT | BP_WRITABLE | BP_FORMAT)
#define BP_FULL_RO (BP_INDIRECT | BP_FORMAT)
/* Buffer types of PEP 688's inspect.BufferFlags; not request flags. */
#define BP_READ 0x100
#define BP_WRITE 0x200

/* Py_END_OF_BUFFER: "to the end of the base" for BufferObject windows.
 * buffer_object_from_memory refuses it as a size, as Python 2 did. */
#define BP_END_OF_BUFFER (-1)

typedef int64_t bp_ssize_t;

/*
 * The Py_buffer of this library: the same fields in the same order.
 *
 *   buf        item [0, ..., 0]; with negative strides other items lie
 *              before it. May be NULL when len is 0.
 *   obj        a strong reference (in the env that filled the view) to the
 *              exporter, or NULL. Owned by the view: only release() drops it.
 *   len        product(shape) * itemsize, in bytes.
 *   itemsize   bytes per item (>= 1).
 *   readonly   nonzero when the consumer must not write.
 *   ndim       0..BP_MAX_NDIM.
 *   format     struct-module format of one item, or NULL unless BP_FORMAT was
 *              requested (NULL means "B", unsigned bytes).
 *   shape      ndim sizes, or NULL unless BP_ND was requested (then the view
 *              is len bytes of contiguous memory).
 *   strides    ndim byte steps, or NULL unless BP_STRIDES was requested
 *              (then the view is C-contiguous).
 *   suboffsets NULL, or ndim offsets for PIL-style indirect dimensions
 *              (a negative entry means "not indirect"); only with BP_INDIRECT.
 *   internal   owned by the library; do not touch.
 *
 * Everything a view points to (format, shape, strides, suboffsets) belongs
 * to the library, is read-only (views may share it, as Py_buffer's exporters
 * share theirs) and stays valid until release(). A view is released when
 * obj and internal are both NULL; release() leaves it so, which makes a
 * second release() a no-op. A view may be moved by copying its bytes, after
 * which only one of the copies may be released.
 */
typedef struct bp_buffer {
  void* buf;
  napi_ref obj;
  bp_ssize_t len;
  bp_ssize_t itemsize;
  int readonly;
  int ndim;
  const char* format;
  bp_ssize_t* shape;
  bp_ssize_t* strides;
  bp_ssize_t* suboffsets;
  void* internal;
} bp_buffer;

/* The structure export_memory gives to C memory. NULL fields take their
 * defaults: format "B"; shape one dimension of len / itemsize items (ndim is
 * then ignored); strides C-contiguous. offset is the byte offset of item
 * [0, ..., 0] from ptr. The layout is validated against [ptr, ptr + len)
 * before anything is created, and copied: it need not outlive the call. */
typedef struct bp_layout {
  const char* format;
  int ndim;
  const bp_ssize_t* shape;
  const bp_ssize_t* strides;
  bp_ssize_t offset;
} bp_layout;

/* Frees C memory handed to JavaScript. Called exactly once, with the ctx and
 * ptr given at creation, on a JavaScript thread: the creating env's thread,
 * once every JavaScript object, view and C export over the memory is gone
 * (after close(), or garbage collection). At the latest it runs when the
 * env ends (a Worker's exit, or the process's natural end: C views never
 * released stop holding it then), and process.exit(), which skips env
 * teardown, runs it from an atexit handler. If the NativeBuffer was shared
 * with Workers (share()/fromShared()), the thread of the last env to let go
 * runs it instead; make the callback thread-safe (free() is) before sharing
 * such memory. It must not call into JavaScript. */
typedef void (*bp_release_cb)(void* ctx, void* ptr);

typedef struct bp_api {
  /* --- frozen prefix: never changes, whatever the version --- */
  uint32_t abi_version; /* BP_ABI_VERSION of the loaded library */
  uint32_t api_version; /* BP_API_VERSION of the loaded library */
  size_t size;          /* sizeof(bp_api) of the loaded library */
  size_t buffer_size;   /* sizeof(bp_buffer) of the loaded library */

  /* --- API version 1 --- */

  /* PyObject_GetBuffer. Fills *view with what `flags` may see of obj's
   * memory: a TypedArray, ArrayBuffer, SharedArrayBuffer, Buffer, DataView,
   * MemoryView, NativeBuffer, MappedFile, BufferObject, or any object with a
   * [bufferProtocol.getBuffer] method. The view holds an export (the
   * exporter refuses to resize or close) and a reference to obj until
   * release(). On failure *view is left released (all NULL) and an error is
   * pending: a BufferError for a refusal, a TypeError for an object that is
   * not an exporter, a RangeError for flags outside the request bits. The
   * memory stays valid while the view is held, whatever JavaScript does to
   * the exporter or its ArrayBuffer (transfer, forced close, GC): see "What
   * a held view's memory survives" above. */
  int (*get_buffer)(napi_env env, napi_value obj, bp_buffer* view, int flags);

  /* PyBuffer_Release. Ends the export, drops the reference and lets go of
   * the memory (of V8 memory, the buffer pinned last on the thread is kept
   * until the current outermost JavaScript call returns, so that the next
   * view of it is cheap); a released or zeroed view is left alone. Must be
   * called in the env that filled the view: a call from another thread is
   * refused (ERR_BUFFER_WRONG_ENV pending), and so is one from another env
   * of the same thread wherever the view records its env, which is every
   * view except a built-in's without BP_ND (that one carries only its
   * reference and its pin). */
  void (*release)(napi_env env, bp_buffer* view);

  /* PyBuffer_IsContiguous: 1 if view is contiguous in order 'C', 'F' or
   * 'A' (either), else 0 (also for another order). Any thread. */
  int (*is_contiguous)(const bp_buffer* view, char order);

  /* PyBuffer_GetPointer: the address of the item at ndim `indices`
   * (negative ones are not wrapped; indices may be NULL when ndim is 0).
   * NULL when an index is out of range or an argument is NULL. Any thread. */
  void* (*get_pointer)(const bp_buffer* view, const bp_ssize_t* indices);

  /* PyBuffer_ToContiguous: copies len bytes (== src->len) of src into dst
   * in order 'C', 'F' or 'A' ('A': as stored when contiguous, else C). dst
   * may be NULL when len is 0. A wrong len is a RangeError. env may be NULL
   * off the JavaScript thread; errors then return -1 without an exception. */
  int (*to_contiguous)(napi_env env, void* dst, const bp_buffer* src,
                       bp_ssize_t len, char order);

  /* PyBuffer_FromContiguous: copies len bytes (== dst->len) from src into
   * the items of dst, in order 'C', 'F' or 'A'. Unlike CPython, a read-only
   * dst is refused (ERR_BUFFER_NOT_WRITABLE). src may be NULL when len is 0.
   * env as for to_contiguous. */
  int (*from_contiguous)(napi_env env, const bp_buffer* dst, const void* src,
                         bp_ssize_t len, char order);

  /* PyObject_CopyData: copies the items of exporter src into exporter dst,
   * which must have the same shape and item format (checked, unlike
   * CPython). Overlapping memory is handled. */
  int (*copy_data)(napi_env env, napi_value dst, napi_value src);

  /* PyBuffer_FillContiguousStrides: C ('C') or Fortran (any other order)
   * strides of a contiguous array. Any thread. */
  void (*fill_contiguous_strides)(int ndim, const bp_ssize_t* shape,
                                  bp_ssize_t* strides, bp_ssize_t itemsize,
                                  char order);

  /* PyBuffer_FillInfo: fills *view as a one-dimensional, contiguous 'B'
   * view of [buf, buf + len) for an exporter written in C. obj (may be
   * NULL) is referenced by the view. A BP_WRITABLE request on readonly
   * memory is refused with ERR_BUFFER_NOT_WRITABLE. The memory is the
   * caller's: it must outlive the view. Release with release(). */
  int (*fill_info)(napi_env env, bp_buffer* view, napi_value obj, void* buf,
                   bp_ssize_t len, int readonly, int flags);

  /* PyBuffer_SizeFromFormat: the itemsize of a struct format; -1 with an
   * exception pending (ERR_BUFFER_BAD_FORMAT) for a format struct refuses. */
  bp_ssize_t (*size_from_format)(napi_env env, const char* format);

  /* Hands [ptr, ptr + len) of C memory to JavaScript without copying: *result
   * is a NativeBuffer exporting it with `layout` (may be NULL: 'B' bytes),
   * read-only exports if `readonly`. From then on the memory belongs to the
   * NativeBuffer, and release_cb (may be NULL) runs exactly once, as
   * described at bp_release_cb. On failure nothing is created, release_cb
   * is never called, and the memory stays the caller's. ptr may be NULL only
   * when len is 0. Where the runtime refuses external memory (Electron's
   * V8 sandbox) the bytes are copied, release_cb runs before this returns,
   * and the NativeBuffer says isCopy. Refused: len < 0 or >= 2**53
   * (RangeError), ptr NULL with len > 0 or result NULL (TypeError), strides
   * without a shape (TypeError), ndim outside 0..64, a bad format, or a
   * layout reaching outside [ptr, ptr + len) (BufferError). */
  int (*export_memory)(napi_env env, void* ptr, bp_ssize_t len,
                       const bp_layout* layout, int readonly,
                       bp_release_cb release_cb, void* ctx, napi_value* result);

  /* PyBuffer_FromMemory / PyBuffer_FromReadWriteMemory: a BufferObject
   * (read-only / writable) over size bytes at ptr. Ownership as for
   * export_memory: release_cb runs once the BufferObject and every slice
   * and view of it are gone. size must be >= 0: BP_END_OF_BUFFER is a
   * RangeError, as in Python 2. */
  int (*buffer_object_from_memory)(napi_env env, void* ptr, bp_ssize_t size,
                                   bp_release_cb release_cb, void* ctx,
                                   napi_value* result);
  int (*buffer_object_from_read_write_memory)(napi_env env, void* ptr,
                                              bp_ssize_t size,
                                              bp_release_cb release_cb,
                                              void* ctx, napi_value* result);

  /* get_buffer for hot paths, without a reference to obj (DLPack's
   * dltensor_from_py_object_no_sync): for a built-in TypedArray, DataView
   * or ArrayBuffer, view->obj is NULL and the view holds neither the object
   * nor its memory. It is valid only until the C code returns to
   * JavaScript or calls into it (any napi_call_function, any N-API call
   * that can run a getter or a finalizer): JavaScript could transfer the
   * ArrayBuffer away and the memory be freed. Without BP_ND it allocates
   * nothing. Every other exporter is exported exactly as by get_buffer
   * (and held as such). Release it with release() as always, before
   * returning to JavaScript. */
  int (*get_buffer_borrowed)(napi_env env, napi_value obj, bp_buffer* view,
                             int flags);
} bp_api;

/* The table is a type-tagged napi_external stored on globalThis under
 * Symbol.for(BP_API_KEY); the tag proves it was made by buffer-protocol. */
#define BP_API_KEY "buffer-protocol.c-api"
#define BP_API_TAG_LOWER 0x8f4e2a61c3b75d09ULL
#define BP_API_TAG_UPPER 0x2d9c6b1e0a7f4385ULL

/* Fails with a pending Error whose code is `code`. */
static inline int bp__import_error(napi_env env, const char* code,
                                   const char* message) {
  napi_throw_error(env, code, message);
  return -1;
}

/* bp_import with explicit expectations; bp_import() passes this header's.
 * Exposed so that tests can prove the mismatch checks. */
static inline int bp_import_version(napi_env env, const bp_api** out,
                                    uint32_t abi_version,
                                    uint32_t min_api_version, size_t min_size) {
  napi_value global, symbol_ctor, symbol_for, key, symbol, value;
  napi_valuetype type;
  bool tagged = false;
  void* data = NULL;
  const bp_api* api;
  const napi_type_tag tag = {BP_API_TAG_LOWER, BP_API_TAG_UPPER};
  if (out == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "bp_import: out must not be NULL");
    return -1;
  }
  *out = NULL;
  if (napi_get_global(env, &global) != napi_ok) return -1;
#if defined(NAPI_VERSION) && NAPI_VERSION >= 9
  (void)symbol_ctor;
  (void)symbol_for;
  (void)key;
  if (node_api_symbol_for(env, BP_API_KEY, NAPI_AUTO_LENGTH, &symbol) !=
      napi_ok) {
    return -1;
  }
#else
  if (napi_get_named_property(env, global, "Symbol", &symbol_ctor) != napi_ok ||
      napi_get_named_property(env, symbol_ctor, "for", &symbol_for) !=
          napi_ok ||
      napi_create_string_utf8(env, BP_API_KEY, NAPI_AUTO_LENGTH, &key) !=
          napi_ok ||
      napi_call_function(env, symbol_ctor, symbol_for, 1, &key, &symbol) !=
          napi_ok) {
    return -1; /* a JavaScript exception is already pending */
  }
#endif
  if (napi_get_property(env, global, symbol, &value) != napi_ok ||
      napi_typeof(env, value, &type) != napi_ok) {
    return -1;
  }
  if (type != napi_external) {
    return bp__import_error(
        env, "ERR_BUFFER_PROTOCOL_NOT_LOADED",
        "buffer-protocol is not loaded in this JavaScript thread: "
        "require('buffer-protocol') before calling this addon");
  }
  if (napi_check_object_type_tag(env, value, &tag, &tagged) != napi_ok ||
      !tagged || napi_get_value_external(env, value, &data) != napi_ok ||
      data == NULL) {
    return bp__import_error(env, "ERR_BUFFER_PROTOCOL_NOT_LOADED",
                            "the value at Symbol.for('" BP_API_KEY
                            "') was not made by "
                            "buffer-protocol");
  }
  api = (const bp_api*)data;
  if (api->abi_version != abi_version) {
    return bp__import_error(
        env, "ERR_BUFFER_PROTOCOL_ABI",
        "this addon was built for another ABI version of buffer-protocol's C "
        "API (buffer_protocol.h): rebuild it against the installed version");
  }
  if (api->buffer_size != sizeof(bp_buffer)) {
    return bp__import_error(
        env, "ERR_BUFFER_PROTOCOL_ABI",
        "this addon's bp_buffer differs in size from buffer-protocol's: it was "
        "built for another ABI (or pointer size); rebuild it");
  }
  if (api->api_version < min_api_version || api->size < min_size) {
    return bp__import_error(
        env, "ERR_BUFFER_PROTOCOL_ABI",
        "this addon needs a newer buffer-protocol C API than the one loaded: "
        "upgrade buffer-protocol, or build with an older "
        "BP_TARGET_API_VERSION");
  }
  *out = api;
  return 0;
}

/* The size of the table up to the last slot of BP_TARGET_API_VERSION. */
#define BP__TARGET_SIZE                                                 \
  (BP_TARGET_API_VERSION >= 1u                                          \
       ? offsetof(bp_api, get_buffer_borrowed) + sizeof(void (*)(void)) \
       : offsetof(bp_api, get_buffer))

/* Finds the table published by the loaded buffer-protocol and checks its
 * type tag, ABI version, API version and size. Returns 0 and sets *out, or
 * returns -1 with an Error pending (code ERR_BUFFER_PROTOCOL_NOT_LOADED or
 * ERR_BUFFER_PROTOCOL_ABI). The table lives as long as the process. */
static inline int bp_import(napi_env env, const bp_api** out) {
  return bp_import_version(env, out, BP_ABI_VERSION, BP_TARGET_API_VERSION,
                           BP__TARGET_SIZE);
}

#ifdef __cplusplus
}
#endif

#endif /* BUFFER_PROTOCOL_H_ */
