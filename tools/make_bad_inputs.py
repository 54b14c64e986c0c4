#!/usr/bin/env python3
"""Build odd and damaged input files for the reliability tests, into a given directory.

    python3 tools/make_bad_inputs.py DIR [--only NAME,NAME,...]

Every file is made by the Python ecosystem (xarray, netCDF4, h5py, numpy) or by plain
file-system calls, never by BrainAlign; where a file has a meaning, the values xarray
decodes from it are written beside it as NAME.expected.json, so the Swift tests compare
against xarray and not against our own output. The tests run this at test time into a
temporary directory (unless BRAINALIGN_SKIP_PYTHON=1).

Files (NAME: what it is):

  truncated.nc          a netCDF-4 file cut at a third of its length
  corrupted_read.nc     the bundled Pereira2018 sample with 64 bytes of 0xFF inside the
                        global heap holding the passage_label strings: libhdf5 1.10.8
                        segfaults in H5Dread when `score` reads the stimulus_id strings
                        (newer HDF5 reports an error)
  corrupted_open.nc     the same sample with 0xFF inside the global heap holding the
                        dimension lists: libhdf5 1.10.8 segfaults in H5Aread while the
                        file's structure is read (any command that opens it)
  packed.nc             variables packed the CF way (scale_factor, add_offset, _FillValue,
                        missing_value, _Unsigned) and unpacked ones with fill values
  packed_neural.nc      a BrainIO-layout neural file whose `data` is int16 packed, chunked
                        in column slabs (for the streaming reader)
  classic.nc            netCDF-3 classic (CDF\\x01)
  classic_64bit_offset.nc   netCDF-3 64-bit offset (CDF\\x02)
  classic_64bit_data.nc     netCDF-3 64-bit data, "CDF-5" (CDF\\x05)
  transposed.nc         `data` stored (neuroid, presentation) instead of (presentation, neuroid)
  fifo.nc               a named pipe (opening it for reading would block)
  empty.nc              a file of 0 bytes
  directory.nc          a directory named like a file

The two corrupted files were found by writing 0xFF over every 256-byte step of the
sample and running `brainalign score` and `inspect` on each (see docs/reliability.md);
the offsets belong to that exact sample, so its SHA-256 is checked first.
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SAMPLE = os.path.join(ROOT, "datasets", "Pereira2018_sample.nc")
SAMPLE_SHA256 = "4cfc9d5d6b732f37dc4905b3c5ecc7827ddd69b688df52ab2ddaa98cca1b7012"
# Offsets into the sample where 64 bytes of 0xFF make libhdf5 1.10.8 crash.
CRASH_IN_DATASET_READ = 32000   # global heap at 30336 (passage_label strings)
CRASH_WHILE_OPENING = 40448     # global heap at 37760 (DIMENSION_LIST references)


def jsonable(values):
    """Flatten to a list; NaN -> None (JSON has no NaN), numpy scalars -> Python."""
    out = []
    for v in np.asarray(values).ravel().tolist():
        if isinstance(v, float) and math.isnan(v):
            v = None
        out.append(v)
    return out


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        os.rmdir(path)  # only ever the empty directory made here
    elif os.path.lexists(path):
        os.remove(path)


def expect_decoded(path, names=None):
    """What xarray decodes from `path` (default decoding), beside it as .expected.json."""
    import xarray as xr

    with xr.open_dataset(path) as ds:
        variables = {}
        for name in names or list(ds.variables):
            v = ds[name]
            variables[name] = {"dims": list(v.dims), "dtype": str(v.dtype), "values": jsonable(v.values)}
    with open(path.replace(".nc", ".expected.json"), "w") as f:
        json.dump({"variables": variables}, f, indent=1, sort_keys=True)


def truncated(out):
    import xarray as xr

    path = os.path.join(out, "truncated.nc")
    full = path + ".full"
    xr.Dataset({"data": (("presentation", "neuroid"), np.arange(600.0).reshape(20, 30))}).to_netcdf(full, engine="h5netcdf")
    with open(full, "rb") as f:
        data = f.read()
    os.remove(full)
    with open(path, "wb") as f:
        f.write(data[: len(data) // 3])


def corrupted(out, name, offset):
    with open(SAMPLE, "rb") as f:
        data = bytearray(f.read())
    digest = hashlib.sha256(data).hexdigest()
    if digest != SAMPLE_SHA256:
        sys.exit(f"make_bad_inputs: {SAMPLE} has changed (sha256 {digest}); the crash offsets were found for "
                 f"{SAMPLE_SHA256}: find new ones as docs/reliability.md describes")
    data[offset : offset + 64] = b"\xff" * 64
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def packed(out):
    """Packed and filled variables as xarray and netCDF4 write them."""
    import netCDF4
    import xarray as xr

    path = os.path.join(out, "packed.nc")
    remove(path)
    rng = np.random.RandomState(7)
    values = np.round(rng.uniform(-40, 60, (4, 6)), 3)
    values[1, 2] = np.nan
    small = np.array([0.5, -1.0, np.nan, 2.5, 12.0, -7.5])
    ds = xr.Dataset(
        {
            # int16 with scale_factor, add_offset and _FillValue (the common packing).
            "packed": (("row", "column"), values),
            # int8 with a float32 scale_factor only; NaN -> _FillValue.
            "scaled_only": (("column",), small),
            # int16 with missing_value instead of _FillValue.
            "missing": (("column",), small),
            # Unpacked integers with a _FillValue: xarray decodes them to float64 with NaN.
            "filled_int": (("column",), np.array([1, -999, 3, 4, -999, 6], dtype="int32")),
            # float32 with a non-NaN _FillValue.
            "float_fill": (("column",), np.array([1.5, -9999.0, 2.25, 3.0, -9999.0, 0.0], dtype="float32")),
            # Plain integers: untouched.
            "plain_int": (("column",), np.arange(6, dtype="int64") - 2),
        }
    )
    encoding = {
        "packed": {"dtype": "int16", "scale_factor": 0.01, "add_offset": 10.0, "_FillValue": -32767},
        "scaled_only": {"dtype": "int8", "scale_factor": np.float32(0.5), "_FillValue": -128},
        "missing": {"dtype": "int16", "scale_factor": 0.25, "missing_value": np.int16(-1), "_FillValue": None},
        "filled_int": {"_FillValue": -999},
        "float_fill": {"_FillValue": np.float32(-9999.0)},
        "plain_int": {"_FillValue": None},
    }
    ds.to_netcdf(path, engine="netcdf4", encoding=encoding)
    # Written with netCDF4 directly: signed bytes flagged _Unsigned (netCDF-3 style
    # unsigned data), and both _FillValue and missing_value on one variable.
    with netCDF4.Dataset(path, "a") as nc:
        unsigned = nc.createVariable("unsigned", "i1", ("column",), fill_value=np.int8(-1))
        unsigned.set_auto_maskandscale(False)  # write the raw values given here
        unsigned.setncattr("_Unsigned", "true")
        unsigned[:] = np.array([1, -2, 127, -128, -1, 0], dtype="i1")  # 1, 254, 127, 128, fill, 0
        both = nc.createVariable("two_missing", "i2", ("column",), fill_value=np.int16(-32767))
        both.set_auto_maskandscale(False)
        both.setncattr("missing_value", np.int16(-1))
        both.setncattr("scale_factor", np.float64(0.1))
        both[:] = np.array([10, -1, 20, -32767, 30, 40], dtype="i2")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two_missing: xarray warns about the two missing values
        expect_decoded(path, ["packed", "scaled_only", "missing", "filled_int", "float_fill", "plain_int", "unsigned", "two_missing"])


def packed_neural(out):
    """A neural file in the BrainIO layout whose data are int16 packed, in column slabs."""
    import xarray as xr

    path = os.path.join(out, "packed_neural.nc")
    remove(path)
    rng = np.random.RandomState(11)
    data = np.round(rng.randn(12, 10), 4)
    data[3, 7] = np.nan
    data[8:, 2] = np.nan
    ds = xr.Dataset(
        {"data": (("presentation", "neuroid"), data)},
        coords={"stimulus_id": ("presentation", [f"s.{i}" for i in range(12)]),
                "neuroid_id": ("neuroid", [f"n.{j}" for j in range(10)])},
    )
    encoding = {"data": {"dtype": "int16", "scale_factor": 1e-4, "add_offset": 0.5, "_FillValue": -32768,
                         "chunksizes": (12, 4), "zlib": True}}
    ds.to_netcdf(path, engine="h5netcdf", encoding=encoding)
    expect_decoded(path, ["data"])


def classic(out):
    import netCDF4

    for name, fmt in [("classic.nc", "NETCDF3_CLASSIC"), ("classic_64bit_offset.nc", "NETCDF3_64BIT_OFFSET"),
                      ("classic_64bit_data.nc", "NETCDF3_64BIT_DATA")]:
        path = os.path.join(out, name)
        remove(path)
        with netCDF4.Dataset(path, "w", format=fmt) as nc:
            nc.createDimension("presentation", 3)
            nc.createVariable("data", "f8", ("presentation",))[:] = [1.0, 2.0, 3.0]


def transposed(out):
    import xarray as xr

    path = os.path.join(out, "transposed.nc")
    remove(path)
    xr.Dataset(
        {"data": (("neuroid", "presentation"), np.arange(15.0).reshape(5, 3))},
        coords={"stimulus_id": ("presentation", ["a", "b", "c"])},
    ).to_netcdf(path, engine="h5netcdf")
    expect_decoded(path, ["data"])


def special(out):
    for name in ["fifo.nc", "empty.nc", "directory.nc"]:
        remove(os.path.join(out, name))
    os.mkfifo(os.path.join(out, "fifo.nc"))
    open(os.path.join(out, "empty.nc"), "wb").close()
    os.mkdir(os.path.join(out, "directory.nc"))


BUILDERS = {
    "truncated": truncated,
    "corrupted": lambda out: (corrupted(out, "corrupted_read.nc", CRASH_IN_DATASET_READ),
                              corrupted(out, "corrupted_open.nc", CRASH_WHILE_OPENING)),
    "packed": packed,
    "packed_neural": packed_neural,
    "classic": classic,
    "transposed": transposed,
    "special": special,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--only", help="comma-separated builders: " + ", ".join(BUILDERS))
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BUILDERS)
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        parser.error(f"unknown builder(s) {', '.join(unknown)}; known: {', '.join(BUILDERS)}")
    os.makedirs(args.directory, exist_ok=True)
    for name in names:
        BUILDERS[name](args.directory)


if __name__ == "__main__":
    main()
