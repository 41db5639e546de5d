#include "binding/c_api/table.h"

#include "binding/c_api/scratch.h"
#include "core/flags.h"
#include "core/layout.h"

namespace bp::binding {
namespace {

static_assert(sizeof(bp_ssize_t) == sizeof(int64_t),
              "strides are int64_t in the core");
static_assert(BP_MAX_NDIM == kMaxNdim && kScratchMaxNdim == kMaxNdim,
              "one dimension limit");
static_assert(BP_FULL_RO == kBufFullRo && BP_RECORDS == kBufRecords &&
                  BP_STRIDED == kBufStrided && BP_CONTIG == kBufContig &&
                  BP_INDIRECT == kBufIndirect &&
                  BP_ANY_CONTIGUOUS == kBufAnyContiguous &&
                  BP_F_CONTIGUOUS == kBufFContiguous &&
                  BP_C_CONTIGUOUS == kBufCContiguous &&
                  BP_WRITABLE == kBufWritable && BP_FORMAT == kBufFormat &&
                  BP_ND == kBufNd && BP_STRIDES == kBufStrides,
              "the header's flags are CPython's, as the core's are");

const bp_api kApi = {
    BP_ABI_VERSION,
    BP_API_VERSION,
    sizeof(bp_api),
    sizeof(bp_buffer),
    GetBuffer,
    Release,
    IsContiguousC,
    GetPointerC,
    ToContiguous,
    FromContiguous,
    CopyData,
    FillContiguousStridesC,
    FillInfo,
    SizeFromFormat,
    ExportMemory,
    BufferObjectFromMemoryC,
    BufferObjectFromReadWriteMemoryC,
    GetBufferBorrowed,
};

}  // namespace

const bp_api* ApiTable() { return &kApi; }

}  // namespace bp::binding
