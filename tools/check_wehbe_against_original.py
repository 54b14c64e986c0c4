#!/usr/bin/env python3
"""Checks tools/reference_wehbe_original.py against the paper's own code, run unchanged.

The code behind the paper's Wehbe2014 numbers (the encoding pipeline of
mtoneva/brain_language_nlp, `utils/utils.py` and `utils/ridge_tools.py`, which
awwkl/brain_language_summarization reuses as is) reads its inputs from fixed paths under
`./data/fMRI/` and a feature directory. This script writes a BrainAlign Wehbe subject file
and activations file into that layout in a scratch directory, imports the original
`utils` package from a checkout you give it, runs `run_class_time_CV_fmri_crossval_ridge`
for every layer, and compares its per-fold per-voxel correlations with the reference's
JSON for the same inputs. Nothing of the original code is copied here.

Needs what the original imports: numpy, scipy, scikit-learn (nibabel is only imported
there, so a stand-in module is used when it is missing). The activations are handed over
in float64, so agreement is to rounding (the check prints the largest difference; it
fails above --tolerance).

    git clone https://github.com/mtoneva/brain_language_nlp /tmp/brain_language_nlp
    python3 tools/reference_wehbe_original.py --subjects S.nc --activations A.nc --output ref.json
    python3 tools/check_wehbe_against_original.py --original /tmp/brain_language_nlp \\
        --subject S.nc --activations A.nc --reference ref.json
"""
import argparse
import json
import os
import sys
import tempfile
import types

import numpy as np
import xarray as xr


def stage_inputs(directory, subject_path, activations_path):
    """The original's input files: time/runs/word times, the kept TRs' data, one feature
    file per layer (rows in the subject's word order). Returns (data, layer count)."""
    ds, acts = xr.open_dataset(subject_path), xr.open_dataset(activations_path)
    fmri = os.path.join(directory, "data", "fMRI")
    os.makedirs(fmri)
    os.makedirs(os.path.join(directory, "features"))
    np.save(os.path.join(fmri, "time_fmri.npy"), ds["tr_time"].values.astype(np.float64))
    np.save(os.path.join(fmri, "runs_fmri.npy"), ds["run"].values.astype(np.int64))
    np.save(os.path.join(fmri, "time_words_fmri.npy"), ds["word_onset"].values.astype(np.float64))
    position = {str(s): i for i, s in enumerate(acts["stimulus_id"].values)}
    rows = [position[str(w)] for w in ds["stimulus_id"].values]
    for layer in range(acts.sizes["layer"]):
        np.save(os.path.join(directory, "features", f"bert_length_1_layer_{layer}.npy"),
                acts["activations"].values[layer][rows].astype(np.float64))
    runs = ds["run"].values
    data = np.vstack([ds["data"].values[runs == r][20:-15] for r in range(1, int(runs.max()) + 1)]).astype(np.float64)
    return data, acts.sizes["layer"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--original", required=True, help="a checkout of mtoneva/brain_language_nlp (or a repository with the same utils/)")
    parser.add_argument("--subject", required=True)
    parser.add_argument("--activations", required=True)
    parser.add_argument("--reference", required=True, help="tools/reference_wehbe_original.py's JSON for the same files")
    parser.add_argument("--tolerance", type=float, default=1e-10)
    args = parser.parse_args(argv)
    if not os.path.exists(os.path.join(args.original, "utils", "utils.py")):
        print(f"error: {args.original}: no utils/utils.py (expected a brain_language_nlp checkout)", file=sys.stderr)
        return 2
    reference = json.load(open(args.reference))
    name = str(xr.open_dataset(args.subject).attrs.get("subject", ""))
    theirs = [s for s in reference["subjects"] if s["subject"] == name]
    if not theirs:
        print(f"error: {args.reference}: no subject '{name}' (has {[s['subject'] for s in reference['subjects']]})", file=sys.stderr)
        return 2
    sys.modules.setdefault("nibabel", types.ModuleType("nibabel"))  # imported, never used by the encoding
    try:
        import scipy.ndimage.filters  # noqa: F401  (gone from recent scipy)
    except ImportError:
        import scipy.ndimage
        sys.modules["scipy.ndimage.filters"] = scipy.ndimage
    sys.path.insert(0, os.path.abspath(args.original))
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        data, layers = stage_inputs(scratch, args.subject, args.activations)
        os.chdir(scratch)  # the original opens ./data/fMRI/...
        try:
            from utils.utils import run_class_time_CV_fmri_crossval_ridge
            import warnings
            worst = 0.0
            for layer in range(layers):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # its means over word-less TRs
                    corrs = run_class_time_CV_fmri_crossval_ridge(
                        data, dict(nlp_feat_type="bert", nlp_feat_dir=os.path.join(scratch, "features") + "/", layer=layer, seq_len=1))[0]
                expected = np.array(theirs[0]["layers"][layer]["r"], dtype=np.float64)
                difference = float(np.nanmax(np.abs(corrs - expected)))
                same_nan = bool((np.isnan(corrs) == np.isnan(expected)).all())
                print(f"layer {layer}: max |r_original - r_reference| = {difference:.3g}{'' if same_nan else ' (NaN in different places)'}")
                worst = max(worst, difference if same_nan else np.inf)
        finally:
            os.chdir(cwd)
    if worst > args.tolerance:
        print(f"error: the reference differs from the original code by {worst:.3g} (> {args.tolerance})", file=sys.stderr)
        return 1
    print("the reference agrees with the original code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
