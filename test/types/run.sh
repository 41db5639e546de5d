#!/usr/bin/env bash
# npm run test:types: compiles test/types/usage.ts (a user's code, no casts)
# with tsc --strict against the built package's .d.ts, imported as
# 'buffer-protocol' through a node_modules link to the package root, under
# moduleResolution node16 (package.json "exports") and node (the "types"
# field and "typesVersions"), with the project's TypeScript (6) and with 5.7,
# the first whose TypedArrays are generic over their buffer (fetched from the
# npm registry once into node_modules/.cache/typescript-5.7: as a
# devDependency alias its bin would take over node_modules/.bin/tsc).
# Needs lib/ (npm run build:ts).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mkdir -p "$here/node_modules"
ln -sfn "$root" "$here/node_modules/buffer-protocol"
old="$root/node_modules/.cache/typescript-5.7"
if [ ! -x "$old/node_modules/typescript/bin/tsc" ]; then
  mkdir -p "$old" && echo '{"private":true}' >"$old/package.json"
  npm install --prefix "$old" --no-audit --no-fund --silent typescript@~5.7.3 >/dev/null
fi
status=0
for tsc in "$root/node_modules/typescript/bin/tsc" "$old/node_modules/typescript/bin/tsc"; do
  version="$("$tsc" --version)"
  for resolution in node16 node; do
    extra=()
    # TypeScript 6 deprecates moduleResolution node (node10); users still have it.
    [ "$resolution" = node ] && [[ "$version" == *" 6."* ]] && extra=(--ignoreDeprecations 6.0)
    if "$tsc" -p "$here/tsconfig.$resolution.json" "${extra[@]}"; then
      echo "types: $version, moduleResolution $resolution: ok"
    else
      echo "types: $version, moduleResolution $resolution: FAILED"
      status=1
    fi
  done
done
exit $status
