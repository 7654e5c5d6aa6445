"""Rich displays: every result object and the Survey render as a card and a plain repr."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pandas as pd
import pytest

import cxlab
from cxlab.display import Card, format_value

VOLATILE = re.compile(r"0x[0-9a-f]{6,}|\d{2}:\d{2}:\d{2}|/tmp/|object at")


def _result_classes():
    """Public classes of cxlab with a summary() method (the result objects)."""
    found = {}
    for info in pkgutil.walk_packages(cxlab.__path__, "cxlab."):
        if info.name.startswith(("cxlab.synth", "cxlab.bundled", "cxlab.__main__")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and obj.__module__ == info.name
                and not name.startswith("_")
                and callable(getattr(obj, "summary", None))
            ):
                found[f"{info.name}.{name}"] = obj
    return found


def test_every_result_object_and_the_survey_have_a_card():
    classes = _result_classes()
    assert len(classes) >= 15  # the discovery finds the result objects
    missing = [name for name, cls in classes.items() if not issubclass(cls, Card)]
    assert missing == []
    assert issubclass(cxlab.Survey, Card)
    for name, cls in classes.items():  # the dataclass's field dump must not replace the card
        assert cls.__repr__ is Card.__repr__, name


def test_survey_card_states_its_bases_and_quality(banking):
    survey, _ = banking
    text, page = repr(survey), survey._repr_html_()
    assert text.startswith("Survey: ")
    assert f"respondents: {survey.n_respondents}" in text
    assert f"events: {len(survey.events)}" in text
    assert f"{len(survey.event_table()):,}" in text
    for shown in (text, page):
        assert not VOLATILE.search(shown)
    assert "respondents" in page and "<table" in page
    personal = survey.personal
    for column in personal.columns:  # personal values never reach the card
        for value in personal[column].dropna().astype(str).head(20):
            if len(value) > 3:
                assert value not in page and value not in text


def test_statistic_value_card_quotes_the_summary(banking):
    survey, _ = banking
    margins = {"age_band": survey.respondents["age_band"].value_counts(normalize=True).to_dict()}
    result = cxlab.weighting.rake(survey.respondents, margins)
    summary = result.summary().set_index("statistic")["value"]
    text = repr(result)
    assert text.startswith("WeightingResult: The outcome of rake or poststratify.")
    assert f"design_effect: {format_value(summary['design_effect'])}" in text
    assert f"n: {survey.n_respondents}" in text
    assert (
        f'<td style="padding:1px 10px 1px 0;text-align:left;border:none;font-weight:bold">{format_value(summary["n_effective"])}</td>'
        in result._repr_html_()
    )


def test_table_card_shows_the_first_rows_and_flags_suppression(banking):
    survey, _ = banking
    cv = cxlab.economics.customer_value(survey.respondents, n_boot=20)
    text = repr(cv)
    assert "rows: 3" in text
    assert "agitator" in text and "advocate" in text
    assert "no cell suppressed" in text
    # a minimum base above every group's base suppresses every move, and the card says so
    with pytest.warns(cxlab.errors.SuppressionWarning):
        small = cxlab.economics.customer_value(survey.respondents, n_boot=20, min_base=10_000)
    assert bool(small.table["suppressed"].all())
    assert f"suppressed: {len(small.table)} of {len(small.table)} rows" in repr(small)
    assert "suppressed:" in small._repr_html_()


def test_html_escapes_labels():
    from dataclasses import dataclass

    @dataclass(frozen=True, repr=False)
    class Demo(Card):
        """A <b>demo</b>."""

        def summary(self):
            return pd.DataFrame({"statistic": ["<script>"], "value": ["x&y"]})

    page = Demo()._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "x&amp;y" in page


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3320, "3,320"),
        (0.000173, "0.000173"),
        (28.279, "28.28"),
        (15368000.4, "15,368,000"),
        (float("inf"), "inf"),
        (None, "-"),
        (False, "no"),
        ((1.0, 2.5), "1, 2.50"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text
