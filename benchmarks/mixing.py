"""How many real rows a generated row mixes: the batched game against the literal port.

GAMO's generator makes each row as a convex combination ``alpha @ X_i`` of its
class's rows. As G learns, ``alpha`` concentrates on the rows that serve its
objectives; a G that learns more slowly keeps mixing more rows. The *effective
number of rows mixed* by a generated row is ``1 / sum(alpha ** 2)`` (``n_i`` for
uniform weights, 1 for a copy of one row).

For each seed the script builds ``gamo_sampler``'s players on the imbalanced
digits (standardised), gives the literal port (``literal_port.py``) the same
weights, and replays the same batches and draws in both, and in the port's
``summed`` variant (one Adam step on the summed G loss, the game before it
played the reference's per-composite updates). At each checkpoint it draws 500
rows per oversampled class from each G in inference mode and records the mean
effective number of rows mixed, per class and over all classes.

Run: ``python benchmarks/mixing.py --seeds 0 1 2 --checkpoints 300 1000 3000
--output docs/_static/results/mixing/mixing.csv``
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import seeded_players  # noqa: E402
from literal_port import LiteralGAMO  # noqa: E402

from gamo_sampler.datasets import load_imbalanced_digits  # noqa: E402
from gamo_sampler.game import GameConfig, play_iteration  # noqa: E402

ROWS_PER_CLASS = 500
PORTS = {"per-composite": "literal port", "summed": "summed step"}


def effective_rows(alpha):
    """Mean of ``1 / sum(alpha ** 2)`` over the rows of ``alpha``."""
    return float((1.0 / alpha.pow(2).sum(dim=1)).mean())


def our_mixing(players, z):
    g = players.generator.eval()
    with torch.no_grad():
        out = [
            effective_rows(g.class_weights(z, j)) for j in range(g.n_generator_classes)
        ]
    g.train()
    return out


def port_mixing(port, z):
    port.ctmu.eval()
    out = []
    with torch.no_grad():
        for slot, code in enumerate(port.minority.tolist()):
            labels = torch.full((len(z),), code)
            t = port.ctmu(z, labels)
            out.append(effective_rows(torch.softmax(port.igus[slot].dense(t), dim=1)))
    port.ctmu.train()
    return out


def run_seed(seed, checkpoints):
    """Yield one row per (implementation, checkpoint)."""
    data = load_imbalanced_digits(random_state=seed)
    X = StandardScaler().fit_transform(data.X_train)
    X = torch.as_tensor(X, dtype=torch.float32)
    y = torch.as_tensor(data.y_train, dtype=torch.int64)
    n_classes = int(y.max()) + 1
    sizes = np.bincount(y.numpy(), minlength=n_classes)
    deficits = sizes.max() - sizes
    config = GameConfig()
    players = seeded_players(X, y, deficits, config, seeds=(seed, seed + 1))
    nets = players.classifier, players.discriminator, players.generator
    ports = {}
    for mode in PORTS:
        ports[mode] = LiteralGAMO(X, y, n_classes, deficits, generator_updates=mode)
        ports[mode].load_players(*nets)
    z = torch.randn(
        ROWS_PER_CLASS, config.latent_dim, generator=torch.Generator().manual_seed(7)
    )
    order_rng = np.random.default_rng(seed)
    order, cursor = order_rng.permutation(len(X)), 0
    record = torch.zeros(3)
    seconds = dict.fromkeys(["gamo_sampler", *PORTS], 0.0)
    for it in range(1, max(checkpoints) + 1):
        if cursor >= len(X):
            order, cursor = order_rng.permutation(len(X)), 0
        batch = torch.as_tensor(order[cursor : cursor + config.batch_size])
        cursor += config.batch_size
        draws = players.dice.roll(len(batch))
        start = time.process_time()
        play_iteration(players, X[batch], y[batch], record, draws)
        seconds["gamo_sampler"] += time.process_time() - start
        for mode, port in ports.items():
            start = time.process_time()
            port.iteration(X[batch], y[batch], draws)
            seconds[mode] += time.process_time() - start
        if it in checkpoints:
            mixes = {"gamo_sampler": our_mixing(players, z)}
            mixes.update({mode: port_mixing(p, z) for mode, p in ports.items()})
            for name, per_class in mixes.items():
                yield {
                    "seed": seed,
                    "iteration": it,
                    "implementation": name,
                    "mean_rows_mixed": float(np.mean(per_class)),
                    "per_class": " ".join(f"{m:.2f}" for m in per_class),
                    "class_sizes": " ".join(str(n) for n in sizes[deficits > 0]),
                    "cpu_seconds": seconds[name],
                }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--checkpoints", type=int, nargs="+", default=[300, 1000, 3000])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", help="CSV file of the results")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = []
    for seed in args.seeds:
        for row in run_seed(seed, set(args.checkpoints)):
            rows.append(row)
            print(
                f"seed {row['seed']} it {row['iteration']:5} "
                f"{row['implementation']:13} rows mixed {row['mean_rows_mixed']:7.2f}",
                flush=True,
            )
            if args.output:
                Path(args.output).parent.mkdir(parents=True, exist_ok=True)
                pd.DataFrame(rows).to_csv(args.output, index=False)
    runs = pd.DataFrame(rows)
    table = runs.pivot_table(
        index="iteration",
        columns="implementation",
        values="mean_rows_mixed",
        aggfunc=["mean", "std"],
    )
    print(table.round(2).to_string())


if __name__ == "__main__":
    main()
