"""``cxlab init``: a research project in a folder of its own.

A researcher keeps each piece of work in a project folder, not inside cxlab's source
tree. :func:`init_project` lays one out::

    README.md              the workflow, in short
    .gitignore             reports and survey data (personal data) stay out of git
    data/                  the client's survey files (never committed)
    codebooks/             their codebooks (YAML)
    clients/template.yaml  a commented parameter file to copy, one per client
    reports/               where `cxlab report` writes its run folders
    notebooks/explore.ipynb  a first look at a survey in JupyterLab

With ``sample=True`` it also copies the sample studies (banking and automotive), their
codebooks, weighting targets and improvement costs, and two ready parameter files, so
``cxlab report clients/sample.yaml`` works at once from the project folder. Parameter
files name their inputs relative to their own folder (``../data/banking.csv``), so
they work from any working directory.

An existing folder is used only when it is empty: nothing is ever overwritten. A new
folder is written under a temporary name and renamed when complete.

Examples
--------
>>> import tempfile, pathlib
>>> from cxlab.scaffold import init_project
>>> proj = init_project(pathlib.Path(tempfile.mkdtemp()) / "acme", sample=True)
>>> sorted(p.name for p in (proj / "clients").glob("*.yaml"))
['sample.yaml', 'sample_automotive.yaml', 'template.yaml']
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from cxlab.errors import ParameterError
from cxlab.params import PARAMETERS, RUN_PARAMETERS
from cxlab.resources import resource

__all__ = ["init_project", "parameter_template"]

FOLDERS = ("data", "codebooks", "clients", "reports", "notebooks")

# Where `init --sample` puts each input of the sample parameter files.
_SAMPLE_PARAMS = ("data/sample/clients/sample.yaml", "data/sample/clients/sample_automotive.yaml")
_DESTINATION = {
    "data_path": "data",
    "codebook": "codebooks",
    "weighting_targets": "clients/targets",
    "improvement_costs": "clients/costs",
    "executive_data": "data",
    "initiatives": "clients/initiatives",
}

# Example values of the template (relative to clients/); other parameters show their default.
_EXAMPLES: dict[str, Any] = {
    "client": "Example Client",
    "data_path": "../data/survey.csv",
    "codebook": "../codebooks/survey_codebook.yaml",
    "industry": "banking",
    "weighting_targets": None,
    "improvement_costs": None,
    "executive_data": None,
    "initiatives": None,
}
_HINTS: dict[str, str] = {
    "weighting_targets": "e.g. targets/margins.yaml: {variable: {category: share}}",
    "improvement_costs": "e.g. costs/costs.csv with columns event_id, cost",
    "executive_data": "e.g. ../data/executives.csv",
    "initiatives": "e.g. initiatives/initiatives.yaml (see docs/roadmap.md)",
    "segment_filter": "e.g. {country: [UK, France]}",
    "reports_dir": "e.g. ../reports",
    "formats": "e.g. html,pptx,pdf (also `cxlab report --formats`)",
    "template": "e.g. ../templates/firm.pptx",
}
_RUNNER_SET = {"output_dir"}  # set by `cxlab report`, never by hand


def parameter_template() -> str:
    """The commented parameter file ``clients/template.yaml``: every parameter
    (:data:`cxlab.params.PARAMETERS` and :data:`cxlab.params.RUN_PARAMETERS`) with
    its description and an example or default value."""
    lines = [
        "# One client's report parameters. Copy this file (e.g. to clients/acme.yaml),",
        "# fill it in, and run from the project folder:",
        "#     cxlab report clients/acme.yaml",
        "# Relative paths are relative to THIS file's folder (clients/): ../data/x.csv is",
        "# the project's data/x.csv, whatever folder you run cxlab from.",
        "# Every name is checked: a misspelt name stops the run, it never falls back to a",
        "# default. null means 'none' (that input, or that report section, is skipped).",
        "",
    ]
    for name, (_types, _kind, default, doc) in {**PARAMETERS, **RUN_PARAMETERS}.items():
        if name in _RUNNER_SET:
            continue
        value = _EXAMPLES.get(name, default)
        lines.append(f"# {doc}" + (f"; {_HINTS[name]}" if name in _HINTS else ""))
        lines.append(f"{name}: {_yaml_value(value)}")
    return "\n".join(lines) + "\n"


def _yaml_value(value: Any) -> str:
    try:
        text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True)
    except yaml.YAMLError:
        return "null  # required: fill in"
    return text.strip().removesuffix("...").strip()


def init_project(folder: str | os.PathLike, *, sample: bool = False) -> Path:
    """Scaffold a research project in ``folder`` (new, or an empty folder).

    Parameters
    ----------
    folder : path
        The project folder; created (with its parents) when it does not exist.
    sample : bool
        Also copy the sample studies and their parameter files
        (``clients/sample.yaml``, ``clients/sample_automotive.yaml``).

    Returns
    -------
    Path
        The project folder, absolute.

    Raises
    ------
    ParameterError
        ``folder`` is a file or a folder that is not empty (nothing is overwritten).
    """
    target = Path(folder).expanduser().absolute()
    if target.exists() and not target.is_dir():
        raise ParameterError("a file, not a folder", file=str(target))
    if target.is_dir() and any(target.iterdir()):
        raise ParameterError(
            "the folder is not empty, and cxlab init never overwrites files: "
            "name a new (or empty) folder",
            file=str(target),
        )
    if target.is_dir():  # empty: fill it in place (it may be the working directory)
        try:
            _write_project(target, sample)
        except BaseException:
            for child in target.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
            raise
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _write_project(tmp, sample)
        os.rename(tmp, target)  # fails rather than replace a folder made meanwhile
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _write_project(root: Path, sample: bool) -> None:
    for name in FOLDERS:
        (root / name).mkdir()
    for name in ("data", "codebooks", "reports"):
        (root / name / ".gitkeep").touch()
    (root / "README.md").write_text(_README, encoding="utf-8")
    (root / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
    (root / "clients" / "template.yaml").write_text(parameter_template(), encoding="utf-8")
    _write_explore_notebook(root / "notebooks" / "explore.ipynb", sample)
    if sample:
        for rel in _SAMPLE_PARAMS:
            _copy_sample_client(resource(rel), root)


def _copy_sample_client(params_file: Path, root: Path) -> None:
    """Copy a sample parameter file and its inputs; paths rewritten relative to clients/."""
    values = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    clients = root / "clients"
    for name, value in values.items():
        spec = PARAMETERS.get(name)
        if spec is None or spec[1] != "path" or value is None:
            continue
        source = (params_file.parent / value).resolve()
        dest = root / _DESTINATION.get(name, "data") / source.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            shutil.copyfile(source, dest)
        values[name] = os.path.relpath(dest, clients).replace(os.sep, "/")
    header = (
        f"# The sample client {values.get('client')!r}, copied by `cxlab init --sample`.\n"
        "# Run from the project folder: cxlab report clients/" + params_file.name + "\n"
        "# Relative paths are relative to this file's folder (clients/).\n"
    )
    text = yaml.safe_dump(values, sort_keys=False, allow_unicode=True)
    (clients / params_file.name).write_text(header + text, encoding="utf-8")


def _write_explore_notebook(path: Path, sample: bool) -> None:
    import nbformat

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    own = (
        "# Your client's survey: put it in data/ and its codebook in codebooks/, then:\n"
        '# survey = cxlab.load_survey("../data/survey.csv", '
        '"../codebooks/survey_codebook.yaml")\n'
    )
    if sample:
        load = (
            own + "with warnings.catch_warnings():\n"
            '    warnings.simplefilter("ignore", cxlab.errors.DataQualityWarning)\n'
            '    survey = cxlab.load_survey("../data/banking.csv", '
            '"../codebooks/banking_codebook.yaml")\n'
            "survey"
        )
    else:
        load = own + 'survey = cxlab.datasets.load_sample("banking")  # the sample study\nsurvey'
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md(
            "# Explore a survey\n\n"
            "A first look at a survey the way the framework sees it: customer events, "
            "tactile and emotive performance, personal investment, and one course of "
            "action per event. Paths are relative to this notebook's folder "
            "(`notebooks/`). The full report is `cxlab report clients/<client>.yaml`, "
            "run from the project folder."
        ),
        code(
            "import warnings\n\nimport pandas as pd\n\nimport cxlab\nimport cxlab.datasets\n\n"
            'pd.set_option("display.precision", 2)'
        ),
        code(load),
        md("Data-quality flags (straight-lining, speeders, item non-response):"),
        code('survey.quality[["check", "n_flagged", "share", "detail"]]'),
        md("The customer events, in lifecycle order:"),
        code("survey.events"),
        md("Tactile and emotive performance, personal investment and satisfaction by event:"),
        code(
            "table = survey.event_table()\n"
            'table.groupby("event_id")[["tactile", "emotive", "personal_investment", '
            '"satisfaction"]].mean()'
        ),
        md("One course of action per event (delight, fix, right-size, don't overlook):"),
        code("cxlab.priorities.prioritize(survey, min_base=30)"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, str(path))


_GITIGNORE = """\
# Report runs: re-created by `cxlab report`, and they quote client figures.
reports/*
!reports/.gitkeep
# Survey files hold personal data (names, e-mails, phones, free text): never commit them.
data/*
!data/.gitkeep
*.sav
*.zsav
*.xlsx
# Jupyter and Python leftovers
.ipynb_checkpoints/
__pycache__/
"""

_README = """\
# A cxlab research project

Made by `cxlab init`. One folder per piece of research; cxlab itself is installed
(`pip install cxlab-*.whl` or `conda env create -f environment.yml` from cxlab's
repository), not copied here.

| folder | what goes in it | in git? |
|---|---|---|
| `data/` | the client's survey files (CSV, Qualtrics CSV, .xlsx, SPSS .sav) | no: personal data |
| `codebooks/` | one YAML codebook per survey: maps its columns onto the framework | yes |
| `clients/` | one parameter file per client report (copy `template.yaml`) | yes |
| `reports/` | the report runs `cxlab report` writes | no |
| `notebooks/` | your own analyses; `explore.ipynb` is a start | yes |

## Workflow

1. Put the survey file in `data/` and write its codebook in `codebooks/` (start from
   a sample codebook: `cxlab init --sample` copies two).
2. Look at it in JupyterLab: `jupyter lab notebooks/explore.ipynb`.
3. Copy `clients/template.yaml` to `clients/<client>.yaml` and fill it in. Relative
   paths in it are relative to `clients/` (`../data/survey.csv`).
4. Run the report from this folder:

       cxlab report clients/<client>.yaml

   It writes `reports/<client>/<run-id>/` with `report.html`, the figures, the tables
   (CSV and one workbook) and `manifest.json` (status, parameters, input checksums,
   versions). A run never overwrites an earlier one; a failed run is kept as
   `<run-id>-failed/` with the error and no `report.html`.
5. Many clients at once: `cxlab batch clients/*.yaml --workers 2`;
   `cxlab batch --retry-failed` re-runs the ones that failed.

`--reports-dir DIR` (or `reports_dir:` in a parameter file) sends reports elsewhere.
Personal data named in a codebook never reaches a report.
"""
