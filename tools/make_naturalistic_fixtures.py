#!/usr/bin/env python3
"""Reference values for naturalistic-scale regression (rows outnumbering features), in
float64, independently of BrainAlign:

- ridge predictions per alpha from scikit-learn's Ridge (solver="svd"), for the factored
  and stacked operator forms to match, primal (n > p) and kernel (p > n), with and
  without an intercept;
- per-voxel alpha by inner KFold(5) on an n >> p problem, brute force (one sklearn Ridge
  per inner fold and alpha, summed squared error), held-out Pearson r per voxel;
- the Huth lab's chunked-bootstrap alpha selection: a float64 port of `bootstrap_ridge`
  and `ridge_corr` (ridge_utils/ridge.py of the LeBel et al. 2023 code: SVD of the
  training stimulus, singular values <= singcutoff dropped, penalty a² on the weights,
  held-out r via z-scores with NaN -> 0, mean over bootstraps, argmax per voxel, final
  weights from `ridge`), with its `random.shuffle` replaced by numpy's seeded
  `RandomState(seed).shuffle` of the chunk list (one generator for all draws); and the
  same selection with an intercept, brute force over sklearn Ridge fits.

    python3 tools/make_naturalistic_fixtures.py      # needs numpy scipy scikit-learn
"""
import itertools
import os
import sys

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_encoding_fixtures import dump, fl, pearson, per_voxel_ridge, versions  # noqa: E402


def predictions_per_alpha():
    """sklearn Ridge predictions of test rows for each alpha."""
    out = {}
    for name, n, m, p, seed in [("primal", 90, 7, 10, 41), ("kernel", 30, 6, 70, 42)]:
        rng = np.random.RandomState(seed)
        X = rng.randn(n + m, p) + 3.0  # feature means away from 0: the intercept matters
        Y = X @ rng.randn(p, 5) * 0.3 + rng.randn(n + m, 5) + 10.0
        alphas = [1e-3, 0.5, 30.0, 1e4]
        case = {"n": n, "m": m, "p": p, "voxels": 5, "alphas": alphas,
                "x_train": fl(X[:n]), "x_test": fl(X[n:]), "y_train": fl(Y[:n])}
        for intercept in (True, False):
            preds = [Ridge(alpha=a, fit_intercept=intercept, solver="svd").fit(X[:n], Y[:n]).predict(X[n:]) for a in alphas]
            case["intercept" if intercept else "no_intercept"] = [fl(pr) for pr in preds]
        out[name] = case
    return out


def tall_problem(seed=43, n=300, p=8, voxels=6):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + 1.0
    # Voxels from pure noise to strong signal, so different alphas win.
    strengths = np.array([0.02, 0.1, 0.0, 0.2, 0.5, 1.5])
    Y = X @ rng.randn(p, voxels) * strengths + rng.randn(n, voxels) + 2.0
    Y[:, 2] = -1.25  # a constant voxel: r is NaN, every alpha ties
    return X, Y


def kfold_selection(X, Y, alphas):
    """Per-voxel alpha by inner KFold(5) (squared error), outer KFold(3), brute force."""
    r, chosen = [], []
    for tr, te in KFold(3).split(X):
        errors = np.zeros((len(alphas), Y.shape[1]))
        for itr, iva in KFold(5).split(tr):
            for k, alpha in enumerate(alphas):
                fit = Ridge(alpha=alpha, fit_intercept=True, solver="svd").fit(X[tr][itr], Y[tr][itr])
                errors[k] += ((fit.predict(X[tr][iva]) - Y[tr][iva]) ** 2).sum(axis=0)
        chosen.append(np.argmin(errors, axis=0).tolist())
        r.append(fl(per_voxel_ridge(X[tr], Y[tr], X[te], Y[te], alphas, KFold(5), True)))
    return r, chosen


# --- The Huth lab's bootstrap_ridge, ported to float64 (Python 3, numpy) ---------------

def zscore_columns(v):
    sd = v.std(0)
    sd[sd == 0] = 1
    return (v - v.mean(0)) / sd


def zs(v):
    return (v - v.mean(0)) / v.std(0)


def huth_ridge_corr(Rstim, Pstim, Rresp, Presp, alphas, singcutoff=1e-10):
    U, S, Vh = np.linalg.svd(Rstim, full_matrices=False)
    good = np.sum(S > singcutoff)
    U, S, Vh = U[:, :good], S[:good], Vh[:good]
    UR = U.T @ Rresp
    PVh = Pstim @ Vh.T
    with np.errstate(all="ignore"):
        zPresp = zs(Presp)  # a constant voxel gives NaN, and r 0 below
    Rcorrs = []
    for a in alphas:
        D = S / (S ** 2 + a ** 2)
        pred = (PVh * D) @ UR
        with np.errstate(all="ignore"):
            Rcorr = (zPresp * zs(pred)).mean(0)
        Rcorr[np.isnan(Rcorr)] = 0
        Rcorrs.append(Rcorr)
    return Rcorrs


def huth_ridge(stim, resp, alpha):
    U, S, Vh = np.linalg.svd(stim, full_matrices=False)
    UR = U.T @ np.nan_to_num(resp)
    wt = np.zeros((stim.shape[1], resp.shape[1]))
    for ua in np.unique(alpha):
        selvox = np.nonzero(alpha == ua)[0]
        wt[:, selvox] = Vh.T @ np.diag(S / (S ** 2 + ua ** 2)) @ UR[:, selvox]
    return wt


def chunk_draws(nresp, nboots, chunklen, nchunks, seed):
    """The held-out rows of each draw: bootstrap_ridge's chunking, numpy's seeded shuffle."""
    rs = np.random.RandomState(seed)
    draws = []
    for _ in range(nboots):
        allinds = range(nresp)
        indchunks = list(zip(*[iter(allinds)] * chunklen))
        rs.shuffle(indchunks)
        heldinds = list(itertools.chain(*indchunks[:nchunks]))
        notheldinds = sorted(set(allinds) - set(heldinds))
        draws.append((notheldinds, heldinds))
    return draws


def huth_bootstrap_ridge(Rstim, Rresp, Pstim, Presp, alphas, draws, single_alpha=False):
    Rcmats = []
    for notheld, held in draws:
        Rcmats.append(huth_ridge_corr(Rstim[notheld], Rstim[held], Rresp[notheld], Rresp[held], alphas))
    allRcorrs = np.dstack(Rcmats)
    if single_alpha:
        best = int(np.argmax(allRcorrs.mean(2).mean(1)))
        bestalphainds = np.full(Rresp.shape[1], best)
    else:
        bestalphainds = np.argmax(allRcorrs.mean(2), 0)
    valphas = alphas[bestalphainds]
    wt = huth_ridge(Rstim, Rresp, valphas)
    pred = Pstim @ wt
    corrs = [pearson(pred[:, v], Presp[:, v]) for v in range(Presp.shape[1])]
    return bestalphainds.tolist(), corrs


def bootstrap_selection_with_intercept(Xtr, Ytr, Xte, Yte, alphas, draws):
    """The same selection (mean held-out r over draws, 0 when undefined, argmax) with an
    intercept, brute force: one sklearn Ridge per draw and alpha."""
    scores = np.zeros((len(alphas), Ytr.shape[1]))
    for notheld, held in draws:
        for k, alpha in enumerate(alphas):
            pred = Ridge(alpha=alpha, fit_intercept=True, solver="svd").fit(Xtr[notheld], Ytr[notheld]).predict(Xtr[held])
            for v in range(Ytr.shape[1]):
                r = pearson(pred[:, v], Ytr[held, v])
                scores[k, v] += 0 if np.isnan(r) else r
    best = np.argmax(scores / len(draws), axis=0)
    r = [pearson(Ridge(alpha=alphas[best[v]], fit_intercept=True, solver="svd").fit(Xtr, Ytr[:, v]).predict(Xte), Yte[:, v])
         for v in range(Ytr.shape[1])]
    return best.tolist(), r


def main():
    out = {"versions": versions(), "predictions": predictions_per_alpha()}
    X, Y = tall_problem()
    alphas = list(np.logspace(-2, 4, 7))
    kfold_r, kfold_alpha = kfold_selection(X, Y, alphas)
    huth_alphas = np.logspace(-1, 2.5, 8)  # the Huth lab's units: the penalty is a²
    # bootstrap_ridge expects z-scored stimuli and responses (population sd; a constant
    # column is divided by 1, as the engine's z-score does, rather than giving NaN).
    Xz, Yz = zscore_columns(X), zscore_columns(Y)
    boot = {"draws": 6, "chunk_length": 10, "held_out_chunks": 4, "seed": 7}
    outer = [{"train": tr.tolist(), "test": te.tolist()} for tr, te in KFold(3).split(X)]
    huth, intercept, held_out = [], [], []
    for s in outer:
        tr, te = np.array(s["train"]), np.array(s["test"])
        draws = chunk_draws(len(tr), boot["draws"], boot["chunk_length"], boot["held_out_chunks"], boot["seed"])
        held_out.append([held for _, held in draws])
        chosen, r = huth_bootstrap_ridge(Xz[tr], Yz[tr], Xz[te], Yz[te], huth_alphas, draws)
        shared, shared_r = huth_bootstrap_ridge(Xz[tr], Yz[tr], Xz[te], Yz[te], huth_alphas, draws, single_alpha=True)
        huth.append({"alpha_index": chosen, "r": fl(r), "shared_alpha_index": shared[0], "shared_r": fl(shared_r)})
        chosen, r = bootstrap_selection_with_intercept(X[tr], Y[tr], X[te], Y[te], alphas, draws)
        intercept.append({"alpha_index": chosen, "r": fl(r)})
    out["tall"] = {
        "n": X.shape[0], "p": X.shape[1], "voxels": Y.shape[1], "X": fl(X), "Y": fl(Y), "alphas": alphas,
        "outer": outer, "kfold_r": kfold_r, "kfold_alpha_index": kfold_alpha,
        "bootstrap": boot, "bootstrap_held_out": held_out, "huth_alphas": huth_alphas.tolist(),
        "huth": huth, "bootstrap_intercept": intercept,
    }
    # The draws alone on a row count that leaves a remainder (203 = 20 chunks of 10 + 3).
    out["draws_203"] = [held for _, held in chunk_draws(203, 5, 10, 6, 11)]
    dump(out, "Tests", "EncodingTests", "Fixtures", "naturalistic.json")


if __name__ == "__main__":
    main()
