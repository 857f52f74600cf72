#!/usr/bin/env bash
# build.sh — configures and builds everything into build/ (binaries in build/bin/).
# Extra arguments go to CMake's configure step, e.g. scripts/build.sh -DTRACKER_WITH_TORCH=OFF
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
