#!/usr/bin/env bash
# sanitize.sh — builds the core, CLI and their tests under AddressSanitizer+UBSan and under
# ThreadSanitizer (separate build directories), and runs the suite in each. Slow (~10 min on
# 2 cores); not part of scripts/test.sh. Usage: scripts/sanitize.sh [asan|tsan]...
set -euo pipefail
cd "$(dirname "$0")/.."
kinds=("$@")
[ ${#kinds[@]} -eq 0 ] && kinds=(asan tsan)
for kind in "${kinds[@]}"; do
  case "$kind" in
    asan) flags="address,undefined" ;;
    tsan) flags="thread" ;;
    *) echo "sanitize.sh: unknown kind '$kind' (asan|tsan)" >&2; exit 2 ;;
  esac
  dir="build-$kind"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRACKER_SANITIZE="$flags" \
        -DTRACKER_WITH_TORCH=OFF -DTRACKER_BUILD_UI=OFF -DTRACKER_BUILD_BENCH=OFF >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  # halt_on_error: a report fails the test; TSan's second_deadlock_stack helps read reports.
  (cd "$dir" && ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
     ctest --output-on-failure -j2 --timeout 900 -E downstream_find_package)
done
