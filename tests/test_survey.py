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
