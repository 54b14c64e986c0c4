"""tools/copy_brainscore_assemblies.py on fake BrainIO caches (no network): where the cache
is, both cache layouts, refusal of ambiguous or conflicting files, atomic idempotent copies."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import copy_brainscore_assemblies as cba  # noqa: E402


def fake_cache(root, layout="named"):
    """assy_*.nc files as brainio leaves them: in a folder named after the assembly or its sha1."""
    files = {}
    for name, stem in cba.ASSEMBLIES.items():
        folder = root / (stem if layout == "named" else f"{abs(hash(stem)):040x}"[:40])
        folder.mkdir(parents=True)
        path = folder / f"{stem}.nc"
        path.write_bytes(f"netcdf {name}".encode() * 100)
        files[name] = path
    (root / "assy_Futrell2018_other").mkdir()
    (root / "assy_Futrell2018_other" / "assy_Futrell2018_other.nc").write_bytes(b"another assembly")
    return files


def test_cache_location(monkeypatch, tmp_path):
    assert cba.cache_directory(str(tmp_path)) == str(tmp_path)
    assert cba.cache_directory(None, {"BRAINIO_HOME": str(tmp_path / "b")}) == str(tmp_path / "b")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cba.cache_directory(None, {}) == str(tmp_path / "home" / ".brainio")


@pytest.mark.parametrize("layout", ["named", "sha1"])
def test_copies_every_assembly_once(tmp_path, capsys, layout):
    files = fake_cache(tmp_path / "cache", layout)
    out = tmp_path / "data"
    assert cba.main(["--cache", str(tmp_path / "cache"), "--output", str(out)]) == 0
    assert sorted(os.listdir(out)) == sorted(f"{s}.nc" for s in cba.ASSEMBLIES.values())
    for name, path in files.items():
        assert (out / path.name).read_bytes() == path.read_bytes()
    assert capsys.readouterr().out.count(": copied ") == 3
    # A second run finds the same files there and leaves them.
    assert cba.main(["--cache", str(tmp_path / "cache"), "--output", str(out)]) == 0
    assert capsys.readouterr().out.count(": unchanged ") == 3
    assert sorted(os.listdir(out)) == sorted(f"{s}.nc" for s in cba.ASSEMBLIES.values())


def test_refusals_leave_everything_as_it_was(tmp_path, capsys):
    files = fake_cache(tmp_path / "cache")
    out = tmp_path / "data"
    out.mkdir()
    (out / "assy_Blank2014_fROI.nc").write_bytes(b"mine")
    assert cba.main(["--cache", str(tmp_path / "cache"), "--output", str(out), "Blank2014"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists and differs" in err and "--overwrite" in err
    assert (out / "assy_Blank2014_fROI.nc").read_bytes() == b"mine"
    assert cba.main(["--cache", str(tmp_path / "cache"), "--output", str(out), "Blank2014", "--overwrite"]) == 0
    assert (out / "assy_Blank2014_fROI.nc").read_bytes() == files["Blank2014"].read_bytes()
    # Two different cached copies of one assembly: which is right cannot be told.
    stale = tmp_path / "cache" / ("0" * 40)
    stale.mkdir()
    (stale / "assy_Pereira2018_language.nc").write_bytes(b"older download")
    assert cba.main(["--cache", str(tmp_path / "cache"), "--output", str(tmp_path / "fresh")]) == 1
    err = capsys.readouterr().err
    assert "Pereira2018: 2 different cached files" in err
    assert not (tmp_path / "fresh").exists()  # nothing copied, not even the unambiguous ones
    # Missing data, a missing cache, an output that is a file.
    empty = tmp_path / "empty"
    empty.mkdir()
    for argv, expected in [(["--cache", str(empty), "--output", str(out)], "no assy_Pereira2018_language.nc under"),
                           (["--cache", str(tmp_path / "none"), "--output", str(out)], "no BrainIO cache there"),
                           (["--cache", str(tmp_path / "cache"), "--output", str(out / "assy_Blank2014_fROI.nc")], "is not a folder"),
                           (["--cache", str(tmp_path / "cache"), "--output", str(out), "Wehbe2014"], "unknown assembly Wehbe2014")]:
        assert cba.main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and expected in err and err.count("\n") == 1, err
    assert not [f for f in os.listdir(out) if f.endswith(".partial")]
