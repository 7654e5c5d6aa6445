"""A starting codebook drafted from a data file (``cxlab codebook draft``).

Writing a codebook by hand for a 200-column file is slow. :func:`draft_codebook`
reads the file (CSV, Excel or SPSS) and writes a YAML codebook that loads as it is:
SPSS variable labels become ``label:``, value labels ``labels:``, SPSS user-missing
values and code-like constants (-99, 98, 99...) ``missing_codes``; rating scales come
from the observed range; an obvious weight column (``weight``, ``wt``, ``wgt``...:
positive numbers) and an obvious id column (unique values, named like ``id`` or
``respondent``) are mapped; columns that look like personal data (e-mail, phone,
names, free text) go under ``personal_data``. Every guess a researcher must check is
marked ``# TODO``. The draft never holds a value of a personal-data column.

Examples
--------
>>> import tempfile
>>> from cxlab.synth import write_shape
>>> shape = write_shape("opinion_spss", tempfile.mkdtemp())
>>> text = draft_codebook(shape.data)
>>> "weight: wt" in text and "respondent_id: caseid" in text
True
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from cxlab.codebook import RESERVED_NAMES
from cxlab.io import read_table
from cxlab.survey import suspicious_constants

__all__ = ["draft_codebook"]

_ID_NAME = re.compile(
    r"^(id|.*_id|id_.*|.*id|respondent.*|resp.*|case.*|record.*|serial|uuid|responseid)$", re.I
)
_WEIGHT_NAME = re.compile(
    r"^(weight|weights|wt|wgt|w8|weighting|.*_weight|weight_.*|.*_wt|wt_.*)$", re.I
)
_DURATION_NAME = re.compile(r"^(duration.*|.*_duration|time_taken|length_sec.*)$", re.I)
_PERSONAL_NAME = re.compile(
    r"(e-?mail|phone|tel(ephone)?|mobile|cell|^name$|first.?name|last.?name|surname|full.?name|"
    r"address|street|post.?code|zip|ip.?address|^ip$|comment|verbatim|open.?end|free.?text|"
    r"remark|feedback|^other.*text|_text$|^text)",
    re.I,
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")
_DEMOGRAPHIC = re.compile(
    r"^(age|gender|sex|region|country|state|province|education|educ|income|marital|"
    r"ethnicity|race|employment|household.*|urban.*)$",
    re.I,
)
_NO_ANSWER_LABEL = re.compile(
    r"(don.?t know|do not know|refus|no answer|not answered|not applicable|n/?a\b|"
    r"prefer not|missing|dk\b|skip)",
    re.I,
)
_CODE_VALUES = (-999.0, -99.0, -98.0, -97.0, -9.0, -8.0, -7.0, -1.0, 9.0, 96.0, 97.0, 98.0, 99.0,
                996.0, 997.0, 998.0, 999.0, 9999.0)  # fmt: skip


def _q(text) -> str:
    """A YAML scalar that reads back as the same string (double-quoted when needed)."""
    text = str(text)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) and text.lower() not in (
        "yes",
        "no",
        "true",
        "false",
        "on",
        "off",
        "null",
        "y",
        "n",
        "none",
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _slug(column: str) -> str:
    name = re.sub(r"[^0-9a-zA-Z]+", "_", str(column)).strip("_").lower()
    if not name:
        name = "item"
    if name[0].isdigit():
        name = f"q{name}"
    return name


def _spss_missing(path: Path) -> dict[str, list[float]]:
    """Column -> SPSS user-missing values (discrete values and small ranges)."""
    import pyreadstat

    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
    except Exception:  # noqa: BLE001 - read_table has already read the file; be lenient
        return {}
    out: dict[str, list[float]] = {}
    for col, ranges in (meta.missing_ranges or {}).items():
        values = []
        for r in ranges:
            lo, hi = r.get("lo"), r.get("hi")
            if isinstance(lo, int | float) and isinstance(hi, int | float) and hi - lo <= 20:
                values.extend(float(v) for v in np.arange(lo, hi + 1) if float(v).is_integer())
                if not float(lo).is_integer():
                    values.append(float(lo))
        if values:
            out[col] = sorted(set(values))
    for col, values in (meta.missing_user_values or {}).items():
        nums = [float(v) for v in values if isinstance(v, int | float)]
        if nums:
            out[col] = sorted(set(out.get(col, [])) | set(nums))
    return out


def _looks_personal(column: str, values: pd.Series) -> str | None:
    """Why a column looks like personal data (or None)."""
    if _PERSONAL_NAME.search(str(column)):
        return "its name"
    if pd.api.types.is_numeric_dtype(values):
        return None
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return None
    if text.str.match(_EMAIL).mean() > 0.5:
        return "e-mail addresses"
    if text.str.match(_PHONE).mean() > 0.5 and text.str.contains(r"\d{3}").mean() > 0.5:
        return "phone numbers"
    words = text.str.split().str.len()
    if words.mean() >= 3 and text.nunique() > 0.3 * len(text):
        return "free text"
    alpha = text.str.fullmatch(r"[^\W\d_]+(?:[ '-][^\W\d_]+){1,3}")
    if alpha.mean() > 0.8 and text.nunique() > 0.5 * len(text) and len(text) >= 10:
        return "what looks like names"
    return None


def draft_codebook(path: str | Path) -> str:
    """A starting codebook (YAML text with ``# TODO`` comments) for a data file.

    Parameters
    ----------
    path : str or Path
        CSV, Excel ``.xlsx`` or SPSS ``.sav``/``.zsav``; it is only read.

    Returns
    -------
    str
        YAML that :func:`cxlab.load_survey` accepts as it is. Personal-data columns
        are named, never their values.

    Raises
    ------
    cxlab.errors.DataError
        The file cannot be read.

    Examples
    --------
    >>> import tempfile, cxlab, yaml
    >>> from cxlab.synth import write_shape
    >>> shape = write_shape("satisfaction_no_events", tempfile.mkdtemp())
    >>> text = draft_codebook(shape.data)
    >>> cxlab.load_survey(shape.data, yaml.safe_load(text)).n_respondents
    250
    """
    path = Path(path)
    frame, info = read_table(path)
    value_labels = {k: dict(v) for k, v in (info.get("value_labels") or {}).items()}
    var_labels = {k: v for k, v in (info.get("variable_labels") or {}).items() if v}
    spss_missing = _spss_missing(path) if info["format"] == "sav" else {}
    n = len(frame)
    columns = list(frame.columns)

    lines = [
        f"# Draft codebook for {path.name} written by `cxlab codebook draft`.",
        "# Every mapping below is a guess from the data: check each '# TODO' against the",
        "# questionnaire, then rename items to the framework's names where they apply",
        "# (recommend, retention_intent, complained, spend, tenure...). See docs/codebook.md.",
        f"name: {_q(path.stem)}",
    ]
    if info["format"] in ("qualtrics", "sav"):
        lines.append(f"format: {info['format']}")

    used: set[str] = set()
    personal: list[tuple[str, str]] = []
    for col in columns:
        why = _looks_personal(col, frame[col])
        if why:
            personal.append((col, why))
            used.add(col)

    def numeric(col):
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            return s.to_numpy(dtype=float, na_value=np.nan)
        return None

    # the id column: unique, complete, named like an id
    rid = None
    for col in columns:
        if col in used or not _ID_NAME.match(str(col)):
            continue
        s = frame[col]
        values = numeric(col)
        integer_like = (
            values is not None
            and np.all(np.isfinite(values))
            and np.all(values == np.round(values))
        )
        texty = values is None and s.notna().all()
        if (integer_like or texty) and s.notna().all() and s.nunique() == n:
            rid = col
            break
    if rid:
        lines.append(f"respondent_id: {_q(rid)}  # TODO: check this is the respondent id")
        used.add(rid)
    else:
        lines.append(
            "# respondent_id: not found (no column with unique values named like an id);"
            " respondents are numbered by data row"
        )
    weight = None
    for col in columns:
        values = numeric(col)
        if col in used or values is None or not _WEIGHT_NAME.match(str(col)):
            continue
        if np.all(np.isfinite(values)) and np.all(values > 0):
            weight = col
            break
    if weight:
        lines.append(f"weight: {_q(weight)}  # TODO: check this is the design weight")
        used.add(weight)
    duration = None
    for col in columns:
        values = numeric(col)
        if col in used or values is None or not _DURATION_NAME.match(str(col)):
            continue
        finite = values[~np.isnan(values)]
        if finite.size and np.all(finite >= 0):
            duration = col
            break
    if duration:
        lines.append(f"duration: {_q(duration)}  # interview length (used for the speeders check)")
        used.add(duration)

    # classify the remaining columns
    specs: dict[str, list[tuple[str, list[str]]]] = {"demographics": [], "respondent_items": []}
    scales: dict[tuple[float, float], str] = {}
    names: set[str] = set()
    skipped: list[tuple[str, str]] = []

    def unique_name(col, preferred=None):
        base = preferred or _slug(col)
        if base in RESERVED_NAMES:
            base = f"{base}_item"
        name, k = base, 2
        while name in names:
            name, k = f"{base}_{k}", k + 1
        names.add(name)
        return name

    for col in columns:
        if col in used:
            continue
        s = frame[col]
        values = numeric(col)
        demographic = bool(_DEMOGRAPHIC.match(_slug(col)))
        body = [f"column: {_q(col)}"]
        label = var_labels.get(col)
        if label:
            body.append(f"label: {_q(label)}")
        labels = value_labels.get(col) or {}
        if values is None:
            text = s.dropna().astype(str).str.strip()
            text = text[text != ""]
            if text.nunique() == 0:
                skipped.append((col, "empty"))
                continue
            if text.nunique() > max(20, 0.5 * len(text)):
                skipped.append((col, "text with many different values (identifier or free text?)"))
                continue
            body.append("type: category  # categories are taken from the data")
            section = "demographics" if demographic else "respondent_items"
            specs[section].append((unique_name(col), body))
            continue
        finite = values[~np.isnan(values)]
        if finite.size == 0:
            skipped.append((col, "no answers"))
            continue
        # missing codes: SPSS user-missing (already missing when read), labelled
        # "don't know"/"refused" codes, and code-like constants apart from the rest
        codes = set(spss_missing.get(col, []))
        codes |= {float(k) for k, v in labels.items() if _NO_ANSWER_LABEL.search(str(v))}
        present = set(np.unique(finite))
        for code in _CODE_VALUES:
            if code in present:
                rest = finite[~np.isin(finite, [*codes, code])]
                if rest.size and (code > rest.max() + 1 or code < rest.min() - 1):
                    codes.add(code)
        codes |= {v for v, _ in suspicious_constants(finite)}
        kept = finite[~np.isin(finite, sorted(codes))]
        if kept.size == 0:
            skipped.append((col, "only missing codes"))
            continue
        lo, hi = float(kept.min()), float(kept.max())
        integer = bool(np.all(kept == np.round(kept)))
        distinct = np.unique(kept)
        answer_labels = {k: v for k, v in labels.items() if float(k) not in codes}
        todo = None
        name_pref = None
        label_lo = min((float(k) for k in answer_labels), default=lo)
        if _slug(col) in ("age", "age_years", "ageyears", "age_in_years"):
            kind, name_pref = "numeric", "age"
            todo = "age bands come from the data; set them with 'bands: [18, 30, 45, 65]'"
        elif set(distinct) <= {0.0, 1.0}:
            kind = "binary"
        elif answer_labels and (demographic or len(answer_labels) <= 3 or not integer):
            kind = "category"
            if len(distinct) == 2:
                todo = (
                    "two answers: a yes/no item? then 'type: binary' with "
                    f"'recode: {{{_num(distinct[0])}: 1, {_num(distinct[1])}: 0}}' (check which is yes)"
                )
        elif integer and len(distinct) == 2 and not answer_labels:
            kind = "category"
            todo = (
                "two answers: a yes/no item? then 'type: binary' with "
                f"'recode: {{{_num(distinct[0])}: 1, {_num(distinct[1])}: 0}}' (check which is yes)"
            )
        elif demographic and integer and len(distinct) <= 12:
            kind = "category"
            todo = "coded categories without labels: add 'labels: {1: ..., 2: ...}'"
        elif integer and hi <= 11 and min(lo, label_lo) >= 0 and len(distinct) >= 3:
            kind = "rating"
            todo = (
                f"answers run {_num(lo)}-{_num(hi)}: check the questionnaire's scale"
                " (and 'reverse: true' for negatively worded items)"
                + ("; with value labels: a category item instead?" if answer_labels else "")
            )
        else:
            kind = "numeric"
        body.append(f"type: {kind}")
        if kind == "rating":
            scale_lo = 0.0 if min(lo, label_lo) == 0 else 1.0
            scale_hi = max(hi, max((float(k) for k in answer_labels), default=hi))
            key = (scale_lo, scale_hi)
            if key not in scales:
                scales[key] = f"scale_{_num(scale_lo)}_{_num(scale_hi)}".replace("-", "m").replace(
                    ".", "_"
                )
            body.append(f"scale: {scales[key]}")
        if kind == "category":
            body.append("labels:")
            body.extend(f"  {_num(k)}: {_q(v)}" for k, v in sorted(answer_labels.items()))
            uncovered = [v for v in distinct if float(v) not in {float(k) for k in answer_labels}]
            body.extend(f"  {_num(v)}: {_q(_num(v))}  # TODO: no value label" for v in uncovered)
        elif kind in ("rating", "binary") and answer_labels:
            body.append(
                "# value labels: "
                + "; ".join(f"{_num(k)} = {v}" for k, v in sorted(answer_labels.items()))
            )
        if kind == "numeric" and name_pref == "age":
            body.append(f"min: {_num(np.floor(lo))}")
            body.append(f"max: {_num(np.ceil(hi))}")
        if codes:
            named = {float(k): v for k, v in labels.items()}
            note = ", ".join(
                f"{_num(c)}" + (f" = {named[c]}" if c in named else "") for c in sorted(codes)
            )
            spss = " (SPSS user-missing)" if set(spss_missing.get(col, [])) & codes else ""
            body.append(
                f"missing_codes: [{', '.join(_num(c) for c in sorted(codes))}]  # TODO: {note}{spss}"
            )
        if todo:
            body.append(f"# TODO: {todo}")
        section = "demographics" if (demographic or name_pref == "age") else "respondent_items"
        specs[section].append((unique_name(col, name_pref), body))

    if scales:
        lines.append("scales:")
        for (lo, hi), name in scales.items():
            lines.append(f"  {name}: {{min: {_num(lo)}, max: {_num(hi)}}}")
    if personal:
        lines.append("personal_data:  # kept apart, never analysed or reported")
        for col, why in personal:
            lines.append(f"- {_q(col)}  # TODO: personal data? (guessed from {why})")
    for section in ("demographics", "respondent_items"):
        if not specs[section]:
            continue
        lines.append(f"{section}:")
        for name, body in specs[section]:
            lines.append(f"  {_q(name)}:")
            lines.extend(f"    {b}" for b in body)
    if skipped:
        lines.append("# Not mapped (map them by hand if they matter):")
        lines.extend(f"#   {col!s}: {why}" for col, why in skipped)
    lines.append(
        "# No events: add 'events:' (id, stage, channel, items) for customer-event questions."
    )
    return "\n".join(lines) + "\n"
