"""Tests for cxlab.tracking: wave comparisons against an independent computation and the
planted truth of cxlab.synth.make_waves, shift-share, the action follow-up (checked
against statsmodels' cluster-robust WLS), and the slow power / false-alarm simulations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from cxlab.errors import DataError, ParameterError, SuppressionWarning
from cxlab.estimates import weighted_mean
from cxlab.priorities import prioritize
from cxlab.segments import net_advocacy
from cxlab.synth import make_waves
from cxlab.tracking import (
    ACTION_INTENT,
    action_followup,
    advocacy_score,
    compare_waves,
    rake_waves,
    shift_share,
)

EVENT_METRICS = ("satisfaction", "tactile", "emotive", "brand_gap", "baseline_gap")


@pytest.fixture(scope="module")
def planted():
    """Four waves with the default planted changes (seed 0, 631 per wave)."""
    return make_waves("banking", n_waves=4, n_respondents=631, seed=0)


@pytest.fixture(scope="module")
def unchanged():
    """Four waves, nothing planted. One fixed study: each of its seven tables (families)
    raises an alarm with probability up to 5%, so some seeds do (seed 11: one in the
    satisfaction table); the rate itself is checked by the slow simulation below."""
    return make_waves("banking", n_waves=4, n_respondents=631, seed=12, changes={})


@pytest.fixture(scope="module")
def raked(planted):
    survey, truth = planted
    return rake_waves(survey, truth["population_margins"])[0]


# ------------------------------------------------------------------ an independent computation
def _linearised(rows: pd.DataFrame, m: int) -> tuple[float, float, int]:
    """Weighted mean, its linearised variance (clusters = respondents) and n."""
    w, y = rows["weight"].to_numpy(), rows["y"].to_numpy()
    est = (w * y).sum() / w.sum()
    z = pd.Series(w * (y - est) / w.sum()).groupby(rows["respondent_id"].to_numpy()).sum()
    return est, m / (m - 1) * float((z**2).sum()), len(z)


@pytest.mark.parametrize("pooled", [False, True])
def test_se_df_and_p_match_an_independent_computation(raked, pooled):
    """Per event (one rating per respondent) and pooled over events (respondents rate
    several: the cluster sums matter), weighted by per-wave raking."""
    by = None if pooled else "event_id"
    table = compare_waves(raked, "satisfaction", by=by)
    et = raked.event_table().rename(columns={"satisfaction": "y"})
    et = et[np.isfinite(et["y"])]
    m = raked.event_table()["respondent_id"].nunique()  # clusters in the whole data
    event = "resolve_issue"
    rows = table[(table["wave"] == "W3")] if pooled else table[
        (table["wave"] == "W3") & (table["event_id"] == event)
    ]  # fmt: skip
    row = rows.iloc[0]
    part = et if pooled else et[et["event_id"] == event]
    ea, va, na = _linearised(part[part["wave"] == "W2"], m)
    eb, vb, nb = _linearised(part[part["wave"] == "W3"], m)
    se = np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    t = (eb - ea) / se
    assert row["compared_with"] == "W2"
    assert row["estimate"] == pytest.approx(eb, rel=1e-12)
    assert row["change"] == pytest.approx(eb - ea, rel=1e-10)
    assert row["se"] == pytest.approx(se, rel=1e-10)
    assert row["df"] == pytest.approx(df, rel=1e-10)
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-8, abs=1e-300)
    q = stats.t.ppf(0.975, df)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((eb - ea - q * se, eb - ea + q * se))
    assert row["n"] == nb and row["n_compared"] == na
    if pooled:  # respondents rate several events: clustering changes the SE
        naive = part[part["wave"] == "W3"].assign(
            respondent_id=np.arange((part["wave"] == "W3").sum())
        )
        assert _linearised(naive, m)[1] != pytest.approx(vb, rel=1e-3)


def test_holm_family_is_the_whole_table(planted):
    table = compare_waves(planted[0], "satisfaction")
    tested = table["p_value"].notna()
    assert tested.sum() == 3 * 7  # three wave-on-wave changes x seven events
    expected = multipletests(table.loc[tested, "p_value"], method="holm")[1]
    np.testing.assert_allclose(table.loc[tested, "p_adjusted"], expected, rtol=1e-12)
    assert (table["significant"] == (table["p_adjusted"] < 0.05)).all()
    assert table.loc[table["wave"] == "W1", "change"].isna().all()


def test_levels_match_the_public_estimators(planted):
    survey = planted[0]
    table = compare_waves(survey, "tactile")
    m = weighted_mean(survey.event_table(), "tactile", by=["wave", "event_id"])
    merged = table.merge(m.assign(wave=m["wave"].astype(str)), on=["wave", "event_id"])
    np.testing.assert_allclose(merged["estimate_x"], merged["estimate_y"], rtol=1e-12)
    np.testing.assert_allclose(merged["estimate_ci_low"], merged["ci_low_y"], rtol=1e-12)
    na = compare_waves(survey, "net_advocacy", by=None)
    direct = net_advocacy(
        survey.respondents["recommend"],
        survey.respondents["weight"],
        by=survey.respondents["wave"],
        agitator=survey.respondents["complained"].eq(1) | survey.respondents["warned_others"].eq(1),
    )
    np.testing.assert_allclose(na["estimate"], direct["value"], rtol=1e-12)
    np.testing.assert_allclose(na["change"].iloc[1:], np.diff(direct["value"]), rtol=1e-9)
    score = advocacy_score(survey)
    assert set(score.dropna().unique()) <= {-100.0, 0.0, 100.0}


def test_segment_shares_sum_to_one_per_wave(planted):
    t = compare_waves(planted[0], "segment_shares", by="advocacy_group")
    sums = t.groupby("wave")["estimate"].sum()
    np.testing.assert_allclose(sums, 1.0, rtol=1e-12)
    by_country = compare_waves(planted[0], "segment_shares", by="country")
    assert set(by_country["country"]) == {"US", "Canada", "UK", "France", "Germany"}


def test_base_wave(planted):
    t = compare_waves(planted[0], "satisfaction", base="W1")
    later = t[t["wave"] != "W1"]
    assert (later["compared_with"] == "W1").all()
    base = t[t["wave"] == "W1"].set_index("event_id")["estimate"]
    np.testing.assert_allclose(
        later["change"], later["estimate"] - later["event_id"].map(base), rtol=1e-10
    )


# ------------------------------------------------------------------ planted truth
def test_planted_changes_are_detected_and_nothing_else_moves(planted):
    survey, truth = planted
    table = compare_waves(survey, "satisfaction")
    planted_pairs = {(e, w): c for e, v in truth["planted_changes"].items() for w, c in v.items()}
    assert len(planted_pairs) == 4
    for (event, wave), change in planted_pairs.items():
        row = table[(table["event_id"] == event) & (table["wave"] == wave)].iloc[0]
        assert row["significant"], (event, wave)
        assert np.sign(row["change"]) == np.sign(change)
        assert row["ci_low"] <= change <= row["ci_high"], (event, wave, row["change"])
    others = table[
        [(e, w) not in planted_pairs for e, w in zip(table["event_id"], table["wave"], strict=True)]
    ]
    assert not others["significant"].any()


def test_a_no_change_study_raises_no_alarm(unchanged):
    survey, truth = unchanged
    assert truth["planted_changes"] == {}
    for metric in EVENT_METRICS:
        assert not compare_waves(survey, metric)["significant"].any(), metric
    assert not compare_waves(survey, "net_advocacy", by=None)["significant"].any()
    assert not compare_waves(survey, "segment_shares", by="advocacy_group")["significant"].any()


def test_each_wave_is_raked_to_its_own_margins(planted):
    survey, truth = planted
    per_wave = {w: truth["population_margins"] for w in truth["waves"]}
    older = {"18-29": 0.1, "30-44": 0.3, "45-65": 0.6}
    per_wave["W4"] = {**truth["population_margins"], "age_band": older}
    raked, table = rake_waves(survey, per_wave)
    assert table["converged"].all() and list(table["wave"]) == truth["waves"]
    r = raked.respondents
    for wave, target in (("W1", truth["population_margins"]["age_band"]), ("W4", older)):
        part = r[r["wave"] == wave]
        shares = part.groupby("age_band", observed=True)["weight"].sum() / part["weight"].sum()
        for cat, share in target.items():
            assert shares[cat] == pytest.approx(share, abs=1e-8)
    with pytest.raises(ParameterError, match="no targets for wave"):
        rake_waves(survey, {"W1": truth["population_margins"]})
    via = compare_waves(survey, "satisfaction", margins=truth["population_margins"])
    direct = compare_waves(rake_waves(survey, truth["population_margins"])[0], "satisfaction")
    pd.testing.assert_frame_equal(via, direct)


def test_suppressed_rows_keep_n_only(planted):
    survey = planted[0]
    with pytest.warns(SuppressionWarning):
        t = compare_waves(survey, "satisfaction", min_base=400)
    small = t[t["suppressed"]]
    assert len(small) and (small["n"] < 400).all()
    numbers = ["estimate", "estimate_ci_low", "estimate_ci_high", "change", "se", "ci_low", "ci_high",
               "p_value", "p_adjusted"]  # fmt: skip
    assert small[numbers].isna().all().all()
    shown = t[~t["suppressed"]]
    assert (shown["n"] >= 400).all()
    # a change whose comparison wave is suppressed is not shown either
    prev = t.groupby("event_id")["suppressed"].shift(1, fill_value=False)
    assert t.loc[prev & ~t["suppressed"], "change"].isna().all()


def test_compare_waves_errors(planted):
    survey = planted[0]
    with pytest.raises(ParameterError, match="unknown metric"):
        compare_waves(survey, "nope")
    with pytest.raises(ParameterError, match="per respondent, not per event"):
        compare_waves(survey, "net_advocacy")
    with pytest.raises(ParameterError, match="base wave"):
        compare_waves(survey, base="W9")
    with pytest.raises(ParameterError, match="one segmentation"):
        compare_waves(survey, "segment_shares", by=None)
    with pytest.raises(DataError, match="no wave column"):
        compare_waves(make_waves("banking", 2, 30)[0].subset(np.ones(60, bool)), wave="w")


# ------------------------------------------------------------------ shift-share
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("segment", ["age_band", "country", "life_stage"])
def test_shift_share_parts_sum_exactly_to_the_change(seed, segment):
    survey, _ = make_waves("banking", n_waves=2, n_respondents=300, seed=seed, changes={},
                           mix={"W2": {"age_band": {"18-29": 0.2, "30-44": 0.3, "45-65": 0.5}}})  # fmt: skip
    survey, _ = rake_waves(survey, {"gender": {"Female": 0.51, "Male": 0.49}})
    r = shift_share(survey, segment, min_base=0)
    assert abs(r.within + r.mix - r.change) < 1e-12
    assert abs(r.table["total"].sum() - r.change) < 1e-12
    resp = survey.respondents
    score = advocacy_score(survey)
    for wave, total in (("W1", r.total_start), ("W2", r.total_end)):
        mask = (resp["wave"] == wave) & score.notna()
        w = resp.loc[mask, "weight"]
        assert total == pytest.approx(float((w * score[mask]).sum() / w.sum()), rel=1e-12)
    # one segment by hand
    row = r.table.iloc[0]
    assert row["within"] == pytest.approx(
        (row["share_start"] + row["share_end"]) / 2 * (row["value_end"] - row["value_start"])
    )
    assert row["mix"] == pytest.approx(
        (row["value_start"] + row["value_end"]) / 2 * (row["share_end"] - row["share_start"])
    )


def test_a_planted_mix_shift_shows_as_mix():
    survey, _ = make_waves("banking", n_waves=2, n_respondents=631, seed=3, changes={},
                           mix={"W2": {"age_band": {"18-29": 0.15, "30-44": 0.3, "45-65": 0.55}}})  # fmt: skip
    r = shift_share(survey, "age_band")
    # older customers recommend more: the mix part is large; the within part is only noise
    # (its truth is 0; the SE of a segment's net advocacy is 5-8 points)
    assert r.mix > 5 and r.mix > abs(r.within)
    assert r.table.set_index("segment").loc["45-65", "share_end"] == pytest.approx(0.55, abs=0.01)
    assert list(r.summary()["component"])[-1] == "change in segment mix"
    assert r.plot().figure is not None


def test_shift_share_suppression_and_a_segment_missing_in_one_wave():
    survey, _ = make_waves("banking", n_waves=2, n_respondents=200, seed=4, changes={})
    resp = survey.respondents
    seg = (
        resp["country"]
        .astype(str)
        .where(~((resp["wave"] == "W2") & (resp["country"] == "UK")), "Canada")
    )
    survey = survey.subset(np.ones(len(resp), bool))
    survey.respondents["seg"] = seg.to_numpy()  # UK only in W1
    r = shift_share(survey, "seg", min_base=30)
    uk = r.table.set_index("segment").loc["UK"]
    assert uk["n_end"] == 0 and bool(uk["suppressed"]) and np.isnan(uk["within"])
    assert abs(r.within + r.mix - r.change) < 1e-12  # the totals keep every segment


# ------------------------------------------------------------------ did the actions work
def _did_statsmodels(survey, acted, start, end):
    import statsmodels.api as sm

    et = survey.event_table()
    et = et[et["wave"].isin([start, end]) & et["satisfaction"].notna()]
    treated = et["event_id"].isin(acted).to_numpy(dtype=float)
    post = (et["wave"] == end).to_numpy(dtype=float)
    X = np.column_stack([np.ones(len(et)), treated, post, treated * post])
    fit = sm.WLS(et["satisfaction"].to_numpy(), X, weights=et["weight"].to_numpy()).fit(
        cov_type="cluster",
        cov_kwds={"groups": pd.factorize(et["respondent_id"])[0], "use_correction": False},
    )
    return fit.params[3], fit.bse[3], et["respondent_id"].nunique()


def test_did_recovers_a_planted_effect_of_acting_and_matches_statsmodels():
    acted = ["resolve_issue", "branch_service"]
    survey, truth = make_waves(
        "banking", n_waves=2, n_respondents=631, seed=5,
        changes={"resolve_issue": {"W2": 0.6}, "branch_service": {"W2": 0.6},
                 "compare_options": {"W2": -0.4}},
    )  # fmt: skip
    survey, _ = rake_waves(survey, truth["population_margins"])
    actions = prioritize(survey.subset((survey.respondents["wave"] == "W1").to_numpy()))
    f = action_followup(survey, actions, start="W1", end="W2", acted_on=acted)
    e = f.effect.iloc[0]
    beta, se_sm, G = _did_statsmodels(survey, acted, "W1", "W2")
    assert e["estimate"] == pytest.approx(beta, rel=1e-10)
    # ours is CR1 with the G/(G-1) factor only (no (N-1)/(N-K)): statsmodels without its
    # small-sample correction, times sqrt(G/(G-1))
    assert e["se"] == pytest.approx(se_sm * np.sqrt(G / (G - 1)), rel=1e-10)
    assert e["df"] == G - 1
    # the planted effect of acting: the acted events' ratings moved +0.6, the others'
    # by -0.4 at compare_options and 0 elsewhere, so pooled over their ratings by
    # about -0.4 x compare_options' share of them
    et = survey.event_table()
    w2 = et[et["wave"] == "W2"]
    share_co = (w2.loc[~w2["event_id"].isin(acted), "event_id"] == "compare_options").mean()
    truth_did = 0.6 - (-0.4) * share_co
    assert e["ci_low"] <= truth_did <= e["ci_high"]
    assert e["ci_low"] > 0
    assert set(f.table["verdict"]) == {"moved as intended"}
    assert f.table["evidence"].str.contains("relative to the events not acted on").all()


def test_verdicts_worse_not_yet_and_right_size():
    survey, _ = make_waves("banking", n_waves=2, n_respondents=631, seed=6,
                           changes={"resolve_issue": {"W2": -0.6}})  # fmt: skip
    actions = prioritize(survey.subset((survey.respondents["wave"] == "W1").to_numpy()))
    acts = actions.assign(action=actions["action"].astype(object))
    acts.loc[acts["event_id"] == "resolve_issue", "action"] = "fix"
    acts.loc[acts["event_id"] == "monthly_statement", "action"] = "right-size"
    acts.loc[acts["event_id"] == "open_checking", "action"] = "delight"
    f = action_followup(survey, acts, start="W1", end="W2",
                        acted_on=["resolve_issue", "monthly_statement", "open_checking"])  # fmt: skip
    v = f.table.set_index("event_id")["verdict"]
    assert v["resolve_issue"] == "worse"
    assert v["monthly_statement"] == "moved as intended"  # held while right-sized
    assert v["open_checking"] == "not yet"
    assert f.table.set_index("event_id").loc["monthly_statement", "intended"] == "hold"
    assert set(ACTION_INTENT) == {"fix", "basics", "delight", "right-size"}
    s = f.summary()
    assert "difference-in-differences" in set(s["what"])
    assert f.plot().figure is not None


def test_default_acted_on_is_every_event_with_a_course_of_action(planted):
    survey = planted[0]
    actions = prioritize(survey.subset((survey.respondents["wave"] == "W1").to_numpy()))
    f = action_followup(survey, actions, start="W1", end="W2")
    expected = actions.loc[actions["action"].isin(list(ACTION_INTENT)), "event_id"]
    assert sorted(f.table["event_id"]) == sorted(expected.astype(str))
    assert f.effect["n_acted_events"].iloc[0] + f.effect["n_other_events"].iloc[0] == 7


def test_followup_not_assessed_and_errors(planted):
    survey = planted[0]
    actions = prioritize(survey.subset((survey.respondents["wave"] == "W1").to_numpy()))
    every = actions.assign(action="fix")
    f = action_followup(survey, every, start="W1", end="W2")
    assert (f.table["verdict"] == "not assessed").all() and np.isnan(f.effect["estimate"].iloc[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        g = action_followup(survey, actions, start="W1", end="W2", min_base=10_000)
    assert (g.table["verdict"] == "not assessed").all()
    assert g.table["evidence"].str.startswith("Not assessed: base under").all()
    with pytest.raises(ParameterError, match="later wave"):
        action_followup(survey, actions, start="W2", end="W1")
    with pytest.raises(ParameterError, match="not in the actions table"):
        action_followup(survey, actions, start="W1", end="W2", acted_on=["nope"])
    with pytest.raises(DataError, match="lacks a column"):
        action_followup(survey, actions.drop(columns="action"), start="W1", end="W2")


# ------------------------------------------------------------------ slow simulations
@pytest.mark.slow
def test_power_to_detect_a_half_point_change():
    from benchmarks.sim_tracking import power

    result = power(n_reps=100, change=0.5, seed=2026)
    assert result["power"] >= 0.95, result  # at n=631 per wave the SE of a change is ~0.09


@pytest.mark.slow
def test_family_wise_false_alarm_rate_with_no_planted_change():
    from benchmarks.sim_tracking import false_alarms

    result = false_alarms(n_reps=200, seed=2027)
    mc = np.sqrt(0.05 * 0.95 / result["n_reps"])
    assert result["family_wise_rate"] <= 0.05 + 2 * mc, result
