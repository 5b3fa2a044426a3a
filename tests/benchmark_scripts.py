"""Import a script of ``benchmarks/`` as a module, for its tests."""

import importlib.util
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load_benchmark_script(name):
    """The module of ``benchmarks/<name>.py``, run afresh; the scripts import
    their shared helpers (``benchmarks/_common.py``) from that folder."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
