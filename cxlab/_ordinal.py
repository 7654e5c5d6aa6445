"""Weighted cumulative-logit (proportional odds) model by Newton's method (private).

The model of :func:`cxlab.advocacy_drivers.advocacy_drivers`:
``P(y <= j | x) = F(c_j - x b)`` with the logistic ``F`` and ordered thresholds
``c_1 < ... < c_{K-1}``, parametrised as statsmodels' ``OrderedModel`` does:
``params = (b, c_1, log(c_2 - c_1), ..., log(c_{K-1} - c_{K-2}))``. The weighted
pseudo-log-likelihood ``sum_i w_i log P(y_i | x_i)`` is maximised by Newton's method
with the analytic gradient and Hessian (step halving when a step does not increase
it); the covariance is the sandwich (HC0) ``H^-1 (sum_i w_i^2 s_i s_i') H^-1`` with the
per-observation scores ``s_i``, as statsmodels' ``cov_type="HC0"`` computes it
numerically.

Every sum is over observations, so observations sharing the predictor pattern and the
outcome can be pooled first (:func:`pool_rows`): a *cell* carries the sum of its
weights (the likelihood) and the sum of its squared weights (the sandwich's meat), and
the fit costs O(cells) instead of O(rows). Ratings are on small integer scales, so a
million respondents fall into far fewer cells.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(2000, 1))
>>> y = np.digitize(x[:, 0] + rng.logistic(size=2000), [-1.0, 1.0])
>>> fit = fit_ordinal(x, y, np.ones(2000))
>>> fit.converged, bool(abs(fit.params[0] - 1) < 0.15)
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from threadpoolctl import threadpool_limits

from cxlab.errors import ModelError

__all__ = ["OrdinalFit", "fit_ordinal", "pool_rows", "thresholds", "ame"]


@dataclass(frozen=True, eq=False)
class OrdinalFit:
    """Parameters ``(b, c_1, log increments)``, sandwich covariance, convergence."""

    params: np.ndarray
    cov: np.ndarray
    k: int  # number of predictors
    n_categories: int
    converged: bool
    iterations: int
    loglike: float
    separated: bool = False  # fitted probabilities of 0 or 1: no finite maximum


def thresholds(params: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Thresholds ``c`` and their Jacobian ``dc / d(threshold params)``."""
    a = params[k:]
    steps = np.concatenate([[a[0]], np.exp(a[1:])])
    c = np.cumsum(steps)
    m = a.size
    jac = np.tril(np.ones((m, m))) * steps[None, :]
    jac[:, 0] = 1.0
    return c, jac


def pool_rows(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Cells of rows equal in every column: (cell code of each row, one row per cell).

    One hash pass per column; the codes are combined as mixed-radix digits of one
    integer key, re-factorised only when the next digit could overflow it, and the key
    is factorised at the end: cell codes run ``0..cells-1`` in order of first appearance.
    """
    key = np.zeros(columns[0].shape[0], dtype=np.int64)
    bound = 1  # the key is below this (a Python int: no overflow)
    for col in columns:
        codes, uniques = pd.factorize(col, use_na_sentinel=False)
        radix = max(len(uniques), 1)
        if bound * radix >= 2**62:
            key, distinct = pd.factorize(key)
            bound = max(len(distinct), 1)
        key = key * radix + codes
        bound *= radix
    key, _ = pd.factorize(key)
    first = np.full(int(key.max()) + 1 if key.size else 0, -1, dtype=np.int64)
    first[key[::-1]] = np.arange(key.size - 1, -1, -1)
    return key.astype(np.int64), first


def _pieces(params, X, y, K):
    """Per-observation log-probability and derivatives in the upper and lower bounds
    ``u = c_y - eta``, ``l = c_{y-1} - eta`` (the bounds at +-inf contribute nothing)."""
    k = X.shape[1]
    c, _ = thresholds(params, k)
    eta = X @ params[:k]
    ext = np.concatenate([[-np.inf], c, [np.inf]])
    u, lo = ext[y + 1] - eta, ext[y] - eta
    Fu, Fl = expit(u), expit(lo)
    with np.errstate(invalid="ignore"):
        # the complement as expit(-l) keeps the top category's precision
        p = np.where(y == K - 1, expit(-lo), Fu - Fl)
    p = np.maximum(p, 1e-300)
    fu, fl = Fu * (1 - Fu), Fl * (1 - Fl)
    gu, gl = fu / p, fl / p  # d log p / du, -d log p / dl
    huu = fu * (1 - 2 * Fu) / p - gu * gu
    hll = -fl * (1 - 2 * Fl) / p - gl * gl
    hul = gu * gl
    return np.log(p), gu, gl, huu, hll, hul


def _onehots(y, K):
    """Indicators of ``c_y`` (upper bound finite) and ``c_{y-1}`` (lower bound finite)."""
    m = K - 1
    up = np.zeros((y.size, m))
    low = np.zeros((y.size, m))
    iu = np.flatnonzero(y < m)
    il = np.flatnonzero(y > 0)
    up[iu, y[iu]] = 1.0
    low[il, y[il] - 1] = 1.0
    return up, low


def _scores(params, X, y, K, up, low):
    """Per-observation scores in ``(b, c)`` and the pieces of the Hessian."""
    ll, gu, gl, huu, hll, hul = _pieces(params, X, y, K)
    s_eta = -(gu - gl)
    s_c = gu[:, None] * up - gl[:, None] * low
    return ll, np.hstack([X * s_eta[:, None], s_c]), (huu, hll, hul)


def _loglike_grad_hess(params, X, y, w, K, up, low):
    k = X.shape[1]
    ll, S, (huu, hll, hul) = _scores(params, X, y, K, up, low)
    c_score = S[:, k:]
    _, jac = thresholds(params, k)
    grad_bc = w @ S
    # d2 log p over (u, l), mapped by u = c_y - eta, l = c_{y-1} - eta
    h_ee = w * (huu + hll + 2 * hul)
    a_u, a_l = w * (huu + hul), w * (hll + hul)
    H_bb = (X * h_ee[:, None]).T @ X
    H_bc = -(X.T @ (a_u[:, None] * up + a_l[:, None] * low))
    H_cc = (
        (up * (w * huu)[:, None]).T @ up
        + (low * (w * hll)[:, None]).T @ low
        + (up * (w * hul)[:, None]).T @ low
        + (low * (w * hul)[:, None]).T @ up
    )
    # chain rule to (c_1, log increments): dc/da and the curvature of exp
    m = K - 1
    T = np.eye(k + m)
    T[k:, k:] = jac
    grad = T.T @ grad_bc
    H = T.T @ np.block([[H_bb, H_bc], [H_bc.T, H_cc]]) @ T
    gc = grad_bc[k:]
    a = params[k:]
    for t in range(1, m):
        H[k + t, k + t] += np.exp(a[t]) * gc[t:].sum()
    return float(w @ ll), grad, H, T, c_score


# one BLAS thread: the products over cells are tall and narrow (memory-bound), and
# threaded BLAS only spins (stalling for seconds when the cores are shared)
@threadpool_limits.wrap(limits=1)
def fit_ordinal(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    w2: np.ndarray | None = None,
    *,
    n_categories: int | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    start: np.ndarray | None = None,
) -> OrdinalFit:
    """Weighted cumulative-logit fit by Newton's method with a sandwich covariance.

    Parameters
    ----------
    X : numpy.ndarray
        Predictors (no constant), one row per observation or cell.
    y : numpy.ndarray of int
        Outcome codes ``0..K-1``.
    w : numpy.ndarray
        Weights (for cells: the sum of the weights in the cell).
    w2 : numpy.ndarray, optional
        Sums of squared weights per cell for the sandwich; default ``w**2`` (one
        observation per row).
    n_categories : int, optional
        ``K``; default ``y.max() + 1``.
    tol : float
        Convergence when the largest Newton step is below ``tol`` (relative to
        ``max(1, |param|)``).
    max_iter : int
        Newton iterations before giving up (``converged=False``).
    start : numpy.ndarray, optional
        Starting parameters (default: no effects, thresholds at the marginal logits).

    Returns
    -------
    OrdinalFit
        ``converged`` is False when ``max_iter`` steps did not converge or when the
        outcome is separated by the predictors (``separated``: a fitted probability of
        an observed outcome within 1e-13 of 0 or 1, where the likelihood has no finite
        maximum and the steps only stall).

    Raises
    ------
    cxlab.errors.ModelError
        A singular information matrix (a predictor that does not vary, collinear
        predictors) or an outcome with fewer than two categories.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=np.int64)
    w = np.asarray(w, dtype=float)
    w2 = w * w if w2 is None else np.asarray(w2, dtype=float)
    K = int(y.max()) + 1 if n_categories is None else int(n_categories)
    k = X.shape[1]
    share = np.bincount(y, weights=w, minlength=K) / w.sum()
    if K < 2 or (share > 0).sum() < 2:
        raise ModelError("the ordinal model needs an outcome with at least two categories")
    up, low = _onehots(y, K)
    if start is None:
        cum = np.clip(np.cumsum(share)[:-1], 1e-6, 1 - 1e-6)
        c0 = np.log(cum / (1 - cum))
        c0 = np.maximum.accumulate(c0 + 1e-3 * np.arange(K - 1))
        start = np.concatenate([np.zeros(k), [c0[0]], np.log(np.maximum(np.diff(c0), 1e-3))])
    params = np.asarray(start, dtype=float).copy()
    ll, grad, H, T, _ = _loglike_grad_hess(params, X, y, w, K, up, low)
    converged, it = False, 0
    for it in range(1, max_iter + 1):  # noqa: B007
        try:
            step = np.linalg.solve(H, -grad)
        except np.linalg.LinAlgError:
            step = np.full(params.size, np.nan)
        if not np.isfinite(step).all():
            raise ModelError(
                "the ordinal model's information matrix is singular: a predictor does "
                "not vary or predictors are collinear"
            )
        if grad @ step < 0:  # not an ascent direction (H not negative definite)
            step = grad / max(np.abs(np.diag(H)).max(), 1e-12)
        t = 1.0
        for _ in range(60):
            new = params + t * step
            ll_new, grad_new, H_new, T_new, _ = _loglike_grad_hess(new, X, y, w, K, up, low)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12 * abs(ll):
                break
            t /= 2
        params, ll, grad, H, T = new, ll_new, grad_new, H_new, T_new
        if np.max(np.abs(t * step) / np.maximum(1.0, np.abs(params))) < tol:
            converged = True
            break
    # separation: some fitted probability of an observed outcome is 0 or 1 to machine
    # precision (the likelihood has no finite maximum; the steps stalled, not converged)
    c, _ = thresholds(params, k)
    ext = np.concatenate([[-np.inf], c, [np.inf]])
    eta = X @ params[:k]
    bounds = np.concatenate([ext[y + 1] - eta, ext[y] - eta])
    separated = bool(np.abs(bounds[np.isfinite(bounds)]).max(initial=0.0) > 30)
    converged = converged and not separated
    with np.errstate(all="ignore"):
        Hinv = np.linalg.pinv(H) if separated else np.linalg.inv(H)
    _, S, _ = _scores(params, X, y, K, up, low)
    S = S @ T
    meat = (S * w2[:, None]).T @ S
    cov = Hinv @ meat @ Hinv
    return OrdinalFit(params, (cov + cov.T) / 2, k, K, converged, it, ll, separated)


@threadpool_limits.wrap(limits=1)  # as fit_ordinal
def ame(fit: OrdinalFit, X: np.ndarray, w: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Average change (percentage points) in P(top category) and P(bottom category)
    when predictor ``j`` rises by one, weighted by ``w`` over the rows of ``X``, and
    its gradient in the parameters (2 x p) for the delta method."""
    k, p = fit.k, fit.params
    c, jac = thresholds(p, k)
    eta0 = X @ p[:k]
    eta1 = eta0 + p[j]
    W = w.sum()

    def f(v):
        F = expit(v)
        return F, F * (1 - F)

    # P(bottom) = F(c_1 - eta), P(top) = 1 - F(c_last - eta)
    Fb0, fb0 = f(c[0] - eta0)
    Fb1, fb1 = f(c[0] - eta1)
    Ft0, ft0 = f(c[-1] - eta0)
    Ft1, ft1 = f(c[-1] - eta1)
    est = 100 * np.array([w @ (Ft0 - Ft1), w @ (Fb1 - Fb0)]) / W
    grad = np.zeros((2, p.size))
    # d/db of F(c - x b) is -f x; the shifted row is x + e_j
    gt = (w * ft1) @ X - (w * ft0) @ X
    gt[j] += w @ ft1
    gb = -((w * fb1) @ X) + (w * fb0) @ X
    gb[j] -= w @ fb1
    grad[0, :k], grad[1, :k] = gt, gb
    dc = np.zeros((2, c.size))
    dc[0, -1] = w @ (ft0 - ft1)
    dc[1, 0] = w @ (fb1 - fb0)
    grad[:, k:] = dc @ jac
    return est, 100 * grad / W
