"""The scores of a benchmark: :data:`METRICS` and :func:`scores`."""

from __future__ import annotations

__all__ = ["METRICS", "scores"]

METRICS = {
    "balanced_accuracy": "ACSA",
    "geometric_mean": "GM",
    "f1_macro": "F1 macro",
}
"""Metric columns, mapped to short names.

``balanced_accuracy`` is the mean per-class recall, the paper's ACSA;
``geometric_mean`` is :func:`imblearn.metrics.geometric_mean_score`, the
geometric mean of per-class recalls, the paper's GM; ``f1_macro`` is the
unweighted mean of per-class F1 scores.
"""


def scores(y_true, y_pred):
    """Every metric of :data:`METRICS` for one prediction, by column name."""
    from imblearn.metrics import geometric_mean_score
    from sklearn.metrics import balanced_accuracy_score, f1_score

    return {
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "geometric_mean": geometric_mean_score(y_true, y_pred),
        "f1_macro": f1_score(y_true, y_pred, average="macro", zero_division=0),
    }
