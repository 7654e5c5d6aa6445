"""Report parameters: names, types, safe paths.

papermill only *warns* about parameters a notebook does not declare, so a typo in
a client's parameter file (``min_bsae: 50``) would silently run with the default.
:func:`validate` closes that gap: it is called in the report notebook right after
the parameters cell, and by ``cxlab report`` / ``cxlab batch`` on each parameter
file before any kernel starts.

Paths are resolved from the project root (the folder holding cxlab's
``pyproject.toml``, or ``$CXLAB_ROOT`` when the runner sets it), never from the
notebook's folder. Client names become folder names, so they are restricted to a
safe alphabet, and an ``output_dir`` must stay inside the reports folder.

Examples
--------
>>> from cxlab.params import validate
>>> p = validate({"client": "Acme Bank", "min_base": 50}, check_files=False)
>>> p.client, p.min_base, p.slug
('Acme Bank', 50, 'acme-bank')
"""

from __future__ import annotations

import os
import re
import types
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cxlab.errors import ParameterError

__all__ = [
    "PARAMETERS",
    "ReportParams",
    "client_slug",
    "load_params",
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

# name: (accepted types, kind, default, description). Kind "path" = input file.
PARAMETERS: dict[str, tuple[tuple[type, ...], str, Any, str]] = {
    "client": ((str,), "name", "Sample Bank", "client name, also its reports folder"),
    "data_path": ((str,), _PATH, "data/sample/banking.csv", "survey data file"),
    "codebook": ((str,), _PATH, "data/sample/banking_codebook.yaml", "codebook YAML"),
    "industry": ((str,), "text", "banking", "industry label used in the text"),
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
        "data/sample/clients/targets/banking_margins.yaml",
        "margins YAML for raking, or None",
    ),
    "improvement_costs": (
        (str, _NONE),
        _PATH,
        "data/sample/banking_improvement_costs.csv",
        "improvement-cost table CSV, or None",
    ),
    "executive_data": ((str, _NONE), _PATH, None, "executive self-assessment file, or None"),
    "output_dir": ((str, _NONE), "output", None, "set by the runner; None in a plain run"),
    "seed": ((int,), "int", 0, "random seed for bootstraps and clustering"),
}

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
    industry: str
    segment_filter: dict | None
    min_base: int
    weighting_targets: Path | None
    improvement_costs: Path | None
    executive_data: Path | None
    output_dir: Path | None
    seed: int
    root: Path
    raw: dict = field(default_factory=dict, compare=False)

    @property
    def slug(self) -> str:
        """The client's folder name under the reports folder."""
        return client_slug(self.client)

    def as_dict(self) -> dict:
        """Plain, JSON-friendly dict (paths as strings)."""
        out = asdict(self)
        out.pop("raw")
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in out.items()}


def project_root(start: str | os.PathLike | None = None) -> Path:
    """The project root: ``$CXLAB_ROOT``, else the nearest folder up from ``start``
    (default: the working directory) holding cxlab's ``pyproject.toml``, else the
    folder above the installed ``cxlab`` package.

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
        if _is_cxlab_root(folder):
            return folder
    return Path(__file__).resolve().parent.parent


def _is_cxlab_root(folder: Path) -> bool:
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return False
    return re.search(r'^name\s*=\s*"cxlab"', text, flags=re.MULTILINE) is not None


def reports_root(root: Path | None = None) -> Path:
    """The reports folder: ``$CXLAB_REPORTS_DIR`` or ``<root>/reports``."""
    env = os.environ.get(REPORTS_ENV)
    if env:
        return Path(env).resolve()
    return (root or project_root()) / "reports"


def resolve_path(value: str | os.PathLike, root: Path | None = None) -> Path:
    """Resolve ``value`` against the project root (absolute paths are kept)."""
    path = Path(os.path.expanduser(str(value)))
    if not path.is_absolute():
        path = (root or project_root()) / path
    return path.resolve()


def client_slug(client: str) -> str:
    """Folder-safe lower-case name: ``"Acme Bank (UK)"`` -> ``"acme-bank-uk"``."""
    slug = re.sub(r"[^a-z0-9]+", "-", client.lower()).strip("-")
    return slug or "client"


def load_params(path: str | os.PathLike, *, check_files: bool = True) -> ReportParams:
    """Read and validate a client's parameter YAML file.

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
    return validate(data, file=str(path), strict=True, check_files=check_files)


def validate(
    namespace: Mapping[str, Any],
    *,
    file: str | None = None,
    strict: bool = False,
    check_files: bool = True,
    root: Path | None = None,
) -> ReportParams:
    """Check parameter names, types and paths; return a :class:`ReportParams`.

    Parameters
    ----------
    namespace : mapping
        Parameter values, e.g. ``globals()`` in the report notebook. Missing names
        take their defaults. With ``strict=False`` (a notebook namespace) only
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

    Raises
    ------
    ParameterError
        Unknown name, wrong type, unsafe client name, missing file, or an
        ``output_dir`` outside the reports folder.

    Examples
    --------
    >>> validate({"min_bsae": 5}, check_files=False)
    Traceback (most recent call last):
    ...
    cxlab.errors.ParameterError: min_bsae: unknown parameter (did you mean 'min_base'?)
    """
    root = (root or project_root()).resolve()
    given = {k: v for k, v in namespace.items() if strict or _looks_like_parameter(k, v)}
    for name in given:
        if name not in PARAMETERS:
            hint = _closest(name)
            rule = "unknown parameter" + (f" (did you mean {hint!r}?)" if hint else "")
            raise ParameterError(rule, file=file, location=name)
    values: dict[str, Any] = {}
    for name, (accepted, kind, default, _doc) in PARAMETERS.items():
        value = given.get(name, default)
        values[name] = _check(name, value, accepted, kind, file, root, check_files)
    if values["output_dir"] is None and os.environ.get(OUTPUT_ENV):
        values["output_dir"] = _check_output(os.environ[OUTPUT_ENV], file, root)
    raw = {name: given.get(name, PARAMETERS[name][2]) for name in PARAMETERS}
    return ReportParams(**values, root=root, raw=raw)


def _looks_like_parameter(name: str, value: Any) -> bool:
    if name.startswith("_") or name in _IPYTHON_NAMES:
        return False
    if isinstance(value, types.ModuleType) or callable(value):
        return False
    return isinstance(value, _LITERAL_TYPES)


def _closest(name: str) -> str | None:
    import difflib

    match = difflib.get_close_matches(name, list(PARAMETERS), n=1, cutoff=0.6)
    return match[0] if match else None


def _check(name, value, accepted, kind, file, root, check_files):
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
    if kind == "positive" and value < 1:
        raise ParameterError("must be at least 1", file=file, location=name)
    if kind == "text" and not value.strip():
        raise ParameterError("must not be empty", file=file, location=name)
    if kind == "filter":
        return _check_filter(value, file, name)
    if kind == _PATH:
        if "\x00" in value or not value.strip():
            raise ParameterError("not a usable path", file=file, location=name)
        path = resolve_path(value, root)
        if check_files and not path.is_file():
            raise ParameterError(f"file not found: {path}", file=file, location=name)
        return path
    if kind == "output":
        return _check_output(value, file, root)
    return value


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


def _check_output(value: str, file, root: Path) -> Path:
    """A run folder inside the reports folder (real paths, so no symlink leads out of
    it) that is new or empty: a finished run is never written into."""
    path = resolve_path(value, root)
    base = reports_root(root).resolve()
    if not path.is_relative_to(base):
        raise ParameterError(
            f"output_dir {path} is outside the reports folder {base}",
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
