"""Synthetic studies with known truth: the ground every cxlab test stands on.

* :func:`make_study` - a consumer CX survey (banking or automotive) and its truth;
* :func:`make_frame` - the same as the raw wide file a client would send;
* :func:`write_study` - data (CSV/SAV/XLSX), codebook, truth and costs on disk;
* :func:`make_executive_study` - an executive CFE self-assessment survey.
"""

from cxlab.synth.consumer import INDUSTRIES, make_frame, make_study, write_study

__all__ = ["INDUSTRIES", "make_frame", "make_study", "write_study", "make_executive_study"]


def __getattr__(name):
    if name in ("make_executive_study", "write_executive_study"):
        from cxlab.synth import executive

        return getattr(executive, name)
    raise AttributeError(name)
