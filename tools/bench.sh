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
#   bash tools/bench.sh --naturalistic
#       # rows outnumbering features: T3 = 6,000 x 1,024 x 10,000 (5-fold inner CV) beside
#       # himalaya RidgeCV on the same file; the chunked bootstrap (50:40:125) against
#       # 5-fold on 1,000 voxels of the same shape; 9,000 x 4,096 x 20,000 under
#       # --memory 4GB; and the paper-scale fit again (it must not regress)
#
#   bash tools/bench.sh --mpi      # the MPI build (docs/scale-out.md): `score` end to end at np=1 and 2
#                                  #   against the serial build, per-rank throughput, collective-write cost
#
# OpenBLAS kernels: both brainalign and numpy read OPENBLAS_CORETYPE; the table's notes
# name brainalign's kernels. Compare the tools under the same setting.
#
# Needs a release build (made here) and: pip install himalaya packaging scikit-learn h5py
set -euo pipefail
cd "$(dirname "$0")/.."
all=false
naturalistic=false
[ "${1:-}" = "--all" ] && all=true
[ "${1:-}" = "--naturalistic" ] && naturalistic=true
if [ "${1:-}" = "--mpi" ]; then exec bash tools/bench_mpi.sh; fi

swift build -c release --product brainalign >&2
bin=.build/release/brainalign
data=bench-data/bench_627x20000.nc
acts=bench-data/bench_627x4096_activations.nc
$bin bench --task read --voxels 20000 --data "$data" --activations "$acts" >/dev/null   # generates the files once

rows=()
run() { rows+=("$("$@")"); echo "done: $*" >&2; }

if $naturalistic; then
  t3=bench-data/bench_6000x10000.nc
  t3acts=bench-data/bench_6000x1024_activations.nc
  small=bench-data/bench_6000x1000.nc
  big=bench-data/bench_9000x20000.nc
  bigacts=bench-data/bench_9000x4096_activations.nc
  run $bin bench --task fit --rows 6000 --features 1024 --voxels 10000 --data "$t3" --activations "$t3acts" --json
  run python3 tools/bench_himalaya.py --data "$t3" --activations "$t3acts" --task himalaya-ridgecv
  run $bin bench --task fit --rows 6000 --features 1024 --voxels 1000 --data "$small" --activations "$t3acts" --json
  run $bin bench --task fit --rows 6000 --features 1024 --voxels 1000 --inner-cv bootstrap:50:40:125 --data "$small" --activations "$t3acts" --json
  run $bin bench --task fit --rows 9000 --features 4096 --voxels 20000 --memory 4GB --data "$big" --activations "$bigacts" --json
fi
run $bin bench --task fit --data "$data" --activations "$acts" --json
$naturalistic || run $bin bench --task fit --data "$data" --activations "$acts" --precision float64 --json
if ! $naturalistic; then
  run $bin bench --task nested --data "$data" --activations "$acts" --json
  run $bin bench --task read --data "$data" --activations "$acts" --json
fi
run python3 tools/bench_himalaya.py --data "$data" --activations "$acts" --task himalaya-ridgecv
if ! $naturalistic; then
  run python3 tools/bench_himalaya.py --data "$data" --activations "$acts" --task himalaya-ridgecv --float64
  run python3 tools/bench_himalaya.py --data "$data" --activations "$acts" --task himalaya-kernelridgecv
fi
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
if "rows" in r and "features" in r and (r["rows"], r["features"]) != (627, 4096):
    name += f' {r["rows"]:,} x {r["features"]:,}'
if r.get("inner_cv"):
    name += f' (inner {r["inner_cv"]})'
extra = f' (--memory {r["memory"]})' if r.get("memory") and r["memory"] not in ("2GB", "2.0 GiB") else ""
print(f'| {name}{extra} | {r["precision"]} | {r["voxels"]:,} | {r["seconds"]:.2f} | {r["voxels_per_second"]:,.0f} | {r["peak_rss_bytes"] / 2**20:,.0f} MiB | {r.get("note", "")} |')
PY
done

if $all; then
  # The exact (Brain-Score 2.3.0) noise ceiling at Pereira size, and Brain-Score's own on a
  # fraction when BRAINSCORE_PYTHON names a venv's python with brainscore-language==2.3.0.
  echo
  python3 tools/bench_ceiling.py --brainalign "$bin" ${BRAINSCORE_PYTHON:+--brainscore-python "$BRAINSCORE_PYTHON"} | sed -n '/^| /p'
fi
