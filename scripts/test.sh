#!/usr/bin/env bash
# Runs every test of the project (NUnit, then the C and Python binding tests when present)
# and ends with one line: "N passed, N failed, N skipped", summed over all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
status=0

record() { # passed failed skipped
  echo "$1 $2 $3" >> "$tally"
}

echo "== building (Release)"
buildlog=$(mktemp)
dotnet build Attribution.Engine.sln -c Release -nologo -v q >"$buildlog" 2>&1
brc=$?
grep -E "error|warning" "$buildlog" | sort -u | head -n 40
rm -f "$buildlog"
if [ "$brc" != "0" ]; then
  echo "build failed"; record 0 1 0; status=1
else
  echo "== NUnit"
  out=$(mktemp)
  trxdir=$(mktemp -d)
  dotnet test tests/Attribution.Tests.csproj -c Release --no-build -nologo \
      --logger "console;verbosity=normal" --logger "trx;LogFileName=nunit.trx" --results-directory "$trxdir" \
      ${TEST_FILTER:+--filter "$TEST_FILTER"} 2>&1 | tee "$out" \
      | grep -E "^\s*(Failed|Skipped) |Error Message|[Ss]eed|Total tests" || true
  trx=$(find "$trxdir" -name '*.trx' | head -n 1)
  if [ -z "$trx" ]; then
    echo "NUnit produced no result file; last output:"; tail -n 40 "$out"
    record 0 1 0; status=1
  else
    counters=$(grep -oE '<Counters [^>]*>' "$trx")
    num() { sed -E "s/.* $1=\"([0-9]+)\".*/\1/" <<<"$counters"; }
    p=$(num passed); f=$(( $(num failed) + $(num error) + $(num timeout) + $(num aborted) )); t=$(num total); e=$(num executed)
    s=$(( t - e ))
    record "$p" "$f" "$s"
    if [ "$f" != "0" ]; then
      status=1
      echo "== NUnit failures, with their messages"
      grep -E -A 25 "^\s*Failed " "$out" | grep -v -E "^\s*Passed "
    fi
  fi
  rm -rf "$trxdir"
  rm -f "$out"
fi

# Native binding suites register themselves here (each prints "N passed, N failed" last).
for suite in bindings/c/run-tests.sh bindings/python/run-tests.sh; do
  if [ -f "$suite" ]; then
    echo "== $suite"
    out=$(mktemp)
    bash "$suite" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    line=$(grep -E "^[0-9]+ passed, [0-9]+ failed" "$out" | tail -n 1)
    if [ -z "$line" ]; then
      record 0 1 0; status=1
    else
      p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
      f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
      s=0; grep -qE "skipped" <<<"$line" && s=$(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line")
      record "$p" "$f" "$s"
      [ "$f" = "0" ] && [ "$rc" = "0" ] || status=1
    fi
    rm -f "$out"
  fi
done

read -r P F S < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$tally")
echo "$P passed, $F failed, $S skipped"
exit $status
