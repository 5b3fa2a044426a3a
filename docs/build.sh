#!/usr/bin/env bash
# Build the documentation and run every example of the gallery, offline, with
# warnings as errors. The site lands in docs/_build/html (open index.html).
#
#   docs/build.sh                          # full build
#   GAMO_DOCS_PLOT_GALLERY=0 docs/build.sh # text only: skip running the examples
#   GAMO_DOCS_INTERSPHINX=1 docs/build.sh  # link to scikit-learn etc. (needs network)
#
# Needs: pip install ".[docs]"
set -euo pipefail
cd "$(dirname "$0")"
# The examples train small networks: one thread per process avoids the thread
# contention that makes them many times slower on a busy 2-core machine.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export MPLBACKEND=Agg
python -m sphinx -W --keep-going -b html . _build/html "$@"
