"""What a report run and a batch share: the owner of a temporary folder, signals during
clean-up, and the publish-by-rename step.

A run (``cxlab.report``) and a batch (``cxlab.batch``) build their output in a
``.tmp-*`` folder holding an owner marker and, once complete, rename it to a fresh id:
a rename of a whole folder, so nothing half-written is ever visible under its final
name and an existing run is never replaced.

Examples
--------
>>> import tempfile, pathlib
>>> from cxlab._runs import publish_by_rename
>>> parent = pathlib.Path(tempfile.mkdtemp())
>>> tmp = pathlib.Path(tempfile.mkdtemp(dir=parent))
>>> final = publish_by_rename(tmp, parent)
>>> final.parent == parent and not tmp.exists()
True
"""

from __future__ import annotations

import datetime as _dt
import os
import secrets
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from cxlab.errors import ReportError

__all__ = ["new_run_id", "owner", "process_started", "ignore_signals", "publish_by_rename"]


def new_run_id(now: _dt.datetime | None = None) -> str:
    """``YYYYmmddTHHMMSSZ-xxxxxxxx``: UTC time plus 32 random bits.

    Parameters
    ----------
    now : datetime.datetime, optional
        The time (default: now, UTC).
    """
    now = now or _dt.datetime.now(_dt.UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)


def process_started(pid: int) -> float | None:
    """When process ``pid`` started (psutil), None when unknown."""
    try:
        import psutil

        return psutil.Process(pid).create_time()
    except Exception:  # noqa: BLE001 - no such process, or psutil missing
        return None


def owner() -> dict:
    """The owner marker of a temporary folder: this process's pid, host and start time."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": process_started(os.getpid()),
    }


def ignore_signals() -> None:
    """Ignore SIGINT/SIGTERM (main thread only) until ``stop_on_signals`` restores them."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)


def publish_by_rename(
    tmp: Path,
    parent: Path,
    before: Callable[[str], None] | None = None,
    suffix: str = "",
    what: str = "run",
    new_id: Callable[[], str] | None = None,
) -> Path:
    """Rename the finished folder ``tmp`` to ``parent / <new id><suffix>``; never replace
    an existing folder (a rename onto a non-empty folder fails and another id is tried).
    ``before(run_id)`` runs first (e.g. to write the manifest with its id); ``new_id``
    makes the ids (default :func:`new_run_id`)."""
    new_id = new_id or new_run_id
    for _ in range(20):
        run_id = new_id() + suffix
        final = parent / run_id
        if final.exists():
            continue
        if before is not None:
            before(run_id)
        try:
            os.rename(tmp, final)  # a non-empty folder never replaces an existing one
        except OSError:
            continue
        return final
    raise ReportError(f"could not find a free {what} id under {parent}")
