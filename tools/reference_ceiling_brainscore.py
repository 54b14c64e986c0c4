#!/usr/bin/env python3
"""An independent numpy/scipy implementation of Brain-Score language 2.3.0's extrapolation
ceiling (`ExtrapolationCeiling` with the linear_pearsonr metric, brainscore-core 2.5.0),
written from a reading of that code, for checking BrainAlign's ceiling against Brain-Score's
own numbers. No Brain-Score, xarray-assembly or scikit-learn code is used: every step is
spelled out below.

Input: a neural file in the BrainIO layout (docs/formats.md): `data (presentation, neuroid)`
with `stimulus_id` along presentation and a subject coordinate (`subject_id` for Blank2014,
`subject` for Pereira2018) and `neuroid_id` along neuroid. Neuroids with any NaN are dropped
first (the benchmarks hand Brain-Score their data that way); `--experiment` keeps only the
rows of one Pereira experiment.

The algorithm:

1. Splits (the metric's own): ShuffleSplit(10, train_size=0.9, random_state=1) over the rows
   in stored order: one RandomState(1), per split the next permutation; test = its first
   n - floor(0.9 n) entries, train = the next floor(0.9 n). The same splits serve every
   regression (they are built from the held-out subject's rows, which are always all rows).
2. For every subset size k = 2..N and EVERY combination of k subjects (sorted ids), EVERY
   subject of the combination is held out in turn: its neuroids are predicted from the
   other k - 1 subjects' neuroids pooled (in stored order) by least squares with an
   intercept (minimum-norm when rank-deficient), per split; score = Pearson r on the test
   rows computed as Brain-Score's batched version does, with 1e-8 added to each norm, so a
   constant voxel scores r = 0, not NaN.
3. Per neuroid: its scores form, per size k, a (combinations containing its subject) x
   (10 splits) table; combinations ordered as Brain-Score's merged result orders them, by
   the text of the tuple (e.g. "('018', '199')"), row-major.
4. Bootstrap per neuroid, RandomState(0) RE-SEEDED FOR EACH NEUROID: 100 times, for each size
   in ascending order, resample that size's table with replacement (as many draws as
   entries, `randint(0, m, m)`, which is what numpy's legacy `choice` draws) and take the
   mean: one mean per size; fit v0 (1 - exp(-k / tau)) to those means by scipy's
   curve_fit with 0 <= v0 <= 1 and tau unbounded (a failed fit gives NaN).
5. Neuroid ceiling = median of its 100 v0 (NaN if any fit failed); ceiling = median over
   neuroids, NaN neuroids skipped (xarray's median).

Agreement with Brain-Score's own run (tools/make_brainscore_ceiling_fixture.py): bitwise
in Brain-Score's environment (numpy 1.26, scipy 1.17), the rounding of every step included.
Under another numpy the saturating fit (tau unbounded, default tolerances) magnifies
last-digit differences: per neuroid up to ~5e-7, the ceiling ~1e-9; and a constant voxel
(all scores exactly 0, so v0 (1 - exp(-k / tau)) = 0 has a continuum of solutions) gets
whatever v0 the optimizer stops at, 0.17 in one environment and 0.13 in another.

Output JSON: neuroid_id, neuroid_ceilings, ceiling, subjects, combinations (subsets), regressions,
mean_by_size (per neuroid, the mean of each size's table), and the settings.

    python3 tools/reference_ceiling_brainscore.py --neural N.nc --subject-coordinate subject --output ref.json
"""
import argparse
import itertools
import json
import math
import time
import warnings

import numpy as np
import scipy.linalg
import scipy.optimize
import xarray as xr

SPLITS, TRAIN_SIZE, SPLIT_SEED = 10, 0.9, 1
BOOTSTRAPS = 100


def shuffle_splits(n):
    rng = np.random.RandomState(SPLIT_SEED)
    n_train = int(math.floor(TRAIN_SIZE * n))
    n_test = n - n_train
    out = []
    for _ in range(SPLITS):
        perm = rng.permutation(n)
        out.append((perm[n_test:n_test + n_train], perm[:n_test]))
    return out


def least_squares_predict(X, Y, X_test):
    """Ordinary least squares with an intercept: centre, minimum-norm least squares (LAPACK
    gelsd, singular values below 1e-6 of the largest dropped), predict."""
    x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
    coef, *_ = scipy.linalg.lstsq(X - x_mean, Y - y_mean, cond=1e-6)
    return X_test @ coef + (y_mean - x_mean @ coef)


def batched_pearson(pred, y):
    """Per column: sum of (x - mean) / (|x - mean| + 1e-8) * (y - mean) / (|y - mean| + 1e-8)."""
    xm, ym = pred - pred.mean(axis=0), y - y.mean(axis=0)
    return ((xm / (np.linalg.norm(xm, axis=0) + 1e-8)) * (ym / (np.linalg.norm(ym, axis=0) + 1e-8))).sum(axis=0)


def saturation(k, v0, tau):
    return v0 * (1 - np.exp(-k / tau))


def fit_v0(sizes, means):
    sizes, means = np.asarray(sizes, dtype=np.float64), np.asarray(means, dtype=np.float64)
    valid = np.isfinite(means)
    if not valid.any():
        return np.nan
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # covariance not estimable, overflow of exp for tau near 0
            params, _ = scipy.optimize.curve_fit(saturation, sizes[valid], means[valid], bounds=([0, -np.inf], [1, np.inf]))
    except (RuntimeError, ValueError):
        return np.nan
    return float(params[0])


def tuple_label(subjects):
    """The text Brain-Score files a combination under: str() of the tuple of subject ids."""
    return str(tuple(str(s) for s in subjects))


def ceiling(Y, subject_of_column, stimulus_ids=None, bootstraps=BOOTSTRAPS, progress=None):
    n_rows, n_cols = Y.shape
    subjects = sorted(set(subject_of_column))
    columns = {s: [c for c in range(n_cols) if subject_of_column[c] == s] for s in subjects}
    # The metric fits on the training rows sorted by stimulus_id, predicts the test rows in
    # stored order, and correlates them sorted by stimulus_id: the same numbers up to rounding,
    # and this reproduces the rounding too (the saturating fit can magnify the last digits).
    key = np.asarray([str(s) for s in stimulus_ids]) if stimulus_ids is not None else np.arange(n_rows)
    splits = []
    for train, test in shuffle_splits(n_rows):
        test = np.sort(test)
        splits.append((train[np.argsort(key[train], kind="stable")], test, np.argsort(key[test], kind="stable")))
    sizes = list(range(2, len(subjects) + 1))
    # table[column][k] = list of (label, r over splits)
    table = [{k: [] for k in sizes} for _ in range(n_cols)]
    regressions = 0
    for k in sizes:
        for combination in itertools.combinations(subjects, k):
            label = tuple_label(combination)
            for held in combination:
                pool = [c for c in range(n_cols) if subject_of_column[c] in combination and subject_of_column[c] != held]
                target = columns[held]
                X, T = Y[:, pool], Y[:, target]
                r = np.zeros((len(splits), len(target)))
                for s, (train, test, order) in enumerate(splits):
                    r[s] = batched_pearson(least_squares_predict(X[train], T[train], X[test])[order], T[test][order])
                regressions += 1
                for j, column in enumerate(target):
                    table[column][k].append((label, r[:, j]))
        if progress:
            progress(f"size {k} done")
    v0 = np.zeros((n_cols, bootstraps))
    mean_by_size = np.zeros((n_cols, len(sizes)))
    for column in range(n_cols):
        flat = {k: np.concatenate([r for _, r in sorted(table[column][k], key=lambda e: e[0])]) for k in sizes}
        mean_by_size[column] = [flat[k].mean() for k in sizes]
        rng = np.random.RandomState(0)
        for b in range(bootstraps):
            means = []
            for k in sizes:
                values = flat[k]
                means.append(values[rng.randint(0, len(values), size=len(values))].mean())
            v0[column, b] = fit_v0(sizes, means)
    neuroid = np.median(v0, axis=1)
    finite = neuroid[np.isfinite(neuroid)]
    return dict(neuroid_ceilings=neuroid, ceiling=float(np.median(finite)) if len(finite) else float("nan"),
                subjects=subjects, regressions=regressions,
                combinations=sum(math.comb(len(subjects), k) for k in sizes), mean_by_size=mean_by_size, sizes=sizes)


def load(path, subject_coordinate, experiment=None, variable=None):
    ds = xr.open_dataset(path)
    name = variable or next(v for v in ("data", "__xarray_dataarray_variable__") if v in ds.data_vars)
    da = ds[name]
    if experiment:
        da = da.isel({da.dims[0]: np.where(da["experiment"].values == experiment)[0]})
    Y = np.asarray(da.values, dtype=np.float64)
    keep = ~np.isnan(Y).any(axis=0)
    return (Y[:, keep], [str(s) for s in da[subject_coordinate].values[keep]],
            [str(s) for s in da["neuroid_id"].values[keep]], [str(s) for s in da["stimulus_id"].values])


def clean(values):
    return [None if not math.isfinite(float(v)) else float(v) for v in values]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neural", required=True)
    parser.add_argument("--subject-coordinate", default="subject_id")
    parser.add_argument("--experiment")
    parser.add_argument("--bootstraps", type=int, default=BOOTSTRAPS)
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    Y, subjects, ids, stimuli = load(args.neural, args.subject_coordinate, args.experiment)
    start = time.time()
    result = ceiling(Y, subjects, stimuli, args.bootstraps)
    out = dict(reference="tools/reference_ceiling_brainscore.py", neural=args.neural, neuroid_id=ids,
               neuroid_ceilings=clean(result["neuroid_ceilings"]), ceiling=result["ceiling"],
               subjects=result["subjects"], combinations=result["combinations"], regressions=result["regressions"],
               sizes=result["sizes"], mean_by_size=[clean(m) for m in result["mean_by_size"]],
               settings=dict(splits=SPLITS, train_size=TRAIN_SIZE, split_seed=SPLIT_SEED, bootstraps=args.bootstraps,
                             bootstrap_seed="RandomState(0) per neuroid"),
               seconds=round(time.time() - start, 3))
    with open(args.output, "w") as f:
        json.dump(out, f, allow_nan=False)
    print(f"wrote {args.output}: ceiling {result['ceiling']:.8f} over {len(ids)} neuroids, {result['regressions']} regressions")


if __name__ == "__main__":
    main()
