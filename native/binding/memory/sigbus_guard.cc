#include "binding/memory/sigbus_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>

namespace bp::binding {
namespace {

// The table grows by chunks that are never freed, linked through atomics:
// the handler walks them without a lock, and a slot index stays valid
// forever. Slots are reused once their mapping is gone, so the chunks
// follow the most mappings alive at once, not the mappings ever made.
constexpr int kChunkSlots = 4096;
// 1 Mi slots: far beyond vm.max_map_count (65530 by default), and the
// index still fits an int.
constexpr int kMaxChunks = 256;

struct Slot {
  std::atomic<uintptr_t> start{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> truncated{false};
};

struct Chunk {
  Slot slots[kChunkSlots];
  std::atomic<Chunk*> next{nullptr};
};

Chunk g_first;

Slot* SlotAt(int index) {
  Chunk* chunk = &g_first;
  for (int c = index / kChunkSlots; c > 0 && chunk != nullptr; c--) {
    chunk = chunk->next.load(std::memory_order_acquire);
  }
  return chunk == nullptr ? nullptr : &chunk->slots[index % kChunkSlots];
}

struct sigaction g_previous;
std::once_flag g_installed;

// True when addr lies in one of our mappings and a zero page now covers it.
bool Absorb(uintptr_t addr) {
  for (Chunk* chunk = &g_first; chunk != nullptr;
       chunk = chunk->next.load(std::memory_order_acquire)) {
    for (Slot& slot : chunk->slots) {
      const uintptr_t start = slot.start.load(std::memory_order_acquire);
      if (start == 0 || addr < start ||
          addr >= slot.end.load(std::memory_order_acquire))
        continue;
      const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
      void* at = reinterpret_cast<void*>(addr & ~(page - 1));
      if (mmap(at, page, PROT_READ | PROT_WRITE,
               MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
        return false;
      slot.truncated.store(true, std::memory_order_release);
      return true;
    }
  }
  return false;
}

void Handler(int sig, siginfo_t* info, void* context) {
  if (Absorb(reinterpret_cast<uintptr_t>(info->si_addr))) return;
  // Not ours: hand over to whoever handled SIGBUS before us.
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction != nullptr) {
      g_previous.sa_sigaction(sig, info, context);
      return;
    }
  } else if (g_previous.sa_handler != SIG_DFL &&
             g_previous.sa_handler != SIG_IGN &&
             g_previous.sa_handler != nullptr) {
    g_previous.sa_handler(sig);
    return;
  }
  // Default action: restore it and raise again (a fault would also recur on
  // return, but a signal sent with kill() would just be lost).
  signal(SIGBUS, SIG_DFL);
  raise(SIGBUS);
}

void Install() {
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_sigaction = Handler;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, &g_previous);
}

}  // namespace

int GuardMapping(void* start, size_t length) {
  std::call_once(g_installed, Install);
  const uintptr_t s = reinterpret_cast<uintptr_t>(start);
  Chunk* chunk = &g_first;
  for (int c = 0;; c++) {
    for (int i = 0; i < kChunkSlots; i++) {
      Slot& slot = chunk->slots[i];
      uintptr_t expected = 0;
      if (slot.start.compare_exchange_strong(expected, UINTPTR_MAX)) {
        slot.truncated.store(false);
        slot.end.store(s + length, std::memory_order_release);
        slot.start.store(s, std::memory_order_release);
        return c * kChunkSlots + i;
      }
    }
    Chunk* next = chunk->next.load(std::memory_order_acquire);
    if (next == nullptr) {
      if (c + 1 >= kMaxChunks) return -1;
      Chunk* grown = new (std::nothrow) Chunk();
      if (grown == nullptr) return -1;
      // Another thread may have grown the table meanwhile: use its chunk.
      if (chunk->next.compare_exchange_strong(next, grown,
                                              std::memory_order_acq_rel)) {
        next = grown;
      } else {
        delete grown;
      }
    }
    chunk = next;
  }
}

void UnguardMapping(int slot) {
  Slot* s = slot < 0 ? nullptr : SlotAt(slot);
  if (s == nullptr) return;
  s->end.store(0, std::memory_order_release);
  s->start.store(0, std::memory_order_release);
}

static_assert(sizeof(std::atomic<bool>) == 1,
              "JavaScript reads the flag as one byte");

const void* TruncationFlag(int slot) {
  const Slot* s = slot < 0 ? nullptr : SlotAt(slot);
  return s == nullptr ? nullptr : &s->truncated;
}

bool MappingTruncated(int slot) {
  const Slot* s = slot < 0 ? nullptr : SlotAt(slot);
  return s != nullptr && s->truncated.load(std::memory_order_acquire);
}

}  // namespace bp::binding
