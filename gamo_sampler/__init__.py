"""GAMO: Generative Adversarial Minority Oversampling for scikit-learn.

``GAMOSampler`` is an imbalanced-learn over-sampler and ``GAMOClassifier`` a
scikit-learn classifier; both play the three-player game of Mullick, Datta and
Das (ICCV 2019) in PyTorch. ``GAMO2PixSampler`` plays the image variant and
decodes its generated features into images (GAMO2pix).
"""

from ._version import __version__
from .classifier import GAMOClassifier
from .early_stopping import NoValidationCheckWarning
from .gamo2pix import GAMO2PixSampler
from .sampler import GAMOSampler

__all__ = [
    "GAMO2PixSampler",
    "GAMOClassifier",
    "GAMOSampler",
    "NoValidationCheckWarning",
    "__version__",
]
