#include "binding/c_api/install.h"

#include <buffer_protocol.h>

#include <string>

#include "binding/c_api/scratch.h"
#include "binding/c_api/state.h"
#include "binding/c_api/table.h"
#include "binding/c_api/view_internal.h"

namespace bp::binding {
namespace {

constexpr const char* kFacadeFunctionNames[kFacadeFunctionCount] = {
#define BP_NAME(id, name) name,
    BP_FACADE_FUNCTIONS(BP_NAME)
#undef BP_NAME
};

// References to the facade's functions, in table order; throws (having
// dropped those made) when one is missing.
void ReferenceFunctions(Napi::Env env, Napi::Object fns,
                        napi_ref (&refs)[kFacadeFunctionCount]) {
  for (int i = 0; i < kFacadeFunctionCount; i++) {
    Napi::Value fn = fns.Get(kFacadeFunctionNames[i]);
    if (!fn.IsFunction() ||
        napi_create_reference(env, fn, 1, &refs[i]) != napi_ok) {
      for (napi_ref& ref : refs) {
        if (ref != nullptr) napi_delete_reference(env, ref);
        ref = nullptr;
      }
      throw Napi::TypeError::New(env, std::string("installCApi: ") +
                                          kFacadeFunctionNames[i] +
                                          " must be a function");
    }
  }
}

// The env's state, made with its scratch array on first install.
CApiState* NewState(Napi::Env env) {
  // V8 never moves an ArrayBuffer's memory, and the pin keeps it whatever
  // becomes of the array: the state reads it directly for its lifetime.
  Napi::Float64Array scratch = Napi::Float64Array::New(env, kScratchLength);
  CApiState* state = new CApiState{};
  state->env = env;
  if (!HaveBackingStores()) {
    // Bun, Deno: the reference below keeps the array; nothing user code
    // can reach detaches it (c-api.ts writes it with plain stores).
    state->scratch = scratch.Data();
  } else if (PinOwnBackingStore(scratch.ArrayBuffer(), scratch.Data(),
                                kScratchLength * sizeof(double),
                                &state->scratch_pin)) {
    state->scratch = static_cast<double*>(PinnedData(&state->scratch_pin));
  } else {
    delete state;
    return nullptr;
  }
  napi_create_reference(env, scratch, 1, &state->scratch_ref);
  // The env owns its state: freed (and forgotten by this thread) at teardown.
  env.SetInstanceData<CApiState>(state);
  napi_add_env_cleanup_hook(env, UnpinAllViewsOnTeardown, nullptr);
  return state;
}

// Publishes the table once per global object (a Worker has its own). The
// property is read-only and permanent: JavaScript cannot swap the table.
void PublishTable(Napi::Env env) {
  Napi::Object global = env.Global();
  Napi::Object symbol = global.Get("Symbol").As<Napi::Object>();
  Napi::Value key = symbol.Get("for").As<Napi::Function>().Call(
      symbol, {Napi::String::New(env, BP_API_KEY)});
  if (global.Get(key).IsExternal()) return;
  // The table is immutable; External only takes a non-const pointer.
  Napi::External<bp_api> table =
      Napi::External<bp_api>::New(env, const_cast<bp_api*>(ApiTable()));
  const napi_type_tag tag = {BP_API_TAG_LOWER, BP_API_TAG_UPPER};
  NAPI_THROW_IF_FAILED_VOID(env, napi_type_tag_object(env, table, &tag));
  napi_property_descriptor property = {nullptr, key,   nullptr,      nullptr,
                                       nullptr, table, napi_default, nullptr};
  NAPI_THROW_IF_FAILED_VOID(env,
                            napi_define_properties(env, global, 1, &property));
}

}  // namespace

Napi::Value InstallCApi(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_ref refs[kFacadeFunctionCount] = {};
  ReferenceFunctions(env, info[0].As<Napi::Object>(), refs);
  // Installing again in the same env (jest loads the facade once per test
  // file over one addon instance) points the state at the newest functions.
  CApiState* state = env.GetInstanceData<CApiState>();
  if (state == nullptr && (state = NewState(env)) == nullptr) {
    for (napi_ref ref : refs) napi_delete_reference(env, ref);
    throw Napi::Error::New(env, "installCApi: cannot pin the scratch array");
  }
  for (int i = 0; i < kFacadeFunctionCount; i++) {
    if (state->functions[i] != nullptr) {
      napi_delete_reference(env, state->functions[i]);
    }
    state->functions[i] = refs[i];
  }
  MakeCurrent(state);
  PublishTable(env);
  return Napi::Value(env, RefValue(env, state->scratch_ref));
}

}  // namespace bp::binding
