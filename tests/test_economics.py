"""Tests for cxlab.economics: behaviour and customer value by advocacy group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlab.economics import advocacy_economics, customer_value
from cxlab.errors import DataError
from cxlab.estimates import weighted_mean
from cxlab.segments import classify_advocacy


def test_advocacy_economics_recovers_planted_group_multipliers():
    from cxlab.synth import make_study

    survey, truth = make_study("banking", n_respondents=4000, seed=7)
    eco = advocacy_economics(survey.respondents).set_index(["advocacy_group", "measure"])
    # service cost and referrals depend on the group only: 80 * mult * E[lognormal(-0.05, 0.3)]
    for group, mult in truth["service_cost_by_group"].items():
        row = eco.loc[(group, "service_cost")]
        planted = 80.0 * mult * np.exp(-0.05 + 0.3**2 / 2)
        assert abs(row["mean"] - planted) / row["se"] < 3.5, group
    for group, mean in truth["referrals_by_group"].items():
        row = eco.loc[(group, "referrals")]
        assert abs(row["mean"] - mean) / row["se"] < 3.5, group
    # spend and tenure rise from antagonists to advocates
    for m in ("spend", "tenure"):
        means = eco.xs(m, level="measure")["mean"]
        assert means["advocate"] > means["neutral"] > means["antagonist"]


def test_advocacy_economics_se_matches_peer(banking):
    survey, _ = banking
    r = survey.respondents.assign(
        w=np.random.default_rng(0).uniform(0.5, 2, len(survey.respondents))
    )
    eco = advocacy_economics(r, weights="w", measures=["spend"]).set_index("advocacy_group")
    g = classify_advocacy(r.recommend, agitator=r.complained.eq(1) | r.warned_others.eq(1))
    adv = r[(g == "advocate") & r.spend.notna()]
    import statsmodels.api as sm

    # peer: weighted least squares of spend on a constant with HC0 -> same ratio-mean SE
    fit = sm.WLS(adv.spend, np.ones(len(adv)), weights=adv.w).fit()
    assert eco.loc["advocate", "mean"] == pytest.approx(fit.params.iloc[0])
    # unified rule (issue 13): the domain ratio-mean SE of weighted_mean, with the
    # m/(m-1) correction on all m respondents (the group's size is random)
    m = len(r)
    resid = adv.spend - fit.params.iloc[0]
    se_peer = np.sqrt(m / (m - 1) * ((adv.w * resid) ** 2).sum()) / adv.w.sum()
    assert eco.loc["advocate", "se"] == pytest.approx(se_peer)
    wm = weighted_mean(
        r.assign(g=g.astype(str).where(r.spend.notna())), "spend", by="g", weights="w", min_base=0
    ).set_index("g")
    assert eco.loc["advocate", "se"] == pytest.approx(wm.loc["advocate", "se"], rel=1e-12)


def test_customer_value_moves_and_bootstrap(banking):
    survey, _ = banking
    r = survey.respondents
    cv = customer_value(r, n_boot=400, seed=1)
    t = cv.table.set_index("advocacy_group")
    # point estimates from an independent computation
    adv = r[r.recommend >= 9].dropna(subset=["spend", "service_cost", "tenure"])
    annual = (adv.spend - adv.service_cost).mean()
    assert t.loc["advocate", "annual_value"] == pytest.approx(annual)
    assert t.loc["advocate", "lifetime_value"] == pytest.approx(annual * adv.tenure.mean())
    moves = cv.moves.set_index("from_group")
    assert moves.loc["neutral", "value"] == pytest.approx(
        t.loc["advocate", "lifetime_value"] - t.loc["neutral", "lifetime_value"]
    )
    assert (moves["ci_low"] < moves["value"]).all() and (moves["value"] < moves["ci_high"]).all()
    assert (moves["ci_low"] > 0).all()  # advocates are clearly worth more in the planted data
    more = customer_value(r, n_boot=50, referral_value=100.0)
    assert (more.table["annual_value"] > cv.table["annual_value"]).all()
    with pytest.raises(DataError, match="service_cost"):
        customer_value(r.drop(columns="service_cost"))


def test_customer_value_plot(banking, tmp_path):
    ax = customer_value(banking[0].respondents, n_boot=100).plot()
    assert ax.get_title() and ax.get_ylabel()
    ax.figure.savefig(tmp_path / "value.png")


# ------------------------------------------------------------------ minimum base
def _france(banking):
    r = banking[0].respondents
    return r[r.country == "France"]


def test_advocacy_economics_suppresses_groups_under_min_base(banking):
    import warnings

    from cxlab.errors import SuppressionWarning

    r = _france(banking)
    with pytest.warns(SuppressionWarning, match="base under 30"):
        eco = advocacy_economics(r)
    full = advocacy_economics(r, min_base=0)
    blanked = ["mean", "se", "ci_low", "ci_high", "ratio_to_neutral"]
    small = eco["n"] < 30
    assert small.any() and (~small).any()  # France: agitators and antagonists are small
    assert eco["suppressed"].eq(small).all()
    assert eco.loc[small, blanked].isna().all().all()
    # unsuppressed rows and the bases are exactly what min_base=0 reports
    pd.testing.assert_frame_equal(eco.loc[~small, blanked], full.loc[~small, blanked])
    np.testing.assert_array_equal(eco["n"], full["n"])
    # a suppressed neutral base hides every ratio to it
    g = classify_advocacy(r.recommend, agitator=r.complained.eq(1) | r.warned_others.eq(1))
    few_neutrals = r[(g == "advocate") | (g == "neutral").cumsum().le(10) & (g == "neutral")]
    with pytest.warns(SuppressionWarning):
        eco_n = advocacy_economics(few_neutrals, measures=["spend"], min_base=20)
    assert eco_n["ratio_to_neutral"].isna().all()
    assert not eco_n.set_index("advocacy_group").loc["advocate", "suppressed"]
    # the full 631-respondent sample is unaffected by the default
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eco_all = advocacy_economics(banking[0].respondents)
    assert not eco_all["suppressed"].any() and eco_all["mean"].notna().all()


def test_customer_value_suppresses_groups_and_their_moves(banking):
    import warnings

    from cxlab.errors import SuppressionWarning

    r = _france(banking)
    with pytest.warns(SuppressionWarning, match="base under 30"):
        cv = customer_value(r, n_boot=200, seed=3)
    full = customer_value(r, n_boot=200, seed=3, min_base=0)
    t, tf = cv.table.set_index("advocacy_group"), full.table.set_index("advocacy_group")
    small = t["n"] < 30
    assert small.any() and (~small).any()
    assert t["suppressed"].eq(small).all()
    values = ["annual_value", "annual_ci_low", "annual_ci_high", "lifetime_value", "ci_low"]
    assert t.loc[small, values].isna().all().all()
    pd.testing.assert_frame_equal(t.loc[~small, values], tf.loc[~small, values])
    m, mf = cv.moves.set_index("from_group"), full.moves.set_index("from_group")
    hidden = set(small[small].index)
    assert m["suppressed"].tolist() == [g in hidden for g in m.index]
    assert m.loc[m["suppressed"], ["value", "ci_low", "ci_high"]].isna().all().all()
    assert m.loc["neutral", "value"] == pytest.approx(mf.loc["neutral", "value"])
    assert m.loc["neutral", "ci_low"] == pytest.approx(mf.loc["neutral", "ci_low"])
    # a suppressed advocate base leaves no move valued
    with pytest.warns(SuppressionWarning):
        none = customer_value(r, n_boot=50, min_base=1000)
    assert none.moves["suppressed"].all() and none.moves["value"].isna().all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cv_all = customer_value(banking[0].respondents, n_boot=50)
    assert not cv_all.table["suppressed"].any() and not cv_all.moves["suppressed"].any()
