"""GAMOSampler.fit_resample on a 1,000,000 x 50 binary problem with imbalance ratio 100.

Each configuration runs in its own subprocess, so that its peak resident memory
(``ru_maxrss``) is its own. The data are two Gaussian classes (990,099 and 9,901
rows); the sampler generates the 980,198 rows that balance them.

Example
-------
    python benchmarks/bench_large.py --results docs/_static/perf/data
    python benchmarks/bench_large.py --rows 100000 --max-iter 200   # quick look
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def make_problem(n_rows, n_features, imbalance_ratio, seed=0):
    """Two shifted Gaussian classes, ``n_majority / n_minority`` about the ratio."""
    n_minority = int(round(n_rows / (imbalance_ratio + 1)))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_features))
    y = np.zeros(n_rows, dtype=np.int64)
    y[rng.choice(n_rows, n_minority, replace=False)] = 1
    X[y == 1] += 0.5
    return X, y


def run_one(args):
    """Fit one configuration in this process and print a JSON line."""
    import torch

    from gamo_sampler import GAMOSampler

    if args.threads:
        torch.set_num_threads(args.threads)
    load_start = os.getloadavg()[0]
    X, y = make_problem(args.rows, args.features, args.ratio)
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    # --threads (or torch's default) holds for the whole fit_resample: the
    # estimator's own n_threads, which would set it for training only, is off.
    sampler = GAMOSampler(
        max_iter=args.max_iter,
        max_anchors=args.max_anchors,
        random_state=0,
        n_threads=None,
    )
    timings = {}
    generate = sampler._generate

    def timed_generate(*a, **k):
        start, cpu = time.perf_counter(), time.process_time()
        out = generate(*a, **k)
        timings["generate_s"] = time.perf_counter() - start
        timings["generate_cpu_s"] = time.process_time() - cpu
        return out

    sampler._generate = timed_generate
    start, cpu = time.perf_counter(), time.process_time()
    X_res, y_res = sampler.fit_resample(X, y)
    total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
    row = {
        "rows": args.rows,
        "features": args.features,
        "minority_rows": int((y == 1).sum()),
        "max_anchors": args.max_anchors,
        "max_iter": args.max_iter,
        "torch_threads": torch.get_num_threads(),
        "fit_resample_s": round(total, 1),
        "generate_s": round(timings["generate_s"], 1),
        "train_and_setup_s": round(total - timings["generate_s"], 1),
        # CPU time of this process (all its threads): with one thread, the time
        # on a core of its own, whatever else the machine runs.
        "fit_resample_cpu_s": round(total_cpu, 1),
        "generate_cpu_s": round(timings["generate_cpu_s"], 1),
        "output_rows": len(y_res),
        "peak_rss_gib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2
        ),
        "rss_after_data_gib": round(rss_data, 2),
        "load_average_1min": [round(load_start, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(row))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--ratio", type=float, default=100.0)
    parser.add_argument("--max-iter", type=int, default=2000)
    parser.add_argument(
        "--anchors",
        default="none,1000",
        help="comma-separated max_anchors values to run ('none' = all rows)",
    )
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--results", default=None, help="folder for JSON/CSV")
    parser.add_argument("--max-anchors", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return run_one(args)
    from _common import machine, write_results

    rows = []
    for value in args.anchors.split(","):
        command = [
            sys.executable,
            __file__,
            "--one",
            f"--rows={args.rows}",
            f"--features={args.features}",
            f"--ratio={args.ratio}",
            f"--max-iter={args.max_iter}",
        ]
        if value.strip().lower() != "none":
            command.append(f"--max-anchors={int(value)}")
        if args.threads:
            command.append(f"--threads={args.threads}")
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"max_anchors={row['max_anchors']}: fit_resample {row['fit_resample_s']} s "
            f"(training and set-up {row['train_and_setup_s']} s, generation "
            f"{row['generate_s']} s; CPU time {row.get('fit_resample_cpu_s')} s), "
            f"peak RSS {row['peak_rss_gib']} GiB "
            f"({row['rss_after_data_gib']} GiB after making the data)",
            flush=True,
        )
        rows.append(row)
    if args.results:
        # The rows say which torch threads each run used; the parent has none.
        meta = {k: v for k, v in machine().items() if k != "torch_threads"}
        out = write_results(args.results, rows, meta, "bench_large")
        print(f"wrote {out}/bench_large.json and .csv")
    return rows


if __name__ == "__main__":
    main()
