"""
Tuning GAMOClassifier with GridSearchCV
=======================================

:class:`~gamo_sampler.GAMOClassifier` is a scikit-learn classifier, and it
oversamples inside ``fit``, so it goes straight into
:class:`~sklearn.model_selection.GridSearchCV`: each training fold plays its
own game and the test fold is never resampled.

We tune two things at once: whether to oversample at all
(``sampling_strategy={}`` trains the plain network, ``'auto'`` plays GAMO) and
the learning rate. Every fit runs ``max_iter=300`` iterations (the default is
2,000) to keep the example under a minute, so the networks are far from fully
trained: the point here is the workflow, not the scores.
"""

# %%
# The search
# ----------

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split

from gamo_sampler import GAMOClassifier

X, y = make_classification(
    n_samples=800,
    n_features=10,
    n_informative=4,
    n_redundant=2,
    weights=[0.92],
    class_sep=0.8,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print("training rows per class:", np.bincount(y_train))

param_grid = {
    "sampling_strategy": [{}, "auto"],
    "learning_rate": [2e-4, 1e-3],
}
search = GridSearchCV(
    GAMOClassifier(max_iter=300, random_state=0),
    param_grid,
    scoring="balanced_accuracy",
    cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)

# %%
# The scores of every setting
# ---------------------------

results = pd.DataFrame(search.cv_results_)
results["oversampling"] = results["param_sampling_strategy"].map(
    lambda s: "GAMO ('auto')" if s == "auto" else "none ({})"
)
table = results.pivot_table(
    index="param_learning_rate", columns="oversampling", values="mean_test_score"
)
print(table.round(3))

# %%
# Each point is the mean over the 3 folds, and the bar spans one standard
# deviation either side.

fig, ax = plt.subplots(figsize=(6, 4))
for offset, (name, group) in zip(
    (-0.03, 0.03), results.groupby("oversampling"), strict=True
):
    group = group.sort_values("param_learning_rate")
    positions = np.arange(len(group)) + offset
    ax.errorbar(
        positions,
        group["mean_test_score"],
        yerr=group["std_test_score"],
        marker="o",
        capsize=4,
        label=name,
    )
learning_rates = sorted(results["param_learning_rate"].unique())
ax.set_xticks(range(len(learning_rates)), [f"{lr:g}" for lr in learning_rates])
ax.set_xlim(-0.5, len(learning_rates) - 0.5)
ax.set_xlabel("learning_rate")
ax.set_ylabel("balanced accuracy (3-fold CV)")
ax.legend(title="oversampling")
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

# %%
# The refitted best model on held-out data
# ----------------------------------------
# ``GridSearchCV`` refits the best setting on the whole training set; we score
# it once on the test set, which the search never saw.

y_pred = search.predict(X_test)
print(f"test balanced accuracy: {balanced_accuracy_score(y_test, y_pred):.3f}")
