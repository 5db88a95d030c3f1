#!/usr/bin/env bash
# README command 2: set up, build with ASan+UBSan, and run every test (unit,
# API, SDK) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh asan
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir build/asan --output-on-failure --timeout 1200 "$@"
