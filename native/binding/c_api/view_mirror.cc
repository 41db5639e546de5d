// A MemoryView's mirror: its layout and memory as the facade exported them
// once, checked again against the memory whenever its length is not the
// one last checked, as the facade's answers are. Anything the mirror cannot
// vouch for (a released view, detached memory, a refused request) takes the
// facade's path, which words the refusal, so both paths refuse alike.
#include "binding/c_api/view_mirror.h"

#include <cstring>
#include <string>
#include <vector>

#include "binding/c_api/mirrored_layout.h"
#include "binding/c_api/own_exporters.h"
#include "binding/c_api/own_wraps.h"
#include "binding/c_api/state.h"
#include "binding/c_api/via_facade.h"
#include "binding/c_api/view_internal.h"
#include "binding/convert.h"
#include "binding/memory/backing_store_pin.h"
#include "binding/memory/export_tally.h"
#include "core/flags.h"
#include "core/negotiate.h"

namespace bp::binding {
namespace {

const napi_type_tag kMirrorTag = {0x6270566965774d69ULL, 0x72726f72ULL};

struct ViewMirror : MirroredLayout {
  // The C views made from the mirror; JavaScript adds them to the view's
  // exports. Shared with the views, which may outlive the mirror.
  ExportTally* tally = new ExportTally();
  bool released = false;
  // The view's memory and, when a NativeRegion owns it, the region (whose
  // block a C view pins). Strong: the view holds both anyway, and the
  // mirror goes with the view.
  napi_ref buffer = nullptr;
  napi_ref region = nullptr;
};

void FinalizeMirror(napi_env env, void* data, void*) {
  ViewMirror* mirror = static_cast<ViewMirror*>(data);
  UnlistWrap(mirror);
  if (mirror->buffer != nullptr) napi_delete_reference(env, mirror->buffer);
  if (mirror->region != nullptr) napi_delete_reference(env, mirror->region);
  DropTally(mirror->tally);
  delete mirror;
}

ViewMirror* MirrorOf(napi_env env, napi_value value) {
  napi_valuetype type;
  bool tagged = false;
  void* wrapped = nullptr;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_object ||
      napi_check_object_type_tag(env, value, &kMirrorTag, &tagged) != napi_ok ||
      !tagged || napi_unwrap(env, value, &wrapped) != napi_ok) {
    return nullptr;
  }
  return static_cast<ViewMirror*>(wrapped);
}

ViewMirror* LiveMirror(const Napi::CallbackInfo& info) {
  ViewMirror* mirror = MirrorOf(info.Env(), info[0]);
  if (mirror == nullptr) {
    throw Napi::TypeError::New(info.Env(), "not a mirrored MemoryView");
  }
  return mirror;
}

void MirrorView(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject() || MirrorOf(env, info[0]) != nullptr ||
      !info[3].IsString()) {
    throw Napi::TypeError::New(env, "mirrorView: a MemoryView not mirrored");
  }
  ViewMirror* mirror = new ViewMirror();
  try {
    mirror->format = info[3].As<Napi::String>().Utf8Value();
    mirror->itemsize = ToInt64(info[4]);
    mirror->byte_offset = ToInt64(info[5]);
    mirror->len = ToInt64(info[6]);
    mirror->readonly = info[7].ToBoolean();
    mirror->shape = ToInt64Vector(info[8]);
    mirror->strides = ToInt64Vector(info[9]);
    if (mirror->shape.size() != mirror->strides.size()) {
      throw Napi::TypeError::New(env, "mirrorView: shape and strides differ");
    }
    NAPI_THROW_IF_FAILED_VOID(
        env, napi_create_reference(env, info[1], 1, &mirror->buffer));
    if (info[2].IsObject()) {
      NAPI_THROW_IF_FAILED_VOID(
          env, napi_create_reference(env, info[2], 1, &mirror->region));
    }
    NAPI_THROW_IF_FAILED_VOID(env,
                              napi_type_tag_object(env, info[0], &kMirrorTag));
    // Listed before it is wrapped: a failed listing (out of memory) must
    // not leave the object wrapping what the catch below frees.
    ListWrap(mirror, WrapKind::kViewMirror);
    NAPI_THROW_IF_FAILED_VOID(
        env, napi_wrap(env, info[0], mirror, FinalizeMirror, nullptr, nullptr));
  } catch (...) {
    FinalizeMirror(env, mirror, nullptr);
    throw;
  }
}

Napi::Value CViews(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(),
                           static_cast<double>(LiveMirror(info)->tally->views));
}

void ReleaseMirror(const Napi::CallbackInfo& info) {
  LiveMirror(info)->released = true;
}

}  // namespace

int GetMirroredView(napi_env env, void* mirror, napi_value obj, bp_buffer* view,
                    int flags, ThreadViews* views) {
  ViewMirror* m = static_cast<ViewMirror*>(mirror);
  if (m->released || !CheckFlags(flags).ok()) return 0;
  napi_value bytes = nullptr, region = nullptr;
  void* data = nullptr;
  size_t length = 0;
  if (napi_get_reference_value(env, m->buffer, &bytes) != napi_ok ||
      bytes == nullptr ||
      (m->region != nullptr &&
       napi_get_reference_value(env, m->region, &region) != napi_ok) ||
      !BufferMemory(env, bytes, &data, &length) || data == nullptr) {
    return 0;
  }
  int64_t shape[kMaxNdim], strides[kMaxNdim];
  BufferView full, seen;
  if (!FitMirroredLayout(*m, data, length, shape, strides, &full) ||
      !Negotiate(full, flags, &seen).ok()) {
    return 0;
  }
  const int n = full.ndim;
  const size_t format_bytes =
      seen.format == nullptr ? 0 : std::strlen(seen.format) + 1;
  ViewInternal* internal = NewInternal(env, 2 * n, format_bytes, views);
  if (internal == nullptr) return 0;
  if (HoldMemory(env, region, bytes, data, length, internal) != 0) {
    // The facade's path meets the same refusal and words it.
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    FreeInternal(internal, views);
    return 0;
  }
  if (napi_create_reference(env, obj, 1, &view->obj) != napi_ok) {
    FreeInternal(internal, views);
    view->obj = nullptr;
    return -1;
  }
  FillCountedView(full, seen, internal, m->tally, view);
  return 1;
}

Napi::Object InitViewMirror(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("mirrorView", Napi::Function::New(env, MirrorView));
  out.Set("viewMirrorCViews", Napi::Function::New(env, CViews));
  out.Set("releaseViewMirror", Napi::Function::New(env, ReleaseMirror));
  return out;
}

}  // namespace bp::binding
