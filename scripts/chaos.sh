#!/usr/bin/env bash
# The chaos loop of the reliability suite for a chosen time (CI runs 35 s of it):
#   scripts/chaos.sh --minutes 10 [--seed N]
# kills (SIGKILL), freezes (SIGSTOP/SIGCONT), stops and restarts `attribution run` and injects broker faults while
# generated traffic flows, then counts the read_committed output against the reference model. Prints rounds, faults
# by kind, events, attributions expected, lost and duplicated, and writes its row of the reliability table to
# chaos-report.md (or --report FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10
report="$(pwd)/chaos-report.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --seed) export ATTRIBUTION_SEED="$2"; shift 2 ;;
    --report) report="$(realpath -m "$2")"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
export ATTRIBUTION_CHAOS_SECONDS="$seconds"
export ATTRIBUTION_RELIABILITY_REPORT="$report"
set +e
nice -n 10 dotnet test tests -c Release -nologo --filter "FullyQualifiedName~Reliability.ChaosLoopTests" \
  --logger "console;verbosity=normal" 2>&1 | grep -E "seed|chaos|rounds|  (lost|duplicated|unexpected|different|host|when|no catch|SIGTERM|final)|Passed|Failed|Error Message|reliability"
rc=${PIPESTATUS[0]}
echo "report: $report"
exit "$rc"
