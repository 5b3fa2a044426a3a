"""Helpers shared by the benchmark scripts: data, timing, memory, machine
description, and the CSV that long runs append to."""

import csv
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

# Fashion-MNIST IR-100 training-set profile of the reference code (GAMO, ICCV 2019).
FMNIST_IR100_SIZES = (4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40)


def random_problem(sizes, n_features, seed=0):
    """Standard-normal float32 rows with ``sizes[i]`` rows of class ``i``.

    Returns
    -------
    X, y : torch.Tensor
        Rows and integer class codes.
    deficits : ndarray
        Rows each class needs to reach the largest class.
    """
    rng = np.random.default_rng(seed)
    X = torch.as_tensor(rng.standard_normal((sum(sizes), n_features), dtype=np.float32))
    y = torch.as_tensor(np.repeat(np.arange(len(sizes)), sizes))
    deficits = max(sizes) - np.asarray(sizes)
    return X, y, deficits


def seeded_players(X, y, deficits, config, seeds=(0, 1)):
    """The players of a game on ``X``'s device: the networks initialised on the
    host from ``seeds[0]`` (so they start equal on every device), the draws
    made from ``seeds[0]`` on the host and ``seeds[1]`` on the device."""
    from gamo_sampler.game import Players, build_networks

    n_classes = len(deficits)
    host = torch.Generator().manual_seed(seeds[0])
    device = torch.Generator(X.device).manual_seed(seeds[1])
    nets = build_networks(X, y, n_classes, deficits, config, host, X.device)
    sizes = np.bincount(y.cpu().numpy(), minlength=n_classes)
    return Players(*nets, deficits, sizes, config, (host, device))


def matmul_flops(n=1024, repeats=10, clock=time.perf_counter):
    """Measured float32 ``n x n`` matmul FLOP/s of this machine, best of
    ``repeats`` timings of 5 products each, with the current torch threads."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    out = torch.empty(n, n)
    for _ in range(3):
        torch.mm(a, b, out=out)
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        for _ in range(5):
            torch.mm(a, b, out=out)
        best = min(best, (clock() - start) / 5)
    return 2 * n**3 / best


def machine():
    """What the numbers were measured on."""
    return {
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "load_average_1min": os.getloadavg()[0],
    }


def write_results(path, rows, meta, stem):
    """Write ``rows`` (list of flat dicts) to ``path/stem.json`` and ``.csv``."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    with open(path / f"{stem}.json", "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=2)
    keys = list(rows[0])
    with open(path / f"{stem}.csv", "w") as f:
        f.write(",".join(keys) + "\n")
        for row in rows:
            f.write(",".join(str(row[k]) for k in keys) + "\n")
    return path


def reset_peak_memory():
    """Reset the kernel's peak-RSS mark (Linux); return the current RSS in bytes."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return status_bytes("VmRSS")


def peak_memory():
    """Peak RSS in bytes since the last reset (Linux ``VmHWM``)."""
    return status_bytes("VmHWM")


def status_bytes(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{key} not found in /proc/self/status")


def append_rows(path, rows, fields):
    """Append finished runs (dicts with keys ``fields``) to the CSV at ``path``,
    with a header if the file is new.

    Long experiments append each run as it finishes, so that a rerun skips it,
    and so that processes running other parts of the same experiment keep each
    other's rows.
    """
    path = Path(path)
    new = not path.exists()
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        if new:
            writer.writeheader()
        writer.writerows(rows)
