#!/usr/bin/env bash
# demo.sh — the main job on a fresh Debian 12 machine: install, build, train the example on
# Fashion-MNIST into the default store (./tracker-store) and print the run's summary, serve the
# trained model to clean and then shifted traffic through `tracker serve` and print the drift
# reports (examples/serve_fashion), then open the viewer on the store (without a display: render its runs, charts, confusion, samples and production views to PNG files in
# ./tracker-screenshots/ through xvfb-run and print their paths).
# Extra arguments go to the example (e.g. --epochs 1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
if [ -x build/bin/fashion_mnist ]; then
  build/bin/fashion_mnist "$@"
  build/bin/serve_fashion   # train -> serve -> drift: the model in production
else
  build/bin/quickstart "$@"
  build/bin/tracker summary latest --format markdown
fi

# The viewer: a window when there is a display, else screenshots.
if [ -x build/bin/tracker-ui ]; then
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    build/bin/tracker-ui --store "${TRACKER_DIR:-./tracker-store}"
  elif command -v xvfb-run >/dev/null; then
    mkdir -p tracker-screenshots
    views="runs charts confusion samples"
    if [ -x build/bin/serve_fashion ]; then views="$views production"; fi   # the model in production
    for view in $views; do
      xvfb-run -a -s "-screen 0 1600x1000x24" build/bin/tracker-ui --store "${TRACKER_DIR:-./tracker-store}" \
        --screenshot "tracker-screenshots/$view.png" --view "$view" --runs latest
      echo "tracker-ui: wrote tracker-screenshots/$view.png"
    done
  fi
fi
