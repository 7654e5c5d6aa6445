"""Reading and validating the executive CFE survey into the tidy executive frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cxlab.cfe.model import COLUMNS, ROLES, SELF_ITEMS, ExecutiveCodebook, default_codebook
from cxlab.errors import DataError, quote_values


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
            examples = quote_values(text[bad].head(3))
            raise DataError(f"text in a rating column (e.g. {examples}); expected numbers "
                            f"{cb.scale[0]:g}-{cb.scale[1]:g} or missing codes {list(cb.missing_codes)}",
                            file=file, column=col, rows=_bad_rows(bad, offset))  # fmt: skip
    values = np.where(np.isin(values, np.asarray(cb.missing_codes, dtype=float)), np.nan, values)
    lo, hi = cb.scale
    bad = ~np.isnan(values) & ((values < lo) | (values > hi))
    if bad.any():
        examples = quote_values(values[bad][:3].tolist())
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
        raise DataError(f"duplicate executive ids (e.g. {quote_values(ids[dup].head(1))})", file=file, column=c["executive_id"],
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
    for key in SELF_ITEMS:
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
    >>> from cxlab.datasets import sample_files
    >>> data = load_executive_survey(sample_files("banking")["executive_data"])
    >>> sorted(data["role"].unique())
    ['middle', 'top']
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
