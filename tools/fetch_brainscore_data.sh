#!/usr/bin/env bash
# Downloads the real Pereira2018, Blank2014 and Futrell2018 assemblies through
# brainscore-language and copies them into a data folder (default: data/).
#
#   bash tools/fetch_brainscore_data.sh [DATA_DIR]
#
# brainscore-language pins numpy<2 and transformers<5, so it gets a virtual environment of
# its own (BRAINSCORE_VENV, default .venv-brainscore) instead of BrainAlign's Python. Brain-Score
# caches the downloads in $BRAINIO_HOME (default ~/.brainio); the copy step
# (tools/copy_brainscore_assemblies.py) needs only the standard library.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-data}
venv=${BRAINSCORE_VENV:-.venv-brainscore}

if [ ! -x "$venv/bin/python" ]; then
  echo "fetch: creating $venv for brainscore-language" >&2
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import brainscore_language" 2>/dev/null; then
  echo "fetch: installing brainscore-language into $venv" >&2
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q "numpy<2" "transformers<5" brainscore-language
fi
echo "fetch: downloading the assemblies (cached in ${BRAINIO_HOME:-~/.brainio})" >&2
"$venv/bin/python" - <<'PY'
from brainscore_language import load_dataset
for identifier in ["Pereira2018.language", "Blank2014.fROI", "Futrell2018"]:
    assembly = load_dataset(identifier)
    print(f"fetch: {identifier}: {dict(assembly.sizes)}", flush=True)
PY
python3 tools/copy_brainscore_assemblies.py --output "$data"
echo "fetch: done; score with e.g. brainalign score --benchmark Pereira2018 --neural $data/assy_Pereira2018_language.nc ..." >&2
