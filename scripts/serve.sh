#!/usr/bin/env bash
# README command 1: set up, build, and start cfiam on 127.0.0.1:8787 with data in ./data.
# Extra arguments are passed to `cfiam serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release
exec build/release/cfiam serve --listen "${CFIAM_LISTEN:-127.0.0.1:8787}" \
  --data-dir "${CFIAM_DATA_DIR:-./data}" "$@"
