#!/usr/bin/env python3
"""Brain-Score's own extrapolation ceiling on two small synthetic assemblies, as fixtures.

Runs Brain-Score language's `ExtrapolationCeiling` (the one its Blank2014 benchmark builds
at load time; Pereira2018 uses the same class when no stored ceiling is given) with the
linear_pearsonr metric and the benchmarks' own splits (10 shuffle splits, train 0.9,
random_state 1), on

  brainscore_blank.nc    Blank-like: 8 stories x 20 TRs, 5 subjects x 12 fROIs (`subject_id`)
  brainscore_pereira.nc  Pereira-like: 243 sentences (`experiment` 243sentences), 4 subjects
                         x 30 voxels (`subject`); one voxel is constant (Brain-Score's
                         batched Pearson scores it 0; its curve fit is then degenerate and
                         Brain-Score reports the v0 where the optimizer stops, 0.17, which
                         counts in the median)

then tools/reference_ceiling_brainscore.py on the same files, asserts that both agree to
1e-6 per neuroid and on the ceiling, and writes Brain-Score's outputs (per-neuroid ceilings,
the ceiling, versions, run time) as brainscore_blank.json / brainscore_pereira.json beside
the inputs in Tests/BenchmarksTests/Fixtures/.

Needs Brain-Score, which pins numpy < 2: run it from a separate environment, e.g.

    python3 -m venv /tmp/venv-brainscore && /tmp/venv-brainscore/bin/pip install brainscore-language==2.3.0
    /tmp/venv-brainscore/bin/python tools/make_brainscore_ceiling_fixture.py
"""
import importlib.metadata
import os
import platform
import sys
import time
import warnings

import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_ceiling_brainscore as reference  # noqa: E402

OUT = os.path.join(HERE, "..", "Tests", "BenchmarksTests", "Fixtures")
TOLERANCE = 1e-6
BLANK_STORIES = ["Aqua", "Boar", "Elvis", "HighSchool", "KingOfBirds", "MatchstickSeller", "MrSticky", "Tulips"]
BLANK_ROIS = ["01_LH_PostTemp", "02_LH_AntTemp", "03_LH_IFG", "04_LH_IFGorb", "05_LH_MFG", "06_LH_AngG",
              "07_RH_PostTemp", "08_RH_AntTemp", "09_RH_IFG", "10_RH_IFGorb", "11_RH_MFG", "12_RH_AngG"]


def blank_like(path):
    rng = np.random.RandomState(2014)
    subjects = ["288", "289", "296", "330", "343"]
    rows = [(story, t) for story in BLANK_STORIES for t in range(20)]
    z = rng.randn(len(rows), 3)
    blocks = [np.round((z @ rng.randn(3, len(BLANK_ROIS)) * rng.uniform(0.3, 1.0, len(BLANK_ROIS))
                        + 1.5 * rng.randn(len(rows), len(BLANK_ROIS))) * 1024) / 1024 for _ in subjects]
    data = np.hstack(blocks)
    da = xr.DataArray(data, dims=("presentation", "neuroid"), name="data", coords={
        "stimulus_id": ("presentation", [f"{s}.{t // 4 + 1}.{t % 4 + 1}" for s, t in rows]),
        "story": ("presentation", [s for s, _ in rows]),
        "subject_id": ("neuroid", np.repeat(subjects, len(BLANK_ROIS))),
        "fROI_area": ("neuroid", np.tile(BLANK_ROIS, len(subjects))),
        "neuroid_id": ("neuroid", [f"{s}.{r}" for s in subjects for r in BLANK_ROIS])})
    write(da, path)
    return "subject_id"


def pereira_like(path):
    rng = np.random.RandomState(2018)
    subjects, voxels, rows = ["018", "199", "215", "288"], 30, 243
    z = rng.randn(rows, 4)
    blocks = []
    for _ in subjects:
        block = z @ rng.randn(4, voxels) * rng.uniform(0.1, 0.8, voxels) + rng.randn(rows, voxels)
        blocks.append(np.round(block * 1024) / 1024)
    data = np.hstack(blocks)
    data[:, 7] = 0.5  # a constant voxel of subject 018
    voxel_num = np.concatenate([np.sort(rng.choice(5000, voxels, replace=False)) for _ in subjects])
    subject = np.repeat(subjects, voxels)
    da = xr.DataArray(data, dims=("presentation", "neuroid"), name="data", coords={
        "stimulus_id": ("presentation", [f"243sentences.{i}" for i in range(rows)]),
        "experiment": ("presentation", ["243sentences"] * rows),
        "passage_index": ("presentation", np.arange(rows) // 3 + 1),
        "subject": ("neuroid", subject), "voxel_num": ("neuroid", voxel_num),
        "neuroid_id": ("neuroid", [f"{s}.{v}" for s, v in zip(subject, voxel_num)])})
    write(da, path)
    return "subject"


def write(da, path):
    if os.path.exists(path):
        os.remove(path)
    da.to_dataset().to_netcdf(path, encoding={"data": {"zlib": True, "complevel": 9, "shuffle": True, "_FillValue": np.nan}})
    print("wrote", os.path.relpath(path))


def brainscore_ceiling(path, subject_coordinate):
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_language import load_metric
    from brainscore_language.benchmarks.blank2014.ceiling import ExtrapolationCeiling
    da = xr.open_dataset(path)["data"].load()
    assembly = NeuroidAssembly(da.values, dims=da.dims,
                               coords={name: (c.dims, c.values) for name, c in da.coords.items()})
    metric = load_metric("linear_pearsonr", crossvalidation_kwargs=dict(splits=10, train_size=0.9, kfold=False, random_state=1))
    start = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ExtrapolationCeiling(subject_column=subject_coordinate)(assembly=assembly, metric=metric)
    seconds = time.time() - start
    per_neuroid = result.raw
    return (float(result), [str(v) for v in per_neuroid["neuroid_id"].values], np.asarray(per_neuroid.values, dtype=np.float64).ravel(),
            seconds)


def versions():
    out = {}
    for package in ("brainscore-language", "brainscore-core", "numpy", "scipy", "scikit-learn", "xarray"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = None
    out["python"] = platform.python_version()
    return out


def main():
    import json
    os.makedirs(OUT, exist_ok=True)
    failures = []
    for name, make in (("brainscore_blank", blank_like), ("brainscore_pereira", pereira_like)):
        path = os.path.join(OUT, f"{name}.nc")
        subject_coordinate = make(path)
        value, ids, per_neuroid, seconds = brainscore_ceiling(path, subject_coordinate)
        print(f"{name}: Brain-Score ceiling {value:.10f} in {seconds:.1f} s")
        Y, subjects, ref_ids, stimuli = reference.load(path, subject_coordinate)
        start = time.time()
        ours = reference.ceiling(Y, subjects, stimuli)
        ref_seconds = time.time() - start
        mine = dict(zip(ref_ids, ours["neuroid_ceilings"]))
        diffs = np.array([abs(mine[i] - v) if np.isfinite(v) or np.isfinite(mine[i]) else 0.0 for i, v in zip(ids, per_neuroid)])
        worst, final = float(np.nanmax(np.where(np.isnan(diffs), np.inf, diffs))), abs(ours["ceiling"] - value)
        print(f"  reference {ours['ceiling']:.10f} in {ref_seconds:.1f} s; max per-neuroid |diff| {worst:.2e}, ceiling |diff| {final:.2e}")
        if not (worst <= TOLERANCE and final <= TOLERANCE and sorted(ids) == sorted(ref_ids)):
            failures.append(name)
        fixture = dict(
            source="Brain-Score language ExtrapolationCeiling (brainscore_language.benchmarks.blank2014.ceiling), "
                   "linear_pearsonr, crossvalidation splits=10 train_size=0.9 kfold=False random_state=1",
            neural=os.path.basename(path), subject_coordinate=subject_coordinate, versions=versions(),
            brainscore_seconds=round(seconds, 2), machine=f"{platform.machine()}, {os.cpu_count()} cores",
            ceiling=value, neuroid_id=ids, neuroid_ceilings=reference.clean(per_neuroid),
            subjects=ours["subjects"], combinations=ours["combinations"], regressions=ours["regressions"],
            reference=dict(script="tools/reference_ceiling_brainscore.py", seconds=round(ref_seconds, 2),
                           max_neuroid_difference=worst, ceiling_difference=final))
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(fixture, f, indent=1, allow_nan=False)
        print("wrote", os.path.relpath(os.path.join(OUT, f"{name}.json")))
    if failures:
        print(f"error: the reference and Brain-Score disagree beyond {TOLERANCE} on {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
