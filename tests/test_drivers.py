"""Tests of cxlab.drivers: the personal-investment moderation model."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from cxlab._regression import fieller as _fieller
from cxlab._stats import cluster_wls as _cluster_wls
from cxlab.drivers import (
    Crossover,
    InvestmentWeighting,
    SegmentedInvestmentWeighting,
    investment_weighting,
)
from cxlab.errors import CxlabWarning, DataError, ModelError, ParameterError


def _toy(n_resp=400, n_events=6, seed=0, t=(0.5, -0.02), e=(0.1, 0.04), weights=False, rho=0.0):
    """Event-level data with a planted moderation model and a respondent random intercept.

    ``rho`` correlates the tactile and emotive ratings (latent normal correlation), as
    in real studies; 0 keeps them independent uniform ratings.
    """
    rng = np.random.default_rng(seed)
    rid = np.repeat(np.arange(n_resp), n_events)
    n = rid.size
    if rho:
        z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], n)
        tactile, emotive = np.clip(np.round(5.5 + 2.2 * z), 1, 10).T
    else:
        tactile = rng.integers(1, 11, n).astype(float)
        emotive = rng.integers(1, 11, n).astype(float)
    df = pd.DataFrame(
        {
            "respondent_id": [f"R{i:04d}" for i in rid],
            "event_id": np.tile([f"ev{k}" for k in range(n_events)], n_resp),
            "tactile": tactile,
            "emotive": emotive,
            "personal_investment": np.tile(np.linspace(1.5, 9.5, n_events), n_resp)
            + rng.normal(0, 1, n),
        }
    )
    pi = df["personal_investment"]
    df["satisfaction"] = (
        1.0
        + (t[0] + t[1] * pi) * df["tactile"]
        + (e[0] + e[1] * pi) * df["emotive"]
        + 0.05 * pi
        + rng.normal(0, 0.5, n_resp)[rid]
        + rng.normal(0, 0.8, n)
    )
    if weights:
        df["weight"] = rng.uniform(0.3, 3.0, n_resp)[rid]
    return df


# --------------------------------------------------------------------------- sandwich


@pytest.mark.parametrize("weighted", [False, True])
def test_cluster_sandwich_equals_statsmodels(weighted):
    df = _toy(n_resp=150, seed=3, weights=True)
    x = sm.add_constant(
        np.column_stack(
            [
                df.tactile,
                df.emotive,
                df.personal_investment,
                df.tactile * df.personal_investment,
                df.emotive * df.personal_investment,
            ]
        )
    )
    y = df.satisfaction.to_numpy()
    w = df.weight.to_numpy() if weighted else np.ones(len(df))
    codes = pd.factorize(df.respondent_id)[0]
    ours = _cluster_wls(x, y, w, codes)
    model = sm.WLS(y, x, weights=w) if weighted else sm.OLS(y, x)
    ref = model.fit(cov_type="cluster", cov_kwds={"groups": codes})
    np.testing.assert_allclose(ours.beta, ref.params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.cov, ref.cov_params(), rtol=1e-8, atol=1e-14)


def test_one_cluster_per_row_is_hc1():
    df = _toy(n_resp=60, seed=4, weights=True)
    x = sm.add_constant(df[["tactile", "emotive", "personal_investment"]].to_numpy())
    y, w = df.satisfaction.to_numpy(), df.weight.to_numpy()
    ours = _cluster_wls(x, y, w, np.arange(len(df)))
    ref = sm.WLS(y, x, weights=w).fit(cov_type="HC1")
    np.testing.assert_allclose(ours.cov, ref.cov_params(), rtol=1e-8, atol=1e-14)


def test_model_coefficients_and_wald_match_statsmodels():
    df = _toy(n_resp=200, seed=5, weights=True)
    res = investment_weighting(df, weights="weight", event=None)
    codes = pd.factorize(df.respondent_id)[0]
    ref = sm.WLS.from_formula(
        "satisfaction ~ tactile + emotive + personal_investment"
        " + tactile:personal_investment + emotive:personal_investment",
        data=df,
        weights=df.weight,
    ).fit(cov_type="cluster", cov_kwds={"groups": codes})
    np.testing.assert_allclose(res.coefficients["estimate"], ref.params, rtol=1e-9)
    np.testing.assert_allclose(res.coefficients["se"], ref.bse, rtol=1e-8)
    wald = ref.wald_test(
        "tactile:personal_investment = 0, emotive:personal_investment = 0",
        use_f=True,
        scalar=True,
    )
    assert res.moderation.test == "Wald F"
    assert res.moderation.statistic == pytest.approx(float(wald.statistic), rel=1e-8)
    assert res.moderation.df == 2 == wald.df_num
    assert res.moderation.df_denom == wald.df_denom == df.respondent_id.nunique() - 1
    assert res.moderation.p_value == pytest.approx(float(wald.pvalue), rel=1e-6, abs=1e-300)
    assert "Wald F" in res.describe() and f"2 and {res.moderation.df_denom:g} df" in res.describe()


def test_moderation_f_uses_cluster_df_on_few_respondents():
    """Weak moderation on 40 respondents: F(2, G-1) p-value as statsmodels, above chi-square(2)."""
    df = _toy(n_resp=40, n_events=6, seed=21, t=(0.5, -0.01), e=(0.1, 0.01))
    res = investment_weighting(df, event=None)
    codes = pd.factorize(df.respondent_id)[0]
    ref = sm.OLS.from_formula(
        "satisfaction ~ tactile + emotive + personal_investment"
        " + tactile:personal_investment + emotive:personal_investment",
        data=df,
    ).fit(cov_type="cluster", cov_kwds={"groups": codes})
    hyp = "tactile:personal_investment = 0, emotive:personal_investment = 0"
    f_ref = ref.wald_test(hyp, use_f=True, scalar=True)
    chi_ref = ref.wald_test(hyp, use_f=False, scalar=True)
    m = res.moderation
    assert m.statistic == pytest.approx(float(f_ref.statistic), rel=1e-8)
    assert m.df_denom == 39
    assert m.p_value == pytest.approx(float(f_ref.pvalue), rel=1e-8)
    assert m.p_value > float(chi_ref.pvalue)  # the chi-square reference was anti-conservative


def test_mixed_moderation_stays_chi_square():
    df = _toy(n_resp=80, seed=22)
    m = investment_weighting(df, method="mixed", event=None).moderation
    assert m.test == "Wald chi-square" and m.df == 2 and m.df_denom is None
    from scipy import stats

    assert m.p_value == pytest.approx(stats.chi2.sf(m.statistic, 2), rel=1e-12)


# --------------------------------------------------------------------------- Fieller


@pytest.mark.parametrize(
    "a,b,vaa,vbb,vab", [(1.4, 1.0, 0.04, 0.02, 0.01), (-0.3, 0.5, 0.01, 0.03, -0.005)]
)
def test_fieller_interval_is_the_set_where_the_ratio_is_not_rejected(a, b, vaa, vbb, vab):
    crit = 1.96
    lo, hi = _fieller(a, b, vaa, vbb, vab, crit)
    assert lo < a / b < hi

    def stat(r):  # t-statistic of a - r b = 0
        return (a - r * b) / np.sqrt(vaa - 2 * r * vab + r * r * vbb)

    assert abs(stat(lo)) == pytest.approx(crit, rel=1e-9)
    assert abs(stat(hi)) == pytest.approx(crit, rel=1e-9)
    inside = np.linspace(lo, hi, 50)[1:-1]
    assert (np.abs(stat(inside)) < crit).all()
    assert abs(stat(lo - 1e-3)) > crit and abs(stat(hi + 1e-3)) > crit


def test_fieller_unbounded_when_denominator_not_significant():
    assert _fieller(1.0, 0.1, 0.01, 0.04, 0.0, 1.96) == (-np.inf, np.inf)


# --------------------------------------------------------------------------- synth recovery


@pytest.mark.parametrize("study", ["banking", "automotive"])
def test_planted_directions_on_the_default_studies(study, request):
    """The default studies show the planted pattern. (Whether the intervals cover the
    planted values is a question for many studies, not one lucky seed: see
    test_interval_coverage_fast_simulation and the slow test_interval_coverage_simulation.)"""
    survey, truth = request.getfixturevalue(study)
    res = investment_weighting(survey.event_table(), weights="weight")
    assert res.moderation.p_value < 1e-6
    c = res.crossover
    assert isinstance(c, Crossover) and c.method == "fieller"
    assert c.ci_low < c.estimate < c.ci_high
    assert c.direction.startswith("emotive outweighs tactile")
    pi_low = truth["events"][truth["lowest_investment_event"]]["personal_investment"]
    low = res.at(pi_low).iloc[0]
    assert low.ratio_ci_high < 1  # tactile clearly dominates the low-investment event
    ev = res.by_event.set_index("event_id")
    assert ev.loc[truth["highest_investment_event"], "ratio"] > 1
    assert "more important than tactile" in ev.loc[truth["highest_investment_event"], "statement"]
    assert "tactile is" in ev.loc[truth["lowest_investment_event"], "statement"]
    assert list(res.by_event["investment"]) == sorted(res.by_event["investment"])


def moderation_coverage(reps: int, first_seed: int = 10_000, n_resp: int = 100) -> dict:
    """Share of ``reps`` simulated studies (``n_resp`` respondents x 5 events, random
    respondent intercept, survey weights, tactile and emotive ratings correlated 0.6 as
    in real studies, so that the covariance terms matter) whose 95% intervals cover the
    planted value."""
    t0, t1, e0, e1 = 0.5, -0.02, 0.1, 0.04
    truth = {
        "t0": t0,
        "t1": t1,
        "e0": e0,
        "e1": e1,
        "crossover": (t0 - e0) / (e1 - t1),
        "ratio at 2": (e0 + 2 * e1) / (t0 + 2 * t1),
        "ratio at 9": (e0 + 9 * e1) / (t0 + 9 * t1),
        "difference at 5": (e0 + 5 * e1) - (t0 + 5 * t1),
    }
    terms = {
        "t0": "tactile",
        "t1": "tactile:personal_investment",
        "e0": "emotive",
        "e1": "emotive:personal_investment",
    }
    hits = dict.fromkeys(truth, 0)
    for i in range(reps):
        df = _toy(n_resp=n_resp, n_events=5, seed=first_seed + i, weights=True, rho=0.6)
        res = investment_weighting(df, weights="weight", event=None, grid=[5.0])
        coef = res.coefficients.set_index("term")
        for key, term in terms.items():
            hits[key] += coef.loc[term, "ci_low"] <= truth[key] <= coef.loc[term, "ci_high"]
        c = res.crossover
        hits["crossover"] += c is not None and c.ci_low <= truth["crossover"] <= c.ci_high
        at = res.at([2.0, 9.0])
        for j, key in enumerate(["ratio at 2", "ratio at 9"]):
            hits[key] += at["ratio_ci_low"][j] <= truth[key] <= at["ratio_ci_high"][j]
        row = res.table.iloc[0]
        d = truth["difference at 5"]
        hits["difference at 5"] += row["difference_ci_low"] <= d <= row["difference_ci_high"]
    return {k: v / reps for k, v in hits.items()}


def test_interval_coverage_fast_simulation():
    """400 simulated studies of the moderation model: each 95% interval (four slopes,
    Fieller crossover, Fieller ratios at investment 2 and 9, difference at 5) covers its
    planted value in 91.5-98% of the studies (Monte Carlo SE 1.1 points at 400), and
    93-97% on average over the eight."""
    coverage = moderation_coverage(400)
    assert all(0.915 <= v <= 0.98 for v in coverage.values()), coverage
    assert 0.93 <= np.mean(list(coverage.values())) <= 0.97, coverage


@pytest.mark.slow
def test_interval_coverage_long_direct_simulation():
    """The same at 4,000 studies (MC SE 0.34 points): every interval within 93-97%."""
    coverage = moderation_coverage(4000, first_seed=20_000)
    print(coverage)
    assert all(0.93 <= v <= 0.97 for v in coverage.values()), coverage


def test_larger_study_recovers_the_forty_percent_ratio():
    from cxlab.synth import make_study

    survey, truth = make_study("automotive", n_respondents=4000, seed=11)
    res = investment_weighting(survey.event_table(), weights="weight")
    pi_high = truth["events"][truth["highest_investment_event"]]["personal_investment"]
    at = res.at(pi_high).iloc[0]
    assert at.ratio_ci_low < truth["ratio_at_highest_event"] < at.ratio_ci_high
    assert at.ratio_ci_high - at.ratio_ci_low < 0.5
    assert res.crossover.ci_low < truth["crossover"] < res.crossover.ci_high


def test_mixed_variant_matches_statsmodels_mixedlm(automotive):
    survey, truth = automotive
    et = survey.event_table()
    res = investment_weighting(et, method="mixed")
    used = et.dropna(subset=["satisfaction", "tactile", "emotive", "personal_investment"])
    ref = sm.MixedLM.from_formula(
        "satisfaction ~ tactile + emotive + personal_investment"
        " + tactile:personal_investment + emotive:personal_investment",
        data=used,
        groups=used["respondent_id"],
    ).fit(reml=True)
    np.testing.assert_allclose(res.coefficients["estimate"], ref.fe_params, rtol=1e-4)
    c = res.crossover
    assert c.ci_low < truth["crossover"] < c.ci_high
    assert "mixed" in res.describe()


def test_mixed_warns_that_weights_are_not_honoured():
    df = _toy(n_resp=80, seed=2, weights=True)
    with pytest.warns(CxlabWarning, match="cannot honour survey weights"):
        investment_weighting(df, weights="weight", method="mixed")


# --------------------------------------------------------------------------- behaviour


def test_weights_are_frequency_weights_for_point_estimates():
    df = _toy(n_resp=120, seed=6)
    rng = np.random.default_rng(1)
    reps = rng.integers(1, 4, df.respondent_id.nunique())
    df["weight"] = reps[pd.factorize(df.respondent_id)[0]].astype(float)
    weighted = investment_weighting(df, weights="weight")
    # duplicate every row `weight` times; each copy keeps its respondent (cluster)
    expanded = df.loc[df.index.repeat(df["weight"].astype(int))]
    plain = investment_weighting(expanded)
    np.testing.assert_allclose(
        weighted.coefficients["estimate"], plain.coefficients["estimate"], rtol=1e-10
    )
    scaled = df.assign(weight=df.weight * 7.3)
    np.testing.assert_allclose(
        investment_weighting(scaled, weights="weight").table.to_numpy(),
        weighted.table.to_numpy(),
        rtol=1e-9,
    )
    unweighted = investment_weighting(df)
    assert not np.allclose(
        unweighted.coefficients["estimate"], weighted.coefficients["estimate"], rtol=1e-6
    )


def test_weights_curves_are_linear_in_investment_with_delta_se():
    df = _toy(n_resp=200, seed=7)
    res = investment_weighting(df, grid=[2.0, 5.0, 8.0])
    coef = res.coefficients.set_index("term")["estimate"]
    for _, row in res.table.iterrows():
        pi = row["investment"]
        assert row["tactile_weight"] == pytest.approx(
            coef["tactile"] + coef["tactile:personal_investment"] * pi
        )
        assert row["emotive_weight"] == pytest.approx(
            coef["emotive"] + coef["emotive:personal_investment"] * pi
        )
        assert row["ratio"] == pytest.approx(row["emotive_weight"] / row["tactile_weight"])
        assert row["tactile_ci_low"] < row["tactile_weight"] < row["tactile_ci_high"]
        assert row["ratio_ci_low"] < row["ratio"] < row["ratio_ci_high"]
    default = investment_weighting(df)
    assert len(default.table) == 25
    assert default.table["investment"].min() == pytest.approx(df.personal_investment.min())
    assert default.table["investment"].max() == pytest.approx(df.personal_investment.max())


def test_no_crossover_in_range_gives_none_and_message():
    df = _toy(n_resp=150, seed=8, t=(0.1, 0.0), e=(0.6, 0.01))
    res = investment_weighting(df)
    assert res.crossover is None
    assert "no crossover" in res.crossover_message
    assert "emotive outweighs" in res.crossover_message
    assert "no crossover" in res.describe()


def test_standardised_weights_are_rescaled_raw_weights():
    df = _toy(n_resp=200, seed=9)
    raw = investment_weighting(df, grid=[3.0, 7.0])
    std = investment_weighting(df, grid=[3.0, 7.0], standardize=True)
    sd = df[["satisfaction", "tactile", "emotive"]].std(ddof=0)
    np.testing.assert_allclose(
        std.table["tactile_weight"], raw.table["tactile_weight"] * sd.tactile / sd.satisfaction
    )
    np.testing.assert_allclose(
        std.table["emotive_weight"], raw.table["emotive_weight"] * sd.emotive / sd.satisfaction
    )
    assert std.scale.startswith("standardised") and raw.scale.startswith("raw")
    # the moderation test does not depend on the scale
    assert std.moderation.statistic == pytest.approx(raw.moderation.statistic, rel=1e-8)


def test_by_segment_stacks_the_fits_of_each_subset():
    df = _toy(n_resp=300, seed=10)
    df["channel"] = np.where(df.index % 3 == 0, "web", "store")
    seg = investment_weighting(df, by="channel")
    assert isinstance(seg, SegmentedInvestmentWeighting)
    assert set(seg.table["channel"]) == {"store", "web"}
    assert list(seg.crossover["channel"]) == ["store", "web"]
    alone = investment_weighting(df[df.channel == "web"])
    np.testing.assert_allclose(
        seg.table.loc[seg.table.channel == "web", "ratio"].to_numpy(), alone.table["ratio"]
    )
    assert seg.moderation.loc[seg.moderation.channel == "web", "statistic"].item() == (
        pytest.approx(alone.moderation.statistic)
    )
    assert "web" in seg.describe()
    web = seg.moderation.loc[seg.moderation.channel == "web"].iloc[0]
    assert web["test"] == "Wald F" and web["df_denom"] == alone.moderation.df_denom


def test_pooled_model_refuses_a_base_under_min_base():
    df = _toy(n_resp=19, seed=23)
    with pytest.raises(ModelError, match=r"19 respondents.*min_base=30"):
        investment_weighting(df)
    # rows dropped for missing values do not count towards the base
    df31 = _toy(n_resp=31, seed=23)
    df31.loc[df31.respondent_id.isin(["R0000", "R0001"]), "emotive"] = np.nan
    with pytest.raises(ModelError, match="29 respondents"):
        investment_weighting(df31)
    assert investment_weighting(df, min_base=19).n_respondents == 19
    assert investment_weighting(_toy(n_resp=30, seed=23)).n_respondents == 30


def test_by_segment_skips_small_segments_with_warning():
    df = _toy(n_resp=120, seed=12)
    df["country"] = np.where(df.respondent_id < "R0010", "tiny", "big")
    with pytest.warns(Warning, match="skipped"):
        seg = investment_weighting(df, by=["country"])
    assert list(seg.fits) == ["big"]


def test_controls_enter_the_model():
    df = _toy(n_resp=200, seed=13)
    df["channel"] = np.where(df.index % 2 == 0, "web", "store")
    df["satisfaction"] += np.where(df.channel == "web", 1.0, 0.0)
    res = investment_weighting(df, controls=["channel"])
    coef = res.coefficients.set_index("term")
    assert coef.loc["channel=web", "ci_low"] < 1.0 < coef.loc["channel=web", "ci_high"]


def test_missing_rows_dropped_and_counted():
    df = _toy(n_resp=100, seed=14)
    df.loc[[3, 10, 50], "emotive"] = np.nan
    df.loc[[7], "personal_investment"] = np.nan
    res = investment_weighting(df)
    assert res.n_dropped == 4
    assert res.n_obs == len(df) - 4
    assert res.n_respondents == 100


def test_errors_name_the_problem():
    df = _toy(n_resp=50, seed=15)
    with pytest.raises(DataError, match="emotive_score"):
        investment_weighting(df, emotive="emotive_score")
    with pytest.raises(ParameterError, match="method"):
        investment_weighting(df, method="gee")
    with pytest.raises(ModelError, match="singular"):
        investment_weighting(df.assign(personal_investment=5.0))
    with pytest.raises(DataError, match="non-negative"):
        investment_weighting(df.assign(weight=-1.0), weights="weight")
    with pytest.raises(DataError):
        investment_weighting(df.assign(tactile="high"))


def test_summary_and_plot(banking, tmp_path):
    survey, _ = banking
    res = investment_weighting(survey.event_table(), weights="weight")
    assert isinstance(res, InvestmentWeighting)
    text = res.describe()
    assert isinstance(text, str) and "Fieller" in text and "moderation" in text
    ax = res.plot()
    assert ax.get_title()
    assert "personal investment" in ax.get_xlabel()
    labels = [t.get_text() for t in ax.texts]
    assert set(survey.events["event_id"]).issuperset(labels) and len(labels) >= 5
    assert {"tactile", "emotive"} <= {ln.get_label() for ln in ax.get_lines()}
    ax.figure.savefig(tmp_path / "weights.png")
    seg = investment_weighting(
        survey.event_table(), by="channel", min_base=50, grid=[2.0, 5.0, 8.0]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ax2 = seg.plot()
    assert ax2.get_ylabel() == "emotive weight / tactile weight"


@pytest.mark.slow
def test_interval_coverage_simulation(project_root):
    """1,000 synthetic studies: every 95% interval covers its planted value 93-97% of the time."""
    import sys

    sys.path.insert(0, project_root)
    from benchmarks.sim_drivers_coverage import coverage_table, simulate_investment

    table = coverage_table(simulate_investment(1000))
    assert len(table) == 7
    bad = table[(table["coverage"] < 0.93) | (table["coverage"] > 0.97)]
    assert bad.empty, table


# ------------------------------------------------ contrasts and Fieller inputs from statsmodels
def _statsmodels_fit(df):
    codes = pd.factorize(df.respondent_id)[0]
    return sm.WLS.from_formula(
        "satisfaction ~ tactile + emotive + personal_investment"
        " + tactile:personal_investment + emotive:personal_investment",
        data=df,
        weights=df.weight,
    ).fit(cov_type="cluster", cov_kwds={"groups": codes})


def _inverted_t_test(ref, num, den, crit, estimate):
    """The set {x : |t| <= crit} of the statsmodels t test of (num - x den) @ beta = 0,
    found by root finding on both sides of the estimate (an independent Fieller)."""
    from scipy.optimize import brentq

    def f(x):
        t = ref.t_test(num - x * den)
        return float(np.squeeze(t.tvalue)) ** 2 - crit**2

    assert f(estimate) < 0
    bounds = []
    for sign in (-1, 1):
        step = 0.1 * max(abs(estimate), 1.0)
        while f(estimate + sign * step) < 0:
            step *= 2
            assert step < 1e6, "unbounded"
        a, b = sorted([estimate + sign * step, estimate])
        bounds.append(brentq(f, a, b, xtol=1e-13, rtol=1e-13))
    return tuple(bounds)


def test_difference_interval_is_the_statsmodels_t_test_of_the_contrast():
    """emotive - tactile weight at investment x: the contrast's SE from statsmodels'
    t_test (so var(e) + var(t) - 2 cov(e, t)), with t(G - 1) limits."""
    df = _toy(n_resp=150, seed=13, weights=True)
    res = investment_weighting(df, weights="weight", grid=[2.0, 5.0, 8.0], event=None)
    ref = _statsmodels_fit(df)
    crit = stats.t.ppf(0.975, df.respondent_id.nunique() - 1)
    for _, row in res.table.iterrows():
        x = row["investment"]
        contrast = np.array([0.0, -1.0, 1.0, 0.0, -x, x])  # e0 + e1 x - (t0 + t1 x)
        t = ref.t_test(contrast)
        eff, sd = float(np.squeeze(t.effect)), float(np.squeeze(t.sd))
        assert row["difference"] == pytest.approx(eff, rel=1e-9)
        assert row["difference_ci_low"] == pytest.approx(eff - crit * sd, rel=1e-8)
        assert row["difference_ci_high"] == pytest.approx(eff + crit * sd, rel=1e-8)
        tw = ref.t_test(np.array([0.0, 1.0, 0.0, 0.0, x, 0.0]))
        sd_t = float(np.squeeze(tw.sd))
        assert row["tactile_ci_high"] - row["tactile_weight"] == pytest.approx(
            crit * sd_t, rel=1e-8
        )


def test_crossover_and_ratio_fieller_intervals_invert_statsmodels_t_tests():
    """The crossover (t0 - e0) / (e1 - t1) and the ratio e / t at an event: each Fieller
    interval is the set of values x not rejected by the statsmodels t test of
    num - x * den = 0 (which uses the covariance of numerator and denominator)."""
    df = _toy(n_resp=150, seed=13, weights=True)
    res = investment_weighting(df, weights="weight", event=None)
    ref = _statsmodels_fit(df)
    crit = stats.t.ppf(0.975, df.respondent_id.nunique() - 1)
    num = np.array([0.0, 1.0, -1.0, 0.0, 0.0, 0.0])  # t0 - e0
    den = np.array([0.0, 0.0, 0.0, 0.0, -1.0, 1.0])  # e1 - t1
    beta = np.asarray(ref.params)
    c = res.crossover
    assert c is not None
    assert c.estimate == pytest.approx((num @ beta) / (den @ beta), rel=1e-9)
    lo, hi = _inverted_t_test(ref, num, den, crit, c.estimate)
    assert (c.ci_low, c.ci_high) == pytest.approx((lo, hi), rel=1e-7)
    # the covariance of numerator and denominator matters here: without it the
    # interval would be visibly different
    cov = np.asarray(ref.cov_params())
    assert abs(num @ cov @ den) > 0.2 * np.sqrt((num @ cov @ num) * (den @ cov @ den))
    for x in (2.0, 8.0):
        at = res.at(x).iloc[0]
        e = np.array([0.0, 0.0, 1.0, 0.0, 0.0, x])
        t = np.array([0.0, 1.0, 0.0, 0.0, x, 0.0])
        lo, hi = _inverted_t_test(ref, e, t, crit, at["ratio"])
        assert (at["ratio_ci_low"], at["ratio_ci_high"]) == pytest.approx((lo, hi), rel=1e-7)
