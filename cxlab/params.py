"""Report parameters: names, types, safe paths.

papermill only *warns* about parameters a notebook does not declare, so a typo in
a client's parameter file (``min_bsae: 50``) would silently run with the default.
:func:`validate` closes that gap: it is called in the report notebook right after
the parameters cell, and by ``cxlab report`` / ``cxlab batch`` on each parameter
file before any kernel starts.

Only ``client``, ``data_path`` and ``codebook`` are required (:data:`REQUIRED`;
missing ones are one :class:`~cxlab.errors.ParameterError` listing them all). Every
other parameter left out means "not given" (None: no raking, no cost-based value case,
no CFE section, no roadmap...) or takes a documented cxlab default
(``min_base`` 30, ``horizon_years`` 3, ``discount_rate`` 0.08, ``seed`` 0); no
default points at the sample data or stands in for a client's figure.

Relative paths in a parameter file resolve from **that file's folder**, whatever the
working directory: ``data_path: ../data/survey.csv`` in ``clients/acme.yaml`` names
``data/survey.csv`` beside ``clients/``. The runner passes the notebook the resolved,
absolute paths (:func:`notebook_values`), so the kernel reads the same files. A plain
namespace (the notebook's own default run) resolves from the project root
(:func:`project_root`).

Reports go to ``./reports`` of the working folder, unless ``cxlab report
--reports-dir`` or a ``reports_dir`` parameter (relative to the parameter file, like
every path in it) says otherwise; ``reports_dir`` is read by the runner only, never
passed to the notebook. Client names become folder names, so they are restricted to
a safe alphabet, and an ``output_dir`` must stay inside the reports folder.

Examples
--------
>>> from cxlab.params import validate
>>> p = validate({"client": "Acme Bank", "data_path": "acme.csv", "codebook": "acme.yaml",
...               "min_base": 50}, check_files=False)
>>> p.client, p.min_base, p.slug
('Acme Bank', 50, 'acme-bank')
"""

from __future__ import annotations

import math
import os
import re
import types
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cxlab.errors import CxlabError, ParameterError
from cxlab.resources import is_cxlab_checkout, resource_root

__all__ = [
    "FORMATS",
    "KINDS",
    "PARAMETERS",
    "REQUIRED",
    "TRACKING_PARAMETERS",
    "TRACKING_REQUIRED",
    "TrackingParams",
    "parameter_table",
    "RUN_PARAMETERS",
    "ReportParams",
    "client_slug",
    "load_params",
    "notebook_values",
    "parse_formats",
    "project_root",
    "reports_root",
    "resolve_path",
    "validate",
]

ROOT_ENV = "CXLAB_ROOT"
REPORTS_ENV = "CXLAB_REPORTS_DIR"
OUTPUT_ENV = "CXLAB_OUTPUT_DIR"

_PATH = "path"  # an input file that must exist
_NONE = type(None)

#: Parameters every parameter file must give (no default: a report never runs on
#: another client's files). A missing one is a ParameterError listing all of them.
REQUIRED: tuple[str, ...] = ("client", "data_path", "codebook")

# name: (accepted types, kind, default, description). Kind "path" = input file.
# An optional parameter left out takes its default; None means "not given" (no
# weighting, no cost-based value case, no CFE...) and the report says so. The
# required ones have default None here; a parameter file must give them.
PARAMETERS: dict[str, tuple[tuple[type, ...], str, Any, str]] = {
    "client": ((str,), "name", None, "client name, also its reports folder (required)"),
    "data_path": ((str,), _PATH, None, "survey data file (required)"),
    "codebook": ((str,), _PATH, None, "codebook YAML (required)"),
    "industry": ((str, _NONE), "text", None, "industry label used in the text, or None"),
    "segment_filter": (
        (dict, _NONE),
        "filter",
        None,
        "respondent filter {column: value or [values]}, or None",
    ),
    "min_base": ((int,), "positive", 30, "minimum unweighted base for a reported figure"),
    "weighting_targets": (
        (str, _NONE),
        _PATH,
        None,
        "margins YAML for raking; None: no raking (design weights only)",
    ),
    "improvement_costs": (
        (str, _NONE),
        _PATH,
        None,
        "improvement-cost table CSV; None: no cost-based NPV/ROI in the value case",
    ),
    "executive_data": (
        (str, _NONE),
        _PATH,
        None,
        "executive self-assessment file; None: no CFE section",
    ),
    "initiatives": (
        (str, _NONE),
        _PATH,
        None,
        "initiatives YAML or CSV (cost, phases, enabled events, dependencies); None: no roadmap",
    ),
    "customer_base": (
        (int, float, _NONE),
        "positive_number",
        None,
        "customers the survey represents; None: the value case is per 1,000 customers",
    ),
    "currency": (
        (str, _NONE),
        "currency",
        None,
        "currency code of spend, costs and values (e.g. EUR); None: 'currency units'",
    ),
    "horizon_years": ((int,), "horizon", 3, "years counted in the value case (cxlab default 3)"),
    "discount_rate": (
        (float, int),
        "rate",
        0.08,
        "yearly discount rate of the value case (cxlab default 0.08)",
    ),
    "output_dir": ((str, _NONE), "output", None, "set by the runner; None in a plain run"),
    "seed": ((int,), "int", 0, "random seed for bootstraps and clustering"),
}

#: Parameters of the tracking report (``kind: tracking``; notebooks/tracking_report.ipynb).
#: ``client`` and ``codebook`` are required, and exactly one of ``data_path`` (one file
#: with the codebook's wave column) and ``wave_files`` (one file per wave).
TRACKING_REQUIRED: tuple[str, ...] = ("client", "codebook")
TRACKING_PARAMETERS: dict[str, tuple[tuple[type, ...], str, Any, str]] = {
    "client": ((str,), "name", None, "client name, also its reports folder (required)"),
    "data_path": (
        (str, _NONE),
        _PATH,
        None,
        "one survey file holding every wave (the codebook names its wave column); or None",
    ),
    "wave_files": (
        (list, _NONE),
        "paths",
        None,
        "one survey file per wave, in wave order (instead of data_path); or None",
    ),
    "codebook": ((str,), _PATH, None, "codebook YAML shared by every wave (required)"),
    "waves": (
        (list, _NONE),
        "labels",
        None,
        "wave labels in order (one per wave file); None: the codebook's or the data's",
    ),
    "base_wave": (
        (str, _NONE),
        "text",
        None,
        "compare every wave with this one; None: each wave with the one before it",
    ),
    "action_wave": (
        (str, _NONE),
        "text",
        None,
        "wave whose actions are followed up in the next wave; None: the one before the last",
    ),
    "shift_share_segment": (
        (str, _NONE),
        "text",
        None,
        "respondent column splitting the net-advocacy change into within vs mix; None: none",
    ),
    "industry": ((str, _NONE), "text", None, "industry label used in the text, or None"),
    "segment_filter": (
        (dict, _NONE),
        "filter",
        None,
        "respondent filter {column: value or [values]}, or None",
    ),
    "min_base": ((int,), "positive", 30, "minimum unweighted base for a reported figure"),
    "level": ((float,), "level", 0.95, "confidence level of intervals and tests (0.95)"),
    "weighting_targets": (
        (str, _NONE),
        _PATH,
        None,
        "margins YAML; each wave is raked to it separately; None: no raking",
    ),
    "output_dir": ((str, _NONE), "output", None, "set by the runner; None in a plain run"),
    "seed": ((int,), "int", 0, "random seed"),
}

#: The kinds of report and their notebooks (relative to cxlab's shipped files).
KINDS: dict[str, str] = {
    "client": "notebooks/client_report.ipynb",
    "tracking": "notebooks/tracking_report.ipynb",
}

# Read by the runner (cxlab report / batch), not by the notebook: never injected into it.
RUN_PARAMETERS: dict[str, tuple[tuple[type, ...], str, Any, str]] = {
    "reports_dir": (
        (str, _NONE),
        "folder",
        None,
        "reports folder (relative to this file); None: ./reports of the working folder",
    ),
    "formats": (
        (str, list, _NONE),
        "formats",
        None,
        "deliverables besides report.html: 'pptx', 'pdf' or both ('html,pptx,pdf' or a "
        "list); None: html only",
    ),
    "template": (
        (str, _NONE),
        "template",
        None,
        "PowerPoint template (.pptx, relative to this file) whose masters the deck uses; "
        "None: the built-in design",
    ),
    "kind": (
        (str, _NONE),
        "kind",
        None,
        "report kind: client (the default) or tracking (waves over time)",
    ),
}

#: The deliverables a run can write (``report.<format>``); html is always written.
FORMATS: tuple[str, ...] = ("html", "pptx", "pdf")


def parameter_table(kind: str = "client") -> dict[str, tuple[tuple[type, ...], str, Any, str]]:
    """The notebook parameters of a report kind (``"client"`` or ``"tracking"``).

    Parameters
    ----------
    kind : str
        The report kind.
    """
    if kind not in KINDS:
        raise ParameterError(
            f"unknown report kind {kind!r}; kinds: {', '.join(KINDS)}", location="kind"
        )
    return PARAMETERS if kind == "client" else TRACKING_PARAMETERS


_CLIENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 &'()._-]{0,79}$")
_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}
_LITERAL_TYPES = (str, int, float, bool, list, dict, tuple, _NONE)


@dataclass(frozen=True)
class ReportParams:
    """Validated report parameters; input paths are absolute :class:`~pathlib.Path`.

    ``raw`` keeps the values as written (for the manifest and for papermill).
    """

    client: str
    data_path: Path | None
    codebook: Path | None
    industry: str | None
    segment_filter: dict | None
    min_base: int
    weighting_targets: Path | None
    improvement_costs: Path | None
    executive_data: Path | None
    initiatives: Path | None
    customer_base: float | None
    currency: str | None
    horizon_years: int
    discount_rate: float
    output_dir: Path | None
    seed: int
    root: Path
    reports_dir: Path | None = None  # reports_dir, else $CXLAB_REPORTS_DIR, else ./reports
    formats: tuple[str, ...] = ("html",)  # deliverables (run parameter); html always
    template: Path | None = None  # the deck's PowerPoint template (run parameter)
    base: Path | None = None  # the folder the given relative paths resolved from
    raw: dict = field(default_factory=dict, compare=False)

    @property
    def slug(self) -> str:
        """The client's folder name under the reports folder."""
        return client_slug(self.client)

    kind = "client"

    def as_dict(self) -> dict:
        """Plain, JSON-friendly dict (paths as strings)."""
        out = asdict(self)
        out.pop("raw")
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in out.items()}


@dataclass(frozen=True)
class TrackingParams:
    """Validated tracking-report parameters (``kind: tracking``); input paths are
    absolute; ``wave_files`` a list of them. ``raw`` keeps the values as written."""

    client: str
    data_path: Path | None
    wave_files: list | None
    codebook: Path | None
    waves: list | None
    base_wave: str | None
    action_wave: str | None
    shift_share_segment: str | None
    industry: str | None
    segment_filter: dict | None
    min_base: int
    level: float
    weighting_targets: Path | None
    output_dir: Path | None
    seed: int
    root: Path
    reports_dir: Path | None = None
    base: Path | None = None
    raw: dict = field(default_factory=dict, compare=False)

    kind = "tracking"

    @property
    def slug(self) -> str:
        """The client's folder name under the reports folder."""
        return client_slug(self.client)

    def as_dict(self) -> dict:
        """Plain, JSON-friendly dict (paths as strings)."""
        out = asdict(self)
        out.pop("raw")
        return {
            k: (str(v) if isinstance(v, Path) else [str(x) for x in v] if k == "wave_files"
                and v else v)
            for k, v in out.items()
        }  # fmt: skip


def project_root(start: str | os.PathLike | None = None) -> Path:
    """The project root: ``$CXLAB_ROOT``, else the nearest folder up from ``start``
    (default: the working directory) holding cxlab's ``pyproject.toml``, else where
    cxlab's shipped files are (:func:`cxlab.resources.resource_root`: the checkout, or
    the bundle of an installed cxlab, laid out like the repository).

    It is what the notebook's default parameter values (``data/sample/...``) are
    relative to; a parameter file's paths are relative to the file's folder instead.

    Parameters
    ----------
    start : str or path-like, optional
        Where to start looking (default: the working directory).

    Examples
    --------
    >>> (project_root() / "pyproject.toml").exists()
    True
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_cxlab_checkout(folder):
            return folder
    try:
        return resource_root()
    except CxlabError:
        return Path(__file__).resolve().parent.parent


def reports_root(folder: str | os.PathLike | None = None) -> Path:
    """The reports folder: ``$CXLAB_REPORTS_DIR``, else ``<folder>/reports`` (default:
    the working directory's ``reports``).

    Parameters
    ----------
    folder : str or path-like
        The folder.
    """
    env = os.environ.get(REPORTS_ENV)
    if env:
        return Path(env).resolve()
    return (Path(folder) if folder is not None else Path.cwd()).resolve() / "reports"


def resolve_path(value: str | os.PathLike, root: Path | None = None) -> Path:
    """Resolve ``value`` against the folder ``root`` (default :func:`project_root`);
    absolute paths are kept, ``~`` is expanded, symbolic links are followed.

    Parameters
    ----------
    value : str or path-like
        A path as written in a parameter file.
    root : str or path-like
        The root folder.
    """
    path = Path(os.path.expanduser(str(value)))
    if not path.is_absolute():
        path = (root or project_root()) / path
    return path.resolve()


def client_slug(client: str) -> str:
    """Folder-safe lower-case name: ``"Acme Bank (UK)"`` -> ``"acme-bank-uk"``.

    Parameters
    ----------
    client : str
        The client's name.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", client.lower()).strip("-")
    return slug or "client"


def load_params(
    path: str | os.PathLike, *, check_files: bool = True, kind: str | None = None
) -> ReportParams | TrackingParams:
    """Read and validate a client's parameter YAML file; its relative paths resolve
    from the file's folder.

    The report kind is ``kind`` when given (``cxlab report --kind``), else the file's
    ``kind:`` parameter, else ``"client"``; a file whose ``kind:`` differs from the
    ``kind`` asked for is an error. A tracking file gives :class:`TrackingParams`.

    Parameters
    ----------
    path : str or path-like
        The file.
    check_files : bool
        Check that the files exist.
    kind : str, optional
        The report kind asked for (None: the file's ``kind:``, else ``"client"``).

    Raises
    ------
    ParameterError
        With ``file=`` the parameter file and ``location=`` the offending key.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ParameterError(
            f"cannot read parameter file ({err.strerror})", file=str(path)
        ) from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ParameterError(f"not valid YAML: {err}", file=str(path)) from err
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParameterError("a parameter file must be a mapping of name: value", file=str(path))
    base = path.resolve().parent
    written = data.get("kind")
    if kind is not None and written is not None and written != kind:
        raise ParameterError(
            f"the file is a {written!r} report but a {kind!r} report was asked for",
            file=str(path),
            location="kind",
        )
    kind = kind or (written if isinstance(written, str) else None) or "client"
    return validate(
        data, file=str(path), strict=True, check_files=check_files, base=base, kind=kind
    )


def notebook_values(params: ReportParams | TrackingParams) -> dict[str, Any]:
    """The values the runner injects into the report notebook: every notebook
    parameter as written, except input paths, which are absolute (so the kernel
    resolves nothing, whatever its working directory). Run parameters
    (:data:`RUN_PARAMETERS`) are not passed.

    Parameters
    ----------
    params : cxlab.params.ReportParams
        The validated report parameters.
    """
    out = {}
    for name, (_types, kind, _default, _doc) in parameter_table(params.kind).items():
        value = params.raw.get(name)
        resolved = getattr(params, name, None)
        if kind == _PATH and isinstance(resolved, Path):
            value = str(resolved)
        if kind == "paths" and isinstance(resolved, list):
            value = [str(p) for p in resolved]
        out[name] = value
    return out


def validate(
    namespace: Mapping[str, Any],
    *,
    file: str | None = None,
    strict: bool = False,
    check_files: bool = True,
    root: Path | None = None,
    base: Path | None = None,
    kind: str = "client",
) -> ReportParams | TrackingParams:
    """Check parameter names, types and paths; return a :class:`ReportParams`
    (``kind="client"``) or a :class:`TrackingParams` (``kind="tracking"``).

    Parameters
    ----------
    namespace : mapping
        Parameter values, e.g. ``globals()`` in the report notebook. ``client``,
        ``data_path`` and ``codebook`` (:data:`REQUIRED`) must be given; other
        missing names take their defaults (None: "not given"). With ``strict=False`` (a notebook namespace) only
        plain literal values whose names do not start with ``_`` count as
        parameters; modules, functions and other objects are ignored.
    file : str, optional
        The parameter file, named in errors.
    strict : bool
        Every key is a parameter (a parameter file).
    check_files : bool
        Require input paths to exist.
    root : Path, optional
        Project root (default :func:`project_root`).
    base : Path, optional
        The folder the given relative paths resolve from (default ``root``);
        :func:`load_params` passes the parameter file's folder. Defaults of names
        not given are the notebook's and resolve from ``root``.
    kind : {"client", "tracking"}
        Which report's parameters (:func:`parameter_table`).

    Raises
    ------
    ParameterError
        Unknown name, wrong type, unsafe client name, missing required
        parameters (one error listing them all), missing file, or an
        ``output_dir`` outside the reports folder.

    Examples
    --------
    >>> validate({"min_bsae": 5}, check_files=False)
    Traceback (most recent call last):
    ...
    cxlab.errors.ParameterError: min_bsae: unknown parameter (did you mean 'min_base'?)
    >>> validate({"min_base": 5}, check_files=False)
    Traceback (most recent call last):
    ...
    cxlab.errors.ParameterError: missing required parameter(s): client, data_path, codebook (every report names its client, survey file and codebook; nothing falls back to the sample data)
    """
    report_kind = kind
    root = (root or project_root()).resolve()
    base = Path(base).resolve() if base is not None else root
    given = {k: v for k, v in namespace.items() if strict or _looks_like_parameter(k, v)}
    params_table = parameter_table(kind)
    required = REQUIRED if kind == "client" else TRACKING_REQUIRED
    table = {**params_table, **RUN_PARAMETERS}
    for name in given:
        if name not in table:
            hint = _closest(name, table)
            rule = "unknown parameter" + (f" (did you mean {hint!r}?)" if hint else "")
            raise ParameterError(rule, file=file, location=name)
    accepted, kind, default, _doc = RUN_PARAMETERS["reports_dir"]
    folder = _check("reports_dir", given.get("reports_dir", default), accepted, kind, file, base)
    reports = folder if folder is not None else reports_root()
    written = given.get("kind")
    _check("kind", written, *RUN_PARAMETERS["kind"][:2], file, base)
    if written is not None and written != report_kind:
        raise ParameterError(
            f"the parameters are for a {written!r} report, not a {report_kind!r} report",
            file=file,
            location="kind",
        )
    run = {}
    for name in ("formats", "template"):
        accepted, kind, default, _doc = RUN_PARAMETERS[name]
        run[name] = _check(name, given.get(name, default), accepted, kind, file, base, check_files)
    run["formats"] = run["formats"] or ("html",)
    values: dict[str, Any] = {}
    missing = []
    for name, (accepted, kind, default, _doc) in params_table.items():
        value = given.get(name, default)
        if name in required and value is None:
            missing.append(name)
            continue
        where = base if name in given else root  # defaults are the notebook's, root-relative
        values[name] = _check(name, value, accepted, kind, file, where, check_files, reports)
    if missing:
        what = "survey file" if report_kind == "client" else "survey files"
        raise ParameterError(
            f"missing required parameter(s): {', '.join(missing)} (every report names "
            f"its client, {what} and codebook; nothing falls back to the sample data)",
            file=file,
        )
    if report_kind == "tracking":
        if (values["data_path"] is None) == (values["wave_files"] is None):
            raise ParameterError(
                "give exactly one of data_path (one file holding every wave) and wave_files "
                "(one file per wave)",
                file=file,
                location="wave_files" if values["wave_files"] is not None else "data_path",
            )
        if values["wave_files"] is not None and values["waves"] is not None:
            if len(values["waves"]) != len(values["wave_files"]):
                raise ParameterError(
                    f"{len(values['wave_files'])} wave files but {len(values['waves'])} wave "
                    "labels",
                    file=file,
                    location="waves",
                )
    if values["output_dir"] is None and os.environ.get(OUTPUT_ENV):
        values["output_dir"] = _check_output(os.environ[OUTPUT_ENV], file, base, reports)
    raw = {name: given.get(name, spec[2]) for name, spec in table.items()}
    if report_kind == "client":
        return ReportParams(**values, root=root, reports_dir=reports, base=base, raw=raw, **run)
    if run["formats"] != ("html",) or run["template"] is not None:
        raise ParameterError(
            "a tracking report is written as report.html only (formats and template are "
            "for client reports)",
            file=file,
            location="formats",
        )
    return TrackingParams(**values, root=root, reports_dir=reports, base=base, raw=raw)


def _looks_like_parameter(name: str, value: Any) -> bool:
    if name.startswith("_") or name in _IPYTHON_NAMES:
        return False
    if isinstance(value, types.ModuleType) or callable(value):
        return False
    return isinstance(value, _LITERAL_TYPES)


def _closest(name: str, table=None) -> str | None:
    import difflib

    names = list(table) if table is not None else [*PARAMETERS, *RUN_PARAMETERS]
    match = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return match[0] if match else None


def _check(name, value, accepted, kind, file, base, check_files=False, reports=None):
    # bool is an int subclass: refuse True for min_base / seed.
    if isinstance(value, bool) and bool not in accepted:
        value_ok = False
    else:
        value_ok = isinstance(value, accepted)
    if not value_ok:
        names = " or ".join("None" if t is _NONE else t.__name__ for t in accepted)
        raise ParameterError(
            f"expected {names}, got {type(value).__name__} {value!r}", file=file, location=name
        )
    if value is None:
        return None
    if kind == "name":
        if not _CLIENT_RE.match(value) or ".." in value:
            raise ParameterError(
                "client names use letters, digits, spaces and & ' ( ) . _ - only "
                "(no path separators, at most 80 characters)",
                file=file,
                location=name,
            )
        return value
    if kind == "positive_number":
        if not math.isfinite(value) or value <= 0:
            raise ParameterError("must be a positive number", file=file, location=name)
        return float(value)
    if kind == "currency":
        if not re.match(r"^[^\s\x00-\x1f][^\x00-\x1f]{0,11}$", value) or value != value.strip():
            raise ParameterError(
                "a currency is a short label such as EUR, USD or GBP (1-12 characters)",
                file=file,
                location=name,
            )
        return value
    if kind == "horizon" and not 1 <= value <= 50:
        raise ParameterError(
            "must be a whole number of years from 1 to 50", file=file, location=name
        )
    if kind == "rate":
        if not math.isfinite(value) or not 0 <= value < 1:
            raise ParameterError(
                "must be a yearly rate from 0 to below 1 (e.g. 0.08 for 8%)",
                file=file,
                location=name,
            )
        return float(value)
    if kind == "positive" and value < 1:
        raise ParameterError("must be at least 1", file=file, location=name)
    if kind == "text" and not value.strip():
        raise ParameterError("must not be empty", file=file, location=name)
    if kind == "filter":
        return _check_filter(value, file, name)
    if kind == "kind":
        if value not in KINDS:
            raise ParameterError(
                f"unknown report kind {value!r}; kinds: {', '.join(KINDS)}",
                file=file,
                location=name,
            )
        return value
    if kind == "level":
        if not math.isfinite(value) or not 0.5 <= value < 1:
            raise ParameterError(
                "a confidence level is from 0.5 to below 1 (e.g. 0.95)", file=file, location=name
            )
        return float(value)
    if kind == "labels":
        if not value or not all(isinstance(v, str | int) and not isinstance(v, bool)
                                for v in value):  # fmt: skip
            raise ParameterError("a list of wave labels (text or numbers)", file=file,
                                 location=name)  # fmt: skip
        labels = [str(v) for v in value]
        if len(set(labels)) != len(labels):
            raise ParameterError("a wave label is listed twice", file=file, location=name)
        return labels
    if kind == "paths":
        if not value or not all(isinstance(v, str) for v in value):
            raise ParameterError("a list of file paths, one per wave", file=file, location=name)
        return [
            _check(f"{name}[{i}]", v, (str,), _PATH, file, base, check_files, reports)
            for i, v in enumerate(value)
        ]
    if kind == _PATH:
        if "\x00" in value or not value.strip():
            raise ParameterError("not a usable path", file=file, location=name)
        path = resolve_path(value, base)
        if check_files and not path.is_file():
            raise ParameterError(f"file not found: {path}", file=file, location=name)
        return path
    if kind == "folder":
        if "\x00" in value or not value.strip():
            raise ParameterError("not a usable path", file=file, location=name)
        path = resolve_path(value, base)
        if path.exists() and not path.is_dir():
            raise ParameterError(f"{path} is not a folder", file=file, location=name)
        return path
    if kind == "output":
        return _check_output(value, file, base, reports)
    if kind == "formats":
        return parse_formats(value, file=file, location=name)
    if kind == "template":
        if not value.lower().endswith(".pptx"):
            raise ParameterError(
                "a deck template is a PowerPoint .pptx file", file=file, location=name
            )
        return _check(name, value, (str,), _PATH, file, base, check_files)
    return value


def parse_formats(
    value: str | list | tuple | None, *, file: str | None = None, location: str = "formats"
) -> tuple[str, ...]:
    """Deliverables from ``"html,pptx,pdf"`` or a list: known names, in :data:`FORMATS`
    order, html always included.

    Parameters
    ----------
    value : str, list, tuple or None
        Comma-separated names or a sequence of names (None: html only).
    file : str, optional
        The parameter file, for error messages.
    location : str
        The parameter's key, for error messages.

    Examples
    --------
    >>> parse_formats("pdf, PPTX")
    ('html', 'pptx', 'pdf')
    >>> parse_formats(None)
    ('html',)
    """
    if value is None:
        return ("html",)
    items = value.split(",") if isinstance(value, str) else list(value)
    names = set()
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ParameterError(
                f"formats are names out of {', '.join(FORMATS)}, got {item!r}",
                file=file,
                location=location,
            )
        names.add(item.strip().lower().lstrip("."))
    unknown = sorted(names - set(FORMATS))
    if unknown:
        raise ParameterError(
            f"unknown format(s) {', '.join(unknown)}: choose from {', '.join(FORMATS)}",
            file=file,
            location=location,
        )
    return tuple(f for f in FORMATS if f in names or f == "html")


def _check_filter(value: dict, file, name) -> dict:
    clean = {}
    for column, allowed in value.items():
        if not isinstance(column, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", column):
            raise ParameterError(
                f"filter column {column!r} is not a column name", file=file, location=name
            )
        items = allowed if isinstance(allowed, list) else [allowed]
        if not items or not all(isinstance(v, str | int | float) for v in items):
            raise ParameterError(
                f"filter values for {column!r} must be text or numbers",
                file=file,
                location=f"{name}.{column}",
            )
        clean[column] = items
    return clean


#: the file a runner leaves in a fresh run folder (owner pid and host); see cxlab.report
OWNER_MARKER = ".cxlab-owner.json"


def _check_output(value: str, file, base: Path, reports: Path | None) -> Path:
    """A run folder inside the reports folder (real paths, so no symlink leads out of
    it) that is new or empty: a finished run is never written into."""
    path = resolve_path(value, base)
    reports = (reports or reports_root()).resolve()
    if not path.is_relative_to(reports):
        raise ParameterError(
            f"output_dir {path} is outside the reports folder {reports}",
            file=file,
            location="output_dir",
        )
    if path.exists():
        if not path.is_dir():
            raise ParameterError(
                f"output_dir {path} is a file, not a folder", file=file, location="output_dir"
            )
        held = [p.name for p in path.iterdir() if p.name != OWNER_MARKER]
        if held:
            raise ParameterError(
                f"output_dir {path} exists and holds {len(held)} file(s) or folder(s) "
                f"(e.g. {sorted(held)[0]!r}); a run never writes into an earlier run's folder",
                file=file,
                location="output_dir",
            )
    return path
