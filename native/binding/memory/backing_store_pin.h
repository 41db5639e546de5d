// A held C view's own hold on memory that V8 owns.
//
// A napi_ref keeps an ArrayBuffer object alive, not its memory attached:
// JavaScript can transfer the buffer away (structuredClone, postMessage,
// ArrayBuffer.prototype.transfer) or a NativeBuffer in copy mode can be
// force-closed, and once the new owner is collected the memory is freed
// under the C view. What keeps memory alive in V8 is its BackingStore,
// shared by every ArrayBuffer that ever held it; a view that holds a
// reference to the BackingStore reads the same bytes until it lets go,
// whoever owns or detached them meanwhile.
//
// This is the one file of the binding that includes <v8.h>: N-API has no
// call for a backing store. Memory of the library's own blocks (NativeBuffer,
// MappedFile) is pinned through the Block instead (c_api/via_facade.cc).
//
// Pins are per thread: taken, and dropped, on the JavaScript thread of the
// isolate whose buffer it is (a C view is filled and released on its env's
// thread), and the env's teardown drops the stores still pinned.
#ifndef BUFFER_PROTOCOL_BINDING_MEMORY_BACKING_STORE_PIN_H_
#define BUFFER_PROTOCOL_BINDING_MEMORY_BACKING_STORE_PIN_H_

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace bp::binding {

// One view's pin; zero-initialized (entry nullptr) means empty. A pin is
// an opaque pointer, so that a view can carry it alone (c_api/view_internal.h).
struct BackingStorePin {
  void* entry;
};

// A thread's pins: the store pinned last (kept to make the next pin of the
// same buffer cheap, see the .cc) and the list of every store pinned, for
// the env's teardown. Kept by the caller with its other per-thread state,
// so that the hot path reads thread-local storage once. Zero-initialized.
struct PinCache {
  void* recent;   // a PinHead
  void* entries;  // the Entry listed first
};

// What the hot path reads and writes of a pinned store's entry, inline, so
// that a loop of get_buffer/release over one array calls nothing here for
// its pins (the .cc's entry begins with it and keeps the store). A pin's
// entry and a cache's `recent` point at one.
struct PinHead {
  const void* data;  // the store's Data(), never nullptr
  size_t length;     // its ByteLength() when pinned
  uint64_t views;    // the pins held
  PinCache* home;    // the thread's cache it was made for (nullptr: an own pin)
  bool recent;       // its cache's `recent` points here
  // The shape and strides of one-dimensional views of the store, shared
  // by the views of one shape that pin it (see PinnedArrays).
  int64_t arrays[2];
};

// The memory of `buffer` as V8 knows it: false unless it is an ArrayBuffer
// or a SharedArrayBuffer (N-API cannot read the latter); *data is nullptr
// and *length 0 when it is detached. Runs no JavaScript.
bool BufferMemory(napi_env env, napi_value buffer, void** data, size_t* length);

// Whether this runtime gives addons V8's API (Node, Electron). Where it does
// not (Bun, Deno), nothing here calls V8: BufferMemory reads through
// N-API, and no pin can be taken (the Pin functions return false).
bool HaveBackingStores();

// PinBackingStore past its cache: asks V8 for the store and keeps it as the
// cache's recent entry.
bool PinNewBackingStore(PinCache* cache, napi_value buffer, const void* data,
                        size_t needed, BackingStorePin* pin);

// Pins the BackingStore of `buffer`, an ArrayBuffer or a SharedArrayBuffer
// whose memory starts at `data`, of which the view needs the first `needed`
// (> 0) bytes, into the empty *pin, through this thread's `cache`. False
// (and *pin left empty) when buffer is not that, or where this runtime has
// no backing stores (HaveBackingStores). Runs no JavaScript and creates no
// handle.
inline bool PinBackingStore(PinCache* cache, napi_value buffer,
                            const void* data, size_t needed,
                            BackingStorePin* pin) {
  // The same memory is the same store: while an entry holds memory, no
  // other allocation can have its address. (Two external stores can alias
  // one C allocation; its owner must then keep it while either lives, or
  // JavaScript itself could read it freed, so holding either is enough.)
  // So the hot case asks V8 nothing at all.
  PinHead* head = static_cast<PinHead*>(cache->recent);
  if (head != nullptr && buffer != nullptr && needed != 0 &&
      head->data == data && head->length >= needed) {
    head->views++;
    pin->entry = head;
    return true;
  }
  return PinNewBackingStore(cache, buffer, data, needed, pin);
}

// The same outside any cache: the pin lives until UnpinBackingStore, even
// past the env's teardown (the C API's scratch, which its state reads
// until the state is freed).
bool PinOwnBackingStore(napi_value buffer, const void* data, size_t needed,
                        BackingStorePin* pin);

// Room for a one-dimensional view's shape {count} and strides {itemsize},
// shared by the views of that shape which hold a pin of the same store, so
// that such a view needs no arrays of its own (the C API's FULL requests on
// a built-in). Valid while `pin` is; nullptr for an empty pin, or while views
// of another shape hold the store.
inline int64_t* PinnedArrays(const BackingStorePin* pin, int64_t count,
                             int64_t itemsize) {
  PinHead* head = static_cast<PinHead*>(pin->entry);
  if (head == nullptr) return nullptr;
  // Every view that reads the arrays holds a pin of the entry: when this
  // pin is the only one, nobody reads them and they may change.
  if (head->views == 1) {
    head->arrays[0] = count;
    head->arrays[1] = itemsize;
    return head->arrays;
  }
  return head->arrays[0] == count && head->arrays[1] == itemsize ? head->arrays
                                                                 : nullptr;
}

// Whether the pinned memory may grow or shrink from JavaScript (a resizable
// ArrayBuffer or growable SharedArrayBuffer): V8's own answer, which no
// JavaScript can tamper with. False for an empty pin.
bool PinnedResizable(const BackingStorePin* pin);

// The pinned memory; nullptr for an empty pin.
inline void* PinnedData(const BackingStorePin* pin) {
  return pin->entry == nullptr
             ? nullptr
             : const_cast<void*>(static_cast<PinHead*>(pin->entry)->data);
}

// Whether the pin was taken through `cache` (so on its thread).
inline bool PinnedBy(const BackingStorePin* pin, const PinCache* cache) {
  const PinHead* head = static_cast<const PinHead*>(pin->entry);
  return head != nullptr && head->home == cache;
}

// Frees an entry that no pin and no cache holds any more (the .cc).
void DropPinEntry(PinHead* head);

// Drops the pin (the memory is freed if nothing else holds it) and leaves
// *pin empty. Nothing for an empty pin. On the thread that took it.
inline void UnpinBackingStore(BackingStorePin* pin) {
  PinHead* head = static_cast<PinHead*>(pin->entry);
  if (head == nullptr) return;
  pin->entry = nullptr;
  if (--head->views == 0 && !head->recent) DropPinEntry(head);
}

// At the env's teardown: drops every store pinned through `cache` (views
// still held keep an empty pin, which UnpinBackingStore frees later).
void DropPinsOnTeardown(PinCache* cache);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_MEMORY_BACKING_STORE_PIN_H_
