"""The advocacy model's design from integer codes (issue 14) is the pivot table of
the earlier implementation: mean satisfaction per respondent x event, rows of the
respondents who answered the outcome, events in sorted order; for string, categorical
and integer ids, weighted or not, with missing ratings and with ratings of unknown
respondents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlab._diagnosis import advocacy_design
from cxlab.synth import make_study


def _pivot_wide(event_table, respondents, outcome):
    """The earlier implementation's wide table (pandas pivot_table on the ids)."""
    wide = event_table.pivot_table(
        index="respondent_id", columns="event_id", values="satisfaction", aggfunc="mean"
    )
    wide.columns = wide.columns.astype(object)
    resp = respondents.set_index("respondent_id")
    return wide.reindex(resp.index[resp[outcome].notna()])


@pytest.fixture(scope="module")
def study():
    survey, _ = make_study("banking", n_respondents=500, seed=4)
    return survey.event_table(), survey.respondents.copy()


@pytest.mark.parametrize("ids", ["string", "categorical", "integer"])
@pytest.mark.parametrize("weights", [None, "weight"])
def test_the_design_is_the_pivot_tables(study, ids, weights):
    et, resp = study
    et, resp = et.copy(), resp.copy()
    rng = np.random.default_rng(0)
    et.loc[rng.random(len(et)) < 0.05, "satisfaction"] = np.nan  # missing ratings
    resp.loc[rng.random(len(resp)) < 0.05, "recommend"] = np.nan  # no outcome
    et = pd.concat([et, et.iloc[:3].assign(respondent_id="nobody")], ignore_index=True)
    et = pd.concat([et, et.iloc[5:9]], ignore_index=True)  # a second rating of a pair
    if ids == "integer":
        codes = {r: i * 7 for i, r in enumerate(resp["respondent_id"])}
        codes["nobody"] = -1
        resp["respondent_id"] = resp["respondent_id"].map(codes)
        et["respondent_id"] = et["respondent_id"].astype(object).map(codes)
    elif ids == "categorical":
        et["respondent_id"] = pd.Categorical(
            et["respondent_id"].astype(object),
            categories=pd.Index(resp["respondent_id"].astype(object)),
        )
    if weights:
        resp["weight"] = rng.uniform(0.5, 2.0, len(resp))
    new = advocacy_design(et, resp, weights, "recommend")
    wide = _pivot_wide(et, resp, "recommend")
    keep = wide.notna().sum() >= 2
    assert new["events"] == list(wide.columns[keep])
    vals = wide.loc[:, keep].to_numpy(float)
    answered = resp["recommend"].notna().to_numpy()
    w = np.ones(answered.sum()) if weights is None else resp.loc[answered, "weight"].to_numpy()
    means = [np.average(v[np.isfinite(v)], weights=w[np.isfinite(v)]) for v in vals.T]
    np.testing.assert_allclose(new["means"], means, rtol=1e-12)
    assert np.array_equal(new["rated"], np.isfinite(vals))
    dev = np.where(np.isfinite(vals), vals - np.array(means), 0.0)
    np.testing.assert_allclose(new["X"][:, 1:], dev, rtol=1e-12, atol=1e-12)
    assert (new["X"][:, 0] == 1).all()
    np.testing.assert_allclose(new["y"], resp.loc[answered, "recommend"].to_numpy(float))
    np.testing.assert_allclose(new["w"], w)
    assert np.array_equal(resp["respondent_id"].to_numpy()[new["rows"]], new["respondent_id"])
