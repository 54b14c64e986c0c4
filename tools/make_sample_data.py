#!/usr/bin/env python3
"""Generate the bundled sample data in datasets/ (deterministic, synthetic, small).

datasets/Pereira2018_sample_activations.nc: activations of a pretend 3-layer model for the
same stimuli, in BrainAlign's activations layout (docs/formats.md), stored in a different
stimulus order than the neural file (alignment by stimulus_id is part of the job). The
neural responses carry a planted linear signal from layer `model.layer.1`, weaker
versions of it in the other layers, plus noise: scores are meaningful and layer 1 wins.

datasets/Pereira2018_sample.nc: a Pereira2018-shaped assembly in Brain-Score's BrainIO
netCDF4 layout (see docs/protocols.md and docs/formats.md): `data`
(presentation x neuroid, float64, NaN fill), plain 1-D coordinates along each dimension,
two experiments (384sentences, 243sentences), three subjects, one of whom skipped the
243-sentence experiment (NaN for those rows), as in the real release.

datasets/Blank2014_sample.nc (+ _activations.nc): a Blank2014-shaped fROI assembly, 8 stories
of 2 s TRs, 5 subjects x 12 language fROIs, planted signal from layer 1.

datasets/Futrell2018_sample.nc (+ _surprisal.nc): Futrell2018-shaped reading times (words x
180 subjects, NaN where a subject skipped a word) and a surprisal file. Reading times follow
surprisal plus subject and word noise tuned so the split-half ceiling lands near the
published 0.858.

datasets/Wehbe2014_sample_F.nc, Wehbe2014_sample_H.nc (+ Wehbe2014_sample_activations.nc):
two Wehbe2014-shaped subjects (4 runs of 80 TRs, 2 words per TR, onsets off the TR grid so
both word -> TR rules of docs/protocols.md agree), made by writing the two
original formats (a CMU-style subject .mat for F, Toneva-style .npy files for H) and
running tools/convert_wehbe.py on them, so the sample also exercises both converters.
BOLD follows the previous 4 TRs' mean word features of layer 1 plus noise.

Run from the repository root:  python3 tools/make_sample_data.py
"""
import os
import sys

import numpy as np
import xarray as xr

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def pereira_sample(seed=2018):
    rng = np.random.RandomState(seed)
    experiments = [("384sentences", 48, 4), ("243sentences", 32, 3)]  # name, sentences, sentences per passage
    categories = ["beekeeping", "castle", "dinosaur", "opera", "painter", "volcano", "weather", "owl",
                  "bird", "building", "clothing", "drink", "fish", "fruit", "furniture", "insect"]
    rows = []
    for experiment, count, per_passage in experiments:
        for num in range(count):
            passage = num // per_passage + 1
            category = categories[(passage - 1) % len(categories)]
            rows.append(dict(
                experiment=experiment, stimulus_num=num, passage_index=passage,
                passage_category=category, passage_label=f"{category}_{passage}",
                sentence=f"Sample sentence {num + 1} about {category} in passage {passage}.",
            ))
    subjects = [("018", True), ("199", False), ("215", True)]  # (id, did the 243-sentence experiment)
    voxels_per_subject = 20
    rois = ["LH_AntTemp", "LH_IFG", "LH_IFGorb", "LH_MFG", "LH_PostTemp", "LH_AngG"]
    n_pres, n_neuroid = len(rows), len(subjects) * voxels_per_subject
    # Planted signal: responses = layer-1 features @ weights + noise.
    features = planted_layers(rng, n_pres)
    weights = rng.randn(features[1].shape[1], n_neuroid) / np.sqrt(features[1].shape[1])
    data = features[1] @ weights + 1.0 * rng.randn(n_pres, n_neuroid)
    for s, (_, did243) in enumerate(subjects):
        if not did243:
            is243 = np.array([r["experiment"] == "243sentences" for r in rows])
            data[np.ix_(is243, np.arange(s * voxels_per_subject, (s + 1) * voxels_per_subject))] = np.nan
    subject = np.repeat([s for s, _ in subjects], voxels_per_subject)
    voxel_num = np.concatenate([np.sort(rng.choice(5000, voxels_per_subject, replace=False)) for _ in subjects])
    column = lambda key: np.array([r[key] for r in rows])
    assembly = xr.DataArray(
        data, dims=("presentation", "neuroid"),
        coords={
            "stimulus_num": ("presentation", column("stimulus_num")),
            "sentence": ("presentation", column("sentence")),
            "stimulus": ("presentation", column("sentence")),
            "passage_index": ("presentation", column("passage_index")),
            "passage_label": ("presentation", column("passage_label")),
            "passage_category": ("presentation", column("passage_category")),
            "stimulus_id": ("presentation", np.array([f"{r['experiment']}.{r['stimulus_num']}" for r in rows])),
            "story": ("presentation", np.array([f"{r['experiment']}.{r['passage_category']}" for r in rows])),
            "experiment": ("presentation", column("experiment")),
            "subject": ("neuroid", subject),
            "voxel_num": ("neuroid", voxel_num),
            "filter_strategy": ("neuroid", np.full(n_neuroid, np.nan)),
            "atlas_selection": ("neuroid", np.array(["from90to100prcnt"] * n_neuroid)),
            "roi": ("neuroid", np.array([rois[i % len(rois)] for i in range(n_neuroid)])),
            "indices_in_3d": ("neuroid", voxel_num * 7),
            "col_to_coord_1": ("neuroid", rng.randint(0, 79, n_neuroid).astype(float)),
            "col_to_coord_2": ("neuroid", rng.randint(0, 95, n_neuroid).astype(float)),
            "col_to_coord_3": ("neuroid", rng.randint(0, 68, n_neuroid).astype(float)),
            "neuroid_id": ("neuroid", np.array([f"{s}.{v}" for s, v in zip(subject, voxel_num)])),
        },
        name="data",
        attrs={"identifier": "Pereira2018.language.sample", "stimulus_set_identifier": "Pereira2018.sample",
               "description": "Synthetic sample in the Brain-Score BrainIO layout; not real fMRI data."},
    )
    return assembly, features


FEATURES = 48


def planted_layers(rng, n_pres):
    """Three layers: layer 1 carries the signal; layer 0 a noisy half of it; layer 2 layer 1
    mixed with as much fresh noise."""
    core = rng.randn(n_pres, FEATURES)
    layer0 = np.hstack([core[:, : FEATURES // 2], rng.randn(n_pres, FEATURES // 2)]) + 0.5 * rng.randn(n_pres, FEATURES)
    layer2 = core + 1.0 * rng.randn(n_pres, FEATURES)
    return [layer0, core, layer2]


def activations_dataset(assembly, features, seed=7):
    """BrainAlign's activations layout, rows in a shuffled stimulus order."""
    order = np.random.RandomState(seed).permutation(assembly.sizes["presentation"])
    stack = np.stack([f[order] for f in features]).astype(np.float32)
    return xr.Dataset(
        {"activations": (("layer", "presentation", "feature"), stack)},
        coords={
            "layer": ("layer", np.array([f"model.layer.{i}" for i in range(len(features))])),
            "stimulus_id": ("presentation", assembly["stimulus_id"].values[order]),
            "stimulus": ("presentation", assembly["stimulus"].values[order]),
        },
        attrs={"model": "synthetic-3-layer", "readout": "planted features (sample data)"},
    )


BLANK_STORIES = ["Aqua", "Boar", "Elvis", "HighSchool", "KingOfBirds", "MatchstickSeller", "MrSticky", "Tulips"]
BLANK_ROIS = ["01_LH_PostTemp", "02_LH_AntTemp", "03_LH_IFG", "04_LH_IFGorb", "05_LH_MFG", "06_LH_AngG",
              "07_RH_PostTemp", "08_RH_AntTemp", "09_RH_IFG", "10_RH_IFGorb", "11_RH_MFG", "12_RH_AngG"]


def blank_sample(seed=2014):
    rng = np.random.RandomState(seed)
    rows = []
    for story in BLANK_STORIES:
        for t in range(20):
            sentence, part = t // 4 + 1, t % 4 + 1
            rows.append(dict(story=story, t=t, sentence=sentence, part=part,
                             stimulus_id=f"{story}.{sentence}.{part}", stimulus=f"{story} fragment {t}"))
    n = len(rows)
    features = planted_layers(rng, n)
    subjects = [f"{i:03d}" for i in (288, 289, 296, 330, 343)]
    n_neuroid = len(subjects) * len(BLANK_ROIS)
    weights = rng.randn(FEATURES, n_neuroid) / np.sqrt(FEATURES)
    data = features[1] @ weights + 1.5 * rng.randn(n, n_neuroid)
    column = lambda key: np.array([r[key] for r in rows])
    assembly = xr.DataArray(
        data, dims=("presentation", "neuroid"),
        coords={
            "stimulus_id": ("presentation", column("stimulus_id")),
            "story": ("presentation", column("story")),
            "timepoint_value": ("presentation", column("t") * 2 + 4),
            "stimulus": ("presentation", column("stimulus")),
            "sentence_number_in_story": ("presentation", column("sentence")),
            "part_number_in_sentence": ("presentation", column("part")),
            "subject_id": ("neuroid", np.repeat(subjects, len(BLANK_ROIS))),
            "fROI_area": ("neuroid", np.tile(BLANK_ROIS, len(subjects))),
            "neuroid_id": ("neuroid", np.array([f"{s}.{r}" for s in subjects for r in BLANK_ROIS])),
        },
        name="data",
        attrs={"identifier": "Blank2014.fROI.sample", "description": "Synthetic sample in the Brain-Score BrainIO layout; not real fMRI data."},
    )
    return assembly, features


def futrell_sample(seed=2018, n_stories=10, words_per_story=80, n_subjects=180):
    rng = np.random.RandomState(seed)
    rows = []
    for story in range(1, n_stories + 1):
        sentence, position = 1, 1
        for w in range(words_per_story):
            rows.append(dict(story_id=story, word_id=w + 1, sentence_id=sentence, position=position))
            position += 1
            if rng.rand() < 0.09:  # sentence boundary
                sentence, position = sentence + 1, 1
    n = len(rows)
    true_surprisal = rng.gamma(2.0, 3.0, n)  # bits
    word_noise = rng.randn(n) * 12
    offsets = rng.randn(n_subjects) * 40
    times = 250 + 9 * true_surprisal[:, None] + word_noise[:, None] + offsets[None, :] + rng.randn(n, n_subjects) * 207
    times = np.round(times)  # milliseconds, as recorded
    times[rng.rand(n, n_subjects) < 0.1] = np.nan
    words = np.array([f"w{r['story_id']}_{r['word_id']}" for r in rows])
    column = lambda key: np.array([r[key] for r in rows])
    assembly = xr.DataArray(
        times, dims=("presentation", "subject"),
        coords={
            "word": ("presentation", words),
            "word_core": ("presentation", words),
            "story_id": ("presentation", column("story_id")),
            "word_id": ("presentation", column("word_id")),
            "word_within_sentence_id": ("presentation", column("position")),
            "sentence_id": ("presentation", column("sentence_id")),
            "stimulus_id": ("presentation", np.arange(n)),
            "subject_id": ("subject", np.array([f"A{i:04d}" for i in range(n_subjects)])),
            "correct": ("subject", rng.randint(5, 7, n_subjects)),
            "WorkTimeInSeconds": ("subject", rng.randint(600, 3000, n_subjects)),
        },
        name="data",
        attrs={"identifier": "Futrell2018.sample", "description": "Synthetic reading times in the Brain-Score BrainIO layout; not real data."},
    )
    # The model's surprisal: the true one plus model error; the very first token has none.
    surprisal = true_surprisal + rng.randn(n) * 2.0
    surprisal[0] = np.nan
    surprisal_ds = xr.Dataset({"surprisal": ("presentation", surprisal)},
                              coords={"stimulus_id": ("presentation", np.arange(n)), "word": ("presentation", words)},
                              attrs={"model": "synthetic", "units": "bits"})
    return assembly, surprisal_ds


def wehbe_sample(seed=2014, runs=4, trs_per_run=80, voxels=40):
    """Raw CMU/Toneva-style inputs for two subjects plus per-word activations."""
    rng = np.random.RandomState(seed)
    n_tr = runs * trs_per_run
    run = np.repeat(np.arange(1, runs + 1), trs_per_run)
    tr_time = np.arange(n_tr) * 2.0 + (run - 1) * 10.0  # a 10 s pause between runs
    onsets, word_tr = [], []
    for t in range(n_tr):
        position = t % trs_per_run
        if 2 <= position < trs_per_run - 3:  # fixation at the start and end of each run
            for k in range(2):
                # Off the TR grid (0.25 s and 1.25 s into the TR): the word is in the same
                # TR whether a TR holds the words of [t, t + 2) or, as the paper's code
                # reads it, of (t, t + 2].
                onsets.append(tr_time[t] + 0.25 + k * 1.0)
                word_tr.append(t)
    onsets, word_tr = np.array(onsets), np.array(word_tr)
    n_words = len(onsets)
    latent = rng.randn(n_words, 8)
    mixing = rng.randn(8, FEATURES)
    layer1 = latent @ mixing + 0.1 * rng.randn(n_words, FEATURES)
    layer0 = rng.randn(n_words, FEATURES) + 0.3 * layer1
    layer2 = layer1 + 2.0 * rng.randn(n_words, FEATURES)
    tr_latent = np.zeros((n_tr, 8))
    for t in range(n_tr):
        members = word_tr == t
        if members.any():
            tr_latent[t] = latent[members].mean(0)
    subjects = {}
    for subject in ["F", "H"]:
        bold = 1.0 * rng.randn(n_tr, voxels)
        for d in range(1, 5):
            weights = rng.randn(8, voxels) * (0.6 / d)
            shifted = np.zeros((n_tr, 8))
            for t in range(n_tr):
                if t - d >= 0 and run[t - d] == run[t]:
                    shifted[t] = tr_latent[t - d]
            bold += shifted @ weights
        subjects[subject] = bold.astype(np.float32)
    words = np.array([f"word{i}" for i in range(n_words)], dtype=object)
    return dict(run=run, tr_time=tr_time, onsets=onsets, words=words, subjects=subjects,
                layers=[layer0, layer1, layer2])


def write_wehbe_sample():
    import tempfile
    import scipy.io
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import convert_wehbe
    sample = wehbe_sample()
    with tempfile.TemporaryDirectory() as tmp:
        # Subject F as the CMU release stores it.
        words = np.zeros((1, len(sample["words"])), dtype=[("text", object), ("start", object), ("length", object)])
        for i, (w, t) in enumerate(zip(sample["words"], sample["onsets"])):
            words[0, i] = (np.array([w]), np.array([[t]]), np.array([[0.5]]))
        mat = os.path.join(tmp, "subject_1.mat")
        scipy.io.savemat(mat, {"data": sample["subjects"]["F"].astype(np.float64),
                               "time": np.column_stack([sample["tr_time"], sample["run"]]), "words": words,
                               "meta": {"subject": "F", "colToCoord": np.arange(sample["subjects"]["F"].shape[1] * 3).reshape(-1, 3) % 50}})
        convert_wehbe.main(["cmu", mat, "--subject", "F", "--output", os.path.join(ROOT, "datasets", "Wehbe2014_sample_F.nc")])
        # Subject H as Toneva's redistribution stores it (only the kept TRs).
        kept = convert_wehbe.kept_positions(sample["run"])
        np.save(os.path.join(tmp, "data_subject_H.npy"), sample["subjects"]["H"][kept])
        np.save(os.path.join(tmp, "time_fmri.npy"), sample["tr_time"])
        np.save(os.path.join(tmp, "runs_fmri.npy"), sample["run"])
        np.save(os.path.join(tmp, "time_words_fmri.npy"), sample["onsets"])
        np.save(os.path.join(tmp, "words_fmri.npy"), sample["words"].astype(str))
        convert_wehbe.main(["toneva", "--directory", tmp, "--subject", "H", "--output", os.path.join(ROOT, "datasets", "Wehbe2014_sample_H.nc")])
    acts = xr.Dataset(
        {"activations": (("layer", "presentation", "feature"), np.stack(sample["layers"]).astype(np.float32))},
        coords={"layer": ("layer", np.array([f"model.layer.{i}" for i in range(3)])),
                "stimulus_id": ("presentation", np.array([f"word.{i}" for i in range(len(sample["words"]))])),
                "word": ("presentation", sample["words"].astype(str))},
        attrs={"model": "synthetic-3-layer", "readout": "per-word vectors (sample data)"})
    write(acts, "Wehbe2014_sample_activations.nc", {"activations": {"chunksizes": (1, len(sample["words"]), FEATURES)}})


def write(ds, name, encoding=None):
    out = os.path.join(ROOT, "datasets", name)
    if os.path.exists(out):
        os.remove(out)
    ds.to_netcdf(out, engine="h5netcdf", encoding=encoding or {})
    print("wrote", out)


def main():
    out = os.path.join(ROOT, "datasets", "Pereira2018_sample.nc")
    if os.path.exists(out):
        os.remove(out)
    assembly, features = pereira_sample()
    acts = os.path.join(ROOT, "datasets", "Pereira2018_sample_activations.nc")
    if os.path.exists(acts):
        os.remove(acts)
    activations_dataset(assembly, features).to_netcdf(acts, engine="h5netcdf", encoding={"activations": {"chunksizes": (1, 80, FEATURES)}})
    print("wrote", acts)
    assembly.to_dataset().to_netcdf(
        out, engine="h5netcdf",
        encoding={"data": {"_FillValue": np.nan, "zlib": True, "complevel": 4, "shuffle": True, "chunksizes": (80, 20)}})
    print("wrote", out)

    blank, blank_features = blank_sample()
    write(blank.to_dataset(), "Blank2014_sample.nc", {"data": {"_FillValue": np.nan, "zlib": True, "complevel": 4, "shuffle": True}})
    write(activations_dataset(blank, blank_features), "Blank2014_sample_activations.nc",
          {"activations": {"chunksizes": (1, blank.sizes["presentation"], FEATURES)}})
    futrell, surprisal = futrell_sample()
    write(futrell.to_dataset(), "Futrell2018_sample.nc", {"data": {"_FillValue": np.nan, "zlib": True, "complevel": 4, "shuffle": True}})
    write(surprisal, "Futrell2018_sample_surprisal.nc")
    write_wehbe_sample()


if __name__ == "__main__":
    main()
