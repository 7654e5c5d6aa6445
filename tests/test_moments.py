"""Tests for cxlab.moments: per-event diagnosis, advocacy impact, importance index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cxlab.errors import DataError, ParameterError, SuppressionWarning
from cxlab.moments import advocacy_impact, diagnose, importance_index


# ------------------------------------------------------------------ diagnose
def test_diagnose_means_and_ses_match_an_independent_peer(fake_survey_factory):
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    survey, _ = fake_survey_factory()
    with pytest.warns(SuppressionWarning):
        d = diagnose(survey)
    d = d.set_index("event_id")
    et = survey.event_table()
    # event means: Taylor-linearised domain means, respondents as PSUs (samplics)
    for m in ("performance", "brand_gap", "significance"):
        peer = TaylorEstimator(PopParam.mean)
        peer.estimate(
            y=et[m].to_numpy(),
            samp_weight=et["weight"].to_numpy(),
            domain=et["event_id"].to_numpy(),
            psu=et["respondent_id"].to_numpy(),
        )
        for e in ("E1", "E4", "E6"):
            assert d.loc[e, m] == pytest.approx(peer.point_est[e], rel=1e-10)
            assert d.loc[e, f"{m}_se"] == pytest.approx(peer.stderror[e], rel=1e-8)
            assert d.loc[e, f"{m}_ci_low"] < d.loc[e, m] < d.loc[e, f"{m}_ci_high"]
    # slope of satisfaction on performance: WLS with HC1 (statsmodels)
    for e in ("E1", "E4"):
        part = et[et["event_id"] == e]
        x = sm.add_constant(part["performance"].to_numpy())
        fit = sm.WLS(part["satisfaction"].to_numpy(), x, weights=part["weight"]).fit(cov_type="HC1")
        assert d.loc[e, "satisfaction_impact"] == pytest.approx(fit.params[1], rel=1e-10)
        assert d.loc[e, "satisfaction_impact_se"] == pytest.approx(fit.bse[1], rel=1e-8)
        assert d.loc[e, "base"] == pytest.approx(part["weight"].sum())
        assert d.loc[e, "n"] == len(part)


def test_diagnose_suppresses_small_bases(fake_survey_factory):
    survey, _ = fake_survey_factory()
    with pytest.warns(SuppressionWarning, match="E8"):
        d = diagnose(survey, min_base=30)
    row = d.loc[d["event_id"] == "E8"].iloc[0]
    assert row["suppressed"] and row["n"] < 30
    assert np.isnan(row["performance"]) and np.isnan(row["importance"])
    assert not d.loc[d["event_id"] != "E8", "suppressed"].any()
    # stage order is lifecycle order
    assert d["stage_order"].is_monotonic_increasing


def test_diagnose_by_segment_has_one_block_per_segment(fake_survey_factory):
    survey, _ = fake_survey_factory(rare_event=False)
    d = diagnose(survey, by="life_stage", min_base=30)
    assert set(d["life_stage"]) == {"young", "family", "retired"}
    assert len(d) == 3 * 8
    for _, block in d.groupby("life_stage"):
        assert block["importance"].mean() == pytest.approx(0, abs=1e-9)
        assert block["importance"].std() == pytest.approx(1, abs=1e-9)


def test_advocacy_impact_matches_statsmodels_and_recovers_planted_impacts(fake_survey_factory):
    survey, planted = fake_survey_factory(rare_event=False)
    et, resp = survey.event_table(), survey.respondents
    imp = advocacy_impact(et, resp, weights="weight")
    # independent peer: statsmodels WLS with HC1 on the same centred design
    wide = et.pivot(index="respondent_id", columns="event_id", values="satisfaction")
    wide = wide.reindex(resp["respondent_id"])
    wts = resp["weight"].to_numpy()
    means = {
        c: np.average(wide[c].dropna(), weights=wts[wide[c].notna().to_numpy()])
        for c in wide.columns
    }
    X = sm.add_constant((wide - pd.Series(means)).fillna(0.0).to_numpy())
    fit = sm.WLS(resp["recommend"].to_numpy(), X, weights=wts).fit(cov_type="HC1")
    np.testing.assert_allclose(imp["advocacy_impact"], fit.params[1:], rtol=1e-8)
    np.testing.assert_allclose(imp["advocacy_impact_se"], fit.bse[1:], rtol=1e-6)
    truth = imp["event_id"].map(planted["impact"])
    z = (imp["advocacy_impact"] - truth) / imp["advocacy_impact_se"]
    assert (z.abs() < 4).all(), z


def test_diagnose_rejects_bad_input(fake_survey_factory):
    survey, _ = fake_survey_factory()
    with pytest.raises(DataError):
        diagnose(survey, weights="no_such_weight")
    with pytest.raises(DataError):
        diagnose(survey, by="no_such_segment")
    with pytest.raises(ParameterError):
        diagnose(survey, level=1.5)


# ------------------------------------------------------------ importance
def test_importance_index_propagates_se():
    d = pd.DataFrame(
        {"event_id": list("abc"), "s": [1.0, 2.0, 3.0], "s_se": [0.1, 0.1, 0.1]}
    ).assign(t=[3.0, 2.0, 7.0], t_se=0.0)
    out = importance_index(d, ("s",))
    assert out["importance"].tolist() == pytest.approx([-1, 0, 1])
    assert out["importance_se"].tolist() == pytest.approx([0.1, 0.1, 0.1])
    assert out["importance_rank"].tolist() == [3, 2, 1]


# ------------------------------------------------------------- moved names
def test_priority_names_moved_to_priorities_still_importable_from_moments():
    import cxlab
    import cxlab.priorities as moved
    from cxlab.moments import (
        ACTION_COLORS,
        ACTIONS,
        Rules,
        describe_rules,
        moments_of_truth,
        prioritize,
    )

    assert prioritize is moved.prioritize and Rules is moved.Rules
    assert describe_rules is moved.describe_rules
    assert moments_of_truth is moved.moments_of_truth
    assert ACTIONS is moved.ACTIONS and ACTION_COLORS is moved.ACTION_COLORS
    assert cxlab.moments.prioritize is moved.prioritize
    with pytest.raises(AttributeError):
        cxlab.moments.no_such_name  # noqa: B018
