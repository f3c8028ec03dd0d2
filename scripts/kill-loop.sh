#!/usr/bin/env bash
# The kill loop of the reliability suite for a chosen time (CI runs 45 s of it):
#   scripts/kill-loop.sh --minutes 10 [--seed N] [--report FILE]
# SIGKILLs `attribution replay --state-dir` (the built apphost) at random moments — during start-up, recovery, the
# clean-up after recovery and processing with frequent snapshots and compacting 1 MiB tables — many times in a row on
# one state directory, then lets it finish and compares the output with the reference model and an uninterrupted run.
# Prints the seed, kills by phase, refused starts, unusable snapshots, lost and duplicated attributions, and writes
# its row of the reliability table to kill-loop-report.md (or --report FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10
report="$(pwd)/kill-loop-report.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --seed) export ATTRIBUTION_SEED="$2"; shift 2 ;;
    --report) report="$(realpath -m "$2")"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
export ATTRIBUTION_KILL_LOOP_SECONDS=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
export ATTRIBUTION_RELIABILITY_REPORT="$report"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
nice -n 10 dotnet test tests -c Release -nologo --filter "FullyQualifiedName~Reliability.KillLoopTests" \
  --logger "console;verbosity=normal" >"$log" 2>&1
rc=$?
grep -E "^ ?(seed|reliability)|cycle [0-9]|(Passed|Failed) Replay" "$log" | sort -u
grep -A3 "Error Message" "$log"
echo "report: $report"
exit "$rc"
