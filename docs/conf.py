"""Sphinx configuration of the cxlab documentation site (``make docs``).

Built offline with warnings as errors (``sphinx-build -W``): no intersphinx, no network.
The user guide is the executed guide notebooks, copied from ``notebooks/guide`` into the
ignored ``docs/guide`` at each build (they are edited only in ``notebooks/guide``) and
shown with their stored outputs (``nb_execution_mode = "off"``); the API reference is
generated from the docstrings (autosummary + numpydoc) into the ignored ``docs/generated``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

shutil.rmtree(HERE / "guide", ignore_errors=True)
shutil.copytree(ROOT / "notebooks" / "guide", HERE / "guide", ignore=shutil.ignore_patterns("*.py", ".*", "__pycache__"))

import cxlab  # noqa: E402

project = "cxlab"
author = "the cxlab developers"
copyright = "the cxlab developers"  # noqa: A001
version = release = cxlab.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]

root_doc = "index"
exclude_patterns = ["_build", "generated/*.rst.txt", "**/.ipynb_checkpoints"]
# .rst first: autosummary writes its generated pages with the first suffix
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# notebooks: the committed outputs are shown, never re-executed at build time
nb_execution_mode = "off"
nb_merge_streams = True
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

# API reference
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "undoc-members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()

html_theme = "alabaster"
html_title = f"cxlab {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_theme_options = {"description": "A Jupyter workbench for customer-experience research"}
suppress_warnings = ["myst.header"]
