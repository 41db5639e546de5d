/* module.c: The module: its methods and the header's constants. */
#include "consumer.h"

/* ------------------------------------------------------------------------
 * Module
 * ---------------------------------------------------------------------- */

/* The header's numbers, so tests can compare them with BufferFlags. */
static bool SetConstants(napi_env env, napi_value exports) {
  napi_value constants;
  TRY_NAPI(env, napi_create_object(env, &constants), false);
  if (!SetNumber(env, constants, "SIMPLE", BP_SIMPLE) ||
      !SetNumber(env, constants, "WRITABLE", BP_WRITABLE) ||
      !SetNumber(env, constants, "FORMAT", BP_FORMAT) ||
      !SetNumber(env, constants, "ND", BP_ND) ||
      !SetNumber(env, constants, "STRIDES", BP_STRIDES) ||
      !SetNumber(env, constants, "C_CONTIGUOUS", BP_C_CONTIGUOUS) ||
      !SetNumber(env, constants, "F_CONTIGUOUS", BP_F_CONTIGUOUS) ||
      !SetNumber(env, constants, "ANY_CONTIGUOUS", BP_ANY_CONTIGUOUS) ||
      !SetNumber(env, constants, "INDIRECT", BP_INDIRECT) ||
      !SetNumber(env, constants, "CONTIG", BP_CONTIG) ||
      !SetNumber(env, constants, "CONTIG_RO", BP_CONTIG_RO) ||
      !SetNumber(env, constants, "STRIDED", BP_STRIDED) ||
      !SetNumber(env, constants, "STRIDED_RO", BP_STRIDED_RO) ||
      !SetNumber(env, constants, "RECORDS", BP_RECORDS) ||
      !SetNumber(env, constants, "RECORDS_RO", BP_RECORDS_RO) ||
      !SetNumber(env, constants, "FULL", BP_FULL) ||
      !SetNumber(env, constants, "FULL_RO", BP_FULL_RO) ||
      !SetNumber(env, constants, "READ", BP_READ) ||
      !SetNumber(env, constants, "WRITE", BP_WRITE) ||
      !SetNumber(env, constants, "MAX_NDIM", BP_MAX_NDIM) ||
      !SetNumber(env, constants, "END_OF_BUFFER", BP_END_OF_BUFFER) ||
      !SetNumber(env, constants, "ABI_VERSION", BP_ABI_VERSION) ||
      !SetNumber(env, constants, "API_VERSION", BP_API_VERSION) ||
      !SetNumber(env, constants, "apiSize", (double)sizeof(bp_api)) ||
      !SetNumber(env, constants, "bufferSize", (double)sizeof(bp_buffer))) {
    return false;
  }
  TRY_NAPI(env, napi_object_freeze(env, constants), false);
  return SetNamed(env, exports, "constants", constants);
}

/* Held views still held at env teardown are not released: buffer-protocol
 * may already be torn down in this env, and its teardown ends them. */
static void FreeState(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      METHOD("sum", Sum),
      METHOD("invert", Invert),
      METHOD("describe", Describe),
      METHOD("hold", Hold),
      METHOD("releaseHeld", ReleaseHeld),
      METHOD("holdInProcess", HoldInProcess),
      METHOD("releaseInProcess", ReleaseInProcess),
      METHOD("heldSum", HeldSum),
      METHOD("badCall", BadCall),
      METHOD("importWith", ImportWith),
      METHOD("tableInfo", TableInfo),
      METHOD("isContiguous", IsContiguous),
      METHOD("getPointerOffset", GetPointerOffset),
      METHOD("toContiguous", ToContiguous),
      METHOD("indirectRoundTrip", IndirectRoundTrip),
      METHOD("fromContiguous", FromContiguous),
      METHOD("copyData", CopyData),
      METHOD("fillContiguousStrides", FillContiguousStrides),
      METHOD("fillInfo", FillInfo),
      METHOD("sizeFromFormat", SizeFromFormat),
      METHOD("benchGetBuffer", BenchGetBuffer),
      METHOD("describeBorrowed", DescribeBorrowed),
      METHOD("benchTypedArrayInfo", BenchTypedArrayInfo),
  };
  ConsumerState* state = (ConsumerState*)calloc(1, sizeof(ConsumerState));
  if (state == NULL) {
    napi_throw_error(env, "ERR_OUT_OF_MEMORY", "calloc failed");
    return NULL;
  }
  if (napi_set_instance_data(env, state, FreeState, NULL) != napi_ok) {
    free(state);
    ThrowNapiError(env);
    return NULL;
  }
  TRY_NAPI(env,
           napi_define_properties(
               env, exports, sizeof(properties) / sizeof(properties[0]),
               properties),
           NULL);
  if (!SetConstants(env, exports)) {
    return NULL;
  }
  return exports;
}
