"""
GAMOSampler beside SMOTE in a cross-validated pipeline
=======================================================

An over-sampler must only ever see the training part of the data. An
:class:`imblearn.pipeline.Pipeline` makes sure of that: in
:func:`~sklearn.model_selection.cross_validate`, each training fold is
resampled on its own and the test fold is scored as it is.

Here we compare no resampling, SMOTE and GAMO in front of the same
k-nearest-neighbours classifier, on an imbalanced table of 600 rows (550
against 50). Then we show what goes wrong when the data are resampled before
they are split. GAMO trains for ``max_iter=500`` iterations (a quarter of the
default, to keep the example under a minute).
"""

# %%
# Data, pipelines and metrics
# ---------------------------

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline
from sklearn.datasets import make_classification
from sklearn.metrics import make_scorer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier

from gamo_sampler import GAMOSampler

X, y = make_classification(
    n_samples=600,
    n_features=10,
    n_informative=4,
    n_redundant=2,
    weights=[0.92],
    class_sep=0.8,
    random_state=0,
)
print("rows per class:", np.bincount(y))

samplers = {
    "no resampling": None,
    "SMOTE": SMOTE(random_state=0),
    "GAMO": GAMOSampler(max_iter=500, random_state=0),
}
# Accuracy would reward ignoring the 50 minority rows: use metrics that see them.
scoring = {
    "balanced accuracy": "balanced_accuracy",
    "macro F1": "f1_macro",
    "G-mean": make_scorer(geometric_mean_score),
}
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)


def knn():
    return KNeighborsClassifier(n_neighbors=5)


# %%
# The right way: resample inside each training fold
# --------------------------------------------------


def mean_scores(model, X, y):
    result = cross_validate(model, X, y, cv=cv, scoring=scoring)
    return {name: result[f"test_{name}"].mean() for name in scoring}


right = {}
for name, sampler in samplers.items():
    model = knn() if sampler is None else make_pipeline(sampler, knn())
    right[name] = mean_scores(model, X, y)
right = pd.DataFrame(right).T
print(right.round(3))

# %%
# The wrong way: resample, then cross-validate
# --------------------------------------------
# Resampling the whole table first puts synthetic rows built from test rows
# into the training folds, and synthetic rows into the test folds. The scores
# rise, but they no longer say how the model does on new data.

wrong = {}
for name, sampler in samplers.items():
    if sampler is None:
        continue
    X_resampled, y_resampled = sampler.fit_resample(X, y)
    wrong[name] = mean_scores(knn(), X_resampled, y_resampled)
wrong = pd.DataFrame(wrong).T
print(wrong.round(3))

# %%
# Side by side
# ------------
# Left, the three metrics with resampling done right. Right, the balanced
# accuracy of each sampler done right and done wrong.

fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
right.plot.bar(ax=axes[0], rot=0, ylim=(0, 1))
axes[0].set_title("resampled inside each training fold")
axes[0].set_ylabel("mean over 5 folds")
axes[0].legend(loc="lower right")
leak = pd.DataFrame(
    {
        "inside training folds": right.loc[wrong.index, "balanced accuracy"],
        "before splitting (leak)": wrong["balanced accuracy"],
    }
)
leak.plot.bar(ax=axes[1], rot=0, ylim=(0, 1), color=["C0", "0.6"])
axes[1].set_title("balanced accuracy: the cost of a leak")
axes[1].legend(loc="lower right")
for ax in axes:
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
fig.tight_layout()
plt.show()

# %%
# Reading the result
# ------------------
# Both samplers help the nearest-neighbour classifier over no resampling. On
# this table, with this classifier and this short training, SMOTE does better
# than GAMO: GAMO's generator learned to fool its own network, not a
# nearest-neighbour rule. Compare samplers on your own data, with your own
# model, in this way. The right-hand panel shows how much a leak flatters both
# of them.
