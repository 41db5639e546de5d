/* bad_input.c: Bad input from C: each table slot driven with what a careless caller passes. */
#include "consumer.h"

/* ------------------------------------------------------------------------
 * Bad input from C
 * ---------------------------------------------------------------------- */

/* get_pointer on a BP_FULL_RO view of obj with the indices `kind` picks:
 * whether it returned NULL. */
static napi_value BadGetPointer(napi_env env, const bp_api* api,
                                napi_value obj, const char* kind) {
  bp_buffer view;
  bp_ssize_t indices[BP_MAX_NDIM] = {0};
  void* pointer;
  if (!GetView(env, api, obj, &view, BP_FULL_RO)) {
    return NULL;
  }
  if (view.ndim < 1 || view.shape == NULL) {
    api->release(env, &view);
    return ThrowTypeError(env, "badCall: get-pointer needs ndim >= 1");
  }
  if (strcmp(kind, "get-pointer-out-of-range") == 0) {
    indices[0] = view.shape[0];
    pointer = api->get_pointer(&view, indices);
  } else if (strcmp(kind, "get-pointer-negative") == 0) {
    indices[0] = -1;
    pointer = api->get_pointer(&view, indices);
  } else if (strcmp(kind, "get-pointer-null-indices") == 0) {
    pointer = api->get_pointer(&view, NULL);
  } else {
    pointer = api->get_pointer(NULL, indices);
  }
  return ReleaseView(env, api, &view) ? NewBoolean(env, pointer == NULL)
                                      : NULL;
}

/* badCall(kind, obj) -> per kind below, or throws what the call left
 * pending:
 *   'null-view'                  get_buffer(obj, view NULL) -> 0 on success
 *   'release-twice'              get_buffer, release, release -> whether the
 *                                view is released (obj, internal NULL)
 *   'release-zeroed'             release of a zeroed bp_buffer -> true
 *   'non-exporter'               get_buffer(obj, BP_SIMPLE) -> 0 on success
 *   'bad-flags'                  get_buffer(obj, 0x400) -> 0 on success
 *   'get-pointer-out-of-range'   get_pointer at [shape[0], 0...] -> is NULL
 *   'get-pointer-negative'       get_pointer at [-1, 0...] -> is NULL
 *   'get-pointer-null-indices'   get_pointer(view, NULL) -> is NULL
 *   'get-pointer-null-view'      get_pointer(NULL, indices) -> is NULL
 *   'to-contiguous-wrong-len'    to_contiguous with len + 1 -> 0 on success
 * Views filled on success are released. */
napi_value BadCall(napi_env env, napi_callback_info info) {
  napi_value argv[2], result = NULL;
  const bp_api* api;
  bp_buffer view;
  char* kind;
  void* bytes;
  int status, flags;
  if ((api = GetApiAndArgs(env, info, 2, argv)) == NULL ||
      (kind = GetString(env, argv[0], "kind")) == NULL) {
    return NULL;
  }
  if (strcmp(kind, "null-view") == 0) {
    status = api->get_buffer(env, argv[1], NULL, BP_SIMPLE);
    result = status != 0 ? PropagateFailure(env, kind)
                         : NewDouble(env, status);
  } else if (strcmp(kind, "non-exporter") == 0 ||
             strcmp(kind, "bad-flags") == 0) {
    flags = strcmp(kind, "bad-flags") == 0 ? 0x400 : BP_SIMPLE;
    if (api->get_buffer(env, argv[1], &view, flags) != 0) {
      result = PropagateFailure(env, kind);
    } else if (ReleaseView(env, api, &view)) {
      result = NewDouble(env, 0);
    }
  } else if (strcmp(kind, "release-twice") == 0) {
    if (GetView(env, api, argv[1], &view, BP_SIMPLE) &&
        ReleaseView(env, api, &view) && ReleaseView(env, api, &view)) {
      result = NewBoolean(env, view.obj == NULL && view.internal == NULL);
    }
  } else if (strcmp(kind, "release-zeroed") == 0) {
    memset(&view, 0, sizeof(view));
    if (ReleaseView(env, api, &view)) {
      result = NewBoolean(env, true);
    }
  } else if (strncmp(kind, "get-pointer-", 12) == 0 &&
             (strcmp(kind + 12, "out-of-range") == 0 ||
              strcmp(kind + 12, "negative") == 0 ||
              strcmp(kind + 12, "null-indices") == 0 ||
              strcmp(kind + 12, "null-view") == 0)) {
    result = BadGetPointer(env, api, argv[1], kind);
  } else if (strcmp(kind, "to-contiguous-wrong-len") == 0) {
    if (GetView(env, api, argv[1], &view, BP_FULL_RO)) {
      bytes = malloc((size_t)view.len + 1);
      if (bytes == NULL) {
        api->release(env, &view);
        napi_throw_error(env, "ERR_OUT_OF_MEMORY", "malloc failed");
      } else {
        status = api->to_contiguous(env, bytes, &view, view.len + 1, 'C');
        free(bytes);
        if (status != 0) {
          result = ReleaseAfterFailure(env, api, &view, kind);
        } else if (ReleaseView(env, api, &view)) {
          result = NewDouble(env, 0);
        }
      }
    }
  } else {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE",
                          "badCall: unknown kind");
  }
  free(kind);
  return result;
}

/* importWith(abi, minApi, minSize) -> true, or throws what
 * bp_import_version left pending. */
napi_value ImportWith(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t abi, min_api, min_size;
  const bp_api* api = NULL;
  if (!GetArgs(env, info, 3, argv) ||
      !GetInteger(env, argv[0], "abi", 0, UINT32_MAX, &abi) ||
      !GetInteger(env, argv[1], "minApi", 0, UINT32_MAX, &min_api) ||
      !GetInteger(env, argv[2], "minSize", 0, 9007199254740991.0,
                  &min_size)) {
    return NULL;
  }
  if (bp_import_version(env, &api, (uint32_t)abi, (uint32_t)min_api,
                        (size_t)min_size) != 0) {
    return PropagateFailure(env, "bp_import_version");
  }
  return NewBoolean(env, api != NULL);
}

/* tableInfo() -> {abiVersion, apiVersion, size, bufferSize}: the frozen
 * prefix of the loaded table. */
napi_value TableInfo(napi_env env, napi_callback_info info) {
  napi_value result;
  const bp_api* api = GetApi(env);
  (void)info;
  if (api == NULL) {
    return NULL;
  }
  TRY_NAPI(env, napi_create_object(env, &result), NULL);
  if (!SetNumber(env, result, "abiVersion", api->abi_version) ||
      !SetNumber(env, result, "apiVersion", api->api_version) ||
      !SetNumber(env, result, "size", (double)api->size) ||
      !SetNumber(env, result, "bufferSize", (double)api->buffer_size)) {
    return NULL;
  }
  return result;
}
