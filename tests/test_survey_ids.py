"""The event table's respondent ids (issue #14): a Categorical whose categories are the
respondents' ids in order (codes = respondent positions), kept so by subset and
with_weights, correct through stacking waves; the event table and quality checks
built column by column equal the plain formulas."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cxlab.codebook import Codebook
from cxlab.survey import quality_checks, respondent_positions, survey_from_frame
from cxlab.synth import make_frame, make_study

pytestmark = pytest.mark.filterwarnings("ignore::cxlab.errors.DataQualityWarning")


@pytest.fixture(scope="module")
def survey():
    return make_study("banking", n_respondents=150, seed=4)[0]


def _check_ids(s):
    et = s.event_table()
    ids = et["respondent_id"]
    assert isinstance(ids.dtype, pd.CategoricalDtype)
    assert ids.cat.categories.equals(pd.Index(s.respondents["respondent_id"]))
    pos = respondent_positions(et, s.respondents)
    assert (s.respondents["respondent_id"].to_numpy()[pos] == ids.astype(str).to_numpy()).all()
    return et


def test_event_ids_are_categories_of_the_respondents_ids(survey):
    et = _check_ids(survey)
    np.testing.assert_array_equal(
        et["weight"].to_numpy(),
        survey.respondents["weight"].to_numpy()[et["respondent_id"].cat.codes.to_numpy()],
    )


def test_subset_keeps_the_categories_those_of_the_kept_respondents(survey):
    mask = np.arange(survey.n_respondents) % 3 != 0
    sub = survey.subset(mask)
    et = _check_ids(sub)
    full = survey.event_table()
    keep = full["respondent_id"].isin(sub.respondents["respondent_id"])
    expected = full[keep.to_numpy()].reset_index(drop=True)
    pd.testing.assert_series_equal(
        et["respondent_id"].astype(str), expected["respondent_id"].astype(str)
    )
    pd.testing.assert_frame_equal(
        et.drop(columns="respondent_id"), expected.drop(columns="respondent_id")
    )
    _check_ids(sub.subset(np.arange(sub.n_respondents) < 40))  # twice


def test_with_weights_replaces_only_the_weights(survey):
    w = np.linspace(0.5, 2.0, survey.n_respondents)
    re = survey.with_weights(w)
    et = _check_ids(re)
    by_id = pd.Series(w, index=survey.respondents["respondent_id"].to_numpy())
    expected = survey.event_table()["respondent_id"].astype(str).map(by_id).to_numpy()
    np.testing.assert_array_equal(et["weight"].to_numpy(), expected)
    old = survey.event_table()
    for col in ("tactile", "emotive", "satisfaction"):  # shared, not copied
        assert np.shares_memory(et[col].to_numpy(), old[col].to_numpy())
    pd.testing.assert_frame_equal(et.drop(columns="weight"), old.drop(columns="weight"))


def test_hand_built_event_table_falls_back_to_matching_ids(survey):
    """An event table whose ids are text (or other categories) is matched by id."""
    s = survey.subset(np.ones(survey.n_respondents, dtype=bool))
    et = s._event_data.assign(respondent_id=s._event_data["respondent_id"].astype("string"))
    object.__setattr__(s, "_event_data", et)
    assert respondent_positions(et, s.respondents) is None
    w = np.arange(1.0, s.n_respondents + 1)
    got = s.with_weights(w).event_table()
    ref = survey.with_weights(w).event_table()
    np.testing.assert_array_equal(got["weight"].to_numpy(), ref["weight"].to_numpy())
    sub = s.subset(np.arange(s.n_respondents) < 10)
    assert set(sub.event_table()["respondent_id"]) <= set(sub.respondents["respondent_id"])


def test_row_number_ids_stay_integers():
    frame, spec, _ = make_frame("banking", 40, 1)
    spec = dict(spec)
    spec.pop("respondent_id", None)
    s = survey_from_frame(frame.drop(columns=[frame.columns[0]]), Codebook.from_dict(spec))
    et = s.event_table()
    assert s.source["respondent_id"] == "row number"
    assert et["respondent_id"].dtype.kind == "i"
    w = np.arange(1.0, 41.0)
    np.testing.assert_array_equal(
        s.with_weights(w).event_table()["weight"].to_numpy(), w[et["respondent_id"] - 1]
    )


def test_stacked_waves_keep_every_id(survey):
    """Two waves stacked: distinct ids stay categories of the stacked respondents (in
    order); ids that repeat across waves are qualified with the wave, never lost."""
    from cxlab.waves import stack_waves

    other = make_study("banking", n_respondents=80, seed=5)[0]
    stacked = stack_waves({"2025": survey, "2026": other})
    et = stacked.event_table()
    ids = et["respondent_id"].astype(str)
    assert len(et) == len(survey.event_table()) + len(other.event_table())
    assert set(ids) == set(stacked.respondents["respondent_id"].astype(str))
    pos = respondent_positions(et, stacked.respondents)
    if pos is not None:
        assert (stacked.respondents["respondent_id"].to_numpy()[pos] == ids.to_numpy()).all()
    again = stack_waves({"2025": survey, "2026": survey})  # the same ids in both waves
    ids = again.event_table()["respondent_id"].astype(str)
    assert ids.str.startswith("2025:").sum() == ids.str.startswith("2026:").sum() > 0
    assert set(ids) == set(again.respondents["respondent_id"].astype(str))


def test_event_table_equals_the_plain_formula_with_fractional_ratings():
    """Composites from column-by-column building equal the whole-block formula, with
    ratings that are not whole numbers (so the order of additions matters)."""
    frame, spec, _ = make_frame("banking", 200, 9)
    cb = Codebook.from_dict(spec)
    rng = np.random.default_rng(0)
    frame = frame.copy()
    for ev in cb.events:
        for item in ev.items.values():
            col = frame[item.column].to_numpy(dtype=float)
            ok = (col >= item.scale.min + 0.5) & (col <= item.scale.max - 0.5)
            frame[item.column] = np.where(ok, col + rng.uniform(-0.49, 0.49, col.size), col)
    et = survey_from_frame(frame, cb).event_table()
    tactile = [a for a in cb.tactile_attributes if a in et]
    emotive = [a for a in cb.emotive_attributes if a in et]
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        t = np.nanmean(et[tactile].to_numpy(), axis=1)
        e = np.nanmean(et[emotive].to_numpy(), axis=1)
    block = et[tactile].to_numpy()
    n = (~np.isnan(block)).sum(axis=1)
    plain_t = np.where(n > 0, np.nansum(block, axis=1) / np.maximum(n, 1), np.nan)
    np.testing.assert_array_equal(et["tactile"].to_numpy(), plain_t)
    np.testing.assert_allclose(et["tactile"], t, rtol=1e-15)
    np.testing.assert_allclose(et["emotive"], e, rtol=1e-15)
    both = np.column_stack([et["tactile"], et["emotive"]])
    k = (~np.isnan(both)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        perf = np.where(k > 0, np.nansum(both, axis=1) / k, np.nan)
    np.testing.assert_array_equal(et["performance"].to_numpy(), perf)


def test_straight_lining_count_equals_the_groupby_formula(survey):
    """Respondents who gave one answer to every attribute, counted per respondent with
    ufunc.at on blocks of rows, equal the per-row min/max grouped by respondent."""
    et = survey.event_table()
    attrs = [a for a in (*survey.codebook.tactile_attributes, *survey.codebook.emotive_attributes)]
    attrs = [a for a in attrs if a in et]
    flat_ids = survey.respondents["respondent_id"].iloc[::7]
    rows = et["respondent_id"].isin(flat_ids).to_numpy()
    for a in attrs:  # straight-liners: every rated attribute 5
        v = et[a].to_numpy().copy()
        v[rows & ~np.isnan(v)] = 5.0
        et[a] = v
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        values = et[attrs].to_numpy()
        per_row = pd.DataFrame(
            {
                "lo": np.nanmin(values, axis=1),
                "hi": np.nanmax(values, axis=1),
                "n": (~np.isnan(values)).sum(axis=1),
            }
        )
    stats = per_row.groupby(pd.factorize(et["respondent_id"])[0]).agg(
        {"lo": "min", "hi": "max", "n": "sum"}
    )
    expected = int(((stats["lo"] == stats["hi"]) & (stats["n"] >= 6)).sum())
    q = quality_checks(survey.respondents, survey.codebook, et, respondents=survey.respondents)
    got = q.loc[q["check"] == "straight-lining", "n_flagged"].item()
    assert got == expected >= len(flat_ids) // 2
    text_ids = et.assign(respondent_id=et["respondent_id"].astype(str))  # factorized path
    q = quality_checks(
        survey.respondents, survey.codebook, text_ids, respondents=survey.respondents
    )
    assert q.loc[q["check"] == "straight-lining", "n_flagged"].item() == expected
