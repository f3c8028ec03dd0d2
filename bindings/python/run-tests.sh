#!/usr/bin/env bash
# Python binding tests (unittest) against the published libattribution.so.
# Then installs the package with pip, offline, into a fresh venv and checks it from outside the tree.
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
work=$(mktemp -d)
trap 'rm -f "$out"; rm -rf "$work"' EXIT
PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s tests -t . -v 2>&1 | tee "$out"
ran=$(grep -oE '^Ran [0-9]+ test' "$out" | grep -oE '[0-9]+' | tail -n 1)
bad=$(grep -oE '^FAILED \(.*\)' "$out" | grep -oE '(failures|errors)=[0-9]+' | cut -d= -f2 | awk '{s+=$1} END {print s+0}')
skipped=$(grep -oE 'skipped=[0-9]+' "$out" | cut -d= -f2 | tail -n 1)
ran=${ran:-0}; bad=${bad:-0}; skipped=${skipped:-0}
if [ "$ran" = 0 ]; then bad=1; fi

# Packaging: the package as a user installs it, offline, into a fresh venv; checked from outside the source tree
# (check_installed.py copied away, so `import attribution` cannot pick up bindings/python/attribution).
echo "== packaging: pip install --no-index bindings/python into a fresh venv"
lib="${ATTRIBUTION_LIB:-$root/bindings/native/bin/Release/net10.0/linux-x64/publish/libattribution.so}"
version=$(sed -n 's/^#define ATTRIBUTION_VERSION "\(.*\)"/\1/p' "$root/bindings/c/attribution.h")
cp "$here/check_installed.py" "$work/check_installed.py"
pkg_ok=0; pkg_bad=0
tally() { # counts a check script's ok/FAIL lines
  pkg_ok=$((pkg_ok + $(grep -c '^ok  ' "$1"))); pkg_bad=$((pkg_bad + $(grep -c '^FAIL' "$1")))
}
if python3 -m venv "$work/venv" > "$work/pip.out" 2>&1 && "$work/venv/bin/pip" install --no-index "$here" >> "$work/pip.out" 2>&1; then
  echo "ok   pip install --no-index bindings/python into a fresh venv"; pkg_ok=$((pkg_ok + 1))
  echo "-- the library named by \$ATTRIBUTION_LIB"
  (cd "$work" && ATTRIBUTION_LIB="$lib" PYTHONDONTWRITEBYTECODE=1 venv/bin/python check_installed.py "$lib") > "$work/env.out" 2>&1
  rc=$?; cat "$work/env.out"; tally "$work/env.out"; [ "$rc" = 0 ] || [ "$(grep -c '^FAIL' "$work/env.out")" != 0 ] || pkg_bad=$((pkg_bad + 1))
  echo "-- the library on the system's library path (make -C bindings/c install PREFIX=...; LD_LIBRARY_PATH)"
  if make -s -C "$root/bindings/c" install PREFIX="$work/prefix" LIB="$lib" > "$work/install.out" 2>&1; then
    (cd "$work" && env -u ATTRIBUTION_LIB LD_LIBRARY_PATH="$work/prefix/lib" PYTHONDONTWRITEBYTECODE=1 \
       venv/bin/python check_installed.py "$work/prefix/lib/libattribution.so.$version") > "$work/system.out" 2>&1
    rc=$?; cat "$work/system.out"; tally "$work/system.out"; [ "$rc" = 0 ] || [ "$(grep -c '^FAIL' "$work/system.out")" != 0 ] || pkg_bad=$((pkg_bad + 1))
  else
    cat "$work/install.out"; echo "FAIL make install of the C library"; pkg_bad=$((pkg_bad + 1))
  fi
else
  tail -n 30 "$work/pip.out"; echo "FAIL pip install --no-index bindings/python"; pkg_bad=$((pkg_bad + 1))
fi

echo "$((ran - bad - skipped + pkg_ok)) passed, $((bad + pkg_bad)) failed, $skipped skipped"
[ "$bad" = 0 ] && [ "$pkg_bad" = 0 ]
