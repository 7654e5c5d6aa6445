"""CFE maturity statistics: maturity and gap to target, weakest indicators, agreement."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._checks import check_min_base, renamed
from cxlab._stats import critical, holm
from cxlab.cfe.model import COMPETENCIES
from cxlab.errors import DataError, ParameterError
from cxlab.suppression import suppress, warn_suppressed

_LEVELS = {"indicator": ["competency", "indicator"], "competency": ["competency"], "overall": []}


def check_data(data: pd.DataFrame) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            "executive data must be the tidy DataFrame of load_executive_survey / make_executive_study"
        )
    need = [
        c
        for c in ("executive_id", "role", "competency", "indicator", "current", "target")
        if c not in data.columns
    ]
    if need:
        raise DataError("executive data lacks columns (use load_executive_survey)", column=need)
    if len(data) == 0:
        raise DataError("executive data has no rows")


def _as_list(by) -> list[str]:
    return [] if by is None else [by] if isinstance(by, str) else list(by)


def display_names(data: pd.DataFrame) -> dict[str, str]:
    """Display names of competencies and indicators (codebook in ``attrs``, else the CFE model)."""
    names = {comp: name for comp, (name, _) in COMPETENCIES.items()}
    names.update({ind: label for _, inds in COMPETENCIES.values() for ind, label in inds})
    for comp in (data.attrs.get("codebook") or {}).get("competencies", []):
        names[comp["id"]] = comp.get("name", comp["id"])
        names.update({i["id"]: i.get("name", i["id"]) for i in comp["indicators"]})
    return names


def _scale(data: pd.DataFrame) -> tuple[float, float]:
    s = (data.attrs.get("codebook") or {}).get("scale") or {"min": 1, "max": 5}
    return float(s["min"]), float(s["max"])


def _without_attrs(data: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy of ``data`` without ``attrs``: pandas deep-copies them (the whole
    codebook) into every intermediate frame of the per-group loops. Read what is needed
    from ``attrs`` (:func:`display_names`, :func:`_scale`) first."""
    out = data.copy(deep=False)
    out.attrs = {}
    return out


def _per_executive(data: pd.DataFrame, competency: str, by: list[str]) -> pd.DataFrame:
    """One row per executive (x competency / indicator): mean current, target and paired gap."""
    if competency not in _LEVELS:
        raise ParameterError(f"competency must be one of {list(_LEVELS)}, got {competency!r}")
    unknown = [b for b in by if b not in data.columns]
    if unknown:
        raise ParameterError(
            "'by' names columns that are not in the executive data", location=str(unknown)
        )
    d = data.assign(gap=data["target"] - data["current"])
    keys = list(dict.fromkeys([*by, *_LEVELS[competency], "executive_id"]))
    return (
        d.groupby(keys, observed=True, sort=True, dropna=False)[["current", "target", "gap"]]
        .mean()
        .reset_index()
    )


def _mean_ci(x: np.ndarray, level: float) -> tuple[float, float, float, float, int]:
    """Mean, t-interval, two-sided p of mean = 0, n (NaNs dropped)."""
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return np.nan, np.nan, np.nan, np.nan, 0
    m = float(x.mean())
    if n < 2:
        return m, np.nan, np.nan, np.nan, n
    se = float(x.std(ddof=1)) / np.sqrt(n)
    half = critical(level, n - 1) * se
    p = float(2 * stats.t.sf(abs(m) / se, n - 1)) if se > 0 else (0.0 if m != 0 else 1.0)
    return m, m - half, m + half, p, n


def _old_level(competency, level):
    """``level="indicator"`` is the old name of ``competency=``; a str there is taken so."""
    if isinstance(level, str):
        warnings.warn(
            "level= now means the confidence level; the breakdown is competency=",
            FutureWarning,
            stacklevel=3,
        )
        return level, 0.95
    return competency, level


def _suppress(table: pd.DataFrame, min_base: int, cols: list[str], what: str) -> pd.DataFrame:
    return suppress(table, min_base, columns=cols, what=what, stacklevel=4)


@renamed(confidence="level")
def maturity(
    data: pd.DataFrame,
    competency: str = "competency",
    by=None,
    min_base: int = 30,
    level: float = 0.95,
) -> pd.DataFrame:
    """Current and target maturity with the gap between them, per competency, indicator or overall.

    Each executive's score for a competency is the mean of his or her ratings of its
    indicators (overall: of all indicators); the table gives the mean over executives
    with a t-interval. The ``gap`` is the mean of paired differences target - current
    (both rated), with its t-interval and the p-value of a paired t-test (gap = 0).

    Parameters
    ----------
    data : DataFrame
        Tidy executive data (:func:`load_executive_survey`).
    competency : {"competency", "indicator", "overall"}
    by : str or list of str, optional
        Columns to break down by (``role``, ``industry``, ``business_unit``).
    min_base : int
        Rows with fewer executives are suppressed (NaN estimates, ``suppressed``
        True, a :class:`~cxlab.errors.SuppressionWarning`).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        ``by`` columns, ``competency`` (and ``indicator``), ``name``, ``n``,
        ``current, current_ci_low, current_ci_high``, the same for ``target`` and
        ``gap``, ``gap_p``, ``suppressed``; rows in codebook order.

    Examples
    --------
    >>> from cxlab.synth.executive import make_executive_study
    >>> data, truth = make_executive_study(seed=1)
    >>> maturity(data, "overall")[["n", "current", "target"]].round(1).columns.tolist()
    ['n', 'current', 'target']
    """
    competency, level = _old_level(competency, level)
    check_data(data)
    by = _as_list(by)
    names = display_names(data)
    data = _without_attrs(data)
    per = _per_executive(data, competency, by)
    keys = list(dict.fromkeys([*by, *_LEVELS[competency]]))
    groups = per.groupby(keys, observed=True, sort=True, dropna=False) if keys else [((), per)]
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(keys, key, strict=True))
        for col in ("current", "target", "gap"):
            m, lo, hi, p, n = _mean_ci(part[col].to_numpy(dtype=float), level)
            row.update({col: m, f"{col}_ci_low": lo, f"{col}_ci_high": hi})
            if col == "current":
                row["n"] = n
        row["gap_p"] = p
        rows.append(row)
    table = pd.DataFrame(rows)
    unit = _LEVELS[competency][-1] if _LEVELS[competency] else None
    table.insert(
        len(keys), "name", table[unit].astype(str).map(names) if unit else "All competencies"
    )
    stat = [f"{c}{s}" for c in ("current", "target", "gap") for s in ("", "_ci_low", "_ci_high")]
    table = table[[*keys, "name", "n", *stat, "gap_p"]]
    table.attrs["names"] = names
    return _suppress(table, min_base, [*stat, "gap_p"], "CFE maturity")


@renamed(confidence="level")
def weakest_indicators(
    data: pd.DataFrame,
    k: int = 10,
    rank_by: str = "current",
    level: float = 0.95,
    min_base: int = 30,
) -> pd.DataFrame:
    """The ``k`` weakest indicators: lowest current maturity (or largest gap to target).

    Parameters
    ----------
    data : DataFrame
        Tidy executive data.
    k : int
        How many to return.
    rank_by : {"current", "gap"}
        Lowest current maturity first, or largest gap to target first.
    level : float
    min_base : int
        Indicators rated by fewer executives are suppressed as in :func:`maturity`
        (NaN estimates, ``suppressed`` True, a warning); they are not ranked
        (``rank`` is missing) and come last.

    Returns
    -------
    DataFrame
        ``rank`` then the columns of :func:`maturity` at indicator level.
    """
    if rank_by not in ("current", "gap"):
        raise ParameterError(f"rank_by must be 'current' or 'gap', got {rank_by!r}")
    table = maturity(data, "indicator", min_base=min_base, level=level)
    table = table.sort_values(
        rank_by, ascending=rank_by == "current", kind="stable", na_position="last"
    )
    table = table.head(int(k)).reset_index(drop=True)
    rank = pd.array(np.arange(1, len(table) + 1), dtype="Int64")
    rank[table["suppressed"].to_numpy()] = pd.NA
    table.insert(0, "rank", rank)
    return table


@renamed(confidence="level")
def agreement(
    data: pd.DataFrame,
    competency: str = "competency",
    rating: str = "current",
    alpha: float = 0.05,
    level: float = 0.95,
    min_base: int = 30,
) -> pd.DataFrame:
    """How far executives agree, and where middle and top management disagree.

    Spread across executives: standard deviation and interquartile range of the
    executives' scores, and the within-group agreement index r_wg (James, Demaree &
    Wolf 1984; r_wg(J) over a competency's J indicators) against a uniform null on
    the rating scale (variance (A^2 - 1) / 12 for A points; 0 = no agreement,
    1 = perfect). Management levels: mean of middle and top managers, the difference
    middle - top with a Welch interval and p-value, Holm-adjusted over the rows.

    Parameters
    ----------
    data : DataFrame
        Tidy executive data.
    competency : {"competency", "indicator"}
    rating : {"current", "target", "gap"}
    alpha : float
        Family-wise error rate for ``disagree`` (Holm).
    level : float
    min_base : int
        Smallest base for a reported figure. Rows with fewer executives have the
        spread (``mean, sd, iqr, rwg``) suppressed (``suppressed`` True); rows with
        fewer than ``min_base`` top or fewer than ``min_base`` middle managers have
        the comparison (``top, middle, difference``, interval, p-values)
        suppressed (``comparison_suppressed`` True), are left out of the Holm
        family and never ``disagree``. Either raises a
        :class:`~cxlab.errors.SuppressionWarning`.

    Returns
    -------
    DataFrame
        ``competency`` (and ``indicator``), ``name, n, mean, sd, iqr, rwg, n_top,
        n_middle, top, middle, difference, difference_ci_low, difference_ci_high,
        p_value, p_holm, disagree, suppressed, comparison_suppressed``.
    """
    competency, level = _old_level(competency, level)
    check_data(data)
    if competency not in ("competency", "indicator"):
        raise ParameterError(f"competency must be 'competency' or 'indicator', got {competency!r}")
    if rating not in ("current", "target", "gap"):
        raise ParameterError(f"rating must be 'current', 'target' or 'gap', got {rating!r}")
    lo, hi = _scale(data)
    null_var = ((hi - lo + 1) ** 2 - 1) / 12.0
    names = display_names(data)
    data = _without_attrs(data)
    per = _per_executive(data, competency, ["role"])
    item_var = (data.assign(gap=data["target"] - data["current"])
                .groupby(["competency", "indicator"], observed=True)[rating].var().reset_index())  # fmt: skip
    keys = _LEVELS[competency]
    rows = []
    for key, part in per.groupby(keys, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        x = part[rating].to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        row = dict(zip(keys, key, strict=True))
        row["name"] = names.get(str(key[-1]), str(key[-1]))
        q75, q25 = np.percentile(x, [75, 25]) if x.size else (np.nan, np.nan)
        row.update(
            n=x.size,
            mean=x.mean() if x.size else np.nan,
            sd=x.std(ddof=1) if x.size > 1 else np.nan,
            iqr=q75 - q25,
        )
        s2 = item_var.loc[(item_var[keys] == pd.Series(row)[keys]).all(axis=1), rating].to_numpy(
            dtype=float
        )
        ratio = np.nanmean(s2) / null_var if s2.size else np.nan
        j = s2.size
        rwg = j * (1 - ratio) / (j * (1 - ratio) + ratio) if ratio < 1 else 0.0
        row["rwg"] = float(np.clip(rwg, 0, 1)) if np.isfinite(ratio) else np.nan
        t = part.loc[part["role"] == "top", rating].dropna().to_numpy(dtype=float)
        m = part.loc[part["role"] == "middle", rating].dropna().to_numpy(dtype=float)
        row.update(
            n_top=t.size,
            n_middle=m.size,
            top=t.mean() if t.size else np.nan,
            middle=m.mean() if m.size else np.nan,
        )
        if t.size >= 2 and m.size >= 2:
            vt, vm = t.var(ddof=1) / t.size, m.var(ddof=1) / m.size
            se = np.sqrt(vt + vm)
            df = (
                (vt + vm) ** 2 / (vt**2 / (t.size - 1) + vm**2 / (m.size - 1)) if se > 0 else np.inf
            )
            diff = m.mean() - t.mean()
            half = critical(level, df) * se
            p = float(2 * stats.t.sf(abs(diff) / se, df)) if se > 0 else 1.0
            row.update(
                difference=diff,
                difference_ci_low=diff - half,
                difference_ci_high=diff + half,
                p_value=p,
            )
        else:
            row.update(
                difference=np.nan,
                difference_ci_low=np.nan,
                difference_ci_high=np.nan,
                p_value=np.nan,
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    check_min_base(min_base)
    small = (table["n"] < min_base).to_numpy()
    few = (np.minimum(table["n_top"], table["n_middle"]) < min_base).to_numpy()
    table.loc[small, ["mean", "sd", "iqr", "rwg"]] = np.nan
    compare = ["top", "middle", "difference", "difference_ci_low", "difference_ci_high", "p_value"]
    table.loc[few, compare] = np.nan
    # one warning: rows under the base, and top-middle comparisons on a small side
    warn_suppressed("CFE agreement", int((small | few).sum()), min_base, stacklevel=2)
    table["p_holm"] = holm(table["p_value"].to_numpy(dtype=float))
    table["disagree"] = (table["p_holm"] < alpha).to_numpy()
    table["suppressed"] = small
    table["comparison_suppressed"] = few
    return table
