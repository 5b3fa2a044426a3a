"""``benchmarks/bench_iteration.py``'s accounting of matrix products."""

import re

import pytest
from benchmark_scripts import load_benchmark_script


@pytest.fixture(scope="module")
def bench():
    return load_benchmark_script("bench_iteration")


@pytest.mark.parametrize(
    "name, shapes, flops",
    [
        ("aten::mm", [[8, 784], [784, 2000]], 2 * 8 * 784 * 2000),
        (
            "aten::bmm",
            [[18, 256, 4], [18, 4, 110], [18, 256, 110]],
            2 * 18 * 256 * 4 * 110,
        ),
        ("aten::addmm", [[256], [32, 784], [784, 256], [], []], 2 * 32 * 784 * 256),
        ("aten::addmm_", [[1, 28160], [1, 18], [18, 28160], [], []], 2 * 18 * 28160),
        (
            "aten::baddbmm",
            [[2, 1, 750], [2, 9, 64], [2, 64, 750], [], []],
            2 * 2 * 9 * 64 * 750,
        ),
    ],
)
def test_product_flops_read_the_operands_of_each_kind(bench, name, shapes, flops):
    assert bench.product_flops(name, shapes) == flops


def test_products_lists_the_costliest_products_with_their_rate(bench, capsys):
    bench.main(["--features", "8", "--products", "3"])

    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(
        r"8 features: matrix products [\d.]+ ms per iteration, \d+ GFLOP/s", lines[0]
    )
    rows = [line for line in lines[2:] if line.strip()]
    assert len(rows) == 3
    assert all(re.match(r"\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\w+ \[\[", row) for row in rows)
