#!/usr/bin/env bash
# npm run build:clang: builds the addon and the C fixtures with clang (Debian's
# clang 14) into build-clang/, warnings as errors (BUFFER_PROTOCOL_WERROR=1),
# then runs the smoke suite against that build. CI builds with gcc in npm ci;
# this keeps the other compiler users have free of warnings too. Installs
# clang from Debian's packages when it is missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if ! command -v clang++ >/dev/null 2>&1; then
  apt-get install -y -q clang >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q clang >/dev/null; }
fi
out="$root/build-clang"
rm -rf "$out"
mkdir -p "$out/test"
# node-gyp always builds in ./build: build a copy of the native sources.
cp -r binding.gyp native "$out/"
cp -r test/native "$out/test/"
ln -s "$root/node_modules" "$out/node_modules"
nodedir="${npm_config_nodedir:-}"
if [ -z "$nodedir" ] && [ -f /usr/include/node/node.h ]; then nodedir=/usr; fi
(cd "$out" && CC=clang CXX=clang++ BUFFER_PROTOCOL_WERROR=1 \
  "$root/node_modules/.bin/node-gyp" rebuild ${nodedir:+--nodedir="$nodedir"} >"$out/build.log" 2>&1) || { cat "$out/build.log"; exit 1; }
addon="$out/build/Release/buffer_protocol.node"
readelf -p .comment "$addon" | grep -q clang || { echo "the addon was not built by clang"; exit 1; }
echo "clang build: ok ($(clang++ --version | head -1))"
BUFFER_PROTOCOL_ADDON="$addon" node test/smoke/smoke.cjs
