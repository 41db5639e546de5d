#include "backing_store_pin.h"

#include <v8.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

namespace bp::binding {
namespace {

// A napi_value is, in Node, the address of a v8::Local's slot: Node's own
// v8impl::V8LocalValueFromJsValue turns one into the other by copying the
// pointer, and this does the same. It holds for every Node-API runtime
// built on V8 (Node, Electron), the only ones whose ArrayBuffers have
// BackingStores; the sizes are checked here, the rest is that contract.
static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>),
              "a napi_value is a v8::Local<v8::Value>");

v8::Local<v8::Value> ToLocal(napi_value value) {
  v8::Local<v8::Value> local;
  std::memcpy(static_cast<void*>(&local), &value, sizeof(value));
  return local;
}

// One reference to a BackingStore, shared by this thread's views of it
// through a plain count. Asking V8 for the store costs five atomic
// operations and copying a shared_ptr one more each way; a hot loop of
// get_buffer/release over one array then pays for none of them.
struct Entry {
  std::shared_ptr<v8::BackingStore> store;
  void* data;     // store->Data(), never nullptr
  size_t length;  // store->ByteLength() when pinned
  uint64_t views;
  bool recent;    // its cache points here
};

// The entry pinned last on a thread (its PinCache) is kept, even with no
// view, so that the next views of the same buffer find it. It keeps that
// one store alive a little past its views: until the outermost JavaScript
// call on the thread completes (V8's call-completed callback), another
// buffer is pinned, or the env ends. The callback finds the cache through
// t_cache; it is set for the thread's isolate while an entry is kept.
thread_local PinCache* t_cache = nullptr;
thread_local v8::Isolate* t_callback_isolate = nullptr;

void CallCompleted(v8::Isolate*);

void Drop(Entry* entry) {
  if (entry->views == 0 && !entry->recent) delete entry;
}

void Forget(PinCache* cache) {
  if (cache != nullptr && cache->recent != nullptr) {
    Entry* entry = static_cast<Entry*>(cache->recent);
    cache->recent = nullptr;
    entry->recent = false;
    Drop(entry);
  }
  if (t_callback_isolate != nullptr) {
    t_callback_isolate->RemoveCallCompletedCallback(CallCompleted);
    t_callback_isolate = nullptr;
    t_cache = nullptr;
  }
}

void CallCompleted(v8::Isolate*) { Forget(t_cache); }

Entry* Remember(PinCache* cache, std::shared_ptr<v8::BackingStore> store) {
  void* data = store->Data();
  const size_t length = store->ByteLength();
  Entry* entry = new (std::nothrow) Entry{std::move(store), data, length, 0, true};
  if (entry == nullptr) return nullptr;
  if (cache->recent != nullptr) {
    Entry* previous = static_cast<Entry*>(cache->recent);
    previous->recent = false;
    Drop(previous);
  }
  cache->recent = entry;
  if (t_callback_isolate == nullptr) {
    t_callback_isolate = v8::Isolate::GetCurrent();
    t_callback_isolate->AddCallCompletedCallback(CallCompleted);
    t_cache = cache;
  }
  return entry;
}

}  // namespace

bool BufferMemory(napi_value buffer, void** data, size_t* length) {
  *data = nullptr;
  *length = 0;
  if (buffer == nullptr) return false;
  v8::Local<v8::Value> value = ToLocal(buffer);
  if (value->IsArrayBuffer()) {
    *data = value.As<v8::ArrayBuffer>()->Data();
    *length = value.As<v8::ArrayBuffer>()->ByteLength();
  } else if (value->IsSharedArrayBuffer()) {
    *data = value.As<v8::SharedArrayBuffer>()->Data();
    *length = value.As<v8::SharedArrayBuffer>()->ByteLength();
  } else {
    return false;
  }
  if (*data == nullptr) *length = 0;
  return true;
}

bool PinBackingStore(PinCache* cache, napi_value buffer, const void* data, size_t needed,
                     BackingStorePin* pin) {
  if (buffer == nullptr || data == nullptr || needed == 0) return false;
  // The same memory is the same store: while an entry holds memory, no
  // other allocation can have its address. (Two external stores can alias
  // one C allocation; its owner must then keep it while either lives, or
  // JavaScript itself could read it freed, so holding either is enough.)
  // So the hot case asks V8 nothing at all.
  Entry* entry = static_cast<Entry*>(cache->recent);
  if (entry == nullptr || entry->data != data || entry->length < needed) {
    v8::Local<v8::Value> value = ToLocal(buffer);
    std::shared_ptr<v8::BackingStore> store;
    if (value->IsArrayBuffer()) store = value.As<v8::ArrayBuffer>()->GetBackingStore();
    else if (value->IsSharedArrayBuffer()) store = value.As<v8::SharedArrayBuffer>()->GetBackingStore();
    if (store == nullptr || store->Data() != data || store->ByteLength() < needed) return false;
    entry = Remember(cache, std::move(store));
    if (entry == nullptr) return false;
  }
  entry->views++;
  pin->entry = entry;
  return true;
}

bool PinnedResizable(const BackingStorePin* pin) {
  return pin->entry != nullptr && static_cast<Entry*>(pin->entry)->store->IsResizableByUserJavaScript();
}

void* PinnedData(const BackingStorePin* pin) {
  return pin->entry == nullptr ? nullptr : static_cast<Entry*>(pin->entry)->data;
}

void UnpinBackingStore(BackingStorePin* pin) {
  Entry* entry = static_cast<Entry*>(pin->entry);
  if (entry == nullptr) return;
  pin->entry = nullptr;
  entry->views--;
  Drop(entry);
}

void ForgetRecentPin(PinCache* cache) { Forget(cache); }

}  // namespace bp::binding
