"""
Where GAMO puts its samples: a 2-D toy
======================================

A 2-D problem in the spirit of Fig. 1 of the GAMO paper: a ring of 1,000
majority points (blue) and a cluster of 50 minority points (red) that sits on
the ring, so the two classes overlap. We train the same neural network four
ways and draw its decision boundary (black line, where the probability of the
minority class is 0.5) and the synthetic minority rows (crosses):

1. the plain network, with no oversampling;
2. SMOTE, then the plain network on the resampled data;
3. GAMO without the discriminator D (``use_discriminator=False``);
4. GAMO.

Every network is the same multilayer perceptron, trained with the same loss
and optimizer for ``max_iter=1000`` iterations (half the default, to keep the
example under a minute).
"""

# %%
# The data
# --------
# :func:`~gamo_sampler.datasets.make_toy_2d` draws the ring and the cluster. A
# second draw with another seed is the test set, to score each network.

import matplotlib.pyplot as plt
from imblearn.over_sampling import SMOTE
from sklearn.metrics import balanced_accuracy_score

from gamo_sampler import GAMOClassifier, GAMOSampler
from gamo_sampler.datasets import make_toy_2d
from gamo_sampler.plotting import plot_decision_boundary

X, y = make_toy_2d(n_majority=1000, n_minority=50, random_state=0)
X_test, y_test = make_toy_2d(n_majority=1000, n_minority=50, random_state=1)

MAX_ITER = 1000
N_SHOWN = 300  # synthetic rows drawn per panel, so that the real ones stay visible
CROSSES = dict(marker="x", s=20, linewidths=0.8, color="0.15")

# %%
# Four ways to train the network
# ------------------------------
# ``GAMOClassifier(sampling_strategy={})`` oversamples nothing: it is the plain
# network, the baseline of the paper. For SMOTE we resample first and train
# the plain network on the result.
#
# A :class:`~gamo_sampler.GAMOClassifier` keeps the network and a
# :class:`~gamo_sampler.GAMOSampler` keeps the generator. With the same
# parameters and ``random_state`` the two play the same game, so the sampler's
# rows come from the very generator that trained the classifier's network.

plain = GAMOClassifier(sampling_strategy={}, max_iter=MAX_ITER, random_state=0)
plain.fit(X, y)

X_smote, y_smote = SMOTE(random_state=0).fit_resample(X, y)
smote_net = GAMOClassifier(sampling_strategy={}, max_iter=MAX_ITER, random_state=0)
smote_net.fit(X_smote, y_smote)
smote_rows = X_smote[len(X) :][:N_SHOWN]  # resampled = original rows, then new ones


def gamo(use_discriminator):
    """Fit the classifier and the sampler of one game; draw synthetic rows."""
    params = dict(max_iter=MAX_ITER, use_discriminator=use_discriminator)
    clf = GAMOClassifier(random_state=0, **params).fit(X, y)
    sampler = GAMOSampler(random_state=0, **params)
    sampler.fit_resample(X, y)
    X_new, _ = sampler.sample(N_SHOWN, random_state=0)
    return clf, X_new


gamo_no_d, gamo_no_d_rows = gamo(use_discriminator=False)
gamo_full, gamo_rows = gamo(use_discriminator=True)

# %%
# Decision boundaries and synthetic rows
# --------------------------------------
# The titles give the balanced accuracy on the test set (the mean of the
# recalls of the two classes).

panels = [
    ("Plain network", plain, None),
    ("SMOTE + network", smote_net, smote_rows),
    ("GAMO without D", gamo_no_d, gamo_no_d_rows),
    ("GAMO", gamo_full, gamo_rows),
]
fig, axes = plt.subplots(2, 2, figsize=(10, 10), sharex=True, sharey=True)
for ax, (title, model, rows) in zip(axes.ravel(), panels, strict=True):
    plot_decision_boundary(model, X, y, ax=ax, grid_resolution=150)
    if rows is not None:
        ax.scatter(*rows.T, label="synthetic", **CROSSES)
    score = balanced_accuracy_score(y_test, model.predict(X_test))
    ax.set_title(f"{title}\nbalanced accuracy {score:.3f}")
    ax.set_aspect("equal")
axes[0, 0].legend(loc="upper left")
axes[0, 1].legend(loc="upper left")
fig.tight_layout()
plt.show()

# %%
# Zoom on the minority cluster
# ----------------------------
# The same panels, around the minority cluster at (2, 0).

fig, axes = plt.subplots(1, 3, figsize=(13, 4.5), sharey=True)
for ax, (title, model, rows) in zip(axes, panels[1:], strict=True):
    plot_decision_boundary(model, X, y, ax=ax, grid_resolution=150)
    ax.scatter(*rows.T, **CROSSES)
    ax.set_xlim(0.6, 3.4)
    ax.set_ylim(-1.4, 1.4)
    ax.set_aspect("equal")
    ax.set_title(title)
fig.tight_layout()
plt.show()

# %%
# What to look for
# ----------------
# The plain network never predicts the minority class: 50 points against
# 1,000 are not worth the trouble for a loss that counts every point alike.
# Every oversampler fixes that, and the differences are in where the
# synthetic rows go.
#
# SMOTE puts its rows on segments between neighbouring minority points,
# wherever those happen to be, so they fill the whole cluster. GAMO's rows are
# convex combinations of all 50 minority points, so they too stay inside the
# cluster's convex hull, but their place is learned: both GAMO variants
# gather them in a band on the inner side of the cluster, where the majority
# ring runs through it and where the network, left to itself, gets the
# minority class wrong. The boundary moves out to take that band in. On this
# toy, with this short training, the discriminator changes little: with D the
# rows spread a little further along the ring.
