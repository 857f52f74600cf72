#!/usr/bin/env bash
# bench.sh — builds bench_core (Release) and runs it; the JSON lands in build/bench-core.json.
# Arguments go to bench_core, e.g. scripts/bench.sh --quick. Method: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRACKER_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target bench_core
build/bin/bench_core --json build/bench-core.json "$@"
