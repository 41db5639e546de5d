// Status codes of the pure C++ core. The core never throws: every fallible
// function returns a Status, and the binding turns it into a coded JS error.
// Each code maps to exactly one public error code string (CodeName), so the
// TypeScript BufferErrorCode union, the C header and this enum stay in step.
#ifndef BUFFER_PROTOCOL_CORE_STATUS_H_
#define BUFFER_PROTOCOL_CORE_STATUS_H_

#include <cstdint>

namespace bp {

enum class ErrorCode : uint8_t {
  kOk = 0,
  kNotWritable,         // ERR_BUFFER_NOT_WRITABLE
  kNotCContiguous,      // ERR_BUFFER_NOT_C_CONTIGUOUS
  kNotFContiguous,      // ERR_BUFFER_NOT_F_CONTIGUOUS
  kNotContiguous,       // ERR_BUFFER_NOT_CONTIGUOUS
  kRequiresSuboffsets,  // ERR_BUFFER_REQUIRES_SUBOFFSETS
  kFormatWithoutShape,  // ERR_BUFFER_FORMAT_WITHOUT_SHAPE
  kTooManyDims,         // ERR_BUFFER_TOO_MANY_DIMS
  kBadFormat,           // ERR_BUFFER_BAD_FORMAT
  kInvalidLayout,       // ERR_BUFFER_INVALID_LAYOUT
  kOutOfBounds,         // ERR_BUFFER_OUT_OF_BOUNDS
  kBadFlags,            // ERR_OUT_OF_RANGE (a RangeError, not a BufferError)
};

// A Status carries a static message: the core allocates nothing on failure,
// so an out-of-memory condition can never turn into a second error.
struct [[nodiscard]] Status {
  ErrorCode code = ErrorCode::kOk;
  const char* message = "";

  bool ok() const { return code == ErrorCode::kOk; }
  static Status Ok() { return Status{}; }
};

inline Status Fail(ErrorCode code, const char* message) {
  return Status{code, message};
}

// The public code string of `code`: "ERR_BUFFER_NOT_WRITABLE" and so on.
const char* CodeName(ErrorCode code);

}  // namespace bp

#endif  // BUFFER_PROTOCOL_CORE_STATUS_H_
