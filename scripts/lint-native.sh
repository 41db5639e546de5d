#!/usr/bin/env bash
# npm run lint:native: checks that native/ is formatted as .clang-format
# says (fix with `clang-format -i` on the files named). Installs clang-format
# from Debian's packages when it is missing (needs root), as fuzz.sh does
# clang.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  # A fresh machine may have no package lists yet: update once if needed.
  apt-get install -y -q clang-format >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q clang-format >/dev/null; }
fi
# Tracked and new files alike, outside git too.
files=$(find native \( -name '*.h' -o -name '*.cc' -o -name '*.c' \) -type f | sort)
clang-format --dry-run -Werror $files
echo "lint:native: $(echo "$files" | wc -l) files formatted"
