"""Tests for cxlab.estimates: weighted estimates, linearised SEs, minimum bases.

The table-level privacy guard (suppress_small_cells, format_suppressed) is tested in
tests/test_suppression.py; comparisons (compare) in tests/test_comparisons.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlab.errors import DataError, ParameterError, SuppressionWarning
from cxlab.estimates import (
    top_box,
    weighted_distribution,
    weighted_mean,
    weighted_proportion,
    weighted_top_box,
)
from cxlab.weighting import rake

COLUMNS = ["estimate", "se", "ci_low", "ci_high", "n", "n_effective", "suppressed"]


def _samplics(param, y, w, psu, domain=None):
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    est = TaylorEstimator(getattr(PopParam, param))
    est.estimate(y=y, samp_weight=w, psu=psu, domain=domain)
    return est


@pytest.fixture
def clustered():
    """Event-level style data: respondents (clusters) rate several rows; no missing."""
    rng = np.random.default_rng(3)
    n = 1200
    rid = rng.integers(0, 400, n)
    u = rng.normal(size=400)
    df = pd.DataFrame(
        {
            "respondent_id": [f"R{i:04d}" for i in rid],
            "y": u[rid] + rng.normal(size=n),
            "seg": rng.choice(["a", "b", "c"], n),
            "weight": rng.uniform(0.5, 2.0, 400)[rid],
        }
    )
    df["flag"] = (df["y"] > 0.3).astype(float)
    return df


# --------------------------------------------------------------------------- independent peer
def test_mean_matches_samplics_taylor_by_domain_with_clusters(clustered):
    df = clustered
    ours = weighted_mean(df, "y", by="seg")
    theirs = _samplics(
        "mean",
        df["y"].to_numpy(),
        df["weight"].to_numpy(),
        df["respondent_id"].to_numpy(),
        df["seg"].to_numpy(),
    )
    assert list(ours.columns) == ["seg", *COLUMNS]
    for _, row in ours.iterrows():
        assert row["estimate"] == pytest.approx(theirs.point_est[row["seg"]], rel=1e-12)
        assert row["se"] == pytest.approx(theirs.stderror[row["seg"]], rel=1e-9)


def test_overall_mean_and_proportion_match_samplics(clustered):
    df = clustered
    m = weighted_mean(df, "y")
    t = _samplics(
        "mean", df["y"].to_numpy(), df["weight"].to_numpy(), df["respondent_id"].to_numpy()
    )
    assert m["estimate"].iloc[0] == pytest.approx(t.point_est, rel=1e-12)
    assert m["se"].iloc[0] == pytest.approx(t.stderror, rel=1e-9)
    p = weighted_proportion(df, "flag")
    t = _samplics(
        "prop", df["flag"].to_numpy(), df["weight"].to_numpy(), df["respondent_id"].to_numpy()
    )
    assert p["estimate"].iloc[0] == pytest.approx(t.point_est[1.0], rel=1e-12)
    assert p["se"].iloc[0] == pytest.approx(t.stderror[1.0], rel=1e-9)
    # logit interval, as samplics' default for proportions (they use the overall df)
    assert p["ci_low"].iloc[0] == pytest.approx(t.lower_ci[1.0], rel=1e-3)
    assert p["ci_high"].iloc[0] == pytest.approx(t.upper_ci[1.0], rel=1e-3)


def test_unweighted_iid_mean_se_is_the_textbook_one():
    rng = np.random.default_rng(0)
    y = rng.normal(5, 2, 300)
    res = weighted_mean(pd.DataFrame({"y": y}), "y", weights=None)
    assert res["se"].iloc[0] == pytest.approx(y.std(ddof=1) / np.sqrt(300), rel=1e-12)
    q = stats.t.ppf(0.975, 299)
    assert res["ci_high"].iloc[0] == pytest.approx(y.mean() + q * y.std(ddof=1) / np.sqrt(300))
    assert res["n_effective"].iloc[0] == pytest.approx(300)


def test_auto_cluster_uses_respondent_id(clustered):
    auto = weighted_mean(clustered, "y")
    explicit = weighted_mean(clustered, "y", cluster="respondent_id")
    naive = weighted_mean(clustered, "y", cluster=None)
    assert auto["se"].iloc[0] == explicit["se"].iloc[0]
    # a strong respondent effect: ignoring the clustering understates the SE
    assert naive["se"].iloc[0] < 0.8 * auto["se"].iloc[0]
    assert auto["n"].iloc[0] == clustered["respondent_id"].nunique()


# --------------------------------------------------------------------------- coverage
def _population_sample(rng, n=400):
    """Unequal-probability sample from a population whose mean is known exactly."""
    strata_p = np.array([0.5, 0.3, 0.2])  # population shares
    strata_mu = np.array([3.0, 5.0, 8.0])
    sample_p = np.array([0.2, 0.3, 0.5])  # over-sampling the last stratum
    s = rng.choice(3, size=n, p=sample_p)
    y = strata_mu[s] + rng.gamma(2.0, 1.0, size=n) - 2.0
    w = strata_p[s] / sample_p[s]
    return pd.DataFrame({"y": y, "weight": w}), float(strata_p @ strata_mu)


def test_ci_coverage_of_weighted_mean_is_near_95_percent():
    rng = np.random.default_rng(2026)
    reps = 500
    covered = 0
    for _ in range(reps):
        df, truth = _population_sample(rng)
        r = weighted_mean(df, "y")
        covered += r["ci_low"].iloc[0] <= truth <= r["ci_high"].iloc[0]
    rate = covered / reps
    # binomial sd at 95% with 500 replications is ~0.01
    assert 0.925 <= rate <= 0.975, rate


def test_ci_coverage_with_clustered_event_rows():
    rng = np.random.default_rng(11)
    reps, n_resp = 400, 150
    cover_cluster = cover_naive = 0
    for _ in range(reps):
        k = rng.integers(1, 6, n_resp)  # events rated per respondent
        rid = np.repeat(np.arange(n_resp), k)
        u = rng.normal(0, 1.5, n_resp)
        y = 2.0 + u[rid] + rng.normal(0, 1.0, rid.size)
        w = rng.uniform(0.5, 2.0, n_resp)[rid]
        df = pd.DataFrame({"respondent_id": rid, "y": y, "weight": w})
        # truth: the population mean of y is 2.0 (respondent and row effects centred)
        a = weighted_mean(df, "y")
        b = weighted_mean(df, "y", cluster=None)
        cover_cluster += a["ci_low"].iloc[0] <= 2.0 <= a["ci_high"].iloc[0]
        cover_naive += b["ci_low"].iloc[0] <= 2.0 <= b["ci_high"].iloc[0]
    assert 0.92 <= cover_cluster / reps <= 0.975, cover_cluster / reps
    assert cover_naive / reps < 0.88  # ignoring respondents is visibly wrong


def test_proportion_ci_coverage():
    rng = np.random.default_rng(5)
    reps, covered = 500, 0
    for _ in range(reps):
        df, _ = _population_sample(rng, n=300)
        df["hit"] = (df["y"] > 6).astype(float)
        # true P(y > 6) by stratum from the shifted gamma: P(gamma(2) > 8 - mu)
        p_s = stats.gamma.sf(6 - np.array([3.0, 5.0, 8.0]) + 2.0, 2.0)
        truth = float(np.array([0.5, 0.3, 0.2]) @ p_s)
        r = weighted_proportion(df, "hit")
        covered += r["ci_low"].iloc[0] <= truth <= r["ci_high"].iloc[0]
    assert 0.925 <= covered / reps <= 0.975, covered / reps


# --------------------------------------------------------------------------- synth data
def test_weighting_moves_recommend_toward_the_population(banking):
    survey, truth = banking
    resp = survey.respondents.copy()
    resp["weight"] = rake(resp, truth["population_margins"], weights="weight").weights
    unweighted = weighted_mean(resp, "recommend", weights=None)["estimate"].iloc[0]
    weighted = weighted_mean(resp, "recommend")["estimate"].iloc[0]
    # older respondents (higher recommend) are under-sampled; weighting raises the mean
    effect = truth["age_effect_on_recommend"]
    pop = truth["population_margins"]["age_band"]
    smp = truth["sample_margins"]["age_band"]
    expected_shift = sum(effect[a] * (pop[a] - smp[a]) for a in effect)
    assert expected_shift > 0
    assert weighted - unweighted > 0.5 * expected_shift
    by_age = weighted_mean(resp, "recommend", by="age_band")
    assert list(by_age["age_band"]) == ["18-29", "30-44", "45-65"]
    assert by_age["estimate"].is_monotonic_increasing


def test_event_level_top_box_and_distribution_on_synth(banking):
    survey, _ = banking
    et = survey.event_table()
    tb = weighted_top_box(et, "satisfaction", scale_max=10, by="event_id")
    assert len(tb) == et["event_id"].nunique()
    rated = et[et["satisfaction"].notna()]
    assert len(rated) < len(et)  # missing ratings are left out, not counted as "no"
    direct = (rated["satisfaction"] >= 9).groupby(rated["event_id"]).mean()
    np.testing.assert_allclose(tb.set_index("event_id")["estimate"], direct.loc[tb["event_id"]])
    dist = weighted_distribution(et, "satisfaction", by="event_id")
    sums = dist.groupby("event_id")["estimate"].sum()
    np.testing.assert_allclose(sums, 1.0)
    top = dist[dist["category"] >= 9].groupby("event_id")["estimate"].sum()
    np.testing.assert_allclose(top.loc[tb["event_id"]], tb["estimate"])
    assert (dist["n"] <= survey.respondents.shape[0]).all()


# --------------------------------------------------------------------------- top box, distribution
def test_top_box_indicator():
    s = pd.Series([10, 9, 8, np.nan, 1], name="satisfaction")
    out = top_box(s, scale_max=10, k=2)
    assert out.tolist()[:3] == [1.0, 1.0, 0.0] and np.isnan(out.iloc[3])
    assert top_box([5, 4, 3], scale_max=5, k=1).tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(DataError, match="scale maximum") as err:
        top_box(pd.Series([11, 3], name="recommend"), scale_max=10)
    assert err.value.column == "recommend"


def test_distribution_matches_proportions_of_each_value(clustered):
    df = clustered.assign(r=np.clip(np.round(clustered["y"]) + 3, 1, 5))
    dist = weighted_distribution(df, "r", by="seg", categories=[1, 2, 3, 4, 5])
    assert list(dist.columns) == ["seg", "category", *COLUMNS]
    assert len(dist) == 15
    for cat in [1, 3, 5]:
        p = weighted_proportion(df, "r", cat, by="seg")
        d = dist[dist["category"] == cat]
        np.testing.assert_allclose(d["estimate"], p["estimate"])
        np.testing.assert_allclose(d["se"], p["se"])


# --------------------------------------------------------------------------- minimum base
@pytest.mark.parametrize(
    "call",
    [
        lambda d, **k: weighted_mean(d, "y", by="seg", **k),
        lambda d, **k: weighted_proportion(d, "flag", by="seg", **k),
        lambda d, **k: weighted_top_box(d, "y", 10, by="seg", **k),
        lambda d, **k: weighted_distribution(d, "y", by="seg", **k),
    ],
    ids=["mean", "proportion", "top_box", "distribution"],
)
def test_every_estimate_honours_the_minimum_base(with_small_segment, call):
    with pytest.warns(SuppressionWarning, match="tiny"):
        out = call(with_small_segment)
    tiny = out[out["seg"] == "tiny"]
    big = out[out["seg"] == "big"]
    assert tiny["suppressed"].all() and not big["suppressed"].any()
    assert tiny[["estimate", "se", "ci_low", "ci_high"]].isna().all().all()
    assert big[["estimate", "se", "ci_low", "ci_high"]].notna().all().all()
    assert (tiny["n"] == 12).all()
    # a lower minimum base shows the segment, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", SuppressionWarning)
        out = call(with_small_segment, min_base=10)
    assert not out["suppressed"].any()


def test_minimum_base_counts_respondents_not_rows():
    rid = np.repeat(np.arange(20), 3)  # 60 rows from 20 respondents
    df = pd.DataFrame({"respondent_id": rid, "y": np.arange(60.0), "weight": 1.0})
    with pytest.warns(SuppressionWarning):
        out = weighted_mean(df, "y")
    assert out["suppressed"].iloc[0] and out["n"].iloc[0] == 20


def test_bad_parameters():
    df = pd.DataFrame({"y": [1.0, 2.0], "weight": [1.0, -1.0]})
    with pytest.raises(DataError, match="non-negative") as err:
        weighted_mean(df, "y", min_base=1)
    assert err.value.rows == [2]
    with pytest.raises(ParameterError):
        weighted_mean(df.assign(weight=1.0), "y", min_base=-1)
    with pytest.raises(DataError, match="not found"):
        weighted_mean(df.assign(weight=1.0), "nope")
    with pytest.raises(DataError, match="0/1"):
        weighted_proportion(pd.DataFrame({"y": [0, 2], "weight": 1.0}), "y", min_base=1)


# --------------------------------------------------------------------------- Holm
def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    from cxlab._stats import holm as _holm

    p = np.random.default_rng(0).uniform(0, 0.2, 25) ** 2
    np.testing.assert_allclose(_holm(p), multipletests(p, method="holm")[1], rtol=1e-12)


# --------------------------------------------------------------------------- long simulations
def _raked_sample(rng, n=500):
    """Sample skewed on age band and gender, raked back to the population margins."""
    p_age, p_gender = np.array([0.25, 0.35, 0.40]), np.array([0.51, 0.49])
    mu = np.array([[6.0, 6.4], [7.0, 7.5], [8.0, 8.2]])  # mean of y by age x gender
    cell_pop = np.outer(p_age, p_gender)
    select = np.array([[2.0, 2.5], [1.0, 1.2], [0.6, 0.8]])  # young over-sampled
    p = (cell_pop * select).ravel() / (cell_pop * select).sum()
    cell = rng.choice(6, size=n, p=p)
    age, gender = cell // 2, cell % 2
    y = mu[age, gender] + rng.normal(0, 2, n)
    df = pd.DataFrame({"age_band": age, "gender": gender, "y": y})
    margins = {"age_band": dict(enumerate(p_age)), "gender": dict(enumerate(p_gender))}
    df["weight"] = rake(df, margins).weights
    return df, float((cell_pop * mu).sum())


@pytest.mark.slow
def test_long_coverage_simulation():
    """4,000 replications each: design-weighted and raked means (README: Raking)."""
    rng = np.random.default_rng(99)
    reps = 4000
    hits = {"design": 0, "raked": 0}
    for _ in range(reps):
        df, truth = _population_sample(rng)
        r = weighted_mean(df, "y")
        hits["design"] += r["ci_low"].iloc[0] <= truth <= r["ci_high"].iloc[0]
        df, truth = _raked_sample(rng)
        r = weighted_mean(df, "y")
        hits["raked"] += r["ci_low"].iloc[0] <= truth <= r["ci_high"].iloc[0]
    rates = {k: v / reps for k, v in hits.items()}
    # binomial sd at 4,000 replications is 0.0034
    assert abs(rates["design"] - 0.95) < 0.012, rates
    # raking treated as fixed weights: at or slightly above nominal
    assert 0.94 <= rates["raked"] <= 0.975, rates


# --------------------------------------------------------------------------- degrees of freedom
@pytest.mark.parametrize("fn", ["mean", "proportion"])
def test_interval_df_is_clusters_in_the_segment_minus_one(fn):
    """A segment's t interval uses (its clusters - 1) df, not (all clusters - 1).

    The quantile is recovered from the interval and compared with scipy's t quantile
    at the segment's own number of respondents (counted here with pandas).
    """
    rng = np.random.default_rng(21)
    n_resp = 300
    k = rng.integers(1, 4, n_resp)  # 1-3 rows per respondent
    rid = np.repeat(np.arange(n_resp), k)
    seg = np.where(np.arange(n_resp) < 35, "small", np.where(np.arange(n_resp) < 120, "mid", "big"))
    df = pd.DataFrame(
        {
            "respondent_id": rid,
            "seg": seg[rid],
            "y": rng.normal(size=n_resp)[rid] + rng.normal(size=rid.size),
            "weight": rng.uniform(0.5, 2.0, n_resp)[rid],
        }
    )
    df["flag"] = (df["y"] > 0.2).astype(float)
    if fn == "mean":
        out = weighted_mean(df, "y", by="seg", min_base=1)
    else:
        out = weighted_proportion(df, "flag", by="seg", min_base=1)
    clusters = df.groupby("seg")["respondent_id"].nunique()
    for _, row in out.iterrows():
        q = stats.t.ppf(0.975, clusters[row["seg"]] - 1)
        if fn == "mean":
            got = (row["ci_high"] - row["estimate"]) / row["se"]
        else:  # logit interval: half-width on the logit scale is q * se / (p (1 - p))
            p = row["estimate"]
            logit = lambda x: np.log(x / (1 - x))  # noqa: E731
            got = (logit(row["ci_high"]) - logit(p)) * p * (1 - p) / row["se"]
        assert got == pytest.approx(q, rel=1e-9), row["seg"]
    assert clusters["small"] == 35  # far from the 300 clusters of the whole data


def test_n_effective_is_kish_over_cluster_weight_totals(clustered):
    """n_effective = (sum W_c)^2 / sum W_c^2 over the respondents' weight totals W_c in
    the segment (pandas by hand); n = respondents in the segment."""
    out = weighted_mean(clustered, "y", by="seg", min_base=1).set_index("seg")
    for seg, part in clustered.groupby("seg"):
        totals = part.groupby("respondent_id")["weight"].sum()
        kish = totals.sum() ** 2 / (totals**2).sum()
        assert out.loc[seg, "n_effective"] == pytest.approx(kish, rel=1e-12)
        assert out.loc[seg, "n"] == part["respondent_id"].nunique()
        assert out.loc[seg, "n_effective"] < out.loc[seg, "n"]
