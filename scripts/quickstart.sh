#!/usr/bin/env bash
# Quick start: installs the Debian/Ubuntu packages, builds qimg, and runs the main job on the
# sample images shipped in samples/: register the folder, index it, add a context, search, show.
# The demo library lives in ./.quickstart (its own config and database), so nothing of yours is
# touched. Run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release -DQIMG_BUILD_BENCH=OFF >/dev/null
cmake --build --preset release -j "$(nproc)"
QIMG="$PWD/build/src/cli/qimg"
DEMO="$PWD/.quickstart"
rm -rf "$DEMO"
export XDG_CONFIG_HOME="$DEMO/config" XDG_CACHE_HOME="$DEMO/cache"
run() { echo; echo "\$ qimg $*"; "$QIMG" "$@"; }
run collection add samples --name samples
run update
run context add qimg://samples/places "Road trip through Florida and Ohio, summer 2023"
run context add qimg://samples/food "Breakfast ideas"
run search "road trip"
run search bridge --files
run get qimg://samples/places/bridge-night.jpg
run status
echo
echo "qimg is built at $QIMG; the demo library is in $DEMO."
