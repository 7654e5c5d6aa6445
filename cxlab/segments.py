"""Advocates and antagonists: classification, net advocacy, shares.

The framework (docs/framework.md section 5) ranges customers from **advocates** through
neutral customers to **antagonists** and **agitators** (antagonists who complain or
warn others away). This module turns likelihood to recommend into an ordered
``advocacy_group``, estimates ``net_advocacy`` (percent advocates minus percent
antagonists) with its sampling error per segment and the advocacy mix. What each group
is worth lives in :mod:`cxlab.economics` (``advocacy_economics``, ``customer_value``,
``CustomerValue``); which events drive advocacy versus antagonism (a weighted ordinal
logit) and which events and attributes separate antagonists from advocates (Cohen's d)
live in :mod:`cxlab.advocacy_drivers`. All of these names are still importable from here.

Examples
--------
>>> import pandas as pd
>>> from cxlab.segments import classify_advocacy, net_advocacy
>>> recommend = pd.Series([10, 9, 8, 7, 3, 0])
>>> classify_advocacy(recommend).tolist()
['advocate', 'advocate', 'neutral', 'neutral', 'antagonist', 'antagonist']
>>> round(float(net_advocacy(recommend, min_base=1)["value"].iloc[0]), 1)
0.0
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from cxlab.errors import DataError, ModelError, ParameterError, SuppressionWarning
from cxlab.estimates import _holm  # stable-sort Holm step-down, shared
from cxlab.suppression import proper_subsets, suppress_complementary

if TYPE_CHECKING:  # resolved lazily by __getattr__ at the bottom (circular otherwise)
    from cxlab.advocacy_drivers import AdvocacyDrivers, advocacy_drivers, defector_promoter
    from cxlab.economics import CustomerValue, advocacy_economics, customer_value

__all__ = [
    "ADVOCACY_LEVELS",
    "AdvocacyCuts",
    "advocacy_cuts",
    "agitator_flags",
    "classify_advocacy",
    "net_advocacy",
    "compare_net_advocacy",
    "advocacy_shares",
    # moved to cxlab.economics and cxlab.advocacy_drivers, re-exported by __getattr__
    "advocacy_economics",
    "customer_value",
    "CustomerValue",
    "advocacy_drivers",
    "AdvocacyDrivers",
    "defector_promoter",
]

#: Order of the advocacy groups, worst to best.
ADVOCACY_LEVELS: tuple[str, ...] = ("agitator", "antagonist", "neutral", "advocate")
_THREE_LEVELS = ("antagonist", "neutral", "advocate")
_PALETTE = {  # Okabe-Ito, colour-blind safe
    "agitator": "#D55E00",
    "antagonist": "#E69F00",
    "neutral": "#999999",
    "advocate": "#0072B2",
}
# (antagonist if score <= first, neutral if <= second, advocate above), per scale
_DEFAULT_CUTS: dict[tuple[float, float], tuple[float, float]] = {
    (0, 10): (6, 8),  # 0-6 / 7-8 / 9-10 (the usual 11-point convention)
    (1, 10): (6, 8),  # 1-6 / 7-8 / 9-10
    (1, 7): (4, 5),  # 1-4 / 5 / 6-7
    (1, 5): (3, 4),  # 1-3 / 4 / 5
}


# --------------------------------------------------------------------------- helpers
def _resolve(x, data: pd.DataFrame | None, what: str):
    """A Series from a Series/array or a column name of ``data``."""
    if x is None:
        return None
    if isinstance(x, str):
        if data is None:
            raise ParameterError(f"{what}={x!r} is a column name but no data= was given")
        if x not in data.columns:
            raise DataError(f"{what} column not found", column=x)
        return data[x]
    if isinstance(x, pd.Series):
        return x
    if data is None:
        return np.asarray(x)  # taken in order by _align
    return pd.Series(np.asarray(x), index=data.index, name=what)


def _resolve_by(by, data: pd.DataFrame | None) -> pd.DataFrame | None:
    if by is None:
        return None
    if isinstance(by, str | pd.Series):
        by = [by]
    if isinstance(by, pd.DataFrame):
        return by
    cols = [_resolve(b, data, "by") for b in by]
    names = [c.name if c.name is not None else f"segment_{i}" for i, c in enumerate(cols)]
    return pd.concat([c.rename(n) for c, n in zip(cols, names, strict=True)], axis=1)


def _as_groups(scores: pd.Series, agitator=None, scale=(0, 10), cuts=None) -> pd.Series:
    """Scores that are already advocacy groups pass through; numbers are classified."""
    dtype = scores.dtype
    if (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    ):
        values = set(scores.dropna().unique())
        if values <= set(ADVOCACY_LEVELS):
            return pd.Series(
                pd.Categorical(scores, categories=ADVOCACY_LEVELS, ordered=True),
                index=scores.index,
                name="advocacy_group",
            )
    return classify_advocacy(scores, agitator=agitator, scale=scale, cuts=cuts)


def _group_codes(by: pd.DataFrame | None, n: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer segment code per row (-1 = missing segment) and the segment key table."""
    if by is None:
        return np.zeros(n, dtype=np.intp), pd.DataFrame(index=[0])
    parts = [pd.factorize(by[c], sort=True) for c in by.columns]
    if len(parts) == 1:
        codes, uniques = parts[0]
        return codes.astype(np.intp), pd.DataFrame({by.columns[0]: uniques})
    sizes = tuple(len(u) for _, u in parts)
    stacked = np.stack([c for c, _ in parts])
    ok = (stacked >= 0).all(axis=0)
    flat = np.full(n, -1, dtype=np.int64)
    flat[ok] = np.ravel_multi_index(tuple(stacked[:, ok]), sizes)
    observed, inverse = np.unique(flat[ok], return_inverse=True)
    codes = np.full(n, -1, dtype=np.intp)
    codes[ok] = inverse
    idx = np.unravel_index(observed, sizes)
    keys = pd.DataFrame({c: u.take(i) for c, (_, u), i in zip(by.columns, parts, idx, strict=True)})
    return codes, keys


def _weights(weights, n: int, index) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise DataError(
            "weights must be finite and non-negative", column="weight", rows=np.flatnonzero(bad) + 1
        )
    return w


# ------------------------------------------------------------------ cut points
#: The scale-free rule behind every default cut point: on the recommend item's scale
#: from ``lo`` to ``hi``, a score is an antagonist at or below 60% of the way up
#: (6 on 0-10) and an advocate above 80% of the way up (9-10 on 0-10).
ANTAGONIST_FRACTION = 0.6
ADVOCATE_FRACTION = 0.8


@dataclass(frozen=True)
class AdvocacyCuts:
    """The advocate / antagonist cut points used on a recommend item.

    Attributes
    ----------
    scale : (low, high)
        The item's declared scale.
    antagonist_max : float
        Scores at or below are antagonists (agitators when they also complained or
        warned others).
    advocate_min : float
        Scores at or above are advocates; scores in between are neutral.
    cuts : (antagonist_max, neutral_max)
        The same cut points in the form :func:`classify_advocacy` takes.
    source : str
        ``"standard"`` (0-10), ``"scale rule"`` or ``"codebook"``.
    rule : str
        The cut points and where they come from, in words (quoted by the report).
    """

    scale: tuple[float, float]
    antagonist_max: float
    advocate_min: float
    cuts: tuple[float, float]
    source: str
    rule: str

    def describe(self) -> str:
        """E.g. ``"advocates 9-10, neutral 7-8, antagonists 0-6 on the 0-10 scale"``."""
        return _describe_cuts(self.scale, self.antagonist_max, self.advocate_min)


def _fmt(x: float) -> str:
    return f"{x:g}"


def _describe_cuts(scale, antagonist_max, advocate_min) -> str:
    lo, hi = scale
    whole = all(float(v).is_integer() for v in (lo, hi, antagonist_max, advocate_min))
    if whole:
        adv = _span(advocate_min, hi)
        neu = (
            _span(antagonist_max + 1, advocate_min - 1)
            if advocate_min - antagonist_max > 1
            else None
        )
        ant = _span(lo, antagonist_max)
        text = f"advocates {adv}, " + (f"neutral {neu}, " if neu else "") + f"antagonists {ant}"
    else:
        text = (
            f"advocates at or above {_fmt(advocate_min)}, antagonists at or below "
            f"{_fmt(antagonist_max)}"
        )
    return text + f" on the {_fmt(lo)}-{_fmt(hi)} scale"


def _span(a: float, b: float) -> str:
    return _fmt(a) if a == b else f"{_fmt(a)}-{_fmt(b)}"


def advocacy_cuts(item=None, scale: tuple[float, float] | None = None) -> AdvocacyCuts:
    """Advocate / antagonist cut points for a recommend item, from its scale or codebook.

    Rules, in order:

    1. **Codebook**: the item sets ``advocate_min`` and ``antagonist_max`` (numbers on
       its scale, ``advocate_min > antagonist_max``); both are used as given.
    2. **0-10** (the usual 11-point likelihood to recommend): the standard 9-10
       advocates, 0-6 antagonists.
    3. **Any other scale** ``lo``-``hi``: a score is an antagonist at or below
       ``lo + 0.6 (hi - lo)`` and an advocate above ``lo + 0.8 (hi - lo)``, i.e. the
       0-10 cut points applied to the score rescaled linearly to 0-10 (antagonist at
       or below 6, advocate above 8). On whole-point scales the cut points are the
       scale points this gives: 1-10 -> 9-10 / 1-6; 1-7 -> 6-7 / 1-4; 1-5 -> 5 / 1-3.

    Parameters
    ----------
    item : cxlab.codebook.Item, optional
        The recommend item (its ``scale`` and, when set, ``advocate_min`` /
        ``antagonist_max``). Without it, ``scale`` (default 0-10) is used.
    scale : (low, high), optional
        The scale when there is no item (or the item has none).

    Returns
    -------
    AdvocacyCuts

    Raises
    ------
    ParameterError
        Codebook cut points that are not inside the scale or not in order.

    Examples
    --------
    >>> advocacy_cuts(scale=(0, 10)).describe()
    'advocates 9-10, neutral 7-8, antagonists 0-6 on the 0-10 scale'
    >>> advocacy_cuts(scale=(1, 7)).describe()
    'advocates 6-7, neutral 5, antagonists 1-4 on the 1-7 scale'
    """
    item_scale = getattr(item, "scale", None)
    if item_scale is not None:
        lo, hi = float(item_scale.min), float(item_scale.max)
    elif scale is not None:
        lo, hi = float(scale[0]), float(scale[1])
    else:
        lo, hi = 0.0, 10.0
    if not hi > lo:
        raise ParameterError(f"the recommend scale {lo:g}-{hi:g} is empty")
    whole = lo.is_integer() and hi.is_integer()
    adv_given = getattr(item, "advocate_min", None)
    ant_given = getattr(item, "antagonist_max", None)
    name = getattr(item, "name", "recommend")
    if adv_given is not None or ant_given is not None:
        if adv_given is None or ant_given is None:
            raise ParameterError(
                f"the {name} item sets only one of advocate_min and antagonist_max; set both",
                location=f"respondent_items.{name}",
            )
        adv, ant = float(adv_given), float(ant_given)
        if not lo <= ant < adv <= hi:
            raise ParameterError(
                f"cut points antagonist_max={ant:g}, advocate_min={adv:g} must satisfy "
                f"{lo:g} <= antagonist_max < advocate_min <= {hi:g}",
                location=f"respondent_items.{name}",
            )
        source = "codebook"
        where = f"set in the codebook (advocate_min, antagonist_max of {name})"
    else:
        a = lo + ANTAGONIST_FRACTION * (hi - lo)
        b = lo + ADVOCATE_FRACTION * (hi - lo)
        if whole:
            ant = float(np.floor(a + 1e-9))
            adv = float(np.floor(b + 1e-9) + 1)
        else:
            ant, adv = a, float(np.nextafter(b, np.inf))
        if (lo, hi) == (0.0, 10.0):
            source, where = "standard", "the standard cut points for a 0-10 scale"
        else:
            source = "scale rule"
            where = (
                "the 0-10 cut points applied to the score rescaled to 0-10 (antagonist at or "
                "below 6, advocate above 8)"
            )
    whole_cuts = whole and ant.is_integer() and adv.is_integer()
    neutral_max = adv - 1 if whole_cuts else float(np.nextafter(adv, -np.inf))
    if neutral_max < ant:  # advocate_min right above antagonist_max: no neutral band
        neutral_max = float(np.nextafter(adv, -np.inf)) if not whole_cuts else ant
    desc = _describe_cuts((lo, hi), ant, adv)
    cuts = (ant, neutral_max) if neutral_max > ant else (ant, float(np.nextafter(ant, np.inf)))
    return AdvocacyCuts(
        scale=(lo, hi),
        antagonist_max=ant,
        advocate_min=adv,
        cuts=cuts,
        source=source,
        rule=f"{desc}: {where}",
    )


def agitator_flags(respondents: pd.DataFrame) -> pd.Series | None:
    """Who is an agitator candidate: ``complained == 1`` or ``warned_others == 1``.

    The one rule the report, the value case and the advocacy economics use. An
    antagonist with the flag is an agitator. Missing answers count as False; a
    survey with neither column has no agitators (None).

    Examples
    --------
    >>> import pandas as pd
    >>> agitator_flags(pd.DataFrame({"complained": [1, 0, None], "warned_others": [0, 1, 0]})).tolist()
    [True, True, False]
    >>> agitator_flags(pd.DataFrame({"recommend": [3]})) is None
    True
    """
    flags = [c for c in ("complained", "warned_others") if c in respondents.columns]
    if not flags:
        return None
    values = respondents[flags].apply(pd.to_numeric, errors="coerce")
    return values.eq(1).any(axis=1).rename("agitator")


# --------------------------------------------------------------------- classification
def classify_advocacy(
    scores,
    agitator=None,
    scale: tuple[float, float] = (0, 10),
    cuts: tuple[float, float] | None = None,
) -> pd.Series:
    """Classify likelihood to recommend into advocacy groups.

    Parameters
    ----------
    scores : Series or array-like
        Likelihood to recommend (``recommend``), NaN when missing.
    agitator : Series or array-like of bool, optional
        True for respondents who complained or warned others
        (``respondents.complained.eq(1) | respondents.warned_others.eq(1)``);
        an antagonist with ``agitator`` True becomes ``"agitator"``. NaN counts as False.
    scale : (low, high)
        The rating scale. Defaults to 0-10; 1-10, 1-7 and 1-5 have default cuts.
    cuts : (antagonist_max, neutral_max), optional
        Scores ``<= antagonist_max`` are antagonists, ``<= neutral_max`` neutral, above
        that advocates. Defaults: 0-10 and 1-10 -> (6, 8); 1-7 -> (4, 5); 1-5 -> (3, 4).

    Returns
    -------
    Series
        Ordered categorical ``advocacy_group`` (agitator < antagonist < neutral <
        advocate) on the index of ``scores``; missing scores stay NaN.

    Raises
    ------
    DataError
        Scores outside the scale (rows are 1-based positions).
    ParameterError
        An unknown scale without ``cuts`` or cuts outside the scale.

    Examples
    --------
    >>> classify_advocacy([10, 6, 2], agitator=[False, False, True]).tolist()
    ['advocate', 'antagonist', 'agitator']
    >>> classify_advocacy([5, 4, 1], scale=(1, 5)).tolist()
    ['advocate', 'neutral', 'antagonist']
    """
    s = scores if isinstance(scores, pd.Series) else pd.Series(list(np.asarray(scores).ravel()))
    try:
        x = pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise DataError("likelihood to recommend must be numeric", column=s.name) from err
    low, high = float(scale[0]), float(scale[1])
    if cuts is None:
        if (low, high) not in _DEFAULT_CUTS:
            raise ParameterError(
                f"no default cut points for the scale {low:g}-{high:g}; pass cuts=(a, b)"
            )
        cuts = _DEFAULT_CUTS[(low, high)]
    a, b = float(cuts[0]), float(cuts[1])
    if not low <= a < b < high:
        raise ParameterError(f"cuts {cuts} must satisfy {low:g} <= a < b < {high:g}")
    outside = np.flatnonzero(~np.isnan(x) & ((x < low) | (x > high)))
    if outside.size:
        raise DataError(
            f"likelihood to recommend outside the scale {low:g}-{high:g} "
            f"(values {sorted(set(x[outside].tolist()))[:5]})",
            column=s.name if s.name is not None else "recommend",
            rows=outside + 1,
        )
    code = np.full(x.shape, -1, dtype=np.int8)  # -1 = missing
    code[x <= a] = 1
    code[(x > a) & (x <= b)] = 2
    code[x > b] = 3
    if agitator is not None:
        ag_s = agitator if isinstance(agitator, pd.Series) else pd.Series(np.asarray(agitator))
        if isinstance(agitator, pd.Series) and not ag_s.index.equals(s.index):
            ag_s = ag_s.reindex(s.index)
        ag = ag_s.astype(float).fillna(0.0).to_numpy()
        if ag.shape != x.shape:
            raise DataError(f"agitator has {ag.size} values, scores {x.size}", column="agitator")
        code[(code == 1) & (ag != 0)] = 0
    cat = pd.Categorical.from_codes(code, categories=list(ADVOCACY_LEVELS), ordered=True)
    return pd.Series(cat, index=s.index, name="advocacy_group")


# ---------------------------------------------------------------------- net advocacy
def _sums(codes: np.ndarray, groups: np.ndarray, w: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Per-segment weighted sums with bincount on segment x group cells (no groupby.apply)."""
    ok = (codes >= 0) & (groups >= 0)
    cell = groups[ok] * 4 + codes[ok]
    ww = w[ok]
    cat = np.bincount(cell, weights=ww, minlength=4 * k).reshape(k, 4)
    cnt = np.bincount(cell, minlength=4 * k).reshape(k, 4)
    return {
        "n": cnt.sum(axis=1).astype(float),
        "sw": cat.sum(axis=1),
        "sw2": np.bincount(groups[ok], weights=ww * ww, minlength=k),
        "cat": cat,
        "cnt": cnt,
    }


def _align(x, index: pd.Index, what: str):
    """Put a Series/array on the index of the scores (arrays are taken in order)."""
    if x is None or isinstance(x, str):
        return x
    if not isinstance(x, pd.Series):
        x = np.asarray(x)
        if len(x) != len(index):
            raise DataError(f"{what} has {len(x)} values, the scores {len(index)}", column=what)
        return pd.Series(x, index=index, name=what)
    if x.index.equals(index):
        return x
    if len(x) == len(index) and x.index.sort_values().equals(index.sort_values()):
        return x.reindex(index)
    raise DataError(f"{what} is not on the same index as the scores", column=what)


def _prepare(scores, weights, by, data, agitator, scale, cuts):
    s = _resolve(scores, data, "scores")
    if not isinstance(s, pd.Series):
        s = pd.Series(list(s.ravel()) if s.dtype == object else s.ravel())
    agitator = _align(_resolve(agitator, data, "agitator"), s.index, "agitator")
    groups = _as_groups(s, agitator, scale, cuts)
    codes = groups.cat.codes.to_numpy().astype(np.intp)
    w = _weights(_align(_resolve(weights, data, "weight"), s.index, "weight"), len(codes), s.index)
    if isinstance(by, pd.DataFrame):
        by = [by[c] for c in by.columns]
    elif by is not None and not isinstance(by, list | tuple):
        by = [by]
    if by is not None:
        by = [_align(_resolve(b, data, "by"), s.index, "by") for b in by]
    seg, keys = _group_codes(_resolve_by(by, data), len(codes))
    return codes, w, seg, keys


def net_advocacy(
    scores,
    weights=None,
    by=None,
    data: pd.DataFrame | None = None,
    min_base: int = 30,
    *,
    agitator=None,
    scale: tuple[float, float] = (0, 10),
    cuts: tuple[float, float] | None = None,
    level: float = 0.95,
    complementary: bool = True,
) -> pd.DataFrame:
    """Net advocacy (percent advocates minus percent antagonists) with its uncertainty.

    Agitators count as antagonists. The variance is that of the difference of two
    proportions from one multinomial, ``100**2 * (p + d - (p - d)**2) / n`` with ``p``
    the advocate and ``d`` the antagonist share, using the Kish effective base
    ``(sum w)**2 / sum w**2`` as ``n`` under weights. Normal-theory CIs, clipped to
    [-100, 100].

    Parameters
    ----------
    scores : Series, array-like or column name
        Likelihood to recommend (classified with :func:`classify_advocacy`) or an
        ``advocacy_group`` Series already classified.
    weights : Series, array-like or column name, optional
        Design / raking weights (default: all 1).
    by : Series, column name or list of them, optional
        Segment variable(s); one row per observed segment combination.
    data : DataFrame, optional
        Frame the column names refer to.
    min_base : int
        Segments with fewer respondents are suppressed (estimates, shares and
        ``n_effective`` NaN, ``n`` kept, ``suppressed`` True, a
        :class:`~cxlab.errors.SuppressionWarning`).
    agitator, scale, cuts
        Passed to :func:`classify_advocacy` when scores are numeric.
    level : float
        Confidence level.
    complementary : bool
        With ``by``: complementary suppression (see
        :func:`cxlab.suppression.suppress_complementary`), so that no suppressed
        segment can be recomputed from the overall figure (or a margin of several
        ``by`` variables) and the other segments: when one segment is suppressed, the
        next smallest is too. Suppressed rows keep ``n``; their other numbers are NaN.

    Returns
    -------
    DataFrame
        Segment column(s), then ``value, se, ci_low, ci_high, n, n_effective,
        suppressed, pct_advocate, pct_antagonist`` (percent points).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"recommend": [10, 9, 3, 8] * 10, "region": ["N", "S"] * 20})
    >>> net_advocacy("recommend", by="region", data=df, min_base=10)[["region", "value", "n"]]
      region  value   n
    0      N    0.0  20
    1      S   50.0  20
    """
    codes, w, seg, keys = _prepare(scores, weights, by, data, agitator, scale, cuts)
    table = _net_table(codes, w, seg, len(keys), level)
    table = pd.concat([keys.reset_index(drop=True), table], axis=1) if by is not None else table
    table = _suppress(table, min_base)
    if by is not None and complementary:
        table = _complementary(table, min_base, proper_subsets(keys.columns))
    return table


def _complementary(table, min_base, partitions, together=None):
    before = table["suppressed"].to_numpy().copy()
    out = suppress_complementary(table, "n", min_base, partitions=partitions, together=together)
    added = int((out["suppressed"].to_numpy() & ~before).sum())
    if added:
        warnings.warn(
            f"{added} more row(s) suppressed so that the small ones cannot be recomputed "
            "from the total and the other rows (complementary suppression)",
            SuppressionWarning,
            stacklevel=4,
        )
    return out


def _net_table(codes, w, seg, k, level) -> pd.DataFrame:
    s = _sums(codes, seg, w, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = s["cat"][:, 3] / s["sw"]
        d = (s["cat"][:, 0] + s["cat"][:, 1]) / s["sw"]
        n_eff = s["sw"] ** 2 / s["sw2"]
        value = 100.0 * (p - d)
        se = 100.0 * np.sqrt(np.maximum(p + d - (p - d) ** 2, 0.0) / n_eff)
    z = stats.norm.ppf(0.5 + level / 2)
    return pd.DataFrame(
        {
            "value": value,
            "se": se,
            "ci_low": np.clip(value - z * se, -100, 100),
            "ci_high": np.clip(value + z * se, -100, 100),
            "n": s["n"].astype(np.int64),
            "n_effective": n_eff,
            "suppressed": False,
            "pct_advocate": 100.0 * p,
            "pct_antagonist": 100.0 * d,
        }
    )


def _suppress(table: pd.DataFrame, min_base: int, cols: Sequence[str] | None = None):
    small = table["n"] < min_base
    table["suppressed"] = small.to_numpy()
    if small.any():
        cols = cols or ["value", "se", "ci_low", "ci_high", "pct_advocate", "pct_antagonist"]
        cols = [*cols, "n_effective"]  # the weighted base is blanked too; ``n`` is kept
        for c in cols:  # integer counts become float so they can hold NaN
            if pd.api.types.is_integer_dtype(table[c]):
                table[c] = table[c].astype(float)
        table.loc[small, list(cols)] = np.nan
        warnings.warn(
            f"{int(small.sum())} segment(s) with a base under {min_base} suppressed",
            SuppressionWarning,
            stacklevel=3,
        )
    return table


def compare_net_advocacy(
    scores,
    by,
    weights=None,
    data: pd.DataFrame | None = None,
    *,
    reference=None,
    min_base: int = 30,
    adjust: str = "holm",
    agitator=None,
    scale: tuple[float, float] = (0, 10),
    cuts: tuple[float, float] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Differences in net advocacy between segments (or waves) with z-tests.

    Segments are independent samples, so ``se = sqrt(se_a**2 + se_b**2)``; p-values are
    two-sided and Holm-adjusted when there is more than one comparison
    (``adjust="none"`` to switch off).

    Parameters
    ----------
    scores, weights, data, agitator, scale, cuts, level
        As in :func:`net_advocacy`.
    by : Series or column name
        One segment (or wave) variable.
    reference : optional
        Compare every other segment with this one; default all pairs.
    min_base : int
        Suppressed segments are left out of the comparisons.
    adjust : {"holm", "none"}

    Returns
    -------
    DataFrame
        ``segment_a, segment_b, value_a, value_b, difference, se, ci_low, ci_high, z,
        p_value, p_adjusted, significant``, one row per comparison (difference = a - b).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"recommend": [10] * 40 + [2] * 40, "wave": [1] * 40 + [2] * 40})
    >>> compare_net_advocacy("recommend", "wave", data=df, min_base=10)["difference"].tolist()
    [200.0]
    """
    if adjust not in ("holm", "none"):
        raise ParameterError(f"adjust={adjust!r}; use 'holm' or 'none'")
    if isinstance(by, list | tuple):
        raise ParameterError("compare_net_advocacy takes one segment variable")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        # pairwise differences publish no total, so only segments under min_base go
        table = net_advocacy(
            scores,
            weights,
            by,
            data,
            min_base,
            agitator=agitator,
            scale=scale,
            cuts=cuts,
            complementary=False,
        )
    name = table.columns[0]
    table = table[~table["suppressed"]].reset_index(drop=True)
    labels = table[name].tolist()
    if reference is not None:
        if reference not in labels:
            raise ParameterError(f"reference {reference!r} is not an unsuppressed segment")
        pairs = [(i, labels.index(reference)) for i, lab in enumerate(labels) if lab != reference]
    else:
        pairs = [(i, j) for i in range(len(labels)) for j in range(i + 1, len(labels))]
    if not pairs:
        raise ModelError("fewer than two unsuppressed segments to compare", column=name)
    a = np.array([i for i, _ in pairs])
    b = np.array([j for _, j in pairs])
    va, vb = table["value"].to_numpy()[a], table["value"].to_numpy()[b]
    se = np.hypot(table["se"].to_numpy()[a], table["se"].to_numpy()[b])
    diff = va - vb
    zc = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        zval = diff / se
    p = 2 * stats.norm.sf(np.abs(zval))
    p_adj = _holm(p) if adjust == "holm" and len(p) > 1 else p
    return pd.DataFrame(
        {
            "segment_a": [labels[i] for i in a],
            "segment_b": [labels[j] for j in b],
            "value_a": va,
            "value_b": vb,
            "difference": diff,
            "se": se,
            "ci_low": diff - zc * se,
            "ci_high": diff + zc * se,
            "z": zval,
            "p_value": p,
            "p_adjusted": p_adj,
            "significant": p_adj < 1 - level,
        }
    )


def advocacy_shares(
    scores,
    weights=None,
    by=None,
    data: pd.DataFrame | None = None,
    min_base: int = 30,
    *,
    agitator=None,
    scale: tuple[float, float] = (0, 10),
    cuts: tuple[float, float] | None = None,
    level: float = 0.95,
    complementary: bool = True,
) -> pd.DataFrame:
    """Share of each advocacy group (percent) with Wilson CIs on the effective base.

    Parameters
    ----------
    scores, weights, by, data, min_base, agitator, scale, cuts, level, complementary
        As in :func:`net_advocacy` (the counts of one group over the segments add up
        to the group's overall count, so a lone suppressed segment is protected by
        suppressing the next smallest).

    Returns
    -------
    DataFrame
        Segment column(s), ``advocacy_group``, ``share, se, ci_low, ci_high, count,
        n, n_effective, suppressed``; one row per segment and group (agitator row
        only when an agitator flag was given or the scores carry agitators).
        Rows of a suppressed segment have ``share, se, ci_low, ci_high, count,
        n_effective`` NaN (``count`` is then float); ``n`` is kept, as in
        :func:`net_advocacy`.

    Examples
    --------
    >>> advocacy_shares([10, 10, 7, 1], min_base=1)[["advocacy_group", "share"]].to_dict("list")
    {'advocacy_group': ['antagonist', 'neutral', 'advocate'], 'share': [25.0, 25.0, 50.0]}
    """
    codes, w, seg, keys = _prepare(scores, weights, by, data, agitator, scale, cuts)
    k = len(keys)
    s = _sums(codes, seg, w, k)
    levels = list(ADVOCACY_LEVELS)
    if agitator is None and s["cnt"][:, 0].sum() == 0:
        levels = levels[1:]
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = s["sw"] ** 2 / s["sw2"]
    rows = []
    for lev in levels:
        j = ADVOCACY_LEVELS.index(lev)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = s["cat"][:, j] / s["sw"]
            centre = (p + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
            half = z * np.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2)) / (1 + z**2 / n_eff)
        part = keys.reset_index(drop=True).copy() if by is not None else pd.DataFrame(index=[0])
        part = part.assign(
            advocacy_group=lev,
            share=100 * p,
            se=100 * np.sqrt(p * (1 - p) / n_eff),
            ci_low=100 * (centre - half),
            ci_high=100 * (centre + half),
            count=s["cnt"][:, j].astype(np.int64),
            n=s["n"].astype(np.int64),
            n_effective=n_eff,
            suppressed=False,
        )
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    out["advocacy_group"] = pd.Categorical(out["advocacy_group"], levels, ordered=True)
    seg_cols = list(keys.columns) if by is not None else []
    out = out.sort_values([*seg_cols, "advocacy_group"], kind="stable").reset_index(drop=True)
    out = _suppress(out, min_base, ["share", "se", "ci_low", "ci_high", "count"])
    if by is not None and complementary:
        partitions = [["advocacy_group", *p] for p in proper_subsets(seg_cols)]
        out = _complementary(out, min_base, partitions, together=seg_cols)
    return out


# ------------------------------------------------ respondent frames and groups
def _frames(survey_or_frames) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(respondents, event_table) from a Survey, a pair of frames or a respondents frame."""
    if hasattr(survey_or_frames, "respondents") and hasattr(survey_or_frames, "event_table"):
        return survey_or_frames.respondents, survey_or_frames.event_table()
    if isinstance(survey_or_frames, tuple | list) and len(survey_or_frames) == 2:
        return survey_or_frames[0], survey_or_frames[1]
    if isinstance(survey_or_frames, pd.DataFrame):
        return survey_or_frames, None
    raise ParameterError("pass a Survey or a (respondents, event_table) pair")


def _respondent_groups(respondents: pd.DataFrame, group=None, three: bool = False) -> pd.Series:
    """The advocacy group: a given Series/column, else from recommend + complaints."""
    if group is not None:
        g = _resolve(group, respondents, "group")
        g = _as_groups(g.reset_index(drop=True)).set_axis(respondents.index)
    else:
        if "recommend" not in respondents.columns:
            raise DataError("respondents need a recommend column", column="recommend")
        g = classify_advocacy(respondents["recommend"], agitator=agitator_flags(respondents))
    if three:  # agitator (0) and antagonist (1) -> antagonist; neutral -> 1; advocate -> 2
        codes = g.cat.codes.to_numpy()
        merged = np.where(codes < 0, -1, np.maximum(codes - 1, 0))
        g = pd.Series(
            pd.Categorical.from_codes(merged, list(_THREE_LEVELS), ordered=True),
            index=respondents.index,
        )
    return g.rename("advocacy_group")


# ------------------------------------------------------------ moved: re-exports
# The driver analyses moved to cxlab.advocacy_drivers and the economics to
# cxlab.economics, which import the helpers above; resolving them on first use (PEP 562)
# keeps `cxlab.segments.advocacy_drivers`, `cxlab.segments.customer_value` etc. working
# without a circular import.
_MOVED = {
    "advocacy_drivers": "cxlab.advocacy_drivers",
    "AdvocacyDrivers": "cxlab.advocacy_drivers",
    "defector_promoter": "cxlab.advocacy_drivers",
    "advocacy_economics": "cxlab.economics",
    "customer_value": "cxlab.economics",
    "CustomerValue": "cxlab.economics",
}


def __getattr__(name: str):
    if name in _MOVED:
        value = getattr(importlib.import_module(_MOVED[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_MOVED})
