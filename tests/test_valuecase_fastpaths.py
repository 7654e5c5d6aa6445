"""The value case's fast paths (issue 14) against their plain formulas: distinct design
rows from integer keys (as ``np.unique(axis=0)``), the event-by-event mix change (as the
term-by-term sum), and the same value case whether the event table's respondent ids
are strings or a Categorical."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

import cxlab.valuecase as vc
from cxlab.synth import make_study


def test_distinct_rows_are_numpys():
    rng = np.random.default_rng(1)
    M = rng.integers(0, 3, size=(2000, 6)).astype(float)
    first, inv = vc._distinct_rows(M)
    _, inv_np = np.unique(M, axis=0, return_inverse=True)
    # the same partition of the rows: the pairs of numbers are one-to-one
    pairs = set(zip(inv.tolist(), inv_np.ravel().tolist(), strict=True))
    assert len(pairs) == len(first) == inv_np.max() + 1


def test_distinct_rows_with_missing_values():
    rng = np.random.default_rng(2)
    M = rng.integers(0, 2, size=(500, 4)).astype(float)
    M[rng.random(M.shape) < 0.2] = np.nan
    first, inv = vc._distinct_rows(M)
    for j in range(len(first)):
        same = np.flatnonzero(inv == j)
        assert same[0] == first[j]  # numbered at its first occurrence
        assert np.array_equal(M[same], np.broadcast_to(M[first[j]], M[same].shape), equal_nan=True)
    assert len({tuple(np.nan_to_num(r, nan=-1)) for r in M}) == len(first)


def test_distinct_rows_of_columns_are_the_stacked_matrixs():
    # the value case passes the design's and the rated flags' columns unstacked (memory)
    rng = np.random.default_rng(3)
    X = rng.integers(0, 3, size=(1000, 3)).astype(float)
    rated = rng.random((1000, 2)) < 0.5
    first, inv = vc._distinct_rows([*X.T, *rated.T])
    first_m, inv_m = vc._distinct_rows(np.column_stack([X, rated]))
    assert np.array_equal(first, first_m) and np.array_equal(inv, inv_m)


@pytest.fixture(scope="module")
def survey():
    s, _ = make_study("banking", n_respondents=600, seed=5)
    return s


def test_the_mix_change_is_the_term_by_term_sum(survey):
    prep = vc._prepare(survey, "weight", "recommend", (6, 8))
    k = len(prep["events"])
    omega = prep["w_all"] * np.random.default_rng(2).poisson(1.0, len(prep["w_all"]))
    sums = omega @ prep["suff"]["F"]
    _, mu, wu, sigma = vc._advocacy_fit(prep, omega, sums)
    shift = np.linspace(-0.3, 0.6, k)
    shift[1] = 0.0  # an event that does not move
    fast = vc._mix_change((6, 8), mu, sigma, wu, prep["suff"], shift, k)
    plain = vc._mix_change_plain((6, 8), mu, sigma, wu, prep["suff"], shift, k)
    np.testing.assert_allclose(fast, plain, rtol=1e-10, atol=1e-12 * np.abs(plain).max())
    assert (fast[1] == 0).all()


def test_categorical_and_string_respondent_ids_give_the_same_value_case(survey):
    et = survey._event_data
    cat = pd.Categorical(
        et["respondent_id"].astype(object),
        categories=pd.Index(survey.respondents["respondent_id"].astype(object)),
    )
    other = dataclasses.replace(survey, _event_data=et.assign(respondent_id=cat))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = vc.value_case(survey, vc.default_costs(survey), n_boot=20, seed=3)
        b = vc.value_case(other, vc.default_costs(survey), n_boot=20, seed=3)
    for name in ("table", "sensitivity", "economics", "draws", "benefit_draws"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), rtol=1e-12)
