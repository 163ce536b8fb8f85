#!/usr/bin/env bash
# Builds qimg and runs the whole test suite with CTest. QIMG_PRESET=asan builds with
# AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET="${QIMG_PRESET:-release}"
JOBS="${QIMG_JOBS:-$(nproc)}"
# Optional suites that need npm packages (MCP SDK client, browser tests) install them before
# configuring: CMake registers those tests only when node_modules exists.
for dir in tests/mcp_client tests/web; do
  if [ -f "$dir/package-lock.json" ] && [ ! -d "$dir/node_modules" ] && command -v npm >/dev/null; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || echo "warning: npm ci failed in $dir"
  fi
done
if [ "$PRESET" = asan ]; then
  # Benchmarks are not run in tests; skip building them under the sanitizers.
  cmake --preset "$PRESET" -DQIMG_BUILD_BENCH=OFF
else
  cmake --preset "$PRESET"
fi
cmake --build --preset "$PRESET" -j "$JOBS"
ctest --preset "$PRESET" -j "$JOBS"
