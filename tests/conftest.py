"""Fixtures shared by the test files, and the header line that names the
gamo_sampler under test."""

from pathlib import Path

import pytest
import torch


def pytest_report_header(config):
    """Say where the gamo_sampler under test comes from: the source tree after
    ``pip install -e``, site-packages after installing the wheel (CI checks)."""
    import gamo_sampler

    folder = Path(gamo_sampler.__file__).resolve().parent
    return f"gamo_sampler {gamo_sampler.__version__} from {folder}"


@pytest.fixture
def one_torch_thread():
    """Run torch on one thread, then restore the count.

    Fits already use ``n_threads=1``; this also covers prediction and sampling,
    which run outside a fit. Tiny networks gain nothing from threads, and results
    are bit-identical only for a fixed thread count, and on one kind of CPU
    (torch picks kernels by instruction set, which may sum in other orders).
    """
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)
