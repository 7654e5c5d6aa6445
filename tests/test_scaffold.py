"""`cxlab init`: a research project folder, and never an overwritten file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cxlab.cli import main
from cxlab.errors import ParameterError
from cxlab.params import PARAMETERS, RUN_PARAMETERS, load_params
from cxlab.scaffold import init_project, parameter_template

LAYOUT = {
    "README.md",
    ".gitignore",
    "data/.gitkeep",
    "codebooks/.gitkeep",
    "reports/.gitkeep",
    "clients/template.yaml",
    "notebooks/explore.ipynb",
}


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_init_lays_out_a_project(tmp_path, capsys):
    assert main(["init", str(tmp_path / "proj")]) == 0
    proj = tmp_path / "proj"
    assert _files(proj) == LAYOUT
    assert "cxlab report" in capsys.readouterr().out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    readme = (proj / "README.md").read_text()
    assert "cxlab report clients/" in readme and "relative to `clients/`" in readme
    ignored = (proj / ".gitignore").read_text().splitlines()
    assert "reports/*" in ignored and "data/*" in ignored and "!data/.gitkeep" in ignored


def test_init_sample_copies_the_studies_with_paths_relative_to_clients(tmp_path):
    proj = init_project(tmp_path / "a" / "b" / "proj", sample=True)
    assert LAYOUT <= _files(proj)
    for name in ("sample.yaml", "sample_automotive.yaml"):
        values = yaml.safe_load((proj / "clients" / name).read_text())
        p = load_params(proj / "clients" / name)  # every input exists
        assert p.data_path.parent == proj / "data"
        assert p.codebook.parent == proj / "codebooks"
        for key, (_t, kind, _d, _doc) in PARAMETERS.items():
            if kind == "path" and values.get(key) is not None:
                assert not Path(values[key]).is_absolute(), key
                assert getattr(p, key).is_relative_to(proj), key
    bank = load_params(proj / "clients" / "sample.yaml")
    assert bank.client == "Sample Bank" and bank.executive_data == proj / "data/executives.csv"
    assert bank.initiatives == proj / "clients/initiatives/banking_initiatives.yaml"


def test_init_refuses_a_non_empty_folder_and_touches_nothing(tmp_path, capsys):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "notes.txt").write_text("mine")
    assert main(["init", "--sample", str(proj)]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and str(proj) in err
    assert _files(proj) == {"notes.txt"} and (proj / "notes.txt").read_text() == "mine"
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ParameterError, match="not a folder"):
        init_project(tmp_path / "afile")


def test_init_fills_an_empty_existing_folder_in_place(tmp_path, monkeypatch):
    proj = tmp_path / "empty"
    proj.mkdir()
    monkeypatch.chdir(proj)
    assert main(["init", "."]) == 0
    assert _files(proj) == LAYOUT


def test_init_leaves_nothing_behind_when_it_fails(tmp_path, monkeypatch):
    from cxlab import scaffold

    def broken(path, sample):
        raise OSError("disk full")

    monkeypatch.setattr(scaffold, "_write_explore_notebook", broken)
    with pytest.raises(OSError):
        init_project(tmp_path / "proj")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "empty").mkdir()
    with pytest.raises(OSError):
        init_project(tmp_path / "empty")
    assert list((tmp_path / "empty").iterdir()) == []


def test_template_names_every_parameter_and_validates(tmp_path):
    text = parameter_template()
    values = yaml.safe_load(text)
    expected = (set(PARAMETERS) | set(RUN_PARAMETERS)) - {"output_dir"}
    assert set(values) == expected
    assert sum(1 for line in text.splitlines() if line.startswith("#")) > len(expected)
    path = tmp_path / "clients" / "t.yaml"
    path.parent.mkdir()
    path.write_text(text)
    p = load_params(path, check_files=False)
    assert p.data_path == tmp_path / "data" / "survey.csv"


def test_the_explore_notebook_runs_in_the_project(tmp_path):
    """Executed in its own folder, as JupyterLab would, against the copied sample."""
    import nbformat

    from cxlab.report import refresh_notebook

    proj = init_project(tmp_path / "proj", sample=True)
    path = refresh_notebook(proj / "notebooks" / "explore.ipynb")
    nb = nbformat.read(str(path), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = json.dumps([o.get("data", {}).get("text/plain", "") for o in outputs])
    assert "631 respondents" in shown


def test_python_dash_m_cxlab_is_the_command(tmp_path, project_root):
    import cxlab

    env = {"PYTHONPATH": project_root, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "cxlab", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0 and out.stdout.strip() == f"cxlab {cxlab.__version__}"
    out = subprocess.run(
        [sys.executable, "-m", "cxlab", "init", str(tmp_path / "p")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert _files(tmp_path / "p") == LAYOUT
