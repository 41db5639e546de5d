// A resumable walk of a layout's C-order runs (runs.h): gathers the next N
// bytes of its items into a buffer, or scatters N bytes into them, and
// remembers where it stopped. Strided I/O moves any layout through a
// bounded staging buffer with it, in constant memory: no list of runs, and
// whole blocks of rows still go to the copy kernel, which coalesces and
// cache-blocks them. Header-only, so the binding, the fuzzers and the
// sanitizer builds all use the one definition.
#ifndef BUFFER_PROTOCOL_CORE_RUN_CURSOR_H_
#define BUFFER_PROTOCOL_CORE_RUN_CURSOR_H_

#include <cstdint>
#include <cstring>

#include "assert.h"
#include "buffer_view.h"
#include "copy.h"
#include "layout.h"
#include "runs.h"

namespace bp {

class RunCursor {
 public:
  // Assumptions: the layout was validated (ValidateLayout) and outlives the
  // cursor; shape and strides hold ndim entries.
  RunCursor(int ndim, const int64_t* shape, const int64_t* strides,
            int64_t itemsize)
      : ndim_(ndim), shape_(shape), strides_(strides), itemsize_(itemsize) {
    BP_ASSERT(ndim >= 0 && ndim <= kMaxNdim);
    (void)ComputeLength(ndim, shape, itemsize, &len_);
    run_ = RunLength(ndim, shape, strides, itemsize, &outer_);
    // block_[d]: the bytes one step of index d covers in the C-order image.
    int64_t block = run_;
    for (int d = outer_ - 1; d >= 0; d--) {
      block_[d] = block;
      block *= shape[d];
    }
    Seek(0);
  }

  // Bytes of the C-order image, and the bytes of one run.
  int64_t length() const { return len_; }
  int64_t run() const { return run_; }
  // Bytes walked so far; the walk is over when it reaches length().
  int64_t position() const { return position_; }

  // Moves to byte `position` of the C-order image (0 <= position <= length).
  void Seek(int64_t position) {
    BP_ASSERT(position >= 0 && position <= len_);
    position_ = position;
    if (len_ == 0) return;
    int64_t rest = position == len_ ? 0 : position;
    for (int d = 0; d < outer_; d++) {
      index_[d] = rest / block_[d];
      rest -= index_[d] * block_[d];
    }
    within_ = rest;
    offset_ = 0;
    for (int d = 0; d < outer_; d++) offset_ += index_[d] * strides_[d];
  }

  // Copies up to `n` bytes of the items, from the cursor on, from the layout
  // at `base` (item [0,...,0]) to `out`; returns the bytes copied (less than
  // n only at the end).
  int64_t Gather(const char* base, char* out, int64_t n) {
    return Move(const_cast<char*>(base), out, n, true);
  }

  // Copies up to `n` bytes from `in` into the items, from the cursor on, of
  // the layout at `base`; returns the bytes stored. A count that ends inside
  // an item stores that item's first bytes, as a plain read would.
  int64_t Scatter(char* base, const char* in, int64_t n) {
    return Move(base, const_cast<char*>(in), n, false);
  }

  // The rest of the current run, for an iovec: its offset from item
  // [0,...,0] and its bytes (0 at the end).
  int64_t RunOffset() const { return offset_ + within_; }
  int64_t RunLeft() const { return position_ == len_ ? 0 : run_ - within_; }

  // Steps over `n` bytes (n <= RunLeft()) of the current run.
  void Advance(int64_t n) {
    BP_ASSERT(n >= 0 && n <= RunLeft());
    within_ += n;
    position_ += n;
    if (within_ == run_) Step(outer_ - 1, 1);
  }

 private:
  // Moves the next up to n bytes between the layout and `packed`.
  int64_t Move(char* base, char* packed, int64_t n, bool gather) {
    int64_t moved = 0;
    while (moved < n && position_ < len_) {
      const int64_t want = n - moved;
      // The widest block of whole rows that starts here and fits: the copy
      // kernel takes it in one call. Outer dimension d starts a row when
      // every index after it is 0.
      int level = -1;
      int64_t rows = 0;
      if (within_ == 0 && outer_ > 0) {
        int d = outer_ - 1;
        while (d > 0 && index_[d] == 0) d--;
        for (; d < outer_; d++) {
          rows = want / block_[d];
          if (rows > shape_[d] - index_[d]) rows = shape_[d] - index_[d];
          if (rows > 0) {
            level = d;
            break;
          }
        }
      }
      if (level < 0) {
        // Less than one run left in `n`, or the cursor inside a run.
        int64_t take = run_ - within_;
        if (take > want) take = want;
        char* at = base + offset_ + within_;
        if (gather) {
          std::memcpy(packed + moved, at, static_cast<size_t>(take));
        } else {
          std::memcpy(at, packed + moved, static_cast<size_t>(take));
        }
        moved += take;
        Advance(take);
        continue;
      }
      // Rows [index, index + rows) of dimension `level`, with the whole
      // dimensions after it (those inside a run included).
      const int dims = ndim_ - level;
      int64_t shape[kMaxNdim];
      int64_t packed_strides[kMaxNdim];
      shape[0] = rows;
      for (int k = 1; k < dims; k++) shape[k] = shape_[level + k];
      (void)FillContiguousStrides(dims, shape, itemsize_, 'C', packed_strides);
      StridedRef items{base + offset_, strides_ + level};
      StridedRef bytes{packed + moved, packed_strides};
      // Distinct memory (staging is private), so no overlap temporary.
      (void)CopyItems(gather ? bytes : items, gather ? items : bytes, shape,
                      dims, itemsize_);
      moved += rows * block_[level];
      position_ += rows * block_[level];
      Step(level, rows);
    }
    return moved;
  }

  // Adds `steps` to the index of outer dimension d, carrying, and resets
  // everything after it; past the last run the cursor rests at the end.
  void Step(int d, int64_t steps) {
    within_ = 0;
    if (outer_ == 0) return;  // one run: a step is the end
    for (int k = d + 1; k < outer_; k++) index_[k] = 0;
    index_[d] += steps;
    while (d > 0 && index_[d] >= shape_[d]) {
      index_[d] = 0;
      index_[--d]++;
    }
    if (index_[0] >= shape_[0]) {
      for (int k = 0; k < outer_; k++) index_[k] = 0;
    }
    offset_ = 0;
    for (int k = 0; k < outer_; k++) offset_ += index_[k] * strides_[k];
  }

  int ndim_;
  const int64_t* shape_;
  const int64_t* strides_;
  int64_t itemsize_;
  int64_t len_ = 0;
  int64_t run_ = 0;
  int outer_ = 0;
  int64_t block_[kMaxNdim] = {};
  int64_t index_[kMaxNdim] = {};
  int64_t within_ = 0;
  int64_t offset_ = 0;
  int64_t position_ = 0;
};

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_RUN_CURSOR_H_
