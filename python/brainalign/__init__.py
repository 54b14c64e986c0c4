"""BrainAlign from Python: runs the `brainalign` binary and reads what it writes.

Pure Python. The binary is found through the BRAINALIGN_BINARY environment variable, else
on PATH, else in .build/release or .build/debug of the repository this package sits in.
An error of the binary becomes a `BrainAlignError` carrying its one-line message.

    import brainalign
    result = brainalign.score("Pereira2018", neural="Pereira2018_sample.nc",
                              activations="Pereira2018_sample_activations.nc", output="pereira.nc")
    result["score"].to_series()
    table = brainalign.summary(brainalign.run("plan.json"))
"""
import json
import os
import shutil
import subprocess

__all__ = ["BrainAlignError", "binary", "score", "ceiling", "run", "open_result", "summary"]


class BrainAlignError(Exception):
    """The binary refused or failed: `message` is its one-line error, `returncode` its exit
    code (2: bad input, e.g. a bad plan), `stderr` everything it printed there."""

    def __init__(self, message, returncode=1, stderr=""):
        super().__init__(message)
        self.message, self.returncode, self.stderr = message, returncode, stderr


def binary():
    """The path of the `brainalign` executable to call."""
    given = os.environ.get("BRAINALIGN_BINARY")
    if given:
        if not (os.path.isfile(given) and os.access(given, os.X_OK)):
            raise BrainAlignError(f"BRAINALIGN_BINARY={given} is not an executable file")
        return given
    found = shutil.which("brainalign")
    if found:
        return found
    repository = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for configuration in ("release", "debug"):
        candidate = os.path.join(repository, ".build", configuration, "brainalign")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise BrainAlignError("cannot find the brainalign binary: set BRAINALIGN_BINARY, put it on PATH, "
                          "or build it (swift build -c release) in the repository")


def _call(arguments, allow_failure=False):
    """Runs the binary; returns (returncode, stdout). A failure raises BrainAlignError with
    the binary's error line (its first line naming the problem)."""
    completed = subprocess.run([binary(), *arguments], capture_output=True, text=True)
    if completed.returncode != 0 and not (allow_failure and completed.returncode == 1):
        errors = [line for line in completed.stderr.splitlines() if line.startswith("Error: ")]
        message = errors[0][len("Error: "):] if errors else (completed.stderr.strip().splitlines() or [f"exit code {completed.returncode}"])[-1]
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more: see .stderr)"
        raise BrainAlignError(message, completed.returncode, completed.stderr)
    return completed.returncode, completed.stdout


def _resources(arguments, memory, threads, precision):
    if memory is not None:
        arguments += ["--memory", str(memory)]
    if threads is not None:
        arguments += ["--threads", str(int(threads))]
    if precision is not None:
        arguments += ["--precision", precision]
    return arguments


def score(benchmark, neural, activations, output, overwrite=False, ceiling=None, layers=None,
          memory=None, threads=None, precision=None, protocol=None, inner_folds_per_pass=None):
    """`brainalign score --benchmark BENCHMARK`: scores `activations` against `neural` (a
    path, or a list of paths for benchmarks scored per subject) and returns the result file
    opened as an xarray.Dataset (the combination for multi-part benchmarks).

    `benchmark=None` with `protocol` runs a custom protocol instead: a dict of `score`'s
    protocol flags, keys with underscores for dashes, e.g. for the story sample
    `{"test_stories": "wheretheressmoke", "inner_cv": "bootstrap:20:10:8"}`, or
    `{"regression": "ridge", "cv": "kfold:5"}` (`True` passes a flag without a value;
    lists are joined with commas). The binary checks them as on the command line.

    `inner_folds_per_pass` (`--inner-folds-per-pass`) caps how many inner folds (bootstrap
    draws) a ridge penalty is selected over per pass of the neural data; it changes memory
    and time, never the result, so it goes with a benchmark name too."""
    neural = [neural] if isinstance(neural, (str, os.PathLike)) else list(neural)
    if (benchmark is None) == (protocol is None):
        raise BrainAlignError("give a benchmark name or a protocol (a dict of score's protocol flags), not both or neither")
    arguments = ["score"] + (["--benchmark", benchmark] if benchmark is not None else [])
    for key, value in (protocol or {}).items():
        flag = "--" + str(key).replace("_", "-")
        if value is True:
            arguments.append(flag)
        elif value is not False and value is not None:
            arguments += [flag, ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)]
    arguments += ["--activations", os.fspath(activations), "--output", os.fspath(output), "--quiet"]
    for path in neural:
        arguments += ["--neural", os.fspath(path)]
    if overwrite:
        arguments.append("--overwrite")
    if ceiling is not None:
        arguments += ["--ceiling", os.fspath(ceiling)]
    if layers is not None:
        arguments += ["--layers", layers if isinstance(layers, str) else ",".join(layers)]
    if inner_folds_per_pass is not None:
        arguments += ["--inner-folds-per-pass", str(int(inner_folds_per_pass))]
    _call(_resources(arguments, memory, threads, precision))
    return open_result(output)


def ceiling(benchmark, neural, output, overwrite=False, seed=None, memory=None, threads=None, procedure=None):
    """`brainalign ceiling`: the noise ceiling of `neural` under `benchmark`'s protocol;
    returns the ceiling file as an xarray.Dataset (`.attrs["ceiling"]` is the value).
    `procedure`: None or "brainscore" (Brain-Score 2.3.0's, exactly; deterministic) or
    "sampled" (random subsets; `seed` applies to it and to Futrell2018-pearsonr: with the
    exact procedure, which draws no random subsets, the binary refuses `seed`)."""
    arguments = ["ceiling", "--benchmark", benchmark, "--neural", os.fspath(neural), "--output", os.fspath(output), "--quiet"]
    if overwrite:
        arguments.append("--overwrite")
    if procedure is not None:
        arguments += ["--procedure", procedure]
    if seed is not None:
        arguments += ["--seed", str(int(seed))]
    _call(_resources(arguments, memory, threads, None))
    return open_result(output)


def run(plan, force=False, memory=None, threads=None, precision=None, check=True):
    """`brainalign run PLAN`: returns the run's output folder (pass it to `summary`). `plan`
    is a path, or a dict written to a temporary JSON file beside nothing (relative paths in
    a dict are relative to the current directory). With `check` (the default) a step that
    failed raises BrainAlignError listing the failures; with check=False they are only in
    the summary's `status` and `message` columns."""
    temporary = None
    if isinstance(plan, dict):
        import tempfile
        plan = dict(plan)
        plan["output"] = os.path.abspath(plan["output"])
        handle, temporary = tempfile.mkstemp(suffix=".json", dir=os.getcwd(), prefix=".brainalign-plan-")
        with os.fdopen(handle, "w") as f:
            json.dump(plan, f)
        plan_path = temporary
    else:
        plan_path = os.fspath(plan)
    try:
        arguments = _resources(["run", plan_path, "--json"] + (["--force"] if force else []), memory, threads, precision)
        code, stdout = _call(arguments, allow_failure=True)
    finally:
        if temporary:
            os.remove(temporary)
    events = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    finished = events[-1] if events and events[-1].get("event") == "finished" else None
    if finished is None:
        raise BrainAlignError("brainalign run ended without a summary", code)
    folder = os.path.dirname(finished["summary_csv"])
    if check and code != 0:
        failures = "; ".join(f"{e['kind']} {e.get('model') or ''} {e.get('benchmark') or e.get('readout')}: {e['message']}"
                             for e in finished["failed"])
        raise BrainAlignError(f"{len(finished['failed'])} step(s) failed: {failures}", code)
    return folder


def open_result(path):
    """A BrainAlign result (or ceiling) file as an xarray.Dataset, loaded into memory (so the
    file is not held open). Refuses files that are not BrainAlign results."""
    import xarray as xr
    path = os.fspath(path)
    if not os.path.exists(path):
        raise BrainAlignError(f"{path}: no such file")
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        if "result_schema_version" not in ds.attrs:
            raise BrainAlignError(f"{path} is not a BrainAlign result file (no result_schema_version attribute)")
        return ds.load()


def summary(folder):
    """A run's summary.csv as a pandas.DataFrame: one row per model x benchmark (numbers as
    floats, NaN where a step has none; failed steps have status 'failed' and a message)."""
    import pandas as pd
    path = os.path.join(os.fspath(folder), "summary.csv")
    if not os.path.exists(path):
        raise BrainAlignError(f"{path}: no such file (is {folder} the output folder of brainalign run?)")
    frame = pd.read_csv(path, dtype={"model": str, "model_id": str, "revision": str, "family": str, "base_model": str,
                                     "benchmark": str, "status": str, "best_layer": str, "result_file": str, "message": str},
                        keep_default_na=False, na_values={c: [""] for c in ["parameters", "best_layer_index", "layers", "relative_depth",
                                                                           "score", "ceiling", "normalized_score", "subject_spread",
                                                                           "subjects", "neuroids"]})
    frame["instruction_tuned"] = frame["instruction_tuned"].astype(str).str.lower() == "true"
    return frame
