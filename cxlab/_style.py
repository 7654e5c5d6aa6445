"""The one plotting style of cxlab charts: the Okabe-Ito palette and ``new_ax``.

Every chart takes ``ax=None`` and returns the Axes it drew on; :func:`new_ax` makes
a figure of the given size when no Axes is passed. Colours are the colour-blind safe
Okabe-Ito palette, named once here.

Examples
--------
>>> from cxlab._style import ADVOCACY_COLORS, OKABE_ITO
>>> ADVOCACY_COLORS["advocate"] == OKABE_ITO["blue"]
True
"""

from __future__ import annotations

__all__ = ["OKABE_ITO", "ADVOCACY_COLORS", "ACTION_COLORS", "CFE_COLORS", "new_ax"]

#: The Okabe-Ito palette (colour-blind safe), by name.
OKABE_ITO: dict[str, str] = {
    "vermillion": "#D55E00",
    "orange": "#E69F00",
    "blue": "#0072B2",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "purple": "#CC79A7",
    "grey": "#999999",
    "light_grey": "#BBBBBB",
}

#: Colour per advocacy group.
ADVOCACY_COLORS: dict[str, str] = {
    "agitator": OKABE_ITO["vermillion"],
    "antagonist": OKABE_ITO["orange"],
    "neutral": OKABE_ITO["grey"],
    "advocate": OKABE_ITO["blue"],
}

#: Colour per course of action (the framework's actions).
ACTION_COLORS: dict[str, str] = {
    "basics": OKABE_ITO["vermillion"],
    "fix": OKABE_ITO["orange"],
    "delight": OKABE_ITO["blue"],
    "right-size": OKABE_ITO["green"],
    "maintain": OKABE_ITO["light_grey"],
}

#: Colours of the CFE charts (maturity, promise gap).
CFE_COLORS: dict[str, str] = {
    "current": OKABE_ITO["blue"],
    "target": OKABE_ITO["orange"],
    "gap": OKABE_ITO["green"],
    "executive": OKABE_ITO["vermillion"],
    "customer": OKABE_ITO["blue"],
    "grey": OKABE_ITO["grey"],
}


def new_ax(ax=None, size: tuple[float, float] = (7, 4.5)):
    """``ax`` itself, or the Axes of a new figure of ``size`` inches when it is None."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax
