"""Written findings for the client report, generated from results (never boilerplate).

Each function takes result tables from the statistics modules and returns a short
Markdown paragraph that quotes the numbers it rests on. The report notebook shows
them with :class:`IPython.display.Markdown`. Functions accept tables, not a
``Survey``, so they never recompute statistics.

Examples
--------
>>> import pandas as pd
>>> net = pd.DataFrame({"value": [14.9], "ci_low": [8.0], "ci_high": [21.7],
...                     "pct_advocate": [37.4], "pct_antagonist": [22.5], "n": [631]})
>>> print(advocacy_finding(net))
Net advocacy is **+14.9** (95% interval +8.0 to +21.7; 631 respondents): 37.4% are advocates and 22.5% antagonists or agitators.
"""

from __future__ import annotations

import math

import pandas as pd

from cxlab.errors import CxlabError

__all__ = [
    "advocacy_methods",
    "actions_finding",
    "advocacy_finding",
    "coverage_finding",
    "key_drivers_finding",
    "scales_finding",
    "eventmap_finding",
    "executive_points",
    "executive_summary",
    "investment_finding",
    "sample_finding",
    "satisfaction_index_finding",
    "segments_finding",
    "value_finding",
]

_ACTION_WORDS = {
    "basics": "restore the basics (baseline expectation not met)",
    "fix": "fix (brand promise broken on an event that matters)",
    "delight": "delight (a moment of truth worth investing in)",
    "right-size": "right-size (over-delivery on an event that matters little)",
    "maintain": "maintain",
}


def _signed(x: float, digits: int = 1) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.{digits}f}"


def _missing(x) -> bool:
    """True for None, NaN or a non-number (a suppressed estimate)."""
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def _suppressed(row) -> bool:
    """A net advocacy row whose base is below the minimum (or whose value is missing)."""
    flag = row.get("suppressed")
    if not _missing(flag) and bool(flag):
        return True
    return _missing(row.get("value"))


def _valued(ranking: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of a value case that were valued (an action and a finite NPV)."""
    if ranking is None or ranking.empty:
        return pd.DataFrame()
    keep = ranking["npv"].notna()
    if "action" in ranking.columns:
        keep &= ranking["action"].notna()
    return ranking.loc[keep]


def _money(x, currency: str | None) -> str:
    amount = f"{x:,.0f}"
    return f"{currency} {amount}" if currency else f"{amount} currency units"


def _names(frame: pd.DataFrame) -> list[str]:
    col = "name" if "name" in frame.columns else "event_id"
    return [str(v) for v in frame[col]]


def sample_finding(
    n_respondents: int,
    n_events: int,
    n_ratings: int,
    quality: pd.DataFrame | None = None,
    weighting: pd.DataFrame | None = None,
    filter_text: str | None = None,
    *,
    weights_text: str | None = None,
    respondent_id: str | None = None,
) -> str:
    """Sample size, weighting diagnostics and data-quality flags in one paragraph.

    ``weighting`` is a ``WeightingResult.summary()`` frame (``statistic, value``).
    ``weights_text`` says how results are weighted when there is no raking
    ("unweighted", "design weights of column w, not raked"); ``respondent_id`` where
    respondent ids come from ("row number" is said in the text).

    Parameters
    ----------
    n_respondents : int
        Number of respondents.
    n_events : int
        Number of events.
    n_ratings : int
        Number of respondent x event ratings.
    quality : pandas.DataFrame, optional
        ``survey.quality``.
    weighting : pandas.DataFrame, optional
        A ``WeightingResult.summary()`` frame.
    filter_text : str, optional
        The segment filter, in words.
    weights_text : str, optional
        How the data were weighted, in words.
    respondent_id : str
        The respondent id column.
    """
    if n_events:
        text = (
            f"The analysis rests on **{n_respondents:,} respondents** who rated "
            f"{n_ratings:,} interactions across {n_events} customer events"
        )
    else:
        text = (
            f"The analysis rests on **{n_respondents:,} respondents** of a respondent-level "
            "survey (no customer events)"
        )
    text += f" ({filter_text})." if filter_text else "."
    if respondent_id == "row number":
        text += " The file has no respondent-id column, so respondents are numbered by row."
    if weighting is not None and len(weighting):
        stat = dict(zip(weighting["statistic"], weighting["value"], strict=True))
        converged = "converged" if stat.get("converged") else "did **not** converge"
        text += (
            f" Raking to population margins {converged} in {int(stat['iterations'])} "
            f"iterations; the weights range from {float(stat['min_weight']):.2f} to "
            f"{float(stat['max_weight']):.2f}, a design effect of "
            f"{float(stat['design_effect']):.2f} (effective base "
            f"{float(stat['n_effective']):,.0f})."
        )
    elif weights_text:
        text += f" No weighting targets were given: results are {weights_text}."
    else:
        text += " No weighting targets were given: results use the design weights."
    if quality is not None and len(quality):
        flagged = quality.loc[quality.get("n_flagged", pd.Series(0, index=quality.index)) > 0]
        if len(flagged):
            parts = [
                f"{r['check']} ({int(r['n_flagged'])} respondents)" for _, r in flagged.iterrows()
            ]
            text += " Data-quality checks flagged " + "; ".join(parts) + "."
        else:
            text += " No data-quality check flagged any respondent."
    return text


def advocacy_finding(
    net: pd.DataFrame,
    label: str | None = None,
    *,
    cuts: str | None = None,
    agitators: bool = True,
) -> str:
    """Net advocacy with its interval and the advocate / antagonist shares.

    ``net`` is a one-row table from :func:`cxlab.segments.net_advocacy`; ``cuts`` the
    cut points used, in words (``AdvocacyCuts.rule``), quoted after the figure;
    ``agitators`` False when the survey cannot tell agitators apart.

    Parameters
    ----------
    net : pandas.DataFrame
        A one-row :func:`cxlab.segments.net_advocacy` table.
    label : str
        The label.
    cuts : cxlab.segments.AdvocacyCuts
        The cut points used.
    agitators : bool
        Whether agitators are reported.
    """
    row = net.iloc[0]
    tail = f" Cut points: {cuts}." if cuts else ""
    if _suppressed(row):
        who = f" for {label}" if label else ""
        return (
            f"Too few respondents to assess net advocacy{who}: the base is below the minimum, "
            "so no figure is reported." + tail
        )
    who = f"{label}: net" if label else "Net"
    low = "antagonists or agitators" if agitators else "antagonists"
    return (
        f"{who} advocacy is **{_signed(row['value'])}** (95% interval "
        f"{_signed(row['ci_low'])} to {_signed(row['ci_high'])}; {int(row['n']):,} respondents): "
        f"{row['pct_advocate']:.1f}% are advocates and {row['pct_antagonist']:.1f}% "
        f"{low}." + tail
    )


def actions_finding(priorities: pd.DataFrame) -> str:
    """The course of action per event, basics first (a table from ``cxlab.priorities.prioritize``).

    Parameters
    ----------
    priorities : pandas.DataFrame
        A :func:`cxlab.priorities.prioritize` table.
    """
    assessed = priorities.loc[priorities["action"].notna()]
    lines = []
    for action in ("basics", "fix", "delight", "right-size"):
        part = assessed.loc[assessed["action"].astype(str) == action]
        if len(part):
            lines.append(f"- **{_ACTION_WORDS[action]}**: " + ", ".join(_names(part)))
    if assessed.empty:
        return (
            f"Too few respondents to assess any event: all {len(priorities)} have a base "
            "below the minimum."
        )
    n_keep = int((assessed["action"].astype(str) == "maintain").sum())
    head = f"Of {len(assessed)} assessed events, {len(assessed) - n_keep} need a change of course"
    suppressed = len(priorities) - len(assessed)
    if suppressed:
        head += f" ({suppressed} not assessed: base below the minimum)"
    return head + ":\n\n" + "\n".join(lines) if lines else head + "."


def investment_finding(by_event: pd.DataFrame, crossover: float | None = None) -> str:
    """Emotive vs tactile weight at the lowest- and highest-investment events.

    ``by_event`` is ``InvestmentWeighting.by_event`` from :mod:`cxlab.drivers` (one
    row per event: ``event_id``, ``investment``, ``ratio``, ``ratio_ci_low``,
    ``ratio_ci_high``; ``name`` when present); ``crossover`` the investment level
    where emotive overtakes tactile, if any.

    Parameters
    ----------
    by_event : pandas.DataFrame
        Per-event weights.
    crossover : float, optional
        The crossover investment level.
    """
    table = by_event.dropna(subset=["investment", "ratio"]).sort_values("investment")
    if table.empty:
        return "Too few respondents to compare emotive and tactile weights at any event."
    lo, hi = table.iloc[0], table.iloc[-1]

    def part(row) -> str:
        name = row["name"] if "name" in row and pd.notna(row.get("name")) else row["event_id"]
        return (
            f"{name} (investment {row['investment']:.1f}): emotive carries "
            f"**{row['ratio']:.2f}** times the weight of tactile (95% CI "
            f"{row['ratio_ci_low']:.2f} to {row['ratio_ci_high']:.2f})"
        )

    text = f"At the highest-investment event, {part(hi)}; at the lowest, {part(lo)}."
    if crossover is not None and not math.isnan(crossover):
        text += f" Emotive treatment outweighs tactile performance above an investment of {crossover:.1f}."
    else:
        text += " Emotive and tactile weights do not cross within the observed range."
    return text


def eventmap_finding(priorities: pd.DataFrame) -> str:
    """Where on the lifecycle the events needing action sit.

    Parameters
    ----------
    priorities : pandas.DataFrame
        A :func:`cxlab.priorities.prioritize` table.
    """
    assessed = priorities.loc[priorities["action"].notna()].copy()
    assessed["action"] = assessed["action"].astype(str)
    urgent = assessed.loc[assessed["action"].isin(["basics", "fix"])]
    stages = assessed["stage"].astype(str).nunique()
    if assessed.empty:
        return "Too few respondents to place any event on the map: every base is below the minimum."
    if urgent.empty:
        return f"The map lays out {len(assessed)} events over {stages} lifecycle stages; none breaks a promise or a baseline expectation."
    where = "; ".join(
        f"{r.get('name', r['event_id'])} ({r['stage']}, {r['action']})"
        for _, r in urgent.iterrows()
    )
    return (
        f"The map lays out {len(assessed)} events over {stages} lifecycle stages. "
        f"The hot spots needing action first are: {where}."
    )


def segments_finding(by_segment: pd.DataFrame, segment: str, measure: str = "net advocacy") -> str:
    """Highest and lowest ``value`` across the levels of one segment variable.

    ``measure`` names the value ("net advocacy", or e.g. "mean satisfaction": then
    values are quoted with two decimals, unsigned).

    Parameters
    ----------
    by_segment : pandas.DataFrame
        The measure by segment.
    segment : str
        The segment variable.
    measure : str
        The measure.
    """
    shown = by_segment.loc[~by_segment.get("suppressed", False)].dropna(subset=["value"])
    label = segment.replace("_", " ")
    if shown.empty:
        return f"No {label} group reaches the minimum base."

    def fmt(x):
        return _signed(x) if measure == "net advocacy" else f"{x:.2f}"

    best = shown.loc[shown["value"].idxmax()]
    worst = shown.loc[shown["value"].idxmin()]
    if len(shown) == 1:
        return (
            f"By {label}, only **{best[segment]}** reaches the minimum base "
            f"({measure} {fmt(best['value'])}, n={int(best['n'])})."
        )
    return (
        f"By {label}, {measure} is highest for **{best[segment]}** "
        f"({fmt(best['value'])}, n={int(best['n'])}) and lowest for **{worst[segment]}** "
        f"({fmt(worst['value'])}, n={int(worst['n'])})."
    )


def value_finding(
    ranking: pd.DataFrame,
    *,
    currency: str | None = None,
    cost_based: bool = True,
    customers: str | None = None,
) -> str:
    """The event with the highest return (a ``ValueCase.table`` from :mod:`cxlab.valuecase`).

    Needs ``name`` (or ``event_id``), ``action``, ``npv``, ``npv_ci_low``, ``npv_ci_high`` and ``roi``
    (``benefit``, ``benefit_ci_low``, ``benefit_ci_high`` when ``cost_based`` is False: no costs
    were given, so the benefit alone is quoted). Money is printed with ``currency``
    ("currency units" without); ``customers`` says which base the money is for (e.g.
    "per 1,000 customers").

    Parameters
    ----------
    ranking : pandas.DataFrame or None
        The value case's ranked table.
    currency : str, optional
        Currency code or symbol for amounts (None: plain numbers).
    cost_based : bool
        Whether the value case rests on improvement costs.
    customers : pandas.DataFrame
        The customers to score.
    """
    if ranking.empty:
        return "No event could be valued."
    col = "npv" if cost_based else "benefit"
    ranking = _valued(ranking.assign(npv=ranking[col]))
    if ranking.empty:
        return "Too few respondents to value any event: every base is below the minimum."
    top = ranking.iloc[0]
    name = top.get("name", top.get("event_id"))
    base = f" ({customers})" if customers else ""
    if cost_based:
        text = (
            f"The highest return is to **{top['action']} {name}**: a net present value of "
            f"{_money(top['npv'], currency)}{base} (95% interval {top['npv_ci_low']:,.0f} to "
            f"{top['npv_ci_high']:,.0f})"
        )
        if pd.notna(top.get("roi")):
            text += f", {top['roi']:.1f} times its cost"
        positive = int((ranking["npv_ci_low"] > 0).sum())
    else:
        text = (
            "No improvement costs were given, so the value case shows the benefit before "
            "costs (no net present value or return on investment). The largest benefit is "
            f"to **{top['action']} {name}**: {_money(top['benefit'], currency)}{base} over "
            "the horizon"
        )
        if pd.notna(top.get("benefit_ci_low")):
            text += f" (95% interval {top['benefit_ci_low']:,.0f} to {top['benefit_ci_high']:,.0f})"
        positive = int((ranking["benefit_ci_low"] > 0).sum()) if "benefit_ci_low" in ranking else 0
    return text + f". {positive} of {len(ranking)} events have an interval entirely above zero."


def executive_summary(
    client: str,
    net: pd.DataFrame | None,
    priorities: pd.DataFrame | None,
    investment: pd.DataFrame | None = None,
    ranking: pd.DataFrame | None = None,
    *,
    key_drivers: pd.DataFrame | None = None,
    outcome: str | None = None,
    currency: str | None = None,
    cost_based: bool = True,
) -> str:
    """Four answers for an executive: where we stand, what, how, and when.

    Built from the same tables the sections show; each bullet quotes its numbers.
    ``net`` is None without a recommend item, ``priorities`` None for a survey
    without events (then the key drivers of ``outcome`` answer "what matters").
    The bullets are :func:`executive_points` (which the slide deck uses).

    Parameters
    ----------
    client : str
        The client's name.
    net : pandas.DataFrame
        A one-row :func:`cxlab.segments.net_advocacy` table.
    priorities : pandas.DataFrame
        A :func:`cxlab.priorities.prioritize` table.
    investment : float or sequence of float
        Personal-investment level(s).
    ranking : pandas.DataFrame or None
        The value case's ranked table.
    key_drivers : pandas.DataFrame or None
        The key-driver table.
    outcome : str
        The outcome column.
    currency : str, optional
        Currency code or symbol for amounts (None: plain numbers).
    cost_based : bool
        Whether the value case rests on improvement costs.
    """
    points = executive_points(
        net,
        priorities,
        investment,
        ranking,
        key_drivers=key_drivers,
        outcome=outcome,
        currency=currency,
        cost_based=cost_based,
    )
    lines = [f"**{client}**", ""]
    lines += [f"- **{EXECUTIVE_QUESTIONS[key]}:** {text}" for key, text in points.items()]
    return "\n".join(lines)


#: The executive summary's questions, in order (keys of :func:`executive_points`).
EXECUTIVE_QUESTIONS = {
    "where": "Where we stand",
    "what": "What matters",
    "how": "How",
    "when": "When",
}


def executive_points(
    net: pd.DataFrame | None,
    priorities: pd.DataFrame | None,
    investment: pd.DataFrame | None = None,
    ranking: pd.DataFrame | None = None,
    *,
    key_drivers: pd.DataFrame | None = None,
    outcome: str | None = None,
    currency: str | None = None,
    cost_based: bool = True,
) -> dict[str, str]:
    """The executive summary's answers as ``{"where", "what", "how", "when": text}``
    (Markdown, each a sentence ending with a full stop; a survey without events has
    no "when"). Arguments as :func:`executive_summary`.

    Parameters
    ----------
    net : pandas.DataFrame or None
        A one-row :func:`cxlab.segments.net_advocacy` table (None: no recommend item).
    priorities : pandas.DataFrame or None
        A :func:`cxlab.priorities.prioritize` table (None: a survey without events).
    investment : pandas.DataFrame or None
        The personal-investment table (columns ``investment`` and ``ratio``).
    ranking : pandas.DataFrame or None
        The value case's ranked table.
    key_drivers : pandas.DataFrame or None
        The key-driver table.
    outcome : str or None
        The outcome column.
    currency : str, optional
        Currency code or symbol for amounts (None: plain numbers).
    cost_based : bool
        Whether the value case rests on improvement costs.

    Examples
    --------
    >>> net = pd.DataFrame({"value": [14.9], "ci_low": [8.0], "ci_high": [21.7]})
    >>> executive_points(net, None)["where"]
    'net advocacy +14.9 (95% interval +8.0 to +21.7).'
    """
    out: dict[str, str] = {}
    if net is None:
        stand = "no likelihood-to-recommend item, so net advocacy is not measured"
    elif _suppressed(net.iloc[0]):
        stand = "too few respondents to assess net advocacy"
    else:
        row = net.iloc[0]
        stand = (
            f"net advocacy {_signed(row['value'])} "
            f"(95% interval {_signed(row['ci_low'])} to {_signed(row['ci_high'])})"
        )
    if priorities is None:
        out["where"] = stand + "."
        kd = _top_drivers(key_drivers)
        if kd:
            out["what"] = f"the strongest drivers of {outcome} are {kd}."
            out["how"] = (
                "improve the strongest drivers first; the survey has no customer "
                "events, so no course of action per event is set."
            )
        else:
            out["what"] = (
                "the survey has no customer events and no key-driver "
                "analysis, so no priorities are set."
            )
        return out
    assessed = priorities.loc[priorities["action"].notna()]
    actions = assessed["action"].astype(str)
    broken = assessed.loc[actions.isin(["basics", "fix"])]
    mot = assessed.loc[assessed["moment_of_truth"].astype(bool)]
    if assessed.empty:
        stand += "; too few respondents to assess any event."
    else:
        stand += (
            f"; {len(broken)} of {len(assessed)} events break a brand promise or a baseline "
            "expectation" + (f" ({', '.join(_names(broken))})." if len(broken) else ".")
        )
    out["where"] = stand
    if assessed.empty:
        what = "too few respondents to find the moments of truth"
    else:
        what = f"{len(mot)} moment{'' if len(mot) == 1 else 's'} of truth"
        what += f" ({', '.join(_names(mot))})" if len(mot) else ""
    if investment is not None:
        investment = investment.dropna(subset=["investment", "ratio"])
    if investment is not None and len(investment):
        hi = investment.sort_values("investment").iloc[-1]
        what += (
            f"; where personal investment is highest, emotive treatment weighs "
            f"{hi['ratio']:.2f} times tactile performance"
        )
    out["what"] = what + "."
    how = []
    for action in ("basics", "fix", "delight", "right-size"):
        part = assessed.loc[actions == action]
        if len(part):
            how.append(f"{action} {', '.join(_names(part))}")
    if assessed.empty:
        out["how"] = "too few respondents to set a course of action for any event."
        out["when"] = "too few respondents to set an order of action."
        return out
    out["how"] = ("; ".join(how) if how else "maintain every event") + "."
    when = "restore the basics first"
    if ranking is not None and len(ranking):
        col = "npv" if cost_based else "benefit"
        ranking = _valued(ranking.assign(npv=ranking[col]))
    else:
        ranking = pd.DataFrame()
    if len(ranking):
        top = ranking.iloc[0]
        what_value = (
            f"highest return: net present value {_money(top['npv'], currency)}"
            if cost_based
            else f"largest benefit before costs: {_money(top['npv'], currency)}"
        )
        when += f", then {top.get('action')} {top.get('name', top.get('event_id'))} ({what_value})"
    out["when"] = when + "."
    return out


def _top_drivers(table: pd.DataFrame | None, k: int = 3) -> str:
    if table is None or table.empty:
        return ""
    rows = table.dropna(subset=["share"]).head(k)
    parts = []
    for _, r in rows.iterrows():
        name = r.get("label", r["driver"])
        parts.append(f"{name} ({100 * r['share']:.0f}% of the explained variance)")
    return ", ".join(parts)


def key_drivers_finding(table: pd.DataFrame, outcome: str, rule: str | None = None) -> str:
    """What drives ``outcome`` most (a :func:`cxlab.importance.relative_importance` table).

    Quotes the top drivers' shares of the explained variance, the R-squared and the
    base; ``rule`` (how outcome and drivers were chosen) is appended.

    Parameters
    ----------
    table : pandas.DataFrame
        The table.
    outcome : str
        The outcome column.
    rule : str, optional
        The rule, in words.
    """
    if table is None or table.empty:
        return f"Too few respondents to estimate what drives {outcome}."
    attrs = table.attrs
    method = (
        "exact Shapley (LMG) decomposition"
        if attrs.get("method") == "shapley"
        else "Johnson's relative weights"
    )
    text = f"The strongest drivers of **{outcome}** are {_top_drivers(table)}"
    r2, n = attrs.get("r_squared"), attrs.get("n")
    if not _missing(r2) and not _missing(n):
        text += (
            f"; together the {len(table)} drivers explain {100 * r2:.0f}% of its variance "
            f"(R² {r2:.2f}, {int(n):,} respondents with every item answered; {method})"
        )
    text += "."
    name_col = "label" if "label" in table.columns else "driver"
    negative = table.loc[table["sign"].astype(str) == "-", name_col]
    if len(negative):
        text += (
            " Holding the others fixed, "
            + ", ".join(str(x).replace("_", " ") for x in negative)
            + " moves the outcome the other way (a negative coefficient)."
        )
    if rule:
        text += f" Outcome and drivers: {rule}."
    return text


def scales_finding(table: pd.DataFrame) -> str:
    """Reliability of respondent-level multi-item scales (``scale, alpha, omega, n``).

    Parameters
    ----------
    table : pandas.DataFrame
        The table.
    """
    if table is None or table.empty:
        return "No multi-item scale to assess."
    parts, small = [], []
    for _, r in table.iterrows():
        if _missing(r["alpha"]):
            small.append(str(r["scale"]))
            continue
        word = "good" if r["alpha"] >= 0.8 else "acceptable" if r["alpha"] >= 0.7 else "low"
        omega = "" if _missing(r["omega"]) else f", omega {r['omega']:.2f}"
        parts.append(
            f"{r['scale']} ({int(r['n_items'])} items): alpha {r['alpha']:.2f}{omega} ({word})"
        )
    text = ("Internal consistency: " + "; ".join(parts) + ".") if parts else ""
    if small:
        text += (" " if text else "") + (
            "Too few complete answers to assess " + ", ".join(small) + "."
        )
    return text


def advocacy_methods(cuts) -> str:
    """The methods-appendix paragraph on advocacy: cut points, agitators and how net
    advocacy and its interval are estimated (one method, the weighted mean's).

    Parameters
    ----------
    cuts : cxlab.segments.AdvocacyCuts
        The cut points used (``plan.cuts`` of :func:`cxlab.analysis.plan_sections`).

    Returns
    -------
    str
        Markdown.

    Examples
    --------
    >>> from cxlab.segments import advocacy_cuts
    >>> "weighted mean" in advocacy_methods(advocacy_cuts(scale=(0, 10)))
    True
    """
    return (
        f"Used here: {cuts.rule}. On a 0-10 scale the standard cut points apply (advocates 9-10, "
        "antagonists 0-6). On any other scale a score is an antagonist at or below 60% of the way up the "
        "scale and an advocate above 80% of the way up (the 0-10 cut points applied to the score rescaled "
        "linearly to 0-10), unless the codebook sets `advocate_min` and `antagonist_max` on the recommend "
        "item. Agitators are antagonists who complained or warned others (`complained` = 1 or "
        "`warned_others` = 1). Net advocacy is the percentage of advocates minus that of antagonists "
        "and agitators: the weighted mean of a score of +100 for an advocate, -100 for an antagonist "
        "or agitator and 0 otherwise. Its standard error is that weighted mean's, by Taylor "
        "linearisation (the same method as every other weighted mean in the report; raking "
        "weights treated as fixed), and its interval is the estimate plus or minus the normal "
        "critical value times that standard error, kept within -100 to 100."
    )


def coverage_finding(coverage: pd.DataFrame) -> str:
    """ "What this report covers": included sections, then each left-out one with its reason.

    ``coverage`` is ``ReportResults.coverage`` (``section, included, reason, basis``).

    Parameters
    ----------
    coverage : pandas.DataFrame
        ``ReportResults.coverage`` (``section, included, reason, basis``).
    """
    inc = coverage.loc[coverage["included"].astype(bool)]
    out = coverage.loc[~coverage["included"].astype(bool)]
    lines = ["This report covers:", ""]
    for _, r in inc.iterrows():
        basis = f": {r['basis']}" if isinstance(r.get("basis"), str) and r["basis"] else ""
        lines.append(f"- {r['section']}{basis}")
    if len(out):
        lines += ["", "Left out, because the survey or the parameters do not support them:", ""]
        for _, r in out.iterrows():
            lines.append(f"- **{r['section']}**: {r['reason']}.")
    return "\n".join(lines)


def satisfaction_index_finding(result, target: str, labels: dict | None = None) -> str:
    """The satisfaction index, its drivers, where to act and the model's quality.

    ``result`` is a :class:`cxlab.pls.PLSResult`; ``labels`` names constructs.

    Parameters
    ----------
    result : cxlab.pls.PLSResult
        The fitted PLS path model.
    target : str
        The construct whose index is reported.
    labels : dict, optional
        Display names of constructs (default: the name with spaces for underscores).

    Examples
    --------
    >>> from cxlab.pls import fit
    >>> from cxlab.synth import make_pls_study
    >>> frame, truth = make_pls_study(n=200, seed=0)
    >>> res = fit(frame, truth["blocks"], truth["paths"], scales=truth["scales"])
    >>> satisfaction_index_finding(res, "satisfaction").startswith("The satisfaction index is")
    True
    """
    labels = dict(labels or {})

    def name(c):
        return labels.get(c, c.replace("_", " "))

    index = result.index().set_index("construct")
    row = index.loc[target]
    ci = (
        f" (95% interval {row['ci_low']:.1f} to {row['ci_high']:.1f})"
        if "ci_low" in index.columns and result.level == 0.95
        else (
            f" ({100 * result.level:.0f}% interval {row['ci_low']:.1f} to {row['ci_high']:.1f})"
            if "ci_low" in index.columns
            else ""
        )
    )
    weighted = ", weighted" if result.weighted else ""
    text = [
        f"The {name(target).lower()} index is **{row['index']:.1f}** on 0-100{ci}: a PLS path "
        f"model of {len(result.constructs)} constructs fitted to {result.n:,} respondents"
        f"{weighted} ({result.n_dropped:,} left out for a missing answer), scored from the "
        f"items' scale ends with the model's weights (ACSI convention)."
    ]
    r2 = result.r2.set_index("construct")["r2"]
    direct = result.paths[result.paths["target"] == target].copy()
    direct = direct.reindex(direct["estimate"].abs().sort_values(ascending=False).index)
    if len(direct):
        parts = []
        for d in direct.head(3).itertuples():
            sig = ""
            if "ci_low" in direct.columns:
                sig = "" if d.ci_low > 0 or d.ci_high < 0 else ", not significant"
            parts.append(f"{name(d.source)} ({d.estimate:.2f}{sig})")
        text.append(
            f"The model explains {100 * r2[target]:.0f}% of the variance of {name(target)} "
            f"(R\u00b2 = {r2[target]:.2f}); its strongest direct drivers are "
            + ", ".join(parts)
            + " (standardised path coefficients)."
        )
    try:
        ipma = result.ipma(target)
    except CxlabError:
        ipma = None
    if ipma is not None and len(ipma):
        mean_imp, mean_perf = ipma["importance"].mean(), ipma["performance"].mean()
        act = ipma[(ipma["importance"] >= mean_imp) & (ipma["performance"] < mean_perf)]
        top = ipma.iloc[0]
        text.append(
            f"The importance-performance map: {name(top['construct'])} matters most (one point "
            f"more on it, on 0-100, adds {top['importance']:.2f} points to {name(target)}; it "
            f"scores {top['performance']:.0f})."
            + (
                " Act first on "
                + ", ".join(name(c) for c in act["construct"])
                + ": above-average importance, below-average performance."
                if len(act)
                else " No driver combines above-average importance with below-average performance."
            )
        )
    rel = result.reliability
    reflective = rel[(rel["mode"] == "A") & (rel["n_items"] >= 2)]
    weak = reflective[(reflective["rho_c"] < 0.7) | (reflective["ave"] < 0.5)]["construct"]
    close = reflective[reflective["htmt_max"] >= 0.85]["construct"]
    if len(weak) or len(close):
        bits = []
        if len(weak):
            bits.append(
                "below the usual reliability thresholds (composite reliability 0.7, AVE 0.5): "
                + ", ".join(name(c) for c in weak)
            )
        if len(close):
            bits.append(
                "not clearly distinct from another construct (HTMT of 0.85 or more): "
                + ", ".join(name(c) for c in close)
            )
        text.append("Read with care; " + "; ".join(bits) + ".")
    else:
        text.append(
            "Every multi-item reflective construct is reliable (composite reliability at "
            "least 0.7, AVE at least 0.5) and distinct from the others (HTMT below 0.85)."
        )
    if result.n_boot:
        text.append(
            f"Intervals are percentile intervals from {result.n_boot:,} bootstrap resamples of "
            "respondents" + (", each re-raked to the weighting targets." if result.reraked else ".")
        )
    return " ".join(text)
