"""Files cxlab ships: the report notebooks and the sample studies.

There is one copy of each, where it is edited and tested: ``notebooks/*.ipynb`` and
``data/sample/`` at the top of the repository. In a checkout (a clone, or an editable
install) cxlab reads them there. The wheel carries copies, made by the build
(``setup.py``), under ``cxlab/bundled/`` with the same layout
(``bundled/notebooks/client_report.ipynb``, ``bundled/data/sample/banking.csv``...), so
an installed cxlab runs a report from any folder.

Examples
--------
>>> from cxlab.resources import resource
>>> resource("notebooks/client_report.ipynb").name
'client_report.ipynb'
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cxlab.errors import CxlabError

__all__ = ["BUNDLE_DIR", "checkout_root", "is_cxlab_checkout", "resource", "resource_root"]

BUNDLE_DIR = "bundled"  # the folder inside the installed package holding the copies


def is_cxlab_checkout(folder: str | os.PathLike) -> bool:
    """True when ``folder`` holds cxlab's own ``pyproject.toml`` (a clone of cxlab).

    Parameters
    ----------
    folder : str or path-like
        The folder.
    """
    pyproject = Path(folder) / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return False
    return re.search(r'^name\s*=\s*"cxlab"', text, flags=re.MULTILINE) is not None


def checkout_root() -> Path | None:
    """The repository root when this cxlab is imported from a checkout, else None."""
    parent = Path(__file__).resolve().parent.parent
    return parent if is_cxlab_checkout(parent) else None


def resource_root() -> Path:
    """Where the shipped files are: the checkout's root, else the installed bundle.

    Raises
    ------
    CxlabError
        Neither exists (a wheel built without its bundle).
    """
    root = checkout_root()
    if root is not None:
        return root
    bundled = Path(__file__).resolve().parent / BUNDLE_DIR
    if bundled.is_dir():
        return bundled
    raise CxlabError(
        f"cxlab has no bundled files ({bundled} is missing): reinstall it from a wheel "
        "built with `pip wheel .` in a clone of the repository"
    )


def resource(relative: str | os.PathLike) -> Path:
    """The shipped file ``relative`` (e.g. ``"data/sample/banking.csv"``).

    Parameters
    ----------
    relative : str
        A path inside the resources.

    Raises
    ------
    CxlabError
        The file is not shipped.
    """
    root = resource_root()
    path = root / relative
    if not path.is_file():
        raise CxlabError(f"{relative}: not among cxlab's shipped files (looked in {root})")
    return path
