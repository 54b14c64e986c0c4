#!/usr/bin/env bash
# `tools/bench.sh --mpi`: the MPI build's scaling on this machine, for docs/scale-out.md.
# One `brainalign score` end to end (result file written) of the reference task (627
# presentations x 4,096 features, 20,000 voxels in 256-voxel chunks, ridge with inner
# 5-fold CV, outer kfold:5, float32) by the serial build and by the MPI build at np=1
# and np=2 (--bind-to none; --threads per rank as listed). Per-rank throughput = voxels /
# seconds / ranks. The collective-write cost is read from the result file: each rank's
# seconds in its independent writes (mpi_write_seconds) and in the shared file's
# collective steps (open, agreements, close: mpi_collective_seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product brainalign >&2
swift build -c release --product brainalign --traits MPI --build-path .build-mpi >&2
serial=.build/release/brainalign
mpi=.build-mpi/release/brainalign
data=bench-data/bench_627x20000.nc
acts=bench-data/bench_627x4096_activations.nc
voxels=20000
$serial bench --task read --voxels $voxels --data "$data" --activations "$acts" >/dev/null   # generates the files once
out=bench-data/mpi-bench.nc
launch=(mpirun --oversubscribe --allow-run-as-root --bind-to none)

row() {  # label ranks threads command...
  local label=$1 ranks=$2 threads=$3; shift 3
  local t0 t1
  t0=$(date +%s.%N)
  "$@" score --neural "$data" --activations "$acts" --output "$out" --overwrite --threads "$threads" --cv kfold:5 --quiet >/dev/null
  t1=$(date +%s.%N)
  python3 - "$label" "$ranks" "$threads" "$t0" "$t1" "$out" "$voxels" <<'PY'
import sys, h5py
label, ranks, threads, t0, t1, path, voxels = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6], int(sys.argv[7])
seconds = t1 - t0
with h5py.File(path, "r") as f:
    scored = float(f.attrs["seconds"])
    write = f.attrs.get("mpi_write_seconds")
    collective = f.attrs.get("mpi_collective_seconds")
fmt = lambda v: "-" if v is None else " / ".join(f"{x:.2f}" for x in v)
print(f"| {label} | {ranks} | {threads} | {seconds:.2f} | {scored:.2f} | {voxels / seconds:,.0f} | {voxels / seconds / ranks:,.0f} | {fmt(write)} | {fmt(collective)} |")
PY
}

echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%d)"
echo
echo "| run | ranks | threads per rank | seconds (wall, with launch) | seconds (scoring, lead) | voxels/s | voxels/s per rank | write s per rank | collective s per rank |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
row "serial build" 1 2 $serial
row "serial build" 1 1 $serial
row "MPI build, np=1" 1 2 "${launch[@]}" -np 1 $mpi
row "MPI build, np=2" 2 1 "${launch[@]}" -np 2 $mpi
row "MPI build, np=2 (oversubscribed)" 2 2 "${launch[@]}" -np 2 $mpi
