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


# ------------------------------------------------ complementary suppression (issue 12, item 5)
def test_a_lone_suppressed_part_gets_a_complement():
    from cxlab.suppression import suppress_complementary

    t = pd.DataFrame({"segment": list("abcd"), "value": [10.0, 20, 30, 40], "n": [23, 90, 40, 300]})
    out = suppress_complementary(t, "n", 30)
    assert out["suppressed"].tolist() == [True, False, True, False]
    assert out["n"].tolist() == [23, 90, 40, 300]  # bases kept (the policy)
    assert out["value"].isna().tolist() == [True, False, True, False]
    # nothing small: nothing suppressed
    assert not suppress_complementary(t.assign(n=[30, 90, 40, 300]), "n", 30)["suppressed"].any()


def test_two_small_parts_together_still_under_min_base_get_a_third():
    from cxlab.suppression import suppress_complementary

    t = pd.DataFrame({"value": [1.0, 2, 3, 4], "n": [5, 10, 200, 60]})
    out = suppress_complementary(t, "n", 30)
    assert out["suppressed"].tolist() == [True, True, False, True]


def test_partitions_and_rows_suppressed_together():
    from cxlab.suppression import proper_subsets, suppress_complementary

    # 2 x 2 cross-classification: each row and column margin may be published
    t = pd.DataFrame(
        {
            "a": ["x", "x", "y", "y"],
            "b": ["p", "q", "p", "q"],
            "v": [1.0, 2, 3, 4],
            "n": [10, 50, 60, 70],
        }
    )
    out = suppress_complementary(t, "n", 30, partitions=proper_subsets(["a", "b"]))
    assert out["suppressed"].all()  # one small cell of a 2 x 2 table needs all four
    assert proper_subsets(["a", "b"]) == [[], ["a"], ["b"]]
    # advocacy groups of one segment go together
    g = pd.DataFrame(
        {
            "seg": ["s1"] * 2 + ["s2"] * 2 + ["s3"] * 2,
            "group": ["adv", "ant"] * 3,
            "count": [3.0, 2, 20, 30, 40, 50],
            "n": [5, 5, 50, 50, 90, 90],
        }
    )
    out = suppress_complementary(g, "n", 30, partitions=[["group"]], together=["seg"])
    assert out.groupby("seg")["suppressed"].all().tolist() == [True, True, False]


def _feasible_range(n_sup, known_net, known_sum, j):
    """Smallest and largest net advocacy of suppressed part ``j`` consistent with the
    published figures: unknown advocate / antagonist shares (p_i, d_i) of every
    suppressed part, sum n_i (p_i - d_i) and sum n_i (p_i + d_i) known (the overall
    net advocacy and, from its interval, p + d), within rounding."""
    from scipy.optimize import linprog

    k = len(n_sup)
    tol = 0.01 * sum(n_sup)  # rounding of the published percentages, generously
    # variables: p_1..p_k, d_1..d_k
    a_net = np.concatenate([n_sup, -np.asarray(n_sup)]) * 100
    a_sum = np.concatenate([n_sup, n_sup]) * 100
    a_ub = [a_net, -a_net, a_sum, -a_sum]
    b_ub = [known_net + tol, -(known_net - tol), known_sum + tol, -(known_sum - tol)]
    for i in range(k):  # p_i + d_i <= 1
        row = np.zeros(2 * k)
        row[i] = row[k + i] = 1
        a_ub.append(row)
        b_ub.append(1.0)
    c = np.zeros(2 * k)
    c[j], c[k + j] = 100, -100
    lo = linprog(c, A_ub=np.array(a_ub), b_ub=b_ub, bounds=[(0, 1)] * (2 * k))
    hi = linprog(-c, A_ub=np.array(a_ub), b_ub=b_ub, bounds=[(0, 1)] * (2 * k))
    assert lo.status == 0 and hi.status == 0
    return lo.fun, -hi.fun


def _uk_filter_case(seed: int):
    """The issue's case: a UK filter leaves one life-stage segment with n 23."""
    rng = np.random.default_rng(seed)
    sizes = {"UK": [23, 55, 80, 140], "France": [60, 70, 90, 110]}
    rows = []
    for country, ns in sizes.items():
        for stage, n in zip(["student", "family", "empty nest", "retired"], ns, strict=True):
            p = rng.dirichlet([2, 2, 3])
            rec = rng.choice([3, 8, 10], size=n, p=p)  # antagonist, neutral, advocate
            rows.append(pd.DataFrame({"country": country, "life_stage": stage, "recommend": rec}))
    data = pd.concat(rows, ignore_index=True)
    return data[data["country"] == "UK"].reset_index(drop=True)


@pytest.mark.parametrize("seed", range(5))
def test_no_suppressed_segment_can_be_recomputed_from_the_published_figures(seed):
    """Publish what the report publishes (overall net advocacy with its interval and
    net_advocacy_by_segment with n, rounded) and try to recompute every suppressed
    segment from them. It must not be pinned down: its feasible range stays wide."""
    import warnings

    from cxlab.errors import SuppressionWarning
    from cxlab.segments import net_advocacy

    uk = _uk_filter_case(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        total = net_advocacy("recommend", data=uk, min_base=30).iloc[0]
        table = net_advocacy("recommend", by="life_stage", data=uk, min_base=30)
    published = table[["life_stage", "value", "ci_low", "ci_high", "n"]].round(2)
    assert (published["n"] == 23).any() and table.loc[table["n"] == 23, "suppressed"].all()
    N = total["n"]
    net, z = round(total["value"], 2), 1.959963984540054
    se = (round(total["ci_high"], 2) - round(total["ci_low"], 2)) / (2 * z)
    p_plus_d = (se / 100) ** 2 * N + (net / 100) ** 2  # from se = 100 sqrt((p+d-(p-d)^2)/n)
    shown = published[~table["suppressed"]]
    known_net = N * net - (shown["n"] * shown["value"]).sum()
    # p + d of the shown segments from their intervals
    se_i = (shown["ci_high"] - shown["ci_low"]) / (2 * z)
    pd_i = (se_i / 100) ** 2 * shown["n"] + (shown["value"] / 100) ** 2
    known_sum = 100 * (N * p_plus_d - (shown["n"] * pd_i).sum())
    hidden = published[table["suppressed"]]
    assert len(hidden) >= 2  # a lone suppressed segment is exactly the difference
    for j in range(len(hidden)):
        lo, hi = _feasible_range(hidden["n"].to_numpy(float), known_net, known_sum, j)
        assert hi - lo > 5.0, (j, lo, hi)


def test_without_complementary_suppression_the_small_segment_is_recovered():
    """The attack of the test above works on a table with primary suppression only."""
    import warnings

    from cxlab.errors import SuppressionWarning
    from cxlab.segments import net_advocacy

    uk = _uk_filter_case(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        total = net_advocacy("recommend", data=uk, min_base=30).iloc[0]
        table = net_advocacy(
            "recommend", by="life_stage", data=uk, min_base=30, complementary=False
        )
    shown = table[~table["suppressed"]].round(2)
    (n_small,) = table.loc[table["suppressed"], "n"]
    recovered = total["n"] * round(total["value"], 2) - (shown["n"] * shown["value"]).sum()
    truth = net_advocacy("recommend", by="life_stage", data=uk, min_base=0)
    actual = truth.loc[truth["n"] == n_small, "value"].iloc[0]
    assert recovered / n_small == pytest.approx(actual, abs=0.5)
