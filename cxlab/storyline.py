"""The report's storyline: what each section found, in one line, for the slide deck.

The report notebook shows findings as paragraphs (:mod:`cxlab.narrative`); a slide
needs one sentence as its title, a short note on the base and on suppression, and
the names of the charts and tables that carry the evidence. :func:`build` makes
that from the results of :func:`cxlab.analysis.analyse` and the notebook records it
with :meth:`cxlab.recorder.Recorder.storyline` (``storyline.json`` in the run
folder). The deck (:mod:`cxlab.deck`) is built from the recorded storyline, figures
and tables, never from the HTML.

Every number in a headline is also a key figure (:attr:`Storyline.numbers`, merged
into ``key_figures.json``), rounded as the headline shows it, so a title can be
checked against the recorded figures. Headlines carry no number that is suppressed:
a section whose figure is below the minimum base says so in words.

Figure and table names (:data:`SECTION_OUTPUTS`) are the names the report notebook
records them under; a section lists only those, and the deck shows those that were
recorded. A new report section adds its entry there.

Examples
--------
>>> from cxlab.storyline import SECTION_OUTPUTS
>>> SECTION_OUTPUTS["advocacy"][0]
('advocacy_drivers',)
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from cxlab import narrative

__all__ = [
    "FIGURE_CAPTIONS",
    "METHODS_TABLES",
    "SECTION_OUTPUTS",
    "StorySection",
    "Storyline",
    "TABLE_TITLES",
    "build",
    "plain",
]

#: Report sections in order: (figures, tables) the notebook records for each.
SECTION_OUTPUTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sample": (("weighting",), ("data_quality",)),
    "event_map": (("event_map", "lens_driver"), ()),
    "investment": (("investment_weights",), ("investment_by_event",)),
    "moments": (("quad_map",), ("actions",)),
    "advocacy": (("advocacy_drivers",), ("advocacy_shares", "advocacy_economics")),
    "key_drivers": (("key_drivers",), ("key_drivers",)),
    "satisfaction_index": (
        ("pls_path_model", "pls_ipma"),
        ("pls_index", "pls_paths", "pls_reliability", "pls_ipma"),
    ),
    "segments": ((), ("net_advocacy_by_segment", "outcome_by_segment")),
    "comments": (("comments_vs_advocacy",), ("comment_topics",)),
    "value_case": (("value_case",), ("value_case", "value_case_assumptions")),
    "roadmap": (
        ("roadmap", "lens_initiative"),
        ("roadmap", "roadmap_constraints", "roadmap_stability", "roadmap_assumptions"),
    ),
    "cfe": (("cfe", "cfe_indicators", "promise_gap"), ("cfe_maturity",)),
}

#: Tables of the methods appendix (shown in the deck's appendix after the sections').
METHODS_TABLES = (
    "weighting_diagnostics",
    "reliability",
    "factor_structure",
    "scale_reliability",
)

#: Section titles as the report's headings give them.
_TITLES = {
    "sample": "Sample, weighting and data quality",
    "event_map": "Customer Event Map and lenses",
    "investment": "Emotive vs tactile performance by personal investment",
    "moments": "Moments of truth and the action per event",
    "advocacy": "Advocates, antagonists and agitators",
    "key_drivers": "Key drivers",
    "satisfaction_index": "Satisfaction index (PLS path model)",
    "segments": "Segments",
    "comments": "Voice of the customer (comments)",
    "value_case": "Value case",
    "roadmap": "Roadmap",
    "cfe": "Customer focused enterprise (CFE) assessment",
}

#: Short captions (no numbers) of the figures after a section's first.
FIGURE_CAPTIONS = {
    "weighting": "sample, weighted and target shares",
    "event_map": "the Customer Event Map",
    "lens_driver": "events by loyalty, retention and pain driver",
    "investment_weights": "emotive and tactile weights across personal investment",
    "quad_map": "importance against performance",
    "advocacy_drivers": "events that move advocacy",
    "key_drivers": "share of the explained variance",
    "value_case": "value per event",
    "pls_path_model": "the path model",
    "pls_ipma": "importance against performance of the index's drivers",
    "roadmap": "the initiatives by phase",
    "lens_initiative": "events by the initiative that enables them",
    "comments_vs_advocacy": "topics of advocates' and antagonists' comments",
    "cfe": "maturity per competency",
    "cfe_indicators": "maturity per indicator",
    "promise_gap": "the promise gap",
}

#: Titles of recorded tables in the deck's appendix.
TABLE_TITLES = {
    "data_quality": "Data-quality checks",
    "investment_by_event": "Emotive and tactile weights per event",
    "actions": "Course of action per event",
    "advocacy_shares": "Advocacy groups",
    "advocacy_economics": "Economics of advocacy",
    "key_drivers": "Key drivers",
    "net_advocacy_by_segment": "Net advocacy by segment",
    "outcome_by_segment": "Outcome by segment",
    "comment_topics": "Topics of the comments",
    "value_case": "Value case per event",
    "value_case_assumptions": "Value-case assumptions",
    "pls_index": "Satisfaction index per construct",
    "pls_paths": "Paths of the PLS model",
    "pls_reliability": "Reliability of the PLS constructs",
    "pls_ipma": "Importance and performance of the index's drivers",
    "roadmap": "Roadmap: funded initiatives",
    "roadmap_constraints": "Value left on the table by the limits",
    "roadmap_stability": "Stability of the roadmap",
    "roadmap_assumptions": "Roadmap assumptions",
    "cfe_maturity": "CFE maturity per competency",
    "weighting_diagnostics": "Weighting diagnostics",
    "reliability": "Reliability of the composites",
    "factor_structure": "Factor structure of the composites",
    "scale_reliability": "Reliability of the respondent-level scales",
    "software": "Software",
}


@dataclass(frozen=True)
class StorySection:
    """One report section as a slide: ``headline`` (the slide title), ``note`` (base
    and suppression), ``text`` (the section's written finding, plain text, for the
    speaker notes) and the names of its recorded ``figures`` and ``tables``."""

    key: str
    title: str
    headline: str
    note: str
    text: str
    figures: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Storyline:
    """What the deck says: title-slide facts, the executive summary, one entry per
    included section, methods and what was left out.

    Attributes
    ----------
    client, study, base : str
        For the title slide (``base``: respondents and weighting in words).
    summary : dict
        ``{"Where we stand": text, "What matters": ..., "How": ..., "When": ...}``
        (:func:`cxlab.narrative.executive_points`, plain text).
    sections : tuple of StorySection
    methods : tuple of str
        One line per method statement.
    left_out : tuple of (title, reason)
        Sections the survey or the parameters do not support.
    numbers : dict
        Key figures the headlines quote, rounded as shown.
    min_base : int
    """

    client: str
    study: str
    base: str
    summary: dict
    sections: tuple[StorySection, ...]
    methods: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    numbers: dict = field(default_factory=dict)
    min_base: int = 30

    def to_dict(self) -> dict:
        """JSON-friendly form (what ``storyline.json`` holds)."""
        out = asdict(self)
        out["summary"] = [[q, text] for q, text in self.summary.items()]  # keeps the order
        out["left_out"] = [list(x) for x in self.left_out]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Storyline:
        """Read back :meth:`to_dict` (e.g. a run folder's ``storyline.json``)."""
        sections = tuple(
            StorySection(**{**s, "figures": tuple(s["figures"]), "tables": tuple(s["tables"])})
            for s in data["sections"]
        )
        return cls(
            client=data["client"],
            study=data["study"],
            base=data["base"],
            summary={str(q): str(text) for q, text in _pairs(data["summary"])},
            sections=sections,
            methods=tuple(data["methods"]),
            left_out=tuple(tuple(x) for x in data["left_out"]),
            numbers=dict(data.get("numbers", {})),
            min_base=int(data.get("min_base", 30)),
        )


def _pairs(value) -> list:
    return list(value.items()) if isinstance(value, dict) else [tuple(x) for x in value]


def plain(markdown: str) -> str:
    """Markdown of a finding as plain text (no ``**``, ``*``, backticks or list dashes).

    Parameters
    ----------
    markdown : str
        The finding's Markdown.

    Examples
    --------
    >>> plain("Net advocacy is **+14.9** (*95%*).")
    'Net advocacy is +14.9 (95%).'
    """
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", str(markdown))
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = text.replace("`", "")
    text = re.sub(r"^\s*-\s+", "", text, flags=re.M)
    return re.sub(r"[ \t]+", " ", text).strip()


def _ok(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _signed(x: float, digits: int = 1) -> str:
    return f"{x:+.{digits}f}"


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def build(results, params, *, filter_text: str | None = None) -> Storyline:
    """The storyline of one report from its results.

    Parameters
    ----------
    results : cxlab.analysis.ReportResults
        What :func:`cxlab.analysis.analyse` returned.
    params : cxlab.params.ReportParams
        The validated parameters (client, ``min_base``, industry, currency...).
    filter_text : str, optional
        The segment filter in words (``Inputs.filter_text``).

    Returns
    -------
    Storyline

    Examples
    --------
    >>> story = build(R, P, filter_text=inputs.filter_text)  # doctest: +SKIP
    >>> story.sections[0].headline                           # doctest: +SKIP
    '631 respondents rated 3,326 interactions across 7 events'
    """
    r, p = results, params
    survey, plan = r.survey, r.plan
    numbers: dict[str, Any] = {}
    sections: list[StorySection] = []
    min_base = int(p.min_base)

    def add(key: str, headline: str, note: str, text: str) -> None:
        figures, tables = SECTION_OUTPUTS.get(key, ((), ()))
        sections.append(
            StorySection(
                key, _TITLES.get(key, key), _capital(headline), note, plain(text), figures, tables
            )
        )

    # ------------------------------------------------------------------ sample
    n_resp, n_events = int(survey.n_respondents), len(survey.events)
    numbers["n_respondents"] = n_resp
    if n_events:
        n_ratings = len(survey.event_table())
        numbers.update(n_events=n_events, n_ratings=n_ratings)
        head = f"{n_resp:,} respondents rated {n_ratings:,} interactions across {n_events} events"
    else:
        head = f"{n_resp:,} respondents answered a respondent-level survey"
    weighting = r.weighting.summary() if r.weighting is not None else None
    if weighting is not None:
        stat = dict(zip(weighting["statistic"], weighting["value"], strict=True))
        weights = (
            f"raked to population margins (design effect {float(stat['design_effect']):.2f}, "
            f"effective base {float(stat['n_effective']):,.0f})"
        )
    else:
        weights = plan.weights or "design weights"
    base_words = f"{_count(n_resp, 'respondent')}; {weights}"
    text = narrative.sample_finding(
        n_resp,
        n_events,
        len(survey.event_table()) if n_events else 0,
        quality=survey.quality,
        weighting=weighting,
        filter_text=filter_text,
        weights_text=plan.weights,
        respondent_id=plan.respondent_id,
    )
    add("sample", head, f"Base: {base_words}.", text)

    pri = r.priorities
    if pri is not None:
        assessed = pri.loc[pri["action"].notna()]
        n_sup = int(pri["suppressed"].astype(bool).sum()) if "suppressed" in pri else 0
        bases = pd.to_numeric(pri["n"], errors="coerce").dropna()
        event_note = (
            f"Base per event: {int(bases.min()):,} to {int(bases.max()):,} respondents"
            if len(bases)
            else "Base per event: none"
        )
        event_note += f"; events rated by fewer than {min_base} are suppressed" + (
            f" ({_count(n_sup, 'event')} here)." if n_sup else " (none here)."
        )
    # ------------------------------------------------------------------ event map
    if r.included("event_map") and pri is not None:
        actions = assessed["action"].astype(str)
        broken = int(actions.isin(["basics", "fix"]).sum())
        numbers.update(events_assessed=len(assessed), events_broken=broken)
        if assessed.empty:
            head = "Too few respondents to place any event on the Customer Event Map"
        elif broken:
            head = (
                f"{broken} of {len(assessed)} events break a brand promise or a baseline "
                "expectation"
            )
        else:
            head = f"None of the {len(assessed)} events breaks a promise or a baseline expectation"
        add("event_map", head, event_note, narrative.eventmap_finding(pri))

    # ------------------------------------------------------------------ investment
    if r.included("investment") and r.by_event is not None:
        table = r.by_event.dropna(subset=["investment", "ratio"]).sort_values("investment")
        crossover = r.investment.crossover.estimate if r.investment.crossover else None
        if len(table):
            ratio = round(float(table["ratio"].iloc[-1]), 2)
            numbers["emotive_tactile_ratio"] = ratio
            head = (
                f"Where personal investment is highest, emotive treatment weighs {ratio:.2f} "
                "times tactile performance"
            )
            n_low = int(pd.to_numeric(table["n"], errors="coerce").min())
            note = (
                f"Base per event: at least {n_low:,} ratings; weighted least squares, "
                "95% intervals clustered by respondent."
            )
        else:
            head = "Too few respondents to compare emotive and tactile weights"
            note = f"No event has {min_base} or more ratings."
        add("investment", head, note, narrative.investment_finding(r.by_event, crossover))

    # ------------------------------------------------------------------ moments
    if r.included("moments") and pri is not None:
        mot = int(pri["moment_of_truth"].astype(bool).sum())
        change = int((assessed["action"].astype(str) != "maintain").sum())
        numbers.update(moments_of_truth=mot, events_to_change=change)
        numbers.setdefault("events_assessed", len(assessed))
        if assessed.empty:
            head = "Too few respondents to set a course of action for any event"
        else:
            head = (
                f"{_count(mot, 'moment')} of truth; {change} of {len(assessed)} events need "
                "a change of course"
            )
        text = narrative.actions_finding(pri)
        if assessed["action"].notna().any():
            from cxlab.priorities import moments_of_truth

            text = moments_of_truth(pri, r.rules) + "\n\n" + text
        add("moments", head, event_note, text)

    # ------------------------------------------------------------------ advocacy
    if r.included("advocacy") and r.net is not None:
        row = r.net.iloc[0]
        agitators = r.included("agitators")
        low = "antagonists and agitators" if agitators else "antagonists"
        if bool(row.get("suppressed", False)) or not _ok(row["value"]):
            head = "Too few respondents to assess net advocacy"
            note = f"Base below the minimum of {min_base} respondents: suppressed."
        else:
            net = round(float(row["value"]), 1)
            adv = round(float(row["pct_advocate"]))
            ant = round(float(row["pct_antagonist"]))
            numbers.update(pct_advocate=adv, pct_antagonist=ant)
            head = f"Net advocacy is {_signed(net)}: {adv}% advocates against {ant}% {low}"
            note = (
                f"Base: {int(row['n']):,} respondents who rated the likelihood to recommend "
                f"(effective base {float(row['n_effective']):,.0f}); "
                f"95% interval {_signed(row['ci_low'])} to {_signed(row['ci_high'])}. "
                f"Cut points: {plan.cuts.rule}."
            )
        text = narrative.advocacy_finding(r.net, cuts=plan.cuts.rule, agitators=agitators)
        if r.economics is not None:
            text += " " + _economics_text(r.economics)
        add("advocacy", head, note, text)

    # ------------------------------------------------------------------ key drivers
    if r.included("key_drivers") and r.key_drivers is not None and len(r.key_drivers):
        kd = r.key_drivers.dropna(subset=["share"])
        outcome = str(plan.key_driver_outcome).replace("_", " ")
        if len(kd):
            top = kd.iloc[0]
            share = round(100 * float(top["share"]))
            numbers["top_driver_share_pct"] = share
            name = str(top.get("label", top.get("driver")))
            head = f"{name} drives {outcome} most: {share}% of the explained variance"
        else:
            head = f"Too few respondents to estimate what drives {outcome}"
        n = r.key_drivers.attrs.get("n")
        note = (
            f"Base: {int(n):,} respondents who answered every item." if _ok(n) else "Base: n/a."
        ) + f" {plan.key_driver_rule}."
        add(
            "key_drivers",
            head,
            note,
            narrative.key_drivers_finding(
                r.key_drivers, plan.key_driver_outcome, plan.key_driver_rule
            ),
        )

    # ------------------------------------------------------------------ satisfaction index
    sat = getattr(r, "satisfaction", None)
    if r.included("satisfaction_index") and sat is not None:
        model = survey.codebook.satisfaction_model
        target, labels = model["target"], dict(model.get("labels") or {})
        index = sat.index().set_index("construct")
        value_now = round(float(index.loc[target, "index"]), 1)
        numbers["satisfaction_index"] = value_now
        ipma = sat.ipma(target)
        label = labels.get(target, str(target).replace("_", " "))
        head = f"{label} index: {value_now:.1f} of 100"
        if len(ipma):
            first = ipma.iloc[0]
            driver = labels.get(first["construct"], str(first["construct"]).replace("_", " "))
            head += f"; {driver} moves it most ({float(first['importance']):.2f} points per point)"
        how = ["weighted"] if sat.weighted else []
        how += ["bootstrap intervals"] if sat.draws else []
        note = f"Base: {int(sat.n):,} respondents; partial least squares path model" + (
            f" ({', '.join(how)})." if how else "."
        )
        add(
            "satisfaction_index",
            head,
            note,
            narrative.satisfaction_index_finding(sat, target, labels),
        )

    # ------------------------------------------------------------------ segments
    if r.included("segments") and r.segments_table is not None:
        net_measure = plan.segment_measure == "net advocacy"
        measure = "net advocacy" if net_measure else f"mean {plan.key_driver_outcome}"
        table = r.segments_table
        table = table if "variable" in table.columns else table.reset_index()
        shown = table.loc[~table["suppressed"].astype(bool)].dropna(subset=["value"])
        n_sup = int(table["suppressed"].astype(bool).sum())
        head = f"No segment group reaches the minimum base of {min_base}"
        if len(shown):
            spread = shown.groupby("variable")["value"].agg(lambda v: v.max() - v.min())
            var = spread.idxmax()
            part = shown.loc[shown["variable"] == var]
            hi, lo = part.loc[part["value"].idxmax()], part.loc[part["value"].idxmin()]
            digits = 1 if net_measure else 2
            hv, lv = round(float(hi["value"]), digits), round(float(lo["value"]), digits)
            numbers.update(segment_high=hv, segment_low=lv)

            def fmt(x: float) -> str:
                return _signed(x, digits) if net_measure else f"{x:.{digits}f}"

            label = str(var).replace("_", " ")
            head = (
                f"By {label}, {measure} runs from {fmt(lv)} ({lo['segment']}) to "
                f"{fmt(hv)} ({hi['segment']})"
            )
            if len(part) == 1:
                head = f"By {label}, only {hi['segment']} reaches the minimum base"
        note = f"Groups of fewer than {min_base} respondents are suppressed" + (
            f" ({_count(n_sup, 'group')} here)." if n_sup else " (none here)."
        )
        text = "\n\n".join(
            narrative.segments_finding(t, c, measure) for c, t in (r.segments or {}).items()
        )
        add("segments", head, note, text)

    # ------------------------------------------------------------------ comments
    verbatims = getattr(r, "verbatims", None)
    if r.included("comments") and verbatims is not None:
        top = verbatims.table.iloc[0]
        n_topical, share = int(verbatims.table["n"].sum()), round(100 * float(top["share"]))
        numbers.update(n_comments_with_topic=n_topical, top_topic_share_pct=share)
        head = f"{share}% of {n_topical:,} topic-modelled comments are about {top['label']}"
        n_people = int(verbatims.comments["respondent_id"].nunique())
        note = (
            f"Base: {len(verbatims.comments):,} comments from {n_people:,} respondents, "
            "redacted as they are read; event cells of fewer than "
            f"{min_base} respondents are suppressed and never quoted."
        )
        add("comments", head, note, verbatims.describe())

    # ------------------------------------------------------------------ value case
    value = r.value
    if r.included("value_case") and value is not None:
        col = "npv" if value.cost_based else "benefit"
        valued = value.table.dropna(subset=[col, "action"])
        per = None if value.assumptions.get("customers_given") else "per 1,000 customers"
        if len(valued):
            top = valued.iloc[0]
            amount = round(float(top[col]))
            numbers["top_value"] = amount
            money = f"{p.currency} {amount:,}" if p.currency else f"{amount:,} currency units"
            what = "NPV" if value.cost_based else "benefit before costs"
            head = f"Highest return: {top['action']} “{top['name']}” ({what} {money})"
        else:
            head = "Too few respondents to value any event"
        a = value.assumptions
        note = (
            (
                f"Customer base {a['customers']:,.0f}"
                if a.get("customers_given")
                else "Per 1,000 customers"
            )
            + f"; horizon {a['horizon_years']} years, discount rate {a['discount_rate']:.0%} "
            "a year; "
            + ("improvement costs given." if value.cost_based else "no improvement costs given.")
        )
        text = narrative.value_finding(
            value.table, currency=p.currency, cost_based=value.cost_based, customers=per
        )
        add("value_case", head, note, text)

    # ------------------------------------------------------------------ roadmap
    roadmap = getattr(r, "roadmap", None)
    if r.included("roadmap") and roadmap is not None:
        plan_npv = round(float(roadmap.npv))
        numbers.update(roadmap_npv=plan_npv, roadmap_initiatives=len(roadmap.table))
        phases = roadmap.assumptions.get("phases")
        cur = p.currency or "currency units"
        if roadmap.table.empty:
            head = "No initiative pays back within the plan: choosing none is best"
        else:
            head = (
                f"Funding {_count(len(roadmap.table), 'initiative')} over {phases} phases "
                f"returns a net present value of {plan_npv:,} {cur}"
            )
        basis = value.assumptions if value is not None else {}
        note = (
            (
                f"Customer base {basis['customers']:,.0f}"
                if basis.get("customers_given")
                else "Per 1,000 customers"
            )
            + ", events valued by the value case; the exact optimum of an integer programme "
            "over start phases; "
            f"discount rate {float(roadmap.assumptions.get('discount_rate', 0)):.0%} a year; "
            f"stability over {len(roadmap.boot)} bootstrap draws of the value case."
        )
        add("roadmap", head, note, roadmap.describe())

    # ------------------------------------------------------------------ CFE
    if r.included("cfe") and r.cfe is not None:
        o = r.cfe.overall.iloc[0]
        if _ok(o["current"]) and _ok(o["target"]):
            cur, tgt = round(float(o["current"]), 1), round(float(o["target"]), 1)
            numbers.update(cfe_current=cur, cfe_target=tgt)
            head = f"CFE maturity stands at {cur:.1f} against a target of {tgt:.1f}"
        else:
            head = "Too few executives to report CFE maturity"
        note = (
            f"Base: {r.cfe.population}; figures from fewer than {r.cfe.min_base} executives "
            "are suppressed."
        )
        add("cfe", head, note, r.cfe.verdict)

    # ------------------------------------------------------------------ summary etc.
    points = narrative.executive_points(
        r.net,
        pri,
        r.by_event,
        None if value is None else value.table,
        key_drivers=r.key_drivers,
        outcome=plan.key_driver_outcome,
        currency=p.currency,
        cost_based=True if value is None else value.cost_based,
    )
    summary = {narrative.EXECUTIVE_QUESTIONS[k]: _capital(plain(v)) for k, v in points.items()}
    methods = _methods(r, p)
    left_out = tuple(
        (str(t.section), str(t.reason))
        for t in r.coverage.itertuples()
        if not bool(t.included) and t.reason
    )
    study = "Customer experience research" + (f": {p.industry}" if p.industry else "")
    if filter_text:
        study += f" ({filter_text})"
    return Storyline(
        client=p.client,
        study=study,
        base=f"Base: {base_words}",
        summary=summary,
        sections=tuple(sections),
        methods=methods,
        left_out=left_out,
        numbers=numbers,
        min_base=min_base,
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _economics_text(table: pd.DataFrame) -> str:
    spend = table.loc[(table["measure"] == "spend") & (table["advocacy_group"] == "advocate")]
    if len(spend) and _ok(spend["ratio_to_neutral"].iloc[0]):
        return (
            f"Advocates spend {float(spend['ratio_to_neutral'].iloc[0]):.2f} times as much as "
            "neutrals."
        )
    return ""


def _methods(r, p) -> tuple[str, ...]:
    plan = r.plan
    lines = [
        f"Weighting: {plan.weights}.",
        f"Sample design: {plan.design} (followed by the standard errors of net advocacy, "
        "advocacy shares and segment comparisons; its strata and clusters also by the "
        "investment model's).",
        f"Respondents identified by {plan.respondent_id}.",
    ]
    lines.append(
        f"Minimum base: figures resting on fewer than {p.min_base} respondents are suppressed "
        "(the base is shown, every estimate left blank)."
    )
    lines.append("Intervals are 95% intervals (Taylor linearisation or bootstrap resamples).")
    if r.included("advocacy"):
        lines.append(f"Advocacy cut points: {plan.cuts.rule}.")
    if r.included("investment"):
        lines.append(
            "Driver model: event satisfaction on tactile and emotive performance and their "
            "interactions with personal investment (weighted least squares, clustered by "
            "respondent)."
        )
    if r.included("moments"):
        comps = ", ".join(str(c).replace("_", " ") for c in plan.importance_components)
        lines.append(
            f"Course of action per event from brand and baseline gaps; importance from {comps}."
        )
    if r.included("key_drivers"):
        lines.append(f"Key drivers: {plan.key_driver_rule} ({plan.key_driver_method}).")
    if r.included("satisfaction_index"):
        lines.append(
            "Satisfaction index: partial least squares path model of the codebook's "
            "constructs; indices are weighted means of the construct scores on 0-100."
        )
    if r.included("value_case") and r.value is not None:
        lines.append(
            "Value case: advocacy change per event valued with the survey's spend, service "
            "cost and tenure per advocacy group, discounted over the horizon."
        )
    if r.included("roadmap"):
        lines.append(
            "Roadmap: start phases of the initiatives chosen by an exact integer programme "
            "(net present value of the enabled events' value within budget and capacity), "
            "re-solved over the value case's bootstrap draws for its stability."
        )
    return tuple(lines)
