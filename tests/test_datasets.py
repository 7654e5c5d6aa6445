"""cxlab.datasets: the sample studies, offline, from the checkout or the installed bundle."""

from __future__ import annotations

import doctest
import warnings
from pathlib import Path

import pandas as pd
import pytest

import cxlab.datasets
from cxlab.datasets import load_sample, load_truth, sample_files, sample_names
from cxlab.errors import DataQualityWarning, ParameterError
from cxlab.params import load_params
from cxlab.survey import Survey


def test_names_are_the_two_sample_studies():
    assert sample_names() == ["automotive", "banking"]


@pytest.mark.parametrize("name", ["banking", "automotive"])
def test_load_sample_is_the_survey_in_data_sample(name, project_root):
    survey = load_sample(name)
    assert isinstance(survey, Survey)
    assert (
        survey.n_respondents == 631 and len(survey.events) == {"banking": 7, "automotive": 8}[name]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        direct = cxlab.load_survey(
            Path(project_root) / f"data/sample/{name}.csv",
            Path(project_root) / f"data/sample/{name}_codebook.yaml",
        )
    pd.testing.assert_frame_equal(survey.respondents, direct.respondents)
    pd.testing.assert_frame_equal(survey.event_table(), direct.event_table())


def test_load_sample_warns_about_quality_only_when_asked():
    with pytest.warns(DataQualityWarning):
        load_sample("banking", quiet=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        load_sample("banking")


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ParameterError) as err:
        load_sample("bnking")
    assert "banking" in str(err.value) and "automotive" in str(err.value)


@pytest.mark.parametrize("name", ["banking", "automotive"])
def test_sample_files_exist_and_match_the_sample_client(name):
    files = sample_files(name)
    assert all(path.is_file() and path.is_absolute() for path in files.values())
    params = load_params(files["params"])  # the sample client's parameter file
    for key in ("data_path", "codebook", "weighting_targets", "improvement_costs"):
        assert getattr(params, key) == files[key], key
    if "executive_data" in files:
        assert params.executive_data == files["executive_data"]
    if "initiatives" in files:
        assert params.initiatives == files["initiatives"]


def test_truth_is_the_planted_study():
    truth = load_truth("banking")
    assert isinstance(truth, dict) and truth


def test_docstring_examples_run():
    result = doctest.testmod(cxlab.datasets, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5 and result.failed == 0
