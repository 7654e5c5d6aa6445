"""The statistics core (cxlab._stats) against scipy / statsmodels and against itself."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cxlab import _stats
from cxlab.weighting import kish_n_effective


def test_critical_is_t_or_normal_at_level():
    assert _stats.critical(0.95) == pytest.approx(stats.norm.ppf(0.975), rel=1e-14)
    assert _stats.critical(0.9, 12) == pytest.approx(stats.t.ppf(0.95, 12), rel=1e-14)
    out = _stats.critical(0.95, np.array([0.0, 5.0, np.inf]))
    assert np.isnan(out[0]) and out[1] == pytest.approx(stats.t.ppf(0.975, 5))
    assert out[2] == pytest.approx(stats.norm.ppf(0.975))
    with pytest.raises(Exception, match="level"):
        _stats.critical(1.5)


def test_holm_is_statsmodels_holm_and_skips_missing():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, 0.03, 0.2, 0.04, np.nan])
    got = _stats.holm(p)
    assert np.isnan(got[-1])
    np.testing.assert_allclose(got[:-1], multipletests(p[:-1], method="holm")[1], rtol=1e-12)


@pytest.mark.parametrize(("k", "n"), [(0, 20), (7, 20), (20, 20), (130, 400)])
def test_wilson_is_statsmodels_wilson(k, n):
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = _stats.wilson(k / n, n, 0.9)
    ref = proportion_confint(k, n, alpha=0.1, method="wilson")
    assert (lo, hi) == pytest.approx(ref, rel=1e-12, abs=1e-14)


def test_kish_is_the_public_kish():
    w = np.random.default_rng(0).lognormal(0, 0.7, 500)
    assert _stats.kish(w) == kish_n_effective(w) == pytest.approx(w.sum() ** 2 / (w @ w))


def test_linearise_categories_equals_linearise():
    rng = np.random.default_rng(5)
    n, G = 3000, 6
    codes = rng.integers(-1, 4, n)
    g = rng.integers(-1, G, n)
    w = rng.gamma(2.0, 0.5, n)
    values = np.array([-100.0, -100.0, 0.0, 100.0])
    y = np.where(codes < 0, np.nan, values[np.maximum(codes, 0)])
    ref = _stats.linearise(y, w, g, G)
    ok = (codes >= 0) & (g >= 0)
    cell = g[ok] * 4 + codes[ok]
    sw = np.bincount(cell, weights=w[ok], minlength=4 * G).reshape(G, 4)
    sw2 = np.bincount(cell, weights=w[ok] ** 2, minlength=4 * G).reshape(G, 4)
    got = _stats.linearise_categories(values, sw, sw2, n)
    for key in ("estimate", "var", "n_effective"):
        np.testing.assert_allclose(got[key], ref[key], rtol=1e-11)
    # and the general path with every row its own cluster gives the same
    clustered = _stats.linearise(y, w, g, G, clusters=np.arange(n))
    for key in ("estimate", "var", "n_effective", "n"):
        np.testing.assert_allclose(clustered[key], ref[key], rtol=1e-11)


def test_cluster_wls_without_clusters_is_statsmodels_hc1():
    import statsmodels.api as sm

    rng = np.random.default_rng(2)
    x = np.column_stack([np.ones(300), rng.normal(size=(300, 2))])
    y = x @ [1.0, 0.5, -0.2] + rng.normal(size=300) * (1 + np.abs(x[:, 1]))
    w = rng.uniform(0.5, 2, 300)
    fit = _stats.cluster_wls(x, y, w)
    ref = sm.WLS(y, x, weights=w).fit(cov_type="HC1")
    np.testing.assert_allclose(fit.beta, ref.params, rtol=1e-10)
    np.testing.assert_allclose(fit.cov, ref.cov_params(), rtol=1e-8)
