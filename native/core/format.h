// Struct-module format strings (PEP 3118 item formats), parsed exactly as
// Python's struct.calcsize does: the optional first-character prefix
// (@ = < > !), repeat counts, 'x' padding, 's'/'p' strings, whitespace
// between items, and native alignment under '@' (or no prefix) without
// trailing padding. Anything struct refuses is refused here.
#ifndef BUFFER_PROTOCOL_CORE_FORMAT_H_
#define BUFFER_PROTOCOL_CORE_FORMAT_H_

#include <cstddef>
#include <cstdint>

#include "status.h"

namespace bp {

struct Format {
  int64_t itemsize = 0;       // struct.calcsize(format); may be 0 ('' or '<')
  int64_t alignment = 1;      // strictest member alignment under '@', else 1
  char prefix = 0;            // '@' '=' '<' '>' '!' or 0 when absent
  bool little_endian = true;  // byte order of multi-byte members
  bool native_sizes = true;   // '@' or no prefix: C sizes and alignment
  // The code character when the format is a single item of count 1 with
  // nothing else but an optional prefix ('d', '<i', '@B'), else 0.
  char item = 0;
};

// Parses `length` bytes at `fmt` (not NUL-terminated; an embedded NUL is an
// error, as in Python). Fails with kBadFormat and struct's own message.
Status ParseFormat(const char* fmt, size_t length, Format* out);

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_FORMAT_H_
