"""
Synthetic images with GAMO2pix
==============================

On images, GAMO plays its game on features: a convolutional feature extractor
F maps each image to a 512-d vector, and the generator writes each synthetic
vector as a convex combination of the F-features of real images of its class.
:class:`~gamo_sampler.GAMO2PixSampler` then trains a small variational
autoencoder per oversampled class (its encoder is the frozen F) and decodes the
generated vectors into images, so that you get new images, not only a better
classifier.

The data are a small slice of the Fashion-MNIST IR-100 protocol
(:func:`~gamo_sampler.datasets.load_fashion_mnist_ir100`): 400 T-shirts
against 100 sneakers, 60 bags and 40 ankle boots. To stay under a minute on two
CPU cores the game runs 200 iterations and each decoder 300 updates (the
defaults are 2,000 and 2,000; the paper ran 25,000 of each), so the images are
blurry sketches of their class rather than finished pictures.

It reads the Fashion-MNIST files from your disk: ``apt-get install -y
dataset-fashion-mnist`` (Debian/Ubuntu) puts them where the loader looks, or
set ``GAMO_FASHION_MNIST_DIR`` to a folder holding them. A documentation build
without them shows the loader's error here instead of the images.
"""

# %%
# Fit the sampler
# ---------------

import matplotlib.pyplot as plt
import numpy as np

from gamo_sampler import GAMO2PixSampler
from gamo_sampler.datasets import load_fashion_mnist_ir100
from gamo_sampler.plotting import plot_image_grid

data = load_fashion_mnist_ir100(random_state=0)
keep = {0: 400, 7: 100, 8: 60, 9: 40}
rows = np.concatenate([np.flatnonzero(data.y_train == c)[:n] for c, n in keep.items()])
X, y = data.X_train[rows], data.y_train[rows]
names = {c: str(name) for c, name in enumerate(data.target_names)}
print({names[c]: int((y == c).sum()) for c in keep})

sampler = GAMO2PixSampler(
    image_shape=(1, 28, 28),
    max_iter=200,
    decoder_max_iter=300,
    device="cpu",
    random_state=0,
)
X_resampled, y_resampled = sampler.fit_resample(X, y)
print("after resampling:", {names[c]: int((y_resampled == c).sum()) for c in keep})

# %%
# Generated images next to real ones
# ----------------------------------
# For each minority class, eight real training images (left) and eight images
# decoded from new feature vectors of the fitted generator (right). Pixels are
# in [-1, 1]; ``gray`` draws high values light, as in the dataset.

N_PER_CLASS = 8
classes = sampler.oversampled_classes_
generated, labels = sampler.sample_images(
    {c: N_PER_CLASS for c in classes}, random_state=0
)
real = np.concatenate([X[y == c][:N_PER_CLASS] for c in classes])

fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for ax, (title, images) in zip(
    axes,
    [("real training images", real), ("GAMO2pix images", generated)],
    strict=True,
):
    plot_image_grid(images.reshape(-1, 28, 28), ax=ax, n_cols=N_PER_CLASS, cmap="gray")
    ax.set_title(title)
axes[0].set_ylabel("top to bottom: " + ", ".join(names[c] for c in classes))
fig.tight_layout()
plt.show()

# %%
# Where the weights go
# --------------------
# Every generated feature vector is ``weights @ features``, with one weight per
# real image of the class, in the order of ``anchor_indices_``. The real
# images that carry the most weight in one generated ankle boot:

boot = list(classes).index(9)
features, weights = sampler.sample_features(1, 9, random_state=0)
top = np.argsort(weights[0])[::-1][:N_PER_CLASS]
print("largest weights:", np.round(weights[0, top].astype(float), 3).tolist())
fig, ax = plt.subplots(figsize=(8, 1.6))
plot_image_grid(
    X[sampler.anchor_indices_[boot][top]].reshape(-1, 28, 28),
    ax=ax,
    n_cols=N_PER_CLASS,
    cmap="gray",
)
ax.set_title("ankle boots with the largest weights, largest first")
plt.show()
