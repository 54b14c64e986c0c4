#!/usr/bin/env python3
"""Benchmark of the exact (Brain-Score 2.3.0) noise ceiling, with Brain-Score itself as the
anchor in the same run.

1. Makes bench-data/ceiling_pereira_size.nc: synthetic data of Pereira's shape (384
   stimuli, 9 subjects, 12,000 voxels; shared latent signal plus noise) and a fraction of it,
   bench-data/ceiling_pereira_fraction.nc (the same 384 rows, 5 subjects x 24 voxels).
2. Times `brainalign ceiling` (default procedure) on both and `--procedure sampled` on the
   full shape (wall time and peak RSS from /usr/bin/time), and Brain-Score language 2.3.0's own ExtrapolationCeiling on the
   fraction (tools/make_brainscore_ceiling_fixture.py's call, run by --brainscore-python,
   a venv with brainscore-language==2.3.0), and compares the two fraction ceilings.
3. Prints JSON lines (one per task) and a Markdown table for docs/performance.md.

    python3 tools/bench_ceiling.py --brainalign .build/release/brainalign --brainscore-python /work/venv-brainscore/bin/python
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")


def make(path, subjects, voxels_per_subject, rows=384, seed=2018):
    if os.path.exists(path):
        return
    rng = np.random.RandomState(seed)
    z = rng.randn(rows, 8)
    names = [f"{s:03d}" for s in range(1, len(voxels_per_subject) + 1)] if subjects is None else subjects
    blocks, subject, ids = [], [], []
    for name, count in zip(names, voxels_per_subject):
        blocks.append((z @ rng.randn(8, count)) * rng.uniform(0.05, 0.6, count) + rng.randn(rows, count))
        subject += [name] * count
        ids += [f"{name}.{v}" for v in range(count)]
    da = xr.DataArray(np.hstack(blocks), dims=("presentation", "neuroid"), name="data", coords={
        "stimulus_id": ("presentation", [f"384sentences.{i}" for i in range(rows)]),
        "experiment": ("presentation", ["384sentences"] * rows),
        "subject": ("neuroid", subject), "neuroid_id": ("neuroid", ids)})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    da.to_dataset().to_netcdf(path + ".partial", format="NETCDF4")
    os.replace(path + ".partial", path)


def timed(command):
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        out = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name] + command, check=True, capture_output=True, text=True)
        seconds, kib = t.read().split()[-2:]
    return float(seconds), int(kib) * 1024, out.stdout


def brainalign(binary, neural, output, procedure="brainscore"):
    seconds, rss, stdout = timed([binary, "ceiling", "--neural", neural, "--subject-coordinate", "subject", "--procedure", procedure,
                                  "--output", output, "--overwrite", "--json", "--quiet"])
    result = json.loads(stdout)
    row = dict(tool="brainalign", task=f"ceiling --procedure {procedure}", neural=os.path.basename(neural), seconds=seconds,
               peak_rss_bytes=rss, ceiling=result["ceiling"], neuroids=result["neuroids"], regressions=result["regressions"])
    if procedure == "brainscore":
        row.update(combinations=result["combinations"], fits=result["fits"], failed_fits=result["failed_fits"])
    return row


BRAINSCORE = """
import json, sys, time, resource
sys.path.insert(0, {here!r})
import make_brainscore_ceiling_fixture as f
value, ids, per_neuroid, seconds = f.brainscore_ceiling({neural!r}, "subject")
print(json.dumps(dict(ceiling=value, seconds=seconds, ids=ids, per_neuroid=[None if x != x else x for x in per_neuroid.tolist()],
                      peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)))
"""


def brainscore(python, neural):
    out = subprocess.run([python, "-c", BRAINSCORE.format(here=HERE, neural=neural)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brainalign", default=os.path.join(ROOT, ".build", "release", "brainalign"))
    parser.add_argument("--brainscore-python", help="python of a venv with brainscore-language==2.3.0 (skip Brain-Score if absent)")
    parser.add_argument("--skip-full", action="store_true", help="only the fraction")
    args = parser.parse_args()
    data = os.path.join(ROOT, "bench-data")
    full, fraction = os.path.join(data, "ceiling_pereira_size.nc"), os.path.join(data, "ceiling_pereira_fraction.nc")
    make(full, None, [1334, 1333, 1333, 1333, 1333, 1334, 1333, 1333, 1334])
    make(fraction, None, [24] * 5, seed=384)
    rows = []
    if not args.skip_full:
        rows.append(brainalign(args.brainalign, full, os.path.join(data, "ceiling_full.nc")))
        print(json.dumps(rows[-1]), flush=True)
        rows.append(brainalign(args.brainalign, full, os.path.join(data, "ceiling_full_sampled.nc"), procedure="sampled"))
        print(json.dumps(rows[-1]), flush=True)
    ours = brainalign(args.brainalign, fraction, os.path.join(data, "ceiling_fraction.nc"))
    rows.append(ours)
    print(json.dumps(ours), flush=True)
    if args.brainscore_python:
        theirs = brainscore(args.brainscore_python, fraction)
        stored = xr.open_dataset(os.path.join(data, "ceiling_fraction.nc"))
        mine = dict(zip([str(i) for i in stored["neuroid_id"].values], stored["neuroid_ceiling"].values.tolist()))
        diffs = [abs(mine[i] - v) for i, v in zip(theirs["ids"], theirs["per_neuroid"]) if v is not None and np.isfinite(mine[i])]
        rows.append(dict(tool="brainscore-language 2.3.0", task="ExtrapolationCeiling", neural=os.path.basename(fraction),
                         seconds=theirs["seconds"], peak_rss_bytes=theirs["peak_rss_bytes"], ceiling=theirs["ceiling"],
                         neuroids=len(theirs["ids"]), ratio=theirs["seconds"] / ours["seconds"],
                         max_neuroid_difference=max(diffs), ceiling_difference=abs(theirs["ceiling"] - ours["ceiling"])))
        print(json.dumps(rows[-1]), flush=True)
    print()
    print("| tool / task | data | seconds | peak RSS | ceiling | work |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for r in rows:
        work = (f'{r["combinations"]:,} combinations, {r["regressions"]:,} regressions, {r["fits"]:,} fits' if "combinations" in r
                else f'{r["regressions"]:,} distinct regressions (10 subsets x 5 held out per size), 100 bootstraps' if "regressions" in r
                else f'{r["ratio"]:.0f}x BrainAlign\'s time; per neuroid max diff {r["max_neuroid_difference"]:.1e}, ceiling diff {r["ceiling_difference"]:.1e}')
        print(f'| {r["tool"]} {r["task"]} | {r["neural"]} ({r["neuroids"]:,} neuroids) | {r["seconds"]:.1f} | {r["peak_rss_bytes"] / 2**20:,.0f} MiB | {r["ceiling"]:.6f} | {work} |')
    return 0


if __name__ == "__main__":
    sys.exit(main())
