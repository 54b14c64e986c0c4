#!/usr/bin/env bash
# The MPI build against the serial build (docs/scale-out.md), run by .ci/run:
#   1. np=2 and np=3 (an uneven deal of voxel slabs) give the serial result bit for bit
#      at --precision float64 (and at float32 too, same plan), summary printed once; the
#      ceiling too (regressions dealt to ranks), named benchmarks of several parts
#      (Wehbe2014, a story run), penalties selected in passes of inner folds, and a run
#      plan (steps dealt to ranks);
#   2. more ranks than voxel slabs: idle ranks, said once, same result;
#   3. a read error seen by one rank only: every rank stops, one message naming the
#      rank, non-zero exit, nothing at the destination and no temporary file left;
#   4. a rank killed mid-run: non-zero exit, nothing at the destination;
#   5. the serial build under mpirun refuses, once, saying how to build the MPI one.
#
#   bash tools/test_mpi.sh [SERIAL_BINARY MPI_BINARY]
# Defaults: .build/release/brainalign and .build-mpi/release/brainalign, built here
# (`swift build -c release` and `swift build -c release --traits MPI --build-path .build-mpi`).
set -euo pipefail
cd "$(dirname "$0")/.."
serial=${1:-.build/release/brainalign}
mpi=${2:-.build-mpi/release/brainalign}
if [ $# -eq 0 ]; then
  swift build -c release --product brainalign >&2
  swift build -c release --product brainalign --traits MPI --build-path .build-mpi >&2
fi
launch=(mpirun --oversubscribe --allow-run-as-root --bind-to none)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 tools/make_mpi_fixture.py "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
score=(score --neural "$work/neural.nc" --activations "$work/activations.nc" --threads 1)

# 1. Bit for bit against the serial build.
for precision in float64 float32; do
  "$serial" "${score[@]}" --precision $precision --quiet --output "$work/serial-$precision.nc" >/dev/null
  for np in 2 3; do
    out="$work/mpi$np-$precision.nc"
    "${launch[@]}" -np $np "$mpi" "${score[@]}" --precision $precision --quiet --output "$out" >"$work/stdout" 2>"$work/stderr" \
      || { fail "np=$np $precision exited non-zero: $(head -3 "$work/stderr")"; continue; }
    printed=$(grep -c '^best layer' "$work/stdout" || true)
    [ "$printed" = 1 ] || fail "np=$np: the summary was printed $printed times (expected once)"
    ranks=$(python3 -c "import h5py,sys; print(int(h5py.File(sys.argv[1]).attrs['mpi_ranks']))" "$out")
    [ "$ranks" = $np ] || fail "np=$np: the file says mpi_ranks=$ranks"
    if python3 tools/compare_results.py "$work/serial-$precision.nc" "$out"; then pass "np=$np $precision equals the serial result"
    else fail "np=$np $precision differs from the serial result"; fi
  done
done

# 1a. Named benchmarks of several parts: Wehbe2014 (whose parts wrap the layer loop's),
#     a shared alpha and a story run (LeBel layout): every part spreads over the ranks;
#     every result file equals the serial run's.
named() {  # label, score arguments...
  local label=$1; shift
  mkdir -p "$work/$label-serial" "$work/$label-mpi"
  "$serial" score "$@" --threads 1 --quiet --output "$work/$label-serial/out.nc" >/dev/null
  if "${launch[@]}" -np 2 "$mpi" score "$@" --threads 1 --quiet --output "$work/$label-mpi/out.nc" >"$work/stdout" 2>"$work/stderr"; then
    local same=1
    for f in "$work/$label-serial"/*.nc; do
      python3 tools/compare_results.py "$f" "$work/$label-mpi/$(basename "$f")" >/dev/null || same=0
    done
    if [ $same = 1 ]; then pass "$label np=2 equals the serial results"; else fail "$label np=2 differs from the serial results"; fi
  else
    fail "$label np=2 failed: $(head -3 "$work/stderr")"
  fi
}
named wehbe --benchmark Wehbe2014 --neural datasets/Wehbe2014_sample_F.nc --neural datasets/Wehbe2014_sample_H.nc \
  --activations datasets/Wehbe2014_sample_activations.nc
# A shared alpha (chosen over all neuroids, whose two slabs go to different ranks).
named shared --benchmark Pereira2018.384sentences-ridge --neural Tests/BenchmarksTests/Fixtures/pereira_wide.nc \
  --activations datasets/Pereira2018_sample_activations.nc
named story --neural datasets/LeBel2023_sample_UTS01.nc --neural datasets/LeBel2023_sample_UTS02.nc \
  --activations datasets/LeBel2023_sample_activations.nc --test-stories wheretheressmoke --inner-cv bootstrap:20:10:8
# Penalties selected in passes of inner folds: per-voxel alphas (each rank its own slabs
# in every pass) and a shared alpha (every rank all of them in the choosing passes).
named storypasses --neural datasets/LeBel2023_sample_UTS01.nc --activations datasets/LeBel2023_sample_activations.nc \
  --test-stories wheretheressmoke --inner-cv bootstrap:20:10:8 --inner-folds-per-pass 6
named sharedpasses --benchmark Pereira2018.384sentences-ridge --neural Tests/BenchmarksTests/Fixtures/pereira_wide.nc \
  --activations datasets/Pereira2018_sample_activations.nc --inner-folds-per-pass 10

# 1b. The extrapolation ceiling: regressions dealt to ranks, the same file.
"$serial" ceiling --neural "$work/neural.nc" --threads 1 --bootstraps 20 --quiet --output "$work/ceiling-serial.nc" >/dev/null
for np in 2 3; do
  if "${launch[@]}" -np $np "$mpi" ceiling --neural "$work/neural.nc" --threads 1 --bootstraps 20 --quiet \
       --output "$work/ceiling-mpi$np.nc" >"$work/stdout" 2>"$work/stderr"; then
    [ "$(grep -c '^ceiling ' "$work/stdout")" = 1 ] || fail "ceiling np=$np: not printed once"
    python3 tools/compare_results.py "$work/ceiling-serial.nc" "$work/ceiling-mpi$np.nc" && pass "ceiling np=$np equals the serial ceiling" \
      || fail "ceiling np=$np differs from the serial ceiling"
  else
    fail "ceiling np=$np failed: $(head -3 "$work/stderr")"
  fi
done

# 1c. A run plan: 2 models x 2 benchmarks, the scoring steps dealt to 3 ranks (uneven).
for flavour in serial mpi; do
  cat >"$work/plan-$flavour.json" <<JSON
{"output": "$work/plan-$flavour",
 "models": [
   {"name": "base", "model": "org/base", "family": "F", "parameters": 1e6,
    "activations": {"pereira": "$PWD/datasets/Pereira2018_sample_activations.nc", "futrell": "$PWD/datasets/Futrell2018_sample_surprisal.nc"}},
   {"name": "tuned", "model": "org/tuned", "family": "F", "base_model": "base", "instruction_tuned": true, "parameters": 1e6,
    "activations": {"pereira": "$PWD/datasets/Pereira2018_sample_activations.nc", "futrell": "$PWD/datasets/Futrell2018_sample_surprisal.nc"}}],
 "benchmarks": [{"name": "Pereira2018", "neural": "$PWD/datasets/Pereira2018_sample.nc"},
                {"name": "Futrell2018-pearsonr", "neural": "$PWD/datasets/Futrell2018_sample.nc"}]}
JSON
done
"$serial" run "$work/plan-serial.json" --threads 1 --quiet >/dev/null 2>&1 || fail "plan: the serial run failed"
if "${launch[@]}" -np 3 "$mpi" run "$work/plan-mpi.json" --threads 1 --quiet >"$work/stdout" 2>"$work/stderr"; then
  [ "$(grep -c '^wrote ' "$work/stdout")" = 1 ] || fail "plan np=3: the summary was not printed once"
  sed "s#$work/plan-mpi#OUT#g" "$work/plan-mpi/summary.csv" >"$work/summary-mpi.csv"
  sed "s#$work/plan-serial#OUT#g" "$work/plan-serial/summary.csv" >"$work/summary-serial.csv"
  cmp -s "$work/summary-serial.csv" "$work/summary-mpi.csv" || fail "plan np=3: summary.csv differs from the serial run's"
  same=1
  for result in $(cd "$work/plan-serial/results" && find . -name '*.nc'); do
    python3 tools/compare_results.py "$work/plan-serial/results/$result" "$work/plan-mpi/results/$result" >/dev/null || same=0
  done
  [ $same = 1 ] && pass "plan np=3: the same summary and result files as the serial run" || fail "plan np=3: result files differ"
else
  fail "plan np=3 failed: $(head -3 "$work/stderr")"
fi

# 2. More ranks than voxel slabs (the 60-voxel sample is one slab).
sample=(score --neural datasets/Pereira2018_sample.nc --activations datasets/Pereira2018_sample_activations.nc --precision float64 --threads 1 --quiet)
"$serial" "${sample[@]}" --output "$work/sample-serial.nc" >/dev/null
if "${launch[@]}" -np 3 "$mpi" "${sample[@]}" --output "$work/sample-mpi.nc" >/dev/null 2>"$work/stderr"; then
  grep -q "have nothing to score" "$work/stderr" && [ "$(grep -c 'have nothing to score' "$work/stderr")" = 1 ] \
    || fail "idle ranks were not reported once: $(cat "$work/stderr")"
  python3 tools/compare_results.py "$work/sample-serial.nc" "$work/sample-mpi.nc" && pass "idle ranks: same result, said once" \
    || fail "idle ranks changed the result"
else
  fail "np=3 on a one-slab file failed: $(head -3 "$work/stderr")"
fi

# 3. One rank cannot read its slab.
if "${launch[@]}" -np 2 "$mpi" score --neural "$work/broken.nc" --activations "$work/activations.nc" --threads 1 --quiet \
     --output "$work/broken-result.nc" >/dev/null 2>"$work/stderr"; then
  fail "a read error on rank 1 did not fail the run"
else
  messages=$(grep -c '^Error:' "$work/stderr" || true)
  [ "$messages" = 1 ] || fail "read error: $messages error lines (expected one): $(cat "$work/stderr")"
  grep -q "rank 1 of 2 failed.*broken.nc" "$work/stderr" || fail "read error: the message does not name rank 1 and the file: $(grep '^Error' "$work/stderr")"
  [ ! -e "$work/broken-result.nc" ] || fail "read error: a result file appeared"
  ! ls -a "$work" | grep -q 'broken-result.nc.partial' || fail "read error: a temporary file was left"
  pass "a read error on one rank stops all ranks with one message, no file"
fi

# 4. A rank killed in the middle of a run.
"${launch[@]}" -np 2 "$mpi" score --neural "$work/large.nc" --activations "$work/activations.nc" --threads 1 --quiet \
  --output "$work/killed.nc" >/dev/null 2>"$work/stderr" &
job=$!
victim=""
for _ in $(seq 1 300); do
  if ls -a "$work" | grep -q 'killed.nc.partial'; then
    for child in $(pgrep -P $job || true); do
      if tr '\0' '\n' <"/proc/$child/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=$child; fi
    done
    [ -n "$victim" ] && break
  fi
  sleep 0.05
done
if [ -z "$victim" ]; then
  fail "kill: rank 1 was not found while the run was writing"
  wait $job || true
else
  # At once: the run is a few seconds long; a rank that already ended cannot be killed.
  if ! kill -KILL "$victim" 2>/dev/null; then
    fail "kill: rank 1 ended before it could be killed (the run was too short for this test)"
    wait $job || true
  elif wait $job; then fail "kill: mpirun exited 0 after rank 1 was killed"
  else
    [ ! -e "$work/killed.nc" ] || fail "kill: a result file appeared"
    pass "a killed rank fails the job, no file at the destination"
  fi
fi

# 5. The serial build launched as two ranks.
if "${launch[@]}" -np 2 "$serial" "${score[@]}" --output "$work/serial-under-mpirun.nc" >/dev/null 2>"$work/stderr"; then
  fail "the serial build ran under mpirun"
else
  [ "$(grep -c 'serial build' "$work/stderr")" = 1 ] || fail "serial build under mpirun: not said once: $(cat "$work/stderr")"
  grep -q -- "--traits MPI" "$work/stderr" || fail "serial build under mpirun: the message does not say how to build the MPI one"
  [ ! -e "$work/serial-under-mpirun.nc" ] || fail "serial build under mpirun wrote a file"
  pass "the serial build refuses under mpirun, once"
fi

if [ $failures -gt 0 ]; then echo "test_mpi: $failures failure(s)"; exit 1; fi
echo "test_mpi: all passed"
