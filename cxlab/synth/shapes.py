"""Three survey shapes as files on disk, with their codebooks and planted truth.

Real client files rarely look like the bundled sample. :func:`write_shape` writes one
of three shapes a new user brings, each as a data file plus a hand-written-looking
codebook, so tests can run every step (load, draft a codebook, report) on them:

* ``"event_cx"`` - an event-based CX survey (the banking design, 300 respondents,
  CSV, respondent ids, 1-10 ratings, 0-10 recommend);
* ``"satisfaction_no_events"`` - a respondent-level satisfaction survey: 250
  respondents, 20 rating items on 1-7 (value items on 1-5), -99 for "no answer",
  no id column, no events, no weight, ``recommend`` on 1-7, an overall satisfaction
  index (a derived mean), item groups and a key-driver declaration;
* ``"opinion_spss"`` - a weighted public-opinion survey in SPSS ``.sav``: 1,500
  respondents, variable and value labels, a weight column, 98/99 (refused / no
  answer) as SPSS user-missing values and 9 ("don't know") as a codebook missing
  code on 1-4 items, ages 18-94 with labelled age bands, no events, no recommend.

Every shape is deterministic in ``seed``.

Examples
--------
>>> import tempfile, cxlab
>>> from cxlab.synth import write_shape
>>> shape = write_shape("satisfaction_no_events", tempfile.mkdtemp(), seed=0)
>>> survey = cxlab.load_survey(shape.data, shape.codebook)
>>> len(survey.events), survey.source["respondent_id"]
(0, 'row number')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import yaml
from scipy.stats import norm

from cxlab.errors import ParameterError

__all__ = ["SHAPES", "Shape", "write_shape"]

SHAPES = ("event_cx", "satisfaction_no_events", "opinion_spss")


class Shape(NamedTuple):
    """Where :func:`write_shape` wrote a shape, and its planted truth."""

    data: Path
    codebook: Path
    truth: dict


def write_shape(kind: str, folder: str | Path, seed: int = 0) -> Shape:
    """Write a survey shape (data file, codebook YAML, truth JSON) into ``folder``.

    Parameters
    ----------
    kind : {"event_cx", "satisfaction_no_events", "opinion_spss"}
    folder : str or Path
        Created when absent. Existing files of the same names are replaced (this is
        a test-fixture writer, not a report run).
    seed : int
        Same seed, same files.

    Returns
    -------
    Shape
        ``(data, codebook, truth)``: the two paths and the planted truth (also
        written as ``<kind>_truth.json``). Truth keys per shape:
        ``event_cx``: the :func:`cxlab.synth.make_frame` truth;
        ``satisfaction_no_events``: ``n_respondents``, ``recommend_scale``,
        ``recommend_shares`` (population share of each scale point),
        ``driver_coefficients`` and ``driver_order`` (the planted satisfaction model
        on the latent scale), ``item_groups``, ``missing_code``;
        ``opinion_spss``: ``n_respondents``, ``population_mean`` and
        ``unweighted_mean`` of ``trust_gov`` (1-4, after missing codes), the
        age-group ``population_shares`` and ``sample_shares``, ``missing_codes``.

    Examples
    --------
    >>> import tempfile
    >>> shape = write_shape("opinion_spss", tempfile.mkdtemp())
    >>> shape.data.suffix, shape.truth["n_respondents"]
    ('.sav', 1500)
    """
    if kind not in SHAPES:
        raise ParameterError(f"kind must be one of {list(SHAPES)}, got {kind!r}", location="kind")
    if not isinstance(seed, int | np.integer):
        raise ParameterError(f"seed must be an integer, got {seed!r}", location="seed")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    writer = {
        "event_cx": _event_cx,
        "satisfaction_no_events": _satisfaction,
        "opinion_spss": _opinion,
    }[kind]
    data, codebook, truth = writer(folder, int(seed))
    cb_path = folder / f"{kind}_codebook.yaml"
    cb_path.write_text(yaml.safe_dump(codebook, sort_keys=False, allow_unicode=True), "utf-8")
    (folder / f"{kind}_truth.json").write_text(json.dumps(truth, indent=1), encoding="utf-8")
    return Shape(data, cb_path, truth)


# ----------------------------------------------------------------- event_cx
def _event_cx(folder: Path, seed: int):
    from cxlab.synth.consumer import make_frame

    frame, codebook, truth = make_frame("banking", 300, seed)
    codebook["name"] = "Event-based CX survey (synthetic)"
    path = folder / "event_cx.csv"
    frame.to_csv(path, index=False, lineterminator="\n")
    return path, codebook, json.loads(json.dumps(truth, default=_plain))


# -------------------------------------------------------- satisfaction_no_events
# group -> (items, scale max): the ECSI-style blocks of a satisfaction survey
_GROUPS = {
    "image": (["img1", "img2", "img3", "img4"], 7),
    "expectations": (["exp1", "exp2", "exp3"], 7),
    "quality": (["qual1", "qual2", "qual3", "qual4", "qual5"], 7),
    "value": (["val1", "val2"], 5),
    "satisfaction": (["sat1", "sat2", "sat3"], 7),
    "loyalty": (["loy1", "loy2"], 7),
}
# planted satisfaction model on the latent (standardised) scale
_SAT_COEF = {"quality": 0.55, "image": 0.35, "value": 0.25, "expectations": 0.0}
_REC = {"intercept": 4.9, "slope": 1.1, "sd": 1.0}  # recommend latent = a + b * loyalty + e


def _satisfaction(folder: Path, seed: int):
    rng = np.random.default_rng([seed, 11])
    n = 250
    # correlated drivers (corr 0.3), satisfaction from the planted model, loyalty from it
    drivers = ["image", "expectations", "quality", "value"]
    cov = np.full((4, 4), 0.3) + 0.7 * np.eye(4)
    lat = dict(zip(drivers, rng.multivariate_normal(np.zeros(4), cov, n).T, strict=True))
    sat = sum(_SAT_COEF[g] * lat[g] for g in drivers) + rng.normal(0, 0.6, n)
    lat["satisfaction"] = sat / sat.std()
    lat["loyalty"] = 0.8 * lat["satisfaction"] + rng.normal(0, 0.6, n)
    frame = {}
    for group, (items, top) in _GROUPS.items():
        centre = (top + 1) / 2 + (0.6 if top == 7 else 0.3)
        for col in items:
            frame[col] = np.clip(np.rint(centre + 1.1 * lat[group] + rng.normal(0, 0.7, n)), 1, top)
    # recommend on 1-7: latent normal with known mean and sd -> known population shares
    loy_sd = float(np.sqrt(0.8**2 + 0.6**2))
    rec_latent = _REC["intercept"] + _REC["slope"] * lat["loyalty"] + rng.normal(0, _REC["sd"], n)
    frame["recommend"] = np.clip(np.rint(rec_latent), 1, 7)
    rec_sd = float(np.hypot(_REC["slope"] * loy_sd, _REC["sd"]))
    edges = norm.cdf((np.arange(1.5, 7.0, 1.0) - _REC["intercept"]) / rec_sd)
    shares = np.diff(np.concatenate([[0.0], edges, [1.0]]))
    frame["contacted"] = rng.choice([1.0, 2.0], n, p=[0.35, 0.65])  # 1 = yes, 2 = no
    frame["gender"] = rng.choice(["female", "male"], n)
    frame["age"] = rng.integers(19, 81, n).astype(float)
    frame["years_customer"] = np.round(rng.gamma(2.0, 3.0, n), 1)
    df = pd.DataFrame(frame)
    # -99 = "no answer", about 3% of the ratings and of years_customer
    for col in [
        *(c for items, _ in _GROUPS.values() for c in items),
        "recommend",
        "years_customer",
    ]:
        df.loc[rng.random(n) < 0.03, col] = -99.0
    path = folder / "satisfaction_no_events.csv"
    df.to_csv(path, index=False, lineterminator="\n", float_format="%g")

    items = {}
    for cols, top in _GROUPS.values():
        for col in cols:
            items[col] = {"column": col, "type": "rating", "scale": f"agree{top}"}
    items["recommend"] = {"column": "recommend", "type": "rating", "scale": "agree7"}
    items["contacted"] = {"column": "contacted", "type": "binary", "recode": {1: 1, 2: 0}}
    items["years_customer"] = {"column": "years_customer", "type": "numeric", "min": 0}
    derived = {
        f"{g}_index": {"mean": list(_GROUPS[g][0]), "min_valid": len(_GROUPS[g][0]) - 1}
        for g in ("image", "expectations", "quality", "value", "satisfaction")
    }
    derived["satisfied"] = {"top_box": {"item": "sat1", "min": 6}}
    codebook = {
        "name": "Customer satisfaction survey (synthetic, respondent level)",
        "industry": "utilities",
        "missing_codes": [-99],
        "scales": {"agree7": {"min": 1, "max": 7}, "agree5": {"min": 1, "max": 5}},
        "default_scale": "agree7",
        "demographics": {
            "gender": {"column": "gender"},
            "age": {"column": "age", "type": "numeric", "min": 18, "max": 100},
        },
        "respondent_items": items,
        "derived": derived,
        "drivers": {
            "outcome": "satisfaction_index",
            "items": [f"{g}_index" for g in ("image", "expectations", "quality", "value")],
        },
        "item_groups": {g: list(cols) for g, (cols, _) in _GROUPS.items()},
    }
    truth = {
        "n_respondents": n,
        "recommend_scale": [1, 7],
        "recommend_shares": {int(k): float(p) for k, p in zip(range(1, 8), shares, strict=True)},
        "driver_coefficients": dict(_SAT_COEF),
        "driver_order": sorted(_SAT_COEF, key=lambda g: -_SAT_COEF[g]),
        "item_groups": {g: list(cols) for g, (cols, _) in _GROUPS.items()},
        "missing_code": -99,
    }
    return path, codebook, truth


# ------------------------------------------------------------------ opinion_spss
_AGE_GROUPS = {  # group: (ages, population share, sample share, P(trust_gov = 1..4))
    "18-34": ((18, 35), 0.30, 0.15, (0.10, 0.30, 0.40, 0.20)),
    "35-64": ((35, 65), 0.50, 0.45, (0.15, 0.35, 0.35, 0.15)),
    "65+": ((65, 95), 0.20, 0.40, (0.30, 0.40, 0.20, 0.10)),
}
_REGIONS = {1: "North", 2: "South", 3: "East", 4: "West"}
_AGREE4 = {1: "A great deal", 2: "A fair amount", 3: "Not very much", 4: "Not at all"}
_DK = {9: "Don't know", 98: "Refused", 99: "No answer"}


def _opinion(folder: Path, seed: int):
    import pyreadstat

    rng = np.random.default_rng([seed, 12])
    n = 1500
    names = list(_AGE_GROUPS)
    group = rng.choice(3, n, p=[_AGE_GROUPS[g][2] for g in names])
    age = np.array([rng.integers(*_AGE_GROUPS[names[g]][0]) for g in group], dtype=float)
    weight = np.array([_AGE_GROUPS[names[g]][1] / _AGE_GROUPS[names[g]][2] for g in group])
    probs = np.array([_AGE_GROUPS[g][3] for g in names])
    trust = np.array([rng.choice(4, p=probs[g]) + 1 for g in group], dtype=float)
    df = pd.DataFrame(
        {
            "caseid": np.arange(100001, 100001 + n, dtype=float),
            "wt": np.round(weight * rng.uniform(0.98, 1.02, n), 4),
            "age": age,
            "sex": rng.choice([1.0, 2.0], n),
            "region": rng.choice(list(_REGIONS), n).astype(float),
            "educ": rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], n),
            "trust_gov": trust,
        }
    )
    for k in range(1, 6):
        noise = rng.integers(-1, 2, n)
        df[f"trust_{k}"] = np.clip(trust + noise, 1, 4)
    df["direction"] = np.where(trust + rng.normal(0, 1, n) < 2.6, 1.0, 2.0)  # 1 right, 2 wrong
    df["interest"] = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], n)
    df["party"] = rng.choice([1.0, 2.0, 3.0, 4.0], n, p=[0.35, 0.3, 0.2, 0.15])
    df["comments"] = np.where(
        rng.random(n) < 0.2,
        [f"I think the council should fix road {i % 40} near my house" for i in range(n)],
        "",
    )
    codes_cols = ["trust_gov", *(f"trust_{k}" for k in range(1, 6)), "direction", "interest"]
    for col in codes_cols:
        u = rng.random(n)
        df.loc[u < 0.04, col] = 9.0
        df.loc[(u >= 0.04) & (u < 0.05), col] = 98.0
        df.loc[(u >= 0.05) & (u < 0.06), col] = 99.0
    answered = ~df["trust_gov"].isin([9.0, 98.0, 99.0])
    path = folder / "opinion_spss.sav"
    labels = {
        "caseid": "Case number",
        "wt": "Post-stratification weight",
        "age": "Age in years",
        "sex": "Sex of respondent",
        "region": "Region",
        "educ": "Highest education",
        "trust_gov": "How much do you trust the national government?",
        **{f"trust_{k}": f"How much do you trust institution {k}?" for k in range(1, 6)},
        "direction": "Is the country heading in the right direction?",
        "interest": "How interested are you in politics? (1 very - 5 not at all)",
        "party": "Party closest to",
        "comments": "Any other comments?",
    }
    value_labels = {
        "sex": {1: "Male", 2: "Female"},
        "region": dict(_REGIONS),
        "educ": {
            1: "Primary",
            2: "Lower secondary",
            3: "Upper secondary",
            4: "Bachelor",
            5: "Master+",
        },
        "party": {1: "Party A", 2: "Party B", 3: "Party C", 4: "Other"},
        "direction": {1: "Right direction", 2: "Wrong track", **_DK},
        "interest": {1: "Very", 2: "Fairly", 3: "Somewhat", 4: "Not very", 5: "Not at all", **_DK},
        **{c: {**_AGREE4, **_DK} for c in ["trust_gov", *(f"trust_{k}" for k in range(1, 6))]},
    }
    pyreadstat.write_sav(
        df,
        str(path),
        column_labels=labels,
        variable_value_labels=value_labels,
        missing_ranges={c: [98, 99] for c in codes_cols},
    )
    items = {
        c: {"column": c, "type": "rating", "scale": "four", "missing_codes": [9]}
        for c in ["trust_gov", *(f"trust_{k}" for k in range(1, 6))]
    }
    items["direction"] = {
        "column": "direction",
        "type": "binary",
        "missing_codes": [9],
        "recode": {1: 1, 2: 0},
        "label": "Right direction (1) or wrong track (0)",
    }
    items["interest"] = {
        "column": "interest",
        "type": "rating",
        "scale": "five",
        "reverse": True,
        "missing_codes": [9],
    }
    codebook = {
        "name": "Public opinion survey (synthetic SPSS file)",
        "respondent_id": "caseid",
        "weight": "wt",
        "format": "sav",
        "missing_codes": [98, 99],
        "scales": {"four": {"min": 1, "max": 4}, "five": {"min": 1, "max": 5}},
        "personal_data": ["comments"],
        "demographics": {
            "age": {
                "column": "age",
                "type": "numeric",
                "min": 18,
                "max": 94,
                "bands": {"18-34": [18, 34], "35-64": [35, 64], "65+": [65, 120]},
            },
            "sex": {"column": "sex"},
            "region": {"column": "region"},
            "education": {"column": "educ"},
        },
        "respondent_items": items,
        "segments": {"party": {"column": "party"}},
        "derived": {
            "trust_index": {"mean": [f"trust_{k}" for k in range(1, 6)], "min_valid": 3},
            "trusts_government": {"top_box": {"item": "trust_gov", "max": 2}},
        },
        "item_groups": {"institutional_trust": [f"trust_{k}" for k in range(1, 6)]},
    }
    pop = {g: _AGE_GROUPS[g][1] for g in names}
    group_mean = {g: float(np.dot(np.arange(1, 5), _AGE_GROUPS[g][3])) for g in names}
    truth = {
        "n_respondents": n,
        "population_shares": pop,
        "sample_shares": {g: _AGE_GROUPS[g][2] for g in names},
        "population_mean": {"trust_gov": float(sum(pop[g] * group_mean[g] for g in names))},
        "unweighted_mean": {
            "trust_gov": float(sum(_AGE_GROUPS[g][2] * group_mean[g] for g in names))
        },
        "n_answered_trust_gov": int(answered.sum()),
        "missing_codes": {"dont_know": 9, "refused": 98, "no_answer": 99},
    }
    return path, codebook, truth


def _plain(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value))
