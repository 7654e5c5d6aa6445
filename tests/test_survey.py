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


# ------------------------------------------------------------ issue 11: real files
import warnings  # noqa: E402

from cxlab.codebook import Codebook  # noqa: E402
from cxlab.errors import DataQualityWarning  # noqa: E402
from cxlab.survey import CORE_EVENT_COLUMNS, survey_from_frame  # noqa: E402


def _respondent_level(n=40, seed=3):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "q1": rng.integers(1, 8, n).astype(float),
            "q2": rng.integers(1, 8, n).astype(float),
            "q3": rng.integers(1, 8, n).astype(float),
            "yn": rng.choice([1.0, 2.0], n),
            "age": rng.integers(18, 95, n).astype(float),
        }
    )
    frame.loc[[0, 5], "q1"] = -99.0
    frame.loc[[5, 7], "q2"] = -99.0
    spec = {
        "missing_codes": [-99],
        "default_scale": {"min": 1, "max": 7},
        "demographics": {"age": {"column": "age", "type": "numeric"}},
        "respondent_items": {
            "s1": {"column": "q1", "type": "rating"},
            "s2": {"column": "q2", "type": "rating"},
            "s3": {"column": "q3", "type": "rating"},
            "contacted": {"column": "yn", "type": "binary", "recode": {1: 1, 2: 0}},
        },
        "derived": {
            "sat": {"mean": ["s1", "s2", "s3"], "min_valid": 2},
            "total": {"sum": ["s1", "s2", "s3"], "min_valid": 2},
            "sat_all": {"mean": ["s1", "s2", "s3"]},
            "top": {"top_box": {"item": "s3", "min": 6}},
        },
    }
    return frame, Codebook.from_dict(spec)


def test_survey_without_events_or_ids():
    frame, cb = _respondent_level()
    survey = survey_from_frame(frame, cb, file="s.csv")
    resp = survey.respondents
    assert resp["respondent_id"].tolist() == list(range(1, len(frame) + 1))
    assert survey.source["respondent_id"] == "row number"
    assert len(survey.events) == 0
    assert list(survey.events.columns) == [
        "event_id",
        "name",
        "stage",
        "channel",
        "lens_driver",
        "lens_capability",
        "lens_initiative",
        "stage_order",
    ]
    table = survey.event_table()
    assert len(table) == 0 and tuple(table.columns) == CORE_EVENT_COLUMNS
    assert len(survey.ratings) == 0
    assert survey.tactile_attributes == [] and survey.emotive_attributes == []
    assert "0 events" in repr(survey)
    sub = survey.subset(resp["s3"] > 3)
    assert sub.n_respondents == int((resp["s3"] > 3).sum()) and len(sub.event_table()) == 0
    weighted = survey.with_weights(np.linspace(0.5, 2, len(frame)))
    assert weighted.respondents["weight"].iloc[-1] == 2
    assert set(survey.quality["check"]) <= {"straight-lining", "item non-response"}


def test_recodes_missing_codes_and_derived_items():
    frame, cb = _respondent_level()
    resp = survey_from_frame(frame, cb).respondents
    assert resp["contacted"].tolist() == (frame["yn"] == 1).astype(float).tolist()
    clean = frame[["q1", "q2", "q3"]].where(frame[["q1", "q2", "q3"]] != -99)
    assert resp["s1"].isna().sum() == 2 and resp["s1"].min() >= 1
    answered = clean.notna().sum(axis=1)
    expected_mean = clean.mean(axis=1).where(answered >= 2)
    np.testing.assert_allclose(resp["sat"], expected_mean)
    np.testing.assert_allclose(resp["total"], (clean.mean(axis=1) * 3).where(answered >= 2))
    np.testing.assert_allclose(resp["sat_all"], clean.mean(axis=1).where(answered == 3))
    assert resp.loc[5, "sat"] != resp.loc[5, "sat"]  # only one answer left: missing
    np.testing.assert_array_equal(resp["top"], (clean["q3"] >= 6).astype(float))
    assert cb.respondent_items["sat"].scale.max == 7


@pytest.mark.filterwarnings("ignore::cxlab.errors.DataQualityWarning")
def test_text_recode_and_recode_to_missing():
    frame = pd.DataFrame({"a": ["Yes", "no", "YES", "n/a", ""], "b": [1.0, 2.0, 3.0, 1.0, 2.0]})
    cb = Codebook.from_dict(
        {
            "respondent_items": {
                "a": {"column": "a", "type": "binary", "recode": {"yes": 1, "no": 0, "n/a": None}},
                "b": {"column": "b", "type": "numeric", "recode": {3: None}},
            }
        }
    )
    resp = survey_from_frame(frame, cb).respondents
    np.testing.assert_array_equal(resp["a"], [1, 0, 1, np.nan, np.nan])
    np.testing.assert_array_equal(resp["b"], [1, 2, np.nan, 1, 2])


def test_binary_without_recode_names_the_fix():
    frame = pd.DataFrame({"yn": [1.0, 2.0, 1.0]})
    cb = Codebook.from_dict({"respondent_items": {"c": {"column": "yn", "type": "binary"}}})
    with pytest.raises(DataError, match=r"column 'yn', row 3: values outside a yes/no item"):
        survey_from_frame(frame, cb, file="f.csv")


def test_age_bands_from_the_data_cover_the_real_range():
    frame, cb = _respondent_level(n=300)
    frame.loc[0, "age"], frame.loc[1, "age"] = 18.0, 94.0
    survey = survey_from_frame(frame, cb)
    bands = survey.respondents["age_band"]
    labels = list(bands.cat.categories)
    assert bands.cat.ordered and labels[0].startswith("18-") and labels[-1].endswith("-94")
    assert "45-65" not in labels and bands.notna().all()
    assert survey.source["age_bands"].startswith("from the data")
    old = survey.respondents.loc[survey.respondents["age"] >= 80, "age_band"]
    assert set(old) == {"75-84", "85-94"} & set(old)
    for label, group in survey.respondents.groupby("age_band", observed=True)["age"]:
        lo, hi = (float(x) for x in label.split("-"))
        assert group.min() >= lo and group.max() <= hi


def test_age_bands_from_the_codebook_and_ages_outside_them():
    frame = pd.DataFrame({"age": [18.0, 29, 30, 64, 65, 94, np.nan]})
    spec = {"demographics": {"age": {"column": "age", "bands": [18, 30, 65, 120]}}}
    resp = survey_from_frame(frame, Codebook.from_dict(spec)).respondents
    assert resp["age_band"].astype(object).tolist()[:6] == [
        "18-29",
        "18-29",
        "30-64",
        "30-64",
        "65-120",
        "65-120",
    ]
    assert pd.isna(resp["age_band"].iloc[6])
    spec["demographics"]["age"]["bands"] = {"adult": [18, 64]}
    with pytest.raises(DataError, match=r"column 'age', rows 6, 7: values outside every band"):
        survey_from_frame(frame, Codebook.from_dict(spec), file="f.csv")


def test_sample_age_bands_match_the_weighting_targets(banking):
    # the sample's bands are identical to the former hard-coded 18-29/30-44/45-65 cut
    survey, _ = banking
    resp = survey.respondents
    old = pd.cut(
        resp["age"], bins=[-np.inf, 29.5, 44.5, np.inf], labels=["18-29", "30-44", "45-65"]
    )
    pd.testing.assert_series_equal(resp["age_band"], old, check_names=False)


def test_suspicious_constant_in_a_numeric_item_is_flagged():
    rng = np.random.default_rng(2)
    visits = rng.poisson(4, 200).astype(float)
    visits[[3, 50, 120]] = -99.0
    visits[7] = 9999.0
    frame = pd.DataFrame({"v": visits})
    cb = Codebook.from_dict({"respondent_items": {"visits": {"column": "v", "type": "numeric"}}})
    with pytest.warns(DataQualityWarning, match=r"value -99 in column 'v'") as record:
        survey = survey_from_frame(frame, cb, file="f.csv")
    assert "value 9999 in column 'v'" in str(record[0].message)
    rows = survey.quality.query("check == 'suspicious constant'")
    assert sorted(rows["n_flagged"]) == [1, 3] and set(rows["column"]) == {"v"}
    # once declared as missing codes the values no longer flow into means
    cb = Codebook.from_dict(
        {
            "respondent_items": {
                "visits": {"column": "v", "type": "numeric", "missing_codes": [-99, 9999]}
            }
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        clean = survey_from_frame(frame, cb)
    assert clean.respondents["visits"].max() < 20 and clean.respondents["visits"].isna().sum() == 4


def test_no_warning_for_honest_numeric_items():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"spend": rng.lognormal(6, 1, 300), "kids": rng.integers(0, 4, 300)})
    frame.loc[0, "kids"] = 9  # a big family, not a code: within reach of the others
    cb = Codebook.from_dict(
        {"respondent_items": {"spend": "spend", "kids": {"column": "kids", "type": "numeric"}}}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        survey_from_frame(frame, cb)


def test_every_data_problem_is_reported_at_once():
    frame, spec, _ = __import__("cxlab.synth", fromlist=["make_frame"]).make_frame("banking", 40, 1)
    bad = frame.copy().astype({"q2_sat": object})
    bad.loc[[4, 9], "q2_sat"] = "very good"
    bad.loc[2, "q3_exb"] = 11
    bad.loc[7, "resp_id"] = bad.loc[1, "resp_id"]
    bad.loc[0, "country"] = 9
    bad.loc[3, "age"] = 70
    bad = bad.drop(columns=["q1_sig"])
    with pytest.raises(DataError) as info:
        survey_from_frame(bad, Codebook.from_dict(spec), file="f.csv")
    err = info.value
    message = str(err)
    assert message.startswith(f"f.csv: {len(err.problems)} problems:")
    for piece in (
        "column 'q1_sig': 1 column(s) named in the codebook are absent",
        "column 'resp_id', rows 3, 9: duplicate respondent ids",
        "column 'country', row 2: values not among the codes",
        "column 'age', row 5: values outside the allowed range",
        "column 'q2_sat', rows 6, 11: text in a numeric column",
        "column 'q3_exb', row 4: values outside the scale",
    ):
        assert piece in message
    assert all(isinstance(p, DataError) for p in err.problems)


def test_events_without_an_id_column():
    from cxlab.synth import make_frame

    frame, spec, _ = make_frame("banking", 60, 2)
    spec.pop("respondent_id")
    frame = frame.drop(columns=["resp_id"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        survey = survey_from_frame(frame, Codebook.from_dict(spec))
    table = survey.event_table()
    assert table["respondent_id"].dtype.kind == "i"
    assert set(table["respondent_id"]) <= set(survey.respondents["respondent_id"])
    w = np.arange(1, 61, dtype=float)
    weighted = survey.with_weights(w).event_table()
    np.testing.assert_allclose(weighted["weight"], weighted["respondent_id"].to_numpy(dtype=float))
    assert len(survey.ratings) > 0


def test_category_items_honour_missing_codes_without_labels():
    frame = pd.DataFrame({"region": ["north", "south", "99", "north"]})
    cb = Codebook.from_dict({"missing_codes": [99], "segments": {"region": "region"}})
    resp = survey_from_frame(frame, cb).respondents
    assert set(resp["region"].cat.categories) == {"north", "south"}
    assert resp["region"].isna().sum() == 1


@pytest.mark.filterwarnings("ignore::cxlab.errors.DataQualityWarning")
def test_spss_user_missing_values_are_missing(tmp_path):
    import pyreadstat

    from cxlab import load_survey

    frame = pd.DataFrame({"id": [1.0, 2, 3, 4], "q": [1.0, 98, 4, 99]})
    path = tmp_path / "f.sav"
    pyreadstat.write_sav(frame, str(path), missing_ranges={"q": [98, 99]})
    cb = {
        "respondent_id": "id",
        "respondent_items": {"q": {"column": "q", "type": "rating", "scale": {"min": 1, "max": 4}}},
    }
    survey = load_survey(path, cb)
    np.testing.assert_array_equal(survey.respondents["q"], [1, np.nan, 4, np.nan])


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
