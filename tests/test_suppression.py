"""Tests for cxlab.suppression: the minimum-base privacy guard for reported tables."""

from __future__ import annotations

import warnings

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


def test_suppress_small_cells_blanks_values_keeps_base():
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
    # policy: the unweighted base stays (the reason the row is blank), all else is NaN
    assert out.loc[1:, ["estimate", "spend"]].isna().all().all()
    assert out.loc[1, "n"] == 12 and np.isnan(out.loc[2, "n"])
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


# ------------------------------------------------------------------ one policy, every function
# Every public function that applies ``min_base`` is called on data where one group has a
# base of exactly ``min_base - 1`` and exactly ``min_base``. Below the minimum, every
# numeric column of that group's rows except the labels and the unweighted base(s) must
# be NaN and ``suppressed`` True; at the minimum the row is reported.
MB = 20


def _segments(base: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 200 + base
    df = pd.DataFrame(
        {
            "respondent_id": [f"R{i}" for i in range(n)],
            "seg": ["big"] * 200 + ["small"] * base,
            "y": rng.integers(0, 11, n).astype(float),
            "weight": rng.uniform(0.5, 2.0, n),
        }
    )
    df.loc[df.index[-base:], "y"] = np.resize([0.0, 3.0, 6.0, 7.0, 8.0, 9.0, 10.0], base)
    df["flag"] = (df["y"] > 5).astype(float)
    return df


def _economics_frame(base: int) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    groups = ["advocate"] * 100 + ["neutral"] * 100 + ["antagonist"] * base
    n = len(groups)
    return pd.DataFrame(
        {
            "group": pd.Categorical(groups, ["agitator", "antagonist", "neutral", "advocate"]),
            "recommend": rng.integers(0, 11, n).astype(float),
            "spend": rng.gamma(4, 100, n),
            "service_cost": rng.gamma(2, 20, n),
            "tenure": rng.uniform(1, 10, n),
            "weight": rng.uniform(0.5, 2.0, n),
        }
    )


@pytest.fixture(scope="module")
def executives():
    from cxlab.synth.executive import make_executive_study

    return make_executive_study(seed=0)[0]


def _first_executives(data: pd.DataFrame, base: int) -> pd.DataFrame:
    ids = data["executive_id"].drop_duplicates().iloc[:base]
    return data[data["executive_id"].isin(ids)].copy()


def _case(name: str, base: int, request):
    """(table, rows of the small group, base columns kept, columns reported at min_base)."""
    from cxlab import estimates, segments
    from cxlab.cfe import agreement, maturity, promise_gap, weakest_indicators
    from cxlab.comparisons import compare
    from cxlab.economics import advocacy_economics, customer_value

    df = _segments(base)
    small = lambda t: (t["seg"] == "small").to_numpy()  # noqa: E731
    est = ["estimate", "se", "ci_low", "ci_high", "n_effective"]
    if name in ("weighted_mean", "weighted_proportion", "weighted_top_box"):
        args = {
            "weighted_mean": ("y",),
            "weighted_proportion": ("flag",),
            "weighted_top_box": ("y", 10),
        }[name]
        t = getattr(estimates, name)(df, *args, by="seg", min_base=MB)
        return t, small(t), ["n"], est
    if name == "weighted_distribution":
        t = estimates.weighted_distribution(df, "y", by="seg", min_base=MB)
        return t, small(t), ["n"], est
    if name == "compare":
        t = compare(df, "y", by="seg", min_base=MB)
        cols = ["estimate_a", "estimate_b", "difference", "se", "ci_low", "ci_high"]
        return t, np.ones(len(t), bool), ["n_a", "n_b"], [*cols, "statistic", "df", "p_value"]
    if name == "suppress_small_cells":
        g = df.groupby("seg").agg(n=("y", "size"), mean=("y", "mean"), spend=("weight", "sum"))
        t = suppress_small_cells(g.reset_index(), "n", MB)
        return t, small(t), ["n"], ["mean", "spend"]
    if name in ("net_advocacy", "advocacy_shares"):
        t = getattr(segments, name)("y", "weight", "seg", df, MB)
        cols = (
            ["value", "se", "ci_low", "ci_high", "n_effective", "pct_advocate", "pct_antagonist"]
            if name == "net_advocacy"
            else ["share", "se", "ci_low", "ci_high", "count", "n_effective"]
        )
        return t, small(t), ["n"], cols
    if name == "advocacy_economics":
        r = _economics_frame(base)
        t = advocacy_economics(r, group="group", measures=["spend", "tenure"], min_base=MB)
        mask = (t["advocacy_group"] == "antagonist").to_numpy()
        return t, mask, ["n"], ["mean", "se", "ci_low", "ci_high", "n_effective"]
    if name in ("customer_value.table", "customer_value.moves"):
        r = _economics_frame(base)
        cv = customer_value(r, group="group", n_boot=50, min_base=MB)
        if name.endswith("table"):
            t = cv.table
            cols = ["annual_value", "annual_ci_low", "lifetime_value", "ci_low", "ci_high"]
            return t, (t["advocacy_group"] == "antagonist").to_numpy(), ["n"], cols
        t = cv.moves
        return t, (t["from_group"] == "antagonist").to_numpy(), [], ["value", "ci_low"]
    ex = request.getfixturevalue("executives")
    sub = _first_executives(ex, base)
    if name == "cfe.maturity":
        t = maturity(sub, "competency", min_base=MB)
        return t, np.ones(len(t), bool), ["n"], ["current", "current_ci_low", "gap", "gap_p"]
    if name == "cfe.weakest_indicators":
        t = weakest_indicators(sub, k=5, min_base=MB)
        return t, np.ones(len(t), bool), ["n"], ["rank", "current", "target_ci_high"]
    if name == "cfe.agreement":
        t = agreement(sub, "competency", min_base=MB)
        return t, np.ones(len(t), bool), ["n", "n_top", "n_middle"], ["mean", "sd", "iqr", "rwg"]
    if name == "cfe.promise_gap":
        survey, _ = request.getfixturevalue("banking")
        t = promise_gap(sub, survey, min_base=MB).table
        mask = (t["side"] != "customer").to_numpy()
        return t, mask, ["n"], ["value", "ci_low", "ci_high"]
    if name in ("moments.diagnose", "priorities.prioritize"):
        from types import SimpleNamespace

        from cxlab.moments import diagnose
        from cxlab.priorities import prioritize

        survey, _ = request.getfixturevalue("fake_survey_factory")(seed=2, n=400, rare_event=False)
        et = survey.event_table()
        keep = et.loc[et["event_id"] == "E8", "respondent_id"].drop_duplicates().iloc[:base]
        et = et[(et["event_id"] != "E8") | et["respondent_id"].isin(keep)]
        s = SimpleNamespace(
            respondents=survey.respondents,
            events=survey.events,
            stages=survey.stages,
            event_table=lambda: et.copy(),
        )
        t = diagnose(s, min_base=MB) if name == "moments.diagnose" else prioritize(s, min_base=MB)
        cols = ["base", "performance", "performance_se", "brand_gap_lo", "satisfaction_impact"]
        cols += ["advocacy_impact", "tactile_weight", "importance"]
        if name == "priorities.prioritize":
            cols += ["priority"]
        return t, (t["event_id"] == "E8").to_numpy(), ["n"], cols
    raise AssertionError(name)


CASES = [
    "weighted_mean",
    "weighted_proportion",
    "weighted_top_box",
    "weighted_distribution",
    "compare",
    "suppress_small_cells",
    "net_advocacy",
    "advocacy_shares",
    "advocacy_economics",
    "customer_value.table",
    "customer_value.moves",
    "cfe.maturity",
    "cfe.weakest_indicators",
    "cfe.agreement",
    "cfe.promise_gap",
    "moments.diagnose",
    "priorities.prioritize",
]
LABELS = {"stage_order", "category"}  # numeric columns that are labels, not figures


@pytest.mark.parametrize("base", [MB - 1, MB])
@pytest.mark.parametrize("name", CASES)
def test_every_min_base_function_follows_one_policy(name, base, request):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table, rows, kept, reported = _case(name, base, request)
    assert rows.any(), "the small group has no rows"
    part = table[rows]
    numeric = [
        c
        for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
        and c not in kept
        and c not in LABELS
    ]
    assert set(reported) <= set(numeric), set(reported) - set(numeric)
    if "n" in kept:
        assert (part["n"].notna()).all()
    if base < MB:
        assert part["suppressed"].all()
        leaked = [c for c in numeric if part[c].notna().any()]
        assert not leaked, f"{name}: suppressed rows still show {leaked}"
        for col in kept:  # the base is kept, never blanked
            assert part[col].notna().all(), col
    else:
        assert not part["suppressed"].any(), f"{name}: a base equal to min_base was suppressed"
        missing = [c for c in reported if part[c].isna().any()]
        assert not missing, f"{name}: not reported at min_base: {missing}"
    if name in ("weighted_mean", "net_advocacy", "advocacy_shares", "suppress_small_cells"):
        assert (part["n"] == base).all()


@pytest.mark.parametrize("base", [MB - 1, MB])
def test_compare_net_advocacy_leaves_out_only_segments_under_min_base(base):
    from cxlab.segments import compare_net_advocacy

    df = _segments(base)
    df.loc[:99, "seg"] = "other"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = compare_net_advocacy("y", "seg", "weight", df, min_base=MB)
    involved = set(t["segment_a"]) | set(t["segment_b"])
    assert ("small" in involved) == (base >= MB)
    assert t[["difference", "se", "p_value"]].notna().all().all()
