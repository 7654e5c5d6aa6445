"""Rules and one course of action per event; the moments of truth.

The framework (docs/framework.md section 4) gives every customer event one course:

* **basics** - performance fails the customary *baseline* expectation (any event,
  however unimportant);
* **fix** - performance fails the *brand-specific* expectation on an event that matters;
* **delight** - a moment of truth (highest importance) with no failing gap;
* **right-size** - an unimportant event where the company significantly over-delivers
  on its brand promise;
* **maintain** - everything else.

:func:`prioritize` turns a diagnosis (:func:`cxlab.moments.diagnose`) into the course
per event by the transparent thresholds of a :class:`Rules` object, which
:func:`describe_rules` states in words for a report; :func:`moments_of_truth` says
which events are moments of truth and why. The names are also importable from
:mod:`cxlab.moments`.

Examples
--------
>>> from cxlab.synth import make_study
>>> from cxlab.priorities import prioritize
>>> survey, truth = make_study("banking", n_respondents=631, seed=0)
>>> table = prioritize(survey)
>>> set(table["action"].dropna()) <= {"basics", "fix", "delight", "right-size", "maintain"}
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab._diagnosis import EVENT_INFO, diagnose, importance_index
from cxlab._stats import critical
from cxlab._style import ACTION_COLORS
from cxlab.errors import DataError, ParameterError

__all__ = [
    "ACTIONS",
    "ACTION_COLORS",
    "Rules",
    "describe_rules",
    "moments_of_truth",
    "prioritize",
]

#: The framework's courses of action, in the order a report discusses them.
ACTIONS: tuple[str, ...] = ("basics", "fix", "delight", "right-size", "maintain")


# ------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Rules:
    """Thresholds that turn a diagnosis into one course of action per event.

    Attributes
    ----------
    level : float
        Confidence level of the gap intervals; a gap *counts* only when its interval
        excludes zero (0.95, i.e. a two-sided 5% significance level).
    min_gap : float
        Materiality: a counted gap must also be at least this many scale points in size
        (point estimate ``<= -min_gap`` for a failure, ``>= +min_gap`` for
        over-delivery).  The default, half a point on a 10-point scale, keeps trivially
        small but precisely estimated gaps (a 0.2-point over-delivery measured on 500
        raters) from driving a course of action; 0 lets statistical significance alone
        decide.
    moment_of_truth_z : float
        Importance index (in SDs above the average event) at or above which an event is a
        **moment of truth**; a moment of truth without a failing gap is **delight**.
    matters_z : float
        Importance index at or above which an event *matters*: a brand-gap failure there
        is **fix** (below it, the failure is noted in the reason but the course is
        maintain).
    low_importance_z : float
        Importance index at or below which an event does *not* matter: significant
        over-delivery there is **right-size**.
    importance_components : tuple of str
        Diagnosis columns averaged (as z-scores across events) into the importance
        index: stated significance, personal investment and the derived advocacy impact.

    Notes
    -----
    Order of precedence: basics (baseline-gap interval entirely below 0 and estimate at
    most ``-min_gap``, any importance) > fix > delight > right-size > maintain.  Suppressed events (base under
    the minimum) get no course.
    """

    level: float = 0.95
    min_gap: float = 0.5
    moment_of_truth_z: float = 1.0
    matters_z: float = 0.0
    low_importance_z: float = -0.5
    importance_components: tuple[str, ...] = (
        "significance",
        "personal_investment",
        "advocacy_impact",
    )

    def __post_init__(self) -> None:
        if not 0 < self.level < 1:
            raise ParameterError(f"Rules.level must lie in (0, 1), got {self.level!r}")
        if self.min_gap < 0:
            raise ParameterError(f"Rules.min_gap must be >= 0, got {self.min_gap!r}")
        if not self.low_importance_z < self.matters_z <= self.moment_of_truth_z:
            raise ParameterError(
                "Rules need low_importance_z < matters_z <= moment_of_truth_z, got "
                f"{self.low_importance_z}, {self.matters_z}, {self.moment_of_truth_z}"
            )
        if not self.importance_components:
            raise ParameterError("Rules.importance_components must not be empty")


_COMPONENT_WORDS = {
    "significance": "stated significance",
    "personal_investment": "personal investment",
    "advocacy_impact": "impact on advocacy (recommend)",
    "satisfaction_impact": "impact of performance on event satisfaction",
}


def describe_rules(rules: Rules | None = None) -> str:
    """State the prioritisation rules in plain words for a report.

    Parameters
    ----------
    rules : cxlab.priorities.Rules, optional
        The thresholds (default ``Rules()``).

    Examples
    --------
    >>> print(describe_rules(Rules()))  # doctest: +ELLIPSIS
    Each event gets one course of action...
    """
    r = rules or Rules()
    comps = ", ".join(_COMPONENT_WORDS.get(c, c) for c in r.importance_components)
    pct = f"{r.level:.0%}"
    beyond = f" and the gap is at least {r.min_gap:g} scale points" if r.min_gap > 0 else ""
    return "\n".join(
        [
            "Each event gets one course of action, checked in this order:",
            f"Importance is an index combining {comps}: each is standardised across events, "
            "they are averaged, and the average is standardised again, so 0 is the average "
            "event and +1 is one standard deviation above it.",
            f"A gap counts only when its {pct} confidence interval lies entirely on one side "
            f"of zero{beyond}.",
            "1. Basics: performance is below the customary baseline expectation, whatever "
            "the event's importance.",
            "2. Fix: performance is below the brand-specific expectation on an event that "
            f"matters (importance at least {r.matters_z:+.1f} SD).",
            f"3. Delight: a moment of truth (importance at least {r.moment_of_truth_z:+.1f} SD) "
            "with no failing gap.",
            "4. Right-size: performance is above the brand-specific expectation on an event "
            f"that does not matter (importance at most {r.low_importance_z:+.1f} SD).",
            "5. Maintain: every other event.",
            "Events rated by fewer respondents than the minimum base are not assessed.",
        ]
    )


def _fmt_ci(est: float, lo: float, hi: float) -> str:
    return f"{est:+.2f} ({lo:+.2f} to {hi:+.2f})"


def _reason(row: pd.Series, rules: Rules, n_events: int, pct: str) -> str:
    imp = (
        f"importance {row['importance']:+.2f} SD, rank {int(row['importance_rank'])} of {n_events}"
    )
    bg = "brand gap " + _fmt_ci(row["brand_gap"], row["brand_gap_ci_low"], row["brand_gap_ci_high"])
    base = "baseline gap " + _fmt_ci(
        row["baseline_gap"], row["baseline_gap_ci_low"], row["baseline_gap_ci_high"]
    )
    action = row["action"]
    if action == "basics":
        return (
            f"Basics: performance {row['performance']:.2f} falls short of the customary "
            f"baseline expectation {row['baseline_expectation']:.2f}, {base}, {pct} CI; "
            f"flagged whatever its importance ({imp})."
        )
    emphasis = row.get("emphasis")
    emphasis = f" Driver model: {emphasis}." if isinstance(emphasis, str) and emphasis else ""
    if action == "fix":
        return (
            f"Fix: performance {row['performance']:.2f} falls short of the brand promise "
            f"{row['brand_expectation']:.2f}, {bg}, {pct} CI, on an event that matters "
            f"({imp}).{emphasis}"
        )
    if action == "delight":
        return (
            f"Delight: moment of truth ({imp}, threshold {rules.moment_of_truth_z:+.1f} SD) "
            f"with no failing gap ({bg}; {base}).{emphasis}"
        )
    if action == "right-size":
        return (
            f"Right-size: performance {row['performance']:.2f} exceeds the brand promise "
            f"{row['brand_expectation']:.2f}, {bg}, on an event that does not matter ({imp})."
        )
    note = ""
    if row["_brand_fail"]:
        note = " Brand promise missed, but the event does not matter enough to fix."
    elif row["_over"]:
        note = " Over-delivers, but the event is not unimportant enough to right-size."
    return f"Maintain: {imp}; {bg}; {base}.{note}"


def prioritize(
    survey=None,
    rules: Rules | None = None,
    min_base: int = 30,
    weights: str | None = "weight",
    by: str | None = None,
    diagnosis: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One course of action per event (delight, fix, right-size, basics, maintain).

    Parameters
    ----------
    survey : Survey, optional
        The survey to diagnose (not needed when ``diagnosis`` is given).
    rules : Rules, optional
        Thresholds (defaults: :class:`Rules`); see :func:`describe_rules`.
    min_base, weights, by
        Passed to :func:`diagnose`.
    diagnosis : DataFrame, optional
        A table from :func:`diagnose` (or hand-built with the same columns) to use
        instead of diagnosing ``survey``.

    Returns
    -------
    DataFrame
        The diagnosis columns plus ``action`` (ordered categorical of :data:`ACTIONS`, NaN
        when suppressed), ``moment_of_truth`` (bool), ``priority`` (0-100 score for the
        heat-map colour: basics 80-100, fix 60-80, delight 40-60, right-size 20-40,
        maintain 0-20, graded within each band by gap size or importance) and ``reason``
        (plain words quoting the numbers).

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, _ = make_study("banking", n_respondents=400, seed=0)
    >>> p = prioritize(survey)
    >>> bool(p["reason"].notna().all())
    True
    """
    rules = rules or Rules()
    if diagnosis is None:
        if survey is None:
            raise ParameterError("prioritize needs a survey or a diagnosis table")
        diagnosis = diagnose(
            survey,
            by=by,
            min_base=min_base,
            weights=weights,
            level=rules.level,
            importance=rules.importance_components,
        )
    need = ["event_id", "brand_gap", "brand_gap_se", "baseline_gap", "baseline_gap_se"]
    missing = [c for c in need + list(rules.importance_components) if c not in diagnosis.columns]
    if missing:
        raise DataError("diagnosis table lacks columns prioritize needs", column=missing)
    if by is None and diagnosis["event_id"].duplicated().any():
        raise ParameterError("the diagnosis has several rows per event: pass its by= column")
    d = diagnosis.copy()
    if "suppressed" not in d.columns:
        d["suppressed"] = False
    d["suppressed"] = d["suppressed"].fillna(True).astype(bool)
    n = d["n"] if "n" in d.columns else pd.Series(np.inf, index=d.index)
    crit = critical(rules.level, np.maximum(np.where(np.isfinite(n), n - 1, 1e6), 1.0))
    for g in ("brand_gap", "baseline_gap"):
        d[f"{g}_ci_low"] = d[g] - crit * d[f"{g}_se"]
        d[f"{g}_ci_high"] = d[g] + crit * d[f"{g}_se"]
    d = importance_index(d, rules.importance_components, by=by, level=rules.level)
    usable = ~d["suppressed"] & d["importance"].notna()
    imp = d["importance"]
    mg = rules.min_gap
    basics = usable & (d["baseline_gap_ci_high"] < 0) & (d["baseline_gap"] <= -mg)
    d["_brand_fail"] = usable & (d["brand_gap_ci_high"] < 0) & (d["brand_gap"] <= -mg)
    d["_over"] = usable & (d["brand_gap_ci_low"] > 0) & (d["brand_gap"] >= mg)
    fix = ~basics & d["_brand_fail"] & (imp >= rules.matters_z)
    mot = usable & (imp >= rules.moment_of_truth_z)
    delight = ~basics & ~fix & mot & ~d["_brand_fail"]
    right = ~basics & ~fix & ~delight & d["_over"] & (imp <= rules.low_importance_z)
    action = np.select(
        [basics, fix, delight, right, usable],
        ["basics", "fix", "delight", "right-size", "maintain"],
        default=None,
    )
    d["action"] = pd.Categorical(action, categories=list(ACTIONS), ordered=True)
    d["moment_of_truth"] = mot.astype(bool)
    # priority score
    pct_imp = imp.rank(pct=True) if by is None else imp.groupby(d[by]).rank(pct=True)
    sev_base = (-d["baseline_gap"] / 3).clip(0, 1)
    sev_brand = (-d["brand_gap"] / 3).clip(0, 1)
    sev_over = (d["brand_gap"] / 3).clip(0, 1)
    d["priority"] = np.select(
        [basics, fix, delight, right, usable],
        [
            80 + 20 * sev_base,
            60 + 20 * sev_brand,
            40 + 20 * pct_imp,
            20 + 20 * sev_over,
            20 * pct_imp,
        ],
        default=np.nan,
    )
    pct = f"{rules.level:.0%}"
    counts = usable.groupby(d[by]).transform("sum") if by else pd.Series(usable.sum(), d.index)
    d["reason"] = [
        _reason(row, rules, int(counts.loc[i]), pct)
        if usable.loc[i]
        else f"Not assessed: base n={row.get('n', np.nan):.0f} is under the minimum {min_base}."
        for i, row in d.iterrows()
    ]
    d = d.drop(columns=["_brand_fail", "_over"])
    lead = [c for c in (*EVENT_INFO, by) if c and c in d.columns]
    lead += ["action", "moment_of_truth", "priority", "reason"]
    return d[lead + [c for c in d.columns if c not in lead]]


def moments_of_truth(priorities: pd.DataFrame, rules: Rules | None = None) -> str:
    """How many events are moments of truth, which, and why (one paragraph).

    Parameters
    ----------
    priorities : pandas.DataFrame
        A :func:`cxlab.priorities.prioritize` table.
    rules : cxlab.priorities.Rules, optional
        The thresholds (default ``Rules()``).

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, _ = make_study("banking", n_respondents=400, seed=0)
    >>> "moment" in moments_of_truth(prioritize(survey))
    True
    """
    rules = rules or Rules()
    assessed = priorities.loc[priorities["action"].notna()]
    mot = assessed.loc[assessed["moment_of_truth"]].sort_values("importance", ascending=False)
    comps = ", ".join(_COMPONENT_WORDS.get(c, c) for c in rules.importance_components)
    head = (
        f"{len(mot)} of {len(assessed)} assessed events are moments of truth: their "
        f"importance index (combining {comps}) is at least {rules.moment_of_truth_z:+.1f} "
        "SD above the average event."
    )
    if mot.empty:
        return head
    items = [
        f"{r['name'] if 'name' in mot.columns else r['event_id']} "
        f"({r['importance']:+.2f} SD; {r['action']})"
        for _, r in mot.iterrows()
    ]
    return head + " They are: " + "; ".join(items) + "."
