#!/usr/bin/env bash
# Set up everything the hub and its tests need, on a fresh machine or an existing one (idempotent).
# Python deps into .venv (CPU torch first), the front-end tools from npm, and Debian's chromium for browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  # CPU-only torch, pinned, before sentence-transformers: pip finds the local CPU wheel (~1.5 GB venv, not 3 GB).
  .venv/bin/pip install --quiet torch==2.13.0
  .venv/bin/pip install --quiet -e '.[test]'
  if [ -f package.json ] && command -v npm >/dev/null; then
    npm ci --silent --no-audit --no-fund
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# SPARQL query workers run with mimalloc when the system has it (hub/sparql/runner.py: queries up to a quarter faster).
if ! .venv/bin/python -c "import ctypes.util, sys; sys.exit(ctypes.util.find_library('mimalloc') is None)"; then  # the runner's own look-up
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libmimalloc2.0 >/dev/null) \
      || echo "setup: could not install libmimalloc2.0; SPARQL workers will use the system malloc" >&2
  else
    echo "setup: mimalloc not found and not root; install Debian's 'libmimalloc2.0' for faster SPARQL queries" >&2
  fi
fi
# Browser tests drive Debian's chromium (never a downloaded browser build).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "setup: could not install chromium; browser tests will be skipped" >&2
  else
    echo "setup: chromium not found and not root; install Debian's 'chromium' for the browser tests" >&2
  fi
fi
# The production stack (scripts/stack.sh) puts Debian's nginx in front of the hub, with brotli when the module is there.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-http-brotli-filter \
      >/dev/null) || echo "setup: could not install nginx; the stack test will be skipped" >&2
  else
    echo "setup: nginx not found and not root; install Debian's 'nginx' for scripts/stack.sh and its test" >&2
  fi
fi
