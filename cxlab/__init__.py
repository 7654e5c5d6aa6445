"""cxlab: a research workbench for customer-experience (CX) studies."""

from __future__ import annotations

__version__ = "0.1.0"
