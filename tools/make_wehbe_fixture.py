#!/usr/bin/env python3
"""Write the real-layout Wehbe2014 fixture (synthetic, deterministic, small) for the parity
test of the paper-code Wehbe2014 reading (tools/reference_wehbe_original.py).

The timeline has the real data's shape: 1,351 TRs of 2 s on one continuous clock
(0, 2, ..., 2700 s), 4 runs of 340, 320, 310 and 381 TRs (each trimmed [20:-15] to 1,211
kept TRs), 5,176 words shown 0.5 s apart, four per TR, starting 10 TRs into each run and
stopping a few TRs before its end. Onsets:

  runs 1 and 4  off the TR grid (T + 0.25, 0.75, 1.25, 1.75 s): both word -> TR rules agree;
  runs 2 and 3  on a 0.5 s grid that meets every TR onset (T + 0, 0.5, 1, 1.5 s), as in the
                real release: the word at T belongs to the previous TR under the code's
                (t, t + 2] rule and to TR T under a [t, t + 2) reading;
  run 4         one kept TR (the second-to-last kept one) has no word, a pause: under the
                code's NaN handling it zeroes the delay-1 features of the whole run.

Two layers of 16 features (`model.layer.1` carries a 6-dimensional latent per word,
`model.layer.0` mostly noise). One subject, F, of 12 voxels (8 marked `language_voxel`);
BOLD = the delayed (1..4 TRs) mean latent of each TR's words, assigned by the code's
(t, t + 2] rule, times per-voxel weights of decreasing strength (the last voxel pure
noise), plus noise. Values are rounded (activations to 1/8, BOLD to 1/256) so the files
compress; the reference reads exactly the stored values. The subject file leaves out the
`word` text (scoring never reads it; its variable-length strings would double the size).

    python3 tools/make_wehbe_fixture.py            # writes Tests/BenchmarksTests/Fixtures/wehbe_literal_*.nc
    python3 tools/reference_wehbe_original.py --subjects Tests/BenchmarksTests/Fixtures/wehbe_literal_F.nc \\
        --activations Tests/BenchmarksTests/Fixtures/wehbe_literal_activations.nc \\
        --output Tests/BenchmarksTests/Fixtures/wehbe_literal.json
"""
import os
import sys

import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import convert_wehbe  # noqa: E402

OUT = os.path.join(HERE, "..", "Tests", "BenchmarksTests", "Fixtures")
RUN_LENGTHS = (340, 320, 310, 381)
WORDS_START = 10                 # first TR with words, counted from the run's start
WORDS_TAIL = (5, 4, 4, 3)        # TRs without words at each run's end
ON_GRID_RUNS = (2, 3)
LATENT, FEATURES, VOXELS = 6, 16, 12


def timeline():
    run = np.concatenate([np.full(n, r + 1) for r, n in enumerate(RUN_LENGTHS)]).astype(np.int64)
    tr_time = np.arange(len(run)) * 2.0
    starts = np.concatenate([[0], np.cumsum(RUN_LENGTHS)[:-1]])
    pause = starts[3] + RUN_LENGTHS[3] - convert_wehbe.TRIM_TAIL - 2  # second-to-last kept TR of run 4
    onsets = []
    for r, (start, length) in enumerate(zip(starts, RUN_LENGTHS)):
        offsets = (0.0, 0.5, 1.0, 1.5) if r + 1 in ON_GRID_RUNS else (0.25, 0.75, 1.25, 1.75)
        for t in range(start + WORDS_START, start + length - WORDS_TAIL[r]):
            if t != pause:
                onsets.extend(tr_time[t] + o for o in offsets)
    onsets = np.array(onsets)
    assert len(run) == 1351 and len(convert_wehbe.kept_positions(run)) == 1211 and len(onsets) == 5176, (len(run), len(onsets))
    return run, tr_time, onsets, pause


def code_word_tr(onsets, tr_time):
    """The paper code's rule: the last TR whose onset is strictly before the word."""
    return np.searchsorted(tr_time, onsets, side="left") - 1


def write(ds, name, encoding):
    path = os.path.join(OUT, name)
    if os.path.exists(path):
        os.remove(path)
    ds.to_netcdf(path, engine="h5netcdf", encoding=encoding)
    print("wrote", os.path.relpath(path))


def main():
    rng = np.random.RandomState(91)
    run, tr_time, onsets, pause = timeline()
    n_words, n_tr = len(onsets), len(tr_time)
    latent = rng.randn(n_words, LATENT)
    layer1 = latent @ rng.randn(LATENT, FEATURES) + 0.2 * rng.randn(n_words, FEATURES)
    layer0 = 1.5 * rng.randn(n_words, FEATURES) + 0.25 * layer1
    layers = [np.round(a * 8) / 8 for a in (layer0, layer1)]

    word_tr = code_word_tr(onsets, tr_time)
    tr_latent = np.zeros((n_tr, LATENT))
    for t in range(n_tr):
        members = word_tr == t
        if members.any():
            tr_latent[t] = latent[members].mean(axis=0)
    strength = np.linspace(1.0, 0.0, VOXELS) ** 1.5   # voxel 0 strongest, the last one noise only
    subjects = {}
    for subject in ("F",):
        bold = rng.randn(n_tr, VOXELS)
        for d in (1, 2, 3, 4):
            shifted = np.zeros((n_tr, LATENT))
            shifted[d:] = tr_latent[:-d]
            bold += (shifted @ rng.randn(LATENT, VOXELS)) * strength * (1.2 / d)
        subjects[subject] = (np.round(bold * 256) / 256).astype(np.float32)

    os.makedirs(OUT, exist_ok=True)
    ids = np.array([f"word.{i}" for i in range(n_words)], dtype=object)
    for subject, data in subjects.items():
        language = np.zeros(VOXELS, dtype=np.uint8)
        language[[0, 1, 2, 4, 6, 8, 10, 11]] = 1
        ds = xr.Dataset({"data": (("tr", "voxel"), data)},
                        coords={"tr_time": ("tr", tr_time), "run": ("tr", run), "stimulus_id": ("word", ids),
                                "word_onset": ("word", onsets), "word_duration": ("word", np.full(n_words, 0.5)),
                                "voxel_index": ("voxel", np.arange(VOXELS)), "language_voxel": ("voxel", language)},
                        attrs={"subject": subject, "source": "synthetic real-layout fixture (tools/make_wehbe_fixture.py)",
                               "tr_seconds": 2.0, "layout": "BrainAlign Wehbe2014 subject (docs/formats.md)"})
        packed = {"zlib": True, "complevel": 9, "shuffle": True}
        write(ds, f"wehbe_literal_{subject}.nc", {name: dict(packed) for name in ("data", "tr_time", "run", "word_onset", "word_duration")})
    acts = xr.Dataset(
        {"activations": (("layer", "presentation", "feature"), np.stack(layers).astype(np.float32))},
        coords={"layer": ("layer", np.array(["model.layer.0", "model.layer.1"])),
                "stimulus_id": ("presentation", np.array([f"word.{i}" for i in range(n_words)]))},
        attrs={"model": "synthetic-2-layer", "readout": "per-word vectors (fixture)"})
    write(acts, "wehbe_literal_activations.nc", {"activations": {"chunksizes": (1, n_words, FEATURES), "zlib": True,
                                                                 "complevel": 9, "shuffle": True}})
    print(f"pause TR {pause}; on-grid words {int(np.isin(onsets, tr_time).sum())}")


if __name__ == "__main__":
    main()
