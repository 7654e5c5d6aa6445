"""Tests for cxlab.waves and the wave keys of the codebook: one file with a wave column,
one file per wave sharing a codebook (renamed and added items), estimates by wave."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.codebook import Codebook
from cxlab.errors import CodebookError, DataError, DataQualityWarning, ParameterError
from cxlab.estimates import (
    compare,
    weighted_distribution,
    weighted_mean,
    weighted_proportion,
    weighted_top_box,
)
from cxlab.segments import net_advocacy
from cxlab.survey import survey_from_frame
from cxlab.synth import make_wave_frame, make_waves, write_waves
from cxlab.waves import apply_wave_changes, stack_waves, waves_of


def _small_codebook(**extra) -> dict:
    return {
        "respondent_id": "id",
        "respondent_items": {
            "recommend": {"column": "rec", "type": "rating", "scale": "recommend"},
            "overall": {"column": "q1", "type": "rating"},
        },
        **extra,
    }


def _frame(n=40, seed=0, waves=("2025", "2026")):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": [f"R{i % (n // len(waves)) + 1}" for i in range(n)],
            "wave": np.repeat(list(waves), n // len(waves)),
            "rec": rng.integers(0, 11, n),
            "q1": rng.integers(1, 11, n),
        }
    )


def _load(frame, cb):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return survey_from_frame(frame, Codebook.from_dict(cb), file="w.csv")


# ------------------------------------------------------------------ codebook keys
def test_codebook_wave_column_and_wave_list():
    cb = Codebook.from_dict(_small_codebook(wave="wave", waves=[2024, "2025", 2026.0]))
    assert cb.wave == "wave"
    assert cb.wave_labels == ["2024", "2025", "2026"]  # labels as text, 2026.0 == 2026
    assert "wave" in cb.columns()


def test_codebook_waves_mapping_with_renames_and_not_asked():
    cb = Codebook.from_dict(
        _small_codebook(
            waves={
                "2025": {"rename": {"q1": "q1_old"}, "not_asked": ["rec"]},
                "2026": None,
            }
        )
    )
    assert cb.waves["2025"] == {"rename": {"q1": "q1_old"}, "not_asked": ("rec",)}
    assert cb.waves["2026"] == {"rename": {}, "not_asked": ()}


def test_codebook_wave_problems_are_collected():
    with pytest.raises(CodebookError) as err:
        Codebook.from_dict(
            _small_codebook(
                wave=3,
                waves={
                    "a": {"rename": {"nope": "x"}, "unknown_key": 1},
                    "b": {"rename": {"q1": "x"}, "not_asked": ["q1"]},
                    "c": {"not_asked": "rec"},
                },
            )
        )
    text = str(err.value)
    for expected in (
        "'wave' must be one column name",
        "unknown key(s) ['unknown_key']",
        "'nope' is not named elsewhere",
        "both renamed and not asked",
        "'not_asked' lists",
    ):
        assert expected in text, expected


def test_wave_is_a_reserved_item_name():
    with pytest.raises(CodebookError, match="a name cxlab uses itself"):
        Codebook.from_dict({"segments": {"wave": {"column": "w"}}})


# ------------------------------------------------------------------ one file, a wave column
def test_one_file_with_a_wave_column():
    s = _load(_frame(), _small_codebook(wave="wave"))
    assert waves_of(s) == ["2025", "2026"]
    assert s.respondents["wave"].cat.ordered
    # ids restart each wave: different people, so the ids are prefixed with the wave
    assert s.respondents["respondent_id"].is_unique
    assert s.respondents["respondent_id"].iloc[0] == "2025:R1"
    assert "prefixed with the wave" in s.source["respondent_id"]


def test_numeric_waves_sort_numerically_and_the_codebook_order_wins():
    f = _frame(n=60, waves=("9", "10", "11"))
    assert waves_of(_load(f, _small_codebook(wave="wave"))) == ["9", "10", "11"]
    cb = _small_codebook(wave="wave", waves=["11", "10", "9"])
    assert waves_of(_load(f, cb)) == ["11", "10", "9"]


def test_wave_column_errors_name_rows():
    f = _frame()
    f.loc[3, "wave"] = None
    f.loc[5, "wave"] = "2027"
    f.loc[7, "id"] = f.loc[8, "id"]  # a duplicate within one wave
    with pytest.raises(DataError) as err:
        _load(f, _small_codebook(wave="wave", waves=["2025", "2026"]))
    text = str(err.value)
    assert "row 5: the wave is missing" in text  # file line of row 3
    assert "2027 are not among" in text
    assert "duplicate respondent ids within a wave" in text


def test_unlisted_wave_is_an_error():
    with pytest.raises(DataError, match="not among the codebook's waves"):
        _load(_frame(), _small_codebook(wave="wave", waves=["2025"]))


def test_event_table_carries_the_wave(banking):
    survey, truth = make_waves("banking", n_waves=2, n_respondents=80, seed=3, changes={})
    et = survey.event_table()
    by_id = survey.respondents.set_index("respondent_id")["wave"]
    assert (et["wave"].astype(str).to_numpy() == by_id.loc[et["respondent_id"]].astype(str)).all()


# ------------------------------------------------------------------ one file per wave
def test_load_waves_with_a_renamed_and_an_added_item(tmp_path):
    frame, cb, _ = make_wave_frame("banking", 2, 60, seed=5, changes={})
    cb = {k: v for k, v in cb.items() if k not in ("wave", "waves")}
    sat = cb["events"][0]["items"]["satisfaction"]  # renamed in wave 1's file
    rec = cb["respondent_items"]["recommend"]["column"]  # not asked in wave 1
    cb["waves"] = {"2025": {"rename": {sat: "old_sat"}, "not_asked": [rec]}, "2026": None}
    w1 = frame[frame["wave"] == "W1"].drop(columns="wave").rename(columns={sat: "old_sat"})
    w1 = w1.drop(columns=rec)
    w2 = frame[frame["wave"] == "W2"].drop(columns="wave")
    w1.to_csv(tmp_path / "w1.csv", index=False)
    w2.to_csv(tmp_path / "w2.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        s = cxlab.load_waves([tmp_path / "w1.csv", tmp_path / "w2.csv"], cb)
    assert waves_of(s) == ["2025", "2026"]
    r = s.respondents
    assert r.loc[r["wave"] == "2025", "recommend"].isna().all()
    assert r.loc[r["wave"] == "2026", "recommend"].notna().any()
    et = s.event_table()
    first = cb["events"][0]["id"]
    rows = et[(et["event_id"] == first) & (et["wave"] == "2025")]
    expected = pd.to_numeric(w1["old_sat"], errors="coerce")
    expected = expected[expected.between(1, 10)]
    assert rows["satisfaction"].dropna().sum() == pytest.approx(expected.sum())
    assert set(s.source["waves"]) == {"2025", "2026"}
    assert s.quality["wave"].isin(["2025", "2026"]).all()
    assert r["respondent_id"].is_unique  # the same ids in both files: wave-prefixed


def test_load_waves_reports_every_wave_problem_at_once(tmp_path):
    frame, cb, _ = make_wave_frame("banking", 2, 30, seed=1, changes={})
    cb = {k: v for k, v in cb.items() if k not in ("wave", "waves")}
    sat = cb["events"][0]["items"]["satisfaction"]
    cb["waves"] = {"a": {"rename": {sat: "missing_col"}}, "b": {"not_asked": [sat]}}
    for label in ("W1", "W2"):
        frame[frame["wave"] == label].drop(columns="wave").to_csv(tmp_path / f"{label}.csv")
    with pytest.raises(DataError) as err:
        cxlab.load_waves([tmp_path / "W1.csv", tmp_path / "W2.csv"], cb)
    text = str(err.value)
    assert "no such column" in text and "were not asked, but the file has them" in text


def test_load_waves_parameter_errors(tmp_path):
    paths = write_waves(tmp_path, "banking", 2, 30, seed=0, changes={}, one_file=False)
    with pytest.raises(ParameterError, match="pass waves="):
        cxlab.load_waves([paths["W1"]], paths["codebook"])
    with pytest.raises(ParameterError, match="2 files but 1 wave labels"):
        cxlab.load_waves([paths["W1"], paths["W2"]], paths["codebook"], waves=["x"])
    with pytest.raises(ParameterError, match="no such|at least one"):
        cxlab.load_waves([], paths["codebook"])
    one = write_waves(tmp_path / "one", "banking", 2, 30, seed=0, changes={})
    with pytest.raises(ParameterError, match="names a wave column"):
        cxlab.load_waves([one["data"]], one["codebook"], waves=["x"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        s = cxlab.load_waves([paths["W1"], paths["W2"]], paths["codebook"])
    assert waves_of(s) == ["W1", "W2"] and s.n_respondents == 60


def test_write_waves_never_overwrites(tmp_path):
    write_waves(tmp_path, "banking", 2, 20, changes={})
    with pytest.raises(ParameterError, match="never overwritten"):
        write_waves(tmp_path, "banking", 2, 20, changes={})


def test_apply_wave_changes_does_not_modify_the_input():
    cb = Codebook.from_dict(_small_codebook(waves={"a": {"rename": {"q1": "old"}}}))
    f = pd.DataFrame({"id": ["1"], "rec": [3], "old": [4]})
    out = apply_wave_changes(f, cb, "a")
    assert list(f.columns) == ["id", "rec", "old"] and "q1" in out.columns


def test_stack_waves_keeps_categoricals_and_refuses_a_second_wave_column():
    a, _ = cxlab.synth.make_study("banking", n_respondents=40, seed=1)
    b, _ = cxlab.synth.make_study("banking", n_respondents=40, seed=2)
    s = stack_waves({"x": a, "y": b})
    assert isinstance(s.event_table()["event_id"].dtype, pd.CategoricalDtype)
    assert s.event_table()["stage"].cat.ordered
    with pytest.raises(ParameterError, match="already has a wave column"):
        stack_waves({"z": s})


def test_waves_of_without_a_wave_column(banking):
    with pytest.raises(DataError, match="no wave column"):
        waves_of(banking[0])


# ------------------------------------------------------------------ every estimate by wave
def test_every_estimate_accepts_by_wave():
    s, _ = make_waves("banking", n_waves=3, n_respondents=120, seed=4, changes={})
    et, resp = s.event_table(), s.respondents
    waves = ["W1", "W2", "W3"]
    for table in (
        weighted_mean(et, "satisfaction", by="wave"),
        weighted_proportion(resp, "complained", by="wave"),
        weighted_top_box(et, "satisfaction", 10, by="wave"),
    ):
        assert table["wave"].astype(str).tolist() == waves
    dist = weighted_distribution(resp, "gender", by="wave")
    assert dist.groupby("wave", observed=True)["estimate"].sum().round(12).eq(1).all()
    na = net_advocacy("recommend", by="wave", data=resp)
    assert na["wave"].astype(str).tolist() == waves
    cmp = compare(et, "satisfaction", by="wave", within="event_id")
    assert len(cmp) == 3 * len(s.events)
    # the per-wave mean is the mean of that wave's rows alone
    m = weighted_mean(et, "satisfaction", by="wave").set_index("wave")["estimate"]
    for w in waves:
        assert m[w] == pytest.approx(et.loc[et["wave"] == w, "satisfaction"].mean())


def test_courses_of_action_by_wave():
    from cxlab.priorities import prioritize

    s, _ = make_waves("banking", n_waves=2, n_respondents=300, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prioritize(s, by="wave")
        alone = prioritize(s.subset((s.respondents["wave"] == "W1").to_numpy()))
    assert len(p) == 2 * len(s.events) and set(p["wave"].astype(str)) == {"W1", "W2"}
    w1 = p[p["wave"].astype(str) == "W1"].set_index("event_id")
    # the wave's own point estimates, whichever way they are computed
    np.testing.assert_allclose(
        w1["brand_gap"], alone.set_index("event_id").loc[w1.index, "brand_gap"], rtol=1e-10
    )
