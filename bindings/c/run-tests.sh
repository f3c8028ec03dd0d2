#!/usr/bin/env bash
# C binding tests: publishes libattribution.so (NativeAOT) when it is missing or older than its
# sources, checks the exported symbols and the header against bindings/abi/, builds the C tests
# with gcc and runs them. Ends with "N passed, N failed".
# Env: ATTRIBUTION_LIB=path/to/libattribution.so uses that library as is (no publish).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/bindings/c/build"
mkdir -p "$out"
passed=0
failed=0

fail_all() { echo "$1"; echo "0 passed, 1 failed"; exit 1; }

lib=${ATTRIBUTION_LIB:-}
if [ -z "$lib" ]; then
  lib="$root/bindings/native/bin/Release/net10.0/linux-x64/publish/libattribution.so"
  newest_src=$(find "$root/engine" "$root/bindings/native" -name '*.cs' -o -name '*.csproj' | grep -v '/obj/\|/bin/' | xargs ls -t | head -n 1)
  if [ ! -f "$lib" ] || [ "$newest_src" -nt "$lib" ]; then
    echo "== publishing libattribution.so (NativeAOT, takes a few minutes)"
    (cd "$root" && dotnet publish bindings/native -c Release -r linux-x64 -nologo -v q) || fail_all "publish failed"
  fi
fi
[ -f "$lib" ] || fail_all "library not found: $lib"

echo "== ABI: exported symbols"
nm -D --defined-only "$lib" | awk '/ T attr_/ {print $3}' | sort > "$out/exports.txt"
if diff -u "$root/bindings/abi/exports.txt" "$out/exports.txt"; then
  echo "ok   exported symbols match bindings/abi/exports.txt"; passed=$((passed + 1))
else
  echo "FAIL exported symbols differ from bindings/abi/exports.txt (an ABI change: update the file on purpose)"; failed=$((failed + 1))
fi

echo "== ABI: header declarations"
bash "$root/bindings/abi/declarations.sh" "$root/bindings/c/attribution.h" > "$out/declarations.txt"
if diff -u "$root/bindings/abi/declarations.txt" "$out/declarations.txt"; then
  echo "ok   header declarations match bindings/abi/declarations.txt"; passed=$((passed + 1))
else
  echo "FAIL header declarations differ from bindings/abi/declarations.txt"; failed=$((failed + 1))
fi
# Every function declared in the header is exported, and nothing else is.
grep -v '^#define' "$out/declarations.txt" | sed -E 's/^[^(]*[ *](attr_[a-z_]+)\(.*/\1/' | sort > "$out/declared-names.txt"
sed -E 's/@.*//' "$out/exports.txt" | sort > "$out/exported-names.txt"
if diff -u "$out/declared-names.txt" "$out/exported-names.txt"; then
  echo "ok   every declared function is exported and every export is declared"; passed=$((passed + 1))
else
  echo "FAIL header and exports disagree"; failed=$((failed + 1))
fi

echo "== install: make install PREFIX=..., SONAME, pkg-config"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
version=$(sed -n 's/^#define ATTRIBUTION_VERSION "\(.*\)"/\1/p' "$here/attribution.h")
major=${version%%.*}
if make -s -C "$here" install PREFIX="$prefix" LIB="$lib" > "$out/install.out" 2>&1 \
   && [ "$(readlink -f "$prefix/lib/libattribution.so")" = "$(readlink -f "$prefix/lib/libattribution.so.$version")" ] \
   && [ "$(readlink "$prefix/lib/libattribution.so.$major")" = "libattribution.so.$version" ] \
   && [ -f "$prefix/include/attribution.h" ] && [ -f "$prefix/lib/pkgconfig/attribution.pc" ]; then
  echo "ok   make install puts the header, libattribution.so.$version with its .so.$major and .so links, and attribution.pc under PREFIX"; passed=$((passed + 1))
else
  cat "$out/install.out"; ls -lR "$prefix"; echo "FAIL make install"; failed=$((failed + 1))
fi
soname=$(readelf -d "$prefix/lib/libattribution.so.$version" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ "$soname" = "libattribution.so.$major" ]; then
  echo "ok   readelf -d shows SONAME $soname"; passed=$((passed + 1))
else
  echo "FAIL SONAME is '$soname', expected libattribution.so.$major (the header's major version)"; failed=$((failed + 1))
fi
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pcversion=$(pkg-config --modversion attribution 2>&1)
if [ "$pcversion" = "$version" ]; then
  echo "ok   pkg-config --modversion attribution is $pcversion"; passed=$((passed + 1))
else
  echo "FAIL pkg-config --modversion attribution: '$pcversion', expected $version"; failed=$((failed + 1))
fi
# The example is compiled away from the repository's header (a quoted include looks beside the source first),
# so only what the install and pkg-config provide is used; the program must name the SONAME, not the file.
mkdir -p "$out/pc" && cp "$here/example.c" "$out/pc/example.c"
# shellcheck disable=SC2046
if gcc -std=c11 -O2 -Wall -Wextra -Werror -o "$out/pc/example" "$out/pc/example.c" $(pkg-config --cflags --libs attribution) > "$out/pc/build.out" 2>&1 \
   && readelf -d "$out/pc/example" | grep -q "NEEDED.*\[libattribution.so.$major\]" \
   && LD_LIBRARY_PATH="$(pkg-config --variable=libdir attribution)" "$out/pc/example" > "$out/pc/example.out" 2>&1 \
   && grep -q '"conversion_id":"v-1"' "$out/pc/example.out"; then
  echo "ok   the example built with pkg-config --cflags --libs attribution needs libattribution.so.$major and runs from PREFIX"; passed=$((passed + 1))
else
  cat "$out/pc/build.out" "$out/pc/example.out" 2>/dev/null; echo "FAIL the example built through pkg-config"; failed=$((failed + 1))
fi
unset PKG_CONFIG_PATH

echo "== building C tests and example"
cflags=(-std=c11 -O2 -Wall -Wextra -Werror -I "$here")
# Programs linked against the library need it under its SONAME (libattribution.so.<major>): a link dir of our own
# gives any ATTRIBUTION_LIB that name.
linkdir="$out/lib"
mkdir -p "$linkdir"
ln -sfn "$(readlink -f "$lib")" "$linkdir/libattribution.so"
ln -sfn "$(readlink -f "$lib")" "$linkdir/libattribution.so.$major"
ldflags=(-L "$linkdir" -lattribution -Wl,-rpath,"$linkdir" -lpthread)
gcc "${cflags[@]}" -o "$out/test_attribution" "$here/test_attribution.c" "${ldflags[@]}" || fail_all "test build failed"
gcc "${cflags[@]}" -o "$out/example" "$here/example.c" "${ldflags[@]}" || fail_all "example build failed"
gcc "${cflags[@]}" -o "$out/bench_attribution" "$here/bench_attribution.c" "${ldflags[@]}" || fail_all "bench build failed"
gcc "${cflags[@]}" -o "$out/test_corpus" "$here/test_corpus.c" "${ldflags[@]}" || fail_all "corpus test build failed"

echo "== example"
if "$out/example" > "$out/example.out" 2>&1 && grep -q '"conversion_id":"v-1"' "$out/example.out"; then
  echo "ok   example prints the attribution"; passed=$((passed + 1))
else
  cat "$out/example.out"; echo "FAIL example"; failed=$((failed + 1))
fi

echo "== C tests"
"$out/test_attribution" | tee "$out/test.out"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/test.out" | tail -n 1)
if [ -z "$line" ]; then
  echo "FAIL the C tests crashed or ended early"; failed=$((failed + 1))
else
  passed=$((passed + $(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")))
fi

echo "== C corpus tests (tests/Reliability/corpus)"
"$out/test_corpus" "$root/tests/Reliability/corpus" > "$out/corpus.out" 2>&1
grep -v '^ok  ' "$out/corpus.out"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/corpus.out" | tail -n 1)
if [ -z "$line" ]; then
  echo "FAIL the C corpus tests crashed or ended early"; failed=$((failed + 1))
else
  passed=$((passed + $(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")))
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
