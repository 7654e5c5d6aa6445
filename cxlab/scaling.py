"""Dask data frames through the sufficient-statistic path (docs/scaling.md).

The estimators of :mod:`cxlab.estimates` and the raking of :mod:`cxlab.weighting` only
ever need sums over rows: weighted totals per domain, per domain and cluster, or per
cell of the raking variables. A ``dask.dataframe.DataFrame`` is therefore reduced
partition by partition to those sums (each partition is a pandas frame; its reduction
is a small frame of sums per group), the partial sums are added up, and the same
formulas as in memory are applied to the reduced arrays. Nothing row-level is
collected; the rows are read once per pass.

* :func:`domain_means` gives :func:`cxlab.estimates.weighted_mean` and
  :func:`~cxlab.estimates.weighted_proportion` their linearised domain means in two
  passes (pass 1: ``sum w``, ``sum w y``, ``sum w^2`` and counts per domain; pass 2:
  the linearised values ``z = w (y - estimate) / sum w`` summed per domain, or per
  domain and respondent when rows are clustered, and squared).
* :func:`raking_cells` reduces the rows to the cells of the raking variables (count and
  design-weight total per cell), on which :func:`cxlab.weighting.rake` iterates as in
  memory; :func:`cell_weights` maps the final cell factors back onto the rows lazily.

These are called by the public functions when they are given a Dask frame; users do
not call them. ``is_dask`` says whether an object is a Dask frame without importing
Dask.

Examples
--------
>>> import pandas as pd
>>> is_dask(pd.DataFrame({"a": [1]}))
False
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab._advocacy import as_groups
from cxlab._checks import indicator, numeric_column, weights_of
from cxlab._raking import codes_for, start_weights
from cxlab._stats import group_kish
from cxlab.errors import DataError, ParameterError

__all__ = [
    "is_dask",
    "domain_means",
    "DomainDesign",
    "raking_cells",
    "cell_weights",
    "advocacy_sums",
]


def is_dask(data) -> bool:
    """True for a ``dask.dataframe.DataFrame`` (checked by type, Dask not imported).

    Parameters
    ----------
    data : object
        Anything.
    """
    return any(
        c.__module__.startswith("dask.") and c.__name__ == "DataFrame" for c in type(data).__mro__
    )


def check_simple_design(**design) -> None:
    """Refuse sample-design arguments the Dask path does not implement.

    The partition reductions cover weights and respondent clusters; strata, fpc,
    calibration and replicate weights need the in-memory path (``.compute()`` first).

    Examples
    --------
    >>> check_simple_design(strata=None, fpc=None, calibration=None)
    """
    given = sorted(k for k, v in design.items() if v not in (None, "linearisation", "fail"))
    if given:
        raise ParameterError(
            f"on a Dask frame only weights and cluster are supported; {', '.join(given)} "
            "need the in-memory path (call .compute() on the frame first)",
            column=given,
        )


def _compute(tasks: list):
    import dask

    return dask.compute(*tasks)


def _per_partition(data, fn: Callable, *args) -> list:
    """``fn(partition, *args)`` for every partition, computed together."""
    import dask

    return list(_compute([dask.delayed(fn)(p, *args) for p in data.to_delayed()]))


# --------------------------------------------------------------------------- estimates
@dataclass(frozen=True, eq=False)
class DomainDesign:
    """The domains of a reduced estimate: ``by`` columns and one row of keys per domain."""

    by: list
    keys: pd.DataFrame


def _variable(df: pd.DataFrame, column: str, value, kind: str) -> np.ndarray:
    if kind == "mean":
        return numeric_column(df, column)
    return indicator(df, column, value)


def _pass1(df, column, value, kind, weights, by, ids):
    """Per domain of one partition: rows with data, sum w, sum w y, sum w^2; all rows."""
    y = _variable(df, column, value, kind)
    w = weights_of(df, weights)
    ok = np.isfinite(y) & (w > 0)
    frame = pd.DataFrame(
        {
            "n": ok.astype(np.int64),
            "W": np.where(ok, w, 0.0),
            "S": np.where(ok, w * np.where(ok, y, 0.0), 0.0),
            "W2": np.where(ok, w * w, 0.0),
        },
        index=df.index,
    )
    if by:
        sums = frame.groupby([df[b] for b in by], observed=True, dropna=True, sort=False).sum()
    else:
        sums = frame.sum().to_frame().T
    uniq = pd.unique(df[ids]) if ids is not None else None
    return sums, len(df), uniq


def _domain_codes(df, by, keys: pd.DataFrame) -> np.ndarray:
    if not by:
        return np.zeros(len(df), dtype=np.int64)
    index = pd.MultiIndex.from_frame(keys.astype(object))
    rows = pd.MultiIndex.from_frame(df[by].astype(object).reset_index(drop=True))
    return index.get_indexer(rows).astype(np.int64)


def _pass2(df, column, value, kind, weights, by, keys, est, W, cluster):
    """Linearised values ``z`` of one partition summed per domain (and cluster)."""
    y = _variable(df, column, value, kind)
    w = weights_of(df, weights)
    g = _domain_codes(df, by, keys)
    ok = np.isfinite(y) & (w > 0) & (g >= 0)
    gg = g[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = w[ok] * (y[ok] - est[gg]) / W[gg]
    if cluster is None:
        return np.bincount(gg, weights=z * z, minlength=len(keys))
    ids = df[cluster].to_numpy()[ok]
    return pd.DataFrame({"g": gg, "c": ids, "z": z, "w": w[ok]}).groupby(["g", "c"]).sum()


def domain_means(
    data,
    column: str,
    *,
    value=None,
    kind: str = "mean",
    weights: str | None,
    by,
    cluster,
) -> tuple[DomainDesign, dict]:
    """:func:`cxlab._stats.linearise` of ``column`` (``kind="mean"``) or of its
    indicator (``kind="proportion"``, with ``value``) on a Dask frame, in two passes.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        The rows.
    column : str
        The variable.
    value : scalar or list, optional
        The category counted as a "yes" (proportions).
    kind : str
        ``"mean"`` or ``"proportion"``.
    weights : str or None
        Weight column.
    by : str or list of str, optional
        Segment column(s).
    cluster : str, None or "auto"
        Cluster (respondent) id column, as in :func:`cxlab.estimates.weighted_mean`.

    Returns
    -------
    tuple
        The domains and the dict of :func:`~cxlab._stats.linearise` (``estimate, var,
        n, n_effective, df``), equal to the in-memory result up to the order of
        floating-point additions.
    """
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for col in [*by, *([] if weights is None else [weights])]:
        if col not in data.columns:
            raise DataError("column not found", column=col)
    if column not in data.columns:
        raise DataError("column not found", column=column)
    if isinstance(cluster, str) and cluster == "auto":
        ids = "respondent_id" if "respondent_id" in data.columns else None
    else:
        if cluster is not None and cluster not in data.columns:
            raise DataError("cluster column not found", column=cluster)
        ids = cluster
    parts = _per_partition(data, _pass1, column, value, kind, weights, by, ids)
    nrows = sum(p[1] for p in parts)
    if nrows == 0:
        raise DataError("no rows to estimate from")
    frames = [p[0] for p in parts]
    if by:
        sums = pd.concat(frames).groupby(level=list(range(len(by))), observed=True).sum()
        sums = sums.sort_index()
        keys = sums.index.to_frame(index=False)
        keys.columns = by
    else:
        sums = pd.concat(frames).sum().to_frame().T
        keys = pd.DataFrame(index=[0])
    if ids is not None:
        uniq = pd.unique(np.concatenate([p[2] for p in parts]))
        if cluster == "auto" and uniq.size == nrows:
            ids = None  # respondent ids do not repeat: rows are their own clusters
        elif pd.isna(uniq).any():
            raise DataError("missing cluster (respondent) ids", column=ids)
    W, S, n = sums["W"].to_numpy(float), sums["S"].to_numpy(float), sums["n"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        est = S / W
    z = _per_partition(data, _pass2, column, value, kind, weights, by, keys, est, W, ids)
    G = len(keys)
    if ids is None:
        m = nrows
        sum_z2 = np.sum(z, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            n_eff = W**2 / sums["W2"].to_numpy(float)
    else:
        m = uniq.size
        per = pd.concat(z).groupby(level=[0, 1]).sum()
        gk = per.index.get_level_values(0).to_numpy(np.int64)
        zc = per["z"].to_numpy()
        sum_z2 = np.bincount(gk, weights=zc * zc, minlength=G)
        n = np.bincount(gk, minlength=G)
        n_eff = group_kish(gk, per["w"].to_numpy(), G)
    factor = m / (m - 1) if m > 1 else np.nan
    res = {
        "estimate": est,
        "var": factor * sum_z2,
        "n": np.asarray(n, dtype=np.int64),
        "n_effective": n_eff,
        "df": n - 1.0,
    }
    return DomainDesign(by, keys), res


# --------------------------------------------------------------------------- raking
def _cells_of(df, columns, categories, ncats, weights):
    key = np.zeros(len(df), dtype=np.int64)
    for col, cats, k in zip(columns, categories, ncats, strict=True):
        key = key * k + codes_for(df, col, cats)
    w0 = start_weights(df, weights)
    return key, w0


def _cell_sums(df, columns, categories, ncats, weights):
    key, w0 = _cells_of(df, columns, categories, ncats, weights)
    frame = pd.DataFrame({"key": key, "n": 1, "w": w0})
    return frame.groupby("key").sum()


def raking_cells(data, columns: list, categories: list, weights) -> tuple:
    """The raking cells of a Dask frame, one pass: ``(codes, n, w)`` with the category
    codes of each cell per variable, its number of rows and its design-weight total,
    and the cells' keys (for :func:`cell_weights`).

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        The respondents.
    columns : list of str
        The raking variables.
    categories : list of list
        Each variable's categories (the margins' order).
    weights : str or None
        Design-weight column.
    """
    if weights is not None and not isinstance(weights, str):
        raise ParameterError("on a Dask frame, weights must name a column (or be None)")
    ncats = [len(c) for c in categories]
    if float(np.prod(np.asarray(ncats, dtype=float))) >= 2.0**62:
        raise ParameterError("too many raking cells for a Dask frame; rake fewer variables")
    parts = _per_partition(data, _cell_sums, columns, categories, ncats, weights)
    sums = pd.concat(parts).groupby(level=0).sum().sort_index()
    if len(sums) == 0:
        raise ParameterError("raking needs a non-empty frame of respondents")
    rem = sums.index.to_numpy(np.int64).copy()
    codes = []
    for k in reversed(ncats):
        codes.append(rem % k)
        rem //= k
    return codes[::-1], sums["n"].to_numpy(np.int64), sums["w"].to_numpy(float), sums.index


def _scaled(df, columns, categories, ncats, weights, cell_index, factor):
    key, w0 = _cells_of(df, columns, categories, ncats, weights)
    return pd.Series(w0 * factor[cell_index.get_indexer(key)], index=df.index, name="weight")


def cell_weights(data, columns, categories, weights, cell_index, factor):
    """Row weights ``design weight x factor of the row's cell`` as a lazy Dask Series.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        The respondents.
    columns, categories, weights
        As for :func:`raking_cells`.
    cell_index : pandas.Index
        The cells' keys from :func:`raking_cells`.
    factor : numpy.ndarray
        The factor of each cell.
    """
    ncats = [len(c) for c in categories]
    return data.map_partitions(
        _scaled,
        columns,
        categories,
        ncats,
        weights,
        cell_index,
        factor,
        meta=pd.Series(dtype=float, name="weight"),
    )


# --------------------------------------------------------------------------- net advocacy
def _advocacy_part(df, scores, weights, by, agitator, scale, cuts):
    flag = None if agitator is None else df[agitator]
    code = as_groups(df[scores], flag, scale, cuts).cat.codes.to_numpy().astype(np.int64)
    w = weights_of(df, weights)
    frame = pd.DataFrame({"code": code, "one": 1, "w": w, "w2": w * w}, index=df.index)
    keys = [df[b] for b in by] + [frame["code"]]
    sums = frame.drop(columns="code").groupby(keys, observed=True, dropna=True).sum()
    return sums, len(df)


def advocacy_sums(
    data, scores: str, weights, by, agitator, scale, cuts
) -> tuple[dict, pd.DataFrame]:
    """Per segment x advocacy group sums of a Dask frame in one pass: the dict of
    :func:`cxlab.segments.net_advocacy`'s sums (``n, sw, cat, cat2, cnt, m``) and the
    segment keys (``None`` without ``by``).

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        The respondents.
    scores : str
        Likelihood-to-recommend (or advocacy group) column.
    weights : str or None
        Weight column.
    by : str, list of str or None
        Segment column(s).
    agitator : str or None
        Agitator flag column.
    scale, cuts
        As for :func:`cxlab.segments.classify_advocacy`.
    """
    names = [
        scores,
        weights,
        agitator,
        *([] if by is None else [by] if isinstance(by, str) else by),
    ]
    if not all(n is None or isinstance(n, str) for n in names):
        raise ParameterError("on a Dask frame, scores, weights, by and agitator must name columns")
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for col in [c for c in names if c is not None]:
        if col not in data.columns:
            raise DataError("column not found", column=col)
    parts = _per_partition(data, _advocacy_part, scores, weights, by, agitator, scale, cuts)
    levels = list(range(len(by) + 1))
    sums = pd.concat([p[0] for p in parts]).groupby(level=levels, observed=True).sum()
    if by:
        flat = sums.reset_index()
        keys = flat[by].drop_duplicates().sort_values(by, kind="stable").reset_index(drop=True)
        g = pd.MultiIndex.from_frame(keys.astype(object)).get_indexer(
            pd.MultiIndex.from_frame(flat[by].astype(object))
        )
    else:
        flat = sums.reset_index()
        keys, g = None, np.zeros(len(flat), dtype=np.int64)
    k = 1 if keys is None else len(keys)
    code = flat["code"].to_numpy(np.int64)
    ok = code >= 0
    cell = g[ok] * 4 + code[ok]

    def table(col):
        return np.bincount(cell, weights=flat[col].to_numpy(float)[ok], minlength=4 * k).reshape(
            k, 4
        )

    cnt = table("one").astype(np.int64)
    cat = table("w")
    s = {
        "n": cnt.sum(axis=1).astype(float),
        "sw": cat.sum(axis=1),
        "cat": cat,
        "cat2": table("w2"),
        "cnt": cnt,
        "m": sum(p[1] for p in parts),
    }
    return s, keys
