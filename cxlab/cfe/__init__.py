"""The customer focused enterprise (CFE) assessment and the promise gap.

Executives rate each CFE indicator's *current* and *target* maturity (1-5); this
package reads and validates that survey (a YAML codebook maps indicators to the six
competencies and the innovation discipline), estimates maturity and the gap to target
with confidence intervals, ranks the weakest indicators, measures agreement between
executives and between management levels, and sets the executives' self-assessment
("we fulfil our brand promise", "we understand our customers") against what customers
report in the consumer survey: the **promise gap** (docs/framework.md section 7).

The package is split by idea: :mod:`~cxlab.cfe.model` (competencies, indicators,
codebook), :mod:`~cxlab.cfe.load` (reading the survey), :mod:`~cxlab.cfe.stats`
(maturity, weakest indicators, agreement), :mod:`~cxlab.cfe.promise` (the promise
gap), :mod:`~cxlab.cfe.plots` (charts) and :mod:`~cxlab.cfe.assessment` (the whole
assessment); everything public is importable from ``cxlab.cfe``.

Examples
--------
>>> from cxlab.synth.executive import make_executive_study
>>> from cxlab import cfe
>>> data, truth = make_executive_study(n_executives=108, seed=0)
>>> table = cfe.maturity(data, competency="competency")
>>> table.sort_values("current")["competency"].iloc[0] in truth["weak_competencies"]
True
"""

from __future__ import annotations

from cxlab.cfe.assessment import CFEAssessment, assess
from cxlab.cfe.load import executive_data_from_frame, load_executive_survey

# COLUMNS is public (cxlab.synth.executive imports it) but, as before the split, not in __all__
from cxlab.cfe.model import COLUMNS as COLUMNS
from cxlab.cfe.model import COMPETENCIES, ROLES, ExecutiveCodebook, default_codebook
from cxlab.cfe.plots import plot_competencies, plot_indicator_heatmap
from cxlab.cfe.promise import PromiseGap, promise_gap
from cxlab.cfe.stats import agreement, maturity, weakest_indicators

__all__ = [
    "COMPETENCIES",
    "ROLES",
    "ExecutiveCodebook",
    "default_codebook",
    "executive_data_from_frame",
    "load_executive_survey",
    "maturity",
    "weakest_indicators",
    "agreement",
    "promise_gap",
    "PromiseGap",
    "assess",
    "CFEAssessment",
    "plot_competencies",
    "plot_indicator_heatmap",
]
