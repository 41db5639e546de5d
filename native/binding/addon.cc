// The registry: every export of the addon is listed here and nowhere else.
#include <napi.h>

#include "binding/c_api/install.h"
#include "binding/c_api/view_mirror.h"
#include "binding/core_functions.h"
#include "binding/io/io.h"
#include "binding/memory/block.h"
#include "binding/memory/lent_pointer.h"
#include "binding/memory/native_region.h"

namespace bp::binding {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("core", InitCoreFunctions(env));
  exports.Set("NativeRegion", NativeRegion::Init(env));
  exports.Set("io", InitIo(env));
  exports.Set("regionStats", Napi::Function::New(env, RegionStats));
  exports.Set("installCApi", Napi::Function::New(env, InstallCApi));
  exports.Set("viewMirror", InitViewMirror(env));
  exports.Set("lentPointer", InitLentPointer(env));
  // Share tokens this env made and no Worker claimed die with it.
  napi_add_env_cleanup_hook(
      env, [](void* arg) { DropSharedBlocksOf(static_cast<napi_env>(arg)); },
      env);
  return exports;
}

}  // namespace bp::binding

namespace {
Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return bp::binding::Init(env, exports);
}
}  // namespace

NODE_API_MODULE(buffer_protocol, InitAddon)
