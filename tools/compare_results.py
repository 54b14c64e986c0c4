#!/usr/bin/env python3
"""Compare two BrainAlign result files: every variable bit for bit (NaN equal to NaN),
the same variables and dimensions, and every attribute except those that record how and
when the file was made (command line, time, seconds, MPI ranks). Exit 1 naming the first
differences. Used by tools/test_mpi.sh to hold an MPI run to the serial run's result.

Usage: python3 tools/compare_results.py REFERENCE.nc OTHER.nc
"""
import sys

import h5py
import numpy as np

RUN_RECORD = {"command_line", "created", "seconds", "mpi_ranks", "mpi_write_seconds", "mpi_collective_seconds",
              "_NCProperties", "hdf5_version"}


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
        return False
    if a.dtype.kind == "f":
        # Bit for bit: compare the bytes, so -0.0 vs 0.0 or a different NaN would count.
        return a.tobytes() == b.tobytes()
    return np.array_equal(a, b)


def attributes(node):
    return {k: v for k, v in node.attrs.items() if k not in RUN_RECORD and k not in ("DIMENSION_LIST", "REFERENCE_LIST")}


def main():
    reference, other = (h5py.File(p, "r") for p in sys.argv[1:3])
    problems = []
    if set(reference) != set(other):
        problems.append(f"variables differ: {sorted(set(reference) ^ set(other))}")
    for name in sorted(set(reference) & set(other)):
        if not same(reference[name][()], other[name][()]):
            problems.append(f"{name}: values differ")
        ra, oa = attributes(reference[name]), attributes(other[name])
        for key in sorted(set(ra) | set(oa)):
            if key not in ra or key not in oa or not same(ra[key], oa[key]):
                problems.append(f"{name}: attribute {key} differs")
    ra, oa = attributes(reference), attributes(other)
    for key in sorted(set(ra) | set(oa)):
        if key not in ra or key not in oa or not same(ra[key], oa[key]):
            problems.append(f"global attribute {key} differs: {ra.get(key)!r} vs {oa.get(key)!r}")
    if problems:
        print(f"{sys.argv[2]} differs from {sys.argv[1]}:\n  " + "\n  ".join(problems[:20]))
        sys.exit(1)
    print(f"{sys.argv[2]}: identical to {sys.argv[1]} ({len(reference)} variables)")


if __name__ == "__main__":
    main()
