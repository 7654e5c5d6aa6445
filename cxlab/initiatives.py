"""Initiatives: the pieces of work a client can fund, and what each one enables.

A roadmap (:mod:`cxlab.roadmap`) sequences *initiatives* ("new contact-centre platform"),
not events: an initiative costs money, takes one or more phases, builds an operational
capability, enables the course of action of one or more customer events, and may need
other initiatives finished first. One small file per client names them, in YAML or CSV.

YAML (settings of the plan optional, initiatives required)::

    phases: 4                  # planning phases (time boxes)
    phase_years: 1             # length of a phase in years
    budget_per_phase: 2000000  # money a phase can spend (one number, or one per phase)
    max_parallel: 2            # initiatives under way at once (one number, or one per phase)
    initiatives:
      - id: crm
        name: Customer data platform
        cost: 1200000          # total cost, spent evenly over its phases
        duration: 1            # whole phases
        capability: Customer data
        enables: []            # event_ids whose actions it enables
        depends_on: []         # initiative ids that must have ended before it starts
      - id: contact_centre
        name: Contact centre upgrade
        cost: 3000000
        duration: 2
        capability: Contact centre
        enables: [resolve_issue]
        depends_on: [crm]

CSV: one row per initiative with the columns ``id, name, cost, duration, capability,
enables, depends_on``; lists are separated by ``;`` or ``|`` (use ``|`` in a file whose
columns are separated by semicolons). A CSV carries no settings.

Only ``id``, ``cost`` and ``duration`` are required; ``name`` defaults to the id, the
rest to "none". :func:`load_initiatives` checks every rule and reports every problem
of the file in one :class:`~cxlab.errors.DataError` (file, initiative and key or file
line and column, rule): unknown keys, a missing or repeated id, costs that are not
finite non-negative numbers, durations that are not whole numbers of phases, events the
survey does not have, dependencies on unknown initiatives, a dependency cycle (named:
``a -> b -> a``), and initiatives that can never be scheduled (longer than the plan,
costing more a phase than any phase's budget, or behind a dependency chain that cannot
end in time).

The event lenses ``capability`` and ``initiative`` (:func:`cxlab.eventmap.lens_map`)
come from this file for every event an initiative enables, and from the codebook's
``lenses`` for the others (:meth:`Initiatives.lenses`).

Examples
--------
>>> from cxlab.initiatives import initiatives_from_records
>>> inits = initiatives_from_records([
...     {"id": "a", "cost": 100, "duration": 1, "enables": ["e1"]},
...     {"id": "b", "cost": 50, "duration": 2, "enables": ["e2"], "depends_on": ["a"]},
... ])
>>> inits.table[["initiative", "cost", "duration", "depends_on"]]
  initiative   cost  duration depends_on
0          a  100.0         1         ()
1          b   50.0         2       (a,)
"""

from __future__ import annotations

import difflib
import numbers
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxlab.display import Card
from cxlab.errors import CxlabError, DataError, ParameterError, combine_errors

__all__ = [
    "INITIATIVE_KEYS",
    "SETTING_KEYS",
    "Initiatives",
    "dependency_cycle",
    "initiatives_from_records",
    "load_initiatives",
    "schedule_problems",
]

#: Keys of one initiative (``id``, ``cost`` and ``duration`` are required).
INITIATIVE_KEYS = ("id", "name", "cost", "duration", "capability", "enables", "depends_on")
_REQUIRED_KEYS = ("id", "cost", "duration")

#: Optional top-level settings of a YAML initiatives file (arguments of
#: :func:`cxlab.roadmap.plan`).
SETTING_KEYS = ("phases", "phase_years", "budget_per_phase", "max_parallel")

_LIST_SPLIT = re.compile(r"[;|]")


# ------------------------------------------------------------------ the result
@dataclass(frozen=True, repr=False)
class Initiatives(Card):
    """A client's initiatives, validated.

    Attributes
    ----------
    table : DataFrame
        One row per initiative in file order: ``initiative`` (id), ``name``, ``cost``
        (total), ``duration`` (phases), ``capability``, ``enabled_events`` and
        ``depends_on`` (tuples of ids), ``location`` (file line or YAML position).
    settings : dict
        The plan settings the file gives (``phases``, ``phase_years``,
        ``budget_per_phase``, ``max_parallel``); pass them on with
        ``plan(value_case, inits, **inits.settings)``.
    file : str or None
        The file they were read from.
    """

    table: pd.DataFrame
    settings: dict = field(default_factory=dict)
    file: str | None = None

    @property
    def ids(self) -> list[str]:
        """Initiative ids in file order."""
        return list(self.table["initiative"])

    @property
    def enabled_events(self) -> list[str]:
        """Every event some initiative enables, in order of first mention."""
        seen: dict[str, None] = {}
        for evs in self.table["enabled_events"]:
            seen.update(dict.fromkeys(evs))
        return list(seen)

    def summary(self) -> pd.DataFrame:
        """The initiatives in report form (lists as text)."""
        t = self.table
        return pd.DataFrame(
            {
                "initiative": t["name"],
                "id": t["initiative"],
                "cost": t["cost"],
                "duration (phases)": t["duration"],
                "capability": t["capability"].fillna(""),
                "enables": [", ".join(e) for e in t["enabled_events"]],
                "depends on": [", ".join(d) for d in t["depends_on"]],
            }
        )

    def lenses(self, events: pd.DataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
        """``events`` with the ``capability`` and ``initiative`` lenses from this file.

        For every event an initiative enables, ``lens_initiative`` is the initiative's
        name and ``lens_capability`` the capability it builds (several joined with
        " + ", in file order); every other event keeps the codebook's tags (missing:
        NaN, shown as "(none)" by the lens map). ``lens_source`` says which.

        Parameters
        ----------
        events : DataFrame
            ``survey.events`` (``event_id`` and, from the codebook, ``lens_*``).
        labels : mapping, optional
            ``{initiative id: label}`` replacing the names in ``lens_initiative`` (e.g.
            the phases of a roadmap, :meth:`cxlab.roadmap.Roadmap.lenses`).

        Returns
        -------
        DataFrame
            A copy of ``events``.

        Examples
        --------
        >>> inits.lenses(survey.events)[["event_id", "lens_initiative"]]  # doctest: +SKIP
        """
        out = events.copy()
        for col in ("lens_capability", "lens_initiative"):
            if col not in out.columns:
                out[col] = np.nan
            out[col] = out[col].astype(object)
        names: dict[str, list[str]] = {}
        caps: dict[str, list[str]] = {}
        for row in self.table.itertuples():
            for e in row.enabled_events:
                label = (labels or {}).get(row.initiative, str(row.name))
                names.setdefault(e, []).append(str(label))
                if isinstance(row.capability, str) and row.capability not in caps.get(e, []):
                    caps.setdefault(e, []).append(row.capability)
        source = []
        for i, e in zip(out.index, out["event_id"], strict=True):
            if e in names:
                out.at[i, "lens_initiative"] = " + ".join(names[e])
                if caps.get(e):
                    out.at[i, "lens_capability"] = " + ".join(caps[e])
                source.append("initiatives file")
            else:
                source.append("codebook")
        out["lens_source"] = source
        return out


# ---------------------------------------------------------------- validation
def _close(name: str, allowed: Sequence[str]) -> str:
    match = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _is_number(value) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and bool(np.isfinite(float(value)))
    )


def _as_number(value):
    """``value`` as a float when it is a number or numeric text, else None."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    return float(value) if _is_number(value) else None


def _as_list(value) -> list | None:
    """A list of ids from a list, a single id or separated text; None when malformed."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [v.strip() for v in _LIST_SPLIT.split(value) if v.strip()]
    if isinstance(value, list | tuple):
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
            return None
        return [str(v).strip() for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return [str(value)]
    return None


def dependency_cycle(depends_on: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A dependency cycle as a path ``[a, b, ..., a]``, or None when there is none.

    Dependencies on ids that are not keys are ignored.

    Parameters
    ----------
    depends_on : mapping of str to iterable of str
        Each id's dependencies (the ids it depends on).

    Examples
    --------
    >>> dependency_cycle({"a": ["b"], "b": ["c"], "c": ["a"]})
    ['a', 'b', 'c', 'a']
    >>> dependency_cycle({"a": [], "b": ["a"]}) is None
    True
    """
    graph = {k: [d for d in v if d in depends_on] for k, v in depends_on.items()}
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for root in graph:
        if state.get(root):
            continue
        stack = [(root, iter(graph[root]))]
        path = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child) :] + [child]
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(graph[child])))
                path.append(child)
    return None


def _per_phase(value, name: str, phases: int, *, integer: bool, minimum: float):
    """A per-phase setting (None, one number or one per phase) as a list, or an error text."""
    if value is None:
        return None, None
    values = list(value) if isinstance(value, list | tuple | np.ndarray) else [value]
    if len(values) not in (1, phases):
        return None, f"{name} must be one number or one per phase ({phases}), got {len(values)}"
    out = []
    for v in values:
        num = _as_number(v) if not isinstance(v, str) else None
        if num is None or num < minimum or (integer and num != int(num)):
            kind = "a whole number" if integer else "a finite number"
            return None, f"{name} must be {kind} >= {minimum:g}, got {v!r}"
        out.append(int(num) if integer else float(num))
    return (out * phases if len(out) == 1 else out), None


def _check_settings(settings: Mapping, *, file=None, error=DataError) -> dict:
    """Validated plan settings; every problem in one error."""
    problems = []
    out: dict = {}
    for key in settings:
        if key not in SETTING_KEYS and key != "initiatives":
            problems.append(
                error(
                    f"unknown setting{_close(str(key), SETTING_KEYS)}; allowed: "
                    f"{', '.join(SETTING_KEYS)} and initiatives",
                    file=file,
                    location=str(key),
                )
            )
    phases = settings.get("phases")
    if phases is not None:
        num = _as_number(phases) if not isinstance(phases, str) else None
        if num is None or num < 1 or num != int(num):
            problems.append(
                error(
                    f"must be a whole number of phases >= 1, got {phases!r}",
                    file=file,
                    location="phases",
                )
            )
            phases = None
        else:
            out["phases"] = phases = int(num)
    py = settings.get("phase_years")
    if py is not None:
        num = _as_number(py) if not isinstance(py, str) else None
        if num is None or num <= 0:
            problems.append(
                error(
                    f"must be a positive number of years, got {py!r}",
                    file=file,
                    location="phase_years",
                )
            )
        else:
            out["phase_years"] = float(num)
    for key, integer, minimum in (("budget_per_phase", False, 0.0), ("max_parallel", True, 1)):
        value = settings.get(key)
        if value is None:
            continue
        n = phases or (len(value) if isinstance(value, list) else 1)
        checked, why = _per_phase(value, key, n, integer=integer, minimum=minimum)
        if why:
            problems.append(error(why, file=file, location=key))
        else:
            keep = checked if isinstance(value, list) else checked[0]
            out[key] = keep
    if problems:
        raise combine_errors(problems)
    return out


def schedule_problems(
    table: pd.DataFrame,
    phases: int,
    budget: Sequence[float] | None,
    max_parallel: Sequence[int] | None,
) -> list[str]:
    """Why initiatives can never be scheduled in ``phases`` phases, in words.

    An initiative spends ``cost / duration`` in each phase it runs. It cannot be
    scheduled when it lasts longer than the plan, when no run of ``duration``
    consecutive phases has the budget for its spend a phase (or room under
    ``max_parallel``), or when its dependency chain cannot end before it would have to
    start. Empty when everything can be scheduled.

    Parameters
    ----------
    table : DataFrame
        :attr:`Initiatives.table`.
    phases : int
    budget, max_parallel : sequence, one value per phase, or None (no limit)

    Returns
    -------
    list of str
    """
    problems = []
    earliest: dict[str, int] = {}  # first phase an initiative can end in (None: never)
    duration = dict(zip(table["initiative"], table["duration"], strict=True))
    cost = dict(zip(table["initiative"], table["cost"], strict=True))
    deps = dict(zip(table["initiative"], table["depends_on"], strict=True))
    fits: dict[str, list[int]] = {}
    for i in table["initiative"]:
        d = int(duration[i])
        spend = cost[i] / d
        starts = []
        for s in range(1, phases - d + 2):
            window = range(s - 1, s - 1 + d)
            if budget is not None and any(spend > budget[t] * (1 + 1e-9) for t in window):
                continue
            if max_parallel is not None and any(max_parallel[t] < 1 for t in window):
                continue
            starts.append(s)
        fits[i] = starts
        if d > phases:
            problems.append(
                f"initiative {i!r} lasts {d} phases, longer than the plan ({phases} phases)"
            )
        elif not starts:
            most = max(budget) if budget is not None else float("inf")
            problems.append(
                f"initiative {i!r} costs {cost[i]:,.0f} over {d} phase(s), "
                f"{spend:,.0f} a phase: more than any phase's budget (at most {most:,.0f})"
            )
    if problems:
        return problems
    order = _topological(deps)
    chain: dict[str, list[str]] = {}
    for i in order:
        ready = 1  # earliest start
        longest: list[str] = []
        for dep in deps[i]:
            if earliest.get(dep) is None:
                ready = None
                break
            if earliest[dep] + 1 > ready:
                ready, longest = earliest[dep] + 1, chain[dep]
        start = next((s for s in fits[i] if ready is not None and s >= ready), None)
        earliest[i] = None if start is None else start + int(duration[i]) - 1
        chain[i] = longest + [i]
        if start is None and ready is not None and all(earliest.get(d) for d in deps[i]):
            problems.append(
                f"initiative {i!r} cannot end within {phases} phases: its dependency chain "
                f"{' -> '.join(chain[i])} cannot be fitted (durations, budgets) in time"
            )
    return problems


def _topological(deps: Mapping[str, Sequence[str]]) -> list[str]:
    done: dict[str, None] = {}

    def visit(node, seen=()):
        if node in done or node not in deps or node in seen:
            return
        for d in deps[node]:
            visit(d, (*seen, node))
        done[node] = None

    for node in deps:
        visit(node)
    return list(done)


def _event_ids(events) -> set[str] | None:
    if events is None:
        return None
    if isinstance(events, pd.DataFrame):
        return set(events["event_id"].astype(str))
    if hasattr(events, "events") and isinstance(events.events, pd.DataFrame):
        return set(events.events["event_id"].astype(str))
    return {str(e) for e in events}


def initiatives_from_records(
    records,
    *,
    events=None,
    settings: Mapping | None = None,
    file: str | None = None,
    lines: Sequence | None = None,
) -> Initiatives:
    """Validate initiatives given as records (dicts) or a DataFrame.

    Parameters
    ----------
    records : list of dict or DataFrame
        One per initiative, keys :data:`INITIATIVE_KEYS` (lists as lists, or text
        separated by ``;`` or ``|``).
    events : Survey, DataFrame or iterable of str, optional
        The survey's events (``survey``, ``survey.events`` or event ids): every
        enabled event must be one of them. None: not checked.
    settings : mapping, optional
        Plan settings (:data:`SETTING_KEYS`), checked and kept in
        :attr:`Initiatives.settings`; the schedulability check uses them.
    file : str, optional
        Named in errors.
    lines : sequence, optional
        File line of each record (CSV), named in errors; otherwise errors name the
        YAML position ``initiatives[i]``.

    Returns
    -------
    Initiatives

    Raises
    ------
    DataError
        Every problem together (see the module docstring).
    """
    if isinstance(records, pd.DataFrame):
        frame = records
        records = [
            {k: v for k, v in row.items() if not (k != "id" and _blank(v))}
            for row in frame.to_dict("records")
        ]
    if not isinstance(records, list | tuple):
        raise DataError(
            f"initiatives must be a list of initiatives, got {type(records).__name__}",
            file=file,
            location="initiatives",
        )
    settings = _check_settings(dict(settings or {}), file=file)
    if not records:
        raise DataError("no initiatives given", file=file, location="initiatives")
    problems: list[CxlabError] = []
    known_events = _event_ids(events)

    def where(i: int, key: str | None = None) -> dict:
        if lines is not None:
            return {"file": file, "rows": [lines[i]], "column": key}
        loc = f"initiatives[{i}]"
        rid = records[i].get("id") if isinstance(records[i], Mapping) else None
        if isinstance(rid, str | int) and not isinstance(rid, bool):
            loc += f" (id {str(rid)!r})"
        return {"file": file, "location": loc + (f".{key}" if key else "")}

    rows = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, Mapping):
            problems.append(DataError("an initiative must be a mapping of key: value", **where(i)))
            continue
        bad = False
        for key in rec:
            if key not in INITIATIVE_KEYS:
                problems.append(
                    DataError(
                        f"unknown key {str(key)!r}{_close(str(key), INITIATIVE_KEYS)}; allowed: "
                        + ", ".join(INITIATIVE_KEYS),
                        **where(i),
                    )
                )
        for key in _REQUIRED_KEYS:
            if _blank(rec.get(key)):
                problems.append(DataError(f"missing required key {key!r}", **where(i)))
                bad = True
        rid = rec.get("id")
        if not _blank(rid):
            if isinstance(rid, bool) or not isinstance(rid, str | int):
                problems.append(DataError(f"id must be text, got {rid!r}", **where(i, "id")))
                bad = True
            else:
                rid = str(rid).strip()
                if rid in seen:
                    problems.append(
                        DataError(
                            f"id {rid!r} is given twice (also initiative {seen[rid] + 1})",
                            **where(i, "id"),
                        )
                    )
                    bad = True
                seen.setdefault(rid, i)
        cost = rec.get("cost")
        num_cost = _as_number(cost)
        if not _blank(cost) and (num_cost is None or num_cost < 0):
            problems.append(
                DataError(
                    f"cost must be a finite number >= 0 (total money), got {cost!r}",
                    **where(i, "cost"),
                )
            )
            bad = True
        dur = rec.get("duration")
        num_dur = _as_number(dur)
        if not _blank(dur) and (num_dur is None or num_dur < 1 or num_dur != int(num_dur)):
            problems.append(
                DataError(
                    f"duration must be a whole number of phases >= 1, got {dur!r}",
                    **where(i, "duration"),
                )
            )
            bad = True
        lists = {}
        for key in ("enables", "depends_on"):
            value = _as_list(rec.get(key))
            if value is None:
                problems.append(
                    DataError(f"{key} must be a list of ids, got {rec.get(key)!r}", **where(i, key))
                )
                bad = True
                value = []
            lists[key] = value
        if known_events is not None:
            unknown = [e for e in lists["enables"] if e not in known_events]
            if unknown:
                problems.append(
                    DataError(
                        f"unknown event(s) {', '.join(map(repr, unknown))}; the survey's "
                        f"events are {', '.join(sorted(known_events))}",
                        **where(i, "enables"),
                    )
                )
                bad = True
        for key in ("name", "capability"):
            v = rec.get(key)
            if not _blank(v) and not isinstance(v, str | int | float):
                problems.append(DataError(f"{key} must be text, got {v!r}", **where(i, key)))
                bad = True
        if bad:
            continue
        name = rec.get("name")
        cap = rec.get("capability")
        rows.append(
            {
                "initiative": rid,
                "name": str(name).strip() if not _blank(name) else rid,
                "cost": float(num_cost),
                "duration": int(num_dur),
                "capability": str(cap).strip() if not _blank(cap) else np.nan,
                "enabled_events": tuple(dict.fromkeys(lists["enables"])),
                "depends_on": tuple(dict.fromkeys(lists["depends_on"])),
                "location": f"line {lines[i]}" if lines is not None else f"initiatives[{i}]",
                "_i": i,
            }
        )
    ids = set(seen)
    for row in rows:
        i = row["_i"]
        for dep in row["depends_on"]:
            if dep == row["initiative"]:
                problems.append(
                    DataError("an initiative cannot depend on itself", **where(i, "depends_on"))
                )
            elif dep not in ids:
                problems.append(
                    DataError(
                        f"depends on unknown initiative {dep!r}{_close(dep, sorted(ids))}",
                        **where(i, "depends_on"),
                    )
                )
    if not problems:
        cycle = dependency_cycle({r["initiative"]: r["depends_on"] for r in rows})
        if cycle:
            problems.append(
                DataError(
                    f"dependency cycle {' -> '.join(cycle)}: none of these can ever start",
                    file=file,
                    location="depends_on",
                )
            )
    table = pd.DataFrame(rows, columns=[*_COLUMNS, "_i"]).drop(columns="_i")
    if not problems and "phases" in settings:
        phases = settings["phases"]
        budget = settings.get("budget_per_phase")
        par = settings.get("max_parallel")
        budget = (
            None
            if budget is None
            else (list(budget) if isinstance(budget, list) else [budget] * phases)
        )
        par = None if par is None else (list(par) if isinstance(par, list) else [par] * phases)
        for text in schedule_problems(table, phases, budget, par):
            problems.append(DataError(text + " (settings of this file)", file=file))
    if problems:
        raise combine_errors(problems)
    return Initiatives(table=table.reset_index(drop=True), settings=settings, file=file)


_COLUMNS = (
    "initiative",
    "name",
    "cost",
    "duration",
    "capability",
    "enabled_events",
    "depends_on",
    "location",
)


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def load_initiatives(path: str | os.PathLike, *, events=None) -> Initiatives:
    """Read and validate a client's initiatives file (YAML or CSV).

    Parameters
    ----------
    path : path
        ``.yaml`` / ``.yml`` (initiatives and optional plan settings) or ``.csv``.
    events : Survey, DataFrame or iterable of str, optional
        The survey's events; every enabled event must be one of them.

    Returns
    -------
    Initiatives

    Raises
    ------
    DataError
        The file cannot be read, or breaks a rule: every problem in one error naming
        the file, the initiative and key (YAML) or the file line and column (CSV).

    Examples
    --------
    >>> inits = load_initiatives("data/sample/banking_initiatives.yaml")
    >>> inits.ids[:2]
    ['crm', 'contact_centre']
    """
    import yaml

    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise DataError("initiatives file not found", file=file)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            raise DataError(f"cannot read the file ({err})", file=file) from err
        except yaml.YAMLError as err:
            raise DataError(f"not valid YAML: {err}", file=file) from err
        if isinstance(data, list):
            return initiatives_from_records(data, events=events, file=file)
        if not isinstance(data, dict) or "initiatives" not in data:
            raise DataError(
                "an initiatives file is a list of initiatives, or a mapping with "
                "'initiatives:' (and optional settings " + ", ".join(SETTING_KEYS) + ")",
                file=file,
            )
        settings = {k: v for k, v in data.items() if k != "initiatives"}
        return initiatives_from_records(
            data["initiatives"], events=events, settings=settings, file=file
        )
    if suffix in (".csv", ".txt", ".tsv"):
        from cxlab.io import read_table

        frame, info = read_table(path)
        frame.columns = [str(c).strip() for c in frame.columns]
        unknown = [c for c in frame.columns if c not in INITIATIVE_KEYS]
        if unknown:
            raise DataError(
                "unknown column(s)"
                + "".join(f"; {c!r}{_close(c, INITIATIVE_KEYS)}" for c in unknown)
                + "; allowed: "
                + ", ".join(INITIATIVE_KEYS),
                file=file,
                column=unknown,
            )
        offset = int(info.get("row_offset", 2))
        lines = [offset + k for k in range(len(frame))]
        return initiatives_from_records(frame, events=events, file=file, lines=lines)
    raise ParameterError(
        f"an initiatives file is YAML (.yaml) or CSV (.csv), got {suffix or 'no suffix'!r}",
        file=file,
    )
