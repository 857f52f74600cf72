#!/usr/bin/env bash
# docs_screenshots.sh BUILD_DIR — regenerates the viewer's screenshots in docs/img/ from the
# test fixture store (tests/ui/fixture.cpp), at 1280x800 under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
store=$(mktemp -d)/store
trap 'rm -rf "$(dirname "$store")"' EXIT
"$build/bin/tracker_ui_make_fixture" "$store" >/dev/null
mkdir -p docs/img
runs=cnn-lr3e-3,cnn-lr1e-3,mlp-lr1e-3,mlp-lr3e-4,mlp-lr1e-2
shot() {
  xvfb-run -a -s "-screen 0 1600x1000x24" "$build/bin/tracker-ui" --store "$store" --width 1280 --height 800 "$@"
}
shot --screenshot docs/img/ui-runs.png --view runs --runs cnn-lr3e-3,cnn-lr1e-3,mlp-lr1e-3
shot --screenshot docs/img/ui-charts.png --view charts --runs "$runs"
shot --screenshot docs/img/ui-charts-grouped.png --view charts --runs "$runs" --group model
shot --screenshot docs/img/ui-chart-single.png --view charts --runs "$runs" --keys train/loss --smoothing 0.9
TRACKER_UI_SCREENSHOT_MOUSE=560,250 shot --screenshot docs/img/ui-hover.png --view charts --runs "$runs" \
  --keys train/loss,train/acc
shot --screenshot docs/img/ui-confusion.png --view confusion --runs mlp-lr1e-3
shot --screenshot docs/img/ui-confusion-diff.png --view confusion --runs mlp-lr1e-3,cnn-lr1e-3 \
  --diff --normalize true --width 1600 --height 1000
TRACKER_UI_SCREENSHOT_MOUSE=300,330 shot --screenshot docs/img/ui-confusion-hover.png --view confusion \
  --runs mlp-lr1e-3 --normalize true
TRACKER_UI_SCREENSHOT_MOUSE=45,300 shot --screenshot docs/img/ui-samples.png --view samples --runs cnn-lr1e-3
shot --screenshot docs/img/ui-samples-grid.png --view samples --runs cnn-lr1e-3 --samples-mode grid
shot --screenshot docs/img/ui-compare.png --view compare --runs mlp-lr1e-3,cnn-lr3e-3,mlp-lr1e-2 \
  --width 1600 --height 1000
shot --screenshot docs/img/ui-histograms.png --view histograms --runs cnn-lr1e-3 \
  --key weights/fc1.weight --step 1000
shot --screenshot docs/img/ui-histograms-heatmap.png --view histograms --runs cnn-lr1e-3 \
  --key weights/fc1.weight --step 1000 --histogram-mode heatmap
shot --screenshot docs/img/ui-parameters.png --view parameters --runs "$runs"
ls -la docs/img/ui-*.png
