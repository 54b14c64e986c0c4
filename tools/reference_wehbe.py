#!/usr/bin/env python3
"""An independent numpy/scikit-learn implementation of the Wehbe2014 protocol (docs/protocols.md),
for the parity test of `brainalign score --benchmark Wehbe2014-clean` (the reading without
the paper code's quirks; `tools/reference_wehbe_original.py` is `Wehbe2014`'s reference).

Per subject file (BrainAlign's Wehbe layout, docs/formats.md) and layer of the activations:
words -> TR (the TR whose 2 s window holds the word's onset); scored TRs = each run
trimmed [20:-15]; 4 contiguous folds (sklearn KFold) over them, training TRs within 5 of
the test block dropped; PCA(10) (exact, numpy SVD) fitted on the words of training TRs,
applied to all words; TR features = mean of its words' components (0 if none); delays
1..4 within the run, concatenated; features z-scored in train and test separately;
responses z-scored with training statistics; per voxel, lambda in 10^-6..10^9 chosen by
inner KFold(10) on the training TRs minimising the sum over inner folds of 1 - R^2
(sklearn Ridge, no intercept, refitted per fold and lambda); refit with the chosen lambda;
Pearson r on the test TRs (scipy). Subject score = mean over voxels of the mean over folds.

    python3 tools/reference_wehbe.py --subjects S1.nc S2.nc --activations A.nc --output ref.json
"""
import argparse
import json
import math

import numpy as np
import scipy.stats
import xarray as xr
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold

ALPHAS = [10.0 ** e for e in range(-6, 10)]


def zscore(a):
    sd = a.std(axis=0)
    return np.where(sd > 0, (a - a.mean(axis=0)) / np.where(sd > 0, sd, 1), 0)


def subject_scores(path, acts):
    ds = xr.open_dataset(path)
    tr_time, run = ds["tr_time"].values, ds["run"].values
    onsets = ds["word_onset"].values
    word_tr = np.searchsorted(tr_time, onsets, side="right") - 1
    kept = []
    for r in np.unique(run):
        idx = np.where(run == r)[0]
        kept.extend(idx[20:len(idx) - 15])
    kept = np.array(kept)
    voxels = np.where(ds["language_voxel"].values != 0)[0] if "language_voxel" in ds else np.arange(ds.sizes["voxel"])
    Y_all = ds["data"].values[kept][:, voxels].astype(np.float64)
    position = {sid: i for i, sid in enumerate(acts["stimulus_id"].values)}
    rows = [position[sid] for sid in ds["stimulus_id"].values]
    out = []
    for layer in range(acts.sizes["layer"]):
        words = acts["activations"].values[layer][rows].astype(np.float64)
        per_fold = []
        for train, test in KFold(4).split(kept):
            train = train[(train < test[0] - 5) | (train > test[-1] + 5)]
            train_trs = set(kept[train])
            training_words = np.array([w for w in range(len(words)) if word_tr[w] in train_trs])
            mean = words[training_words].mean(axis=0)
            _, _, vt = np.linalg.svd(words[training_words] - mean, full_matrices=False)
            comps = (words - mean) @ vt[:10].T
            per_tr = np.zeros((len(tr_time), comps.shape[1]))
            counts = np.zeros(len(tr_time))
            for w, t in enumerate(word_tr):
                per_tr[t] += comps[w]
                counts[t] += 1
            per_tr[counts > 0] /= counts[counts > 0][:, None]

            def delayed(trs):
                m = np.zeros((len(trs), comps.shape[1] * 4))
                for i, t in enumerate(trs):
                    for d in range(1, 5):
                        if t - d >= 0 and run[t - d] == run[t]:
                            m[i, (d - 1) * comps.shape[1]:d * comps.shape[1]] = per_tr[t - d]
                return m
            Xtr, Xte = zscore(delayed(kept[train])), zscore(delayed(kept[test]))
            Ytr = zscore(Y_all[train])
            Yte = Y_all[test]
            errors = np.zeros((len(ALPHAS), Ytr.shape[1]))
            for itr, iva in KFold(10).split(Xtr):
                sst = ((Ytr[iva] - Ytr[iva].mean(axis=0)) ** 2).sum(axis=0)
                for k, alpha in enumerate(ALPHAS):
                    pred = Ridge(alpha=alpha, fit_intercept=False, solver="svd").fit(Xtr[itr], Ytr[itr]).predict(Xtr[iva])
                    errors[k] += ((pred - Ytr[iva]) ** 2).sum(axis=0) / sst
            best = np.argmin(errors, axis=0)
            r = []
            for v in range(Ytr.shape[1]):
                pred = Ridge(alpha=ALPHAS[best[v]], fit_intercept=False, solver="svd").fit(Xtr, Ytr[:, v]).predict(Xte)
                r.append(float(scipy.stats.pearsonr(pred, Yte[:, v])[0]))
            per_fold.append(r)
        per_voxel = np.mean(np.array(per_fold), axis=0)
        out.append({"r": per_fold, "score": float(np.mean(per_voxel))})
    return {"subject": str(ds.attrs.get("subject")), "layers": out}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", nargs="+", required=True)
    parser.add_argument("--activations", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    acts = xr.open_dataset(args.activations)
    result = {"layers": [str(v) for v in acts["layer"].values], "subjects": [subject_scores(p, acts) for p in args.subjects]}
    with open(args.output, "w") as f:
        json.dump(result, f)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
