"""Survey waves: one survey measured again, in one file or one file per wave.

A tracking study is the same questionnaire fielded again and again. cxlab holds all
its waves in one :class:`~cxlab.Survey` whose respondents (and event table) carry a
``wave`` column, an ordered categorical of text labels. There are two ways in:

* **one file with a wave column**: the codebook's top-level ``wave:`` names the
  column; :func:`cxlab.load_survey` reads it (ids need only be unique within a wave);
* **one file per wave, sharing one codebook**: :func:`load_waves`. The codebook's
  ``waves:`` key may list the waves in order and say what changed between them: an
  item whose column was renamed in a wave's file (``rename: {codebook column: column
  in that file}``) and items a wave did not ask (``not_asked: [codebook columns]``;
  an item added in a later wave is ``not_asked`` in the earlier ones). See
  ``docs/codebook.md``, "Waves".

Waves are independent samples: a respondent id that appears in two waves is two
respondents (the ids are then prefixed with the wave, ``"2025:R17"``), so standard
errors of wave-on-wave changes treat the waves as independent while still clustering
the several events one respondent rates within a wave.

Every estimate accepts ``by="wave"`` (``weighted_mean(survey.event_table(),
"satisfaction", by=["wave", "event_id"])``); :mod:`cxlab.tracking` compares waves.

Examples
--------
>>> from cxlab.synth import make_waves
>>> survey, truth = make_waves("banking", n_waves=3, n_respondents=200, seed=1)
>>> survey.respondents["wave"].cat.categories.tolist()
['W1', 'W2', 'W3']
>>> waves_of(survey)
['W1', 'W2', 'W3']
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from cxlab.codebook import Codebook, wave_label
from cxlab.errors import DataError, DataQualityWarning, ParameterError, combine_errors
from cxlab.survey import Survey, sha256_of, survey_from_frame

__all__ = ["load_waves", "stack_waves", "waves_of", "apply_wave_changes"]


def waves_of(survey: Survey, wave: str = "wave") -> list[str]:
    """The waves a survey holds, in order.

    Parameters
    ----------
    survey : Survey
        The survey to look in.
    wave : str, default "wave"
        The respondents' wave column.

    Raises
    ------
    DataError
        The survey has no ``wave`` column.
    """
    resp = survey.respondents
    if wave not in resp.columns:
        raise DataError(
            "the survey has no wave column (give the codebook a 'wave:' column, or load "
            "one file per wave with cxlab.load_waves)",
            column=wave,
        )
    col = resp[wave]
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.dropna().astype(str))
        return [str(c) for c in col.cat.categories if str(c) in present]
    return list(dict.fromkeys(col.dropna().astype(str)))


def apply_wave_changes(frame: pd.DataFrame, codebook: Codebook, wave, *, file=None):
    """One wave's file as the codebook names it: renamed columns back to the codebook's
    names, columns the wave did not ask added as blanks. The input is not modified.

    Parameters
    ----------
    frame : pandas.DataFrame
        The wave's data as read from its file.
    codebook : Codebook
        The shared codebook; its ``waves`` entry for ``wave`` gives the renamed and the
        not-asked columns (none when the wave has no entry).
    wave
        The wave's label (or a value :func:`cxlab.codebook.wave_label` turns into one).
    file : str, optional
        The file's path, named in the errors.

    Raises
    ------
    DataError
        A renamed column absent from the file, or a "not asked" column the file has.
    """
    change = codebook.waves.get(wave_label(wave), {"rename": {}, "not_asked": ()})
    problems = []
    rename = {}
    for ours, theirs in change["rename"].items():
        if theirs not in frame.columns:
            problems.append(
                DataError(
                    f"wave {wave}: the codebook says {ours!r} is called {theirs!r} in this "
                    "wave's file, but the file has no such column",
                    file=file,
                    column=theirs,
                )
            )
        elif ours in frame.columns:
            problems.append(
                DataError(
                    f"wave {wave}: the file has both {ours!r} and its renamed column {theirs!r}",
                    file=file,
                    column=[ours, theirs],
                )
            )
        else:
            rename[theirs] = ours
    present = [c for c in change["not_asked"] if c in frame.columns]
    if present:
        problems.append(
            DataError(
                f"wave {wave}: the codebook says these columns were not asked, but the file "
                "has them (remove them from not_asked)",
                file=file,
                column=present,
            )
        )
    if problems:
        raise combine_errors(problems)
    out = frame.rename(columns=rename)
    for col in change["not_asked"]:
        out[col] = np.nan
    return out


def load_waves(
    paths: Sequence[str | os.PathLike],
    codebook: str | os.PathLike | dict | Codebook,
    *,
    waves: Sequence | None = None,
    format: str | None = None,
) -> Survey:
    """Read one file per wave, sharing one codebook, into one :class:`~cxlab.Survey`.

    Parameters
    ----------
    paths : list of paths
        The waves' data files, in wave order.
    codebook : path, dict or Codebook
        The codebook every wave shares. Its ``waves:`` key may list the waves and, per
        wave, columns renamed in that wave's file and columns it did not ask.
    waves : list, optional
        The wave labels, one per file, in order. Default: the codebook's ``waves:``
        list (which must then have one label per file).
    format : str, optional
        As in :func:`cxlab.load_survey`.

    Returns
    -------
    Survey
        Respondents and event table with a ``wave`` column (ordered categorical);
        ``source["waves"]`` holds each file's path, sha256 and format; ``quality``
        has a ``wave`` column.

    Raises
    ------
    ParameterError
        No files, labels that do not match the files, or a codebook with a ``wave:``
        column (one file holding every wave is read with :func:`cxlab.load_survey`).
    DataError, CodebookError
        As :func:`cxlab.load_survey`; every wave's problems are reported together.

    Examples
    --------
    >>> import cxlab
    >>> s = cxlab.load_waves(["w1.csv", "w2.csv"], "codebook.yaml", waves=["2025", "2026"])  # doctest: +SKIP
    >>> s.respondents["wave"].value_counts()  # doctest: +SKIP
    """
    from cxlab.io import read_table

    if isinstance(codebook, Codebook):
        cb = codebook
    elif isinstance(codebook, dict):
        cb = Codebook.from_dict(codebook)
    else:
        cb = Codebook.load(codebook)
    paths = [Path(p) for p in paths]
    if not paths:
        raise ParameterError("load_waves needs at least one file", location="paths")
    if cb.wave:
        raise ParameterError(
            f"the codebook names a wave column ({cb.wave!r}): a file holding every wave is "
            "read with cxlab.load_survey; remove 'wave:' to load one file per wave",
            file=cb.source,
            location="wave",
        )
    if waves is None:
        if len(cb.wave_labels) != len(paths):
            raise ParameterError(
                f"{len(paths)} files but the codebook lists {len(cb.wave_labels)} waves: "
                "pass waves=[one label per file]",
                location="waves",
            )
        labels = cb.wave_labels
    else:
        labels = [wave_label(w) for w in waves]
        if len(labels) != len(paths):
            raise ParameterError(
                f"{len(paths)} files but {len(labels)} wave labels", location="waves"
            )
        if len(set(labels)) != len(labels):
            raise ParameterError("a wave label is given twice", location="waves")
        unknown = [w for w in labels if cb.wave_labels and w not in cb.wave_labels]
        if unknown:
            raise ParameterError(
                f"wave(s) {unknown} are not among the codebook's waves {cb.wave_labels}",
                location="waves",
            )
    surveys: dict[str, Survey] = {}
    problems = []
    flagged = []
    for label, path in zip(labels, paths, strict=True):
        try:
            frame, info = read_table(path, format or cb.format)
            frame = apply_wave_changes(frame, cb, label, file=str(path))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DataQualityWarning)
                surveys[label] = survey_from_frame(
                    frame,
                    cb,
                    file=str(path),
                    row_offset=info["row_offset"],
                    source={
                        "path": str(path),
                        "sha256": sha256_of(path),
                        "format": info["format"],
                    },
                    value_labels=info["value_labels"],
                )
            flagged += [f"wave {label}: {w.message}" for w in caught]
        except DataError as err:
            problems.append(err)
    if problems:
        raise combine_errors(problems)
    for message in flagged:
        warnings.warn(message, DataQualityWarning, stacklevel=2)
    return stack_waves(surveys)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate frames, keeping categorical columns categorical (categories united
    in order of appearance; ordered when every part is ordered with the same order)."""
    frames = [f.reset_index(drop=True) for f in frames]
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    cats = {}
    for col in columns:
        parts = [f[col] for f in frames if col in f.columns]
        if any(isinstance(p.dtype, pd.CategoricalDtype) for p in parts) and all(
            isinstance(p.dtype, pd.CategoricalDtype) for p in parts
        ):
            ordered = all(p.cat.ordered for p in parts) and all(
                list(p.cat.categories) == list(parts[0].cat.categories) for p in parts
            )
            if ordered:
                cats[col] = parts[0].dtype
            else:
                united = union_categoricals(
                    [p.astype("category") for p in parts], ignore_order=True
                )
                cats[col] = pd.CategoricalDtype(united.categories)
    out = pd.concat(
        [f.astype({c: "object" for c in cats if c in f.columns}) for f in frames],
        ignore_index=True,
    )
    for col, dtype in cats.items():
        out[col] = pd.Categorical(out[col], dtype=dtype)
    return out


def stack_waves(surveys: Mapping[str, Survey]) -> Survey:
    """One survey holding several waves: ``{label: Survey}`` in wave order, each
    from the same codebook (its events may differ when items were added).

    Respondent ids that repeat across waves are prefixed with the wave label.

    Parameters
    ----------
    surveys : mapping of str to Survey
        ``{wave label: Survey}`` in wave order; no survey may already have a ``wave``
        column.

    Returns
    -------
    Survey
        Respondents and event table with a ``wave`` column (ordered categorical).

    Raises
    ------
    ParameterError
        No surveys, or a survey that already has a wave column.

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> a, _ = make_study("banking", n_respondents=50, seed=1)
    >>> b, _ = make_study("banking", n_respondents=50, seed=2)
    >>> stack_waves({"2025": a, "2026": b}).respondents["wave"].value_counts().tolist()
    [50, 50]
    """
    if not surveys:
        raise ParameterError("stack_waves needs at least one wave")
    labels = [wave_label(k) for k in surveys]
    parts = list(surveys.values())
    for label, s in zip(labels, parts, strict=True):
        if "wave" in s.respondents.columns:
            raise ParameterError(f"wave {label}: the survey already has a wave column")
    all_ids = pd.concat([s.respondents["respondent_id"].astype(str) for s in parts])
    qualify = bool(all_ids.duplicated().any())
    dtype = pd.CategoricalDtype(labels, ordered=True)
    resp, events, personal, quality = [], [], [], []
    for label, s in zip(labels, parts, strict=True):
        r = s.respondents.copy()
        e = s.event_table()
        if qualify:
            r["respondent_id"] = label + ":" + r["respondent_id"].astype(str)
            e["respondent_id"] = pd.array(label + ":" + e["respondent_id"].astype(str), "string")
        r.insert(1, "wave", pd.Categorical([label] * len(r), dtype=dtype))
        e.insert(1, "wave", pd.Categorical([label] * len(e), dtype=dtype))
        resp.append(r)
        events.append(e)
        personal.append(s.personal)
        quality.append(s.quality.assign(wave=label))
    respondents = _concat(resp)
    event_data = _concat(events)
    if not qualify and event_data["respondent_id"].dtype == object:
        event_data["respondent_id"] = event_data["respondent_id"].astype("string")
    event_table = pd.concat([s.events for s in parts], ignore_index=True)
    event_table = event_table.drop_duplicates("event_id").reset_index(drop=True)
    source = {
        "path": "; ".join(str(s.source.get("path")) for s in parts),
        "sha256": None,
        "format": "waves",
        "waves": {label: dict(s.source) for label, s in zip(labels, parts, strict=True)},
        "respondent_id": parts[0].source.get("respondent_id", "")
        + (" (prefixed with the wave: ids repeat across waves)" if qualify else ""),
    }
    pers = pd.concat(personal, ignore_index=True)
    pers.index = respondents.index
    return Survey(
        respondents=respondents,
        personal=pers,
        events=event_table,
        codebook=parts[0].codebook,
        quality=pd.concat(quality, ignore_index=True),
        source=source,
        _event_data=event_data,
    )
