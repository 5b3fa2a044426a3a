"""``benchmarks/schedule_comparison.py``: a run at max_iter='auto' against the
same splits of a fixed-length run."""

import numpy as np
import pandas as pd
import pytest
from benchmark_scripts import load_benchmark_script

pytest.importorskip("statsmodels")


def load_script():
    return load_benchmark_script("schedule_comparison")


def results(scores, *, seed=0, folds=2, model="GAMOClassifier"):
    """Rows of ``model`` with ``scores[d]`` on every fold of table ``d``."""
    rows = [
        {"dataset": f"t{d}", "seed": seed, "fold": f, "model": model,
         "sampler": "gamo (joint)", "classifier": "gamo", "n_train": 300,
         "balanced_accuracy": score, "geometric_mean": score, "f1_macro": score,
         "fit_time": 1.0 + seed, "error": ""}
        for d, score in enumerate(scores) for f in range(folds)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_auto_is_paired_with_the_fixed_run_of_its_seed_on_finished_tables():
    script = load_script()
    fixed = pd.concat(
        [results([0.5] * 8), results([0.9] * 8, seed=1), results([0.6], model="x")]
    )
    scores = [0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.5, 0.4]
    # The last table's second fold is not done: it is left out.
    auto = results(scores).iloc[:-1]
    table = script.compare(fixed, auto, seed=0)
    row = table.set_index("model").loc["GAMOClassifier"]
    assert list(table["model"]) == ["GAMOClassifier"]  # model x is not in auto
    assert row["n_datasets"] == 7
    assert (row["wins"], row["ties"], row["losses"]) == (6, 1, 0)
    assert row["balanced_accuracy_fixed"] == pytest.approx(0.5)
    assert row["balanced_accuracy_auto"] == pytest.approx(np.mean(scores[:7]))
    assert row["p_holm"] == pytest.approx(2 / 2**6)  # six wins of six, exact test
    assert row["fit_seconds_fixed"] == row["fit_seconds_auto"] == 1.0


def test_a_control_that_agrees_has_no_test(tmp_path, capsys):
    script = load_script()
    fixed, auto = tmp_path / "fixed.csv", tmp_path / "auto.csv"
    results([0.7, 0.8, 0.9]).to_csv(fixed, index=False)
    results([0.7, 0.8, 0.9]).to_csv(auto, index=False)
    script.main([str(fixed), str(auto), "--output", str(tmp_path / "cmp")])
    out = capsys.readouterr().out
    assert "| GAMOClassifier | 3 | 0.800 | 0.800 | 0-3-0 |  |" in out
    assert (tmp_path / "cmp.md").read_text() == out
    assert pd.read_csv(tmp_path / "cmp.csv")["p_holm"].isna().all()
    assert "[2000, 2000, 2000, 2000, 2000]" in out
