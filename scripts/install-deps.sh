#!/usr/bin/env bash
# Installs the system packages the tests need on a fresh Debian 12 machine (idempotent, quiet).
set -uo pipefail
need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v kcat >/dev/null 2>&1 || need+=(kcat)
python3 -c 'import ensurepip' >/dev/null 2>&1 || need+=(python3-venv)   # the Python suite installs into a fresh venv
command -v make >/dev/null 2>&1 || need+=(make)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v readelf >/dev/null 2>&1 || need+=(binutils)
# The status page is tested in a real browser (headless).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || echo "warning: could not install ${need[*]}"
  else
    echo "warning: missing ${need[*]} and not root; install them to run every test"
  fi
fi
exit 0
