"""Numerical core of the investment weighting model (:mod:`cxlab.drivers`); private.

Weighted least squares with a cluster-robust sandwich written in numpy
(:func:`cluster_wls`, also used by :mod:`cxlab.importance`), the random-intercept mixed
model (:func:`_mixed`, statsmodels MixedLM), Fieller intervals for a ratio
(:func:`fieller`), the moderation design matrix (:func:`design_matrix`), weights, difference
and ratio at given investment levels (:func:`weights_at`), and :func:`estimate`, which
fits one model (coefficients, joint Wald test of the moderation (F on 2 and G - 1 df
with clustering, chi-square for the mixed model), crossover with its
Fieller interval, per-event weights) and returns the fields of
:class:`cxlab.drivers.InvestmentWeighting`. :class:`Crossover` and
:class:`ModerationTest` are built here and public as ``cxlab.drivers.Crossover`` and
``cxlab.drivers.ModerationTest``.

Examples
--------
>>> lo, hi = fieller(2.0, 1.0, 0.01, 0.01, 0.0, 1.96)
>>> bool(lo < 2.0 < hi)
True
>>> fieller(2.0, 0.1, 0.01, 0.01, 0.0, 1.96)  # denominator not clearly non-zero
(-inf, inf)
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._stats import Fit, cluster_wls, critical
from cxlab.errors import ConvergenceWarning, ModelError

# positions of the model terms in the design matrix
_C, _T, _E, _I, _TI, _EI = range(6)


# --------------------------------------------------------------------------- estimation


def _mixed(x: np.ndarray, y: np.ndarray, codes: np.ndarray, names: list[str]) -> Fit:
    """Random-intercept linear mixed model (REML, statsmodels MixedLM)."""
    from statsmodels.regression.mixed_linear_model import MixedLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning as SmConvergenceWarning

    k = x.shape[1]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SmConvergenceWarning)
        try:
            res = MixedLM(y, pd.DataFrame(x, columns=names), groups=codes).fit(reml=True)
        except np.linalg.LinAlgError as err:
            raise ModelError(
                f"the mixed model could not be fitted ({err}); use method='cluster'"
            ) from err
    if any(issubclass(c.category, SmConvergenceWarning) for c in caught) or not res.converged:
        warnings.warn(
            "the mixed model (random intercept per respondent) did not converge cleanly; "
            "prefer method='cluster'",
            ConvergenceWarning,
            stacklevel=3,
        )
    cov = np.asarray(res.cov_params())[:k, :k]
    return Fit(np.asarray(res.fe_params), cov, x.shape[0], int(codes.max()) + 1, np.inf)


def fieller(
    a: float, b: float, vaa: float, vbb: float, vab: float, crit: float
) -> tuple[float, float]:
    """Fieller confidence interval for ``a / b``; ``(-inf, inf)`` when unbounded."""
    c2 = crit**2
    qa = b * b - c2 * vbb
    qb = a * b - c2 * vab
    qc = a * a - c2 * vaa
    disc = qb * qb - qa * qc
    if qa <= 0 or disc < 0:
        return -np.inf, np.inf
    root = np.sqrt(disc)
    return (qb - root) / qa, (qb + root) / qa


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Crossover:
    """The personal-investment level where emotive and tactile weights are equal.

    ``estimate = (t0 - e0) / (e1 - t1)``; ``ci_low``/``ci_high`` by Fieller's method
    (``-inf``/``inf`` when the interval is unbounded); ``direction`` says which kind of
    performance overtakes the other as investment rises.
    """

    estimate: float
    ci_low: float
    ci_high: float
    direction: str
    method: str = "fieller"
    level: float = 0.95


@dataclass(frozen=True)
class ModerationTest:
    """Joint Wald test that both interaction terms (tactile:investment, emotive:investment) are 0.

    With ``method="cluster"`` the test is an F test, ``statistic = W / 2`` on ``df = 2``
    and ``df_denom = G - 1`` degrees of freedom (G respondents), consistent with the t
    tests of the coefficients (statsmodels ``wald_test(..., use_f=True)``). With
    ``method="mixed"`` it is the Wald chi-square ``W`` on ``df = 2`` (``df_denom`` None).
    """

    statistic: float
    df: int
    p_value: float
    test: str = "Wald chi-square"
    df_denom: float | None = None


# --------------------------------------------------------------------------- helpers


def weights_at(beta: np.ndarray, cov: np.ndarray, crit: float, pi: np.ndarray) -> pd.DataFrame:
    pi = np.asarray(pi, dtype=float)
    k = beta.size
    g_t = np.zeros((pi.size, k))
    g_t[:, _T], g_t[:, _TI] = 1.0, pi
    g_e = np.zeros((pi.size, k))
    g_e[:, _E], g_e[:, _EI] = 1.0, pi
    wt, we = g_t @ beta, g_e @ beta
    vt = np.einsum("ij,jk,ik->i", g_t, cov, g_t)
    ve = np.einsum("ij,jk,ik->i", g_e, cov, g_e)
    vte = np.einsum("ij,jk,ik->i", g_e, cov, g_t)
    se_t, se_e = np.sqrt(vt), np.sqrt(ve)
    diff = we - wt
    se_d = np.sqrt(np.clip(ve + vt - 2 * vte, 0, None))
    ratio = np.divide(we, wt, out=np.full_like(we, np.nan), where=wt != 0)
    bounds = np.array(
        [
            fieller(a, b, va, vb, vab, crit)
            for a, b, va, vb, vab in zip(we, wt, ve, vt, vte, strict=True)
        ]
    )
    return pd.DataFrame(
        {
            "investment": pi,
            "tactile_weight": wt,
            "tactile_ci_low": wt - crit * se_t,
            "tactile_ci_high": wt + crit * se_t,
            "emotive_weight": we,
            "emotive_ci_low": we - crit * se_e,
            "emotive_ci_high": we + crit * se_e,
            "difference": diff,
            "difference_ci_low": diff - crit * se_d,
            "difference_ci_high": diff + crit * se_d,
            "ratio": ratio,
            "ratio_ci_low": bounds[:, 0],
            "ratio_ci_high": bounds[:, 1],
        }
    )


def _statement(row: pd.Series) -> str:
    t, e, r = row["tactile_weight"], row["emotive_weight"], row["ratio"]
    if t <= 0 and e <= 0:
        return "neither tactile nor emotive performance carries positive weight here"
    if t <= 0:
        return "only emotive performance carries positive weight here"
    if e <= 0:
        return "only tactile performance carries positive weight here"
    pct = round((r - 1) * 100) if r >= 1 else round((1 / r - 1) * 100)
    if pct == 0:
        text = "emotive and tactile are about equally important here"
    elif r > 1:
        text = f"emotive is {pct}% more important than tactile here"
    else:
        text = f"tactile is {pct}% more important than emotive here"
    if not row["significant"] and pct != 0:
        text += " (not statistically clear)"
    return text


def design_matrix(
    frame: pd.DataFrame, tactile: str, emotive: str, investment: str, controls: list[str]
) -> tuple[np.ndarray, list[str]]:
    t = frame[tactile].to_numpy(float)
    e = frame[emotive].to_numpy(float)
    pi = frame[investment].to_numpy(float)
    base = np.empty((t.size, 6))  # the moderation terms, written in place
    base[:, 0] = 1.0
    base[:, 1], base[:, 2], base[:, 3] = t, e, pi
    np.multiply(t, pi, out=base[:, 4])
    np.multiply(e, pi, out=base[:, 5])
    cols = []
    names = [
        "const",
        tactile,
        emotive,
        investment,
        f"{tactile}:{investment}",
        f"{emotive}:{investment}",
    ]
    for c in controls:
        s = frame[c]
        if pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype):
            cols.append(s.to_numpy(float))
            names.append(c)
        else:
            dummies = pd.get_dummies(
                s.astype("category"), prefix=c, prefix_sep="=", drop_first=True, dtype=float
            )
            dummies = dummies.loc[:, dummies.sum() > 0]
            cols.extend(dummies.to_numpy().T)
            names.extend(dummies.columns)
    return (np.column_stack([base, *cols]) if cols else base), names


# --------------------------------------------------------------------------- one model


def estimate(
    frame: pd.DataFrame,
    v: dict,
    controls: list[str],
    method: str,
    weighted: bool,
    event: str | None,
    grid: int | Sequence[float],
    level: float,
    scale: str,
    n_dropped: int,
) -> dict:
    """Fit one investment model; the fields of an ``InvestmentWeighting``, as a dict."""
    x, names = design_matrix(frame, v["tactile"], v["emotive"], v["investment"], controls)
    y = frame[v["outcome"]].to_numpy(float)
    w = frame[v["weights"]].to_numpy(float) if weighted else np.ones(y.size)
    codes = pd.factorize(frame[v["respondent"]])[0]
    if x.shape[0] <= x.shape[1] + 1:
        raise ModelError(f"{x.shape[0]} complete ratings: too few for {x.shape[1]} model terms")
    if v.get("design") is not None:  # the full sample's design, on the fitted rows
        design = dataclasses.replace(v["design"], psu=frame["_psu"].to_numpy())
        fit = cluster_wls(x, y, w, codes, design=design)
    elif method == "cluster":
        fit = cluster_wls(x, y, w, codes)
    else:
        fit = _mixed(x, y, codes, names)
    crit = critical(level, fit.df)
    beta, cov = fit.beta, fit.cov
    se = np.sqrt(np.diag(cov))
    tstat = beta / se
    pval = 2 * (
        stats.t.sf(np.abs(tstat), fit.df) if np.isfinite(fit.df) else stats.norm.sf(np.abs(tstat))
    )
    coefficients = pd.DataFrame(
        {
            "term": names,
            "estimate": beta,
            "se": se,
            "statistic": tstat,
            "p_value": pval,
            "ci_low": beta - crit * se,
            "ci_high": beta + crit * se,
        }
    )
    # moderation: both interactions zero
    idx = [_TI, _EI]
    b_int = beta[idx]
    wald = float(b_int @ np.linalg.solve(cov[np.ix_(idx, idx)], b_int))
    if np.isfinite(fit.df):  # cluster: F on (2, G - 1) df, like the coefficients' t tests
        f_stat = wald / 2
        moderation = ModerationTest(
            f_stat, 2, float(stats.f.sf(f_stat, 2, fit.df)), "Wald F", float(fit.df)
        )
    else:
        moderation = ModerationTest(wald, 2, float(stats.chi2.sf(wald, 2)))

    pi = frame[v["investment"]].to_numpy(float)
    lo, hi = float(pi.min()), float(pi.max())
    grid_pts = np.linspace(lo, hi, int(grid)) if np.isscalar(grid) else np.asarray(grid, float)
    table = weights_at(beta, cov, crit, grid_pts)

    # crossover: t0 + t1 x = e0 + e1 x  ->  x = (t0 - e0) / (e1 - t1)
    ga = np.zeros(beta.size)
    ga[_T], ga[_E] = 1.0, -1.0
    gb = np.zeros(beta.size)
    gb[_EI], gb[_TI] = 1.0, -1.0
    a, b = ga @ beta, gb @ beta
    est = a / b if b != 0 else np.nan
    rising = "emotive" if b > 0 else "tactile"
    other = "tactile" if b > 0 else "emotive"
    crossover = None
    if np.isfinite(est) and lo <= est <= hi:
        c_lo, c_hi = fieller(a, b, ga @ cov @ ga, gb @ cov @ gb, ga @ cov @ gb, crit)
        crossover = Crossover(
            float(est),
            float(c_lo),
            float(c_hi),
            f"{rising} outweighs {other} above investment {est:.2f}",
            level=level,
        )
        message = (
            f"emotive and tactile weights cross at investment {est:.2f}: {crossover.direction}"
        )
    else:
        mid = table.iloc[len(table) // 2]
        leader = "emotive" if mid["emotive_weight"] > mid["tactile_weight"] else "tactile"
        where = "" if not np.isfinite(est) else f" (the lines would cross at {est:.2f})"
        message = (
            f"no crossover in the observed investment range {lo:g} to {hi:g}{where}: "
            f"{leader} outweighs the other throughout"
        )

    by_event = None
    if event is not None and event in frame.columns:
        # each event's weighted mean investment: sums per event code (order of appearance)
        ev_codes, ev_ids = pd.factorize(frame[event])
        seen = ev_codes >= 0
        k = len(ev_ids)
        ev_n = np.bincount(ev_codes[seen], minlength=k)
        ev_pi = np.bincount(ev_codes[seen], weights=(pi * w)[seen], minlength=k) / np.bincount(
            ev_codes[seen], weights=w[seen], minlength=k
        )
        by_event = weights_at(beta, cov, crit, ev_pi)
        by_event.insert(0, "event_id", pd.Index(ev_ids).to_numpy())
        by_event.insert(1, "n", ev_n)
        by_event["significant"] = (by_event["ratio_ci_low"] > 1) | (by_event["ratio_ci_high"] < 1)
        by_event["statement"] = [_statement(r) for _, r in by_event.iterrows()]
        by_event = by_event.sort_values("investment", kind="stable").reset_index(drop=True)
        if isinstance(frame[event].dtype, pd.CategoricalDtype):
            by_event["event_id"] = by_event["event_id"].astype(str)

    return dict(
        table=table,
        by_event=by_event,
        crossover=crossover,
        crossover_message=message,
        moderation=moderation,
        coefficients=coefficients,
        method=method,
        scale=scale,
        n_obs=int(y.size),
        n_respondents=int(fit.n_clusters),
        n_dropped=n_dropped,
        investment_range=(lo, hi),
        variables=dict(v),
        level=level,
        _beta=beta,
        _cov=cov,
        _crit=crit,
    )
