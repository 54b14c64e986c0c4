#!/usr/bin/env bash
# Runs BrainAlign's benchmarks and the anchors (himalaya, scikit-learn) on the same
# generated file, in one run, each task in its own process, and prints a Markdown table
# for docs/performance.md.
#
#   bash tools/bench.sh            # the reference task (627 x 4096, 20,000 voxels)
#   bash tools/bench.sh --all      # + sklearn RidgeCV, himalaya nested, the 200,000-voxel streamed runs
#                                  #   (256- and 4,096-voxel stored chunks), and the Pereira-sized exact
#                                  #   ceiling (tools/bench_ceiling.py; set BRAINSCORE_PYTHON to the python
#                                  #   of a brainscore-language 2.3.0 venv for Brain-Score's own as anchor)
#
# Needs a release build (made here) and: pip install himalaya packaging scikit-learn h5py
set -euo pipefail
cd "$(dirname "$0")/.."
all=false
[ "${1:-}" = "--all" ] && all=true

swift build -c release --product brainalign >&2
bin=.build/release/brainalign
data=bench-data/bench_627x20000.nc
acts=bench-data/bench_627x4096_activations.nc
$bin bench --task read --voxels 20000 --data "$data" --activations "$acts" >/dev/null   # generates the files once

rows=()
run() { rows+=("$("$@")"); echo "done: $*" >&2; }

run $bin bench --task fit --data "$data" --activations "$acts" --json
run $bin bench --task fit --data "$data" --activations "$acts" --precision float64 --json
run $bin bench --task nested --data "$data" --activations "$acts" --json
run $bin bench --task read --data "$data" --activations "$acts" --json
run python3 tools/bench_himalaya.py --data "$data" --activations "$acts" --task himalaya-ridgecv
run python3 tools/bench_himalaya.py --data "$data" --activations "$acts" --task himalaya-ridgecv --float64
run python3 tools/bench_himalaya.py --data "$data" --activations "$acts" --task himalaya-kernelridgecv
if $all; then
  run python3 tools/bench_himalaya.py --data "$data" --activations "$acts" --task sklearn-ridgecv
  run python3 tools/bench_himalaya.py --data "$data" --activations "$acts" --task himalaya-nested
  large=bench-data/bench_627x200000.nc
  run $bin bench --task nested --voxels 200000 --memory 256MB --data "$large" --activations "$acts" --json
  run $bin bench --task read --voxels 200000 --memory 256MB --data "$large" --activations "$acts" --json
  # The same 200,000 neuroids stored in 627 x 4,096 chunks (20 MB of float64 each): each
  # chunk is read whole and computed in slices that fit the budget.
  wide=bench-data/bench_627x200000_c4096.nc
  run $bin bench --task nested --voxels 200000 --memory 256MB --chunk-columns 4096 --data "$wide" --activations "$acts" --json
  # The same 200,000 neuroids end to end through `brainalign score` (result file included).
  /usr/bin/time -f "%e %M" -o /tmp/brainalign-score-time $bin score --neural "$large" --activations "$acts" \
    --output bench-data/score-200k.nc --overwrite --memory 256MB --cv kfold:5 --quiet >/dev/null
  read -r seconds kib < /tmp/brainalign-score-time
  rows+=("{\"tool\": \"brainalign\", \"task\": \"score (end to end)\", \"precision\": \"float32\", \"voxels\": 200000, \"seconds\": $seconds, \"voxels_per_second\": $(python3 -c "print(200000/$seconds)"), \"peak_rss_bytes\": $((kib * 1024)), \"memory\": \"256MB\", \"note\": \"/usr/bin/time; ridge, 10 alphas, inner 5-fold, outer kfold:5, result file written\"}")
fi

echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d)"
echo
echo "| tool / task | precision | voxels | seconds | voxels/s | peak RSS | note |"
echo "| --- | --- | ---: | ---: | ---: | ---: | --- |"
for row in "${rows[@]}"; do
  python3 - "$row" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
name = r["tool"] + (" " + r["task"] if "task" in r else "")
extra = f' (--memory {r["memory"]})' if r.get("memory") and r["memory"] != "2GB" else ""
print(f'| {name}{extra} | {r["precision"]} | {r["voxels"]:,} | {r["seconds"]:.2f} | {r["voxels_per_second"]:,.0f} | {r["peak_rss_bytes"] / 2**20:,.0f} MiB | {r.get("note", "")} |')
PY
done

if $all; then
  # The exact (Brain-Score 2.3.0) noise ceiling at Pereira size, and Brain-Score's own on a
  # fraction when BRAINSCORE_PYTHON names a venv's python with brainscore-language==2.3.0.
  echo
  python3 tools/bench_ceiling.py --brainalign "$bin" ${BRAINSCORE_PYTHON:+--brainscore-python "$BRAINSCORE_PYTHON"} | sed -n '/^| /p'
fi
