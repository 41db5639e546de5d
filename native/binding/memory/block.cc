#include "binding/memory/block.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "binding/memory/sigbus_guard.h"

namespace bp::binding {
namespace {

std::atomic<int64_t> g_live_blocks{0};
std::atomic<int64_t> g_live_bytes{0};
std::atomic<int64_t> g_freed_blocks{0};

// Above this size, memory comes straight from mmap: the kernel hands out
// zeroed pages lazily, so allocating (and zeroing) 1 GiB costs the same as
// 4 KiB. Below it, the allocator is faster and wastes less.
constexpr size_t kMmapThreshold = 128 * 1024;

// Every live Block by the address of its data, so that native code can
// tell from an ArrayBuffer alone whether its memory is a Block it can hold
// (TakeBlockOf), without trusting anything JavaScript says. A multimap:
// C code may lend one pointer twice, and empty foreign blocks share one.
std::mutex g_by_address_mutex;
std::unordered_multimap<const void*, Block*>& ByAddress() {
  static auto* blocks = new std::unordered_multimap<const void*, Block*>();
  return *blocks;
}

void Count(Block* block) {
  g_live_blocks++;
  g_live_bytes += static_cast<int64_t>(block->size);
  std::lock_guard<std::mutex> lock(g_by_address_mutex);
  ByAddress().emplace(block->data, block);
}

void Uncount(Block* block) {
  std::lock_guard<std::mutex> lock(g_by_address_mutex);
  auto [first, last] = ByAddress().equal_range(block->data);
  for (auto it = first; it != last; ++it) {
    if (it->second == block) {
      ByAddress().erase(it);
      return;
    }
  }
}

// Memory lent by C code whose release callback has not run yet. process.exit()
// ends the process without env teardown (no finalizers run), so an atexit
// handler gives these their one callback instead; C libraries may rely on
// it (to flush, or to return memory that outlives the process).
std::mutex g_foreign_mutex;
std::unordered_set<Block*>& LiveForeign() {
  static auto* blocks = new std::unordered_set<Block*>();
  return *blocks;
}

void ReleaseForeignAtExit() {
  std::unordered_set<Block*> pending;
  {
    std::lock_guard<std::mutex> lock(g_foreign_mutex);
    pending.swap(LiveForeign());
  }
  // The blocks themselves stay: ArrayBuffers of the dying heap still name
  // them, and nothing will read them again.
  for (Block* block : pending) {
    ForeignRelease release = block->release;
    block->release = nullptr;
    if (release != nullptr) release(block->ctx, block->foreign_ptr);
  }
}

void FreeBlock(Block* block) {
  Uncount(block);
  UnguardMapping(block->guard);
  if (block->foreign) {
    {
      std::lock_guard<std::mutex> lock(g_foreign_mutex);
      if (LiveForeign().erase(block) == 0)
        block->release = nullptr;  // atexit took it
    }
    if (block->release != nullptr)
      block->release(block->ctx, block->foreign_ptr);
  } else if (block->mapped) {
    munmap(block->base, block->reserved);
  } else {
    std::free(block->base);
  }
  g_live_blocks--;
  g_live_bytes -= static_cast<int64_t>(block->size);
  g_freed_blocks++;
  delete block;
}

// 128-bit tag of pending-block externals: a value from elsewhere (another
// addon's external) can never be mistaken for one.
constexpr napi_type_tag kPendingTag = {0x5b0e8c7d2f914a36ULL,
                                       0xa4c1d9e07b3f2685ULL};

struct Pending {
  Block* block;
};

void FinalizePending(napi_env, void* data, void*) {
  Pending* pending = static_cast<Pending*>(data);
  if (pending->block != nullptr) UnrefBlock(pending->block);
  delete pending;
}

struct SharedEntry {
  Block* block;
  napi_env owner;
};

std::mutex g_shared_mutex;
std::unordered_map<uint64_t, SharedEntry>& SharedBlocks() {
  static auto* blocks = new std::unordered_map<uint64_t, SharedEntry>();
  return *blocks;
}
uint64_t g_next_token = 1;

}  // namespace

Block* AllocateBlock(size_t size, size_t align, bool zero) {
  Block* block = new Block();
  block->size = size;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  if (size >= kMmapThreshold) {
    const size_t extra = align > page ? align : 0;
    if (size > SIZE_MAX - extra) {
      delete block;
      return nullptr;
    }
    block->reserved = size + extra;
    void* base = mmap(nullptr, block->reserved, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
      delete block;
      return nullptr;
    }
    block->base = base;
    block->mapped = true;
    const uintptr_t p = reinterpret_cast<uintptr_t>(base);
    block->data =
        reinterpret_cast<void*>((p + align - 1) & ~(uintptr_t{align} - 1));
  } else {
    // posix_memalign needs a multiple of sizeof(void*); a 0-byte request
    // still gets a real, unique pointer.
    const size_t a = align < sizeof(void*) ? sizeof(void*) : align;
    void* base = nullptr;
    if (posix_memalign(&base, a, size == 0 ? 1 : size) != 0) {
      delete block;
      return nullptr;
    }
    block->base = base;
    block->data = base;
    if (zero) std::memset(base, 0, size);
  }
  Count(block);
  return block;
}

// mode: 'r' and 'c' map privately (copy-on-write, so a stray write from
// JavaScript changes memory, never the file, and never faults), '+' (r+)
// maps shared. The mapping starts at the page boundary below `offset`;
// `data` points at the requested byte.
Block* MapFileBlock(const char* path, char mode, int64_t offset, int64_t length,
                    int* error, const char** syscall) {
  *error = 0;
  // Only a regular file maps with the size fstat reports. Anything else is
  // refused before it is opened, since opening it may block for good (a
  // FIFO waits for a writer) or act (a device); ENODEV is what mmap itself
  // answers for them. A failed stat is left to open, to report as before.
  struct stat st;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    *error = ENODEV;
    *syscall = "mmap";
    return nullptr;
  }
  // O_NONBLOCK: the path may have become a FIFO since the stat.
  const int flags =
      (mode == '+' ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  const int fd = open(path, flags);
  if (fd < 0) {
    *error = errno;
    *syscall = "open";
    return nullptr;
  }
  if (fstat(fd, &st) != 0) {
    *error = errno;
    *syscall = "fstat";
    close(fd);
    return nullptr;
  }
  // O_RDONLY opens a directory, and mmap then fails with ENODEV; report what
  // O_RDWR ('r+') reports, so the same path fails the same way in every mode.
  if (!S_ISREG(st.st_mode)) {
    *error = S_ISDIR(st.st_mode) ? EISDIR : ENODEV;
    *syscall = S_ISDIR(st.st_mode) ? "open" : "mmap";
    close(fd);
    return nullptr;
  }
  const int64_t size = static_cast<int64_t>(st.st_size);
  if (length < 0) length = size - offset;
  if (offset > size || length <= 0 || length > size - offset) {
    close(fd);
    *syscall = "mmap";
    return nullptr;
  }
  const int64_t page = static_cast<int64_t>(sysconf(_SC_PAGESIZE));
  const int64_t aligned = offset - offset % page;
  const size_t reserved = static_cast<size_t>(offset - aligned + length);
  void* base = mmap(nullptr, reserved, PROT_READ | PROT_WRITE,
                    mode == '+' ? MAP_SHARED : MAP_PRIVATE, fd, aligned);
  const int saved = errno;
  close(fd);
  if (base == MAP_FAILED) {
    *error = saved;
    *syscall = "mmap";
    return nullptr;
  }
  // Never a mapping without its guard: a truncation would then kill the
  // process. The table only refuses when it cannot grow.
  const int guard = GuardMapping(base, reserved);
  if (guard < 0) {
    munmap(base, reserved);
    *error = ENOMEM;
    *syscall = "mmap";
    return nullptr;
  }
  Block* block = new Block();
  block->base = base;
  block->reserved = reserved;
  block->mapped = true;
  block->file = true;
  block->data = static_cast<char*>(base) + (offset - aligned);
  block->size = static_cast<size_t>(length);
  block->guard = guard;
  Count(block);
  return block;
}

Block* ForeignBlock(void* ptr, size_t size, ForeignRelease release, void* ctx) {
  Block* block = new Block();
  block->foreign = true;
  block->release = release;
  block->ctx = ctx;
  block->foreign_ptr = ptr;
  // An external ArrayBuffer needs a real address even for 0 bytes; the C
  // owner still gets back exactly the pointer it lent.
  static char empty;
  block->data = ptr != nullptr ? ptr : &empty;
  block->size = size;
  Count(block);
  static std::once_flag registered;
  std::call_once(registered, [] { std::atexit(ReleaseForeignAtExit); });
  std::lock_guard<std::mutex> lock(g_foreign_mutex);
  LiveForeign().insert(block);
  return block;
}

void RefBlock(Block* block) {
  block->refs.fetch_add(1, std::memory_order_relaxed);
}

Block* TakeBlockOf(const void* data, size_t length) {
  if (data == nullptr || length == 0) return nullptr;
  std::lock_guard<std::mutex> lock(g_by_address_mutex);
  auto [first, last] = ByAddress().equal_range(data);
  for (auto it = first; it != last; ++it) {
    Block* block = it->second;
    if (length > block->size) continue;
    // A count already at zero belongs to a Block being freed right now
    // (FreeBlock waits for this lock to unlist it): never revive it.
    int64_t refs = block->refs.load(std::memory_order_relaxed);
    while (refs > 0 && !block->refs.compare_exchange_weak(
                           refs, refs + 1, std::memory_order_acq_rel)) {
    }
    if (refs > 0) return block;
  }
  return nullptr;
}

bool CountHomeHold(Block* block, napi_env env) {
  if (block->home == nullptr || block->home != env) return false;
  block->home_holds.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void DropHomeHold(Block* block) {
  block->home_holds.fetch_sub(1, std::memory_order_acq_rel);
}

void UnrefBlock(Block* block) {
  if (block->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
    FreeBlock(block);
}

void DiscardForeignBlock(Block* block) {
  {
    std::lock_guard<std::mutex> lock(g_foreign_mutex);
    LiveForeign().erase(block);
  }
  block->release = nullptr;
  UnrefBlock(block);
}

napi_value WrapPendingBlock(napi_env env, Block* block) {
  Pending* pending = new Pending{block};
  napi_value value = nullptr;
  if (napi_create_external(env, pending, FinalizePending, nullptr, &value) !=
          napi_ok ||
      napi_type_tag_object(env, value, &kPendingTag) != napi_ok) {
    // The finalizer (if the external was made) or we drop the reference.
    if (value == nullptr) {
      UnrefBlock(block);
      delete pending;
    }
    throw Napi::Error::New(env, "cannot hand a native block to JavaScript");
  }
  return value;
}

Block* TakePendingBlock(napi_env env, napi_value value) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external)
    return nullptr;
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &kPendingTag, &tagged) !=
          napi_ok ||
      !tagged) {
    return nullptr;
  }
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok) return nullptr;
  Pending* pending = static_cast<Pending*>(data);
  Block* block = pending->block;
  pending->block = nullptr;
  return block;
}

uint64_t ShareBlock(napi_env owner, Block* block) {
  RefBlock(block);
  std::lock_guard<std::mutex> lock(g_shared_mutex);
  const uint64_t token = g_next_token++;
  SharedBlocks().emplace(token, SharedEntry{block, owner});
  return token;
}

Block* ClaimSharedBlock(uint64_t token) {
  std::lock_guard<std::mutex> lock(g_shared_mutex);
  auto it = SharedBlocks().find(token);
  if (it == SharedBlocks().end()) return nullptr;
  Block* block = it->second.block;
  SharedBlocks().erase(it);
  return block;
}

void DropSharedBlocksOf(napi_env owner) {
  std::unordered_map<uint64_t, SharedEntry> dropped;
  {
    std::lock_guard<std::mutex> lock(g_shared_mutex);
    auto& blocks = SharedBlocks();
    for (auto it = blocks.begin(); it != blocks.end();) {
      if (it->second.owner == owner) {
        dropped.insert(*it);
        it = blocks.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Outside the lock: a release callback may take its own locks.
  for (auto& entry : dropped) UnrefBlock(entry.second.block);
}

Napi::Value RegionStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("liveBlocks", static_cast<double>(g_live_blocks.load()));
  out.Set("liveBytes", static_cast<double>(g_live_bytes.load()));
  out.Set("freedBlocks", static_cast<double>(g_freed_blocks.load()));
  return out;
}

}  // namespace bp::binding
