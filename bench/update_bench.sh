#!/usr/bin/env bash
# Benchmark of `qimg update` (issue 2): the corpus replicated to at least 2,000 files, first run
# and no-change re-run, files/s, MB/s and peak memory, next to sha256sum and exiv2 over the same
# files (the I/O and metadata-parsing floor). Never run as a test.
#
#   bench/update_bench.sh [BUILD_DIR] [COPIES]
# Needs: the built qimg, GNU time (/usr/bin/time), sha256sum, exiv2 (apt-get install exiv2 time).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
COPIES="${2:-20}"
QIMG="$PWD/$BUILD/src/cli/qimg"
CORPUS="$PWD/../shared/testdata/corpus"
WORK="$(mktemp -d /tmp/qimg-update-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
LIB="$WORK/library"
mkdir -p "$LIB"
# Real copies (not links), so every file is read from its own inode.
for i in $(seq -w 1 "$COPIES"); do
  mkdir -p "$LIB/copy$i"
  for d in photos ocr metadata formats dupes; do cp -r "$CORPUS/$d" "$LIB/copy$i/"; done
done
chmod -R u+w "$LIB"
FILES=$(find "$LIB" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.webp' \
  -o -iname '*.tif' -o -iname '*.tiff' -o -iname '*.heic' -o -iname '*.avif' -o -iname '*.gif' -o -iname '*.bmp' \) | wc -l)
BYTES=$(find "$LIB" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
MB=$(awk -v b="$BYTES" 'BEGIN {printf "%.1f", b/1e6}')
export XDG_CONFIG_HOME="$WORK/config" XDG_CACHE_HOME="$WORK/cache"
"$QIMG" collection add "$LIB" --name bench >/dev/null

measure() {  # label, command...  -> prints "label|seconds|peak_kb"
  local label="$1"; shift
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$WORK/rss" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  t1=$(date +%s.%N)
  echo "$label|$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b-a}')|$(tail -1 "$WORK/rss")"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "library: $FILES image files, $MB MB ($COPIES copies of the corpus)"
echo "page cache dropped before each run: $( [ -w /proc/sys/vm/drop_caches ] && echo yes || echo no)"
echo
printf "%-28s %8s %10s %8s %10s\n" "run" "seconds" "files/s" "MB/s" "peak MiB"
while IFS='|' read -r label secs kb; do
  printf "%-28s %8s %10.0f %8.1f %10.0f\n" "$label" "$secs" "$(awk -v f="$FILES" -v s="$secs" 'BEGIN {print f/s}')" \
    "$(awk -v m="$MB" -v s="$secs" 'BEGIN {print m/s}')" "$(awk -v k="$kb" 'BEGIN {print k/1024}')"
done < <(
  measure "qimg update (first run)" "$QIMG" update
  measure "qimg update (no change)" "$QIMG" update
  measure "sha256sum (1 process)" sh -c "find '$LIB' -type f -print0 | xargs -0 sha256sum"
  if command -v exiv2 >/dev/null; then
    measure "exiv2 -pa (1 process)" sh -c "find '$LIB' -type f -print0 | xargs -0 exiv2 -q -pa"
  fi
)
