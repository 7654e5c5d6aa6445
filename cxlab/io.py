"""Reading client files: CSV, Excel, SPSS and Qualtrics exports.

:func:`load_survey` is the one call researchers need: it reads the file (never
modifying it), validates it against its codebook and returns a
:class:`cxlab.Survey`. Every problem is a :class:`cxlab.errors.DataError` naming the
file, the column(s), the first offending rows and the rule; no pandas traceback
reaches the user.

Examples
--------
>>> import cxlab
>>> survey = cxlab.load_survey("data/sample/banking.csv", "data/sample/banking_codebook.yaml")  # doctest: +SKIP
>>> survey.event_table().head()  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io as _io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from cxlab.codebook import Codebook
from cxlab.errors import CxlabError, DataError
from cxlab.survey import Survey, sha256_of, survey_from_frame

__all__ = ["load_survey", "read_table", "write_data", "FORMATS"]

FORMATS = ("csv", "qualtrics", "xlsx", "sav")
_QUALTRICS_META = ("StartDate", "EndDate", "ResponseId", "Duration (in seconds)")


def _format_of(path: Path, requested: str | None) -> str:
    if requested:
        if requested not in FORMATS:
            raise DataError(
                f"unknown format {requested!r}; known formats: {list(FORMATS)}", file=str(path)
            )
        return requested
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".sav", ".zsav"):
        return "sav"
    raise DataError(
        f"cannot tell the file format from the extension {suffix!r}; use .csv, .xlsx, .sav or .zsav",
        file=str(path),
    )


def _decode(path: Path) -> tuple[str, str]:
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError("the file is empty", file=str(path))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DataError(
        "the file is neither UTF-8 nor Windows-1252 (cp1252) text; re-export it as UTF-8",
        file=str(path),
    )


def _read_csv_text(text: str, path: Path, skiprows=None) -> pd.DataFrame:
    lines = text.splitlines()
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    try:
        frame = pd.read_csv(
            _io.StringIO(text),
            sep=sep,
            skiprows=skiprows,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
        )
    except pd.errors.EmptyDataError:
        raise DataError("the file has no header row", file=str(path)) from None
    except pd.errors.ParserError as err:
        raise DataError(f"the file is not a well-formed table ({err})", file=str(path)) from None
    if frame.columns.duplicated().any():
        dups = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise DataError("column names appear more than once", file=str(path), column=dups)
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed:")]
    if unnamed and len(unnamed) == len(frame.columns):
        raise DataError("the header row is empty", file=str(path))
    # a file cut off mid-row: last line has fewer fields than the header
    data_lines = [ln for ln in lines if ln.strip()]
    if len(data_lines) > 1 and not text.endswith(("\n", "\r")):
        last = next(csv.reader([data_lines[-1]], delimiter=sep))
        if len(last) < len(frame.columns):
            raise DataError(
                f"the file looks truncated: its last line has {len(last)} of {len(frame.columns)} fields "
                "and no line end",
                file=str(path),
                rows=[len(data_lines)],
            )
    return _numeric_where_possible(frame)


def _numeric_where_possible(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col in frame.columns:
        s = frame[col]
        conv = pd.to_numeric(s, errors="coerce")
        if conv.notna().sum() == s.notna().sum():
            out[col] = conv.astype(float)
        else:
            out[col] = s
    return pd.DataFrame(out, index=frame.index)


def _is_qualtrics(text: str) -> bool:
    lines = text.splitlines()
    if len(lines) < 3:
        return False
    third = lines[2]
    return '"ImportId"' in third or "{'ImportId'" in third or '{""ImportId""' in third


def _read_qualtrics(text: str, path: Path) -> pd.DataFrame:
    rows = list(csv.reader(_io.StringIO("\n".join(text.splitlines()[:3]))))
    if len(rows) < 3:
        raise DataError(
            "a Qualtrics export needs three header rows (names, question text, ImportId)",
            file=str(path),
        )
    names, _questions, imports = rows[:3]
    if not (len(names) == len(_questions) == len(imports)):
        raise DataError(
            "the Qualtrics header rows have different numbers of fields "
            f"({len(names)}, {len(_questions)}, {len(imports)}): the header rows were altered",
            file=str(path),
            rows=[1, 2, 3],
        )
    bad = [n for n, imp in zip(names, imports, strict=True) if "ImportId" not in imp]
    if bad:
        raise DataError(
            "row 3 of a Qualtrics export must hold an ImportId for every column; the header rows were altered",
            file=str(path),
            column=bad,
            rows=[3],
        )
    return _read_csv_text(text, path, skiprows=[1, 2])


def read_table(path: str | Path, format: str | None = None) -> tuple[pd.DataFrame, dict]:
    """Read a data file into a wide frame without interpreting it.

    Returns ``(frame, info)`` where ``info`` holds ``format``, ``row_offset`` (file
    line of the first data row), ``value_labels`` and ``variable_labels`` (SPSS).
    The file is only read.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", file=str(path))
    if path.is_dir():
        raise DataError("expected a data file, got a folder", file=str(path))
    fmt = _format_of(path, None if format == "qualtrics" else format)
    info = {"format": fmt, "row_offset": 2, "value_labels": {}, "variable_labels": {}}
    if fmt == "csv":
        text, encoding = _decode(path)
        info["encoding"] = encoding
        if format == "qualtrics" or _is_qualtrics(text):
            frame = _read_qualtrics(text, path)
            info.update(format="qualtrics", row_offset=4)
        else:
            frame = _read_csv_text(text, path)
        return frame, info
    if fmt == "xlsx":
        if path.stat().st_size == 0:
            raise DataError("the file is empty", file=str(path))
        try:
            frame = pd.read_excel(path, sheet_name=0, engine="openpyxl")
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
            raise DataError(
                f"not a readable Excel workbook ({type(err).__name__}: {err})", file=str(path)
            ) from None
        if frame.columns.size == 0:
            raise DataError("the first sheet is empty", file=str(path))
        return frame, info
    # SPSS
    import pyreadstat

    if path.stat().st_size == 0:
        raise DataError("the file is empty", file=str(path))
    try:
        # categoricals are built from the metadata by cxlab (pyreadstat 1.3.x fails on
        # formats_as_ordered_category with missing values)
        frame, meta = pyreadstat.read_sav(str(path), user_missing=False)
    except Exception as err:  # pyreadstat raises its own non-exported error classes
        raise DataError(
            f"not a readable SPSS file ({type(err).__name__}: {err})", file=str(path)
        ) from None
    info.update(
        row_offset=1,
        value_labels=dict(meta.variable_value_labels or {}),
        variable_labels=dict(zip(meta.column_names, meta.column_labels or [], strict=False)),
    )
    return frame, info


def load_survey(
    path: str | Path,
    codebook: str | Path | dict | Codebook | None = None,
    *,
    format: str | None = None,
) -> Survey:
    """Read a client's survey file and map it onto the framework.

    Parameters
    ----------
    path : str or Path
        CSV (UTF-8, UTF-8 with BOM or Windows-1252; ``,``, ``;`` or tab separated),
        Qualtrics CSV export (three header rows, detected), Excel ``.xlsx`` (first
        sheet) or SPSS ``.sav``/``.zsav``.
    codebook : path, dict or Codebook, optional
        The YAML codebook. Defaults to ``<stem>_codebook.yaml`` next to the file.
    format : {"csv", "qualtrics", "xlsx", "sav"}, optional
        Override the format detected from the extension.

    Returns
    -------
    Survey

    Raises
    ------
    cxlab.errors.CodebookError, cxlab.errors.DataError

    Examples
    --------
    >>> import cxlab
    >>> s = cxlab.load_survey("data/sample/banking.sav", "data/sample/banking_codebook.yaml")  # doctest: +SKIP
    >>> s.event_table()[["event_id", "tactile", "emotive", "satisfaction"]].head()  # doctest: +SKIP
    """
    path = Path(path)
    if codebook is None:
        codebook = path.with_name(f"{path.stem}_codebook.yaml")
    if isinstance(codebook, Codebook):
        cb = codebook
    elif isinstance(codebook, dict):
        cb = Codebook.from_dict(codebook)
    else:
        cb = Codebook.load(codebook)
    fmt = format or cb.format
    try:
        frame, info = read_table(path, fmt)
    except CxlabError:
        raise
    except Exception as err:  # last line of defence: never a raw pandas traceback
        raise DataError(
            f"could not read the file ({type(err).__name__}: {err})", file=str(path)
        ) from None
    source = {"path": str(path), "sha256": sha256_of(path), "format": info["format"]}
    try:
        survey = survey_from_frame(
            frame,
            cb,
            file=str(path),
            row_offset=info["row_offset"],
            source=source,
            value_labels=info["value_labels"],
        )
    except CxlabError:
        raise
    except Exception as err:
        raise DataError(
            f"could not interpret the file ({type(err).__name__}: {err})", file=str(path)
        ) from None
    return survey


def write_data(frame: pd.DataFrame, path: str | Path, codebook: Codebook | None = None) -> Path:
    """Write a wide survey frame as CSV, XLSX or SAV (with the codebook's labels).

    For SAV, value labels of category items and variable labels are written from
    the codebook so that SPSS users see them.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(path, index=False, lineterminator="\n")
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False, engine="openpyxl")
    elif suffix in (".sav", ".zsav"):
        import pyreadstat

        value_labels, variable_labels = {}, {}
        if codebook is not None:
            for _loc, item in codebook.all_items():
                if item.labels:
                    value_labels[item.column] = {float(k): v for k, v in item.labels.items()}
            for ev in codebook.events:
                for name, item in ev.items.items():
                    variable_labels[item.column] = f"{ev.name}: {name.replace('_', ' ')}"
        out = frame.copy()
        for col in out.columns:
            if out[col].dtype == object:
                out[col] = out[col].astype(str)
        pyreadstat.write_sav(
            out,
            str(path),
            column_labels={c: variable_labels.get(c, c) for c in out.columns},
            variable_value_labels=value_labels,
            compress=suffix == ".zsav",
        )
    else:
        raise DataError(
            f"cannot write {suffix!r} files; use .csv, .xlsx, .sav or .zsav", file=str(path)
        )
    return path


def _as_float(values) -> np.ndarray:
    return np.asarray(pd.to_numeric(values, errors="coerce"), dtype=float)
