"""``results.csv``: appending finished rows, and reading them back with clear
errors for what is not a results file."""

from __future__ import annotations

import os
from pathlib import Path

from .protocol import COLUMNS, KEY

__all__ = ["append_rows", "read_results"]

NUMBERS = ("seed", "fold")


def append_rows(path, rows):
    """Append ``rows`` (dicts with the keys of :data:`COLUMNS`) to the CSV at
    ``path``, with a header when the file is new, and flush them to disk."""
    import pandas as pd

    path = Path(path)
    new = not path.exists() or path.stat().st_size == 0
    text = (
        pd.DataFrame(rows)
        .reindex(columns=list(COLUMNS))
        .to_csv(index=False, header=new)
    )
    with path.open("a") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())


def read_results(path, *, allow_duplicates=False):
    """Read a ``results.csv`` of gamo-benchmark, or several concatenated.

    Header lines repeated by concatenation (``cat a.csv b.csv``) are dropped.

    Parameters
    ----------
    path : path-like
    allow_duplicates : bool, default=False
        Whether rows may repeat a (dataset, seed, fold, model) key.

    Returns
    -------
    results : pandas.DataFrame
        ``error`` is a string column ("" for a model that did not fail).

    Raises
    ------
    ValueError
        With a one-line message, when the file is a folder, is empty, is not
        a CSV, lacks a column of the results, or repeats a key.
    """
    import pandas as pd

    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give its results.csv.")
    if not path.is_file():
        raise ValueError(f"{path} does not exist.")
    try:
        results = pd.read_csv(path, dtype={"error": str}, keep_default_na=False,
                              na_values={c: ["", "nan", "NaN"] for c in COLUMNS
                                         if c != "error"})  # fmt: skip
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: no results to read.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"{path} is not a results CSV ({first}).") from None
    missing = [column for column in (*KEY, "error") if column not in results]
    if missing:
        raise ValueError(
            f"{path} is not a results.csv of gamo-benchmark: it lacks the "
            f"column(s) {', '.join(missing)}."
        )
    results = results[results["dataset"] != "dataset"].copy()  # `cat a b` headers
    for column in results.columns:
        if column not in ("dataset", "protocol", "model", "sampler", "classifier",
                          "error"):  # fmt: skip
            results[column] = pd.to_numeric(results[column], errors="coerce")
    for column in NUMBERS:
        if results[column].isna().any():
            raise ValueError(f"{path} has rows without a valid {column}.")
        results[column] = results[column].astype(int)
    repeated = results.duplicated(list(KEY), keep=False)
    if repeated.any() and not allow_duplicates:
        first = results.loc[repeated, list(KEY)].iloc[0].tolist()
        raise ValueError(
            f"{path} repeats {int(repeated.sum())} rows' (dataset, seed, fold, "
            f"model) keys, e.g. {first}: the same run concatenated twice, or two "
            "runs of the same models; keep one copy of each."
        )
    return results.reset_index(drop=True)
