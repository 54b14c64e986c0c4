#!/usr/bin/env python3
"""An independent float64 numpy/scipy implementation of the story-listening protocol
(LeBel2023, docs/protocols.md), written from the Huth lab's published algorithm, for the
parity tests of `brainalign score --benchmark LeBel2023` and its story flags.

Per subject file (BrainAlign's story layout, docs/formats.md) and layer of a word-level
activations file (`story`, `word_time` along the words):

1. per story, the words' vectors are resampled at every TR time of the story with the
   Lanczos kernel (window 3, cutoff = 1 / mean TR spacing), as `lanczosinterp2D` does:
   the full (sinc matrix) x (word vectors) product, no shortcuts;
2. each story's TR features are trimmed [HEAD : N - TAIL] (LeBel: [5+5 : -5]) and
   z-scored over the story (population sd; a constant column becomes 0, where numpy's
   zscore would give NaN);
3. FIR delays `make_delayed` style, but per story: delay d puts row t - d of the same
   story in row t, zeros before the story's first kept row (the published script delays
   the stacked stories, so its first rows of a story see the previous story's end);
4. splits by story: held-out test stories, or k folds of consecutive stories;
5. alpha per voxel: either the chunked bootstrap (`bootstrap_ridge` with use_corr: the
   training rows cut into consecutive chunks of CHUNKLEN, each draw holding out NCHUNKS
   chunks = the first NCHUNKS entries of numpy RandomState(seed).permutation(n_chunks),
   the draws one generator in sequence; ridge by SVD dropping singular values <= 1e-10;
   the held-out Pearson r per voxel, NaN counted as 0, averaged over draws; argmax, ties
   to the first alpha) or GroupKFold(k) over the training rows' stories (sklearn's
   algorithm, reimplemented: the largest story first into the fold with fewest rows) with
   the lowest summed squared error;
6. the ridge refitted on all training rows with each voxel's alpha (SVD, no intercept;
   the Huth lab's alpha `a` penalises a^2 ||w||^2; alphas here are given as a), Pearson r
   per voxel on the test rows (NaN when undefined);
7. the subject's score per layer: mean over voxels of the mean over splits; the median
   over voxels is reported too.

    python3 tools/reference_lebel.py --subjects S1.nc S2.nc --activations A.nc \\
        --test-stories wheretheressmoke --inner bootstrap:20:10:8 --output ref.json
    python3 tools/reference_lebel.py --units units.json   # Lanczos/delay/z-score fixtures
"""
import argparse
import json
import math

import numpy as np
import xarray as xr

LEBEL_ALPHAS = np.logspace(1, 3, 10)  # the Huth lab's convention (penalty a^2)
SINGCUTOFF = 1e-10


def lanczosfun(cutoff, t, window=3):
    t = t * cutoff
    with np.errstate(divide="ignore", invalid="ignore"):
        val = window * np.sin(np.pi * t) * np.sin(np.pi * t / window) / (np.pi ** 2 * t ** 2)
    val[t == 0] = 1.0
    val[np.abs(t) > window] = 0.0
    return val


def lanczosinterp2D(data, oldtime, newtime, window=3):
    cutoff = 1 / np.mean(np.diff(newtime))
    sincmat = np.zeros((len(newtime), len(oldtime)))
    for i in range(len(newtime)):
        sincmat[i, :] = lanczosfun(cutoff, newtime[i] - oldtime, window)
    return sincmat @ data


def zscore(a):
    sd = a.std(axis=0)
    return np.where(sd > 0, (a - a.mean(axis=0)) / np.where(sd > 0, sd, 1), 0.0)


def make_delayed(stim, delays):
    n, p = stim.shape
    out = np.zeros((n, p * len(delays)))
    for k, d in enumerate(delays):
        out[d:, k * p:(k + 1) * p] = stim[:n - d]
    return out


def story_features(vectors, word_times, tr_times, head, tail, delays):
    """One story's scored rows: Lanczos -> trim -> z-score -> delays."""
    per_tr = lanczosinterp2D(vectors, word_times, tr_times)
    per_tr = per_tr[head:len(tr_times) - tail]
    return make_delayed(zscore(per_tr), delays)


def svd_predictor(train_x, test_x):
    u, s, vh = np.linalg.svd(train_x, full_matrices=False)
    good = s > SINGCUTOFF
    return u[:, good], s[good], test_x @ vh[good].T


def ridge_predictions(train_x, train_y, test_x, a):
    """Test predictions for penalty a^2 (Huth convention), every voxel."""
    u, s, pvh = svd_predictor(train_x, test_x)
    return pvh @ (np.diag(s / (s ** 2 + a ** 2)) @ (u.T @ train_y))


def pearson(x, y):
    """Per column r; NaN where either side is constant."""
    xc, yc = x - x.mean(0), y - y.mean(0)
    den = np.sqrt((xc ** 2).sum(0) * (yc ** 2).sum(0))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (xc * yc).sum(0) / den
    constant = (np.ptp(x, axis=0) == 0) | (np.ptp(y, axis=0) == 0)
    r[constant] = np.nan
    return r


def bootstrap_splits(n, draws, chunklen, nchunks, seed):
    chunks = n // chunklen
    rng = np.random.RandomState(seed)
    splits = []
    for _ in range(draws):
        order = rng.permutation(chunks)
        held = np.concatenate([np.arange(c * chunklen, (c + 1) * chunklen) for c in order[:nchunks]])
        mask = np.zeros(n, bool)
        mask[held] = True
        splits.append((np.nonzero(~mask)[0], held))
    return splits


def group_kfold(groups, k):
    names, inverse = np.unique(np.asarray(groups), return_inverse=True)
    sizes = np.bincount(inverse)
    order = np.argsort(sizes, kind="stable")[::-1]
    fold_rows = np.zeros(k)
    fold_of = np.zeros(len(names), int)
    for g in order:
        lightest = int(np.argmin(fold_rows))
        fold_rows[lightest] += sizes[g]
        fold_of[g] = lightest
    return [(np.nonzero(fold_of[inverse] != f)[0], np.nonzero(fold_of[inverse] == f)[0]) for f in range(k)]


def choose_alphas(x, y, alphas, inner, groups, seed):
    """Index into alphas per voxel."""
    kind, params = inner
    if kind == "bootstrap":
        splits = bootstrap_splits(len(x), *params, seed)
        score = np.zeros((len(alphas), y.shape[1]))
        for train, held in splits:
            u, s, pvh = svd_predictor(x[train], x[held])
            uy = u.T @ y[train]
            for i, a in enumerate(alphas):
                r = pearson(pvh @ (np.diag(s / (s ** 2 + a ** 2)) @ uy), y[held])
                score[i] += np.nan_to_num(r)
        score /= len(splits)
        return np.argmax(score, axis=0)
    loss = np.zeros((len(alphas), y.shape[1]))
    for train, held in group_kfold(groups, params[0]):
        for i, a in enumerate(alphas):
            loss[i] += ((ridge_predictions(x[train], y[train], x[held], a) - y[held]) ** 2).sum(0)
    return np.argmin(loss, axis=0)


def outer_splits(stories, kept_story, test, train, folds):
    rows = np.arange(len(kept_story))
    if folds:
        bounds = [len(stories) // folds + (1 if f < len(stories) % folds else 0) for f in range(folds)]
        result, start = [], 0
        for size in bounds:
            held = set(stories[start:start + size])
            start += size
            result.append((rows[[s not in held for s in kept_story]], rows[[s in held for s in kept_story]]))
        return result
    training = train or [s for s in stories if s not in test]
    return [(rows[[s in training for s in kept_story]], rows[[s in test for s in kept_story]])]


def subject_result(path, acts, layers, args):
    ds = xr.open_dataset(path)
    story = [str(s) for s in ds["story"].values]
    tr_time = ds["tr_time"].values.astype(float)
    data = ds["data"].values.astype(float)
    stories = list(dict.fromkeys(story))
    word_story = np.array([str(s) for s in acts["story"].values])
    word_time = acts["word_time"].values.astype(float)
    head, tail = args.trim
    kept, kept_story = [], []
    for s in stories:
        rows = [i for i in range(len(story)) if story[i] == s]
        kept += rows[head:len(rows) - tail]
        kept_story += [s] * (len(rows) - head - tail)
    y = data[kept]
    splits = outer_splits(stories, kept_story, args.test_stories, args.train_stories, args.story_folds)
    out = {"subject": str(ds.attrs.get("subject", path)), "layers": []}
    for layer in layers:
        vectors = acts["activations"].values[layer].astype(float)
        x = np.vstack([story_features(vectors[word_story == s], word_time[word_story == s],
                                      tr_time[[i for i in range(len(story)) if story[i] == s]], head, tail, args.delays)
                       for s in stories])
        rs, chosen = [], []
        for train, test in splits:
            best = choose_alphas(x[train], y[train], args.alphas, args.inner, [kept_story[i] for i in train], args.seed)
            pred = np.zeros((len(test), y.shape[1]))
            for i in np.unique(best):
                voxels = best == i
                pred[:, voxels] = ridge_predictions(x[train], y[train][:, voxels], x[test], args.alphas[i])
            rs.append(pearson(pred, y[test]))
            chosen.append((np.asarray(args.alphas)[best] ** 2).tolist())
        per_voxel = np.nanmean(np.array(rs), axis=0)
        out["layers"].append({
            "name": str(acts["layer"].values[layer]), "r": [[None if math.isnan(v) else float(v) for v in r] for r in rs],
            "alpha": chosen, "mean": float(np.nanmean(per_voxel)), "median": float(np.nanmedian(per_voxel))})
    return out


def units():
    """Small fixtures for the pieces on their own: Lanczos resampling, per-story delays and
    z-scoring, and the bootstrap choice on a toy problem."""
    rng = np.random.RandomState(7)
    words = np.sort(rng.uniform(0, 40, 60))
    vectors = rng.randn(60, 3)
    trs = np.arange(22) * 2.0 - 1.0
    x, y = rng.randn(80, 5), rng.randn(80, 4)
    y[:, :2] += x[:, :2] @ rng.randn(2, 2)
    best = choose_alphas(x, y, LEBEL_ALPHAS, ("bootstrap", (6, 5, 3)), None, 1)
    return {
        "lanczos": {"word_times": words.tolist(), "vectors": vectors.T.tolist(), "tr_times": trs.tolist(),
                    "expected": lanczosinterp2D(vectors, words, trs).T.tolist()},
        "story": {"vectors": vectors.T.tolist(), "word_times": words.tolist(), "tr_times": trs.tolist(), "head": 3, "tail": 2,
                  "delays": [1, 2, 4], "expected": story_features(vectors, words, trs, 3, 2, [1, 2, 4]).T.tolist()},
        "bootstrap": {"x": x.T.tolist(), "y": y.T.tolist(), "alphas": (LEBEL_ALPHAS ** 2).tolist(), "draws": 6, "chunk": 5,
                      "chunks": 3, "seed": 1, "chosen": best.tolist()},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", nargs="+")
    parser.add_argument("--activations")
    parser.add_argument("--test-stories", type=lambda s: s.split(","), default=["wheretheressmoke"])
    parser.add_argument("--train-stories", type=lambda s: s.split(","))
    parser.add_argument("--story-folds", type=int)
    parser.add_argument("--delays", type=lambda s: [int(v) for v in s.split(",")], default=[1, 2, 3, 4])
    parser.add_argument("--trim", type=lambda s: tuple(int(v) for v in s.split(":")), default=(10, 5))
    parser.add_argument("--inner", default="bootstrap:50:40:125", help="bootstrap:N:L:C or stories:K")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output")
    parser.add_argument("--units", help="write the unit fixtures to this JSON file instead")
    args = parser.parse_args()
    if args.units:
        with open(args.units, "w") as f:
            json.dump(units(), f)
        return
    kind, *numbers = args.inner.split(":")
    args.inner = (kind, tuple(int(v) for v in numbers))
    args.alphas = LEBEL_ALPHAS
    acts = xr.open_dataset(args.activations)
    layers = list(range(acts["activations"].shape[0]))
    result = {"subjects": [subject_result(p, acts, layers, args) for p in args.subjects]}
    with open(args.output, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
