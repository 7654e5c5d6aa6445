"""The client report's analysis: which sections a survey supports, then every result.

The report notebook only shows and records; this module decides and computes.

* :func:`plan_sections` works out, from the :class:`~cxlab.Survey` and the validated
  report parameters and *before any analysis*, which sections of the report the survey
  supports. Every section is in the :class:`SectionPlan` with ``included`` and, when
  left out, the reason in plain words ("no personal-investment item, so emotive vs
  tactile weights by investment are not estimated").
* :func:`analyse` runs the plan and returns a frozen :class:`ReportResults` holding
  the plan and every table and result the report shows. A section that cannot be
  computed for lack of data (a :class:`~cxlab.errors.ModelError` or
  :class:`~cxlab.errors.DataError`, e.g. bases under the minimum) is recorded as
  skipped with the reason instead of stopping the run; any other exception is a bug
  and propagates.

Rules the plan applies (each is stated in the report):

* **Events**: ``len(survey.events) == 0`` means a respondent-level survey; the event
  sections (Customer Event Map, expectations, investment, moments of truth, event
  drivers of advocacy, value case) are left out.
* **Weighting**: raking only with ``weighting_targets``; otherwise the codebook's
  design weights (when it names a weight column) or none.
* **Advocacy**: needs a ``recommend`` item; cut points from
  :func:`cxlab.segments.advocacy_cuts` (the item's scale or the codebook). Agitators
  only with ``complained`` / ``warned_others`` (:func:`cxlab.segments.agitator_flags`).
* **Economics of advocacy**: whichever of ``spend, tenure, referrals, service_cost``
  exist.
* **Key drivers** (respondent level, Shapley or Johnson via :mod:`cxlab.importance`):
  outcome = the codebook's ``drivers.outcome``, else a respondent item named
  ``satisfaction``, else ``recommend``; drivers = ``drivers.items``, else every other
  respondent-level rating item (``recommend`` and ``retention_intent`` are outcomes,
  not drivers). At least two drivers are needed.
* **Reliability**: the tactile and emotive composites of the events (at least two
  items each), and respondent-level scales: the codebook's ``item_groups``, else (a
  survey without events) the key-driver items as one scale.
* **Satisfaction index**: only when the codebook declares a ``satisfaction_model``
  (constructs, items, paths, target): a weighted PLS path model
  (:func:`cxlab.pls.fit`, with the report's weights; a raked report re-rakes every
  bootstrap resample), the 0-100 index of each construct and the
  importance-performance map of the target.
* **Segments**: the codebook's ``segments``, else its categorical demographics (and
  ``age_band``); net advocacy by segment, or the mean of the key-driver outcome when
  there is no recommend item.
* **Comments**: only when the codebook declares comment items and the survey has
  comments; topics, sentiment, topic shares by event and advocates vs antagonists
  (:func:`cxlab.verbatims.analyse_comments`); quotes only from cells at ``min_base``.
* **Value case**: events with a course of action, advocacy and ``spend, service_cost,
  tenure``; cost-based (NPV, ROI) only with ``improvement_costs``, otherwise the
  benefit alone (see :mod:`cxlab.valuecase`).
* **Roadmap**: only with ``initiatives`` and a value case; the value case must be for
  the client's customer base (``customer_base``), since initiative costs are the
  client's totals (see :mod:`cxlab.roadmap`).
* **CFE**: only with ``executive_data``.

Examples
--------
>>> import dataclasses
>>> from types import SimpleNamespace
>>> from cxlab.synth import make_study
>>> survey, _ = make_study("banking", n_respondents=200, seed=0)
>>> params = SimpleNamespace(min_base=30, weighting_targets=None, improvement_costs=None,
...                          executive_data=None, customer_base=None, currency=None)
>>> inputs = SimpleNamespace(survey=survey, margins=None, costs=None, executive=None)
>>> plan = plan_sections(inputs, params)
>>> plan.included("event_map"), plan.included("weighting")
(True, False)
>>> plan["weighting"].reason
'no weighting targets given (weighting_targets), so results are unweighted'
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from cxlab._checks import describe_design
from cxlab._style import OKABE_ITO, new_ax
from cxlab.display import Card
from cxlab.errors import DataError, ModelError
from cxlab.segments import AdvocacyCuts, advocacy_cuts, agitator_flags

__all__ = [
    "SECTIONS",
    "ECONOMICS_MEASURES",
    "ReportResults",
    "Section",
    "SectionPlan",
    "analyse",
    "plot_key_drivers",
    "plan_sections",
    "top_event",
]

#: Every section of the client report, in report order, with its title.
SECTIONS: dict[str, str] = {
    "sample": "Sample and data quality",
    "weighting": "Weighting to population margins",
    "event_map": "Customer Event Map and lenses",
    "expectations": "Expectations (brand and baseline)",
    "investment": "Emotive vs tactile performance by personal investment",
    "moments": "Moments of truth and the action per event",
    "advocacy": "Advocates and antagonists (net advocacy)",
    "agitators": "Agitators",
    "advocacy_drivers": "Events that drive advocacy",
    "economics": "Economics of advocacy",
    "key_drivers": "Key drivers",
    "satisfaction_index": "Satisfaction index (PLS path model)",
    "segments": "Segment comparisons",
    "comments": "Voice of the customer (comments)",
    "value_case": "Value case",
    "roadmap": "Roadmap",
    "cfe": "Customer focused enterprise (CFE) assessment",
    "reliability": "Reliability and factor structure",
    "methods": "Methods appendix",
}

#: Respondent-level measures of the economics of advocacy (whichever exist are used).
ECONOMICS_MEASURES = ("spend", "tenure", "referrals", "service_cost")
_VALUE_CASE_COLUMNS = ("spend", "service_cost", "tenure")
_OUTCOME_ITEMS = ("recommend", "retention_intent")  # outcomes, never default drivers
_BOOT_MAX_DRIVERS = 10  # bootstrap intervals for key drivers up to this many drivers


# ------------------------------------------------------------------------ plan
@dataclass(frozen=True)
class Section:
    """One section of the report: whether it is included, and why (not).

    ``reason`` says why a left-out section is left out; ``basis`` what an included
    one rests on (both plain words, quoted by the report).
    """

    key: str
    title: str
    included: bool
    reason: str = ""
    basis: str = ""


@dataclass(frozen=True, repr=False)
class SectionPlan(Card):
    """Which sections the survey supports, and the choices the analysis will make.

    Attributes
    ----------
    sections : tuple of Section
        In report order (:data:`SECTIONS`).
    respondent_id : str
        Where respondent ids come from ("column resp_id" or "row number").
    weights : str
        How results are weighted, in words.
    design : str
        The sample design the standard errors assume, in words (from the codebook's
        ``strata``, ``cluster``, ``fpc``; docs/survey-design.md).
    cuts : AdvocacyCuts or None
        The advocate / antagonist cut points (None without a recommend item).
    key_driver_outcome, key_driver_items, key_driver_rule, key_driver_method
        The respondent-level key-driver analysis: outcome, drivers, the rule that
        chose them (words) and ``"shapley"`` or ``"johnson"``.
    scales : dict
        Respondent-level multi-item scales for reliability ``{name: items}``.
    scales_rule : str
    segment_vars : tuple of str
    segment_rule : str
    segment_measure : str or None
        ``"net advocacy"``, ``"mean"`` (of the key-driver outcome) or None.
    importance_components : tuple of str
        Components of the event importance index that the survey has.
    economics_measures : tuple of str
    """

    sections: tuple[Section, ...]
    respondent_id: str = ""
    weights: str = ""
    design: str = "simple random sample with weights"
    cuts: AdvocacyCuts | None = None
    key_driver_outcome: str | None = None
    key_driver_items: tuple[str, ...] = ()
    key_driver_rule: str = ""
    key_driver_method: str = "shapley"
    scales: dict = field(default_factory=dict)
    scales_rule: str = ""
    segment_vars: tuple[str, ...] = ()
    segment_rule: str = ""
    segment_measure: str | None = None
    importance_components: tuple[str, ...] = ()
    economics_measures: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def included(self, key: str) -> bool:
        """True when section ``key`` is in the report.

        Parameters
        ----------
        key : str
            A section key (``SECTIONS``).
        """
        return self[key].included

    @property
    def table(self) -> pd.DataFrame:
        """``section, title, included, reason, basis``, one row per section."""
        return pd.DataFrame(
            [(s.key, s.title, s.included, s.reason, s.basis) for s in self.sections],
            columns=["section", "title", "included", "reason", "basis"],
        )

    def summary(self) -> pd.DataFrame:
        """The plan as a table (same as :attr:`table`)."""
        return self.table

    def skip(self, key: str, reason: str) -> SectionPlan:
        """A copy with section ``key`` left out for ``reason``.

        Parameters
        ----------
        key : str
            A section key (``SECTIONS``).
        reason : str
            Why the section is left out.
        """
        sections = tuple(
            replace(s, included=False, reason=reason, basis="") if s.key == key else s
            for s in self.sections
        )
        return replace(self, sections=sections)


def _section(key: str, included: bool, reason: str = "", basis: str = "") -> Section:
    return Section(key, SECTIONS[key], bool(included), "" if included else reason, basis)


def _has(frame: pd.DataFrame, column: str) -> bool:
    return column in frame.columns and bool(frame[column].notna().any())


def _words(names, conj: str = "and") -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conj} " + names[-1]


def _respondent_id_source(survey) -> str:
    src = survey.source.get("respondent_id") if isinstance(survey.source, Mapping) else None
    if src:
        return str(src)
    rid = getattr(survey.codebook, "respondent_id", None)
    return f"column {rid}" if rid else "row number"


def _rating_items(survey) -> list[str]:
    items = getattr(survey.codebook, "respondent_items", {}) or {}
    resp = survey.respondents
    return [
        name
        for name, item in items.items()
        if getattr(item, "type", None) == "rating" and _has(resp, name)
    ]


def _key_driver_choice(survey) -> tuple[str | None, list[str], str]:
    """Outcome, drivers and the rule used (in words)."""
    cb = survey.codebook
    resp = survey.respondents
    spec = getattr(cb, "drivers", None) or {}
    ratings = _rating_items(survey)
    if spec.get("outcome"):
        outcome = str(spec["outcome"])
        how = f"outcome {outcome} (the codebook's drivers.outcome)"
    elif _has(resp, "satisfaction"):
        outcome, how = "satisfaction", "outcome satisfaction (the respondent item of that name)"
    elif _has(resp, "recommend"):
        outcome = "recommend"
        how = "outcome recommend (no drivers.outcome in the codebook, no satisfaction item)"
    else:
        return None, [], "no outcome: no drivers.outcome, satisfaction or recommend item"
    if not _has(resp, outcome):
        return None, [], f"the outcome {outcome} named by the codebook has no answers"
    if spec.get("items"):
        items = [str(i) for i in spec["items"] if str(i) != outcome]
        missing = [i for i in items if not _has(resp, i)]
        items = [i for i in items if i not in missing]
        how += "; drivers from the codebook's drivers.items"
        if missing:
            how += f" ({_words(missing)} without answers, left out)"
    else:
        items = [i for i in ratings if i != outcome and i not in _OUTCOME_ITEMS]
        how += "; drivers: every other respondent-level rating item"
    return outcome, items, how


def _scales(survey, has_events: bool, driver_items: list[str]) -> tuple[dict, str]:
    groups = getattr(survey.codebook, "item_groups", None) or {}
    resp = survey.respondents
    if groups:
        out = {str(g): tuple(i for i in items if _has(resp, i)) for g, items in groups.items()}
        out = {g: items for g, items in out.items() if len(items) >= 2}
        return out, "the codebook's item_groups"
    if not has_events and len(driver_items) >= 2:
        return {"driver items": tuple(driver_items)}, (
            "the key-driver items as one scale (the codebook gives no item_groups)"
        )
    return {}, ""


def _segment_choice(survey) -> tuple[list[str], str]:
    resp = survey.respondents
    cb = survey.codebook
    segs = [s for s in (getattr(cb, "segments", {}) or {}) if _has(resp, s)]
    if segs:
        return segs, "the codebook's segment variables"
    demo = []
    for name, item in (getattr(cb, "demographics", {}) or {}).items():
        if not _has(resp, name):
            continue
        col = resp[name]
        numeric = pd.api.types.is_numeric_dtype(col) and not isinstance(
            col.dtype, pd.CategoricalDtype
        )
        if getattr(item, "type", None) == "category" or not numeric:
            demo.append(name)
        elif name == "age" and _has(resp, "age_band"):
            demo.append("age_band")
    return demo, "the codebook's demographics (it lists no segment variables)"


def plan_sections(inputs, params) -> SectionPlan:
    """Which sections of the report the survey and parameters support (no analysis).

    Parameters
    ----------
    inputs : cxlab.report.Inputs
        ``survey``, ``margins``, ``costs``, ``executive`` (as loaded by
        :func:`cxlab.report.load_inputs`).
    params : cxlab.params.ReportParams
        The validated parameters (``min_base``, ``weighting_targets``,
        ``improvement_costs``, ``executive_data``, ``customer_base``, ``currency``).

    Returns
    -------
    SectionPlan

    Raises
    ------
    ParameterError
        Codebook advocacy cut points outside the recommend item's scale.

    Examples
    --------
    See the module docstring.
    """
    survey = inputs.survey
    resp = survey.respondents
    cb = survey.codebook
    et = survey.event_table()
    has_events = len(survey.events) > 0 and len(et) > 0
    sections: dict[str, Section] = {}

    rid = _respondent_id_source(survey)
    design_text = describe_design(
        *(getattr(cb, k, None) for k in ("strata", "cluster", "fpc")),
        calibrated=bool(inputs.margins),
        weighted=bool(getattr(cb, "weight", None) or inputs.margins),
    )
    sections["sample"] = _section(
        "sample",
        True,
        basis=f"{survey.n_respondents:,} respondents; ids from {rid}; sample design: {design_text}",
    )

    design = getattr(cb, "weight", None)
    if inputs.margins:
        weights = "raked to the population margins of the weighting targets"
        if design:
            weights += f", starting from the design weights in column {design}"
        sections["weighting"] = _section("weighting", True, basis=weights)
    else:
        if design:
            weights = f"design weights of column {design}, not raked"
            why = (
                "no weighting targets given (weighting_targets), so results use the design "
                f"weights of column {design} as given"
            )
        else:
            weights = "unweighted"
            why = "no weighting targets given (weighting_targets), so results are unweighted"
        sections["weighting"] = _section("weighting", False, why)

    # ---- events
    no_events = "the survey has no customer events (its codebook lists none)"
    cols = set(et.columns) if has_events else set()

    def rated(c: str) -> bool:
        return has_events and _has(et, c)

    has_sat = rated("satisfaction")
    has_perf = rated("tactile") and rated("emotive")
    has_expect = rated("brand_expectation") and rated("baseline_expectation")
    if not has_events:
        sections["expectations"] = _section(
            "expectations", False, no_events + ", so no expectations are compared"
        )
    elif not has_expect:
        missing = [c for c in ("brand_expectation", "baseline_expectation") if not rated(c)]
        sections["expectations"] = _section(
            "expectations",
            False,
            f"no {_words(missing, 'or')} item, so performance is not compared with expectations",
        )
    else:
        sections["expectations"] = _section(
            "expectations", True, basis="brand and baseline expectation per event"
        )

    components = tuple(
        c for c in ("significance", "personal_investment") if c in cols and rated(c)
    ) + (("advocacy_impact",) if _has(resp, "recommend") and has_events else ())
    if not has_events:
        moments = _section("moments", False, no_events + ", so there are no moments of truth")
    elif not (has_sat and has_perf):
        moments = _section(
            "moments",
            False,
            "events lack satisfaction or tactile and emotive ratings, so no course of "
            "action is set",
        )
    elif not has_expect:
        moments = _section(
            "moments",
            False,
            "no brand and baseline expectation items, so no course of action is set per event",
        )
    elif not components:
        moments = _section(
            "moments",
            False,
            "no significance, personal-investment or recommend item, so events cannot be "
            "ranked by importance",
        )
    else:
        moments = _section(
            "moments",
            True,
            basis="importance from " + _words(c.replace("_", " ") for c in components),
        )
    sections["event_map"] = (
        _section("event_map", True, basis=f"{len(survey.events)} events")
        if moments.included
        else _section(
            "event_map",
            False,
            no_events + ", so there is no Customer Event Map or lens view"
            if not has_events
            else "no course of action per event (see moments of truth), so the map is not drawn",
        )
    )
    if not has_events:
        sections["investment"] = _section(
            "investment",
            False,
            no_events + ", so emotive vs tactile weights by personal investment are not estimated",
        )
    elif not rated("personal_investment"):
        sections["investment"] = _section(
            "investment",
            False,
            "no personal-investment item, so emotive vs tactile weights by investment are "
            "not estimated",
        )
    elif not (has_sat and has_perf):
        sections["investment"] = _section(
            "investment",
            False,
            "events lack satisfaction or tactile and emotive ratings, so their weights "
            "are not estimated",
        )
    else:
        sections["investment"] = _section(
            "investment", True, basis="satisfaction on tactile and emotive x investment"
        )
    sections["moments"] = moments

    # ---- advocacy
    cuts = None
    if _has(resp, "recommend"):
        item = (getattr(cb, "respondent_items", {}) or {}).get("recommend")
        cuts = advocacy_cuts(item)
        sections["advocacy"] = _section("advocacy", True, basis=cuts.rule)
    else:
        sections["advocacy"] = _section(
            "advocacy",
            False,
            "no likelihood-to-recommend item (recommend), so advocates, antagonists and "
            "net advocacy are not measured",
        )
    if not sections["advocacy"].included:
        sections["agitators"] = _section(
            "agitators", False, "no recommend item, so there are no antagonists to flag"
        )
    elif agitator_flags(resp) is None:
        sections["agitators"] = _section(
            "agitators",
            False,
            "no complaint or warned-others item (complained, warned_others), so agitators "
            "are not told apart from antagonists",
        )
    else:
        sections["agitators"] = _section(
            "agitators", True, basis="antagonists who complained or warned others"
        )
    if not sections["advocacy"].included:
        sections["advocacy_drivers"] = _section(
            "advocacy_drivers", False, "no recommend item, so no driver of advocacy is modelled"
        )
    elif not (has_events and has_sat):
        sections["advocacy_drivers"] = _section(
            "advocacy_drivers",
            False,
            no_events + ", so no event's effect on advocacy is modelled"
            if not has_events
            else "events have no satisfaction item, so their effect on advocacy is not modelled",
        )
    else:
        sections["advocacy_drivers"] = _section(
            "advocacy_drivers", True, basis="ordinal logit on event satisfaction"
        )
    measures = tuple(m for m in ECONOMICS_MEASURES if _has(resp, m))
    if not sections["advocacy"].included:
        sections["economics"] = _section(
            "economics", False, "no recommend item, so there are no advocacy groups to value"
        )
    elif not measures:
        sections["economics"] = _section(
            "economics",
            False,
            "no spend, tenure, referrals or service-cost item, so what each advocacy group "
            "is worth is not estimated",
        )
    else:
        sections["economics"] = _section(
            "economics", True, basis="by advocacy group: " + _words(measures)
        )

    # ---- key drivers
    outcome, items, rule = _key_driver_choice(survey)
    from cxlab.importance import MAX_EXACT

    method = "shapley" if len(items) <= MAX_EXACT else "johnson"
    if outcome is None:
        sections["key_drivers"] = _section(
            "key_drivers", False, rule + ", so no key-driver analysis"
        )
    elif len(items) < 2:
        sections["key_drivers"] = _section(
            "key_drivers",
            False,
            f"fewer than two respondent-level rating items besides the outcome ({outcome}), "
            "so there is no respondent-level key-driver analysis",
        )
    else:
        sections["key_drivers"] = _section(
            "key_drivers",
            True,
            basis=f"{rule}; {len(items)} drivers, "
            + ("exact Shapley (LMG) importance" if method == "shapley" else "Johnson's weights"),
        )

    # ---- satisfaction index (PLS path model)
    model = getattr(cb, "satisfaction_model", None) or {}
    if not model:
        sections["satisfaction_index"] = _section(
            "satisfaction_index",
            False,
            "the codebook declares no satisfaction model (satisfaction_model), so no PLS "
            "path model or satisfaction index is estimated",
        )
    else:
        n_items = sum(len(v) for v in model["blocks"].values())
        sections["satisfaction_index"] = _section(
            "satisfaction_index",
            True,
            basis=f"PLS path model of {len(model['blocks'])} constructs ({n_items} items) and "
            f"{len(model['paths'])} paths ({model.get('scheme') or 'path'} scheme); index of "
            f"{model['target']} on 0-100",
        )

    # ---- segments
    segment_vars, segment_rule = _segment_choice(survey)
    if sections["advocacy"].included:
        measure = "net advocacy"
    elif outcome is not None:
        measure = "mean"
    else:
        measure = None
    if not segment_vars:
        sections["segments"] = _section(
            "segments",
            False,
            "no segment or categorical demographic variable in the codebook, so no segment "
            "comparison",
        )
    elif measure is None:
        sections["segments"] = _section(
            "segments", False, "no recommend item or outcome to compare across segments"
        )
    else:
        what = "net advocacy" if measure == "net advocacy" else f"mean {outcome}"
        sections["segments"] = _section(
            "segments", True, basis=f"{what} by {_words(segment_vars)} ({segment_rule})"
        )

    # ---- comments (voice of the customer)
    comments = getattr(survey, "comments", None)
    n_comments = 0 if comments is None else len(comments)
    if not getattr(cb, "comments", ()):
        sections["comments"] = _section(
            "comments",
            False,
            "the survey has no comments (its codebook declares no free-text comment items)",
        )
    elif n_comments == 0:
        sections["comments"] = _section(
            "comments",
            False,
            "the survey's comment items are all empty, so there is nothing to read",
        )
    else:
        sections["comments"] = _section(
            "comments",
            True,
            basis=f"{n_comments:,} redacted comments from {len(cb.comments)} comment item(s); "
            "TF-IDF + NMF topics, VADER sentiment (English)",
        )

    # ---- value case
    missing_vc = [c for c in _VALUE_CASE_COLUMNS if not _has(resp, c)]
    if not moments.included:
        sections["value_case"] = _section(
            "value_case",
            False,
            "no course of action per event (see moments of truth), so no improvement is valued",
        )
    elif not sections["advocacy"].included:
        sections["value_case"] = _section(
            "value_case", False, "no recommend item, so the value of better advocacy is unknown"
        )
    elif missing_vc:
        sections["value_case"] = _section(
            "value_case",
            False,
            f"no {_words(missing_vc, 'or')} item, so the value of a customer (and of an "
            "improvement) is not estimated",
        )
    else:
        base = (
            f"customer base {params.customer_base:,.0f} (parameter customer_base)"
            if getattr(params, "customer_base", None)
            else "per 1,000 customers (no customer_base given)"
        )
        costs = (
            "improvement costs given (improvement_costs)"
            if inputs.costs is not None
            else "no improvement costs given (improvement_costs): benefit only, no NPV or ROI"
        )
        sections["value_case"] = _section("value_case", True, basis=f"{base}; {costs}")

    initiatives = getattr(inputs, "initiatives", None)
    if initiatives is None:
        sections["roadmap"] = _section(
            "roadmap",
            False,
            "no initiatives given (initiatives), so the value case is not sequenced into a roadmap",
        )
    elif not sections["value_case"].included:
        sections["roadmap"] = _section(
            "roadmap",
            False,
            "there is no value case (see its section), so the initiatives cannot be valued "
            "and sequenced",
        )
    elif not getattr(params, "customer_base", None):
        sections["roadmap"] = _section(
            "roadmap",
            False,
            "the value case is per 1,000 customers (no customer_base given) while initiative "
            "costs are the client's totals, so netting them would compare unlike figures: "
            "give customer_base",
        )
    else:
        s = initiatives.settings
        limits = []
        if s.get("budget_per_phase") is not None:
            limits.append("a budget per phase")
        if s.get("max_parallel") is not None:
            limits.append("a limit on initiatives at once")
        sections["roadmap"] = _section(
            "roadmap",
            True,
            basis=f"{len(initiatives.table)} initiatives over {s.get('phases', 4)} phases"
            + (f" under {_words(limits)}" if limits else " with no budget or capacity limit")
            + ("" if inputs.costs is not None else "; value case benefit-only"),
        )

    if inputs.executive is None:
        sections["cfe"] = _section(
            "cfe",
            False,
            "no executive self-assessment given (executive_data), so the CFE assessment is skipped",
        )
    else:
        sections["cfe"] = _section(
            "cfe",
            True,
            basis="executives' self-assessment"
            + (" and the promise gap against customers' ratings" if has_expect else ""),
        )

    scales, scales_rule = _scales(survey, has_events, items)
    composites = has_events and (
        len(survey.tactile_attributes) >= 2 or len(survey.emotive_attributes) >= 2
    )
    parts = []
    if composites:
        parts.append("tactile and emotive composites")
    if scales:
        parts.append(f"{len(scales)} respondent-level scale(s) from {scales_rule}")
    sections["reliability"] = _section(
        "reliability",
        bool(parts),
        "no multi-item scale (no event composites, item_groups or at least two driver "
        "items), so reliability is not assessed",
        basis="; ".join(parts),
    )
    sections["methods"] = _section("methods", True, basis="models, rules, software, data")

    ordered = tuple(sections[k] for k in SECTIONS)
    return SectionPlan(
        sections=ordered,
        respondent_id=rid,
        weights=weights,
        design=design_text,
        cuts=cuts,
        key_driver_outcome=outcome,
        key_driver_items=tuple(items),
        key_driver_rule=rule,
        key_driver_method=method,
        scales=scales,
        scales_rule=scales_rule,
        segment_vars=tuple(segment_vars),
        segment_rule=segment_rule,
        segment_measure=measure if sections["segments"].included else None,
        importance_components=components,
        economics_measures=measures,
    )


# --------------------------------------------------------------------- results
@dataclass(frozen=True)
class ReportResults:
    """Every result the client report shows, and the plan they follow.

    Attributes are None when their section is left out or skipped (see
    :meth:`included` and :meth:`reason`). ``rules`` are the
    :class:`cxlab.priorities.Rules` used (importance from the components the survey has). ``plan`` is the final plan: sections that
    failed for lack of data are marked left out with the reason.
    """

    plan: SectionPlan
    planned: SectionPlan
    survey: Any
    weighted: Any
    respondents: pd.DataFrame
    weighting: Any = None
    agitator: pd.Series | None = None
    groups: pd.Series | None = None
    net: pd.DataFrame | None = None
    shares: pd.DataFrame | None = None
    priorities: pd.DataFrame | None = None
    rules: Any = None
    investment: Any = None
    by_event: pd.DataFrame | None = None
    advocacy_drivers: Any = None
    economics: pd.DataFrame | None = None
    key_drivers: pd.DataFrame | None = None
    satisfaction: Any = None
    segments: dict = field(default_factory=dict)
    segments_table: pd.DataFrame | None = None
    verbatims: Any = None
    value: Any = None
    roadmap: Any = None
    cfe: Any = None
    reliability: pd.DataFrame | None = None
    structure: Any = None
    scale_reliability: pd.DataFrame | None = None
    key_figures: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)

    def included(self, key: str) -> bool:
        """True when section ``key`` is in the report (planned and computed).

        Parameters
        ----------
        key : str
            The key.
        """
        return self.plan.included(key)

    def reason(self, key: str) -> str:
        """Why section ``key`` is left out ("" when it is included).

        Parameters
        ----------
        key : str
            A section key (``SECTIONS``).
        """
        return self.plan[key].reason

    @property
    def coverage(self) -> pd.DataFrame:
        """``section, included, reason`` for the "What this report covers" section."""
        t = self.plan.table
        return t[["title", "included", "reason", "basis"]].rename(columns={"title": "section"})


def _attempt(skipped: dict, key: str, fn, why: str | None = None):
    """``fn()``, or None with the reason recorded when the data cannot support it."""
    try:
        return fn()
    except (ModelError, DataError) as err:
        skipped[key] = (why + f" ({err})") if why else f"not computed: {err}"
        return None


def analyse(inputs, params, *, n_boot: int = 200) -> ReportResults:
    """Run the client report's analyses for the sections the survey supports.

    Parameters
    ----------
    inputs : cxlab.report.Inputs
        From :func:`cxlab.report.load_inputs`.
    params : cxlab.params.ReportParams
        The validated parameters (``min_base``, ``seed``, ``industry``, value-case
        assumptions).
    n_boot : int
        Bootstrap resamples of the value case and the key drivers (200); the roadmap
        is re-solved for each of the value case's draws.

    Returns
    -------
    ReportResults
        The final plan and every table the report shows.

    Raises
    ------
    Exception
        Anything other than a :class:`~cxlab.errors.ModelError` or
        :class:`~cxlab.errors.DataError` inside a section is a bug and propagates.

    Examples
    --------
    >>> from cxlab.datasets import sample_files
    >>> from cxlab.params import load_params
    >>> from cxlab.report import load_inputs
    >>> params = load_params(sample_files("banking")["params"])
    >>> results = analyse(load_inputs(params), params)
    >>> list(results.coverage.columns)
    ['section', 'included', 'reason', 'basis']
    """
    import cxlab.advocacy_drivers
    import cxlab.drivers
    import cxlab.economics
    import cxlab.estimates
    import cxlab.importance
    import cxlab.priorities
    import cxlab.reliability
    import cxlab.segments
    import cxlab.valuecase
    import cxlab.weighting

    planned = plan_sections(inputs, params)
    plan = planned
    skipped: dict[str, str] = {}
    min_base = int(params.min_base)
    seed = int(getattr(params, "seed", 0))
    survey = inputs.survey
    out: dict[str, Any] = {}

    weighting = None
    if plan.included("weighting"):
        weighting = _attempt(
            skipped,
            "weighting",
            lambda: cxlab.weighting.rake(survey.respondents, inputs.margins, weights="weight"),
            "the weighting targets could not be met, so results are not raked",
        )
    if plan.included("weighting") and weighting is None:
        plan = replace(
            plan,
            weights="not raked: the weighting targets could not be met",
            design=describe_design(
                *(getattr(survey.codebook, k, None) for k in ("strata", "cluster", "fpc")),
                weighted=bool(getattr(survey.codebook, "weight", None)),
            ),
        )
    weighted = survey.with_weights(weighting.weights.to_numpy()) if weighting else survey
    resp = weighted.respondents

    cuts = plan.cuts
    agitator = agitator_flags(resp) if plan.included("agitators") else None
    groups = None
    design = _design_kwargs(resp, weighting)
    if plan.included("advocacy"):
        kw = {"agitator": agitator, "scale": cuts.scale, "cuts": cuts.cuts}
        groups = cxlab.segments.classify_advocacy(resp["recommend"], **kw)
        out["net"] = cxlab.segments.net_advocacy(
            resp["recommend"], resp["weight"], data=resp, min_base=min_base, **kw, **design
        )
        out["shares"] = cxlab.segments.advocacy_shares(
            resp["recommend"], resp["weight"], data=resp, min_base=min_base, **kw, **design
        )

    priorities = None
    if plan.included("moments"):
        rules = cxlab.priorities.Rules(importance_components=plan.importance_components)
        out["rules"] = rules
        priorities = _attempt(
            skipped,
            "moments",
            lambda: cxlab.priorities.prioritize(weighted, rules=rules, min_base=min_base),
            "no course of action could be set",
        )
        if priorities is None:
            skipped["event_map"] = "no course of action per event (see moments of truth)"
    out["priorities"] = priorities

    if plan.included("investment"):

        def fit():
            et = weighted.event_table()
            columns = {k: v for k, v in design.items() if k != "calibration" and v is not None}
            return cxlab.drivers.investment_weighting(
                et, weights="weight", min_base=min_base, **columns
            )

        investment = _attempt(
            skipped,
            "investment",
            fit,
            f"too few respondents (fewer than {min_base}) to compare emotive and tactile weights",
        )
        if investment is not None:
            out["investment"] = investment
            out["by_event"] = investment.by_event.merge(
                weighted.events[["event_id", "name"]], on="event_id"
            )

    if plan.included("advocacy_drivers"):
        out["advocacy_drivers"] = _attempt(
            skipped,
            "advocacy_drivers",
            lambda: cxlab.advocacy_drivers.advocacy_drivers(
                weighted, group=groups, min_base=min_base
            ),
            f"too few respondents (fewer than {min_base} raters per event) to model what "
            "drives advocacy",
        )

    if plan.included("economics"):
        out["economics"] = _attempt(
            skipped,
            "economics",
            lambda: cxlab.economics.advocacy_economics(
                resp, group=groups, measures=list(plan.economics_measures), min_base=min_base
            ),
        )

    if plan.included("key_drivers"):
        out["key_drivers"] = _attempt(
            skipped,
            "key_drivers",
            lambda: _key_drivers(resp, plan, min_base, n_boot, seed),
        )

    if plan.included("satisfaction_index"):
        out["satisfaction"] = _attempt(
            skipped,
            "satisfaction_index",
            lambda: _satisfaction_index(
                weighted,
                weighting,
                survey.respondents["weight"].to_numpy(),
                min_base,
                n_boot,
                seed,
            ),
        )

    if plan.included("segments"):
        seg = _attempt(
            skipped, "segments", lambda: _segments(resp, plan, agitator, min_base, design)
        )
        if seg is not None:
            out["segments"], out["segments_table"] = seg

    if plan.included("comments"):
        import cxlab.verbatims

        out["verbatims"] = _attempt(
            skipped,
            "comments",
            lambda: cxlab.verbatims.analyse_comments(
                weighted, groups=groups, min_base=min_base, seed=seed
            ),
            "too few comments to model their topics",
        )

    if plan.included("value_case") and priorities is not None:
        out["value"] = _attempt(
            skipped,
            "value_case",
            lambda: _value_case(weighted, inputs, params, priorities, cuts, n_boot, seed),
        )
    elif plan.included("value_case"):
        skipped["value_case"] = "no course of action per event, so no improvement is valued"

    if plan.included("roadmap") and out.get("value") is not None:
        out["roadmap"] = _attempt(
            skipped,
            "roadmap",
            lambda: _roadmap(out["value"], inputs, params, n_boot, seed),
        )
    elif plan.included("roadmap"):
        skipped["roadmap"] = "there is no value case, so the initiatives cannot be valued"

    if plan.included("cfe"):
        import cxlab.cfe

        out["cfe"] = _attempt(
            skipped,
            "cfe",
            lambda: cxlab.cfe.assess(
                inputs.executive, weighted, industry=params.industry, min_base=min_base
            ),
        )

    if plan.included("reliability"):
        has_composites = len(survey.events) > 0 and (
            len(weighted.tactile_attributes) >= 2 or len(weighted.emotive_attributes) >= 2
        )
        if has_composites:
            out["reliability"] = _attempt(
                skipped,
                "reliability",
                lambda: cxlab.reliability.scale_reliability(weighted, by_event=False),
            )
            if len(weighted.tactile_attributes) >= 2 and len(weighted.emotive_attributes) >= 2:
                out["structure"] = _attempt(
                    skipped,
                    "structure",
                    lambda: cxlab.reliability.factor_structure(weighted),
                    "too few respondents to analyse the factor structure of the composites",
                )
        if plan.scales:
            out["scale_reliability"] = _scale_reliability(resp, plan.scales, min_base)
        if "reliability" in skipped and out.get("scale_reliability") is not None:
            skipped.pop("reliability")

    for key, reason in skipped.items():
        if key in SECTIONS and plan.included(key):
            plan = plan.skip(key, reason)
    if not plan.included("moments") and plan.included("event_map"):
        plan = plan.skip("event_map", "no course of action per event (see moments of truth)")

    results = ReportResults(
        plan=plan,
        planned=planned,
        survey=survey,
        weighted=weighted,
        respondents=resp,
        weighting=weighting,
        agitator=agitator,
        groups=groups,
        skipped=dict(skipped),
        **out,
    )
    return replace(results, key_figures=_key_figures(results))


# ------------------------------------------------------------------ the steps
def _key_drivers(resp: pd.DataFrame, plan: SectionPlan, min_base: int, n_boot: int, seed: int):
    from cxlab.importance import relative_importance

    items = list(plan.key_driver_items)
    outcome = plan.key_driver_outcome
    complete = int(resp[items + [outcome]].notna().all(axis=1).sum())
    if complete < max(min_base, len(items) + 2):
        raise ModelError(
            f"{complete} respondents answered the outcome and every driver, fewer than the "
            f"minimum base {min_base}",
            column=[outcome, *items],
        )
    boot = n_boot if len(items) <= _BOOT_MAX_DRIVERS else 0
    table = relative_importance(
        resp,
        outcome,
        items,
        method=plan.key_driver_method,
        weights="weight",
        n_boot=boot,
        seed=seed,
    )
    labels = _labels(resp, items)
    table.insert(1, "label", [labels.get(d, d) for d in table["driver"]])
    table.attrs["rule"] = plan.key_driver_rule
    return table


def _satisfaction_index(
    weighted, weighting, original_weights, min_base: int, n_boot: int, seed: int
):
    """The codebook's PLS path model, weighted as the report is (re-raked when raked)."""
    from cxlab.pls import fit

    model = weighted.codebook.satisfaction_model
    items = [i for v in model["blocks"].values() for i in v]
    resp = weighted.respondents
    complete = int(resp[items].notna().all(axis=1).sum())
    if complete < min_base:
        raise ModelError(
            f"{complete} respondents answered every item of the satisfaction model, fewer "
            f"than the minimum base {min_base}",
            column=items,
        )
    design = None
    if weighting is not None:
        weights = weighting
        if weighted.codebook.weight:  # the raking started from the design weights
            design = original_weights
    elif weighted.codebook.weight:
        weights = "weight"
    else:
        weights = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        return fit(
            weighted,
            model["blocks"],
            model["paths"],
            modes=model["modes"],
            scheme=model.get("scheme") or "path",
            weights=weights,
            n_boot=n_boot,
            seed=seed,
            progress=False,
            design_weights=design,
        )


def _labels(resp: pd.DataFrame, items) -> dict:
    return {i: i.replace("_", " ") for i in items}


def _design_kwargs(resp: pd.DataFrame, weighting) -> dict:
    """The sample design of the respondent-level estimates: the codebook's design
    columns (``strata``, ``cluster``, ``fpc`` of the respondents) and the raking."""
    design = {k: (k if k in resp.columns else None) for k in ("strata", "cluster", "fpc")}
    design["calibration"] = weighting
    return design


def _segments(resp, plan: SectionPlan, agitator, min_base: int, design: dict | None = None):
    import cxlab.estimates
    import cxlab.segments

    design = design or {}

    by_segment = {}
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        for c in plan.segment_vars:
            if plan.segment_measure == "net advocacy":
                t = cxlab.segments.net_advocacy(
                    "recommend",
                    "weight",
                    by=c,
                    data=resp,
                    agitator=agitator,
                    min_base=min_base,
                    scale=plan.cuts.scale,
                    cuts=plan.cuts.cuts,
                    **design,
                )
            else:
                t = cxlab.estimates.weighted_mean(
                    resp,
                    plan.key_driver_outcome,
                    by=c,
                    weights="weight",
                    min_base=min_base,
                    **design,
                ).rename(columns={"estimate": "value"})
            t = t.loc[t[c].notna()].reset_index(drop=True)
            by_segment[c] = t
            parts.append(t.rename(columns={c: "segment"}).assign(variable=c))
    table = pd.concat(parts, ignore_index=True)[
        ["variable", "segment", "value", "ci_low", "ci_high", "n", "suppressed"]
    ]
    table["segment"] = table["segment"].astype(str)
    return by_segment, table


def _value_case(weighted, inputs, params, priorities, cuts, n_boot: int, seed: int):
    import cxlab.valuecase

    horizon = int(getattr(params, "horizon_years", 3))
    rate = float(getattr(params, "discount_rate", 0.08))
    base = getattr(params, "customer_base", None)
    currency = getattr(params, "currency", None)
    sources = {
        "customers": "parameter customer_base"
        if base
        else "not given (customer_base): figures per 1,000 customers",
        "currency": "parameter currency" if currency else "not given (currency)",
        "horizon_years": "parameter horizon_years"
        + (" (the cxlab default, 3 years)" if horizon == 3 else ""),
        "discount_rate": "parameter discount_rate"
        + (" (the cxlab default, 8%)" if rate == 0.08 else ""),
        "costs": "parameter improvement_costs"
        if inputs.costs is not None
        else "not given (improvement_costs): benefit only, no NPV or ROI",
        "cuts": f"the recommend item ({cuts.source})",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        return cxlab.valuecase.value_case(
            weighted,
            inputs.costs,
            diagnosis=priorities,
            horizon_years=horizon,
            discount_rate=rate,
            customers=base,
            currency=currency,
            n_boot=n_boot,
            seed=seed,
            cuts=cuts,
            sources=sources,
        )


def _roadmap(value, inputs, params, n_boot: int, seed: int):
    import cxlab.roadmap

    settings = dict(inputs.initiatives.settings)
    rate = float(getattr(params, "discount_rate", 0.08))
    sources = {k: "initiatives file" for k in settings}
    for key, default in (("phases", "cxlab default, 4"), ("phase_years", "cxlab default, 1")):
        sources.setdefault(key, f"not in the initiatives file ({default})")
    for key in ("budget_per_phase", "max_parallel"):
        sources.setdefault(key, "not in the initiatives file: no limit")
    sources["discount_rate"] = "parameter discount_rate (as the value case)"
    return cxlab.roadmap.plan(
        value,
        inputs.initiatives,
        discount_rate=rate,
        seed=seed,
        n_boot=n_boot,
        sources=sources,
        **settings,
    )


def _scale_reliability(resp: pd.DataFrame, scales: dict, min_base: int) -> pd.DataFrame:
    from cxlab.reliability import cronbach_alpha, mcdonald_omega

    rows = []
    for name, items in scales.items():
        complete = resp[list(items)].apply(pd.to_numeric, errors="coerce").dropna()
        n = len(complete)
        alpha = omega = np.nan
        if n >= max(min_base, len(items) + 2):
            try:
                alpha, omega = cronbach_alpha(complete), mcdonald_omega(complete)
            except ModelError:
                pass
        rows.append((name, len(items), ", ".join(items), n, alpha, omega))
    return pd.DataFrame(rows, columns=["scale", "n_items", "items", "n", "alpha", "omega"])


def _key_figures(r: ReportResults) -> dict:
    """Headline numbers (names as before; None when their section is left out)."""
    out: dict[str, Any] = {
        "net_advocacy": None,
        "net_advocacy_ci": None,
        "moments_of_truth": None,
        "top_action": None,
        "top_event": None,
    }
    if r.net is not None:
        row = r.net.iloc[0]
        if not bool(row.get("suppressed", False)) and np.isfinite(row["value"]):
            out["net_advocacy"] = round(float(row["value"]), 2)
            out["net_advocacy_ci"] = [
                round(float(row["ci_low"]), 2),
                round(float(row["ci_high"]), 2),
            ]
    if r.priorities is not None:
        out["moments_of_truth"] = int(r.priorities["moment_of_truth"].sum())
    if r.satisfaction is not None:
        target = r.survey.codebook.satisfaction_model["target"]
        index = r.satisfaction.index().set_index("construct")["index"]
        out["satisfaction_index"] = round(float(index[target]), 1)
    top = top_event(r.value)
    if top is not None:
        out["top_action"] = str(top["action"])
        out["top_event"] = str(top["name"])
    if r.roadmap is not None:
        out["roadmap_npv"] = round(float(r.roadmap.npv), 2)
        out["roadmap_initiatives"] = len(r.roadmap.table)
    return out


def top_event(value) -> pd.Series | None:
    """The best valued event of a value case (highest NPV, or benefit without costs).

    Parameters
    ----------
    value : pandas.DataFrame or None
        A value-case ranking (``ValueCase.table``).
    """
    if value is None:
        return None
    col = "npv" if value.cost_based else "benefit"
    valued = value.table.dropna(subset=[col, "action"])
    return valued.iloc[0] if len(valued) else None


def plot_key_drivers(table: pd.DataFrame, ax=None, outcome: str | None = None):
    """Share of the explained variance per driver (a key-driver table), with intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        The table.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    outcome : str
        The outcome column.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cxlab.importance import relative_importance
    >>> from cxlab.synth import make_study
    >>> survey, _ = make_study("banking", n_respondents=300, seed=0)
    >>> r = survey.respondents.assign(x1=survey.respondents["recommend"] * 0.5)
    >>> table = relative_importance(r.dropna(subset=["recommend"]), "recommend", ["x1", "tenure"])
    >>> ax = plot_key_drivers(table)
    >>> ax.get_title().startswith("Key drivers of recommend")
    True
    """

    t = table.dropna(subset=["share"]).iloc[::-1]
    ax = new_ax(ax, (8, 0.4 * len(t) + 1.6))
    ypos = np.arange(len(t))
    share = 100 * t["share"].to_numpy()
    ax.barh(ypos, share, color=OKABE_ITO["blue"], edgecolor="black", linewidth=0.5)
    if {"share_ci_low", "share_ci_high"} <= set(t.columns):
        err = np.vstack([share - 100 * t["share_ci_low"], 100 * t["share_ci_high"] - share]).clip(0)
        ax.errorbar(share, ypos, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
    labels = t["label"] if "label" in t.columns else t["driver"]
    ax.set_yticks(ypos, [str(x) for x in labels])
    what = outcome or table.attrs.get("outcome", "the outcome")
    r2 = table.attrs.get("r_squared")
    ax.set_xlabel(
        f"Share of the explained variance of {what} (%)"
        + (f"; R\u00b2 = {r2:.2f}" if r2 is not None else "")
    )
    method = "Shapley (LMG)" if table.attrs.get("method") == "shapley" else "Johnson's weights"
    ax.set_title(f"Key drivers of {what}: relative importance, {method}")
    ax.grid(axis="x", alpha=0.3)
    return ax
