// Keeps a file that shrinks under a mapping from killing the process.
//
// Touching a mapped page past the end of a truncated file raises SIGBUS.
// The guard's handler looks the faulting address up among the registered
// file mappings; if it is one of ours, it maps a private zero page over the
// faulting page (so the access completes and reads zeros), marks the
// mapping truncated, and returns. Faults anywhere else go to the handler
// that was installed before, or to the default action.
//
// The registry is a table of atomics that grows by chunks never freed: the
// handler touches nothing else, allocates nothing and takes no lock.
#ifndef BUFFER_PROTOCOL_BINDING_MEMORY_SIGBUS_GUARD_H_
#define BUFFER_PROTOCOL_BINDING_MEMORY_SIGBUS_GUARD_H_

#include <cstddef>

namespace bp::binding {

// Registers [start, start + length) and returns its slot, or -1 when the
// table cannot grow (out of memory, or 1 Mi mappings alive): the caller
// must then not keep the mapping, which would have no guard. Installs the
// handler once.
int GuardMapping(void* start, size_t length);
// Forgets a slot (before the mapping is unmapped).
void UnguardMapping(int slot);
// True once a fault inside the slot's range was absorbed.
bool MappingTruncated(int slot);
// The slot's flag itself: one byte, 0 or 1, at an address that stays valid
// for the life of the process (chunks are never freed), so that JavaScript
// can read it through an ArrayBuffer instead of a call. Null for no slot.
const void* TruncationFlag(int slot);

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_MEMORY_SIGBUS_GUARD_H_
