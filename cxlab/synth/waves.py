"""Synthetic tracking studies: the same survey fielded in several waves, with planted
changes in event satisfaction and in the customer mix.

Each wave is an independent sample from the consumer study of
:func:`cxlab.synth.make_frame` (its own seed). A planted change moves an event's
satisfaction ratings by whole points, respondent by respondent, so that the wave's
mean satisfaction with that event moves by exactly the planted amount (to 1/n):
``round(change x n)`` points are spread at random over the rating points available
below the top of the scale (above the bottom, for a fall), so ratings stay on the
1-10 scale and low scorers improve most. A mix shift draws the wave's sample with
given shares of a demographic (``age_band``, ``country`` or ``gender``); as age moves
likelihood to recommend, an older mix raises net advocacy without any event changing.

Examples
--------
>>> from cxlab.synth import make_waves
>>> survey, truth = make_waves("banking", n_waves=3, n_respondents=200, seed=0)
>>> truth["planted_changes"]["resolve_issue"]
{'W2': 0.5}
>>> make_waves("banking", n_waves=2, n_respondents=100, changes={})[1]["planted_changes"]
{}
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from cxlab.codebook import Codebook
from cxlab.errors import DataQualityWarning, ParameterError
from cxlab.survey import Survey, survey_from_frame
from cxlab.synth.consumer import INDUSTRIES, make_frame

__all__ = ["make_waves", "make_wave_frame", "write_waves", "default_changes", "MIX_VARIABLES"]

#: demographics whose shares a wave's sample can be drawn with
MIX_VARIABLES = ("age_band", "country", "gender")
_WAVE_COLUMN = "wave"
_TOP, _BOTTOM = 10.0, 1.0


def _labels(n_waves: int) -> list[str]:
    return [f"W{i + 1}" for i in range(n_waves)]


def default_changes(industry: str, n_waves: int) -> dict[str, dict[str, float]]:
    """The changes :func:`make_waves` plants when ``changes`` is None.

    The event planted for a fix improves by 0.5 in wave 2 (and by 0.4 more in wave 4),
    the event planted for the basics by 0.6 in wave 3, and the first event planted for
    "maintain" falls by 0.5 in wave 4 (waves beyond ``n_waves`` are left out).

    Parameters
    ----------
    industry : {"banking", "automotive"}
        The industry whose planted events are changed.
    n_waves : int
        The number of waves; changes planted at later waves are dropped.

    Returns
    -------
    dict
        ``{event_id: {wave: change}}``.

    Examples
    --------
    >>> default_changes("banking", 4)["branch_service"]
    {'W3': 0.6}
    """
    _, _, truth = make_frame(industry, 10, 0)
    by_action = {a: e for e, a in truth["planted_actions"].items()}
    plan = {
        by_action["fix"]: {"W2": 0.5, "W4": 0.4},
        by_action["basics"]: {"W3": 0.6},
        truth["maintain_events"][0]: {"W4": -0.5},
    }
    labels = set(_labels(n_waves)[1:])
    out = {}
    for event, waves in plan.items():
        kept = {w: c for w, c in waves.items() if w in labels}
        if kept:
            out[event] = kept
    return out


def _check(industry, n_waves, n_respondents, seed, changes, mix, events):
    if industry not in INDUSTRIES:
        raise ParameterError(f"industry must be one of {list(INDUSTRIES)}", location="industry")
    if isinstance(n_waves, bool) or not isinstance(n_waves, int | np.integer) or n_waves < 2:
        raise ParameterError(
            f"n_waves must be an integer >= 2, got {n_waves!r}", location="n_waves"
        )
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise ParameterError(f"seed must be an integer, got {seed!r}", location="seed")
    labels = _labels(n_waves)
    if not isinstance(changes, dict):
        raise ParameterError("changes maps event_id -> {wave: change}", location="changes")
    for event, waves in changes.items():
        if event not in events:
            raise ParameterError(
                f"unknown event {event!r}; the events are {events}", location=f"changes.{event}"
            )
        if not isinstance(waves, dict):
            raise ParameterError("a change is {wave: change}", location=f"changes.{event}")
        for wave, change in waves.items():
            loc = f"changes.{event}.{wave}"
            if wave not in labels[1:]:
                raise ParameterError(
                    f"a change is planted at one of the waves {labels[1:]} (relative to the "
                    "wave before it)",
                    location=loc,
                )
            if isinstance(change, bool) or not isinstance(change, int | float):
                raise ParameterError("a change is a number of scale points", location=loc)
            if not math.isfinite(change) or abs(change) > 3:
                raise ParameterError("a change is at most 3 scale points", location=loc)
    if not isinstance(mix, dict):
        raise ParameterError("mix maps wave -> {variable: {category: share}}", location="mix")
    for wave, spec in mix.items():
        if wave not in labels:
            raise ParameterError(f"unknown wave {wave!r}; waves are {labels}", location="mix")
        if not isinstance(spec, dict) or len(spec) != 1:
            raise ParameterError(
                "a mix shift draws one variable's shares: {variable: {category: share}}",
                location=f"mix.{wave}",
            )
        ((var, shares),) = spec.items()
        if var not in MIX_VARIABLES:
            raise ParameterError(
                f"a mix shift is planted on one of {list(MIX_VARIABLES)}", location=f"mix.{wave}"
            )
        total = sum(shares.values()) if isinstance(shares, dict) else None
        if total is None or any(v < 0 for v in shares.values()) or abs(total - 1) > 1e-9:
            raise ParameterError("shares are non-negative and sum to 1", location=f"mix.{wave}")
    if isinstance(n_respondents, bool) or not isinstance(n_respondents, int | np.integer):
        raise ParameterError("n_respondents must be an integer", location="n_respondents")


def _category_of(frame: pd.DataFrame, codebook: dict, var: str) -> np.ndarray:
    demo = codebook["demographics"]
    if var == "age_band":
        edges = demo["age"]["bands"]
        age = frame[demo["age"]["column"]].to_numpy(dtype=float)
        labels = [f"{lo}-{hi - 1}" if i < len(edges) - 2 else f"{lo}-{hi}"
                  for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True))]  # fmt: skip
        idx = np.clip(np.searchsorted(edges, age, side="right") - 1, 0, len(labels) - 1)
        return np.asarray(labels, dtype=object)[idx]
    labels = demo[var]["labels"]
    return np.array([labels.get(int(c)) for c in frame[demo[var]["column"]]], dtype=object)


def _draw_mix(pool: pd.DataFrame, codebook, var, shares, n, rng, wave) -> pd.DataFrame:
    cats = _category_of(pool, codebook, var)
    known = set(cats.tolist())
    unknown = [c for c in shares if c not in known]
    if unknown:
        raise ParameterError(
            f"categories {unknown} of {var!r} do not occur (known: {sorted(known)})",
            location=f"mix.{wave}",
        )
    names = list(shares)
    counts = np.floor(np.array([shares[c] for c in names]) * n).astype(int)
    rest = n - counts.sum()
    frac = np.array([shares[c] for c in names]) * n - counts
    counts[np.argsort(-frac, kind="stable")[:rest]] += 1
    rows = []
    for name, count in zip(names, counts, strict=True):
        where = np.flatnonzero(cats == name)
        if count > where.size:
            raise ParameterError(
                f"wave {wave}: a share of {shares[name]:g} for {var}={name} is more than the "
                "simulation can draw; use less extreme shares",
                location=f"mix.{wave}",
            )
        rows.append(rng.choice(where, size=count, replace=False))
    keep = np.sort(np.concatenate(rows))
    return pool.iloc[keep].reset_index(drop=True)


def _shift(values: np.ndarray, change: float, rng) -> np.ndarray:
    """Move valid 1-10 ratings by whole points so that their mean moves by ``change``."""
    out = values.copy()
    valid = np.flatnonzero(np.isfinite(values) & (values >= _BOTTOM) & (values <= _TOP))
    points = int(round(abs(change) * valid.size))
    if points == 0:
        return out
    room = (_TOP - values[valid]) if change > 0 else (values[valid] - _BOTTOM)
    room = room.astype(int)
    if points > room.sum():
        raise ParameterError(
            f"a change of {change:+g} points is more than the ratings have room for"
        )
    units = np.repeat(np.arange(valid.size), room)
    chosen = rng.choice(units.size, size=points, replace=False)
    moves = np.bincount(units[chosen], minlength=valid.size).astype(float)
    out[valid] = values[valid] + np.sign(change) * moves
    return out


def make_wave_frame(
    industry: str = "banking",
    n_waves: int = 4,
    n_respondents: int = 631,
    seed: int = 0,
    changes: dict | None = None,
    mix: dict | None = None,
) -> tuple[pd.DataFrame, dict, dict]:
    """The raw file of a synthetic tracking study (every wave, a ``wave`` column), its
    codebook dict (with ``wave: wave`` and the ``waves:`` order) and its truth.

    Respondent ids restart in every wave (``R000001``...), as many clients' do: the
    same id in two waves is two respondents.

    Parameters
    ----------
    industry, n_waves, n_respondents, seed, changes, mix
        As in :func:`make_waves`.

    Returns
    -------
    data : pandas.DataFrame
        Every wave's rows, with a ``wave`` column.
    codebook : dict
        The codebook, with ``wave: wave`` and the ``waves:`` order.
    truth : dict
        As returned by :func:`make_waves`.
    """
    _, codebook, base_truth = make_frame(industry, 10, 0)
    events = [e["id"] for e in codebook["events"]]
    changes = default_changes(industry, n_waves) if changes is None else changes
    mix = {} if mix is None else mix
    _check(industry, n_waves, n_respondents, seed, changes, mix, events)
    labels = _labels(n_waves)
    sat_column = {e["id"]: e["items"]["satisfaction"] for e in codebook["events"]}
    frames = []
    cumulative = {e: 0.0 for e in changes}
    cumulative_by_wave = {e: {} for e in changes}
    for w, label in enumerate(labels):
        wave_seed = int(seed) * 1009 + w
        rng = np.random.default_rng([int(seed), 16, w])
        if label in mix:
            ((var, shares),) = mix[label].items()
            pool, _, _ = make_frame(industry, 4 * int(n_respondents), wave_seed)
            frame = _draw_mix(pool, codebook, var, shares, int(n_respondents), rng, label)
        else:
            frame, _, _ = make_frame(industry, int(n_respondents), wave_seed)
        for event in changes:
            cumulative[event] += float(changes[event].get(label, 0.0))
            cumulative_by_wave[event][label] = round(cumulative[event], 12)
            if cumulative[event] != 0:
                col = sat_column[event]
                frame[col] = _shift(frame[col].to_numpy(dtype=float), cumulative[event], rng)
        frame["resp_id"] = [f"R{i + 1:06d}" for i in range(len(frame))]
        frame.insert(1, _WAVE_COLUMN, label)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    codebook = dict(codebook)
    codebook["name"] = f"Sample {industry} tracking study"
    codebook["wave"] = _WAVE_COLUMN
    codebook["waves"] = list(labels)
    truth = {
        "industry": industry,
        "n_waves": int(n_waves),
        "n_respondents": int(n_respondents),
        "seed": int(seed),
        "waves": labels,
        "planted_changes": {e: {w: float(c) for w, c in v.items()} for e, v in changes.items()},
        "cumulative_changes": cumulative_by_wave,
        "planted_mix": {w: {v: dict(s) for v, s in spec.items()} for w, spec in mix.items()},
        "planted_actions": base_truth["planted_actions"],
        "maintain_events": base_truth["maintain_events"],
        "population_margins": base_truth["population_margins"],
        "age_effect_on_recommend": base_truth["age_effect_on_recommend"],
        "change_rule": "a change moves the wave's mean satisfaction with the event by exactly "
        "that many points (to 1/n) relative to the wave before it",
    }
    return data, codebook, truth


def make_waves(
    industry: str = "banking",
    n_waves: int = 4,
    n_respondents: int = 631,
    seed: int = 0,
    changes: dict | None = None,
    mix: dict | None = None,
) -> tuple[Survey, dict]:
    """A synthetic tracking study: ``n_waves`` independent waves with planted changes.

    Parameters
    ----------
    industry : {"banking", "automotive"}
    n_waves : int
        Waves ``W1`` ... ``Wn`` (at least 2).
    n_respondents : int
        Respondents per wave.
    seed : int
    changes : dict, optional
        ``{event_id: {wave: change}}``: the change in the event's mean satisfaction at
        that wave relative to the wave before it (scale points). None plants
        :func:`default_changes`; ``{}`` plants none.
    mix : dict, optional
        ``{wave: {variable: {category: share}}}``: that wave's sample is drawn with
        these shares of ``age_band``, ``country`` or ``gender`` (a change in the
        customer mix). None: every wave has the usual sample mix.

    Returns
    -------
    survey : Survey
        Respondents and event table with a ``wave`` column (ordered ``W1`` < ``W2``...).
    truth : dict
        ``planted_changes`` (event -> {wave: change vs the previous wave}),
        ``cumulative_changes``, ``planted_mix``, ``waves``, ``planted_actions``,
        ``population_margins``...

    Examples
    --------
    >>> survey, truth = make_waves("banking", n_waves=2, n_respondents=100, seed=3,
    ...                            changes={"resolve_issue": {"W2": 0.5}})
    >>> survey.n_respondents, truth["planted_changes"]
    (200, {'resolve_issue': {'W2': 0.5}})
    """
    frame, codebook, truth = make_wave_frame(industry, n_waves, n_respondents, seed, changes, mix)
    name = f"synth:{industry}:waves:{n_waves}x{n_respondents}:{seed}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        survey = survey_from_frame(
            frame,
            Codebook.from_dict(codebook, source=name),
            file=name,
            source={"path": name, "sha256": None, "format": "synthetic"},
        )
    return survey, truth


def write_waves(
    folder: str | Path,
    industry: str = "banking",
    n_waves: int = 4,
    n_respondents: int = 631,
    seed: int = 0,
    changes: dict | None = None,
    mix: dict | None = None,
    *,
    stem: str | None = None,
    one_file: bool = True,
) -> dict[str, Path]:
    """Write a tracking study: the data (one CSV with a wave column, or one CSV per wave),
    the codebook YAML and the truth JSON. Existing files are never overwritten.

    Returns the written paths: ``data`` (one file) or ``W1``, ``W2``... (one per wave),
    ``codebook``, ``truth``.

    Parameters
    ----------
    folder : str or Path
        Where to write (created if missing).
    industry, n_waves, n_respondents, seed, changes, mix
        As in :func:`make_waves`.
    stem : str, optional
        The start of every file name. Default ``"{industry}_tracking"``.
    one_file : bool, default True
        One CSV with a wave column (and ``wave:`` in the codebook); False writes one
        CSV per wave without the wave column.

    Raises
    ------
    ParameterError
        A file to be written already exists.
    """
    frame, codebook, truth = make_wave_frame(industry, n_waves, n_respondents, seed, changes, mix)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or f"{industry}_tracking"
    paths: dict[str, Path] = {}
    if one_file:
        paths["data"] = folder / f"{stem}.csv"
        outputs = [(paths["data"], frame)]
    else:
        codebook = {k: v for k, v in codebook.items() if k != "wave"}
        outputs = []
        for label in truth["waves"]:
            paths[label] = folder / f"{stem}_{label}.csv"
            part = frame[frame[_WAVE_COLUMN] == label].drop(columns=_WAVE_COLUMN)
            outputs.append((paths[label], part))
    paths["codebook"] = folder / f"{stem}_codebook.yaml"
    paths["truth"] = folder / f"{stem}_truth.json"
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing:
        raise ParameterError(f"files exist and are never overwritten: {existing}")
    for path, part in outputs:
        part.to_csv(path, index=False)
    Codebook.from_dict(codebook).save(paths["codebook"])
    paths["truth"].write_text(json.dumps(truth, indent=1), encoding="utf-8")
    return paths
