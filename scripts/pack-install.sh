#!/usr/bin/env bash
# npm run test:install: packs the tarball and installs it as a user would, in
# three scratch projects, from the tarball and npm's cache (--prefer-offline:
# the registry only for what the cache lacks, bindings and node-addon-api):
#   1. a plain install, then a snippet, and an addon build with node-gyp that
#      consumes the C API through the header alone (no second build of ours);
#   2. an install built from source (--build-from-source), the fallback;
#   3. an install with a PATH holding only node, npm and sh (no compiler, no
#      Python, no make), which must take the prebuilt binary.
# Prints the time of each install.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

ms() { date +%s%3N; }
start=$(ms)
(cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null 2>"$work/pack.log") || { cat "$work/pack.log"; exit 1; }
tarball="$(ls "$work"/buffer-protocol-*.tgz)"
echo "pack: $(($(ms) - start)) ms, $(du -k "$tarball" | cut -f1) kB"
tar -tzf "$tarball" >"$work/contents"
for unwanted in '\.map$' 'native/fuzz/' '^package/test/' '^package/src/'; do
  if grep -E "$unwanted" "$work/contents" >/dev/null; then echo "the tarball ships $unwanted"; exit 1; fi
done
for wanted in package/native/include/buffer_protocol.h package/prebuilds/linux-x64/buffer_protocol.node package/lib/index.d.ts; do
  grep -qx "$wanted" "$work/contents" || { echo "the tarball lacks $wanted"; exit 1; }
done

snippet='
const { NativeBuffer, memoryview } = require("buffer-protocol");
const { mmap } = require("buffer-protocol/io");
const nb = NativeBuffer.alloc(16);
const bytes = memoryview(nb);
const m = bytes.cast("d");
m.set(1, 2.5);
if (m.get(1) !== 2.5 || typeof mmap !== "function") throw new Error("wrong");
m.release();
bytes.release();
nb.close();
console.log("snippet ok");
'

install() { # DIR PATH-VALUE [NPM-OPTION]
  mkdir -p "$1"
  (cd "$1" && echo '{"name":"scratch","version":"1.0.0","private":true}' >package.json &&
    local t=$(ms) &&
    PATH="$2" npm install --prefer-offline --no-audit --no-fund --foreground-scripts ${3:-} "$tarball" >install.log 2>&1 ||
    { cat install.log; exit 1; }
    echo "install ($(basename "$1")): $(($(ms) - t)) ms, $(grep -o 'using the prebuilt addon' install.log || echo 'built from source')")
}

# 1. With the machine's PATH.
install "$work/app" "$PATH"
(cd "$work/app" && node -e "$snippet")
# The consumer: our header, bp_import() at run time, nothing of ours compiled.
mkdir -p "$work/app/consumer"
cat >"$work/app/consumer/binding.gyp" <<'GYP'
{"targets": [{"target_name": "consumer", "sources": ["consumer.c"],
  "include_dirs": ["<!(node -p \"require('buffer-protocol/include')\")"]}]}
GYP
cat >"$work/app/consumer/consumer.c" <<'C'
#include <buffer_protocol.h>
static napi_value ItemSize(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value arg, out; const bp_api* api; bp_buffer view;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  if (bp_import(env, &api) != 0) return NULL;
  if (api->get_buffer(env, arg, &view, BP_FORMAT | BP_ND) != 0) return NULL;
  napi_create_int64(env, (int64_t)view.itemsize, &out);
  api->release(env, &view);
  return out;
}
NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "itemsize", NAPI_AUTO_LENGTH, ItemSize, NULL, &fn);
  napi_set_named_property(env, exports, "itemsize", fn);
  return exports;
}
C
# npm passes its nodedir setting to scripts; outside npm, the system headers.
nodedir="${npm_config_nodedir:-}"
if [ -z "$nodedir" ] && [ -f /usr/include/node/node.h ]; then nodedir=/usr; fi
t=$(ms)
(cd "$work/app/consumer" && "$root/node_modules/.bin/node-gyp" rebuild ${nodedir:+--nodedir="$nodedir"} >build.log 2>&1) || { cat "$work/app/consumer/build.log"; exit 1; }
compiled=$(grep -c '\.o$' <(find "$work/app/consumer/build" -name '*.o'))
echo "consumer addon: $(($(ms) - t)) ms, $compiled object file(s) compiled"
[ "$compiled" = 1 ] || { echo "the consumer compiled more than its own file"; exit 1; }
(cd "$work/app" && node -e '
require("buffer-protocol");
const c = require("./consumer/build/Release/consumer.node");
if (c.itemsize(new Float64Array(2)) !== 8) throw new Error("wrong itemsize");
console.log("consumer ok");')

# The fallback: a build from source, as where the prebuilt does not load.
install "$work/source" "$PATH" --build-from-source
(cd "$work/source" && node -e "$snippet")
[ -f "$work/source/node_modules/buffer-protocol/build/Release/buffer_protocol.node" ] || { echo "no build from source"; exit 1; }

# 2. No compiler: a PATH with node, npm and sh only.
bin="$work/bin"
mkdir -p "$bin"
ln -s "$(command -v node)" "$bin/node"
ln -s "$(command -v npm)" "$bin/npm"
# npm runs scripts with sh: the one tool besides node that every install has.
ln -s "$(command -v sh)" "$bin/sh"
if PATH="$bin" command -v cc c++ gcc clang python3 make >/dev/null 2>&1; then echo "the bare PATH has a compiler"; exit 1; fi
install "$work/bare" "$bin"
grep -q 'using the prebuilt addon' "$work/bare/install.log" || { echo "the bare install did not take the prebuilt"; exit 1; }
(cd "$work/bare" && PATH="$bin" node -e "$snippet")
[ ! -d "$work/bare/node_modules/buffer-protocol/build" ] || { echo "the bare install built from source"; exit 1; }
echo "install test ok"
