#!/usr/bin/env bash
# demo.sh — the main job on a fresh Debian 12 machine: install, build, train the example on
# Fashion-MNIST into the default store (./tracker-store) and print the run's summary.
# Extra arguments go to the example (e.g. --epochs 1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
if [ -x build/bin/fashion_mnist ]; then
  build/bin/fashion_mnist "$@"
else
  build/bin/quickstart "$@"
  build/bin/tracker summary latest --format markdown
fi
