// A little reader over libFuzzer's bytes: each call takes what it needs and
// yields zeros once the input runs out.
#ifndef BUFFER_PROTOCOL_FUZZ_INPUT_H_
#define BUFFER_PROTOCOL_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>

struct FuzzInput {
  const uint8_t* data;
  size_t size;

  uint8_t Byte() {
    if (size == 0) return 0;
    size--;
    return *data++;
  }
  // An integer in [lo, hi].
  int64_t Range(int64_t lo, int64_t hi) {
    const uint16_t v = static_cast<uint16_t>(Byte() | (Byte() << 8));
    return lo + static_cast<int64_t>(v % static_cast<uint64_t>(hi - lo + 1));
  }
};

#endif  // BUFFER_PROTOCOL_FUZZ_INPUT_H_
