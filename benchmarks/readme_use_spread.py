"""How much the numbers that README.md's "Use" block prints move with the seed.

The block trains four models on the 2-D toy (``make_toy_2d``) with
``random_state=0`` and prints their balanced accuracy on a fixed test set, and
three probabilities. On another CPU, PyTorch's kernels round differently, and
Adam turns those last bits into moves of up to a step, so a fit there is
another draw of the training noise: like a change of seed with the same data.
This script reruns the block's four models for seeds 0 to 9 (the data stay
fixed) and prints each figure's mean, standard deviation and range, from which
``tests/test_docs_snippets.py`` takes its tolerance.

Run: ``python benchmarks/readme_use_spread.py`` (about 2 minutes on 2 cores).
"""

import numpy as np
import torch
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline
from sklearn.metrics import balanced_accuracy_score

from gamo_sampler import GAMOClassifier, GAMOSampler
from gamo_sampler.datasets import make_toy_2d

MAX_ITER = 500  # as in the README block
SEEDS = range(10)


def figures(seed, X, y, X_test, y_test):
    """The block's printed numbers with ``random_state=seed`` everywhere."""

    def network():
        return GAMOClassifier(
            sampling_strategy={}, max_iter=MAX_ITER, random_state=seed
        )

    out = {}
    for name, sampler in [
        ("no resampling", "passthrough"),
        ("SMOTE", SMOTE(random_state=seed)),
        ("GAMOSampler", GAMOSampler(max_iter=MAX_ITER, random_state=seed)),
    ]:
        model = make_pipeline(sampler, network()).fit(X, y)
        out[name] = balanced_accuracy_score(y_test, model.predict(X_test))
    clf = GAMOClassifier(max_iter=MAX_ITER, random_state=seed).fit(X, y)
    out["GAMOClassifier"] = balanced_accuracy_score(y_test, clf.predict(X_test))
    for i, p in enumerate(clf.predict_proba(X_test[:3])[:, 1]):
        out[f"P(minority) row {i}"] = p
    return out


def main():
    torch.set_num_threads(1)
    X, y = make_toy_2d(random_state=0)
    X_test, y_test = make_toy_2d(n_majority=500, n_minority=500, random_state=1)
    runs = [figures(seed, X, y, X_test, y_test) for seed in SEEDS]
    print(f"README 'Use' block, seeds {SEEDS.start} to {SEEDS.stop - 1}:")
    for key in runs[0]:
        values = np.array([run[key] for run in runs])
        print(
            f"  {key:>20}: mean {values.mean():.3f}, sd {values.std(ddof=1):.3f}, "
            f"range {values.min():.3f} to {values.max():.3f}; seed 0 {values[0]:.3f}"
        )


if __name__ == "__main__":
    main()
