#!/usr/bin/env bash
# Prints the ABI of a C header, whitespace normalised: its ATTR_ constants ("#define NAME value"),
# then its function declarations, one per line, sorted. Struct layouts are pinned separately
# (static asserts in test_attribution.c, layout asserts in the NUnit tests).
# Used by bindings/c/run-tests.sh and the NUnit ABI test.
set -euo pipefail
grep -E '^#define ATTR_[A-Z0-9_]+ ' "$1" | sed -E 's#/\*.*\*/##; s/[[:space:]]+/ /g; s/ $//' | sort
# Drop comments and preprocessor lines, join everything, split at ';', keep attr_ prototypes.
sed -e 's#/\*.*\*/##g' "$1" \
  | awk 'BEGIN{c=0} { line=$0; out="";
      while (length(line) > 0) {
        if (c) { i=index(line, "*/"); if (i==0) { line="" } else { line=substr(line, i+2); c=0 } }
        else { i=index(line, "/*"); if (i==0) { out=out line; line="" } else { out=out substr(line, 1, i-1); line=substr(line, i+2); c=1 } }
      } print out }' \
  | grep -v '^[[:space:]]*#' \
  | tr '\n' ' ' | tr ';' '\n' \
  | grep -E '[ *]attr_[a-z_]+\(' \
  | sed -E 's/[[:space:]]+/ /g; s/^ //; s/ $//; s/\( /(/g; s/ \)/)/g; s/ ,/,/g' \
  | sort
