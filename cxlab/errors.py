"""One exception family for everything cxlab refuses to do.

Every error says *where* (file, column, rows, YAML location) and *which rule*
was broken, so that a researcher can fix the input without reading a traceback.

Examples
--------
>>> from cxlab.errors import CxlabError, DataError
>>> try:
...     raise DataError("text in a rating column", file="s.csv", column="q1", rows=[3, 7])
... except CxlabError as err:
...     print(err)
s.csv: column 'q1', rows 3, 7: text in a rating column
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "quote_values",
    "CxlabError",
    "CodebookError",
    "DataError",
    "ModelError",
    "ParameterError",
    "ReportError",
    "CxlabWarning",
    "DataQualityWarning",
    "ConvergenceWarning",
    "SuppressionWarning",
    "combine_errors",
]


_WITHHELD = "values not shown: they may be personal data"


def _quotable(value) -> bool:
    """A cell value that cannot be personal data: a short number (at most 4 digits)
    or a short word with at most 4 digits and no ``@`` (no phone number, e-mail,
    name with initials or long free text)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{value:g}"
    else:
        text = str(value)
    digits = sum(ch.isdigit() for ch in text)
    if digits > 4 or "@" in text or len(text) > 12:
        return False
    words = text.split()
    # two or more capitalised words look like a name ("Ann Lee")
    return not (len(words) >= 2 and sum(w[:1].isupper() for w in words) >= 2)


def quote_values(values: Iterable, *, personal: bool = False, limit: int = 3) -> str:
    """Examples of offending cell values for an error message, never personal data.

    Values of a personal-data column (``personal=True``) are never quoted; other
    values only when they cannot be personal data (short numbers and short words:
    no phone numbers, e-mail addresses, names or long text, which a codebook that
    swapped two columns would otherwise leak). Withheld values are said to be
    withheld.

    Parameters
    ----------
    values : iterable
        The offending values.
    personal : bool
        The column may hold personal data: quote nothing.
    limit : int
        At most this many values are quoted.

    Examples
    --------
    >>> quote_values(["n/a", "ten"])
    "'n/a', 'ten'"
    >>> quote_values(["+44 7700 900123"])
    'values not shown: they may be personal data'
    >>> quote_values([99.0, 150.0])
    '99, 150'
    """
    if personal:
        return _WITHHELD
    values = list(values)[:limit]
    if not values or not all(_quotable(v) for v in values):
        return _WITHHELD
    return ", ".join(
        f"{v:g}" if isinstance(v, int | float) and not isinstance(v, bool) else repr(str(v))
        for v in values
    )


def _format_rows(rows: Iterable, limit: int = 5) -> str:
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        shown += f" (and {len(rows) - limit} more)"
    return shown


class CxlabError(Exception):
    """Base class of all cxlab errors.

    Parameters
    ----------
    rule : str
        What was wrong, in words.
    file : str, optional
        The input file (or parameter file) concerned.
    column : str or list of str, optional
        The column(s) concerned.
    rows : iterable, optional
        The first offending rows (1-based data rows, as a spreadsheet shows them).
    location : str, optional
        Another location, e.g. a YAML path ``events[2].items.efficiency``.
    """

    def __init__(
        self,
        rule: str,
        *,
        file: str | None = None,
        column: str | list[str] | None = None,
        rows: Iterable | None = None,
        location: str | None = None,
    ) -> None:
        self.rule = rule
        self.file = None if file is None else str(file)
        self.column = column
        self.rows = None if rows is None else list(rows)
        self.location = location
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.location:
            where.append(self.location)
        if self.column is not None:
            cols = [self.column] if isinstance(self.column, str) else list(self.column)
            label = "column" if len(cols) == 1 else "columns"
            where.append(f"{label} " + ", ".join(repr(c) for c in cols))
        if self.rows:
            label = "row" if len(self.rows) == 1 else "rows"
            where.append(f"{label} {_format_rows(self.rows)}")
        prefix = f"{self.file}: " if self.file else ""
        middle = ", ".join(where)
        return f"{prefix}{middle}: {self.rule}" if middle else f"{prefix}{self.rule}"


class CodebookError(CxlabError):
    """The codebook (YAML) is malformed or inconsistent with the framework."""


class DataError(CxlabError):
    """A data file breaks a rule of its codebook (columns, types, scales, ids)."""


class ModelError(CxlabError):
    """A model cannot be fitted as asked (too few cases, impossible margins...)."""


class ParameterError(CxlabError):
    """A notebook / report parameter has an unknown name, wrong type or unsafe value."""


class ReportError(CxlabError):
    """A report run could not be completed."""


class CxlabWarning(UserWarning):
    """Base class of cxlab warnings."""


class DataQualityWarning(CxlabWarning):
    """Data-quality problems that are not errors (straight-lining, speeders...)."""


class ConvergenceWarning(CxlabWarning):
    """An iterative procedure stopped before converging."""


class SuppressionWarning(CxlabWarning):
    """Estimates were suppressed because their base is under the minimum."""


def combine_errors(problems: Sequence[CxlabError]) -> CxlabError:
    """One error that lists every problem found in a file (all of one class).

    A single problem is returned as it is (its message unchanged). Several become one
    error of the first problem's class whose message starts with the file and the
    number of problems, then gives one line per problem (location, column, first
    rows, rule). The individual errors are in its ``problems`` attribute.

    Parameters
    ----------
    problems : sequence of Exception
        The problems found.

    Examples
    --------
    >>> from cxlab.errors import DataError, combine_errors
    >>> err = combine_errors([
    ...     DataError("text in a numeric column", file="s.csv", column="q1", rows=[3]),
    ...     DataError("weights must be positive numbers", file="s.csv", column="w", rows=[5]),
    ... ])
    >>> print(err)
    s.csv: 2 problems:
      - column 'q1', row 3: text in a numeric column
      - column 'w', row 5: weights must be positive numbers
    """
    problems = list(problems)
    if not problems:
        raise ValueError("combine_errors needs at least one problem")
    if len(problems) == 1:
        err = problems[0]
        err.problems = problems
        return err
    first = problems[0]
    files = {p.file for p in problems}
    file = first.file if len(files) == 1 else None
    lines = []
    for p in problems:
        text = type(p)(
            p.rule,
            file=None if file is not None else p.file,
            column=p.column,
            rows=p.rows,
            location=p.location,
        )
        lines.append(f"  - {text}")
    err = type(first)(f"{len(problems)} problems:\n" + "\n".join(lines), file=file)
    err.problems = problems
    return err
