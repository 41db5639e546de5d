#!/usr/bin/env bash
# npm run fuzz [seconds]: libFuzzer targets for native/core, each run for the
# given seconds (default 20) under ASan and UBSan, from the committed seed
# corpora in native/fuzz/corpus/<target>. Installs clang from Debian's
# packages when it is missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
if ! command -v clang++ >/dev/null 2>&1; then
  # A fresh machine may have no package lists yet: update once if needed.
  apt-get install -y -q clang libclang-rt-14-dev >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q clang libclang-rt-14-dev >/dev/null; }
fi
out=build-fuzz
mkdir -p "$out"
core=(native/core/format.cc native/core/layout.cc native/core/negotiate.cc native/core/status.cc native/core/copy.cc)
status=0
for target in fuzz_format fuzz_layout fuzz_copy; do
  # BP_CHECK_ASSUMPTIONS: the core's BP_ASSERTs run (native/core/assert.h).
  clang++ -std=c++17 -g -O1 -DBP_CHECK_ASSUMPTIONS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    "native/fuzz/$target.cc" "${core[@]}" -o "$out/$target"
  corpus="$out/corpus-$target"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  cp -r "native/fuzz/corpus/$target/." "$corpus/" 2>/dev/null || true
  echo "== $target ($seconds s)"
  if ! "$out/$target" -max_total_time="$seconds" -print_final_stats=1 -max_len=512 "$corpus" 2>"$out/$target.log"; then
    echo "$target FAILED:"
    tail -40 "$out/$target.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$out/$target.log" | tail -2
  fi
done
# The model-based lifecycle fuzzer of the JavaScript API (alloc, export,
# views, C views, async I/O, close, transfer, GC, Workers) for as long.
echo "== lifecycle ($seconds s)"
if ! node --expose-gc test/fuzz/lifecycle.js --seconds "$seconds"; then
  echo "lifecycle FAILED"
  status=1
fi
exit $status
