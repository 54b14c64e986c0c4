#!/usr/bin/env python3
"""Reference values for `brainalign study` (Tests/StudyTests/Fixtures/study.json), by scipy.

On datasets/aw2023_models.csv (the paper's Tables 3, 5, 7; T5 and LLaMA families): percent
change of every instruction-tuned model over its base, their means, the Wilcoxon signed-rank
test, Pearson and Spearman correlations (scipy.stats) of average alignment with MMLU, BBH,
log10 parameters and next-word loss over the instruction-tuned models and with log10
parameters over all models, and Benjamini-Hochberg adjustments
(scipy.stats.false_discovery_control). Also small cases for each statistic's code paths, and
small study tables with the cases a percent change cannot stand behind (base scores <= 0,
missing cells), each with its CSV text and the expected differences, percent changes, means
with their pair counts, and Wilcoxon tests. And the bootstrap intervals of the mean changes:
numpy's RandomState(seed).randint(0, n, size=(resamples, n)) resamples of the pairs, the mean
of each, np.percentile 2.5 and 97.5.
"""
import csv
import json
import os

import numpy as np
import scipy.stats as st

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def main():
    rows = [r for r in csv.DictReader(open(os.path.join(ROOT, "datasets", "aw2023_models.csv"))) if r["family"] in ("T5", "LLaMA")]
    by_name = {r["model"]: r for r in rows}
    tuned = [r for r in rows if r["instruction_tuned"] == "true"]
    benchmarks = ["pereira2018", "blank2014", "wehbe2014"]
    changes = {b: [(float(r[b]) - float(by_name[r["base_model"]][b])) / float(by_name[r["base_model"]][b]) * 100 for r in tuned]
               for b in benchmarks + ["average"]}
    avg = np.array([float(r["average"]) for r in tuned])
    base_avg = np.array([float(by_name[r["base_model"]]["average"]) for r in tuned])
    w = st.wilcoxon(avg, base_avg)
    associations = []
    for name, column, population in [("MMLU", "mmlu", tuned), ("BBH", "bbh", tuned), ("log10 parameters", "parameters", tuned),
                                     ("next-word loss", "nwp_loss", tuned), ("log10 parameters", "parameters", rows)]:
        x = np.array([float(r[column]) for r in population])
        if column == "parameters":
            x = np.log10(x)
        y = np.array([float(r["average"]) for r in population])
        p = st.pearsonr(x, y)
        s = st.spearmanr(x, y)
        associations.append({"property": name, "n": len(x), "pearson_r": float(p.statistic), "pearson_p": float(p.pvalue),
                             "spearman_r": float(s.statistic), "spearman_p": float(s.pvalue)})
    padj = st.false_discovery_control([a["pearson_p"] for a in associations], method="bh")
    sadj = st.false_discovery_control([a["spearman_p"] for a in associations], method="bh")
    for a, pa, sa in zip(associations, padj, sadj):
        a["pearson_p_bh"], a["spearman_p_bh"] = float(pa), float(sa)

    rng = np.random.RandomState(5)
    exact_a, exact_b = rng.randn(12), rng.randn(12)
    tie_a = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    tie_b = np.array([1.5, 1.0, 2.0, 5.0, 4.0, 7.0, 5.0, 9.0, 8.0, 7.0])
    normal_a, normal_b = rng.randn(60), rng.randn(60) + 0.2
    spear_x = np.array([1, 2, 2, 3, 5, 5, 5, 8, 9, 10.0])
    spear_y = np.array([2, 1, 4, 3, 7, 5, 6, 8, 10, 9.0])
    cases = {
        "wilcoxon_exact": {"a": exact_a.tolist(), "b": exact_b.tolist(), **result(st.wilcoxon(exact_a, exact_b))},
        "wilcoxon_ties_small": {"a": tie_a.tolist(), "b": tie_b.tolist(), **result(st.wilcoxon(tie_a, tie_b))},
        "wilcoxon_normal": {"a": normal_a.tolist(), "b": normal_b.tolist(), **result(st.wilcoxon(normal_a, normal_b))},
        "spearman_ties": {"x": spear_x.tolist(), "y": spear_y.tolist(), "r": float(st.spearmanr(spear_x, spear_y).statistic),
                          "p": float(st.spearmanr(spear_x, spear_y).pvalue)},
        "betainc": [[x, a, b, float(__import__("scipy.special").special.betainc(a, b, x))]
                    for x, a, b in [(0.3, 2.0, 3.0), (0.9, 0.5, 7.5), (0.01, 10.0, 0.5), (0.5, 25.0, 25.0)]],
        "bh": {"p": [0.01, 0.04, 0.03, 0.2, 0.001, 0.5], "adjusted": st.false_discovery_control([0.01, 0.04, 0.03, 0.2, 0.001, 0.5]).tolist()},
    }
    differences = {b: [float(r[b]) - float(by_name[r["base_model"]][b]) for r in tuned] for b in benchmarks + ["average"]}
    out = {"scipy": __import__("scipy").__version__, "pairs": [r["model"] for r in tuned], "changes": changes,
           "mean_changes": {k: float(np.mean(v)) for k, v in changes.items()},
           "differences": differences, "mean_differences": {k: float(np.mean(v)) for k, v in differences.items()},
           "tables": {"non_positive_base": table_case(NON_POSITIVE_BASE), "missing_cells": table_case(MISSING_CELLS)},
           "wilcoxon": {"statistic": float(w.statistic), "p": float(w.pvalue)}, "associations": associations, "cases": cases,
           "bootstrap": {"resamples": 10000, "seed": 0,
                         "percent": {k: bootstrap_interval(v, 10000, 0) for k, v in changes.items()},
                         "difference": {k: bootstrap_interval(v, 10000, 0) for k, v in differences.items()},
                         "cases": [{"values": v, "resamples": b, "seed": seed, "interval": bootstrap_interval(v, b, seed)}
                                   for v, b, seed in [([0.5, -1.25, 3.0], 50, 7), (rng.randn(40).tolist(), 777, 4294967295),
                                                      ([1.0, 1.0], 10, 0)]]}}
    path = os.path.join(ROOT, "Tests", "StudyTests", "Fixtures", "study.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", path)


# (model, base score per benchmark, tuned score per benchmark); None is an empty cell. Every
# pair improves on every benchmark, yet the first base's average is negative: the percent
# change of that average was once reported as a large negative number.
BENCHMARKS = ["pereira2018", "blank2014", "wehbe2014"]
NON_POSITIVE_BASE = [
    ("a", [-0.05, 0.02, 0.01], [0.02, 0.03, 0.02]),
    ("b", [0.0, 0.10, 0.05], [0.03, 0.12, 0.06]),
    ("c", [0.20, 0.15, 0.07], [0.23, 0.16, 0.08]),
    ("d", [0.25, 0.18, 0.08], [0.26, 0.21, 0.09]),
    ("e", [0.30, 0.20, 0.09], [0.34, 0.22, 0.11]),
    ("f", [0.22, 0.19, 0.06], [0.27, 0.20, 0.065]),
    ("g", [0.28, 0.17, 0.10], [0.29, 0.175, 0.13]),
]
# With --allow-missing: one tuned and one base cell empty, so those pairs lose a benchmark
# and their average; the average test is then left with too few pairs.
MISSING_CELLS = [
    ("a", [0.20, 0.15, 0.07], [0.23, None, 0.08]),
    ("b", [None, 0.18, 0.08], [0.26, 0.21, 0.09]),
    ("c", [0.30, 0.20, 0.09], [0.34, 0.22, 0.11]),
    ("d", [0.22, 0.19, 0.06], [0.27, 0.20, 0.065]),
    ("e", [0.28, 0.17, 0.10], [0.29, 0.175, 0.13]),
    ("f", [0.25, 0.16, 0.05], [0.24, 0.18, 0.07]),
    ("g", [0.21, 0.14, 0.04], [0.25, 0.13, 0.05]),
]


def table_case(pairs):
    """The CSV of base models `<name>-base` and tuned models `<name>-it`, and what the study
    must report: per pair tuned - base and (only over a positive base) the percent change,
    per benchmark and of the averages (the mean of the three scores, NaN if one is missing),
    means over the pairs that have a value with their counts, and scipy's Wilcoxon over the
    pairs with both scores (None when fewer than 6 differ: the study refuses those)."""
    lines = ["model,family,base_model,instruction_tuned," + ",".join(BENCHMARKS)]
    cell = lambda v: "" if v is None else repr(v)
    for name, base, tuned in pairs:
        lines.append(f"{name}-base,X,{name}-base,false," + ",".join(map(cell, base)))
        lines.append(f"{name}-it,X,{name}-base,true," + ",".join(map(cell, tuned)))
    nan = float("nan")
    columns = {}
    for k, b in enumerate(BENCHMARKS + ["average"]):
        if b == "average":
            mean = lambda s: nan if None in s else float(np.mean(s))
            base = np.array([mean(p[1]) for p in pairs]); tuned = np.array([mean(p[2]) for p in pairs])
        else:
            base = np.array([nan if p[1][k] is None else p[1][k] for p in pairs])
            tuned = np.array([nan if p[2][k] is None else p[2][k] for p in pairs])
        both = ~np.isnan(base) & ~np.isnan(tuned)
        difference = np.where(both, tuned - base, nan)
        positive = both & (np.nan_to_num(base, nan=-1) > 0)
        percent = np.full(len(pairs), nan)
        percent[positive] = (tuned[positive] - base[positive]) / base[positive] * 100
        differ = both & (tuned != base)
        test = result(st.wilcoxon(tuned[both], base[both])) if differ.sum() >= 6 else None
        columns[b] = {"difference": [None if np.isnan(v) else float(v) for v in difference],
                      "percent": [None if np.isnan(v) else float(v) for v in percent],
                      "mean_difference": float(np.mean(difference[both])) if both.any() else None, "difference_pairs": int(both.sum()),
                      "mean_percent": float(np.mean(percent[positive])) if positive.any() else None, "percent_pairs": int(positive.sum()),
                      "wilcoxon": test, "wilcoxon_non_zero": int(differ.sum())}
    return {"csv": "\n".join(lines) + "\n", "pairs": [f"{p[0]}-it" for p in pairs], "columns": columns}


def bootstrap_interval(values, resamples, seed):
    """95% percentile interval of the mean over resamples of `values` with replacement."""
    values = np.asarray(values, dtype=float)
    rng = np.random.RandomState(seed)
    index = rng.randint(0, len(values), size=(resamples, len(values)))
    means = values[index].mean(axis=1)
    return [float(v) for v in np.percentile(means, [2.5, 97.5])]


def result(r):
    return {"statistic": float(r.statistic), "p": float(r.pvalue)}


if __name__ == "__main__":
    main()
