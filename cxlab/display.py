"""How cxlab's objects show themselves: a compact HTML card in Jupyter, plain text elsewhere.

:class:`Card` is a mixin for :class:`~cxlab.Survey` and the result objects (every
frozen result with a ``.summary()``). In a notebook an object renders as a card
(``_repr_html_``): what it is, its base sizes, its key figures and whether any cell
was suppressed under ``min_base``; in a terminal ``repr`` prints the same facts as a
few lines of plain text. Both are built from the object's own ``summary()`` (a
``statistic, value`` frame, or a table whose first rows are shown) and its
``table``'s ``suppressed`` column, so a card never states a figure the object does
not hold. Nothing volatile goes into either (no memory address, time or path), so
notebook outputs stay stable under nbval.

A class can refine its card by overriding :meth:`Card._card`, which returns a
:class:`CardContent`.

Examples
--------
>>> from dataclasses import dataclass
>>> import pandas as pd
>>> @dataclass(frozen=True, repr=False)
... class Demo(Card):
...     '''A demo result.'''
...     table: pd.DataFrame
...     def summary(self):
...         return pd.DataFrame({"statistic": ["n", "mean"], "value": [631, 7.256]})
>>> print(repr(Demo(pd.DataFrame({"n": [631, 12], "suppressed": [False, True]}))))
Demo: A demo result.
  n: 631
  mean: 7.26
  suppressed: 1 of 2 rows (base under min_base)
>>> "<table" in Demo(pd.DataFrame({"n": [631]}))._repr_html_()
True
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from numbers import Integral, Real

import pandas as pd

from cxlab._style import OKABE_ITO

__all__ = ["Card", "CardContent", "format_value"]

#: Rows of a summary table shown on a card (the rest are counted, not shown).
MAX_ROWS = 8
#: Columns of a summary table shown on a card.
MAX_COLUMNS = 7
#: Column names read as base sizes when a summary is a table rather than ``statistic, value``.
BASE_COLUMNS = ("n", "base", "n_respondents", "respondents")

_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")


@dataclass(frozen=True)
class CardContent:
    """What a card shows.

    Attributes
    ----------
    title : str
        The object's kind (its class name).
    subtitle : str
        One line saying what it is.
    facts : list of (str, object)
        Labelled key figures, in order.
    table : DataFrame or None
        A small table shown under the facts (the first rows of a summary table).
    flags : list of str
        Notes that qualify the figures: suppressed cells, a base below the minimum,
        a model that did not converge.
    """

    title: str
    subtitle: str
    facts: list = field(default_factory=list)
    table: pd.DataFrame | None = None
    flags: list = field(default_factory=list)


def format_value(value) -> str:
    """A number or label as a card shows it: short, thousands separated, no noise.

    Parameters
    ----------
    value : object
        The value to show.

    Returns
    -------
    str

    Examples
    --------
    >>> [format_value(v) for v in (631, 1234.5, 0.0345, 7.256, None, float("nan"), True)]
    ['631', '1,234', '0.0345', '7.26', '-', '-', 'yes']
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Integral):
        return f"{int(value):,}"
    if isinstance(value, Real):
        v = float(value)
        if math.isnan(v):
            return "-"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if v == int(v) and abs(v) < 1e15:
            return f"{int(v):,}"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) >= 1:
            return f"{v:.2f}"
        return f"{v:.3g}"
    if isinstance(value, (tuple, list)):
        return ", ".join(format_value(v) for v in value)
    text = str(value)
    return text if len(text) <= 90 else text[:87] + "..."


def _first_line(doc: str | None) -> str:
    line = (doc or "").strip().split("\n\n")[0]
    text = _ROLE.sub(lambda m: m.group(1).split(".")[-1], " ".join(line.split()))
    return text.replace("``", "")


def _suppression_flag(frame) -> list[str]:
    if not isinstance(frame, pd.DataFrame) or "suppressed" not in frame.columns:
        return []
    hidden = int(frame["suppressed"].fillna(False).astype(bool).sum())
    if hidden == 0:
        return ["no cell suppressed"]
    return [f"suppressed: {hidden} of {len(frame)} rows (base under min_base)"]


def _table_facts(table: pd.DataFrame) -> list:
    facts = [("rows", len(table))]
    for column in BASE_COLUMNS:
        if column in table.columns:
            base = pd.to_numeric(table[column], errors="coerce").dropna()
            if len(base):
                lo, hi = base.min(), base.max()
                span = format_value(lo) if lo == hi else f"{format_value(lo)} to {format_value(hi)}"
                facts.append((f"base ({column})", span))
            break
    return facts


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    labels = [
        c
        for c in table.columns
        if table[c].dtype == object or str(table[c].dtype) in ("str", "string", "category")
    ]
    if labels and labels[0] not in list(table.columns[:MAX_COLUMNS]):
        # the rows' label is past the shown columns: show it first
        table = table[[labels[0], *(c for c in table.columns if c != labels[0])]]
    t = table.iloc[:MAX_ROWS, :MAX_COLUMNS].copy()
    for column in t.columns:
        t[column] = [format_value(v) for v in t[column]]
    return t.reset_index(drop=True)


class Card:
    """Mixin: ``_repr_html_`` (a compact card) and a plain ``__repr__`` from ``summary()``.

    Dataclasses that use it are declared with ``repr=False`` so that the dataclass
    does not replace the mixin's ``__repr__`` with its field dump.
    """

    def _card(self) -> CardContent:
        """The card's content; the default reads ``summary()`` and ``table``."""
        title = type(self).__name__
        subtitle = _first_line(type(self).__doc__)
        summary = self.summary() if hasattr(self, "summary") else None
        facts, table = [], None
        if isinstance(summary, pd.DataFrame):
            if list(summary.columns[:2]) == ["statistic", "value"]:
                facts = list(zip(summary["statistic"], summary["value"], strict=True))
            else:
                facts, table = _table_facts(summary), _shown(summary)
        flags = _suppression_flag(getattr(self, "table", None))
        if not flags and isinstance(summary, pd.DataFrame):
            flags = _suppression_flag(summary)
        return CardContent(title, subtitle, facts, table, flags)

    def __repr__(self) -> str:
        c = self._card()
        lines = [f"{c.title}: {c.subtitle}" if c.subtitle else c.title]
        lines += [f"  {label}: {format_value(v)}" for label, v in c.facts[: 2 * MAX_ROWS]]
        if c.table is not None:
            lines += ["  " + row for row in c.table.to_string(index=False).splitlines()]
        lines += [f"  {flag}" for flag in c.flags]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        c = self._card()
        esc = html.escape
        grey, blue = OKABE_ITO["grey"], OKABE_ITO["blue"]
        parts = [
            f'<div style="border:1px solid #ccc;border-left:4px solid {blue};border-radius:4px;'
            "padding:8px 12px;margin:4px 0;max-width:760px;font-family:sans-serif;"
            'font-size:13px;line-height:1.4">',
            f'<div style="font-weight:bold;font-size:14px">{esc(c.title)}</div>',
        ]
        if c.subtitle:
            parts.append(f'<div style="color:#555;margin-bottom:6px">{esc(c.subtitle)}</div>')
        cell = 'style="padding:1px 10px 1px 0;text-align:left;border:none'
        if c.facts:
            parts.append('<table style="border-collapse:collapse;margin:0">')
            for label, value in c.facts[: 2 * MAX_ROWS]:
                parts.append(
                    f'<tr><td {cell};color:#555">{esc(str(label))}</td>'
                    f'<td {cell};font-weight:bold">{esc(format_value(value))}</td></tr>'
                )
            parts.append("</table>")
        if c.table is not None:
            head = "".join(
                f'<th {cell};border-bottom:1px solid #ccc">{esc(str(h))}</th>'
                for h in c.table.columns
            )
            body = "".join(
                "<tr>" + "".join(f'<td {cell}">{esc(v)}</td>' for v in row) + "</tr>"
                for row in c.table.itertuples(index=False)
            )
            parts.append(
                '<table style="border-collapse:collapse;margin:6px 0 0 0">'
                f"<tr>{head}</tr>{body}</table>"
            )
        for flag in c.flags:
            colour = grey if flag.startswith("no ") else OKABE_ITO["vermillion"]
            parts.append(f'<div style="color:{colour};margin-top:4px">{esc(flag)}</div>')
        parts.append("</div>")
        return "".join(parts)
