#!/usr/bin/env python3
"""An independent reimplementation of Brain-Score language's metrics, for parity tests.

Written from the protocol facts in docs/protocols.md with xarray, numpy,
scipy and scikit-learn only (no BrainAlign code):

  linear   Brain-Score `linear_pearsonr` on a BrainIO assembly: optionally select one
           experiment's rows, drop neuroids with any NaN, pair rows with the activations by
           stimulus_id, sklearn ShuffleSplit(n_splits=10, train_size=0.9, random_state=1) over
           the assembly's rows in stored order, LinearRegression per split, scipy pearsonr per
           neuroid on the held-out rows, median over neuroids = split score; mean = raw score.
           Per subject: the same median over that subject's neuroids.
  ridge    later Brain-Score `-ridge`: the same rows and neuroids, sklearn RidgeCV(alphas=
           logspace(-3, 3, 7)) (its leave-one-out GCV, one alpha for all neuroids) per split
           of GroupKFold(K) over a presentation coordinate (story).
  futrell  Futrell2018: |pearsonr| of surprisal with the subject-mean reading time (NaN
           skipped) over words with word_within_sentence_id != 1; ceiling from
           RandomState(0): 10 x choice(subject_ids, n//2, replace=False), |r| between the two
           halves' mean reading times over all words, Spearman-Brown 2r/(1+r), median.

    python3 tools/reference_brainscore.py linear --neural N.nc --activations A.nc [--experiment 384sentences] --output ref.json
    python3 tools/reference_brainscore.py futrell --neural F.nc --surprisal S.nc --output ref.json
"""
import argparse
import json

import numpy as np
import scipy.stats
import xarray as xr
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import ShuffleSplit


def linear(args):
    return regression(args, lambda: LinearRegression(), lambda Y: ShuffleSplit(n_splits=10, train_size=0.9, random_state=1).split(Y))


def ridge(args):
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import GroupKFold

    def splits(Y, groups):
        return GroupKFold(args.folds).split(Y, groups=groups)
    return regression(args, lambda: RidgeCV(alphas=np.logspace(-3, 3, 7)), splits, group_coordinate=args.group)


def regression(args, model, make_splits, group_coordinate=None):
    assembly = xr.open_dataset(args.neural)["data"]
    if args.experiment:
        assembly = assembly.isel(presentation=np.where(assembly["experiment"].values == args.experiment)[0])
    assembly = assembly.dropna("neuroid", how="any")
    acts = xr.open_dataset(args.activations)
    position = {sid: i for i, sid in enumerate(acts["stimulus_id"].values)}
    rows = np.array([position[sid] for sid in assembly["stimulus_id"].values])
    Y = assembly.values
    subjects = assembly[args.subject_coordinate].values
    out = {"layers": [], "neuroids": int(Y.shape[1]), "stimuli": int(Y.shape[0])}
    for layer in range(acts.sizes["layer"]):
        X = acts["activations"].values[layer][rows].astype(np.float64)
        split_scores, subject_scores = [], {s: [] for s in sorted(set(subjects))}
        folds = make_splits(Y, assembly[group_coordinate].values) if group_coordinate else make_splits(Y)
        for train, test in folds:
            pred = model().fit(X[train], Y[train]).predict(X[test])
            r = np.array([scipy.stats.pearsonr(pred[:, v], Y[test, v])[0] for v in range(Y.shape[1])])
            split_scores.append(float(np.median(r)))
            for s in subject_scores:
                subject_scores[s].append(float(np.median(r[subjects == s])))
        out["layers"].append({
            "name": str(acts["layer"].values[layer]),
            "split_scores": split_scores,
            "score": float(np.mean(split_scores)),
            "subject_scores": {s: float(np.mean(v)) for s, v in subject_scores.items()},
        })
    return out


def futrell(args):
    assembly = xr.open_dataset(args.neural)["data"]
    surprisal = xr.open_dataset(args.surprisal)
    position = {sid: i for i, sid in enumerate(surprisal["stimulus_id"].values)}
    s = surprisal["surprisal"].values[[position[sid] for sid in assembly["stimulus_id"].values]]
    times = assembly.values
    keep = assembly["word_within_sentence_id"].values != 1
    mean_times = np.nanmean(times, axis=1)
    ok = keep & ~np.isnan(s) & ~np.isnan(mean_times)
    r = scipy.stats.pearsonr(s[ok], mean_times[ok])[0]
    subject_ids = assembly["subject_id"].values
    rng = np.random.RandomState(0)
    splits = []
    for _ in range(10):
        half = rng.choice(subject_ids, size=len(subject_ids) // 2, replace=False)
        in_half = np.isin(subject_ids, half)
        a = np.nanmean(times[:, in_half], axis=1)
        b = np.nanmean(times[:, ~in_half], axis=1)
        both = ~np.isnan(a) & ~np.isnan(b)
        c = abs(scipy.stats.pearsonr(a[both], b[both])[0])
        splits.append(2 * c / (1 + c))
    return {"score": float(abs(r)), "signed_r": float(r), "words": int(keep.sum()),
            "ceiling_splits": [float(v) for v in splits], "ceiling": float(np.median(splits))}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    lin = sub.add_parser("linear")
    lin.add_argument("--neural", required=True)
    lin.add_argument("--activations", required=True)
    lin.add_argument("--experiment")
    lin.add_argument("--subject-coordinate", default="subject")
    lin.add_argument("--output", required=True)
    rid = sub.add_parser("ridge")
    rid.add_argument("--neural", required=True)
    rid.add_argument("--activations", required=True)
    rid.add_argument("--experiment")
    rid.add_argument("--subject-coordinate", default="subject")
    rid.add_argument("--group", default="story")
    rid.add_argument("--folds", type=int, default=10)
    rid.add_argument("--output", required=True)
    fut = sub.add_parser("futrell")
    fut.add_argument("--neural", required=True)
    fut.add_argument("--surprisal", required=True)
    fut.add_argument("--output", required=True)
    args = parser.parse_args()
    out = {"linear": linear, "ridge": ridge, "futrell": futrell}[args.mode](args)
    with open(args.output, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
