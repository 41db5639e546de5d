#include "sigbus_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace bp::binding {
namespace {

constexpr int kSlots = 4096;

struct Slot {
  std::atomic<uintptr_t> start{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> truncated{false};
};

Slot g_slots[kSlots];
struct sigaction g_previous;
std::once_flag g_installed;

void Handler(int sig, siginfo_t* info, void* context) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
  for (Slot& slot : g_slots) {
    const uintptr_t start = slot.start.load(std::memory_order_acquire);
    if (start == 0 || addr < start || addr >= slot.end.load(std::memory_order_acquire)) continue;
    const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    void* at = reinterpret_cast<void*>(addr & ~(page - 1));
    if (mmap(at, page, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED) {
      slot.truncated.store(true, std::memory_order_release);
      return;
    }
    break;
  }
  // Not ours: hand over to whoever handled SIGBUS before us.
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction != nullptr) {
      g_previous.sa_sigaction(sig, info, context);
      return;
    }
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN && g_previous.sa_handler != nullptr) {
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
  for (int i = 0; i < kSlots; i++) {
    uintptr_t expected = 0;
    if (g_slots[i].start.compare_exchange_strong(expected, UINTPTR_MAX)) {
      g_slots[i].truncated.store(false);
      g_slots[i].end.store(s + length, std::memory_order_release);
      g_slots[i].start.store(s, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

void UnguardMapping(int slot) {
  if (slot < 0) return;
  g_slots[slot].end.store(0, std::memory_order_release);
  g_slots[slot].start.store(0, std::memory_order_release);
}

bool MappingTruncated(int slot) {
  return slot >= 0 && g_slots[slot].truncated.load(std::memory_order_acquire);
}

}  // namespace bp::binding
