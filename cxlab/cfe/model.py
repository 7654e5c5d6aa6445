"""The CFE model: competencies, indicators and the executive survey codebook.

The six competencies of the customer focused enterprise and the innovation
discipline, each with its indicators (docs/framework.md section 7), the management
levels, the tidy executive frame's columns, and :class:`ExecutiveCodebook`, which
maps an executive survey file onto the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cxlab.errors import CodebookError

# ---------------------------------------------------------------- the CFE model
#: competency id -> (display name, [(indicator id, display name), ...]); docs/framework.md section 7
COMPETENCIES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "customer_authority": ("Customer authority", [
        ("customer_intelligence", "Customer intelligence"),
        ("moments_of_truth", "Moments of truth"),
        ("outside_in_design", "Outside-in experience design"),
        ("multidimensional_segmentation", "Multidimensional segmentation"),
        ("feedback_loops", "Feedback loops"),
        ("new_research_methods", "New customer research methods"),
    ]),
    "customer_dialog": ("Customer dialog", [
        ("realtime_messaging", "Real-time intelligent messaging"),
        ("value_exchange", "Value exchange"),
        ("voice_of_customer", "Voice of the customer"),
        ("segmented_treatment", "Realistic segmented treatment"),
        ("event_based_rules", "Event-based rules"),
        ("active_recovery", "Active recovery and service-to-sales"),
    ]),
    "integrated_execution": ("Integrated execution", [
        ("method_of_choice", "Method of choice"),
        ("cross_channel_coordination", "Cross-channel interaction coordination"),
        ("distributed_delivery", "Distributed delivery"),
        ("demographic_circles", "Demographic circles"),
        ("partners_extended_view", "Partners as an extended view"),
        ("operational_customer_profile", "Operational customer profile"),
        ("component_based_processes", "Component-based processes"),
    ]),
    "solution_experience": ("Solution experience", [
        ("needs_based_orientation", "Needs-based orientation"),
        ("customer_focused_design", "Customer focused design"),
        ("bundles_upsell", "Bundles and up-sell sophistication"),
        ("on_demand_availability", "On-demand availability"),
        ("pricing_place_promotion", "Pricing, place and promotion"),
        ("product_personalisation", "Individual product personalisation"),
    ]),
    "human_performance": ("Human performance", [
        ("agile_workforce", "Agile workforce"),
        ("cognitive_change_management", "Cognitive-based change management"),
        ("role_alignment", "Role alignment"),
        ("personal_customer_commitment", "Personal customer commitment"),
        ("knowledge_management", "Knowledge management and continuous learning"),
        ("parallel_interest_rewards", "Parallel interest and rewards"),
    ]),
    "customer_focused_organization": ("Customer focused organization", [
        ("one_mind_one_company", "One mind, one company"),
        ("segment_operating_model", "Segment-influenced operating model"),
        ("management_alignment", "Executive and middle management alignment"),
        ("cross_functional_collaboration", "Cross-functional collaboration"),
        ("customer_leadership", "Customer leadership and alignment"),
        ("customer_business_architecture", "Customer-focused business architecture"),
    ]),
    "innovation": ("Innovation discipline", [
        ("ideation_freedom", "Freedom to pursue new ideas"),
        ("customer_ideas", "Customer feedback and ideas"),
        ("development_rewards", "Rewards for development and initiative"),
        ("idea_maturation", "Structures that mature ideas"),
        ("innovation_tools", "Technologies and tools for innovation"),
    ]),
}  # fmt: skip
_CODES = {"customer_authority": "ca", "customer_dialog": "cd", "integrated_execution": "ie",
          "solution_experience": "se", "human_performance": "hp",
          "customer_focused_organization": "co", "innovation": "in"}  # fmt: skip
#: management levels, in order
ROLES: tuple[str, ...] = ("top", "middle")
#: the tidy executive frame's columns
COLUMNS = ("executive_id", "role", "business_unit", "industry", "competency", "indicator",
           "current", "target", "brand_promise", "customer_understanding")  # fmt: skip
SELF_ITEMS = ("brand_promise", "customer_understanding")
_CODEBOOK_KEYS = {"name", "kind", "executive_id", "role", "business_unit", "industry", "scale",
                  "missing_codes", "self_assessment", "competencies"}  # fmt: skip


# ---------------------------------------------------------------- codebook
@dataclass(frozen=True)
class ExecutiveCodebook:
    """Maps an executive survey file onto the CFE model.

    Attributes
    ----------
    indicators : DataFrame
        One row per indicator: ``indicator, indicator_name, competency,
        competency_name, current, target`` (the last two are file columns).
    columns : dict
        File columns of ``executive_id``, ``role``, ``business_unit``, ``industry``,
        ``brand_promise`` and ``customer_understanding`` (None when absent).
    role_labels : dict
        File value (casefolded text) -> ``"top"`` or ``"middle"``.
    scale : tuple
        ``(min, max)`` of every rating, 1-5 by default.
    missing_codes : tuple
        Codes meaning "don't know / not answered"; they become NaN.
    """

    indicators: pd.DataFrame
    columns: dict
    role_labels: dict = field(default_factory=dict)
    scale: tuple[float, float] = (1, 5)
    missing_codes: tuple = (9,)
    name: str = "CFE executive self-assessment"
    source: str | None = None

    @classmethod
    def load(cls, path: str | Path) -> ExecutiveCodebook:
        """Read and validate a codebook YAML file."""
        path = Path(path)
        if not path.is_file():
            raise CodebookError("codebook file not found", file=str(path))
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise CodebookError(f"not valid YAML ({err})", file=str(path)) from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> ExecutiveCodebook:
        """Build from the YAML structure (see :func:`default_codebook` ``.to_dict()``)."""

        def fail(rule, location=None):
            raise CodebookError(rule, file=source, location=location)

        if not isinstance(data, dict):
            fail("the codebook must be a mapping")
        unknown = sorted(set(data) - _CODEBOOK_KEYS)
        if unknown:
            fail(f"unknown keys {unknown}; allowed: {sorted(_CODEBOOK_KEYS)}")
        if not isinstance(data.get("executive_id"), str):
            fail("'executive_id' must name the id column", "executive_id")
        role = data.get("role")
        labels = {r: r for r in ROLES}
        if isinstance(role, dict):
            if "labels" in role:
                if not isinstance(role["labels"], dict):
                    fail("'role.labels' must map file values to top / middle", "role.labels")
                labels = {str(k).strip().casefold(): v for k, v in role["labels"].items()}
            role = role.get("column")
        if not isinstance(role, str):
            fail("'role' must name the management-level column", "role")
        bad = sorted({str(v) for v in labels.values()} - set(ROLES))
        if bad:
            fail(f"role labels must be one of {list(ROLES)}, got {bad}", "role.labels")
        scale = data.get("scale", {"min": 1, "max": 5})
        if not (
            isinstance(scale, dict) and {"min", "max"} <= set(scale) and scale["min"] < scale["max"]
        ):
            fail("'scale' must be a mapping with min < max", "scale")
        missing = data.get("missing_codes", [9])
        if not isinstance(missing, list):
            fail("'missing_codes' must be a list", "missing_codes")
        self_items = data.get("self_assessment") or {}
        if not isinstance(self_items, dict) or set(self_items) - set(SELF_ITEMS):
            fail(f"'self_assessment' may map only {list(SELF_ITEMS)} to columns", "self_assessment")
        rows = []
        comps = data.get("competencies")
        if not isinstance(comps, list) or not comps:
            fail("'competencies' must be a non-empty list", "competencies")
        for i, comp in enumerate(comps):
            loc = f"competencies[{i}]"
            if not isinstance(comp, dict) or not isinstance(comp.get("id"), str):
                fail("each competency needs an 'id'", loc)
            inds = comp.get("indicators")
            if not isinstance(inds, list) or not inds:
                fail("each competency needs a non-empty 'indicators' list", f"{loc}.indicators")
            for j, ind in enumerate(inds):
                iloc = f"{loc}.indicators[{j}]"
                if not isinstance(ind, dict) or not all(
                    isinstance(ind.get(k), str) for k in ("id", "current", "target")
                ):
                    fail("each indicator needs 'id', 'current' and 'target' (column names)", iloc)
                rows.append((ind["id"], ind.get("name", ind["id"]), comp["id"], comp.get("name", comp["id"]),
                             ind["current"], ind["target"]))  # fmt: skip
        table = pd.DataFrame(
            rows,
            columns=[
                "indicator",
                "indicator_name",
                "competency",
                "competency_name",
                "current",
                "target",
            ],
        )
        if table["indicator"].duplicated().any():
            fail(
                f"indicator ids repeat: {sorted(set(table['indicator'][table['indicator'].duplicated()]))}",
                "competencies",
            )
        cols = [data["executive_id"], role, *table["current"], *table["target"]]
        dup = sorted({c for c in cols if cols.count(c) > 1})
        if dup:
            fail(f"columns used twice: {dup}", "competencies")
        columns = {"executive_id": data["executive_id"], "role": role,
                   "business_unit": data.get("business_unit"), "industry": data.get("industry"),
                   **{k: self_items.get(k) for k in SELF_ITEMS}}  # fmt: skip
        return cls(table, columns, labels, (scale["min"], scale["max"]), tuple(missing),
                   data.get("name", "CFE executive self-assessment"), source)  # fmt: skip

    def to_dict(self) -> dict:
        """The YAML structure (round-trips through :meth:`from_dict`)."""
        comps = []
        for comp, part in self.indicators.groupby("competency", sort=False):
            comps.append({"id": comp, "name": part["competency_name"].iloc[0], "indicators": [
                {"id": r.indicator, "name": r.indicator_name, "current": r.current, "target": r.target}
                for r in part.itertuples()]})  # fmt: skip
        c = self.columns
        return {"name": self.name, "kind": "cfe_executive", "executive_id": c["executive_id"],
                "role": {"column": c["role"], "labels": dict(self.role_labels)},
                "business_unit": c["business_unit"], "industry": c["industry"],
                "scale": {"min": self.scale[0], "max": self.scale[1]},
                "missing_codes": list(self.missing_codes),
                "self_assessment": {k: c[k] for k in SELF_ITEMS if c.get(k)},
                "competencies": comps}  # fmt: skip

    def file_columns(self) -> list[str]:
        """Every file column the codebook names, in order."""
        named = [self.columns[k] for k in ("executive_id", "role", "business_unit", "industry")]
        return [c for c in named if c] + [c for pair in zip(self.indicators["current"], self.indicators["target"], strict=True)
                                          for c in pair] + [self.columns[k] for k in SELF_ITEMS if self.columns.get(k)]  # fmt: skip


def default_codebook() -> ExecutiveCodebook:
    """The standard CFE codebook (42 indicators; columns ``ca1_cur``, ``ca1_tgt``...).

    Examples
    --------
    >>> cb = default_codebook()
    >>> cb.indicators.groupby("competency", sort=False).size().to_dict()["integrated_execution"]
    7
    """
    comps = [{"id": comp, "name": name, "indicators": [
        {"id": ind, "name": label, "current": f"{_CODES[comp]}{j}_cur", "target": f"{_CODES[comp]}{j}_tgt"}
        for j, (ind, label) in enumerate(inds, start=1)]} for comp, (name, inds) in COMPETENCIES.items()]  # fmt: skip
    return ExecutiveCodebook.from_dict({
        "executive_id": "exec_id", "role": {"column": "mgmt_level", "labels": {"top": "top", "middle": "middle"}},
        "business_unit": "business_unit", "industry": "industry", "scale": {"min": 1, "max": 5},
        "missing_codes": [9], "competencies": comps,
        "self_assessment": {"brand_promise": "q_brand_promise", "customer_understanding": "q_understanding"},
    }, source="cxlab.cfe.default_codebook")  # fmt: skip
