"""Tests for cxlab.suppression: the minimum-base privacy guard for reported tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxlab.estimates
from cxlab.errors import SuppressionWarning
from cxlab.estimates import weighted_mean
from cxlab.suppression import format_suppressed, suppress_small_cells


def test_estimates_re_exports_the_guard():
    # existing callers import both names from cxlab.estimates
    assert cxlab.estimates.suppress_small_cells is suppress_small_cells
    assert cxlab.estimates.format_suppressed is format_suppressed


def test_suppress_small_cells_blanks_values_and_base():
    t = pd.DataFrame(
        {
            "segment": ["a", "b", "c"],
            "estimate": [0.4, 0.9, 0.5],
            "spend": [100.0, 5000.0, 300.0],
            "n": [120, 12, np.nan],
        }
    )
    out = suppress_small_cells(t, "n", 30)
    assert out["suppressed"].tolist() == [False, True, True]
    assert out.loc[1:, ["estimate", "spend", "n"]].isna().all().all()
    assert out.loc[0, "estimate"] == 0.4 and out.loc[0, "n"] == 120
    assert out["segment"].tolist() == ["a", "b", "c"]
    assert t["estimate"].notna().all()  # input untouched


def test_format_suppressed_shows_dashes_and_flags(with_small_segment):
    with pytest.warns(SuppressionWarning):
        table = weighted_mean(with_small_segment, "y", by="seg")
    shown = format_suppressed(table, min_base=30)
    tiny = shown[shown["seg"] == "tiny"].iloc[0]
    assert tiny["estimate"] == "–" and tiny["flag"] == "base < 30"
    assert tiny["n"] == "12"
    big = shown[shown["seg"] == "big"].iloc[0]
    assert big["flag"] == "" and big["estimate"] == f"{table['estimate'].iloc[0]:.2f}"
    assert "suppressed" not in shown.columns
