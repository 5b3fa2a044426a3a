"""``python -m gamo_sampler.benchmark``: the ``gamo-benchmark`` command."""

import sys

from .cli import main

# Guarded: tools that import every module (doctest collection) must not run it.
if __name__ == "__main__":
    sys.exit(main())
