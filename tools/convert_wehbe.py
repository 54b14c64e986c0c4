#!/usr/bin/env python3
"""Convert Wehbe et al. (2014) Harry Potter fMRI data into BrainAlign's Wehbe layout.

Two sources are understood:

  cmu     the original CMU release, one MATLAB v5 file per subject (subject_1.mat ...):
          `data` (TR x voxel), `time` (TR x 2: seconds, run), `words` (struct array with
          `text`, `start`, `length`), `meta` (with `colToCoord` when present).
  toneva  Mariya Toneva's redistribution: data_subject_X.npy (the 1,211 kept TRs x voxel),
          time_fmri.npy and runs_fmri.npy (all 1,351 TRs), time_words_fmri.npy and
          words_fmri.npy (5,176 words). The kept TRs are put back on the full TR timeline
          (trimmed TRs become NaN rows), so both sources give the same layout and the
          engine applies the protocol's [20:-15] trimming itself.

Output (netCDF4; see docs/formats.md, "Wehbe2014 subjects"):

  data (tr, voxel) float32, chunked in 256-voxel column slabs, NaN where unavailable
  tr_time (tr) seconds; run (tr) 1..4
  stimulus_id (word) "word.<i>" (i = position in the chapter); word (word) text;
  word_onset (word) seconds; word_duration (word) seconds (cmu only, else 0.5)
  voxel_index (voxel); col_to_coord_1..3 (voxel) when known; language_voxel (voxel) 0/1
  when --language-voxels gives the subject's language voxel indices (.npy, .txt or .mat),
  or --roi-file gives the ROI masks of the summarization study's `HP_subj_roi_inds.npy` (a
  pickled dict: subject letter -> {ROI name -> boolean mask over the subject's voxels};
  'all' is the union of its 8 ROIs) and --roi picks one (default 'all')
  attributes: subject, source, tr_seconds (2.0), voxel_selection (when a mask is given)

Exit status: 0 written; 1 the source data cannot be read or is inconsistent; 2 the voxel
mask does not fit (wrong voxel count, unknown subject or ROI, unreadable mask file).

    python3 tools/convert_wehbe.py cmu subject_1.mat --subject F --output Wehbe2014_F.nc
    python3 tools/convert_wehbe.py toneva --directory HP_data --subject F --output Wehbe2014_F.nc \
        --roi-file HP_subj_roi_inds.npy --roi all
"""
import argparse
import os
import sys

import numpy as np

TRIM_HEAD, TRIM_TAIL = 20, 15


class ConversionError(Exception):
    exit_code = 1


class MaskError(ConversionError):
    """A voxel mask that does not fit the subject's data."""
    exit_code = 2


def _mat_field(struct, name):
    value = struct[name]
    while isinstance(value, np.ndarray) and value.dtype == object and value.size == 1:
        value = value.item()
    while isinstance(value, np.ndarray) and value.size == 1 and value.dtype != object:
        value = value.item()
    return value


def read_cmu(path):
    import scipy.io
    try:
        mat = scipy.io.loadmat(path, squeeze_me=False, struct_as_record=True)
    except Exception as error:  # scipy raises several types for non-MATLAB files
        raise ConversionError(f"{path}: not a MATLAB v5 file scipy can read ({error})")
    for key in ("data", "time", "words"):
        if key not in mat:
            raise ConversionError(f"{path}: no '{key}' variable (found: {', '.join(k for k in mat if not k.startswith('__'))})")
    data = np.asarray(mat["data"], dtype=np.float32)
    time = np.asarray(mat["time"], dtype=np.float64)
    if time.ndim != 2 or time.shape[1] != 2 or time.shape[0] != data.shape[0]:
        raise ConversionError(f"{path}: 'time' has shape {time.shape}; expected ({data.shape[0]}, 2) = (TR, [seconds, run])")
    words = mat["words"].ravel()
    text = [str(_mat_field(w, "text")) for w in words]
    start = np.array([float(_mat_field(w, "start")) for w in words])
    length = np.array([float(_mat_field(w, "length")) for w in words]) if "length" in words.dtype.names else np.full(len(words), 0.5)
    coords = None
    if "meta" in mat and mat["meta"].dtype.names and "colToCoord" in mat["meta"].dtype.names:
        coords = np.asarray(_mat_field(mat["meta"][0, 0], "colToCoord"), dtype=np.float64)
        if coords.ndim != 2 or coords.shape[0] != data.shape[1]:
            coords = None
    return dict(data=data, tr_time=time[:, 0], run=time[:, 1].astype(np.int64), text=text, onset=start, duration=length,
                coords=coords, source=f"CMU release {os.path.basename(path)}")


def kept_positions(runs):
    kept = []
    for run in np.unique(runs):
        idx = np.where(runs == run)[0]
        kept.extend(idx[TRIM_HEAD:len(idx) - TRIM_TAIL])
    return np.array(kept, dtype=np.int64)


def read_toneva(directory, subject):
    def load(name):
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            raise ConversionError(f"{path}: missing (Toneva's layout needs data_subject_{subject}.npy, time_fmri.npy, runs_fmri.npy, time_words_fmri.npy, words_fmri.npy)")
        return np.load(path, allow_pickle=True)
    kept_data = np.asarray(load(f"data_subject_{subject}.npy"), dtype=np.float32)
    tr_time = np.asarray(load("time_fmri.npy"), dtype=np.float64).ravel()
    runs = np.asarray(load("runs_fmri.npy")).ravel().astype(np.int64)
    onsets = np.asarray(load("time_words_fmri.npy"), dtype=np.float64).ravel()
    words = [str(w) for w in np.asarray(load("words_fmri.npy")).ravel()]
    if len(tr_time) != len(runs):
        raise ConversionError(f"{directory}: time_fmri ({len(tr_time)}) and runs_fmri ({len(runs)}) differ in length")
    kept = kept_positions(runs)
    if len(kept) != kept_data.shape[0]:
        raise ConversionError(f"{directory}: data_subject_{subject}.npy has {kept_data.shape[0]} TRs, but trimming each run [{TRIM_HEAD}:-{TRIM_TAIL}] keeps {len(kept)}")
    if len(onsets) != len(words):
        raise ConversionError(f"{directory}: time_words_fmri ({len(onsets)}) and words_fmri ({len(words)}) differ in length")
    data = np.full((len(tr_time), kept_data.shape[1]), np.nan, dtype=np.float32)
    data[kept] = kept_data
    return dict(data=data, tr_time=tr_time, run=runs, text=words, onset=onsets, duration=np.full(len(words), 0.5),
                coords=None, source=f"Toneva redistribution (data_subject_{subject}.npy)")


def read_language_voxels(path, voxels):
    if path.endswith(".npy"):
        try:
            values = np.load(path)
        except ValueError:  # object arrays need allow_pickle: a pickled dict of ROI masks
            raise MaskError(f"{path}: holds pickled objects, not an index list or mask; for the per-subject ROI dict (HP_subj_roi_inds.npy) use --roi-file {path} --roi all")
        except OSError as error:
            raise MaskError(f"{path}: cannot be read as a .npy file ({error})")
    elif path.endswith(".mat"):
        import scipy.io
        mat = scipy.io.loadmat(path)
        keys = [k for k in mat if not k.startswith("__")]
        values = np.asarray(mat[keys[0]])
    else:
        values = np.loadtxt(path)
    values = np.asarray(values).ravel()
    mask = np.zeros(voxels, dtype=np.uint8)
    if values.dtype == bool and len(values) != voxels:
        raise MaskError(f"{path}: a mask of {len(values)} voxels, but the subject's data has {voxels}; the mask is for other data")
    if values.dtype == bool or (len(values) == voxels and set(np.unique(values)) <= {0, 1}):
        mask[:] = values.astype(bool)
    else:
        indices = values.astype(np.int64)
        if indices.min() < 0 or indices.max() >= voxels:
            raise MaskError(f"{path}: language voxel indices must lie in 0..{voxels - 1}")
        mask[indices] = 1
    return mask


def read_roi_mask(path, subject, roi, voxels):
    """The subject's mask for `roi` from a pickled per-subject dict of boolean masks
    (np.load(path, allow_pickle=True).item()[subject][roi])."""
    try:
        table = np.load(path, allow_pickle=True)
        table = table.item() if isinstance(table, np.ndarray) and table.dtype == object and table.shape == () else table
    except (OSError, ValueError) as error:
        raise MaskError(f"{path}: cannot be read as a pickled .npy dict of ROI masks ({error})")
    if not isinstance(table, dict):
        raise MaskError(f"{path}: holds a {type(table).__name__}, not a dict of subject -> {{ROI -> mask}} (for an index list or mask use --language-voxels)")
    if subject not in table:
        raise MaskError(f"{path}: no subject '{subject}' (subjects: {', '.join(sorted(map(str, table)))})")
    rois = table[subject]
    if not isinstance(rois, dict) or roi not in rois:
        names = ", ".join(map(str, rois)) if isinstance(rois, dict) else f"a {type(rois).__name__}, not a dict"
        raise MaskError(f"{path}: subject '{subject}' has no ROI '{roi}' (ROIs: {names})")
    mask = np.asarray(rois[roi]).ravel()
    if mask.dtype != bool and not set(np.unique(mask).tolist()) <= {0, 1}:
        raise MaskError(f"{path}: subject '{subject}' ROI '{roi}' is not a 0/1 mask (dtype {mask.dtype})")
    if len(mask) != voxels:
        raise MaskError(f"{path}: subject '{subject}' ROI '{roi}' masks {len(mask)} voxels, but the subject's data has {voxels}; the mask is for other data")
    if not mask.any():
        raise MaskError(f"{path}: subject '{subject}' ROI '{roi}' selects no voxel")
    return mask.astype(np.uint8)


def write(subject_data, subject, output, language_mask=None, selection=None):
    import xarray as xr
    data = subject_data["data"]
    words = len(subject_data["text"])
    coords = {
        "tr_time": ("tr", subject_data["tr_time"]),
        "run": ("tr", subject_data["run"]),
        "stimulus_id": ("word", np.array([f"word.{i}" for i in range(words)])),
        "word": ("word", np.array(subject_data["text"], dtype=object)),
        "word_onset": ("word", subject_data["onset"]),
        "word_duration": ("word", subject_data["duration"]),
        "voxel_index": ("voxel", np.arange(data.shape[1])),
    }
    if subject_data.get("coords") is not None:
        for axis in range(min(3, subject_data["coords"].shape[1])):
            coords[f"col_to_coord_{axis + 1}"] = ("voxel", subject_data["coords"][:, axis])
    if language_mask is not None:
        coords["language_voxel"] = ("voxel", language_mask)
    ds = xr.Dataset({"data": (("tr", "voxel"), data)}, coords=coords,
                    attrs={"subject": subject, "source": subject_data["source"], "tr_seconds": 2.0,
                           "layout": "BrainAlign Wehbe2014 subject (docs/formats.md)",
                           **({"voxel_selection": selection} if selection else {})})
    if os.path.exists(output):
        os.remove(output)
    chunk = (data.shape[0], min(256, data.shape[1]))
    ds.to_netcdf(output, engine="h5netcdf", encoding={"data": {"chunksizes": chunk, "zlib": True, "complevel": 1, "shuffle": True}})
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="source", required=True)
    cmu = sub.add_parser("cmu", help="from the CMU subject_N.mat")
    cmu.add_argument("mat")
    toneva = sub.add_parser("toneva", help="from Toneva's .npy redistribution")
    toneva.add_argument("--directory", required=True)
    for p in (cmu, toneva):
        p.add_argument("--subject", required=True, help="subject letter (F, H, I, J, K, L, M, N)")
        p.add_argument("--output", required=True)
        voxels = p.add_mutually_exclusive_group()
        voxels.add_argument("--language-voxels", help="the subject's language voxel indices or mask (.npy, .txt, .mat)")
        voxels.add_argument("--roi-file", help="a pickled per-subject dict of ROI masks (HP_subj_roi_inds.npy)")
        p.add_argument("--roi", help="with --roi-file: which ROI marks language_voxel (default 'all', the union of the ROIs)")
    args = parser.parse_args(argv)
    if args.roi and not args.roi_file:
        parser.error("--roi needs --roi-file")
    try:
        subject_data = read_cmu(args.mat) if args.source == "cmu" else read_toneva(args.directory, args.subject)
        voxels = subject_data["data"].shape[1]
        mask, selection = None, None
        if args.roi_file:
            roi = args.roi or "all"
            mask = read_roi_mask(args.roi_file, args.subject, roi, voxels)
            selection = f"{os.path.basename(args.roi_file)}: subject {args.subject}, ROI {roi} ({int(mask.sum())} of {voxels} voxels)"
        elif args.language_voxels:
            mask = read_language_voxels(args.language_voxels, voxels)
            selection = f"{os.path.basename(args.language_voxels)} ({int(mask.sum())} of {voxels} voxels)"
        print("wrote", write(subject_data, args.subject, args.output, mask, selection))
    except ConversionError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
