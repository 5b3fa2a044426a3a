"""The batched game against the literal, per-class port of the reference.

Both start from the same weights and replay the same batches and random draws
(:class:`gamo_sampler.game.Draws`), so any difference comes from how the updates
are made. Three ports are compared (``benchmarks/literal_port.py``):

- ``per-composite``: the reference, each (class, judge) composite taking its own
  Adam step in turn, each step seeing the parameters the previous one left;
- ``simultaneous``: the same steps, all computed from the parameters of the start
  of G's update, which is what the batched game does;
- ``summed``: one Adam step on the sum of the composites' losses, what the game
  did before. Its gradient is the same (``tests/test_game.py``), its update is not.

Tolerances, and why. The batched game and the ports sum in other orders, so
their gradients differ by float32 rounding, and this never becomes exact. No
single parameter is compared: Adam divides each step by the root of the
gradient's second moment plus ``eps = 1e-7``, so a gradient component that is
rounding noise ``nu`` (at most ``n * 2**-24`` times the sizes of the ``n`` terms
it sums) moves its parameter by up to ``lr * min(c, nu / eps)`` in either run
instead of the other's move, where ``c`` (about 2.3 in early steps, Keras'
shared counter) bounds Adam's step in units of ``lr = 2e-4``. Such components are
those the loss does not see (for example a first cTMU unit active on all of a
composite's rows: per-group BatchNorm cancels its bias and one-hot weights), so
the tests compare losses and the norms of whole moves, over tens of thousands of
parameters, where those components weigh little. A worst case (every such
component a full step the wrong way at every composite step) bounds no gap
below the summed step's, so the tolerances are margins (2.5 to 50 times) over
gaps measured on two machines (the one these tests were written on, and an
AMD EPYC with AVX-512 kernels, torch 2.13). Rounding obeys the same bound on
every IEEE-754 CPU, so another CPU's gaps are of the same order, though not the
same bits:

- against ``simultaneous``, the same mathematics: after 3 iterations the
  parameters' moves agree to 1% of their size (measured: at most 0.02%);
  beyond a few iterations rounding differences grow, as in any GAN, so the exact
  comparison stops there;
- against ``per-composite``, the reference: over 60 iterations, the mean M and G
  losses of iterations 20 to 60 agree within 1% (measured: at most 0.20%), the
  distance G's parameters travel agrees within 5% (measured: 1% and 2%), and M's
  parameters stay within 15% of the reference's move (measured: 5% to 6%, the
  drift of taking G's steps simultaneously plus amplified rounding; the
  ``simultaneous`` port drifts as much). The summed step misses each by a wide
  margin (losses 5% off, G travels a third of the distance, M 26% off): the test
  tells the two apart.

``python benchmarks/fidelity.py`` prints these figures.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from gamo_sampler.composites import SharedStepCounter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from fidelity import (  # noqa: E402
    loss_gap,
    relative_gap,
    replay,
    travel_ratio,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_batched_updates_are_the_simultaneous_composite_steps():
    start, params, losses = replay(3, ["simultaneous", "summed"])
    for part in ("M", "G", "BatchNorm"):
        assert relative_gap(start, params, "ours", "simultaneous", part) < 0.01
    np.testing.assert_allclose(losses["ours"], losses["simultaneous"], rtol=1e-4)
    # The summed step (same gradient, one Adam state) is another update.
    assert relative_gap(start, params, "summed", "simultaneous", "G") > 0.5


def test_trajectory_follows_the_reference_and_the_summed_step_does_not():
    start, params, losses = replay(60, ["per-composite", "summed"])

    assert np.all(loss_gap(losses, "ours") < 0.01)
    assert abs(travel_ratio(start, params, "ours") - 1) < 0.05
    assert relative_gap(start, params, "ours", "per-composite", "M") < 0.15

    assert np.all(loss_gap(losses, "summed") > 0.02)
    assert travel_ratio(start, params, "summed") < 0.6
    assert relative_gap(start, params, "summed", "per-composite", "M") > 0.15


def test_shared_step_counter_enlarges_early_steps_like_keras():
    counter = SharedStepCounter()
    # M, D, M, D, then a composite's first own step is the counter's fifth.
    for own_step in (1, 1, 2, 2):
        counter.scale(own_step)
    keras = (1 - 0.999**5) ** 0.5 / (1 - 0.5**5)
    torch_first = (1 - 0.999) ** 0.5 / (1 - 0.5)
    assert counter.scale(1) == pytest.approx(keras / torch_first)
    # Both corrections tend to 1: late steps are torch's.
    counter.count = 10**6
    assert counter.scale(10**5) == pytest.approx(1.0, abs=1e-6)
