#!/usr/bin/env bash
# Regenerates every reference fixture the Swift tests compare against, from the bundled
# sample data (run tools/make_sample_data.py first if you changed it). All numbers come
# from numpy / scipy / scikit-learn / xarray; none from BrainAlign.
# Needs: pip install -r tools/requirements-reference.txt
set -euo pipefail
cd "$(dirname "$0")/.."
python3 tools/make_test_fixtures.py
python3 tools/make_encoding_fixtures.py
python3 tools/make_naturalistic_fixtures.py

P=datasets/Pereira2018_sample; B=datasets/Blank2014_sample; F=datasets/Futrell2018_sample
C=Tests/CommandLineTests/Fixtures; K=Tests/BenchmarksTests/Fixtures
mkdir -p "$C" "$K"
python3 tools/reference_score.py --neural $P.nc --activations ${P}_activations.nc --regression ridge --cv kfold:5 --output $C/sample_ridge_kfold5.json
python3 tools/reference_score.py --neural $P.nc --activations ${P}_activations.nc --regression ols --cv shuffle:10:0.9 --seed 1 --output $C/sample_ols_shuffle10.json
python3 tools/reference_score.py --neural $P.nc --activations ${P}_activations.nc --regression ridge --shared-alpha --alphas 0.1,1,10,100 \
  --inner-cv 4 --cv group:story:4 --output $C/sample_ridge_shared_groupkfold.json
for e in 243 384; do
  python3 tools/reference_brainscore.py linear --neural $P.nc --activations ${P}_activations.nc --experiment ${e}sentences --output $K/pereira${e}_linear.json
  python3 tools/reference_brainscore.py ridge --neural $P.nc --activations ${P}_activations.nc --experiment ${e}sentences --output $K/pereira${e}_ridge.json
done
python3 tools/reference_brainscore.py linear --neural $B.nc --activations ${B}_activations.nc --subject-coordinate subject_id --output $K/blank_linear.json
python3 tools/reference_brainscore.py ridge --neural $B.nc --activations ${B}_activations.nc --subject-coordinate subject_id --folds 8 --output $K/blank_ridge.json
python3 tools/make_wide_pereira_fixture.py
python3 tools/reference_brainscore.py ridge --neural $K/pereira_wide.nc --activations ${P}_activations.nc --experiment 384sentences --output $K/pereira_wide_ridge.json
python3 tools/reference_brainscore.py futrell --neural $F.nc --surprisal ${F}_surprisal.nc --output $K/futrell.json
python3 tools/reference_wehbe.py --subjects datasets/Wehbe2014_sample_F.nc datasets/Wehbe2014_sample_H.nc \
  --activations datasets/Wehbe2014_sample_activations.nc --output $K/wehbe.json
python3 tools/reference_wehbe_original.py --subjects datasets/Wehbe2014_sample_F.nc datasets/Wehbe2014_sample_H.nc \
  --activations datasets/Wehbe2014_sample_activations.nc --output $K/wehbe_original_sample.json
python3 tools/make_wehbe_fixture.py
python3 tools/reference_wehbe_original.py --subjects $K/wehbe_literal_F.nc --activations $K/wehbe_literal_activations.nc --output $K/wehbe_literal.json
L=datasets/LeBel2023_sample
python3 tools/reference_lebel.py --subjects ${L}_UTS01.nc ${L}_UTS02.nc --activations ${L}_activations.nc \
  --test-stories wheretheressmoke --inner bootstrap:20:10:8 --output $K/lebel_bootstrap.json
python3 tools/reference_lebel.py --subjects ${L}_UTS01.nc --activations ${L}_activations.nc --story-folds 5 --delays 1,2 \
  --trim 12:6 --inner stories:2 --output $K/lebel_storyfolds.json
python3 tools/reference_lebel.py --units Tests/EncodingTests/Fixtures/lebel_units.json
python3 tools/make_study_fixtures.py
python3 tools/reference_ceiling.py --make-data $K/ceiling_sample.nc
python3 tools/reference_ceiling.py --neural $K/ceiling_sample.nc --subsets 4 --held-out 2 --bootstraps 20 --seed 3 --output $K/ceiling.json
# Brain-Score's own ceiling on two small assemblies (brainscore_*.nc/json) needs Brain-Score,
# which pins numpy < 2, so it runs from its own environment:
#   python3 -m venv /tmp/venv-brainscore && /tmp/venv-brainscore/bin/pip install brainscore-language==2.3.0
#   /tmp/venv-brainscore/bin/python tools/make_brainscore_ceiling_fixture.py
