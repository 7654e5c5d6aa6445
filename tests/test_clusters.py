"""Tests for cxlab.clusters: latent class segmentation on mixed inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from cxlab.clusters import Segmentation, _design, _fit_em, segment_customers
from cxlab.errors import DataError, ParameterError


@pytest.fixture(scope="module")
def banking_segments(banking):
    survey, truth = banking
    return segment_customers(survey, k_range=range(2, 7), n_init=6, n_seeds=3), truth


def test_recovers_planted_segments(banking_segments):
    seg, truth = banking_segments
    assert isinstance(seg, Segmentation)
    assert seg.k == len(truth["segments"])
    ari = adjusted_rand_score(truth["segment_of"], seg.assignments["segment"])
    assert ari > 0.8
    assert (seg.stability["ari"] > 0.9).all()


def test_selection_table_is_bic(banking_segments):
    seg, _ = banking_segments
    sel = seg.selection
    assert list(sel["k"]) == [2, 3, 4, 5, 6]
    np.testing.assert_allclose(sel["bic"], -2 * sel["loglik"] + sel["n_params"] * np.log(631))
    assert sel.loc[sel["chosen"], "bic"].item() == sel["bic"].min()
    # 4 categoricals with 4+3+3+3 levels and 2 numerics: (k-1) + k*9 + 4k parameters
    assert sel.loc[sel["k"] == 4, "n_params"].item() == 3 + 4 * 9 + 4 * 4


def test_profiles_match_planted_segment_profiles(banking_segments):
    seg, truth = banking_segments
    prof = seg.profiles
    assert prof["n"].sum() == 631
    assert prof["n"].is_monotonic_decreasing
    np.testing.assert_allclose(
        prof[["pct_advocate", "pct_neutral", "pct_antagonist"]].sum(axis=1), 100
    )
    # each planted segment's modal profile appears as one estimated segment
    planted = {
        (p["life_stage"], p["product_usage"], p["behaviour_profile"], p["profitability"])
        for p in truth["segments"].values()
    }
    found = set(
        zip(
            prof.life_stage,
            prof.product_usage,
            prof.behaviour_profile,
            prof.profitability,
            strict=True,
        )
    )
    assert found == planted
    # spend ordering follows the planted segment spend
    by_label = prof.set_index("life_stage")["spend"]
    planted_spend = {p["life_stage"]: p["spend"] for p in truth["segments"].values()}
    assert by_label.sort_values().index.tolist() == sorted(planted_spend, key=planted_spend.get)
    # net advocacy of the most positive planted segment exceeds the most negative one
    shift = {p["life_stage"]: p["advocacy_shift"] for p in truth["segments"].values()}
    na = prof.set_index("life_stage")["net_advocacy"]
    assert na[max(shift, key=shift.get)] > na[min(shift, key=shift.get)]


def test_event_importance_peer_and_top_events(banking_segments, banking):
    seg, truth = banking_segments
    survey, _ = banking
    imp = seg.event_importance
    assert set(imp["segment"]) == set(range(1, seg.k + 1))
    row = imp[(imp.segment == 1) & (imp["rank"] == 1)].iloc[0]
    ids = seg.assignments.loc[seg.assignments.segment == 1, "respondent_id"]
    et = survey.event_table()
    sub = et[(et.event_id == row.event_id) & et.respondent_id.isin(ids)]
    rec = survey.respondents.set_index("respondent_id")["recommend"].reindex(sub.respondent_id)
    peer = np.corrcoef(sub.satisfaction.to_numpy(), rec.to_numpy())
    ok = rec.notna().to_numpy() & sub.satisfaction.notna().to_numpy()
    peer = np.corrcoef(sub.satisfaction.to_numpy()[ok], rec.to_numpy()[ok])[0, 1]
    assert row.importance == pytest.approx(peer)
    # the two highest planted advocacy impacts dominate the per-segment top events
    top2 = set(pd.Series(truth["advocacy_impact"]).nlargest(2).index)
    firsts = imp[imp["rank"] <= 2].groupby("segment")["event_id"].apply(set)
    assert sum(len(s & top2) for s in firsts) >= seg.k  # on average at least one of two per segment


def test_em_recovers_simple_mixture_and_handles_missing():
    rng = np.random.default_rng(2)
    n = 600
    z = rng.integers(0, 3, n)
    frame = pd.DataFrame(
        {
            "a": np.where(rng.random(n) < 0.85, z, rng.integers(0, 3, n)).astype(str),
            "x": rng.normal(3.0 * z, 1.0),
        }
    )
    frame.loc[rng.random(n) < 0.1, "a"] = None
    frame.loc[rng.random(n) < 0.1, "x"] = np.nan
    ind, num, levels = _design(frame, ["a"], ["x"], log_numeric=False)
    assert levels["a"] == ["0", "1", "2"]
    ll, resp, conv = _fit_em(ind, num, 3, np.random.default_rng(0), n_init=5)
    assert conv and np.isfinite(ll)
    assert adjusted_rand_score(z, resp.argmax(axis=1)) > 0.75


def test_errors_and_plot(banking_segments, banking, tmp_path):
    seg, _ = banking_segments
    survey, _ = banking
    with pytest.raises(DataError, match="not found"):
        segment_customers(survey.respondents, categorical=("nope",))
    with pytest.raises(ParameterError):
        segment_customers(survey.respondents.iloc[:30], k_range=range(2, 9))
    ax = seg.plot()
    assert "segment" in ax.get_title().lower() and ax.get_xlabel()
    ax.figure.savefig(tmp_path / "seg.png")
    assert len(seg.summary()) == seg.k


@pytest.mark.slow
def test_segment_recovery_across_studies():
    """Over 12 synthetic studies BIC picks the planted number of segments and ARI stays high."""
    from cxlab.synth import make_study

    ks, aris = [], []
    for seed in range(12):
        survey, truth = make_study("automotive", n_respondents=631, seed=200 + seed)
        seg = segment_customers(survey, k_range=range(2, 7), n_init=5, n_seeds=2)
        ks.append(seg.k == len(truth["segments"]))
        aris.append(adjusted_rand_score(truth["segment_of"], seg.assignments["segment"]))
    print(
        f"k chosen = planted in {sum(ks)}/12; ARI median {np.median(aris):.3f}, min {min(aris):.3f}"
    )
    assert sum(ks) >= 10
    assert np.median(aris) > 0.85
