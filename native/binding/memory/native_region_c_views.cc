// What C views of a NativeRegion need without a call into JavaScript: its
// owner's tag, the owner's export layout mirrored here, the memory pinned,
// and the count of C views that JavaScript adds to its own exports.
//
// A C consumer names the owner (the NativeBuffer or MappedFile object), not
// the region, so the owner is wrapped with a pointer to the region's
// OwnerTag (the region's own object wraps the region: C then refuses it, as
// JavaScript does), listed as an owner's (c_api/own_wraps.h). The pointer
// needs no finalizer: the owner holds the region's JavaScript object, so the
// region outlives every owner that names it, and a C view holds a reference
// on the owner.
#include "binding/c_api/own_wraps.h"
#include "binding/convert.h"
#include "binding/errors.h"
#include "binding/memory/block.h"
#include "binding/memory/native_region.h"
#include "binding/memory/sigbus_guard.h"
#include "core/buffer_view.h"

namespace bp::binding {

void NativeRegion::BindOwner(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!owner_bound_) {
    Napi::Object owner = info[0].As<Napi::Object>();
    // Listed first: a failed listing (out of memory) leaves nothing wrapped.
    ListWrap(&owner_tag_, WrapKind::kRegionOwner);
    const napi_status wrapped =
        napi_wrap(env, owner, &owner_tag_, nullptr, nullptr, nullptr);
    if (wrapped != napi_ok) UnlistWrap(&owner_tag_);
    NAPI_THROW_IF_FAILED_VOID(env, wrapped);
    owner_bound_ = true;
  }
  // The facade checked the layout; the C views' path still checks it
  // against the memory (c_api/own_exporters.cc), once per length it meets.
  Mirror mirror;
  mirror.readonly = info[1].ToBoolean();
  if (info[2].IsObject()) {
    Napi::Object layout = info[2].As<Napi::Object>();
    mirror.has_layout = true;
    Napi::Value format = layout.Get("format");
    if (!format.IsString()) {
      throw CodedError(env, ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE",
                       "bindOwner: layout.format must be a string");
    }
    mirror.format = format.As<Napi::String>().Utf8Value();
    mirror.itemsize = ToInt64(layout.Get("itemsize"));
    mirror.byte_offset = ToInt64(layout.Get("byteOffset"));
    mirror.len = ToInt64(layout.Get("len"));
    mirror.shape = ToInt64Vector(layout.Get("shape"));
    mirror.strides = ToInt64Vector(layout.Get("strides"));
  }
  mirror_ = std::move(mirror);
}

Napi::Value NativeRegion::CExports(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(c_views_->views));
}

bool NativeRegion::PinForC(napi_env env, void** data, size_t* length,
                           Block** pin) {
  if (copy_ || closed_ || block_ == nullptr || truncated_ ||
      MappingTruncated(block_->guard)) {
    return false;
  }
  size_t current = 0;
  void* bytes = CurrentData(Napi::Env(env), &current);
  if (current != length_ || (bytes == nullptr && length_ > 0)) return false;
  RefBlock(block_);
  *pin = block_;
  *data = bytes;
  *length = current;
  return true;
}

}  // namespace bp::binding
