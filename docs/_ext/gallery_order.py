"""Order of the examples in the gallery: from first look to specialised use."""

from pathlib import Path

ORDER = (
    "plot_toy_2d.py",
    "plot_pipeline_cross_validate.py",
    "plot_mixed_types.py",
    "plot_grid_search.py",
    "plot_training_history.py",
    "plot_synthetic_digits.py",
    "plot_gamo2pix.py",
)


class ExampleOrder:
    """sphinx-gallery ``within_subsection_order``: listed files first, then by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        rank = ORDER.index(name) if name in ORDER else len(ORDER)
        return (rank, name)

    def __repr__(self):
        return f"<{type(self).__name__}>"
