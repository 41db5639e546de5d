#include "format.h"

#include <climits>

namespace bp {
namespace {

struct Entry {
  char code;
  int64_t size;
  int64_t alignment;  // 0: never padded before (chars, padding, standard)
};

// Native sizes and alignments come from this compiler, so they are right on
// every platform (long is 4 bytes on Windows, 8 on LP64).
constexpr Entry kNativeTable[] = {
    {'x', 1, 0},
    {'b', 1, 0},
    {'B', 1, 0},
    {'c', 1, 0},
    {'s', 1, 0},
    {'p', 1, 0},
    {'?', sizeof(bool), alignof(bool)},
    {'h', sizeof(short), alignof(short)},
    {'H', sizeof(unsigned short), alignof(unsigned short)},
    {'e', sizeof(short), alignof(short)},
    {'i', sizeof(int), alignof(int)},
    {'I', sizeof(unsigned int), alignof(unsigned int)},
    {'l', sizeof(long), alignof(long)},
    {'L', sizeof(unsigned long), alignof(unsigned long)},
    {'q', sizeof(long long), alignof(long long)},
    {'Q', sizeof(unsigned long long), alignof(unsigned long long)},
    {'n', sizeof(size_t), alignof(size_t)},
    {'N', sizeof(size_t), alignof(size_t)},
    {'f', sizeof(float), alignof(float)},
    {'d', sizeof(double), alignof(double)},
    {'P', sizeof(void*), alignof(void*)},
};

// Standard sizes (= < > !): fixed widths, no alignment, no n/N/P.
constexpr Entry kStandardTable[] = {
    {'x', 1, 0}, {'b', 1, 0}, {'B', 1, 0}, {'c', 1, 0}, {'s', 1, 0},
    {'p', 1, 0}, {'?', 1, 0}, {'h', 2, 0}, {'H', 2, 0}, {'e', 2, 0},
    {'i', 4, 0}, {'I', 4, 0}, {'l', 4, 0}, {'L', 4, 0}, {'q', 8, 0},
    {'Q', 8, 0}, {'f', 4, 0}, {'d', 8, 0},
};

template <size_t N>
const Entry* Find(const Entry (&table)[N], char code) {
  for (const Entry& e : table) {
    if (e.code == code) return &e;
  }
  return nullptr;
}

// Python's Py_ISSPACE over ASCII.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

bool IsLittleEndianHost() {
  const uint16_t probe = 1;
  return *reinterpret_cast<const uint8_t*>(&probe) == 1;
}

const Status kTooLong =
    Fail(ErrorCode::kBadFormat, "total struct size too long");

}  // namespace

Status ParseFormat(const char* fmt, size_t length, Format* out) {
  for (size_t i = 0; i < length; i++) {
    if (fmt[i] == '\0') {
      return Fail(ErrorCode::kBadFormat, "embedded null character");
    }
    if (static_cast<unsigned char>(fmt[i]) >= 0x80) {
      return Fail(ErrorCode::kBadFormat, "format must be ASCII");
    }
  }
  Format result;
  const char* s = fmt;
  const char* end = fmt + length;
  bool native = true;
  if (s < end) {
    switch (*s) {
      case '@': native = true; break;
      case '=':
        native = false;
        result.little_endian = IsLittleEndianHost();
        break;
      case '<':
        native = false;
        result.little_endian = true;
        break;
      case '>':
      case '!':
        native = false;
        result.little_endian = false;
        break;
      default: break;
    }
    if (*s == '@' || *s == '=' || *s == '<' || *s == '>' || *s == '!') {
      result.prefix = *s++;
    }
  }
  if (native) result.little_endian = IsLittleEndianHost();
  result.native_sizes = native;

  const char* body = s;
  int64_t size = 0;
  int items = 0;
  bool single_count_one = true;
  while (s < end) {
    char c = *s++;
    if (IsSpace(c)) {
      single_count_one = false;
      continue;
    }
    int64_t num = 1;
    if (c >= '0' && c <= '9') {
      single_count_one = false;
      num = c - '0';
      for (;;) {
        if (s == end) {
          return Fail(ErrorCode::kBadFormat,
                      "repeat count given without format specifier");
        }
        c = *s++;
        if (c < '0' || c > '9') break;
        const int digit = c - '0';
        if (num > (INT64_MAX - digit) / 10) return kTooLong;
        num = num * 10 + digit;
      }
    }
    const Entry* e = native ? Find(kNativeTable, c) : Find(kStandardTable, c);
    if (e == nullptr) {
      return Fail(ErrorCode::kBadFormat, "bad char in struct format");
    }
    // Native alignment pads before a member, never after the last one.
    if (e->alignment > 1 && size > 0) {
      const int64_t extra = (e->alignment - 1) - (size - 1) % e->alignment;
      if (extra > INT64_MAX - size) return kTooLong;
      size += extra;
    }
    if (num > (INT64_MAX - size) / e->size) return kTooLong;
    size += num * e->size;
    if (e->alignment > result.alignment) result.alignment = e->alignment;
    items++;
  }
  if (items == 1 && single_count_one && end - body == 1) result.item = *body;
  result.itemsize = size;
  *out = result;
  return Status::Ok();
}

}  // namespace bp
