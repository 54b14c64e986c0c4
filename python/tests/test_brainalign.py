"""The Python package against the bundled samples: it calls the built binary (BRAINALIGN_BINARY,
set by `swift test`, else PATH or the repository's .build) and reads results with xarray."""
import json
import os
import sys

import numpy as np
import pytest
import xarray as xr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import brainalign  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "datasets")


def data(name):
    return os.path.abspath(os.path.join(DATA, name))


def test_score_returns_the_result_as_xarray(tmp_path):
    result = brainalign.score("Pereira2018.384sentences-linear", neural=data("Pereira2018_sample.nc"),
                              activations=data("Pereira2018_sample_activations.nc"), output=tmp_path / "p384.nc", threads=1)
    assert isinstance(result, xr.Dataset)
    assert result.attrs["benchmark"] == "Pereira2018.384sentences-linear"
    assert result.attrs["best_layer"] == str(result["layer"].values[int(np.nanargmax(result["score"].values))])
    assert result["r"].dims == ("layer", "split", "neuroid")
    # The same file read directly: open_result is the file, nothing recomputed.
    direct = xr.open_dataset(tmp_path / "p384.nc")
    np.testing.assert_array_equal(direct["score"].values, result["score"].values)


def test_a_custom_protocol_runs_the_story_sample(tmp_path):
    result = brainalign.score(None, neural=[data("LeBel2023_sample_UTS01.nc"), data("LeBel2023_sample_UTS02.nc")],
                              activations=data("LeBel2023_sample_activations.nc"), output=tmp_path / "story.nc", threads=1,
                              protocol={"test_stories": "wheretheressmoke", "inner_cv": "bootstrap:20:10:8", "delays": [1, 2, 3, 4]})
    # The combination of the two subjects: each subject's file holds its per-voxel r.
    assert np.isfinite(result["score"].values).all()
    for subject in ("UTS01", "UTS02"):
        part = xr.open_dataset(tmp_path / f"story.{subject}.nc")
        assert part["r"].sizes["neuroid"] == 200
    with pytest.raises(brainalign.BrainAlignError) as error:
        brainalign.score(None, neural=data("LeBel2023_sample_UTS01.nc"), activations=data("LeBel2023_sample_activations.nc"),
                         output=tmp_path / "bad.nc", protocol={"test_stories": "nosuchstory"})
    assert "nosuchstory" in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(brainalign.BrainAlignError):
        brainalign.score(None, neural=data("LeBel2023_sample_UTS01.nc"), activations=data("LeBel2023_sample_activations.nc"),
                         output=tmp_path / "none.nc")


def test_penalties_selected_in_passes_give_the_same_result(tmp_path):
    # (The bundled story sample is too short for LeBel2023's own 125-chunk draws, so the
    # story protocol runs with smaller draws; the keyword goes with a benchmark name alike.)
    arguments = dict(neural=data("LeBel2023_sample_UTS01.nc"), activations=data("LeBel2023_sample_activations.nc"), threads=1,
                     protocol={"test_stories": "wheretheressmoke", "inner_cv": "bootstrap:20:10:8", "delays": [1, 2, 3, 4]})
    whole = brainalign.score(None, output=tmp_path / "whole.nc", **arguments)
    passes = brainalign.score(None, output=tmp_path / "passes.nc", inner_folds_per_pass=7, **arguments)
    np.testing.assert_array_equal(whole["r"].values, passes["r"].values)
    np.testing.assert_array_equal(whole["alpha"].values, passes["alpha"].values)
    with pytest.raises(brainalign.BrainAlignError, match="at least 1"):
        brainalign.score(None, output=tmp_path / "bad.nc", inner_folds_per_pass=0, **arguments)


def test_errors_are_exceptions_with_the_binarys_one_line_message(tmp_path):
    with pytest.raises(brainalign.BrainAlignError) as error:
        brainalign.score("Pereira2019", neural=data("Pereira2018_sample.nc"), activations=data("Pereira2018_sample_activations.nc"),
                         output=tmp_path / "x.nc")
    assert "unknown benchmark 'Pereira2019'" in error.value.message and "\n" not in error.value.message
    assert error.value.returncode != 0
    target = tmp_path / "exists.nc"
    target.write_text("mine")
    with pytest.raises(brainalign.BrainAlignError, match="already exists; use --overwrite"):
        brainalign.score("Blank2014-linear", neural=data("Blank2014_sample.nc"), activations=data("Blank2014_sample_activations.nc"),
                         output=target)
    assert target.read_text() == "mine"
    with pytest.raises(brainalign.BrainAlignError, match="is not a BrainAlign result file"):
        brainalign.open_result(data("Pereira2018_sample.nc"))


def test_ceiling(tmp_path):
    ceiling = brainalign.ceiling("Futrell2018-pearsonr", neural=data("Futrell2018_sample.nc"), output=tmp_path / "c.nc")
    assert ceiling.attrs["result_kind"] == "ceiling"
    assert float(np.asarray(ceiling.attrs["ceiling"]).reshape(())) == pytest.approx(0.860, abs=5e-4)


def test_run_and_summary(tmp_path):
    activations = {"pereira": data("Pereira2018_sample_activations.nc"), "futrell": data("Futrell2018_sample_surprisal.nc")}
    plan = {"output": str(tmp_path / "out"),
            "models": [{"name": "base", "model": "org/base", "family": "F", "parameters": 1e6, "activations": activations},
                       {"name": "tuned", "model": "org/tuned", "family": "F", "base_model": "base", "instruction_tuned": True,
                        "parameters": 1e6, "activations": activations}],
            "benchmarks": [{"name": "Pereira2018", "neural": data("Pereira2018_sample.nc")},
                           {"name": "Futrell2018-pearsonr", "neural": data("Futrell2018_sample.nc")}]}
    folder = brainalign.run(plan, threads=1)
    frame = brainalign.summary(folder)
    assert list(frame["model"]) == ["base", "base", "tuned", "tuned"]
    assert frame["instruction_tuned"].tolist() == [False, False, True, True]
    assert frame["score"].dtype == float and np.isnan(frame["relative_depth"][1])
    for _, row in frame.iterrows():
        result = brainalign.open_result(os.path.join(folder, row["result_file"]))
        assert row["score"] == pytest.approx(float(np.nanmax(result["score"].values)), rel=1e-12)
    # A bad plan: exit code 2, the first problem as the message.
    plan["benchmarks"][0]["name"] = "Nope"
    with pytest.raises(brainalign.BrainAlignError) as error:
        brainalign.run(plan)
    assert error.value.returncode == 2 and "unknown benchmark 'Nope'" in error.value.message
    # A failing step raises unless check=False.
    path = tmp_path / "plan.json"
    plan["benchmarks"][0]["name"] = "Pereira2018"
    plan["models"][1]["activations"] = dict(activations, futrell=data("Pereira2018_sample_activations.nc"))
    plan["output"] = str(tmp_path / "out2")
    path.write_text(json.dumps(plan))
    with pytest.raises(brainalign.BrainAlignError, match=r"1 step\(s\) failed: score tuned Futrell2018-pearsonr"):
        brainalign.run(path)
    frame = brainalign.summary(brainalign.run(path, check=False))
    assert list(frame["status"]) == ["done", "done", "done", "failed"]


def test_binary_lookup(monkeypatch, tmp_path):
    monkeypatch.setenv("BRAINALIGN_BINARY", str(tmp_path / "none"))
    with pytest.raises(brainalign.BrainAlignError, match="is not an executable file"):
        brainalign.binary()
    monkeypatch.delenv("BRAINALIGN_BINARY")
    monkeypatch.setenv("PATH", str(tmp_path))
    found = brainalign.binary()  # falls back to the repository's build
    assert found.endswith(os.path.join(".build", "release", "brainalign")) or found.endswith(os.path.join(".build", "debug", "brainalign"))
