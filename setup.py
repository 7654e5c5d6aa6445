"""Build hook: the wheel carries copies of the report notebooks and the sample studies.

They are edited and tested where they are (``notebooks/``, ``data/sample/``); the build
copies them into ``cxlab/bundled/`` with the same layout, which is where an installed
cxlab reads them (``cxlab.resources``). A listed file that is missing fails the build.
Everything else (metadata, dependencies) is in ``pyproject.toml``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent

# What a run from an installed cxlab needs: the notebooks, and the sample studies that
# cxlab.datasets and `cxlab init --sample` use (the SPSS copies and the messy export
# stay in the repository).
BUNDLED = (
    "notebooks/*.ipynb",
    "data/sample/*.csv",
    "data/sample/*_codebook.yaml",
    "data/sample/*_truth.json",
    "data/sample/*_initiatives.yaml",
    "data/sample/clients/*.yaml",
    "data/sample/clients/targets/*.yaml",
    "data/sample/executive/*.csv",
    "data/sample/executive/*.yaml",
    "data/sample/executive/*.json",
    "data/sample/executive/sample_bank/*",
)
REQUIRED = (
    "notebooks/client_report.ipynb",
    "notebooks/explore.ipynb",
    "notebooks/tracking_report.ipynb",
    "data/sample/banking.csv",
    "data/sample/banking_codebook.yaml",
    "data/sample/banking_improvement_costs.csv",
    "data/sample/banking_initiatives.yaml",
    "data/sample/automotive.csv",
    "data/sample/automotive_codebook.yaml",
    "data/sample/automotive_improvement_costs.csv",
    "data/sample/clients/sample.yaml",
    "data/sample/clients/sample_tracking.yaml",
    "data/sample/clients/targets/banking_margins.yaml",
    "data/sample/clients/targets/banking_tracking_margins.yaml",
    "data/sample/banking_tracking.csv",
    "data/sample/banking_tracking_codebook.yaml",
    "data/sample/executive/sample_bank/executives.csv",
)


def bundled_files(root: Path = HERE) -> list[str]:
    """The files copied into the wheel, relative to the repository root."""
    found = sorted({p.relative_to(root).as_posix() for g in BUNDLED for p in root.glob(g)})
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        raise SystemExit(f"cxlab build: files the wheel must carry are missing: {missing}")
    return found


class build_py_with_bundle(build_py):  # noqa: N801 - setuptools command naming
    """build_py, then copy the bundled files into ``<build_lib>/cxlab/bundled/``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the checkout
            return
        target = Path(self.build_lib) / "cxlab" / "bundled"
        shutil.rmtree(target, ignore_errors=True)  # no stale copies from an earlier build
        for rel in bundled_files():
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.suffix == ".ipynb":
                _copy_notebook_without_outputs(HERE / rel, dest)
            else:
                shutil.copyfile(HERE / rel, dest)

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        target = Path(self.build_lib) / "cxlab" / "bundled"
        return outputs + [str(target / rel) for rel in bundled_files()]


def _copy_notebook_without_outputs(source: Path, dest: Path) -> None:
    """A run re-executes the notebook: the stored outputs (for nbval) are not shipped."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


setup(cmdclass={"build_py": build_py_with_bundle})
