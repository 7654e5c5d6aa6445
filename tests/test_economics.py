"""Tests for cxlab.economics: behaviour and customer value by advocacy group."""

from __future__ import annotations

import numpy as np
import pytest

from cxlab.economics import advocacy_economics, customer_value
from cxlab.errors import DataError
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
    n = len(adv)
    resid = adv.spend - fit.params.iloc[0]
    se_peer = np.sqrt(n / (n - 1) * ((adv.w * resid) ** 2).sum()) / adv.w.sum()
    assert eco.loc["advocate", "se"] == pytest.approx(se_peer)


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
