"""The statistics core: one implementation of each rule the estimators share.

Private: the public estimators (:mod:`cxlab.estimates`, :mod:`cxlab.segments`,
:mod:`cxlab.economics`, :mod:`cxlab.moments`, :mod:`cxlab.drivers`, :mod:`cxlab.cfe`...)
call these functions and nothing else computes the same thing.

* :func:`linearise`: weighted (ratio) means by domain with Taylor-linearised
  variances under a with-replacement design, clustered (rows of one respondent summed
  before squaring) when rows are respondent x event; :func:`intervals` turns them into
  t intervals (logit scale for proportions).
* :func:`critical`: the two-sided critical value at ``level`` (Student's t with ``df``
  degrees of freedom, the normal when ``df`` is infinite).
* :func:`wilson`: the Wilson score interval of a proportion.
* :func:`holm`: Holm's step-down adjusted p-values.
* :func:`kish` / :func:`group_kish`: Kish's effective sample size
  ``(sum w)^2 / sum w^2``.
* :func:`cluster_wls`: weighted least squares with a cluster-robust (sandwich)
  covariance; with one cluster per row it is HC1 (with a :class:`SampleDesign`, the
  design-based covariance of the coefficients).
* :class:`SampleDesign`, :func:`design_variance`, :func:`design_df`: the one survey
  design variance rule (strata, primary sampling units, finite-population corrections,
  lonely PSUs), as R survey's ``svydesign`` / ``svyrecvar``; :class:`Calibration`:
  the linearisation of calibrated (raked, post-stratified) weights, as R survey's
  ``calibrate()``. See ``docs/survey-design.md``.

Variance of a domain mean
-------------------------
Every estimate is a ratio mean ``sum(w y) / sum(w)`` over the rows of a domain with
``y`` present. Each row contributes ``z = w (y - estimate) / sum(w)``; the ``z`` are
summed within clusters and ``var = m / (m - 1) * sum_c z_c^2``, where ``m`` is the
number of clusters in the whole data (domain estimation: the size of a segment is
random). Rows are their own clusters unless cluster codes are given.

Survey designs
--------------
With a :class:`SampleDesign` the ``z`` are summed within primary sampling units
(PSUs) and the variance is the between-PSU variance within strata (R survey's
``svyrecvar``, one stage: the ultimate cluster)::

    var = sum_h (1 - f_h) n_h / (n_h - 1) sum_i (z_hi - mean_h z)^2

with ``n_h`` the PSUs of stratum ``h`` in the whole sample and ``f_h`` its sampling
fraction (0 without an fpc). A stratum with one PSU follows ``lonely_psu``:
``"fail"`` (an error, R's default), ``"certainty"`` (it contributes nothing) or
``"adjust"`` (its PSU is centred at the grand mean of all PSU totals, R's
``survey.lonely.psu = "adjust"``). A stratum sampled completely (``f_h = 1``)
contributes nothing. Degrees of freedom: PSUs minus strata with data in the domain
(R's ``degf``). Without strata or fpc and with rows (or respondents) as PSUs the
formula is the one above (``sum z = 0`` in every domain, so the centring is void).

Examples
--------
>>> import numpy as np
>>> from cxlab._stats import critical, holm, kish, wilson
>>> round(float(critical(0.95)), 3)
1.96
>>> holm(np.array([0.01, 0.04, 0.03])).round(2).tolist()
[0.03, 0.06, 0.06]
>>> kish([1, 1, 1, 1])
4.0
>>> [round(float(v), 3) for v in wilson(0.5, 100, 0.95)]
[0.404, 0.596]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse, stats
from threadpoolctl import threadpool_limits

from cxlab.errors import ModelError, ParameterError

__all__ = [
    "check_level",
    "critical",
    "holm",
    "wilson",
    "kish",
    "group_kish",
    "domain_totals",
    "linearise",
    "linearise_categories",
    "intervals",
    "Fit",
    "cluster_wls",
    "LONELY_PSU",
    "check_lonely_psu",
    "SampleDesign",
    "design_variance",
    "design_df",
    "domain_clusters",
    "Calibration",
    "REPLICATE_METHODS",
    "replicate_factors",
    "replicate_means",
    "replicate_variance",
]


# --------------------------------------------------------------------------- levels
def check_level(level: float, name: str = "level") -> float:
    """``level`` itself when it is a confidence level in (0, 1); else a ParameterError."""
    if level is None or not np.isscalar(level) or not 0 < level < 1:
        raise ParameterError(f"{name} must be between 0 and 1, got {level!r}")
    return float(level)


def critical(level: float, df=np.inf):
    """Two-sided critical value at ``level``: Student's t on ``df`` degrees of freedom,
    the normal when ``df`` is infinite; NaN where ``df`` is not positive.

    A scalar ``df`` gives a float, an array an array.
    """
    check_level(level)
    q = 0.5 + level / 2
    if np.isscalar(df):
        df = float(df)
        if np.isinf(df):
            return float(stats.norm.ppf(q))
        return float(stats.t.ppf(q, df)) if df > 0 else np.nan
    d = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.where(np.isinf(d), stats.norm.ppf(q), stats.t.ppf(q, np.maximum(d, 1.0)))
    return np.where(d > 0, out, np.nan)


# --------------------------------------------------------------------------- tests
def holm(p) -> np.ndarray:
    """Holm step-down adjusted p-values (as statsmodels' ``multipletests(method="holm")``).

    Missing p-values stay missing and do not count as tests. Written out because
    statsmodels' version calls ``gc.collect()`` on every use (tenths of a second per
    table).
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size == 0:
        return out
    q = p[ok]
    order = np.argsort(q, kind="stable")
    m = q.size
    adj = np.minimum(1.0, np.maximum.accumulate(q[order] * (m - np.arange(m))))
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


# --------------------------------------------------------------------------- proportions
def wilson(p, n, level: float):
    """Wilson score interval ``(low, high)`` of a proportion ``p`` on ``n`` (effective)
    observations; NaN where ``n`` is 0. Scalars or arrays."""
    z = critical(level)
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.where(n > 0, n, np.nan)
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    lo, hi = centre - half, centre + half
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi


# --------------------------------------------------------------------------- Kish
def kish(weights) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` (non-finite weights
    ignored; NaN when no weight is positive). Public as
    :func:`cxlab.weighting.kish_n_effective`."""
    w = np.asarray(weights, dtype=float).ravel()
    w = w[np.isfinite(w)]
    ss = float(np.sum(w * w))
    return float(np.sum(w) ** 2 / ss) if ss > 0 else float("nan")


def group_kish(
    groups: np.ndarray,
    weights: np.ndarray,
    k: int,
    totals: np.ndarray | None = None,
    squares: np.ndarray | None = None,
) -> np.ndarray:
    """Kish's effective size within each of ``k`` groups (integer codes ``0..k-1``);
    ``totals`` and ``squares`` are the groups' sums of the weights and of the squared
    weights when already known."""
    if totals is None:
        totals = np.bincount(groups, weights=weights, minlength=k)
    if squares is None:
        squares = np.bincount(groups, weights=weights * weights, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return totals**2 / squares


def domain_totals(g: np.ndarray, G: int, sorted_ok: bool = True):
    """A function summing a row variable over each domain ``0..G-1`` of the rows'
    codes ``g`` (no call argument: the rows per domain).

    When the rows are grouped by domain (``g`` sorted: an event table by event) the
    sums are ``np.add.reduceat`` over the domains' runs, several times faster than
    ``np.bincount`` (equal up to rounding: pairwise instead of running sums); otherwise
    (or with ``sorted_ok=False``) ``np.bincount``.
    """
    if sorted_ok and g.size and g[0] >= 0 and g[-1] < G and bool(np.all(g[1:] >= g[:-1])):
        bounds = np.searchsorted(g, np.arange(G + 1))
        filled = bounds[1:] > bounds[:-1]
        starts = bounds[:-1][filled]

        def total(x=None):
            if x is None:
                return np.diff(bounds)
            out = np.zeros(G)
            out[filled] = np.add.reduceat(x, starts)
            return out

        return total

    def total(x=None):
        if x is None:
            return np.bincount(g, minlength=G)
        return np.bincount(g, weights=x, minlength=G)

    return total


# --------------------------------------------------------------------------- domain means
def linearise(
    y: np.ndarray,
    w: np.ndarray,
    g: np.ndarray | None = None,
    G: int = 1,
    clusters: np.ndarray | None = None,
    want_cov: bool = False,
    design: SampleDesign | None = None,
    calibration: Calibration | None = None,
) -> dict:
    """Domain ratio means with linearised (co)variances (the module docstring).

    Parameters
    ----------
    y, w : numpy.ndarray
        The variable (NaN: not in the domain) and the weights of every row.
    g : numpy.ndarray of int, optional
        Domain code of each row (``-1``: in no domain); default one domain.
    G : int
        Number of domains.
    clusters : numpy.ndarray of int, optional
        Cluster code ``0..m-1`` of each row (the respondent); default each row is its
        own cluster. ``m`` counts every cluster of the data, in a domain or not.
    want_cov : bool
        Also return the covariance matrix of the domain means (``cov``).
    design : SampleDesign, optional
        Strata, PSUs and fpc: the variance and ``df`` follow :func:`design_variance`
        and :func:`design_df` (``n`` and ``n_effective`` still count ``clusters``).
    calibration : Calibration, optional
        The weights ``w`` are calibrated: the ``z`` are replaced by the calibrated
        weights times the residuals of the regression on the calibration variables
        (:class:`Calibration`) before summing within PSUs.

    Returns
    -------
    dict
        ``estimate, var, n`` (clusters in the domain), ``n_effective`` (Kish over
        cluster weight totals), ``df`` (``n - 1``; with a design PSUs minus strata),
        and ``cov`` when asked.
    """
    if design is not None or calibration is not None:
        return _linearise_design(y, w, g, G, clusters, want_cov, design, calibration)
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    g = np.zeros(y.size, dtype=np.int64) if g is None else g
    ok = np.isfinite(y) & (g >= 0) & (w > 0)
    if clusters is None and not want_cov:
        # each row its own cluster: rows outside the domains get weight 0 (no copies)
        ncl = y.size
        gk = np.where(ok, g, 0)
        wc = np.where(ok, w, 0.0)
        yy = np.where(ok, y, 0.0)
        W = np.bincount(gk, weights=wc, minlength=G)
        S = np.bincount(gk, weights=wc * yy, minlength=G)
        with np.errstate(invalid="ignore", divide="ignore"):
            est = S / W
            zc = wc * (yy - est[gk]) / W[gk]
            zc[~ok] = 0.0
        n = np.bincount(gk, weights=ok, minlength=G).astype(np.int64)
        n_eff = group_kish(gk, wc, G, totals=W)
        total = domain_totals(gk, G, sorted_ok=False)
    else:
        gg, yy, ww = g[ok], y[ok], w[ok]
        # the estimates from running sums (bincount) as always; the variance's sums of
        # squares (no cancellation) by the faster domain_totals
        W = np.bincount(gg, weights=ww, minlength=G)
        S = np.bincount(gg, weights=ww * yy, minlength=G)
        total = domain_totals(gg, G)
        with np.errstate(invalid="ignore", divide="ignore"):
            est = S / W
            z = ww * (yy - est[gg]) / W[gg]
        if clusters is None:
            ncl = y.size
            zc, wc, gk, ccol = z, ww, gg, np.flatnonzero(ok)
        else:
            ncl = int(clusters.max()) + 1 if clusters.size else 0
            gk, ccol, inv = domain_clusters(gg, clusters[ok], G, ncl)
            if inv is None:  # every cluster has one row per domain: rows are the cells
                zc, wc = z, ww
            else:
                zc = np.bincount(inv, weights=z, minlength=gk.size)
                wc = np.bincount(inv, weights=ww, minlength=gk.size)
                total = domain_totals(gk, G)
        n = total()
        wt = W if wc is ww else np.bincount(gk, weights=wc, minlength=G)
        n_eff = group_kish(gk, wc, G, totals=wt, squares=total(wc * wc))
    m = ncl
    factor = m / (m - 1) if m > 1 else np.nan
    var = factor * total(zc * zc)
    out = {
        "estimate": est,
        "var": var,
        "n": n,
        "n_effective": n_eff,
        "df": n - 1.0,
    }
    if want_cov:
        Z = sparse.csr_matrix((zc, (gk, ccol)), shape=(G, max(ncl, 1)))
        out["cov"] = factor * (Z @ Z.T).toarray()
    return out


def _sorted_cells(key: np.ndarray):
    """``np.unique(key, return_inverse=True)`` in one pass when ``key`` is already sorted
    (rows grouped by cell); None otherwise. Also None for the inverse when every key
    is distinct (each row is its own cell)."""
    if key.size == 0 or not bool(np.all(key[1:] >= key[:-1])):
        return None
    start = np.empty(key.size, dtype=bool)
    start[0] = True
    np.not_equal(key[1:], key[:-1], out=start[1:])
    if start.all():
        return key, None
    return key[start], np.cumsum(start) - 1


def domain_clusters(g: np.ndarray, cl: np.ndarray, G: int, ncl: int):
    """The distinct (domain, cluster) cells of rows with domain ``g`` and cluster ``cl``.

    Returns ``(gk, ck, inv)``: the domain and cluster of every cell and the cell of
    every row (``inv`` None when every row is its own cell). Rows sorted by domain then
    cluster (an event table by event, respondent) or by cluster then domain (by
    respondent, event) are read in one pass (runs of equal keys); otherwise the cells
    come from a sort (``np.unique``). The cells' order does not change any sum beyond
    rounding.
    """
    key = g * max(ncl, 1) + cl
    if G * ncl <= key.size:
        # few possible cells (e.g. one domain): count them in a table, no sort; exactly
        # np.unique's cells and inverse
        present = np.bincount(key, minlength=G * ncl) > 0
        u = np.flatnonzero(present)
        inv = (np.cumsum(present) - 1)[key]
        return u // max(ncl, 1), u % max(ncl, 1), inv
    found = _sorted_cells(key)
    if found is not None:
        u, inv = found
        if inv is None:
            return g, cl, None
        return u // max(ncl, 1), u % max(ncl, 1), inv
    found = _sorted_cells(cl * max(G, 1) + g)
    if found is not None:
        u, inv = found
        if inv is None:
            return g, cl, None
        return u % max(G, 1), u // max(G, 1), inv
    u, inv = np.unique(key, return_inverse=True)
    return u // max(ncl, 1), u % max(ncl, 1), inv


def _linearise_design(y, w, g, G, clusters, want_cov, design, calibration) -> dict:
    """:func:`linearise` under a :class:`SampleDesign` and/or a :class:`Calibration`."""
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    g = np.zeros(y.size, dtype=np.int64) if g is None else g
    if design is None:
        design = SampleDesign.rows(y.size)
    ok = np.isfinite(y) & (g >= 0) & (w > 0)
    rows = np.flatnonzero(ok)
    gg, yy, ww = g[ok], y[ok], w[ok]
    W = np.bincount(gg, weights=ww, minlength=G)
    S = np.bincount(gg, weights=ww * yy, minlength=G)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = S / W
        e = (yy - est[gg]) / W[gg]  # the linearised value per unit weight
    e = np.where(np.isfinite(e), e, 0.0)
    P = design.n_psus
    if calibration is None:
        T = sparse.csr_matrix((ww * e, (design.psu[rows], gg)), shape=(P, G))
    else:
        E = np.zeros((y.size, G))
        E[rows, gg] = e
        Z = calibration.residuals(E) * w[:, None]
        T = design.psu_totals(Z)
    out = design_variance(T, design, want_cov=want_cov)
    if clusters is None:
        n = np.bincount(gg, minlength=G)
        n_eff = group_kish(gg, ww, G, totals=W)
    else:
        ncl = int(clusters.max()) + 1 if clusters.size else 0
        gk, _, inv = domain_clusters(gg, clusters[ok], G, ncl)
        n = np.bincount(gk, minlength=G)
        wc = ww if inv is None else np.bincount(inv, weights=ww, minlength=gk.size)
        n_eff = group_kish(gk, wc, G)
    res = {
        "estimate": est,
        "var": out["var"],
        "n": n,
        "n_effective": n_eff,
        "df": design_df(design, rows, gg, G),
    }
    if want_cov:
        res["cov"] = out["cov"]
    return res


def linearise_categories(values: np.ndarray, sw: np.ndarray, sw2: np.ndarray, m: int) -> dict:
    """:func:`linearise` (rows their own clusters) for a variable taking ``values[c]`` in
    category ``c``, from the per-domain x category sums of the weights ``sw`` and of the
    squared weights ``sw2`` (both ``G x C``); ``m`` is the number of rows in the data.

    Exact, not an approximation: ``sum_i z_i^2 = sum_c sw2[g, c] (values[c] -
    estimate_g)^2 / W_g^2`` because every row of a cell has the same value. One pass over
    the rows (the sums) instead of several.
    """
    values = np.asarray(values, dtype=float)
    W = sw.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = sw @ values / W
        dev = values[None, :] - est[:, None]
        factor = m / (m - 1) if m > 1 else np.nan
        var = factor * (sw2 * dev**2).sum(axis=1) / W**2
        n_eff = W**2 / sw2.sum(axis=1)
    return {"estimate": est, "var": var, "n_effective": n_eff}


def intervals(res: dict, level: float, proportion: bool = False) -> pd.DataFrame:
    """``estimate, se, ci_low, ci_high`` from :func:`linearise`: t intervals on
    ``df``; for proportions on the logit scale (R's ``svyciprop(method="logit")``),
    Clopper-Pearson on the effective size when the estimate is exactly 0 or 1."""
    est, se = res["estimate"], np.sqrt(res["var"])
    q = critical(level, np.asarray(res["df"], dtype=float))
    if not proportion:
        lo, hi = est - q * se, est + q * se
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            inner = (est > 0) & (est < 1)
            p = np.where(inner, est, 0.5)
            logit = np.log(p / (1 - p))
            half = q * se / (p * (1 - p))
            lo = np.where(inner, 1 / (1 + np.exp(-(logit - half))), np.nan)
            hi = np.where(inner, 1 / (1 + np.exp(-(logit + half))), np.nan)
            ne = np.maximum(res["n_effective"], 1.0)
            alpha = 1 - level
            cp0 = 1 - (alpha / 2) ** (1 / ne)
            lo = np.where(est == 0, 0.0, np.where(est == 1, (alpha / 2) ** (1 / ne), lo))
            hi = np.where(est == 0, cp0, np.where(est == 1, 1.0, hi))
    return pd.DataFrame({"estimate": est, "se": se, "ci_low": lo, "ci_high": hi})


# --------------------------------------------------------------------------- regression
@dataclass(frozen=True, eq=False)
class Fit:
    """Coefficients and their covariance from :func:`cluster_wls`."""

    beta: np.ndarray
    cov: np.ndarray
    n: int
    n_clusters: int
    df: float  # degrees of freedom of the t reference distribution (inf: normal)
    resid: np.ndarray | None = None


_BLOCK_ROWS = 1 << 16  # rows per block of cluster_wls' HC1 meat


# one BLAS thread: tall, narrow cross-products are memory-bound, and threaded BLAS
# only spins (stalling for seconds when the cores are shared)
@threadpool_limits.wrap(limits=1)
def cluster_wls(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    codes: np.ndarray | None = None,
    *,
    singular: str = "raise",
    design: SampleDesign | None = None,
) -> Fit:
    """Weighted least squares with a cluster-robust (sandwich) covariance.

    ``codes`` are integer cluster codes ``0..G-1`` (default: one cluster per row). The
    covariance equals statsmodels' ``WLS(...).fit(cov_type="cluster")`` with its
    small-sample correction ``G/(G-1) * (N-1)/(N-K)``; with one cluster per row that is
    HC1 (``N/(N-K)``). ``singular="raise"`` refuses a singular design (ModelError);
    ``"pinv"`` uses the pseudo-inverse instead.

    With a :class:`SampleDesign` (``design.psu`` aligned with the rows of ``x``) the
    meat is the design covariance of the PSU score totals (:func:`design_variance`:
    strata, fpc, lonely PSUs, no ``(N-1)/(N-K)`` factor) and the t reference has
    ``PSUs - strata - K + 1`` degrees of freedom, as R survey's ``svyglm``.
    """
    n, k = x.shape
    xw = x * w[:, None]
    xtwx, xtwy = x.T @ xw, xw.T @ y
    del xw  # no other n x k temporary: at millions of event rows memory costs the time
    if singular == "pinv":
        bread = np.linalg.pinv(xtwx)
    else:
        try:
            bread = np.linalg.inv(xtwx)
        except np.linalg.LinAlgError as err:
            raise ModelError("the design matrix is singular (a term does not vary)") from err
        if not np.isfinite(bread).all() or np.linalg.cond(xtwx) > 1e13:
            raise ModelError("the design matrix is singular or nearly so (a term does not vary)")
    beta = bread @ xtwy
    resid = y - x @ beta
    wr = w * resid  # the score row of row i is x_i * w_i * resid_i
    if design is not None:
        psu_scores = design.psu_matrix() @ (x * wr[:, None])
        meat = design_variance(psu_scores, design, want_cov=True)["cov"]
        cov = bread @ meat @ bread
        return Fit(beta, (cov + cov.T) / 2, n, design.n_psus, design.df - k + 1, resid)
    n_clusters = n if codes is None else (int(codes.max()) + 1 if codes.size else 0)
    if n_clusters < 2:
        raise ModelError("cluster-robust standard errors need at least two respondents")
    if n_clusters == n:  # one cluster per row (HC1): the score rows' cross-products,
        meat = np.zeros((k, k))  # summed over blocks of rows
        for i in range(0, n, _BLOCK_ROWS):
            scores = x[i : i + _BLOCK_ROWS] * wr[i : i + _BLOCK_ROWS, None]
            meat += scores.T @ scores
    else:  # the score rows summed within clusters, one column at a time
        sums = np.empty((n_clusters, k))
        for j in range(k):
            sums[:, j] = np.bincount(codes, weights=x[:, j] * wr, minlength=n_clusters)
        meat = sums.T @ sums
    corr = n_clusters / (n_clusters - 1) * (n - 1) / max(n - k, 1)
    cov = corr * bread @ meat @ bread
    return Fit(beta, (cov + cov.T) / 2, n, n_clusters, float(n_clusters - 1), resid)


# --------------------------------------------------------------------------- survey designs
#: What a stratum with a single PSU does (R's ``options(survey.lonely.psu=)``).
LONELY_PSU = ("fail", "adjust", "certainty")


def check_lonely_psu(value) -> str:
    """``value`` when it is one of :data:`LONELY_PSU`; else a ParameterError."""
    if value not in LONELY_PSU:
        raise ParameterError(f"lonely_psu must be one of {list(LONELY_PSU)}, got {value!r}")
    return value


@dataclass(frozen=True, eq=False)
class SampleDesign:
    """A one-stage (ultimate cluster) sample design as integer codes.

    Attributes
    ----------
    psu : numpy.ndarray of int
        PSU code ``0..P-1`` of every row.
    stratum : numpy.ndarray of int
        Stratum code ``0..H-1`` of every PSU.
    keep : numpy.ndarray of float
        ``1 - f_h`` per stratum (1: drawn with replacement, no fpc).
    lonely_psu : str
        One of :data:`LONELY_PSU`.
    labels : tuple
        The strata's labels (for messages).
    column : str or None
        The strata column (for messages).
    """

    psu: np.ndarray
    stratum: np.ndarray
    keep: np.ndarray
    lonely_psu: str = "fail"
    labels: tuple = ()
    column: str | None = None

    def __post_init__(self):
        check_lonely_psu(self.lonely_psu)
        lonely = (self.n_h == 1) & (self.keep > 1e-7)
        if self.lonely_psu == "fail" and lonely.any():
            which = [self.labels[h] if self.labels else h for h in np.flatnonzero(lonely)]
            raise ModelError(
                f"stratum {which[0]!r}"
                + (f" (and {len(which) - 1} more)" if len(which) > 1 else "")
                + " has only one PSU, so its variance cannot be estimated; pass "
                "lonely_psu='adjust' (centre it at the grand mean) or 'certainty' (no "
                "variance from it), or merge it with a neighbouring stratum",
                column=self.column,
            )

    @classmethod
    def rows(cls, n: int) -> SampleDesign:
        """Every row its own PSU, one stratum, with replacement."""
        return cls(np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.ones(1))

    @property
    def n_psus(self) -> int:
        return int(self.stratum.size)

    @property
    def n_strata(self) -> int:
        return int(self.keep.size)

    @property
    def n_h(self) -> np.ndarray:
        """PSUs per stratum."""
        return np.bincount(self.stratum, minlength=self.keep.size)

    @property
    def df(self) -> float:
        """Degrees of freedom of the whole sample: PSUs minus strata (R's ``degf``)."""
        return float(self.n_psus - self.n_strata)

    def scale(self) -> np.ndarray:
        """Per stratum: ``(1 - f_h) n_h / (n_h - 1)``; a lonely PSU's stratum ``1 - f_h``
        under ``"adjust"``, 0 under ``"certainty"``; 0 for a stratum sampled completely."""
        n_h = self.n_h.astype(float)
        keep = np.where(self.keep < 1e-7, 0.0, self.keep)
        with np.errstate(invalid="ignore", divide="ignore"):
            sc = np.where(n_h > 1, keep * n_h / (n_h - 1), 0.0)
        if self.lonely_psu == "adjust":
            sc = np.where(n_h == 1, keep, sc)
        return sc

    @functools.cached_property
    def rows_are_psus(self) -> bool:
        """Every row is its own PSU, in order (:meth:`rows`, or a respondent-level
        design without clusters)."""
        return self.n_psus == self.psu.size and bool((self.psu == np.arange(self.psu.size)).all())

    def psu_totals(self, Z: np.ndarray) -> np.ndarray:
        """``P x G``: the rows of ``Z`` (``rows x G``) summed within their PSUs
        (``psu_matrix() @ Z`` by bincount; ``Z`` itself when every row is its own PSU
        in order)."""
        Z = np.asarray(Z, dtype=float)
        if self.rows_are_psus:
            return Z
        out = np.empty((self.n_psus, Z.shape[1]))
        for j in range(Z.shape[1]):
            out[:, j] = np.bincount(self.psu, weights=Z[:, j], minlength=self.n_psus)
        return out

    def psu_matrix(self) -> sparse.csr_matrix:
        """The ``P x rows`` 0/1 matrix summing rows into their PSUs."""
        n = self.psu.size
        return sparse.csr_matrix((np.ones(n), (self.psu, np.arange(n))), shape=(self.n_psus, n))


def design_variance(T, design: SampleDesign, want_cov: bool = False) -> dict:
    """The design (co)variance of estimates from their PSU totals (the one rule).

    Parameters
    ----------
    T : numpy.ndarray or scipy.sparse matrix
        ``P x G``: the linearised values of ``G`` estimates summed within each PSU.
    design : SampleDesign
    want_cov : bool
        Also the ``G x G`` covariance.

    Returns
    -------
    dict
        ``var`` (``G``) and, when asked, ``cov``.

    Notes
    -----
    ``sum_h scale_h sum_i (T_hi - c_h)(T_hi - c_h)'`` with ``c_h`` the stratum's mean
    PSU total (the grand mean over all PSUs for a lonely PSU under ``"adjust"``) and
    ``scale_h`` from :meth:`SampleDesign.scale`; written as
    ``T'DT - S'DC - C'DS + C'DNC`` so that sparse ``T`` stays sparse (and dense ``T``
    dense: totals by bincount, no conversion).
    """
    dense = not sparse.issparse(T)  # a dense T (calibrated, regression scores) stays dense
    T = np.asarray(T, dtype=float) if dense else sparse.csr_matrix(T)
    P, G = T.shape
    n_h = design.n_h.astype(float)
    sc = design.scale()
    H = sc.size
    if dense:  # stratum totals
        S = np.empty((H, G))
        for j in range(G):
            S[:, j] = np.bincount(design.stratum, weights=T[:, j], minlength=H)
    else:
        A = sparse.csr_matrix((np.ones(P), (design.stratum, np.arange(P))), shape=(H, P))
        S = np.asarray((A @ T).todense()).reshape(H, G)
    with np.errstate(invalid="ignore", divide="ignore"):
        C = np.where(n_h[:, None] > 0, S / n_h[:, None], 0.0)
    if design.lonely_psu == "adjust" and (n_h == 1).any():
        grand = np.asarray(T.sum(axis=0)).ravel() / max(P, 1)
        C[n_h == 1] = grand
    s_p = sc[design.stratum]
    q = s_p @ (T * T) if dense else np.asarray(T.multiply(T).T @ s_p).ravel()
    var = q - 2 * (sc[:, None] * S * C).sum(axis=0) + ((sc * n_h)[:, None] * C**2).sum(axis=0)
    out = {"var": np.maximum(var, 0.0)}
    if want_cov:
        if dense:
            Q = T.T @ (s_p[:, None] * T)
        else:
            Ts = sparse.diags(np.sqrt(s_p)) @ T
            Q = np.asarray((Ts.T @ Ts).todense())
        SC = S.T @ (sc[:, None] * C)
        cov = Q - SC - SC.T + C.T @ ((sc * n_h)[:, None] * C)
        cov = (cov + cov.T) / 2
        cov[np.diag_indices(G)] = out["var"]
        out["cov"] = cov
    return out


def design_df(design: SampleDesign, rows: np.ndarray, g: np.ndarray, G: int) -> np.ndarray:
    """Degrees of freedom per domain: PSUs minus strata with data in it (R's ``degf`` of
    the domain), from the ``rows`` in the domains and their domain codes ``g``."""
    p = design.psu[rows]
    if design.rows_are_psus:  # rows are distinct PSUs: a domain has as many as rows
        n_p = np.bincount(g, minlength=G)
    else:
        n_p = _distinct_per_domain(g, p, G, design.n_psus)
    n_s = _distinct_per_domain(g, design.stratum[p], G, design.n_strata)
    return (n_p - n_s).astype(float)


def _distinct_per_domain(g: np.ndarray, v: np.ndarray, G: int, k: int) -> np.ndarray:
    """How many distinct values ``0..k-1`` of ``v`` each domain ``0..G-1`` has: flags
    in a ``G x k`` table when it is small (one pass, no sort), else ``np.unique``."""
    if G * k <= max(8 * g.size, 1 << 22):
        seen = np.zeros(G * k, dtype=bool)
        seen[g * k + v] = True
        return seen.reshape(G, k).sum(axis=1)
    cells = np.unique(g * k + v)
    return np.bincount(cells // max(k, 1), minlength=G)


@dataclass(frozen=True, eq=False)
class Calibration:
    """What the linearisation of calibrated weights needs (R survey's ``calibrate()``).

    The calibrated weights met population totals of the categories of ``codes``; the
    linearised values of an estimate are then ``w_i r_i``: the calibrated weight times
    the residual of the estimate's linearised value per unit weight on the category
    dummies, the regression weighted by the design weights ``d``. Post-stratification
    is the one-variable case (residuals from the weighted cell means).

    Attributes
    ----------
    codes : tuple of numpy.ndarray of int
        For each calibration (raking) variable, every row's category ``0..k-1``.
    ncats : tuple of int
        Number of categories of each variable.
    d : numpy.ndarray
        The design (starting) weights of the rows.
    """

    codes: tuple
    ncats: tuple
    d: np.ndarray

    def dummies(self) -> sparse.csr_matrix:
        """The ``n x K`` 0/1 matrix of every category of every variable."""
        n = self.d.size
        offset = np.cumsum((0, *self.ncats[:-1]))
        cols = np.concatenate([c + o for c, o in zip(self.codes, offset, strict=True)])
        rows = np.tile(np.arange(n), len(self.codes))
        return sparse.csr_matrix(
            (np.ones(cols.size), (rows, cols)), shape=(n, int(sum(self.ncats)))
        )

    @functools.cached_property
    def _projection(self) -> tuple:
        """The dummies ``X``, ``X'D`` and ``pinv(X'DX)``, computed once per calibration
        (every estimate on the raked data reuses them)."""
        X = self.dummies()
        XtD = (X.T @ sparse.diags(self.d)).tocsr()
        return X, XtD, np.linalg.pinv((XtD @ X).toarray())

    def residuals(self, E: np.ndarray) -> np.ndarray:
        """Residuals of the columns of ``E`` (``n x G``) on the dummies, weighted by
        ``d`` (least squares with the pseudo-inverse: the dummies of several variables
        are collinear)."""
        X, XtD, inv = self._projection
        beta = inv @ (XtD @ E)
        return E - X @ beta


# --------------------------------------------------------------------------- replicates
#: Replicate-weight methods built from a :class:`SampleDesign`.
REPLICATE_METHODS = ("jackknife", "bootstrap")


def replicate_factors(
    design: SampleDesign, method: str, replicates: int = 200, seed: int = 0
) -> tuple[np.ndarray, float, np.ndarray]:
    """PSU weight multipliers of replicate designs, with R survey's variance scales.

    ``"jackknife"``: one replicate per PSU, dropping it and reweighting the rest of
    its stratum by ``n_h / (n_h - 1)``; JK1 without strata (``scale = (P - 1) / P``),
    JKn with strata (``rscales = (n_h - 1) / n_h``); both times ``1 - f_h``.
    ``"bootstrap"``: Rao-Wu's rescaling bootstrap, ``n_h - 1`` PSUs drawn with
    replacement in each stratum, multiplier ``1 - l + l n_h / (n_h - 1) c_hi`` with
    ``l = sqrt(1 - f_h)`` and ``c_hi`` the draws of PSU ``i``; ``scale = 1 / (B - 1)``.
    Strata sampled completely or with a lonely PSU under ``"certainty"`` get no
    replicate (multiplier 1); other lonely PSUs cannot be replicated (ModelError).

    Returns
    -------
    (numpy.ndarray, float, numpy.ndarray)
        ``P x R`` multipliers, ``scale`` and the ``R`` ``rscales``.
    """
    if method not in REPLICATE_METHODS:
        raise ParameterError(f"method must be one of {list(REPLICATE_METHODS)}, got {method!r}")
    n_h = design.n_h
    keep = np.where(design.keep < 1e-7, 0.0, design.keep)
    active = (n_h > 1) & (keep > 0)
    lonely = (n_h == 1) & (keep > 0)
    if lonely.any() and design.lonely_psu != "certainty":
        raise ModelError(
            "replicate weights need two PSUs in every stratum; pass lonely_psu='certainty' "
            "(a lonely PSU then adds no variance) or use the linearised variance",
            column=design.column,
        )
    P = design.n_psus
    st = design.stratum
    if method == "jackknife":
        psus = np.flatnonzero(active[st])
        F = np.ones((P, psus.size))
        for r, p in enumerate(psus):
            h = st[p]
            F[st == h, r] = n_h[h] / (n_h[h] - 1)
            F[p, r] = 0.0
        hs = st[psus]
        if design.n_strata == 1:
            return F, (n_h[0] - 1) / n_h[0], np.full(psus.size, keep[0])
        return F, 1.0, keep[hs] * (n_h[hs] - 1) / n_h[hs]
    if replicates < 2:
        raise ParameterError(f"bootstrap needs at least 2 replicates, got {replicates!r}")
    rng = np.random.default_rng(seed)
    F = np.ones((P, replicates))
    lam = np.sqrt(keep)
    for h in np.flatnonzero(active):
        members = np.flatnonzero(st == h)
        m = n_h[h] - 1
        draws = rng.integers(0, members.size, size=(replicates, m))
        counts = np.apply_along_axis(np.bincount, 1, draws, minlength=members.size).T
        F[members] = 1 - lam[h] + lam[h] * n_h[h] / m * counts
    return F, 1.0 / (replicates - 1), np.ones(replicates)


def replicate_means(y: np.ndarray, g: np.ndarray, G: int, Wr: np.ndarray) -> np.ndarray:
    """``G x R`` domain ratio means ``sum(w_r y) / sum(w_r)`` under each replicate
    weight column of ``Wr`` (``n x R``); ``y`` NaN and ``g < 0`` are outside."""
    ok = np.isfinite(y) & (g >= 0)
    rows = np.flatnonzero(ok)
    A = sparse.csr_matrix((np.ones(rows.size), (g[ok], rows)), shape=(G, y.size))
    yy = np.where(ok, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (A @ (Wr * yy[:, None])) / (A @ Wr)


def replicate_variance(
    theta_r: np.ndarray, theta: np.ndarray, scale: float, rscales: np.ndarray, mse: bool
) -> np.ndarray:
    """``scale * sum_r rscales_r (theta_r - c)^2`` per estimate (rows of ``theta_r``),
    ``c`` the full-sample estimate (``mse=True``) or the replicates' mean (R's
    ``svrepdesign`` default ``mse=FALSE``)."""
    centre = theta[:, None] if mse else np.nanmean(theta_r, axis=1, keepdims=True)
    return scale * np.nansum(np.asarray(rscales)[None, :] * (theta_r - centre) ** 2, axis=1)
