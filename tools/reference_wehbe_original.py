#!/usr/bin/env python3
"""A second, independent float64 reference for Wehbe2014 that follows, step by step, what
the code behind the paper's Wehbe numbers computes (the encoding pipeline of Toneva &
Wehbe's brain_language_nlp, which the summarization study's code reuses unchanged), including
its quirks. Every quirk is marked QUIRK below with the reasoning that leads to it. Written
from a reading of that code; no line of it is copied.

It is the reference of `--benchmark Wehbe2014`; `tools/reference_wehbe.py` is that of
`Wehbe2014-clean`, the reading without the quirks. docs/protocols.md, "Wehbe2014: what the
paper's code does", lists the differences; tools/check_wehbe_against_original.py runs the
original code itself, unchanged, on the same inputs and compares.

Inputs are BrainAlign's layouts (docs/formats.md): Wehbe subject files (`data (tr, voxel)`
on the full TR timeline, `tr_time`, `run` numbered 1..R in time order, `stimulus_id`
`word.<i>` in chapter order, `word_onset`, optional `language_voxel`) and a per-word
activations file. numpy only (no scikit-learn, no scipy.stats): each step is spelled out.

Output JSON (NaN written as null):

  layers            the activations' layer names
  settings          the constants used
  subjects[]        subject, voxels, language_voxels (indices or null),
                    word_tr (per used word: its TR on the file's TR axis),
                    folds[]: test_trs / train_trs (file TR axis, after the boundary rule),
                             pca_words (the words the PCA is fitted on, as [start, stop)
                             ranges of word positions in the file),
                    layers[]: r (fold x voxel, mean(z(pred) z(y)) per fold),
                              lambda (fold x voxel, the chosen ridge penalty),
                              r_pooled (voxel: one correlation over the stacked test TRs),
                              score (= score_fold_mean), score_fold_mean, score_pooled,
                              and *_language versions when the file marks language voxels
  scores            per layer, the mean over subjects of each subject summary

    python3 tools/reference_wehbe_original.py --subjects S1.nc S2.nc --activations A.nc --output ref.json
"""
import argparse
import json
import math

import numpy as np
import xarray as xr

SKIP_WORDS, END_WORDS = 20, 5176      # the code's word slice [20:5176]
TRIM_HEAD, TRIM_TAIL = 20, 15         # each run's kept TRs: [20:-15]
N_FOLDS, SKIP = 4, 5                  # outer folds, boundary TRs
DELAYS = (1, 2, 3, 4)
N_COMPONENTS = 10
INNER_FOLDS = 10
LAMBDAS = np.array([10.0 ** e for e in range(-6, 10)])


class ReferenceError(Exception):
    pass


# MARK: the numeric building blocks, spelled out

def zscore_columns(a):
    """Column z-score with the population SD, as the code's z-scoring does, and with its
    NaN behaviour: a NaN anywhere in a column makes the column's mean NaN, so the whole
    column becomes NaN (the code does not skip NaN); a constant column gives 0/0 = NaN.
    Callers apply nan_to_num where the code does."""
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = a.mean(axis=0)
        sd = np.sqrt(((a - mean) ** 2).mean(axis=0))
        return (a - mean) / sd


def nan_to_zero(a):
    return np.nan_to_num(a, nan=0.0, posinf=np.finfo(np.float64).max, neginf=-np.finfo(np.float64).max)


def correlation(pred, y):
    """The code's per-column score: mean over rows of z(pred) * z(y) (NaN where either is
    constant)."""
    return (zscore_columns(pred) * zscore_columns(y)).mean(axis=0)


def contiguous_folds(n, k):
    """Contiguous k-fold over n rows with the remainder spread over the first folds, one each
    (the inner cross-validation, an unshuffled KFold)."""
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    stops = np.cumsum(sizes)
    return [(np.r_[0:start, stop:n], np.arange(start, stop)) for start, stop in zip(stops - sizes, stops)]


def outer_fold_labels(n, k):
    """QUIRK (folds): floor(n / k) rows per fold, every remaining row to the last fold, so
    1,211 TRs split 302 / 302 / 302 / 305 (an sklearn KFold would give 303 / 303 / 303 / 302)."""
    size = n // k
    labels = np.full(n, k - 1)
    for fold in range(k - 1):
        labels[fold * size:(fold + 1) * size] = fold
    return labels


def ridge_weights(X, Y, lam):
    """The code's 'plain' ridge: inv(X'X + lambda I) X'Y, no intercept."""
    return np.linalg.inv(X.T @ X + lam * np.eye(X.shape[1])) @ (X.T @ Y)


def r2(pred, y):
    """1 - mean squared error / variance of the validation fold, per column; NaN -> 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(1 - ((y - pred) ** 2).mean(axis=0) / y.var(axis=0))


def cross_validated_ridge(X, Y):
    """Per column, the lambda with the smallest sum over 10 contiguous inner folds of
    1 - R^2 (first lambda on ties), then the ridge refitted on all rows with it."""
    cost = np.zeros((len(LAMBDAS), Y.shape[1]))
    for train, val in contiguous_folds(X.shape[0], INNER_FOLDS):
        for k, lam in enumerate(LAMBDAS):
            cost[k] += 1 - r2(X[val] @ ridge_weights(X[train], Y[train], lam), Y[val])
    best = np.argmin(cost, axis=0)
    W = np.zeros((X.shape[1], Y.shape[1]))
    for k, lam in enumerate(LAMBDAS):
        columns = best == k
        if columns.any():
            W[:, columns] = ridge_weights(X, Y[:, columns], lam)
    return W, LAMBDAS[best]


def pca_fit_transform(train_rows, all_rows):
    """PCA(10) by exact SVD of the centred training rows (the code asks for the full SVD
    solver, so there is nothing randomized), applied to every row. Component signs do not
    matter downstream (z-scoring and ridge are invariant to flipping a feature's sign).
    The code runs it in the activations' dtype (float32 in its files); here float64."""
    mean = train_rows.mean(axis=0)
    _, _, vt = np.linalg.svd(train_rows - mean, full_matrices=False)
    return (all_rows - mean) @ vt[:N_COMPONENTS].T


# MARK: the pipeline

class Subject:
    def __init__(self, path):
        ds = xr.open_dataset(path)
        self.path = path
        self.name = str(ds.attrs.get("subject", path))
        self.tr_time = ds["tr_time"].values.astype(np.float64)
        self.runs = ds["run"].values.astype(np.int64)
        run_ids = list(dict.fromkeys(self.runs.tolist()))
        if run_ids != list(range(1, len(run_ids) + 1)) or np.any(np.diff(self.runs) < 0):
            raise ReferenceError(f"{path}: runs must be numbered 1..R in time order (the code computes positions from the run number); found {run_ids}")
        self.n_runs = len(run_ids)
        ids = [str(v) for v in ds["stimulus_id"].values]
        onsets = ds["word_onset"].values.astype(np.float64)
        # QUIRK (first words): the code uses words [20:5176] only. Harmless on the real data
        # (the first 20 words fall in trimmed TRs) but it changes which words the PCA sees.
        self.word_positions = np.arange(len(ids))[SKIP_WORDS:END_WORDS]
        self.word_ids = [ids[i] for i in self.word_positions]
        self.onsets = onsets[self.word_positions]
        # QUIRK (word -> TR): a word belongs to the LAST TR WHOSE ONSET IS STRICTLY BEFORE
        # THE WORD, i.e. TR i holds the words in (t_i, t_i + 2], not [t_i, t_i + 2): a word
        # shown exactly at a TR onset goes to the previous TR. On the real data (onsets on a
        # 0.5 s grid, TRs on a 2 s grid) that moves every fourth word one TR earlier.
        self.word_tr = np.zeros(len(self.onsets), dtype=np.int64)
        for w, onset in enumerate(self.onsets):
            earlier = np.where(onset > self.tr_time)[0]
            if len(earlier) == 0:
                raise ReferenceError(f"{path}: word {self.word_ids[w]} at {onset} s has no TR starting before it (the code would fail here)")
            self.word_tr[w] = earlier[-1]
        # The kept TRs: each run trimmed [20:-15] (the code's response files hold exactly these).
        self.kept = np.concatenate([np.where(self.runs == r)[0][TRIM_HEAD:-TRIM_TAIL] for r in range(1, self.n_runs + 1)])
        self.Y = ds["data"].values[self.kept].astype(np.float64)
        self.language = np.where(ds["language_voxel"].values != 0)[0] if "language_voxel" in ds else None

    def pca_training_words(self, tr_train):
        """QUIRK (PCA rows): which words the PCA is fitted on. The code converts a word's TR
        (on the full timeline) to a position among the kept TRs by subtracting
        20 r + 15 (r - 1) for its run r, then subtracts ONE MORE, so it looks up the kept TR
        before the word's own. It does so with the fold's training indicator as it was BEFORE
        the boundary TRs were removed, and a negative position wraps around to the end of the
        indicator (Python indexing): words in the trimmed head of run 1 take the training
        status of the last kept TRs. Words in the trimmed head of a later run, or the trimmed
        tail of a run, take that of the neighbouring run's kept TRs; words whose TR is past
        the total TR count minus 15 are never training words."""
        chosen = np.zeros(len(self.word_tr), dtype=bool)
        for w, tr in enumerate(self.word_tr):
            if tr <= len(self.runs) - TRIM_TAIL:
                r = self.runs[tr]
                position = tr - (r * TRIM_HEAD + (r - 1) * TRIM_TAIL) - 1
                if position >= len(tr_train) or position < -len(tr_train):
                    raise ReferenceError(f"{self.path}: word {self.word_ids[w]}'s kept-TR position {position} is outside 0..{len(tr_train) - 1} (the code would fail here)")
                chosen[w] = tr_train[position]
        return chosen

    def tr_features(self, word_vectors):
        """Per kept TR, the delayed features, as the code builds them (1,211 x 40 on the real data)."""
        n_tr, p = len(self.tr_time), word_vectors.shape[1]
        per_tr = np.zeros((n_tr, p))
        for t in range(n_tr):
            members = self.word_tr == t
            # QUIRK (TRs without words): the mean over no words is NaN, not 0.
            per_tr[t] = word_vectors[members].mean(axis=0) if members.any() else np.nan
        # Delays 1..4 over the whole timeline (zero rows shifted in at the very start); the
        # runs are concatenated, but every kept TR's four predecessors lie in its own run
        # because 20 TRs are trimmed at each run's head.
        delayed = np.hstack([np.vstack([np.zeros((d, p)), per_tr[:-d]]) for d in DELAYS])
        # QUIRK (per-run z-scoring): each run's kept block is z-scored on its own, before any
        # train/test split, THEN NaN -> 0. Because the z-scoring does not skip NaN, a single
        # word-less TR among a kept TR's four predecessors turns that delay's whole column
        # block into 0 for the whole run (not just that row).
        blocks = [zscore_columns(delayed[np.where(self.runs == r)[0][TRIM_HEAD:-TRIM_TAIL]]) for r in range(1, self.n_runs + 1)]
        return nan_to_zero(np.vstack(blocks))


def score_subject(subject, layers):
    n = len(subject.kept)
    labels = outer_fold_labels(n, N_FOLDS)
    folds, per_layer = [], [dict(r=[], lam=[], preds=[]) for _ in layers]
    tests = []
    for fold in range(N_FOLDS):
        tr_train = labels != fold
        tr_test = labels == fold
        pca_words = subject.pca_training_words(tr_train)
        if not pca_words.any():
            raise ReferenceError(f"{subject.path}: fold {fold}: no word is marked for fitting the PCA")
        train_rows, test_rows = np.where(tr_train)[0], np.where(tr_test)[0]
        # QUIRK (boundary, skip = 5): the first fold drops the 5 training TRs right after
        # it, the last fold the 5 training TRs right before it; a middle fold instead drops
        # 5 TEST TRs at each end of its block and keeps every training TR, including those
        # next to the test block. 1,191 of 1,211 TRs are scored.
        if fold == 0:
            train_rows = train_rows[SKIP:]
        elif fold == N_FOLDS - 1:
            train_rows = train_rows[:-SKIP]
        else:
            test_rows = test_rows[SKIP:-SKIP]
        # Responses: each side z-scored on its own rows (NaN -> 0 before and after).
        Ytr = nan_to_zero(zscore_columns(nan_to_zero(subject.Y[train_rows])))
        Yte = nan_to_zero(zscore_columns(nan_to_zero(subject.Y[test_rows])))
        tests.append(Yte)
        folds.append(dict(test_trs=subject.kept[test_rows].tolist(), train_trs=subject.kept[train_rows].tolist(),
                          pca_words=ranges(subject.word_positions[pca_words])))
        for l, words in enumerate(layers):
            comps = pca_fit_transform(words[pca_words], words)
            X = subject.tr_features(comps)
            # Features: z-scored again, train and test each on their own rows.
            Xtr = nan_to_zero(zscore_columns(X[train_rows]))
            Xte = nan_to_zero(zscore_columns(X[test_rows]))
            W, lam = cross_validated_ridge(Xtr, Ytr)
            pred = Xte @ W
            per_layer[l]["r"].append(correlation(pred, Yte))
            per_layer[l]["lam"].append(lam)
            per_layer[l]["preds"].append(pred)
    stacked_test = np.vstack(tests)
    out_layers = []
    for entry in per_layer:
        r = np.array(entry["r"])
        pooled = correlation(np.vstack(entry["preds"]), stacked_test)
        layer = dict(r=clean(r), **{"lambda": clean(np.array(entry["lam"]))}, r_pooled=clean(pooled))
        layer.update(summaries(r, pooled, None, ""))
        if subject.language is not None:
            layer.update(summaries(r, pooled, subject.language, "_language"))
        layer["score"] = layer["score_fold_mean"]
        out_layers.append(layer)
    return dict(subject=subject.name, voxels=int(subject.Y.shape[1]),
                language_voxels=None if subject.language is None else subject.language.tolist(),
                word_tr=subject.word_tr.tolist(), folds=folds, layers=out_layers)


def summaries(r, pooled, voxels, suffix):
    """Fold-mean: the mean over folds of each voxel's r, then over voxels (NaN kept: a NaN
    voxel makes the score NaN, as a plain mean does). Pooled: one correlation per voxel over
    all scored TRs stacked, then the mean over voxels."""
    if voxels is not None:
        r, pooled = r[:, voxels], pooled[voxels]
    return {f"score_fold_mean{suffix}": clean_scalar(r.mean(axis=0).mean()), f"score_pooled{suffix}": clean_scalar(pooled.mean())}


def ranges(positions):
    out = []
    for p in positions.tolist():
        if out and out[-1][1] == p:
            out[-1][1] = p + 1
        else:
            out.append([p, p + 1])
    return out


def clean_scalar(x):
    return None if not math.isfinite(float(x)) else float(x)


def clean(a):
    return [clean(v) for v in a] if np.ndim(a) > 0 else clean_scalar(a)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", nargs="+", required=True)
    parser.add_argument("--activations", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    acts = xr.open_dataset(args.activations)
    names = [str(v) for v in acts["layer"].values]
    position = {str(sid): i for i, sid in enumerate(acts["stimulus_id"].values)}
    values = acts["activations"].values
    subjects = []
    for path in args.subjects:
        subject = Subject(path)
        missing = [w for w in subject.word_ids if w not in position]
        if missing:
            raise SystemExit(f"error: {args.activations} lacks {len(missing)} of {path}'s words (first: {missing[0]})")
        rows = [position[w] for w in subject.word_ids]
        layers = [values[l][rows].astype(np.float64) for l in range(len(names))]
        subjects.append(score_subject(subject, layers))
    keys = [k for k in subjects[0]["layers"][0] if k.startswith("score")]
    scores = {k: [clean_scalar(np.mean([s["layers"][l][k] for s in subjects]))
                  if all(s["layers"][l].get(k) is not None for s in subjects) else None for l in range(len(names))]
              for k in keys}
    result = dict(reference="tools/reference_wehbe_original.py", layers=names,
                  settings=dict(skip_words=SKIP_WORDS, end_words=END_WORDS, trim=[TRIM_HEAD, TRIM_TAIL], folds=N_FOLDS,
                                skip=SKIP, delays=list(DELAYS), pca_components=N_COMPONENTS, inner_folds=INNER_FOLDS,
                                lambdas=LAMBDAS.tolist(), word_tr_rule="last TR with onset < word onset"),
                  subjects=subjects, scores=scores)
    with open(args.output, "w") as f:
        json.dump(result, f, allow_nan=False)
    print("wrote", args.output)
    for k in ("score_fold_mean", "score_pooled"):
        print(f"  {k}: " + ", ".join(f"{n} {v:.6f}" if v is not None else f"{n} NaN" for n, v in zip(names, scores[k])))


if __name__ == "__main__":
    main()
