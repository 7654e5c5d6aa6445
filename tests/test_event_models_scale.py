"""The event-level models at scale (issue #14): the fast paths against the plain formulas.

The advocacy design, the wide matrix of the ordinal drivers, the per-event diagnosis,
the investment model's per-event weights and the pooled reliabilities are built from
integer respondent / event codes (np.bincount, one stable sort, cross-products) instead
of pandas pivots, groupbys and ``DataFrame.cov``. These tests pin them against the
pandas formulas they replace and check that the answers do not depend on how the
respondent id is stored (strings, a Categorical whose categories are the respondents,
a Categorical with other categories, integers), weighted and unweighted, with missing
ratings.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cxlab._diagnosis import advocacy_design, diagnose
from cxlab._stats import cluster_wls
from cxlab.advocacy_drivers import _pivot, advocacy_drivers
from cxlab.drivers import investment_weighting
from cxlab.reliability import _pooled, cronbach_alpha, factor_structure, scale_reliability
from cxlab.survey import respondent_positions
from cxlab.synth import make_study

RTOL = 1e-10
ID_KINDS = ("string", "categorical", "categorical_other", "integer")


@pytest.fixture(scope="module")
def study():
    """A banking study with missing ratings: some satisfaction, performance and
    recommend answers blanked, one event row of a respondent not in the respondents."""
    survey, _ = make_study("banking", n_respondents=400, seed=3)
    rng = np.random.default_rng(1)
    et = survey.event_table()
    et.loc[rng.random(len(et)) < 0.05, "satisfaction"] = np.nan
    et.loc[rng.random(len(et)) < 0.03, "performance"] = np.nan
    resp = survey.respondents.copy()
    resp.loc[rng.random(len(resp)) < 0.03, "recommend"] = np.nan
    return survey, et, resp


def _ids_as(kind: str, et: pd.DataFrame, resp: pd.DataFrame):
    """The same study with the respondent id stored as ``kind``."""
    ids = resp["respondent_id"].astype(object)
    et, resp = et.copy(), resp.copy()
    if kind == "string":  # text, whatever the loader made of it
        et["respondent_id"] = et["respondent_id"].astype(object).astype(str)
        resp["respondent_id"] = ids.astype(str)
        return et, resp
    if kind == "categorical":
        cats = pd.Index(ids)
    elif kind == "categorical_other":  # categories not the respondents: shuffled, one extra
        cats = pd.Index(list(ids[::-1]) + ["nobody"])
    else:
        number = dict(zip(ids, 7 + 3 * np.arange(len(ids)), strict=True))
        resp["respondent_id"] = ids.map(number).astype(np.int64)
        et["respondent_id"] = et["respondent_id"].astype(object).map(number).astype(np.int64)
        return et, resp
    et["respondent_id"] = pd.Categorical(et["respondent_id"].astype(object), categories=cats)
    return et, resp


def _survey(survey, et, resp):
    """A duck-typed survey with this event table and these respondents."""
    return SimpleNamespace(
        event_table=lambda: et.copy(deep=False),
        respondents=resp,
        events=survey.events,
        tactile_attributes=survey.tactile_attributes,
        emotive_attributes=survey.emotive_attributes,
    )


def _assert_frames_close(a: pd.DataFrame, b: pd.DataFrame):
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind in "fiub" and y.dtype.kind in "fiub":
            np.testing.assert_allclose(x.astype(float), y.astype(float), rtol=RTOL, atol=1e-12)
        else:
            assert list(x) == list(y), col


# --------------------------------------------------------------------------- codes
@pytest.mark.parametrize("kind", ID_KINDS)
def test_respondent_positions_link_rows_to_respondents(study, kind):
    _, et, resp = study
    et, resp = _ids_as(kind, et, resp)
    et = pd.concat([et, et.iloc[:2]], ignore_index=True)
    if kind == "integer":
        et.loc[et.index[-1], "respondent_id"] = -5  # not a respondent
    elif kind == "string":
        et.loc[et.index[-1], "respondent_id"] = "stranger"
    else:
        et["respondent_id"] = et["respondent_id"].cat.add_categories("stranger")
        et.loc[et.index[-1], "respondent_id"] = "stranger"
    pos = respondent_positions(et, resp, match=True)
    expected = pd.Index(resp["respondent_id"].astype(object)).get_indexer(
        et["respondent_id"].astype(object)
    )
    np.testing.assert_array_equal(pos, expected)
    assert pos[-1] == -1 and (pos[:-1] >= 0).all()


# --------------------------------------------------------------------------- advocacy design
def _advocacy_design_reference(et, resp, weights, outcome="recommend"):
    """The pivot-table formula advocacy_design replaced."""
    wide = et.pivot_table(
        index="respondent_id", columns="event_id", values="satisfaction", aggfunc="mean"
    )
    wide.columns = wide.columns.astype(object)
    r = resp.set_index("respondent_id")
    r = r.loc[r[outcome].notna()]
    vals = wide.reindex(r.index).to_numpy(dtype=float)
    w = np.ones(len(r)) if weights is None else r[weights].to_numpy(float)
    rated = np.isfinite(vals)
    wr = np.where(rated, w[:, None], 0.0)
    means = np.nansum(np.where(rated, vals, 0.0) * wr, axis=0) / wr.sum(axis=0)
    keep = rated.sum(axis=0) >= 2
    dev = np.where(rated, vals - means, 0.0)[:, keep]
    return {
        "X": np.column_stack([np.ones(len(r)), dev]),
        "events": list(wide.columns[keep]),
        "rated": rated[:, keep],
    }


@pytest.mark.parametrize("kind", ID_KINDS)
@pytest.mark.parametrize("weights", ["weight", None])
def test_advocacy_design_equals_the_pivot_table(study, kind, weights):
    _, et, resp = study
    et, resp = _ids_as(kind, et, resp)
    # a duplicated rating (averaged) and a row of someone who is not a respondent
    extra = et.iloc[[0, 1]].copy()
    extra["satisfaction"] = [1.0, 9.0]
    stranger = et.iloc[[2]].copy()
    if kind == "integer":
        stranger["respondent_id"] = -1
    elif kind == "string":
        stranger["respondent_id"] = "stranger"
    else:
        stranger["respondent_id"] = stranger["respondent_id"].cat.add_categories("stranger")
        stranger.loc[:, "respondent_id"] = "stranger"
        et["respondent_id"] = et["respondent_id"].cat.add_categories("stranger")
    et = pd.concat([et, extra, stranger], ignore_index=True)
    ours = advocacy_design(et, resp, weights, "recommend")
    ref = _advocacy_design_reference(et, resp, weights)
    assert ours["events"] == ref["events"]
    np.testing.assert_array_equal(ours["rated"], ref["rated"])
    np.testing.assert_allclose(ours["X"], ref["X"], rtol=RTOL, atol=1e-12)


# --------------------------------------------------------------------------- diagnosis
@pytest.fixture(scope="module")
def diagnosed(study):
    survey, et, resp = study
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind in ID_KINDS:
            e, r = _ids_as(kind, et, resp)
            for weights in ("weight", None):
                out[kind, weights] = diagnose(_survey(survey, e, r), weights=weights, min_base=0)
    return out


@pytest.mark.parametrize("kind", ID_KINDS[1:])
@pytest.mark.parametrize("weights", ["weight", None])
def test_diagnosis_does_not_depend_on_how_ids_are_stored(diagnosed, kind, weights):
    _assert_frames_close(diagnosed[kind, weights], diagnosed["string", weights])


@pytest.mark.parametrize("weights", ["weight", None])
def test_diagnosis_bases_and_slopes_are_the_plain_formulas(study, diagnosed, weights):
    _, et, _ = study
    d = diagnosed["string", weights].set_index("event_id")
    w = et["weight"] if weights else pd.Series(1.0, index=et.index)
    by = et.assign(_w=w).groupby("event_id", observed=True)
    np.testing.assert_array_equal(d["n"], by["respondent_id"].nunique().reindex(d.index))
    np.testing.assert_allclose(d["base"], by["_w"].sum().reindex(d.index), rtol=RTOL)
    for event_id, part in by:
        part = part.dropna(subset=["performance", "satisfaction"])
        fit = sm.WLS(
            part["satisfaction"], sm.add_constant(part["performance"]), weights=part["_w"]
        ).fit(cov_type="HC1")
        assert d.loc[event_id, "satisfaction_impact"] == pytest.approx(
            fit.params["performance"], rel=RTOL
        )
        assert d.loc[event_id, "satisfaction_impact_se"] == pytest.approx(
            fit.bse["performance"], rel=1e-8
        )


# --------------------------------------------------------------------------- ordinal drivers
@pytest.mark.parametrize("kind", ID_KINDS)
def test_wide_ratings_equal_pivot_table_reindexed(study, kind):
    _, et, resp = study
    et, resp = _ids_as(kind, et, resp)
    et = et.copy()
    et.loc[et["event_id"] == et["event_id"].iloc[0], "tactile"] = np.nan  # a pair never rated
    measures = ["tactile", "satisfaction"]
    ref = et.pivot_table(
        index="respondent_id", columns="event_id", values=measures, observed=True
    ).reindex(resp["respondent_id"])
    ours = _pivot(resp, et, sorted(measures))
    assert ours.columns.equals(ref.columns)
    np.testing.assert_array_equal(ours.to_numpy(), ref.to_numpy())


@pytest.mark.parametrize("kind", ID_KINDS[1:])
def test_advocacy_drivers_do_not_depend_on_how_ids_are_stored(study, kind):
    _, et, resp = study
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = advocacy_drivers((resp, et), measure=["satisfaction", "tactile"])
        ours = advocacy_drivers(_ids_as(kind, et, resp)[::-1], measure=["satisfaction", "tactile"])
    _assert_frames_close(ours.table, ref.table)
    _assert_frames_close(ours.coefficients, ref.coefficients)


# --------------------------------------------------------------------------- investment model
@pytest.mark.parametrize("kind", ID_KINDS)
@pytest.mark.parametrize("weights", ["weight", None])
def test_investment_by_event_is_the_plain_formula(study, kind, weights):
    _, et, resp = study
    et, _ = _ids_as(kind, et, resp)
    res = investment_weighting(et, weights=weights)
    cols = ["satisfaction", "tactile", "emotive", "personal_investment"]
    used = et.dropna(subset=cols + (["weight"] if weights else []))
    w = used["weight"] if weights else pd.Series(1.0, index=used.index)
    g = used.assign(_pw=used["personal_investment"] * w, _w=w).groupby("event_id", observed=True)
    ref = (g["_pw"].sum() / g["_w"].sum()).rename("investment")
    ours = res.by_event.set_index("event_id")
    np.testing.assert_allclose(ours["investment"], ref.reindex(ours.index), rtol=RTOL)
    np.testing.assert_array_equal(ours["n"], g.size().reindex(ours.index))
    # the coefficients: statsmodels' cluster-robust WLS
    x = used["personal_investment"]
    exog = pd.DataFrame(
        {
            "const": 1.0,
            "tactile": used["tactile"],
            "emotive": used["emotive"],
            "pi": x,
            "t_pi": used["tactile"] * x,
            "e_pi": used["emotive"] * x,
        }
    )
    groups = pd.factorize(used["respondent_id"])[0]
    fit = sm.WLS(used["satisfaction"], exog, weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    np.testing.assert_allclose(res.coefficients["estimate"], fit.params, rtol=1e-9)
    np.testing.assert_allclose(res.coefficients["se"], fit.bse, rtol=1e-8)
    assert res.n_respondents == len(np.unique(groups))


def test_cluster_wls_leaves_its_inputs_alone_and_returns_residuals():
    rng = np.random.default_rng(0)
    x = np.column_stack([np.ones(500), rng.normal(size=(500, 2))])
    y = x @ [1.0, 2.0, -1.0] + rng.normal(size=500)
    w = rng.uniform(0.5, 2, 500)
    codes = rng.integers(0, 120, 500)
    x0, y0, w0 = x.copy(), y.copy(), w.copy()
    fit = cluster_wls(x, y, w, codes)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_allclose(fit.resid, y - x @ fit.beta, rtol=1e-12)
    ref = sm.WLS(y, x, weights=w).fit(cov_type="cluster", cov_kwds={"groups": codes})
    np.testing.assert_allclose(fit.cov, ref.cov_params(), rtol=1e-9)


# --------------------------------------------------------------------------- reliability
def _pooled_reference(table, cols):
    """Items centred within event (groupby transform), pandas' pairwise covariances."""
    x = table[cols].astype(float)
    centred = x - x.groupby(table["event_id"].to_numpy()).transform("mean")
    n = int((centred.notna().sum(axis=1) >= 2).sum())
    return centred.cov(min_periods=2).to_numpy(), n


@pytest.mark.parametrize("kind", ID_KINDS)
def test_pooled_covariances_equal_pandas(study, kind):
    survey, et, resp = study
    et, resp = _ids_as(kind, et, resp)
    et = et.copy()
    et.loc[et.index[:7], "event_id"] = np.nan  # rows without an event are left out
    scales = {"tactile": survey.tactile_attributes, "emotive": survey.emotive_attributes}
    ours = _pooled(et, scales)
    for name, cols in scales.items():
        c_ref, n_ref = _pooled_reference(et, cols)
        np.testing.assert_allclose(ours[name][0], c_ref, rtol=1e-10, atol=1e-13)
        assert ours[name][1] == n_ref


def test_pairwise_alpha_equals_pandas_covariances(banking):
    survey, _ = banking
    items = survey.event_table()[survey.tactile_attributes]
    c = items.cov(min_periods=2).to_numpy()
    k = c.shape[0]
    expected = k / (k - 1) * (1 - np.trace(c) / c.sum())
    assert cronbach_alpha(items, pairwise=True) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("kind", ID_KINDS[1:])
def test_reliability_does_not_depend_on_how_ids_are_stored(study, kind):
    survey, et, resp = study
    ref = _survey(survey, et, resp)
    ours = _survey(survey, *_ids_as(kind, et, resp))
    _assert_frames_close(scale_reliability(ours), scale_reliability(ref))
    _assert_frames_close(factor_structure(ours).table, factor_structure(ref).table)


@pytest.mark.parametrize("kind", ID_KINDS[1:])
def test_segmented_diagnosis_and_weights_from_respondents_do_not_depend_on_ids(study, kind):
    survey, et, resp = study
    e, r = _ids_as(kind, et, resp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = diagnose(_survey(survey, e, r), by="country", min_base=0)
        ref = diagnose(_survey(survey, et, resp), by="country", min_base=0)
        _assert_frames_close(ours, ref)
        # the weights merged in from the respondents when the event table lacks them
        ours = diagnose(_survey(survey, e.drop(columns="weight"), r), min_base=0)
        _assert_frames_close(ours, diagnose(_survey(survey, et, resp), min_base=0))
