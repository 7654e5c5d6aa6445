"""The customer focused enterprise (CFE) assessment and the promise gap.

Executives rate each CFE indicator's *current* and *target* maturity (1-5); this
module reads and validates that survey (a YAML codebook maps indicators to the six
competencies and the innovation discipline), estimates maturity and the gap to target
with confidence intervals, ranks the weakest indicators, measures agreement between
executives and between management levels, and sets the executives' self-assessment
("we fulfil our brand promise", "we understand our customers") against what customers
report in the consumer survey: the **promise gap** (FRAMEWORK.md section 7).

Examples
--------
>>> from cxlab.synth.executive import make_executive_study
>>> from cxlab import cfe
>>> data, truth = make_executive_study(n_executives=108, seed=0)
>>> table = cfe.maturity(data, level="competency")
>>> table.sort_values("current")["competency"].iloc[0] in truth["weak_competencies"]
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from cxlab.errors import CodebookError, DataError, ParameterError, SuppressionWarning

__all__ = [
    "COMPETENCIES",
    "ROLES",
    "ExecutiveCodebook",
    "default_codebook",
    "executive_data_from_frame",
    "load_executive_survey",
    "maturity",
    "weakest_indicators",
    "agreement",
    "promise_gap",
    "PromiseGap",
    "assess",
    "CFEAssessment",
    "plot_competencies",
    "plot_indicator_heatmap",
]

# ---------------------------------------------------------------- the CFE model
#: competency id -> (display name, [(indicator id, display name), ...]); FRAMEWORK.md section 7
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
_SELF_ITEMS = ("brand_promise", "customer_understanding")
_CODEBOOK_KEYS = {"name", "kind", "executive_id", "role", "business_unit", "industry", "scale",
                  "missing_codes", "self_assessment", "competencies"}  # fmt: skip
_OKABE_ITO = {"current": "#0072B2", "target": "#E69F00", "gap": "#009E73",
              "executive": "#D55E00", "customer": "#0072B2", "grey": "#999999"}  # fmt: skip


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
        if not isinstance(self_items, dict) or set(self_items) - set(_SELF_ITEMS):
            fail(
                f"'self_assessment' may map only {list(_SELF_ITEMS)} to columns", "self_assessment"
            )
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
                   **{k: self_items.get(k) for k in _SELF_ITEMS}}  # fmt: skip
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
                "self_assessment": {k: c[k] for k in _SELF_ITEMS if c.get(k)},
                "competencies": comps}  # fmt: skip

    def file_columns(self) -> list[str]:
        """Every file column the codebook names, in order."""
        named = [self.columns[k] for k in ("executive_id", "role", "business_unit", "industry")]
        return [c for c in named if c] + [c for pair in zip(self.indicators["current"], self.indicators["target"], strict=True)
                                          for c in pair] + [self.columns[k] for k in _SELF_ITEMS if self.columns.get(k)]  # fmt: skip


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


# ---------------------------------------------------------------- loading
def _bad_rows(mask, offset: int) -> list[int]:
    return [int(i) + offset for i in np.flatnonzero(np.asarray(mask))]


def _rating(frame: pd.DataFrame, col: str, cb: ExecutiveCodebook, file, offset) -> np.ndarray:
    raw = frame[col]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype=float)
    else:
        text = raw.astype("string").str.strip()
        text = text.mask(text == "")
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(values) & text.notna().to_numpy()
        if bad.any():
            examples = ", ".join(repr(v) for v in text[bad].head(3))
            raise DataError(f"text in a rating column (e.g. {examples}); expected numbers "
                            f"{cb.scale[0]:g}-{cb.scale[1]:g} or missing codes {list(cb.missing_codes)}",
                            file=file, column=col, rows=_bad_rows(bad, offset))  # fmt: skip
    values = np.where(np.isin(values, np.asarray(cb.missing_codes, dtype=float)), np.nan, values)
    lo, hi = cb.scale
    bad = ~np.isnan(values) & ((values < lo) | (values > hi))
    if bad.any():
        examples = ", ".join(f"{v:g}" for v in values[bad][:3])
        raise DataError(f"values outside the scale [{lo:g}, {hi:g}] after missing codes "
                        f"{list(cb.missing_codes)} are removed (e.g. {examples})",
                        file=file, column=col, rows=_bad_rows(bad, offset))  # fmt: skip
    return values


def executive_data_from_frame(
    frame: pd.DataFrame,
    codebook: ExecutiveCodebook | None = None,
    *,
    file: str | None = None,
    row_offset: int = 2,
) -> pd.DataFrame:
    """Validate a wide executive frame (one row per executive) and return the tidy frame.

    Parameters
    ----------
    frame : DataFrame
        One row per executive, columns as the codebook names them. Not modified.
    codebook : ExecutiveCodebook, optional
        Default :func:`default_codebook`.
    file : str, optional
        File name for error messages.
    row_offset : int
        File line of the first data row (2 for a CSV with a header).

    Returns
    -------
    DataFrame
        One row per executive x indicator with :data:`COLUMNS`; ``competency`` and
        ``indicator`` are categoricals in codebook order, ``role`` in :data:`ROLES`.

    Raises
    ------
    DataError
        Empty frame, missing columns, missing or duplicate ids, unknown management
        levels, text in a rating column, ratings outside the scale.
    """
    cb = codebook or default_codebook()
    if len(frame) == 0:
        raise DataError("the file has no data rows", file=file)
    missing = [c for c in cb.file_columns() if c not in frame.columns]
    if missing:
        raise DataError(
            "columns named in the codebook are missing from the file", file=file, column=missing
        )
    c = cb.columns
    ids = frame[c["executive_id"]]
    if pd.api.types.is_float_dtype(ids) and np.all(np.mod(ids.dropna(), 1) == 0):
        ids = ids.map(lambda v: str(int(v)) if pd.notna(v) else None)
    ids = ids.astype("string").str.strip().mask(lambda s: s == "")
    if ids.isna().any():
        raise DataError(
            "executive id is empty",
            file=file,
            column=c["executive_id"],
            rows=_bad_rows(ids.isna(), row_offset),
        )
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        raise DataError(f"duplicate executive ids (e.g. {ids[dup].iloc[0]!r})", file=file, column=c["executive_id"],
                        rows=_bad_rows(dup, row_offset))  # fmt: skip
    raw_role = frame[c["role"]]
    role_text = raw_role.map(
        lambda v: (
            None
            if pd.isna(v)
            else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        )
    )
    role = role_text.astype("string").str.strip().str.casefold().map(cb.role_labels)
    bad = role.isna().to_numpy()
    if bad.any():
        raise DataError(f"management level must be one of {sorted(cb.role_labels)} (top / middle)", file=file,
                        column=c["role"], rows=_bad_rows(bad, row_offset))  # fmt: skip
    people = pd.DataFrame(
        {"executive_id": ids.to_numpy(dtype=object), "role": role.to_numpy(dtype=object)}
    )
    for key in ("business_unit", "industry"):
        col = c.get(key)
        people[key] = (
            frame[col].astype("string").str.strip().to_numpy(dtype=object) if col else None
        )
    for key in _SELF_ITEMS:
        people[key] = _rating(frame, c[key], cb, file, row_offset) if c.get(key) else np.nan
    cur = np.column_stack(
        [_rating(frame, col, cb, file, row_offset) for col in cb.indicators["current"]]
    )
    tgt = np.column_stack(
        [_rating(frame, col, cb, file, row_offset) for col in cb.indicators["target"]]
    )
    k = len(cb.indicators)
    tidy = people.loc[np.repeat(np.arange(len(people)), k)].reset_index(drop=True)
    comp_order = list(dict.fromkeys(cb.indicators["competency"]))
    tidy["competency"] = pd.Categorical(
        np.tile(cb.indicators["competency"].to_numpy(), len(people)), categories=comp_order
    )
    tidy["indicator"] = pd.Categorical(np.tile(cb.indicators["indicator"].to_numpy(), len(people)),
                                       categories=list(cb.indicators["indicator"]))  # fmt: skip
    tidy["current"] = cur.ravel()
    tidy["target"] = tgt.ravel()
    tidy["role"] = pd.Categorical(tidy["role"], categories=list(ROLES))
    out = tidy[list(COLUMNS)]
    out.attrs["codebook"] = cb.to_dict()
    return out


def load_executive_survey(
    path: str | Path, codebook: str | Path | dict | ExecutiveCodebook | None = None
) -> pd.DataFrame:
    """Read, validate and tidy an executive CFE survey (CSV or XLSX). The file is only read.

    Parameters
    ----------
    path : str or Path
        The data file, one row per executive.
    codebook : path, dict or ExecutiveCodebook, optional
        The YAML codebook; default :func:`default_codebook` (the columns written by
        :func:`cxlab.synth.executive.write_executive_study`).

    Returns
    -------
    DataFrame
        One row per executive x indicator: ``executive_id, role, business_unit,
        industry, competency, indicator, current, target, brand_promise,
        customer_understanding`` (see :func:`executive_data_from_frame`).

    Raises
    ------
    DataError, CodebookError
        Naming the file, the column(s), the first offending rows and the rule.

    Examples
    --------
    >>> data = load_executive_survey("data/sample/executive/executive.csv",
    ...                              "data/sample/executive/executive_codebook.yaml")  # doctest: +SKIP
    """
    from cxlab.io import read_table

    if isinstance(codebook, ExecutiveCodebook):
        cb = codebook
    elif isinstance(codebook, dict):
        cb = ExecutiveCodebook.from_dict(codebook)
    elif codebook is not None:
        cb = ExecutiveCodebook.load(codebook)
    else:
        cb = default_codebook()
    frame, info = read_table(path)
    out = executive_data_from_frame(frame, cb, file=str(path), row_offset=info.get("row_offset", 2))
    out.attrs["source"] = {"path": str(path), "format": info.get("format")}
    return out


# ---------------------------------------------------------------- statistics
_LEVELS = {"indicator": ["competency", "indicator"], "competency": ["competency"], "overall": []}


def _check_data(data: pd.DataFrame) -> None:
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


def _names(data: pd.DataFrame) -> dict[str, str]:
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


def _per_executive(data: pd.DataFrame, level: str, by: list[str]) -> pd.DataFrame:
    """One row per executive (x competency / indicator): mean current, target and paired gap."""
    if level not in _LEVELS:
        raise ParameterError(f"level must be one of {list(_LEVELS)}, got {level!r}")
    unknown = [b for b in by if b not in data.columns]
    if unknown:
        raise ParameterError(
            "'by' names columns that are not in the executive data", location=str(unknown)
        )
    d = data.assign(gap=data["target"] - data["current"])
    keys = list(dict.fromkeys([*by, *_LEVELS[level], "executive_id"]))
    return (
        d.groupby(keys, observed=True, sort=True, dropna=False)[["current", "target", "gap"]]
        .mean()
        .reset_index()
    )


def _mean_ci(x: np.ndarray, confidence: float) -> tuple[float, float, float, float, int]:
    """Mean, t-interval, two-sided p of mean = 0, n (NaNs dropped)."""
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return np.nan, np.nan, np.nan, np.nan, 0
    m = float(x.mean())
    if n < 2:
        return m, np.nan, np.nan, np.nan, n
    se = float(x.std(ddof=1)) / np.sqrt(n)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * se
    p = float(2 * stats.t.sf(abs(m) / se, n - 1)) if se > 0 else (0.0 if m != 0 else 1.0)
    return m, m - half, m + half, p, n


def _suppress(table: pd.DataFrame, min_base: int, cols: list[str]) -> pd.DataFrame:
    small = table["n"] < min_base
    table["suppressed"] = small.to_numpy()
    if small.any():
        table.loc[small, cols] = np.nan
        warnings.warn(f"{int(small.sum())} row(s) with fewer than {min_base} executives suppressed",
                      SuppressionWarning, stacklevel=3)  # fmt: skip
    return table


def maturity(
    data: pd.DataFrame,
    level: str = "competency",
    by=None,
    min_base: int = 30,
    confidence: float = 0.95,
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
    level : {"competency", "indicator", "overall"}
    by : str or list of str, optional
        Columns to break down by (``role``, ``industry``, ``business_unit``).
    min_base : int
        Rows with fewer executives are suppressed (NaN estimates, ``suppressed``
        True, a :class:`~cxlab.errors.SuppressionWarning`).
    confidence : float
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
    _check_data(data)
    by = _as_list(by)
    per = _per_executive(data, level, by)
    keys = list(dict.fromkeys([*by, *_LEVELS[level]]))
    groups = per.groupby(keys, observed=True, sort=True, dropna=False) if keys else [((), per)]
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(keys, key, strict=True))
        for col in ("current", "target", "gap"):
            m, lo, hi, p, n = _mean_ci(part[col].to_numpy(dtype=float), confidence)
            row.update({col: m, f"{col}_ci_low": lo, f"{col}_ci_high": hi})
            if col == "current":
                row["n"] = n
        row["gap_p"] = p
        rows.append(row)
    table = pd.DataFrame(rows)
    names = _names(data)
    unit = _LEVELS[level][-1] if _LEVELS[level] else None
    table.insert(
        len(keys), "name", table[unit].astype(str).map(names) if unit else "All competencies"
    )
    stat = [f"{c}{s}" for c in ("current", "target", "gap") for s in ("", "_ci_low", "_ci_high")]
    table = table[[*keys, "name", "n", *stat, "gap_p"]]
    table.attrs["names"] = names
    return _suppress(table, min_base, [*stat, "gap_p"])


def weakest_indicators(
    data: pd.DataFrame, k: int = 10, rank_by: str = "current", confidence: float = 0.95
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

    Returns
    -------
    DataFrame
        ``rank`` then the columns of :func:`maturity` at indicator level.
    """
    if rank_by not in ("current", "gap"):
        raise ParameterError(f"rank_by must be 'current' or 'gap', got {rank_by!r}")
    table = maturity(data, "indicator", min_base=1, confidence=confidence)
    table = table.sort_values(rank_by, ascending=rank_by == "current", kind="stable").head(int(k))
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)


def _holm(p: np.ndarray) -> np.ndarray:
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        from statsmodels.stats.multitest import multipletests

        out[ok] = multipletests(p[ok], method="holm")[1]
    return out


def agreement(
    data: pd.DataFrame,
    level: str = "competency",
    rating: str = "current",
    alpha: float = 0.05,
    confidence: float = 0.95,
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
    level : {"competency", "indicator"}
    rating : {"current", "target", "gap"}
    alpha : float
        Family-wise error rate for ``disagree`` (Holm).
    confidence : float

    Returns
    -------
    DataFrame
        ``competency`` (and ``indicator``), ``name, n, mean, sd, iqr, rwg, n_top,
        n_middle, top, middle, difference, difference_ci_low, difference_ci_high,
        p_value, p_holm, disagree``.
    """
    _check_data(data)
    if level not in ("competency", "indicator"):
        raise ParameterError(f"level must be 'competency' or 'indicator', got {level!r}")
    if rating not in ("current", "target", "gap"):
        raise ParameterError(f"rating must be 'current', 'target' or 'gap', got {rating!r}")
    lo, hi = _scale(data)
    null_var = ((hi - lo + 1) ** 2 - 1) / 12.0
    per = _per_executive(data, level, ["role"])
    item_var = (data.assign(gap=data["target"] - data["current"])
                .groupby(["competency", "indicator"], observed=True)[rating].var().reset_index())  # fmt: skip
    keys = _LEVELS[level]
    names = _names(data)
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
            half = stats.t.ppf(0.5 + confidence / 2, df) * se
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
    table["p_holm"] = _holm(table["p_value"].to_numpy(dtype=float))
    table["disagree"] = (table["p_holm"] < alpha).to_numpy()
    return table


# ---------------------------------------------------------------- the promise gap
def _wilson(x: int, n: int, confidence: float) -> tuple[float, float]:
    if n == 0:
        return np.nan, np.nan
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def _clustered_share(
    flag: np.ndarray, w: np.ndarray, cluster: np.ndarray
) -> tuple[float, float, int]:
    """Weighted share of ``flag`` with a linearisation SE clustered by respondent."""
    codes, _ = pd.factorize(cluster)
    y = np.bincount(codes, w * flag)
    x = np.bincount(codes, w)
    p = y.sum() / x.sum()
    m = y.size
    z = (y - p * x) / x.sum()
    se = float(np.sqrt(m / (m - 1) * np.sum(z**2))) if m > 1 else np.nan
    return float(p), se, m


def _net_advocacy(
    recommend: pd.Series, weight: pd.Series, confidence: float
) -> tuple[float, float, float, int]:
    try:
        from cxlab.segments import net_advocacy
    except ImportError:  # pragma: no cover - segments is part of the package
        net_advocacy = None
    ok = recommend.notna().to_numpy()
    r, w = recommend[ok].to_numpy(dtype=float), weight[ok].to_numpy(dtype=float)
    if net_advocacy is not None:
        row = net_advocacy(pd.Series(r), pd.Series(w), min_base=1, level=confidence).iloc[0]
        return float(row["value"]), float(row["ci_low"]), float(row["ci_high"]), int(row["n"])
    p, d = np.average(r >= 9, weights=w), np.average(r <= 6, weights=w)
    n_eff = w.sum() ** 2 / np.sum(w**2)
    se = 100 * np.sqrt(max(p + d - (p - d) ** 2, 0) / n_eff)
    z = stats.norm.ppf(0.5 + confidence / 2)
    v = 100 * (p - d)
    return float(v), max(v - z * se, -100), min(v + z * se, 100), int(ok.sum())


@dataclass(frozen=True)
class PromiseGap:
    """Executives' self-assessment set against what customers report.

    Attributes
    ----------
    table : DataFrame
        One row per measure: ``measure, side, label, value, ci_low, ci_high, n,
        unit`` (percent, or points for net advocacy and the gap). Measures:
        ``brand_promise_fulfilled`` and ``deep_customer_understanding`` (executive),
        ``brand_expectation_met`` and ``net_advocacy`` (customer), ``promise_gap``
        (executive claim minus customer share, percentage points).
    events : DataFrame
        Share of each event's ratings meeting the brand expectation: ``event_id,
        name, stage, value, ci_low, ci_high, n``.
    verdict : str
        Plain-language reading of the numbers.
    confidence : float
    """

    table: pd.DataFrame
    events: pd.DataFrame
    verdict: str
    confidence: float = 0.95

    def value(self, measure: str) -> float:
        """The estimate of one measure."""
        return float(self.table.set_index("measure").loc[measure, "value"])

    def summary(self) -> pd.DataFrame:
        """The table with rounded figures and the interval as text."""
        t = self.table
        ci = [f"{lo:.0f} to {hi:.0f}" for lo, hi in zip(t["ci_low"], t["ci_high"], strict=True)]
        return pd.DataFrame({"measure": t["label"], "value": t["value"].round(1), f"{self.confidence:.0%} CI": ci,
                             "n": t["n"], "unit": t["unit"]})  # fmt: skip

    def plot(self, ax=None):
        """Share of ratings meeting the brand expectation per event, against the executives' claim."""
        import matplotlib.pyplot as plt

        ev = self.events.sort_values("value", ascending=False).reset_index(drop=True)
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.45 * len(ev) + 2.2))
        t = self.table.set_index("measure")
        allr = t.loc["brand_expectation_met"]
        labels = ["All interactions", *ev["name"].astype(str)]
        vals = np.r_[allr["value"], ev["value"]]
        lo, hi = np.r_[allr["ci_low"], ev["ci_low"]], np.r_[allr["ci_high"], ev["ci_high"]]
        y = np.arange(len(labels))[::-1]
        colours = [_OKABE_ITO["customer"]] + ["#56B4E9"] * len(ev)
        ax.barh(y, vals, color=colours, height=0.65, xerr=np.vstack([vals - lo, hi - vals]),
                error_kw={"ecolor": "#333333", "capsize": 3, "lw": 1})  # fmt: skip
        ex = t.loc["brand_promise_fulfilled"]
        ax.axvspan(ex["ci_low"], ex["ci_high"], color=_OKABE_ITO["executive"], alpha=0.15, lw=0,
                   label=f"{self.confidence:.0%} CI of the executives' share")  # fmt: skip
        ax.axvline(ex["value"], color=_OKABE_ITO["executive"], ls="--", lw=2,
                   label=f"Executives who say they fulfil the brand promise: {ex['value']:.0f}%")  # fmt: skip
        for i, (yy, v) in enumerate(zip(y, vals, strict=True)):
            ax.text(1.5, yy, f"{v:.0f}%", va="center", ha="left", fontsize=9, fontweight="bold",
                    color="white" if i == 0 else "#1a1a1a")  # fmt: skip
        ax.set_yticks(y, labels)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Customer ratings meeting or beating the brand expectation (%)")
        ax.set_title(
            f"The promise gap: {self.value('promise_gap'):+.0f} points between executives' claim and delivery"
        )
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False, fontsize=9, ncol=2
        )
        ax.grid(axis="x", alpha=0.3)
        return ax


def _verdict(t: pd.DataFrame, events: pd.DataFrame, confidence: float) -> str:
    r = t.set_index("measure")
    ex, cu, gap = (
        r.loc["brand_promise_fulfilled"],
        r.loc["brand_expectation_met"],
        r.loc["promise_gap"],
    )
    ci = f"{confidence:.0%} CI"
    text = (f"{ex['value']:.0f}% of executives ({ci} {ex['ci_low']:.0f}-{ex['ci_high']:.0f}%) say the company "
            f"fulfils its brand promise; customers' ratings met or beat their brand expectation in "
            f"{cu['value']:.0f}% of interactions ({cu['ci_low']:.0f}-{cu['ci_high']:.0f}%).")  # fmt: skip
    span = f"({ci} {gap['ci_low']:.0f} to {gap['ci_high']:.0f})"
    if gap["ci_low"] > 0:
        text += f" Executives overstate delivery: a promise gap of {gap['value']:.0f} percentage points {span}."
    elif gap["ci_high"] < 0:
        text += (f" Customers report better delivery than executives claim ({-gap['value']:.0f} points {span}): "
                 "no promise gap.")  # fmt: skip
    else:
        text += f" The claim and the delivery cannot be told apart (difference {gap['value']:+.0f} points {span})."
    if len(events):
        worst = events.sort_values("value").iloc[0]
        text += f" The widest shortfall is at '{worst['name']}' ({worst['value']:.0f}% meet the brand expectation)."
    if "deep_customer_understanding" in r.index and np.isfinite(
        r.loc["deep_customer_understanding", "value"]
    ):
        u = r.loc["deep_customer_understanding", "value"]
        text += (f" {'Only ' if u < 50 else ''}{u:.0f}% of executives claim a deep understanding of their customers; "
                 f"{100 - u:.0f}% describe it as generalised or superficial.")  # fmt: skip
    if "net_advocacy" in r.index and np.isfinite(r.loc["net_advocacy", "value"]):
        na = r.loc["net_advocacy"]
        text += f" Net advocacy is {na['value']:+.0f} ({ci} {na['ci_low']:+.0f} to {na['ci_high']:+.0f})."
    return text


def promise_gap(
    executive_data: pd.DataFrame,
    survey,
    *,
    industry: str | None = None,
    agree: float = 4,
    confidence: float = 0.95,
) -> PromiseGap:
    """Executives' belief that they keep the brand promise against customers' experience.

    Executive side (one answer per executive): the share agreeing "we fulfil our
    brand promise" (``agree`` or higher on 1-5) and the share claiming a deep
    understanding of customers, with Wilson intervals. Customer side, from
    ``survey.event_table()``: the weighted share of event ratings where
    ``performance >= brand_expectation`` (interval clustered by respondent, since a
    respondent rates several events) and net advocacy (% recommend 9-10 minus % 0-6).
    The promise gap is the executive share minus the customer share, with a normal
    interval from the two independent standard errors.

    Parameters
    ----------
    executive_data : DataFrame
        Tidy executive data (with ``brand_promise`` and ``customer_understanding``).
    survey : cxlab.Survey
        The customer survey of the same company.
    industry : str, optional
        Keep only executives of this industry (e.g. ``survey.codebook.industry``).
    agree : float
        Lowest answer counted as agreeing (4 = "agree" on a 1-5 scale).
    confidence : float

    Returns
    -------
    PromiseGap

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> from cxlab.synth.executive import make_executive_study
    >>> execs, _ = make_executive_study(seed=0)
    >>> survey, _ = make_study("banking", n_respondents=300, seed=0)
    >>> promise_gap(execs, survey).verdict.split(";")[0]  # doctest: +ELLIPSIS
    '...% of executives (95% CI ...) say the company fulfils its brand promise'
    """
    _check_data(executive_data)
    if "brand_promise" not in executive_data.columns:
        raise DataError(
            "executive data has no 'brand_promise' self-assessment", column="brand_promise"
        )
    people = executive_data.drop_duplicates("executive_id")
    if industry is not None:
        people = people[people["industry"] == industry]
        if people.empty:
            raise DataError(f"no executives of industry {industry!r}", column="industry")
    z = stats.norm.ppf(0.5 + confidence / 2)
    rows = []
    labels = {"brand_promise": ("brand_promise_fulfilled", "Executives: 'we fulfil our brand promise'"),
              "customer_understanding": ("deep_customer_understanding", "Executives: deep understanding of customers")}  # fmt: skip
    se_exec = np.nan
    for item, (measure, label) in labels.items():
        x = people[item].dropna().to_numpy(dtype=float) if item in people else np.array([])
        k, n = int((x >= agree).sum()), x.size
        lo, hi = _wilson(k, n, confidence)
        p = k / n if n else np.nan
        if item == "brand_promise":
            se_exec = np.sqrt(p * (1 - p) / n) if n else np.nan
        rows.append({"measure": measure, "side": "executive", "label": label, "value": 100 * p,
                     "ci_low": 100 * lo, "ci_high": 100 * hi, "n": n, "unit": "percent"})  # fmt: skip
    et = survey.event_table()
    et = et[et["performance"].notna() & et["brand_expectation"].notna()]
    if et.empty:
        raise DataError(
            "the customer survey has no event with both performance and brand_expectation"
        )
    met = (et["performance"] >= et["brand_expectation"]).to_numpy(dtype=float)
    w = et["weight"].to_numpy(dtype=float)
    p_c, se_c, _ = _clustered_share(met, w, et["respondent_id"].to_numpy())
    rows.append({"measure": "brand_expectation_met", "side": "customer",
                 "label": "Customers: ratings meeting the brand expectation", "value": 100 * p_c,
                 "ci_low": 100 * max(p_c - z * se_c, 0), "ci_high": 100 * min(p_c + z * se_c, 1), "n": len(et),
                 "unit": "percent"})  # fmt: skip
    resp = survey.respondents
    if "recommend" in resp and resp["recommend"].notna().any():
        na, na_lo, na_hi, na_n = _net_advocacy(resp["recommend"], resp["weight"], confidence)
    else:  # no likelihood-to-recommend question: the row stays, empty
        na, na_lo, na_hi, na_n = np.nan, np.nan, np.nan, 0
    rows.append({"measure": "net_advocacy", "side": "customer", "label": "Customers: net advocacy",
                 "value": na, "ci_low": na_lo, "ci_high": na_hi, "n": na_n, "unit": "points"})  # fmt: skip
    g = 100 * (rows[0]["value"] / 100 - p_c)
    se_g = 100 * np.sqrt(se_exec**2 + se_c**2)
    rows.append({"measure": "promise_gap", "side": "gap", "label": "Promise gap (executive claim - customer delivery)",
                 "value": g, "ci_low": g - z * se_g, "ci_high": g + z * se_g, "n": rows[0]["n"], "unit": "points"})  # fmt: skip
    table = pd.DataFrame(rows)
    ev_rows = []
    names = survey.events.set_index("event_id")
    for eid, part in et.groupby("event_id", observed=True, sort=False):
        f = (part["performance"] >= part["brand_expectation"]).to_numpy(dtype=float)
        p, se, _ = _clustered_share(
            f, part["weight"].to_numpy(dtype=float), part["respondent_id"].to_numpy()
        )
        ev_rows.append({"event_id": eid, "name": names.loc[eid, "name"] if eid in names.index else eid,
                        "stage": part["stage"].iloc[0], "value": 100 * p, "ci_low": 100 * max(p - z * se, 0),
                        "ci_high": 100 * min(p + z * se, 1), "n": len(part)})  # fmt: skip
    events = pd.DataFrame(ev_rows)
    return PromiseGap(table, events, _verdict(table, events, confidence), confidence)


# ---------------------------------------------------------------- charts
def _new_ax(ax, size):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_competencies(table: pd.DataFrame, ax=None, scale: tuple[float, float] = (1, 5)):
    """Dot plot of current and target maturity per competency, with intervals.

    Parameters
    ----------
    table : DataFrame
        :func:`maturity` at competency level (without ``by``).
    ax : matplotlib Axes, optional
    scale : tuple
        Rating scale, for the axis limits.

    Returns
    -------
    matplotlib Axes
    """
    if "competency" not in table or table["competency"].duplicated().any():
        raise ParameterError(
            "plot_competencies needs maturity(data, level='competency') without 'by'"
        )
    ax = _new_ax(ax, (8, 0.55 * len(table) + 1.8))
    t = table.reset_index(drop=True)
    y = np.arange(len(t))[::-1]
    ax.hlines(y, t["current"], t["target"], color=_OKABE_ITO["grey"], lw=3, alpha=0.5, zorder=1)
    for col, marker in (("current", "o"), ("target", "s")):
        err = np.vstack([t[col] - t[f"{col}_ci_low"], t[f"{col}_ci_high"] - t[col]])
        ax.errorbar(t[col], y, xerr=err, fmt=marker, color=_OKABE_ITO[col], ms=8, capsize=3, lw=1.2,
                    label=f"{col.capitalize()} maturity", zorder=2)  # fmt: skip
    for yy, g, x in zip(y, t["gap"], t["target_ci_high"], strict=True):
        ax.text(x + 0.06, yy, f"gap {g:+.1f}", va="center", fontsize=9, color="#333333")
    ax.set_yticks(y, t["name"].astype(str))
    ax.set_xlim(scale[0], scale[1] + 0.5)
    ax.set_xticks(np.arange(scale[0], scale[1] + 1))
    ax.set_xlabel(
        f"Maturity ({scale[0]:g} = initial ... {scale[1]:g} = leading); {int(t['n'].max())} executives"
    )
    ax.set_title("CFE maturity by competency: current and target")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_indicator_heatmap(table: pd.DataFrame, ax=None, scale: tuple[float, float] = (1, 5)):
    """Heat map of indicators (rows, grouped by competency) x current / target / gap.

    Current and target share one colour scale (the rating scale), the gap its own;
    each cell shows its value.

    Parameters
    ----------
    table : DataFrame
        :func:`maturity` at indicator level (without ``by``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib as mpl

    if "indicator" not in table or table["indicator"].duplicated().any():
        raise ParameterError(
            "plot_indicator_heatmap needs maturity(data, level='indicator') without 'by'"
        )
    t = table.reset_index(drop=True)
    ax = _new_ax(ax, (9, 0.26 * len(t) + 2))
    level_map = mpl.colormaps["cividis"]
    gap_map = mpl.colormaps["YlOrBr"]
    level_norm = mpl.colors.Normalize(scale[0], scale[1])
    gap_norm = mpl.colors.Normalize(0, max(2.0, float(np.nanmax(t["gap"]))))
    cols = ("current", "target", "gap")
    rgba = np.zeros((len(t), 3, 4))
    for j, col in enumerate(cols):
        cmap, norm = (gap_map, gap_norm) if col == "gap" else (level_map, level_norm)
        rgba[:, j] = cmap(norm(t[col].to_numpy(dtype=float)))
    ax.imshow(rgba, aspect="auto", interpolation="nearest")
    for i in range(len(t)):
        for j, col in enumerate(cols):
            v = t.loc[i, col]
            lum = 0.299 * rgba[i, j, 0] + 0.587 * rgba[i, j, 1] + 0.114 * rgba[i, j, 2]
            ax.text(j, i, "" if pd.isna(v) else f"{v:.1f}", ha="center", va="center", fontsize=7.5,
                    color="black" if lum > 0.55 else "white")  # fmt: skip
    ax.set_yticks(np.arange(len(t)), t["name"].astype(str), fontsize=8)
    ax.set_xticks(range(3), ["Current", "Target", "Gap"])
    ax.xaxis.tick_top()
    comp = t["competency"].astype(str).to_numpy()
    starts = [0, *[i for i in range(1, len(t)) if comp[i] != comp[i - 1]]]
    names = table.attrs.get("names") or _names(pd.DataFrame())
    for k, s in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(t)
        if s:
            ax.axhline(s - 0.5, color="white", lw=3)
        ax.text(2.62, (s + end - 1) / 2, names.get(comp[s], comp[s]).replace(" ", "\n", 1), va="center",
                ha="left", fontsize=8.5, fontweight="bold")  # fmt: skip
    ax.set_xlim(-0.5, 2.5)
    ax.set_title("CFE maturity by indicator (mean rating of executives)", pad=24)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return ax


# ---------------------------------------------------------------- the whole assessment
@dataclass(frozen=True)
class CFEAssessment:
    """A CFE assessment: maturity tables, weakest indicators, agreement, promise gap.

    Attributes
    ----------
    table : DataFrame
        Maturity per competency (:func:`maturity`).
    indicators, overall : DataFrame
        Maturity per indicator and overall.
    weakest : DataFrame
        :func:`weakest_indicators`.
    agreement : DataFrame
        :func:`agreement` per competency.
    promise : PromiseGap or None
        When a customer survey was given.
    """

    table: pd.DataFrame
    indicators: pd.DataFrame
    overall: pd.DataFrame
    weakest: pd.DataFrame
    agreement: pd.DataFrame
    promise: PromiseGap | None = None

    @property
    def verdict(self) -> str:
        """Plain-language findings."""
        t = self.table.sort_values("current")
        o = self.overall.iloc[0]
        gap = self.table.sort_values("gap", ascending=False).iloc[0]
        text = (f"Overall CFE maturity is {o['current']:.1f} of 5 now against a target of {o['target']:.1f} "
                f"({int(o['n'])} executives). Weakest: {t['name'].iloc[0]} ({t['current'].iloc[0]:.1f}); "
                f"strongest: {t['name'].iloc[-1]} ({t['current'].iloc[-1]:.1f}). "
                f"Largest gap to target: {gap['name']} ({gap['gap']:+.1f}).")  # fmt: skip
        dis = self.agreement[self.agreement["disagree"]]
        if len(dis):
            parts = [f"{r.name} (middle - top {r.difference:+.2f})" for r in dis.itertuples()]
            text += " Middle and top management disagree on " + ", ".join(parts) + "."
        else:
            text += " Middle and top management do not disagree detectably on any competency."
        if self.promise is not None:
            text += " " + self.promise.verdict
        return text

    def summary(self) -> str:
        """The verdict (a string; tables are in the attributes)."""
        return self.verdict

    def plot(self, ax=None, kind: str = "competencies"):
        """``kind``: ``"competencies"`` (dot plot), ``"indicators"`` (heat map) or ``"promise"``."""
        if kind == "competencies":
            return plot_competencies(self.table, ax=ax)
        if kind == "indicators":
            return plot_indicator_heatmap(self.indicators, ax=ax)
        if kind == "promise":
            if self.promise is None:
                raise ParameterError(
                    "no promise gap: assess() was called without a customer survey"
                )
            return self.promise.plot(ax=ax)
        raise ParameterError(
            f"kind must be 'competencies', 'indicators' or 'promise', got {kind!r}"
        )


def assess(
    executive_data: pd.DataFrame, survey=None, *, k: int = 10, min_base: int = 30, confidence: float = 0.95,
    industry: str | None = None,
) -> CFEAssessment:  # fmt: skip
    """The whole CFE assessment in one call (what the client report uses).

    Parameters
    ----------
    executive_data : DataFrame
        Tidy executive data (:func:`load_executive_survey`).
    survey : cxlab.Survey, optional
        The company's customer survey; adds the promise gap.
    k : int
        Weakest indicators to list.
    min_base, confidence
        Passed to :func:`maturity`.
    industry : str, optional
        Passed to :func:`promise_gap`.

    Returns
    -------
    CFEAssessment

    Examples
    --------
    >>> from cxlab.synth.executive import make_executive_study
    >>> data, truth = make_executive_study(seed=0)
    >>> result = assess(data)
    >>> result.table["competency"].tolist()[:2]
    ['customer_authority', 'customer_dialog']
    """
    return CFEAssessment(
        table=maturity(executive_data, "competency", min_base=min_base, confidence=confidence),
        indicators=maturity(executive_data, "indicator", min_base=min_base, confidence=confidence),
        overall=maturity(executive_data, "overall", min_base=min_base, confidence=confidence),
        weakest=weakest_indicators(executive_data, k=k, confidence=confidence),
        agreement=agreement(executive_data, confidence=confidence),
        promise=None
        if survey is None
        else promise_gap(executive_data, survey, industry=industry, confidence=confidence),
    )
