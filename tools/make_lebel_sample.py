#!/usr/bin/env python3
"""Generate the LeBel2023-shaped sample in datasets/ (deterministic, synthetic, small), by
writing a fake ds003020 derivative tree (per-story `resp` .hf5 files as shipped, Praat
TextGrids, respdict.json) and running tools/convert_lebel.py on it, so the sample also
exercises the converter:

  datasets/LeBel2023_sample_UTS01.nc, LeBel2023_sample_UTS02.nc   story layout, 5 stories
      (4 training stories + wheretheressmoke), 100-125 TRs each, 200 voxels
  datasets/LeBel2023_sample_activations.nc   word-level activations of a pretend 3-layer
      model (8 features), with story and word_time, as the extractor's story readout writes

BOLD (the shipped TRs) = the story features of `model.layer.1` (Lanczos -> trim -> z-score
-> delays 1..4, tools/reference_lebel.py) times random weights, plus noise; the other
layers are noisier copies of layer 1, so layer 1 wins.

    python3 tools/make_lebel_sample.py [--tree DIR]   # --tree: keep the fake tree there
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import xarray as xr

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(TOOLS, "..")
sys.path.insert(0, TOOLS)
import reference_lebel as ref  # noqa: E402

STORIES = [("alternateithicatom", 110), ("souls", 125), ("avatar", 100), ("legacy", 120), ("wheretheressmoke", 115)]
VOCABULARY = "the a story man woman city night river house door light voice hand road old new said went saw found".split()


def textgrid(intervals, duration):
    """A Praat long-format TextGrid with a phone tier and a word tier."""
    def tier(name, rows):
        lines = [f'        class = "IntervalTier"', f'        name = "{name}"', "        xmin = 0", f"        xmax = {duration}",
                 f"        intervals: size = {len(rows)}"]
        for k, (s, e, t) in enumerate(rows, 1):
            lines += [f"        intervals [{k}]:", f"            xmin = {s}", f"            xmax = {e}", f'            text = "{t}"']
        return lines
    out = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0", f"xmax = {duration}", "tiers? <exists>",
           "size = 2", "item []:", "    item [1]:"] + tier("phone", [(0, duration, "")]) + ["    item [2]:"] + tier("word", intervals)
    return "\n".join(out) + "\n"


def story_words(rng, n_trs):
    """Word intervals (with silences 'sp' between some) covering the story's audio."""
    end_time = 2.0 * (n_trs - 15) + 5
    t, rows = 0.5, []
    while t < end_time:
        duration = rng.uniform(0.35, 0.65)
        rows.append((round(t, 4), round(t + duration, 4), VOCABULARY[rng.randint(len(VOCABULARY))]))
        t += duration
        gap = rng.uniform(0.05, 0.25)
        if rng.rand() < 0.1:
            rows.append((round(t, 4), round(t + gap, 4), "sp"))
        t += gap
    return rows, end_time + 1


def make_tree(tree, subjects=("UTS01", "UTS02"), voxels=200, seed=2023, features=8):
    """Writes the fake derivative tree; returns the word vectors of the 3 layers per story."""
    rng = np.random.RandomState(seed)
    os.makedirs(os.path.join(tree, "TextGrids"), exist_ok=True)
    base, respdict, word_info = {}, {}, {}
    for story, n in STORIES:
        rows, duration = story_words(rng, n)
        with open(os.path.join(tree, "TextGrids", f"{story}.TextGrid"), "w") as f:
            f.write(textgrid(rows, duration))
        words = [(s, e, w) for s, e, w in rows if w != "sp"]
        word_info[story] = np.array([(s + e) / 2 for s, e, _ in words])
        base[story] = rng.randn(len(words), features)
        respdict[story] = n + 5
    with open(os.path.join(tree, "respdict.json"), "w") as f:
        json.dump(respdict, f)
    layers = {story: [0.4 * v + rng.randn(*v.shape), v, 0.7 * v + 0.7 * rng.randn(*v.shape)] for story, v in base.items()}
    for index, subject in enumerate(subjects):
        folder = os.path.join(tree, "preprocessed_data", subject)
        os.makedirs(folder, exist_ok=True)
        weights = rng.randn(4 * features, voxels) * (rng.rand(voxels) < 0.8) / np.sqrt(4 * features)
        for story, n in STORIES:
            grid = np.arange(n) * 2.0 - 10.0 + 1.0
            x = ref.story_features(base[story], word_info[story], grid, 10, 5, [1, 2, 3, 4])
            resp = x @ weights * (1.0 + 0.5 * index) + rng.randn(n - 15, voxels) * 1.5
            import h5py
            with h5py.File(os.path.join(folder, f"{story}.hf5"), "w") as f:
                f.create_dataset("resp", data=resp.astype(np.float32))
    return layers, word_info


def write_activations(path, layers, subject_file):
    converted = xr.open_dataset(subject_file)
    stories = [str(s) for s in converted["word_story"].values]
    times = converted["word_time"].values
    order = list(dict.fromkeys(stories))
    values = np.concatenate([np.stack(layers[s]) for s in order], axis=1).astype(np.float32)
    counts = {s: stories.count(s) for s in order}
    ids = [f"{s}.{k}" for s in order for k in range(counts[s])]
    ds = xr.Dataset({"activations": (("layer", "presentation", "feature"), values)},
                    coords={"layer": ("layer", np.array(["model.layer.0", "model.layer.1", "model.layer.2"], dtype=object)),
                            "stimulus_id": ("presentation", np.array(ids, dtype=object)),
                            "story": ("presentation", np.array(stories, dtype=object)),
                            "word_time": ("presentation", times)},
                    attrs={"benchmark_readout": "story", "model": "synthetic (make_lebel_sample.py)"})
    ds.to_netcdf(path, engine="netcdf4", encoding={"activations": {"zlib": True, "complevel": 4}})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", help="keep the fake ds003020 derivative tree in this folder")
    parser.add_argument("--output-dir", default=os.path.join(ROOT, "datasets"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tree = args.tree or scratch
        layers, _ = make_tree(tree)
        outputs = []
        for subject in ("UTS01", "UTS02"):
            output = os.path.join(args.output_dir, f"LeBel2023_sample_{subject}.nc")
            subprocess.run([sys.executable, os.path.join(TOOLS, "convert_lebel.py"), "--derivative", tree, "--subject", subject,
                            "--output", output, "--overwrite", "--slab", "64"], check=True)
            outputs.append(output)
        write_activations(os.path.join(args.output_dir, "LeBel2023_sample_activations.nc"), layers, outputs[0])
    print("wrote", ", ".join(outputs), "and LeBel2023_sample_activations.nc")


if __name__ == "__main__":
    main()
