"""The codebook: a client's questionnaire mapped onto the CX framework.

A codebook is a YAML file (or a dict) that says which column of the client's data
file holds which framework quantity: respondent id, weight, demographics, personal
data, lifecycle stages, events with their question columns, respondent-level items
and segment variables, scales, missing-value codes and reverse-coded items.
It is validated on load; every problem raises :class:`cxlab.errors.CodebookError`
naming the YAML location.

Examples
--------
>>> from cxlab.codebook import Codebook
>>> cb = Codebook.from_dict({
...     "respondent_id": "id",
...     "events": [{"id": "pay_bill", "name": "Pay a bill", "stage": "Pay",
...                 "channel": "web", "items": {"satisfaction": "q1"}}],
... })
>>> cb.events[0].items["satisfaction"].column
'q1'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cxlab.errors import CodebookError

__all__ = [
    "Codebook",
    "Event",
    "Item",
    "Scale",
    "DEFAULT_STAGES",
    "TACTILE_ATTRIBUTES",
    "EMOTIVE_ATTRIBUTES",
    "EVENT_ITEM_KINDS",
    "RESPONDENT_ITEMS",
    "LENS_DRIVERS",
]

DEFAULT_STAGES = (
    "Aware",
    "Shop/Buy",
    "Set Up",
    "Use & Support",
    "Pay",
    "Add/Renew/Upgrade",
    "Leave",
)
TACTILE_ATTRIBUTES = (
    "efficiency",
    "consistency",
    "availability",
    "reliability",
    "responsiveness",
    "convenience",
)
EMOTIVE_ATTRIBUTES = ("trustworthy", "genuine", "empathetic", "dignity", "honesty", "respect")
#: kind of every event-level item the framework knows
EVENT_ITEM_KINDS = {
    "significance": "importance",
    "personal_investment": "importance",
    "brand_expectation": "expectation",
    "baseline_expectation": "expectation",
    "satisfaction": "outcome",
    **{a: "tactile" for a in TACTILE_ATTRIBUTES},
    **{a: "emotive" for a in EMOTIVE_ATTRIBUTES},
}
#: respondent-level items and their type
RESPONDENT_ITEMS = {
    "recommend": "rating",
    "retention_intent": "rating",
    "complained": "binary",
    "warned_others": "binary",
    "spend": "numeric",
    "tenure": "numeric",
    "referrals": "numeric",
    "service_cost": "numeric",
}
LENS_DRIVERS = ("loyalty", "retention", "pain")
ITEM_TYPES = ("rating", "numeric", "binary", "category")

_TOP_KEYS = {
    "name",
    "client",
    "industry",
    "format",
    "respondent_id",
    "weight",
    "duration",
    "missing_codes",
    "scales",
    "default_scale",
    "attributes",
    "stages",
    "personal_data",
    "demographics",
    "respondent_items",
    "segments",
    "events",
}
_ITEM_KEYS = {
    "column",
    "scale",
    "reverse",
    "labels",
    "missing_codes",
    "type",
    "min",
    "max",
    "label",
}
_EVENT_KEYS = {"id", "name", "stage", "channel", "lenses", "items"}
_LENS_KEYS = {"driver", "capability", "initiative"}


@dataclass(frozen=True)
class Scale:
    """A rating scale with inclusive bounds."""

    min: float
    max: float

    def reverse(self, value):
        """Reverse-code ``value`` on this scale (``min + max - value``)."""
        return self.min + self.max - value


@dataclass(frozen=True)
class Item:
    """One column of the data file and how to read it.

    ``type`` is ``rating`` (on ``scale``), ``numeric`` (bounded by ``min``/``max``
    when given), ``binary`` (0/1) or ``category`` (codes with ``labels``).
    """

    name: str
    column: str
    type: str = "rating"
    scale: Scale | None = None
    reverse: bool = False
    labels: dict | None = None
    missing_codes: tuple = ()
    min: float | None = None
    max: float | None = None
    label: str | None = None


@dataclass(frozen=True)
class Event:
    """A customer event: an interaction at a lifecycle stage in a channel."""

    id: str
    name: str
    stage: str
    channel: str
    lenses: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)  # framework item name -> Item


@dataclass(frozen=True)
class Codebook:
    """A validated codebook. Build it with :meth:`load` or :meth:`from_dict`."""

    respondent_id: str
    events: tuple
    stages: tuple = DEFAULT_STAGES
    weight: str | None = None
    duration: str | None = None
    missing_codes: tuple = ()
    personal_data: tuple = ()
    demographics: dict = field(default_factory=dict)
    respondent_items: dict = field(default_factory=dict)
    segments: dict = field(default_factory=dict)
    tactile_attributes: tuple = TACTILE_ATTRIBUTES
    emotive_attributes: tuple = EMOTIVE_ATTRIBUTES
    name: str = ""
    industry: str = ""
    format: str | None = None
    source: str | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | Path) -> Codebook:
        """Read and validate a YAML codebook."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CodebookError("codebook file not found", file=str(path)) from None
        except IsADirectoryError:
            raise CodebookError("expected a codebook file, got a folder", file=str(path)) from None
        except UnicodeDecodeError as err:
            raise CodebookError(
                f"codebook is not UTF-8 text ({err.reason})", file=str(path)
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            loc = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
            raise CodebookError(
                f"not valid YAML: {getattr(err, 'problem', err)}", file=str(path), location=loc
            ) from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> Codebook:
        """Validate a codebook given as a dict (the parsed YAML)."""
        try:
            return _Parser(source).parse(data)
        except CodebookError:
            raise
        except (TypeError, AttributeError, ValueError, KeyError) as err:
            # last line of defence: a section of the wrong type the checks missed
            raise CodebookError(
                f"malformed codebook: a section has the wrong type ({type(err).__name__}: {err})",
                file=source,
            ) from None

    def to_dict(self) -> dict:
        """The codebook as a plain dict (round-trips through :meth:`from_dict`)."""
        return self.raw

    def save(self, path: str | Path) -> Path:
        """Write the codebook as YAML."""
        path = Path(path)
        path.write_text(
            yaml.safe_dump(self.raw, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
        return path

    # ---------------------------------------------------------------- queries
    @property
    def event_ids(self) -> list[str]:
        return [e.id for e in self.events]

    def all_items(self):
        """Yield ``(location, Item)`` for every mapped column."""
        for name, item in self.demographics.items():
            yield f"demographics.{name}", item
        for name, item in self.respondent_items.items():
            yield f"respondent_items.{name}", item
        for name, item in self.segments.items():
            yield f"segments.{name}", item
        for i, event in enumerate(self.events):
            for name, item in event.items.items():
                yield f"events[{i}].items.{name}", item

    def columns(self) -> list[str]:
        """Every data column the codebook names (id, weight, items, personal data)."""
        cols = [self.respondent_id]
        if self.weight:
            cols.append(self.weight)
        if self.duration:
            cols.append(self.duration)
        cols.extend(item.column for _, item in self.all_items())
        cols.extend(self.personal_data)
        return cols


class _Parser:
    def __init__(self, source):
        self.source = source

    def fail(self, rule, location=None):
        raise CodebookError(rule, file=self.source, location=location)

    def check_keys(self, mapping, allowed, location):
        if not isinstance(mapping, dict):
            self.fail(f"expected a mapping, got {type(mapping).__name__}", location)
        unknown = sorted(set(map(str, mapping)) - allowed)
        if unknown:
            self.fail(f"unknown key(s) {unknown}; allowed: {sorted(allowed)}", location)

    def scale(self, spec, scales, location):
        if spec is None:
            return None
        if isinstance(spec, str):
            if spec not in scales:
                self.fail(f"unknown scale {spec!r}; defined scales: {sorted(scales)}", location)
            return scales[spec]
        if isinstance(spec, dict) and {"min", "max"} <= set(spec):
            return self.make_scale(spec, location)
        self.fail("a scale is a name from 'scales' or a mapping with min and max", location)

    def make_scale(self, spec, location):
        try:
            lo, hi = float(spec["min"]), float(spec["max"])
        except (TypeError, ValueError, KeyError):
            self.fail("scale needs numeric 'min' and 'max'", location)
        if lo >= hi:
            self.fail(f"scale min ({lo:g}) must be below max ({hi:g})", location)
        return Scale(lo, hi)

    def codes(self, value, location):
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            value = [value]
        out = []
        for v in value:
            if isinstance(v, bool) or not isinstance(v, int | float):
                self.fail(f"missing codes must be numbers, got {v!r}", location)
            out.append(float(v))
        return tuple(out)

    def item(self, name, spec, location, *, default_type, scales, default_scale, global_missing):
        if isinstance(spec, str):
            spec = {"column": spec}
        self.check_keys(spec, _ITEM_KEYS, location)
        column = spec.get("column")
        if not isinstance(column, str) or not column:
            self.fail("item needs a 'column' (the data column name)", location)
        kind = spec.get("type", default_type)
        if kind not in ITEM_TYPES:
            self.fail(f"unknown item type {kind!r}; allowed: {list(ITEM_TYPES)}", location)
        scale = None
        if kind == "rating":
            scale = self.scale(spec.get("scale", default_scale), scales, location + ".scale")
            if scale is None:
                self.fail(
                    "rating item needs a scale (item 'scale' or codebook 'default_scale')", location
                )
        labels = spec.get("labels")
        if labels is not None:
            if not isinstance(labels, dict) or not labels:
                self.fail("labels must be a non-empty mapping code -> label", location + ".labels")
            labels = {_code(k): str(v) for k, v in labels.items()}
        if kind == "category" and labels is None:
            labels = None  # categories taken from the data (or SPSS value labels)
        reverse = spec.get("reverse", False)
        if not isinstance(reverse, bool):
            self.fail("'reverse' must be true or false", location + ".reverse")
        if reverse and kind != "rating":
            self.fail("only rating items can be reverse-coded", location + ".reverse")
        bounds = {}
        for key in ("min", "max"):
            if key in spec:
                try:
                    bounds[key] = float(spec[key])
                except (TypeError, ValueError):
                    self.fail(f"'{key}' must be a number", f"{location}.{key}")
        missing = global_missing + self.codes(
            spec.get("missing_codes"), location + ".missing_codes"
        )
        return Item(
            name=name,
            column=column,
            type=kind,
            scale=scale,
            reverse=reverse,
            labels=labels,
            missing_codes=missing,
            min=bounds.get("min"),
            max=bounds.get("max"),
            label=spec.get("label"),
        )

    def parse(self, data) -> Codebook:
        if data is None:
            self.fail("codebook is empty")
        self.check_keys(data, _TOP_KEYS, "codebook")
        rid = data.get("respondent_id")
        if not isinstance(rid, str) or not rid:
            self.fail("'respondent_id' (the id column name) is required", "respondent_id")
        missing = self.codes(data.get("missing_codes"), "missing_codes")
        scales = {"rating": Scale(1.0, 10.0), "recommend": Scale(0.0, 10.0)}
        for name, spec in (data.get("scales") or {}).items():
            if not isinstance(spec, dict):
                self.fail("a scale is a mapping with min and max", f"scales.{name}")
            self.check_keys(spec, {"min", "max"}, f"scales.{name}")
            scales[str(name)] = self.make_scale(spec, f"scales.{name}")
        default_scale = data.get("default_scale", "rating")
        stages = data.get("stages", list(DEFAULT_STAGES))
        if (
            not isinstance(stages, list)
            or not stages
            or not all(isinstance(s, str) for s in stages)
        ):
            self.fail("'stages' must be a non-empty list of stage names", "stages")
        if len(set(stages)) != len(stages):
            self.fail("'stages' lists a stage twice", "stages")

        attributes = data.get("attributes") or {}
        self.check_keys(attributes, {"tactile", "emotive"}, "attributes")
        tactile = tuple(attributes.get("tactile", TACTILE_ATTRIBUTES))
        emotive = tuple(attributes.get("emotive", EMOTIVE_ATTRIBUTES))
        item_kinds = dict(EVENT_ITEM_KINDS)
        item_kinds.update({a: "tactile" for a in tactile})
        item_kinds.update({a: "emotive" for a in emotive})

        common = {"scales": scales, "default_scale": default_scale, "global_missing": missing}

        def section(key, default_type, known=None):
            out = {}
            spec = data.get(key) or {}
            if not isinstance(spec, dict):
                self.fail("expected a mapping of name -> column spec", key)
            for name, item_spec in spec.items():
                itype = (known or {}).get(name, default_type)
                out[str(name)] = self.item(
                    str(name), item_spec, f"{key}.{name}", default_type=itype, **common
                )
            return out

        demographics = section("demographics", "category", {"age": "numeric"})
        respondent_items = section("respondent_items", "numeric", RESPONDENT_ITEMS)
        if "recommend" in respondent_items and respondent_items["recommend"].type == "rating":
            item = respondent_items["recommend"]
            if "scale" not in (data["respondent_items"]["recommend"] or {}) or isinstance(
                data["respondent_items"]["recommend"], str
            ):
                respondent_items["recommend"] = Item(
                    **{**item.__dict__, "scale": scales["recommend"]}
                )
        segments = section("segments", "category")

        personal = data.get("personal_data") or []
        if not isinstance(personal, list) or not all(isinstance(c, str) for c in personal):
            self.fail("'personal_data' must be a list of column names", "personal_data")

        events_spec = data.get("events")
        if not isinstance(events_spec, list) or not events_spec:
            self.fail("'events' must be a non-empty list", "events")
        events, seen = [], set()
        for i, ev in enumerate(events_spec):
            loc = f"events[{i}]"
            self.check_keys(ev, _EVENT_KEYS, loc)
            eid = ev.get("id")
            if not isinstance(eid, str) or not eid:
                self.fail("event needs an 'id'", loc)
            if eid in seen:
                self.fail(f"event id {eid!r} appears twice", loc)
            seen.add(eid)
            stage = ev.get("stage")
            if stage not in stages:
                self.fail(
                    f"stage {stage!r} is not one of the codebook stages {stages}", f"{loc}.stage"
                )
            lenses = ev.get("lenses") or {}
            self.check_keys(lenses, _LENS_KEYS, f"{loc}.lenses")
            if "driver" in lenses and lenses["driver"] not in LENS_DRIVERS:
                self.fail(
                    f"lens driver {lenses['driver']!r} must be one of {list(LENS_DRIVERS)}",
                    f"{loc}.lenses.driver",
                )
            items_spec = ev.get("items")
            if not isinstance(items_spec, dict) or not items_spec:
                self.fail("event needs 'items' (framework item -> column)", f"{loc}.items")
            items = {}
            for name, spec in items_spec.items():
                if name not in item_kinds:
                    self.fail(
                        f"unknown item {name!r}; known items: {sorted(item_kinds)} "
                        "(declare extra attributes under 'attributes')",
                        f"{loc}.items.{name}",
                    )
                items[name] = self.item(
                    name, spec, f"{loc}.items.{name}", default_type="rating", **common
                )
            events.append(
                Event(
                    id=eid,
                    name=str(ev.get("name", eid)),
                    stage=stage,
                    channel=str(ev.get("channel", "unknown")),
                    lenses={k: str(v) for k, v in lenses.items()},
                    items=items,
                )
            )

        cb = Codebook(
            respondent_id=rid,
            events=tuple(events),
            stages=tuple(stages),
            weight=data.get("weight"),
            duration=data.get("duration"),
            missing_codes=missing,
            personal_data=tuple(personal),
            demographics=demographics,
            respondent_items=respondent_items,
            segments=segments,
            tactile_attributes=tactile,
            emotive_attributes=emotive,
            name=str(data.get("name") or data.get("client") or ""),
            industry=str(data.get("industry") or ""),
            format=data.get("format"),
            source=self.source,
            raw=data,
        )
        # one column may feed only one item
        owners: dict[str, str] = {}
        for loc, item in cb.all_items():
            if item.column in owners:
                self.fail(
                    f"column {item.column!r} is mapped twice (also at {owners[item.column]})", loc
                )
            owners[item.column] = loc
        for col in cb.personal_data:
            if col in owners:
                self.fail(
                    f"personal-data column {col!r} is also mapped as an item at {owners[col]}",
                    "personal_data",
                )
        return cb


def _code(key):
    """Normalise a value-label code: 1, 1.0 and '1' are the same code."""
    try:
        f = float(key)
        return int(f) if f.is_integer() else f
    except (TypeError, ValueError):
        return str(key)
