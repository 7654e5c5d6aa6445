"""Synthetic studies with known truth: the ground every cxlab test stands on.

* :func:`make_study` - a consumer CX survey (banking or automotive) and its truth;
* :func:`make_frame` - the same as the raw wide file a client would send;
* :func:`write_study` - data (CSV/SAV/XLSX), codebook, truth and costs on disk;
* :func:`make_executive_study` - an executive CFE self-assessment survey;
* :func:`write_shape` - three survey shapes as files with codebooks (an event-based
  CX survey, a respondent-level satisfaction survey without events or ids, a weighted
  SPSS opinion survey), for end-to-end tests.
"""

from cxlab.synth.consumer import INDUSTRIES, make_frame, make_study, write_study
from cxlab.synth.executive import make_executive_study, write_executive_study
from cxlab.synth.shapes import SHAPES, Shape, write_shape

__all__ = [
    "INDUSTRIES",
    "SHAPES",
    "Shape",
    "make_frame",
    "make_study",
    "write_study",
    "write_shape",
    "make_executive_study",
    "write_executive_study",
]
