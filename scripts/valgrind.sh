#!/usr/bin/env bash
# npm run test:valgrind: runs scripts/valgrind-workload.js (every native
# entry point, small and large blocks, GC finalization) under valgrind
# memcheck against the normal build, build/Release/buffer_protocol.node.
# Not jest: the suite is far too slow under valgrind. Node runs --jitless
# (faster under valgrind, and no JIT code to translate); scripts/valgrind.supp
# suppresses only errors whose stacks lie entirely in the node binary.
#
# Fails when valgrind reports any error with a frame in buffer_protocol.node
# (or in the C fixtures of test/native, bp_test_*.node, which the workload
# drives when they are built), when the workload itself fails, or when it
# runs longer than VALGRIND_TIMEOUT seconds (default 300: a hang). Other
# unsuppressed errors (all frames in node or system libraries) are printed
# and counted, but do not fail the run. Logs: build/valgrind/memcheck.*.
# Installs valgrind from Debian's packages when it is missing.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if ! command -v valgrind >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y -q valgrind >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q valgrind >/dev/null; }
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get install -y -q valgrind >/dev/null || { sudo apt-get update -q >/dev/null && sudo apt-get install -y -q valgrind >/dev/null; }
  fi
  command -v valgrind >/dev/null 2>&1 || { echo "valgrind is missing and could not be installed (needs root or sudo)"; exit 1; }
fi

addon="$root/build/Release/buffer_protocol.node"
[ -f "$addon" ] || { echo "no $addon: build the addon first (npm install or npx node-gyp rebuild)"; exit 1; }
npx tsc -p tsconfig.json || exit 1

out="$root/build/valgrind"
mkdir -p "$out"
rm -f "$out"/memcheck.*
# Load exactly the normal build (lib/native.js honours this variable), with
# no sanitizer runtime preloaded from an earlier stage.
unset LD_PRELOAD
export BUFFER_PROTOCOL_ADDON="$addon"

# --num-callers must equal the frame count of each entry in valgrind.supp.
start=$(date +%s)
timeout --kill-after=10 "${VALGRIND_TIMEOUT:-300}" valgrind --tool=memcheck --error-exitcode=99 --errors-for-leak-kinds=none --leak-check=no \
  --track-origins=no --suppressions=scripts/valgrind.supp --num-callers=20 \
  --xml=yes --xml-file="$out/memcheck.xml" --log-file="$out/memcheck.log" \
  node --jitless --expose-gc scripts/valgrind-workload.js >"$out/memcheck.out" 2>&1
vg_status=$?
elapsed=$(( $(date +%s) - start ))
cat "$out/memcheck.out"

# Sort the reported errors by whether any frame is in the addon.
node - "$out/memcheck.xml" "$vg_status" "$elapsed" <<'EOF'
const fs = require('fs');
const [file, status, elapsed] = process.argv.slice(2);
let xml = '';
try {
  xml = fs.readFileSync(file, 'utf8');
} catch (e) {
  console.log(`valgrind wrote no report (${e.message}); exit status ${status}`);
  process.exit(1);
}
const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const tag = (s, name) => {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(s);
  return m === null ? '' : decode(m[1].trim());
};
const errors = [...xml.matchAll(/<error>([\s\S]*?)<\/error>/g)].map(([, body]) => {
  const stack = tag(body, 'stack');
  const frames = [...stack.matchAll(/<frame>([\s\S]*?)<\/frame>/g)].map(([, f]) => ({
    obj: tag(f, 'obj'),
    fn: tag(f, 'fn'),
    where: tag(f, 'file') ? `${tag(f, 'file')}:${tag(f, 'line')}` : '',
  }));
  const what = tag(body, 'what') || tag(tag(body, 'xwhat'), 'text');
  return { unique: tag(body, 'unique'), kind: tag(body, 'kind'), what, frames };
});
// How often each reported context occurred.
const counts = new Map();
for (const [, count, unique] of xml.matchAll(/<pair>\s*<count>(\d+)<\/count>\s*<unique>(0x[0-9a-f]+)<\/unique>\s*<\/pair>/g)) {
  counts.set(unique, Number(count));
}
for (const e of errors) e.count = counts.get(e.unique) ?? 1;
const suppressed = [...xml.matchAll(/<pair>\s*<count>(\d+)<\/count>\s*<name>([^<]*)<\/name>\s*<\/pair>/g)];
const inAddon = (e) => e.frames.some((f) => /(^|\/)(buffer_protocol|bp_test_\w+)\.node$/.test(f.obj));
const print = (e) => {
  console.log(`  ${e.kind}: ${e.what} (x${e.count})`);
  for (const f of e.frames) console.log(`    ${f.fn || '???'} ${f.where ? `(${f.where}) ` : ''}in ${f.obj || '???'}`);
};
// Leak records are not errors here (--errors-for-leak-kinds=none), but the
// XML lists the possibly-lost blocks of node's own threads anyway.
const real = errors.filter((e) => !e.kind.startsWith('Leak_'));
const addon = real.filter(inAddon);
const other = real.filter((e) => !inAddon(e));
const total = (list) => list.reduce((n, e) => n + e.count, 0);
const suppressedTotal = suppressed.reduce((n, [, c]) => n + Number(c), 0);
if (other.length > 0) {
  console.log('valgrind errors with no frame in buffer_protocol.node (not failing; add to valgrind.supp only if every frame is node\'s):');
  other.forEach(print);
}
if (addon.length > 0) {
  console.log('valgrind errors in buffer_protocol.node:');
  addon.forEach(print);
}
const workloadOk = fs.readFileSync(file.replace(/\.xml$/, '.out'), 'utf8').includes('workload ok');
console.log(
  `valgrind: ${total(addon)} errors in buffer_protocol.node or the test fixtures (${addon.length} contexts), ` +
    `${total(other)} other errors (${other.length} contexts), ${suppressedTotal} suppressed; ` +
    `exit status ${status}; ${elapsed} s`,
);
if (!workloadOk) console.log('valgrind: the workload did not finish ("workload ok" missing)');
if (status === '124' || status === '137') console.log('valgrind: the workload timed out (a hang?) and was killed');
// 0 or 99 (--error-exitcode) are valgrind's own; anything else is a crash.
const crashed = status !== '0' && status !== '99';
process.exit(addon.length > 0 || !workloadOk || crashed ? 1 : 0);
EOF
