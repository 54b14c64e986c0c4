"""`brainalign run PLAN` end to end with two tiny offline GPT-2 models (random weights saved
to local directories, a word-level tokenizer built here) and a third model that cannot be
loaded offline: extraction by tools/extract_activations.py, scoring by the engine, the summary
checked against each result file with xarray, resume skipping, and a changed extraction
setting refused. Needs torch/transformers and BRAINALIGN_BIN (set by `swift test`)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

torch = pytest.importorskip("torch", reason="torch is not installed: run-plan test skipped")
transformers = pytest.importorskip("transformers", reason="transformers is not installed: run-plan test skipped")
pd = pytest.importorskip("pandas", reason="pandas is not installed: run-plan test skipped")
BINARY = os.environ.get("BRAINALIGN_BIN")
pytestmark = pytest.mark.skipif(not BINARY, reason="BRAINALIGN_BIN is not set (swift test sets it): run-plan test skipped")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_extract_activations import DATA, ROOT, tokenizer  # noqa: E402


def save_model(directory, seed, tok):
    torch.manual_seed(seed)
    config = transformers.GPT2Config(vocab_size=tok.vocab_size, n_layer=2, n_embd=16, n_head=2, n_positions=64,
                                     bos_token_id=2, eos_token_id=2)
    transformers.GPT2LMHeadModel(config).save_pretrained(directory)
    tok.save_pretrained(directory)


def write_plan(path, output, models, layers=None):
    extraction = {"device": "cpu", "batch_size": 16, "python": sys.executable,
                  "extractor": os.path.join(ROOT, "tools", "extract_activations.py")}
    if layers:
        extraction["layers"] = layers
    plan = {"output": str(output), "models": models, "extraction": extraction,
            "benchmarks": [{"name": "Pereira2018", "neural": os.path.join(DATA, "Pereira2018_sample.nc")},
                           {"name": "Futrell2018-pearsonr", "neural": os.path.join(DATA, "Futrell2018_sample.nc")}]}
    path.write_text(json.dumps(plan, indent=1))
    return str(path)


def run(plan, *extra):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return subprocess.run([BINARY, "run", plan, "--threads", "1", *extra], capture_output=True, text=True, env=env)


def test_plan_end_to_end(tmp_path):
    tok = tokenizer()
    save_model(tmp_path / "tiny-base", 0, tok)
    save_model(tmp_path / "tiny-tuned", 1, tok)
    models = [
        {"name": "tiny-base", "model": str(tmp_path / "tiny-base"), "family": "Tiny", "parameters": 12345},
        {"name": "tiny-tuned", "model": str(tmp_path / "tiny-tuned"), "family": "Tiny", "base_model": "tiny-base",
         "instruction_tuned": True, "parameters": 12345},
    ]
    missing = {"name": "absent", "model": "no-such-org/no-such-model", "family": "Tiny"}
    out = tmp_path / "out"
    plan = write_plan(tmp_path / "plan.json", out, models + [missing])
    result = run(plan)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 12, result.stderr  # per model: 2 extractions, 2 scores
    assert "4 steps failed:" in result.stdout
    failed = [l for l in lines if "] failed " in l]
    assert len(failed) == 4 and all("absent" in l for l in failed), result.stderr
    assert any("extract absent pereira: cannot load model 'no-such-org/no-such-model'" in l for l in failed), result.stderr

    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert list(summary["model"]) == ["tiny-base"] * 2 + ["tiny-tuned"] * 2 + ["absent"] * 2
    assert list(summary["status"]) == ["done"] * 4 + ["failed"] * 2
    assert all(m.startswith("extraction failed: cannot load model") for m in summary["message"][4:])
    assert (summary["score"][4:] == "").all()
    nc = xr.open_dataset(out / "summary.nc")
    assert list(nc["model"].values) == list(summary["model"]) and nc.sizes["row"] == 6

    for _, row in summary.iloc[:4].iterrows():
        result_file = xr.open_dataset(out / row["result_file"])
        scores = result_file["score"].values
        best = int(np.nanargmax(scores))
        assert row["best_layer"] == result_file.attrs["best_layer"] == str(result_file["layer"].values[best])
        assert float(row["score"]) == pytest.approx(scores[best], rel=1e-12)
        assert result_file.attrs["model"] == row["model_id"]
        if row["benchmark"] == "Pereira2018":
            assert float(row["relative_depth"]) == best / (len(scores) - 1)
            # Each experiment normalised by its own ceiling at the best layer, then averaged.
            parts = [xr.open_dataset(out / os.path.dirname(row["result_file"]) / str(f)) for f in result_file["part_file"].values]
            normalized = np.mean([min(max(p["score"].values[best] / p.attrs["ceiling"], 0), 1) for p in parts])
            assert float(row["normalized_score"]) == pytest.approx(normalized, rel=1e-12)
            assert int(row["neuroids"]) == sum(p.sizes["neuroid"] for p in parts)
        else:
            assert row["relative_depth"] == "" and float(row["ceiling"]) == pytest.approx(result_file.attrs["ceiling"], rel=1e-12)
            assert float(row["normalized_score"]) == pytest.approx(result_file["normalized_score"].values[best], rel=1e-12)
            assert int(row["neuroids"]) == result_file.sizes["per_subject"]
    activations = xr.open_dataset(out / "activations" / "tiny-tuned" / "pereira.nc")
    assert activations.attrs["model"] == str(tmp_path / "tiny-tuned") and list(activations["layer"].values) == ["layer.0", "layer.1"]

    # Resume without the absent model: every step is recorded with the same provenance.
    plan = write_plan(tmp_path / "plan.json", out, models)
    again = run(plan, "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    events = [json.loads(l) for l in again.stdout.strip().split("\n")]
    assert [e["status"] for e in events if e["event"] == "step"] == ["skipped"] * 8
    assert events[-1]["event"] == "finished" and events[-1]["study"]["pairs"][0]["model"] == "tiny-tuned"
    assert not (out / "logs" / "tiny-base.extract.log").read_text().count("cannot")

    # Another extraction setting is refused before anything is extracted.
    before = (out / "activations" / "tiny-base" / "pereira.nc").stat().st_mtime
    changed = run(write_plan(tmp_path / "plan.json", out, models, layers="layer.1"))
    assert changed.returncode == 1
    assert "refused: layers was 'all', now 'layer.1' since it was extracted; --force extracts it again" in changed.stdout, changed.stdout
    assert (out / "activations" / "tiny-base" / "pereira.nc").stat().st_mtime == before
