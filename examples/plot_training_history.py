"""
Watching the game: losses of M, D and G
=======================================

Every fitted :class:`~gamo_sampler.GAMOSampler` and
:class:`~gamo_sampler.GAMOClassifier` records the loss of each player at
every iteration in ``history_``. :func:`~gamo_sampler.plotting.plot_history`
draws them, smoothed by a moving average. This is the first thing to look at
when choosing ``max_iter``.

We train on the 2-D toy of :doc:`plot_toy_2d` for the default
``max_iter='auto'`` (2,000 iterations on a table of this size), with and without
the discriminator D, and then once more with early stopping.
"""

# %%
# Train
# -----

import matplotlib.pyplot as plt
import numpy as np

from gamo_sampler import GAMOSampler
from gamo_sampler.datasets import make_toy_2d
from gamo_sampler.plotting import plot_history

X, y = make_toy_2d(n_majority=1000, n_minority=50, random_state=0)

with_d = GAMOSampler(random_state=0)
with_d.fit_resample(X, y)
without_d = GAMOSampler(use_discriminator=False, random_state=0)
without_d.fit_resample(X, y)
print("iterations:", with_d.n_iter_, "history keys:", list(with_d.history_))

# %%
# Plot
# ----
# Each curve is the mean of the last 100 per-batch losses. Without D, the
# discriminator's history is all NaN and ``plot_history`` leaves it out.

fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
plot_history(with_d, ax=axes[0], window=100)
axes[0].set_title("GAMO")
plot_history(without_d, ax=axes[1], window=100)
axes[1].set_title("GAMO without D")
fig.tight_layout()
plt.show()

# %%
# The last values
# ---------------


def last(history, key, n=100):
    return np.nanmean(history[key][-n:])


for name, sampler in [("GAMO", with_d), ("GAMO without D", without_d)]:
    means = {key: round(last(sampler.history_, key), 4) for key in sampler.history_}
    print(name, means)

# %%
# How to read it
# --------------
# All three losses are mean squared errors on the networks' outputs.
#
# - **M (classifier)** learns from real rows and from G's rows. Its loss falls
#   and then levels off; if it were still falling at the end, ``max_iter``
#   would be too small. Here it is flat after about 500 iterations.
# - **G (generator)** is scored on how far its rows are from fooling M (and D).
#   Its loss *rises* early on: M is trained on G's rows with their true class,
#   so it soon learns to recognise them, and G's rows stop fooling it. That is
#   the game working, not failing.
# - **D (discriminator)** tells real rows from G's rows of the same class. On
#   this toy its loss drops fast and stays low: convex combinations of 50
#   points are easy to tell from the points themselves.
#
# Without D, M and G follow much the same curves. What to read is whether the
# curves have levelled off, not their values, which depend on the data and the
# number of classes.

# %%
# With early stopping
# -------------------
# ``early_stopping=True`` holds out 10% of each class's rows, scores M's
# balanced accuracy on them every epoch (every 100 iterations on a table this
# small), stops once more than 10 checks in a row have not improved on the best
# (the rule of scikit-learn's ``MLPClassifier``), and keeps the networks of the
# best check (among equal scores, the one of lowest validation loss).
# ``plot_history`` draws the scores on a second axis, with a dotted line at
# ``best_iteration_``.

from gamo_sampler import GAMOClassifier  # noqa: E402

stopped = GAMOClassifier(early_stopping=True, random_state=0).fit(X, y)
print(
    f"stopped after {stopped.n_iter_} iterations; kept the networks of iteration "
    f"{stopped.best_iteration_} (validation balanced accuracy "
    f"{stopped.best_validation_score_:.3f})"
)
ax = plot_history(stopped, window=100)
ax.set_title("GAMOClassifier with early stopping")
plt.show()
