#!/usr/bin/env python3
"""Generate the inputs of the MPI tests (tools/test_mpi.sh) into a directory.

neural.nc: a BrainIO-layout assembly, `data (presentation, neuroid)` float64 stored in
(presentation x 128)-voxel chunks, so a run reads many chunk-aligned voxel slabs and they
can be dealt to ranks unevenly (2,600 voxels: 21 chunks). Three subjects along neuroid
(per-subject scores), one constant voxel (its r is undefined: NaN, counted), responses
that follow layer 1 of the activations plus noise.
activations.nc: three layers of 32 features for the same stimuli, in another row order.
broken.nc: neural.nc stored deflated, with one chunk's bytes overwritten, so exactly one
voxel slab cannot be read (a read error seen by one rank only).
large.nc: the same design with `--voxels` voxels (default 64,000): a run long enough to
kill one rank in the middle of it (16,000 took 0.7 s at np=2 on 2 cores: too close).

Usage: python3 tools/make_mpi_fixture.py DIR [--voxels N]
"""
import argparse
import os

import h5py
import numpy as np
import xarray as xr

ROWS, FEATURES, CHUNK = 150, 32, 128


def layers(rng):
    core = rng.randn(ROWS, FEATURES)
    return [core + rng.randn(ROWS, FEATURES), core, core + 0.5 * rng.randn(ROWS, FEATURES)]


def assembly(rng, features, voxels):
    weights = rng.randn(FEATURES, voxels) / np.sqrt(FEATURES)
    data = features[1] @ weights + 2.0 * rng.randn(ROWS, voxels)
    data[:, 7] = 3.0  # a constant voxel: undefined r
    subjects = np.array(["s1", "s2", "s3"])[np.arange(voxels) * 3 // voxels]
    return xr.DataArray(
        data, dims=("presentation", "neuroid"),
        coords={"stimulus_id": ("presentation", np.array([f"stim{i:03d}" for i in range(ROWS)])),
                "neuroid_id": ("neuroid", np.arange(voxels)),
                "subject": ("neuroid", subjects)},
        name="data")


def write(data, path, compress=False):
    encoding = {"chunksizes": (ROWS, CHUNK)}
    if compress:
        encoding.update(zlib=True, complevel=1)
    data.to_dataset().to_netcdf(path, engine="h5netcdf", encoding={"data": encoding})


def activations(rng_order, stimulus_ids, features):
    order = rng_order.permutation(ROWS)
    return xr.Dataset(
        {"activations": (("layer", "presentation", "feature"), np.stack([f[order] for f in features]))},
        coords={"layer": ("layer", np.array([f"mpi.layer.{i}" for i in range(len(features))])),
                "stimulus_id": ("presentation", stimulus_ids[order])},
        attrs={"model": "synthetic-mpi-fixture"})


def break_one_chunk(path, chunk_index):
    """Overwrites the stored bytes of one chunk of `data` (its deflate stream fails)."""
    with h5py.File(path, "r") as f:
        info = f["data"].id.get_chunk_info(chunk_index)
    with open(path, "r+b") as f:
        f.seek(info.byte_offset + 2)
        f.write(b"\xff" * min(64, info.size - 2))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--voxels", type=int, default=64_000)
    args = parser.parse_args()
    os.makedirs(args.directory, exist_ok=True)
    rng = np.random.RandomState(13)
    features = layers(rng)
    small = assembly(rng, features, 2600)
    write(small, os.path.join(args.directory, "neural.nc"))
    activations(np.random.RandomState(5), small["stimulus_id"].values, features).to_netcdf(
        os.path.join(args.directory, "activations.nc"), engine="h5netcdf")
    broken = os.path.join(args.directory, "broken.nc")
    write(small, broken, compress=True)
    # Voxels 768-895: in the second slab (voxels 640-1279) of a --threads 1 run, which is
    # rank 1's of 2.
    break_one_chunk(broken, 6)
    write(assembly(np.random.RandomState(17), features, args.voxels), os.path.join(args.directory, "large.nc"))


if __name__ == "__main__":
    main()
