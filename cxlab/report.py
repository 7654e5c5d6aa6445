"""Client research reports: run the report notebook, export it, record what it found.

One run of ``notebooks/client_report.ipynb`` for one client's parameter file writes
``<reports-dir>/<client>/<run-id>/``::

    client_report.ipynb   the executed notebook
    report.html           the report without code (no CDN links, images inline, alt text)
    report.pptx           with --formats pptx: the slide deck (cxlab.deck)
    report.pdf            with --formats pdf: printed from report.html (cxlab.pdf)
    storyline.json        each section's headline, note and evidence (for the deck)
    figures/*.png         every figure the notebook recorded (alt text in figures.json;
                          300 dpi copies in figures/hires/)
    tables/*.csv          every table it recorded, and tables.xlsx with one sheet each
    key_figures.json      headline numbers (net advocacy, moments of truth, top action...)
    manifest.json         status, timings, parameters, input sha256, versions, error,
                          and every deliverable (report.html/.pptx/.pdf) with its sha256

Deliverables besides ``report.html`` are asked for with ``formats`` (``cxlab report
--formats html,pptx,pdf`` or the ``formats`` parameter): they are built from what the
notebook recorded, after it ran and inside the temporary folder, so a deliverable
that fails fails the run like any other error (``-failed``, no report files).

The folder is written as ``.tmp-*`` and renamed when complete; a run never
overwrites an earlier one. A failed run is published as ``<run-id>-failed/`` with
the executed (partial) notebook and ``manifest.json`` (status, failing cell, error)
but **no** ``report.html``, so it cannot be mistaken for a finished report. Inside the notebook, :class:`cxlab.recorder.Recorder` writes figures,
tables and key figures into the run folder (it does nothing in a plain Jupyter
session). Batches of clients run in worker processes, locally or on a Dask
cluster: see :mod:`cxlab.batch`.

Where things are: the parameter file's relative paths resolve from its folder and
reach the notebook as absolute paths; the reports folder is ``--reports-dir``, else
the file's ``reports_dir``, else ``./reports`` of the working directory (see
:mod:`cxlab.params`); the notebook is the checkout's ``notebooks/client_report.ipynb``
or the copy an installed cxlab ships; the kernel is the Python running cxlab unless
a registered kernel is named. The manifest records all four (``paths_relative_to``,
``reports_dir``, ``inputs.notebook``, ``kernel``).

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
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from cxlab._progress import show_progress
from cxlab._runs import ignore_signals, new_run_id, owner, process_started, publish_by_rename
from cxlab.errors import CxlabError, ModelError, ParameterError, ReportError
from cxlab.params import (
    FORMATS,
    KINDS,
    OUTPUT_ENV,
    OWNER_MARKER,
    REPORTS_ENV,
    ROOT_ENV,
    ReportParams,
    load_params,
    notebook_values,
    parse_formats,
    project_root,
    reports_root,
)
from cxlab.recorder import HIRES_ENV, export_html
from cxlab.resources import checkout_root, resource

__all__ = [
    "Interrupted",
    "stop_on_signals",
    "remove_stale_runs",
    "end_child_processes",
    "Inputs",
    "RunResult",
    "analyse",
    "apply_segment_filter",
    "load_inputs",
    "read_margins",
    "restrict_margins",
    "file_sha256",
    "new_run_id",
    "refresh_notebook",
    "write_reference_notebook",
    "run_report",
    "software_versions",
]

NOTEBOOK = "notebooks/client_report.ipynb"  # relative to cxlab's shipped files
TITLES = {"client": "customer experience report", "tracking": "customer experience tracking report"}
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
    initiatives : cxlab.initiatives.Initiatives or None
        The client's initiatives from ``initiatives`` (checked against the survey's
        events), for the roadmap.
    """

    survey: Any
    margins: dict | None
    costs: pd.DataFrame | None
    executive: pd.DataFrame | None
    filter_text: str | None
    initiatives: Any = None


def load_inputs(params: ReportParams) -> Inputs:
    """Read the survey, margins, cost table, executive data and initiatives named by ``params``.

    Parameters
    ----------
    params : cxlab.params.ReportParams
        The validated report parameters.

    Raises
    ------
    ParameterError
        A filter column that does not exist, or a filter that keeps nobody.
    """

    from cxlab.io import load_survey, read_table

    survey = load_survey(params.data_path, params.codebook)
    filter_text = None
    if params.segment_filter:
        survey, filter_text = apply_segment_filter(survey, params.segment_filter)
    margins = None
    if params.weighting_targets is not None:
        margins = read_margins(params.weighting_targets)
        if params.segment_filter:
            margins = restrict_margins(margins, params.segment_filter)
    costs = None
    if params.improvement_costs is not None:
        costs, _ = read_table(params.improvement_costs)
    executive = None
    if params.executive_data is not None:
        from cxlab.cfe import load_executive_survey

        executive = load_executive_survey(params.executive_data)
    initiatives = None
    if getattr(params, "initiatives", None) is not None:
        from cxlab.initiatives import load_initiatives

        initiatives = load_initiatives(params.initiatives, events=survey)
    return Inputs(survey, margins, costs, executive, filter_text, initiatives)


def analyse(inputs: Inputs, params: ReportParams, **kwargs):
    """Plan the report's sections and run their analyses: :func:`cxlab.analysis.analyse`.

    Returns a :class:`cxlab.analysis.ReportResults` (the section plan and every result).

    Parameters
    ----------
    inputs : cxlab.report.Inputs
        The inputs read by :func:`cxlab.report.load_inputs`.
    params : cxlab.params.ReportParams
        The validated report parameters.
    kwargs : dict
        Passed on.
    """
    from cxlab.analysis import analyse as _analyse

    return _analyse(inputs, params, **kwargs)


def read_margins(path: str | os.PathLike) -> dict:
    """Read a weighting-targets YAML file: ``{variable: {category: share}}``.

    Parameters
    ----------
    path : str or path-like
        The file.

    Raises
    ------
    ParameterError
        The file is not readable YAML, not a mapping of mappings, a share is not a
        number (e.g. ``forty``), or the targets break a rule of
        :func:`cxlab.weighting.check_margins` (shares not summing to 1, negative
        shares...); the message names the file and the variable.

    Examples
    --------
    >>> from cxlab.report import read_margins
    >>> from cxlab.datasets import sample_files
    >>> margins = read_margins(sample_files("banking")["weighting_targets"])
    >>> round(sum(margins["country"].values()), 6)
    1.0
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as err:
        raise ParameterError(
            f"cannot read the margins file ({type(err).__name__})", file=str(path)
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        loc = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise ParameterError(
            f"not valid YAML: {getattr(err, 'problem', None) or type(err).__name__}",
            file=str(path),
            location=loc,
        ) from None
    if not isinstance(data, dict) or not data:
        raise ParameterError("a margins file maps variable: {category: share}", file=str(path))
    out = {}
    for variable, targets in data.items():
        if not isinstance(targets, dict) or not targets:
            raise ParameterError(
                "each variable maps category: share", file=str(path), location=str(variable)
            )
        clean = {}
        for category, share in targets.items():
            if isinstance(share, bool) or not isinstance(share, int | float):
                raise ParameterError(
                    f"the share of category {category!r} is {share!r}, not a number",
                    file=str(path),
                    location=f"{variable}.{category}",
                )
            clean[category] = float(share)
        out[variable] = clean
    from cxlab.weighting import check_margins

    try:
        check_margins(out)  # the rules rake applies: shares sum to 1, none negative...
    except ModelError as err:
        col = err.column if isinstance(err.column, str) else None
        raise ParameterError(err.rule, file=str(path), location=col) from None
    return out


def restrict_margins(margins: dict, segment_filter: dict) -> dict | None:
    """Margins for the filtered respondents: a filtered variable keeps only the kept
    categories, renormalised (dropped when one is left, as it is then met trivially).

    Parameters
    ----------
    margins : dict
        Weighting targets: variable -> {category: share}.
    segment_filter : dict
        Respondent column -> the values to keep.
    """
    out = {}
    for variable, targets in margins.items():
        if variable in segment_filter and isinstance(targets, dict):
            kept = {str(v) for v in segment_filter[variable]}
            targets = {k: v for k, v in targets.items() if str(k) in kept}
            if len(targets) <= 1:
                continue
            total = sum(targets.values())
            if not total > 0:
                raise ParameterError(
                    "the weighting targets give the filtered categories no population share",
                    location=f"weighting_targets.{variable}",
                )
            targets = {k: v / total for k, v in targets.items()}
        out[variable] = targets
    return out or None


def apply_segment_filter(survey, segment_filter: dict):
    """``(survey restricted to the respondents the filter keeps, the filter in words)``.

    Parameters
    ----------
    survey : cxlab.survey.Survey
        The survey.
    segment_filter : dict
        Respondent column -> the values to keep.

    Raises
    ------
    ParameterError
        A filter column that does not exist, or a filter that keeps nobody.
    """
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


# the earlier private names, for code written against them
_apply_filter = apply_segment_filter
_restrict_margins = restrict_margins


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


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes.

    Parameters
    ----------
    path : str or path-like
        The file.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _kernel(requested: str | None, env: dict[str, str]) -> tuple[str, type, list[str]]:
    """The kernel a report runs in: ``(name, kernel-manager class, argv)``.

    By default the Python running cxlab (ipykernel's own spec for ``sys.executable``),
    so an installed cxlab needs no registered kernel and always runs the report with
    the cxlab and packages it was installed with; ``requested`` names a registered
    Jupyter kernel instead (``--kernel``). ``env`` is added to the kernel's
    environment only: nothing in this process's ``os.environ`` changes, so runs in
    threads of one process (a Dask worker) each get their own.
    """
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
    from jupyter_client.manager import AsyncKernelManager

    if requested:
        try:
            spec = KernelSpecManager().get_kernel_spec(requested)
        except NoSuchKernel as err:
            raise ReportError(
                f"no Jupyter kernel named {requested!r} (registered: "
                f"{', '.join(sorted(KernelSpecManager().find_kernel_specs())) or 'none'}); "
                "leave out --kernel to use this Python"
            ) from err
        name = requested
    else:
        from ipykernel.kernelspec import RESOURCES, get_kernel_dict

        spec = KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())
        spec.display_name = "Python (cxlab)"
        name = "python3"
    spec.env = {**spec.env, **env}

    class RunKernelManager(AsyncKernelManager):
        """Starts exactly ``spec`` (with the run's environment)."""

        @property
        def kernel_spec(self):
            return spec

    return name, RunKernelManager, list(spec.argv)


def _kernel_env(root: Path, reports_dir: Path, hires: bool = False) -> dict[str, str]:
    """What the report kernel adds to its environment: ``$CXLAB_ROOT`` (the notebook's
    default paths resolve from it), ``$CXLAB_REPORTS_DIR`` (an ``output_dir`` must lie
    inside it), no inherited ``$CXLAB_OUTPUT_DIR``, ``$CXLAB_HIRES_FIGURES`` ("1" when
    the run makes a deck: the recorder then also saves 300 dpi figures), and, from a
    checkout, the checkout first on ``$PYTHONPATH`` so the kernel imports this very cxlab."""
    env = {ROOT_ENV: str(root), REPORTS_ENV: str(reports_dir), OUTPUT_ENV: ""}
    env[HIRES_ENV] = "1" if hires else ""
    checkout = checkout_root()
    if checkout is not None:
        path = os.environ.get("PYTHONPATH", "")
        if str(checkout) not in path.split(os.pathsep):
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(checkout), path) if p)
    return env


def run_report(
    params_file: str | os.PathLike,
    *,
    reports_dir: str | os.PathLike | None = None,
    formats: str | list | tuple | None = None,
    template: str | os.PathLike | None = None,
    notebook: str | os.PathLike | None = None,
    kernel_name: str | None = None,
    start_timeout: int = 180,
    execution_timeout: int | None = 1800,
    kind: str | None = None,
) -> RunResult:
    """Run the report notebook for one client and write its run folder.

    Parameters
    ----------
    params_file : path
        The client's parameter YAML (see :mod:`cxlab.params`).
    reports_dir : path, optional
        Where the run folder goes; default the file's ``reports_dir`` parameter
        (relative to the file), else ``./reports`` of the working directory.
    formats : str or list, optional
        Deliverables, e.g. ``"html,pptx,pdf"`` (html is always written); default the
        file's ``formats`` parameter, else html only.
    template : path, optional
        PowerPoint template of the deck; default the file's ``template`` parameter
        (relative to the file), else the built-in design.
    notebook : path, optional
        Default ``notebooks/client_report.ipynb`` of the checkout, or the copy an
        installed cxlab ships (:func:`cxlab.resources.resource`).
    kernel_name : str, optional
        A registered Jupyter kernel; default the Python running cxlab.
    start_timeout, execution_timeout : int
        Seconds allowed for the kernel to start and for one cell.
    kind : {"client", "tracking"}, optional
        The report (``cxlab report --kind``); default the file's ``kind:`` parameter,
        else the client report. The tracking report runs
        ``notebooks/tracking_report.ipynb`` (:mod:`cxlab.trackingreport`).

    Returns
    -------
    RunResult
        ``status`` is ``"failed"`` (never an exception) when the parameter file is
        invalid, a cell raised, or the HTML export, workbook or publishing failed;
        the error (cell index, exception name and value) is in ``error`` and, when a
        run folder was made, in its manifest. A failed run's folder is named
        ``<run-id>-failed`` and holds the executed notebook and the manifest but no
        ``report.html``; its ``key_figures`` are empty (never used by a batch).
    """
    started = time.perf_counter()
    started_at = _dt.datetime.now(_dt.UTC)
    try:
        params = load_params(params_file, kind=kind)
        nb_path = Path(notebook) if notebook else resource(KINDS[params.kind])
        wanted = (
            getattr(params, "formats", ("html",))
            if formats is None
            else parse_formats(formats, location="--formats")
        )
        deck_template = (
            getattr(params, "template", None) if template is None else _template_path(template)
        )
        if params.kind != "client" and (set(wanted) != {"html"} or deck_template is not None):
            raise ParameterError(
                f"a {params.kind} report is written as report.html only (--formats and "
                "--template are for client reports)",
                location="--formats",
            )
    except CxlabError as err:
        return RunResult(
            str(params_file),
            None,
            "failed",
            None,
            time.perf_counter() - started,
            error={"ename": type(err).__name__, "evalue": str(err), "cell_index": None},
        )
    reports = Path(reports_dir).resolve() if reports_dir else params.reports_dir
    root = project_root()
    try:
        client_dir = _client_folder(reports, params.slug)
    except ReportError as err:
        return RunResult(
            str(params_file),
            params.client,
            "failed",
            None,
            time.perf_counter() - started,
            error={"ename": "ReportError", "evalue": str(err), "cell_index": None},
        )
    tmp = Path(_make_tmp(client_dir))
    since = time.time()
    try:
        return _execute_and_publish(
            params,
            params_file,
            nb_path,
            client_dir,
            tmp,
            root,
            reports,
            kernel_name,
            start_timeout,
            execution_timeout,
            started,
            started_at,
            wanted,
            deck_template,
        )
    except BaseException as err:  # interrupted (SIGINT, SIGTERM): end the kernel, keep a record
        if isinstance(err, Exception):
            raise
        ignore_signals()  # a second Ctrl-C must not cut the clean-up short
        end_child_processes(since)
        err.folder = _publish_interrupted(tmp, client_dir, params, err)
        err.client = params.client
        raise


def _client_folder(reports: Path, slug: str) -> Path:
    """``reports/<slug>``, refused when its real path leaves the reports folder (a
    symlink to elsewhere)."""
    reports.mkdir(parents=True, exist_ok=True)
    base = reports.resolve()
    folder = reports / slug
    real = folder.resolve()
    if not real.is_relative_to(base) or real == base:
        raise ReportError(
            f"{folder} leads to {real}, outside the reports folder {base} (a symbolic link?); "
            "a run only writes inside the reports folder"
        )
    real.mkdir(parents=True, exist_ok=True)
    return real


def _publish_interrupted(tmp: Path, client_dir: Path, params, err: BaseException) -> Path | None:
    """The record of an interrupted run: ``<run-id>-failed`` with its manifest (or,
    when even that fails, no folder at all); returns the folder."""
    if not tmp.exists():
        return None
    reason = str(err) or type(err).__name__
    error = {
        "cell_index": None,
        "ename": "Interrupted",
        "evalue": f"the run was interrupted ({reason}) before it finished",
    }
    manifest = {"status": "failed", "client": params.client, "run_id": None, "error": error}
    try:
        (tmp / OWNER_MARKER).unlink(missing_ok=True)
        return _publish(tmp, client_dir, manifest, suffix="-failed")
    except BaseException:  # noqa: BLE001 - never leave a half-written folder behind
        shutil.rmtree(tmp, ignore_errors=True)
        return None


def _execute(nb_path, executed, injected, kernel, start_timeout, execution_timeout):
    """papermill in a worker thread, so that this thread keeps receiving signals
    (nbclient replaces the SIGINT/SIGTERM handlers of the main thread while it runs,
    which made a running report ignore Ctrl-C)."""
    import papermill as pm

    outcome: dict = {}

    def target():
        try:
            pm.execute_notebook(
                str(nb_path),
                str(executed),
                parameters=injected,
                kernel_name=kernel[0],
                kernel_manager_class=kernel[1],
                start_timeout=start_timeout,
                execution_timeout=execution_timeout,
                # cells done, in the terminal only (not from cxlab batch's workers)
                progress_bar=show_progress() and multiprocessing.parent_process() is None,
                log_output=False,
                request_save_on_cell_execute=False,  # saved once at the end (and on error)
                shutdown_kernel="immediate",
                cwd=None,
            )
        except BaseException as err:  # noqa: BLE001 - handed to the calling thread
            outcome["error"] = err

    thread = threading.Thread(target=target, name="cxlab-papermill", daemon=True)
    since = time.time()
    thread.start()
    try:
        _prefetch_export_modules()
        while thread.is_alive():
            thread.join(0.2)
    except BaseException:
        end_child_processes(since)  # the kernel: the papermill thread then ends too
        thread.join(30)
        raise
    if "error" in outcome:
        raise outcome["error"]


def _prefetch_export_modules() -> None:
    """Import what the HTML export and the workbook need (about 1 s) while the kernel
    runs the notebook: this process only waits for it then."""
    with contextlib.suppress(ImportError):
        import openpyxl  # noqa: F401
        from nbconvert import HTMLExporter  # noqa: F401


def _execute_and_publish(
    params,
    params_file,
    nb_path,
    client_dir,
    tmp,
    root,
    reports,
    kernel_name,
    start_timeout,
    execution_timeout,
    started,
    started_at,
    wanted,
    deck_template,
):
    from papermill.exceptions import PapermillExecutionError

    injected = notebook_values(params)  # input paths absolute: the kernel resolves nothing
    injected["output_dir"] = str(tmp)
    timings: dict[str, float] = {}
    error = None
    status = "ok"
    executed = tmp / Path(KINDS[params.kind]).name
    t0 = time.perf_counter()
    kernel = {"name": kernel_name, "argv0": None}
    try:
        name, manager, argv = _kernel(kernel_name, _kernel_env(root, reports, "pptx" in wanted))
        kernel = {"name": name, "argv0": argv[0] if argv else None}
        _execute(
            nb_path,
            executed,
            injected,
            (name, manager),
            start_timeout,
            execution_timeout,
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
    t2 = time.perf_counter()
    try:
        _write_workbook(tmp)
    except Exception as err:  # an incomplete folder fails the run, it does not stop a batch
        status = "failed"
        error = error or _error(err)
    timings["tables"] = time.perf_counter() - t2
    t1 = time.perf_counter()
    if status == "ok":  # a failed run gets no report.html: it must not look finished
        try:
            html = export_html(executed, title=f"{params.client}: {TITLES[params.kind]}")
            (tmp / "report.html").write_text(html, encoding="utf-8")
        except Exception as err:
            status = "failed"
            error = _error(err)
            (tmp / "report.html").unlink(missing_ok=True)
    timings["nbconvert"] = time.perf_counter() - t1
    if status == "ok" and len(wanted) > 1:
        status, error = _deliverables(tmp, params, wanted, deck_template, started_at, timings)
    key_figures = {}
    if status == "ok":
        try:
            key_figures = _read_json(tmp / "key_figures.json")
        except (OSError, ValueError) as err:
            status, error = "failed", _error(err)
    timings["total"] = time.perf_counter() - started
    (tmp / OWNER_MARKER).unlink(missing_ok=True)
    try:
        manifest = _manifest(params, params_file, status, error, timings, started_at, nb_path, tmp)
        manifest["reports_dir"] = str(reports)
        manifest["kernel"] = kernel
        manifest["formats"] = list(wanted)
        manifest["template"] = None if deck_template is None else str(deck_template)
        manifest["deliverables"] = {
            name: {"sha256": file_sha256(tmp / name), "bytes": (tmp / name).stat().st_size}
            for name in (f"report.{fmt}" for fmt in wanted)
            if (tmp / name).is_file()
        }
    except Exception as err:  # e.g. an input file vanished: keep the essentials
        status, error = "failed", error or _error(err)
        manifest = {"status": status, "client": params.client, "run_id": None, "error": error}
    try:
        final = _publish(tmp, client_dir, manifest, suffix="" if status == "ok" else "-failed")
    except Exception as err:  # left as .tmp-*: never looks like a finished run
        status, error = "failed", error or _error(err)
        manifest.update(status=status, error=error, publish_error=_error(err))
        with contextlib.suppress(OSError):
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        final, key_figures = tmp, {}
    return RunResult(
        str(params_file),
        params.client,
        status,
        final,
        time.perf_counter() - started,
        error=error,
        key_figures=key_figures if status == "ok" else {},
    )


def _template_path(value: str | os.PathLike) -> Path:
    path = Path(value).expanduser().resolve()
    if not path.is_file() or path.suffix.lower() != ".pptx":
        raise ParameterError(
            f"the deck template must be an existing .pptx file: {path}", location="--template"
        )
    return path


def _deliverables(
    folder: Path,
    params: ReportParams,
    formats: tuple[str, ...],
    template: Path | None,
    started_at: _dt.datetime,
    timings: dict,
) -> tuple[str, dict | None]:
    """Build the deck and the PDF in the (temporary) run folder. A failure fails the
    run: every ``report.*`` is removed, so the ``-failed`` folder cannot pass for a
    finished report."""
    from cxlab.deck import build_deck
    from cxlab.pdf import print_pdf

    title = f"{params.client}: customer experience report"
    stage = None
    try:
        if "pptx" in formats:
            stage, t = "report.pptx", time.perf_counter()
            build_deck(folder, folder / "report.pptx", template=template, run_date=started_at)
            timings["pptx"] = time.perf_counter() - t
        if "pdf" in formats:
            stage, t = "report.pdf", time.perf_counter()
            print_pdf(folder / "report.html", folder / "report.pdf", title=title,
                      run_date=started_at.date())  # fmt: skip
            timings["pdf"] = time.perf_counter() - t
    except Exception as err:
        for fmt in FORMATS:
            (folder / f"report.{fmt}").unlink(missing_ok=True)
        return "failed", {**_error(err), "stage": stage}
    return "ok", None


def _error(err: BaseException) -> dict:
    return {"cell_index": None, "ename": type(err).__name__, "evalue": str(err)[:2000]}


def _make_tmp(client_dir: Path) -> str:
    """A fresh ``.tmp-*`` folder holding its owner (pid, host); stale ones of killed
    runs are removed first."""
    import tempfile

    remove_stale_runs(client_dir)
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=client_dir)
    (Path(tmp) / OWNER_MARKER).write_text(json.dumps(owner()), encoding="utf-8")
    return tmp


def _owner_alive(owner: dict) -> bool:
    """True unless the owner provably ended: same host and no live process with its
    pid (or a live one started later, i.e. a reused pid)."""
    if owner.get("host") != socket.gethostname() or not isinstance(owner.get("pid"), int):
        return True  # another machine's run, or no record: cannot prove it dead
    pid = owner["pid"]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    started, now = owner.get("started"), process_started(pid)
    if started is not None and now is not None and now > started + 1.0:
        return False  # the pid was reused by a newer process
    return True


def remove_stale_runs(folder: str | os.PathLike) -> list[Path]:
    """Remove the ``.tmp-*`` folders under ``folder`` left by runs that were killed.

    Only folders whose recorded owner (pid and host, written when the folder was
    made) is provably dead are removed: same host, no live process with that pid.
    Folders of live runs, of other hosts, or without an owner record are kept.

    Parameters
    ----------
    folder : str or path-like
        The folder.

    Returns
    -------
    list of Path
        The folders removed.

    Examples
    --------
    >>> from cxlab.report import remove_stale_runs
    >>> import tempfile
    >>> remove_stale_runs(tempfile.mkdtemp())
    []
    """
    removed = []
    for tmp in sorted(Path(folder).glob(".tmp-*")):
        marker = tmp / OWNER_MARKER
        if not tmp.is_dir() or tmp.is_symlink() or not marker.is_file():
            continue
        try:
            owner = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(owner, dict) and not _owner_alive(owner):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def end_child_processes(since: float | None = None, timeout: float = 5.0) -> None:
    """Terminate the descendant processes of this one (report kernels), then kill
    those still alive after ``timeout`` seconds.

    Parameters
    ----------
    since : float, optional
        Only processes started at or after this time (seconds since the epoch), e.g.
        the kernel of the run that started then; default every descendant.
    timeout : float
    """
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        return
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    if since is not None:
        kept = []
        for child in children:
            with contextlib.suppress(psutil.Error):
                if child.create_time() >= since - 0.5:
                    kept.append(child)
        children = kept
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=timeout)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(alive, timeout=timeout)


class Interrupted(KeyboardInterrupt):
    """A run or batch stopped by SIGINT or SIGTERM (the signal's name is the message)."""


def _raise_interrupted(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


@contextlib.contextmanager
def stop_on_signals():
    """Turn SIGINT and SIGTERM into :class:`Interrupted` while the block runs (main
    thread only), so runs end their kernels and publish what they have."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in saved:
        signal.signal(sig, _raise_interrupted)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _publish(tmp: Path, client_dir: Path, manifest: dict, suffix: str = "") -> Path:
    """Rename the finished folder to its run id (plus ``suffix``, ``-failed`` for a
    failed run); never replace an existing run (:func:`cxlab._runs.publish_by_rename`)."""

    def write_manifest(run_id: str) -> None:
        manifest["run_id"] = run_id
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")

    return publish_by_rename(tmp, client_dir, write_manifest, suffix, new_id=lambda: new_run_id())


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


def _git_commit(root: Path | None) -> dict:
    git = shutil.which("git")
    if not git or root is None:
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
        "initiatives",
    ):
        path = getattr(params, name, None)
        if path is not None and Path(path).is_file():
            inputs[name] = {"path": str(path), "sha256": file_sha256(path)}
    for i, path in enumerate(getattr(params, "wave_files", None) or []):
        if Path(path).is_file():
            inputs[f"wave_files[{i}]"] = {"path": str(path), "sha256": file_sha256(path)}
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
        "kind": params.kind,
        "run_id": None,
        "started_utc": started_at.isoformat(timespec="seconds"),
        "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "parameters": {k: v for k, v in params.raw.items() if k != "output_dir"},
        "paths_relative_to": None if params.base is None else str(params.base),
        "inputs": inputs,
        "outputs": outputs,
        "error": error,
        "cxlab_version": versions["cxlab"],
        "git": _git_commit(checkout_root()),  # cxlab's own commit (None when installed)
        "project_git": _git_commit(params.base),  # the parameter file's repository, if any
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

    Parameters
    ----------
    path : str or path-like
        The file.
    kernel_name : str, optional
        Jupyter kernel to run the notebook in (default: the Python running cxlab).
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path).resolve()
    root = project_root(path.parent)
    nb = nbformat.read(str(path), as_version=4)
    name, manager, _argv = _kernel(kernel_name, _kernel_env(root, reports_root(root)))
    NotebookClient(
        nb,
        kernel_name=name,
        kernel_manager_class=manager,
        timeout=1800,
        startup_timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, str(path))
    return path


def write_reference_notebook(
    params_file: str | os.PathLike,
    out: str | os.PathLike | None = None,
    *,
    kernel_name: str | None = None,
) -> Path:
    """Write and execute an nbval reference run of the report notebook.

    The report notebook's cells, with the validated values of ``params_file``
    injected after its ``parameters`` cell as papermill does (input paths made
    relative to the project root, so the committed notebook runs in any clone), then
    executed in place by :func:`refresh_notebook`. ``make test`` re-executes it with
    nbval, so a change to any figure of that run shows as a failed cell.

    Parameters
    ----------
    params_file : path
        A parameter file (paths relative to its own folder, as always).
    out : path, optional
        Default: ``params_file`` with the suffix ``.ipynb``.
    kernel_name : str, optional
        As for :func:`refresh_notebook`.

    Returns
    -------
    Path
        The executed reference notebook.
    """
    import nbformat

    params = load_params(params_file)
    root = project_root(Path(params_file).resolve().parent)
    values = notebook_values(params)
    for name, value in values.items():
        if isinstance(value, str) and Path(value).is_absolute():
            path = Path(value)
            if path.is_relative_to(root):
                values[name] = path.relative_to(root).as_posix()
    nb = nbformat.read(str(resource(NOTEBOOK)), as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    lines = ["# Parameters of this reference run (" + Path(params_file).name + ")"]
    lines += [f"{name} = {value!r}" for name, value in values.items()]
    injected = nbformat.v4.new_code_cell("\n".join(lines))
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(index + 1, injected)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    target = Path(out) if out is not None else Path(params_file).with_suffix(".ipynb")
    nbformat.write(nb, str(target))
    return refresh_notebook(target, kernel_name=kernel_name)
