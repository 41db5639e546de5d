/*
 * consumer/: the bp_test_consumer addon, a buffer-protocol consumer written
 * the way a third-party addon would write one: plain C, only
 * buffer_protocol.h, and the table from bp_import(). It reads and writes
 * exporters' memory through views, proves every table slot from C, and
 * drives the API with bad input.
 *
 * Ownership: every view is released before the function that filled it
 * returns, except the ones hold() keeps in the per-env table until
 * releaseHeld(). Error paths release with the API's exception still pending,
 * as CPython code calls PyBuffer_Release with an error set.
 *
 * State (the cached table and the held views) is per env, as instance data:
 * a Worker has its own, and must load buffer-protocol itself before
 * bp_import() can find the table there.
 */
#ifndef BP_TEST_CONSUMER_H_
#define BP_TEST_CONSUMER_H_

/* clock_gettime and CLOCK_MONOTONIC are POSIX, hidden by -std=c11. */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <node_api.h>

#include "buffer_protocol.h"
#include "../fixture_napi.h"

enum { kHeldSlots = 64, kBenchBatch = 1000 };

/* A held view's handle is generation * kHeldSlots + slot index, so a stale
 * handle cannot reach the view that later reused its slot. */
typedef struct HeldSlot {
  bp_buffer view;
  uint32_t generation;
  bool in_use;
} HeldSlot;

typedef struct ConsumerState {
  const bp_api* api;
  HeldSlot held[kHeldSlots];
} ConsumerState;
/* Walks every item of a view in C order through its strides, with an
 * index odometer rather than recursion: 64 dimensions cost no stack.
 * A view without shape is len / itemsize contiguous items; one without
 * strides is C-contiguous. Assumptions: no suboffsets. */
typedef struct ItemWalk {
  int ndim;
  bp_ssize_t shape[BP_MAX_NDIM];
  bp_ssize_t strides[BP_MAX_NDIM];
  bp_ssize_t index[BP_MAX_NDIM];
  char* item;
  bool done;
} ItemWalk;

/* Shared by the files of this addon (state.c, args.c, views.c), and the
 * callbacks module.c registers. */
bool ExceptionPending(napi_env env);
ConsumerState* GetState(napi_env env);
const bp_api* GetApi(napi_env env);
const bp_api* GetApiAndArgs(napi_env env, napi_callback_info info,
                                   size_t count, napi_value* argv);
bool IsNullish(napi_env env, napi_value value, bool* out);
bool GetFlags(napi_env env, napi_value value, int fallback, int* out);
char* GetString(napi_env env, napi_value value, const char* name);
bool GetOrder(napi_env env, napi_value value, char* out);
bool GetSsizeArray(napi_env env, napi_value value, const char* name,
                          bp_ssize_t* out, int* count);
bool GetBytes(napi_env env, napi_value value, void** data,
                     bp_ssize_t* len);
bool SetNamed(napi_env env, napi_value object, const char* name,
                     napi_value value);
bool SetNumber(napi_env env, napi_value object, const char* name,
                      double number);
bool SetBool(napi_env env, napi_value object, const char* name,
                    bool flag);
bool NewSsizeArray(napi_env env, const bp_ssize_t* values, int count,
                          napi_value* out);
bool DescribeView(napi_env env, const bp_buffer* view,
                         napi_value* out);
bool GetViewAs(napi_env env, const bp_api* api, napi_value obj,
                      bp_buffer* view, int flags, bool borrowed);
bool GetView(napi_env env, const bp_api* api, napi_value obj,
                    bp_buffer* view, int flags);
bool ReleaseView(napi_env env, const bp_api* api, bp_buffer* view);
const bp_api* GetApiAndView(napi_env env, napi_callback_info info,
                                   bp_buffer* view, int flags);
napi_value ReleaseAfterFailure(napi_env env, const bp_api* api,
                                      bp_buffer* view, const char* what);
napi_value DescribeAndRelease(napi_env env, const bp_api* api,
                                     bp_buffer* view);
void WalkStart(ItemWalk* walk, const bp_buffer* view);
void WalkNext(ItemWalk* walk);
char SumKind(const bp_buffer* view, bool allow_bytes);
double SumItems(const bp_buffer* view, char kind);
napi_value NewBoolean(napi_env env, bool flag);
napi_value Undefined(napi_env env);
napi_value Sum(napi_env env, napi_callback_info info);
napi_value Invert(napi_env env, napi_callback_info info);
napi_value Describe(napi_env env, napi_callback_info info);
napi_value DescribeBorrowed(napi_env env, napi_callback_info info);
napi_value Hold(napi_env env, napi_callback_info info);
napi_value ReleaseHeld(napi_env env, napi_callback_info info);
napi_value HoldInProcess(napi_env env, napi_callback_info info);
napi_value ReleaseInProcess(napi_env env, napi_callback_info info);
napi_value HeldSum(napi_env env, napi_callback_info info);
napi_value BadCall(napi_env env, napi_callback_info info);
napi_value ImportWith(napi_env env, napi_callback_info info);
napi_value TableInfo(napi_env env, napi_callback_info info);
napi_value IsContiguous(napi_env env, napi_callback_info info);
napi_value GetPointerOffset(napi_env env, napi_callback_info info);
napi_value ToContiguous(napi_env env, napi_callback_info info);
napi_value IndirectRoundTrip(napi_env env, napi_callback_info info);
napi_value FromContiguous(napi_env env, napi_callback_info info);
napi_value CopyData(napi_env env, napi_callback_info info);
napi_value FillContiguousStrides(napi_env env,
                                        napi_callback_info info);
napi_value FillInfo(napi_env env, napi_callback_info info);
napi_value SizeFromFormat(napi_env env, napi_callback_info info);
napi_value BenchGetBuffer(napi_env env, napi_callback_info info);
napi_value BenchTypedArrayInfo(napi_env env, napi_callback_info info);

#endif  /* BP_TEST_CONSUMER_H_ */
