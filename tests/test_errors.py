"""cxlab.errors: messages name columns and rows, never personal data."""

from __future__ import annotations

import pytest

from cxlab.errors import DataError, quote_values


@pytest.mark.parametrize(
    "values",
    [
        ["+44 7700 900123"],
        ["07700900123"],
        [447700900123.0],
        ["ben.smith0@example.com"],
        ["Ben Smith"],
        ["a very long free-text comment about the branch"],
        ["ok", "+1-555-753-5532"],  # one personal value withholds all
    ],
)
def test_values_that_may_be_personal_are_never_quoted(values):
    text = quote_values(values)
    assert "personal data" in text
    assert not any(str(v) in text for v in values)


def test_short_non_personal_values_are_quoted():
    assert quote_values(["n/a", "ten", "x"]) == "'n/a', 'ten', 'x'"
    assert quote_values([99.0, 11.0, -3.5]) == "99, 11, -3.5"
    assert quote_values(["n/a"], personal=True) == "values not shown: they may be personal data"


def test_phone_numbers_read_as_a_numeric_item_are_not_quoted():
    """A codebook that maps a numeric item onto the phone column (a swap)."""
    from cxlab.codebook import Codebook
    from cxlab.survey import survey_from_frame
    from cxlab.synth import make_frame

    frame, spec, _ = make_frame("banking", 40, 2)
    column = spec["respondent_items"]["spend"]["column"]
    frame = frame.astype({column: object})
    frame.loc[3, column] = "+44 7700 900123"
    frame.loc[5, column] = "n/a"
    with pytest.raises(DataError, match="text in a numeric column") as err:
        survey_from_frame(frame, Codebook.from_dict(spec))
    assert "7700" not in str(err.value) and err.value.rows == [5, 7]
    frame.loc[3, column] = 447700900123.0  # out of range, as a number
    spec["respondent_items"]["spend"]["max"] = 1e6
    frame.loc[5, column] = 10.0
    with pytest.raises(DataError, match="outside") as err:
        survey_from_frame(frame, Codebook.from_dict(spec))
    assert "4477" not in str(err.value) and "4.477" not in str(err.value)
