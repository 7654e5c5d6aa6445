"""The value case from respondent-level sufficient statistics (issue 14) gives the
numbers of the earlier row-level implementation: a stored result of that implementation
on a synthetic study (``tests/reference/valuecase_banking_800.json``, written before the
change) is matched to 1e-8, bootstrap draws included (same seed, same resampling)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlab.synth import make_study
from cxlab.valuecase import value_case

REFERENCE = Path(__file__).parent / "reference" / "valuecase_banking_800.json"


@pytest.fixture(scope="module")
def fresh():
    survey, truth = make_study("banking", n_respondents=800, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return value_case(survey, truth["improvement_costs"], n_boot=25, seed=1, customers=50000)


def _stored(name):
    part = json.loads(REFERENCE.read_text())[name]
    return pd.DataFrame(part["data"], columns=part["columns"])


@pytest.mark.parametrize("name", ["table", "sensitivity", "economics", "draws", "benefit_draws"])
def test_value_case_matches_row_level_reference(fresh, name):
    new, old = getattr(fresh, name).reset_index(drop=True), _stored(name)
    assert list(new.columns) == list(old.columns)
    for col in old.columns:
        a, b = new[col], old[col]
        if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            a, b = a.to_numpy(float), b.to_numpy(float)
            assert np.array_equal(np.isnan(a), np.isnan(b)), col
            ok = ~np.isnan(a)
            assert np.allclose(
                a[ok], b[ok], rtol=1e-8, atol=1e-8 * max(1, np.abs(b[ok]).max(initial=0))
            ), col
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), col
