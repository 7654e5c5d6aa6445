"""The ``cxlab`` command: ``cxlab init``, ``cxlab report``, ``cxlab batch`` and ``cxlab score``.

``python -m cxlab`` is the same command. Relative paths in a parameter file are
relative to the file's folder; reports go to ``./reports`` of the working directory
unless ``--reports-dir`` (or a ``reports_dir`` parameter) says otherwise.

Examples
--------
.. code-block:: console

    $ cxlab init --sample proj && cd proj && cxlab report clients/sample.yaml
    $ cxlab --version
    $ cxlab report data/sample/clients/sample.yaml
    $ cxlab report data/sample/clients/sample.yaml --formats html,pptx,pdf
    $ cxlab report --kind tracking data/sample/clients/sample_tracking.yaml
    $ cxlab batch data/sample/clients/*.yaml --workers 2
    $ cxlab batch --retry-failed --workers 2
    $ cxlab batch clients/*.yaml --scheduler tcp://10.0.0.5:8786
    $ cxlab score customers.csv --train data/sample/banking.csv --out scores.csv
    $ cxlab codebook draft survey.sav --output survey_codebook.yaml
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from cxlab.errors import CxlabError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cxlab`` command."""
    parser = argparse.ArgumentParser(
        prog="cxlab", description="Customer-experience research reports and scoring."
    )
    parser.add_argument("--version", action="version", version=f"cxlab {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    ini = sub.add_parser(
        "init",
        help="scaffold a research project folder",
        description="Make a research project: data/, codebooks/, clients/ (a commented "
        "parameter template), reports/, notebooks/explore.ipynb, a README and a .gitignore. "
        "An existing folder must be empty: nothing is overwritten.",
    )
    ini.add_argument("folder", help="the project folder (new, or empty)")
    ini.add_argument(
        "--sample",
        action="store_true",
        help="also copy the sample studies, so `cxlab report clients/sample.yaml` works at once",
    )

    rep = sub.add_parser("report", help="run the report notebook for one client")
    rep.add_argument("params", help="the client's parameter YAML file")
    rep.add_argument(
        "--kind",
        choices=("client", "tracking"),
        default=None,
        help="the report: client (one survey) or tracking (waves over time); default the "
        "file's kind: parameter, else client",
    )
    _common(rep)

    bat = sub.add_parser("batch", help="run the reports of many clients in parallel")
    bat.add_argument("params", nargs="*", help="parameter YAML files")
    bat.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    bat.add_argument(
        "--scheduler", default=None, help="Dask scheduler address, e.g. tcp://HOST:8786"
    )
    bat.add_argument(
        "--retry-failed",
        action="store_true",
        help="re-run the clients that failed in the last batch (plus any files given)",
    )
    bat.add_argument("--no-progress", action="store_true", help="no progress bar")
    _common(bat)

    sco = sub.add_parser(
        "score",
        help="score customers who were not surveyed (advocacy group probabilities)",
        description="Score a customer file with a saved scorer (--model), or train one on a "
        "survey first (--train, optionally --save-model). Only the id column and the scores "
        "are written: customer files may hold personal data.",
    )
    sco.add_argument(
        "files",
        nargs="+",
        metavar="[MODEL] CUSTOMERS",
        help="a saved scorer (or --model/--train) and the customer file (.csv, .xlsx, .parquet)",
    )
    sco.add_argument(
        "--out",
        default=None,
        help="output file (default: <customers>_scores.csv beside the customer file; "
        "an existing file is never overwritten)",
    )
    how = sco.add_mutually_exclusive_group()
    how.add_argument("--model", help="a scorer saved with Scorer.save")
    how.add_argument("--train", help="survey file to train a scorer on (with its codebook)")
    sco.add_argument("--codebook", default=None, help="codebook of --train (default: next to it)")
    sco.add_argument("--save-model", default=None, help="where to save the trained scorer")
    sco.add_argument("--id-column", default=None, help="identifier column copied to the output")
    sco.add_argument("--seed", type=int, default=0, help="seed of the cross-validation")

    cbk = sub.add_parser("codebook", help="codebook helpers (draft a codebook from a data file)")
    cbk_sub = cbk.add_subparsers(dest="codebook_command", required=True)
    dra = cbk_sub.add_parser(
        "draft",
        help="write a starting codebook for a data file (CSV, XLSX, SAV)",
        description="Draft a codebook from a data file: labels, missing codes, scales, weight, "
        "id and personal-data guesses, with TODO comments. The draft loads as it is.",
    )
    dra.add_argument("data", help="the data file (.csv, .xlsx, .sav, .zsav)")
    dra.add_argument(
        "--output", default=None, help="write here (never overwritten; default: print it)"
    )
    return parser


def _common(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--formats",
        default=None,
        help="deliverables, e.g. html,pptx,pdf (html is always written; default: the "
        "parameter file's formats, else html)",
    )
    sub.add_argument(
        "--template",
        default=None,
        help="PowerPoint template (.pptx) for the deck (default: the parameter file's "
        "template, else the built-in design)",
    )
    sub.add_argument(
        "--reports-dir",
        default=None,
        help="where run folders go (default: the parameter file's reports_dir, "
        "else ./reports of the working directory)",
    )
    sub.add_argument(
        "--kernel",
        default=None,
        help="a registered Jupyter kernel (default: the Python running cxlab)",
    )
    sub.add_argument(
        "--start-timeout", type=int, default=300, help="seconds allowed for a kernel to start"
    )
    sub.add_argument(
        "--notebook", default=None, help="report notebook (default: notebooks/client_report.ipynb)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 when everything succeeded).

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).
    """
    args = build_parser().parse_args(argv)
    if args.command in ("report", "batch"):
        _skip_slow_optional_imports()
    try:
        if args.command == "init":
            return _init(args)
        if args.command == "report":
            return _report(args)
        if args.command == "batch":
            return _batch(args)
        if args.command == "codebook":
            return _codebook(args)
        return _score(args)
    except CxlabError as err:
        print(f"cxlab {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:  # outside a run (which reports its own interruption)
        print(f"cxlab {args.command}: interrupted ({err or 'SIGINT'})", file=sys.stderr)
        return 130


def _skip_slow_optional_imports() -> None:
    """Leave out ``rfc3987_syntax``, an optional import of jsonschema (which nbformat
    imports for papermill and nbconvert) that builds a grammar when imported: about
    1.5 s of every report's start.  Only jsonschema's IRI format checks use it, and no
    report checks them.  Nothing changes when jsonschema was imported already (e.g.
    ``main`` called from a Python session)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None: the import fails at once


def _version() -> str:
    from importlib import metadata

    import cxlab

    try:
        installed = metadata.version("cxlab")
    except metadata.PackageNotFoundError:
        installed = None
    return installed or cxlab.__version__


def _init(args) -> int:
    from cxlab.scaffold import init_project

    folder = init_project(args.folder, sample=args.sample)
    print(f"research project made in {folder}")
    first = "clients/sample.yaml" if args.sample else "clients/<client>.yaml"
    print(f"  next: cd {args.folder} && cxlab report {first}")
    if not args.sample:
        print("  (copy clients/template.yaml to clients/<client>.yaml and fill it in)")
    return 0


def _report(args) -> int:
    from cxlab.report import Interrupted, run_report, stop_on_signals

    try:
        with stop_on_signals():
            result = run_report(
                args.params,
                reports_dir=args.reports_dir,
                formats=args.formats,
                template=args.template,
                kernel_name=args.kernel,
                start_timeout=args.start_timeout,
                notebook=args.notebook,
                kind=args.kind,
            )
    except Interrupted as err:
        folder = getattr(err, "folder", None)
        print(
            f"cxlab report: interrupted by {err}; the kernel was ended"
            + (f"; the partial run is {folder}" if folder else ""),
            file=sys.stderr,
        )
        return 130
    if result.status == "ok":
        print(f"{result.client}: report written to {result.folder}")
        for fmt, label in (("html", "HTML"), ("pptx", "Deck"), ("pdf", "PDF")):
            if (result.folder / f"report.{fmt}").is_file():
                print(f"  {label}: {result.folder / f'report.{fmt}'}")
        return 0
    err = result.error or {}
    where = (
        f"cell {err.get('cell_index')}"
        if err.get("cell_index") is not None
        else err.get("stage") or "set-up"
    )
    print(
        f"{result.client or args.params}: FAILED at {where}: {err.get('ename')}: "
        f"{err.get('evalue')}",
        file=sys.stderr,
    )
    if result.folder is not None:
        print(f"  details: {result.folder / 'manifest.json'}", file=sys.stderr)
    return 1


def _batch(args) -> int:
    from cxlab.batch import failed_in_last_batch, run_batch

    files = list(args.params)
    if args.retry_failed:
        retry = failed_in_last_batch(args.reports_dir)
        if not retry and not files:
            print("cxlab batch: nothing failed in the last batch")
            return 0
        files = retry + [f for f in files if f not in retry]
    if not files:
        print("cxlab batch: give parameter files or --retry-failed", file=sys.stderr)
        return 2
    from cxlab.batch import BatchInterrupted
    from cxlab.report import stop_on_signals

    try:
        with stop_on_signals():
            result = run_batch(
                files,
                workers=args.workers,
                reports_dir=args.reports_dir,
                formats=args.formats,
                template=args.template,
                scheduler=args.scheduler,
                kernel_name=args.kernel,
                start_timeout=args.start_timeout,
                progress=not args.no_progress,
                notebook=args.notebook,
            )
    except BatchInterrupted as err:
        print(_format_table(err.result.summary()))
        print(
            f"cxlab batch: interrupted by {err}; running reports were ended; "
            f"summary of what finished: {err.result.folder}",
            file=sys.stderr,
        )
        return 130
    print(_format_table(result.summary()))
    print(f"batch summary: {result.folder}")
    n_failed = int((result.table["status"] != "ok").sum())
    if n_failed:
        print(
            f"{n_failed} of {len(result.table)} client reports failed; "
            "re-run them with `cxlab batch --retry-failed`",
            file=sys.stderr,
        )
        return 1
    return 0


def _format_table(table) -> str:
    import pandas as pd

    shown = table.copy()
    shown["params_file"] = [Path(p).name for p in shown["params_file"]]
    shown["cell"] = [("" if pd.isna(v) else str(int(v))) for v in shown["cell"]]
    shown = shown.astype(object).where(shown.notna(), "")
    return shown.to_string(index=False)


def _score(args) -> int:
    from cxlab.errors import ParameterError
    from cxlab.scoring import SCORE_FORMATS, check_new_file, fit_scorer, score_file

    if len(args.files) > 2:
        raise ParameterError("give at most two files: MODEL CUSTOMERS", location="cxlab score")
    if len(args.files) == 2:
        if args.model or args.train:
            raise ParameterError(
                "give the model either as the first file or with --model/--train, not both",
                location="cxlab score",
            )
        args.model, customers = args.files
    else:
        (customers,) = args.files
        if not (args.model or args.train):
            raise ParameterError(
                "name the scorer: `cxlab score MODEL CUSTOMERS`, --model PATH or --train SURVEY",
                location="cxlab score",
            )
    if args.save_model and not args.train:
        raise ParameterError("--save-model needs --train", location="--save-model")
    out_path = (
        Path(args.out)
        if args.out
        else Path(customers).with_name(f"{Path(customers).stem}_scores.csv")
    )
    # every output is checked before any work: nothing is ever overwritten
    check_new_file(out_path, "--out", SCORE_FORMATS)
    if args.save_model:
        check_new_file(args.save_model, "--save-model")
        if Path(args.save_model).resolve() == out_path.resolve():
            raise ParameterError("--save-model and --out name the same file", location="--out")
    model = args.model
    if args.train:
        from cxlab.io import load_survey

        survey = load_survey(args.train, args.codebook)
        scorer = fit_scorer(survey.respondents, seed=args.seed)
        held_out = scorer.metrics.set_index("metric")["value"]
        print(
            f"scorer trained on {int(held_out['n'])} respondents: held-out macro AUC "
            f"{held_out['auc_ovr_macro']:.3f}, Brier {held_out['brier']:.3f} "
            f"(baseline {held_out['brier_baseline']:.3f})"
        )
        model = scorer  # scored in memory: no temporary file
        if args.save_model:
            print(f"scorer saved to {scorer.save(args.save_model)}")
    out = score_file(model, customers, out_path, id_column=args.id_column)
    print(f"scores written to {out}")
    return 0


def _codebook(args) -> int:
    from cxlab.codebook_draft import draft_codebook

    out = Path(args.output) if args.output else None
    if out is not None and out.exists():
        print(
            f"cxlab codebook draft: {out} exists already; cxlab never overwrites a file",
            file=sys.stderr,
        )
        return 2
    text = draft_codebook(args.data)
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        with open(out, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        print(
            f"cxlab codebook draft: {out} exists already; cxlab never overwrites a file",
            file=sys.stderr,
        )
        return 2
    except OSError as err:
        print(f"cxlab codebook draft: cannot write {out} ({err.strerror})", file=sys.stderr)
        return 2
    print(f"codebook draft written to {out}; check every '# TODO' before using it")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
