"""Wall time of ``gamo-benchmark --n-jobs 1`` against ``--n-jobs 2``, run one
after the other on the same machine, and whether their scores are identical.

    python benchmarks/parallel_speedup.py [gamo-benchmark arguments]

Default arguments: ``--datasets keel --quick``. Prints one line per run and
the ratio; exits 1 if the two results.csv differ outside the timing columns.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

TIMINGS = ["resample_time", "train_time", "fit_time"]


def run(arguments, n_jobs, folder):
    command = [
        sys.executable, "-m", "gamo_sampler.benchmark", *arguments,
        "--n-jobs", str(n_jobs), "--no-plot", "--no-progress",
        "--output-dir", str(folder),
    ]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(arguments):
    arguments = arguments or ["--datasets", "keel", "--quick"]
    with tempfile.TemporaryDirectory() as work:
        seconds = {}
        for n_jobs in (1, 2):
            seconds[n_jobs] = run(arguments, n_jobs, Path(work, f"jobs{n_jobs}"))
            print(f"--n-jobs {n_jobs}: {seconds[n_jobs]:.1f} s wall", flush=True)
        results = [
            pd.read_csv(Path(work, f"jobs{n}", "results.csv")).drop(columns=TIMINGS)
            for n in (1, 2)
        ]
    same = results[0].equals(results[1])
    print(
        f"gamo-benchmark {' '.join(arguments)}: --n-jobs 2 took "
        f"{seconds[2] / seconds[1]:.2f}x the wall time of --n-jobs 1; "
        f"{len(results[0])} rows, scores {'identical' if same else 'DIFFERENT'}."
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
