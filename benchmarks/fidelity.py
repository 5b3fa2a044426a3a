"""Replay the batched game against the literal port and print how far apart they are.

The figures that ``tests/test_fidelity.py`` holds to its tolerances, measured:
both start from the same weights and replay the same batches and random draws
(:class:`gamo_sampler.game.Draws`), so any difference comes from how the updates
are made. Ports (``literal_port.py``): ``per-composite`` (the reference: each
(class, judge) composite steps in turn), ``simultaneous`` (the same steps from
one starting point, what the batched game does) and ``summed`` (one Adam step on
the summed loss, what the game did before).

Run: ``python benchmarks/fidelity.py``.
"""

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import seeded_players  # noqa: E402
from literal_port import LiteralGAMO  # noqa: E402

from gamo_sampler.game import GameConfig, play_iteration  # noqa: E402

# Label codes not in order of size, so the reference's update order (ascending
# size) differs from the codes' order.
CLASS_SIZES = [30, 8, 60, 15]
N_FEATURES = 10


def replay(n_iter, modes):
    """Play the batched game and the given ports side by side for ``n_iter``
    iterations, from the same weights and with the same draws.

    Returns
    -------
    start : dict
        Flat M, G and BatchNorm parameters at the start.
    params : dict
        The same at the end, for ``'ours'`` and each port mode.
    losses : dict
        ``(n_iter, 2)`` M and G losses of ``'ours'`` and each port mode.
    """
    rng = np.random.default_rng(0)
    X = torch.as_tensor(
        rng.standard_normal((sum(CLASS_SIZES), N_FEATURES)), dtype=torch.float32
    )
    y = torch.as_tensor(np.repeat(np.arange(len(CLASS_SIZES)), CLASS_SIZES))
    deficits = max(CLASS_SIZES) - np.array(CLASS_SIZES)
    players = seeded_players(X, y, deficits, GameConfig())
    nets = players.classifier, players.discriminator, players.generator
    ports = {}
    for mode in modes:
        ports[mode] = LiteralGAMO(
            X, y, len(CLASS_SIZES), deficits, generator_updates=mode
        )
        ports[mode].load_players(*nets)
    start = port_parameters(ports[modes[0]])
    losses = {name: [] for name in ["ours", *modes]}
    record = torch.zeros(3)
    order = np.random.default_rng(1).permutation(len(X))
    for it in range(n_iter):
        first = it * 32 % len(X)
        batch = torch.as_tensor(order[first : first + 32])
        draws = players.dice.roll(len(batch))
        play_iteration(players, X[batch], y[batch], record, draws)
        losses["ours"].append(record[[0, 2]].tolist())
        for mode, port in ports.items():
            step = port.iteration(X[batch], y[batch], draws)
            g = np.mean([v for k, v in step.items() if k.startswith("G")])
            losses[mode].append([step["M"], g])
    params = {"ours": our_parameters(players)}
    params.update({mode: port_parameters(port) for mode, port in ports.items()})
    losses = {name: np.array(history) for name, history in losses.items()}
    return start, params, losses


def our_parameters(players):
    """M's and G's parameters (G's BatchNorm running statistics included), laid
    out as the port lays them out."""
    g = players.generator
    ctmu, running = [], []
    for linear, norm in zip(g.linears, g.norms, strict=True):
        ctmu += [linear.weight, linear.bias, norm.weight, norm.bias]
        running += [norm.running_mean, norm.running_var]
    igus = [t for j in range(g.n_generator_classes) for t in g.class_igu(j)]
    return {
        "M": flat(players.classifier.net.parameters()),
        "G": flat(ctmu + igus),
        "BatchNorm": flat(running),
    }


def port_parameters(port):
    ctmu, running = [], []
    for module in port.ctmu.net:
        ctmu += list(module.parameters())
        if isinstance(module, torch.nn.BatchNorm1d):
            running += [module.running_mean, module.running_var]
    igus = [p for igu in port.igus for p in igu.parameters()]
    return {
        "M": flat(port.M.parameters()),
        "G": flat(ctmu + igus),
        "BatchNorm": flat(running),
    }


def flat(tensors):
    return torch.cat([t.detach().flatten() for t in tensors])


def relative_gap(start, params, a, b, net):
    """How far ``a``'s move of ``net`` from ``start`` is from ``b``'s, relative to
    ``b``'s."""
    move_b = params[b][net] - start[net]
    return float((params[a][net] - params[b][net]).norm() / move_b.norm())


def loss_gap(losses, name, reference="per-composite", skip=20):
    """Relative gap of the mean M and G losses after ``skip`` iterations."""
    expected = losses[reference][skip:].mean(axis=0)
    return np.abs(losses[name][skip:].mean(axis=0) / expected - 1)


def travel_ratio(start, params, name, reference="per-composite"):
    """Distance G's parameters travel, relative to the reference's."""
    travelled = (params[name]["G"] - start["G"]).norm()
    return float(travelled / (params[reference]["G"] - start["G"]).norm())


def main():
    torch.set_num_threads(1)
    start, params, losses = replay(3, ["simultaneous", "summed"])
    print("After 3 iterations, against the simultaneous port (same mathematics):")
    for name in ("ours", "summed"):
        gaps = {
            part: relative_gap(start, params, name, "simultaneous", part)
            for part in ("M", "G", "BatchNorm")
        }
        text = ", ".join(f"{part} {gap:.2%}" for part, gap in gaps.items())
        print(f"  {name:7s} moves differ by {text} of the port's move")
    start, params, losses = replay(60, ["per-composite", "summed"])
    print("Over 60 iterations, against the per-composite port (the reference):")
    for name in ("ours", "summed"):
        m_gap, g_gap = loss_gap(losses, name)
        print(
            f"  {name:7s} mean losses of iterations 20-60: M {m_gap:.2%} and G "
            f"{g_gap:.2%} off; G travels {travel_ratio(start, params, name):.2f} of "
            "the distance; M's move is "
            f"{relative_gap(start, params, name, 'per-composite', 'M'):.0%} off"
        )


if __name__ == "__main__":
    main()
