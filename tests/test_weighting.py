"""Tests for cxlab.weighting: raking, post-stratification, trimming, diagnostics."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxlab.errors import ConvergenceWarning, ModelError, ParameterError
from cxlab.weighting import (
    WeightingResult,
    kish_design_effect,
    kish_n_effective,
    poststratify,
    rake,
)


def _samplics_rake(design, data, margins, total):
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.weighting import SampleWeight

    control = {k: {c: s * total for c, s in v.items()} for k, v in margins.items()}
    domains = {k: data[k].astype(str).to_numpy() for k in margins}
    control = {k: {str(c): t for c, t in v.items()} for k, v in control.items()}
    return SampleWeight().rake(
        np.asarray(design, dtype=float),
        domains,
        control=control,
        tol=1e-10,
        ctrl_tol=1e-10,
        max_iter=2000,
    )


def _weighted_shares(data, col, w):
    """Independent computation of weighted shares (pandas groupby)."""
    s = pd.Series(np.asarray(w), index=data.index).groupby(data[col], observed=True).sum()
    return s / s.sum()


def _max_margin_error(data, margins, w):
    err = 0.0
    for col, spec in margins.items():
        shares = _weighted_shares(data, col, w)
        for cat, target in spec.items():
            err = max(err, abs(float(shares.get(cat, 0.0)) - target))
    return err


@pytest.fixture
def small():
    rng = np.random.default_rng(7)
    n = 1500
    df = pd.DataFrame(
        {
            "a": rng.choice(list("xyz"), n, p=[0.5, 0.3, 0.2]),
            "b": rng.choice(["p", "q"], n, p=[0.7, 0.3]),
            "c": rng.choice(list("klmn"), n),
        }
    )
    design = rng.uniform(0.5, 2.0, n)
    margins = {
        "a": {"x": 0.3, "y": 0.3, "z": 0.4},
        "b": {"p": 0.5, "q": 0.5},
        "c": {"k": 0.1, "l": 0.2, "m": 0.3, "n": 0.4},
    }
    return df, design, margins


# --------------------------------------------------------------------------- synth data
def test_rake_reproduces_population_margins_on_synth(banking):
    survey, truth = banking
    resp = survey.respondents
    margins = truth["population_margins"]
    # the sample is skewed, so the test is not vacuous
    assert _max_margin_error(resp, margins, np.ones(len(resp))) > 0.05
    res = rake(resp, margins, weights="weight")
    assert isinstance(res, WeightingResult)
    assert res.converged
    assert _max_margin_error(resp, margins, res.weights) < 1e-6
    assert res.max_margin_error < 1e-6
    assert res.weights.index.equals(resp.index)
    assert res.weights.sum() == pytest.approx(resp["weight"].sum())
    assert (res.weights > 0).all()


def test_rake_agrees_with_samplics_both_directions(banking):
    survey, truth = banking
    resp = survey.respondents
    margins = truth["population_margins"]
    design = np.random.default_rng(1).uniform(0.6, 1.8, len(resp))
    ours = rake(resp, margins, weights=design).weights.to_numpy()
    theirs = _samplics_rake(design, resp, margins, design.sum())
    # their weights reproduce our margins ...
    assert _max_margin_error(resp, margins, theirs) < 1e-6
    # ... and ours equal theirs
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_rake_agrees_with_samplics_on_four_margins(small):
    df, design, margins = small
    ours = rake(df, margins, weights=design).weights.to_numpy()
    theirs = _samplics_rake(design, df, margins, design.sum())
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


# --------------------------------------------------------------------------- behaviour
def test_single_margin_rake_equals_poststratification(small):
    df, design, margins = small
    r = rake(df, {"c": margins["c"]}, weights=design)
    table = pd.DataFrame({"c": list(margins["c"]), "share": list(margins["c"].values())})
    p = poststratify(df, table, weights=design)
    np.testing.assert_allclose(r.weights, p.weights, rtol=1e-10)
    # post-stratification by hand: w_i = d_i * T_c / sum_{cell} d
    cell_sum = pd.Series(design).groupby(df["c"]).transform("sum").to_numpy()
    target = df["c"].map(margins["c"]).to_numpy() * design.sum()
    np.testing.assert_allclose(p.weights, design * target / cell_sum, rtol=1e-12)


def test_poststratify_reproduces_joint_table(banking):
    survey, truth = banking
    resp = survey.respondents
    pm = truth["population_margins"]
    joint = pd.DataFrame(
        [
            (c, a, pm["country"][c] * pm["age_band"][a])
            for c in pm["country"]
            for a in pm["age_band"]
        ],
        columns=["country", "age_band", "share"],
    )
    res = poststratify(resp, joint, weights="weight")
    got = res.weights.groupby([resp["country"], resp["age_band"]], observed=True).sum()
    got = got / got.sum()
    want = joint.set_index(["country", "age_band"])["share"]
    np.testing.assert_allclose(got.reindex(want.index).to_numpy(), want.to_numpy(), atol=1e-12)
    assert res.method == "poststratify" and res.converged
    assert len(res.table) == len(joint)


def test_poststratify_errors_on_missing_cell():
    df = pd.DataFrame({"g": ["a", "b", "c"]})
    with pytest.raises(ModelError, match="'c'") as err:
        poststratify(df, pd.DataFrame({"g": ["a", "b"], "share": [0.5, 0.5]}))
    assert err.value.column == ["g"]
    with pytest.raises(ModelError, match="no respondents"):
        poststratify(df, pd.DataFrame({"g": list("abcd"), "share": [0.25] * 4}))


def test_margins_as_table_and_counts_give_population_total(small):
    df, design, margins = small
    rows = [(v, c, s * 2e6) for v, spec in margins.items() for c, s in spec.items()]
    table = pd.DataFrame(rows, columns=["variable", "category", "population"])
    res = rake(df, table)
    assert res.weights.sum() == pytest.approx(2e6)
    assert _max_margin_error(df, margins, res.weights) < 1e-6


def test_weights_aligned_with_shuffled_index(small):
    df, design, margins = small
    order = np.random.default_rng(0).permutation(len(df))
    shuffled = df.iloc[order].set_index(pd.Index(order * 10 + 3))
    res = rake(shuffled, margins, weights=pd.Series(design[order], index=shuffled.index))
    base = rake(df, margins, weights=design)
    np.testing.assert_allclose(res.weights.to_numpy(), base.weights.to_numpy()[order], rtol=1e-9)
    assert res.weights.index.equals(shuffled.index)


def test_diagnostics_match_kish_formulas(small):
    df, design, margins = small
    res = rake(df, margins, weights=design)
    w = res.weights.to_numpy()
    assert res.n_effective == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert res.design_effect == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2)
    assert res.design_effect == pytest.approx(1 + (w.std() / w.mean()) ** 2)
    assert kish_n_effective(np.ones(10)) == 10
    assert kish_design_effect([1, 3]) == pytest.approx(2 * 10 / 16)
    summary = res.summary()
    assert {"converged", "iterations", "design_effect", "n_effective", "max_margin_error"} <= set(
        summary["statistic"]
    )
    t = res.table
    assert list(t.columns) == [
        "variable",
        "category",
        "n",
        "sample_share",
        "weighted_share",
        "target_share",
        "error",
    ]
    assert len(t) == 3 + 2 + 4
    np.testing.assert_allclose(
        t["sample_share"],
        [(df[v] == c).mean() for v, c in zip(t.variable, t.category, strict=True)],
    )


# --------------------------------------------------------------------------- trimming
@pytest.mark.parametrize("bounds", [(0.3, 4.0), (0.2, 6.0)])
def test_trimming_bounds_are_honoured_and_margins_met(small, bounds):
    df, design, margins = small
    free = rake(df, margins, weights=design)
    # the bounds bind on the untrimmed weights
    assert free.weights.min() < bounds[0] or free.weights.max() > bounds[1]
    res = rake(df, margins, weights=design, bounds=bounds)
    assert res.converged
    assert res.weights.min() >= bounds[0] - 1e-9
    assert res.weights.max() <= bounds[1] + 1e-9
    assert _max_margin_error(df, margins, res.weights) < 1e-6
    assert res.design_effect < free.design_effect


def test_trimmed_weights_are_the_bounded_minimum_distance_solution(small):
    """KKT check: with margins met, the bounded raking optimum (minimum entropy distance
    to the design weights within the bounds) has log(w/d) additive in the raking
    variables for interior weights, and the bound sits on the right side otherwise."""
    df, design, margins = small
    lo, hi = 0.3, 4.0
    w = rake(df, margins, weights=design, bounds=(lo, hi)).weights.to_numpy()
    x = pd.get_dummies(df[list(margins)].astype(str), drop_first=True, dtype=float)
    x.insert(0, "const", 1.0)
    x = x.to_numpy()
    interior = (w > lo + 1e-9) & (w < hi - 1e-9)
    assert 0 < (~interior).sum() < 0.5 * len(w)
    y = np.log(w / design)
    coef, *_ = np.linalg.lstsq(x[interior], y[interior], rcond=None)
    fitted = x @ coef
    assert np.max(np.abs(y[interior] - fitted[interior])) < 1e-8
    at_lo, at_hi = w <= lo + 1e-9, w >= hi - 1e-9
    assert np.all(np.log(lo / design[at_lo]) >= fitted[at_lo] - 1e-8)
    assert np.all(np.log(hi / design[at_hi]) <= fitted[at_hi] + 1e-8)


def test_max_ratio_to_mean(banking):
    survey, truth = banking
    resp = survey.respondents
    free = rake(resp, truth["population_margins"])
    assert free.weights.max() / free.weights.mean() > 2.5
    res = rake(resp, truth["population_margins"], max_ratio=2.5)
    ratio = res.weights / res.weights.mean()
    assert ratio.max() <= 2.5 + 1e-9 and ratio.min() >= 1 / 2.5 - 1e-9
    assert res.converged
    assert _max_margin_error(resp, truth["population_margins"], res.weights) < 1e-6


def test_infeasible_bounds_warn_and_report_not_converged(small):
    df, design, margins = small
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = rake(df, margins, weights=design, bounds=(0.9, 1.6), max_iter=200)
    assert not res.converged
    assert res.weights.min() >= 0.9 - 1e-12 and res.weights.max() <= 1.6 + 1e-12
    assert res.max_margin_error > 1e-3


def test_non_convergence_warns(small):
    df, design, margins = small
    with pytest.warns(ConvergenceWarning):
        res = rake(df, margins, weights=design, max_iter=1)
    assert not res.converged and res.iterations == 1


def test_bounds_that_exclude_the_mean_are_rejected(small):
    df, _, margins = small
    with pytest.raises(ParameterError, match="mean weight"):
        rake(df, margins, bounds=(1.5, 3.0))


# --------------------------------------------------------------------------- impossible margins
def test_category_in_data_not_in_margins(small):
    df, _, margins = small
    bad = {**margins, "a": {"x": 0.5, "y": 0.5}}
    with pytest.raises(ModelError, match="'z'") as err:
        rake(df, bad)
    assert err.value.column == "a"


def test_category_with_share_but_no_respondents(small):
    df, _, margins = small
    bad = {**margins, "b": {"p": 0.4, "q": 0.4, "r": 0.2}}
    with pytest.raises(ModelError, match="'r'.*no respondents") as err:
        rake(df, bad)
    assert err.value.column == "b"


def test_margins_with_different_totals(small):
    df, _, margins = small
    bad = {**margins, "b": {"p": 0.6, "q": 0.6}}
    with pytest.raises(ModelError, match="sum to") as err:
        rake(df, bad)
    assert err.value.column == "b"


def test_negative_share(small):
    df, _, margins = small
    bad = {**margins, "b": {"p": 1.2, "q": -0.2}}
    with pytest.raises(ModelError, match="'q'.*negative") as err:
        rake(df, bad)
    assert err.value.column == "b"


def test_missing_values_and_unknown_columns(small):
    df, _, margins = small
    df = df.copy()
    df.loc[5, "a"] = None
    with pytest.raises(ModelError, match="missing") as err:
        rake(df, margins)
    assert err.value.rows[0] == 6
    with pytest.raises(ModelError, match="not found"):
        rake(small[0].drop(columns="c"), margins)


def test_nonpositive_design_weights(small):
    df, design, margins = small
    design = design.copy()
    design[3] = 0
    with pytest.raises(ModelError, match="positive"):
        rake(df, margins, weights=design)


def test_rounded_shares_within_tolerance_are_accepted(small):
    df, _, margins = small
    rounded = {**margins, "a": {"x": 0.333, "y": 0.333, "z": 0.333}}
    res = rake(df, rounded)
    shares = _weighted_shares(df, "a", res.weights)
    np.testing.assert_allclose(shares.to_numpy(), 1 / 3, atol=1e-9)


def test_plot_renders(small, tmp_path):
    df, design, margins = small
    ax = rake(df, margins, weights=design).plot()
    assert ax.get_title().startswith("Weighting")
    assert ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.get_yticklabels()) == 9
    ax.figure.savefig(tmp_path / "rake.png")


def test_margin_keys_match_data_values_written_differently():
    # e.g. margins read from YAML as integers while the data hold text codes
    df = pd.DataFrame({"region": ["1", "2", "2", "1", "2", "1"], "gender": [0, 1, 1, 1, 0, 0]})
    res = rake(df, {"region": {1: 0.5, 2: 0.5}, "gender": {"0": 0.5, "1": 0.5}})
    shares = _weighted_shares(df, "region", res.weights)
    np.testing.assert_allclose(shares.to_numpy(), [0.5, 0.5], atol=1e-9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    sizes=st.lists(st.integers(2, 6), min_size=1, max_size=4),
    n=st.integers(200, 1500),
)
def test_property_margins_reproduced_for_random_designs(seed, sizes, n):
    rng = np.random.default_rng(seed)
    cols, margins = {}, {}
    for j, k in enumerate(sizes):
        p_sample = rng.dirichlet(np.full(k, 4.0))
        codes = rng.choice(k, size=n, p=p_sample)
        codes[:k] = np.arange(k)  # every category has respondents
        cols[f"v{j}"] = codes
    df = pd.DataFrame(cols)
    # margins of a population the sample can reach: the weighted shares under some
    # positive weights (independent Dirichlet margins can be infeasible for a small
    # sample, where non-convergence is the right answer)
    population = rng.lognormal(0.0, 0.6, n)
    for j, k in enumerate(sizes):
        shares = np.bincount(df[f"v{j}"], weights=population, minlength=k) / population.sum()
        margins[f"v{j}"] = dict(enumerate(shares))
    design = rng.uniform(0.5, 2.0, n)
    res = rake(df, margins, weights=design, max_iter=5000)
    assert res.converged
    assert _max_margin_error(df, margins, res.weights) < 1e-8
    assert res.weights.sum() == pytest.approx(design.sum())
    # weights are design weights times a factor that is constant within a cell
    ratio = pd.Series(res.weights.to_numpy() / design).groupby([df[c] for c in cols])
    assert (ratio.max() - ratio.min()).max() < 1e-9 * ratio.max().max()


# ------------------------------------------------------------ hardening (issue 12)
def test_shares_that_all_sum_to_0_8_are_refused(small):
    """Issue 12, item 14: margins summing to 0.8 gave weights summing to 0.8."""
    df, _, margins = small
    scaled = {v: {c: 0.8 * s for c, s in spec.items()} for v, spec in margins.items()}
    with pytest.raises(ModelError, match="sum to 0.8, not 1"):
        rake(df, scaled)
    # said to be counts, they rake to a population of 0.8
    res = rake(df, scaled, counts=True)
    assert res.weights.sum() == pytest.approx(0.8)


def test_a_share_written_in_words_is_a_parameter_error(small):
    from cxlab.errors import ParameterError

    df, _, margins = small
    var = next(iter(margins))
    cat = next(iter(margins[var]))
    bad = {**margins, var: {**margins[var], cat: "forty"}}
    with pytest.raises(ParameterError, match="'forty', not a number") as err:
        rake(df, bad)
    assert err.value.column == var
    table = pd.DataFrame([(var, cat, "forty")], columns=["variable", "category", "share"])
    with pytest.raises(ParameterError, match="not a number"):
        rake(df, table)
    with pytest.raises(ParameterError, match="must map category"):
        rake(df, {var: [0.5, 0.5]})
