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

import hashlib
import warnings
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from cxlab.codebook import Codebook, Item
from cxlab.errors import DataError, DataQualityWarning, quote_values

__all__ = ["Survey", "survey_from_frame", "ITEM_ORDER"]

#: canonical order of event-level columns in :meth:`Survey.event_table`
ITEM_ORDER = (
    "significance",
    "personal_investment",
    "brand_expectation",
    "baseline_expectation",
)

#: thresholds of the data-quality checks
QUALITY_THRESHOLDS = {"item_nonresponse": 0.20, "speeder_ratio": 1 / 3, "straightline_min_items": 6}


@dataclass(frozen=True, eq=False)
class Survey:
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
    """

    respondents: pd.DataFrame
    personal: pd.DataFrame
    events: pd.DataFrame
    codebook: Codebook
    quality: pd.DataFrame
    source: dict
    _event_data: pd.DataFrame = field(repr=False)

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

    def __repr__(self) -> str:
        return (
            f"Survey({self.codebook.name or self.source.get('path', '')!r}: "
            f"{self.n_respondents} respondents, {len(self.events)} events, "
            f"{len(self._event_data)} respondent-event ratings)"
        )

    # ------------------------------------------------------------ tables
    def event_table(self) -> pd.DataFrame:
        """One row per respondent x rated event.

        Columns: ``respondent_id, event_id, stage, channel, weight``, the importance
        and expectation items, each rated attribute, ``tactile`` and ``emotive``
        (row means of the rated attributes of each kind), ``performance`` (mean of
        the two composites), ``satisfaction``, ``brand_gap`` (performance minus
        brand expectation) and ``baseline_gap`` (performance minus baseline
        expectation). A copy: change it freely.
        """
        return self._event_data.copy()

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
        """
        mask = np.asarray(mask, dtype=bool)
        resp = self.respondents.loc[mask].reset_index(drop=True)
        keep = set(resp["respondent_id"])
        ev = self._event_data[self._event_data["respondent_id"].isin(keep)].reset_index(drop=True)
        personal = self.personal.loc[mask].reset_index(drop=True)
        duration = resp["duration"].to_numpy() if "duration" in resp else None
        quality = quality_checks(resp, self.codebook, ev, duration)
        return Survey(resp, personal, self.events, self.codebook, quality, dict(self.source), ev)

    def with_weights(self, weights) -> Survey:
        """A survey whose ``weight`` column (respondents and event table) is ``weights``."""
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(self.respondents),):
            raise DataError(
                f"weights have length {w.size}, survey has {len(self.respondents)} respondents",
                column="weight",
            )
        resp = self.respondents.assign(weight=w)
        by_id = pd.Series(w, index=resp["respondent_id"].to_numpy())
        ev = self._event_data.assign(weight=self._event_data["respondent_id"].map(by_id).to_numpy())
        return Survey(
            resp, self.personal, self.events, self.codebook, self.quality, dict(self.source), ev
        )


# ====================================================================== build
def _rows(mask: np.ndarray, row_offset: int) -> list[int]:
    return [int(i) + row_offset for i in np.flatnonzero(mask)]


def _numeric(frame, item: Item, file, row_offset) -> np.ndarray:
    """Column as a float array with missing codes removed; text raises DataError."""
    raw = frame[item.column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype=float, na_value=np.nan)
    else:
        stripped = raw.astype("string").str.strip()
        stripped = stripped.mask(stripped == "")
        conv = pd.to_numeric(stripped, errors="coerce").astype(float)
        bad = conv.isna().to_numpy() & stripped.notna().to_numpy()
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
                + (" or the item's value labels" if item.labels else ""),
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
    return values


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
        raise DataError(
            f"values outside {what} [{'' if lo is None else f'{lo:g}'}, {'' if hi is None else f'{hi:g}'}] "
            f"after missing codes {list(item.missing_codes) or '[]'} are removed (e.g. {examples})",
            file=file,
            column=item.column,
            rows=_rows(bad, row_offset),
        )


def _read_item(frame, item: Item, file, row_offset, value_labels=None) -> pd.Series:
    """Validate and convert one codebook item column."""
    if item.type == "category":
        labels = item.labels or (value_labels or {}).get(item.column)
        raw = frame[item.column]
        if labels:
            labels = {_norm_code(k): str(v) for k, v in labels.items()}
            if pd.api.types.is_numeric_dtype(raw):
                values = raw.astype(float)
                if item.missing_codes:
                    values = values.mask(values.isin(item.missing_codes))
                by_float = {float(k): v for k, v in labels.items() if not isinstance(k, str)}
                out = values.map(by_float)
                bad = out.isna().to_numpy() & values.notna().to_numpy()
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
            cats = list(dict.fromkeys(labels.values()))
            return pd.Series(pd.Categorical(out, categories=cats), index=frame.index)
        text = raw.astype("string").str.strip()
        text = text.mask(text == "")
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
                "a yes/no item must be 0 or 1",
                file=file,
                column=item.column,
                rows=_rows(bad, row_offset),
            )
    else:
        _check_range(values, item.min, item.max, item, file, row_offset, "the allowed range")
    return pd.Series(values, index=frame.index)


def _norm_code(key):
    try:
        f = float(key)
        return int(f) if f.is_integer() else f
    except (TypeError, ValueError):
        return str(key)


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
) -> Survey:
    """Validate a wide data frame against a codebook and build a :class:`Survey`.

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
        Stored as ``Survey.source``.
    value_labels : dict, optional
        Column -> {code: label} from the file itself (SPSS), used for category items
        the codebook gives no labels for.

    Raises
    ------
    DataError
        Missing columns, missing or duplicate respondent ids, text in numeric columns,
        values outside their scale after missing codes are removed.
    """
    cb = codebook
    _PERSONAL.set(frozenset(cb.personal_data))
    if len(frame) == 0:
        raise DataError("the file has a header but no data rows", file=file)
    missing = [c for c in dict.fromkeys(cb.columns()) if c not in frame.columns]
    if missing:
        raise DataError(
            f"{len(missing)} column(s) named in the codebook are absent from the data "
            f"(the file has {len(frame.columns)} columns)",
            file=file,
            column=missing,
        )
    ids = _normalise_ids(frame[cb.respondent_id])
    no_id = ids.isna().to_numpy()
    if no_id.any():
        raise DataError(
            "respondent id is missing",
            file=file,
            column=cb.respondent_id,
            rows=_rows(no_id, row_offset),
        )
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        examples = quote_values(
            ids[dup].drop_duplicates().head(3), personal=cb.respondent_id in cb.personal_data
        )
        raise DataError(
            f"duplicate respondent ids (e.g. {examples}); each respondent must appear once",
            file=file,
            column=cb.respondent_id,
            rows=_rows(dup, row_offset),
        )

    resp = {"respondent_id": ids.astype(str).to_numpy()}
    if cb.weight:
        wi = Item(name="weight", column=cb.weight, type="numeric", min=0.0)
        w = _read_item(frame, wi, file, row_offset)
        bad = w.isna().to_numpy() | ~(w.to_numpy() > 0)
        if bad.any():
            raise DataError(
                "weights must be positive numbers",
                file=file,
                column=cb.weight,
                rows=_rows(bad, row_offset),
            )
        resp["weight"] = w.to_numpy()
    else:
        resp["weight"] = np.ones(len(frame))
    for section in (cb.demographics, cb.respondent_items, cb.segments):
        for name, item in section.items():
            resp[name] = _read_item(frame, item, file, row_offset, value_labels).reset_index(
                drop=True
            )
    respondents = pd.DataFrame(resp)
    if "age" in respondents and "age_band" not in respondents:
        respondents["age_band"] = pd.cut(
            respondents["age"],
            bins=[-np.inf, 29.5, 44.5, np.inf],
            labels=["18-29", "30-44", "45-65"],
        )
    duration = None
    if cb.duration:
        duration = _read_item(
            frame, Item("duration", cb.duration, type="numeric", min=0.0), file, row_offset
        )
        respondents["duration"] = duration.to_numpy()
    personal = frame[list(cb.personal_data)].reset_index(drop=True).copy()
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

    event_data = _build_event_data(frame, cb, file, row_offset, respondents)
    quality = quality_checks(frame, cb, event_data, duration)
    if quality["flagged"].any():
        flagged = quality[quality["flagged"]]
        warnings.warn(
            f"{file or 'survey'}: data-quality checks flagged "
            + "; ".join(f"{r.check} ({r.n_flagged} {r.unit})" for r in flagged.itertuples())
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
        source=dict(source or {"path": file}),
        _event_data=event_data,
    )


def _build_event_data(frame, cb: Codebook, file, row_offset, respondents) -> pd.DataFrame:
    tactile_all, emotive_all = list(cb.tactile_attributes), list(cb.emotive_attributes)
    present = {name for e in cb.events for name in e.items}
    columns = [c for c in ITEM_ORDER if c in present]
    columns += [a for a in tactile_all if a in present] + [a for a in emotive_all if a in present]
    if "satisfaction" in present:
        columns.append("satisfaction")
    n = len(frame)
    blocks, rows, event_codes = [], [], []
    for k, ev in enumerate(cb.events):
        block = np.full((n, len(columns)), np.nan)
        for name, item in ev.items.items():
            block[:, columns.index(name)] = _read_item(frame, item, file, row_offset).to_numpy()
        rated = ~np.isnan(block).all(axis=1)
        blocks.append(block[rated])
        rows.append(np.flatnonzero(rated))
        event_codes.append(np.full(int(rated.sum()), k))
    rows = np.concatenate(rows)
    codes = np.concatenate(event_codes)
    values = np.concatenate(blocks)
    col = {name: values[:, j] for j, name in enumerate(columns)}
    ids = respondents["respondent_id"].to_numpy(dtype=object)
    channels = list(dict.fromkeys(e.channel for e in cb.events))
    channel_of = np.array([channels.index(e.channel) for e in cb.events])
    stage_code = np.array([list(cb.stages).index(e.stage) for e in cb.events])

    def row_mean(names):
        if not names:
            return np.full(len(rows), np.nan)
        block = values[:, [columns.index(a) for a in names]]
        count = (~np.isnan(block)).sum(axis=1)
        total = np.nansum(block, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / count, np.nan)

    tactile = row_mean([a for a in tactile_all if a in columns])
    emotive = row_mean([a for a in emotive_all if a in columns])
    both = np.column_stack([tactile, emotive])
    n_both = (~np.isnan(both)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        performance = np.where(n_both > 0, np.nansum(both, axis=1) / n_both, np.nan)
    nan = np.full(len(rows), np.nan)
    out = {
        "respondent_id": pd.array(ids[rows], dtype="string"),
        "event_id": pd.Categorical.from_codes(codes, categories=[e.id for e in cb.events]),
        "stage": pd.Categorical.from_codes(
            stage_code[codes], categories=list(cb.stages), ordered=True
        ),
        "channel": pd.Categorical.from_codes(channel_of[codes], categories=channels),
        "weight": respondents["weight"].to_numpy()[rows],
    }
    out.update({name: col[name] for name in columns if name != "satisfaction"})
    out["tactile"] = tactile
    out["emotive"] = emotive
    out["performance"] = performance
    out["satisfaction"] = col.get("satisfaction", nan)
    out["brand_gap"] = performance - col["brand_expectation"] if "brand_expectation" in col else nan
    out["baseline_gap"] = (
        performance - col["baseline_expectation"] if "baseline_expectation" in col else nan
    )
    return pd.DataFrame(out)


def quality_checks(frame, cb: Codebook, event_data: pd.DataFrame, duration=None) -> pd.DataFrame:
    """Data-quality checks that are not errors.

    Returns one row per check with columns ``check, column, n_flagged, unit, share,
    threshold, flagged, detail``:

    * ``straight-lining``: respondents who gave the same answer to every rated
      attribute (at least 6 answers);
    * ``speeders``: respondents faster than a third of the median duration (when the
      codebook names a duration column);
    * ``item non-response``: items left unanswered by more than 20% of the
      respondents who rated the event (one row per such item).
    """
    rows = []
    attrs = [a for a in (*cb.tactile_attributes, *cb.emotive_attributes) if a in event_data.columns]
    if attrs:
        values = event_data[attrs].to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # rows with no attribute ratings
            per_row = pd.DataFrame(
                {
                    "lo": np.nanmin(values, axis=1),
                    "hi": np.nanmax(values, axis=1),
                    "n": (~np.isnan(values)).sum(axis=1),
                }
            )
        codes = pd.factorize(event_data["respondent_id"])[0]
        stats = per_row.groupby(codes).agg({"lo": "min", "hi": "max", "n": "sum"})
        enough = stats["n"] >= QUALITY_THRESHOLDS["straightline_min_items"]
        flat = int(((stats["lo"] == stats["hi"]) & enough).sum())
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
    for ev in cb.events:
        part = event_data[event_data["event_id"] == ev.id]
        if len(part) == 0:
            continue
        for name, item in ev.items.items():
            share = float(part[name].isna().mean())
            if share > limit:
                rows.append(
                    (
                        "item non-response",
                        item.column,
                        int(part[name].isna().sum()),
                        "answers",
                        share,
                        limit,
                        True,
                        f"{ev.id}: {name}",
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
