"""Tests for cxlab.comparisons: differences between segments or waves, Holm adjustment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlab.comparisons import compare
from cxlab.errors import ParameterError, SuppressionWarning
from cxlab.estimates import weighted_mean


def test_compare_is_still_importable_from_estimates():
    import cxlab
    from cxlab import estimates

    assert estimates.compare is compare and "compare" in estimates.__all__
    assert cxlab.comparisons.compare is compare


def test_compare_honours_the_minimum_base(with_small_segment):
    with pytest.warns(SuppressionWarning):
        out = compare(with_small_segment, "y", by="seg")
    assert out["suppressed"].all()
    assert out[["difference", "p_value", "p_adjusted"]].isna().all().all()


def test_compare_two_independent_groups_matches_welch():
    rng = np.random.default_rng(4)
    a, b = rng.normal(0, 1, 150), rng.normal(0.4, 2, 90)
    df = pd.DataFrame({"y": np.r_[a, b], "g": ["a"] * 150 + ["b"] * 90})
    out = compare(df, "y", by="g", weights=None)
    welch = stats.ttest_ind(a, b, equal_var=False)
    row = out.iloc[0]
    assert row["difference"] == pytest.approx(a.mean() - b.mean())
    se_welch = np.sqrt(a.var(ddof=1) / 150 + b.var(ddof=1) / 90)
    # the linearised variance uses the design's m/(m-1) factor instead of n_g/(n_g-1)
    assert row["se"] == pytest.approx(se_welch, rel=0.01)
    assert row["p_value"] == pytest.approx(welch.pvalue, rel=0.05)
    assert row["df"] == pytest.approx(welch.df, rel=0.05)
    assert row["p_adjusted"] == row["p_value"]  # a single test is not adjusted


def test_compare_uses_the_covariance_of_repeated_respondents():
    rng = np.random.default_rng(8)
    n = 300
    u = rng.normal(0, 2, n)
    df = pd.DataFrame(
        {
            "respondent_id": np.r_[np.arange(n), np.arange(n)],
            "event_id": ["open_account"] * n + ["pay_bill"] * n,
            "y": np.r_[u + rng.normal(0, 1, n), u + 0.3 + rng.normal(0, 1, n)],
            "weight": 1.0,
        }
    )
    out = compare(df, "y", by="event_id").iloc[0]
    d = df["y"].to_numpy()[:n] - df["y"].to_numpy()[n:]
    # paired data: the SE is the SE of the mean paired difference
    assert out["se"] == pytest.approx(d.std(ddof=1) / np.sqrt(n), rel=0.01)
    naive = np.sqrt(out_var_sum(df, n))
    assert out["se"] < 0.6 * naive


def out_var_sum(df, n):
    a, b = df["y"].to_numpy()[:n], df["y"].to_numpy()[n:]
    return a.var(ddof=1) / n + b.var(ddof=1) / n


def test_compare_within_cells_holm_controls_familywise_error():
    rng = np.random.default_rng(21)
    reps, cells = 150, 8
    any_raw = any_holm = 0
    for _ in range(reps):
        df = pd.DataFrame(
            {
                "y": rng.normal(size=cells * 120),
                "cell": np.repeat(np.arange(cells), 120),
                "wave": np.tile(["w1", "w2"], cells * 60),
                "weight": rng.uniform(0.5, 2, cells * 120),
            }
        )
        out = compare(df, "y", by="wave", within="cell")
        assert len(out) == cells and (out["p_adjusted"] >= out["p_value"] - 1e-15).all()
        any_raw += (out["p_value"] < 0.05).any()
        any_holm += (out["p_adjusted"] < 0.05).any()
    assert any_raw / reps > 0.2  # without adjustment, 8 null tests often give a "finding"
    assert any_holm / reps <= 0.09


def test_compare_detects_a_planted_wave_difference():
    rng = np.random.default_rng(1)
    w1 = pd.DataFrame({"recommend": rng.normal(7.0, 2, 400), "weight": 1.0})
    w2 = pd.DataFrame({"recommend": rng.normal(7.6, 2, 400), "weight": 1.0})
    out = compare({"2025": w1, "2026": w2}, "recommend", by="wave")
    row = out.iloc[0]
    assert row["group_a"] == "2025" and row["difference"] < 0
    assert row["p_value"] < 0.001
    assert row["ci_low"] < -0.6 < row["ci_high"]


def test_compare_waves_with_repeated_respondent_ids(banking):
    """Two independent waves whose respondent ids coincide (same id scheme)."""
    from cxlab.synth import make_study

    wave1 = banking[0].event_table()
    wave2 = make_study(industry="banking", n_respondents=631, seed=1)[0].event_table()
    # a client's id scheme restarting every wave: the same ids, different people
    wave2["respondent_id"] = wave2["respondent_id"].str.replace("R001-", "R000-")
    assert len(set(wave1["respondent_id"]) & set(wave2["respondent_id"])) > 500
    out = compare({"w1": wave1, "w2": wave2}, "satisfaction", by="wave", within="event_id")
    assert len(out) == wave1["event_id"].nunique()
    # independent waves: the SE of a difference is sqrt(se_1^2 + se_2^2) of the separate
    # (respondent-clustered) estimates; only the m / (m - 1) factor differs slightly
    m1 = weighted_mean(wave1, "satisfaction", by="event_id").set_index("event_id")
    m2 = weighted_mean(wave2, "satisfaction", by="event_id").set_index("event_id")
    want = np.sqrt(m1["se"] ** 2 + m2["se"] ** 2).loc[out["event_id"]].to_numpy()
    np.testing.assert_allclose(out["se"].to_numpy(), want, rtol=2e-3)
    diff = (m1["estimate"] - m2["estimate"]).loc[out["event_id"]].to_numpy()
    np.testing.assert_allclose(out["difference"].to_numpy(), diff, rtol=1e-12)
    assert (out["p_adjusted"] >= out["p_value"]).all()


def test_compare_against_a_reference_and_proportions():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"g": np.repeat(list("abcd"), 100), "weight": 1.0})
    df["hit"] = (rng.random(400) < np.repeat([0.2, 0.2, 0.5, 0.2], 100)).astype(float)
    out = compare(df, "hit", by="g", stat="proportion", reference="a")
    assert list(out["group_a"]) == ["b", "c", "d"] and (out["group_b"] == "a").all()
    assert out.set_index("group_a").loc["c", "p_adjusted"] < 0.01
    assert len(compare(df, "hit", by="g", stat="proportion")) == 6
    with pytest.raises(ParameterError):
        compare(df, "hit", by="g", stat="median")


# ------------------------------------------------------- independent checks on clustered data
def _clustered_two_events(seed=12):
    """Respondents rate one or both of two events: the groups overlap (covariance)."""
    rng = np.random.default_rng(seed)
    n = 140
    u = rng.normal(0, 1.5, n)
    w = rng.uniform(0.4, 2.5, n)
    rows = []
    for j, (event, p, shift) in enumerate([("a", 0.75, 0.0), ("b", 0.35, 0.4)]):
        rated = rng.random(n) < p
        idx = np.flatnonzero(rated)
        rows.append(
            pd.DataFrame(
                {
                    "respondent_id": idx,
                    "event_id": event,
                    "y": shift + u[idx] + rng.normal(0, 1 + j, idx.size),
                    "weight": w[idx],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_compare_se_df_and_p_on_weighted_clustered_data_by_hand_and_statsmodels():
    """SE against statsmodels WLS with a cluster-robust covariance; Welch-Satterthwaite df
    from the two groups' linearised variances computed here with pandas, to 1e-9."""
    import statsmodels.api as sm

    df = _clustered_two_events()
    out = compare(df, "y", by="event_id", min_base=1).iloc[0]
    # statsmodels: y on a constant and an event-b dummy, weights, clusters = respondents
    x = sm.add_constant((df["event_id"] == "b").to_numpy(float))
    fit = sm.WLS(df["y"], x, weights=df["weight"]).fit(
        cov_type="cluster", cov_kwds={"groups": df["respondent_id"], "use_correction": False}
    )
    g = df["respondent_id"].nunique()
    se_sm = np.sqrt(np.asarray(fit.cov_params())[1, 1] * g / (g - 1))  # the m/(m-1) of the design
    b1 = float(np.asarray(fit.params)[1])
    assert out["difference"] == pytest.approx(-b1, rel=1e-12)
    assert out["se"] == pytest.approx(se_sm, rel=1e-9)
    # the two groups' variances, by hand (domain estimation over all g clusters)
    v, nc = {}, {}
    for ev, part in df.groupby("event_id"):
        mean = np.average(part["y"], weights=part["weight"])
        z = part["weight"] * (part["y"] - mean) / part["weight"].sum()
        v[ev] = g / (g - 1) * (z.groupby(part["respondent_id"]).sum() ** 2).sum()
        nc[ev] = part["respondent_id"].nunique()
    df_hand = (v["a"] + v["b"]) ** 2 / (v["a"] ** 2 / (nc["a"] - 1) + v["b"] ** 2 / (nc["b"] - 1))
    assert out["df"] == pytest.approx(df_hand, rel=1e-9)
    p_hand = 2 * stats.t.sf(abs(b1) / se_sm, df_hand)
    assert out["p_value"] == pytest.approx(p_hand, rel=1e-9)
    assert (out["n_a"], out["n_b"]) == (nc["a"], nc["b"])
    half = stats.t.ppf(0.975, df_hand) * se_sm
    assert out["ci_high"] - out["difference"] == pytest.approx(half, rel=1e-9)
