// NativeRegion: owned native memory exposed as exactly one ArrayBuffer.
//
// Ownership rules:
//   - The memory block belongs to the finalizer of the ArrayBuffer that
//     wraps it. Nothing else frees it, so no pointer outlives its block.
//   - close() and resize() detach the current ArrayBuffer: every JS view of
//     it reads as length 0 at once, and V8 then lets go of the block, whose
//     finalizer frees it on a later turn of the event loop.
//   - The export count is the number of live holds (getBuffer exports,
//     views, in-flight I/O). While it is above zero, resize() and close()
//     refuse unless forced.
// A NativeRegion lives on the thread of the env that created it. Its Block
// (block.h) may be shared: with C views that pin it, and with other envs.
#ifndef BUFFER_PROTOCOL_BINDING_NATIVE_REGION_H_
#define BUFFER_PROTOCOL_BINDING_NATIVE_REGION_H_

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace bp::binding {

struct Block;

class NativeRegion : public Napi::ObjectWrap<NativeRegion> {
 public:
  static Napi::Function Init(Napi::Env env);

  // new NativeRegion(size, align, zero)
  explicit NativeRegion(const Napi::CallbackInfo& info);
  ~NativeRegion() override;

 private:
  Napi::Value Buffer(const Napi::CallbackInfo& info);
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value Exports(const Napi::CallbackInfo& info);
  Napi::Value IsClosed(const Napi::CallbackInfo& info);
  Napi::Value IsCopy(const Napi::CallbackInfo& info);
  Napi::Value IsForeign(const Napi::CallbackInfo& info);
  Napi::Value Address(const Napi::CallbackInfo& info);
  void Acquire(const Napi::CallbackInfo& info);
  void Release(const Napi::CallbackInfo& info);
  Napi::Value Resize(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  void Flush(const Napi::CallbackInfo& info);
  void Advise(const Napi::CallbackInfo& info);
  Napi::Value Truncated(const Napi::CallbackInfo& info);
  Napi::Value Share(const Napi::CallbackInfo& info);
  Napi::Value Pin(const Napi::CallbackInfo& info);

  // Wraps a fresh block of `size` bytes in an ArrayBuffer and makes it
  // current; the first `keep` bytes are copied from the current block.
  void Replace(Napi::Env env, size_t size, size_t keep);
  // Wraps `block` in a new ArrayBuffer (or, where the runtime refuses
  // external memory, copies it into one), copying the first `keep` bytes of
  // the current memory, and detaches the old ArrayBuffer.
  void Install(Napi::Env env, Block* block, size_t keep);
  void Detach(Napi::Env env);
  // The current memory and its length, or nullptr once closed or detached.
  void* CurrentData(Napi::Env env, size_t* length);

  Napi::Reference<Napi::ArrayBuffer> buffer_;
  size_t length_ = 0;
  size_t align_ = 64;
  bool zero_ = true;
  bool copy_ = false;
  bool closed_ = false;
  // The current block, with a reference of the region's own, until close
  // or resize detaches its ArrayBuffer (for msync, madvise, share, pin);
  // null in copy mode.
  Block* block_ = nullptr;
  // 0 for allocated memory; 'r', 'c' or '+' (r+) for a file mapping.
  char file_mode_ = 0;
  bool truncated_ = false;
  // Memory lent by C code (export_memory): never resized.
  bool foreign_ = false;
  std::atomic<int64_t> exports_{0};
};

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_NATIVE_REGION_H_
