#!/usr/bin/env python3
"""Make the small HDF5/netCDF4 fixtures the Swift tests read, with the expected values.

Every file here is written by the Python ecosystem (xarray with the h5netcdf and netCDF4
engines, h5py), and every expected value is read back by that same ecosystem and stored in
a JSON file beside the fixture. The Swift tests compare BrainAlign's reader against those
JSON files: the numbers never come from our own code.

Run from the repository root (needs numpy, xarray, h5netcdf, h5py; netCDF4 optional):

    python3 tools/make_test_fixtures.py

The fixtures are deterministic (fixed seeds) and small (a few KiB each); they are committed
under Tests/HDF5Tests/Fixtures/.
"""
import json
import math
import os
import sys

import h5py
import numpy as np
import xarray as xr

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "HDF5Tests", "Fixtures")


def jsonable(values):
    """Flatten to a list; NaN -> None (JSON has no NaN), numpy scalars -> Python."""
    out = []
    for v in np.asarray(values).ravel().tolist():
        if isinstance(v, bytes):
            v = v.decode("utf-8")
        if isinstance(v, float) and math.isnan(v):
            v = None
        out.append(v)
    return out


def brainio_assembly():
    """A tiny assembly in the Brain-Score BrainIO layout of docs/formats.md (Pereira-like):
    `data` (presentation, neuroid) float64 with NaN where a subject skipped an experiment,
    every coordinate a plain 1-D variable along one dimension, no index on the dimensions."""
    rng = np.random.RandomState(0)
    n_pres, n_neuroid = 12, 10
    experiment = np.array(["384sentences"] * 7 + ["243sentences"] * 5)
    stimulus_num = np.concatenate([np.arange(7), np.arange(5)])
    passage_index = np.array([1, 1, 2, 2, 3, 3, 3, 1, 1, 2, 2, 2])
    passage_category = np.array(["beekeeping"] * 2 + ["music"] * 2 + ["ölfarbe"] * 3 + ["dog"] * 2 + ["opera"] * 3)
    sentence = np.array([f"Sentence {i} of the passage, with ünïcode." for i in range(n_pres)])
    subject = np.array(["018"] * 4 + ["199"] * 3 + ["215"] * 3)
    voxel_num = np.array([3, 17, 40, 41, 5, 9, 88, 12, 13, 700])
    data = rng.randn(n_pres, n_neuroid)
    data[7:, 4:7] = np.nan  # subject 199 did not do the 243-sentence experiment
    da = xr.DataArray(
        data,
        dims=("presentation", "neuroid"),
        coords={
            "stimulus_num": ("presentation", stimulus_num),
            "sentence": ("presentation", sentence),
            "stimulus": ("presentation", sentence),
            "passage_index": ("presentation", passage_index),
            "passage_label": ("presentation", np.array([f"{c}_{i}" for c, i in zip(passage_category, passage_index)])),
            "passage_category": ("presentation", passage_category),
            "stimulus_id": ("presentation", np.array([f"{e}.{n}" for e, n in zip(experiment, stimulus_num)])),
            "story": ("presentation", np.array([f"{e}.{c}" for e, c in zip(experiment, passage_category)])),
            "experiment": ("presentation", experiment),
            "subject": ("neuroid", subject),
            "voxel_num": ("neuroid", voxel_num),
            "filter_strategy": ("neuroid", np.full(n_neuroid, np.nan)),
            "atlas_selection": ("neuroid", np.array(["from90to100prcnt"] * n_neuroid)),
            "roi": ("neuroid", np.array(["LH_AntTemp", "LH_IFG", "LH_PostTemp", "LH_MFG", "RH_AntTemp"] * 2)),
            "col_to_coord_1": ("neuroid", rng.randint(0, 80, n_neuroid).astype(float)),
            "neuroid_id": ("neuroid", np.array([f"{s}.{v}" for s, v in zip(subject, voxel_num)])),
        },
        name="data",
        attrs={"identifier": "Pereira2018.language", "stimulus_set_identifier": "Pereira2018"},
    )
    return da


def write_brainio(engine, filename, compress):
    da = brainio_assembly()
    encoding = {"data": {"_FillValue": np.nan}}
    if compress:
        encoding["data"].update({"zlib": True, "complevel": 4, "shuffle": True, "chunksizes": (5, 4)})
    path = os.path.join(OUT, filename)
    if os.path.exists(path):
        os.remove(path)
    da.to_dataset().to_netcdf(path, engine=engine, encoding=encoding)

    # Expected values: what xarray itself reads back from the file.
    with xr.open_dataset(path, engine=engine) as ds:
        expected = {
            "dimensions": {k: int(v) for k, v in ds.sizes.items()},
            "data_variables": sorted(ds.data_vars),
            "data_shape": list(ds["data"].shape),
            "data": jsonable(ds["data"].values),
            "coordinates": {
                name: {"dimensions": list(c.dims), "dtype": str(c.dtype), "values": jsonable(c.values)}
                for name, c in ds.coords.items()
            },
            "attributes": {k: (v if isinstance(v, str) else jsonable(v)) for k, v in ds.attrs.items()},
            "data_attributes": {k: str(v) for k, v in ds["data"].attrs.items()},
        }
        ds_h5 = h5py.File(path, "r")
        expected["data_chunks"] = list(ds_h5["data"].chunks) if ds_h5["data"].chunks else None
        expected["data_deflate"] = ds_h5["data"].compression_opts if ds_h5["data"].compression == "gzip" else None
        expected["data_shuffle"] = bool(ds_h5["data"].shuffle)
        ds_h5.close()
    with open(os.path.join(OUT, filename.replace(".nc", ".expected.json")), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False, sort_keys=True)
    print("wrote", path)


def write_plain_hdf5():
    """A plain HDF5 file (no netCDF conventions) written with h5py: nested groups,
    fixed-length ASCII strings, several integer widths, a chunked 3-D float32 dataset."""
    path = os.path.join(OUT, "plain.h5")
    rng = np.random.RandomState(1)
    cube = rng.randn(4, 5, 6).astype(np.float32)
    with h5py.File(path, "w") as f:
        f.attrs["title"] = "plain HDF5 fixture"
        f.attrs["version"] = np.array([1, 2, 3], dtype=np.int32)
        g = f.create_group("meta")
        g.create_dataset("labels", data=np.array([b"alpha", b"be", b"gamma123"], dtype="S8"))
        g.create_dataset("codes", data=np.array([1, 255, 7], dtype=np.uint8))
        g.create_dataset("offsets", data=np.array([-5, 0, 2**40], dtype=np.int64))
        g.create_dataset("small", data=np.array([-3, 3], dtype=np.int16))
        g.attrs["scale"] = np.float64(0.25)
        d = f.create_dataset("cube", data=cube, chunks=(2, 2, 3), compression="gzip", compression_opts=6, shuffle=True)
        d.attrs["units"] = "a.u."
        f.create_dataset("scalar", data=np.float64(42.5))
    with h5py.File(path, "r") as f:
        expected = {
            "members": sorted(f.keys()),
            "meta_members": sorted(f["meta"].keys()),
            "labels": [s.decode() for s in f["meta/labels"][()]],
            "codes": jsonable(f["meta/codes"][()]),
            "offsets": jsonable(f["meta/offsets"][()]),
            "small": jsonable(f["meta/small"][()]),
            "scale": float(f["meta"].attrs["scale"]),
            "cube_shape": list(f["cube"].shape),
            "cube_chunks": list(f["cube"].chunks),
            "cube": jsonable(f["cube"][()].astype(np.float64)),
            "cube_block_1_1_2__3_3_4": jsonable(f["cube"][1:4, 1:4, 2:6].astype(np.float64)),
            "title": f.attrs["title"],
            "version": jsonable(f.attrs["version"]),
            "scalar": float(f["scalar"][()]),
        }
    with open(os.path.join(OUT, "plain.expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
    print("wrote", path)


def main():
    os.makedirs(OUT, exist_ok=True)
    write_brainio("h5netcdf", "brainio_h5netcdf.nc", compress=True)
    try:
        import netCDF4  # noqa: F401
    except ImportError:
        print("netCDF4 is not installed: skipping the netCDF4-engine fixture", file=sys.stderr)
    else:
        write_brainio("netcdf4", "brainio_netcdf4.nc", compress=False)
    write_plain_hdf5()


if __name__ == "__main__":
    main()
