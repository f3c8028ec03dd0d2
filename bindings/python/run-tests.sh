#!/usr/bin/env bash
# Python binding tests (unittest) against the published libattribution.so.
# Publishes the library first when bindings/c/run-tests.sh has not (same check of sources).
# Ends with "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -z "${ATTRIBUTION_LIB:-}" ]; then
  lib="$root/bindings/native/bin/Release/net10.0/linux-x64/publish/libattribution.so"
  newest_src=$(find "$root/engine" "$root/bindings/native" -name '*.cs' -o -name '*.csproj' | grep -v '/obj/\|/bin/' | xargs ls -t | head -n 1)
  if [ ! -f "$lib" ] || [ "$newest_src" -nt "$lib" ]; then
    echo "== publishing libattribution.so (NativeAOT, takes a few minutes)"
    (cd "$root" && dotnet publish bindings/native -c Release -r linux-x64 -nologo -v q) || { echo "0 passed, 1 failed"; exit 1; }
  fi
fi
cd "$here"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s tests -t . -v 2>&1 | tee "$out"
ran=$(grep -oE '^Ran [0-9]+ test' "$out" | grep -oE '[0-9]+' | tail -n 1)
bad=$(grep -oE '^FAILED \(.*\)' "$out" | grep -oE '(failures|errors)=[0-9]+' | cut -d= -f2 | awk '{s+=$1} END {print s+0}')
skipped=$(grep -oE 'skipped=[0-9]+' "$out" | cut -d= -f2 | tail -n 1)
ran=${ran:-0}; bad=${bad:-0}; skipped=${skipped:-0}
if [ "$ran" = 0 ]; then bad=1; fi
echo "$((ran - bad - skipped)) passed, $bad failed, $skipped skipped"
[ "$bad" = 0 ]
