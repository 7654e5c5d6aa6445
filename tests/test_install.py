"""The installed path, as a researcher takes it: wheel, fresh venv, project folder, report.

Builds the wheel (``pip wheel --no-deps .``), installs it with the pinned dependencies
(``pip install -c constraints.txt``) into a new virtual environment without system
site-packages, and from an empty folder outside the repository runs ``cxlab init
--sample proj`` and ``cxlab report clients/sample.yaml`` with that environment's
``cxlab`` and no ``PYTHONPATH``: nothing may come from the checkout. Marked
``install`` (a few minutes, PyPI through pip's cache); ``make test`` runs it through
``make test-install``. Nothing here skips: a missing file, package or kernel fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.install

# What a run from the wheel needs, relative to the repository (and to cxlab/bundled/).
NEEDED = (
    "notebooks/client_report.ipynb",
    "notebooks/explore.ipynb",
    "notebooks/tracking_report.ipynb",
    "data/sample/clients/sample.yaml",
    "data/sample/clients/sample_automotive.yaml",
    "data/sample/clients/sample_tracking.yaml",
    "data/sample/banking_tracking.csv",
    "data/sample/banking_tracking_codebook.yaml",
)


_NOT_SOURCE = (".git", ".venv", "build", "dist", "reports", "*.egg-info", "__pycache__")
_NOT_SOURCE += (".pytest_cache", ".ruff_cache", ".hypothesis", "dask-worker-space")


def _run(args, *, cwd, env, timeout=900):
    out = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, (
        f"`{' '.join(map(str, args))}` failed with {out.returncode}\n"
        f"--- stdout\n{out.stdout[-4000:]}\n--- stderr\n{out.stderr[-4000:]}"
    )
    return out


def _clean_env(**extra) -> dict:
    """This process's environment without anything pointing cxlab at the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CXLAB_", "VIRTUAL_ENV"))}
    for key in ("PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH", "JUPYTER_DATA_DIR"):
        env.pop(key, None)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel, venv python, venv bin) after building and installing the wheel."""
    base = tmp_path_factory.mktemp("install")
    env = _clean_env()
    # build from a copy: no build/ left in the checkout, no stale files from an earlier build
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            source,
            "-w",
            base / "wheel",
        ],
        cwd=base,
        env=env,
    )
    (wheel,) = list((base / "wheel").glob("cxlab-*.whl"))
    _run([sys.executable, "-m", "venv", base / "venv"], cwd=base, env=env)
    bin_dir = base / "venv" / "bin"
    python = bin_dir / "python"
    _run(
        [python, "-m", "pip", "install", "--quiet", "-c", ROOT / "constraints.txt", wheel],
        cwd=base,
        env=env,
    )
    return wheel, python, bin_dir


def test_the_wheel_carries_the_notebooks_and_the_sample_studies(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    from cxlab.datasets import sample_files, sample_names
    from cxlab.resources import resource_root

    needed = set(NEEDED)
    for name in sample_names():  # every file cxlab.datasets serves
        needed |= {p.relative_to(resource_root()).as_posix() for p in sample_files(name).values()}
    missing = sorted(f for f in needed if f"cxlab/bundled/{f}" not in names)
    assert not missing, f"not in the wheel: {missing}"
    assert not [n for n in names if n.endswith(".sav")]  # the SPSS copies stay out (size)
    notebook = json.loads(
        zipfile.ZipFile(wheel).read("cxlab/bundled/notebooks/client_report.ipynb")
    )
    source = json.loads((ROOT / "notebooks" / "client_report.ipynb").read_text())
    assert [c["source"] for c in notebook["cells"]] == [c["source"] for c in source["cells"]]
    assert wheel.stat().st_size < 2_000_000


def test_version_and_python_dash_m(installed, tmp_path):
    import cxlab

    _, python, bin_dir = installed
    env = _clean_env()
    out = _run([bin_dir / "cxlab", "--version"], cwd=tmp_path, env=env)
    assert out.stdout.strip() == f"cxlab {cxlab.__version__}"
    out = _run([python, "-m", "cxlab", "--version"], cwd=tmp_path, env=env)
    assert out.stdout.strip() == f"cxlab {cxlab.__version__}"
    code = (
        "import cxlab, cxlab.datasets as d, pathlib; "
        "print(pathlib.Path(cxlab.__file__).parent); "
        "print(d.load_sample('banking').n_respondents)"
    )
    out = _run([python, "-c", code], cwd=tmp_path, env=env)
    package, n = out.stdout.split()
    assert Path(package).is_relative_to(bin_dir.parent), "cxlab imported from the checkout"
    assert n == "631"


def test_init_sample_and_report_in_an_empty_folder(installed, tmp_path):
    _, python, bin_dir = installed
    env = _clean_env(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    work = tmp_path / "work"
    work.mkdir()
    _run([bin_dir / "cxlab", "init", "--sample", "proj"], cwd=work, env=env)
    proj = work / "proj"
    out = _run([bin_dir / "cxlab", "report", "clients/sample.yaml"], cwd=proj, env=env)
    assert "report written to" in out.stdout
    runs = list((proj / "reports" / "sample-bank").iterdir())
    assert len(runs) == 1, runs
    run = runs[0]
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "ok", manifest.get("error")
    assert (run / "report.html").is_file() and (run / "tables" / "tables.xlsx").is_file()
    assert len(list((run / "figures").glob("*.png"))) >= 5
    venv = bin_dir.parent
    assert Path(manifest["inputs"]["notebook"]["path"]).is_relative_to(venv)  # the bundle
    assert manifest["inputs"]["data_path"]["path"] == str(proj / "data" / "banking.csv")
    assert manifest["paths_relative_to"] == str(proj / "clients")
    assert manifest["kernel"]["argv0"] == str(python)  # the venv's own interpreter
    assert manifest["git"] == {"commit": None, "dirty": None}  # not run from a checkout
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "Sample Bank" in html and "promise gap" in html.lower()
    assert list(work.iterdir()) == [proj]  # nothing written beside the project
