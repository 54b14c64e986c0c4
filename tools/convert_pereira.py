#!/usr/bin/env python3
"""Convert Pereira et al. (2018) per-subject .mat files into a Brain-Score-style assembly.

Pereira's public release (https://osf.io/crwz7) has, per subject, `examples_384sentences.mat`
and/or `examples_243sentences.mat` (MATLAB v5 or v7.3) with:

  examples                   sentences x voxels
  keySentences               the sentence texts (cell)
  labelsPassageForEachSentence, labelsPassageCategory, keyPassageCategory   (optional)
  meta.colToCoord            voxel coordinates (optional)

The output follows the BrainIO layout of docs/formats.md, so `brainalign score --benchmark
Pereira2018...` reads it as it reads Brain-Score's own file: `data (presentation, neuroid)`
float64 with NaN where a subject did not do an experiment, presentation coordinates
`stimulus_id` (`<experiment>.<index>`), `stimulus_num`, `sentence`, `stimulus`,
`experiment`, `passage_index`, `passage_label`, `passage_category`, `story`, and neuroid
coordinates `subject`, `voxel_num`, `neuroid_id` (`<subject>.<voxel_num>`),
`col_to_coord_1..3`. Voxels are all of a subject's columns unless `--voxels` gives a
per-subject index file (e.g. the language-network selection Brain-Score used).

    python3 tools/convert_pereira.py --subject M02 M02/examples_384sentences.mat M02/examples_243sentences.mat \\
        --subject M04 M04/examples_384sentences.mat --output Pereira2018_converted.nc
"""
import argparse
import os
import re
import sys

import numpy as np


class ConversionError(Exception):
    pass


def load_mat(path):
    """MATLAB v5 through scipy, v7.3 (HDF5) through h5py; returns a dict of arrays."""
    import scipy.io
    try:
        mat = scipy.io.loadmat(path, squeeze_me=True, struct_as_record=False)
        return {k: v for k, v in mat.items() if not k.startswith("__")}, "v5"
    except NotImplementedError:
        pass
    except Exception as error:
        raise ConversionError(f"{path}: not a MATLAB file scipy or h5py can read ({error})")
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        for key in f:
            if key.startswith("#"):
                continue
            item = f[key]
            if isinstance(item, h5py.Dataset):
                if item.dtype == object:  # cell arrays of strings: references to char arrays
                    out[key] = np.array(["".join(chr(c) for c in np.asarray(f[ref]).ravel()) for ref in np.asarray(item).ravel()], dtype=object)
                else:
                    out[key] = np.asarray(item).T  # MATLAB is column-major
    return out, "v7.3"


def experiment_of(path):
    match = re.search(r"(384sentences|243sentences)", os.path.basename(path))
    if not match:
        raise ConversionError(f"{path}: cannot tell the experiment from the file name (expected 384sentences or 243sentences in it)")
    return match.group(1)


def read_subject_file(path):
    mat, _ = load_mat(path)
    for key in ("examples", "keySentences"):
        if key not in mat:
            raise ConversionError(f"{path}: no '{key}' variable (found: {', '.join(sorted(mat))})")
    examples = np.asarray(mat["examples"], dtype=np.float64)
    sentences = [str(s) for s in np.asarray(mat["keySentences"], dtype=object).ravel()]
    if examples.ndim != 2 or examples.shape[0] != len(sentences):
        raise ConversionError(f"{path}: examples has shape {examples.shape} but there are {len(sentences)} sentences")
    passage = np.asarray(mat.get("labelsPassageForEachSentence", np.arange(len(sentences)) // 4 + 1)).ravel().astype(np.int64)
    category_index = np.asarray(mat.get("labelsPassageCategory", np.zeros(len(set(passage)), dtype=int) + 1)).ravel().astype(np.int64)
    category_names = [str(s) for s in np.asarray(mat.get("keyPassageCategory", np.array(["unknown"], dtype=object)), dtype=object).ravel()]
    categories = []
    for p in passage:
        index = category_index[p - 1] - 1 if p - 1 < len(category_index) else 0
        categories.append(category_names[index] if 0 <= index < len(category_names) else "unknown")
    coords = None
    meta = mat.get("meta")
    if meta is not None and hasattr(meta, "colToCoord"):
        coords = np.asarray(meta.colToCoord, dtype=np.float64)
        if coords.ndim != 2 or coords.shape[0] != examples.shape[1]:
            coords = None
    return dict(examples=examples, sentences=sentences, passage=passage, categories=categories, coords=coords)


def convert(subjects, voxel_files, output):
    import xarray as xr
    experiments = {}  # experiment -> sentences / passage info (first subject that has it)
    for subject, files in subjects:
        for path in files:
            experiment = experiment_of(path)
            data = read_subject_file(path)
            known = experiments.setdefault(experiment, data)
            if known["sentences"] != data["sentences"]:
                raise ConversionError(f"{path}: the sentences differ from another subject's {experiment} file")
    rows = []
    for experiment in sorted(experiments):
        info = experiments[experiment]
        for i, sentence in enumerate(info["sentences"]):
            rows.append(dict(experiment=experiment, num=i, sentence=sentence, passage=int(info["passage"][i]),
                             category=info["categories"][i]))
    row_of = {(r["experiment"], r["num"]): k for k, r in enumerate(rows)}
    blocks, neuroid = [], {"subject": [], "voxel_num": [], "coords": []}
    for subject, files in subjects:
        per_subject = [read_subject_file(p) for p in files]
        n_vox = per_subject[0]["examples"].shape[1]
        if any(d["examples"].shape[1] != n_vox for d in per_subject):
            raise ConversionError(f"subject {subject}: its files have different voxel counts")
        selected = np.arange(n_vox)
        if subject in voxel_files:
            selected = np.asarray(np.load(voxel_files[subject]) if voxel_files[subject].endswith(".npy") else np.loadtxt(voxel_files[subject]), dtype=np.int64).ravel()
        block = np.full((len(rows), len(selected)), np.nan)
        for path, data in zip(files, per_subject):
            experiment = experiment_of(path)
            for i in range(len(data["sentences"])):
                block[row_of[(experiment, i)]] = data["examples"][i, selected]
        blocks.append(block)
        neuroid["subject"] += [subject] * len(selected)
        neuroid["voxel_num"] += list(selected)
        coords = per_subject[0]["coords"]
        neuroid["coords"] += list(coords[selected]) if coords is not None else [np.full(3, np.nan)] * len(selected)
    data = np.hstack(blocks)
    column = lambda key: np.array([r[key] for r in rows])
    coords = np.array(neuroid["coords"])
    assembly = xr.DataArray(
        data, dims=("presentation", "neuroid"),
        coords={
            "stimulus_num": ("presentation", column("num")),
            "sentence": ("presentation", column("sentence")),
            "stimulus": ("presentation", column("sentence")),
            "passage_index": ("presentation", column("passage")),
            "passage_label": ("presentation", np.array([f"{r['category']}_{r['passage']}" for r in rows])),
            "passage_category": ("presentation", column("category")),
            "stimulus_id": ("presentation", np.array([f"{r['experiment']}.{r['num']}" for r in rows])),
            "story": ("presentation", np.array([f"{r['experiment']}.{r['category']}" for r in rows])),
            "experiment": ("presentation", column("experiment")),
            "subject": ("neuroid", np.array(neuroid["subject"])),
            "voxel_num": ("neuroid", np.array(neuroid["voxel_num"], dtype=np.int64)),
            "neuroid_id": ("neuroid", np.array([f"{s}.{v}" for s, v in zip(neuroid["subject"], neuroid["voxel_num"])])),
            "col_to_coord_1": ("neuroid", coords[:, 0]),
            "col_to_coord_2": ("neuroid", coords[:, 1]),
            "col_to_coord_3": ("neuroid", coords[:, 2]),
        },
        name="data", attrs={"identifier": "Pereira2018.converted", "source": "Pereira et al. 2018 per-subject .mat files"})
    if os.path.exists(output):
        os.remove(output)
    chunk = (len(rows), min(256, data.shape[1]))
    assembly.to_dataset().to_netcdf(output, engine="h5netcdf",
                                    encoding={"data": {"_FillValue": np.nan, "chunksizes": chunk, "zlib": True, "complevel": 1, "shuffle": True}})
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subject", nargs="+", action="append", required=True, metavar=("ID", "FILE"),
                        help="a subject id followed by its examples_*.mat files")
    parser.add_argument("--voxels", nargs=2, action="append", default=[], metavar=("ID", "FILE"),
                        help="a subject's selected voxel indices (.npy or text)")
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    try:
        subjects = []
        for entry in args.subject:
            if len(entry) < 2:
                raise ConversionError(f"--subject {entry[0]} needs at least one .mat file")
            subjects.append((entry[0], entry[1:]))
        print("wrote", convert(subjects, dict(args.voxels), args.output))
    except ConversionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
