"""Per-event diagnosis and the course of action per event (moments of truth).

The framework (docs/framework.md section 4) gives every customer event one course of
action (basics, fix, delight, right-size, maintain) from its gaps and its importance.
:func:`diagnose` estimates, per event (and per segment when asked), the weighted base,
performance, gaps, stated and derived importance with confidence intervals;
:func:`importance_index` combines the importance components; :func:`advocacy_impact`
is the impact of each event's satisfaction on advocacy. Turning a diagnosis into the
course per event (:func:`prioritize`, :class:`Rules`, :func:`describe_rules`,
:func:`moments_of_truth`, ``ACTIONS``, ``ACTION_COLORS``) is :mod:`cxlab.priorities`.
The diagnosis is written in ``cxlab/_diagnosis.py``; this module gathers both.

Examples
--------
>>> from cxlab.synth import make_study
>>> from cxlab.moments import diagnose
>>> survey, truth = make_study("banking", n_respondents=631, seed=0)
>>> table = diagnose(survey)
>>> len(table) == len(survey.events)
True
"""

from __future__ import annotations

from cxlab._diagnosis import MEASURES, advocacy_impact, diagnose, importance_index
from cxlab.priorities import (
    ACTION_COLORS,
    ACTIONS,
    Rules,
    describe_rules,
    moments_of_truth,
    prioritize,
)

__all__ = [
    "MEASURES",
    "advocacy_impact",
    "diagnose",
    "importance_index",
    "ACTIONS",
    "ACTION_COLORS",
    "Rules",
    "describe_rules",
    "moments_of_truth",
    "prioritize",
]
