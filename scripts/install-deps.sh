#!/usr/bin/env bash
# install-deps.sh — installs every Debian 12 package the project builds, tests and runs with.
# Safe to re-run: packages already present are skipped, so a warm machine costs ~1 s.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config
  # core library: SQLite store, JSON, tests
  libsqlite3-dev nlohmann-json3-dev catch2
  # the ingest server (`tracker serve`) and the production client: cpp-httplib
  libcpp-httplib-dev
  # LibTorch integration and the Fashion-MNIST example. libopenblas0-openmp replaces the
  # reference BLAS behind libblas.so.3: ~10x faster LibTorch on CPU (see docs/integrations.md).
  libtorch-dev zlib1g-dev libopenblas0-openmp libstb-dev dataset-fashion-mnist
  # the viewer (tracker-ui): Dear ImGui, GLFW, OpenGL (Mesa), its font, and Xvfb for screenshots
  # and tests on machines without a display (xvfb only recommends xauth, which xvfb-run needs)
  libimgui-dev libglfw3-dev libgl-dev libgl1-mesa-dri fonts-dejavu-core xvfb xauth
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
