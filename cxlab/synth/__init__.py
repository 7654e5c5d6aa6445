"""Synthetic studies with known truth: the ground every cxlab test stands on.

* :func:`make_study` - a consumer CX survey (banking or automotive) and its truth;
* :func:`make_frame` - the same as the raw wide file a client would send;
* :func:`write_study` - data (CSV/SAV/XLSX), codebook, truth and costs on disk;
* :func:`make_executive_study` - an executive CFE self-assessment survey;
* :func:`write_shape` - three survey shapes as files with codebooks (an event-based
  CX survey, a respondent-level satisfaction survey without events or ids, a weighted
  SPSS opinion survey), for end-to-end tests;
* :func:`make_pls_study` - an ECSI-style satisfaction survey from a planted PLS path
  model (optionally over-sampled with design weights).
* :func:`make_waves` - a tracking study: several waves with planted changes in event
  satisfaction and in the customer mix; :func:`write_waves` writes it to files.
"""

from cxlab.synth.consumer import INDUSTRIES, make_frame, make_study, write_study
from cxlab.synth.executive import make_executive_study, write_executive_study
from cxlab.synth.pls import make_pls_study
from cxlab.synth.shapes import SHAPES, Shape, write_shape
from cxlab.synth.waves import make_wave_frame, make_waves, write_waves

__all__ = [
    "INDUSTRIES",
    "SHAPES",
    "Shape",
    "make_frame",
    "make_pls_study",
    "make_study",
    "write_study",
    "write_shape",
    "make_executive_study",
    "make_waves",
    "make_wave_frame",
    "write_waves",
    "write_executive_study",
]
