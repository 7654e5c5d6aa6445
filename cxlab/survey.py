"""The data model: a client's survey mapped onto the framework.

:class:`Survey` holds one row per respondent (``respondents``), the personal data
kept apart (``personal``), the event metadata (``events``), a tidy table of every
rating (``ratings``) and, from :meth:`Survey.event_table`, one row per respondent
x event with the tactile and emotive composites. :func:`survey_from_frame` builds it
from a wide data frame and a codebook, validating every value on the way.

Examples
--------
>>> from cxlab.synth import make_study
>>> survey, truth = make_study("banking", n_respondents=200, seed=1)
>>> table = survey.event_table()
>>> {"tactile", "emotive", "personal_investment", "satisfaction"} <= set(table.columns)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import warnings
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from cxlab.codebook import DESIGN_KEYS, Codebook, Item
from cxlab.display import Card, CardContent
from cxlab.errors import DataError, DataQualityWarning, combine_errors, quote_values

__all__ = [
    "Survey",
    "survey_from_frame",
    "respondent_positions",
    "suspicious_constants",
    "ITEM_ORDER",
    "CORE_EVENT_COLUMNS",
    "read_waves",
    "wave_order",
]

#: canonical order of event-level columns in :meth:`Survey.event_table`
ITEM_ORDER = (
    "significance",
    "personal_investment",
    "brand_expectation",
    "baseline_expectation",
)

#: thresholds of the data-quality checks
QUALITY_THRESHOLDS = {"item_nonresponse": 0.20, "speeder_ratio": 1 / 3, "straightline_min_items": 6}


@dataclass(frozen=True, eq=False, repr=False)
class Survey(Card):
    """A validated survey. Build it with :func:`cxlab.load_survey` or :func:`cxlab.synth.make_study`.

    Attributes
    ----------
    respondents : DataFrame
        One row per respondent: ``respondent_id``, ``weight``, demographics,
        respondent items (``recommend``, ``spend``...) and segment variables.
        Personal data is *not* here.
    personal : DataFrame
        The codebook's personal-data columns, indexed like ``respondents``.
        Analyses and reports never use it.
    events : DataFrame
        One row per event: ``event_id, name, stage, channel, lens_driver,
        lens_capability, lens_initiative, stage_order``.
    codebook : Codebook
    quality : DataFrame
        One row per data-quality check (see :func:`quality_checks`).
    source : dict
        ``path``, ``sha256`` and ``format`` of the input file.
    comments : DataFrame
        The codebook's free-text items, *redacted* while reading
        (:func:`cxlab.text.redact`): one row per non-empty comment with
        ``respondent_id, event_id`` (None for a respondent-level item), ``item,
        language`` (declared, or detected for ``auto``) and ``text``. The raw text is
        not kept anywhere.
    """

    respondents: pd.DataFrame
    personal: pd.DataFrame
    events: pd.DataFrame
    codebook: Codebook
    quality: pd.DataFrame
    source: dict
    _event_data: pd.DataFrame = field(repr=False)
    comments: pd.DataFrame = field(default=None, repr=False)

    def __post_init__(self):
        if self.comments is None:
            object.__setattr__(self, "comments", _no_comments())

    # ------------------------------------------------------------ properties
    @property
    def stages(self) -> list[str]:
        """Lifecycle stages in order."""
        return list(self.codebook.stages)

    @property
    def tactile_attributes(self) -> list[str]:
        """Tactile attributes rated for at least one event."""
        return [a for a in self.codebook.tactile_attributes if a in self._event_data.columns]

    @property
    def emotive_attributes(self) -> list[str]:
        """Emotive attributes rated for at least one event."""
        return [a for a in self.codebook.emotive_attributes if a in self._event_data.columns]

    @property
    def n_respondents(self) -> int:
        return len(self.respondents)

    def _card(self) -> CardContent:
        """The card shown for the survey (see :mod:`cxlab.display`)."""
        name = self.codebook.name or Path(str(self.source.get("path", ""))).name
        q = self.quality
        flagged = q.loc[q["n_flagged"] > 0] if "n_flagged" in q.columns else q.iloc[:0]
        facts = [
            ("respondents", self.n_respondents),
            ("events", len(self.events)),
            ("respondent-event ratings", len(self._event_data)),
            ("stages", ", ".join(map(str, self.stages))),
            (
                "tactile / emotive attributes",
                f"{len(self.tactile_attributes)} / {len(self.emotive_attributes)}",
            ),
            ("weights", self.codebook.weight or "none (all 1)"),
            ("personal-data columns (kept apart)", self.personal.shape[1]),
        ]
        flags = [f"quality: {r.check} flags {r.n_flagged}" for r in flagged.itertuples()]
        subtitle = (
            f"{name!r}: {self.n_respondents} respondents, {len(self.events)} events, "
            f"{len(self._event_data)} respondent-event ratings"
        )
        return CardContent("Survey", subtitle, facts, None, flags or ["quality: no check flags"])

    # ------------------------------------------------------------ tables
    def event_table(self) -> pd.DataFrame:
        """One row per respondent x rated event.

        Columns: ``respondent_id, event_id, stage, channel, weight``, the importance
        and expectation items, each rated attribute, ``tactile`` and ``emotive``
        (row means of the rated attributes of each kind), ``performance`` (mean of
        the two composites), ``satisfaction``, ``brand_gap`` (performance minus
        brand expectation) and ``baseline_gap`` (performance minus baseline
        expectation). A copy: change it freely (pandas' copy-on-write copies a column
        only when it is changed, so handing out the table costs nothing).
        """
        return self._event_data.copy(deep=False)

    @cached_property
    def ratings(self) -> pd.DataFrame:
        """Tidy ratings: one row per respondent x event x item with its kind."""
        from cxlab.codebook import EVENT_ITEM_KINDS

        kinds = dict(EVENT_ITEM_KINDS)
        kinds.update({a: "tactile" for a in self.codebook.tactile_attributes})
        kinds.update({a: "emotive" for a in self.codebook.emotive_attributes})
        data = self._event_data
        items = [c for c in data.columns if c in kinds]
        values = data[items].to_numpy()
        present = ~np.isnan(values)
        row, col = np.nonzero(present)  # row-major: respondent x event, then item
        ids = pd.Categorical(data["respondent_id"])
        kind_names = list(dict.fromkeys(kinds[i] for i in items))
        item_kind = np.array([kind_names.index(kinds[i]) for i in items])
        return pd.DataFrame(
            {
                "respondent_id": pd.Categorical.from_codes(
                    ids.codes[row], categories=ids.categories
                ),
                "event_id": pd.Categorical.from_codes(
                    data["event_id"].cat.codes.to_numpy()[row], dtype=data["event_id"].dtype
                ),
                "stage": pd.Categorical.from_codes(
                    data["stage"].cat.codes.to_numpy()[row], dtype=data["stage"].dtype
                ),
                "channel": pd.Categorical.from_codes(
                    data["channel"].cat.codes.to_numpy()[row], dtype=data["channel"].dtype
                ),
                "item": pd.Categorical.from_codes(col, categories=items),
                "kind": pd.Categorical.from_codes(item_kind[col], categories=kind_names),
                "value": values[row, col],
            }
        )

    def subset(self, mask) -> Survey:
        """A survey restricted to the respondents where ``mask`` is true.

        ``mask`` is a boolean Series aligned with ``respondents`` (or an array). The
        data-quality checks (``quality``) are recomputed on the kept respondents.

        Parameters
        ----------
        mask : array-like of bool
            Which rows.
        """
        mask = np.asarray(mask, dtype=bool)
        resp = self.respondents.loc[mask].reset_index(drop=True)
        ev = self._event_data
        pos = respondent_positions(ev, self.respondents)
        if pos is None:
            ev = ev[ev["respondent_id"].isin(resp["respondent_id"])].reset_index(drop=True)
        else:  # codes are respondent positions: renumber them for the kept respondents
            kept = mask[pos]
            new_pos = np.cumsum(mask) - 1
            ev = ev[kept].reset_index(drop=True)
            ev["respondent_id"] = _event_respondent_ids(resp, new_pos[pos[kept]])
        personal = self.personal.loc[mask].reset_index(drop=True)
        duration = resp["duration"].to_numpy() if "duration" in resp else None
        quality = quality_checks(resp, self.codebook, ev, duration, respondents=resp)
        comments = self.comments[self.comments["respondent_id"].isin(resp["respondent_id"])]
        return Survey(
            resp,
            personal,
            self.events,
            self.codebook,
            quality,
            dict(self.source),
            ev,
            comments.reset_index(drop=True),
        )

    def with_weights(self, weights) -> Survey:
        """A survey whose ``weight`` column (respondents and event table) is ``weights``.

        Parameters
        ----------
        weights : str, pandas.Series or None
            Weights (a column name or values); None is unweighted.
        """
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(self.respondents),):
            raise DataError(
                f"weights have length {w.size}, survey has {len(self.respondents)} respondents",
                column="weight",
            )
        resp = self.respondents.assign(weight=w)
        pos = respondent_positions(self._event_data, self.respondents)
        if pos is None:
            by_id = pd.Series(w, index=resp["respondent_id"].to_numpy())
            ev_w = self._event_data["respondent_id"].map(by_id).to_numpy(dtype=float)
        else:  # codes are respondent positions
            ev_w = w[pos]
        # only the weight column is new: copy-on-write shares every other column
        ev = self._event_data.assign(weight=ev_w)
        return Survey(
            resp,
            self.personal,
            self.events,
            self.codebook,
            self.quality,
            dict(self.source),
            ev,
            self.comments,
        )


# ====================================================================== build
def _rows(mask: np.ndarray, row_offset: int) -> list[int]:
    return [int(i) + row_offset for i in np.flatnonzero(mask)]


def _recode_values(values: np.ndarray, recode: dict | None) -> np.ndarray:
    """Apply the numeric part of an item's ``recode`` map (old code -> value or None)."""
    numeric = {k: v for k, v in (recode or {}).items() if not isinstance(k, str)}
    if not numeric:
        return values
    out = values.copy()
    for old, new in numeric.items():
        out[values == float(old)] = np.nan if new is None else new
    return out


def _numeric(frame, item: Item, file, row_offset) -> np.ndarray:
    """Column as a float array: text recodes, missing codes, then numeric recodes.

    Text that is neither a number, a recoded answer nor a value label raises DataError.
    """
    raw = frame[item.column]
    text_recode = {k: v for k, v in (item.recode or {}).items() if isinstance(k, str)}
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype=float, na_value=np.nan)
    else:
        stripped = raw.astype("string").str.strip()
        stripped = stripped.mask(stripped == "")
        conv = pd.to_numeric(stripped, errors="coerce").astype(float)
        bad = conv.isna().to_numpy() & stripped.notna().to_numpy()
        if text_recode and bad.any():
            key = stripped.str.casefold()
            hit = key.isin(list(text_recode)).fillna(False).to_numpy(dtype=bool) & bad
            mapped = pd.to_numeric(key.map(text_recode), errors="coerce").astype(float)
            conv = conv.where(~pd.Series(hit, index=conv.index), mapped)
            bad = bad & ~hit
        if item.labels and bad.any():
            # a labelled item may hold its labels as text
            inverse = {str(v).casefold(): k for k, v in item.labels.items()}
            mapped = pd.to_numeric(stripped.str.casefold().map(inverse), errors="coerce")
            conv = conv.where(~pd.Series(bad, index=conv.index), mapped)
            bad = conv.isna().to_numpy() & stripped.notna().to_numpy()
        if bad.any():
            examples = quote_values(stripped[bad].head(3), personal=_personal(item))
            raise DataError(
                f"text in a numeric column (e.g. {examples}); expected numbers"
                + (" or the item's value labels" if item.labels else "")
                + (" or the item's recoded answers" if text_recode else ""),
                file=file,
                column=item.column,
                rows=_rows(bad, row_offset),
            )
        values = conv.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        huge = np.isinf(values) | (np.abs(values) > 1e100)
    if huge.any():  # sums and squares of such numbers overflow
        raise DataError(
            "infinite or overflowing numbers (beyond ±1e100); every number must be finite",
            file=file,
            column=item.column,
            rows=_rows(huge, row_offset),
        )
    if item.missing_codes:
        values = np.where(np.isin(values, item.missing_codes), np.nan, values)
    return _recode_values(values, item.recode)


#: personal-data columns of the codebook being read (their values are never quoted)
_PERSONAL: ContextVar[frozenset] = ContextVar("cxlab_personal_columns", default=frozenset())


def _personal(item: Item) -> bool:
    return item.column in _PERSONAL.get()


def _check_range(values: np.ndarray, lo, hi, item: Item, file, row_offset, what):
    with np.errstate(invalid="ignore"):
        bad = np.zeros(values.shape, dtype=bool)
        if lo is not None:
            bad |= values < lo
        if hi is not None:
            bad |= values > hi
    if bad.any():
        examples = quote_values(values[bad][:3].tolist(), personal=_personal(item))
        recoded = " and recodes are applied" if item.recode else ""
        raise DataError(
            f"values outside {what} [{'' if lo is None else f'{lo:g}'}, {'' if hi is None else f'{hi:g}'}] "
            f"after missing codes {list(item.missing_codes) or '[]'} are removed{recoded} "
            f"(e.g. {examples})",
            file=file,
            column=item.column,
            rows=_rows(bad, row_offset),
        )


def _category_recode(raw: pd.Series, item: Item) -> pd.Series:
    """Apply an item's ``recode`` to a category column (codes or answer text)."""
    if not item.recode:
        return raw
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.to_numpy(dtype=float, na_value=np.nan)
        if item.missing_codes:
            values = np.where(np.isin(values, item.missing_codes), np.nan, values)
        return pd.Series(_recode_values(values, item.recode), index=raw.index)

    def one(value):
        if pd.isna(value):
            return value
        key = _norm_code(str(value).strip())
        key = key.casefold() if isinstance(key, str) else key
        if key not in item.recode:
            return value
        new = item.recode[key]
        return None if new is None else str(_norm_code(new))

    return raw.astype("string").map(one).astype("string")


def _read_item(frame, item: Item, file, row_offset, value_labels=None) -> pd.Series:
    """Validate and convert one codebook item column."""
    if item.type == "category":
        labels = item.labels or (value_labels or {}).get(item.column)
        raw = _category_recode(frame[item.column], item)
        if labels:
            labels = {_norm_code(k): str(v) for k, v in labels.items()}
            cats = list(dict.fromkeys(labels.values()))
            if pd.api.types.is_numeric_dtype(raw):
                values = raw.astype(float)
                if item.missing_codes:
                    values = values.mask(values.isin(item.missing_codes))
                # codes map straight to category positions (no label strings to hash)
                code_of = {
                    float(k): cats.index(v) for k, v in labels.items() if not isinstance(k, str)
                }
                codes = values.map(code_of)
                bad = codes.isna().to_numpy() & values.notna().to_numpy()
                out = None
            else:
                text = raw.astype("string").str.strip()
                text = text.mask(text == "")
                by_label = {v.casefold(): v for v in labels.values()}
                out = text.str.casefold().map(by_label)
                missing_fill = text.map(
                    lambda s: labels.get(_norm_code(s)) if pd.notna(s) else None
                )
                out = out.fillna(missing_fill)
                if item.missing_codes:
                    is_missing = pd.to_numeric(text, errors="coerce").isin(item.missing_codes)
                    out = out.mask(is_missing)
                    text = text.mask(is_missing)
                bad = out.isna().to_numpy() & text.notna().to_numpy()
            if bad.any():
                raise DataError(
                    f"values not among the codes or labels {labels}",
                    file=file,
                    column=item.column,
                    rows=_rows(bad, row_offset),
                )
            if out is None:
                codes = codes.fillna(-1).to_numpy(dtype=np.int64)
                return pd.Series(
                    pd.Categorical.from_codes(codes, categories=cats), index=frame.index
                )
            return pd.Series(pd.Categorical(out, categories=cats), index=frame.index)
        text = raw.astype("string").str.strip()
        text = text.mask(text == "")
        if item.missing_codes:
            text = text.mask(pd.to_numeric(text, errors="coerce").isin(item.missing_codes))
        return text.astype("category")
    values = _numeric(frame, item, file, row_offset)
    if item.type == "rating":
        _check_range(values, item.scale.min, item.scale.max, item, file, row_offset, "the scale")
        if item.reverse:
            values = item.scale.reverse(values)
    elif item.type == "binary":
        _check_range(values, 0, 1, item, file, row_offset, "a yes/no item")
        bad = ~np.isnan(values) & (values != 0) & (values != 1)
        if bad.any():
            raise DataError(
                "a yes/no item must be 0 or 1"
                + ("" if item.recode else " (map other codes with 'recode', e.g. {1: 1, 2: 0})"),
                file=file,
                column=item.column,
                rows=_rows(bad, row_offset),
            )
    else:
        _check_range(values, item.min, item.max, item, file, row_offset, "the allowed range")
    # a new array is not copied again (pandas copies arrays it is given); a view of
    # the frame's column is, so that the survey never shares memory with the frame
    return pd.Series(values, index=frame.index, copy=values.base is not None)


def _derive(item: Item, resp: dict) -> np.ndarray:
    """Compute a derived item (mean, sum or top-box) from already read items."""
    spec = item.derived
    block = np.column_stack([np.asarray(resp[name], dtype=float) for name in spec["items"]])
    if spec["op"] == "top_box":
        v = block[:, 0]
        inside = np.ones(v.shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            if "min" in spec:
                inside &= v >= spec["min"]
            if "max" in spec:
                inside &= v <= spec["max"]
        return np.where(np.isnan(v), np.nan, inside.astype(float))
    count = (~np.isnan(block)).sum(axis=1)
    total = np.nansum(block, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    ok = count >= spec["min_valid"]
    if spec["op"] == "mean":
        return np.where(ok, mean, np.nan)
    # a sum with answers missing is prorated: mean of the answered items x items
    return np.where(ok, mean * block.shape[1], np.nan)


#: standard age-band breaks used when the codebook gives none (ten-year bands)
AGE_BREAKS = (25, 35, 45, 55, 65, 75, 85, 95)


def _bands_from_data(values: np.ndarray) -> tuple | None:
    """Ten-year age bands (breaks at 25, 35 ... 95) covering the observed min..max."""
    v = values[~np.isnan(values)]
    if v.size == 0:
        return None
    lo, hi = float(np.floor(v.min())), float(np.ceil(v.max()))
    edges = [lo, *(float(b) for b in AGE_BREAKS if lo < b < hi), hi]
    if len(edges) == 1 or edges[0] == edges[-1]:
        return ((f"{int(lo)}-{int(hi)}", lo, hi, True),)
    n = len(edges) - 1
    out = []
    for i, (a, b) in enumerate(zip(edges, edges[1:], strict=False)):
        closed = i == n - 1
        out.append((f"{int(a)}-{int(b) if closed else int(b) - 1}", a, b, closed))
    return tuple(out)


def _apply_bands(values: np.ndarray, bands: tuple, item: Item, file, row_offset) -> pd.Categorical:
    codes = np.full(values.shape, -1)
    with np.errstate(invalid="ignore"):
        for k, (_label, lo, hi, closed) in enumerate(bands):
            inside = (values >= lo) & ((values <= hi) if closed else (values < hi))
            codes = np.where((codes < 0) & inside, k, codes)
    outside = (codes < 0) & ~np.isnan(values)
    if outside.any():
        examples = ", ".join(f"{x:g}" for x in values[outside][:3])
        raise DataError(
            f"values outside every band of {item.name!r} "
            f"({', '.join(b[0] for b in bands)}; e.g. {examples})",
            file=file,
            column=item.column,
            rows=_rows(outside, row_offset),
        )
    return pd.Categorical.from_codes(codes, categories=[b[0] for b in bands], ordered=True)


def _looks_like_code(value: float) -> bool:
    """-99, 99, 98, 999, 9999, -9, -1 ...: the constants survey tools use for 'no answer'."""
    if not float(value).is_integer():
        return False
    digits = str(abs(int(value)))
    return (len(digits) >= 2 and set(digits[:-1]) == {"9"} and digits[-1] in "6789") or (
        value < 0 and digits in ("1", "9")
    )


def suspicious_constants(values: np.ndarray) -> list[tuple[float, int]]:
    """Code-like constants (-99, 999, 9999...) lying far outside a numeric item's other values.

    Returns ``(value, count)`` pairs. A value counts when it looks like a code
    (9s, 9s ending in 6-8, -1, -9 and their negatives) and lies beyond the other
    values' quartiles by more than three interquartile ranges (or is negative when
    every other value is not).

    Parameters
    ----------
    values : numpy.ndarray
        A numeric column.

    Examples
    --------
    >>> import numpy as np
    >>> suspicious_constants(np.array([4.0, 5, 6, 5, 4, 6, 5, -99, -99]))
    [(-99.0, 2)]
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size < 5:
        return []
    uniq, counts = np.unique(v, return_counts=True)
    cands = [u for u in uniq if _looks_like_code(u)]
    if not cands:
        return []
    rest = v[~np.isin(v, cands)]
    if rest.size < 3:
        return []
    q1, q3 = np.percentile(rest, [25, 75])
    spread = q3 - q1 or (rest.max() - rest.min()) or max(float(np.abs(rest).max()), 1.0)
    out = []
    for u in cands:
        beyond = u > q3 + 3 * spread or u < q1 - 3 * spread
        negative_code = u < 0 <= rest.min()
        if (beyond or negative_code) and (u > rest.max() or u < rest.min()):
            out.append((float(u), int(counts[np.searchsorted(uniq, u)])))
    return out


def _norm_code(key):
    try:
        f = float(key)
        return int(f) if f.is_integer() else f
    except (TypeError, ValueError):
        return str(key)


def wave_order(labels) -> list[str]:
    """Waves in their natural order: numerically when every label is a number
    (``"2"`` before ``"10"``), else as text.

    Parameters
    ----------
    labels : iterable of str
        Wave labels (duplicates are dropped).
    """
    labels = list(dict.fromkeys(labels))
    try:
        return sorted(labels, key=float)
    except (TypeError, ValueError):
        return sorted(labels)


def read_waves(raw: pd.Series, codebook: Codebook, *, file=None, row_offset: int = 2):
    """The wave of each row as an ordered categorical of text labels.

    The order is the codebook's ``waves:`` list when it gives one (a label it does not
    list is an error), else :func:`wave_order`. A missing wave is an error.

    Parameters
    ----------
    raw : pandas.Series
        The wave column as read.
    codebook : Codebook
        The codebook (its wave column and ``waves:`` list).
    file : str, optional
        The data file, for error messages.
    row_offset : int
        Added to a row's position to give its row number in error messages.

    Raises
    ------
    DataError
        Missing waves or waves the codebook does not list (rows named).
    """
    from cxlab.codebook import wave_label

    column = codebook.wave or raw.name
    problems = []
    missing = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
    if missing.any():
        problems.append(
            DataError(
                "the wave is missing", file=file, column=column, rows=_rows(missing, row_offset)
            )
        )
    labels = pd.Series([wave_label(v) for v in raw.tolist()], index=raw.index)
    listed = codebook.wave_labels
    if listed:
        unknown = ~labels.isin(listed).to_numpy() & ~missing
        if unknown.any():
            shown = ", ".join(sorted(set(labels[unknown]))[:5])
            problems.append(
                DataError(
                    f"wave(s) {shown} are not among the codebook's waves ({', '.join(listed)})",
                    file=file,
                    column=column,
                    rows=_rows(unknown, row_offset),
                )
            )
        order = listed
    else:
        order = wave_order(labels[~missing])
    if problems:
        raise combine_errors(problems)
    return pd.Series(
        pd.Categorical(labels.to_numpy(), categories=order, ordered=True), name="wave"
    ).reset_index(drop=True)


def _normalise_ids(raw: pd.Series) -> pd.Series:
    """Respondent ids as text, never lossy: text exactly as written (stripped);
    numbers as integers when every id is one, else as written by ``repr``."""
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.dropna().astype(float)
        if (values == np.round(values)).all():
            if (values.abs() > 2**53).any():
                raise DataError(
                    "respondent ids stored as numbers beyond 2**53 have lost digits; "
                    "store the ids as text",
                    column=str(raw.name),
                )
            return raw.map(lambda v: str(int(v)) if pd.notna(v) else None).astype("string")
        return raw.map(lambda v: repr(float(v)) if pd.notna(v) else None).astype("string")
    out = raw.astype("string").str.strip()
    return out.mask(out == "")


def survey_from_frame(
    frame: pd.DataFrame,
    codebook: Codebook,
    *,
    file: str | None = None,
    row_offset: int = 2,
    source: dict | None = None,
    value_labels: dict | None = None,
    release_columns: bool = False,
) -> Survey:
    """Validate a wide data frame against a codebook and build a :class:`Survey`.

    Every problem of the file is collected and reported together in one
    :class:`~cxlab.errors.DataError` (one line per problem: column, first rows, rule).

    Parameters
    ----------
    frame : DataFrame
        The client's data, one row per respondent, columns as named in the codebook.
        It is not modified.
    codebook : Codebook
    file : str, optional
        File name used in error messages.
    row_offset : int
        File line (or case number) of the first data row, so that errors name rows as
        a spreadsheet or text editor shows them (2 for a CSV with one header row).
    source : dict, optional
        Stored as ``Survey.source`` (``respondent_id`` and ``age_bands`` are added:
        where the ids and the age bands come from).
    value_labels : dict, optional
        Column -> {code: label} from the file itself (SPSS), used for category items
        the codebook gives no labels for.
    release_columns : bool
        Free each column of ``frame`` once every item reading it is read (the others at
        the end), so that a large file is not held twice (as the wide frame and as the
        event table): the columns are left holding only missing values (read-only).
        Only for a caller that discards the frame afterwards (as
        :func:`cxlab.load_survey`).

    Raises
    ------
    DataError
        Missing columns, missing or duplicate respondent ids, text in numeric columns,
        values outside their scale after missing codes are removed, ages outside the
        bands: all of them at once.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlab.codebook import Codebook
    >>> cb = Codebook.from_dict({"respondent_items": {"overall": {
    ...     "column": "q1", "type": "rating", "scale": {"min": 1, "max": 7},
    ...     "missing_codes": [-99]}}})
    >>> s = survey_from_frame(pd.DataFrame({"q1": [7, 5, -99, 6, 4, 7]}), cb)
    >>> s.respondents["overall"].tolist()[:3], s.source["respondent_id"]
    ([7.0, 5.0, nan], 'row number')
    """
    cb = codebook
    _PERSONAL.set(frozenset(cb.personal_data))
    if len(frame) == 0:
        raise DataError("the file has a header but no data rows", file=file)
    problems: list[DataError] = []
    absent = [c for c in dict.fromkeys(cb.columns()) if c not in frame.columns]
    if absent:
        problems.append(
            DataError(
                f"{len(absent)} column(s) named in the codebook are absent from the data "
                f"(the file has {len(frame.columns)} columns)",
                file=file,
                column=absent,
            )
        )
    absent = set(absent)
    n = len(frame)
    nan = np.full(n, np.nan)

    def read(item: Item, labels=None):
        """The item's values, or None (its problem recorded) when it cannot be read."""
        if item.column in absent:
            return None
        try:
            return _read_item(frame, item, file, row_offset, labels)
        except DataError as err:
            problems.append(err)
            return None

    source = dict(source or {"path": file})
    waves = wave_keys = None
    if cb.wave and cb.wave not in absent:
        wave_keys = frame[cb.wave].astype(str).to_numpy()  # for the id check, even if unreadable
        try:
            waves = read_waves(frame[cb.wave], cb, file=file, row_offset=row_offset)
        except DataError as err:
            problems.append(err)
    if cb.respondent_id and cb.respondent_id not in absent:
        ids = _normalise_ids(frame[cb.respondent_id])
        no_id = ids.isna().to_numpy()
        if no_id.any():
            problems.append(
                DataError(
                    "respondent id is missing",
                    file=file,
                    column=cb.respondent_id,
                    rows=_rows(no_id, row_offset),
                )
            )
        # with a wave column an id need only be unique within its wave
        keyed = ids if wave_keys is None else ids.astype(str) + "\x1f" + wave_keys
        dup = keyed.duplicated(keep=False).to_numpy() & ~no_id
        if dup.any():
            examples = quote_values(
                ids[dup].drop_duplicates().head(3), personal=cb.respondent_id in cb.personal_data
            )
            within = "" if wave_keys is None else " within a wave"
            problems.append(
                DataError(
                    f"duplicate respondent ids{within} (e.g. {examples}); each respondent "
                    f"must appear once{within}",
                    file=file,
                    column=cb.respondent_id,
                    rows=_rows(dup, row_offset),
                )
            )
        id_values = ids.astype(str).to_numpy()
        source["respondent_id"] = f"column {cb.respondent_id}"
        if waves is not None and ids.duplicated().any() and not dup.any():
            # the same id in two waves: two samples, so two respondents (wave-qualified)
            id_values = np.asarray(waves.astype(str), dtype=object) + ":" + id_values
            source["respondent_id"] = (
                f"column {cb.respondent_id}, prefixed with the wave (ids repeat across waves)"
            )
    else:
        id_values = np.arange(1, n + 1)
        source["respondent_id"] = "row number"

    resp = {"respondent_id": id_values}
    resp["weight"] = np.ones(n)
    if cb.weight and cb.weight not in absent:
        w = read(Item(name="weight", column=cb.weight, type="numeric", min=0.0))
        if w is not None:
            bad = w.isna().to_numpy() | ~(w.to_numpy() > 0)
            if bad.any():
                problems.append(
                    DataError(
                        "weights must be positive numbers",
                        file=file,
                        column=cb.weight,
                        rows=_rows(bad, row_offset),
                    )
                )
            resp["weight"] = w.to_numpy()
    for key in DESIGN_KEYS:
        column = getattr(cb, key)
        if not column or column in absent:
            continue
        values = frame[column].reset_index(drop=True)
        if key == "fpc":
            values = pd.to_numeric(values, errors="coerce")
        bad = values.isna().to_numpy().copy()
        if key == "fpc":
            bad |= ~(values.to_numpy(dtype=float) > 0)
        if bad.any():
            problems.append(
                DataError(
                    f"the sample design's {key} column must have a value on every row"
                    + (" (a positive number)" if key == "fpc" else ""),
                    file=file,
                    column=column,
                    rows=_rows(bad, row_offset),
                )
            )
        resp[key] = values.to_numpy()
    suspicious = []
    unreadable = set()
    sections = (cb.demographics, cb.respondent_items, cb.segments)
    for section in sections:
        for name, item in section.items():
            if item.derived:
                if unreadable & set(item.derived["items"]):
                    unreadable.add(name)
                    resp[name] = nan
                else:
                    resp[name] = _derive(item, resp)
                continue
            values = read(item, value_labels)
            if values is None:
                unreadable.add(name)
                resp[name] = nan
                continue
            resp[name] = values.reset_index(drop=True)
            if item.type == "numeric":
                for value, count in suspicious_constants(values.to_numpy(dtype=float)):
                    suspicious.append((name, item.column, value, count, int(values.notna().sum())))
    respondents = pd.DataFrame(resp)
    del resp, id_values  # now in the respondents frame
    release = _column_releaser(frame, cb) if release_columns else None
    if release is not None:
        release([item.column for section in sections for item in section.values()])
    if waves is not None:
        respondents.insert(1, "wave", waves)
    for name, item in cb.demographics.items():
        if item.type != "numeric" or name in unreadable:
            continue
        bands = item.bands
        if bands is None and name == "age":
            bands = _bands_from_data(respondents["age"].to_numpy(dtype=float))
            source["age_bands"] = "from the data (ten-year bands)" if bands else "none (no ages)"
        elif bands is not None and name == "age":
            source["age_bands"] = "from the codebook"
        if bands is None or f"{name}_band" in respondents:
            continue
        try:
            respondents[f"{name}_band"] = _apply_bands(
                respondents[name].to_numpy(dtype=float), bands, item, file, row_offset
            )
        except DataError as err:
            problems.append(err)
    duration = None
    if cb.duration and cb.duration not in absent:
        duration = read(Item("duration", cb.duration, type="numeric", min=0.0))
        if duration is not None:
            respondents["duration"] = duration.to_numpy()
    personal = frame[[c for c in cb.personal_data if c not in absent]].reset_index(drop=True)
    personal = personal.copy()
    personal.index = respondents.index

    events = pd.DataFrame(
        {
            "event_id": [e.id for e in cb.events],
            "name": [e.name for e in cb.events],
            "stage": pd.Categorical(
                [e.stage for e in cb.events], categories=list(cb.stages), ordered=True
            ),
            "channel": [e.channel for e in cb.events],
            "lens_driver": [e.lenses.get("driver") for e in cb.events],
            "lens_capability": [e.lenses.get("capability") for e in cb.events],
            "lens_initiative": [e.lenses.get("initiative") for e in cb.events],
        }
    )
    events["stage_order"] = events["stage"].cat.codes.astype(int)

    event_data = _build_event_data(frame, cb, read, respondents, release)
    comments = _read_comments(frame, cb, respondents, absent)
    if problems:
        raise combine_errors(problems)
    quality = quality_checks(frame, cb, event_data, duration, respondents=respondents)
    if suspicious:
        extra = pd.DataFrame(
            [
                (
                    "suspicious constant",
                    column,
                    count,
                    "answers",
                    count / max(answered, 1),
                    0.0,
                    True,
                    f"value {value:g} in column {column!r} ({name}) lies far outside the other "
                    "answers; if it means 'no answer', list it under the item's missing_codes",
                )
                for name, column, value, count, answered in suspicious
            ],
            columns=quality.columns,
        )
        quality = pd.concat([quality, extra], ignore_index=True)
    if release_columns:  # the frame was only needed to build the survey
        _empty_columns(frame, frame.columns)
        _return_freed_memory()
    if quality["flagged"].any():
        flagged = quality[quality["flagged"]]
        warnings.warn(
            f"{file or 'survey'}: data-quality checks flagged "
            + "; ".join(
                r.detail.split(";")[0]
                if r.check == "suspicious constant"
                else f"{r.check} ({r.n_flagged} {r.unit})"
                for r in flagged.itertuples()
            )
            + ". See Survey.quality.",
            DataQualityWarning,
            stacklevel=3,
        )
    return Survey(
        respondents=respondents,
        personal=personal,
        events=events,
        codebook=cb,
        quality=quality,
        source=source,
        _event_data=event_data,
        comments=comments,
    )


_COMMENT_COLUMNS = ("respondent_id", "event_id", "item", "language", "text")


def _no_comments() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in _COMMENT_COLUMNS})


def _read_comments(frame, cb: Codebook, respondents, absent) -> pd.DataFrame:
    """The codebook's comment items, redacted before anything else reads them."""
    items = [c for c in cb.comments if c.column not in absent]
    if not items:
        return _no_comments()
    from cxlab.text import Redactor, detect_language

    rule = Redactor(frame[[c for c in cb.personal_data if c not in absent]])
    ids = respondents["respondent_id"].to_numpy()
    parts = []
    for item in items:
        raw = frame[item.column].reset_index(drop=True)
        given = raw.notna() & raw.astype(str).str.strip().ne("")
        texts = [rule(t) for t in raw[given]]
        langs = (
            [detect_language(t) for t in texts]
            if item.language == "auto"
            else [item.language] * len(texts)
        )
        parts.append(
            pd.DataFrame(
                {
                    "respondent_id": ids[given.to_numpy()],
                    "event_id": item.event,
                    "item": item.name,
                    "language": langs,
                    "text": texts,
                }
            )
        )
    return pd.concat(parts, ignore_index=True).astype({"event_id": object})


#: columns of an event table with no events (see :meth:`Survey.event_table`)
CORE_EVENT_COLUMNS = (
    "respondent_id",
    "event_id",
    "stage",
    "channel",
    "weight",
    "tactile",
    "emotive",
    "performance",
    "satisfaction",
    "brand_gap",
    "baseline_gap",
)


def _column_releaser(frame: pd.DataFrame, cb: Codebook):
    """``release(columns)``: free the given item columns of ``frame`` once every item
    reading them is read; columns read otherwise (id, weight, duration, wave, design,
    personal data, comments) are kept."""
    uses: dict[str, int] = {}
    sections = (cb.demographics, cb.respondent_items, cb.segments)
    for item in [i for section in sections for i in section.values()] + [
        i for ev in cb.events for i in ev.items.values()
    ]:
        if item.column is not None:
            uses[item.column] = uses.get(item.column, 0) + 1
    kept = set(cb.personal_data) | {c.column for c in cb.comments}
    kept |= {c for c in (cb.respondent_id, cb.weight, cb.duration, cb.wave) if c}
    kept |= {getattr(cb, key) for key in DESIGN_KEYS if getattr(cb, key)}

    def release(columns):
        done = []
        for column in columns:
            if column is None:
                continue
            uses[column] -= 1
            if uses[column] == 0 and column not in kept:
                done.append(column)
        _empty_columns(frame, [c for c in done if c in frame.columns])
        _return_freed_memory()

    return release


def _empty_columns(frame: pd.DataFrame, columns) -> None:
    """Replace the columns' values by a missing value repeated (a read-only view of one
    number): their arrays are freed, and the frame keeps its columns (deleting columns
    one by one rebuilds the column lookup each time)."""
    # (a Series is set as it is; a bare array would be copied into a full column)
    missing = pd.Series(
        np.broadcast_to(np.float64(np.nan), len(frame)), index=frame.index, copy=False
    )
    for column in list(columns):
        frame.isetitem(frame.columns.get_loc(column), missing)


def _libc_malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


_MALLOC_TRIM = _libc_malloc_trim()


def _return_freed_memory() -> None:
    """Hand freed memory back to the operating system (glibc's ``malloc_trim``).

    glibc keeps freed arrays of up to 32 MB in its heap for reuse (it raises its
    threshold for "large" allocations after a large one is freed), so the columns of
    a wide frame freed while the event table is built would otherwise still count in
    the process's memory. A no-op where the C library is not glibc."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _event_respondent_ids(respondents, rows: np.ndarray):
    """The event table's ``respondent_id`` for the respondents at positions ``rows``:
    a Categorical whose categories are the respondents' ids in the respondents' order
    (so its codes are the rows' positions in ``respondents``); integer ids (row
    numbers) stay integers. Ids that cannot be categories (missing or repeated: the
    survey is refused for them anyway) stay text."""
    ids = respondents["respondent_id"]
    if ids.dtype.kind in "iu":
        return ids.to_numpy()[rows].astype(int)
    categories = pd.Index(ids.to_numpy(dtype=object) if ids.dtype == object else ids)
    if categories.hasnans or not categories.is_unique:
        return pd.array(ids.to_numpy(dtype=object)[rows], dtype="string")
    return pd.Categorical.from_codes(rows, dtype=pd.CategoricalDtype(categories))


def respondent_positions(
    event_data: pd.DataFrame, respondents: pd.DataFrame, *, match: bool = False
) -> np.ndarray | None:
    """Position in ``respondents`` of each row of an event table (-1: no such
    respondent), the one rule linking event rows to respondents.

    When the table's ``respondent_id`` is a Categorical whose categories are exactly the
    respondents' ids in order (what :meth:`Survey.event_table` gives), its codes are
    the positions. Otherwise ``match=False`` returns None (the caller matches the ids
    itself) and ``match=True`` matches them: a Categorical's categories are looked up
    once, other ids row by row.

    Parameters
    ----------
    event_data : pandas.DataFrame
        An event table (:meth:`Survey.event_table`).
    respondents : pandas.DataFrame
        The respondents it belongs to.
    match : bool
        Match the ids when the codes are not the positions.

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, _ = make_study("banking", n_respondents=20, seed=1)
    >>> pos = respondent_positions(survey.event_table(), survey.respondents)
    >>> bool((survey.respondents["respondent_id"].to_numpy()[pos]
    ...       == survey.event_table()["respondent_id"].astype(str).to_numpy()).all())
    True
    """
    ids, own = event_data["respondent_id"], pd.Index(respondents["respondent_id"])
    if isinstance(ids.dtype, pd.CategoricalDtype):
        cats, codes = ids.cat.categories, ids.cat.codes.to_numpy().astype(np.intp)
        if len(cats) == len(own) and cats.equals(own):
            return codes
        if not match:
            return None
        return np.append(own.get_indexer(cats), -1)[codes]  # code -1 (missing): -1
    return own.get_indexer(ids).astype(np.intp) if match else None


def _empty_event_data(cb: Codebook, respondents) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent_id": _event_respondent_ids(respondents, np.array([], dtype=int)),
            "event_id": pd.Categorical([], categories=[]),
            "stage": pd.Categorical([], categories=list(cb.stages), ordered=True),
            "channel": pd.Categorical([], categories=[]),
            **{c: np.array([], dtype=float) for c in CORE_EVENT_COLUMNS[4:]},
        }
    )


#: rows of the event table whose composites are computed at a time (bounds memory)
_ROW_BLOCK = 1 << 16


def _build_event_data(frame, cb: Codebook, read, respondents, release=None) -> pd.DataFrame:
    """One row per respondent x rated event (see :meth:`Survey.event_table`), built
    column by column: each event's items are read, its rated respondents found, and
    their values written into the table's columns (no wide block, no second copy).
    ``release(columns)`` is called with each event's columns once they are read."""
    if not cb.events:
        return _empty_event_data(cb, respondents)
    tactile_all, emotive_all = list(cb.tactile_attributes), list(cb.emotive_attributes)
    present = {name for e in cb.events for name in e.items}
    columns = [c for c in ITEM_ORDER if c in present]
    columns += [a for a in tactile_all if a in present] + [a for a in emotive_all if a in present]
    if "satisfaction" in present:
        columns.append("satisfaction")
    n = len(frame)
    # each column is written event by event into room for every respondent x event;
    # room never written (np.empty: pages not touched) takes no memory
    col = {name: np.empty(n * len(cb.events)) for name in columns}
    rows, event_codes, filled = [], [], 0
    for k, ev in enumerate(cb.events):
        values = {}
        for name, item in ev.items.items():
            got = read(item)
            if got is not None:
                values[name] = got.to_numpy(dtype=float)
        rated = np.zeros(n, dtype=bool)
        for v in values.values():
            rated |= ~np.isnan(v)
        picked = np.flatnonzero(rated)
        part = slice(filled, filled + picked.size)
        for name in columns:
            col[name][part] = values[name][picked] if name in values else np.nan
        rows.append(picked.astype(np.int32) if n < 2**31 else picked)  # (small codes)
        event_codes.append(np.full(picked.size, k, dtype=np.int16))
        filled += picked.size
        del values
        if release is not None:
            release([item.column for item in ev.items.values()])
    col = {name: values[:filled] for name, values in col.items()}
    rows = np.concatenate(rows)
    codes = np.concatenate(event_codes)
    channels = list(dict.fromkeys(e.channel for e in cb.events))
    channel_of = np.array([channels.index(e.channel) for e in cb.events], dtype=np.int16)
    stage_code = np.array([list(cb.stages).index(e.stage) for e in cb.events], dtype=np.int16)
    tactile = _row_means(col, [a for a in tactile_all if a in columns], len(rows))
    emotive = _row_means(col, [a for a in emotive_all if a in columns], len(rows))
    performance = _row_means({"t": tactile, "e": emotive}, ["t", "e"], len(rows))
    nan = np.full(len(rows), np.nan)
    out = {
        "respondent_id": _event_respondent_ids(respondents, rows),
        "event_id": pd.Categorical.from_codes(codes, categories=[e.id for e in cb.events]),
        "stage": pd.Categorical.from_codes(
            stage_code[codes], categories=list(cb.stages), ordered=True
        ),
        "channel": pd.Categorical.from_codes(channel_of[codes], categories=channels),
        "weight": respondents["weight"].to_numpy()[rows],
    }
    for key in ("wave", *DESIGN_KEYS):
        if key in respondents.columns:
            out[key] = respondents[key].take(rows).reset_index(drop=True)
    out.update({name: col[name] for name in columns if name != "satisfaction"})
    out["tactile"] = tactile
    out["emotive"] = emotive
    out["performance"] = performance
    out["satisfaction"] = col.get("satisfaction", nan)
    out["brand_gap"] = performance - col["brand_expectation"] if "brand_expectation" in col else nan
    out["baseline_gap"] = (
        performance - col["baseline_expectation"] if "baseline_expectation" in col else nan
    )
    # one block per column: no consolidating copy, and replacing a column (the
    # weights) leaves the others shared
    return pd.DataFrame(out, copy=False)


def _row_means(col: dict, names: list[str], n: int) -> np.ndarray:
    """Mean of the given columns over their non-missing values, row by row (NaN when
    none is there), computed on blocks of rows so that the stacked values stay small
    (the same sums as on the whole table: each row's sum is its own)."""
    out = np.full(n, np.nan)
    if not names:
        return out
    for start in range(0, n, _ROW_BLOCK):
        part = slice(start, start + _ROW_BLOCK)
        block = np.column_stack([col[a][part] for a in names])
        missing = np.isnan(block)
        count = (~missing).sum(axis=1)
        block[missing] = 0.0  # np.nansum's own step, on our copy: the same sums
        total = block.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[part] = np.where(count > 0, total / count, np.nan)
    return out


def quality_checks(
    frame, cb: Codebook, event_data: pd.DataFrame, duration=None, respondents=None
) -> pd.DataFrame:
    """Data-quality checks that are not errors.

    Returns one row per check with columns ``check, column, n_flagged, unit, share,
    threshold, flagged, detail``:

    * ``straight-lining``: respondents who gave the same answer to every rated
      attribute (at least 6 answers); in a survey without events, to every
      respondent-level rating item read from the file (when there are at least 6);
    * ``speeders``: respondents faster than a third of the median duration (when the
      codebook names a duration column);
    * ``item non-response``: items left unanswered by more than 20% of the
      respondents who rated the event, and respondent-level items (read from the
      file) left unanswered by more than 20% of the respondents (one row per item).

    :func:`survey_from_frame` adds a ``suspicious constant`` row for each code-like
    value (-99, 999...) far outside a numeric item's other values
    (see :func:`suspicious_constants`).
    """
    rows = []
    attrs = [a for a in (*cb.tactile_attributes, *cb.emotive_attributes) if a in event_data.columns]
    file_items = {name: item for name, item in cb.respondent_items.items() if item.derived is None}
    if respondents is not None and not cb.events:
        rated = [n for n, i in file_items.items() if i.type == "rating" and n in respondents]
        if len(rated) >= QUALITY_THRESHOLDS["straightline_min_items"]:
            values = respondents[rated].to_numpy(dtype=float)
            n_ans = (~np.isnan(values)).sum(axis=1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                flat_rows = (np.nanmin(values, axis=1) == np.nanmax(values, axis=1)) & (
                    n_ans >= QUALITY_THRESHOLDS["straightline_min_items"]
                )
            flat = int(flat_rows.sum())
            rows.append(
                (
                    "straight-lining",
                    "",
                    flat,
                    "respondents",
                    flat / max(len(frame), 1),
                    0.0,
                    flat > 0,
                    "same answer to every respondent-level rating item",
                )
            )
    if attrs:
        # each respondent's lowest and highest attribute rating and their count, on
        # blocks of rows (fmin and fmax skip NaN as nanmin and nanmax do; unbuffered
        # ufunc.at gathers the rows per respondent)
        positions = None if respondents is None else respondent_positions(event_data, respondents)
        if positions is None:
            codes, uniques = pd.factorize(event_data["respondent_id"])
            n_groups = len(uniques)
        else:  # the ids' codes are the respondents' positions: no factorizing
            codes, n_groups = positions, len(respondents)
        r_lo, r_hi = np.full(n_groups, np.nan), np.full(n_groups, np.nan)
        r_n = np.zeros(n_groups, dtype=np.int64)
        columns = [event_data[a].to_numpy(dtype=float) for a in attrs]
        for start in range(0, len(codes), _ROW_BLOCK):
            part = slice(start, start + _ROW_BLOCK)
            lo, hi = columns[0][part].copy(), columns[0][part].copy()
            count = (~np.isnan(lo)).astype(np.int64)
            for v in columns[1:]:
                np.fmin(lo, v[part], out=lo)
                np.fmax(hi, v[part], out=hi)
                count += ~np.isnan(v[part])
            who = codes[part]
            mine = who >= 0  # rows without an id belong to nobody
            np.fmin.at(r_lo, who[mine], lo[mine])
            np.fmax.at(r_hi, who[mine], hi[mine])
            np.add.at(r_n, who[mine], count[mine])
        enough = r_n >= QUALITY_THRESHOLDS["straightline_min_items"]
        flat = int(((r_lo == r_hi) & enough).sum())
        share = flat / max(len(frame), 1)
        rows.append(
            (
                "straight-lining",
                "",
                flat,
                "respondents",
                share,
                0.0,
                flat > 0,
                "same answer to every attribute rating",
            )
        )
    if duration is not None:
        med = np.nanmedian(duration)
        fast = int((duration < med * QUALITY_THRESHOLDS["speeder_ratio"]).sum())
        rows.append(
            (
                "speeders",
                cb.duration,
                fast,
                "respondents",
                fast / len(frame),
                QUALITY_THRESHOLDS["speeder_ratio"],
                fast > 0,
                f"faster than 1/3 of the median duration ({med:.0f})",
            )
        )
    limit = QUALITY_THRESHOLDS["item_nonresponse"]
    # missing answers of each item per event: the event table factorized once
    event_codes, event_ids = pd.factorize(event_data["event_id"])
    position = {e: k for k, e in enumerate(event_ids)}
    counted = event_codes >= 0
    every = event_codes if counted.all() else event_codes[counted]  # (no copy when all)
    n_rows = np.bincount(every, minlength=len(event_ids))
    del every
    n_missing: dict[str, np.ndarray] = {}
    for ev in cb.events:
        k = position.get(ev.id)
        if k is None or n_rows[k] == 0:
            continue
        for name, item in ev.items.items():
            if name not in n_missing:
                gone = event_data[name].isna().to_numpy() & counted
                n_missing[name] = np.bincount(event_codes[gone], minlength=len(event_ids))
            share = float(n_missing[name][k] / n_rows[k])
            if share > limit:
                rows.append(
                    (
                        "item non-response",
                        item.column,
                        int(n_missing[name][k]),
                        "answers",
                        share,
                        limit,
                        True,
                        f"{ev.id}: {name}",
                    )
                )
    if respondents is not None:
        for name, item in file_items.items():
            if name not in respondents:
                continue
            gone = respondents[name].isna()
            share = float(gone.mean())
            if share > limit:
                rows.append(
                    (
                        "item non-response",
                        item.column,
                        int(gone.sum()),
                        "answers",
                        share,
                        limit,
                        True,
                        f"respondent item {name}",
                    )
                )
    quality = pd.DataFrame(
        rows,
        columns=["check", "column", "n_flagged", "unit", "share", "threshold", "flagged", "detail"],
    )
    return quality


def sha256_of(path) -> str:
    """SHA-256 of a file's bytes (the data fingerprint in reports)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
