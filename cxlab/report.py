"""Client research reports: run the report notebook, export it, record what it found.

One run of ``notebooks/client_report.ipynb`` for one client's parameter file writes
``<reports-dir>/<client>/<run-id>/``::

    client_report.ipynb   the executed notebook
    report.html           the report without code (no CDN links, images inline, alt text)
    figures/*.png         every figure the notebook recorded (alt text in figures.json)
    tables/*.csv          every table it recorded, and tables.xlsx with one sheet each
    key_figures.json      headline numbers (net advocacy, moments of truth, top action...)
    manifest.json         status, timings, parameters, input sha256, versions, error

The folder is written as ``.tmp-*`` and renamed when complete; a run never
overwrites an earlier one. Inside the notebook, :class:`Recorder` writes figures,
tables and key figures into the run folder (it does nothing in a plain Jupyter
session). Batches of clients run in worker processes, locally or on a Dask
cluster (:mod:`cxlab.batch`).

Examples
--------
>>> from cxlab.report import run_report                          # doctest: +SKIP
>>> result = run_report("data/sample/clients/sample.yaml")        # doctest: +SKIP
>>> result.status, result.folder.name                             # doctest: +SKIP
('ok', '20261123T101500Z-3f9a1c')
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import io
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from cxlab.errors import CxlabWarning, ParameterError, ReportError
from cxlab.params import (
    OUTPUT_ENV,
    PARAMETERS,
    REPORTS_ENV,
    ROOT_ENV,
    ReportParams,
    load_params,
    project_root,
)

__all__ = [
    "BatchResult",
    "Inputs",
    "Recorder",
    "RunResult",
    "load_inputs",
    "failed_in_last_batch",
    "key_figures_table",
    "run_batch",
    "export_html",
    "file_sha256",
    "new_run_id",
    "refresh_notebook",
    "run_report",
    "software_versions",
]

NOTEBOOK = Path("notebooks") / "client_report.ipynb"
PACKAGES = (
    "cxlab",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "scikit-learn",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}$")


# --------------------------------------------------------------------- recorder
class Recorder:
    """Write a notebook's figures, tables and key figures into its run folder.

    Parameters
    ----------
    output_dir : path or None
        The run folder (the validated ``output_dir`` parameter). ``None`` (a plain
        Jupyter session or an nbval run): nothing is written, values are only
        passed through and shown.

    Examples
    --------
    >>> rec = Recorder(None)
    >>> rec.record("net_advocacy", 12.5)
    12.5
    """

    def __init__(self, output_dir: str | os.PathLike | None) -> None:
        self.output_dir = None if output_dir is None else Path(output_dir)

    def record(self, name: str, value: Any, *, alt: str | None = None) -> Any:
        """Record ``value`` under ``name`` and return it unchanged.

        A matplotlib Figure goes to ``figures/<name>.png`` (``alt`` is required:
        the report's alt text), a DataFrame to ``tables/<name>.csv``, anything
        else JSON-serialisable to ``key_figures.json``.
        """
        _check_name(name)
        if self.output_dir is None:
            return value
        from matplotlib.figure import Figure

        if isinstance(value, Figure):
            if not alt:
                raise ReportError("every recorded figure needs alt text", location=name)
            folder = self.output_dir / "figures"
            folder.mkdir(parents=True, exist_ok=True)
            value.savefig(folder / f"{name}.png", dpi=150, bbox_inches="tight")
            _merge_json(folder / "figures.json", {name: {"file": f"{name}.png", "alt": alt}})
        elif isinstance(value, pd.DataFrame):
            folder = self.output_dir / "tables"
            folder.mkdir(parents=True, exist_ok=True)
            value.to_csv(folder / f"{name}.csv", index=False)
        else:
            _merge_json(self.output_dir / "key_figures.json", {name: _jsonable(value)})
        return value

    def figure(self, name: str, fig, alt: str):
        """Record ``fig``, close it and return an image display object carrying ``alt``.

        Make it the last expression of a notebook cell (or ``display()`` it): the
        figure shows once, with its alt text in the HTML report and as its text
        repr (which nbval compares).
        """
        from matplotlib import pyplot as plt

        _check_name(name)
        if not alt:
            raise ReportError("every recorded figure needs alt text", location=name)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
        plt.close(fig)
        png = buffer.getvalue()
        if self.output_dir is not None:
            folder = self.output_dir / "figures"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.png").write_bytes(png)
            _merge_json(folder / "figures.json", {name: {"file": f"{name}.png", "alt": alt}})
        width = int.from_bytes(png[16:20], "big")  # PNG IHDR: shown at 100 dpi
        return _alt_image_class()(
            data=png, format="png", width=round(width * 100 / 150), metadata={"alt": alt}
        )

    def table(
        self, name: str, frame: pd.DataFrame, *, decimals: int = 2, index: str | None = None
    ) -> pd.DataFrame:
        """Record ``frame`` and return it for display: rounded, indexed by ``index``
        (default: its first column) so that no meaningless row numbers show."""
        self.record(name, frame)
        shown = frame.round(decimals)
        for col in [c for c in shown.columns if pd.api.types.is_object_dtype(shown[c])]:
            shown[col] = shown[col].map(lambda v: round(v, decimals) if isinstance(v, float) else v)
        return shown.set_index(index or shown.columns[0])


def _alt_image_class():
    """An IPython Image whose text repr is its alt text (what nbval compares)."""
    from IPython.display import Image

    def __repr__(self) -> str:
        return f"<Figure: {self.metadata.get('alt', '')}>"

    return type("FigureImage", (Image,), {"__repr__": __repr__})


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, dict):
        try:
            value = value.item()  # numpy scalar -> Python scalar
        except (ValueError, TypeError):
            pass
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ParameterError(
            "recorded names are lower-case letters, digits, '_' and '-'", location=str(name)
        )


def _merge_json(path: Path, update: dict) -> None:
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data.update(update)
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


# --------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Inputs:
    """Everything a report reads from disk, loaded once from validated parameters.

    Attributes
    ----------
    survey : Survey
        The client's survey, restricted by ``segment_filter``.
    margins : dict or None
        Raking targets ``{variable: {category: share}}`` from ``weighting_targets``.
    costs : DataFrame or None
        Improvement costs (``event_id, cost``) from ``improvement_costs``.
    executive : DataFrame or None
        The executive self-assessment from ``executive_data``.
    filter_text : str or None
        The segment filter in words (for the report).
    """

    survey: Any
    margins: dict | None
    costs: pd.DataFrame | None
    executive: pd.DataFrame | None
    filter_text: str | None


def load_inputs(params: ReportParams) -> Inputs:
    """Read the survey, margins, cost table and executive data named by ``params``.

    Raises
    ------
    ParameterError
        A filter column that does not exist, or a filter that keeps nobody.
    """
    import yaml

    from cxlab.io import load_survey, read_table

    survey = load_survey(params.data_path, params.codebook)
    filter_text = None
    if params.segment_filter:
        survey, filter_text = _apply_filter(survey, params.segment_filter)
    margins = None
    if params.weighting_targets is not None:
        margins = yaml.safe_load(params.weighting_targets.read_text(encoding="utf-8"))
        if not isinstance(margins, dict):
            raise ParameterError(
                "a margins file maps variable: {category: share}",
                file=str(params.weighting_targets),
            )
        if params.segment_filter:
            margins = _restrict_margins(margins, params.segment_filter)
    costs = None
    if params.improvement_costs is not None:
        costs, _ = read_table(params.improvement_costs)
    executive = None
    if params.executive_data is not None:
        from cxlab.cfe import load_executive_survey

        executive = load_executive_survey(params.executive_data)
    return Inputs(survey, margins, costs, executive, filter_text)


def _restrict_margins(margins: dict, segment_filter: dict) -> dict | None:
    """Margins for the filtered respondents: a filtered variable keeps only the kept
    categories, renormalised (dropped when one is left, as it is then met trivially)."""
    out = {}
    for variable, targets in margins.items():
        if variable in segment_filter and isinstance(targets, dict):
            kept = {str(v) for v in segment_filter[variable]}
            targets = {k: v for k, v in targets.items() if str(k) in kept}
            if len(targets) <= 1:
                continue
            total = sum(targets.values())
            targets = {k: v / total for k, v in targets.items()}
        out[variable] = targets
    return out or None


def _apply_filter(survey, segment_filter: dict):
    resp = survey.respondents
    mask = pd.Series(True, index=resp.index)
    words = []
    for column, values in segment_filter.items():
        if column not in resp.columns:
            raise ParameterError(
                f"no respondent column {column!r} to filter on", location=f"segment_filter.{column}"
            )
        col = resp[column]
        if pd.api.types.is_numeric_dtype(col):
            keep = col.isin([float(v) for v in values])
        else:
            keep = col.astype(str).isin([str(v) for v in values])
        mask &= keep
        words.append(f"{column.replace('_', ' ')} = {', '.join(str(v) for v in values)}")
    if not mask.any():
        raise ParameterError("the segment filter keeps no respondent", location="segment_filter")
    return survey.subset(mask.to_numpy()), "respondents with " + "; ".join(words)


# --------------------------------------------------------------------- html
_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" alt="{{ ((output | get_metadata('alt', 'image/png')) or 'Figure') | escape_html }}">
</div>
{%- endblock data_png %}
"""
_REMOTE_RE = re.compile(r"<(script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


def export_html(notebook, title: str | None = None) -> str:
    """HTML report of an executed notebook: no code, no CDN scripts, inline images.

    Code inputs and prompts are excluded, cells tagged ``parameters`` or
    ``injected-parameters`` are dropped, stderr streams (warnings) are left out,
    and every PNG carries the alt text given to :meth:`Recorder.figure`.

    Raises
    ------
    ReportError
        If the result would still load a script or stylesheet from the network.
    """
    import copy

    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    if isinstance(notebook, str | os.PathLike):
        notebook = nbformat.read(str(notebook), as_version=4)
    nb = copy.deepcopy(notebook)
    drop = {"parameters", "injected-parameters", "remove-cell"}
    nb.cells = [c for c in nb.cells if not drop & set(c.get("metadata", {}).get("tags", []))]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")
            ]
    if title:
        nb.metadata["title"] = title
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"cxlab_report.html.j2": _TEMPLATE})],
        template_file="cxlab_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    html, _ = exporter.from_notebook_node(nb)
    if _REMOTE_RE.search(html):
        raise ReportError("the HTML report would load a script or stylesheet from the network")
    return html


# --------------------------------------------------------------------- runs
@dataclass(frozen=True)
class RunResult:
    """The outcome of one client's run (also what a batch collects)."""

    params_file: str
    client: str | None
    status: str  # "ok" or "failed"
    folder: Path | None
    seconds: float
    error: dict | None = None
    key_figures: dict = field(default_factory=dict)

    def as_row(self) -> dict:
        """One row of a batch summary."""
        err = self.error or {}
        return {
            "params_file": self.params_file,
            "client": self.client,
            "status": self.status,
            "folder": None if self.folder is None else str(self.folder),
            "seconds": round(self.seconds, 2),
            "error": err.get("ename"),
            "message": err.get("evalue"),
            "cell": err.get("cell_index"),
        }


def new_run_id(now: _dt.datetime | None = None) -> str:
    """``YYYYmmddTHHMMSSZ-xxxxxxxx``: UTC time plus 32 random bits."""
    now = now or _dt.datetime.now(_dt.UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _kernel_name(requested: str | None) -> str:
    if requested:
        return requested
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if "cxlab" in specs:
        return "cxlab"
    warnings.warn(
        "kernel 'cxlab' is not registered (run `make setup`); using 'python3'",
        CxlabWarning,
        stacklevel=3,
    )
    return "python3"


_ENV_LOCK = threading.Lock()
_ENV_STATE: dict = {"users": 0, "saved": {}}


@contextlib.contextmanager
def _kernel_environment(root: Path, reports_dir: Path):
    """Environment the report kernels inherit, restored afterwards.

    Kernels read ``$CXLAB_ROOT`` (paths resolve from it) and ``$CXLAB_REPORTS_DIR``
    (an ``output_dir`` must lie inside it), and find this cxlab through
    ``$PYTHONPATH``. Reference-counted, so runs in threads of one process (a Dask
    worker) share one setting; they belong to one batch, so the values agree.
    """
    package_parent = str(Path(__file__).resolve().parent.parent)
    with _ENV_LOCK:
        if _ENV_STATE["users"] == 0:
            keys = (ROOT_ENV, REPORTS_ENV, OUTPUT_ENV, "PYTHONPATH")
            _ENV_STATE["saved"] = {k: os.environ.get(k) for k in keys}
            os.environ[ROOT_ENV] = str(root)
            os.environ[REPORTS_ENV] = str(reports_dir)
            os.environ.pop(OUTPUT_ENV, None)
            path = os.environ.get("PYTHONPATH", "")
            if package_parent not in path.split(os.pathsep):
                os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, path) if p)
        _ENV_STATE["users"] += 1
    try:
        yield
    finally:
        with _ENV_LOCK:
            _ENV_STATE["users"] -= 1
            if _ENV_STATE["users"] == 0:
                for key, value in _ENV_STATE["saved"].items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value


def run_report(
    params_file: str | os.PathLike,
    *,
    reports_dir: str | os.PathLike | None = None,
    notebook: str | os.PathLike | None = None,
    kernel_name: str | None = None,
    start_timeout: int = 180,
    execution_timeout: int | None = 1800,
) -> RunResult:
    """Run the report notebook for one client and write its run folder.

    Parameters
    ----------
    params_file : path
        The client's parameter YAML (see :mod:`cxlab.params`).
    reports_dir : path, optional
        Default ``<project root>/reports``.
    notebook : path, optional
        Default ``notebooks/client_report.ipynb`` under the project root.
    kernel_name : str, optional
        Default ``cxlab`` when registered, else ``python3``.
    start_timeout, execution_timeout : int
        Seconds allowed for the kernel to start and for one cell.

    Returns
    -------
    RunResult
        ``status`` is ``"failed"`` (never an exception) when the parameter file is
        invalid or a cell raised; the error (cell index, exception name and value)
        is in ``error`` and, when a run folder was made, in its manifest.
    """
    root = project_root()
    reports = Path(reports_dir).resolve() if reports_dir else root / "reports"
    with _kernel_environment(root, reports):
        return _run(
            params_file, root, reports, notebook, kernel_name, start_timeout, execution_timeout
        )


def _run(params_file, root, reports, notebook, kernel_name, start_timeout, execution_timeout):
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    started_at = _dt.datetime.now(_dt.UTC)
    try:
        params = load_params(params_file)
    except ParameterError as err:
        return RunResult(
            str(params_file),
            None,
            "failed",
            None,
            time.perf_counter() - started,
            error={"ename": "ParameterError", "evalue": str(err), "cell_index": None},
        )
    nb_path = Path(notebook) if notebook else root / NOTEBOOK
    client_dir = reports / params.slug
    client_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(_make_tmp(client_dir))
    injected = {k: v for k, v in params.raw.items() if k in PARAMETERS}
    injected["output_dir"] = str(tmp)
    timings: dict[str, float] = {}
    error = None
    status = "ok"
    executed = tmp / "client_report.ipynb"
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(
            str(nb_path),
            str(executed),
            parameters=injected,
            kernel_name=_kernel_name(kernel_name),
            start_timeout=start_timeout,
            execution_timeout=execution_timeout,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,  # saved once at the end (and on error)
            shutdown_kernel="immediate",
            cwd=None,
        )
    except PapermillExecutionError as err:
        status = "failed"
        error = {
            "cell_index": err.cell_index,
            "exec_count": err.exec_count,
            "ename": err.ename,
            "evalue": _strip_ansi(str(err.evalue))[:2000],
        }
    except Exception as err:  # kernel died, timeout, unreadable notebook
        status = "failed"
        error = {"cell_index": None, "ename": type(err).__name__, "evalue": str(err)[:2000]}
    timings["papermill"] = time.perf_counter() - t0
    cells = _cell_seconds(executed)
    timings["cells"] = cells
    timings["kernel_and_io"] = max(timings["papermill"] - cells, 0.0)
    t1 = time.perf_counter()
    if executed.exists():
        try:
            html = export_html(executed, title=f"{params.client}: customer experience report")
            (tmp / "report.html").write_text(html, encoding="utf-8")
        except Exception as err:  # a failed export fails the run, it does not stop a batch
            status = "failed"
            error = error or {"cell_index": None, "ename": type(err).__name__, "evalue": str(err)}
    timings["nbconvert"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    _write_workbook(tmp)
    timings["tables"] = time.perf_counter() - t2
    key_figures = _read_json(tmp / "key_figures.json")
    timings["total"] = time.perf_counter() - started
    manifest = _manifest(params, params_file, status, error, timings, started_at, nb_path, tmp)
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    final = _publish(tmp, client_dir, manifest)
    return RunResult(
        str(params_file),
        params.client,
        status,
        final,
        time.perf_counter() - started,
        error=error,
        key_figures=key_figures,
    )


def _make_tmp(client_dir: Path) -> str:
    import tempfile

    return tempfile.mkdtemp(prefix=".tmp-", dir=client_dir)


def _publish(tmp: Path, client_dir: Path, manifest: dict) -> Path:
    """Rename the finished folder to its run id; never replace an existing run."""
    for _ in range(20):
        run_id = new_run_id()
        final = client_dir / run_id
        if final.exists():
            continue
        manifest["run_id"] = run_id
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        try:
            os.rename(tmp, final)  # a non-empty folder never replaces an existing run
        except OSError:
            continue
        return final
    raise ReportError(f"could not find a free run id under {client_dir}")


def _cell_seconds(executed: Path) -> float:
    if not executed.exists():
        return 0.0
    nb = json.loads(executed.read_text(encoding="utf-8"))
    total = 0.0
    for cell in nb.get("cells", []):
        duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if isinstance(duration, int | float):
            total += duration
    return total


def _write_workbook(folder: Path) -> None:
    tables = sorted((folder / "tables").glob("*.csv")) if (folder / "tables").exists() else []
    if not tables:
        return
    used: set[str] = set()
    with pd.ExcelWriter(folder / "tables" / "tables.xlsx", engine="openpyxl") as writer:
        for path in tables:
            sheet = path.stem[:31]
            n = 1
            while sheet in used:
                n += 1
                sheet = f"{path.stem[:28]}_{n}"
            used.add(sheet)
            pd.read_csv(path).to_excel(writer, sheet_name=sheet, index=False)


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _git_commit(root: Path) -> dict:
    git = shutil.which("git")
    if not git:
        return {"commit": None, "dirty": None}
    try:
        commit = subprocess.run(
            [git, "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        status = subprocess.run(
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    if commit.returncode != 0:
        return {"commit": None, "dirty": None}
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def software_versions() -> pd.DataFrame:
    """Python and package versions as a table (``package, version``) for the methods appendix."""
    rows = [("python", sys.version.split()[0]), *_versions().items()]
    return pd.DataFrame(rows, columns=["package", "version"])


def _versions() -> dict:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    if out.get("cxlab") is None:
        import cxlab

        out["cxlab"] = getattr(cxlab, "__version__", None)
    return out


def _manifest(
    params: ReportParams,
    params_file,
    status: str,
    error: dict | None,
    timings: dict,
    started_at: _dt.datetime,
    nb_path: Path,
    folder: Path,
) -> dict:
    inputs = {"params_file": {"path": str(params_file), "sha256": file_sha256(params_file)}}
    for name in (
        "data_path",
        "codebook",
        "weighting_targets",
        "improvement_costs",
        "executive_data",
    ):
        path = getattr(params, name)
        if path is not None and Path(path).is_file():
            inputs[name] = {"path": str(path), "sha256": file_sha256(path)}
    inputs["notebook"] = {"path": str(nb_path), "sha256": file_sha256(nb_path)}
    outputs = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )
    versions = _versions()
    return {
        "status": status,
        "client": params.client,
        "run_id": None,
        "started_utc": started_at.isoformat(timespec="seconds"),
        "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "parameters": {k: v for k, v in params.raw.items() if k != "output_dir"},
        "inputs": inputs,
        "outputs": outputs,
        "error": error,
        "cxlab_version": versions["cxlab"],
        "git": _git_commit(params.root),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
    }


def refresh_notebook(path: str | os.PathLike, *, kernel_name: str | None = None) -> Path:
    """Re-execute a committed notebook in place with its default parameters.

    This is how the stored outputs that nbval compares against are regenerated
    (``python -c "from cxlab.report import refresh_notebook as r; r('notebooks/x.ipynb')"``).
    Runs in the notebook's folder like nbval does, records nothing, and keeps
    execution counts.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path).resolve()
    root = project_root(path.parent)
    nb = nbformat.read(str(path), as_version=4)
    with _kernel_environment(root, root / "reports"):
        NotebookClient(
            nb,
            kernel_name=_kernel_name(kernel_name),
            timeout=1800,
            startup_timeout=300,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, str(path))
    return path


# --------------------------------------------------------------------- batches
@dataclass(frozen=True)
class BatchResult:
    """A batch of client runs: one summary row per parameter file."""

    table: pd.DataFrame
    key_figures: pd.DataFrame
    folder: Path

    @property
    def ok(self) -> bool:
        """True when every client's report completed."""
        return bool((self.table["status"] == "ok").all())

    def summary(self) -> pd.DataFrame:
        """Client, status, seconds and (for failures) the error and failing cell."""
        return self.table[["client", "params_file", "status", "seconds", "cell", "error"]]

    def plot(self, ax=None):
        """Net advocacy per client with its interval (see :func:`plot_key_figures`)."""
        return plot_key_figures(self.key_figures, ax=ax)


def _run_one(job: tuple) -> dict:
    """Worker entry point (a top-level function, so processes can pickle it)."""
    params_file, reports_dir, kernel_name, start_timeout = job
    result = run_report(
        params_file, reports_dir=reports_dir, kernel_name=kernel_name, start_timeout=start_timeout
    )
    return {"row": result.as_row(), "key_figures": result.key_figures}


def run_batch(
    params_files: list[str | os.PathLike],
    *,
    workers: int = 2,
    reports_dir: str | os.PathLike | None = None,
    scheduler: str | None = None,
    kernel_name: str | None = None,
    start_timeout: int = 300,
    progress: bool = True,
) -> BatchResult:
    """Run many clients' reports in parallel worker processes (or on a Dask cluster).

    A failing client does not stop the others; its row carries the error and the
    failing cell. The batch summary (``summary.csv``, ``summary.json``), the
    cross-client key figures (``key_figures.csv``) and their chart
    (``key_figures.png``) go to ``<reports-dir>/_batches/<batch-id>/``.

    Parameters
    ----------
    params_files : list of paths
    workers : int
        Local worker processes (ignored with ``scheduler``).
    scheduler : str, optional
        Address of a running Dask distributed scheduler, e.g. ``tcp://10.0.0.5:8786``.
        Workers must see the same project folder and reports folder.
    """
    import concurrent.futures as cf
    import multiprocessing

    from tqdm.auto import tqdm

    if not params_files:
        raise ParameterError("no parameter files given")
    root = project_root()
    reports = Path(reports_dir).resolve() if reports_dir else root / "reports"
    files = [str(Path(f).resolve()) for f in params_files]
    jobs = [(f, str(reports), kernel_name, start_timeout) for f in files]
    results: dict[str, dict] = {}
    bar = tqdm(total=len(jobs), desc="client reports", unit="report", disable=not progress)
    if scheduler:
        from distributed import Client, as_completed

        with Client(scheduler, timeout="60s") as client:
            futures = client.map(_run_one, jobs, pure=False)
            index = {fut.key: job[0] for fut, job in zip(futures, jobs, strict=True)}
            for fut in as_completed(futures):
                results[index[fut.key]] = _collect(fut, index[fut.key])
                bar.update()
    else:
        context = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context) as pool:
            futures = {pool.submit(_run_one, job): job[0] for job in jobs}
            for fut in cf.as_completed(futures):
                results[futures[fut]] = _collect(fut, futures[fut])
                bar.update()
    bar.close()
    rows = [results[f]["row"] for f in files]
    table = pd.DataFrame(rows)
    figures = key_figures_table(
        {
            r["client"] or r["params_file"]: results[f]["key_figures"]
            for f, r in zip(files, rows, strict=True)
        }
    )
    folder = _write_batch(reports, table, figures)
    return BatchResult(table, figures, folder)


def _collect(future, params_file: str) -> dict:
    try:
        return future.result()
    except Exception as err:  # the worker process itself died
        row = RunResult(
            params_file,
            None,
            "failed",
            None,
            0.0,
            error={"ename": type(err).__name__, "evalue": str(err), "cell_index": None},
        ).as_row()
        return {"row": row, "key_figures": {}}


def key_figures_table(by_client: dict[str, dict]) -> pd.DataFrame:
    """One row per client from the key figures each run recorded.

    Columns: ``client``, ``net_advocacy``, ``net_advocacy_low``, ``net_advocacy_high``,
    ``moments_of_truth``, ``top_action``, ``top_event`` (missing figures are NaN).
    """
    rows = []
    for client, figs in by_client.items():
        ci = figs.get("net_advocacy_ci") or [None, None]
        rows.append(
            {
                "client": client,
                "net_advocacy": figs.get("net_advocacy"),
                "net_advocacy_low": ci[0],
                "net_advocacy_high": ci[1],
                "moments_of_truth": figs.get("moments_of_truth"),
                "top_action": figs.get("top_action"),
                "top_event": figs.get("top_event"),
            }
        )
    table = pd.DataFrame(rows)
    for col in ("net_advocacy", "net_advocacy_low", "net_advocacy_high", "moments_of_truth"):
        table[col] = pd.to_numeric(table[col], errors="coerce")
    return table


def plot_key_figures(table: pd.DataFrame, ax=None):
    """Horizontal bars of net advocacy per client with interval whiskers; each label
    also names the client's number of moments of truth and top action."""
    import matplotlib.pyplot as plt
    import numpy as np

    data = table.dropna(subset=["net_advocacy"]).sort_values("net_advocacy")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.6 * max(len(data), 2) + 1.5))
    y = np.arange(len(data))
    ax.barh(y, data["net_advocacy"], color="#0072B2", height=0.6)
    if data["net_advocacy_low"].notna().any():
        lo = (data["net_advocacy"] - data["net_advocacy_low"]).to_numpy()
        hi = (data["net_advocacy_high"] - data["net_advocacy"]).to_numpy()
        ax.errorbar(data["net_advocacy"], y, xerr=[lo, hi], fmt="none", ecolor="#333333", capsize=3)
    labels = []
    for _, row in data.iterrows():
        detail = []
        if pd.notna(row.get("moments_of_truth")):
            detail.append(f"{int(row['moments_of_truth'])} moments of truth")
        if isinstance(row.get("top_action"), str):
            event = str(row.get("top_event") or "")
            event = event if len(event) <= 30 else event[:29] + "…"
            detail.append(f"top: {row['top_action']} {event}".strip())
        labels.append(str(row["client"]) + ("\n" + "; ".join(detail) if detail else ""))
    ax.set_yticks(y, labels, fontsize=9)
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_xlabel("Net advocacy (% advocates minus % antagonists and agitators)")
    ax.set_title("Net advocacy by client (95% interval)")
    return ax


def _write_batch(reports: Path, table: pd.DataFrame, figures: pd.DataFrame) -> Path:
    from matplotlib.figure import Figure

    folder = reports / "_batches" / new_run_id()
    folder.mkdir(parents=True, exist_ok=False)
    table.to_csv(folder / "summary.csv", index=False)
    summary = {
        "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "runs": json.loads(table.to_json(orient="records")),
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    figures.to_csv(folder / "key_figures.csv", index=False)
    if figures["net_advocacy"].notna().any():
        fig = Figure(figsize=(8, 0.6 * max(len(figures), 2) + 1.5))  # no pyplot state
        plot_key_figures(figures, ax=fig.subplots())
        fig.savefig(folder / "key_figures.png", dpi=150, bbox_inches="tight")
    return folder


def failed_in_last_batch(reports_dir: str | os.PathLike | None = None) -> list[str]:
    """Parameter files of the clients that failed in the most recent batch."""
    reports = Path(reports_dir).resolve() if reports_dir else project_root() / "reports"
    batches = [p / "summary.json" for p in (reports / "_batches").glob("*")]
    batches = [p for p in batches if p.exists()]
    if not batches:
        raise ReportError(f"no earlier batch summary under {reports / '_batches'}")
    latest = max(batches, key=lambda p: p.stat().st_mtime_ns)
    summary = json.loads(latest.read_text(encoding="utf-8"))
    return [run["params_file"] for run in summary["runs"] if run["status"] != "ok"]
