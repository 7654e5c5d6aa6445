"""nbval settings for the committed notebooks (``make test`` runs them with --nbval).

Outputs are compared on their plain-text form: ``text/html`` (pandas' HTML tables
carry styling ids) and ``stderr`` (warnings, kernel noise) are not compared.
Figures are compared through their text repr (the alt text, which quotes the
numbers) - nbval already skips PNG data.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

_SKIP = ("text/html", "stderr")


def pytest_collectstart(collector):
    """Add text/html and stderr to what nbval skips when comparing outputs."""
    skip = getattr(collector, "skip_compare", None)
    if skip is not None and not set(_SKIP) <= set(skip):
        collector.skip_compare = tuple(skip) + _SKIP
