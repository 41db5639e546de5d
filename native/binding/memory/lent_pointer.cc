#include "binding/memory/lent_pointer.h"

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "binding/errors.h"
#include "binding/memory/block.h"

namespace bp::binding {
namespace {

// One per bind(): the threadsafe function that carries tokens to one
// realm's dispatcher. It dies with its env (a cleanup hook).
struct Lender {
  napi_env env;
  napi_threadsafe_function tsfn;
};

// One per lend, the Block's release context. Deleted by the release, which
// runs exactly once (FreeBlock, or the atexit hand-back in block.cc).
struct Lent {
  uint64_t token;
  uint64_t lender;
  Block* block;
  bool taken_at_exit = false;
};

// Both maps are reached from any thread; they are never destroyed, as
// releases can still run from atexit after static destructors.
std::mutex g_mutex;
std::unordered_map<uint64_t, Lender*>& Lenders() {
  static auto* lenders = new std::unordered_map<uint64_t, Lender*>();
  return *lenders;
}
std::unordered_map<uint64_t, Lent*>& Live() {
  static auto* live = new std::unordered_map<uint64_t, Lent*>();
  return *live;
}
uint64_t g_next_lender = 1;
uint64_t g_next_token = 1;

// Runs where the last reference went. Posting cannot fail for a live
// lender (its queue is unbounded); a gone lender means its thread ended,
// and a JavaScript callback can no longer run anywhere.
void ReleaseLent(void* ctx, void* /*ptr*/) {
  Lent* lent = static_cast<Lent*>(ctx);
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!lent->taken_at_exit) {
      Live().erase(lent->token);
      auto found = Lenders().find(lent->lender);
      if (found != Lenders().end()) {
        auto* token = new uint64_t(lent->token);
        if (napi_call_threadsafe_function(found->second->tsfn, token,
                                          napi_tsfn_nonblocking) != napi_ok) {
          delete token;
        }
      }
    }
  }
  delete lent;
}

void CallDispatch(napi_env env, napi_value dispatch, void* /*context*/,
                  void* data) {
  auto* token = static_cast<uint64_t*>(data);
  if (env != nullptr && dispatch != nullptr) {
    napi_value undefined;
    napi_value argument;
    if (napi_get_undefined(env, &undefined) == napi_ok &&
        napi_create_double(env, static_cast<double>(*token), &argument) ==
            napi_ok) {
      // The dispatcher never throws: it reports a failed callback itself.
      napi_call_function(env, undefined, dispatch, 1, &argument, nullptr);
    }
  }
  delete token;
}

void DropLender(void* arg) {
  Lender* lender = static_cast<Lender*>(arg);
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    for (auto it = Lenders().begin(); it != Lenders().end(); ++it) {
      if (it->second == lender) {
        Lenders().erase(it);
        break;
      }
    }
  }
  napi_release_threadsafe_function(lender->tsfn, napi_tsfn_abort);
  delete lender;
}

uint64_t TokenArg(const Napi::CallbackInfo& info, size_t index) {
  return static_cast<uint64_t>(info[index].As<Napi::Number>().DoubleValue());
}

// bind(dispatch): a lender for this realm. Its threadsafe function does
// not keep the event loop alive; what it has not delivered when the loop
// ends, JavaScript takes at exit.
Napi::Value Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* lender = new Lender{env, nullptr};
  napi_value name;
  NAPI_THROW_IF_FAILED(env,
                       napi_create_string_utf8(env, "buffer-protocol release",
                                               NAPI_AUTO_LENGTH, &name),
                       Napi::Value());
  napi_status status = napi_create_threadsafe_function(
      env, info[0], nullptr, name, 0, 1, nullptr, nullptr, nullptr,
      CallDispatch, &lender->tsfn);
  if (status != napi_ok) {
    delete lender;
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }
  napi_unref_threadsafe_function(env, lender->tsfn);
  uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    id = g_next_lender++;
    Lenders().emplace(id, lender);
  }
  napi_add_env_cleanup_hook(env, DropLender, lender);
  return Napi::Number::New(env, static_cast<double>(id));
}

// lend(lender, address, length): [a pending block over the address, for
// NativeRegion to adopt; its token]. The facade checked every argument.
Napi::Value Lend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool lossless = false;
  const uint64_t address = info[1].As<Napi::BigInt>().Uint64Value(&lossless);
  const double length = info[2].As<Napi::Number>().DoubleValue();
  if (!lossless || (address == 0 && length > 0)) {
    throw CodedError(env, ErrorKind::kTypeError, "ERR_INVALID_ARG_TYPE",
                     "the pointer must be a non-NULL address below 2**64");
  }
  auto* lent = new Lent{0, TokenArg(info, 0), nullptr};
  Block* block =
      ForeignBlock(reinterpret_cast<void*>(static_cast<uintptr_t>(address)),
                   static_cast<size_t>(length), ReleaseLent, lent);
  block->home = env;
  lent->block = block;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    lent->token = g_next_token++;
    Live().emplace(lent->token, lent);
  }
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Value(env, WrapPendingBlock(env, block)));
  result.Set(1u, Napi::Number::New(env, static_cast<double>(lent->token)));
  return result;
}

// discard(pending): a lend whose wrapping failed goes back unreleased.
void Discard(const Napi::CallbackInfo& info) {
  Block* block = TakePendingBlock(info.Env(), info[0]);
  if (block == nullptr) return;
  Lent* lent = static_cast<Lent*>(block->ctx);
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    Live().erase(lent->token);
  }
  DiscardForeignBlock(block);
  delete lent;
}

// takeAtExit(token): whether JavaScript may call the release now. True
// when the memory was already let go (its post will not be delivered in
// time), or when only this env's ArrayBuffers and regions hold it, all of
// them detached or unreachable by then; the Block's later release is then
// a no-op. False while a C view, a transfer or another Worker holds it.
Napi::Value TakeAtExit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint64_t token = TokenArg(info, 0);
  std::lock_guard<std::mutex> lock(g_mutex);
  auto found = Live().find(token);
  if (found == Live().end()) return Napi::Boolean::New(env, true);
  Lent* lent = found->second;
  // Under g_mutex the Block cannot be deleted: its release needs the lock.
  const int64_t others =
      lent->block->refs.load(std::memory_order_acquire) -
      lent->block->home_holds.load(std::memory_order_acquire);
  if (others > 0) return Napi::Boolean::New(env, false);
  lent->taken_at_exit = true;
  Live().erase(found);
  return Napi::Boolean::New(env, true);
}

// detach(arrayBuffer): at exit, an ArrayBuffer over lent memory that
// outlived its NativeBuffer must read nothing once the memory is released.
void Detach(const Napi::CallbackInfo& info) {
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  if (!buffer.IsDetached()) buffer.Detach();
}

}  // namespace

Napi::Object InitLentPointer(Napi::Env env) {
  Napi::Object exports = Napi::Object::New(env);
  exports.Set("bind", Napi::Function::New(env, Bind));
  exports.Set("lend", Napi::Function::New(env, Lend));
  exports.Set("discard", Napi::Function::New(env, Discard));
  exports.Set("takeAtExit", Napi::Function::New(env, TakeAtExit));
  exports.Set("detach", Napi::Function::New(env, Detach));
  return exports;
}

}  // namespace bp::binding
