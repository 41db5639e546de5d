#include "status.h"

namespace bp {

const char* CodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "OK";
    case ErrorCode::kNotWritable: return "ERR_BUFFER_NOT_WRITABLE";
    case ErrorCode::kNotCContiguous: return "ERR_BUFFER_NOT_C_CONTIGUOUS";
    case ErrorCode::kNotFContiguous: return "ERR_BUFFER_NOT_F_CONTIGUOUS";
    case ErrorCode::kNotContiguous: return "ERR_BUFFER_NOT_CONTIGUOUS";
    case ErrorCode::kRequiresSuboffsets:
      return "ERR_BUFFER_REQUIRES_SUBOFFSETS";
    case ErrorCode::kFormatWithoutShape:
      return "ERR_BUFFER_FORMAT_WITHOUT_SHAPE";
    case ErrorCode::kTooManyDims: return "ERR_BUFFER_TOO_MANY_DIMS";
    case ErrorCode::kBadFormat: return "ERR_BUFFER_BAD_FORMAT";
    case ErrorCode::kInvalidLayout: return "ERR_BUFFER_INVALID_LAYOUT";
    case ErrorCode::kOutOfBounds: return "ERR_BUFFER_OUT_OF_BOUNDS";
    case ErrorCode::kBadFlags: return "ERR_OUT_OF_RANGE";
  }
  return "ERR_BUFFER_UNKNOWN";
}

}  // namespace bp
