#include "binding/memory/backing_store_pin.h"

#include <dlfcn.h>
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

// One reference to a BackingStore, shared by one thread's views of it
// through a plain count (its PinHead, which the header's inline hot path
// reads). Asking V8 for the store costs five atomic operations and copying
// a shared_ptr one more each way; a hot loop of get_buffer/release over one
// array then pays for none of them.
//
// A cache's entries are listed (prev/next) so that its env's teardown can
// drop their stores; an entry whose views outlive that stays, unlisted and
// empty, until they are released.
struct Entry : PinHead {
  std::shared_ptr<v8::BackingStore> store;
  PinCache* owner;  // the cache that lists it; nullptr once unlisted
  Entry* prev;
  Entry* next;
};

// c_api/view_internal.h tags an entry's address in its low bit.
static_assert(alignof(Entry) >= 2, "an entry's address has a free low bit");

// Pins and caches hold an entry as its PinHead (a base, which need not
// start the Entry): every conversion goes through these two.
Entry* EntryOf(void* head) {
  return static_cast<Entry*>(static_cast<PinHead*>(head));
}
void* HeadOf(Entry* entry) { return static_cast<PinHead*>(entry); }

// The entry pinned last on a thread (its cache's `recent`) is kept, even
// with no view, so that the next views of the same buffer find it. It keeps
// that one store alive a little past its views: until the outermost
// JavaScript call on the thread completes (V8's call-completed callback),
// another buffer is pinned, or the env ends. The callback finds the cache
// through t_cache; it is set for the thread's isolate while an entry is kept.
thread_local PinCache* t_cache = nullptr;
thread_local v8::Isolate* t_callback_isolate = nullptr;

void CallCompleted(v8::Isolate*);

void Unlist(Entry* entry) {
  PinCache* cache = entry->owner;
  if (cache == nullptr) return;
  if (entry->prev != nullptr)
    entry->prev->next = entry->next;
  else
    cache->entries = entry->next;
  if (entry->next != nullptr) entry->next->prev = entry->prev;
  entry->owner = nullptr;
  entry->prev = entry->next = nullptr;
}

void Drop(Entry* entry) {
  if (entry->views != 0 || entry->recent) return;
  Unlist(entry);
  delete entry;
}

void Forget(PinCache* cache) {
  if (cache != nullptr && cache->recent != nullptr) {
    Entry* entry = EntryOf(cache->recent);
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

std::shared_ptr<v8::BackingStore> StoreOf(napi_value buffer, const void* data,
                                          size_t needed) {
  v8::Local<v8::Value> value = ToLocal(buffer);
  std::shared_ptr<v8::BackingStore> store;
  if (value->IsArrayBuffer())
    store = value.As<v8::ArrayBuffer>()->GetBackingStore();
  else if (value->IsSharedArrayBuffer())
    store = value.As<v8::SharedArrayBuffer>()->GetBackingStore();
  if (store == nullptr || store->Data() != data || store->ByteLength() < needed)
    return nullptr;
  return store;
}

Entry* NewEntry(std::shared_ptr<v8::BackingStore> store) {
  const void* data = store->Data();
  const size_t length = store->ByteLength();
  return new (std::nothrow) Entry{{data, length, 0, nullptr, false, {-1, -1}},
                                  std::move(store),
                                  nullptr,
                                  nullptr,
                                  nullptr};
}

Entry* Remember(PinCache* cache, std::shared_ptr<v8::BackingStore> store) {
  Entry* entry = NewEntry(std::move(store));
  if (entry == nullptr) return nullptr;
  entry->home = entry->owner = cache;
  entry->next = static_cast<Entry*>(cache->entries);
  if (entry->next != nullptr) entry->next->prev = entry;
  cache->entries = entry;
  if (cache->recent != nullptr) {
    Entry* previous = EntryOf(cache->recent);
    previous->recent = false;
    Drop(previous);
  }
  entry->recent = true;
  cache->recent = HeadOf(entry);
  if (t_callback_isolate == nullptr) {
    t_callback_isolate = v8::Isolate::GetCurrent();
    t_callback_isolate->AddCallCompletedCallback(CallCompleted);
    t_cache = cache;
  }
  return entry;
}

}  // namespace

bool HaveBackingStores() {
  // Node and Electron export V8's symbols to addons. Bun and Deno run
  // N-API addons without them, and lazy binding kills the process at the
  // first call of a missing one: look it up once, before any call.
  // Every V8 function this file calls (nm -u of the addon): a runtime may
  // implement some of V8's API and not others (Bun has GetBackingStore).
  static const bool have = [] {
    static const char* const kSymbols[] = {
        "_ZN2v811ArrayBuffer15GetBackingStoreEv",
        "_ZN2v817SharedArrayBuffer15GetBackingStoreEv",
        "_ZN2v87Isolate10GetCurrentEv",
        "_ZN2v87Isolate24AddCallCompletedCallbackEPFvPS0_E",
        "_ZN2v87Isolate27RemoveCallCompletedCallbackEPFvPS0_E",
        "_ZNK2v811ArrayBuffer10ByteLengthEv",
        "_ZNK2v811ArrayBuffer4DataEv",
        "_ZNK2v812BackingStore10ByteLengthEv",
        "_ZNK2v812BackingStore27IsResizableByUserJavaScriptEv",
        "_ZNK2v812BackingStore4DataEv",
        "_ZNK2v817SharedArrayBuffer10ByteLengthEv",
        "_ZNK2v817SharedArrayBuffer4DataEv",
        "_ZNK2v85Value13IsArrayBufferEv",
        "_ZNK2v85Value19IsSharedArrayBufferEv",
    };
    for (const char* symbol : kSymbols) {
      if (dlsym(RTLD_DEFAULT, symbol) == nullptr) return false;
    }
    return true;
  }();
  return have;
}

bool BufferMemory(napi_env env, napi_value buffer, void** data,
                  size_t* length) {
  *data = nullptr;
  *length = 0;
  if (buffer == nullptr) return false;
  if (!HaveBackingStores()) {
    // N-API reads ArrayBuffers only (SharedArrayBuffer needs NAPI 10).
    bool is = false;
    if (napi_is_arraybuffer(env, buffer, &is) != napi_ok || !is) return false;
    if (napi_get_arraybuffer_info(env, buffer, data, length) != napi_ok) {
      return false;
    }
    if (*data == nullptr) *length = 0;
    return true;
  }
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

bool PinNewBackingStore(PinCache* cache, napi_value buffer, const void* data,
                        size_t needed, BackingStorePin* pin) {
  if (!HaveBackingStores()) return false;
  if (buffer == nullptr || data == nullptr || needed == 0) return false;
  std::shared_ptr<v8::BackingStore> store = StoreOf(buffer, data, needed);
  if (store == nullptr) return false;
  Entry* entry = Remember(cache, std::move(store));
  if (entry == nullptr) return false;
  entry->views++;
  pin->entry = HeadOf(entry);
  return true;
}

bool PinOwnBackingStore(napi_value buffer, const void* data, size_t needed,
                        BackingStorePin* pin) {
  if (!HaveBackingStores()) return false;
  if (buffer == nullptr || data == nullptr || needed == 0) return false;
  std::shared_ptr<v8::BackingStore> store = StoreOf(buffer, data, needed);
  Entry* entry = store == nullptr ? nullptr : NewEntry(std::move(store));
  if (entry == nullptr) return false;
  entry->views = 1;
  pin->entry = HeadOf(entry);
  return true;
}

bool PinnedResizable(const BackingStorePin* pin) {
  const Entry* entry = pin->entry == nullptr ? nullptr : EntryOf(pin->entry);
  return entry != nullptr && entry->store != nullptr &&
         entry->store->IsResizableByUserJavaScript();
}

void DropPinEntry(PinHead* head) { Drop(static_cast<Entry*>(head)); }

void DropPinsOnTeardown(PinCache* cache) {
  Forget(cache);
  while (cache->entries != nullptr) {
    Entry* entry = static_cast<Entry*>(cache->entries);
    Unlist(entry);
    entry->store.reset();
    if (entry->views == 0) delete entry;
  }
}

}  // namespace bp::binding
