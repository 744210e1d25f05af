#!/usr/bin/env bash
# The test command: set up (idempotent), lint, then run the whole suite against the real store, index, model and browser.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# lint first: a style, format or import-layer failure fails the test command (and CI) before the suite runs
.venv/bin/ruff check hub tests bench scripts
.venv/bin/ruff format --check hub tests bench scripts
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "$@"
