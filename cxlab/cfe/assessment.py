"""The whole CFE assessment in one call: :func:`assess` and :class:`CFEAssessment`."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxlab.cfe.plots import plot_competencies, plot_indicator_heatmap
from cxlab.cfe.promise import PromiseGap, promise_gap
from cxlab.cfe.stats import agreement, maturity, weakest_indicators
from cxlab.errors import ParameterError


@dataclass(frozen=True)
class CFEAssessment:
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
    """

    table: pd.DataFrame
    indicators: pd.DataFrame
    overall: pd.DataFrame
    weakest: pd.DataFrame
    agreement: pd.DataFrame
    promise: PromiseGap | None = None

    @property
    def verdict(self) -> str:
        """Plain-language findings."""
        t = self.table.sort_values("current")
        o = self.overall.iloc[0]
        gap = self.table.sort_values("gap", ascending=False).iloc[0]
        text = (f"Overall CFE maturity is {o['current']:.1f} of 5 now against a target of {o['target']:.1f} "
                f"({int(o['n'])} executives). Weakest: {t['name'].iloc[0]} ({t['current'].iloc[0]:.1f}); "
                f"strongest: {t['name'].iloc[-1]} ({t['current'].iloc[-1]:.1f}). "
                f"Largest gap to target: {gap['name']} ({gap['gap']:+.1f}).")  # fmt: skip
        dis = self.agreement[self.agreement["disagree"]]
        if len(dis):
            parts = [f"{r.name} (middle - top {r.difference:+.2f})" for r in dis.itertuples()]
            text += " Middle and top management disagree on " + ", ".join(parts) + "."
        else:
            text += " Middle and top management do not disagree detectably on any competency."
        if self.promise is not None:
            text += " " + self.promise.verdict
        return text

    def summary(self) -> str:
        """The verdict (a string; tables are in the attributes)."""
        return self.verdict

    def plot(self, ax=None, kind: str = "competencies"):
        """``kind``: ``"competencies"`` (dot plot), ``"indicators"`` (heat map) or ``"promise"``."""
        if kind == "competencies":
            return plot_competencies(self.table, ax=ax)
        if kind == "indicators":
            return plot_indicator_heatmap(self.indicators, ax=ax)
        if kind == "promise":
            if self.promise is None:
                raise ParameterError(
                    "no promise gap: assess() was called without a customer survey"
                )
            return self.promise.plot(ax=ax)
        raise ParameterError(
            f"kind must be 'competencies', 'indicators' or 'promise', got {kind!r}"
        )


def assess(
    executive_data: pd.DataFrame, survey=None, *, k: int = 10, min_base: int = 30, confidence: float = 0.95,
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
    min_base, confidence
        Passed to :func:`maturity`.
    industry : str, optional
        Passed to :func:`promise_gap`.

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
    return CFEAssessment(
        table=maturity(executive_data, "competency", min_base=min_base, confidence=confidence),
        indicators=maturity(executive_data, "indicator", min_base=min_base, confidence=confidence),
        overall=maturity(executive_data, "overall", min_base=min_base, confidence=confidence),
        weakest=weakest_indicators(executive_data, k=k, confidence=confidence),
        agreement=agreement(executive_data, confidence=confidence),
        promise=None
        if survey is None
        else promise_gap(executive_data, survey, industry=industry, confidence=confidence),
    )
