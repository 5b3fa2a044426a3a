#!/usr/bin/env bash
# Rerun sections 1, 2 and 4 of docs/results.md on the current code, writing the
# files those sections cite. Takes about an hour on an idle 2-core machine.
# Usage: bash benchmarks/rerun_results.sh [section ...]   (default: 1 4 2)
set -euo pipefail
cd "$(dirname "$0")/.."
results=docs/_static/results
seeds="0 1 2 3 4 5 6 7 8 9"

section1() {
    gamo-benchmark --output-dir $results/digits
    gamo-benchmark --max-iter 2000 --output-dir $results/digits-2000
}

vs_plain() {  # vs_plain FILE ARGS...: one digits_vs_plain run, logged with its command
    local file=$1
    shift
    local command="python benchmarks/digits_vs_plain.py $*"
    { echo "# $command"; $command; } > "$results/vs-plain/$file"
}

section4() {
    mkdir -p $results/vs-plain
    vs_plain defaults.txt --datasets digits mnist toy2d --seeds $seeds
    local sweep=$results/vs-plain/max_iter_sweep.txt
    echo "# for N in 250 500 1000 4000: python benchmarks/digits_vs_plain.py --datasets digits --seeds $seeds --max-iter N" > $sweep
    for n in 250 500 1000 4000; do
        python benchmarks/digits_vs_plain.py --datasets digits --seeds $seeds --max-iter $n >> $sweep
    done
    vs_plain matched_updates.txt --datasets digits mnist --seeds $seeds --matched-updates
    vs_plain global_scaling.txt --datasets digits mnist --seeds $seeds --global-scaling
}

section2() {
    gamo-benchmark --datasets keel --folds 5 --repeats 1 --max-iter 500 \
        --output-dir $results/keel
    gamo-benchmark --datasets keel:yeast4 keel:page-blocks0 keel:abalone19 \
        --samplers none smote gamo --classifiers mlp gamo --folds 5 --repeats 1 \
        --max-iter 2000 --output-dir $results/keel-2000
}

for section in "${@:-1 4 2}"; do
    for s in $section; do "section$s"; done
done
