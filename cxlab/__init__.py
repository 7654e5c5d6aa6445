"""cxlab: a research workbench for customer-experience (CX) studies.

The framework's vocabulary reads through the package: a client's survey is loaded
with :func:`load_survey` (or simulated with :func:`cxlab.synth.make_study`) into a
:class:`Survey`; the statistics modules take its frames and return tidy tables or
small result objects with ``.table``, ``.summary()`` and ``.plot()``.

>>> import cxlab
>>> survey, truth = cxlab.synth.make_study("banking", n_respondents=631, seed=0)
>>> survey.event_table()[["event_id", "tactile", "emotive", "satisfaction"]].shape[1]
4
"""

from __future__ import annotations

import importlib

from cxlab import errors
from cxlab.codebook import Codebook
from cxlab.io import load_survey, read_table
from cxlab.survey import Survey
from cxlab.waves import load_waves

__version__ = "0.1.0"

_SUBMODULES = (
    "synth",
    "weighting",
    "design",
    "estimates",
    "comparisons",
    "reliability",
    "suppression",
    "drivers",
    "importance",
    "segments",
    "advocacy_drivers",
    "economics",
    "scoring",
    "clusters",
    "moments",
    "priorities",
    "eventmap",
    "valuecase",
    "cfe",
    "report",
    "recorder",
    "batch",
    "params",
    "narrative",
    "analysis",
    "storyline",
    "deck",
    "pdf",
    "datasets",
    "resources",
    "scaffold",
    "waves",
    "tracking",
    "trackingreport",
    "pls",
    "initiatives",
    "roadmap",
    "display",
    "codebook_draft",
    "text",
    "scaling",
    "verbatims",
)

__all__ = [
    "Codebook",
    "Survey",
    "errors",
    "load_survey",
    "load_waves",
    "read_table",
    "__version__",
    *_SUBMODULES,
]


def __getattr__(name):
    # statistics modules are imported on first use, so `import cxlab` stays fast
    if name in _SUBMODULES:
        module = importlib.import_module(f"cxlab.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'cxlab' has no attribute {name!r}")
