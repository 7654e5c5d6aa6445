"""The Survey data model: event table, tidy ratings, subsets and weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlab.errors import DataError


def test_event_table_columns_and_composites(banking):
    survey, _ = banking
    table = survey.event_table()
    for col in (
        "respondent_id",
        "event_id",
        "stage",
        "channel",
        "weight",
        "significance",
        "personal_investment",
        "brand_expectation",
        "baseline_expectation",
        "tactile",
        "emotive",
        "performance",
        "satisfaction",
        "brand_gap",
        "baseline_gap",
    ):
        assert col in table.columns
    tac = table[survey.tactile_attributes].mean(axis=1)
    np.testing.assert_allclose(table["tactile"], tac)
    np.testing.assert_allclose(
        table["brand_gap"], table["performance"] - table["brand_expectation"]
    )
    assert table["stage"].cat.ordered
    assert list(table["stage"].cat.categories) == survey.stages
    assert not table.duplicated(["respondent_id", "event_id"]).any()


def test_event_table_is_a_copy(banking):
    survey, _ = banking
    table = survey.event_table()
    table["tactile"] = 0
    assert survey.event_table()["tactile"].max() > 0


def test_ratings_are_tidy(banking):
    survey, _ = banking
    ratings = survey.ratings
    assert list(ratings.columns) == [
        "respondent_id",
        "event_id",
        "stage",
        "channel",
        "item",
        "kind",
        "value",
    ]
    assert set(ratings["kind"].cat.categories) == {
        "tactile",
        "emotive",
        "expectation",
        "importance",
        "outcome",
    }
    assert ratings["value"].notna().all()
    table = survey.event_table()
    n_cells = (
        table[[c for c in table.columns if c in set(ratings["item"].cat.categories)]]
        .notna()
        .sum()
        .sum()
    )
    assert len(ratings) == n_cells


def test_events_metadata(automotive):
    survey, _ = automotive
    ev = survey.events
    assert list(ev.columns) == [
        "event_id",
        "name",
        "stage",
        "channel",
        "lens_driver",
        "lens_capability",
        "lens_initiative",
        "stage_order",
    ]
    assert ev["stage_order"].is_monotonic_increasing
    assert set(ev["lens_driver"]) <= {"loyalty", "retention", "pain"}


def test_subset_and_weights(banking):
    survey, _ = banking
    uk = survey.subset(survey.respondents["country"] == "UK")
    assert set(uk.respondents["country"]) == {"UK"}
    assert set(uk.event_table()["respondent_id"]) <= set(uk.respondents["respondent_id"])
    w = np.linspace(0.5, 2, survey.n_respondents)
    weighted = survey.with_weights(w)
    table = weighted.event_table()
    lookup = pd.Series(w, index=survey.respondents["respondent_id"])
    np.testing.assert_allclose(table["weight"], table["respondent_id"].map(lookup))
    with pytest.raises(DataError, match="weights have length"):
        survey.with_weights(w[:10])


def test_repr_names_sizes(banking):
    survey, _ = banking
    assert "631 respondents" in repr(survey)


def test_subset_recomputes_its_own_quality_checks():
    """Issue 12, item 6: a filtered survey must not report the whole file's checks."""
    import warnings

    from cxlab.errors import DataQualityWarning
    from cxlab.synth import make_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        survey, _ = make_study("banking", n_respondents=400, seed=3)
    table = survey.event_table()
    attrs = survey.tactile_attributes + survey.emotive_attributes
    per = table.groupby("respondent_id")[attrs].agg(["min", "max"])
    lo = per.xs("min", axis=1, level=1).min(axis=1)
    hi = per.xs("max", axis=1, level=1).max(axis=1)
    n_items = table.groupby("respondent_id")[attrs].count().sum(axis=1)
    flat_ids = set(per.index[(lo == hi) & (n_items >= 6)])
    keep = ~survey.respondents["respondent_id"].isin(flat_ids).to_numpy()
    keep[:5] = True  # some straight-liners may remain among the first five
    sub = survey.subset(keep)
    row = sub.quality.set_index("check").loc["straight-lining"]
    expected = len(flat_ids & set(sub.respondents["respondent_id"]))
    assert row["n_flagged"] == expected
    assert row["share"] == pytest.approx(expected / sub.n_respondents)
    full = survey.quality.set_index("check").loc["straight-lining"]
    assert full["n_flagged"] == len(flat_ids)


def test_non_finite_numbers_in_a_frame_are_refused():
    """Issue 12, item 11, for frames built in memory (the loaders refuse them too)."""
    from cxlab.codebook import Codebook
    from cxlab.errors import DataError
    from cxlab.survey import survey_from_frame
    from cxlab.synth import make_frame

    frame, spec, _ = make_frame("banking", 40, 2)
    column = spec["respondent_items"]["spend"]["column"]
    frame.loc[[1, 4], column] = [np.inf, 1e308]
    with pytest.raises(DataError, match="infinite or overflowing") as err:
        survey_from_frame(frame, Codebook.from_dict(spec))
    assert err.value.column == column and err.value.rows == [3, 6]
