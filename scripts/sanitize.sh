#!/usr/bin/env bash
# npm run test:sanitize: builds the addon with AddressSanitizer and
# UndefinedBehaviorSanitizer into a separate directory (never the one
# `bindings` loads), then runs the whole jest suite against it with the ASan
# runtime preloaded. Any sanitizer report fails the run and is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/build-sanitize"
rm -rf "$out"
mkdir -p "$out"
# node-gyp always builds in ./build: build a copy of the native sources.
cp -r binding.gyp native "$out/"
# The native test fixtures (C clients of the C API) are built there too.
mkdir -p "$out/test" && cp -r test/native "$out/test/"
ln -s "$root/node_modules" "$out/node_modules"
# BP_CHECK_ASSUMPTIONS turns the core's BP_ASSERTs on (native/core/assert.h).
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DBP_CHECK_ASSUMPTIONS"
# npm passes its nodedir setting to scripts; outside npm, use the system headers.
nodedir="${npm_config_nodedir:-}"
if [ -z "$nodedir" ] && [ -f /usr/include/node/node.h ]; then nodedir=/usr; fi
(cd "$out" && CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" \
  "$root/node_modules/.bin/node-gyp" rebuild ${nodedir:+--nodedir="$nodedir"} >"$out/build.log" 2>&1) || { cat "$out/build.log"; exit 1; }
addon="$out/build/Release/buffer_protocol.node"
nm -D "$addon" | grep __asan_ >/dev/null || { echo "the sanitizer build has no ASan instrumentation"; exit 1; }
npx tsc -p tsconfig.json
log="$out/sanitizer.log"
rm -f "$log".*
export BUFFER_PROTOCOL_ADDON="$addon"
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
# Node itself leaks at exit; report everything else, to per-process logs.
# SIGBUS stays ours: the mmap tests raise it on purpose (sigbus_guard.h).
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1:handle_sigbus=0:log_path=$log"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$log"
status=0
npx jest --runInBand "$@" || status=$?
# The lifecycle fuzzer under the sanitizers too, for a bounded time.
if [ $# -eq 0 ]; then
  node --expose-gc test/fuzz/lifecycle.js --seconds "${LIFECYCLE_SECONDS:-60}" || status=1
fi
unset LD_PRELOAD
if ls "$log".* >/dev/null 2>&1; then
  echo "sanitizer reports:"
  cat "$log".*
  exit 1
fi
exit $status
