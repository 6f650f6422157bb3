#!/usr/bin/env bash
# Fails when a banned function appears in our C sources (STYLE.md: memory and strings).
set -euo pipefail
cd "$(dirname "$0")/.."
banned='\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets|strncpy)[[:space:]]*\('
hits=$(grep -rnE "$banned" src tests/unit fuzz bench --include='*.c' --include='*.h' || true)
if [ -n "$hits" ]; then
  echo "checksrc: banned functions (use buf_addf, snprintf, str_to_i64, ...):" >&2
  echo "$hits" >&2
  exit 1
fi
