#!/usr/bin/env python3
"""Writes Tests/BenchmarksTests/Fixtures/pereira_wide.nc: the bundled Pereira2018 sample
widened to 300 neuroids, enough that the engine streams them in several slices.

Why: a benchmark that shares one ridge alpha across neuroids (Pereira2018-ridge,
Blank2014-ridge, `score --shared-alpha`) must choose it from all neuroids, not from each
streamed slice. Here the first 200 neuroids are a linear readout of the sample's middle
layer plus noise (they favour a small alpha) and the rest are noise (they favour the
largest), so a slice-by-slice choice would differ between slices and from the reference.

The sample's coordinates are repeated (neuroid_id made unique) and its NaN pattern kept
(the subject who skipped an experiment). Values are stored as float32 to keep the file
small; the reference (tools/reference_brainscore.py ridge) reads the same values.

    python3 tools/make_wide_pereira_fixture.py
    python3 tools/reference_brainscore.py ridge --neural Tests/BenchmarksTests/Fixtures/pereira_wide.nc \
        --activations datasets/Pereira2018_sample_activations.nc --experiment 384sentences \
        --output Tests/BenchmarksTests/Fixtures/pereira_wide_ridge.json
"""
import numpy as np
import xarray as xr

NEUROIDS, SIGNAL = 300, 200

sample = xr.open_dataset("datasets/Pereira2018_sample.nc").load()
acts = xr.open_dataset("datasets/Pereira2018_sample_activations.nc").load()
position = {sid: i for i, sid in enumerate(acts["stimulus_id"].values)}
rows = np.array([position[sid] for sid in sample["stimulus_id"].values])
x = acts["activations"].values[1][rows].astype(np.float64)
x = (x - x.mean(0)) / x.std(0)

repeats = -(-NEUROIDS // sample.sizes["neuroid"])
wide = xr.concat([sample] * repeats, dim="neuroid").isel(neuroid=slice(0, NEUROIDS))
wide = wide.assign_coords(neuroid_id=("neuroid", [f"w{i:04d}" for i in range(NEUROIDS)]))

rng = np.random.default_rng(2026)
weights = rng.standard_normal((x.shape[1], SIGNAL)) / np.sqrt(x.shape[1])
values = rng.standard_normal((x.shape[0], NEUROIDS))
values[:, :SIGNAL] = x @ weights + 0.5 * values[:, :SIGNAL]
values[np.isnan(wide["data"].values)] = np.nan
wide["data"] = (("presentation", "neuroid"), values.astype(np.float32))
wide["data"].attrs = sample["data"].attrs
wide.to_netcdf("Tests/BenchmarksTests/Fixtures/pereira_wide.nc",
               encoding={"data": {"chunksizes": (x.shape[0], 20), "zlib": True, "_FillValue": np.float32(np.nan)}})
print("wrote Tests/BenchmarksTests/Fixtures/pereira_wide.nc", wide["data"].shape)
