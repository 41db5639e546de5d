#include "binding/c_api/view_internal.h"

namespace bp::binding {

// At env teardown (process or Worker exit) views C still holds stop
// pinning their memory, so that memory lent by C gets its release callback
// once, as promised, when the ArrayBuffers' finalizers run right after, and
// V8 memory is not kept past its env (Node frees external memory at env
// teardown whatever holds it). The views themselves stay valid to release;
// only their pins are gone, and their memory with them.
void UnpinAllViewsOnTeardown(void*) {
  ThreadViews* views = Views();
  while (views->pinned != nullptr) UnpinView(views->pinned, views);
  DropPinsOnTeardown(&views->pins);
  while (views->spare != nullptr) {
    ViewInternal* next = views->spare->next_pinned;
    std::free(views->spare);
    views->spare = next;
  }
  views->spares = 0;
}

}  // namespace bp::binding
