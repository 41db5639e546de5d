// JS entry points over the pure core: format parsing, layout validation and
// the reference negotiation. The facade calls these once per layout, never
// per item.
#include "binding/core_functions.h"

#include <cstdint>
#include <string>
#include <vector>

#include "binding/convert.h"
#include "binding/errors.h"
#include "core/copy.h"
#include "core/format.h"
#include "core/layout.h"
#include "core/negotiate.h"
#include "core/normalize.h"

namespace bp::binding {
namespace {

std::string CharString(char c) {
  return c == 0 ? std::string() : std::string(1, c);
}

// Where a refused format goes wrong: the length of its longest prefix that
// parses (the parser reports no position, and stays as it is). Error path
// only, and only for formats short enough to rescan: -1 otherwise.
double FailurePosition(const std::string& text) {
  constexpr size_t kMaxScan = 1024;
  if (text.size() > kMaxScan) return -1;
  Format ignored;
  size_t parsed = 0;
  for (size_t n = 1; n < text.size(); n++) {
    if (ParseFormat(text.data(), n, &ignored).ok()) parsed = n;
  }
  return static_cast<double>(parsed);
}

// parseFormat(format) -> { itemsize, alignment, prefix, littleEndian,
// nativeSizes, item }
Napi::Value ParseFormatJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    throw CodedError(env, ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE",
                     "format must be a string");
  }
  const std::string text = info[0].As<Napi::String>().Utf8Value();
  Format format;
  Status status = ParseFormat(text.data(), text.size(), &format);
  if (!status.ok()) {
    // The facade quotes the format and this position in its message.
    Napi::Error error = CodedError(env, ErrorKind::kError,
                                   CodeName(status.code), status.message);
    error.Set("position", FailurePosition(text));
    throw error;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("itemsize", static_cast<double>(format.itemsize));
  out.Set("alignment", static_cast<double>(format.alignment));
  out.Set("prefix", CharString(format.prefix));
  out.Set("littleEndian", format.little_endian);
  out.Set("nativeSizes", format.native_sizes);
  out.Set("item", CharString(format.item));
  return out;
}

// The core view described by a JS descriptor, with the vectors that own its
// arrays.
struct ViewArrays {
  BufferView view;
  std::vector<int64_t> shape, strides, suboffsets;
};

// A 0-d view has empty arrays, but they must stay non-null: null is how
// a negotiated view says "not requested", and suboffsets "none".
const int64_t kNoDims[1] = {0};

void ReadView(const Napi::Object& desc, ViewArrays* v) {
  v->view.itemsize = ToInt64(desc.Get("itemsize"));
  v->view.readonly = desc.Get("readonly").ToBoolean();
  v->shape = ToInt64Vector(desc.Get("shape"));
  v->strides = ToInt64Vector(desc.Get("strides"));
  if (v->strides.size() != v->shape.size()) {
    throw CodedError(desc.Env(), ErrorKind::kError, "ERR_BUFFER_INVALID_LAYOUT",
                     "shape and strides differ in length");
  }
  v->view.ndim = static_cast<int>(v->shape.size());
  v->view.shape = v->shape.empty() ? kNoDims : v->shape.data();
  v->view.strides = v->strides.empty() ? kNoDims : v->strides.data();
  Napi::Value sub = desc.Get("suboffsets");
  if (!sub.IsNull() && !sub.IsUndefined()) {
    v->suboffsets = ToInt64Vector(sub);
    if (v->suboffsets.size() != v->shape.size()) {
      throw CodedError(desc.Env(), ErrorKind::kError,
                       "ERR_BUFFER_INVALID_LAYOUT",
                       "suboffsets and shape differ in length");
    }
    v->view.suboffsets = v->suboffsets.empty() ? kNoDims : v->suboffsets.data();
  }
}

// validateLayout({itemsize, shape, strides}, offset, memlen) -> len
Napi::Value ValidateLayoutJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ViewArrays v;
  ReadView(info[0].As<Napi::Object>(), &v);
  const int64_t offset = ToInt64(info[1]);
  const int64_t memlen = ToInt64(info[2]);
  Status status = ValidateLayout(&v.view, offset, memlen);
  if (!status.ok()) ThrowLayoutStatus(env, status, v.view, offset, memlen);
  return Napi::Number::New(env, static_cast<double>(v.view.len));
}

// negotiate({itemsize, readonly, format, shape, strides, suboffsets}, flags)
// -> { format, itemsize, ndim, shape, strides, suboffsets, readonly, len }.
// The facade negotiates in TypeScript; this is the core's own procedure,
// exposed so tests hold both to the same CPython table.
Napi::Value NegotiateJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object desc = info[0].As<Napi::Object>();
  ViewArrays v;
  ReadView(desc, &v);
  const std::string format = desc.Get("format").ToString().Utf8Value();
  v.view.format = format.c_str();
  Status status =
      ComputeLength(v.view.ndim, v.view.shape, v.view.itemsize, &v.view.len);
  if (!status.ok()) ThrowStatus(env, status);
  const int64_t flags = ToInt64(info[1]);
  status = CheckFlags(flags);
  if (!status.ok()) ThrowStatus(env, status);
  BufferView out;
  status = Negotiate(v.view, static_cast<int>(flags), &out);
  if (!status.ok()) ThrowStatus(env, status);
  Napi::Object result = Napi::Object::New(env);
  result.Set("format", out.format == nullptr
                           ? env.Null()
                           : Napi::String::New(env, out.format));
  result.Set("itemsize", static_cast<double>(out.itemsize));
  result.Set("ndim", out.ndim);
  result.Set("readonly", out.readonly);
  result.Set("len", static_cast<double>(out.len));
  auto array = [&](const int64_t* values) -> Napi::Value {
    if (values == nullptr) return env.Null();
    return FromInt64(env, values, out.ndim);
  };
  result.Set("shape", array(out.shape));
  result.Set("strides", array(out.strides));
  result.Set("suboffsets", array(out.suboffsets));
  return result;
}

// isContiguous({itemsize, shape, strides, suboffsets}, order) -> boolean
Napi::Value IsContiguousJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ViewArrays v;
  ReadView(info[0].As<Napi::Object>(), &v);
  Status status =
      ComputeLength(v.view.ndim, v.view.shape, v.view.itemsize, &v.view.len);
  if (!status.ok()) ThrowStatus(env, status);
  const std::string order = info[1].ToString().Utf8Value();
  return Napi::Boolean::New(
      env, order.size() == 1 && IsContiguous(v.view, order[0]));
}

// fillContiguousStrides(shape, itemsize, order) -> strides
Napi::Value FillContiguousStridesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<int64_t> shape = ToInt64Vector(info[0]);
  const std::string order = info[2].ToString().Utf8Value();
  std::vector<int64_t> strides(shape.size());
  const int ndim = static_cast<int>(shape.size());
  Status status =
      FillContiguousStrides(ndim, shape.data(), ToInt64(info[1]),
                            order.empty() ? 'C' : order[0], strides.data());
  if (!status.ok()) ThrowStatus(env, status);
  return FromInt64(env, strides.data(), ndim);
}

// The memory of an ArrayBuffer, for a copy: refuses anything else
// (SharedArrayBuffers go through the JavaScript loop instead).
char* ArrayBufferData(Napi::Value value, size_t* length) {
  if (!value.IsArrayBuffer()) {
    throw CodedError(value.Env(), ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE",
                     "expected an ArrayBuffer");
  }
  Napi::ArrayBuffer ab = value.As<Napi::ArrayBuffer>();
  *length = ab.ByteLength();
  return static_cast<char*>(ab.Data());
}

// copyItems(dstBuffer, dstOffset, dstStrides, srcBuffer, srcOffset,
// srcStrides, shape, itemsize): both layouts are validated against their
// buffers here, so no JavaScript value can make the kernel leave them.
Napi::Value CopyItemsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Read every value that can run JavaScript (array getters) before taking
  // the memory pointers, so nothing can detach a buffer in between.
  const int64_t dst_offset = ToInt64(info[1]);
  const int64_t src_offset = ToInt64(info[4]);
  std::vector<int64_t> dst_strides = ToInt64Vector(info[2]);
  std::vector<int64_t> src_strides = ToInt64Vector(info[5]);
  std::vector<int64_t> shape = ToInt64Vector(info[6]);
  const int64_t itemsize = ToInt64(info[7]);
  size_t dst_len = 0;
  size_t src_len = 0;
  char* dst = ArrayBufferData(info[0], &dst_len);
  char* src = ArrayBufferData(info[3], &src_len);
  if (dst_strides.size() != shape.size() ||
      src_strides.size() != shape.size()) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_INVALID_LAYOUT",
                     "shape and strides differ in length");
  }
  const int ndim = static_cast<int>(shape.size());
  BufferView d;
  d.itemsize = itemsize;
  d.ndim = ndim;
  d.shape = shape.empty() ? kNoDims : shape.data();
  d.strides = dst_strides.empty() ? kNoDims : dst_strides.data();
  BufferView s = d;
  s.strides = src_strides.empty() ? kNoDims : src_strides.data();
  Status status = ValidateLayout(&d, dst_offset, static_cast<int64_t>(dst_len));
  if (status.ok()) {
    status = ValidateLayout(&s, src_offset, static_cast<int64_t>(src_len));
  }
  if (status.ok() && d.len > 0) {
    status = CopyItems(StridedRef{dst + dst_offset, d.strides},
                       StridedRef{src + src_offset, s.strides}, d.shape, ndim,
                       itemsize);
  }
  if (!status.ok()) ThrowStatus(env, status);
  return env.Undefined();
}

// normalizeImage(src, srcOffset, shape[3], strides[3], dst, dstOffset,
// planar, scale[], shift[]): the source layout is validated against its
// ArrayBuffer and the output span against its own, so no JavaScript value
// can make the kernel leave either.
Napi::Value NormalizeImageJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t src_offset = ToInt64(info[1]);
  std::vector<int64_t> shape = ToInt64Vector(info[2]);
  std::vector<int64_t> strides = ToInt64Vector(info[3]);
  const int64_t dst_offset = ToInt64(info[5]);
  const bool planar = info[6].ToBoolean();
  std::vector<float> scale, shift;
  const Napi::Array scale_js = info[7].As<Napi::Array>();
  const Napi::Array shift_js = info[8].As<Napi::Array>();
  for (uint32_t k = 0; k < scale_js.Length(); k++) {
    scale.push_back(scale_js.Get(k).As<Napi::Number>().FloatValue());
    shift.push_back(shift_js.Get(k).As<Napi::Number>().FloatValue());
  }
  size_t src_len = 0, dst_len = 0;
  char* src = ArrayBufferData(info[0], &src_len);
  char* dst = ArrayBufferData(info[4], &dst_len);
  if (shape.size() != 3 || strides.size() != 3 ||
      scale.size() != static_cast<size_t>(shape[2]) ||
      shift.size() != scale.size()) {
    throw CodedError(env, ErrorKind::kError, "ERR_BUFFER_INVALID_LAYOUT",
                     "an image is [height, width, channels], with one scale "
                     "and shift per channel");
  }
  BufferView v;
  v.itemsize = 1;
  v.ndim = 3;
  v.shape = shape.data();
  v.strides = strides.data();
  Status status = ValidateLayout(&v, src_offset, static_cast<int64_t>(src_len));
  if (!status.ok()) ThrowStatus(env, status);
  const int64_t floats = v.len;  // one float per byte of the image
  if (dst_offset < 0 || dst_offset % 4 != 0 ||
      floats > (static_cast<int64_t>(dst_len) - dst_offset) / 4) {
    throw CodedError(env, ErrorKind::kRangeError, "ERR_OUT_OF_RANGE",
                     "the output holds fewer floats than the image has "
                     "samples");
  }
  if (floats > 0) {
    NormalizeImage(reinterpret_cast<const uint8_t*>(src + src_offset),
                   shape.data(), strides.data(), planar, scale.data(),
                   shift.data(), reinterpret_cast<float*>(dst + dst_offset));
  }
  return env.Undefined();
}

// aliasOffset(a, b) -> (address of b) - (address of a) when the two
// ArrayBuffers share a byte, else null. Two distinct ArrayBuffer objects
// can be windows on one block (a NativeBuffer and its fromShared twin, C
// memory exported twice), so JavaScript identity cannot tell overlap; the
// facade asks here, once per copy, and copies through a temporary then.
Napi::Value AliasOffsetJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t a_len = 0;
  size_t b_len = 0;
  const char* a = ArrayBufferData(info[0], &a_len);
  const char* b = ArrayBufferData(info[1], &b_len);
  if (a == nullptr || b == nullptr || a_len == 0 || b_len == 0)
    return env.Null();
  const uintptr_t a0 = reinterpret_cast<uintptr_t>(a);
  const uintptr_t b0 = reinterpret_cast<uintptr_t>(b);
  if (b0 >= a0 + a_len || a0 >= b0 + b_len) return env.Null();
  // Overlapping blocks lie within one length of each other, far below 2**53.
  const double delta =
      b0 >= a0 ? static_cast<double>(b0 - a0) : -static_cast<double>(a0 - b0);
  return Napi::Number::New(env, delta);
}

}  // namespace

Napi::Object InitCoreFunctions(Napi::Env env) {
  Napi::Object core = Napi::Object::New(env);
  core.Set("parseFormat", Napi::Function::New(env, ParseFormatJs));
  core.Set("validateLayout", Napi::Function::New(env, ValidateLayoutJs));
  core.Set("negotiate", Napi::Function::New(env, NegotiateJs));
  core.Set("isContiguous", Napi::Function::New(env, IsContiguousJs));
  core.Set("fillContiguousStrides",
           Napi::Function::New(env, FillContiguousStridesJs));
  core.Set("copyItems", Napi::Function::New(env, CopyItemsJs));
  core.Set("aliasOffset", Napi::Function::New(env, AliasOffsetJs));
  core.Set("normalizeImage", Napi::Function::New(env, NormalizeImageJs));
  return core;
}

}  // namespace bp::binding
