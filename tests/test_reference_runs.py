"""The reference runs' figures, compared at 6 significant digits.

Each ``notebooks/reference/<run>.yaml`` is a report parameter file; its executed
notebook (``<run>.ipynb``, re-run by nbval in ``make test``) and its figures
(``<run>.figures.json``: the key figures and every number of the report's tables) are
committed. This test recomputes the figures with :func:`cxlab.report.analyse` and
compares them at 6 significant digits, so a change to any reported number, not only
to what the notebook prints at display precision, fails here.

After a deliberate change of the statistics, refresh both with ``make refresh``.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "notebooks" / "reference"
RUNS = sorted(REFERENCE.glob("*.yaml"))


def _tables(results) -> dict[str, pd.DataFrame | None]:
    value, cfe, verbatims = results.value, results.cfe, results.verbatims
    return {
        "net": results.net,
        "shares": results.shares,
        "priorities": results.priorities,
        "by_event": results.by_event,
        "economics": results.economics,
        "key_drivers": results.key_drivers,
        "segments": results.segments_table,
        "value_case": None if value is None else value.table,
        "cfe": None if cfe is None else cfe.table,
        "reliability": results.reliability,
        "scale_reliability": results.scale_reliability,
        "weighting": None if results.weighting is None else results.weighting.summary(),
        "comment_topics": None if verbatims is None else verbatims.table,
        "comments_by_event": None if verbatims is None else verbatims.by_event,
        "comments_advocacy": None if verbatims is None else verbatims.advocacy,
    }


def _number(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    return float(f"{float(value):.6g}")


def figures(params_file: Path) -> dict:
    """Every figure of one reference run: ``{name: number, text or None}``."""
    from cxlab.params import load_params
    from cxlab.report import analyse, load_inputs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = load_params(params_file)
        results = analyse(load_inputs(params), params)
    out: dict = {}
    for name, value in results.key_figures.items():
        if isinstance(value, list):
            for i, v in enumerate(value):
                out[f"key_figures.{name}[{i}]"] = _number(v)
        else:
            out[f"key_figures.{name}"] = value if isinstance(value, str) else _number(value)
    for section in results.coverage.itertuples():
        out[f"sections.{section.section}"] = bool(section.included)
    for name, table in _tables(results).items():
        if table is None:
            continue
        numbers = table.reset_index(drop=True).select_dtypes(include=["number", "bool"])
        for i, row in numbers.iterrows():
            for column, value in row.items():
                out[f"{name}[{i}].{column}"] = _number(value)
    return out


def _close(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float | int):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("params_file", RUNS, ids=[p.stem for p in RUNS])
def test_reference_figures_at_six_significant_digits(params_file):
    stored = json.loads(params_file.with_suffix(".figures.json").read_text(encoding="utf-8"))
    now = figures(params_file)
    assert set(now) == set(stored), sorted(set(now) ^ set(stored))[:10]
    moved = {k: (stored[k], now[k]) for k in stored if not _close(now[k], stored[k])}
    assert not moved, dict(list(moved.items())[:10])


def test_every_reference_run_has_its_notebook_and_figures():
    assert len(RUNS) >= 2
    for params_file in RUNS:
        assert params_file.with_suffix(".ipynb").is_file(), params_file
        assert params_file.with_suffix(".figures.json").is_file(), params_file


def test_the_reference_runs_cover_cfe_suppression_and_a_non_default_scale():
    bank = json.loads((REFERENCE / "sample_bank_uk_cfe.figures.json").read_text())
    assert bank["sections.Customer focused enterprise (CFE) assessment"] is True
    assert any(
        k.startswith("segments[") and k.endswith(".suppressed") and v for k, v in bank.items()
    )
    scale = (REFERENCE / "satisfaction_1_to_7.ipynb").read_text(encoding="utf-8")
    assert "on the 1-7 scale" in scale


if __name__ == "__main__":  # python tests/test_reference_runs.py --write
    if "--write" not in sys.argv:
        sys.exit("usage: python tests/test_reference_runs.py --write")
    for params_file in RUNS:
        path = params_file.with_suffix(".figures.json")
        path.write_text(json.dumps(figures(params_file), indent=1) + "\n", encoding="utf-8")
        print(path)
