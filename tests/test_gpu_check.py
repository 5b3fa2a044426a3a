"""``benchmarks/gpu_check.py``, the checks for a session lent a GPU, run on the
CPU at tiny sizes, so that the script still runs when a GPU comes."""

import json
import math

import pytest
import torch
from benchmark_scripts import load_benchmark_script


@pytest.fixture(scope="module")
def gpu_check():
    return load_benchmark_script("gpu_check")


def test_every_check_runs_on_the_cpu_and_writes_its_figures(gpu_check, tmp_path):
    args = ["--device", "cpu", "--quick", "--iterations", "120", "--conv", "30"]
    status = gpu_check.main([*args, "--skip-tests", "--results", str(tmp_path)])

    assert status == 0
    report = json.loads((tmp_path / "gpu_check.json").read_text())
    agreement = report["agreement"]
    # The CPU against itself: the same kernels on the same inputs.
    assert agreement["first_losses_relative_difference"] == [0.0, 0.0, 0.0]
    assert agreement["G_share_half_a_step_apart"] == 0.0
    iteration = report["iteration_8_features"]
    assert iteration["ms"] > 0 and iteration["cpu_1_thread_ms"] > 0
    # Synchronisations and the GPU's busy share are counted on CUDA only.
    assert iteration["syncs_per_iteration"] is None
    assert "gpu_busy_share" not in iteration
    conv = report["conv"]
    assert conv["labels_shared"] == 1.0
    assert all(math.isfinite(v) and v > 0 for k, v in conv.items() if "fit_s" in k)
    assert "tests" not in report


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_asking_for_cuda_without_a_gpu_says_what_to_do(gpu_check, capsys):
    with pytest.raises(SystemExit):
        gpu_check.main(["--device", "cuda"])
    assert "torch sees no GPU here; try --device cpu" in capsys.readouterr().err
