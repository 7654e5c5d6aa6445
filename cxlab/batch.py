"""Batches of client reports: parallel worker processes or a Dask cluster.

:func:`run_batch` runs :func:`cxlab.report.run_report` for many parameter files.
Each report runs in its own process (papermill starts a kernel and may change the
working directory, so threads are not used); a failing client does not stop the
others. The batch writes ``<reports-dir>/_batches/<batch-id>/``: ``summary.csv``
and ``summary.json`` (one row per client: status, seconds, failing cell, error),
``key_figures.csv`` (net advocacy with its interval, moments of truth, top action,
one row per parameter file, so two files naming the same client both appear; empty
for a failed run, whose figures are partial) and ``key_figures.png``. Each run writes
the deliverables its ``formats`` ask for (``run_batch(..., formats="html,pptx,pdf")``
or each file's ``formats`` parameter): a deck and a PDF per client. The batch folder is
written as ``.tmp-*`` and renamed when complete. :func:`failed_in_last_batch`
reads the last summary for ``cxlab batch --retry-failed``.

Examples
--------
>>> from cxlab.batch import run_batch                             # doctest: +SKIP
>>> result = run_batch(["a.yaml", "b.yaml"], workers=2)           # doctest: +SKIP
>>> result.summary()                                              # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import signal
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cxlab._runs import ignore_signals, owner, publish_by_rename
from cxlab._style import OKABE_ITO, new_ax
from cxlab.display import Card
from cxlab.errors import CxlabError, CxlabWarning, ParameterError, ReportError
from cxlab.params import OWNER_MARKER, load_params, parse_formats, reports_root
from cxlab.report import (
    Interrupted,
    RunResult,
    end_child_processes,
    remove_stale_runs,
    run_report,
    stop_on_signals,
)

__all__ = [
    "BatchInterrupted",
    "BatchResult",
    "failed_in_last_batch",
    "key_figures_table",
    "plot_key_figures",
    "run_batch",
]


@dataclass(frozen=True, repr=False)
class BatchResult(Card):
    """A batch of client runs: one summary row per parameter file."""

    table: pd.DataFrame
    key_figures: pd.DataFrame
    folder: Path

    @property
    def ok(self) -> bool:
        """True when every client's report completed."""
        return bool((self.table["status"] == "ok").all())

    def summary(self) -> pd.DataFrame:
        """Client, status, seconds and, for failures, the failing cell, the error and the
        start of its message."""
        table = self.table[["client", "params_file", "status", "seconds", "cell", "error"]]
        message = self.table["message"].fillna("").astype(str)
        return table.assign(message=message.str.slice(0, 70))

    def plot(self, ax=None):
        """Net advocacy per client with its interval (see :func:`plot_key_figures`).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        """
        return plot_key_figures(self.key_figures, ax=ax)


class BatchInterrupted(Interrupted):
    """A batch stopped by SIGINT or SIGTERM; ``result`` holds the summary of what
    finished (unfinished clients have status ``"interrupted"``)."""

    def __init__(self, signal_name: str, result: BatchResult) -> None:
        super().__init__(signal_name)
        self.result = result


_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


_STOPPING = False


def _interrupted_row(params_file: str, why: str) -> dict:
    return RunResult(
        params_file,
        None,
        "interrupted",
        None,
        0.0,
        error={"ename": "Interrupted", "evalue": why, "cell_index": None},
    ).as_row()


def _worker_init() -> None:
    """Idle workers ignore SIGINT (the parent decides) and leave quietly on SIGTERM;
    a running report turns both into :class:`Interrupted` (see :func:`_run_one`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))


def _run_one(job: tuple) -> dict:
    """Worker entry point (a top-level function, so processes can pickle it).

    Each kernel gets ``threads`` BLAS / OpenMP threads (cores / workers) unless the
    user set them: parallel workers with threaded BLAS each would oversubscribe the
    cores, and spin-waiting BLAS threads then slow every report down.
    """
    global _STOPPING
    params_file, reports_dir, kernel_name, start_timeout, threads, notebook, formats, template = job
    if _STOPPING:  # this worker was interrupted: queued reports are not started
        return {"row": _interrupted_row(params_file, "the batch was stopped"), "key_figures": {}}
    if threads:
        for var in _THREAD_VARS:
            os.environ.setdefault(var, str(threads))
    try:
        with stop_on_signals():
            result = run_report(
                params_file,
                reports_dir=reports_dir,
                formats=formats,
                template=template,
                kernel_name=kernel_name,
                start_timeout=start_timeout,
                notebook=notebook,
            )
    except Interrupted as err:  # the kernel was ended and the run published as -failed
        _STOPPING = True
        result = RunResult(
            params_file,
            getattr(err, "client", None),
            "interrupted",
            getattr(err, "folder", None),
            0.0,
            error={"ename": "Interrupted", "evalue": str(err), "cell_index": None},
        )
    return {"row": result.as_row(), "key_figures": result.key_figures}


def run_batch(
    params_files: list[str | os.PathLike],
    *,
    workers: int = 2,
    reports_dir: str | os.PathLike | None = None,
    formats: str | list | tuple | None = None,
    template: str | os.PathLike | None = None,
    scheduler: str | None = None,
    kernel_name: str | None = None,
    start_timeout: int = 300,
    progress: bool = True,
    notebook: str | os.PathLike | None = None,
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
    reports_dir : path, optional
        Where the batch folder and every run go. Default ``./reports`` of the working
        directory for the batch folder, and for each run its file's ``reports_dir``
        parameter (relative to the file) or the same ``./reports``.
    formats : str or list, optional
        Deliverables of every run, e.g. ``"html,pptx,pdf"``; default each file's
        ``formats`` parameter, else html only (see :func:`cxlab.report.run_report`).
    template : path, optional
        PowerPoint template of every deck; default each file's ``template``.
    scheduler : str, optional
        Address of a running Dask distributed scheduler, e.g. ``tcp://10.0.0.5:8786``.
        Workers must see the parameter files and the reports folder at the same paths
        (every path is resolved here, before the jobs are sent).
    notebook : path, optional
        The report notebook (default ``notebooks/client_report.ipynb``).

    A parameter file named twice runs once (a :class:`~cxlab.errors.CxlabWarning`).
    kernel_name : str, optional
        Jupyter kernel to run the notebook in (default: the Python running cxlab).
    start_timeout : float
        Seconds allowed for a kernel to start.
    progress : bool
        Show progress.

    Raises
    ------
    BatchInterrupted
        SIGINT or SIGTERM stopped the batch: the running reports were ended (their
        kernels too) and published as ``-failed``, and the summary of what finished
        was written; it is the exception's ``result``.
    """
    import concurrent.futures as cf
    import multiprocessing

    from tqdm.auto import tqdm

    if not params_files:
        raise ParameterError("no parameter files given")
    reports = Path(reports_dir).resolve() if reports_dir else reports_root()
    resolved = [str(Path(f).resolve()) for f in params_files]
    files = list(dict.fromkeys(resolved))
    if len(files) < len(resolved):
        twice = sorted({f for f in resolved if resolved.count(f) > 1})
        warnings.warn(
            f"parameter file(s) named more than once run once: {', '.join(twice)}",
            CxlabWarning,
            stacklevel=2,
        )
    threads = None if scheduler else max(1, (os.cpu_count() or 1) // max(1, workers))
    nb = None if notebook is None else str(Path(notebook).resolve())
    if formats is not None:
        parse_formats(formats, location="--formats")  # a typo stops the batch before any run
    template = None if template is None else str(Path(template).resolve())
    jobs = [
        (f, str(_run_reports_dir(f, reports, reports_dir is not None)), kernel_name)
        + (start_timeout, threads, nb, formats, template)
        for f in files
    ]
    results: dict[str, dict] = {}
    bar = tqdm(total=len(jobs), desc="client reports", unit="report", disable=not progress)
    if scheduler:
        from distributed import Client, as_completed

        with Client(scheduler, timeout="60s") as client:
            futures = client.map(_run_one, jobs, pure=False)
            index = {fut.key: job[0] for fut, job in zip(futures, jobs, strict=True)}
            try:
                for fut in as_completed(futures):
                    results[index[fut.key]] = _collect(fut, index[fut.key])
                    bar.update()
            except KeyboardInterrupt as err:
                ignore_signals()
                bar.close()
                client.cancel(futures)  # the cluster's workers stop these reports
                result = _finish(files, results, reports)
                raise BatchInterrupted(str(err) or type(err).__name__, result) from None
    else:
        context = multiprocessing.get_context("spawn")
        pool = cf.ProcessPoolExecutor(
            max_workers=max(1, workers), mp_context=context, initializer=_worker_init
        )
        try:
            futures = {pool.submit(_run_one, job): job[0] for job in jobs}
            for fut in cf.as_completed(futures):
                results[futures[fut]] = _collect(fut, futures[fut])
                bar.update()
        except KeyboardInterrupt as err:
            ignore_signals()  # a second signal must not cut the clean-up short
            bar.close()
            _stop_pool(pool, futures if "futures" in locals() else {}, results)
            result = _finish(files, results, reports)
            raise BatchInterrupted(str(err) or type(err).__name__, result) from None
        pool.shutdown(wait=True)
    bar.close()
    return _finish(files, results, reports)


def _finish(files: list[str], results: dict[str, dict], reports: Path) -> BatchResult:
    for f in files:  # clients the batch never finished
        if f not in results:
            why = "the batch was stopped before this report finished"
            results[f] = {"row": _interrupted_row(f, why), "key_figures": {}}
    rows = [results[f]["row"] for f in files]
    table = pd.DataFrame(rows)
    figures = _batch_key_figures(files, results)
    folder = _write_batch(reports, table, figures)
    return BatchResult(table, figures, folder)


def _run_reports_dir(params_file: str, reports: Path, forced: bool) -> Path:
    """Where one run goes: the batch's ``--reports-dir`` when given, else the file's own
    ``reports_dir`` parameter, else the batch's reports folder (an invalid file fails
    in its run, with its error)."""
    if forced:
        return reports
    try:
        params = load_params(params_file, check_files=False)
    except CxlabError:
        return reports
    return params.reports_dir if params.raw.get("reports_dir") is not None else reports


def _stop_pool(pool, futures: dict, results: dict[str, dict], timeout: float = 60.0) -> None:
    """Stop a local pool on SIGINT/SIGTERM: queued reports are cancelled, running ones
    get SIGTERM (they end their kernels and publish ``-failed``), stragglers are killed.
    Results that arrive meanwhile are kept."""
    import concurrent.futures as cf

    for fut in futures:
        fut.cancel()
    processes = list(getattr(pool, "_processes", {}).values())
    for proc in processes:
        if proc.is_alive():
            with contextlib.suppress(OSError):
                os.kill(proc.pid, signal.SIGTERM)
    running = [f for f in futures if not f.cancelled()]
    with contextlib.suppress(Exception):
        for fut in cf.as_completed(running, timeout=timeout):
            if fut.exception() is None:
                results[futures[fut]] = fut.result()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.join(5)
    end_child_processes()  # workers (and kernels) still alive


def _batch_key_figures(files: list[str], results: dict[str, dict]) -> pd.DataFrame:
    """One row per parameter file (two files may name the same client); a failed run's
    figures are partial, so its row is empty."""
    rows = {f: results[f]["row"] for f in files}
    return key_figures_table(
        {f: results[f]["key_figures"] if rows[f]["status"] == "ok" else {} for f in files},
        clients={f: rows[f]["client"] for f in files},
    )


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


def key_figures_table(
    by_client: dict[str, dict], clients: dict[str, str | None] | None = None
) -> pd.DataFrame:
    """One row per run from the key figures each run recorded.

    ``by_client`` maps a key (a client name, or in a batch the parameter file, so that
    two files naming the same client never collide) to that run's key figures;
    ``clients`` optionally maps the key to the client name to show. Pass ``{}`` for
    a run that failed: its figures are partial.

    Columns: ``client``, ``net_advocacy``, ``net_advocacy_low``, ``net_advocacy_high``,
    ``moments_of_truth``, ``top_action``, ``top_event`` (missing figures are NaN),
    and ``params_file`` when ``clients`` is given.

    Parameters
    ----------
    by_client : mapping, optional
        Per-client overrides.
    clients : sequence of str or path-like
        Parameter files, one per client.
    """
    rows = []
    for key, figs in by_client.items():
        ci = figs.get("net_advocacy_ci") or [None, None]
        row = {"client": key} if clients is None else {"client": clients.get(key) or key}
        if clients is not None:
            row["params_file"] = key
        rows.append(
            {
                **row,
                "net_advocacy": figs.get("net_advocacy"),
                "net_advocacy_low": ci[0],
                "net_advocacy_high": ci[1],
                "moments_of_truth": figs.get("moments_of_truth"),
                "top_action": figs.get("top_action"),
                "top_event": figs.get("top_event"),
            }
        )
    columns = ["client", "net_advocacy", "net_advocacy_low", "net_advocacy_high"]
    columns += ["moments_of_truth", "top_action", "top_event"]
    columns += ["params_file"] if clients is not None else []
    table = pd.DataFrame(rows, columns=columns)
    for col in ("net_advocacy", "net_advocacy_low", "net_advocacy_high", "moments_of_truth"):
        table[col] = pd.to_numeric(table[col], errors="coerce")
    return table


def plot_key_figures(table: pd.DataFrame, ax=None):
    """Horizontal bars of net advocacy per client with interval whiskers; each label
    also names the client's number of moments of truth and top action.

    Parameters
    ----------
    table : pandas.DataFrame
        The table.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    """
    import numpy as np

    data = table.dropna(subset=["net_advocacy"]).sort_values("net_advocacy")
    ax = new_ax(ax, (8, 0.6 * max(len(data), 2) + 1.5))
    y = np.arange(len(data))
    ax.barh(y, data["net_advocacy"], color=OKABE_ITO["blue"], height=0.6)
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
    import tempfile

    from matplotlib.figure import Figure

    reports.mkdir(parents=True, exist_ok=True)
    batches = reports / "_batches"
    if not batches.resolve().is_relative_to(reports.resolve()):
        raise ReportError(
            f"{batches} leads outside the reports folder {reports} (a symbolic link?)"
        )
    batches.mkdir(parents=True, exist_ok=True)
    remove_stale_runs(batches)
    folder = Path(tempfile.mkdtemp(prefix=".tmp-", dir=batches))  # renamed when complete
    (folder / OWNER_MARKER).write_text(json.dumps(owner()), encoding="utf-8")
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
    (folder / OWNER_MARKER).unlink()
    return publish_by_rename(folder, batches, what="batch")


def failed_in_last_batch(reports_dir: str | os.PathLike | None = None) -> list[str]:
    """Parameter files of the clients that failed in the most recent batch (under
    ``reports_dir``, default ``./reports``).

    Parameters
    ----------
    reports_dir : str or path-like, optional
        The reports folder (default ``./reports``).
    """
    reports = Path(reports_dir).resolve() if reports_dir else reports_root()
    batches = [p / "summary.json" for p in (reports / "_batches").glob("[!.]*")]
    batches = [p for p in batches if p.exists()]
    if not batches:
        raise ReportError(f"no earlier batch summary under {reports / '_batches'}")
    latest = max(batches, key=lambda p: p.stat().st_mtime_ns)
    summary = json.loads(latest.read_text(encoding="utf-8"))
    return [run["params_file"] for run in summary["runs"] if run["status"] != "ok"]
