"""
Synthetic digits from the fitted generator
==========================================

GAMO works on any numeric rows, images included: here each row is an 8x8
image of a handwritten digit, flattened to 64 pixel values.
:func:`~gamo_sampler.datasets.load_imbalanced_digits` keeps 124 training
images of digit 0 and fewer and fewer of the others, down to 6 of digit 9.

A fitted :class:`~gamo_sampler.GAMOSampler` keeps its generator, and
:meth:`~gamo_sampler.GAMOSampler.sample` draws new rows from it at any time.
Each synthetic image is a convex combination (a weighted average) of the real
training images of its class. Training runs ``max_iter=1000`` iterations (half
the default, to keep the example under a minute).
"""

# %%
# Train the sampler
# -----------------

import matplotlib.pyplot as plt
import numpy as np

from gamo_sampler import GAMOSampler
from gamo_sampler.datasets import load_imbalanced_digits
from gamo_sampler.plotting import plot_image_grid

data = load_imbalanced_digits(imbalance_ratio=20, random_state=0)
X, y = data.X_train, data.y_train
print("training images per digit:", np.bincount(y).tolist())

sampler = GAMOSampler(max_iter=1000, random_state=0)
X_resampled, y_resampled = sampler.fit_resample(X, y)
print("after resampling:          ", np.bincount(y_resampled).tolist())
print("digits the generator draws:", sampler.oversampled_classes_.tolist())

# %%
# Draw new images
# ---------------
# Eight new images of every oversampled digit, next to (up to) eight real
# training images of the same digit. The real rows of digit 9 are all 6 there
# are; blank cells mean there is no more.

N_PER_DIGIT = 8
digits = sampler.oversampled_classes_
X_new, y_new = sampler.sample({d: N_PER_DIGIT for d in digits}, random_state=0)


def rows_by_digit(X, y):
    """Up to N_PER_DIGIT images per digit, padded with blanks (NaN)."""
    cells = np.full((len(digits), N_PER_DIGIT, X.shape[1]), np.nan)
    for i, digit in enumerate(digits):
        images = X[y == digit][:N_PER_DIGIT]
        cells[i, : len(images)] = images
    return cells.reshape(-1, X.shape[1])


fig, axes = plt.subplots(1, 2, figsize=(10, 5.6))
for ax, (title, images) in zip(
    axes,
    [("real training images", rows_by_digit(X, y)), ("synthetic (GAMO)", X_new)],
    strict=True,
):
    plot_image_grid(images, ax=ax, image_shape=(8, 8), n_cols=N_PER_DIGIT)
    ax.set_title(title)
    ax.set_yticks(np.arange(len(digits)) * 9 + 3.5, [str(d) for d in digits])
axes[0].set_ylabel("digit")
fig.tight_layout()
plt.show()

# %%
# What the images show
# --------------------
# A synthetic image is a weighted average of real images of its class, so it
# is smoother than any one of them, and it never leaves the range of its
# class's pixels. In this short run the synthetic images of one digit look
# more alike than the real ones: the generator puts most of its weight on the
# same few training images, the ones that made digits its classifier got
# wrong.
