"""How one training iteration and generation scale: rows, features, classes, and the
size of the oversampled classes, with and without ``max_anchors``.

Every point runs in its own subprocess on random Gaussian data. It times a fixed
number of training iterations of :func:`gamo_sampler.game.play_game` (after a
warm-up) and the generation of 2,000 rows of the largest oversampled class, and
records the peak resident memory of the game (the rise of ``VmHWM`` over the
memory held once the data exist). Plots go to ``docs/_static/perf/``.

Example
-------
    python benchmarks/scaling.py --threads 1 --clock cpu \
        --results docs/_static/perf/data
    python benchmarks/scaling.py --quick --results /tmp/scaling --plots /tmp/plots
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

WARMUP, TIMED = 25, 50  # play_game reports every 25 iterations
GENERATED_ROWS = 2_000
PLOTS = HERE.parent / "docs" / "_static" / "perf"
# Wall-clock time, or with ``--clock cpu`` this process's CPU time: robust to other
# processes sharing the cores (use it with ``--threads 1``).
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def sweeps(quick):
    """The configurations: {sweep name: [(x value, sizes, n_features, max_anchors)]}."""

    def geometric(k, largest=4000, smallest=40):
        return [
            int(round(largest * (smallest / largest) ** (i / (k - 1))))
            for i in range(k)
        ]

    fmnist = [4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40]
    if quick:
        rows = [1_000, 100_000, 1_000_000]
        features = [8, 128, 784, 3072]
        classes = [2, 10, 50]
        minority = [100, 3_000, 100_000]
    else:
        rows = [1_000, 10_000, 100_000, 1_000_000]
        features = [8, 32, 128, 512, 784, 3072]
        classes = [2, 5, 10, 20, 50, 100]
        minority = [100, 1_000, 10_000, 100_000]
    out = {
        # Majority grows, one oversampled class of 100 rows, 32 features.
        "rows": [(n, [n - 100, 100], 32, None) for n in rows],
        # Fashion-MNIST IR-100 class sizes, growing width.
        "features": [(d, fmnist, d, None) for d in features],
        # k classes, sizes geometric from 4000 down to 40, 64 features.
        "classes": [(k, geometric(k), 64, None) for k in classes],
    }
    # One oversampled class of n rows (majority 2n), 32 features, all rows or 1000.
    out["oversampled rows"] = [
        (n, [2 * n, n], 32, cap) for cap in (None, 1000) for n in minority
    ]
    return out


def run_point(sizes, n_features, max_anchors, threads, clock_name="wall"):
    """Time one configuration in this process; return a dict."""
    import torch
    from _common import peak_memory, random_problem, reset_peak_memory

    from gamo_sampler.game import GameConfig, play_game

    if threads:
        torch.set_num_threads(threads)
    clock = CLOCKS[clock_name]
    X, y, deficits = random_problem(sizes, n_features)
    rss_before = reset_peak_memory()
    stamps = {}

    def progress(iteration, losses):
        stamps[iteration] = clock()

    config = GameConfig(max_iter=WARMUP + TIMED + 1, max_anchors=max_anchors)
    start = clock()
    result = play_game(
        X, y, len(sizes), deficits, config, 0, torch.device("cpu"), progress
    )
    setup = stamps[0] - start
    per_iteration = (stamps[WARMUP + TIMED] - stamps[WARMUP]) / TIMED
    game_peak = peak_memory() - rss_before
    # Generation as GAMOSampler does it: float32 weights, float64 combination.
    generator = result.generator.eval()
    j = int(np.argmax([len(r) for r in result.anchor_index]))
    rows = X[torch.as_tensor(result.anchor_index[j])].double().numpy()
    chunk = max(1, min(4096, 2**22 // len(rows)))
    rng = torch.Generator().manual_seed(0)
    start = clock()
    for first in range(0, GENERATED_ROWS, chunk):
        z = torch.randn(
            min(chunk, GENERATED_ROWS - first), generator.latent_dim, generator=rng
        )
        with torch.no_grad():
            alpha = generator.class_weights(z, j).double().numpy()
        alpha /= alpha.sum(axis=1, keepdims=True)
        _ = alpha @ rows
    generate = clock() - start
    return {
        "iteration_ms": per_iteration * 1e3,
        "setup_s": setup,
        "generate_ms_per_1000_rows": generate / GENERATED_ROWS * 1e6,
        "game_peak_mib": game_peak / 2**20,
        "anchors_largest_class": len(rows),
    }


def plot(rows, folder, note=""):
    """One figure per sweep: time per iteration and peak game memory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    labels = {
        "rows": "rows (one oversampled class of 100)",
        "features": "features (Fashion-MNIST IR-100 class sizes)",
        "classes": "classes (sizes 4000 ... 40)",
        "oversampled rows": "rows of the oversampled class",
    }
    written = []
    for sweep, label in labels.items():
        points = [r for r in rows if r["sweep"] == sweep]
        if not points:
            continue
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
        for cap in sorted({r["max_anchors"] or 0 for r in points}):
            series = [r for r in points if (r["max_anchors"] or 0) == cap]
            name = "all rows" if cap == 0 else f"max_anchors={cap}"
            x = [r["x"] for r in series]
            axes[0].plot(x, [r["iteration_ms"] for r in series], "o-", label=name)
            generate = [r["generate_ms_per_1000_rows"] for r in series]
            axes[1].plot(x, generate, "o-", label=name)
            axes[2].plot(x, [r["game_peak_mib"] for r in series], "o-", label=name)
        titles = [
            f"ms per training iteration{note}",
            f"ms to generate 1,000 rows{note}",
            "peak memory rise during the game (MiB)",
        ]
        for ax, title in zip(axes, titles, strict=True):
            ax.set_xscale("log")
            # A log scale only where the values span a decade; else from zero.
            values = [v for line in ax.get_lines() for v in line.get_ydata()]
            if max(values) > 10 * min(values):
                ax.set_yscale("log")
            else:
                ax.set_ylim(0, 1.15 * max(values))
            ax.set_xlabel(label)
            ax.set_title(title, fontsize=10)
            ax.grid(True, which="both", alpha=0.3)
        if len({r["max_anchors"] for r in points}) > 1:
            axes[0].legend(fontsize=8)
        fig.tight_layout()
        path = folder / f"scaling_{sweep.replace(' ', '_')}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer points")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    parser.add_argument("--results", default=None, help="folder for JSON/CSV")
    parser.add_argument("--plots", default=str(PLOTS), help="folder for the PNGs")
    parser.add_argument(
        "--replot", default=None, help="redraw the plots from a scaling.json"
    )
    parser.add_argument("--point", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.point:
        sizes, n_features, max_anchors = json.loads(args.point)
        result = run_point(sizes, n_features, max_anchors, args.threads, args.clock)
        print(json.dumps(result))
        return None
    if args.replot:
        with open(args.replot) as f:
            saved = json.load(f)
        meta = saved["meta"]
        note = f"\n({meta['clock']} time, {meta['torch_threads']} thread(s))"
        for path in plot(saved["rows"], Path(args.plots), note):
            print(f"wrote {path}")
        return saved["rows"]
    from _common import machine, write_results

    rows = []
    started = time.perf_counter()
    for sweep, points in sweeps(args.quick).items():
        for x, sizes, n_features, max_anchors in points:
            command = [
                sys.executable,
                __file__,
                "--point",
                json.dumps([sizes, n_features, max_anchors]),
            ]
            if args.threads:
                command.append(f"--threads={args.threads}")
            command.append(f"--clock={args.clock}")
            out = subprocess.run(command, capture_output=True, text=True)
            if out.returncode:
                raise RuntimeError(f"{command} failed:\n{out.stderr}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            row = {
                "sweep": sweep,
                "x": x,
                "n_rows": sum(sizes),
                "n_classes": len(sizes),
                "n_features": n_features,
                "max_anchors": max_anchors,
                **{
                    k: round(v, 4) if isinstance(v, float) else v
                    for k, v in result.items()
                },
            }
            rows.append(row)
            print(
                f"{sweep:>16} {x:>9} anchors={str(max_anchors):>5}: "
                f"{row['iteration_ms']:8.2f} ms/iteration, "
                f"{row['generate_ms_per_1000_rows']:8.1f} ms per 1000 rows, "
                f"game peak {row['game_peak_mib']:8.1f} MiB",
                flush=True,
            )
    meta = {
        **machine(),
        "clock": args.clock,
        "torch_threads": args.threads or machine()["torch_threads"],
        "warmup": WARMUP,
        "timed_iterations": TIMED,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    if args.results:
        out = write_results(args.results, rows, meta, "scaling")
        print(f"wrote {out}/scaling.json and .csv")
    note = f"\n({args.clock} time, {meta['torch_threads']} thread(s))"
    for path in plot(rows, Path(args.plots), note):
        print(f"wrote {path}")
    return rows


if __name__ == "__main__":
    main()
