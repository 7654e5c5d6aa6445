"""`cxlab codebook draft`: a starting codebook that loads as it is, without personal data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

from cxlab import load_survey
from cxlab.cli import main
from cxlab.codebook_draft import draft_codebook

pytestmark = pytest.mark.filterwarnings("ignore::cxlab.errors.DataQualityWarning")


def _load(data, text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_survey(data, yaml.safe_load(text))


@pytest.mark.parametrize("kind", ["event_cx", "satisfaction_no_events", "opinion_spss"])
def test_the_draft_loads_as_it_is(shape_files, kind, tmp_path):
    shape = shape_files(kind)
    text = draft_codebook(shape.data)
    path = tmp_path / "draft.yaml"
    path.write_text(text, encoding="utf-8")
    survey = load_survey(shape.data, path)
    assert survey.n_respondents == len(pd.read_csv(shape.data)) if kind != "opinion_spss" else 1500
    assert "TODO" in text


@pytest.mark.parametrize(
    "relative",
    ["banking.csv", "banking.sav", "automotive.sav", "messy/qualtrics_export.csv"],
)
def test_the_draft_loads_on_the_sample_files(project_root, relative):
    data = f"{project_root}/data/sample/{relative}"
    survey = _load(data, draft_codebook(data))
    assert survey.n_respondents in (631, 150)


def test_xlsx_draft(shape_files, tmp_path):
    frame = pd.read_csv(shape_files("satisfaction_no_events").data)
    path = tmp_path / "s.xlsx"
    frame.to_excel(path, index=False)
    assert _load(path, draft_codebook(path)).n_respondents == 250


def test_spss_draft_uses_labels_missing_codes_weight_and_id(shape_files):
    shape = shape_files("opinion_spss")
    text = draft_codebook(shape.data)
    cb = yaml.safe_load(text)
    assert cb["respondent_id"] == "caseid" and cb["weight"] == "wt"
    assert cb["format"] == "sav"
    trust = cb["respondent_items"]["trust_gov"]
    assert trust["label"] == "How much do you trust the national government?"
    assert trust["type"] == "rating" and cb["scales"][trust["scale"]] == {"min": 1, "max": 4}
    assert trust["missing_codes"] == [9, 98, 99]
    assert "SPSS user-missing" in text and "9 = Don't know" in text
    assert cb["demographics"]["sex"]["labels"] == {1: "Male", 2: "Female"}
    assert cb["personal_data"] == ["comments"]
    # the drafted codebook gives the same weighted estimate as the hand-written one
    drafted = _load(shape.data, text).respondents
    written = _load(shape.data, shape.codebook.read_text()).respondents
    np.testing.assert_allclose(drafted["trust_gov"], written["trust_gov"])
    np.testing.assert_allclose(drafted["weight"], written["weight"])


def test_draft_of_a_file_without_ids_finds_the_minus_99_codes(shape_files):
    text = draft_codebook(shape_files("satisfaction_no_events").data)
    cb = yaml.safe_load(text)
    assert "respondent_id" not in cb and "weight" not in cb
    assert cb["respondent_items"]["img1"]["missing_codes"] == [-99]
    assert cb["scales"][cb["respondent_items"]["img1"]["scale"]] == {"min": 1, "max": 7}
    assert cb["scales"][cb["respondent_items"]["val1"]["scale"]] == {"min": 1, "max": 5}
    assert "respondents are numbered by data row" in text


def test_the_draft_never_holds_personal_values(shape_files):
    for kind in ("event_cx", "opinion_spss"):
        shape = shape_files(kind)
        text = draft_codebook(shape.data)
        if kind == "event_cx":
            frame = pd.read_csv(shape.data)
            personal = ["name", "email", "phone", "comment"]
        else:
            import pyreadstat

            frame, _ = pyreadstat.read_sav(str(shape.data))
            personal = ["comments"]
        assert set(personal) <= set(yaml.safe_load(text)["personal_data"])
        for col in personal:
            for value in frame[col].dropna().astype(str).unique():
                if len(value) > 3:
                    assert value not in text, (col, value)
            assert "@example.com" not in text


def test_personal_data_is_guessed_from_the_values(tmp_path):
    rng = np.random.default_rng(0)
    n = 40
    frame = pd.DataFrame(
        {
            "contact": [f"user{i}@mail.org" for i in range(n)],
            "tel_no": [f"+44 20 7946 {1000 + i}" for i in range(n)],
            "who": [
                f"{a} {b}"
                for a, b in zip(
                    rng.choice(["Ann", "Bob", "Cy", "Di"], n),
                    rng.choice(["Lee", "Moss", "Roy", "Hart", "Kim", "Fox", "Ray"], n),
                    strict=True,
                )
            ],
            "why": [f"because the service was slow on day {i}" for i in range(n)],
            "q1": rng.integers(1, 6, n),
        }
    )
    frame["who"] = [
        f"{w} {chr(65 + i % 26)}{chr(97 + i // 26)}son" for i, w in enumerate(frame["who"])
    ]
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    text = draft_codebook(path)
    cb = yaml.safe_load(text)
    assert set(cb["personal_data"]) == {"contact", "tel_no", "who", "why"}
    assert "e-mail addresses" in text and "free text" in text
    assert "mail.org" not in text and "7946" not in text
    assert _load(path, text).personal.shape == (n, 4)


def test_cli_prints_writes_and_never_overwrites(shape_files, tmp_path, capsys):
    data = shape_files("satisfaction_no_events").data
    assert main(["codebook", "draft", str(data)]) == 0
    printed = capsys.readouterr().out
    assert printed == draft_codebook(data)
    out = tmp_path / "cb.yaml"
    assert main(["codebook", "draft", str(data), "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == printed
    assert "written to" in capsys.readouterr().out
    out.write_text("mine", encoding="utf-8")
    assert main(["codebook", "draft", str(data), "--output", str(out)]) == 2
    assert "exists already" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "mine"


def test_cli_bad_data_file(tmp_path, capsys):
    assert main(["codebook", "draft", str(tmp_path / "nope.csv")]) == 2
    assert "file not found" in capsys.readouterr().err
