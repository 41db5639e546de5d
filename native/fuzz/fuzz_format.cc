// ParseFormat against a small reference calcsize written differently: a
// table of (code, standard size, native size, native alignment) and
// saturating 128-bit arithmetic instead of overflow checks.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "../core/format.h"

namespace {

struct Code {
  char c;
  int standard;  // 0: not allowed with = < > !
  int native;
  int align;
};

const Code kCodes[] = {
    {'x', 1, 1, 1}, {'c', 1, 1, 1}, {'b', 1, 1, 1}, {'B', 1, 1, 1},
    {'?', 1, 1, 1}, {'s', 1, 1, 1}, {'p', 1, 1, 1}, {'h', 2, 2, 2},
    {'H', 2, 2, 2}, {'e', 2, 2, 2}, {'i', 4, 4, 4}, {'I', 4, 4, 4},
    {'l', 4, 8, 8}, {'L', 4, 8, 8}, {'q', 8, 8, 8}, {'Q', 8, 8, 8},
    {'n', 0, 8, 8}, {'N', 0, 8, 8}, {'f', 4, 4, 4}, {'d', 8, 8, 8},
    {'P', 0, 8, 8},
};

// -1: refused. Sizes saturate at 2**63 (refused by struct as too long).
__int128 Reference(const char* s, size_t n) {
  const __int128 kLimit = (static_cast<__int128>(1) << 63) - 1;
  size_t i = 0;
  bool native = true;
  for (size_t k = 0; k < n; k++) {
    if (s[k] == 0 || static_cast<unsigned char>(s[k]) >= 0x80) return -1;
  }
  if (n > 0 && strchr("@=<>!", s[0]) != nullptr) {
    native = s[0] == '@';
    i = 1;
  }
  __int128 size = 0;
  while (i < n) {
    const char c = s[i++];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
        c == '\f')
      continue;
    __int128 count = 1;
    char code = c;
    if (c >= '0' && c <= '9') {
      count = c - '0';
      for (;;) {
        if (i >= n) return -1;
        code = s[i++];
        if (code < '0' || code > '9') break;
        count = count * 10 + (code - '0');
        if (count > kLimit) return -2;
      }
    }
    const Code* e = nullptr;
    for (const Code& k : kCodes) {
      if (k.c == code) e = &k;
    }
    if (e == nullptr || (!native && e->standard == 0)) return -1;
    const int item = native ? e->native : e->standard;
    if (native && e->align > 1 && size > 0)
      size = (size + e->align - 1) / e->align * e->align;
    if (size > kLimit) return -2;
    const bool one = code == 's' || code == 'p';
    size += one ? count : count * item;
    if (size > kLimit) return -2;
  }
  return size;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* s = reinterpret_cast<const char*>(data);
  bp::Format f;
  const bp::Status status = bp::ParseFormat(s, size, &f);
  const __int128 want = Reference(s, size);
  const bool ok = status.ok();
  if (ok != (want >= 0) || (ok && static_cast<__int128>(f.itemsize) != want)) {
    fprintf(stderr, "mismatch on %.*s: parser %s %lld, reference %lld\n",
            static_cast<int>(size), s, ok ? "ok" : status.message,
            static_cast<long long>(ok ? f.itemsize : -1),
            static_cast<long long>(want));
    abort();
  }
  return 0;
}
