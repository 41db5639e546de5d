// A count of C views of one region (c_api/own_exporters.cc), shared by the
// region and the views it counts. A view may be released after its region
// is gone (a consumer addon's teardown hook runs after this addon's
// finalizers), so each holds a reference: the tally is freed by the last.
#ifndef BUFFER_PROTOCOL_BINDING_MEMORY_EXPORT_TALLY_H_
#define BUFFER_PROTOCOL_BINDING_MEMORY_EXPORT_TALLY_H_

#include <atomic>
#include <cstdint>

namespace bp::binding {

struct ExportTally {
  // References: the region's and one per counted view. Atomic because a
  // region's finalizer and a view's release may run on different threads
  // at env teardown.
  std::atomic<int64_t> refs{1};
  // The views counted, read and written on the region's thread only.
  int64_t views = 0;
};

inline void HoldTally(ExportTally* tally) { tally->refs.fetch_add(1); }

inline void DropTally(ExportTally* tally) {
  if (tally->refs.fetch_sub(1) == 1) delete tally;
}

}  // namespace bp::binding

#endif  // BUFFER_PROTOCOL_BINDING_MEMORY_EXPORT_TALLY_H_
