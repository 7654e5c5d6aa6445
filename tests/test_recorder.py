"""The recorder's personal-data guard against the plain rule it replaces."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxlab.errors import ReportError
from cxlab.recorder import Recorder

LETTERS = np.array(list("abcdefghij@. "))


def _words(rng, n, low, high):
    return ["".join(rng.choice(LETTERS, rng.integers(low, high))) for _ in range(n)]


def _plain_rule(text: str, values) -> bool:
    """The guard as first written: a value of 8+ characters found in the text."""
    return any(len(v) >= 8 and v in text for v in values)


@pytest.mark.parametrize("seed", range(6))
def test_storyline_guard_agrees_with_the_plain_rule(seed):
    rng = np.random.default_rng(seed)
    personal = pd.DataFrame({"name": _words(rng, 300, 2, 14), "email": _words(rng, 300, 6, 20)})
    personal.loc[rng.choice(300, 20, replace=False), "email"] = None  # missing values
    rec = Recorder(None, personal=personal)
    refused = 0
    for trial in range(20):
        text = " ".join(_words(rng, 40, 1, 9))
        if trial % 3 == 0:  # plant a value (short or long) in the text
            value = personal["name"].iloc[int(rng.integers(300))]
            text = text[:50] + value + text[50:]
        story = {"sections": [{"headline": text}], "numbers": {}}
        written = json.dumps(story, indent=1, sort_keys=True, ensure_ascii=False)
        expected = [c for c in personal if _plain_rule(written, personal[c].dropna())]
        if expected:
            with pytest.raises(ReportError) as err:
                rec.storyline(story)
            assert set(err.value.column) == set(expected)
            refused += 1
        else:
            assert rec.storyline(story) is None
    assert 0 < refused < 20  # both outcomes occur


def test_table_guard_refuses_personal_values_only():
    personal = pd.DataFrame({"name": ["Ada Lovelace", "Alan Turing"]})
    rec = Recorder(None, personal=personal)
    events = pd.DataFrame({"name": ["Open an account", "Pay a bill"], "n": [40, 50]})
    assert len(rec.table("events", events)) == 2  # a table of events may have a name column
    people = pd.DataFrame({"name": ["Alan Turing"], "n": [1]})
    with pytest.raises(ReportError):
        rec.table("people", people)
