"""Reading client files: CSV, Excel, SPSS and Qualtrics exports.

:func:`load_survey` is the one call researchers need: it reads the file (never
modifying it), validates it against its codebook and returns a
:class:`cxlab.Survey`. Every problem is a :class:`cxlab.errors.DataError` naming the
file, the column(s), the first offending rows and the rule; no pandas traceback
reaches the user.

Examples
--------
>>> import cxlab
>>> from cxlab.datasets import sample_files
>>> files = sample_files("banking")
>>> survey = cxlab.load_survey(files["data_path"], files["codebook"])
>>> len(survey.respondents)
631
"""

from __future__ import annotations

import codecs
import csv
import io as _io
import operator
import re
import warnings
import zipfile
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from cxlab.codebook import Codebook
from cxlab.errors import CxlabError, DataError, DataQualityWarning
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


#: numbers beyond this magnitude are refused: sums and squares of them overflow
MAX_MAGNITUDE = 1e100


def _decode(path: Path) -> _Text:
    """The file's text: its encoding checked on the bytes (UTF-16 with or without a
    byte-order mark, UTF-8 with or without one, else Windows-1252), decoded only as far
    as it is read (a large file is parsed from its bytes, never held as one string)."""
    raw = path.read_bytes()
    if not raw or raw.isspace():
        raise DataError("the file is empty", file=str(path))
    utf16 = _utf16_encoding(raw)
    if utf16:
        try:
            text = raw.decode(utf16)
        except UnicodeDecodeError:
            raise DataError(
                "the file looks like UTF-16 text but does not decode as UTF-16; "
                "re-export it as UTF-8",
                file=str(path),
            ) from None
        return _Text(text.lstrip("\ufeff").encode("utf-8"), "utf-8", utf16, path)
    if b"\x00" in raw:
        raise DataError(
            "the file holds NUL bytes: it is not a text table (or an unsupported encoding); "
            "re-export it as UTF-8 CSV",
            file=str(path),
        )
    for encoding in ("utf-8-sig", "cp1252"):
        if _decodes(raw, encoding):
            return _Text(raw, encoding, encoding, path)
    raise DataError(
        "the file is neither UTF-8 nor Windows-1252 (cp1252) text; re-export it as UTF-8",
        file=str(path),
    )


#: bytes decoded (or checked) at a time: large files are handled in blocks of this size
_BLOCK = 1 << 24


def _decodes(raw: bytes, encoding: str) -> bool:
    """Whether the bytes decode in ``encoding``, checked block by block (no full copy)."""
    view, start = memoryview(raw), 0
    try:
        if encoding != "utf-8-sig":  # one byte per character: any block boundary will do
            for start in range(0, len(raw), _BLOCK):
                codecs.decode(view[start : start + _BLOCK], encoding)
            return True
        while start < len(raw):  # a block may end inside a character: the next starts there
            _, used = codecs.utf_8_decode(view[start : start + _BLOCK], "strict", False)
            if used == 0:
                codecs.utf_8_decode(view[start:], "strict", True)  # raises (cut character)
                break
            start += used
    except UnicodeDecodeError:
        return False
    return True


class _Text:
    """A CSV file's text as bytes in a known encoding: ``codec`` decodes ``data``
    (``utf-8-sig`` drops a byte-order mark; UTF-16 files are held re-encoded as UTF-8),
    ``encoding`` is the file's own. Parts are decoded only when read."""

    def __init__(self, data: bytes, codec: str, encoding: str, path: Path):
        self.data, self.codec, self.encoding, self.path = data, codec, encoding, path
        self.derived = codec != encoding  # the bytes are not the file's (UTF-16)

    def release(self) -> None:
        """Forget the bytes and any decoded text once checked: the parser then reads
        the file itself, so that the file is not held in memory while it is parsed."""
        if not self.derived:
            self.data = None
        self.__dict__.pop("full", None)

    def stream(self) -> _io.TextIOWrapper:
        """The text as a stream (universal line ends recognised, not translated)."""
        return _io.TextIOWrapper(_io.BytesIO(self.data), encoding=self.codec, newline="")

    @cached_property
    def head(self) -> str:
        """At least the first million characters (or the whole text)."""
        decoder = codecs.getincrementaldecoder(self.codec)()
        part = self.data[: 4 * 1_000_000]  # a character is at most 4 bytes
        return decoder.decode(part, final=len(part) == len(self.data))

    @cached_property
    def full(self) -> str:
        """The whole text (only to name the lines of a malformed file)."""
        return self.data.decode(self.codec)

    def source(self) -> Path | _io.BytesIO:
        """What the C parser reads: the file, or the bytes held (no copy)."""
        return self.path if self.data is None else _io.BytesIO(self.data)

    @property
    def parser_encoding(self) -> str:
        # the C parser skips a UTF-8 byte-order mark itself
        return "utf-8" if self.codec == "utf-8-sig" else self.codec


def _utf16_encoding(raw: bytes) -> str | None:
    """``utf-16`` for a byte-order mark, ``utf-16-le``/``-be`` for BOM-less UTF-16
    (every other byte NUL in mostly-ASCII text), else None."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = raw[:4096]
    if len(head) >= 4:
        even, odd = head[0::2], head[1::2]
        if odd and odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even and even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


def _records(text: str, sep: str) -> tuple[list[list[str]], list[int]]:
    """CSV records (quoted fields may span lines) and the file line each starts on;
    blank lines are skipped. Used to name the lines of bad rows."""
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=sep, skipinitialspace=True)
    records, lines = [], []
    end = 0
    try:
        for record in reader:
            start = end + 1
            end = reader.line_num
            if not record:
                continue
            records.append(record)
            lines.append(start)
    except csv.Error as err:
        raise DataError(
            f"the file is not a well-formed table ({err})", file=None, rows=[end + 1]
        ) from None
    return records, lines


def _sniff(text: str) -> str:
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


_QUOTED = re.compile(r'"[^"]*"')
_LINE_END = re.compile(r"\r\n|\r|\n")


def _line_widths(text: str, sep: str, first_line: int, width: int) -> set[int] | None:
    """Field counts of the data records from the lines, with every quoted stretch
    (separators and line breaks inside quotes included) taken out first; None unless
    every record then has ``width`` fields and no quote is left (the CSV reader decides)."""
    start = 0  # past the header records: first_line - 1 line ends (as the CSV reader counts)
    for _, end in zip(range(first_line - 1), _LINE_END.finditer(text), strict=False):
        start = end.end()
    body = text[start:]
    bare = _QUOTED.sub("", body) if '"' in body else body
    if '"' in bare or any(c in bare for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        return None
    lines = bare.splitlines()
    counts = set(map(operator.methodcaller("count", sep), filter(None, lines)))
    widths = {c + 1 for c in counts}
    return widths if widths <= {width} else None


def _header_records(reader, skip_records: int) -> tuple[list[str] | None, int, int]:
    """The header record, the file line it ends on and the file line of the first data
    record (past ``skip_records`` further header records); blank lines are skipped."""
    header = next((r for r in reader if r), None)
    header_line = reader.line_num
    for _ in range(skip_records):
        next((r for r in reader if r), None)
    return header, header_line, reader.line_num + 1


def _check_records(text: str, path: Path, sep: str, skip_records: int) -> tuple[list[str], int]:
    """Header names and the file line of the first data record, after checking that
    every record has as many fields as the header (CSV records, not physical lines:
    quoted fields may hold line breaks) and that no name repeats."""
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=sep, skipinitialspace=True)
    try:
        header, header_line, first_line = _header_records(reader, skip_records)
        if header is None:
            raise DataError("the file has no header row", file=str(path))
        widths = _line_widths(text, sep, first_line, len(header))
        if widths is None:  # not decided by lines: the CSV records
            widths = {len(r) for r in reader if r}  # C-level records, no line bookkeeping
    except csv.Error:
        widths = {-1}
    header = [h.strip() for h in header]
    if not any(header):
        raise DataError("the header row is empty", file=str(path))
    dups = _repeated_names(header)
    if dups:
        where = "; ".join(
            f"{name!r} at positions {', '.join(map(str, pos))}" for name, pos in dups.items()
        )
        raise DataError(
            f"column names appear more than once ({where}); each column needs its own name",
            file=str(path),
            column=list(dups),
            rows=[header_line],
        )
    width = len(header)
    if widths - {width}:  # a second, slower pass names the lines
        try:
            records, lines = _records(text, sep)
        except DataError as err:
            raise DataError(err.rule, file=str(path), rows=err.rows) from None
        body, body_lines = records[1 + skip_records :], lines[1 + skip_records :]
        ragged = [line for rec, line in zip(body, body_lines, strict=True) if len(rec) != width]
        counts = sorted({len(rec) for rec in body if len(rec) != width})
        truncated = not text.endswith(("\n", "\r")) and ragged[-1] == body_lines[-1]
        raise DataError(
            f"rows with a different number of fields than the header's {width} "
            f"({', '.join(map(str, counts[:5]))} fields)"
            + ("; the file looks truncated (its last line has no line end)" if truncated else "")
            + ": a row was cut short, split or merged",
            file=str(path),
            rows=ragged,
        )
    return header, first_line


def _repeated_names(header: list[str]) -> dict[str, list[int]]:
    """Names given to more than one column, with their positions (from 1)."""
    positions: dict[str, list[int]] = {}
    for k, name in enumerate(header, start=1):
        if name:  # empty names become "Unnamed: k"
            positions.setdefault(name, []).append(k)
    return {name: pos for name, pos in positions.items() if len(pos) > 1}


_QUOTED_BYTES = re.compile(rb'"[^"]*"')
_LINE_END_BYTES = re.compile(rb"\r\n|\r|\n")
#: line breaks str.splitlines knows besides \n and \r (in UTF-8 by their lead byte):
#: a file holding one outside quotes is left to the CSV reader, as _line_widths does
_OTHER_BREAKS = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e")
_OTHER_BREAKS_UTF8 = {b"\xc2": (b"\xc2\x85",), b"\xe2": (b"\xe2\x80\xa8", b"\xe2\x80\xa9")}


def _other_breaks(bare: bytes, utf8: bool) -> bool:
    """Whether ``bare`` holds a line break other than \\n and \\r (single bytes found
    first: a search for one byte is much faster than for a sequence)."""
    if any(b in bare for b in _OTHER_BREAKS):
        return True
    return utf8 and any(
        lead in bare and any(seq in bare for seq in seqs)
        for lead, seqs in _OTHER_BREAKS_UTF8.items()
    )


def _check_records_fast(
    text: _Text, sep: str, skip_records: int
) -> tuple[list[str], int, int] | None:
    """Header names, the first data line and the number of data records when the bytes
    alone show that the file is well formed: a header with distinct names and every
    data record as wide as it.
    None when they do not (the slower :func:`_check_records` then decides and names the
    problem), so the errors are always that function's.

    The check is :func:`_line_widths` on the bytes, block by block: quoted stretches
    (which may hold separators and line breaks) are taken out, then each remaining line
    must hold ``width - 1`` separators. Blocks end at a line end outside quotes (an even
    number of quote characters before it), so no quoted stretch is cut.
    """
    reader = csv.reader(text.stream(), delimiter=sep, skipinitialspace=True)
    try:
        header, _, first_line = _header_records(reader, skip_records)
    except csv.Error:
        return None
    if header is None:
        return None
    header = [h.strip() for h in header]
    if not any(header) or _repeated_names(header):
        return None
    data = text.data
    start = 0  # past the header records: first_line - 1 line ends
    for _, end in zip(range(first_line - 1), _LINE_END_BYTES.finditer(data), strict=False):
        start = end.end()
    sep_bytes, want, n, n_records = sep.encode("ascii"), len(header) - 1, len(data), 0
    while start < n:
        end = min(start + _BLOCK, n)
        if end < n:  # end the block after its last line end (or the next one) ...
            cut = max(data.rfind(b"\n", start, end), data.rfind(b"\r", start, end))
            if cut >= start:
                end = cut + 1
            else:
                nxt = _LINE_END_BYTES.search(data, end)
                end = n if nxt is None else nxt.end()
        quotes = data.count(b'"', start, end)
        while quotes % 2 and end < n:  # ... outside quotes (extend to the next line end)
            nxt = _LINE_END_BYTES.search(data, end)
            stop = n if nxt is None else nxt.end()
            quotes += data.count(b'"', end, stop)
            end = stop
        if quotes % 2:  # a quote left unpaired: the CSV reader decides
            return None
        records = _block_records(data[start:end], quotes, sep_bytes, want, text.codec != "cp1252")
        if records is None:
            return None
        n_records += records
        start = end
    return header, first_line, n_records


def _block_records(block: bytes, quotes: int, sep: bytes, want: int, utf8: bool) -> int | None:
    """The number of records in ``block`` when every line outside quotes holds ``want``
    separators (blank lines skipped), as :func:`_line_widths` counts them; else None.

    Fast path: keep only the separators, quotes and line ends (``bytes.translate``),
    take the quoted stretches out, and compare with ``want`` separators and a line
    feed repeated; anything else (blank lines, lone carriage returns, a line of one
    field, a last line without line end) is counted line by line."""
    bare = None
    if _other_breaks(block, utf8):  # in the bytes: is it outside quotes?
        bare = _QUOTED_BYTES.sub(b"", block) if quotes else block
        if _other_breaks(bare, utf8):
            return None
    if want and block.endswith(b"\n"):  # (a last line without line end: line by line)
        # Windows line ends are one line end, as splitlines reads them
        lf = block.replace(b"\r\n", b"\n") if b"\r" in block else block
        skeleton = lf.translate(None, _NOT_STRUCTURE[sep])
        if quotes:
            skeleton = _QUOTED_BYTES.sub(b"", skeleton)
        if b"\r" not in skeleton:
            line = sep * want + b"\n"
            if len(skeleton) % len(line) == 0 and skeleton == line * (len(skeleton) // len(line)):
                return len(skeleton) // len(line)
    if bare is None:
        bare = _QUOTED_BYTES.sub(b"", block) if quotes else block
    lines = list(filter(None, bare.splitlines()))
    return len(lines) if set(map(operator.methodcaller("count", sep), lines)) <= {want} else None


#: for each separator, the bytes that are not structure (separator, quote, line ends)
_NOT_STRUCTURE = {
    sep: bytes(b for b in range(256) if b not in (*sep, ord('"'), ord("\n"), ord("\r")))
    for sep in (b",", b";", b"\t")
}


def _read_csv_text(
    text: _Text, path: Path, skip_records: int = 0, text_columns=()
) -> tuple[pd.DataFrame, int]:
    """The table of a CSV text: one header record (after which ``skip_records``
    further header records are dropped) and data records of exactly as many fields.

    Returns the frame and the file line of its first data record.
    """
    sep = _sniff(text.head)
    checked = _check_records_fast(text, sep, skip_records)
    if checked is None:
        header, first_line = _check_records(text.full, path, sep, skip_records)
        n_records = None
    else:
        header, first_line, n_records = checked
    text.release()
    text_columns = [c for c in text_columns if c in header]
    names = [h if h else f"Unnamed: {k}" for k, h in enumerate(header)]
    text_positions = [k for k, h in enumerate(header) if h in text_columns]
    try:
        # the C parser types every column whose values are all numbers (one pass, no
        # per-value Python calls), block of rows by block of rows so that memory stays
        # near the size of the result; the rest are checked as before, column by column
        try:
            parts = _read_columns(text, sep, len(header), skip_records, text_positions, n_records)
        except _Recount:  # the parser's records are not the lines counted: read plainly
            parts = _read_columns(text, sep, len(header), skip_records, text_positions)
    except pd.errors.EmptyDataError:
        raise DataError("the file has no header row", file=str(path)) from None
    except pd.errors.ParserError as err:
        raise DataError(f"the file is not a well-formed table ({err})", file=str(path)) from None
    if parts is None:
        raise DataError("the file is not a well-formed table", file=str(path))
    return _numeric_where_possible(parts, names, text_positions, text, sep), first_line


#: rows the C parser reads at a time
_CHUNK_ROWS = 100_000


def _read_columns(
    text: _Text, sep: str, width: int, skip_records: int, text_positions, n_rows=None
) -> list | None:
    """The C parser's columns, read block of rows by block of rows: for each column
    a float64 array (every block numbers), a list of its blocks' text Series, or None
    (numbers in some blocks and not in others, or booleans: a block's type inference
    may differ from the whole column's, so such columns are re-read as text).

    With ``n_rows`` (the records counted while checking) the numbers are written
    straight into arrays of that length (:class:`_Recount` when the parser finds
    other records); without, each block is copied and the copies joined. Returns
    None when the parser sees another number of columns than the header's."""
    reader = pd.read_csv(
        text.source(),
        encoding=text.parser_encoding,
        sep=sep,
        dtype=dict.fromkeys(text_positions, str),
        keep_default_na=False,
        na_values=[""],
        skipinitialspace=True,
        true_values=[],
        false_values=[],
        low_memory=False,
        chunksize=_CHUNK_ROWS,
    )
    numbers: list = [None] * width  # float64 columns being filled (n_rows known)
    part = _read_part(reader, (width, skip_records, text_positions, n_rows), numbers)
    if part is None:
        return None
    kinds, pieces, done = part
    if n_rows is not None and done != n_rows:
        raise _Recount  # fewer records than counted
    columns: list = []
    for k in range(width):
        if kinds[k] == "num":
            columns.append(numbers[k] if n_rows is not None else np.concatenate(pieces[k]))
        elif kinds[k] == "str":
            columns.append(pieces[k])
        else:  # no rows ([]), or a column to re-read as text (None)
            columns.append([] if kinds[k] == "none" else None)
        numbers[k] = pieces[k] = None
    return columns


class _Recount(Exception):
    """The C parser's records are not the lines counted while checking."""


def _read_part(reader, layout, numbers) -> tuple[list, list, int] | None:
    """The reader's blocks of rows (see :func:`_read_columns`): each column's kind
    (``num``, ``str``, ``bad`` or ``none`` when no rows), its text Series (or, without a
    row count, its number blocks' copies) and the rows read. With a row count the
    numbers are written into ``numbers`` (``layout``: width, further header records,
    text positions, row count)."""
    width, skip, text_positions, n_rows = layout
    kinds, pieces, done = ["none"] * width, [[] for _ in range(width)], 0
    with reader:
        for chunk in reader:
            if chunk.shape[1] != width:
                return None
            if skip:  # further header records (Qualtrics): typed with the block, then dropped
                drop = min(skip, len(chunk))
                chunk, skip = chunk.iloc[drop:], skip - drop
            rows = slice(done, done + len(chunk))
            if n_rows is not None and rows.stop > n_rows:
                raise _Recount  # more records than counted
            for k in range(width):
                if kinds[k] == "bad":
                    continue
                s = chunk.iloc[:, k]
                if k in text_positions or pd.api.types.is_string_dtype(s):
                    kind = "str"
                elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                    kind = "num"
                else:
                    kind = "bad"
                if kinds[k] not in ("none", kind) or kind == "bad":
                    kinds[k], pieces[k] = "bad", []  # numbers and text: re-read as text
                    continue
                kinds[k] = kind
                if kind == "str":
                    pieces[k].append(s.reset_index(drop=True))
                elif n_rows is None:
                    pieces[k].append(s.to_numpy(dtype=float, copy=True))
                else:
                    if numbers[k] is None:
                        numbers[k] = np.empty(n_rows)
                    numbers[k][rows] = s.to_numpy(dtype=float)
            done += len(chunk)
            del chunk
    return kinds, pieces, done


def _n_rows(parts) -> int | None:
    """Rows of the columns read (None when every column is to be re-read)."""
    for p in parts or ():
        if isinstance(p, np.ndarray):
            return len(p)
        if p is not None:
            return sum(map(len, p))
    return None


def _numeric_where_possible(parts, names, text_positions, text: _Text, sep) -> pd.DataFrame:
    """Columns whose every value is a number as floats; the others (and the columns at
    ``text_positions``) as the text written. Columns the parser did not type as numbers
    or text throughout are re-read as text (booleans, dates and the like stay exactly as
    written); text columns are tried with ``to_numeric``. The frame's columns are not
    consolidated into one block (no second copy of the table)."""
    reread = [k for k, p in enumerate(parts) if p is None]
    raw = None
    if reread:
        raw = pd.read_csv(
            text.source(),
            encoding=text.parser_encoding,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
            usecols=reread,
            low_memory=False,
        )
    n = _n_rows(parts)
    if n is None:
        n = len(raw)
    if raw is not None:
        raw = raw.iloc[len(raw) - n :].reset_index(drop=True)  # past further header records
        raw.columns = reread
    out = {}
    for k, col in enumerate(names):
        p = parts[k]
        if isinstance(p, np.ndarray) or p == []:  # numbers (or no rows at all)
            out[col] = p if len(p) else np.array([], dtype=float)
            parts[k] = None
            continue
        if p is None:
            s = raw[k]
        else:
            s = pd.concat(p, ignore_index=True) if len(p) != 1 else p[0]
            parts[k] = None
        s.name = None
        if k in text_positions:  # e.g. respondent ids: kept exactly as written
            out[col] = s.astype("string")
            continue
        head = s.dropna().iloc[:1000]  # a text column is usually told by its first values
        if pd.to_numeric(head, errors="coerce").notna().sum() < len(head):
            out[col] = s
            continue
        conv = pd.to_numeric(s, errors="coerce")
        if conv.notna().sum() == s.notna().sum():
            out[col] = conv.astype(float)
        else:
            out[col] = s
    return pd.DataFrame(out, index=pd.RangeIndex(n), copy=False)


def _check_finite(frame: pd.DataFrame, path: Path, row_offset: int) -> None:
    """Refuse infinite numbers and numbers too large to compute with, naming the
    columns and the rows."""
    bad_cols, bad_rows = [], set()
    for col in frame.columns:
        s = frame[col]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        values = s.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            bad = np.isinf(values) | (np.abs(values) > MAX_MAGNITUDE)
        if bad.any():
            bad_cols.append(str(col))
            bad_rows.update(int(i) + row_offset for i in np.flatnonzero(bad))
    if bad_cols:
        raise DataError(
            f"infinite or overflowing numbers (e.g. inf, 1e309, beyond ±{MAX_MAGNITUDE:g}); "
            "every number must be finite",
            file=str(path),
            column=bad_cols,
            rows=sorted(bad_rows),
        )


def _is_qualtrics(text: str) -> bool:
    """Three header *records* (a question text may hold a line break) whose third
    holds ImportId tags (in the first million characters of ``text``)."""
    reader = csv.reader(_io.StringIO(text[:1_000_000], newline=""), delimiter=_sniff(text))
    try:
        head = [next(reader) for _ in range(3)]
    except (StopIteration, csv.Error):
        return False
    return any("ImportId" in field for field in head[2])


def _read_qualtrics(text: _Text, path: Path, text_columns=()) -> tuple[pd.DataFrame, int]:
    reader = csv.reader(text.stream(), delimiter=_sniff(text.head))
    rows = []
    try:
        for record in reader:
            rows.append(record)
            if len(rows) == 3:
                break
    except csv.Error as err:
        raise DataError(f"the file is not a well-formed table ({err})", file=str(path)) from None
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
    return _read_csv_text(text, path, skip_records=2, text_columns=text_columns)


def read_table(
    path: str | Path, format: str | None = None, *, text_columns: Sequence[str] = ()
) -> tuple[pd.DataFrame, dict]:
    """Read a data file into a wide frame without interpreting it.

    Returns ``(frame, info)`` where ``info`` holds ``format``, ``row_offset`` (file
    line of the first data row), ``value_labels`` and ``variable_labels`` (SPSS).
    The file is only read.

    CSV columns whose every value is a number become floats, except
    ``text_columns`` (e.g. the respondent id), which keep their text exactly as
    written. Refused with a :class:`~cxlab.errors.DataError` naming the file lines:
    rows with more or fewer fields than the header, a repeated column name (with
    both positions), infinite or overflowing numbers (column and rows), binary or
    undecodable text. UTF-16 text (with or without a byte-order mark) is decoded;
    a Qualtrics export's header records may hold line breaks.

    Parameters
    ----------
    path : str or path-like
        The file.
    format : str
        File format.
    text_columns : sequence of str
        Columns holding free text.

    Examples
    --------
    >>> import cxlab
    >>> from cxlab.datasets import sample_files
    >>> frame, info = cxlab.read_table(sample_files("banking")["data_path"])
    >>> info["format"], info["row_offset"]
    ('csv', 2)
    """
    frame, info = _read_table(path, format, text_columns=text_columns)
    # one block per dtype, as pandas builds frames (a frame of one block per column
    # warns on every inserted column); load_survey reads without this copy
    return frame.copy(), info


def _read_table(
    path: str | Path, format: str | None = None, *, text_columns: Sequence[str] = ()
) -> tuple[pd.DataFrame, dict]:
    """:func:`read_table`, the CSV columns each in its own block (the parser's columns,
    not copied into one; deleting one frees it)."""
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", file=str(path))
    if path.is_dir():
        raise DataError("expected a data file, got a folder", file=str(path))
    fmt = _format_of(path, None if format == "qualtrics" else format)
    info = {"format": fmt, "row_offset": 2, "value_labels": {}, "variable_labels": {}}
    if fmt == "csv":
        text = _decode(path)
        info["encoding"] = text.encoding
        if format == "qualtrics" or _is_qualtrics(text.head):
            frame, first = _read_qualtrics(text, path, text_columns)
            info.update(format="qualtrics", row_offset=first)
        else:
            frame, first = _read_csv_text(text, path, text_columns=text_columns)
            info["row_offset"] = first
        _check_finite(frame, path, info["row_offset"])
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
        _check_header(frame, path)
        _check_finite(frame, path, info["row_offset"])
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
    _check_finite(frame, path, info["row_offset"])
    return frame, info


def _check_header(frame: pd.DataFrame, path: Path) -> None:
    """Excel: pandas renames a repeated header ``q1`` to ``q1.1``; refuse it instead."""
    names = [str(c) for c in frame.columns]
    dups = {}
    for k, name in enumerate(names, start=1):
        base, _, suffix = name.rpartition(".")
        if base and suffix.isdigit() and base in names:
            dups.setdefault(base, [names.index(base) + 1]).append(k)
    if dups:
        where = "; ".join(
            f"{name!r} at positions {', '.join(map(str, pos))}" for name, pos in dups.items()
        )
        raise DataError(
            f"column names appear more than once ({where}); each column needs its own name",
            file=str(path),
            column=list(dups),
            rows=[1],
        )


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
    >>> from cxlab.datasets import sample_files
    >>> files = sample_files("banking")
    >>> s = cxlab.load_survey(files["data_path"].with_suffix(".sav"), files["codebook"])
    >>> {"tactile", "emotive", "satisfaction"} <= set(s.event_table().columns)
    True
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
        frame, info = _read_table(path, fmt, text_columns=[cb.respondent_id])
    except CxlabError:
        raise
    except Exception as err:  # last line of defence: never a raw pandas traceback
        raise DataError(
            f"could not read the file ({type(err).__name__}: {err})", file=str(path)
        ) from None
    _warn_label_conflicts(info["value_labels"], cb, path)
    source = {"path": str(path), "sha256": sha256_of(path), "format": info["format"]}
    try:
        survey = survey_from_frame(
            frame,
            cb,
            file=str(path),
            row_offset=info["row_offset"],
            source=source,
            value_labels=info["value_labels"],
            release_columns=True,  # the frame is ours: its event columns go once read
        )
    except CxlabError:
        raise
    except Exception as err:
        raise DataError(
            f"could not interpret the file ({type(err).__name__}: {err})", file=str(path)
        ) from None
    return survey


def _warn_label_conflicts(value_labels: dict, cb: Codebook, path: Path) -> None:
    """Warn when an SPSS file's value labels contradict the codebook's labels (the
    codebook wins; the file may have been recoded since the codebook was written)."""
    if not value_labels:
        return
    conflicts = []
    for _loc, item in cb.all_items():
        file_labels = value_labels.get(item.column)
        if not item.labels or not file_labels:
            continue
        ours = {_code(k): str(v).strip().casefold() for k, v in item.labels.items()}
        theirs = {_code(k): str(v).strip().casefold() for k, v in file_labels.items()}
        differ = sorted((k for k in ours.keys() & theirs.keys() if ours[k] != theirs[k]), key=str)
        if differ:
            conflicts.append(f"{item.column} (codes {', '.join(map(str, differ[:5]))})")
    if conflicts:
        warnings.warn(
            f"{path}: the file's SPSS value labels contradict the codebook's labels for "
            + "; ".join(conflicts[:10])
            + ". The codebook's labels are used; check that the codebook belongs to this file.",
            DataQualityWarning,
            stacklevel=3,
        )


def _code(key):
    try:
        f = float(key)
        return int(f) if f.is_integer() else f
    except (TypeError, ValueError):
        return str(key).strip()


def write_data(frame: pd.DataFrame, path: str | Path, codebook: Codebook | None = None) -> Path:
    """Write a wide survey frame as CSV, XLSX or SAV (with the codebook's labels).

    For SAV, value labels of category items and variable labels are written from
    the codebook so that SPSS users see them.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data.
    path : str or path-like
        The file.
    codebook : str, path-like or Codebook
        The codebook.
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
