#!/usr/bin/env bash
# GAMO against every over-sampler, core and peers, on the 16 KEEL tables: the
# protocol of section 2 of docs/results.md (5-fold CV, max_iter=500), one
# gamo-benchmark run per table so that finished tables are kept and skipped
# when the script runs again; then the tables, ranks and chart of all of them.
# Needs: pip install -e ".[benchmark,peers,data]" (and smote-variants, see setup.cfg).
# Usage: bash benchmarks/keel_peers.sh [output-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/_static/results/keel-peers}
tables=$(python -c "from gamo_sampler.datasets import KEEL_SUITE; print(*KEEL_SUITE)")
for table in $tables; do
    if [ -f "$out/$table/results.csv" ]; then
        continue
    fi
    gamo-benchmark --datasets "keel:$table" --samplers all --folds 5 --repeats 1 \
        --max-iter 500 --no-progress --output-dir "$out/$table"
done
python - "$out" $tables <<'PY'
import sys
from pathlib import Path

import pandas as pd

out, tables = Path(sys.argv[1]), sys.argv[2:]
parts = [pd.read_csv(out / table / "results.csv") for table in tables]
pd.concat(parts).to_csv(out / "results.csv", index=False)
PY
gamo-benchmark --from-results "$out/results.csv" --output-dir "$out"
