#!/usr/bin/env bash
# Installs what rondo's build and tests need and is missing: Debian packages
# through apt-get, npm packages for tests/ from its lock file. Idempotent;
# prints nothing when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(
  build-essential pkg-config clang libclang-rt-14-dev
  libsqlite3-dev sqlite3 libmicrohttpd-dev libjansson-dev libsodium-dev
  libcurl4-openssl-dev libcsv-dev libutf8proc-dev libidn2-dev libinih-dev iso-codes libphonenumber-dev g++
  libglib2.0-dev tzdata
  libcmocka-dev
  nodejs npm postfix wrk curl chromium
)

missing=()
for p in "${DEBS[@]}"; do
  # npm may come with the Node.js build itself rather than from Debian.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # postfix asks questions on install; answer them up front.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# npm packages used by tests (a real Segment client), pinned by tests/package-lock.json.
if [ -f tests/package-lock.json ]; then
  if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
    echo "deps: installing npm packages for tests/" >&2
    (cd tests && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
fi
