"""Training faults: divergence, CUDA out-of-memory, interrupts, time budget.

A fault must end in a clear error and an unfitted estimator, never in NaN rows or
in a half-fitted model.
"""

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from gamo_sampler import GAMOClassifier, GAMOSampler, _base, game, image

TINY = dict(
    max_iter=5,
    hidden_layer_sizes=(8,),
    generator_hidden_sizes=(8, 4),
    latent_dim=4,
    random_state=0,
)
ESTIMATORS = [GAMOSampler, GAMOClassifier]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def data():
    rng = np.random.RandomState(0)
    return rng.randn(40, 3), np.repeat([0, 1], [32, 8])


def fit(estimator, X, y):
    if isinstance(estimator, GAMOSampler):
        return estimator.fit_resample(X, y)
    return estimator.fit(X, y)


def assert_unfitted(estimator):
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
    assert not [k for k in vars(estimator) if k.endswith("_")]


def poison_mse(monkeypatch, after_calls, result):
    """Make the game's loss return ``result(loss)`` from call ``after_calls`` on."""
    calls = {"n": 0}
    original = game.mse

    def mse(output, target):
        calls["n"] += 1
        loss = original(output, target)
        return result(loss) if calls["n"] > after_calls else loss

    monkeypatch.setattr(game, "mse", mse)
    return calls


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_real_divergence_is_an_error_naming_learning_rate(Estimator):
    X, y = data()
    estimator = Estimator(**{**TINY, "max_iter": 60}, learning_rate=1e20)
    with pytest.raises(FloatingPointError, match=r"diverged.*Lower learning_rate"):
        fit(estimator, X, y)
    assert_unfitted(estimator)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_divergence_is_detected_within_a_check_interval(Estimator, bad, monkeypatch):
    X, y = data()
    every = game.DIVERGENCE_CHECK_EVERY
    estimator = Estimator(**{**TINY, "max_iter": 10 * every})
    # Several losses per iteration: the game goes bad during iteration ~every // 3.
    calls = poison_mse(monkeypatch, every, lambda loss: loss * bad)
    with pytest.raises(FloatingPointError, match=rf"became {bad}.*learning_rate"):
        fit(estimator, X, y)
    # Stopped at the first check after the fault, not at the end of the game.
    assert calls["n"] < 5 * 2 * every
    assert_unfitted(estimator)


def test_divergence_in_the_last_iterations_is_caught_too(monkeypatch):
    X, y = data()
    n_iter = game.DIVERGENCE_CHECK_EVERY + 7
    clf = GAMOClassifier(**{**TINY, "max_iter": n_iter}, sampling_strategy={})
    poison_mse(monkeypatch, n_iter - 2, lambda loss: loss * float("nan"))
    with pytest.raises(FloatingPointError, match=f"iteration {n_iter - 2}"):
        clf.fit(X, y)


def test_networks_with_nan_weights_are_refused(monkeypatch):
    # The last optimizer step comes after the last recorded loss: the weights are
    # checked once more before any row is generated.
    X, y = data()

    def play_game(*args, **kwargs):
        result = game.play_game(*args, **kwargs)
        with torch.no_grad():
            next(result.generator.parameters()).fill_(float("nan"))
        return result

    monkeypatch.setattr(_base, "play_game", play_game)
    sampler = GAMOSampler(**TINY)
    with pytest.raises(FloatingPointError, match="NaN or infinite weights.*learning"):
        sampler.fit_resample(X, y)
    assert_unfitted(sampler)


def image_fit(monkeypatch, play_image_game):
    """Fit a tiny image classifier whose image game is ``play_image_game``."""
    monkeypatch.setattr(image, "play_image_game", play_image_game)
    rng = np.random.RandomState(0)
    X = rng.rand(24, 16).astype(np.float32) * 255
    y = np.repeat([0, 1], [18, 6])
    classifier = GAMOClassifier(image_shape=(1, 4, 4), **TINY)
    return classifier, lambda: classifier.fit(X, y)


def test_image_networks_with_nan_weights_are_refused(monkeypatch):
    original = image.play_image_game

    def play_image_game(*args, **kwargs):
        result = original(*args, **kwargs)
        with torch.no_grad():
            next(result.feature_extractor.parameters()).fill_(float("nan"))
        return result

    classifier, fit_it = image_fit(monkeypatch, play_image_game)
    with pytest.raises(FloatingPointError, match="NaN or infinite weights.*learning"):
        fit_it()
    assert_unfitted(classifier)


def test_image_cuda_out_of_memory_says_what_to_lower(monkeypatch):
    def play_image_game(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 9 GiB")

    classifier, fit_it = image_fit(monkeypatch, play_image_game)
    with pytest.raises(torch.cuda.OutOfMemoryError, match="ran out of GPU memory"):
        fit_it()
    assert_unfitted(classifier)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_cuda_out_of_memory_says_what_to_lower(Estimator, monkeypatch):
    X, y = data()

    def play_game(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 9 GiB")

    monkeypatch.setattr(_base, "play_game", play_game)
    estimator = Estimator(**TINY, batch_size=64)
    with pytest.raises(torch.cuda.OutOfMemoryError) as info:
        fit(estimator, X, y)
    message = str(info.value)
    for advice in (
        "ran out of GPU memory",
        "batch_size=64",
        "hidden_layer_sizes=(8,)",
        "generator_hidden_sizes=(8, 4)",
        "latent_dim=4",
        "device='cpu'",
        "Tried to allocate 9 GiB",
    ):
        assert advice in message
    # The failed game's traceback (and its device tensors) is not kept alive.
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert_unfitted(estimator)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("fitted_before", [False, True])
def test_keyboard_interrupt_leaves_the_estimator_unfitted(
    Estimator, fitted_before, monkeypatch
):
    X, y = data()
    estimator = Estimator(**{**TINY, "max_iter": 50})
    if fitted_before:
        fit(estimator, X, y)
        check_is_fitted(estimator)

    def interrupt(loss):
        raise KeyboardInterrupt

    poison_mse(monkeypatch, 20, interrupt)
    with pytest.raises(KeyboardInterrupt):
        fit(estimator, X, y)
    assert_unfitted(estimator)
    monkeypatch.undo()
    fit(estimator, X, y)  # and it fits again afterwards
    check_is_fitted(estimator)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_max_time_stops_early_and_says_so(Estimator):
    X, y = data()
    estimator = Estimator(**{**TINY, "max_iter": 10_000}, max_time=1e-6)
    result = fit(estimator, X, y)
    assert estimator.n_iter_ == 1  # always at least one iteration
    assert all(len(h) == estimator.n_iter_ for h in estimator.history_.values())
    if Estimator is GAMOSampler:
        assert len(result[0]) == 64  # still a full, balanced resample
    else:
        assert np.isfinite(estimator.predict_proba(X)).all()


def test_max_time_none_runs_every_iteration():
    X, y = data()
    clf = GAMOClassifier(**TINY).fit(X, y)
    assert clf.n_iter_ == TINY["max_iter"] and clf.max_time is None


@pytest.mark.parametrize("max_time", [0, -1.0, "1s"])
def test_invalid_max_time(max_time):
    X, y = data()
    with pytest.raises(InvalidParameterError, match="max_time"):
        GAMOClassifier(**TINY, max_time=max_time).fit(X, y)
