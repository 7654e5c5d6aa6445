"""Minimum-base suppression: the privacy guard for tables leaving the analysis.

No cell of a reported table may describe a group smaller than the minimum base
(``min_base`` respondents). :func:`suppress_small_cells` blanks the value columns
of every row under the minimum and sets a boolean ``suppressed`` column;
:func:`format_suppressed` renders such a table for display, numbers as text and
suppressed cells as a dash with a flag. The estimate functions of
:mod:`cxlab.estimates` (and every other function taking ``min_base``) apply the
same rule to their own output, through :func:`suppress` (the rule and its one
warning text, :func:`suppression_message`).

Policy
------
One rule for every table cxlab produces:

* a row whose unweighted base is **strictly below** ``min_base`` is suppressed; a
  base equal to ``min_base`` is reported;
* a suppressed row keeps its labels and its **unweighted base** ``n`` (for a
  comparison, the bases of both groups, ``n_a``/``n_b`` or ``n_top``/``n_middle``),
  so a reader sees why it is blank, and ``suppressed`` is True;
* every other numeric column of that row is NaN: estimates, standard errors,
  confidence limits, shares, counts, weighted bases, effective sample sizes,
  test statistics, degrees of freedom and p-values.

The base of a small group is not secret (it is the reason the row is blank); the
figures describing its members are. ``tests/test_suppression.py`` checks this for every
public function taking ``min_base`` at bases ``min_base - 1`` and ``min_base``.

Examples
--------
>>> import pandas as pd
>>> from cxlab.suppression import format_suppressed, suppress_small_cells
>>> t = pd.DataFrame({"segment": ["a", "b"], "estimate": [0.4, 0.9], "n": [120, 12]})
>>> format_suppressed(suppress_small_cells(t, "n", 30), min_base=30)["flag"].tolist()
['', 'base < 30']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from cxlab._checks import check_min_base
from cxlab.errors import DataError, ParameterError, SuppressionWarning

__all__ = [
    "suppress",
    "suppression_message",
    "warn_suppressed",
    "suppress_small_cells",
    "suppress_complementary",
    "format_suppressed",
]


def suppression_message(
    what: str,
    count: int,
    min_base: float,
    labels: Sequence[str] | None = None,
    complementary: int = 0,
) -> str:
    """The one text of every :class:`~cxlab.errors.SuppressionWarning` about small bases.

    Parameters
    ----------
    what : str
        The table (e.g. ``"weighted mean of 'recommend'"``).
    count : int
        Rows suppressed because their base is under ``min_base``.
    min_base : float
    labels : sequence of str, optional
        Which rows (segments, events...); the first five are named.
    complementary : int
        Rows suppressed besides, so that the small ones cannot be recomputed.

    Returns
    -------
    str

    Examples
    --------
    >>> suppression_message("net advocacy", 1, 30, ["North"], complementary=1)
    'net advocacy: 1 row(s) with a base under 30 suppressed (North); 1 more suppressed so that they cannot be recomputed from the totals and the other rows (complementary suppression)'
    """
    text = f"{what}: {count} row(s) with a base under {min_base:g} suppressed"
    if labels:
        labels = list(dict.fromkeys(str(x) for x in labels))
        more = f" and {len(labels) - 5} more" if len(labels) > 5 else ""
        text += f" ({', '.join(labels[:5])}{more})"
    if complementary:
        text += (
            f"; {complementary} more suppressed so that they cannot be recomputed from the "
            "totals and the other rows (complementary suppression)"
        )
    return text


def warn_suppressed(
    what: str,
    count: int,
    min_base: float,
    labels: Sequence[str] | None = None,
    complementary: int = 0,
    stacklevel: int = 3,
) -> None:
    """Issue the one :class:`~cxlab.errors.SuppressionWarning` of a table (nothing when no
    row was suppressed). Parameters as :func:`suppression_message`; ``stacklevel`` as
    :func:`warnings.warn`.

    Parameters
    ----------
    what : str
        What the table or figure shows.
    count : int
        Rows suppressed because their base is under ``min_base``.
    min_base : float
        Minimum unweighted base; smaller groups are suppressed.
    labels : sequence of str, optional
        The rows concerned; the first five are named.
    complementary : int
        Rows suppressed besides, so that small ones cannot be recomputed.
    stacklevel : int
        As :func:`warnings.warn`.
    """
    if count or complementary:
        warnings.warn(
            suppression_message(what, count, min_base, labels, complementary),
            SuppressionWarning,
            stacklevel=stacklevel,
        )


def suppress(
    table: pd.DataFrame,
    min_base: float,
    *,
    n_col: str = "n",
    columns: Sequence[str] | None = None,
    keep: Sequence[str] = (),
    what: str = "table",
    labels: Sequence[str] | None = None,
    warn: bool = True,
    stacklevel: int = 3,
) -> pd.DataFrame:
    """The one minimum-base rule of every estimator: :func:`suppress_small_cells` plus one
    :class:`~cxlab.errors.SuppressionWarning` (:func:`suppression_message`).

    Parameters
    ----------
    table : pandas.DataFrame
        An estimator's output with its unweighted base in ``n_col``.
    min_base : float
        Rows with a base strictly under it are suppressed.
    n_col : str
        The base column (kept).
    columns : sequence of str, optional
        Value columns to blank (default every numeric column but ``n_col`` and ``keep``).
    keep : sequence of str
        Numeric label columns that are not figures (a rating category, a stage order).
    what : str
        The table, for the warning.
    labels : sequence of str, optional
        A label per row of ``table``; the suppressed rows' labels are named in the warning.
    warn : bool
        False: leave the warning to the caller (:func:`warn_suppressed`), e.g. after
        complementary suppression.
    stacklevel : int
        As :func:`warnings.warn`.

    Returns
    -------
    pandas.DataFrame
        A copy with a boolean ``suppressed`` column.

    Examples
    --------
    >>> import warnings, pandas as pd
    >>> t = pd.DataFrame({"segment": ["a", "b"], "estimate": [0.4, 0.9], "n": [120, 12]})
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     out = suppress(t, 30, what="share", labels=t["segment"])
    >>> out["estimate"].tolist(), str(w[0].message)
    ([0.4, nan], 'share: 1 row(s) with a base under 30 suppressed (b)')
    """
    check_min_base(min_base)
    if columns is None:
        columns = [
            c
            for c in table.columns
            if c not in ("suppressed", n_col, *keep)
            and pd.api.types.is_numeric_dtype(table[c])
            and not pd.api.types.is_bool_dtype(table[c])
        ]
    prior = (
        table["suppressed"].fillna(False).to_numpy(dtype=bool)
        if "suppressed" in table
        else np.zeros(len(table), bool)
    )
    out = suppress_small_cells(
        table.drop(columns="suppressed", errors="ignore"), n_col, min_base, columns
    )
    small = out["suppressed"].to_numpy()
    out["suppressed"] = small | prior
    if warn and small.any():
        names = None if labels is None else np.asarray(list(labels), dtype=object)[small].tolist()
        warn_suppressed(what, int(small.sum()), min_base, names, stacklevel=stacklevel + 1)
    return out


def suppress_small_cells(
    table: pd.DataFrame,
    n_col: str = "n",
    min_base: float = 30,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Blank every cell of a row whose base is below ``min_base`` (a privacy guard).

    The rows' value columns (default: every numeric column except ``n_col``) become
    NaN and a boolean ``suppressed`` column is set (or or-ed with an existing one).
    Label columns (text, categories) and the base ``n_col`` itself are kept, so a
    reader sees why the row is blank (the policy in the module docstring). A base
    equal to ``min_base`` is reported. Use it on any table before it leaves the
    analysis: no cell may describe a group smaller than the minimum base.

    Parameters
    ----------
    table : pandas.DataFrame
    n_col : str
        The column holding each row's base (number of respondents). A missing base
        counts as too small.
    min_base : float
    columns : sequence of str, optional
        The value columns to blank (``n_col`` is never blanked).

    Returns
    -------
    pandas.DataFrame
        A copy.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"segment": ["a", "b"], "estimate": [0.4, 0.9], "n": [120, 12]})
    >>> suppress_small_cells(t, "n", 30)["estimate"].tolist()
    [0.4, nan]
    """
    if n_col not in table.columns:
        raise DataError("base column not found in the table", column=n_col)
    if min_base is None or min_base < 0:
        raise ParameterError(f"min_base must be a non-negative number, got {min_base!r}")
    out = table.copy()
    base = pd.to_numeric(out[n_col], errors="coerce")
    small = (base.isna() | (base < min_base)).to_numpy()
    if columns is None:
        columns = [
            c
            for c in out.columns
            if c not in ("suppressed", n_col)
            and pd.api.types.is_numeric_dtype(out[c])
            and not pd.api.types.is_bool_dtype(out[c])
        ]
    columns = [c for c in dict.fromkeys(columns) if c != n_col]
    if small.any():
        for c in columns:
            out[c] = out[c].astype(float) if pd.api.types.is_integer_dtype(out[c]) else out[c]
            out.loc[small, c] = np.nan
    prior = out["suppressed"].fillna(False).to_numpy(dtype=bool) if "suppressed" in out else False
    out["suppressed"] = small | prior
    return out


def suppress_complementary(
    table: pd.DataFrame,
    n_col: str = "n",
    min_base: float = 30,
    *,
    partitions: Sequence[Sequence[str]] | None = None,
    together: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Complementary (secondary) suppression: no suppressed cell can be recomputed
    from a published total and the other parts.

    When a table's rows are the parts of a total that is published too (segments of
    one variable beside the overall figure; counts that sum to a known base), a single
    suppressed part is the total minus the others. In every partition this function
    therefore suppresses further parts, smallest base first, until the suppressed
    parts are none, or at least two whose bases add up to ``min_base`` or more, or all
    of them. Rows already ``suppressed`` and rows whose base is under ``min_base``
    (or missing) are the primary suppressions.

    Following the suppression policy, a suppressed row keeps its unweighted base
    ``n_col`` and every other numeric column becomes NaN; ``suppressed`` is True. A
    row suppressed only to protect another has a base of at least ``min_base``
    (:func:`format_suppressed` flags it as such).

    Parameters
    ----------
    table : pandas.DataFrame
    n_col : str
        The unweighted base of each row.
    min_base : float
    partitions : list of lists of column names, optional
        Each entry groups the rows (by those columns) into sets of parts of one
        published total; ``[]`` is the whole table. Default ``[[]]``: the rows are
        the parts of one total.
    together : list of str, optional
        Rows with equal values in these columns are suppressed together (e.g. every
        advocacy group of one segment, whose shares sum to 100).
    columns : list of str, optional
        The value columns to blank (default every numeric, non-boolean column but
        ``n_col`` and ``keep``).
    keep : sequence of str
        Numeric label columns that are not figures (a segment coded as numbers), as in
        :func:`suppress`.

    Returns
    -------
    pandas.DataFrame
        A copy.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"segment": list("abcd"), "value": [10.0, 20, 30, 40],
    ...                   "n": [23, 90, 40, 300]})
    >>> out = suppress_complementary(t, "n", 30)
    >>> out["suppressed"].tolist(), out["value"].tolist()
    ([True, False, True, False], [nan, 20.0, nan, 40.0])
    """
    if n_col not in table.columns:
        raise DataError("base column not found in the table", column=n_col)
    if min_base is None or min_base < 0:
        raise ParameterError(f"min_base must be a non-negative number, got {min_base!r}")
    out = table.copy().reset_index(drop=True)
    partitions = [[]] if partitions is None else [list(p) for p in partitions]
    for cols in [*partitions, list(together or [])]:
        missing = [c for c in cols if c not in out.columns]
        if missing:
            raise DataError("partition column not found in the table", column=missing)
    base = pd.to_numeric(out[n_col], errors="coerce")
    sup = (base.isna() | (base < min_base)).to_numpy().copy()
    if "suppressed" in out:
        sup |= out["suppressed"].fillna(False).to_numpy(dtype=bool)
    n = base.fillna(0).to_numpy(dtype=float)
    groups = [
        [np.arange(len(out))]
        if not cols
        else [
            np.asarray(i) for i in out.groupby(cols, dropna=False, observed=True).indices.values()
        ]
        for cols in partitions
    ]
    if together:
        mates = out.groupby(list(together), dropna=False, observed=True).ngroup().to_numpy()
    changed = bool(sup.any())
    while changed:
        changed = False
        for family in groups:
            for idx in family:
                s = sup[idx]
                k = int(s.sum())
                if k == 0 or k == len(idx) or (k >= 2 and n[idx][s].sum() >= min_base):
                    continue
                free = idx[~s]
                pick = free[np.argsort(n[free], kind="stable")[0]]
                if together:
                    sup |= mates == mates[pick]
                else:
                    sup[pick] = True
                changed = True
    if columns is None:
        columns = [
            c
            for c in out.columns
            if c not in ("suppressed", n_col, *keep)
            and pd.api.types.is_numeric_dtype(out[c])
            and not pd.api.types.is_bool_dtype(out[c])
        ]
    if sup.any():
        for c in columns:
            if pd.api.types.is_integer_dtype(out[c]):
                out[c] = out[c].astype(float)
            out.loc[sup, c] = np.nan
    out["suppressed"] = sup
    out.index = table.index
    return out


def proper_subsets(columns: Sequence[str]) -> list[list[str]]:
    """Every proper subset of ``columns`` (``[]`` first): the partitions of a table
    whose rows are the cells of a cross-classification by ``columns`` (each margin
    may be published)."""
    columns = list(columns)
    return [list(c) for k in range(len(columns)) for c in combinations(columns, k)]


def format_suppressed(
    table: pd.DataFrame,
    columns: Sequence[str] | None = None,
    digits: int = 2,
    dash: str = "–",
    min_base: float | None = None,
) -> pd.DataFrame:
    """Render an estimates table for display: numbers as text, suppressed cells as a dash.

    Parameters
    ----------
    table : pandas.DataFrame
        A table with a boolean ``suppressed`` column (from an estimate function or
        :func:`suppress_small_cells`).
    columns : sequence of str, optional
        Numeric columns to format (default: all numeric, non-boolean columns).
        Integer-valued columns are shown without decimals.
    digits : int
        Decimals for the other numeric columns.
    dash : str
        Shown for missing values.
    min_base : float, optional
        Used in the flag text (``"base < 30"``); otherwise ``"suppressed"``.

    Returns
    -------
    pandas.DataFrame
        Text columns; ``suppressed`` is replaced by a ``flag`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"estimate": [0.41, float("nan")], "n": [120, 12],
    ...                   "suppressed": [False, True]})
    >>> format_suppressed(t, min_base=30).values.tolist()
    [['0.41', '120', ''], ['–', '12', 'base < 30']]
    """
    out = table.copy()
    flags = out.pop("suppressed").fillna(False).astype(bool) if "suppressed" in out else None
    if columns is None:
        columns = [
            c
            for c in out.columns
            if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])
        ]
    for c in columns:
        x = pd.to_numeric(out[c], errors="coerce")
        integer = pd.api.types.is_integer_dtype(out[c]) or (
            c in ("n", "n_a", "n_b") and np.all(np.isclose(x.dropna() % 1, 0))
        )
        fmt = "{:.0f}" if integer else f"{{:.{digits}f}}"
        out[c] = [dash if pd.isna(v) else fmt.format(v) for v in x]
    if flags is not None:
        text = "suppressed" if min_base is None else f"base < {min_base:g}"
        flag = np.where(flags.to_numpy(), text, "")
        if min_base is not None and "n" in table.columns:
            # complementary suppression: the base is large enough, another cell is not
            big = (pd.to_numeric(table["n"], errors="coerce") >= min_base).to_numpy()
            flag = np.where(flags.to_numpy() & big, "suppressed to protect a small cell", flag)
        out["flag"] = flag
    return out
