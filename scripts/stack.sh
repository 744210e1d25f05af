#!/usr/bin/env bash
# The production stack on this machine's loopback: nginx in front, `hub serve` behind it, an Oxigraph server as
# the store (hub/stack.py). Usage:
#   scripts/stack.sh up [--port 8080] [--site-url URL | --local] [--hub-port P] [--store-port P] [--workers N]
#   scripts/stack.sh publish [--port 8080]   # after `hub build`: load the new build into the stack's store
#   scripts/stack.sh down [--port 8080]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "stack: .venv is missing: run ./scripts/setup.sh" >&2
  exit 1
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m hub.stack "$@"
