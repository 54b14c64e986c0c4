#!/usr/bin/env python3
"""A synthetic subject at LeBel et al. (2023)'s size, for timing story runs (not a test
fixture: nothing here is compared with a reference). Story layout as tools/convert_lebel.py
writes it (docs/formats.md): one neural file, rows = TRs with `story` and `tr_time`, the
first 10 and last 5 TRs of each story NaN (trimmed as shipped), chunked in column slabs;
and a one-layer word-activations file with `story` and `word_time`.

Defaults: 27 stories x 348 TRs = 9,396 TRs, ~4.8 words per TR (44,955 words), 768
features (delayed 4 times: 3,072), 2,000 voxels. The responses are noise plus a weak
linear readout of each TR's mean word vector, so the penalty choice is not degenerate.

    python3 tools/make_lebel_sized.py OUTPUT_DIR [--stories 27] [--trs 348] [--voxels 2000] [--features 768]
    brainalign score --neural OUTPUT_DIR/lebel_sized.nc --activations OUTPUT_DIR/lebel_sized_activations.nc \\
        --test-stories story26 --inner-cv bootstrap:50:40:125 --output run.nc
"""
import argparse
import os

import numpy as np
import xarray as xr

TR = 2.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output_dir")
    parser.add_argument("--stories", type=int, default=27)
    parser.add_argument("--trs", type=int, default=348, help="TRs per story")
    parser.add_argument("--voxels", type=int, default=2000)
    parser.add_argument("--features", type=int, default=768)
    parser.add_argument("--words-per-tr", type=float, default=4.785)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.output_dir, exist_ok=True)

    stories, tr_story, tr_time, word_story, word_time, word_ids = [], [], [], [], [], []
    vectors, responses = [], []
    weights = rng.standard_normal((args.features, args.voxels)).astype(np.float32) / np.sqrt(args.features)
    for s in range(args.stories):
        name = f"story{s:02d}"
        stories.append(name)
        times = (np.arange(args.trs) - 5) * TR + TR / 2 - 10  # as the converter: TR centres, the first 10 s trimmed
        words = int(args.trs * args.words_per_tr)
        onsets = np.sort(rng.uniform(0.5, times[-1] - 1, size=words))
        onsets += np.arange(words) * 1e-7  # strictly increasing
        v = rng.standard_normal((words, args.features)).astype(np.float32)
        # Each TR's mean word vector (words in its 2 s window), read out by the weights.
        which = np.clip(np.searchsorted(times, onsets) - 1, 0, args.trs - 1)
        means = np.zeros((args.trs, args.features), np.float32)
        np.add.at(means, which, v)
        y = 0.3 * (means @ weights) + rng.standard_normal((args.trs, args.voxels)).astype(np.float32)
        y[:10] = np.nan
        y[-5:] = np.nan
        responses.append(y.astype(np.float32))
        vectors.append(v)
        tr_story += [name] * args.trs
        tr_time.append(times)
        word_story += [name] * words
        word_time.append(onsets)
        word_ids += [f"{name}.{i}" for i in range(words)]

    data = np.concatenate(responses)
    neural = xr.Dataset(
        {"data": (("tr", "voxel"), data)},
        coords={"story": ("tr", np.array(tr_story)), "tr_time": ("tr", np.concatenate(tr_time)),
                "voxel_index": ("voxel", np.arange(args.voxels)),
                "word": ("word", np.array(["w"] * len(word_story))), "word_story": ("word", np.array(word_story)),
                "word_time": ("word", np.concatenate(word_time))},
        attrs={"subject": "SYN01", "tr_seconds": TR, "trimmed_head": 10, "trimmed_tail": 5,
               "source": "synthetic, LeBel-sized (tools/make_lebel_sized.py)"})
    neural_path = os.path.join(args.output_dir, "lebel_sized.nc")
    neural.to_netcdf(neural_path, engine="h5netcdf",
                     encoding={"data": {"chunksizes": (data.shape[0], min(256, args.voxels))}})
    activations = xr.Dataset(
        {"activations": (("layer", "presentation", "feature"), np.concatenate(vectors)[None])},
        coords={"layer": ("layer", np.array(["model.layer.0"])), "stimulus_id": ("presentation", np.array(word_ids)),
                "story": ("presentation", np.array(word_story)), "word_time": ("presentation", np.concatenate(word_time))},
        attrs={"benchmark_readout": "story", "model": "synthetic (make_lebel_sized.py)"})
    activations_path = os.path.join(args.output_dir, "lebel_sized_activations.nc")
    activations.to_netcdf(activations_path, engine="h5netcdf")
    print(f"{neural_path}: {data.shape[0]} TRs x {args.voxels} voxels, {args.stories} stories; "
          f"{activations_path}: {len(word_ids)} words x {args.features} features")


if __name__ == "__main__":
    main()
