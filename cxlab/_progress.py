"""Progress bars for long steps: one rule for when they show.

A bar shows only in a terminal (``sys.stderr`` is a tty) and never inside a Jupyter
kernel, so an executed notebook records nothing volatile. ``cxlab report`` shows the
notebook's progress cell by cell in the terminal (papermill's bar) instead.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

__all__ = ["progress", "show_progress"]


def show_progress() -> bool:
    """True in a terminal outside a Jupyter kernel."""
    return bool(getattr(sys.stderr, "isatty", lambda: False)()) and "ipykernel" not in sys.modules


def progress(items: Iterable, desc: str, *, total: int | None = None, enabled: bool | None = None):
    """``items`` wrapped in a tqdm bar on stderr when :func:`show_progress` (or ``enabled``)."""
    if not (show_progress() if enabled is None else enabled):
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, total=total, file=sys.stderr, leave=False)
