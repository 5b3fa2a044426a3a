"""The checks to run when a session is lent a GPU, in one short script.

Device time is scarce (minutes per session), so everything the CUDA path still
needs measured runs in one command, prints one line per figure and writes them
to ``--results``/``gpu_check.json``:

1. **agreement**: the same seeded game on the CPU and on the device. After one
   iteration M's first loss (taken before any update) must agree to float32
   rounding; G's parameters after that iteration are compared in units of
   the learning rate (Adam moves every value by about one learning rate, so
   a difference of a whole step is a different update, not rounding). After
   ``--iterations`` the trajectories have parted (Adam turns rounding in
   near-zero gradients into whole steps), so the mean losses of the last half
   are compared instead.
2. **syncs**: device synchronisations per training iteration, counted with
   ``torch.cuda.set_sync_debug_mode``; the target is at most one per 50.
3. **iteration**: milliseconds per iteration on the device at 64 and 784
   features (the paper's MNIST class profile), beside the CPU with one
   thread in the same run.
4. **busy**: the share of an iteration's wall time in which the GPU runs
   kernels, and kernels per iteration (torch's profiler). What capturing the
   loop as a CUDA graph could remove is at most the rest, the launch gaps.
5. **conv**: an image-mode ``GAMOClassifier`` fit of ``--conv`` iterations on
   random 28x28 images, with torch's default TF32 convolutions and with
   them off, and how many predicted labels the two fits share.
6. **tests**: the test suite's CUDA tests (``pytest -k cuda``), among them a
   model fitted on the GPU that is pickled and predicts on a machine without
   one.

``--device cpu --quick`` runs the same code on the CPU at tiny sizes (checks 2
and 4 need CUDA and are skipped): ``tests/test_benchmark_runs.py`` does so, so
that the script still runs when a GPU comes. On the device machine (see
``docs/performance.md``, "GPU")::

    PYTHONPATH=. python3 benchmarks/gpu_check.py --results $OUT
"""

import argparse
import json
import subprocess
import sys
import time
import warnings
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    FMNIST_IR100_SIZES,
    machine,
    random_problem,
    seeded_players,
)

from gamo_sampler.game import (  # noqa: E402
    Draws,
    GameConfig,
    play_game,
    play_iteration,
)

ROOT = Path(__file__).resolve().parent.parent
TINY_SIZES = (120, 60, 30, 20)


def game(X, y, deficits, config, device, progress=None):
    """One seeded game on ``device`` (the data copied there)."""
    X, y = X.to(device), y.to(device)
    return play_game(X, y, len(deficits), deficits, config, 0, device, progress)


def agreement(sizes, n_features, n_iter, device):
    """How the same seeded game differs on the CPU and on ``device``: one
    iteration on the same draws, then whole games on each device's own."""
    X, y, deficits = random_problem(sizes, n_features)
    config = GameConfig()
    batch = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))[:32]
    draws = None
    losses, params = [], []
    for where in ("cpu", device):
        where = torch.device(where)
        Xd, yd = X.to(where), y.to(where)
        players = seeded_players(Xd, yd, deficits, config)
        if draws is None:
            draws = players.dice.roll(len(batch))
        moved = {f.name: getattr(draws, f.name) for f in fields(draws)}
        moved = {k: v.to(where) if torch.is_tensor(v) else v for k, v in moved.items()}
        record = torch.zeros(3, device=where)
        b = batch.to(where)
        play_iteration(players, Xd[b], yd[b], record, Draws(**moved))
        losses.append(record.cpu().numpy())
        nets = (players.classifier, players.discriminator, players.generator)
        params.append([_params(net) for net in nets])
    # M's loss on the real rows comes before any update: only rounding parts
    # it. Then each Adam step moves a value by about one learning rate.
    relative = np.abs(losses[0] - losses[1]) / np.abs(losses[0])
    result = {"first_losses_relative_difference": relative.tolist()}
    for name, a, b in zip("MDG", *params, strict=True):
        steps = np.abs(a - b) / config.learning_rate
        result[f"{name}_median_steps_apart"] = float(np.median(steps))
        result[f"{name}_share_half_a_step_apart"] = float(np.mean(steps > 0.5))
    config = GameConfig(max_iter=n_iter)
    cpu, dev = (game(X, y, deficits, config, torch.device(d)) for d in ("cpu", device))
    for player in cpu.history:
        a, b = (np.mean(r.history[player][n_iter // 2 :]) for r in (cpu, dev))
        result[f"{player}_mean_loss_last_half_relative_difference"] = abs(a - b) / a
    return result


def _params(module):
    return torch.cat(
        [p.detach().reshape(-1).cpu() for p in module.parameters()]
    ).numpy()


def timed_game(X, y, deficits, n_iter, device):
    """Wall milliseconds per iteration between the game's first and last reads
    of the device (each read waits for the device), and the syncs per iteration
    in between on CUDA (None elsewhere)."""
    stamps, log = [], None
    catcher = warnings.catch_warnings(record=True)

    def progress(iteration, losses):
        nonlocal log
        stamps.append((iteration, time.perf_counter(), len(log) if log else 0))
        if device.type == "cuda" and log is None:
            log = catcher.__enter__()
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")

    try:
        game(X, y, deficits, GameConfig(max_iter=n_iter), device, progress)
    finally:
        if log is not None:
            torch.cuda.set_sync_debug_mode(0)
            catcher.__exit__(None, None, None)
    (i0, t0, _), (i1, t1, n_syncs) = stamps[0], stamps[-1]
    syncs = n_syncs / (i1 - i0) if device.type == "cuda" else None
    return (t1 - t0) / (i1 - i0) * 1e3, syncs


def busy(X, y, deficits, device, n_iter=50, warmup=10):
    """The share of the wall time of ``n_iter`` iterations in which the GPU
    runs kernels, and kernels per iteration."""
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    config = GameConfig(max_iter=n_iter + warmup)
    X, y = X.to(device), y.to(device)
    players = seeded_players(X, y, deficits, config)
    record = torch.zeros(3, device=device)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    batches = [order[i * 32 : i * 32 + 32].to(device) for i in range(n_iter + warmup)]

    def run(part):
        torch.cuda.synchronize()
        start = time.perf_counter()
        for batch in part:
            play_iteration(players, X[batch], y[batch], record)
        torch.cuda.synchronize()
        return time.perf_counter() - start

    run(batches[:warmup])
    wall = run(batches[warmup:])
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        run(batches[warmup:])
    kernels = [e for e in prof.events() if e.device_type == DeviceType.CUDA]
    kernel_s = sum(e.time_range.elapsed_us() for e in kernels) / 1e6
    return {
        "ms_per_iteration": wall / n_iter * 1e3,
        "gpu_busy_share": kernel_s / wall,
        "kernels_per_iteration": len(kernels) / n_iter,
    }


def conv(sizes, n_iter, device):
    """Image-mode fits with TF32 convolutions (torch's default) and without."""
    from gamo_sampler import GAMOClassifier

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(sum(sizes), 784)).astype(np.float32)
    y = np.repeat(np.arange(len(sizes)), sizes)
    results, labels = {}, []
    default = torch.backends.cudnn.allow_tf32
    try:
        for tf32 in (default, False):
            torch.backends.cudnn.allow_tf32 = tf32
            start = time.perf_counter()
            clf = GAMOClassifier(
                max_iter=n_iter, image_shape=(1, 28, 28), random_state=0, device=device
            ).fit(X, y)
            results[f"fit_s_tf32_{tf32}"] = time.perf_counter() - start
            labels.append(clf.predict(X))
    finally:
        torch.backends.cudnn.allow_tf32 = default
    results["labels_shared"] = float(np.mean(labels[0] == labels[1]))
    return results


def cuda_tests():
    """The test suite's CUDA tests: pytest's exit status and its last line."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    out = subprocess.run(
        [*command, "-k", "cuda", "tests"], capture_output=True, text=True, cwd=ROOT
    )
    lines = out.stdout.strip().splitlines()
    return {"pytest_exit_status": out.returncode, "summary": lines[-1] if lines else ""}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--results", default=None, help="folder for gpu_check.json")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--conv", type=int, default=564, help="conv fit iterations")
    parser.add_argument("--quick", action="store_true", help="tiny sizes")
    parser.add_argument("--skip-tests", action="store_true")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: torch sees no GPU here; try --device cpu")
    sizes = TINY_SIZES if args.quick else FMNIST_IR100_SIZES
    widths = (8,) if args.quick else (64, 784)
    report = {"machine": machine()}
    if device.type == "cuda":
        report["machine"]["gpu"] = torch.cuda.get_device_name(device)

    def show(name, values):
        report[name] = values
        print(name, json.dumps(values, default=float), flush=True)

    show("agreement", agreement(sizes, widths[0], args.iterations, args.device))
    for d in widths:
        X, y, deficits = random_problem(sizes, d)
        ms, syncs = timed_game(X, y, deficits, args.iterations, device)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            cpu_ms, _ = timed_game(X, y, deficits, args.iterations, torch.device("cpu"))
        finally:
            torch.set_num_threads(threads)
        row = {"ms": ms, "cpu_1_thread_ms": cpu_ms, "syncs_per_iteration": syncs}
        if device.type == "cuda":
            row.update(busy(X, y, deficits, device))
        show(f"iteration_{d}_features", row)
    show("conv", conv(sizes, args.conv, args.device))
    if not args.skip_tests:
        show("tests", cuda_tests())
    if args.results:
        path = Path(args.results)
        path.mkdir(parents=True, exist_ok=True)
        (path / "gpu_check.json").write_text(
            json.dumps(report, indent=2, default=float)
        )
    # M's first loss: three layers of at most 256 inputs at 64 features, each
    # output within 256 * 2**-24 (1.5e-5) of its exact value relative to the
    # sum of its terms' magnitudes, so 1e-4 is rounding's bound, with room.
    first_m_loss = report["agreement"]["first_losses_relative_difference"][0]
    failed = first_m_loss > 1e-4 or (
        report.get("tests", {}).get("pytest_exit_status", 0) not in (0, 5)
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
