"""Tests for cxlab.segments: classification, net advocacy, shares (economics: test_economics)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cxlab.errors import DataError, ParameterError, SuppressionWarning
from cxlab.segments import (
    ADVOCACY_LEVELS,
    advocacy_shares,
    classify_advocacy,
    compare_net_advocacy,
    net_advocacy,
)


# ----------------------------------------------------------------- classification
def test_classify_default_cuts_all_points():
    got = classify_advocacy(pd.Series(np.arange(11.0))).astype(str).tolist()
    assert got == ["antagonist"] * 7 + ["neutral"] * 2 + ["advocate"] * 2


def test_classify_is_ordered_named_and_keeps_index_and_nan():
    s = pd.Series([10, np.nan, 0, 7], index=["a", "b", "c", "d"], name="recommend")
    out = classify_advocacy(s, agitator=pd.Series([1, 1, 1, 0], index=s.index))
    assert out.name == "advocacy_group"
    assert list(out.index) == ["a", "b", "c", "d"]
    assert out.cat.ordered and list(out.cat.categories) == list(ADVOCACY_LEVELS)
    assert out.iloc[0] == "advocate"  # agitator flag only applies to antagonists
    assert pd.isna(out.iloc[1])  # NaN score stays NaN even when flagged
    assert out.iloc[2] == "agitator"
    assert out.iloc[3] == "neutral"
    codes = out.cat.codes
    assert codes.iloc[2] < codes.iloc[3] < codes.iloc[0]


def test_classify_agitator_missing_counts_as_false():
    out = classify_advocacy([2, 2], agitator=[np.nan, True])
    assert out.tolist() == ["antagonist", "agitator"]


@pytest.mark.parametrize(
    ("scale", "values", "expected"),
    [
        ((1, 10), [1, 6, 7, 8, 9, 10], ["antagonist"] * 2 + ["neutral"] * 2 + ["advocate"] * 2),
        ((1, 5), [1, 3, 4, 5], ["antagonist", "antagonist", "neutral", "advocate"]),
        ((1, 7), [4, 5, 6, 7], ["antagonist", "neutral", "advocate", "advocate"]),
    ],
)
def test_classify_other_scales(scale, values, expected):
    assert classify_advocacy(values, scale=scale).tolist() == expected


def test_classify_custom_cuts_and_unknown_scale():
    assert classify_advocacy([5, 6, 9], cuts=(5, 7)).tolist() == [
        "antagonist",
        "neutral",
        "advocate",
    ]
    with pytest.raises(ParameterError, match="cut points"):
        classify_advocacy([3], scale=(0, 100))
    assert classify_advocacy([80], scale=(0, 100), cuts=(60, 79)).tolist() == ["advocate"]
    with pytest.raises(ParameterError):
        classify_advocacy([3], cuts=(8, 6))


def test_classify_outside_scale_names_rows():
    with pytest.raises(DataError, match=r"rows 2, 4") as err:
        classify_advocacy(pd.Series([3, 11, 5, -1], name="recommend"))
    assert err.value.column == "recommend"
    assert err.value.rows == [2, 4]


# ------------------------------------------------------------------- net advocacy
def _peer_net(df: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Independent pandas computation of weighted net advocacy and its linearised SE."""
    d = df.dropna(subset=["recommend"]).assign(
        adv=lambda x: (x.recommend >= 9).astype(float),
        ant=lambda x: (x.recommend <= 6).astype(float),
    )
    groups = d.groupby(by) if by else [(None, d)]
    rows = []
    for key, g in groups:
        w = g["w"]
        p = np.average(g["adv"], weights=w)
        q = np.average(g["ant"], weights=w)
        neff = w.sum() ** 2 / (w**2).sum()
        # unified rule (issue 13): the linearised SE of the weighted mean of the
        # +/-100 score, m/(m-1) on all m rows of the data (domain estimation)
        m = len(df)
        score = 100 * g["adv"] - 100 * g["ant"]
        var = m / (m - 1) * ((w * (score - 100 * (p - q))) ** 2).sum() / w.sum() ** 2
        rows.append({"key": key, "value": 100 * (p - q), "se": np.sqrt(var), "n_eff": neff})
    return pd.DataFrame(rows)


@pytest.fixture
def toy():
    rng = np.random.default_rng(1)
    n = 900
    return pd.DataFrame(
        {
            "recommend": rng.integers(0, 11, n).astype(float),
            "w": rng.gamma(2.0, 0.5, n),
            "region": rng.choice(["North", "South", "East"], n),
            "band": rng.choice(["young", "old"], n),
        }
    ).assign(recommend=lambda d: d.recommend.mask(rng.random(n) < 0.05))


def test_net_advocacy_matches_independent_peer_weighted_and_unweighted(toy):
    for weights in (None, "w"):
        frame = toy if weights else toy.assign(w=1.0)
        got = net_advocacy("recommend", weights=weights, by="region", data=toy)
        peer = _peer_net(frame, "region")
        assert got["region"].tolist() == peer["key"].tolist()
        np.testing.assert_allclose(got["value"], peer["value"], rtol=1e-10)
        np.testing.assert_allclose(got["se"], peer["se"], rtol=1e-10)
        np.testing.assert_allclose(got["n_effective"], peer["n_eff"], rtol=1e-10)
        assert (got["n"] == toy.dropna(subset=["recommend"]).groupby("region").size().values).all()
    weighted = net_advocacy("recommend", weights="w", data=toy)
    unweighted = net_advocacy("recommend", data=toy)
    assert weighted["n_effective"].iloc[0] < unweighted["n_effective"].iloc[0]
    assert weighted["value"].iloc[0] != pytest.approx(unweighted["value"].iloc[0])


def test_net_advocacy_series_inputs_two_by_columns_and_groups(toy):
    a = net_advocacy(toy["recommend"], toy["w"], by=[toy["region"], toy["band"]])
    assert list(a.columns[:2]) == ["region", "band"]
    assert len(a) == 6
    assert list(a.columns[2:8]) == ["value", "se", "ci_low", "ci_high", "n", "n_effective"]
    # already-classified groups give the same numbers as raw scores
    groups = classify_advocacy(toy["recommend"])
    b = net_advocacy(groups, toy["w"], by=[toy["region"], toy["band"]])
    pd.testing.assert_frame_equal(a, b)
    # weighted by region/band equals the peer within each cell
    cell = toy[(toy.region == "East") & (toy.band == "old")]
    peer = _peer_net(cell)
    row = a[(a.region == "East") & (a.band == "old")].iloc[0]
    assert row["value"] == pytest.approx(peer["value"].iloc[0])


def test_net_advocacy_aligns_series_on_the_scores_index(toy):
    base = net_advocacy(toy["recommend"], toy["w"], by=toy["region"])
    shuffled = toy.sample(frac=1.0, random_state=2)
    again = net_advocacy(toy["recommend"], shuffled["w"], by=shuffled["region"])
    pd.testing.assert_frame_equal(base, again)
    frame_by = net_advocacy(toy["recommend"], toy["w"], by=toy[["region", "band"]])
    assert list(frame_by.columns[:2]) == ["region", "band"]
    with pytest.raises(DataError, match="same index"):
        net_advocacy(toy["recommend"], toy["w"].iloc[:-1].set_axis(range(1, len(toy))))
    with pytest.raises(DataError, match="values"):
        net_advocacy(toy["recommend"], np.ones(3))


def test_net_advocacy_agitators_count_as_antagonists():
    scores = pd.Series([10, 10, 2, 2, 8] * 10)
    flag = pd.Series([0, 0, 1, 0, 0] * 10)
    plain = net_advocacy(scores)
    with_ag = net_advocacy(scores, agitator=flag)
    assert with_ag["value"].iloc[0] == pytest.approx(plain["value"].iloc[0])
    assert plain["value"].iloc[0] == pytest.approx(0.0)


def test_net_advocacy_suppression(toy):
    small = toy.iloc[:40]
    with pytest.warns(SuppressionWarning):
        out = net_advocacy("recommend", by="region", data=small, min_base=30)
    assert out["suppressed"].all()
    assert out["value"].isna().all()
    assert (out["n"] > 0).all()


def test_net_advocacy_ci_contains_value_and_is_clipped():
    out = net_advocacy([10] * 50)
    assert out["value"].iloc[0] == 100.0
    assert out["ci_high"].iloc[0] <= 100.0
    assert out["se"].iloc[0] == 0.0


def test_net_advocacy_rejects_bad_weights():
    with pytest.raises(DataError, match="weights"):
        net_advocacy([1, 2, 3], weights=[1.0, -1.0, 1.0], min_base=1)


def _simulate_se(n: int, probs, weights: np.ndarray | None, reps: int, seed: int):
    """Draw reps samples of size n from a known multinomial; return (empirical sd, mean SE)."""
    rng = np.random.default_rng(seed)
    scores = rng.choice([2.0, 7.0, 10.0], size=(reps, n), p=probs)  # antagonist, neutral, advocate
    w = np.ones(n) if weights is None else weights
    frame = pd.DataFrame(
        {
            "recommend": scores.ravel(),
            "rep": np.repeat(np.arange(reps), n),
            "w": np.tile(w, reps),
        }
    )
    out = net_advocacy("recommend", weights="w", by="rep", data=frame)
    return out["value"].std(ddof=1), out["se"].mean()


@pytest.mark.parametrize("weighted", [False, True])
def test_net_advocacy_se_matches_simulation(weighted):
    n, probs = 400, [0.3, 0.3, 0.4]
    w = np.random.default_rng(5).lognormal(0.0, 0.6, n) if weighted else None
    sd, mean_se = _simulate_se(n, probs, w, reps=5000, seed=11)
    assert mean_se == pytest.approx(sd, rel=0.05)
    # and the formula's SE evaluated at the true shares
    neff = n if w is None else w.sum() ** 2 / (w**2).sum()
    p, d = probs[2], probs[0]
    assert sd == pytest.approx(100 * np.sqrt((p + d - (p - d) ** 2) / neff), rel=0.05)


def test_net_advocacy_ci_coverage_simulation():
    rng = np.random.default_rng(3)
    n, reps, probs = 200, 4000, [0.25, 0.35, 0.40]
    scores = rng.choice([0.0, 8.0, 9.0], size=(reps, n), p=probs)
    frame = pd.DataFrame({"recommend": scores.ravel(), "rep": np.repeat(np.arange(reps), n)})
    out = net_advocacy("recommend", by="rep", data=frame)
    truth = 100 * (probs[2] - probs[0])
    coverage = ((out["ci_low"] <= truth) & (truth <= out["ci_high"])).mean()
    assert 0.935 <= coverage <= 0.965


# ------------------------------------------------------------------------ compare
def test_compare_net_advocacy_holm_and_reference(toy):
    frame = toy.assign(recommend=np.where(toy.region == "North", 10.0, toy.recommend))
    out = compare_net_advocacy("recommend", "region", data=frame)
    assert len(out) == 3
    na = net_advocacy("recommend", by="region", data=frame).set_index("region")
    row = out.iloc[0]
    assert row["difference"] == pytest.approx(
        na.loc[row.segment_a, "value"] - na.loc[row.segment_b, "value"]
    )
    assert row["se"] == pytest.approx(
        np.hypot(na.loc[row.segment_a, "se"], na.loc[row.segment_b, "se"])
    )
    assert (out["p_adjusted"] >= out["p_value"]).all()
    # Holm: smallest p multiplied by the number of tests
    i = out["p_value"].idxmin()
    assert out.loc[i, "p_adjusted"] == pytest.approx(min(1.0, 3 * out.loc[i, "p_value"]))
    north = out[(out.segment_a == "North") | (out.segment_b == "North")]
    assert north["significant"].all()
    ref = compare_net_advocacy("recommend", "region", data=frame, reference="South")
    assert set(ref["segment_a"]) == {"East", "North"} and set(ref["segment_b"]) == {"South"}


def test_compare_false_positive_rate_under_null():
    rng = np.random.default_rng(8)
    reps, n = 250, 300
    hits = 0
    for _ in range(reps):
        frame = pd.DataFrame(
            {"recommend": rng.integers(0, 11, 2 * n).astype(float), "wave": np.repeat([1, 2], n)}
        )
        hits += bool(compare_net_advocacy("recommend", "wave", data=frame)["significant"].iloc[0])
    assert hits / reps < 0.09  # nominal 5%; binomial sd about 1.4 points


# ------------------------------------------------------------------------- shares
def test_advocacy_shares_sum_to_100_and_match_peer(toy):
    out = advocacy_shares("recommend", weights="w", by="region", data=toy)
    totals = out.groupby("region", observed=True)["share"].sum()
    np.testing.assert_allclose(totals, 100.0)
    east = toy[toy.region == "East"].dropna(subset=["recommend"])
    adv = np.average(east.recommend >= 9, weights=east.w) * 100
    row = out[(out.region == "East") & (out.advocacy_group == "advocate")].iloc[0]
    assert row["share"] == pytest.approx(adv)
    assert row["ci_low"] < row["share"] < row["ci_high"]
    assert set(out["advocacy_group"].astype(str)) == {"antagonist", "neutral", "advocate"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flagged = advocacy_shares("recommend", data=toy, agitator=toy.recommend < 2)
    assert "agitator" in set(flagged["advocacy_group"].astype(str))


def test_advocacy_shares_suppressed_rows_blank_count_too(toy):
    small = toy.assign(region=np.where(np.arange(len(toy)) < 18, "Tiny", toy.region))
    with pytest.warns(SuppressionWarning):
        out = advocacy_shares(
            "recommend", by="region", data=small, min_base=30, complementary=False
        )
    tiny = out[out.region == "Tiny"]
    assert tiny["suppressed"].all() and len(tiny) == 3
    assert tiny[["share", "se", "ci_low", "ci_high", "count"]].isna().all().all()
    big = out[out.region != "Tiny"]
    assert not big["suppressed"].any()
    peer = small[small.region != "Tiny"].dropna(subset=["recommend"]).groupby("region")
    counts = big.groupby("region", observed=True)["count"].sum()
    np.testing.assert_array_equal(counts.sort_index(), peer.size().sort_index())
    # by default the next smallest region is suppressed too (complementary suppression):
    # otherwise Tiny's counts are the overall counts minus the other regions'
    with pytest.warns(SuppressionWarning) as record:
        safe = advocacy_shares("recommend", by="region", data=small, min_base=30)
    assert any("complementary" in str(w.message) for w in record)
    sizes = big.groupby("region", observed=True)["n"].first()
    hidden = set(safe.loc[safe["suppressed"], "region"])
    assert hidden == {"Tiny", sizes.idxmin()}
    assert safe.loc[safe["suppressed"], "n"].notna().all()  # bases kept


def test_holm_is_statsmodels_holm_with_ties():
    from statsmodels.stats.multitest import multipletests

    from cxlab._stats import holm as _holm

    rng = np.random.default_rng(5)
    p = np.round(rng.uniform(0, 0.2, 40), 2)  # many ties, longer than insertion-sort runs
    np.testing.assert_allclose(_holm(p), multipletests(p, method="holm")[1], rtol=1e-12)


# ----------------------------------------------------------------- synth: shares
def _planted_groups(survey):
    r = survey.respondents
    rec = r["recommend"]
    return np.where(rec >= 9, "advocate", np.where(rec >= 7, "neutral", "antagonist"))


def test_synth_classification_matches_generating_rule(banking):
    survey, _ = banking
    r = survey.respondents
    flag = r["complained"].eq(1) | r["warned_others"].eq(1)
    got = classify_advocacy(r["recommend"], agitator=flag)
    ok = r["recommend"].notna()
    expected = pd.Series(_planted_groups(survey), index=r.index).where(ok)
    expected = expected.mask(ok & (expected == "antagonist") & flag, "agitator")
    assert (got[ok].astype(str) == expected[ok]).all()
    assert got[~ok].isna().all()


def test_synth_net_advocacy_weighted_differs_and_shares_consistent(banking):
    survey, _ = banking
    r = survey.respondents.assign(w=lambda d: np.where(d.age_band.astype(str) == "18-29", 2.0, 1.0))
    unw = net_advocacy("recommend", data=r)
    wtd = net_advocacy("recommend", weights="w", data=r)
    shares = advocacy_shares("recommend", weights="w", data=r).set_index("advocacy_group")
    assert wtd["value"].iloc[0] == pytest.approx(
        shares.loc["advocate", "share"] - shares.loc["antagonist", "share"]
    )
    assert wtd["n_effective"].iloc[0] < unw["n_effective"].iloc[0] == r.recommend.notna().sum()
    assert wtd["se"].iloc[0] > unw["se"].iloc[0] * 0.95


# ------------------------------------------------------------- moved names
def test_names_moved_to_advocacy_drivers_and_economics_still_importable_from_segments():
    import cxlab
    import cxlab.advocacy_drivers as moved
    import cxlab.economics as economics
    from cxlab.segments import (
        AdvocacyDrivers,
        CustomerValue,
        advocacy_drivers,
        advocacy_economics,
        customer_value,
        defector_promoter,
    )

    assert advocacy_drivers is moved.advocacy_drivers
    assert AdvocacyDrivers is moved.AdvocacyDrivers
    assert defector_promoter is moved.defector_promoter
    assert cxlab.segments.advocacy_drivers is moved.advocacy_drivers
    assert advocacy_economics is economics.advocacy_economics
    assert customer_value is economics.customer_value
    assert CustomerValue is economics.CustomerValue
    assert cxlab.segments.customer_value is economics.customer_value
    assert {"customer_value", "advocacy_drivers"} <= set(dir(cxlab.segments))
    with pytest.raises(AttributeError):
        cxlab.segments.no_such_name  # noqa: B018


# ------------------------------------------------------------ scale-aware cut points
def test_cut_points_follow_the_declared_scale():
    from cxlab.segments import advocacy_cuts

    expected = {
        (0, 10): (6, 9),
        (1, 10): (6, 9),
        (1, 7): (4, 6),
        (1, 5): (3, 5),
        (0, 100): (60, 81),
    }
    for scale, (ant, adv) in expected.items():
        cuts = advocacy_cuts(scale=scale)
        assert (cuts.antagonist_max, cuts.advocate_min) == (ant, adv), scale
        # the rule: antagonist at or below 60% of the way up, advocate above 80%
        lo, hi = scale
        points = np.arange(lo, hi + 1)
        rescaled = 10 * (points - lo) / (hi - lo)
        got = classify_advocacy(points, scale=scale, cuts=cuts.cuts).astype(str).to_numpy()
        want = np.where(rescaled <= 6, "antagonist", np.where(rescaled > 8, "advocate", "neutral"))
        np.testing.assert_array_equal(got, want)
    assert advocacy_cuts(scale=(0, 10)).source == "standard"
    assert "rescaled to 0-10" in advocacy_cuts(scale=(1, 7)).rule


def test_net_advocacy_on_a_1_to_7_recommend_is_right_on_its_own_scale():
    """The issue's bug: a 1-7 item cut at the 0-10 points gave -79 instead of about +17."""
    from cxlab.codebook import Item, Scale
    from cxlab.segments import advocacy_cuts

    counts = {7: 21, 6: 23, 5: 29, 4: 10, 3: 8, 2: 5, 1: 4}  # 100 respondents
    rec = pd.Series(np.repeat(list(counts), list(counts.values())).astype(float))
    item = Item("recommend", "q_rec", "rating", Scale(1, 7))
    cuts = advocacy_cuts(item)
    net = net_advocacy(rec, min_base=1, scale=cuts.scale, cuts=cuts.cuts)["value"].iloc[0]
    hand = 100 * ((rec >= 6).mean() - (rec <= 4).mean())  # 6-7 advocates, 1-4 antagonists
    assert net == pytest.approx(hand) and net == pytest.approx(17.0)
    wrong = net_advocacy(rec, min_base=1)["value"].iloc[0]  # the 0-10 cut points
    assert wrong == pytest.approx(-79.0)


def test_codebook_cut_points_are_used_and_checked():
    from types import SimpleNamespace

    from cxlab.codebook import Scale
    from cxlab.errors import ParameterError
    from cxlab.segments import advocacy_cuts

    item = SimpleNamespace(name="recommend", scale=Scale(1, 7), advocate_min=7, antagonist_max=3)
    cuts = advocacy_cuts(item)
    assert cuts.source == "codebook" and cuts.cuts == (3.0, 6.0)
    assert cuts.describe() == "advocates 7, neutral 4-6, antagonists 1-3 on the 1-7 scale"
    groups = classify_advocacy([7, 6, 4, 3, 1], scale=cuts.scale, cuts=cuts.cuts).astype(str)
    assert groups.tolist() == ["advocate", "neutral", "neutral", "antagonist", "antagonist"]
    for bad in ({"advocate_min": 3, "antagonist_max": 5}, {"advocate_min": 9, "antagonist_max": 3},
                {"advocate_min": 6, "antagonist_max": None}):  # fmt: skip
        with pytest.raises(ParameterError):
            advocacy_cuts(SimpleNamespace(name="recommend", scale=Scale(1, 7), **bad))


def test_agitator_flags_is_the_one_rule():
    from cxlab.segments import agitator_flags

    resp = pd.DataFrame(
        {"complained": [1, 0, 0, np.nan, 1], "warned_others": [0, 1, 0, np.nan, np.nan]}
    )
    assert agitator_flags(resp).tolist() == [True, True, False, False, True]
    assert agitator_flags(resp[["warned_others"]]).tolist() == [False, True, False, False, False]
    assert agitator_flags(pd.DataFrame({"recommend": [1.0]})) is None


@pytest.mark.parametrize("weighted", [False, True])
def test_advocacy_shares_wilson_interval_matches_statsmodels(weighted):
    """Wilson limits against statsmodels' proportion_confint(method="wilson") on the
    (Kish effective) base, for small and large segments."""
    from statsmodels.stats.proportion import proportion_confint

    rng = np.random.default_rng(31)
    n = 260
    df = pd.DataFrame(
        {
            "recommend": rng.choice(np.arange(11), n, p=np.r_[[0.03] * 7, 0.2, 0.19, 0.2, 0.2]),
            "seg": np.where(np.arange(n) < 40, "small", "big"),
            "w": rng.lognormal(0, 0.5, n) if weighted else 1.0,
        }
    )
    out = advocacy_shares("recommend", weights="w", by="seg", data=df, min_base=1)
    for _, row in out.iterrows():
        part = df[df.seg == row["seg"]]
        neff = part.w.sum() ** 2 / (part.w**2).sum()
        p = row["share"] / 100
        lo, hi = proportion_confint(p * neff, neff, alpha=0.05, method="wilson")
        assert row["ci_low"] == pytest.approx(100 * lo, rel=1e-9, abs=1e-9)
        assert row["ci_high"] == pytest.approx(100 * hi, rel=1e-9, abs=1e-9)
        if not weighted:
            groups = classify_advocacy(part.recommend).astype(str)
            k = int(groups.eq(row["advocacy_group"]).sum())
            assert row["count"] == k


def shares_coverage(reps: int, seed: int = 77, n: int = 150) -> dict:
    """Share of ``reps`` weighted samples (lognormal weights) from a known multinomial
    whose Wilson share intervals and net advocacy interval cover the population value."""
    p = np.r_[[0.025] * 7, 0.15, 0.175, 0.25, 0.25]
    true = {"antagonist": 17.5, "neutral": 32.5, "advocate": 50.0}
    rng = np.random.default_rng(seed)
    hits = dict.fromkeys(true, 0)
    hits_net = 0
    for _ in range(reps):
        rec, w = rng.choice(11, n, p=p), rng.lognormal(0, 0.6, n)
        out = advocacy_shares(rec, w, min_base=1)
        for group, lo, hi in zip(out["advocacy_group"], out["ci_low"], out["ci_high"], strict=True):
            hits[group] += lo <= true[group] <= hi
        na = net_advocacy(rec, w, min_base=1).iloc[0]
        hits_net += na["ci_low"] <= true["advocate"] - true["antagonist"] <= na["ci_high"]
    return {k: v / reps for k, v in hits.items()} | {"net": hits_net / reps}


def test_advocacy_shares_and_net_advocacy_coverage_simulation():
    """300 weighted samples (n = 150): the Wilson intervals (on the Kish base) of each
    group's share and the net advocacy interval cover the population value in
    91.5-98.5% of samples (MC SE 1.3 points)."""
    coverage = shares_coverage(300)
    assert all(0.915 <= v <= 0.985 for v in coverage.values()), coverage


@pytest.mark.slow
def test_advocacy_shares_and_net_advocacy_long_coverage_simulation():
    """The same at 4,000 samples (MC SE 0.34 points): within 93-97%."""
    coverage = shares_coverage(4000, seed=78)
    print(coverage)
    assert all(0.93 <= v <= 0.97 for v in coverage.values()), coverage


def test_net_advocacy_se_is_the_weighted_mean_se_of_the_plus_minus_100_score():
    """One method for the headline (issue 13): net advocacy and its SE are the weighted
    mean of the +/-100 score (advocate +100, antagonist/agitator -100, else 0) and its
    linearised SE, on the sample study raked to its targets (as the report does)."""
    import yaml

    from cxlab.datasets import load_sample, sample_files
    from cxlab.estimates import weighted_mean
    from cxlab.segments import agitator_flags
    from cxlab.weighting import rake

    survey = load_sample("banking")
    margins = yaml.safe_load(sample_files("banking")["weighting_targets"].read_text())
    raking = rake(survey.respondents, margins, weights="weight")
    r = survey.with_weights(raking.weights.to_numpy()).respondents
    groups = classify_advocacy(r["recommend"], agitator=agitator_flags(r))
    score = pd.Series(0.0, index=r.index).mask(groups.eq("advocate"), 100.0)
    score = score.mask(groups.isin(["antagonist", "agitator"]), -100.0).where(groups.notna())
    wm = weighted_mean(r.assign(score=score), "score", cluster=None, min_base=0)
    na = net_advocacy("recommend", weights="weight", data=r, agitator=agitator_flags(r))
    assert na["value"].iloc[0] == pytest.approx(wm["estimate"].iloc[0], rel=1e-12)
    assert na["se"].iloc[0] == pytest.approx(wm["se"].iloc[0], rel=1e-12)
    # the sample's figures (issue 13: 12.11, SE 3.468 rather than the Kish 3.548)
    assert round(na["value"].iloc[0], 2) == 12.11
    assert round(na["se"].iloc[0], 3) == 3.468


def test_advocacy_shares_se_uses_the_kish_base(toy):
    """Share SEs are binomial on Kish's effective base of the segment (a peer in pandas)."""
    out = advocacy_shares("recommend", weights="w", by="region", data=toy, min_base=10)
    d = toy.dropna(subset=["recommend"])
    for region, g in d.groupby("region"):
        w = g["w"]
        neff = w.sum() ** 2 / (w**2).sum()
        p = np.average(g["recommend"] >= 9, weights=w)
        row = out[(out["region"] == region) & (out["advocacy_group"] == "advocate")].iloc[0]
        assert row["n_effective"] == pytest.approx(neff, rel=1e-10)
        assert row["se"] == pytest.approx(100 * np.sqrt(p * (1 - p) / neff), rel=1e-10)
        assert row["n_effective"] < row["n"]
