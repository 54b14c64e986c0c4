"""Tests of the format converters (run by the Swift test suite through pytest).

Synthetic files in the original layouts are written with scipy/numpy, converted, and read
back with xarray; when BRAINALIGN_BIN names the built `brainalign`, the converted files are
also scored end to end.
"""
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.io
import xarray as xr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import convert_pereira  # noqa: E402
import convert_wehbe  # noqa: E402


def pereira_mat(path, n_sentences, n_voxels, seed):
    rng = np.random.RandomState(seed)
    sentences = np.array([f"Sentence {i}." for i in range(n_sentences)], dtype=object)
    passages = np.arange(n_sentences) // 4 + 1
    scipy.io.savemat(path, {
        "examples": rng.randn(n_sentences, n_voxels),
        "keySentences": sentences.reshape(-1, 1),
        "labelsPassageForEachSentence": passages.reshape(-1, 1),
        "labelsPassageCategory": (np.arange(passages.max()) % 3 + 1).reshape(-1, 1),
        "keyPassageCategory": np.array(["animal", "music", "tool"], dtype=object).reshape(1, -1),
        "meta": {"colToCoord": np.arange(n_voxels * 3).reshape(-1, 3)},
    })


def test_pereira_two_subjects_one_missing_an_experiment(tmp_path):
    for subject, seed in (("M01", 1), ("M02", 2)):
        os.makedirs(tmp_path / subject)
        pereira_mat(str(tmp_path / subject / "examples_384sentences.mat"), 24, 5, seed)
    pereira_mat(str(tmp_path / "M01" / "examples_243sentences.mat"), 12, 5, 3)
    out = str(tmp_path / "pereira.nc")
    assert convert_pereira.main(["--subject", "M01", str(tmp_path / "M01/examples_384sentences.mat"), str(tmp_path / "M01/examples_243sentences.mat"),
                                 "--subject", "M02", str(tmp_path / "M02/examples_384sentences.mat"), "--output", out]) == 0
    ds = xr.open_dataset(out)
    assert dict(ds.sizes) == {"presentation": 36, "neuroid": 10}
    assert list(ds["stimulus_id"].values[:2]) == ["243sentences.0", "243sentences.1"]
    m02 = ds["data"].values[:, ds["subject"].values == "M02"]
    is243 = ds["experiment"].values == "243sentences"
    assert np.isnan(m02[is243]).all() and not np.isnan(m02[~is243]).any()
    assert ds["neuroid_id"].values[0] == "M01.0"
    assert set(ds["passage_category"].values) <= {"animal", "music", "tool"}
    original = scipy.io.loadmat(str(tmp_path / "M02/examples_384sentences.mat"))["examples"]
    np.testing.assert_array_equal(m02[~is243], original)

    binary = os.environ.get("BRAINALIGN_BIN")
    if binary:
        acts = str(tmp_path / "acts.nc")
        rng = np.random.RandomState(9)
        xr.Dataset({"activations": (("layer", "presentation", "feature"), rng.randn(2, 36, 6).astype(np.float32))},
                   coords={"layer": ["a", "b"], "stimulus_id": ("presentation", ds["stimulus_id"].values)}).to_netcdf(acts)
        result = subprocess.run([binary, "score", "--benchmark", "Pereira2018.384sentences-linear", "--neural", out,
                                 "--activations", acts, "--output", str(tmp_path / "r.nc"), "--quiet"], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert "24 stimuli x 10 neuroids" in result.stdout


def test_pereira_errors(tmp_path):
    bad = str(tmp_path / "examples_384sentences.mat")
    scipy.io.savemat(bad, {"examples": np.zeros((3, 2))})
    assert convert_pereira.main(["--subject", "M01", bad, "--output", str(tmp_path / "x.nc")]) == 1
    wrong_name = str(tmp_path / "subject.mat")
    pereira_mat(wrong_name, 4, 2, 0)
    with pytest.raises(convert_pereira.ConversionError, match="cannot tell the experiment"):
        convert_pereira.convert([("M01", [wrong_name])], {}, str(tmp_path / "y.nc"))


def wehbe_inputs(tmp_path, n_runs=4, trs=60):
    run = np.repeat(np.arange(1, n_runs + 1), trs)
    tr_time = np.arange(len(run)) * 2.0
    onsets = np.array([t + 0.5 for t in tr_time[::2]])
    rng = np.random.RandomState(4)
    data = rng.randn(len(run), 7)
    return run, tr_time, onsets, data


def test_wehbe_cmu_and_toneva_agree(tmp_path):
    run, tr_time, onsets, data = wehbe_inputs(tmp_path)
    words = np.zeros((1, len(onsets)), dtype=[("text", object), ("start", object), ("length", object)])
    for i, t in enumerate(onsets):
        words[0, i] = (np.array([f"w{i}"]), np.array([[t]]), np.array([[0.5]]))
    mat = str(tmp_path / "subject_1.mat")
    scipy.io.savemat(mat, {"data": data, "time": np.column_stack([tr_time, run]), "words": words})
    cmu_out = str(tmp_path / "cmu.nc")
    assert convert_wehbe.main(["cmu", mat, "--subject", "F", "--output", cmu_out]) == 0
    kept = convert_wehbe.kept_positions(run)
    assert len(kept) == 4 * (60 - 35)
    np.save(tmp_path / "data_subject_F.npy", data[kept])
    np.save(tmp_path / "time_fmri.npy", tr_time)
    np.save(tmp_path / "runs_fmri.npy", run)
    np.save(tmp_path / "time_words_fmri.npy", onsets)
    np.save(tmp_path / "words_fmri.npy", np.array([f"w{i}" for i in range(len(onsets))]))
    toneva_out = str(tmp_path / "toneva.nc")
    assert convert_wehbe.main(["toneva", "--directory", str(tmp_path), "--subject", "F", "--output", toneva_out]) == 0
    a, b = xr.open_dataset(cmu_out), xr.open_dataset(toneva_out)
    np.testing.assert_allclose(a["data"].values[kept], b["data"].values[kept], rtol=1e-6)
    assert np.isnan(b["data"].values[0]).all()
    assert list(a["stimulus_id"].values[:2]) == ["word.0", "word.1"]
    np.testing.assert_array_equal(a["word_onset"].values, onsets)
    np.testing.assert_array_equal(a["run"].values, run)


def test_wehbe_errors(tmp_path):
    run, tr_time, onsets, data = wehbe_inputs(tmp_path)
    np.save(tmp_path / "data_subject_F.npy", data[:90])  # 100 TRs are kept
    np.save(tmp_path / "time_fmri.npy", tr_time)
    np.save(tmp_path / "runs_fmri.npy", run)
    np.save(tmp_path / "time_words_fmri.npy", onsets)
    np.save(tmp_path / "words_fmri.npy", np.array(["w"] * len(onsets)))
    with pytest.raises(convert_wehbe.ConversionError, match="trimming each run"):
        convert_wehbe.read_toneva(str(tmp_path), "F")
    with pytest.raises(convert_wehbe.ConversionError, match="missing"):
        convert_wehbe.read_toneva(str(tmp_path), "Z")
    text = tmp_path / "not.mat"
    text.write_text("hello")
    assert convert_wehbe.main(["cmu", str(text), "--subject", "F", "--output", str(tmp_path / "o.nc")]) == 1


def toneva_directory(tmp_path, voxels=7):
    run, tr_time, onsets, data = wehbe_inputs(tmp_path)
    kept = convert_wehbe.kept_positions(run)
    np.save(tmp_path / "data_subject_F.npy", data[kept][:, :voxels])
    np.save(tmp_path / "time_fmri.npy", tr_time)
    np.save(tmp_path / "runs_fmri.npy", run)
    np.save(tmp_path / "time_words_fmri.npy", onsets)
    np.save(tmp_path / "words_fmri.npy", np.array([f"w{i}" for i in range(len(onsets))]))


def roi_file(path, voxels_by_subject):
    """A synthetic HP_subj_roi_inds.npy: a pickled dict subject -> {ROI -> boolean mask}, 'all'
    the union of the ROIs, saved the way np.save stores a dict (a 0-d object array)."""
    table = {}
    for subject, voxels in voxels_by_subject.items():
        rois = {"PostTemp": np.arange(voxels) % 3 == 0, "IFG": np.arange(voxels) == 1}
        rois = {"all": rois["PostTemp"] | rois["IFG"], **rois}
        table[subject] = rois
    np.save(path, table)
    return table


def test_wehbe_roi_file_selects_the_subjects_mask(tmp_path):
    toneva_directory(tmp_path)
    table = roi_file(tmp_path / "HP_subj_roi_inds.npy", {"F": 7, "H": 9})
    with pytest.raises(ValueError):  # what the plain index-list reader met before
        np.load(tmp_path / "HP_subj_roi_inds.npy")
    out = str(tmp_path / "all.nc")
    assert convert_wehbe.main(["toneva", "--directory", str(tmp_path), "--subject", "F", "--output", out,
                               "--roi-file", str(tmp_path / "HP_subj_roi_inds.npy")]) == 0
    ds = xr.open_dataset(out)
    np.testing.assert_array_equal(ds["language_voxel"].values, table["F"]["all"].astype(np.uint8))
    assert "ROI all (4 of 7 voxels)" in ds.attrs["voxel_selection"]
    out = str(tmp_path / "ifg.nc")
    assert convert_wehbe.main(["toneva", "--directory", str(tmp_path), "--subject", "F", "--output", out,
                               "--roi-file", str(tmp_path / "HP_subj_roi_inds.npy"), "--roi", "IFG"]) == 0
    np.testing.assert_array_equal(xr.open_dataset(out)["language_voxel"].values, [0, 1, 0, 0, 0, 0, 0])


def test_wehbe_roi_file_errors(tmp_path, capsys):
    toneva_directory(tmp_path)
    roi_file(tmp_path / "rois.npy", {"F": 9, "H": 7})
    base = ["toneva", "--directory", str(tmp_path), "--subject", "F", "--output", str(tmp_path / "o.nc")]

    def fails(*extra, match):
        assert convert_wehbe.main(base + list(extra)) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("error: ") and match in err, err
        assert not os.path.exists(tmp_path / "o.nc")

    fails("--roi-file", str(tmp_path / "rois.npy"), match="masks 9 voxels, but the subject's data has 7")
    fails("--roi-file", str(tmp_path / "rois.npy"), "--roi", "AngularG", match="no ROI 'AngularG' (ROIs: all, PostTemp, IFG)")
    roi_file(tmp_path / "others.npy", {"G": 7})
    fails("--roi-file", str(tmp_path / "others.npy"), match="no subject 'F' (subjects: G)")
    fails("--language-voxels", str(tmp_path / "rois.npy"), match="use --roi-file")
    np.save(tmp_path / "short.npy", np.ones(5, dtype=bool))
    fails("--language-voxels", str(tmp_path / "short.npy"), match="a mask of 5 voxels, but the subject's data has 7")
