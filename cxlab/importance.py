"""Key driver analysis: relative importance of drivers and penalty-reward contrasts.

Three answers to "which attributes move the outcome most?":

* :func:`relative_importance` with ``method="shapley"`` (LMG, Lindeman, Merenda and
  Gold 1980): each driver's R-squared contribution averaged over every order in which
  drivers can enter the model. Exact: the R-squared of all ``2**p`` subsets is computed
  from the (weighted) correlation matrix by a vectorised sweep, never by refitting
  regressions. With ``groups=`` the players are groups of drivers (e.g. all emotive
  attributes against all tactile ones).
* ``method="johnson"``: Johnson's (2000) relative weights, the documented fallback
  above the exact limit of :data:`MAX_EXACT` drivers or groups.
* :func:`penalty_reward`: penalty-reward contrast analysis, classifying each attribute
  as *basic*, *performance* or *excitement*.

Everything is computed from correlations, so results do not depend on the scale of
any driver, and survey weights enter through the weighted covariance matrix.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame(rng.normal(size=(500, 3)), columns=["efficiency", "dignity", "respect"])
>>> df["satisfaction"] = df @ np.array([0.2, 0.6, 0.3]) + rng.normal(size=500)
>>> ri = relative_importance(df, "satisfaction", ["efficiency", "dignity", "respect"])
>>> list(ri["driver"])
['dignity', 'respect', 'efficiency']
>>> round(float(ri["share"].sum()), 6)
1.0
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._checks import check_weights, renamed
from cxlab._stats import check_level, cluster_wls
from cxlab.errors import CxlabWarning, DataError, ModelError, ParameterError

__all__ = ["MAX_EXACT", "relative_importance", "penalty_reward"]

#: Largest number of drivers (or groups) for exact Shapley importance (2**20 subsets).
MAX_EXACT = 20

_PIVOT_TOL = 1e-10


# --------------------------------------------------------------------------- data


def _numeric_frame(
    data: pd.DataFrame, columns: Sequence[str], weights: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns as a float array, weights and the kept-row mask (listwise deletion)."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data must be a pandas DataFrame")
    wanted = list(columns) + ([weights] if weights is not None else [])
    missing = [c for c in wanted if c not in data.columns]
    if missing:
        raise DataError("column not found in the data", column=missing)
    frame = data[wanted]
    for col in wanted:
        if not (
            pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col])
        ):
            raise DataError("driver analysis needs numeric columns", column=col)
    arr = frame.to_numpy(dtype=float, na_value=np.nan)
    keep = np.isfinite(arr).all(axis=1)
    arr = arr[keep]
    if weights is not None:
        w = arr[:, -1]
        arr = arr[:, :-1]
        w = check_weights(w, weights)
    else:
        w = np.ones(arr.shape[0])
    return arr, w, keep


def _weighted_corr(z: np.ndarray, w: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Weighted correlation matrix of the columns of ``z``."""
    sw = w.sum()
    mean = w @ z / sw
    zc = z - mean
    cov = (zc * w[:, None]).T @ zc / sw
    sd = np.sqrt(np.diag(cov))
    flat = np.flatnonzero(~(sd > 0) | (sd < 1e-12 * np.maximum(np.abs(mean), 1e-300)))
    if flat.size:
        raise ModelError(
            "a driver or the outcome does not vary in the data used, so its importance is undefined",
            column=[names[i] for i in flat],
        )
    corr = cov / np.outer(sd, sd)
    np.fill_diagonal(corr, 1.0)
    return corr


# --------------------------------------------------------------------------- core maths


def _subset_r2(corr: np.ndarray, players: Sequence[Sequence[int]]) -> np.ndarray:
    """R-squared of every coalition of players, from a correlation matrix.

    ``corr`` is ``(q, q)`` (or a stack ``(..., q, q)``) with the outcome in the LAST
    row/column and the predictors ordered so that each player's variables are
    contiguous and players are in order. Returns ``(..., 2**P)`` indexed by bitmask
    (bit j set when player j is in the coalition).

    Coalitions are grown by the sweep operator: every coalition whose highest player is
    ``m`` keeps the partial correlation block of the variables after player ``m`` (and
    the outcome), so adding player ``j > m`` is one rank-one update per variable.
    """
    corr = np.asarray(corr, dtype=float)
    batch = corr.shape[:-2]
    q = corr.shape[-1]
    n_players = len(players)
    starts = [pl[0] for pl in players] + [q - 1]
    out = np.zeros(batch + (1 << n_players,))
    groups: dict[int, tuple[np.ndarray, np.ndarray]] = {-1: (np.array([0]), corr[..., None, :, :])}
    for j in range(n_players):
        all_masks, all_blocks = [], []
        for m, (masks, block) in groups.items():
            off = starts[m + 1]
            for v in players[j]:
                a = v - off
                piv = block[..., a, a][..., None, None]
                ok = piv > _PIVOT_TOL
                col = block[..., :, a][..., :, None]
                row = block[..., a, :][..., None, :]
                block = block - np.where(ok, col * row / np.where(ok, piv, 1.0), 0.0)
            cut = starts[j + 1] - off
            all_masks.append(masks | (1 << j))
            all_blocks.append(block[..., cut:, cut:])
        masks = np.concatenate(all_masks)
        block = np.concatenate(all_blocks, axis=-3)
        out[..., masks] = 1.0 - block[..., -1, -1]
        groups[j] = (masks, block)
    return out


@functools.lru_cache(maxsize=8)
def _shapley_operator(n_players: int) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]:
    """Per player: coalitions without it, the same with it, and the Shapley weights."""
    masks = np.arange(1 << n_players)
    size = np.zeros(masks.size, dtype=np.int64)
    for j in range(n_players):
        size += (masks >> j) & 1
    fact = [math.factorial(k) for k in range(n_players + 1)]
    by_size = np.array(
        [fact[k] * fact[n_players - k - 1] / fact[n_players] for k in range(n_players)]
    )
    ops = []
    for j in range(n_players):
        without = masks[((masks >> j) & 1) == 0]
        ops.append((without, without | (1 << j), by_size[size[without]]))
    return tuple(ops)


def _shapley(r2: np.ndarray, n_players: int) -> np.ndarray:
    """Shapley value of each player from the R-squared of every coalition (``(..., 2**P)``)."""
    out = np.empty(r2.shape[:-1] + (n_players,))
    for j, (without, with_j, wgt) in enumerate(_shapley_operator(n_players)):
        # einsum, not BLAS: a threaded BLAS dot is ~1000x slower here on a busy machine
        out[..., j] = np.einsum("...i,i->...", r2[..., with_j] - r2[..., without], wgt)
    return out


def _johnson(corr: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights from a correlation matrix (outcome last)."""
    rxx = corr[..., :-1, :-1]
    rxy = corr[..., :-1, -1]
    vals, vecs = np.linalg.eigh(rxx)
    vals = np.clip(vals, 0.0, None)
    lam = (vecs * np.sqrt(vals)[..., None, :]) @ np.swapaxes(vecs, -1, -2)  # R_xx^(1/2)
    beta = np.linalg.solve(lam, rxy[..., None])[..., 0]
    return (lam**2) @ (beta**2)


def _std_beta(corr: np.ndarray) -> np.ndarray:
    """Standardised full-model coefficients from a correlation matrix (outcome last)."""
    return np.linalg.lstsq(corr[:-1, :-1], corr[:-1, -1], rcond=None)[0]


def _importance(corr: np.ndarray, players: list[list[int]], method: str) -> np.ndarray:
    if method == "shapley":
        return _shapley(_subset_r2(corr, players), len(players))
    return _johnson(corr)


# --------------------------------------------------------------------------- public


@renamed(ci="level")
def relative_importance(
    data: pd.DataFrame,
    outcome: str,
    drivers: Sequence[str],
    method: str = "shapley",
    weights: str | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    n_boot: int = 0,
    seed: int | None = None,
    *,
    respondent: str | None = None,
    level: float = 0.95,
    progress: bool = False,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Relative importance of drivers of an outcome (key driver analysis).

    Parameters
    ----------
    data : DataFrame
        One row per respondent (or per respondent x event, with ``respondent=``).
    outcome : str
        The outcome column (e.g. ``"recommend"`` or ``"satisfaction"``).
    drivers : sequence of str
        Driver columns (e.g. the tactile and emotive attributes).
    method : {"shapley", "johnson"}
        ``"shapley"``: exact Shapley / LMG decomposition of R-squared over every subset
        of drivers (or groups); limited to :data:`MAX_EXACT` players.
        ``"johnson"``: Johnson's (2000) relative weights, the fallback for more drivers.
    weights : str, optional
        Survey-weight column; every statistic uses the weighted covariance matrix.
    groups : mapping of str to list of str, optional
        Shapley importance of groups of drivers, e.g.
        ``{"emotive": [...], "tactile": [...]}``. Drivers in no group stay on their own.
    n_boot : int
        Bootstrap resamples (of respondents) for percentile confidence intervals; 0 for none.
    seed : int, optional
        Seed of the bootstrap; the same seed gives the same intervals.
    respondent : str, optional
        Respondent-id column; when given, the bootstrap resamples whole respondents.
    level : float
        Confidence level of the bootstrap intervals.
    progress : bool
        Show a tqdm progress bar during the bootstrap.
    n_jobs : int
        Worker processes for the bootstrap (joblib); results do not depend on it.

    Returns
    -------
    DataFrame
        One row per driver (or group), most important first: ``driver``, ``importance``
        (raw; sums to the full-model R-squared), ``share`` (sums to 1), ``rank``,
        ``beta`` (standardised full-model coefficient; NaN for a group), ``sign``
        (``"+"``, ``"-"``, or ``"mixed"`` for a group whose members differ), and with
        ``n_boot``: ``ci_low``, ``ci_high`` (importance) and ``share_ci_low``,
        ``share_ci_high``. ``attrs`` holds ``method``, ``r_squared``, ``n``,
        ``n_dropped`` (rows with a missing value, dropped listwise), ``n_boot``, ``level``.

    Raises
    ------
    ModelError
        More than :data:`MAX_EXACT` drivers or groups with ``method="shapley"`` (use
        ``method="johnson"``), or a driver that does not vary.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(300, 4)), columns=["a", "b", "c", "d"])
    >>> df["y"] = df["a"] + 0.5 * df["c"] + rng.normal(size=300)
    >>> ri = relative_importance(df, "y", ["a", "b", "c", "d"], groups={"ab": ["a", "b"]})
    >>> sorted(ri["driver"])
    ['ab', 'c', 'd']
    """
    if method not in ("shapley", "johnson"):
        raise ParameterError(f"method must be 'shapley' or 'johnson', not {method!r}")
    drivers = list(drivers)
    if len(drivers) == 0:
        raise ParameterError("at least one driver is needed")
    if len(set(drivers)) != len(drivers) or outcome in drivers:
        raise ParameterError("drivers must be distinct and must not include the outcome")
    check_level(level)

    # players: groups (in the order given) then ungrouped drivers
    if groups:
        if method != "shapley":
            raise ParameterError(
                "grouped importance is a Shapley decomposition: use method='shapley'"
            )
        seen: dict[str, str] = {}
        for g, members in groups.items():
            for d in members:
                if d not in drivers:
                    raise ParameterError(f"group {g!r} names {d!r}, which is not among the drivers")
                if d in seen:
                    raise ParameterError(f"driver {d!r} is in groups {seen[d]!r} and {g!r}")
                seen[d] = g
        names = [str(g) for g in groups] + [d for d in drivers if d not in seen]
        members_of = [list(m) for m in groups.values()] + [[d] for d in drivers if d not in seen]
    else:
        names = drivers
        members_of = [[d] for d in drivers]
    if method == "shapley" and len(names) > MAX_EXACT:
        raise ModelError(
            f"exact Shapley importance over {len(names)} drivers or groups needs 2**{len(names)} "
            f"subset regressions; the limit is {MAX_EXACT}. Use method='johnson' (Johnson's "
            "relative weights, the documented fallback) or group the drivers with groups=",
            column=names,
        )
    order = [d for mem in members_of for d in mem]
    players, pos = [], 0
    for mem in members_of:
        players.append(list(range(pos, pos + len(mem))))
        pos += len(mem)

    cols = order + [outcome]
    extra = [respondent] if respondent is not None else []
    arr, w, keep = _numeric_frame(data, cols, weights)
    n_dropped = int((~keep).sum())
    ids = None
    if respondent is not None:
        if respondent not in data.columns:
            raise DataError("column not found in the data", column=respondent)
        ids = data[respondent].to_numpy()[keep]
    if arr.shape[0] < len(order) + 2:
        raise ModelError(
            f"{arr.shape[0]} complete rows for {len(order)} drivers: too few to estimate importance",
            column=cols + extra,
        )
    corr = _weighted_corr(arr, w, cols)
    imp = _importance(corr, players, method)
    beta = _std_beta(corr)
    r2 = float(1.0 - 1.0 / np.linalg.pinv(corr)[-1, -1])
    sign_list, beta_list = [], []
    for pl in players:
        b = beta[pl]
        beta_list.append(float(b[0]) if len(pl) == 1 else np.nan)
        sign_list.append("+" if (b >= 0).all() else "-" if (b < 0).all() else "mixed")

    table = pd.DataFrame(
        {
            "driver": names,
            "importance": imp,
            "share": imp / imp.sum(),
            "beta": beta_list,
            "sign": sign_list,
        }
    )
    if n_boot:
        boot = _bootstrap(arr, w, ids, players, method, n_boot, seed, progress, n_jobs)
        alpha = (1 - level) / 2
        table["ci_low"] = np.quantile(boot, alpha, axis=0)
        table["ci_high"] = np.quantile(boot, 1 - alpha, axis=0)
        shares = boot / boot.sum(axis=1, keepdims=True)
        table["share_ci_low"] = np.quantile(shares, alpha, axis=0)
        table["share_ci_high"] = np.quantile(shares, 1 - alpha, axis=0)
    table = table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    table.insert(3, "rank", np.arange(1, len(table) + 1))
    table.attrs.update(
        {
            "method": method,
            "outcome": outcome,
            "r_squared": r2,
            "n": int(arr.shape[0]),
            "n_dropped": n_dropped,
            "n_boot": int(n_boot),
            "level": level,
            "weights": weights,
        }
    )
    return table


def _bootstrap(
    arr: np.ndarray,
    w: np.ndarray,
    ids: np.ndarray | None,
    players: list[list[int]],
    method: str,
    n_boot: int,
    seed: int | None,
    progress: bool,
    n_jobs: int,
) -> np.ndarray:
    """Importance on ``n_boot`` resamples of respondents (percentile bootstrap)."""
    if ids is None:
        codes = np.arange(arr.shape[0])
    else:
        codes = pd.factorize(ids)[0]
    n_clusters = int(codes.max()) + 1
    q = arr.shape[1]
    # cluster sums of weighted moments around the full-sample mean (numerically stable)
    z = arr - (w @ arr) / w.sum()
    s0 = np.bincount(codes, weights=w, minlength=n_clusters)
    s1 = z * w[:, None]
    s2 = (z[:, :, None] * z[:, None, :] * w[:, None, None]).reshape(-1, q * q)
    if ids is not None:  # sum rows within respondent
        s1 = np.stack([np.bincount(codes, weights=c, minlength=n_clusters) for c in s1.T], axis=1)
        s2 = np.stack([np.bincount(codes, weights=c, minlength=n_clusters) for c in s2.T], axis=1)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n_clusters, np.full(n_clusters, 1.0 / n_clusters), size=n_boot)
    counts = counts.astype(float)
    sw = counts @ s0
    m1 = counts @ s1 / sw[:, None]
    cov = (counts @ s2).reshape(n_boot, q, q) / sw[:, None, None] - m1[:, :, None] * m1[:, None, :]
    sd = np.sqrt(np.clip(np.einsum("bii->bi", cov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    idx = np.arange(q)
    corr[:, idx, idx] = 1.0

    def run(chunk: np.ndarray) -> np.ndarray:
        return np.stack([_importance(c, players, method) for c in chunk])

    chunks = np.array_split(np.arange(n_boot), max(1, min(n_boot, 20 * max(n_jobs, 1))))
    if progress:
        from tqdm.auto import tqdm

        chunks_iter = tqdm(chunks, desc="bootstrap", unit="chunk")
    else:
        chunks_iter = chunks
    if n_jobs == 1:
        parts = [run(corr[c]) for c in chunks_iter]
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=n_jobs)(delayed(run)(corr[c]) for c in chunks_iter)
    out = np.concatenate(parts)
    bad = ~np.isfinite(out).all(axis=1)
    if bad.any():  # a resample where a driver happened not to vary
        warnings.warn(
            f"{int(bad.sum())} of {n_boot} bootstrap resamples dropped: a driver did not vary",
            CxlabWarning,
            stacklevel=3,
        )
        out = out[~bad]
    return out


def penalty_reward(
    data: pd.DataFrame,
    outcome: str,
    attributes: Sequence[str],
    *,
    low: float | Mapping[str, float],
    high: float | Mapping[str, float],
    weights: str | None = None,
    alpha: float = 0.05,
    respondent: str | None = None,
) -> pd.DataFrame:
    """Penalty-reward contrast analysis (Brandt 1987) of attributes on an outcome.

    Each attribute is coded into two dummies, ``low`` (rating <= ``low``) and ``high``
    (rating >= ``high``), the middle being the reference, and the outcome is regressed
    on all dummies at once (weighted least squares with survey weights, HC1 robust
    standard errors, or standard errors clustered by respondent with ``respondent=``).
    ``penalty`` is the drop in the outcome with low performance
    (minus the low-dummy coefficient), ``reward`` the gain with high performance.

    Parameters
    ----------
    data : DataFrame
        One row per respondent (or respondent x event, with ``respondent=``).
    outcome : str
        Outcome column.
    attributes : sequence of str
        Attribute rating columns.
    low, high : float or mapping of attribute to float
        Thresholds: ratings at or below ``low`` are low performance, at or above
        ``high`` high performance (``low < high``).
    weights : str, optional
        Survey-weight column.
    alpha : float
        Significance level of the penalty-versus-reward test that drives the class.
    respondent : str, optional
        Respondent-id column. Give it when a respondent contributes several rows
        (respondent x event data): standard errors are then cluster-robust by
        respondent (CR1, as statsmodels ``cov_type="cluster"``) and p-values use t on
        respondents - 1 degrees of freedom. Without it every row is treated as an
        independent respondent (HC1, t on rows - terms df).

    Returns
    -------
    DataFrame
        One row per attribute: ``attribute``, ``n_low``, ``n_high``, ``penalty``,
        ``penalty_se``, ``penalty_p``, ``reward``, ``reward_se``, ``reward_p``,
        ``difference`` (penalty - reward), ``difference_se``, ``difference_p`` and
        ``category``: ``"basic"`` (penalty significantly larger than reward),
        ``"excitement"`` (reward significantly larger) or ``"performance"`` (neither).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"reliability": rng.integers(1, 11, 800)})
    >>> df["satisfaction"] = 6 - 2.0 * (df.reliability <= 3) + rng.normal(size=800)
    >>> penalty_reward(df, "satisfaction", ["reliability"], low=3, high=8)["category"].item()
    'basic'
    """
    attributes = list(attributes)
    arr, w, keep = _numeric_frame(data, attributes + [outcome], weights)
    if respondent is not None:
        if respondent not in data.columns:
            raise DataError("column not found in the data", column=respondent)
        ids = data[respondent].to_numpy()[keep]
        if pd.isna(ids).any():
            raise DataError(
                "respondent id missing", column=respondent, rows=np.flatnonzero(pd.isna(ids)) + 1
            )
        codes = pd.factorize(ids)[0]
    else:
        codes = np.arange(arr.shape[0])
    cols = [np.ones(arr.shape[0])]
    info = []
    for i, a in enumerate(attributes):
        lo = low[a] if isinstance(low, Mapping) else low
        hi = high[a] if isinstance(high, Mapping) else high
        if not lo < hi:
            raise ParameterError(f"low ({lo}) must be below high ({hi})", column=a)
        dl = (arr[:, i] <= lo).astype(float)
        dh = (arr[:, i] >= hi).astype(float)
        if dl.sum() == 0 or dh.sum() == 0:
            raise ModelError(
                f"no ratings at or below {lo} or at or above {hi}: cannot contrast penalty and reward",
                column=a,
            )
        cols += [dl, dh]
        info.append((a, int(dl.sum()), int(dh.sum())))
    x = np.column_stack(cols)
    y = arr[:, -1]

    fit = cluster_wls(x, y, w, codes)  # one cluster per row = HC1
    beta, cov = fit.beta, fit.cov
    # t reference: clusters - 1 df with respondent clusters, rows - terms df for HC1
    df_resid = fit.df if respondent is not None else x.shape[0] - x.shape[1]
    rows = []
    for k, (a, n_lo, n_hi) in enumerate(info):
        il, ih = 1 + 2 * k, 2 + 2 * k
        pen, rew = -beta[il], beta[ih]
        pen_se, rew_se = math.sqrt(cov[il, il]), math.sqrt(cov[ih, ih])
        diff = pen - rew
        diff_se = math.sqrt(cov[il, il] + cov[ih, ih] + 2 * cov[il, ih])
        p = [
            2 * stats.t.sf(abs(v / s), df_resid)
            for v, s in ((pen, pen_se), (rew, rew_se), (diff, diff_se))
        ]
        if p[2] < alpha and diff > 0:
            cat = "basic"
        elif p[2] < alpha and diff < 0:
            cat = "excitement"
        else:
            cat = "performance"
        rows.append(
            {
                "attribute": a,
                "n_low": n_lo,
                "n_high": n_hi,
                "penalty": pen,
                "penalty_se": pen_se,
                "penalty_p": p[0],
                "reward": rew,
                "reward_se": rew_se,
                "reward_p": p[1],
                "difference": diff,
                "difference_se": diff_se,
                "difference_p": p[2],
                "category": cat,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs.update(
        {
            "outcome": outcome,
            "n": int(arr.shape[0]),
            "n_respondents": int(fit.n_clusters),
            "alpha": alpha,
            "weights": weights,
            "respondent": respondent,
        }
    )
    return out
