"""tools/convert_lebel.py on a small fake ds003020 derivative tree (made by
tools/make_lebel_sample.py's writer): layout, values, and each bad input as one line with
exit code 2 and nothing written."""
import json
import os
import sys

import h5py
import numpy as np
import xarray as xr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import convert_lebel  # noqa: E402
import make_lebel_sample  # noqa: E402


def tree(tmp_path):
    root = tmp_path / "derivative"
    make_lebel_sample.make_tree(str(root), subjects=("UTS01",), voxels=7, seed=5, features=3)
    return root


def convert(root, output, *extra):
    return convert_lebel.main(["--derivative", str(root), "--subject", "UTS01", "--output", str(output), "--slab", "4", *extra])


def test_layout_and_values(tmp_path):
    root = tree(tmp_path)
    assert convert(root, tmp_path / "UTS01.nc") == 0
    ds = xr.open_dataset(tmp_path / "UTS01.nc")
    stories = sorted(s for s, _ in make_lebel_sample.STORIES)  # every .hf5, sorted
    lengths = dict(make_lebel_sample.STORIES)
    assert list(dict.fromkeys(str(s) for s in ds["story"].values)) == stories
    assert ds["data"].shape == (sum(lengths.values()), 7)
    start = 0
    for story in stories:
        n = lengths[story]
        block = ds["data"].values[start:start + n]
        with h5py.File(root / "preprocessed_data" / "UTS01" / f"{story}.hf5") as f:
            np.testing.assert_array_equal(block[10:n - 5], f["resp"][...])
        assert np.isnan(block[:10]).all() and np.isnan(block[n - 5:]).all()
        np.testing.assert_allclose(ds["tr_time"].values[start:start + n], np.arange(n) * 2.0 - 9.0)
        start += n
    # Words: the word tier without 'sp', at the middle of each interval.
    grid = convert_lebel.read_textgrid(str(root / "TextGrids" / "souls.TextGrid"))["word"]
    kept = [(s, e, t) for s, e, t in grid if t != "sp"]
    souls = [i for i, s in enumerate(ds["word_story"].values) if str(s) == "souls"]
    assert [str(ds["word"].values[i]) for i in souls] == [t for _, _, t in kept]
    np.testing.assert_allclose(ds["word_time"].values[souls], [(s + e) / 2 for s, e, _ in kept])
    with h5py.File(tmp_path / "UTS01.nc") as f:
        assert f["data"].chunks == (ds["data"].shape[0], 4)
    assert ds.attrs["subject"] == "UTS01" and ds.attrs["trimmed_head"] == 10


def failure(capsys, code):
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("convert_lebel.py: ")
    return err


def test_bad_inputs_are_one_line_and_write_nothing(tmp_path, capsys):
    root = tree(tmp_path)
    out = tmp_path / "out.nc"
    # respdict disagrees with a story's resp length.
    respdict = json.loads((root / "respdict.json").read_text())
    respdict["souls"] += 1
    (root / "respdict.json").write_text(json.dumps(respdict))
    assert "gives 131 for 'souls'" in failure(capsys, convert(root, out))
    respdict["souls"] -= 1
    (root / "respdict.json").write_text(json.dumps(respdict))
    # a story without a response file, or without a TextGrid
    assert "no such response file (story 'nosuch')" in failure(capsys, convert(root, out, "--stories", "souls,nosuch"))
    os.rename(root / "TextGrids" / "avatar.TextGrid", tmp_path / "kept.TextGrid")
    assert "avatar.TextGrid: cannot read" in failure(capsys, convert(root, out))
    os.rename(tmp_path / "kept.TextGrid", root / "TextGrids" / "avatar.TextGrid")
    # word times out of order in a TextGrid
    path = root / "TextGrids" / "legacy.TextGrid"
    text = path.read_text()
    path.write_text(text.replace("intervals [2]:\n            xmin = ", "intervals [2]:\n            xmin = -50", 1))
    assert "legacy.TextGrid: word times are not increasing" in failure(capsys, convert(root, out))
    path.write_text(text)
    # a response file without `resp`
    resp = root / "preprocessed_data" / "UTS01" / "souls.hf5"
    with h5py.File(resp, "a") as f:
        f.move("resp", "other")
    assert "souls.hf5: no dataset 'resp'" in failure(capsys, convert(root, out))
    assert not out.exists()
    # an existing output is refused without --overwrite
    with h5py.File(resp, "a") as f:
        f.move("other", "resp")
    assert convert(root, out) == 0
    before = out.stat().st_mtime_ns
    assert "already exists" in failure(capsys, convert(root, out))
    assert out.stat().st_mtime_ns == before
