// NativeRegion: owned native memory exposed as exactly one ArrayBuffer.
//
// Ownership rules:
//   - The memory block belongs to the finalizer of the ArrayBuffer that
//     wraps it. Nothing else frees it, so no pointer outlives its block.
//   - close() and resize() detach the current ArrayBuffer: every JS view of
//     it reads as length 0 at once, and V8 then lets go of the block, whose
//     finalizer frees it on a later turn of the event loop.
//   - The export count (getBuffer exports, views, in-flight I/O) is kept by
//     the JavaScript owner (src/owners/region-owner.ts): close() and
//     resize() refuse there while it is above zero, unless forced. It is a
//     policy; what keeps memory alive is the block's references.
// A NativeRegion lives on the thread of the env that created it. Its Block
// (block.h) may be shared: with C views that pin it, and with other envs.
#ifndef BUFFER_PROTOCOL_BINDING_MEMORY_NATIVE_REGION_H_
#define BUFFER_PROTOCOL_BINDING_MEMORY_NATIVE_REGION_H_

#include <napi.h>

#include "binding/c_api/mirrored_layout.h"
#include "binding/memory/export_tally.h"
#include "binding/memory/external_buffer.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bp::binding {

struct Block;

class NativeRegion : public Napi::ObjectWrap<NativeRegion> {
 public:
  static Napi::Function Init(Napi::Env env);

  // new NativeRegion(size, align, zero): allocated memory;
  // new NativeRegion(path, mode, offset, length): a file mapping;
  // new NativeRegion(pendingBlock): memory lent by C code (c_api/lend.cc);
  // new NativeRegion(token): a block another env shared with this one.
  explicit NativeRegion(const Napi::CallbackInfo& info);
  ~NativeRegion() override;

  // A new reference to the current block of `value`, if it is a
  // NativeRegion (its type tag says so: no JavaScript object can pass for
  // one) that still has one; else nullptr. For the C view being made
  // (c_api/via_facade.cc), so that its memory outlives a forced close()
  // until the view is released; nullptr in copy mode, where the memory is
  // V8's and the view pins its backing store instead.
  static Block* PinBlockOf(napi_env env, napi_value value);

  // What C views of the region need without a call into JavaScript
  // (c_api/own_exporters.cc); defined in native_region_c_views.cc.
  //
  // The export layout of the region's JavaScript owner (a NativeBuffer or
  // MappedFile), mirrored when the owner is made and after each resize: it
  // never changes while anything is exported.
  struct Mirror : MirroredLayout {
    bool has_layout = false;  // false: plain bytes, as PyBuffer_FillInfo
  };
  // The memory a C view may use, with a new reference on its block; false
  // when only the facade's path can answer (closed, detached, truncated,
  // or bytes in V8's memory), which words the refusal.
  bool PinForC(napi_env env, void** data, size_t* length, Block** pin);
  const Mirror& mirror() const { return mirror_; }
  // What the owner's wrap points to (own_wraps.h): not the region itself,
  // which its own JavaScript object wraps (ObjectWrap), so that C's
  // get_buffer takes the owner for an exporter and not that object, as
  // JavaScript's getBuffer does.
  struct OwnerTag {
    NativeRegion* region;
  };
  static NativeRegion* OfOwnerTag(void* wrapped) {
    return static_cast<OwnerTag*>(wrapped)->region;
  }
  // The count of C views that hold this region's memory; JavaScript adds
  // it to its own count of exports (src/owners/region-owner.ts).
  ExportTally* c_views() { return c_views_; }

 private:
  Napi::Value Buffer(const Napi::CallbackInfo& info);
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value IsClosed(const Napi::CallbackInfo& info);
  Napi::Value IsCopy(const Napi::CallbackInfo& info);
  Napi::Value IsForeign(const Napi::CallbackInfo& info);
  Napi::Value Address(const Napi::CallbackInfo& info);
  Napi::Value Resize(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  void Flush(const Napi::CallbackInfo& info);
  void Advise(const Napi::CallbackInfo& info);
  Napi::Value TruncationFlag(const Napi::CallbackInfo& info);
  Napi::Value Truncated(const Napi::CallbackInfo& info);
  Napi::Value Share(const Napi::CallbackInfo& info);
  // bindOwner(owner, readonly, layout | null): tags the owner and mirrors
  // its export layout (again after a resize).
  void BindOwner(const Napi::CallbackInfo& info);
  Napi::Value CExports(const Napi::CallbackInfo& info);

  // What the memory is: it names the owner in messages ("MappedFile is
  // closed") and decides what resize, flush and advise may do.
  enum class Kind : char {
    kAllocated,
    kForeign,  // lent by C code (export_memory): never resized
    kMappedRead = 'r',
    kMappedCopy = 'c',    // copy-on-write
    kMappedShared = '+',  // r+: writes reach the file
  };
  // The factories of the constructor's forms other than allocation: each
  // returns a block holding one reference and what it is.
  struct Origin {
    Block* block;
    Kind kind;
  };
  static Origin AdoptPending(Napi::Env env, Napi::Value pending);
  static Origin ClaimShared(Napi::Env env, Napi::BigInt token);
  static Origin MapFile(const Napi::CallbackInfo& info);
  static Kind KindOf(const Block* block);
  static const napi_type_tag kRegionTag;

  bool mapped() const {
    return kind_ != Kind::kAllocated && kind_ != Kind::kForeign;
  }
  // The public class over this region, for messages.
  const char* owner() const { return mapped() ? "MappedFile" : "NativeBuffer"; }
  // Throws ERR_BUFFER_RELEASED: "<owner> <what>".
  [[noreturn]] void ThrowReleased(Napi::Env env, const char* what) const;

  // Wraps a fresh block of `size` bytes in an ArrayBuffer and makes it
  // current; the first `keep` bytes are copied from the current block.
  void Replace(Napi::Env env, size_t size, size_t keep);
  // Wraps `block` in a new ArrayBuffer (or, where the runtime refuses
  // external memory, copies it into one), copying the first `keep` bytes of
  // the current memory, and detaches the old ArrayBuffer.
  void Install(Napi::Env env, Block* block, size_t keep);
  void Detach(Napi::Env env);
  // Drops the region's own reference to block_.
  void ReleaseOwn();
  // The current memory and its length, or nullptr once closed or detached.
  void* CurrentData(Napi::Env env, size_t* length);
  Block* LiveBlock(Napi::Env env);

  Kind kind_ = Kind::kAllocated;
  Napi::Reference<Napi::ArrayBuffer> buffer_;
  size_t length_ = 0;
  size_t align_ = 64;
  bool zero_ = true;
  // The bytes live in V8's memory (the runtime refused external memory);
  // stays true after close(), which isCopy still reports.
  bool copy_ = false;
  // Terminal: close() ran.
  bool closed_ = false;
  // The current block, with a reference of the region's own, until close
  // or resize detaches its ArrayBuffer (for msync, madvise, share and C
  // views' pins); null in copy mode.
  Block* block_ = nullptr;
  // The region's reference counts toward block_->home_holds.
  bool home_hold_ = false;
  // What the current ArrayBuffer holds (alive while buffer_ keeps it),
  // let go when the region detaches it; null in copy mode.
  ArrayBufferHold* ab_hold_ = nullptr;
  // A fault past the end of the file was absorbed, seen at the last detach
  // (the live block's guard says it for the current mapping).
  bool truncated_ = false;
  bool owner_bound_ = false;
  OwnerTag owner_tag_{this};
  Mirror mirror_;
  ExportTally* c_views_ = new ExportTally();
};

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_MEMORY_NATIVE_REGION_H_
