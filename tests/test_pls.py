"""Tests of cxlab.pls: planted paths, WPLS = row repetition, the textbook algorithm."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cxlab import pls
from cxlab.errors import CxlabError, DataError, ModelError, ParameterError
from cxlab.synth import make_pls_study

TOL = 1e-10


@pytest.fixture(scope="module")
def study():
    return make_pls_study(n=250, seed=3)


# ----------------------------------------------------- an independent implementation
def textbook_pls(frame, blocks, paths, scheme, modes=None, tol=1e-12, max_iter=1000):
    """Wold's PLS-PM algorithm as Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005,
    CSDA 48) state it, on the data matrix, one block at a time (Gauss-Seidel).

    Independent of cxlab.pls: loops over constructs, works on scores rather than
    correlation matrices, regressions by least squares on the data.
    """
    modes = modes or {}
    names = list(blocks)
    Z = {}
    for c in names:
        x = frame[blocks[c]].to_numpy(float)
        Z[c] = (x - x.mean(0)) / x.std(0, ddof=1)
    preds = {c: [s for s, t in paths if t == c] for c in names}
    succs = {c: [t for s, t in paths if s == c] for c in names}

    def std(v):
        return (v - v.mean()) / v.std(ddof=1)

    w = {c: np.ones(Z[c].shape[1]) for c in names}
    for c in names:
        w[c] = w[c] / (Z[c] @ w[c]).std(ddof=1)
    Y = {c: Z[c] @ w[c] for c in names}
    for _ in range(max_iter):
        old = {c: w[c].copy() for c in names}
        for c in names:
            inner = np.zeros(len(Y[c]))
            if scheme == "path" and preds[c]:
                P = np.column_stack([Y[p] for p in preds[c]])
                coef = np.linalg.lstsq(P, Y[c], rcond=None)[0]
                inner += P @ coef
            for other in preds[c] + succs[c]:
                r = np.corrcoef(Y[c], Y[other])[0, 1]
                if scheme == "path" and other in preds[c]:
                    continue
                e = np.sign(r) if scheme == "centroid" else r
                inner += e * Y[other]
            if modes.get(c, "A") == "A":
                new = Z[c].T @ inner / (len(inner) - 1)
            else:
                new = np.linalg.lstsq(Z[c], inner, rcond=None)[0]
            Y[c] = std(Z[c] @ new)
            w[c] = new / (Z[c] @ new).std(ddof=1)
        if max(np.abs(w[c] - old[c]).max() for c in names) < tol:
            break
    else:
        raise AssertionError("textbook PLS did not converge")
    coefs = {}
    for c in names:
        if preds[c]:
            P = np.column_stack([Y[p] for p in preds[c]])
            for p, b in zip(preds[c], np.linalg.lstsq(P, Y[c], rcond=None)[0], strict=True):
                coefs[(p, c)] = b
    return w, coefs


@pytest.mark.parametrize("scheme", ["centroid", "factorial", "path"])
def test_three_schemes_agree_with_the_textbook_algorithm(study, scheme):
    frame, truth = study
    res = pls.fit(frame, truth["blocks"], truth["paths"], scheme=scheme, tol=1e-12)
    w, coefs = textbook_pls(frame, truth["blocks"], truth["paths"], scheme)
    for row in res.paths.itertuples():
        assert row.estimate == pytest.approx(coefs[(row.source, row.target)], abs=1e-8)
    for c, items in truth["blocks"].items():
        got = res.outer.set_index("item").loc[items, "weight"].to_numpy()
        np.testing.assert_allclose(got, w[c], atol=1e-8)
    assert res.converged and res.iterations < 300


@pytest.mark.parametrize("scheme", ["centroid", "path"])
def test_mode_b_agrees_with_the_textbook_algorithm(study, scheme):
    frame, truth = study
    modes = {"quality": "B", "value": "B"}
    res = pls.fit(frame, truth["blocks"], truth["paths"], scheme=scheme, modes=modes, tol=1e-12)
    w, coefs = textbook_pls(frame, truth["blocks"], truth["paths"], scheme, modes=modes)
    for row in res.paths.itertuples():
        assert row.estimate == pytest.approx(coefs[(row.source, row.target)], abs=1e-8)
    got = res.outer.set_index("item").loc[truth["blocks"]["quality"], "weight"].to_numpy()
    np.testing.assert_allclose(got, w["quality"], atol=1e-8)
    assert set(res.outer.loc[res.outer["construct"] == "value", "mode"]) == {"B"}


def test_default_stop_criterion_is_close_to_the_converged_solution(study):
    frame, truth = study
    res = pls.fit(frame, truth["blocks"], truth["paths"])
    _, coefs = textbook_pls(frame, truth["blocks"], truth["paths"], "path")
    assert res.tol == 1e-7
    for row in res.paths.itertuples():
        assert row.estimate == pytest.approx(coefs[(row.source, row.target)], abs=1e-5)


def test_mode_b_recovers_formative_weights():
    rng = np.random.default_rng(5)
    n = 20000
    x = rng.multivariate_normal(np.zeros(3), 0.5 + 0.5 * np.eye(3), n)  # correlated
    true_w = np.array([0.6, 0.3, 0.1])
    eta = x @ true_w
    eta /= eta.std()
    out = 0.7 * eta + np.sqrt(1 - 0.49) * rng.standard_normal(n)
    frame = pd.DataFrame(x, columns=["f1", "f2", "f3"])
    for k in range(3):
        frame[f"y{k}"] = 0.9 * out + np.sqrt(1 - 0.81) * rng.standard_normal(n)
    res = pls.fit(
        frame,
        {"formed": ["f1", "f2", "f3"], "outcome": ["y0", "y1", "y2"]},
        [("formed", "outcome")],
        modes={"formed": "B"},
    )
    w = res.outer.set_index("item").loc[["f1", "f2", "f3"], "weight"].to_numpy()
    np.testing.assert_allclose(w / w.sum(), true_w / true_w.sum(), atol=0.02)
    # Mode A on the same block would weigh items by their correlation with the proxy
    res_a = pls.fit(frame, {"formed": ["f1", "f2", "f3"], "outcome": ["y0", "y1", "y2"]},
                    [("formed", "outcome")])  # fmt: skip
    assert not np.allclose(res_a.outer["weight"].to_numpy()[:3], w, atol=0.02)


# ---------------------------------------------------------------- planted truth
def test_planted_paths_are_recovered_with_reliable_items():
    # PLS scores carry measurement error, so paths are attenuated as block
    # reliability falls ("consistency at large"); with loadings near 0.95 and a large
    # sample the planted standardised paths are recovered closely.
    frame, truth = make_pls_study(n=20000, seed=11, loadings=(0.94, 0.97), discrete=False)
    res = pls.fit(frame, truth["blocks"], truth["paths"])
    for row in res.paths.itertuples():
        planted = truth["path_coefficients"][f"{row.source}->{row.target}"]
        assert row.estimate == pytest.approx(planted, abs=0.04), (row.source, row.target)
    r2 = res.r2.set_index("construct")["r2"]
    for c, planted in truth["r2"].items():
        assert r2[c] == pytest.approx(planted, abs=0.06), c
    loadings = res.outer.set_index("item")["loading"]
    for item, planted in truth["loadings"].items():
        # PLS loadings are biased upwards (an item is part of its own composite), the
        # more so in short blocks
        assert planted - 0.01 <= loadings[item] <= planted + 0.04, item


def test_planted_paths_at_survey_size(study):
    frame, truth = study
    res = pls.fit(frame, truth["blocks"], truth["paths"], n_boot=300, seed=2)
    for row in res.paths.itertuples():
        planted = truth["path_coefficients"][f"{row.source}->{row.target}"]
        assert row.estimate == pytest.approx(planted, abs=0.2), (row.source, row.target)
        if abs(planted) >= 0.3:  # strong planted paths are significant with the right sign
            assert np.sign(row.ci_low) == np.sign(row.ci_high) == np.sign(planted)
    # a total effect is the direct effect plus every indirect route
    te = res.total_effects.set_index(["source", "target"])
    p = res.paths.set_index(["source", "target"])["estimate"]
    expected = p[("image", "expectations")] * p[("expectations", "quality")]
    assert te.loc[("image", "quality"), "estimate"] == pytest.approx(expected, abs=1e-12)
    assert te.loc[("image", "quality"), "indirect"] == pytest.approx(expected, abs=1e-12)


# ------------------------------------------------------------------- weights
def _repeat(frame, w):
    return frame.loc[frame.index.repeat(w)].reset_index(drop=True)


@pytest.mark.parametrize(
    ("scheme", "modes"), [("path", None), ("centroid", {"value": "B"}), ("factorial", None)]
)
def test_integer_weights_equal_repeated_rows(study, scheme, modes):
    frame, truth = study
    w = np.random.default_rng(7).integers(1, 5, len(frame))
    kw = {"scheme": scheme, "modes": modes, "tol": 1e-12}
    a = pls.fit(frame, truth["blocks"], truth["paths"], weights=w, **kw)
    b = pls.fit(_repeat(frame, w), truth["blocks"], truth["paths"], **kw)
    assert a.weighted and not b.weighted and b.n == w.sum()
    for name in ("paths", "total_effects", "r2", "reliability"):
        x, y = getattr(a, name), getattr(b, name)
        num = x.select_dtypes("number").columns
        np.testing.assert_allclose(x[num].to_numpy(float), y[num].to_numpy(float), atol=TOL)
    num = ["weight", "loading", "unstandardised_weight"]
    np.testing.assert_allclose(a.outer[num].to_numpy(), b.outer[num].to_numpy(), atol=TOL)
    np.testing.assert_allclose(a.htmt.to_numpy(), b.htmt.to_numpy(), atol=TOL)
    np.testing.assert_allclose(a.index()["index"], b.index()["index"], atol=TOL)
    ia, ib = a.ipma("satisfaction"), b.ipma("satisfaction")
    np.testing.assert_allclose(
        ia[["importance", "performance"]], ib[["importance", "performance"]], atol=TOL
    )
    np.testing.assert_allclose(
        np.repeat(a.scores.to_numpy(), w, axis=0), b.scores.to_numpy(), atol=TOL
    )


def test_weights_by_column_name_and_array_agree(study):
    frame, truth = study
    w = np.random.default_rng(8).uniform(0.5, 2.0, len(frame))
    a = pls.fit(frame.assign(wt=w), truth["blocks"], truth["paths"], weights="wt")
    b = pls.fit(frame, truth["blocks"], truth["paths"], weights=w)
    np.testing.assert_allclose(a.paths["estimate"], b.paths["estimate"], atol=1e-14)
    c = pls.fit(frame, truth["blocks"], truth["paths"])
    assert not np.allclose(a.paths["estimate"], c.paths["estimate"], atol=1e-4)


def test_design_weights_correct_an_oversampled_index():
    # the population value of the satisfaction index, from a huge simple random sample
    pop, truth = make_pls_study(n=200_000, seed=21)
    target = pls.fit(pop, truth["blocks"], truth["paths"]).index().set_index("construct")["index"]
    frame, _ = make_pls_study(n=4000, seed=22, weights=True)
    weighted = pls.fit(frame, truth["blocks"], truth["paths"], weights="weight")
    unweighted = pls.fit(frame, truth["blocks"], truth["paths"])
    iw = weighted.index().set_index("construct")["index"]
    iu = unweighted.index().set_index("construct")["index"]
    for c in ("image", "satisfaction", "loyalty"):
        assert abs(iw[c] - target[c]) < 1.0, c
        assert iu[c] < target[c] - 1.0, c  # rural customers over-sampled: biased low


def test_bootstrap_re_rakes_a_rake_result():
    from cxlab.weighting import rake

    frame, truth = make_pls_study(n=300, seed=4, weights=True)
    raked = rake(frame, truth["margins"])
    res = pls.fit(frame, truth["blocks"], truth["paths"], weights=raked, n_boot=40, seed=1)
    fixed = pls.fit(
        frame, truth["blocks"], truth["paths"], weights=raked.weights, n_boot=40, seed=1
    )
    np.testing.assert_allclose(res.paths["estimate"], fixed.paths["estimate"], atol=1e-12)
    assert res.n_boot == 40
    assert not np.allclose(res.paths["se"], fixed.paths["se"])
    np.testing.assert_allclose(res.paths["estimate"], pls.fit(
        frame, truth["blocks"], truth["paths"], weights=raked.weights.to_numpy()
    ).paths["estimate"], atol=1e-12)  # fmt: skip


# ------------------------------------------------------------------- missing
def test_missing_listwise_drops_incomplete_respondents(study):
    frame, truth = study
    holed = frame.copy()
    rows = [3, 17, 40, 41, 99]
    holed.loc[rows[:3], "img2"] = np.nan
    holed.loc[rows[3:], "loy" if "loy" in holed else "recommend"] = np.nan
    res = pls.fit(holed, truth["blocks"], truth["paths"])
    ref = pls.fit(holed.dropna(subset=[i for v in truth["blocks"].values() for i in v]),
                  truth["blocks"], truth["paths"])  # fmt: skip
    assert res.n == len(frame) - 5 and res.n_dropped == 5
    np.testing.assert_allclose(res.paths["estimate"], ref.paths["estimate"], atol=1e-14)
    assert not set(rows) & set(res.scores.index)


def test_missing_mean_replacement(study):
    frame, truth = study
    holed = frame.copy()
    holed.loc[[1, 2, 3], "qual3"] = np.nan
    res = pls.fit(holed, truth["blocks"], truth["paths"], missing="mean")
    filled = holed.fillna({"qual3": holed["qual3"].mean()})
    ref = pls.fit(filled, truth["blocks"], truth["paths"])
    assert res.n == len(frame)
    np.testing.assert_allclose(res.paths["estimate"], ref.paths["estimate"], atol=1e-12)


# ------------------------------------------------------------------- index, IPMA
def test_index_follows_the_acsi_formula(study):
    frame, truth = study
    res = pls.fit(frame, truth["blocks"], truth["paths"], scales=truth["scales"])
    idx = res.index().set_index("construct")["index"]
    for c, items in truth["blocks"].items():
        x = frame[items].to_numpy(float)
        w = res.outer.set_index("item").loc[items, "weight"].to_numpy()
        u = w / x.std(0, ddof=1)
        manual = 100 * (u @ (x.mean(0) - 1)) / (u @ np.full(len(items), 9.0))
        assert idx[c] == pytest.approx(manual, abs=1e-10), c
        assert 0 <= res.scores_100[c].min() and res.scores_100[c].max() <= 100
    assert res.scale_source == "given scales"
    observed = pls.fit(frame, truth["blocks"], truth["paths"])
    assert "observed range" in observed.scale_source


def test_ipma_importance_is_the_unstandardised_total_effect(study):
    frame, truth = study
    w = np.random.default_rng(9).uniform(0.5, 2, len(frame))
    res = pls.fit(frame, truth["blocks"], truth["paths"], weights=w, scales=truth["scales"])
    s = res.scores_100
    names = list(truth["blocks"])
    B = np.zeros((len(names), len(names)))
    for c in names:
        preds = [a for a, b in truth["paths"] if b == c]
        if preds:
            model = sm.WLS(s[c], sm.add_constant(s[preds]), weights=w).fit()
            for p in preds:
                B[names.index(p), names.index(c)] = model.params[p]
    total = np.linalg.inv(np.eye(len(names)) - B) - np.eye(len(names))
    table = res.ipma("loyalty").set_index("construct")
    assert set(table.index) == set(names) - {"loyalty"}
    for c in table.index:
        assert table.loc[c, "importance"] == pytest.approx(
            total[names.index(c), names.index("loyalty")], abs=1e-8
        )
        assert table.loc[c, "performance"] == pytest.approx(np.average(s[c], weights=w), abs=1e-8)
    assert table.attrs["target"] == "loyalty"
    with pytest.raises(ParameterError, match="no construct has an effect on 'image'"):
        res.ipma("image")
    with pytest.raises(ParameterError, match="unknown construct 'nps'"):
        res.ipma("nps")


def test_survey_input_takes_scale_ends_from_the_codebook():
    from cxlab.codebook import Codebook
    from cxlab.survey import survey_from_frame

    frame, truth = make_pls_study(n=120, seed=1)
    items = [i for v in truth["blocks"].values() for i in v]
    cb = Codebook.from_dict(
        {
            "scales": {"ten": {"min": 1, "max": 10}},
            "respondent_items": {i: {"column": i, "type": "rating", "scale": "ten"} for i in items},
        }
    )
    survey = survey_from_frame(frame, cb)
    res = pls.fit(survey, truth["blocks"], truth["paths"])
    assert res.scale_source == "the codebook's scales"
    assert set(res.outer["scale_min"]) == {1.0} and set(res.outer["scale_max"]) == {10.0}


# ------------------------------------------------------------------- reliability
def test_reliability_formulas(study):
    frame, truth = study
    res = pls.fit(frame, truth["blocks"], truth["paths"])
    rel = res.reliability.set_index("construct")
    items = truth["blocks"]["quality"]
    lam = res.outer.set_index("item").loc[items, "loading"].to_numpy()
    assert rel.loc["quality", "ave"] == pytest.approx(np.mean(lam**2), abs=1e-12)
    assert rel.loc["quality", "rho_c"] == pytest.approx(
        lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()), abs=1e-12
    )
    z = frame[items].to_numpy(float)
    z = (z - z.mean(0)) / z.std(0, ddof=1)  # alpha of the standardised items, as SmartPLS
    k = len(items)
    alpha = k / (k - 1) * (1 - z.var(0, ddof=1).sum() / z.sum(1).var(ddof=1))
    assert rel.loc["quality", "alpha"] == pytest.approx(alpha, abs=1e-10)
    # rho_A lies between alpha and rho_c for reflective blocks (Dijkstra & Henseler 2015)
    for c in truth["blocks"]:
        assert rel.loc[c, "alpha"] - 1e-9 <= rel.loc[c, "rho_a"] <= rel.loc[c, "rho_c"] + 1e-9
    r = frame[truth["blocks"]["quality"] + truth["blocks"]["value"]].corr().to_numpy()
    q, v = len(truth["blocks"]["quality"]), len(truth["blocks"]["value"])
    mono_q = r[:q, :q][np.triu_indices(q, 1)].mean()
    mono_v = r[q:, q:][np.triu_indices(v, 1)].mean()
    htmt = r[:q, q:].mean() / np.sqrt(mono_q * mono_v)
    assert res.htmt.loc["quality", "value"] == pytest.approx(htmt, abs=1e-12)
    assert res.htmt.loc["value", "quality"] == pytest.approx(htmt, abs=1e-12)
    assert (rel["htmt_max"] < 0.85).all()


# ------------------------------------------------------------------- bootstrap
def test_bootstrap_is_seeded_and_reports_intervals(study):
    frame, truth = study
    a = pls.fit(frame, truth["blocks"], truth["paths"], n_boot=100, seed=5)
    b = pls.fit(frame, truth["blocks"], truth["paths"], n_boot=100, seed=5)
    c = pls.fit(frame, truth["blocks"], truth["paths"], n_boot=100, seed=6)
    pd.testing.assert_frame_equal(a.paths, b.paths)
    assert not np.allclose(a.paths["se"], c.paths["se"])
    assert (a.paths["ci_low"] < a.paths["estimate"]).all()
    assert (a.paths["estimate"] < a.paths["ci_high"]).all()
    assert {"se", "ci_low", "ci_high"} <= set(a.index().columns)
    assert {"loading_ci_low", "weight_ci_high"} <= set(a.outer.columns)
    assert a.draws["paths"].shape[0] == a.n_boot == 100


def test_cluster_bootstrap_resamples_whole_clusters(study):
    frame, truth = study
    cl = np.arange(len(frame)) // 5
    res = pls.fit(frame, truth["blocks"], truth["paths"], n_boot=60, seed=1, cluster=cl)
    iid = pls.fit(frame, truth["blocks"], truth["paths"], n_boot=60, seed=1)
    np.testing.assert_allclose(res.paths["estimate"], iid.paths["estimate"])
    assert not np.allclose(res.paths["se"], iid.paths["se"])


def _coverage(reps, n_boot, seed0):
    big, truth = make_pls_study(n=200_000, seed=99)
    # the population value of the PLS estimator (not the latent path: PLS is biased)
    population = pls.fit(big, truth["blocks"], truth["paths"]).paths["estimate"].to_numpy()
    hits = []
    for r in range(reps):
        frame, _ = make_pls_study(n=250, seed=seed0 + r)
        res = pls.fit(frame, truth["blocks"], truth["paths"], n_boot=n_boot, seed=r)
        hits.append((res.paths["ci_low"] <= population) & (population <= res.paths["ci_high"]))
    return np.mean(hits)


def test_bootstrap_interval_coverage_fast():
    coverage = _coverage(reps=30, n_boot=200, seed0=1000)
    assert 0.85 <= coverage <= 0.995


@pytest.mark.slow
def test_bootstrap_interval_coverage_slow():
    coverage = _coverage(reps=300, n_boot=1000, seed0=5000)
    assert 0.925 <= coverage <= 0.97


# ------------------------------------------------------------------- output
def test_summary_plot_and_ipma_chart(study):
    frame, truth = study
    res = pls.fit(frame, truth["blocks"], truth["paths"], n_boot=100)
    summary = res.summary()
    assert list(summary.columns[:3]) == ["source", "target", "estimate"]
    assert summary["target_r2"].notna().all() and summary.attrs["n"] == len(frame)
    assert res.table is res.paths
    ax = res.plot()
    assert isinstance(ax, matplotlib.axes.Axes) and len(ax.patches) == 7 + len(truth["paths"])
    ax2 = res.plot_ipma("satisfaction")
    assert isinstance(ax2, matplotlib.axes.Axes)
    assert "satisfaction" in ax2.get_title()
    import matplotlib.pyplot as plt

    plt.close("all")


# ------------------------------------------------------------------- bad input
def test_bad_blocks_and_paths_are_named(study):
    frame, truth = study
    blocks = dict(truth["blocks"])
    with pytest.raises(ParameterError, match="unknown construct 'trust'") as err:
        pls.fit(frame, blocks, [*truth["paths"], ("trust", "loyalty")])
    assert "paths[12]" in str(err.value)
    with pytest.raises(ParameterError, match="both 'image' and 'value'"):
        pls.fit(frame, {**blocks, "value": ["val1", "img1"]}, truth["paths"])
    with pytest.raises(ParameterError, match="cycle"):
        pls.fit(frame, blocks, [*truth["paths"], ("loyalty", "expectations")])
    with pytest.raises(ParameterError, match="'spare' is on no path"):
        pls.fit(frame.assign(z=frame["img1"]), {**blocks, "spare": ["z"]}, truth["paths"])
    with pytest.raises(ParameterError, match="mode of 'image'"):
        pls.fit(frame, blocks, truth["paths"], modes={"image": "C"})
    with pytest.raises(ParameterError, match="scheme must be one of"):
        pls.fit(frame, blocks, truth["paths"], scheme="horst")
    # every problem at once
    with pytest.raises(CxlabError) as err:
        pls.fit(frame, blocks, [("image", "nowhere"), ("image", "image")], scheme="x")
    text = str(err.value)
    assert "problems" in text and "nowhere" in text and "to itself" in text and "scheme" in text


def test_bad_data_is_named(study):
    frame, truth = study
    with pytest.raises(DataError, match="not columns") as err:
        pls.fit(frame.drop(columns=["sat2"]), truth["blocks"], truth["paths"])
    assert "sat2" in str(err.value)
    bad = frame.astype({"val1": object})
    bad.loc[4, "val1"] = "n/a"
    with pytest.raises(DataError, match="numeric") as err:
        pls.fit(bad, truth["blocks"], truth["paths"])
    assert "val1" in str(err.value)
    w = np.ones(len(frame))
    w[[2, 9]] = [0, -1]
    with pytest.raises(DataError, match="positive") as err:
        pls.fit(frame, truth["blocks"], truth["paths"], weights=w)
    assert "rows 3, 10" in str(err.value)
    with pytest.raises(DataError, match="without variance"):
        pls.fit(frame.assign(comp2=5.0), truth["blocks"], truth["paths"])
    with pytest.raises(ModelError, match="respondents answered every item"):
        pls.fit(frame.head(8), truth["blocks"], truth["paths"])
    twin = frame.assign(val3=frame["val1"])
    with pytest.raises(ModelError, match="collinear"):
        pls.fit(twin, truth["blocks"], truth["paths"], modes={"value": "B"})
    with pytest.raises(ParameterError, match="missing"):
        pls.fit(frame, truth["blocks"], truth["paths"], missing="pairwise")


def test_model_problems_lists_locations():
    problems = pls.model_problems(
        {"a": ["x"], "b": []}, [("a", "b"), ("a", "c")], location="satisfaction_model."
    )
    locations = [loc for _, loc in problems]
    assert "satisfaction_model.blocks.b" in locations
    assert "satisfaction_model.paths[1]" in locations
    assert pls.model_problems({"a": ["x"], "b": ["y"]}, [("a", "b")]) == []
