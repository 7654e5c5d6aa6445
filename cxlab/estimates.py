"""Weighted survey estimates with design-based standard errors and minimum bases.

Means, proportions, top-box shares and rating distributions, overall or by
segment, with standard errors and confidence intervals that account for the
weighting; comparisons between segments or waves (:func:`compare`, which lives in
:mod:`cxlab.comparisons` and is re-exported here); and the minimum-base rule that
keeps small groups out of reports.

Variance estimation
-------------------
Every estimate is a ratio mean ``sum(w y) / sum(w)`` over the rows of a domain
(a segment, with the analysis variable present). Its variance is estimated by
Taylor linearisation under a with-replacement design: each row contributes
``z = w (y - estimate) / sum(w)``, the ``z`` are summed within clusters (the
respondent, for event-level data where a respondent rates several events), and

    var = m / (m - 1) * sum_c z_c ** 2

where ``m`` is the number of clusters in the whole data (domain estimation: a
segment's size is random). Rows are their own clusters unless ``cluster`` names a
column; the default ``cluster="auto"`` uses ``respondent_id`` when it repeats.
Confidence intervals use Student's t with (clusters in the domain - 1) degrees of
freedom; intervals for proportions are computed on the logit scale (as R's
``svyciprop(method="logit")``), and Clopper-Pearson on the effective sample size
when the estimate is exactly 0 or 1. Calibration (raking) is treated as fixed
weights, which is slightly conservative.

Minimum base
------------
An estimate resting on fewer than ``min_base`` respondents (clusters) is
suppressed: ``estimate, se, ci_low, ci_high, n_effective`` are NaN, ``suppressed``
is True, and a :class:`cxlab.errors.SuppressionWarning` is issued; the unweighted
base ``n`` is kept (the policy of :mod:`cxlab.suppression`). A base equal to
``min_base`` is reported.
:func:`~cxlab.suppression.suppress_small_cells` applies the same rule to any table;
:func:`~cxlab.suppression.format_suppressed` renders it with dashes (both live in
:mod:`cxlab.suppression` and are re-exported here).

Every estimate function returns a tidy frame: ``segment columns..., estimate, se,
ci_low, ci_high, n, n_effective, suppressed`` (plus ``category`` for
distributions), where ``n`` is the number of respondents (clusters) with data and
``n_effective`` Kish's effective number ``(sum W_c)^2 / sum W_c^2`` over cluster
weight totals.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from cxlab.estimates import weighted_mean
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"recommend": rng.integers(0, 11, 200), "weight": 1.0,
...                    "country": np.repeat(["UK", "US"], 100)})
>>> weighted_mean(df, "recommend", by="country").columns.tolist()
['country', 'estimate', 'se', 'ci_low', 'ci_high', 'n', 'n_effective', 'suppressed']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse, stats

from cxlab.errors import DataError, ParameterError, SuppressionWarning
from cxlab.suppression import format_suppressed, suppress_small_cells

if TYPE_CHECKING:  # at run time `compare` is loaded lazily by __getattr__ below
    from cxlab.comparisons import compare

__all__ = [
    "weighted_mean",
    "weighted_proportion",
    "weighted_top_box",
    "weighted_distribution",
    "top_box",
    "compare",
    "suppress_small_cells",
    "format_suppressed",
]

_EST_COLS = ["estimate", "se", "ci_low", "ci_high"]


# --------------------------------------------------------------------------- design
class _Design:
    """Weights, domains and clusters of one call, as integer-coded arrays."""

    def __init__(self, data: pd.DataFrame, weight, by, cluster):
        if not isinstance(data, pd.DataFrame):
            raise ParameterError("data must be a pandas DataFrame")
        n = len(data)
        if n == 0:
            raise DataError("no rows to estimate from")
        if weight is None:
            w = np.ones(n)
        else:
            if weight not in data.columns:
                raise DataError("weight column not found", column=weight)
            w = pd.to_numeric(data[weight], errors="coerce").to_numpy(dtype=float)
            bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
            if bad.size:
                raise DataError(
                    "weights must be non-negative and not missing",
                    column=weight,
                    rows=(bad + 1).tolist(),
                )
        self.w = w
        self.by = [] if by is None else ([by] if isinstance(by, str) else list(by))
        for col in self.by:
            if col not in data.columns:
                raise DataError("segment column not found", column=col)
        if self.by:
            gb = data.groupby(self.by, observed=True, dropna=True, sort=True)
            self.g = gb.ngroup().fillna(-1).to_numpy(dtype=np.int64)
            self.keys = gb.size().index.to_frame(index=False)
        else:
            self.g = np.zeros(n, dtype=np.int64)
            self.keys = pd.DataFrame(index=[0])
        self.G = len(self.keys)
        if isinstance(cluster, str) and cluster == "auto":
            cluster = (
                "respondent_id"
                if "respondent_id" in data.columns and data["respondent_id"].duplicated().any()
                else None
            )
        if cluster is None:
            self.cl = np.arange(n, dtype=np.int64)
        else:
            if cluster not in data.columns:
                raise DataError("cluster column not found", column=cluster)
            codes, _ = pd.factorize(data[cluster])
            miss = np.flatnonzero(codes < 0)
            if miss.size:
                raise DataError(
                    "missing cluster (respondent) ids", column=cluster, rows=(miss + 1).tolist()
                )
            self.cl = codes.astype(np.int64)
        self.ncl = int(self.cl.max()) + 1 if n else 0
        self.m = self.ncl
        self.cluster = cluster


def _linearise(design: _Design, y: np.ndarray, want_cov: bool = False) -> dict:
    """Domain ratio means with linearised (co)variances; see the module docstring."""
    g, w, cl, G, ncl = design.g, design.w, design.cl, design.G, design.ncl
    ok = np.isfinite(y) & (g >= 0) & (w > 0)
    gg, yy, ww, cc = g[ok], y[ok], w[ok], cl[ok]
    W = np.bincount(gg, weights=ww, minlength=G)
    S = np.bincount(gg, weights=ww * yy, minlength=G)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = S / W
        z = ww * (yy - est[gg]) / W[gg]
    key = gg * ncl + cc
    ukey, inv = np.unique(key, return_inverse=True)
    zc = np.bincount(inv, weights=z)
    wc = np.bincount(inv, weights=ww)
    gk = ukey // ncl
    m = design.m
    factor = m / (m - 1) if m > 1 else np.nan
    var = factor * np.bincount(gk, weights=zc * zc, minlength=G)
    n = np.bincount(gk, minlength=G)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.bincount(gk, weights=wc, minlength=G) ** 2 / np.bincount(
            gk, weights=wc * wc, minlength=G
        )
    out = {"estimate": est, "var": var, "n": n, "n_effective": n_eff, "df": n - 1.0}
    if want_cov:
        Z = sparse.csr_matrix((zc, (gk, ukey % ncl)), shape=(G, ncl))
        out["cov"] = factor * (Z @ Z.T).toarray()
    return out


def _t_quantile(level: float, df: np.ndarray) -> np.ndarray:
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, stats.t.ppf(0.5 + level / 2, np.maximum(df, 1)), np.nan)


def _intervals(res: dict, level: float, proportion: bool) -> pd.DataFrame:
    est, se = res["estimate"], np.sqrt(res["var"])
    q = _t_quantile(level, res["df"])
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
            # exactly 0 or 1: Clopper-Pearson on the effective sample size
            ne = np.maximum(res["n_effective"], 1.0)
            alpha = 1 - level
            cp0 = 1 - (alpha / 2) ** (1 / ne)
            lo = np.where(est == 0, 0.0, np.where(est == 1, (alpha / 2) ** (1 / ne), lo))
            hi = np.where(est == 0, cp0, np.where(est == 1, 1.0, hi))
    return pd.DataFrame({"estimate": est, "se": se, "ci_low": lo, "ci_high": hi})


def _check_common(min_base, level) -> None:
    if min_base is None or not np.isscalar(min_base) or min_base < 0:
        raise ParameterError(f"min_base must be a non-negative number, got {min_base!r}")
    if not 0 < level < 1:
        raise ParameterError(f"level must be between 0 and 1, got {level!r}")


def _suppress(
    table: pd.DataFrame, keys: list[str], min_base: float, what: str, stacklevel: int = 3
) -> pd.DataFrame:
    small = table["n"].to_numpy() < min_base
    table["suppressed"] = small
    if small.any():
        table.loc[small, [*_EST_COLS, "n_effective"]] = np.nan
        if keys:
            labels = table.loc[small, keys].astype(str).agg(" | ".join, axis=1).unique().tolist()
        else:
            labels = ["overall"]
        shown = ", ".join(labels[:5]) + (
            f" (and {len(labels) - 5} more)" if len(labels) > 5 else ""
        )
        warnings.warn(
            f"{what}: {len(labels)} group(s) below the minimum base of {min_base:g} respondents "
            f"suppressed: {shown}",
            SuppressionWarning,
            stacklevel=stacklevel,
        )
    return table


def _table(design: _Design, res: dict, level, min_base, proportion, what) -> pd.DataFrame:
    est = _intervals(res, level, proportion)
    out = pd.concat([design.keys.reset_index(drop=True), est], axis=1) if design.by else est
    out["n"] = res["n"].astype(np.int64)
    out["n_effective"] = res["n_effective"]
    out = out[out["n"] > 0].reset_index(drop=True) if design.by else out
    return _suppress(out, design.by, min_base, what, stacklevel=4)


def _column(data: pd.DataFrame, column: str) -> np.ndarray:
    if column not in data.columns:
        raise DataError("column not found", column=column)
    x = data[column]
    if x.dtype == bool:
        return x.to_numpy(dtype=float)
    y = pd.to_numeric(x, errors="coerce")
    bad = np.flatnonzero(y.isna().to_numpy() & x.notna().to_numpy())
    if bad.size:
        raise DataError(
            "non-numeric values in a numeric column", column=column, rows=(bad + 1).tolist()
        )
    return y.to_numpy(dtype=float)


def _indicator(data: pd.DataFrame, column: str, value) -> np.ndarray:
    if column not in data.columns:
        raise DataError("column not found", column=column)
    x = data[column]
    if value is None:
        y = _column(data, column)
        bad = np.flatnonzero(np.isfinite(y) & (y != 0) & (y != 1))
        if bad.size:
            raise DataError(
                "a proportion needs a 0/1 (or boolean) column, or value=",
                column=column,
                rows=(bad + 1).tolist(),
            )
        return y
    values = list(value) if isinstance(value, list | tuple | set) else [value]
    return np.where(x.isna().to_numpy(), np.nan, x.isin(values).to_numpy(dtype=float))


# --------------------------------------------------------------------------- public estimates
def weighted_mean(
    data: pd.DataFrame,
    column: str,
    *,
    by: str | Sequence[str] | None = None,
    weight: str | None = "weight",
    cluster: str | None = "auto",
    min_base: float = 30,
    level: float = 0.95,
) -> pd.DataFrame:
    """Weighted mean of a column, overall or by segment, with linearised SE and CI.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level (``survey.respondents``) or event-level
        (``survey.event_table()``) rows.
    column : str
        The numeric variable; missing values are left out (domain estimation).
    by : str or list of str, optional
        Segment column(s); one output row per observed combination.
    weight : str or None
        Weight column (``None``: unweighted).
    cluster : str, None or "auto"
        Cluster (respondent) id column for rows that are not independent;
        ``"auto"`` uses ``respondent_id`` when it repeats, ``None`` treats rows as
        independent.
    min_base : float
        Minimum number of respondents (clusters) for an estimate to be shown.
    level : float
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        ``by columns..., estimate, se, ci_low, ci_high, n, n_effective, suppressed``.

    Notes
    -----
    Ratio-mean Taylor linearisation under a with-replacement design, summing the
    linearised values within clusters; t intervals with (clusters in the domain - 1)
    degrees of freedom. See the module docstring.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "weight": [1.0, 1, 1, 3]})
    >>> float(weighted_mean(df, "y", min_base=2)["estimate"].iloc[0])
    3.0
    """
    _check_common(min_base, level)
    design = _Design(data, weight, by, cluster)
    res = _linearise(design, _column(data, column))
    return _table(design, res, level, min_base, False, f"weighted mean of {column!r}")


def weighted_proportion(
    data: pd.DataFrame,
    column: str,
    value=None,
    *,
    by: str | Sequence[str] | None = None,
    weight: str | None = "weight",
    cluster: str | None = "auto",
    min_base: float = 30,
    level: float = 0.95,
) -> pd.DataFrame:
    """Weighted proportion of rows where ``column`` equals ``value`` (or is 1/True).

    Parameters
    ----------
    data, by, weight, cluster, min_base, level
        As in :func:`weighted_mean`.
    column : str
        A 0/1 or boolean column (``value=None``) or any column compared with ``value``.
    value : scalar or list, optional
        The category (or categories) counted as a "yes".

    Returns
    -------
    pandas.DataFrame
        As :func:`weighted_mean`; the interval is computed on the logit scale.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"group": ["advocate"] * 3 + ["neutral"], "weight": 1.0})
    >>> float(weighted_proportion(df, "group", "advocate", min_base=1)["estimate"].iloc[0])
    0.75
    """
    _check_common(min_base, level)
    design = _Design(data, weight, by, cluster)
    res = _linearise(design, _indicator(data, column, value))
    label = f"proportion of {column!r}" + ("" if value is None else f" = {value!r}")
    return _table(design, res, level, min_base, True, label)


def top_box(values, scale_max: float, k: int = 2):
    """Top-k-box indicator: 1 when a rating is in the top ``k`` points of the scale.

    Parameters
    ----------
    values : array-like or pandas.Series
        Ratings on a scale ending at ``scale_max`` (integers, e.g. 1-10).
    scale_max : float
        The top of the scale.
    k : int
        Number of top points counted (2: top-2-box, 9-10 on a 1-10 scale).

    Returns
    -------
    pandas.Series or numpy.ndarray
        1.0 / 0.0, NaN where the rating is missing (same type as the input).

    Raises
    ------
    cxlab.errors.DataError
        Ratings above ``scale_max``.

    Examples
    --------
    >>> top_box([10, 9, 8, None], scale_max=10).tolist()
    [1.0, 1.0, 0.0, nan]
    """
    if k < 1:
        raise ParameterError(f"k must be >= 1, got {k!r}")
    is_series = isinstance(values, pd.Series)
    x = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    above = np.flatnonzero(x > scale_max)
    if above.size:
        raise DataError(
            f"ratings above the scale maximum {scale_max:g}",
            column=getattr(values, "name", None),
            rows=(above + 1).tolist(),
        )
    out = np.where(np.isnan(x), np.nan, (x > scale_max - k).astype(float))
    return pd.Series(out, index=values.index, name=values.name) if is_series else out


def weighted_top_box(
    data: pd.DataFrame,
    column: str,
    scale_max: float,
    k: int = 2,
    *,
    by: str | Sequence[str] | None = None,
    weight: str | None = "weight",
    cluster: str | None = "auto",
    min_base: float = 30,
    level: float = 0.95,
) -> pd.DataFrame:
    """Weighted top-``k``-box share of a rating (see :func:`top_box`).

    Returns the same table as :func:`weighted_proportion`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"satisfaction": [10, 9, 5, 2], "weight": 1.0})
    >>> float(weighted_top_box(df, "satisfaction", 10, min_base=1)["estimate"].iloc[0])
    0.5
    """
    _check_common(min_base, level)
    design = _Design(data, weight, by, cluster)
    y = top_box(_column(data, column), scale_max, k)
    res = _linearise(design, y)
    return _table(design, res, level, min_base, True, f"top-{k}-box of {column!r}")


def weighted_distribution(
    data: pd.DataFrame,
    column: str,
    *,
    categories: Sequence | None = None,
    by: str | Sequence[str] | None = None,
    weight: str | None = "weight",
    cluster: str | None = "auto",
    min_base: float = 30,
    level: float = 0.95,
) -> pd.DataFrame:
    """Weighted distribution of a rating (share of each category), overall or by segment.

    Parameters
    ----------
    categories : sequence, optional
        Categories to report, in order (default: the sorted observed values; for a
        categorical column its categories). A segment's shares over all its
        categories sum to 1.
    data, column, by, weight, cluster, min_base, level
        As in :func:`weighted_mean`; ``n`` is the segment's base.

    Returns
    -------
    pandas.DataFrame
        ``by columns..., category, estimate, se, ci_low, ci_high, n, n_effective,
        suppressed``; one row per segment x category.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"r": [1, 2, 2, 3], "weight": 1.0})
    >>> weighted_distribution(df, "r", min_base=1)["estimate"].tolist()
    [0.25, 0.5, 0.25]
    """
    _check_common(min_base, level)
    design = _Design(data, weight, by, cluster)
    if column not in data.columns:
        raise DataError("column not found", column=column)
    x = data[column]
    if categories is None:
        if isinstance(x.dtype, pd.CategoricalDtype):
            categories = list(x.cat.categories)
        else:
            categories = sorted(pd.unique(x.dropna()).tolist())
    parts = []
    for cat in categories:
        y = np.where(x.isna().to_numpy(), np.nan, (x == cat).to_numpy(dtype=float))
        res = _linearise(design, y)
        est = _intervals(res, level, True)
        part = pd.concat([design.keys.reset_index(drop=True), est], axis=1) if design.by else est
        part.insert(len(design.by), "category", cat)
        part["n"] = res["n"].astype(np.int64)
        part["n_effective"] = res["n_effective"]
        part["_order"] = np.arange(len(part))
        parts.append(part)
    out = pd.concat(parts, ignore_index=True).sort_values(["_order"], kind="stable")
    out = out.drop(columns="_order")
    out = out[out["n"] > 0].reset_index(drop=True)
    return _suppress(out, design.by, min_base, f"distribution of {column!r}")


# --------------------------------------------------------------------------- comparisons
def _holm(p: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (as statsmodels' multipletests "holm", which
    calls ``gc.collect()`` on every use and so costs tenths of a second per table)."""
    order = np.argsort(p, kind="stable")
    m = p.size
    adj = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    out = np.empty_like(adj)
    out[order] = adj
    return out


def __getattr__(name):
    # `compare` lives in cxlab.comparisons, which imports this module's helpers; it is
    # loaded on first use so that importing either module first works
    if name == "compare":
        from cxlab.comparisons import compare

        return compare
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
