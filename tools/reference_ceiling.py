#!/usr/bin/env python3
"""An independent numpy/scipy/scikit-learn implementation of BrainAlign's extrapolation
ceiling procedure (docs/protocols.md), for the parity test of `brainalign ceiling`.

Same random draws (numpy RandomState), same splits (sklearn ShuffleSplit), but computed the
plain way: sklearn LinearRegression from the pooled subjects' raw neuroids, scipy pearsonr,
and scipy.optimize.curve_fit (several starting points, best fit kept) for
v0 (1 - exp(-n / tau)) with 0 <= v0 <= 1.

    python3 tools/reference_ceiling.py --neural N.nc --output ref.json [--subsets 10 --held-out 5 --bootstraps 100 --seed 0]
Also writes the fixture data set with --make-data PATH (5 subjects x 6 neuroids x 48 stimuli).
"""
import argparse
import json
import math

import numpy as np
import scipy.optimize
import scipy.stats
import xarray as xr
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import ShuffleSplit


def make_data(path):
    rng = np.random.RandomState(11)
    n, subjects, voxels = 48, 5, 6
    latent = rng.randn(n, 4)
    blocks = [latent @ rng.randn(4, voxels) + 1.2 * rng.randn(n, voxels) for _ in range(subjects)]
    names = [f"S{i}" for i in range(subjects)]
    da = xr.DataArray(np.hstack(blocks), dims=("presentation", "neuroid"), name="data",
                      coords={"stimulus_id": ("presentation", [f"s.{i}" for i in range(n)]),
                              "subject": ("neuroid", np.repeat(names, voxels)),
                              "neuroid_id": ("neuroid", [f"{s}.{v}" for s in names for v in range(voxels)])})
    da.to_dataset().to_netcdf(path, engine="h5netcdf")


def curve(n, v0, tau):
    return v0 * (1 - np.exp(-n / tau))


def fit(n, v):
    # One distinct subject count: every tau passes through it, so v0 is undetermined
    # (curve_fit would return whatever its start gives): NaN, left out of the medians.
    if len(np.unique(n)) < 2:
        return np.nan
    best = None
    for v0 in (0.1, 0.5, 0.9):
        for tau in (0.01, 0.3, 1.0, 3.0, 30.0, 1000.0):
            try:
                p, _ = scipy.optimize.curve_fit(curve, n, v, p0=(v0, tau), bounds=([0, 1e-3], [1, 1e6]), maxfev=20000,
                                                xtol=1e-15, ftol=1e-15, gtol=1e-15)
            except RuntimeError:
                continue
            sse = float(((v - curve(n, *p)) ** 2).sum())
            if best is None or sse < best[0]:
                best = (sse, p)
    return best[1][0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neural")
    parser.add_argument("--output")
    parser.add_argument("--make-data")
    parser.add_argument("--subsets", type=int, default=10)
    parser.add_argument("--held-out", type=int, default=5)
    parser.add_argument("--bootstraps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.make_data:
        make_data(args.make_data)
        print("wrote", args.make_data)
        return
    da = xr.open_dataset(args.neural)["data"].dropna("neuroid", how="any")
    subjects = list(dict.fromkeys(str(s) for s in da["subject"].values))
    columns = [np.where(da["subject"].values == s)[0] for s in subjects]
    Y = da.values
    splits = list(ShuffleSplit(n_splits=10, train_size=0.9, random_state=1).split(Y))
    rng = np.random.RandomState(args.seed)
    points = [[] for _ in range(Y.shape[1])]
    cache = {}
    for n in range(2, len(subjects) + 1):
        for _ in range(args.subsets):
            subset = rng.permutation(len(subjects))[:n]
            held = rng.permutation(n)[:min(args.held_out, n)]
            for h in held:
                pool = tuple(sorted(int(s) for k, s in enumerate(subset) if k != h))
                target = int(subset[h])
                if (pool, target) not in cache:
                    X = np.hstack([Y[:, columns[s]] for s in pool])
                    T = Y[:, columns[target]]
                    scores = np.zeros(T.shape[1])
                    for train, test in splits:
                        pred = LinearRegression().fit(X[train], T[train]).predict(X[test])
                        scores += [scipy.stats.pearsonr(pred[:, v], T[test, v])[0] for v in range(T.shape[1])]
                    cache[(pool, target)] = scores / len(splits)
                for k, column in enumerate(columns[target]):
                    points[column].append((n, cache[(pool, target)][k]))
    boot = np.random.RandomState(args.seed)
    draws = []
    for column in range(Y.shape[1]):
        m = len(points[column])
        draws.append(np.minimum(m - 1, np.floor(boot.random_sample(args.bootstraps * m) * m).astype(int)))
    v0 = np.zeros((Y.shape[1], args.bootstraps))
    for column in range(Y.shape[1]):
        m = len(points[column])
        pts = np.array(points[column])
        for b in range(args.bootstraps):
            sample = pts[draws[column][b * m:(b + 1) * m]]
            v0[column, b] = fit(sample[:, 0], sample[:, 1])
    neuroid = np.nanmedian(v0, axis=1)
    per_boot = np.nanmedian(v0, axis=0)
    out = {"neuroid_ceilings": neuroid.tolist(), "ceiling": float(np.nanmedian(neuroid)),
           "interval": [float(np.nanpercentile(per_boot, 2.5)), float(np.nanpercentile(per_boot, 97.5))],
           "bootstrap_ceilings": per_boot.tolist(), "regressions": len(cache),
           "settings": {"subsets": args.subsets, "held_out": args.held_out, "bootstraps": args.bootstraps, "seed": args.seed}}
    with open(args.output, "w") as f:
        json.dump(out, f)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
