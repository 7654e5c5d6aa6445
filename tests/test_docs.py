"""The documentation site's sources are complete (``make docs`` builds them with -W).

Fast static checks; the build itself runs in ``make test`` (``make docs``) and the guide
notebooks' outputs are checked by nbval.
"""

from __future__ import annotations

import importlib.util
import pkgutil
import re
from pathlib import Path

import nbformat

import cxlab

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "notebooks" / "guide"


def _guides():
    spec = importlib.util.spec_from_file_location("guide_build", GUIDE / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.GUIDES


def test_api_reference_lists_every_public_module():
    listed = set(re.findall(r"^\s+(cxlab[\w.]*)\s*$", (ROOT / "docs" / "api.md").read_text(), re.M))
    public = {"cxlab"} | {
        m.name
        for m in pkgutil.iter_modules(cxlab.__path__, "cxlab.")
        if not m.name.split(".")[-1].startswith("_")
        and m.name not in ("cxlab.cli", "cxlab.bundled")
    }
    assert public - listed == set()
    assert listed - public == set()  # nothing stale


def test_every_guide_notebook_comes_from_build_py_and_is_executed():
    guides = _guides()
    files = sorted(p.stem for p in GUIDE.glob("*.ipynb"))
    assert files == sorted(guides)
    assert files[0] == "01_bring_your_own_survey"  # make lab and the browser test open it
    for name in files:
        nb = nbformat.read(str(GUIDE / f"{name}.ipynb"), as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "cxlab"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.execution_count for c in code), f"{name} is not executed"
        assert not any(o.output_type == "error" for c in code for o in c.outputs), name
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        for part in ("What this answers for a client", "Assumptions", "How to read"):
            assert part in text, (name, part)
        # the committed notebook is the generated one: its sources match build.py's cells
        _, cells = guides[name]
        assert [c.source for c in nb.cells] == [c.source for c in cells], name


def test_docs_build_offline():
    conf = (ROOT / "docs" / "conf.py").read_text()
    assert "sphinx.ext.intersphinx" not in conf and 'nb_execution_mode = "off"' in conf
    makefile = (ROOT / "Makefile").read_text()
    assert "sphinx -W" in makefile and "$(MAKE) docs" in makefile
    assert "default_url=/lab/tree/guide/01_bring_your_own_survey.ipynb" in makefile  # make lab
