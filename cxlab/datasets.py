"""The sample studies, offline, in the spirit of seaborn's ``load_dataset``.

cxlab ships two synthetic customer surveys of 631 respondents each, with known
(planted) truth: a bank (``"banking"``) and a car maker (``"automotive"``), each with
its codebook, weighting targets and improvement costs, plus the banking client's
executive self-assessment (the CFE section) and initiatives (the roadmap). They are read from the checkout's
``data/sample/`` or, in an installed cxlab, from the copy the wheel carries: nothing
is downloaded.

Examples
--------
>>> import cxlab.datasets
>>> cxlab.datasets.sample_names()
['automotive', 'banking']
>>> survey = cxlab.datasets.load_sample("banking")
>>> survey.n_respondents, len(survey.events)
(631, 7)
>>> sorted(cxlab.datasets.sample_files("banking"))[:3]
['codebook', 'data_path', 'executive_data']
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from cxlab.errors import DataQualityWarning, ParameterError
from cxlab.resources import resource

__all__ = ["load_sample", "load_truth", "sample_files", "sample_names"]

# name: the files of the study, relative to cxlab's shipped files (cxlab.resources).
_SAMPLES: dict[str, dict[str, str]] = {
    "automotive": {
        "data_path": "data/sample/automotive.csv",
        "codebook": "data/sample/automotive_codebook.yaml",
        "weighting_targets": "data/sample/clients/targets/automotive_margins.yaml",
        "improvement_costs": "data/sample/automotive_improvement_costs.csv",
        "truth": "data/sample/automotive_truth.json",
        "params": "data/sample/clients/sample_automotive.yaml",
    },
    "banking": {
        "data_path": "data/sample/banking.csv",
        "codebook": "data/sample/banking_codebook.yaml",
        "weighting_targets": "data/sample/clients/targets/banking_margins.yaml",
        "improvement_costs": "data/sample/banking_improvement_costs.csv",
        "truth": "data/sample/banking_truth.json",
        "executive_data": "data/sample/executive/sample_bank/executives.csv",
        "initiatives": "data/sample/banking_initiatives.yaml",
        "params": "data/sample/clients/sample.yaml",
    },
}


def sample_names() -> list[str]:
    """The names :func:`load_sample` accepts.

    Examples
    --------
    >>> sample_names()
    ['automotive', 'banking']
    """
    return sorted(_SAMPLES)


def _study(name: str) -> dict[str, str]:
    if name not in _SAMPLES:
        raise ParameterError(
            f"no sample study {name!r}; the samples are {', '.join(sample_names())}",
            location="name",
        )
    return _SAMPLES[name]


def sample_files(name: str) -> dict[str, Path]:
    """Absolute paths of a sample study's files, keyed like the report parameters.

    Keys: ``data_path`` (the survey CSV), ``codebook``, ``weighting_targets`` (raking
    margins), ``improvement_costs``, ``truth`` (the planted parameters), ``params`` (the
    sample client's parameter file) and, for ``"banking"``, ``executive_data`` and
    ``initiatives``.

    Parameters
    ----------
    name : str
        A sample study (:func:`sample_names`).

    Examples
    --------
    >>> sample_files("automotive")["data_path"].name
    'automotive.csv'
    """
    return {key: resource(rel) for key, rel in _study(name).items()}


def load_sample(name: str, *, quiet: bool = True):
    """Load a sample study as a :class:`~cxlab.survey.Survey`.

    Parameters
    ----------
    name : str
        One of :func:`sample_names` (``"banking"``, ``"automotive"``).
    quiet : bool
        Silence the :class:`~cxlab.errors.DataQualityWarning` the samples raise on
        purpose (they plant a few straight-liners and speeders, listed in
        ``survey.quality``).

    Returns
    -------
    Survey
        631 respondents (7 events for the bank, 8 for the car maker), loaded with its codebook; personal data is in
        ``survey.personal`` as for any client.

    Raises
    ------
    ParameterError
        An unknown name (the message lists the known ones).

    Examples
    --------
    >>> survey = load_sample("automotive")
    >>> survey.event_table()[["event_id", "tactile", "emotive"]].shape[1]
    3
    """
    from cxlab.io import load_survey

    files = sample_files(name)
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", DataQualityWarning)
        return load_survey(files["data_path"], files["codebook"])


def load_truth(name: str) -> dict:
    """The parameters planted in a sample study (what the statistics should recover).

    Parameters
    ----------
    name : str
        A sample study (:func:`sample_names`).

    Examples
    --------
    >>> isinstance(load_truth("banking"), dict)
    True
    """
    return json.loads(sample_files(name)["truth"].read_text(encoding="utf-8"))
