#!/usr/bin/env bash
# Fuzzes the JSON and MessagePack decoders and the C ABI entry points for a chosen time (CI runs 8 s):
#   scripts/fuzz.sh --minutes 10 [--seed N]
# A finding fails the run, prints the seed and the input, and saves the input under
# tests/bin/Release/net10.0/fuzz-findings/; copy it to tests/Reliability/corpus/fuzz/<target>/ to keep it as a regression.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --seed) export ATTRIBUTION_SEED="$2"; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
export ATTRIBUTION_FUZZ_SECONDS=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
set +e
nice -n 10 dotnet test tests -c Release -nologo --filter "FullyQualifiedName~Reliability.Fuzz.AbiFuzzTests" \
  --logger "console;verbosity=normal" 2>&1 | grep -E "seed|cases|Passed|Failed|Error Message|Saved|input \("
exit "${PIPESTATUS[0]}"
