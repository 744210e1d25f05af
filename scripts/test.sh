#!/usr/bin/env bash
# The test command: set up (idempotent), then run the whole suite against the real store, index, model and browser.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m pytest "$@"
