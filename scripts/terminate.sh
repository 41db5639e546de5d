#!/usr/bin/env bash
# npm run test:terminate [rounds = 1000]: terminates that many Workers inside
# each kind of addon call (test/fixtures/worker-terminate.js) and fails on
# any abort or wrong count.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1000}
for kind in sync async capi finalizers; do
  start=$SECONDS
  out=$(node --expose-gc test/fixtures/worker-terminate.js "$kind" "$rounds")
  echo "$out ($((SECONDS - start)) s)"
  [ "$out" = "{\"kind\":\"$kind\",\"rounds\":$rounds,\"reached\":$rounds}" ] || { echo "terminate: $kind failed"; exit 1; }
done
