"""Tests of cxlab.importance (relative importance, penalty-reward), checked against peers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm

from cxlab.drivers import relative_importance as relative_importance_from_drivers
from cxlab.errors import DataError, ModelError, ParameterError
from cxlab.importance import MAX_EXACT, penalty_reward, relative_importance
from cxlab.synth import make_study


def _data(n=400, p=5, seed=0, weights=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    x[:, 1:] += 0.5 * x[:, [0]]  # correlated drivers
    beta = np.linspace(0.2, 0.8, p) * np.where(np.arange(p) == 1, -1, 1)
    y = x @ beta + rng.normal(size=n) * 1.5
    cols = [f"d{i}" for i in range(p)]
    df = pd.DataFrame(x * np.arange(1, p + 1) + 5, columns=cols)  # unequal scales
    df["y"] = y
    if weights:
        df["w"] = rng.integers(1, 4, n).astype(float)
    return df, cols


def _r2(df, cols, y="y", w=None):
    if not cols:
        return 0.0
    x = sm.add_constant(df[cols].to_numpy())
    model = sm.WLS(df[y].to_numpy(), x, weights=w) if w is not None else sm.OLS(df[y], x)
    return model.fit().rsquared


def _shapley_by_permutations(df, players, w=None):
    """Brute force: average marginal R-squared over every order of the players."""
    names = list(players)
    out = dict.fromkeys(names, 0.0)
    cache = {}

    def value(coalition):
        key = frozenset(coalition)
        if key not in cache:
            cols = [c for p in names if p in key for c in players[p]]
            cache[key] = _r2(df, cols, w=w)
        return cache[key]

    orders = list(itertools.permutations(names))
    for order in orders:
        for k, p in enumerate(order):
            out[p] += (value(order[: k + 1]) - value(order[:k])) / len(orders)
    return out


def _johnson_eigen(corr_xx, r_xy):
    """Johnson (2000): Lambda = P Delta^(1/2) P', beta = Lambda^-1 r, eps_j = sum_k L_jk^2 b_k^2."""
    vals, vecs = np.linalg.eig(corr_xx)  # general eig on purpose (not the library's eigh)
    vals, vecs = vals.real, vecs.real
    lam = vecs @ np.diag(np.sqrt(vals)) @ vecs.T
    beta = np.linalg.inv(lam) @ r_xy
    return np.array(
        [sum(lam[j, k] ** 2 * beta[k] ** 2 for k in range(len(beta))) for j in range(len(beta))]
    )


def _by_driver(table, names):
    return table.set_index("driver").loc[names, "importance"].to_numpy()


# --------------------------------------------------------------------------- Shapley


def test_shapley_matches_pingouin_relimp():
    df, cols = _data(n=300, p=6, seed=1)
    ours = relative_importance(df, "y", cols)
    ref = pg.linear_regression(df[cols], df["y"], relimp=True)
    np.testing.assert_allclose(_by_driver(ours, cols), ref["relimp"].to_numpy()[1:], atol=1e-8)
    np.testing.assert_allclose(
        ours.set_index("driver").loc[cols, "share"] * 100, ref["relimp_perc"][1:], atol=1e-6
    )


def test_shapley_matches_brute_force_permutations_and_sums_to_r2():
    df, cols = _data(n=250, p=4, seed=2)
    ours = relative_importance(df, "y", cols)
    brute = _shapley_by_permutations(df, {c: [c] for c in cols})
    np.testing.assert_allclose(_by_driver(ours, cols), [brute[c] for c in cols], atol=1e-10)
    r2 = _r2(df, cols)
    assert ours["importance"].sum() == pytest.approx(r2, abs=1e-10)
    assert ours.attrs["r_squared"] == pytest.approx(r2, abs=1e-10)
    assert ours["share"].sum() == pytest.approx(1.0)
    assert list(ours["rank"]) == list(range(1, len(cols) + 1))
    assert ours["importance"].is_monotonic_decreasing
    signs = ours.set_index("driver")["sign"]
    assert signs["d1"] == "-" and signs["d3"] == "+"  # planted negative effect on d1


def test_grouped_shapley_is_shapley_over_groups():
    df, cols = _data(n=250, p=6, seed=3)
    groups = {"emotive": ["d0", "d2", "d5"], "tactile": ["d1", "d3"]}
    ours = relative_importance(df, "y", cols, groups=groups)
    players = {**groups, "d4": ["d4"]}
    brute = _shapley_by_permutations(df, players)
    assert set(ours["driver"]) == set(players)
    np.testing.assert_allclose(
        _by_driver(ours, list(players)), [brute[p] for p in players], atol=1e-10
    )
    assert ours["importance"].sum() == pytest.approx(_r2(df, cols), abs=1e-10)
    grp = ours.set_index("driver")
    assert np.isnan(grp.loc["emotive", "beta"]) and grp.loc["tactile", "sign"] == "mixed"


def test_weights_are_honoured_as_frequency_weights():
    df, cols = _data(n=200, p=5, seed=4, weights=True)
    expanded = df.loc[df.index.repeat(df["w"].astype(int))]
    for method in ("shapley", "johnson"):
        weighted = relative_importance(df, "y", cols, method=method, weights="w")
        dup = relative_importance(expanded, "y", cols, method=method)
        np.testing.assert_allclose(_by_driver(weighted, cols), _by_driver(dup, cols), atol=1e-10)
        plain = relative_importance(df, "y", cols, method=method)
        assert not np.allclose(_by_driver(weighted, cols), _by_driver(plain, cols), atol=1e-6)
    brute = _shapley_by_permutations(df, {c: [c] for c in cols}, w=df["w"].to_numpy())
    weighted = relative_importance(df, "y", cols, weights="w")
    np.testing.assert_allclose(_by_driver(weighted, cols), [brute[c] for c in cols], atol=1e-10)


@pytest.mark.parametrize("method", ["shapley", "johnson"])
def test_scale_invariance(method):
    df, cols = _data(n=300, p=5, seed=5)
    base = relative_importance(df, "y", cols, method=method)
    tiny = df.assign(d2=df["d2"] * 1e-8, d3=df["d3"] * 1e8 + 1e3, y=df["y"] * 1e-8)
    scaled = relative_importance(tiny, "y", cols, method=method)
    np.testing.assert_allclose(_by_driver(scaled, cols), _by_driver(base, cols), atol=1e-9)
    pd.testing.assert_series_equal(scaled["driver"], base["driver"])
    assert list(scaled["sign"]) == list(base["sign"])


# --------------------------------------------------------------------------- Johnson


def test_johnson_matches_published_formula():
    df, cols = _data(n=400, p=6, seed=6)
    ours = relative_importance(df, "y", cols, method="johnson")
    corr = np.corrcoef(df[cols + ["y"]].to_numpy(), rowvar=False)
    ref = _johnson_eigen(corr[:-1, :-1], corr[:-1, -1])
    np.testing.assert_allclose(_by_driver(ours, cols), ref, atol=1e-10)
    assert ours["importance"].sum() == pytest.approx(_r2(df, cols), abs=1e-10)

    # Johnson's original route through the data: Z = U D V', orthogonal Z* = U V'
    z = df[cols].to_numpy()
    n = len(z)
    z = (z - z.mean(0)) / z.std(0) / np.sqrt(n)  # Z'Z = R
    zy = (df["y"] - df["y"].mean()) / df["y"].std(ddof=0) / np.sqrt(n)
    u, d, vt = np.linalg.svd(z, full_matrices=False)
    zstar = u @ vt
    beta = np.linalg.lstsq(zstar, zy, rcond=None)[0]
    lam = np.linalg.lstsq(zstar, z, rcond=None)[0]  # regress each X on Z*
    eps = (lam**2) @ (beta**2)
    np.testing.assert_allclose(_by_driver(ours, cols), eps, atol=1e-10)


def test_above_exact_limit_raises_and_names_the_fallback():
    df, cols = _data(n=300, p=MAX_EXACT + 2, seed=7)
    with pytest.raises(ModelError, match="johnson"):
        relative_importance(df, "y", cols)
    table = relative_importance(df, "y", cols, method="johnson")
    assert len(table) == MAX_EXACT + 2
    assert table["importance"].sum() == pytest.approx(table.attrs["r_squared"])
    # grouping brings it back under the limit
    groups = {"first": cols[:5], "second": cols[5:10]}
    grouped = relative_importance(df, "y", cols, groups=groups)
    assert len(grouped) == MAX_EXACT + 2 - 8


# --------------------------------------------------------------------------- data handling


def test_missing_values_dropped_listwise_and_counted():
    df, cols = _data(n=200, p=4, seed=8)
    df.loc[[1, 5, 9], "d2"] = np.nan
    df.loc[[5, 11], "y"] = np.nan
    table = relative_importance(df, "y", cols)
    assert table.attrs["n_dropped"] == 4
    assert table.attrs["n"] == 196
    complete = relative_importance(df.dropna(), "y", cols)
    np.testing.assert_allclose(table["importance"], complete["importance"])


def test_errors():
    df, cols = _data(n=100, p=3, seed=9)
    with pytest.raises(DataError, match="nope"):
        relative_importance(df, "y", cols + ["nope"])
    with pytest.raises(ParameterError):
        relative_importance(df, "y", cols, method="lmg2")
    with pytest.raises(ParameterError, match="not among the drivers"):
        relative_importance(df, "y", cols, groups={"g": ["d0", "zz"]})
    with pytest.raises(ParameterError, match="Shapley"):
        relative_importance(df, "y", cols, method="johnson", groups={"g": ["d0", "d1"]})
    with pytest.raises(ModelError, match="does not vary"):
        relative_importance(df.assign(d1=3.0), "y", cols)
    assert relative_importance_from_drivers is relative_importance


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_is_seeded_and_equals_brute_force_resampling():
    df, cols = _data(n=300, p=4, seed=10, weights=True)
    a = relative_importance(df, "y", cols, weights="w", n_boot=40, seed=3)
    b = relative_importance(df, "y", cols, weights="w", n_boot=40, seed=3)
    pd.testing.assert_frame_equal(a, b)
    c = relative_importance(df, "y", cols, weights="w", n_boot=40, seed=4)
    assert not np.allclose(a["ci_low"], c["ci_low"])
    assert (a["ci_low"] <= a["importance"]).all() and (a["importance"] <= a["ci_high"]).all()
    assert (a["share_ci_low"] <= a["share"]).all() and (a["share"] <= a["share_ci_high"]).all()
    # the same resamples drawn by hand and refitted from scratch
    rng = np.random.default_rng(3)
    counts = rng.multinomial(len(df), np.full(len(df), 1 / len(df)), size=40)
    boot = np.array(
        [
            _by_driver(
                relative_importance(df.loc[df.index.repeat(cnt)], "y", cols, weights="w"), cols
            )
            for cnt in counts
        ]
    )
    a_ = a.set_index("driver").loc[cols]
    np.testing.assert_allclose(a_["ci_low"], np.quantile(boot, 0.025, axis=0), atol=1e-9)
    np.testing.assert_allclose(a_["ci_high"], np.quantile(boot, 0.975, axis=0), atol=1e-9)


def test_cluster_bootstrap_resamples_whole_respondents():
    df, cols = _data(n=300, p=3, seed=11)
    df["respondent_id"] = np.repeat(np.arange(100), 3)
    res = relative_importance(df, "y", cols, n_boot=30, seed=1, respondent="respondent_id")
    rng = np.random.default_rng(1)
    counts = rng.multinomial(100, np.full(100, 1 / 100), size=30)
    boot = []
    for cnt in counts:
        rows = np.repeat(np.arange(100), cnt)
        sample = pd.concat([df[df.respondent_id == r] for r in rows])
        boot.append(_by_driver(relative_importance(sample, "y", cols), cols))
    np.testing.assert_allclose(
        res.set_index("driver").loc[cols, "ci_high"],
        np.quantile(np.array(boot), 0.975, axis=0),
        atol=1e-9,
    )


# --------------------------------------------------------------------------- synth


def test_emotive_group_dominates_high_investment_event():
    # one event of a 631-respondent study has ~380 raters: too few to separate a 1.4x
    # weight ratio reliably in R-squared shares, so use a larger study
    survey, truth = make_study("automotive", 3000, seed=0)
    et = survey.event_table()
    high = et[et.event_id == truth["highest_investment_event"]]
    low = et[et.event_id == truth["lowest_investment_event"]]
    res_hi = relative_importance(high, "satisfaction", ["tactile", "emotive"], weights="weight")
    res_lo = relative_importance(low, "satisfaction", ["tactile", "emotive"], weights="weight")
    assert res_hi.iloc[0]["driver"] == "emotive"
    assert res_lo.iloc[0]["driver"] == "tactile"
    assert res_hi.attrs["n_dropped"] > 0  # satisfaction item non-response in the synth data


# --------------------------------------------------------------------------- penalty-reward


def _pr_data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {a: rng.integers(1, 11, n).astype(float) for a in ("reliability", "dignity", "speed")}
    )
    df["satisfaction"] = (
        6.0
        - 1.5 * (df.reliability <= 3)  # basic: penalty only
        + 0.2 * (df.reliability >= 8)
        - 0.2 * (df.dignity <= 3)  # excitement: reward only
        + 1.5 * (df.dignity >= 8)
        - 0.8 * (df.speed <= 3)  # performance: symmetric
        + 0.8 * (df.speed >= 8)
        + rng.normal(0, 1, n)
    )
    return df


def test_penalty_reward_recovers_planted_classes_and_effects():
    df = _pr_data()
    res = penalty_reward(
        df, "satisfaction", ["reliability", "dignity", "speed"], low=3, high=8
    ).set_index("attribute")
    assert res.loc["reliability", "category"] == "basic"
    assert res.loc["dignity", "category"] == "excitement"
    assert res.loc["speed", "category"] == "performance"
    for attr, pen, rew in [("reliability", 1.5, 0.2), ("dignity", 0.2, 1.5), ("speed", 0.8, 0.8)]:
        assert abs(res.loc[attr, "penalty"] - pen) < 3 * res.loc[attr, "penalty_se"]
        assert abs(res.loc[attr, "reward"] - rew) < 3 * res.loc[attr, "reward_se"]
    # estimates are those of the dummy regression (independent statsmodels fit, HC1)
    x = pd.DataFrame({"const": 1.0}, index=df.index)
    for a in ["reliability", "dignity", "speed"]:
        x[f"{a}_low"] = (df[a] <= 3).astype(float)
        x[f"{a}_high"] = (df[a] >= 8).astype(float)
    ref = sm.OLS(df.satisfaction, x).fit(cov_type="HC1")
    assert res.loc["dignity", "reward"] == pytest.approx(ref.params["dignity_high"])
    assert res.loc["dignity", "penalty_se"] == pytest.approx(ref.bse["dignity_low"], rel=1e-8)


def test_penalty_reward_weights_and_errors():
    df = _pr_data(n=600, seed=1)
    df["w"] = np.random.default_rng(2).integers(1, 3, len(df)).astype(float)
    weighted = penalty_reward(df, "satisfaction", ["speed"], low=3, high=8, weights="w")
    dup = penalty_reward(df.loc[df.index.repeat(df.w.astype(int))], "satisfaction", ["speed"],
                         low=3, high=8)  # fmt: skip
    assert weighted["penalty"].item() == pytest.approx(dup["penalty"].item())
    with pytest.raises(ParameterError):
        penalty_reward(df, "satisfaction", ["speed"], low=8, high=3)
    with pytest.raises(ModelError, match="speed"):
        penalty_reward(df, "satisfaction", ["speed"], low=0, high=8)


def _pr_clustered(n_resp=120, n_events=8, seed=0):
    """Respondent x event rows: ratings and outcome share a respondent effect."""
    rng = np.random.default_rng(seed)
    rid = np.repeat(np.arange(n_resp), n_events)
    n = rid.size
    halo = rng.normal(0, 2.0, n_resp)[rid]
    df = pd.DataFrame({"respondent_id": [f"R{i:03d}" for i in rid]})
    for a in ("reliability", "dignity"):
        df[a] = np.clip(np.round(5.5 + halo + rng.normal(0, 1.5, n)), 1, 10)
    df["satisfaction"] = (
        6.0
        - 1.0 * (df.reliability <= 3)
        + 0.3 * (df.reliability >= 8)
        - 0.3 * (df.dignity <= 3)
        + 0.6 * (df.dignity >= 8)
        + rng.normal(0, 1.5, n_resp)[rid]
        + rng.normal(0, 0.7, n)
    )
    df["weight"] = rng.uniform(0.5, 2.0, n_resp)[rid]
    return df


def test_penalty_reward_clusters_by_respondent_as_statsmodels():
    df = _pr_clustered()
    attrs = ["reliability", "dignity"]
    res = penalty_reward(
        df, "satisfaction", attrs, low=3, high=8, weights="weight", respondent="respondent_id"
    ).set_index("attribute")
    x = pd.DataFrame({"const": 1.0}, index=df.index)
    for a in attrs:
        x[f"{a}_low"] = (df[a] <= 3).astype(float)
        x[f"{a}_high"] = (df[a] >= 8).astype(float)
    codes = pd.factorize(df.respondent_id)[0]
    ref = sm.WLS(df.satisfaction, x, weights=df.weight).fit(
        cov_type="cluster", cov_kwds={"groups": codes}, use_t=True
    )
    assert ref.df_resid_inference == 119
    for a in attrs:
        row = res.loc[a]
        assert row["penalty"] == pytest.approx(-ref.params[f"{a}_low"], rel=1e-10)
        assert row["penalty_se"] == pytest.approx(ref.bse[f"{a}_low"], rel=1e-8)
        assert row["reward_se"] == pytest.approx(ref.bse[f"{a}_high"], rel=1e-8)
        assert row["penalty_p"] == pytest.approx(ref.pvalues[f"{a}_low"], rel=1e-8)
        assert row["reward_p"] == pytest.approx(ref.pvalues[f"{a}_high"], rel=1e-8)
        contrast = np.zeros(len(x.columns))  # penalty - reward = -low - high
        contrast[list(x.columns).index(f"{a}_low")] = -1.0
        contrast[list(x.columns).index(f"{a}_high")] = -1.0
        tt = ref.t_test(contrast)
        assert row["difference"] == pytest.approx(float(tt.effect[0]), rel=1e-10)
        assert row["difference_se"] == pytest.approx(float(tt.sd[0, 0]), rel=1e-8)
        assert row["difference_p"] == pytest.approx(float(tt.pvalue), rel=1e-8)
    assert res.attrs["n_respondents"] == 120 and res.attrs["respondent"] == "respondent_id"
    # rows of one respondent are not independent: per-row HC1 understates the error
    naive = penalty_reward(df, "satisfaction", attrs, low=3, high=8, weights="weight")
    assert (res["reward_se"].to_numpy() > naive["reward_se"].to_numpy()).all()
    with pytest.raises(DataError, match="rid"):
        penalty_reward(df, "satisfaction", attrs, low=3, high=8, respondent="rid")


def test_shapley_weights_are_a_probability_over_sizes():
    from cxlab.importance import _shapley_operator

    for p in (1, 3, 7):
        for without, with_j, wgt in _shapley_operator(p):
            assert wgt.sum() == pytest.approx(1.0)
            assert len(without) == 2 ** (p - 1) == len(with_j)
        assert math.isclose(sum(_shapley_operator(p)[0][2]), 1.0)
