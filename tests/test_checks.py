"""The one input-checking module (cxlab._checks): one weight rule, one error text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlab._checks import (
    WEIGHT_RULE,
    Design,
    align,
    check_min_base,
    check_weights,
    resolve,
    resolve_weights,
)
from cxlab.errors import DataError, ParameterError


def test_check_weights_refuses_negative_infinite_and_missing_with_rows():
    with pytest.raises(DataError, match=WEIGHT_RULE) as err:
        check_weights(pd.Series([1.0, -1.0, np.inf, np.nan], name="w"))
    assert err.value.rows == [2, 3, 4] and err.value.column == "w"
    # callers that drop incomplete rows let missing weights through, never negative ones
    out = check_weights([1.0, np.nan], "w", allow_missing=True)
    assert out[0] == 1.0 and np.isnan(out[1])
    with pytest.raises(DataError, match=WEIGHT_RULE):
        check_weights([1.0, -2.0, np.nan], "w", allow_missing=True)


def test_resolve_weights_and_series_resolution():
    df = pd.DataFrame({"w": [1.0, 2.0], "x": [3, 4]})
    assert resolve_weights("w", df, 2).tolist() == [1.0, 2.0]
    assert resolve_weights(None, df, 2).tolist() == [1.0, 1.0]
    with pytest.raises(DataError, match="weight column not found"):
        resolve_weights("nope", df, 2)
    with pytest.raises(ParameterError, match="no data="):
        resolve("x", None, "scores")
    s = pd.Series([5, 6], index=[1, 0])
    assert align(s, pd.Index([0, 1]), "x").tolist() == [6, 5]
    with pytest.raises(DataError, match="same index"):
        align(pd.Series([1, 2], index=[7, 8]), pd.Index([0, 1]), "x")


@pytest.mark.parametrize("bad", [-1, None, float("nan"), True, "30"])
def test_check_min_base_refuses_what_is_not_a_count(bad):
    with pytest.raises(ParameterError, match="min_base"):
        check_min_base(bad)


def test_design_codes_segments_and_respondent_clusters():
    df = pd.DataFrame(
        {"respondent_id": ["a", "a", "b"], "seg": ["x", "y", None], "weight": [1.0, 1, 2]}
    )
    d = Design(df, "weight", "seg", "auto")
    assert d.cluster == "respondent_id" and d.cl.tolist() == [0, 0, 1]
    assert d.g.tolist() == [0, 1, -1] and d.G == 2
    assert Design(df.drop_duplicates("respondent_id"), None, None, "auto").cl is None


def _neg(df, col="weight"):
    return df.assign(**{col: np.r_[-1.0, np.ones(len(df) - 1)]})


@pytest.mark.parametrize(
    "call",
    [
        "weighted_mean",
        "net_advocacy",
        "advocacy_economics",
        "relative_importance",
        "investment_weighting",
    ],
)
def test_every_estimator_refuses_negative_weights_with_the_one_rule(call):
    from cxlab.synth import make_study

    survey, _ = make_study("banking", n_respondents=120, seed=3)
    r, et = survey.respondents, survey.event_table()
    with pytest.raises(DataError, match=WEIGHT_RULE):
        if call == "weighted_mean":
            from cxlab.estimates import weighted_mean

            weighted_mean(_neg(r), "recommend", weights="weight")
        elif call == "net_advocacy":
            from cxlab.segments import net_advocacy

            net_advocacy("recommend", weights="weight", data=_neg(r))
        elif call == "advocacy_economics":
            from cxlab.economics import advocacy_economics

            advocacy_economics(_neg(r), weights="weight")
        elif call == "relative_importance":
            from cxlab.importance import relative_importance

            d = et.dropna(subset=["satisfaction", "tactile", "emotive"]).reset_index(drop=True)
            relative_importance(_neg(d), "satisfaction", ["tactile", "emotive"], weights="weight")
        else:
            from cxlab.drivers import investment_weighting

            d = et.dropna(subset=["satisfaction", "tactile", "emotive", "personal_investment"])
            investment_weighting(_neg(d.reset_index(drop=True)), weights="weight")


def test_old_keyword_names_still_work_with_a_future_warning():
    from cxlab.cfe import maturity
    from cxlab.estimates import weighted_mean
    from cxlab.synth import make_executive_study

    df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 1, 3]})
    new = weighted_mean(df, "y", weights="w", min_base=1)
    with pytest.warns(FutureWarning, match="weight= is now called weights="):
        old = weighted_mean(df, "y", weight="w", min_base=1)
    pd.testing.assert_frame_equal(new, old)
    with pytest.raises(ParameterError, match="pass weights= only"):
        weighted_mean(df, "y", weight="w", weights="w")
    ex = make_executive_study(seed=0)[0]
    with pytest.warns(FutureWarning, match="competency="):
        old = maturity(ex, level="indicator", min_base=1)
    pd.testing.assert_frame_equal(old, maturity(ex, competency="indicator", min_base=1))
