"""The codebook: a client's questionnaire mapped onto the CX framework.

A codebook is a YAML file (or a dict) that says which column of the client's data
file holds which framework quantity: respondent id (optional), weight, demographics
(with age bands), personal data, lifecycle stages, events with their question columns
(optional: a survey may have none), respondent-level items and segment variables,
scales, missing-value codes, recodes, reverse-coded items, derived items (means, sums,
top-box), advocacy cut points, key-driver and item-group declarations.
It is validated on load; *every* problem is collected and reported together in one
:class:`cxlab.errors.CodebookError` naming each YAML location. Every key is
documented, with examples, in ``docs/codebook.md``.

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

from cxlab.errors import CodebookError, combine_errors

__all__ = [
    "DESIGN_KEYS",
    "Codebook",
    "CommentItem",
    "COMMENT_LANGUAGES",
    "Event",
    "Item",
    "Scale",
    "DEFAULT_STAGES",
    "TACTILE_ATTRIBUTES",
    "EMOTIVE_ATTRIBUTES",
    "EVENT_ITEM_KINDS",
    "RESPONDENT_ITEMS",
    "LENS_DRIVERS",
    "ITEM_TYPES",
    "RESERVED_NAMES",
    "KEYS",
    "wave_label",
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

#: respondent-level names the data model uses itself (never a codebook item name)
RESERVED_NAMES = (
    "respondent_id",
    "weight",
    "duration",
    "age_band",
    "wave",
    "strata",
    "cluster",
    "fpc",
)
#: the sample-design columns a codebook may name (docs/survey-design.md)
DESIGN_KEYS = ("strata", "cluster", "fpc")
_FORMATS = ("csv", "qualtrics", "xlsx", "sav")

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
    "derived",
    "drivers",
    "item_groups",
    "satisfaction_model",
    "wave",
    "waves",
    "strata",
    "cluster",
    "fpc",
    "comments",
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
    "recode",
    "advocate_min",
    "antagonist_max",
    "bands",
}
_EVENT_KEYS = {"id", "name", "stage", "channel", "lenses", "items"}
_LENS_KEYS = {"driver", "capability", "initiative"}
_DERIVED_KEYS = {"mean", "sum", "top_box", "min_valid", "label"}
_DERIVED_OPS = ("mean", "sum", "top_box")
_MODEL_KEYS = {"constructs", "paths", "target", "scheme"}
_CONSTRUCT_KEYS = {"items", "mode", "label"}
_WAVE_KEYS = {"rename", "not_asked"}
#: every key a codebook may use, by where it goes (documented in docs/codebook.md)
KEYS = {
    "codebook": frozenset(_TOP_KEYS),
    "item": frozenset(_ITEM_KEYS),
    "event": frozenset(_EVENT_KEYS),
    "lenses": frozenset(_LENS_KEYS),
    "derived": frozenset(_DERIVED_KEYS),
    "satisfaction_model": frozenset(_MODEL_KEYS),
    "construct": frozenset(_CONSTRUCT_KEYS),
    "waves": frozenset(_WAVE_KEYS),
}


@dataclass(frozen=True)
class Scale:
    """A rating scale with inclusive bounds."""

    min: float
    max: float

    def reverse(self, value):
        """Reverse-code ``value`` on this scale (``min + max - value``).

        Parameters
        ----------
        value : float or array-like
            Rating(s) on this scale.
        """
        return self.min + self.max - value


@dataclass(frozen=True)
class Item:
    """One column of the data file (or one derived item) and how to read it.

    ``type`` is ``rating`` (on ``scale``), ``numeric`` (bounded by ``min``/``max``
    when given), ``binary`` (0/1) or ``category`` (codes with ``labels``).
    ``recode`` maps raw codes to values (applied after missing codes, before the type
    checks); ``advocate_min``/``antagonist_max`` are advocacy cut points of a rating
    item; ``bands`` are the ``(label, low, high, closed_high)`` bands of a numeric
    demographic; ``derived`` (``{"op", "items", "min_valid", "min", "max"}``) marks
    an item computed from other items (its ``column`` is ``None``).
    """

    name: str
    column: str | None
    type: str = "rating"
    scale: Scale | None = None
    reverse: bool = False
    labels: dict | None = None
    missing_codes: tuple = ()
    min: float | None = None
    max: float | None = None
    label: str | None = None
    recode: dict | None = None
    advocate_min: float | None = None
    antagonist_max: float | None = None
    bands: tuple | None = None
    derived: dict | None = None

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """The lowest and highest valid value (scale, 0/1 or min/max; None if open)."""
        if self.type == "rating" and self.scale is not None:
            return self.scale.min, self.scale.max
        if self.type == "binary":
            return 0.0, 1.0
        return self.min, self.max


@dataclass(frozen=True)
class Event:
    """A customer event: an interaction at a lifecycle stage in a channel."""

    id: str
    name: str
    stage: str
    channel: str
    lenses: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)  # framework item name -> Item


#: languages a comment item may declare (ISO 639-1) besides ``auto`` (detected per comment)
COMMENT_LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pt")


@dataclass(frozen=True)
class CommentItem:
    """A free-text (open-ended) question: its column, its event (None: about the
    respondent as a whole) and its language (``"auto"``: detected per comment).

    Comments are personal data: :func:`cxlab.load_survey` keeps only their redacted
    text (:func:`cxlab.text.redact`) in ``Survey.comments``.
    """

    name: str
    column: str
    event: str | None = None
    language: str = "auto"


@dataclass(frozen=True)
class Codebook:
    """A validated codebook. Build it with :meth:`load` or :meth:`from_dict`.

    ``respondent_id`` is ``None`` when the file has no id column (respondents are
    then numbered by data row, 1..n); ``events`` is empty for a survey without
    customer events. ``respondent_items`` holds the derived items too (after the
    items read from the file); ``drivers`` is ``{"outcome": name, "items": [...]}``
    or empty; ``item_groups`` maps a group name to a tuple of respondent item names;
    ``satisfaction_model`` is empty or ``{"blocks": {construct: [items]}, "modes":
    {construct: "A"|"B"}, "paths": [(source, target)], "target": construct,
    "labels": {construct: label}, "scheme": None or a scheme}`` (a PLS path model for
    :func:`cxlab.pls.fit`).
    ``wave`` is the column naming each respondent's survey wave (None: one wave, or
    several files loaded with :func:`cxlab.load_waves`); ``waves`` lists the waves in
    order (labels as text), each with what changed in its file: ``{label: {"rename":
    {codebook column: column in that wave's file}, "not_asked": (codebook columns
    the wave did not ask,)}}`` (see ``docs/codebook.md``, "Waves").
    """

    respondent_id: str | None = None
    events: tuple = ()
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
    drivers: dict = field(default_factory=dict)
    item_groups: dict = field(default_factory=dict)
    satisfaction_model: dict = field(default_factory=dict)
    wave: str | None = None
    waves: dict = field(default_factory=dict)
    strata: str | None = None
    cluster: str | None = None
    fpc: str | None = None

    @property
    def design(self) -> dict:
        """The sample-design arguments of the estimates (``strata``, ``cluster``,
        ``fpc``: the respondents' columns of those names, or None / "auto")."""
        return {
            "strata": "strata" if self.strata else None,
            "cluster": "cluster" if self.cluster else "auto",
            "fpc": "fpc" if self.fpc else None,
        }

    def describe_design(self) -> str:
        """The declared sample design in words, with the data's column names, e.g.
        ``"stratified by region, clustered by branch, with finite-population corrections
        (pop_branches)"``; ``"simple random sample with weights"`` without design columns
        (``"simple random sample (unweighted)"`` without a weight column either).
        """
        from cxlab._checks import describe_design

        return describe_design(self.strata, self.cluster, self.fpc, weighted=bool(self.weight))

    comments: tuple = ()

    @property
    def wave_labels(self) -> list[str]:
        """The waves the codebook lists, in order (empty when it lists none)."""
        return list(self.waves)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | Path) -> Codebook:
        """Read and validate a YAML codebook (every problem reported at once)."""
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
        """Write the codebook as YAML.

        Parameters
        ----------
        path : str or path-like
            The file.
        """
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
        """Yield ``(location, Item)`` for every item (derived items included)."""
        for name, item in self.demographics.items():
            yield f"demographics.{name}", item
        for name, item in self.respondent_items.items():
            where = "derived" if item.derived else "respondent_items"
            yield f"{where}.{name}", item
        for name, item in self.segments.items():
            yield f"segments.{name}", item
        for i, event in enumerate(self.events):
            for name, item in event.items.items():
                yield f"events[{i}].items.{name}", item

    def columns(self) -> list[str]:
        """Every data column the codebook names (id, weight, items, personal data)."""
        cols = [self.respondent_id] if self.respondent_id else []
        if self.weight:
            cols.append(self.weight)
        if self.duration:
            cols.append(self.duration)
        if self.wave:
            cols.append(self.wave)
        cols.extend(c for c in (self.strata, self.cluster, self.fpc) if c)
        cols.extend(item.column for _, item in self.all_items() if item.column is not None)
        cols.extend(self.personal_data)
        cols.extend(c.column for c in self.comments)
        return cols


class _Skip(Exception):
    """Abandon the current codebook entry after its problem was recorded."""


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _band_label(lo: float, hi: float, closed: bool) -> str:
    if float(lo).is_integer() and float(hi).is_integer():
        return f"{int(lo)}-{int(hi) if closed else int(hi) - 1}"
    return f"{lo:g}-{hi:g}"


class _Parser:
    def __init__(self, source):
        self.source = source
        self.problems: list[CodebookError] = []
        self.broken: set[str] = set()  # names declared but invalid (no follow-up errors)

    # ------------------------------------------------------------ problems
    def problem(self, rule, location=None):
        self.problems.append(CodebookError(rule, file=self.source, location=location))

    def fail(self, rule, location=None):
        self.problem(rule, location)
        raise _Skip

    def check_keys(self, mapping, allowed, location):
        if not isinstance(mapping, dict):
            self.fail(f"expected a mapping, got {type(mapping).__name__}", location)
        unknown = sorted(set(map(str, mapping)) - allowed)
        if unknown:
            self.problem(f"unknown key(s) {unknown}; allowed: {sorted(allowed)}", location)

    # ------------------------------------------------------------ pieces
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
        if not _is_number(spec.get("min")) or not _is_number(spec.get("max")):
            self.fail("scale needs numeric 'min' and 'max'", location)
        lo, hi = float(spec["min"]), float(spec["max"])
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
            if not _is_number(v):
                self.problem(f"missing codes must be numbers, got {v!r}", location)
                continue
            out.append(float(v))
        return tuple(out)

    def recode(self, spec, location):
        if not isinstance(spec, dict) or not spec:
            self.fail("'recode' must be a non-empty mapping old code -> new value", location)
        out = {}
        for old, new in spec.items():
            if new is not None and not _is_number(new):
                self.problem(
                    f"recode value for {old!r} must be a number or null (missing), got {new!r}",
                    location,
                )
                continue
            key = _code(old)
            out[key.casefold() if isinstance(key, str) else key] = (
                None if new is None else float(new)
            )
        return out

    def bands(self, spec, location):
        if isinstance(spec, list):
            if len(spec) < 2 or not all(_is_number(v) for v in spec):
                self.fail(
                    "'bands' is a list of at least two numbers (band edges) or a mapping "
                    "label -> [low, high]",
                    location,
                )
            edges = [float(v) for v in spec]
            if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
                self.fail("band edges must increase", location)
            n = len(edges) - 1
            return tuple(
                (_band_label(lo, hi, i == n - 1), lo, hi, i == n - 1)
                for i, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False))
            )
        if isinstance(spec, dict) and spec:
            out = []
            for label, rng in spec.items():
                if (
                    not isinstance(rng, list | tuple)
                    or len(rng) != 2
                    or not all(_is_number(v) for v in rng)
                    or rng[0] > rng[1]
                ):
                    self.fail(
                        f"band {label!r} needs [low, high] with low <= high", f"{location}.{label}"
                    )
                out.append((str(label), float(rng[0]), float(rng[1]), True))
            out.sort(key=lambda b: b[1])
            for a, b in zip(out, out[1:], strict=False):
                if b[1] <= a[2]:
                    self.fail(f"bands {a[0]!r} and {b[0]!r} overlap", location)
            return tuple(out)
        self.fail(
            "'bands' is a list of band edges (e.g. [18, 30, 45, 65]) or a mapping "
            "label -> [low, high]",
            location,
        )

    def item(self, name, spec, location, *, default_type, scales, default_scale, global_missing,
             section=None):  # fmt: skip
        before = len(self.problems)
        if isinstance(spec, str):
            spec = {"column": spec}
        self.check_keys(spec, _ITEM_KEYS, location)
        column = spec.get("column")
        if not isinstance(column, str) or not column:
            self.problem("item needs a 'column' (the data column name)", location)
        kind = spec.get("type", default_type)
        if kind not in ITEM_TYPES:
            self.fail(f"unknown item type {kind!r}; allowed: {list(ITEM_TYPES)}", location)
        scale = None
        if kind == "rating":
            if "scale" in spec:
                scale = self.scale(spec["scale"], scales, location + ".scale")
                if scale is _BROKEN:
                    raise _Skip  # the scale's own problem is reported already
            elif default_scale is _BROKEN:
                raise _Skip  # the default scale's problem is reported already
            else:
                scale = default_scale
            if scale is None:
                self.fail(
                    "rating item needs a scale (item 'scale' or codebook 'default_scale')", location
                )
        labels = spec.get("labels")
        if labels is not None:
            if not isinstance(labels, dict) or not labels:
                self.problem(
                    "labels must be a non-empty mapping code -> label", location + ".labels"
                )
                labels = None
            else:
                labels = {_code(k): str(v) for k, v in labels.items()}
        reverse = spec.get("reverse", False)
        if not isinstance(reverse, bool):
            self.problem("'reverse' must be true or false", location + ".reverse")
        elif reverse and kind != "rating":
            self.problem("only rating items can be reverse-coded", location + ".reverse")
        bounds = {}
        for key in ("min", "max"):
            if key in spec:
                if _is_number(spec[key]):
                    bounds[key] = float(spec[key])
                else:
                    self.problem(f"'{key}' must be a number", f"{location}.{key}")
        if len(bounds) == 2 and bounds["min"] > bounds["max"]:
            self.problem(f"'min' ({bounds['min']:g}) is above 'max' ({bounds['max']:g})", location)
        missing = global_missing + self.codes(
            spec.get("missing_codes"), location + ".missing_codes"
        )
        recode = None
        if "recode" in spec:
            recode = self.recode(spec["recode"], location + ".recode")
        cuts = {}
        for key in ("advocate_min", "antagonist_max"):
            if key in spec:
                if section != "respondent_items" or kind != "rating":
                    self.problem(
                        f"'{key}' is allowed only on respondent-level rating items",
                        f"{location}.{key}",
                    )
                elif not _is_number(spec[key]):
                    self.problem(f"'{key}' must be a number", f"{location}.{key}")
                else:
                    cuts[key] = float(spec[key])
        if ("advocate_min" in spec) != ("antagonist_max" in spec):
            self.problem("give both 'advocate_min' and 'antagonist_max' (or neither)", location)
        elif len(cuts) == 2 and scale is not None:
            for key, value in cuts.items():
                if not scale.min <= value <= scale.max:
                    self.problem(
                        f"{key} {value:g} is not on the item's scale [{scale.min:g}, {scale.max:g}]",
                        f"{location}.{key}",
                    )
            if cuts["advocate_min"] <= cuts["antagonist_max"]:
                self.problem(
                    f"advocate_min ({cuts['advocate_min']:g}) must be above antagonist_max "
                    f"({cuts['antagonist_max']:g})",
                    location,
                )
        bands = None
        if "bands" in spec:
            if section != "demographics" or kind != "numeric":
                self.problem(
                    "'bands' is allowed only on numeric demographics (e.g. age)",
                    location + ".bands",
                )
            else:
                bands = self.bands(spec["bands"], location + ".bands")
                lo, hi = bounds.get("min"), bounds.get("max")
                if (lo is not None and lo < bands[0][1]) or (hi is not None and hi > bands[-1][2]):
                    self.problem(
                        f"the bands ({bands[0][1]:g} to {bands[-1][2]:g}) do not cover the "
                        f"item's range [{'' if lo is None else f'{lo:g}'}, "
                        f"{'' if hi is None else f'{hi:g}'}]",
                        location + ".bands",
                    )
        if len(self.problems) > before:
            raise _Skip
        label = spec.get("label")
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
            label=None if label is None else str(label),
            recode=recode,
            advocate_min=cuts.get("advocate_min"),
            antagonist_max=cuts.get("antagonist_max"),
            bands=bands,
        )

    def names(self, value, known, location, *, what, minimum=1, single=False):
        """A list of respondent item names, each declared and numeric."""
        if single:
            if not isinstance(value, str) or not value:
                self.fail(f"{what} must be one respondent item name", location)
            value = [value]
        elif isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or len(value) < minimum:
            self.fail(
                f"{what} must be a list of at least {minimum} respondent item name(s)", location
            )
        out = []
        for v in value:
            name = str(v)
            if name in self.broken:
                raise _Skip
            if name not in known:
                self.fail(f"{name!r} is not a respondent item; declared: {sorted(known)}", location)
            if known[name].type == "category":
                self.fail(f"{name!r} is a category item; {what} need numbers", location)
            if name in out:
                self.fail(f"{name!r} is listed twice", location)
            out.append(name)
        return tuple(out)

    def derived(self, name, spec, known, location):
        self.check_keys(spec, _DERIVED_KEYS, location)
        ops = [op for op in _DERIVED_OPS if op in spec]
        if len(ops) != 1:
            self.fail(f"a derived item needs exactly one of {list(_DERIVED_OPS)}", location)
        op = ops[0]
        label = None if spec.get("label") is None else str(spec["label"])
        if op == "top_box":
            tb = spec["top_box"]
            self.check_keys(tb, {"item", "min", "max"}, f"{location}.top_box")
            (source,) = self.names(
                tb.get("item"), known, f"{location}.top_box.item", what="top_box", single=True
            )
            if "min_valid" in spec:
                self.problem("'min_valid' is for mean and sum items", f"{location}.min_valid")
            cut = {}
            for key in ("min", "max"):
                if key in tb:
                    if not _is_number(tb[key]):
                        self.fail(f"'{key}' must be a number", f"{location}.top_box.{key}")
                    cut[key] = float(tb[key])
            if not cut:
                self.fail("top_box needs 'min' (and/or 'max'): the box of values counted as 1",
                          f"{location}.top_box")  # fmt: skip
            lo, hi = known[source].bounds
            for key, value in cut.items():
                if (lo is not None and value < lo) or (hi is not None and value > hi):
                    self.fail(
                        f"top_box {key} {value:g} is outside the range of {source!r} "
                        f"[{'' if lo is None else f'{lo:g}'}, {'' if hi is None else f'{hi:g}'}]",
                        f"{location}.top_box.{key}",
                    )
            if len(cut) == 2 and cut["min"] > cut["max"]:
                self.fail("top_box min is above its max", f"{location}.top_box")
            info = {"op": op, "items": (source,), "min_valid": 1, **cut}
            return Item(name, None, type="binary", label=label, derived=info)
        items = self.names(spec[op], known, f"{location}.{op}", what=f"{op} items")
        min_valid = spec.get("min_valid", len(items))
        if (
            not isinstance(min_valid, int)
            or isinstance(min_valid, bool)
            or not (1 <= min_valid <= len(items))
        ):
            self.fail(f"'min_valid' must be a whole number from 1 to {len(items)}",
                      f"{location}.min_valid")  # fmt: skip
        info = {"op": op, "items": items, "min_valid": min_valid}
        members = [known[i] for i in items]
        bounds = [m.bounds for m in members]
        lows = None if any(b[0] is None for b in bounds) else [b[0] for b in bounds]
        highs = None if any(b[1] is None for b in bounds) else [b[1] for b in bounds]
        scales = {m.scale for m in members}
        if op == "mean" and all(m.type == "rating" for m in members) and len(scales) == 1:
            return Item(name, None, type="rating", scale=scales.pop(), label=label, derived=info)
        agg = min if op == "mean" else sum
        agg_hi = max if op == "mean" else sum
        return Item(
            name,
            None,
            type="numeric",
            min=None if lows is None else float(agg(lows)),
            max=None if highs is None else float(agg_hi(highs)),
            label=label,
            derived=info,
        )

    # ------------------------------------------------------------ the codebook
    def parse(self, data) -> Codebook:
        if data is None:
            raise CodebookError("codebook is empty", file=self.source)
        if not isinstance(data, dict):
            raise CodebookError(
                f"expected a mapping, got {type(data).__name__}", file=self.source,
                location="codebook",
            )  # fmt: skip
        self.check_keys(data, _TOP_KEYS, "codebook")

        def column_name(key, hint):
            value = data.get(key)
            if value is None:
                return None
            if not isinstance(value, str) or not value:
                self.problem(f"'{key}' must be one column name{hint}", key)
                return None
            return value

        rid = column_name(
            "respondent_id", " (or left out: respondents are then numbered by data row)"
        )
        weight = column_name("weight", "")
        duration = column_name("duration", "")
        wave = column_name("wave", " (the column naming each respondent's survey wave)")
        design = {
            "strata": column_name("strata", " (the column naming each respondent's stratum)"),
            "cluster": column_name(
                "cluster", " (the column naming each respondent's primary sampling unit)"
            ),
            "fpc": column_name("fpc", " (population PSUs per stratum, or the sampling fraction)"),
        }
        fmt = data.get("format")
        if fmt is not None and fmt not in _FORMATS:
            self.problem(f"unknown format {fmt!r}; known formats: {list(_FORMATS)}", "format")
            fmt = None
        missing = self.codes(data.get("missing_codes"), "missing_codes")

        scales = {"rating": Scale(1.0, 10.0), "recommend": Scale(0.0, 10.0)}
        scale_spec = data.get("scales") or {}
        if not isinstance(scale_spec, dict):
            self.problem(
                "'scales' must be a mapping name -> {min, max}, e.g. {rating: {min: 1, max: 7}}",
                "scales",
            )
            scale_spec = {}
        for name, spec in scale_spec.items():
            try:
                if not isinstance(spec, dict):
                    self.fail("a scale is a mapping with min and max", f"scales.{name}")
                self.check_keys(spec, {"min", "max"}, f"scales.{name}")
                scales[str(name)] = self.make_scale(spec, f"scales.{name}")
            except _Skip:
                scales[str(name)] = _BROKEN
        try:
            default_scale = self.scale(data.get("default_scale", "rating"), scales, "default_scale")
        except _Skip:
            default_scale = _BROKEN

        stages = data.get("stages", list(DEFAULT_STAGES))
        stages_ok = True
        if (
            not isinstance(stages, list)
            or not stages
            or not all(isinstance(s, str) for s in stages)
        ):
            self.problem("'stages' must be a non-empty list of stage names", "stages")
            stages, stages_ok = list(DEFAULT_STAGES), False
        elif len(set(stages)) != len(stages):
            self.problem("'stages' lists a stage twice", "stages")

        tactile, emotive = self.attributes(data.get("attributes"))
        item_kinds = dict(EVENT_ITEM_KINDS)
        item_kinds.update({a: "tactile" for a in tactile})
        item_kinds.update({a: "emotive" for a in emotive})

        common = {"scales": scales, "global_missing": missing}
        owners: dict[str, str] = {}  # respondent-level name -> location

        def section(key, default_type, known=None):
            out = {}
            spec = data.get(key) or {}
            if not isinstance(spec, dict):
                self.problem("expected a mapping of name -> column spec", key)
                return out
            for name, item_spec in spec.items():
                name = str(name)
                loc = f"{key}.{name}"
                if name in RESERVED_NAMES:
                    self.problem(
                        f"{name!r} is a name cxlab uses itself ({', '.join(RESERVED_NAMES)}); "
                        "choose another",
                        loc,
                    )
                elif name in owners:
                    self.problem(f"name {name!r} is used twice (also at {owners[name]})", loc)
                owners.setdefault(name, loc)
                itype = (known or {}).get(name, default_type)
                item_default = default_scale
                if key == "respondent_items" and name == "recommend":
                    item_default = scales["recommend"]
                try:
                    out[name] = self.item(
                        name, item_spec, loc, default_type=itype, default_scale=item_default,
                        section=key, **common,
                    )  # fmt: skip
                except _Skip:
                    self.broken.add(name)
            return out

        demographics = section("demographics", "category", {"age": "numeric"})
        for name, item in demographics.items():
            if item.bands and f"{name}_band" in owners and name != "age":
                self.problem(
                    f"'{name}_band' is the band column of {name!r}; choose another name",
                    owners[f"{name}_band"],
                )
        respondent_items = section("respondent_items", "numeric", RESPONDENT_ITEMS)
        segments = section("segments", "category")

        personal = data.get("personal_data") or []
        if not isinstance(personal, list) or not all(isinstance(c, str) for c in personal):
            self.problem("'personal_data' must be a list of column names", "personal_data")
            personal = []

        derived_spec = data.get("derived") or {}
        if not isinstance(derived_spec, dict):
            self.problem("'derived' must be a mapping name -> {mean|sum|top_box: ...}", "derived")
            derived_spec = {}
        for name, spec in derived_spec.items():
            name, loc = str(name), f"derived.{name}"
            if name in RESERVED_NAMES or name in owners:
                where = (
                    "a name cxlab uses itself"
                    if name in RESERVED_NAMES
                    else f"used at {owners[name]}"
                )
                self.problem(f"name {name!r} is {where}; choose another", loc)
                self.broken.add(name)
                continue
            owners[name] = loc
            try:
                respondent_items[name] = self.derived(name, spec, respondent_items, loc)
            except _Skip:
                self.broken.add(name)

        events = self.events(
            data.get("events"), stages, stages_ok, item_kinds, default_scale, common
        )
        drivers = self.drivers(data.get("drivers"), respondent_items)
        item_groups = self.item_groups(data.get("item_groups"), respondent_items)
        satisfaction_model = self.satisfaction_model(
            data.get("satisfaction_model"), respondent_items
        )

        # a column may feed several items, but personal data never feeds an item
        columns: dict[str, str] = {}
        for sec_name, sec in (("demographics", demographics), ("respondent_items", respondent_items),
                              ("segments", segments)):  # fmt: skip
            for name, item in sec.items():
                if item.column is not None:
                    columns.setdefault(item.column, f"{sec_name}.{name}")
        for i, ev in enumerate(events):
            for name, item in ev.items.items():
                columns.setdefault(item.column, f"events[{i}].items.{name}")
        for col in personal:
            if col in columns:
                self.problem(
                    f"personal-data column {col!r} is also mapped as an item at {columns[col]}",
                    "personal_data",
                )
        waves = self.waves(data.get("waves"), columns, personal, rid, weight, duration, wave)
        comments = self.comments(data.get("comments"), events, columns, personal, owners)
        if self.problems:
            raise combine_errors(self.problems)
        return Codebook(
            respondent_id=rid,
            events=tuple(events),
            stages=tuple(stages),
            weight=weight,
            duration=duration,
            missing_codes=missing,
            personal_data=tuple(personal),
            demographics=demographics,
            respondent_items=respondent_items,
            segments=segments,
            tactile_attributes=tactile,
            emotive_attributes=emotive,
            name=str(data.get("name") or data.get("client") or ""),
            industry=str(data.get("industry") or ""),
            format=fmt,
            source=self.source,
            raw=data,
            drivers=drivers,
            item_groups=item_groups,
            satisfaction_model=satisfaction_model,
            wave=wave,
            waves=waves,
            **design,
            comments=comments,
        )

    def comments(self, spec, events, columns, personal, owners) -> tuple:
        """``comments:`` - free-text items: name -> {column, event, language}."""
        if spec is None or spec == {}:
            return ()
        if not isinstance(spec, dict):
            self.problem(
                "'comments' must be a mapping name -> {column, event, language}", "comments"
            )
            return ()
        event_ids = [e.id for e in events]
        out = []
        for name, item in spec.items():
            name, loc = str(name), f"comments.{name}"
            if isinstance(item, str):
                item = {"column": item}
            try:
                self.check_keys(item, {"column", "event", "language", "label"}, loc)
            except _Skip:
                continue
            column = item.get("column")
            if not isinstance(column, str) or not column:
                self.problem("a comment item needs a 'column' (the free-text column)", loc)
                continue
            event = item.get("event")
            if event is not None and str(event) not in event_ids:
                self.problem(
                    f"event {event!r} is not an event of the codebook (events: {event_ids})", loc
                )
            language = str(item.get("language", "auto")).lower()
            if language not in ("auto", *COMMENT_LANGUAGES):
                self.problem(
                    f"language {language!r} is not one of auto, {', '.join(COMMENT_LANGUAGES)}",
                    loc,
                )
            if name in owners or name in RESERVED_NAMES:
                self.problem(f"name {name!r} is used twice (also at {owners.get(name)})", loc)
            owners.setdefault(name, loc)
            if column in columns:
                self.problem(
                    f"comment column {column!r} is also mapped as an item at {columns[column]}",
                    loc,
                )
            if column in personal:
                self.problem(
                    f"comment column {column!r} is also listed under personal_data; a comment "
                    "item is redacted and analysed, a personal-data column is dropped: "
                    "choose one",
                    loc,
                )
            out.append(CommentItem(name, column, None if event is None else str(event), language))
        return tuple(out)

    def waves(self, spec, columns, personal, rid, weight, duration, wave_column):
        """``waves:`` - the waves in order, and what each wave's file does differently."""
        if spec is None or spec == {} or spec == []:
            return {}
        known = set(columns) | set(personal) | {c for c in (rid, weight, duration) if c}
        out: dict[str, dict] = {}
        if isinstance(spec, list):  # just the order: [2024, 2025, 2026]
            entries = [(v, None) for v in spec]
        elif isinstance(spec, dict):
            entries = list(spec.items())
        else:
            self.problem(
                "'waves' lists the waves in order, as a list of labels or a mapping "
                "label -> {rename: {codebook column: file column}, not_asked: [columns]}",
                "waves",
            )
            return {}
        for label, entry in entries:
            loc = f"waves.{label}"
            if isinstance(label, bool) or not isinstance(label, str | int | float):
                self.problem("a wave label is text or a number", loc)
                continue
            key = wave_label(label)
            if key in out:
                self.problem(f"wave {key!r} is listed twice", loc)
                continue
            change = {"rename": {}, "not_asked": ()}
            if entry is not None:
                try:
                    self.check_keys(entry, _WAVE_KEYS, loc)
                except _Skip:
                    continue
                rename = entry.get("rename") or {}
                if not isinstance(rename, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) and v for k, v in rename.items()
                ):
                    self.problem(
                        "'rename' maps a column named in this codebook to its name in this "
                        "wave's file, e.g. {q5_sat: q5_satisfaction}",
                        f"{loc}.rename",
                    )
                    rename = {}
                not_asked = entry.get("not_asked") or []
                if not isinstance(not_asked, list) or not all(
                    isinstance(c, str) for c in not_asked
                ):
                    self.problem(
                        "'not_asked' lists the codebook's columns this wave did not ask",
                        f"{loc}.not_asked",
                    )
                    not_asked = []
                for col in [*rename, *not_asked]:
                    if col not in known:
                        self.problem(
                            f"column {col!r} is not named elsewhere in the codebook (rename "
                            "and not_asked refer to the codebook's column names)",
                            loc,
                        )
                for col in (rid, wave_column):
                    if col and (col in rename or col in not_asked):
                        self.problem(f"the {col!r} column cannot be renamed or left out", loc)
                both = sorted(set(rename) & set(not_asked))
                if both:
                    self.problem(f"column(s) {both} are both renamed and not asked", loc)
                change = {"rename": dict(rename), "not_asked": tuple(not_asked)}
            out[key] = change
        return out

    def attributes(self, spec):
        tactile, emotive = TACTILE_ATTRIBUTES, EMOTIVE_ATTRIBUTES
        if spec is None:
            return tactile, emotive
        try:
            self.check_keys(spec, {"tactile", "emotive"}, "attributes")
        except _Skip:
            return tactile, emotive
        out = {"tactile": tactile, "emotive": emotive}
        for kind in ("tactile", "emotive"):
            if kind not in spec:
                continue
            value = spec[kind]
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(a, str) and a for a in value)
            ):
                self.problem(
                    f"attributes.{kind} must be a list of attribute names, e.g. [speed, clarity]",
                    f"attributes.{kind}",
                )
                continue
            clash = [
                a
                for a in value
                if a in EVENT_ITEM_KINDS and EVENT_ITEM_KINDS[a] not in ("tactile", "emotive")
            ]
            if clash or len(set(value)) != len(value):
                self.problem(
                    f"attributes.{kind} lists a name twice or a framework item {clash}",
                    f"attributes.{kind}",
                )
                continue
            out[kind] = tuple(value)
        both = sorted(set(out["tactile"]) & set(out["emotive"]))
        if both:
            self.problem(f"attributes {both} are declared both tactile and emotive", "attributes")
        return out["tactile"], out["emotive"]

    def events(self, spec, stages, stages_ok, item_kinds, default_scale, common):
        if spec is None or spec == []:
            return []
        if not isinstance(spec, list):
            self.problem("'events' must be a list of events (or left out)", "events")
            return []
        events, seen = [], set()
        for i, ev in enumerate(spec):
            loc = f"events[{i}]"
            before = len(self.problems)
            try:
                self.check_keys(ev, _EVENT_KEYS, loc)
            except _Skip:
                continue
            eid = ev.get("id")
            if not isinstance(eid, str) or not eid:
                self.problem("event needs an 'id'", loc)
            elif eid in seen:
                self.problem(f"event id {eid!r} appears twice", loc)
            seen.add(eid)
            stage = ev.get("stage")
            if stages_ok and stage not in stages:
                self.problem(
                    f"stage {stage!r} is not one of the codebook stages {stages}", f"{loc}.stage"
                )
            lenses = ev.get("lenses") or {}
            try:
                self.check_keys(lenses, _LENS_KEYS, f"{loc}.lenses")
                if "driver" in lenses and lenses["driver"] not in LENS_DRIVERS:
                    self.problem(
                        f"lens driver {lenses['driver']!r} must be one of {list(LENS_DRIVERS)}",
                        f"{loc}.lenses.driver",
                    )
            except _Skip:
                lenses = {}
            items_spec = ev.get("items")
            items = {}
            if not isinstance(items_spec, dict) or not items_spec:
                self.problem("event needs 'items' (framework item -> column)", f"{loc}.items")
                items_spec = {}
            for name, item_spec in items_spec.items():
                if name not in item_kinds:
                    self.problem(
                        f"unknown item {name!r}; known items: {sorted(item_kinds)} "
                        "(declare extra attributes under 'attributes')",
                        f"{loc}.items.{name}",
                    )
                    continue
                try:
                    items[name] = self.item(
                        name, item_spec, f"{loc}.items.{name}", default_type="rating",
                        default_scale=default_scale, section="events", **common,
                    )  # fmt: skip
                except _Skip:
                    pass
            if len(self.problems) > before:
                continue
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
        return events

    def drivers(self, spec, known):
        if spec is None or spec == {}:
            return {}
        try:
            self.check_keys(spec, {"outcome", "items"}, "drivers")
            if "outcome" not in spec or "items" not in spec:
                self.fail("drivers needs 'outcome' (one item) and 'items' (its drivers)", "drivers")
            (outcome,) = self.names(
                spec["outcome"], known, "drivers.outcome", what="the outcome", single=True
            )
            items = self.names(spec["items"], known, "drivers.items", what="driver items")
            if outcome in items:
                self.fail(f"the outcome {outcome!r} cannot also be a driver", "drivers.items")
        except _Skip:
            return {}
        return {"outcome": outcome, "items": list(items)}

    def item_groups(self, spec, known):
        if spec is None or spec == {}:
            return {}
        if not isinstance(spec, dict):
            self.problem("'item_groups' must be a mapping group -> list of items", "item_groups")
            return {}
        out = {}
        for group, names in spec.items():
            try:
                out[str(group)] = self.names(
                    names, known, f"item_groups.{group}", what="group items", minimum=2
                )
            except _Skip:
                pass
        return out

    def satisfaction_model(self, spec, known):
        """The PLS path model: constructs (items, mode, label), paths and target."""
        from cxlab.pls import SCHEMES, model_problems

        if spec is None or spec == {}:
            return {}
        loc = "satisfaction_model"
        try:
            self.check_keys(spec, _MODEL_KEYS, loc)
            constructs = spec.get("constructs")
            if not isinstance(constructs, dict) or not constructs:
                self.fail(
                    "needs 'constructs': a mapping construct -> {items: [...], mode: A or B}",
                    f"{loc}.constructs",
                )
        except _Skip:
            return {}
        blocks, modes, labels, ok = {}, {}, {}, True
        for name, c in constructs.items():
            name, where = str(name), f"{loc}.constructs.{name}"
            if isinstance(c, list):
                c = {"items": c}
            try:
                self.check_keys(c, _CONSTRUCT_KEYS, where)
                mode = c.get("mode", "A")
                if mode not in ("A", "B"):
                    self.problem(
                        f"mode must be A (reflective) or B (formative), got {mode!r}",
                        f"{where}.mode",
                    )
                    ok = False
                modes[name] = mode
                if c.get("label") is not None:
                    labels[name] = str(c["label"])
                blocks[name] = list(
                    self.names(c.get("items"), known, f"{where}.items", what="construct items")
                )
            except _Skip:
                blocks[name] = [f"?{name}"]  # reported; keeps paths checkable
                ok = False
        paths = spec.get("paths")
        if isinstance(paths, list):
            paths = [tuple(p) if isinstance(p, list) else p for p in paths]
        before = len(self.problems)
        for rule, where in model_problems(
            blocks, paths, None, location=f"{loc}.", blocks_key="constructs"
        ):
            self.problem(rule, where)
        target = spec.get("target")
        if target is None:
            self.problem("needs 'target': the construct whose index is reported", f"{loc}.target")
        elif target not in blocks:
            self.problem(
                f"target {target!r} is not a declared construct; declared: {sorted(blocks)}",
                f"{loc}.target",
            )
        elif isinstance(paths, list) and not any(
            isinstance(p, tuple) and len(p) == 2 and p[1] == target for p in paths
        ):
            self.problem(f"target {target!r} has no path into it", f"{loc}.target")
        scheme = spec.get("scheme")
        if scheme is not None and scheme not in SCHEMES:
            self.problem(f"scheme must be one of {list(SCHEMES)}, got {scheme!r}", f"{loc}.scheme")
        if not ok or len(self.problems) > before:
            return {}
        return {
            "blocks": blocks,
            "modes": modes,
            "paths": [(str(s), str(t)) for s, t in paths],
            "target": str(target),
            "labels": labels,
            "scheme": scheme,
        }


#: marks a scale whose definition is broken (its problem is already reported)
_BROKEN = Scale(float("nan"), float("nan"))


def wave_label(value) -> str:
    """A wave label as text: 2025, 2025.0 and "2025" are the same wave.

    Parameters
    ----------
    value : object
        A wave value as read (number or text).
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _code(key):
    """Normalise a value-label code: 1, 1.0 and '1' are the same code."""
    try:
        f = float(key)
        return int(f) if f.is_integer() else f
    except (TypeError, ValueError):
        return str(key)
