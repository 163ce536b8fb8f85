#!/usr/bin/env bash
# Benchmark of `qimg facts extract` (issue 6): OCR, derived and tagging throughput (images/s) on
# the corpus's photos/ and ocr/ folders, plus the per-image character error rate of the stored
# OCR text against the manifest's expected text. Never run as a test.
#
#   bench/facts_bench.sh [BUILD_DIR] [CLIP_MODEL_DIR]
# CLIP_MODEL_DIR defaults to the tiny random CLIP of the test data: its tags mean nothing and
# its speed says nothing about a real ViT; pass a real model folder to measure that.
# Needs: the built qimg, python3 (CER table).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
CORPUS="$PWD/../shared/testdata/corpus"
MODEL="${2:-$PWD/../shared/testdata/clip-tiny/model}"
QIMG="$PWD/$BUILD/src/cli/qimg"
WORK="$(mktemp -d /tmp/qimg-facts-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/lib"
cp -r "$CORPUS/photos" "$CORPUS/ocr" "$WORK/lib/"
chmod -R u+w "$WORK/lib"
export XDG_CONFIG_HOME="$WORK/config" XDG_CACHE_HOME="$WORK/cache"
"$QIMG" collection add "$WORK/lib" --name bench >/dev/null
"$QIMG" update >/dev/null
N=$(find "$WORK/lib" -type f | wc -l)
echo "images: $N (photos/ + ocr/), cores: $(nproc)"

run() {  # label, args...
  local label="$1"; shift
  local json
  json=$("$QIMG" facts extract "$@" --json 2>/dev/null)
  python3 - "$label" "$N" <<PY
import json, sys
s = json.loads('''$json''')
label, n = sys.argv[1], int(sys.argv[2])
print(f"{label:<34} {s['seconds']:7.2f} s  {n / s['seconds']:7.2f} images/s  errors {s['errors']}"
      + (f"  label cache {'hit' if s['label_cache_hit'] else 'built'}" if s.get('label_cache') else ""))
PY
}
run "derived" --derived
run "ocr" --ocr
mkdir -p "$XDG_CONFIG_HOME/qimg"
printf 'embed:\n  model: %s\n' "$MODEL" > "$XDG_CONFIG_HOME/qimg/config.yaml"
run "tags+caption (first run)" --tags --caption
run "tags+caption (cached labels)" --tags --caption

echo
echo "OCR character error rate (whitespace collapsed, rule lines left out of the reference):"
"$QIMG" facts ls --json > "$WORK/facts.json"
python3 - "$CORPUS/manifest.json" "$WORK/facts.json" <<'PY'
import json, re, sys
manifest = json.load(open(sys.argv[1]))
facts = json.load(open(sys.argv[2]))
ocr = {f["rel_path"]: f["value_text"] for f in facts if f["fact_type"] == "ocr"}
def lev(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
hard = {"ocr/ocr-05.png": "rotated", "ocr/ocr-06.jpg": "sign on photo", "ocr/ocr-15.png": "real scan",
        "ocr/ocr-07.png": "dialog, order not unique"}
tot = err = 0
print("| image | class | CER | text read |")
print("|---|---|---|---|")
for e in manifest["files"]:
    if e.get("kind") != "ocr":
        continue
    p = e["path"]
    ref = "\n".join(l for l in e["expected"]["text"].split("\n")
                    if not re.fullmatch(r"\s*([^\w\s])\1{3,}\s*", l))
    r, h = " ".join(ref.split()), " ".join(ocr.get(p, "").split())
    d = lev(r, h) / len(r)
    cls = hard.get(p, "clean")
    if cls == "clean":
        tot += len(r); err += lev(r, h)
    print(f"| {p} | {cls} | {d:.3f} | {h[:48]} |")
print(f"\naggregate CER over clean images: {err / tot:.4f}")
photos_with_text = sorted(p for p in ocr if p.startswith("photos/"))
print(f"photos with OCR text: {len(photos_with_text)} {photos_with_text}")
PY
