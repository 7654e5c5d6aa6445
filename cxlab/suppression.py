"""Minimum-base suppression: the privacy guard for tables leaving the analysis.

No cell of a reported table may describe a group smaller than the minimum base
(``min_base`` respondents). :func:`suppress_small_cells` blanks the value columns
of every row under the minimum and sets a boolean ``suppressed`` column;
:func:`format_suppressed` renders such a table for display, numbers as text and
suppressed cells as a dash with a flag. The estimate functions of
:mod:`cxlab.estimates` (and every other function taking ``min_base``) apply the
same rule to their own output.

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

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cxlab.errors import DataError, ParameterError

__all__ = ["suppress_small_cells", "format_suppressed"]


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
        out["flag"] = np.where(flags.to_numpy(), text, "")
    return out
