// Block: one region of native memory (an allocation, a file mapping, or
// memory lent by C code through export_memory) and the count of everything
// that keeps it alive.
//
// Ownership rules:
//   - A Block is freed (or unmapped, or handed back to its C owner through
//     its release callback) exactly once, when its last reference goes.
//   - References are held by: each external ArrayBuffer over it, one per
//     env (dropped by that ArrayBuffer's finalizer); each C view pinned by
//     get_buffer (dropped by release); each share token not yet claimed by
//     a Worker; each async transfer in flight (io/io.cc), whatever happens to
//     the ArrayBuffer meanwhile. The count is atomic because Workers share
//     blocks; all else about a Block is immutable after creation, except
//     `guard` state, which has its own atomics (sigbus_guard.h).
//   - Nobody frees a Block directly: UnrefBlock does.
#ifndef BUFFER_PROTOCOL_BINDING_MEMORY_BLOCK_H_
#define BUFFER_PROTOCOL_BINDING_MEMORY_BLOCK_H_

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace bp::binding {

using ForeignRelease = void (*)(void* ctx, void* ptr);

struct Block {
  void* base = nullptr;  // what to free or unmap
  size_t reserved = 0;   // bytes mapped, when mapped
  bool mapped = false;
  void* data = nullptr;  // aligned start
  size_t size = 0;
  bool file = false;  // a file mapping (msync/madvise apply)
  int guard = -1;     // its SIGBUS guard slot (sigbus_guard.h)
  // Memory lent by C code: freed by calling release(ctx, foreign_ptr).
  bool foreign = false;
  ForeignRelease release = nullptr;
  void* ctx = nullptr;
  void* foreign_ptr = nullptr;
  std::atomic<int64_t> refs{1};
  // Memory lent to JavaScript with a JavaScript release (lent_pointer.h):
  // the env that lent it, and how many of `refs` are held by that env's
  // own ArrayBuffers and regions. At that env's exit the rest are the
  // holders JavaScript cannot see (C views, transfers, other Workers).
  napi_env home = nullptr;
  std::atomic<int64_t> home_holds{0};
};

// Each returns a Block holding one reference, or nullptr when the system
// refuses the memory.
Block* AllocateBlock(size_t size, size_t align, bool zero);
// Maps [offset, offset + length) of a file (length < 0: to its end); see
// native_region.cc for the modes. On failure sets *error (an errno) and
// *syscall, or *error = 0 for a range the file does not hold.
Block* MapFileBlock(const char* path, char mode, int64_t offset, int64_t length,
                    int* error, const char** syscall);
// Wraps C memory; release (may be null) runs when the last reference goes.
Block* ForeignBlock(void* ptr, size_t size, ForeignRelease release, void* ctx);

// A new reference to the live Block whose data starts at `data` and holds
// at least `length` bytes (an external ArrayBuffer of ours, or its
// transferred successor), or nullptr when no such Block exists: the memory
// is someone else's, and only a private copy of it is safe off-thread.
Block* TakeBlockOf(const void* data, size_t length);

void RefBlock(Block* block);
void UnrefBlock(Block* block);
// Counts one reference held in `env` toward block->home_holds when `env` is
// the block's home; returns whether it did, for DropHomeHold later.
bool CountHomeHold(Block* block, napi_env env);
void DropHomeHold(Block* block);
// Drops a foreign Block that was never handed out, without calling its
// release callback: the memory stays its C owner's.
void DiscardForeignBlock(Block* block);

// A Block reference in transit through JavaScript (from the binding to the
// facade and back): a type-tagged external that only TakePendingBlock can
// open, once. If nobody takes it, its finalizer drops the reference.
napi_value WrapPendingBlock(napi_env env, Block* block);
// The Block inside `value`, now the caller's reference; nullptr when
// `value` is not a pending block or was already taken.
Block* TakePendingBlock(napi_env env, napi_value value);

// Worker sharing: a token naming a Block reference that another env can
// claim exactly once. Tokens still unclaimed when the env that made them
// tears down are dropped then.
uint64_t ShareBlock(napi_env owner, Block* block);
Block* ClaimSharedBlock(uint64_t token);
void DropSharedBlocksOf(napi_env owner);

// Process-wide counters of native blocks not yet freed, for leak tests.
Napi::Value RegionStats(const Napi::CallbackInfo& info);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_MEMORY_BLOCK_H_
