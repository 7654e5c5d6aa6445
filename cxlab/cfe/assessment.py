"""The whole CFE assessment in one call: :func:`assess` and :class:`CFEAssessment`."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxlab._checks import renamed
from cxlab.cfe.plots import plot_competencies, plot_indicator_heatmap
from cxlab.cfe.promise import PromiseGap, promise_gap
from cxlab.cfe.stats import agreement, maturity, weakest_indicators
from cxlab.display import Card
from cxlab.errors import ParameterError


@dataclass(frozen=True, repr=False)
class CFEAssessment(Card):
    """A CFE assessment: maturity tables, weakest indicators, agreement, promise gap.

    Attributes
    ----------
    table : DataFrame
        Maturity per competency (:func:`maturity`).
    indicators, overall : DataFrame
        Maturity per indicator and overall.
    weakest : DataFrame
        :func:`weakest_indicators`.
    agreement : DataFrame
        :func:`agreement` per competency.
    promise : PromiseGap or None
        When a customer survey was given.
    population : str
        The executives behind the maturity tables, e.g. ``"all 108 executives
        (cross-industry benchmark)"`` when the promise gap is for one industry
        (also in each maturity table's ``attrs["population"]``).
    min_base : int
        Smallest base for a reported figure.
    """

    table: pd.DataFrame
    indicators: pd.DataFrame
    overall: pd.DataFrame
    weakest: pd.DataFrame
    agreement: pd.DataFrame
    promise: PromiseGap | None = None
    population: str = "all executives"
    min_base: int = 30

    @property
    def verdict(self) -> str:
        """Plain-language findings (suppressed figures are said to be so, never quoted)."""
        o = self.overall.iloc[0]
        if pd.notna(o["current"]) and pd.notna(o["target"]):
            text = (f"Overall CFE maturity is {o['current']:.1f} of 5 now against a target of {o['target']:.1f}, "
                    f"from {self.population}.")  # fmt: skip
        else:
            text = (f"CFE maturity is not reported: only {int(o['n'])} executives rated it, "
                    f"fewer than the minimum base of {self.min_base}.")  # fmt: skip
        t = self.table[self.table["current"].notna()].sort_values("current")
        if len(t):
            text += (f" Weakest: {t['name'].iloc[0]} ({t['current'].iloc[0]:.1f}); "
                     f"strongest: {t['name'].iloc[-1]} ({t['current'].iloc[-1]:.1f}).")  # fmt: skip
        g = self.table[self.table["gap"].notna()].sort_values("gap", ascending=False)
        if len(g):
            text += f" Largest gap to target: {g['name'].iloc[0]} ({g['gap'].iloc[0]:+.1f})."
        a = self.agreement
        compared = a[~a["comparison_suppressed"]] if "comparison_suppressed" in a else a
        dis = compared[compared["disagree"]]
        if compared.empty:
            text += (" Middle and top management are not compared: fewer than "
                     f"{self.min_base} top or middle managers.")  # fmt: skip
        elif len(dis):
            parts = [f"{r.name} (middle - top {r.difference:+.2f})" for r in dis.itertuples()]
            text += " Middle and top management disagree on " + ", ".join(parts) + "."
        else:
            text += " Middle and top management do not disagree detectably on any competency."
        if self.promise is not None:
            text += " " + self.promise.verdict
        return text

    def summary(self) -> pd.DataFrame:
        """The competency table (current, target and gap with their intervals)."""
        return self.table

    def describe(self) -> str:
        """The verdict in words."""
        return self.verdict

    def plot(self, ax=None, kind: str = "competencies"):
        """``kind``: ``"competencies"`` (dot plot), ``"indicators"`` (heat map) or ``"promise"``.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        kind : str
            Which chart.
        """
        if kind in ("competencies", "indicators"):
            draw = plot_competencies if kind == "competencies" else plot_indicator_heatmap
            ax = draw(self.table if kind == "competencies" else self.indicators, ax=ax)
            ax.set_title(f"{ax.get_title()}\n{self.population[:1].upper()}{self.population[1:]}")
            return ax
        if kind == "promise":
            if self.promise is None:
                raise ParameterError(
                    "no promise gap: assess() was called without a customer survey"
                )
            return self.promise.plot(ax=ax)
        raise ParameterError(
            f"kind must be 'competencies', 'indicators' or 'promise', got {kind!r}"
        )


@renamed(confidence="level")
def assess(
    executive_data: pd.DataFrame, survey=None, *, k: int = 10, min_base: int = 30, level: float = 0.95,
    industry: str | None = None,
) -> CFEAssessment:  # fmt: skip
    """The whole CFE assessment in one call (what the client report uses).

    Parameters
    ----------
    executive_data : DataFrame
        Tidy executive data (:func:`load_executive_survey`).
    survey : cxlab.Survey, optional
        The company's customer survey; adds the promise gap.
    k : int
        Weakest indicators to list.
    min_base, level
        Passed to :func:`maturity`, :func:`weakest_indicators`, :func:`agreement`
        and :func:`promise_gap`: figures on fewer executives (customers) are
        suppressed and the verdict says so.
    industry : str, optional
        Passed to :func:`promise_gap`, which then uses only this industry's
        executives. Maturity and agreement stay on all executives; the verdict and
        ``population`` label them "all N executives (cross-industry benchmark)"
        and the promise gap "the K <industry> executives".

    Returns
    -------
    CFEAssessment

    Examples
    --------
    >>> from cxlab.synth.executive import make_executive_study
    >>> data, truth = make_executive_study(seed=0)
    >>> result = assess(data)
    >>> result.table["competency"].tolist()[:2]
    ['customer_authority', 'customer_dialog']
    """
    promise = None
    if survey is not None:
        promise = promise_gap(executive_data, survey, industry=industry, level=level,
                              min_base=min_base)  # fmt: skip
    n = executive_data["executive_id"].nunique()
    industries = set(executive_data["industry"].dropna()) if "industry" in executive_data else set()
    if industry is None:
        population = f"all {n} executives"
    elif industries == {industry}:
        population = f"all {n} executives, all {industry}"
    else:
        population = f"all {n} executives (cross-industry benchmark)"
    tables = {lev: maturity(executive_data, lev, min_base=min_base, level=level)
              for lev in ("competency", "indicator", "overall")}  # fmt: skip
    for table in tables.values():
        table.attrs["population"] = population
    return CFEAssessment(
        table=tables["competency"],
        indicators=tables["indicator"],
        overall=tables["overall"],
        weakest=weakest_indicators(executive_data, k=k, level=level, min_base=min_base),
        agreement=agreement(executive_data, level=level, min_base=min_base),
        promise=promise,
        population=population,
        min_base=min_base,
    )
