#!/usr/bin/env python3
"""numpy/scipy's own output for the two pieces of Brain-Score 2.3.0's ceiling bootstrap that
BrainAlign re-implements: the legacy RandomState's `randint(0, m, size=m)` stream (what
numpy's `choice` with replacement draws) and scipy's `curve_fit` of v0 (1 - exp(-k / tau))
with bounds ([0, -inf], [1, inf]) (method 'trf'), exactly as Brain-Score calls it.

Cases: noisy saturating curves for 2..9 subjects (including points Brain-Score's bootstrap
produces), non-saturating and decreasing means, negative means, all-zero means (a constant
voxel: the fit is degenerate and v0 is wherever scipy stops) and a single size. A failed fit
(curve_fit raises) is recorded as null.

Run it in Brain-Score's environment (numpy 1.26, as brainscore-language 2.3.0 pins it): the
degenerate fits depend on numpy's rounding (all-zero means for 2..4 subjects give v0 0.1697
under numpy 1.26 and 0.1273 under numpy 2.4, both with scipy 1.17).

    /work/venv-brainscore/bin/python tools/make_curve_fit_fixture.py   # writes Tests/EncodingTests/Fixtures/curve_fit.json
"""
import json
import os
import warnings

import numpy as np
import scipy
import scipy.optimize

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "EncodingTests", "Fixtures", "curve_fit.json")


def saturation(k, v0, tau):
    return v0 * (1 - np.exp(-k / tau))


def fit(sizes, means):
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            params, _ = scipy.optimize.curve_fit(saturation, np.asarray(sizes, float), np.asarray(means, float),
                                                 bounds=([0, -np.inf], [1, np.inf]))
    except (RuntimeError, ValueError):
        return None
    return float(params[0])


def main():
    rng = np.random.RandomState(14)
    cases = []
    for n_subjects in range(2, 10):
        sizes = list(range(2, n_subjects + 1))
        for _ in range(12):
            v0, tau = rng.uniform(0.05, 0.9), np.exp(rng.uniform(-1, 2.5))
            means = saturation(np.asarray(sizes, float), v0, tau) + rng.randn(len(sizes)) * rng.choice([0.001, 0.01, 0.05])
            cases.append(dict(sizes=sizes, means=means.tolist()))
    sizes = list(range(2, 10))
    specials = [np.zeros(8), np.linspace(0.1, 0.8, 8), np.linspace(0.5, 0.1, 8), -np.linspace(0.1, 0.3, 8),
                np.full(8, 0.3), np.linspace(0.01, 0.02, 8), np.full(8, 1.2), np.linspace(0.2, 1.5, 8)]
    cases += [dict(sizes=sizes, means=m.tolist()) for m in specials]
    cases += [dict(sizes=[2], means=[0.3]), dict(sizes=[2, 3], means=[0.0, 0.0]), dict(sizes=[2, 3, 4], means=[0.0, 0.0, 0.0]),
              dict(sizes=[2, 3, 4], means=[0.2, 0.25, 0.27])]
    for case in cases:
        case["v0"] = fit(case["sizes"], case["means"])
    draws = {}
    for seed in (0, 3):
        r = np.random.RandomState(seed)
        # the stream in order; of the long draw only the last 100 values (its position is what counts)
        draws[str(seed)] = [dict(high=m, values=r.randint(0, m, size=m)[-100:].tolist()) for m in (1, 2, 7, 30, 70, 1000, 65537)]
    with open(OUT, "w") as f:
        json.dump(dict(source="tools/make_curve_fit_fixture.py", numpy=np.__version__, scipy=scipy.__version__,
                       cases=cases, randint=draws), f)
    print(f"wrote {os.path.relpath(OUT)}: {len(cases)} fits ({sum(c['v0'] is None for c in cases)} failed)")


if __name__ == "__main__":
    main()
