/* bench.c: Benchmarks of get_buffer from C (no timing is asserted anywhere). */
#include "consumer.h"

/* ------------------------------------------------------------------------
 * Benchmarks (no timing is asserted anywhere)
 * ---------------------------------------------------------------------- */

static int64_t NowNs(void) {
  struct timespec now;
#ifdef _WIN32
  /* MSVC has no clock_gettime; C11's timespec_get is the portable clock. */
  timespec_get(&now, TIME_UTC);
#else
  clock_gettime(CLOCK_MONOTONIC, &now);
#endif
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static bool GetIterations(napi_env env, napi_value value, int64_t* n) {
  return GetInteger(env, value, "n", 0, 9007199254740991.0, n);
}

/* One iteration; false with an exception pending. */
typedef bool (*BenchStep)(napi_env env, napi_value arg, void* ctx);

/* ns per step(arg, ctx) over n steps. Handles the steps make are freed a
 * kBenchBatch at a time: memory stays flat without a scope per step
 * weighing on the timing. The check after the loop catches a release()
 * that refused (it can only say so by leaving an exception pending). */
static napi_value TimeSteps(napi_env env, int64_t n, BenchStep step,
                            napi_value arg, void* ctx) {
  napi_handle_scope scope;
  int64_t done = 0, batch_end, start = NowNs();
  while (done < n) {
    batch_end = n - done > kBenchBatch ? done + kBenchBatch : n;
    TRY_NAPI(env, napi_open_handle_scope(env, &scope), NULL);
    for (; done < batch_end; done++) {
      if (!step(env, arg, ctx)) {
        napi_close_handle_scope(env, scope);
        return NULL;
      }
    }
    TRY_NAPI(env, napi_close_handle_scope(env, scope), NULL);
  }
  if (ExceptionPending(env)) {
    return NULL;
  }
  return NewDouble(env, n == 0 ? 0 : (double)(NowNs() - start) / (double)n);
}

typedef struct GetBufferBench {
  const bp_api* api;
  int flags;
  bool borrowed;
} GetBufferBench;

static bool GetBufferStep(napi_env env, napi_value obj, void* ctx) {
  const GetBufferBench* bench = (const GetBufferBench*)ctx;
  bp_buffer view;
  if ((bench->borrowed
           ? bench->api->get_buffer_borrowed(env, obj, &view, bench->flags)
           : bench->api->get_buffer(env, obj, &view, bench->flags)) != 0) {
    PropagateFailure(env, "get_buffer");
    return false;
  }
  bench->api->release(env, &view);
  return true;
}

/* benchGetBuffer(obj, n, flags = BP_SIMPLE, borrowed = false) -> ns per
 * get_buffer (or get_buffer_borrowed) + release, batched as
 * benchTypedArrayInfo is so that the two compare. */
napi_value BenchGetBuffer(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  GetBufferBench bench;
  int64_t n;
  napi_valuetype type;
  bench.borrowed = false;
  if ((bench.api = GetApiAndArgs(env, info, 4, argv)) == NULL ||
      !GetIterations(env, argv[1], &n) ||
      !GetFlags(env, argv[2], BP_SIMPLE, &bench.flags)) {
    return NULL;
  }
  TRY_NAPI(env, napi_typeof(env, argv[3], &type), NULL);
  if (type != napi_undefined && !GetBool(env, argv[3], &bench.borrowed)) {
    return NULL;
  }
  return TimeSteps(env, n, GetBufferStep, argv[0], &bench);
}

static bool TypedArrayInfoStep(napi_env env, napi_value typed_array,
                               void* ctx) {
  napi_value arraybuffer;
  napi_typedarray_type type;
  size_t length, byte_offset;
  void* data;
  (void)ctx;
  if (napi_get_typedarray_info(env, typed_array, &type, &length, &data,
                               &arraybuffer, &byte_offset) != napi_ok) {
    /* Before the scope closes: that resets the last error. */
    ThrowNapiError(env);
    return false;
  }
  return true;
}

/* What an addon does to hold a TypedArray's memory without the protocol:
 * its info, and a reference kept until it is done. */
static bool TypedArrayHoldStep(napi_env env, napi_value typed_array,
                               void* ctx) {
  napi_ref ref;
  if (!TypedArrayInfoStep(env, typed_array, ctx)) return false;
  if (napi_create_reference(env, typed_array, 1, &ref) != napi_ok ||
      napi_delete_reference(env, ref) != napi_ok) {
    ThrowNapiError(env);
    return false;
  }
  return true;
}

/* benchTypedArrayInfo(typedArray, n, withReference = false) -> ns per
 * napi_get_typedarray_info (every out parameter requested), with a
 * napi_create_reference/napi_delete_reference pair when asked. */
napi_value BenchTypedArrayInfo(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  napi_valuetype type;
  bool with_reference = false;
  int64_t n;
  if (!GetArgs(env, info, 3, argv) || !GetIterations(env, argv[1], &n)) {
    return NULL;
  }
  if (napi_typeof(env, argv[2], &type) != napi_ok) return NULL;
  if (type != napi_undefined && !GetBool(env, argv[2], &with_reference)) {
    return NULL;
  }
  return TimeSteps(env, n,
                   with_reference ? TypedArrayHoldStep : TypedArrayInfoStep,
                   argv[0], NULL);
}
