"""Advocacy groups: cut points, the agitator rule and the classification.

The one home of the rules every advocacy analysis uses (public through
:mod:`cxlab.segments`): the advocate / antagonist cut points of a recommend item
(:func:`advocacy_cuts`), who counts as an agitator (:func:`agitator_flags`:
``complained == 1`` or ``warned_others == 1``), the classification
(:func:`classify_advocacy`) and each respondent's group (:func:`advocacy_groups`).

Examples
--------
>>> from cxlab._advocacy import classify_advocacy
>>> classify_advocacy([10, 7, 2]).tolist()
['advocate', 'neutral', 'antagonist']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab._checks import resolve
from cxlab.errors import DataError, ParameterError

__all__ = [
    "ADVOCACY_LEVELS",
    "THREE_LEVELS",
    "AdvocacyCuts",
    "advocacy_cuts",
    "agitator_flags",
    "classify_advocacy",
    "as_groups",
    "advocacy_groups",
]

#: Order of the advocacy groups, worst to best.
ADVOCACY_LEVELS: tuple[str, ...] = ("agitator", "antagonist", "neutral", "advocate")
THREE_LEVELS = ("antagonist", "neutral", "advocate")
# (antagonist if score <= first, neutral if <= second, advocate above), per scale
_DEFAULT_CUTS: dict[tuple[float, float], tuple[float, float]] = {
    (0, 10): (6, 8),  # 0-6 / 7-8 / 9-10 (the usual 11-point convention)
    (1, 10): (6, 8),  # 1-6 / 7-8 / 9-10
    (1, 7): (4, 5),  # 1-4 / 5 / 6-7
    (1, 5): (3, 4),  # 1-3 / 4 / 5
}


def as_groups(scores: pd.Series, agitator=None, scale=(0, 10), cuts=None) -> pd.Series:
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

    Parameters
    ----------
    respondents : pandas.DataFrame
        ``survey.respondents``.

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


# ------------------------------------------------ respondent frames and groups
def advocacy_groups(respondents: pd.DataFrame, group=None, three: bool = False) -> pd.Series:
    """Each respondent's advocacy group: ``group`` (a Series or column) when given, else
    classified from ``recommend`` with :func:`agitator_flags` (the one agitator rule).

    Parameters
    ----------
    respondents : pandas.DataFrame
        ``survey.respondents``.
    group : pandas.Series or str, optional
        Advocacy groups already classified (or a column holding them).
    three : bool
        Merge agitators into antagonists (three ordered groups).

    Returns
    -------
    pandas.Series
        Ordered categorical ``advocacy_group`` on the respondents' index.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"recommend": [10, 2, 2], "complained": [0, 1, 0]})
    >>> advocacy_groups(r).tolist()
    ['advocate', 'agitator', 'antagonist']
    """
    if group is not None:
        g = resolve(group, respondents, "group")
        g = as_groups(g.reset_index(drop=True)).set_axis(respondents.index)
    else:
        if "recommend" not in respondents.columns:
            raise DataError("respondents need a recommend column", column="recommend")
        g = classify_advocacy(respondents["recommend"], agitator=agitator_flags(respondents))
    if three:  # agitator (0) and antagonist (1) -> antagonist; neutral -> 1; advocate -> 2
        codes = g.cat.codes.to_numpy()
        merged = np.where(codes < 0, -1, np.maximum(codes - 1, 0))
        g = pd.Series(
            pd.Categorical.from_codes(merged, list(THREE_LEVELS), ordered=True),
            index=respondents.index,
        )
    return g.rename("advocacy_group")
