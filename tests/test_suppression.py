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
    if name == "net_advocacy.overall":  # no segments: no complementary suppression
        t = segments.net_advocacy("y", "weight", None, df[df["seg"] == "small"], MB)
        cols = ["value", "se", "ci_low", "ci_high", "n_effective", "pct_advocate"]
        return t, np.ones(len(t), bool), ["n"], [*cols, "pct_antagonist"]
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
        cols = ["base", "performance", "performance_se", "brand_gap_ci_low", "satisfaction_impact"]
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
    "net_advocacy.overall",
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
    if name in (
        "weighted_mean",
        "net_advocacy",
        "net_advocacy.overall",
        "advocacy_shares",
        "suppress_small_cells",
    ):
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


# ------------------------------------------------------------------ the contract (issue 13)
# Every public estimator given a 12-respondent group (under MB = 20): NaN values,
# suppressed=True, the base n kept, and exactly one SuppressionWarning with the one text
# of cxlab.suppression.suppression_message.
ESTIMATORS = [c for c in CASES if c not in ("suppress_small_cells", "customer_value.moves")]


@pytest.mark.parametrize("name", ESTIMATORS)
def test_every_estimator_given_a_12_respondent_group_warns_once(name, request):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table, rows, kept, _ = _case(name, 12, request)
    part = table[rows]
    assert part["suppressed"].all()
    numeric = [
        c
        for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
        and c not in kept
        and c not in LABELS
    ]
    assert part[numeric].isna().all().all()
    sup = [w for w in caught if issubclass(w.category, SuppressionWarning)]
    assert len(sup) == 1, [str(w.message) for w in sup]
    assert "with a base under 20 suppressed" in str(sup[0].message)


def test_suppress_is_the_one_rule_and_names_the_rows():
    from cxlab.suppression import suppress, suppression_message

    t = pd.DataFrame({"seg": ["a", "b", "c"], "est": [1.0, 2.0, 3.0], "n": [19, 20, 5]})
    with pytest.warns(SuppressionWarning) as rec:
        out = suppress(t, 20, what="test", labels=t["seg"])
    assert out["suppressed"].tolist() == [True, False, True]
    assert out["n"].tolist() == [19, 20, 5] and out["est"].isna().tolist() == [True, False, True]
    assert len(rec) == 1
    assert str(rec[0].message) == suppression_message("test", 2, 20, ["a", "c"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        suppress(t, 5)  # nothing under the base: no warning


def test_numeric_segment_keys_are_labels_not_figures():
    """A segment coded as numbers (region 1, 2, 3) keeps its codes on suppressed rows:
    only the figures are blanked, so a reader still sees which group is not shown."""
    from cxlab.segments import advocacy_shares, net_advocacy

    rng = np.random.default_rng(3)
    n = 400
    region = np.where(np.arange(n) < 12, 3, rng.integers(1, 3, n))  # region 3: 12 people
    frame = pd.DataFrame(
        {"region": region, "recommend": rng.integers(0, 11, n).astype(float), "w": 1.0}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = {
            "mean": weighted_mean(frame, "recommend", weights="w", by="region", min_base=30),
            "net": net_advocacy("recommend", "w", by="region", data=frame, min_base=30),
            "shares": advocacy_shares("recommend", "w", by="region", data=frame, min_base=30),
        }
    for name, table in tables.items():
        assert table["suppressed"].any(), name  # region 3, and a complementary partner
        assert table["region"].notna().all(), name
        assert set(table["region"]) == {1, 2, 3}, name
        small = table[table["region"] == 3]
        assert small["suppressed"].all(), name
        value = "estimate" if "estimate" in table else ("value" if "value" in table else "share")
        assert small[value].isna().all(), name
