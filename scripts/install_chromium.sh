#!/usr/bin/env bash
# The inbox's browser tests drive Debian's Chromium through Playwright (never `playwright install`).
# `make test` runs this: it installs the package when it is missing, with apt-get (as root, or
# through sudo), and says what to do when it cannot.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "chromium is missing and this user cannot install it: run 'apt-get install -y chromium' as root" >&2
  exit 1
fi
echo "installing Debian's chromium for the browser tests (apt-get) ..."
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq chromium >/dev/null
