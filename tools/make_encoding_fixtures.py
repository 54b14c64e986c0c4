#!/usr/bin/env python3
"""Make the reference values the LinearAlgebra and Encoding tests compare against.

Everything here is computed in float64 by numpy, scipy and scikit-learn, independently of
BrainAlign: numpy's legacy RandomState streams, sklearn's splitters (ShuffleSplit, KFold,
GroupKFold), BLAS/LAPACK results through numpy, and brute-force regressions (sklearn
LinearRegression / Ridge refitted fold by fold, scipy.stats.pearsonr). The data are small
and seeded; the JSON files are committed under Tests/*/Fixtures/.

    python3 tools/make_encoding_fixtures.py      # needs numpy scipy scikit-learn
"""
import json
import os

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GroupKFold, KFold, LeaveOneOut, ShuffleSplit
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def dump(obj, *path):
    out = os.path.join(ROOT, *path)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(obj, f, allow_nan=True)
    print("wrote", out)


def fl(a):
    """Row-major flat list of floats, NaN as null."""
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=float).ravel()]


def versions():
    return {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__}


def random_and_splits():
    out = {"versions": versions()}
    rs = np.random.RandomState(5489)
    out["uint32_seed5489"] = [int(v) for v in rs.randint(0, 2**32, size=8, dtype=np.uint64)]
    out["random_sample_seed7"] = np.random.RandomState(7).random_sample(5).tolist()
    perms = {}
    for seed, n, count in [(1, 627, 10), (1, 384, 3), (0, 10, 4), (4294967295, 33, 2), (7, 1, 1), (3, 2, 3)]:
        rs = np.random.RandomState(seed)
        perms[f"{seed}_{n}"] = [rs.permutation(n).tolist() for _ in range(count)]
    out["permutations"] = perms
    shuffle = {}
    for n in [627, 384, 243, 50]:
        ss = ShuffleSplit(n_splits=10, train_size=0.9, random_state=1)
        shuffle[str(n)] = [{"train": tr.tolist(), "test": te.tolist()} for tr, te in ss.split(np.zeros(n))]
    out["shuffle_split"] = shuffle
    out["kfold_23_5"] = [{"train": tr.tolist(), "test": te.tolist()} for tr, te in KFold(5).split(np.zeros(23))]
    rng = np.random.RandomState(3)
    stories = ["Aqua", "Boar", "Elvis", "HighSchool", "KingOfBirds", "MatchstickSeller", "MrSticky", "Tulips"]
    groups = [stories[i] for i in rng.randint(0, 8, 57)]
    out["group_labels"] = groups
    out["group_kfold_57_4"] = [{"train": tr.tolist(), "test": te.tolist()} for tr, te in GroupKFold(4).split(np.zeros(57), groups=groups)]
    dump(out, "Tests", "EncodingTests", "Fixtures", "splits.json")


def linear_algebra():
    rng = np.random.RandomState(11)
    a = rng.randn(7, 5)
    b = rng.randn(5, 4)
    sym = a.T @ a
    w, _ = np.linalg.eigh(sym)
    wide = rng.randn(6, 9)
    wide[:, 8] = wide[:, 0] + wide[:, 1]  # rank-deficient wide system
    rhs = rng.randn(6, 2)
    sol = scipy.linalg.lstsq(wide, rhs)[0]
    out = {
        "a": fl(a), "b": fl(b), "ab": fl(a @ b), "ata": fl(sym), "aat": fl(a @ a.T),
        "eigenvalues_ata": fl(w), "singular_values_a": fl(np.linalg.svd(a, compute_uv=False)),
        "wide": fl(wide), "rhs": fl(rhs), "lstsq_min_norm": fl(sol), "wide_rank": int(np.linalg.matrix_rank(wide)),
    }
    dump(out, "Tests", "LinearAlgebraTests", "Fixtures", "linear_algebra.json")


def regression_case(name, n, p, voxels, seed, splits, alphas, rank_deficient=False, scales=None, feature_scale=1.0, offset=0.0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    if rank_deficient:
        X[:, -3:] = X[:, :3] * 2.0 - X[:, 3:6]  # exact linear dependencies
    W = rng.randn(p, voxels) / np.sqrt(p)
    Y = X @ W * 0.5 + rng.randn(n, voxels) + offset
    # Tiny features (every alpha far above the eigenvalues, so the choice barely matters):
    # centred predictions of order 1e-7 and below beside responses of mean `offset`, which
    # float32 must not round to a constant.
    X = X * feature_scale
    if scales is not None:
        Y = Y * scales  # voxels on very different scales: z-scoring changes a shared alpha
    Y[:, 3] = 2.5  # a constant voxel: r is NaN
    split_list = [{"train": tr.tolist(), "test": te.tolist()} for tr, te in splits.split(X)]

    ols_r, ridge_r, ridge_alpha, shared_r, shared_alpha, zscored_r, zscored_alpha = [], [], [], [], [], [], []
    for s in split_list:
        tr, te = np.array(s["train"]), np.array(s["test"])
        with np.errstate(all="ignore"):
            pred = LinearRegression().fit(X[tr], Y[tr]).predict(X[te])
        ols_r.append([pearson(pred[:, v], Y[te, v]) for v in range(voxels)])

        # Inner 5-fold CV on the training rows, brute force: one sklearn Ridge per fold and alpha.
        errors = np.zeros((len(alphas), voxels))
        for itr, iva in KFold(5).split(tr):
            for k, alpha in enumerate(alphas):
                model = Ridge(alpha=alpha, fit_intercept=True, solver="svd").fit(X[tr][itr], Y[tr][itr])
                errors[k] += ((model.predict(X[tr][iva]) - Y[tr][iva]) ** 2).sum(axis=0)
        best = np.argmin(errors, axis=0)
        # For tiny features the level (the intercept) is left out of the predictions, whose
        # r it cannot change: beside it, float64 would keep too few of their digits.
        fits = [Ridge(alpha=alphas[best[v]], fit_intercept=True, solver="svd").fit(X[tr], Y[tr][:, v]) for v in range(voxels)]
        preds = np.column_stack([X[te] @ f.coef_ if feature_scale != 1.0 else f.predict(X[te]) for f in fits])
        ridge_r.append([pearson(preds[:, v], Y[te, v]) for v in range(voxels)])
        ridge_alpha.append(best.tolist())
        pooled = int(np.argmin(errors.sum(axis=1)))
        preds = Ridge(alpha=alphas[pooled], fit_intercept=True, solver="svd").fit(X[tr], Y[tr]).predict(X[te])
        shared_r.append([pearson(preds[:, v], Y[te, v]) for v in range(voxels)])
        shared_alpha.append(pooled)

        # Shared alpha with targets z-scored by the training rows' statistics (sklearn on Z).
        sd = Y[tr].std(axis=0)
        sd[sd == 0] = 1
        Z = (Y[tr] - Y[tr].mean(axis=0)) / sd
        zerrors = np.zeros(len(alphas))
        for itr, iva in KFold(5).split(tr):
            for k, alpha in enumerate(alphas):
                model = Ridge(alpha=alpha, fit_intercept=True, solver="svd").fit(X[tr][itr], Z[itr])
                zerrors[k] += ((model.predict(X[tr][iva]) - Z[iva]) ** 2).sum()
        zbest = int(np.argmin(zerrors))
        preds = Ridge(alpha=alphas[zbest], fit_intercept=True, solver="svd").fit(X[tr], Z).predict(X[te])
        zscored_r.append([pearson(preds[:, v], Y[te, v]) for v in range(voxels)])
        zscored_alpha.append(zbest)
    # Variants, each refitted by brute force: leave-one-out inner CV; no intercept (ridge and
    # OLS); features z-scored with the training rows' statistics (StandardScaler).
    loo_r, noint_r, ols_noint_r, zx_r = [], [], [], []
    for s in split_list:
        tr, te = np.array(s["train"]), np.array(s["test"])
        loo_r.append(per_voxel_ridge(X[tr], Y[tr], X[te], Y[te], alphas, LeaveOneOut(), True))
        noint_r.append(per_voxel_ridge(X[tr], Y[tr], X[te], Y[te], alphas, KFold(5), False))
        with np.errstate(all="ignore"):
            pred = LinearRegression(fit_intercept=False).fit(X[tr], Y[tr]).predict(X[te])
        ols_noint_r.append([pearson(pred[:, v], Y[te, v]) for v in range(voxels)])
        scaler = StandardScaler().fit(X[tr])
        zx_r.append(per_voxel_ridge(scaler.transform(X[tr]), Y[tr], scaler.transform(X[te]), Y[te], alphas, KFold(5), True))
    return name, {
        "loo_r": [fl(r) for r in loo_r], "no_intercept_r": [fl(r) for r in noint_r],
        "ols_no_intercept_r": [fl(r) for r in ols_noint_r], "standardized_features_r": [fl(r) for r in zx_r],
        "n": n, "p": p, "voxels": voxels, "X": fl(X), "Y": fl(Y), "splits": split_list, "alphas": list(alphas),
        "ols_r": [fl(r) for r in ols_r], "ridge_r": [fl(r) for r in ridge_r], "ridge_alpha_index": ridge_alpha,
        "shared_r": [fl(r) for r in shared_r], "shared_alpha_index": shared_alpha,
        "shared_zscored_r": [fl(r) for r in zscored_r], "shared_zscored_alpha_index": zscored_alpha,
    }


def per_voxel_ridge(Xtr, Ytr, Xte, Yte, alphas, inner, intercept):
    """Brute force: a sklearn Ridge per inner fold and alpha; per-voxel argmin of summed
    squared validation error; refit per voxel; held-out Pearson r."""
    errors = np.zeros((len(alphas), Ytr.shape[1]))
    for itr, iva in inner.split(Xtr):
        for k, alpha in enumerate(alphas):
            model = Ridge(alpha=alpha, fit_intercept=intercept, solver="svd").fit(Xtr[itr], Ytr[itr])
            errors[k] += ((model.predict(Xtr[iva]) - Ytr[iva]) ** 2).sum(axis=0)
    best = np.argmin(errors, axis=0)
    return [pearson(Ridge(alpha=alphas[best[v]], fit_intercept=intercept, solver="svd").fit(Xtr, Ytr[:, v]).predict(Xte), Yte[:, v])
            for v in range(Ytr.shape[1])]


def pearson(a, b):
    if np.all(a == a[0]) or np.all(b == b[0]):
        return np.nan
    return scipy.stats.pearsonr(a, b)[0]


def regressions():
    alphas = list(np.logspace(-3, 5, 9))
    cases = dict([
        regression_case("primal", 70, 12, 8, 21, ShuffleSplit(3, train_size=0.9, random_state=1), alphas),
        regression_case("kernel", 45, 90, 8, 22, ShuffleSplit(3, train_size=0.9, random_state=1), alphas),
        regression_case("rank_deficient", 40, 30, 6, 23, KFold(4), alphas, rank_deficient=True),
        regression_case("heteroscedastic", 60, 40, 8, 24, KFold(3), alphas, scales=np.logspace(-2, 2, 8)),
        regression_case("very_wide", 30, 300, 6, 25, KFold(3), alphas),
        regression_case("tiny_features", 70, 12, 8, 26, KFold(3), alphas, feature_scale=1e-6, offset=1.0),
    ])
    cases["versions"] = versions()
    dump(cases, "Tests", "EncodingTests", "Fixtures", "regression.json")


def pca():
    """numpy SVD PCA (exact) of a matrix with a decaying spectrum: axes (sign-fixed so each
    axis's largest-magnitude entry is positive) and explained variances (ddof 1)."""
    rng = np.random.RandomState(31)
    n, p = 150, 220
    x = rng.randn(n, 30) @ (rng.randn(30, p) * np.linspace(3, 0.2, 30)[:, None]) + 0.05 * rng.randn(n, p)
    mean = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    axes = vt[:10].T.copy()
    for c in range(10):
        if axes[np.argmax(np.abs(axes[:, c])), c] < 0:
            axes[:, c] *= -1
    dump({"x": fl(x), "n": n, "p": p, "axes": fl(axes), "explained_variance": fl(s[:10] ** 2 / (n - 1))},
         "Tests", "EncodingTests", "Fixtures", "pca.json")


def saturating_fits():
    """scipy curve_fit (multi-start, best kept) of v0 (1 - exp(-n / tau)), 0 <= v0 <= 1, on
    noisy points from a few curves, including one whose best v0 sits on the bound."""
    import scipy.optimize

    def curve(n, v0, tau):
        return v0 * (1 - np.exp(-n / tau))
    rng = np.random.RandomState(8)
    cases = []
    for v0, tau, noise in [(0.4, 2.0, 0.01), (0.8, 0.7, 0.03), (0.3, 6.0, 0.02), (1.5, 1.0, 0.05), (0.05, 1.5, 0.02)]:
        n = np.repeat(np.arange(2, 10), 3).astype(float)
        v = curve(n, v0, tau) + noise * rng.randn(len(n))
        best = None
        for p0 in [(a, t) for a in (0.1, 0.5, 0.9) for t in (0.01, 0.3, 1.0, 3.0, 30.0, 1000.0)]:
            try:
                p, _ = scipy.optimize.curve_fit(curve, n, v, p0=p0, bounds=([0, 1e-3], [1, 1e6]), maxfev=20000, xtol=1e-15, ftol=1e-15, gtol=1e-15)
            except RuntimeError:
                continue
            sse = float(((v - curve(n, *p)) ** 2).sum())
            if best is None or sse < best[0]:
                best = (sse, p)
        cases.append({"n": n.tolist(), "v": v.tolist(), "v0": float(best[1][0]), "tau": float(best[1][1]), "sse": best[0]})
    dump({"cases": cases}, "Tests", "EncodingTests", "Fixtures", "saturating_fit.json")


if __name__ == "__main__":
    saturating_fits()
    pca()
    random_and_splits()
    linear_algebra()
    regressions()
