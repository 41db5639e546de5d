#include "copy.h"

#include <cstdlib>
#include <cstring>

#include "assert.h"
#include "buffer_view.h"
#include "layout.h"

namespace bp {
namespace {

// Items per side of a transposition tile. 32 measured best on this
// machine (bench/memoryview.js, 256..4096 'f' transposes): power-of-two row
// strides make larger tiles collide in the cache's sets.
constexpr int64_t kTile = 32;

struct Plan {
  int ndim = 0;
  int64_t shape[kMaxNdim];
  int64_t dst[kMaxNdim];
  int64_t src[kMaxNdim];
};

// Drops extent-1 dimensions and merges neighbours that both layouts walk
// contiguously, so a C-to-C copy becomes one memcpy.
Plan Coalesce(const int64_t* shape, int ndim, const int64_t* dst,
              const int64_t* src) {
  Plan p;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == 1) continue;
    if (p.ndim > 0) {
      const int last = p.ndim - 1;
      if (p.dst[last] == dst[i] * shape[i] &&
          p.src[last] == src[i] * shape[i]) {
        p.shape[last] *= shape[i];
        p.dst[last] = dst[i];
        p.src[last] = src[i];
        continue;
      }
    }
    p.shape[p.ndim] = shape[i];
    p.dst[p.ndim] = dst[i];
    p.src[p.ndim] = src[i];
    p.ndim++;
  }
  return p;
}

template <int64_t kSize>
inline void Move(char* d, const char* s, int64_t) {
  std::memcpy(d, s, kSize);
}

// n is an itemsize, positive (validated layouts only).
inline void MoveN(char* d, const char* s, int64_t n) {
  std::memcpy(d, s, static_cast<size_t>(n));
}

// One innermost row.
template <void (*kMove)(char*, const char*, int64_t)>
void Row(char* d, int64_t ds, const char* s, int64_t ss, int64_t n,
         int64_t itemsize) {
  for (int64_t i = 0; i < n; i++, d += ds, s += ss) kMove(d, s, itemsize);
}

// A 2-D copy where one side walks its rows contiguously and the other its
// columns: copying tile by tile keeps both sides' cache lines in use.
template <void (*kMove)(char*, const char*, int64_t)>
void Tiled(char* d, const int64_t* ds, const char* s, const int64_t* ss,
           const int64_t* shape, int64_t itemsize) {
  for (int64_t i0 = 0; i0 < shape[0]; i0 += kTile) {
    const int64_t i1 = i0 + kTile < shape[0] ? i0 + kTile : shape[0];
    for (int64_t j0 = 0; j0 < shape[1]; j0 += kTile) {
      const int64_t j1 = j0 + kTile < shape[1] ? j0 + kTile : shape[1];
      for (int64_t i = i0; i < i1; i++) {
        Row<kMove>(d + i * ds[0] + j0 * ds[1], ds[1],
                   s + i * ss[0] + j0 * ss[1], ss[1], j1 - j0, itemsize);
      }
    }
  }
}

template <void (*kMove)(char*, const char*, int64_t)>
void Walk(char* d, const char* s, const Plan& p, int dim, int64_t itemsize) {
  const int64_t n = p.shape[dim];
  if (dim == p.ndim - 1) {
    Row<kMove>(d, p.dst[dim], s, p.src[dim], n, itemsize);
    return;
  }
  for (int64_t i = 0; i < n; i++) {
    Walk<kMove>(d + i * p.dst[dim], s + i * p.src[dim], p, dim + 1, itemsize);
  }
}

template <void (*kMove)(char*, const char*, int64_t)>
void CopyPlan(char* d, const char* s, const Plan& p, int64_t itemsize) {
  if (p.ndim == 0) {
    kMove(d, s, itemsize);
    return;
  }
  const int last = p.ndim - 1;
  if (p.dst[last] == itemsize && p.src[last] == itemsize) {
    // Contiguous rows on both sides: one memcpy per row.
    Plan rows = p;
    rows.ndim = last;
    const int64_t bytes = p.shape[last] * itemsize;
    if (rows.ndim == 0) {
      std::memcpy(d, s, static_cast<size_t>(bytes));
      return;
    }
    rows.shape[rows.ndim] = 1;
    rows.dst[rows.ndim] = 0;
    rows.src[rows.ndim] = 0;
    rows.ndim++;
    Walk<MoveN>(d, s, rows, 0, bytes);
    return;
  }
  if (p.ndim == 2) {
    // The tile's inner loop walks the axis on which the destination is
    // nearer to contiguous: strided loads are cheap, strided stores are not
    // (a transpose scattered into a view with a 16 KiB column stride ran at
    // a quarter of the speed with the stores strided).
    const int64_t d0 = p.dst[0] < 0 ? -p.dst[0] : p.dst[0];
    const int64_t d1 = p.dst[1] < 0 ? -p.dst[1] : p.dst[1];
    if (d0 < d1) {
      const int64_t shape[2] = {p.shape[1], p.shape[0]};
      const int64_t dst[2] = {p.dst[1], p.dst[0]};
      const int64_t src[2] = {p.src[1], p.src[0]};
      Tiled<kMove>(d, dst, s, src, shape, itemsize);
      return;
    }
    Tiled<kMove>(d, p.dst, s, p.src, p.shape, itemsize);
    return;
  }
  Walk<kMove>(d, s, p, 0, itemsize);
}

void Dispatch(char* d, const char* s, const Plan& p, int64_t itemsize) {
  switch (itemsize) {
    case 1: CopyPlan<Move<1>>(d, s, p, itemsize); break;
    case 2: CopyPlan<Move<2>>(d, s, p, itemsize); break;
    case 4: CopyPlan<Move<4>>(d, s, p, itemsize); break;
    case 8: CopyPlan<Move<8>>(d, s, p, itemsize); break;
    case 16: CopyPlan<Move<16>>(d, s, p, itemsize); break;
    default: CopyPlan<MoveN>(d, s, p, itemsize); break;
  }
}

// [lowest byte, one past the highest byte] of a non-empty layout.
void Extent(const char* base, const int64_t* strides, const int64_t* shape,
            int ndim, int64_t itemsize, const char** lo, const char** hi) {
  int64_t imin = 0;
  int64_t imax = 0;
  for (int i = 0; i < ndim; i++) {
    const int64_t e = strides[i] * (shape[i] - 1);
    if (e < 0) {
      imin += e;
    } else {
      imax += e;
    }
  }
  *lo = base + imin;
  *hi = base + imax + itemsize;
}

}  // namespace

Status CopyItems(StridedRef dst, StridedRef src, const int64_t* shape, int ndim,
                 int64_t itemsize) {
  BP_ASSERT(ndim >= 0 && ndim <= kMaxNdim && itemsize >= 1);
  BP_ASSERT(ndim == 0 || (shape != nullptr && dst.strides != nullptr &&
                          src.strides != nullptr));
  int64_t count = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == 0) return Status::Ok();
    count *= shape[i];
  }
  const char* dlo;
  const char* dhi;
  const char* slo;
  const char* shi;
  Extent(dst.base, dst.strides, shape, ndim, itemsize, &dlo, &dhi);
  Extent(src.base, src.strides, shape, ndim, itemsize, &slo, &shi);
  if (slo < dhi && dlo < shi) {
    // Overlap: gather the source into C order first.
    const size_t bytes = static_cast<size_t>(count * itemsize);
    char* tmp = static_cast<char*>(std::malloc(bytes == 0 ? 1 : bytes));
    if (tmp == nullptr) {
      return Fail(ErrorCode::kInvalidLayout,
                  "no memory for an overlapping copy");
    }
    int64_t c_strides[kMaxNdim];
    int64_t sd = itemsize;
    for (int i = ndim - 1; i >= 0; i--) {
      c_strides[i] = sd;
      sd *= shape[i];
    }
    Dispatch(tmp, src.base, Coalesce(shape, ndim, c_strides, src.strides),
             itemsize);
    Dispatch(dst.base, tmp, Coalesce(shape, ndim, dst.strides, c_strides),
             itemsize);
    std::free(tmp);
    return Status::Ok();
  }
  Dispatch(dst.base, src.base, Coalesce(shape, ndim, dst.strides, src.strides),
           itemsize);
  return Status::Ok();
}

void CopyIndirect(const BufferView& view, char* bytes, const int64_t* packed,
                  bool into_view, bool fortran) {
  BP_ASSERT(view.ndim >= 0 && view.ndim <= kMaxNdim && view.itemsize >= 1);
  BP_ASSERT(view.ndim == 0 || (view.shape != nullptr &&
                               view.strides != nullptr && packed != nullptr));
  int64_t count = 1;
  for (int i = 0; i < view.ndim; i++) count *= view.shape[i];
  int64_t index[kMaxNdim] = {0};
  const size_t item = static_cast<size_t>(view.itemsize);
  for (int64_t done = 0; done < count; done++) {
    char* p = static_cast<char*>(GetItemPointer(view, index));
    int64_t at = 0;
    for (int i = 0; i < view.ndim; i++) at += index[i] * packed[i];
    // memmove: an item may share bytes with the one it is copied from.
    if (into_view) {
      std::memmove(p, bytes + at, item);
    } else {
      std::memmove(bytes + at, p, item);
    }
    for (int j = 0; j < view.ndim; j++) {
      const int i = fortran ? j : view.ndim - 1 - j;
      if (++index[i] < view.shape[i]) break;
      index[i] = 0;
    }
  }
}

bool ItemsMayOverlap(int ndim, const int64_t* shape, const int64_t* strides,
                     int64_t itemsize) {
  BP_ASSERT(ndim >= 0 && ndim <= kMaxNdim && itemsize >= 1);
  // The axes that step, by |stride| (insertion sort: ndim <= 64).
  int64_t extent[kMaxNdim];
  int64_t step[kMaxNdim];
  int n = 0;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] <= 1) continue;
    const int64_t s = strides[i] < 0 ? -strides[i] : strides[i];
    int k = n++;
    for (; k > 0 && step[k - 1] > s; k--) {
      step[k] = step[k - 1];
      extent[k] = extent[k - 1];
    }
    step[k] = s;
    extent[k] = shape[i];
  }
  int64_t span = itemsize;
  for (int k = 0; k < n; k++) {
    if (step[k] < span) return true;
    span += step[k] * (extent[k] - 1);
  }
  return false;
}

bool LayoutMeets(const char* base, const int64_t* shape, const int64_t* strides,
                 int ndim, int64_t itemsize, const char* lo, const char* hi) {
  const char* first;
  const char* end;
  Extent(base, strides, shape, ndim, itemsize, &first, &end);
  return first < hi && lo < end;
}

}  // namespace bp
