/* args.c: Reading arguments from JavaScript and building results. */
#include "consumer.h"

/* ------------------------------------------------------------------------
 * Arguments and results
 * ---------------------------------------------------------------------- */

bool IsNullish(napi_env env, napi_value value, bool* out) {
  napi_valuetype type;
  TRY_NAPI(env, napi_typeof(env, value, &type), false);
  *out = type == napi_undefined || type == napi_null;
  return true;
}

/* Request flags: any int, or `fallback` when undefined. */
bool GetFlags(napi_env env, napi_value value, int fallback, int* out) {
  napi_valuetype type;
  int64_t flags;
  TRY_NAPI(env, napi_typeof(env, value, &type), false);
  if (type == napi_undefined) {
    *out = fallback;
    return true;
  }
  if (!GetInteger(env, value, "flags", INT32_MIN, INT32_MAX, &flags)) {
    return false;
  }
  *out = (int)flags;
  return true;
}

/* A string as a malloc'd C string; free() it. */
char* GetString(napi_env env, napi_value value, const char* name) {
  size_t length = 0;
  char* text;
  if (!ExpectType(env, value, napi_string, name, "a string")) {
    return NULL;
  }
  TRY_NAPI(env, napi_get_value_string_utf8(env, value, NULL, 0, &length),
           NULL);
  text = (char*)malloc(length + 1);
  if (text == NULL) {
    napi_throw_error(env, "ERR_OUT_OF_MEMORY", "malloc failed");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, value, text, length + 1, &length) !=
      napi_ok) {
    free(text);
    ThrowNapiError(env);
    return NULL;
  }
  return text;
}

/* An order: the first character of a non-empty string, passed on as is
 * (so that tests can hand the API orders other than 'C', 'F' and 'A'). */
bool GetOrder(napi_env env, napi_value value, char* out) {
  char* text = GetString(env, value, "order");
  if (text == NULL) {
    return false;
  }
  *out = text[0];
  free(text);
  if (*out == '\0') {
    ThrowTypeError(env, "order must be a non-empty string");
    return false;
  }
  return true;
}

/* An array of at most BP_MAX_NDIM safe integers. */
bool GetSsizeArray(napi_env env, napi_value value, const char* name,
                          bp_ssize_t* out, int* count) {
  bool is_array = false;
  uint32_t length, i;
  napi_value element;
  int64_t number;
  char message[128];
  TRY_NAPI(env, napi_is_array(env, value, &is_array), false);
  if (!is_array) {
    snprintf(message, sizeof(message), "%s must be an array", name);
    ThrowTypeError(env, message);
    return false;
  }
  TRY_NAPI(env, napi_get_array_length(env, value, &length), false);
  if (length > BP_MAX_NDIM) {
    snprintf(message, sizeof(message), "%s has more than %d entries", name,
             BP_MAX_NDIM);
    ThrowRangeError(env, message);
    return false;
  }
  for (i = 0; i < length; i++) {
    TRY_NAPI(env, napi_get_element(env, value, i, &element), false);
    if (!GetInteger(env, element, name, -9007199254740991.0,
                    9007199254740991.0, &number)) {
      return false;
    }
    out[i] = number;
  }
  *count = (int)length;
  return true;
}

/* The bytes of a Uint8Array (or Buffer). */
bool GetBytes(napi_env env, napi_value value, void** data,
                     bp_ssize_t* len) {
  bool is_typedarray = false;
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  TRY_NAPI(env, napi_is_typedarray(env, value, &is_typedarray), false);
  if (is_typedarray) {
    TRY_NAPI(env,
             napi_get_typedarray_info(env, value, &type, &length, data, NULL,
                                      NULL),
             false);
  }
  if (!is_typedarray || type != napi_uint8_array) {
    ThrowTypeError(env, "expected a Uint8Array");
    return false;
  }
  *len = (bp_ssize_t)length;
  return true;
}

bool SetNamed(napi_env env, napi_value object, const char* name,
                     napi_value value) {
  TRY_NAPI(env, napi_set_named_property(env, object, name, value), false);
  return true;
}

bool SetNumber(napi_env env, napi_value object, const char* name,
                      double number) {
  napi_value value;
  TRY_NAPI(env, napi_create_double(env, number, &value), false);
  return SetNamed(env, object, name, value);
}

bool SetBool(napi_env env, napi_value object, const char* name,
                    bool flag) {
  napi_value value;
  TRY_NAPI(env, napi_get_boolean(env, flag, &value), false);
  return SetNamed(env, object, name, value);
}

/* values as a JavaScript array, or null when values is NULL. */
bool NewSsizeArray(napi_env env, const bp_ssize_t* values, int count,
                          napi_value* out) {
  napi_value element;
  int i;
  if (values == NULL) {
    TRY_NAPI(env, napi_get_null(env, out), false);
    return true;
  }
  TRY_NAPI(env, napi_create_array_with_length(env, (size_t)count, out),
           false);
  for (i = 0; i < count; i++) {
    TRY_NAPI(env, napi_create_double(env, (double)values[i], &element),
             false);
    TRY_NAPI(env, napi_set_element(env, *out, (uint32_t)i, element), false);
  }
  return true;
}

/* {len, itemsize, readonly, ndim, format, shape, strides, suboffsets,
 * address, obj}: the fields of a view as C sees them. address is a BigInt
 * (0n for NULL); obj is the referenced exporter, or null. */
bool DescribeView(napi_env env, const bp_buffer* view,
                         napi_value* out) {
  napi_value object, value;
  int dims = view->ndim;
  TRY_NAPI(env, napi_create_object(env, &object), false);
  if (!SetNumber(env, object, "len", (double)view->len) ||
      !SetNumber(env, object, "itemsize", (double)view->itemsize) ||
      !SetBool(env, object, "readonly", view->readonly != 0) ||
      !SetNumber(env, object, "ndim", view->ndim)) {
    return false;
  }
  if (view->format == NULL) {
    TRY_NAPI(env, napi_get_null(env, &value), false);
  } else {
    TRY_NAPI(env,
             napi_create_string_utf8(env, view->format, NAPI_AUTO_LENGTH,
                                     &value),
             false);
  }
  if (!SetNamed(env, object, "format", value)) {
    return false;
  }
  if (dims < 0 || dims > BP_MAX_NDIM) {
    dims = 0; /* a broken ndim is still reported above, but never read */
  }
  if (!NewSsizeArray(env, view->shape, dims, &value) ||
      !SetNamed(env, object, "shape", value) ||
      !NewSsizeArray(env, view->strides, dims, &value) ||
      !SetNamed(env, object, "strides", value) ||
      !NewSsizeArray(env, view->suboffsets, dims, &value) ||
      !SetNamed(env, object, "suboffsets", value)) {
    return false;
  }
  TRY_NAPI(env,
           napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)view->buf,
                                     &value),
           false);
  if (!SetNamed(env, object, "address", value)) {
    return false;
  }
  if (view->obj == NULL) {
    TRY_NAPI(env, napi_get_null(env, &value), false);
  } else {
    TRY_NAPI(env, napi_get_reference_value(env, view->obj, &value), false);
  }
  if (!SetNamed(env, object, "obj", value)) {
    return false;
  }
  *out = object;
  return true;
}
