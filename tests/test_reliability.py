"""Tests for cxlab.reliability: alpha, omega, and the tactile/emotive factor structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from cxlab.errors import DataError, ModelError
from cxlab.reliability import (
    FactorStructure,
    cronbach_alpha,
    factor_structure,
    mcdonald_omega,
    scale_reliability,
)


def _congeneric(loadings, n, seed=0):
    """Items x_j = lambda_j f + e_j with unit item variances."""
    rng = np.random.default_rng(seed)
    lam = np.asarray(loadings)
    f = rng.normal(size=(n, 1))
    e = rng.normal(size=(n, lam.size)) * np.sqrt(1 - lam**2)
    return pd.DataFrame(f * lam + e, columns=[f"i{j}" for j in range(lam.size)])


def _omega_population(lam):
    lam = np.asarray(lam)
    return lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2))


# --------------------------------------------------------------------------- alpha, omega
def test_alpha_matches_pingouin_on_synth_events(banking):
    survey, _ = banking
    et = survey.event_table()
    for event_id, part in list(et.groupby("event_id", observed=True))[:3]:
        items = part[survey.tactile_attributes].dropna(axis=1, how="all")
        ours = cronbach_alpha(items)
        theirs, _ = pg.cronbach_alpha(items, nan_policy="listwise")
        assert ours == pytest.approx(theirs, rel=1e-12), event_id
    # pairwise-complete alpha (planned missingness pooled over events)
    items = et[survey.emotive_attributes]
    theirs, _ = pg.cronbach_alpha(items, nan_policy="pairwise")
    assert cronbach_alpha(items, pairwise=True) == pytest.approx(theirs, rel=1e-12)


def test_omega_recovers_population_value_for_congeneric_items():
    lam = [0.9, 0.8, 0.6, 0.4, 0.3]
    items = _congeneric(lam, 20_000, seed=1)
    assert mcdonald_omega(items) == pytest.approx(_omega_population(lam), abs=0.01)
    # alpha is a lower bound for congeneric (unequal-loading) items
    assert cronbach_alpha(items) < mcdonald_omega(items) - 0.01


def test_omega_equals_alpha_for_tau_equivalent_items():
    items = _congeneric([0.7] * 5, 20_000, seed=2)
    assert mcdonald_omega(items) == pytest.approx(cronbach_alpha(items), abs=0.005)


def test_omega_agrees_with_sklearn_ml_factor_analysis():
    from sklearn.decomposition import FactorAnalysis

    items = _congeneric([0.85, 0.7, 0.6, 0.5], 5000, seed=3)
    z = (items - items.mean()) / items.std(ddof=0)
    fa = FactorAnalysis(n_components=1, random_state=0).fit(z)
    lam = np.abs(fa.components_[0])
    ml = lam.sum() ** 2 / (lam.sum() ** 2 + fa.noise_variance_.sum())
    assert mcdonald_omega(items) == pytest.approx(ml, abs=0.005)


def test_too_few_items_or_rows():
    with pytest.raises(ModelError, match="two items"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))
    assert np.isnan(mcdonald_omega(pd.DataFrame({"a": [1.0, 2], "b": [2.0, 1], "c": [1.0, 1]})))


# --------------------------------------------------------------------------- survey tables
def test_scale_reliability_table_on_synth(banking):
    survey, _ = banking
    table = scale_reliability(survey)
    assert list(table.columns) == ["event_id", "composite", "n_items", "n", "alpha", "omega"]
    n_events = survey.events.shape[0]
    assert len(table) == 2 * (n_events + 1)
    assert table["event_id"].iloc[0] == "all" and table["event_id"].iloc[1] == "all"
    # planted: the items of each composite share one latent, so both are reliable
    assert (table["alpha"] > 0.7).all() and (table["omega"] > 0.7).all()
    assert (table["omega"] >= table["alpha"] - 0.01).all()
    et = survey.event_table()
    row = table[(table["event_id"] == "mortgage_decision") & (table["composite"] == "emotive")]
    part = et[et["event_id"] == "mortgage_decision"]
    asked = [c for c in survey.emotive_attributes if part[c].notna().any()]
    assert row["n_items"].iloc[0] == len(asked)
    assert row["n"].iloc[0] == len(part[asked].dropna())
    assert row["alpha"].iloc[0] == pytest.approx(
        pg.cronbach_alpha(part[asked], nan_policy="listwise")[0], rel=1e-12
    )


def test_pooled_row_centres_items_within_event(banking):
    survey, _ = banking
    et = survey.event_table()
    cols = survey.tactile_attributes
    centred = et[cols] - et.groupby("event_id", observed=True)[cols].transform("mean")
    want, _ = pg.cronbach_alpha(centred, nan_policy="pairwise")
    got = scale_reliability(survey, by_event=False)
    assert got.loc[got["composite"] == "tactile", "alpha"].iloc[0] == pytest.approx(want, 1e-10)


def test_small_events_give_nan(banking):
    survey, _ = banking
    et = survey.event_table()
    table = scale_reliability(
        et, survey.tactile_attributes, survey.emotive_attributes, min_base=10_000
    )
    assert table["alpha"].isna().all()
    with pytest.raises(DataError):
        scale_reliability(et, ["nope", "efficiency"], survey.emotive_attributes)


# --------------------------------------------------------------------------- factor structure
@pytest.mark.parametrize("study", ["banking", "automotive"])
def test_tactile_and_emotive_are_distinct_factors_on_synth(study, request):
    survey, _ = request.getfixturevalue(study)
    fs = factor_structure(survey)
    assert isinstance(fs, FactorStructure)
    t = fs.table
    assert list(t.columns[:4]) == ["item", "kind", "factor_1", "factor_2"]
    assert len(t) == len(survey.tactile_attributes) + len(survey.emotive_attributes)
    assert fs.distinct
    summary = fs.summary()
    assert (summary["n_on_own_factor"] == summary["n_items"]).all()
    assert (summary["mean_own_loading"] > 0.6).all()
    assert (summary["mean_abs_cross_loading"] < 0.3).all()


def test_factor_structure_detects_a_misplaced_item():
    rng = np.random.default_rng(4)
    n = 3000
    ft, fe = rng.normal(size=(2, n))
    data = {f"t{j}": 0.8 * ft + 0.6 * rng.normal(size=n) for j in range(4)}
    data |= {f"e{j}": 0.8 * fe + 0.6 * rng.normal(size=n) for j in range(3)}
    data["e_wrong"] = 0.8 * ft + 0.6 * rng.normal(size=n)  # "emotive" item measuring tactile
    df = pd.DataFrame(data)
    fs = factor_structure(df, [f"t{j}" for j in range(4)], ["e0", "e1", "e2", "e_wrong"])
    assert not fs.distinct
    flagged = fs.table.loc[~fs.table["loads_on_own"], "item"].tolist()
    assert flagged == ["e_wrong"]


def test_two_factor_solution_agrees_with_sklearn_and_maximises_varimax():
    from sklearn.decomposition import FactorAnalysis

    rng = np.random.default_rng(6)
    n = 6000
    ft, fe = rng.normal(size=(2, n))
    cols = {
        f"t{j}": lt * ft + 0.3 * fe + rng.normal(size=n) * 0.6
        for j, lt in enumerate([0.8, 0.7, 0.6])
    }
    cols |= {
        f"e{j}": le * fe + 0.2 * ft + rng.normal(size=n) * 0.6
        for j, le in enumerate([0.8, 0.7, 0.6])
    }
    df = pd.DataFrame(cols)
    ours = factor_structure(df, ["t0", "t1", "t2"], ["e0", "e1", "e2"]).table
    lo = ours[["factor_1", "factor_2"]].to_numpy()
    # rotation-invariant: communalities equal those of sklearn's ML fit
    z = (df - df.mean()) / df.std(ddof=0)
    ml = FactorAnalysis(n_components=2, random_state=0).fit(z).components_.T
    np.testing.assert_allclose((lo**2).sum(axis=1), (ml**2).sum(axis=1), atol=0.02)

    # varimax (Kaiser-normalised) criterion: no rotation of our loadings does better
    def criterion(load):
        a = load / np.sqrt((load**2).sum(axis=1, keepdims=True))
        return float(((a**2).var(axis=0)).sum())

    best = criterion(lo)
    for theta in np.linspace(0, np.pi, 181):
        rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        assert criterion(lo @ rot) <= best + 1e-9


def test_factor_structure_plot(banking, tmp_path):
    survey, _ = banking
    ax = factor_structure(survey).plot()
    assert "two factors, distinct" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    ax.figure.savefig(tmp_path / "efa.png")


# ------------------------------------------------------------ min_base (issue 12, item 6)
def test_factor_loadings_from_fewer_than_min_base_respondents_are_refused():
    from cxlab.errors import ModelError
    from cxlab.synth import make_study

    survey, _ = make_study("banking", n_respondents=300, seed=2)
    few = survey.subset(np.arange(survey.n_respondents) < 5)
    with pytest.raises(ModelError, match="at least 30 respondents"):
        factor_structure(few)
    with pytest.raises(ModelError, match="at least 6 respondents"):
        factor_structure(few, min_base=6)
    assert factor_structure(survey.subset(np.arange(survey.n_respondents) < 150)).n > 0


def test_pooled_reliability_counts_respondents_not_event_ratings():
    from cxlab.synth import make_study

    survey, _ = make_study("banking", n_respondents=300, seed=2)
    few = survey.subset(np.arange(survey.n_respondents) < 12)  # 12 people, many ratings
    table = scale_reliability(few, by_event=False, min_base=30)
    assert (table["n"] >= 30).all()  # enough rows ...
    assert table[["alpha", "omega"]].isna().all().all()  # ... but only 12 respondents
