"""Tests for cxlab.advocacy_drivers: ordinal advocacy drivers, defector/promoter."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchmarks.bench_ordinal import weighted_ordered_model as _weighted_ordered_model
from cxlab.advocacy_drivers import advocacy_drivers, defector_promoter
from cxlab.segments import classify_advocacy
from cxlab.synth import make_study


# ------------------------------------------------------------------- the peer
def _peer_fit(model):
    """The peer fitted to its optimum: BFGS at a gradient tolerance of 1e-10
    (statsmodels' default 1e-5 stops about 1e-4 short of it); HC0 SEs.

    ``bse`` is statsmodels' HC0 sandwich (``cov_white_simple``: ``H^-1 S'S H^-1`` with
    the model's numerical ``score_obs`` and Hessian) with the Hessian's finite-difference
    step set to 1e-4: at the default step the numerical Hessian is off by about 1e-6 of
    its size, which the inversion turns into 1e-5 errors in the SEs of weakly
    identified terms (``peer.model_bse`` keeps statsmodels' own)."""
    from statsmodels.tools.numdiff import approx_hess3

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(method="bfgs", maxiter=5000, gtol=1e-10, disp=False, cov_type="HC0")
    params = np.asarray(fit.params)
    hinv = np.linalg.inv(approx_hess3(params, model.loglike, epsilon=1e-4))
    scores = model.score_obs(params)
    cov = hinv @ scores.T @ scores @ hinv
    peer = type("Peer", (), {})()
    peer.params, peer.bse, peer.model_bse = params, np.sqrt(np.diag(cov)), np.asarray(fit.bse)
    peer.cov = lambda: cov
    return peer


# ------------------------------------------------------------------- drivers
def test_weighted_ordered_model_equals_replicated_rows():
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    rng = np.random.default_rng(4)
    n = 300
    x = rng.normal(size=(n, 2))
    y = np.digitize(x @ [1.0, -0.5] + rng.logistic(size=n), [-1, 1])
    w = rng.integers(1, 4, n).astype(float)
    weighted = _weighted_ordered_model()(y, x, w, distr="logit").fit(method="bfgs", disp=False)
    rep = np.repeat(np.arange(n), w.astype(int))
    peer = OrderedModel(y[rep], x[rep], distr="logit").fit(method="bfgs", disp=False)
    np.testing.assert_allclose(weighted.params, peer.params, rtol=1e-4, atol=1e-5)
    unweighted = _weighted_ordered_model()(y, x, np.ones(n), distr="logit").fit(
        method="bfgs", disp=False
    )
    plain = OrderedModel(y, x, distr="logit").fit(method="bfgs", disp=False)
    np.testing.assert_allclose(unweighted.params, plain.params, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("study", ["banking", "automotive"])
def test_advocacy_drivers_rank_planted_impacts(study):
    # at the default 631 respondents the ranking is right in about 19 of 20 studies
    # (benchmarks/README.md); a larger study makes this a test of the model, not of a seed
    survey, truth = make_study(study, 2500, seed=0)
    res = advocacy_drivers(survey)
    impact = pd.Series(truth["advocacy_impact"])
    top = impact.sort_values(ascending=False)
    t = res.table.set_index("event_id")
    # the largest planted impacts rank first (ties in truth within 0.05 are interchangeable)
    big = set(top[top >= top.iloc[0] - 0.05].index)
    first = set(res.table["event_id"].iloc[: len(big)])
    assert first == big
    # linear agreement of coefficients with planted impacts (the small impacts 0.1-0.12 are
    # closer together than one SE, so a rank correlation among them would be noise)
    rho = pd.Series(t["coef"]).corr(impact.reindex(t.index))
    assert rho > 0.75
    # the smallest planted impact is not significantly positive in the advocate probability
    assert t.loc[top.index[-1], "advocate_ci_low"] < t.loc[top.index[0], "advocate_ci_low"]
    # advocate and antagonist effects go in opposite directions
    assert (np.sign(t["advocate_pp"]) == -np.sign(t["antagonist_pp"])).all()


def test_advocacy_drivers_delta_se_matches_parametric_simulation(banking):
    from cxlab._checks import frames as _frames
    from cxlab.advocacy_drivers import _wide
    from cxlab.segments import advocacy_groups as _respondent_groups

    survey, _ = banking
    res = advocacy_drivers(survey)
    # independent check of the delta method: simulate params from N(params, cov)
    r, et = _frames(survey)
    X, rated, cols = _wide(r, et, ["satisfaction"], 30)
    g = _respondent_groups(r, three=True)
    keep = g.notna().to_numpy()
    Xk = (X[keep] - X[keep].mean()).to_numpy()
    model = _weighted_ordered_model()(
        g.cat.codes.to_numpy()[keep], Xk, np.ones(keep.sum()), distr="logit"
    )
    coef = res.coefficients
    draws = np.random.default_rng(0).multivariate_normal(
        coef["coef"].to_numpy(), np.diag(coef["se"].to_numpy() ** 2), size=1
    )
    assert draws.shape[1] == len(coef)
    fit = _peer_fit(model)
    sims = np.random.default_rng(1).multivariate_normal(fit.params, fit.cov(), size=400)
    j = [c[1] for c in cols].index("resolve_issue")
    r_j = rated[keep][:, j]
    shifted = Xk.copy()
    shifted[:, j] += 1

    def ame(p):
        return (
            100
            * (
                model.predict(p, exog=shifted[r_j])[:, 2] - model.predict(p, exog=Xk[r_j])[:, 2]
            ).mean()
        )

    sd = np.std([ame(p) for p in sims], ddof=1)
    row = res.table.set_index("event_id").loc["resolve_issue"]
    assert row["advocate_pp"] == pytest.approx(ame(fit.params), rel=1e-6)
    assert row["advocate_se"] == pytest.approx(sd, rel=0.15)


def test_advocacy_drivers_weights_and_composites(banking):
    survey, truth = banking
    r = survey.respondents.assign(
        weight=np.where(survey.respondents.gender.astype(str) == "Male", 1.5, 0.8)
    )
    res_w = advocacy_drivers((r, survey.event_table()))
    res_u = advocacy_drivers(survey)
    assert res_w.n_effective < res_u.n_effective
    assert not np.allclose(
        res_w.table.sort_values("event_id")["coef"], res_u.table.sort_values("event_id")["coef"]
    )
    comp = advocacy_drivers(survey, measure=["tactile", "emotive"])
    assert len(comp.table) == 2 * len(truth["advocacy_impact"])
    assert set(comp.table["measure"]) == {"tactile", "emotive"}
    ax = res_u.plot()
    assert ax.get_title() and ax.get_xlabel()
    names = dict(zip(survey.events["event_id"], survey.events["name"], strict=True))
    labels = {t.get_text() for t in res_u.plot(names=names).get_yticklabels()}
    assert labels == set(names.values())


def test_advocacy_drivers_no_event_with_enough_raters_is_a_model_error(banking):
    from cxlab.errors import ModelError, SuppressionWarning

    survey, _ = banking
    most = int(survey.event_table().groupby("event_id", observed=True).size().max())
    with pytest.warns(SuppressionWarning), pytest.raises(ModelError, match=f"at least {most + 1}"):
        advocacy_drivers(survey, min_base=most + 1)


# ------------------------------------------------------------ defector/promoter
def test_defector_promoter_ranks_and_peer(banking):
    survey, truth = banking
    dp = defector_promoter(survey)
    events = dp[dp.kind == "event"].reset_index(drop=True)
    impact = pd.Series(truth["advocacy_impact"])
    assert set(events["item"].iloc[:2]) == set(impact.nlargest(2).index)
    assert (dp["d"].diff().dropna() <= 0).all()
    # peer: pingouin's Cohen's d (unweighted, pooled SD) for the top event
    import pingouin as pg

    r = survey.respondents
    et = survey.event_table()
    g = classify_advocacy(r.recommend)
    sat = et[et.event_id == events["item"].iloc[0]].set_index("respondent_id")["satisfaction"]
    grp = pd.Series(g.astype(str).to_numpy(), index=r.respondent_id).reindex(sat.index)
    d_peer = pg.compute_effsize(sat[grp == "advocate"], sat[grp == "antagonist"], eftype="cohen")
    assert events["d"].iloc[0] == pytest.approx(d_peer, rel=1e-6)
    assert {"efficiency", "dignity", "tactile", "emotive"} <= set(
        dp.loc[dp.kind == "attribute", "item"]
    )


@pytest.mark.slow
def test_drivers_recovery_across_studies():
    """Over 20 synthetic studies the two largest planted impacts rank first most of the time."""
    from cxlab.synth import make_study

    hits = 0
    for seed in range(20):
        survey, truth = make_study("banking", n_respondents=631, seed=100 + seed)
        res = advocacy_drivers(survey)
        top2 = set(pd.Series(truth["advocacy_impact"]).nlargest(2).index)
        hits += set(res.table["event_id"].iloc[:2]) == top2
    print(f"top-2 planted drivers ranked first in {hits}/20 studies")
    assert hits >= 17


@pytest.mark.slow
def test_drivers_marginal_effect_ci_coverage():
    """Delta-method CIs of the advocate/antagonist changes cover the true AME about 95%."""
    rng = np.random.default_rng(21)
    n, beta, cuts = 600, np.array([0.5, 0.25, 0.0]), np.array([-1.0, 0.8])
    events = ["a", "b", "c"]
    sat = rng.integers(1, 11, size=(n, 3)).astype(float)
    rated = rng.random((n, 3)) < 0.7
    centred = np.where(rated, sat - np.nanmean(np.where(rated, sat, np.nan), axis=0), 0.0)
    eta = centred @ beta
    # true AME over raters for a one-point improvement, probabilities from the true model
    true = {}
    for j, e in enumerate(events):
        r = rated[:, j]
        up = eta[r] + beta[j]

        def probs(x):
            cdf = 1 / (1 + np.exp(-(cuts[None, :] - x[:, None])))
            return np.column_stack([cdf[:, 0], cdf[:, 1] - cdf[:, 0], 1 - cdf[:, 1]])

        d = probs(up) - probs(eta[r])
        true[e] = 100 * d[:, 2].mean(), 100 * d[:, 0].mean()
    ids = [f"r{i}" for i in range(n)]
    rows = [(ids[i], e, sat[i, j]) for i in range(n) for j, e in enumerate(events) if rated[i, j]]
    et = pd.DataFrame(rows, columns=["respondent_id", "event_id", "satisfaction"])
    hits, total = 0, 0
    for _ in range(150):
        y = np.digitize(eta + rng.logistic(size=n), cuts)
        resp = pd.DataFrame({"respondent_id": ids, "recommend": np.array([3.0, 8.0, 10.0])[y]})
        t = advocacy_drivers((resp, et), weights=None).table.set_index("event_id")
        for e in events:
            adv, ant = true[e]
            hits += t.loc[e, "advocate_ci_low"] <= adv <= t.loc[e, "advocate_ci_high"]
            hits += t.loc[e, "antagonist_ci_low"] <= ant <= t.loc[e, "antagonist_ci_high"]
            total += 2
    print(f"AME delta-method CI coverage: {hits}/{total} = {hits / total:.3f}")
    assert 0.92 <= hits / total <= 0.975


def test_antagonist_and_advocate_effects_by_an_analytic_delta_method(banking):
    """The change in P(antagonist) (and P(advocate)) per rating point, and its SE, by hand:
    P(antagonist) = logistic(c1 - x b), P(advocate) = 1 - logistic(c2 - x b) with
    c2 = c1 + exp(k); analytic gradients (not the numerical ones of the code) and the
    sandwich covariance of the weighted ordinal fit."""
    from scipy.special import expit

    from cxlab._checks import frames as _frames
    from cxlab.advocacy_drivers import _wide
    from cxlab.segments import advocacy_groups as _respondent_groups

    survey, _ = banking
    res = advocacy_drivers(survey)
    r, et = _frames(survey)
    X, rated, cols = _wide(r, et, ["satisfaction"], 30)
    g = _respondent_groups(r, three=True)
    w = r["weight"].to_numpy(float)
    keep = g.notna().to_numpy()
    wk = w[keep] / w[keep].mean()
    Xk = (X[keep] - X[keep].mean()).to_numpy()
    model = _weighted_ordered_model()(g.cat.codes.to_numpy()[keep], Xk, wk, distr="logit")
    fit = _peer_fit(model)
    params, cov = fit.params, fit.cov()
    k = Xk.shape[1]
    beta, c1, c2 = params[:k], params[k], params[k] + np.exp(params[k + 1])
    table = res.table.set_index("event_id")
    for j, (_, event) in enumerate(cols):
        on = rated[keep][:, j]
        x0, ww = Xk[on], wk[on]
        x1 = x0.copy()
        x1[:, j] += 1
        e0, e1 = x0 @ beta, x1 @ beta
        lam = lambda u: expit(u) * (1 - expit(u))  # noqa: E731
        avg = lambda v, ww=ww: np.average(v, axis=0, weights=ww)  # noqa: E731
        ant = 100 * avg(expit(c1 - e1) - expit(c1 - e0))
        grad_a = np.zeros(params.size)
        grad_a[:k] = 100 * avg(-lam(c1 - e1)[:, None] * x1 + lam(c1 - e0)[:, None] * x0)
        grad_a[k] = 100 * avg(lam(c1 - e1) - lam(c1 - e0))
        adv = 100 * avg(expit(c2 - e0) - expit(c2 - e1))
        grad_v = np.zeros(params.size)
        grad_v[:k] = 100 * avg(lam(c2 - e1)[:, None] * x1 - lam(c2 - e0)[:, None] * x0)
        d = 100 * avg(lam(c2 - e0) - lam(c2 - e1))
        grad_v[k], grad_v[k + 1] = d, d * np.exp(params[k + 1])
        row = table.loc[event]
        assert row["antagonist_pp"] == pytest.approx(ant, rel=1e-6, abs=1e-9)
        assert row["antagonist_se"] == pytest.approx(np.sqrt(grad_a @ cov @ grad_a), rel=1e-4)
        assert row["advocate_pp"] == pytest.approx(adv, rel=1e-6, abs=1e-9)
        assert row["advocate_se"] == pytest.approx(np.sqrt(grad_v @ cov @ grad_v), rel=1e-4)
        half = stats.norm.ppf(0.975) * row["antagonist_se"]
        assert row["antagonist_ci_high"] - row["antagonist_pp"] == pytest.approx(half)


# ------------------------------------------------- the Newton solver against the peer
def _assert_matches_peer(fit, peer, k):
    """Coefficients, thresholds and sandwich SEs equal to 1e-6 (the peer's derivatives
    are numerical; the solver's analytic)."""
    params, bse = np.asarray(peer.params), np.asarray(peer.bse)
    np.testing.assert_allclose(fit.params[:k], params[:k], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(fit.params[k:], params[k:], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), bse, rtol=1e-6)
    # statsmodels' own HC0 SEs (default numerical Hessian step) within their accuracy
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), peer.model_bse, rtol=1e-4)


@pytest.mark.parametrize("weighted", [False, True])
def test_advocacy_drivers_equal_the_statsmodels_peer(banking, weighted):
    from cxlab._checks import frames as _frames
    from cxlab.advocacy_drivers import _wide
    from cxlab.segments import advocacy_groups as _respondent_groups

    survey, _ = banking
    r, et = _frames(survey)
    rng = np.random.default_rng(3)
    r = r.assign(weight=rng.uniform(0.2, 4.0, len(r)) if weighted else 1.0)
    res = advocacy_drivers((r, et))
    X, _, _ = _wide(r, et, ["satisfaction"], 30)
    g = _respondent_groups(r, three=True)
    keep = g.notna().to_numpy()
    w = r["weight"].to_numpy(float)[keep]
    Xk = (X[keep] - X[keep].mean()).to_numpy()
    peer = _peer_fit(
        _weighted_ordered_model()(g.cat.codes.to_numpy()[keep], Xk, w / w.mean(), distr="logit")
    )
    coef = res.coefficients
    k = Xk.shape[1]
    assert coef["term"].iloc[k:].tolist() == ["threshold_1", "threshold_2_log_increment"]
    fit = type("F", (), {"params": coef["coef"].to_numpy(), "cov": np.diag(coef["se"] ** 2)})
    _assert_matches_peer(fit, peer, k)
    assert res.converged


@pytest.mark.parametrize("weighted", [False, True])
def test_ordinal_solver_on_a_shape_unlike_the_sample(weighted):
    """Five skewed categories, continuous and binary predictors of other scales, strongly
    unequal weights; row level (no two rows alike) and pooled cells give the same fit."""
    from cxlab._ordinal import fit_ordinal, pool_rows

    rng = np.random.default_rng(11)
    n = 1500
    x = np.column_stack(
        [rng.normal(size=n) * 3, rng.integers(0, 2, n), rng.exponential(size=n) - 1]
    )
    y = np.digitize(x @ [0.4, -1.2, 0.7] + rng.logistic(size=n), [-3.0, -0.5, 0.0, 2.5])
    assert np.bincount(y).size == 5 and np.bincount(y).min() > 20
    w = rng.lognormal(0, 1, n) if weighted else np.ones(n)
    fit = fit_ordinal(x, y, w)
    peer = _peer_fit(_weighted_ordered_model()(y, x, w, distr="logit"))
    _assert_matches_peer(fit, peer, 3)
    assert fit.converged and fit.iterations < 20
    # discrete predictors pool into cells: the same fit from the cell sums
    xd = np.column_stack([rng.integers(0, 11, n), rng.integers(0, 2, n)]).astype(float)
    yd = np.digitize(xd @ [0.3, -0.8] + rng.logistic(size=n), [0.0, 1.5, 2.5, 4.0])
    rows = fit_ordinal(xd, yd, w)
    cell, first = pool_rows([*xd.T, yd])
    assert first.size < n / 5
    cells = fit_ordinal(
        xd[first],
        yd[first],
        np.bincount(cell, weights=w),
        np.bincount(cell, weights=w * w),
        n_categories=5,
    )
    np.testing.assert_allclose(cells.params, rows.params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cells.cov, rows.cov, rtol=1e-9, atol=1e-14)


def test_ordinal_solver_failures_are_cxlab_errors_and_warnings():
    from cxlab._ordinal import fit_ordinal
    from cxlab.errors import ConvergenceWarning, ModelError

    rng = np.random.default_rng(0)
    n = 200
    x = rng.normal(size=(n, 2))
    y = np.digitize(x[:, 0], [-0.5, 0.5])  # the groups separated by x: no finite optimum
    sep = fit_ordinal(x, y, np.ones(n))
    assert sep.separated and not sep.converged
    with pytest.raises(ModelError, match="singular"):
        fit_ordinal(np.column_stack([x[:, 0], np.zeros(n)]), y, np.ones(n))
    with pytest.raises(ModelError, match="two categories"):
        fit_ordinal(x, np.zeros(n, dtype=int), np.ones(n))
    # through the public function: separation is a ConvergenceWarning, not a silent fit
    ids = [f"r{i}" for i in range(n)]
    sat = rng.integers(1, 11, n).astype(float)
    et = pd.DataFrame({"respondent_id": ids, "event_id": "a", "satisfaction": sat})
    recommend = np.select([sat <= 4, sat <= 7], [0.0, 7.0], 10.0)  # groups cut by the rating
    resp = pd.DataFrame({"respondent_id": ids, "recommend": recommend})
    with pytest.warns(ConvergenceWarning, match="separate the advocacy groups"):
        res = advocacy_drivers((resp, et), weights=None)
    assert not res.converged
    # the same data with noise in the groups: a clean fit, no warning
    resp["recommend"] = np.clip(recommend + rng.choice([-3.0, 0.0, 3.0], n), 0, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        assert advocacy_drivers((resp, et), weights=None).converged
