"""A satisfaction study generated from a known PLS path model (ECSI style).

:func:`make_pls_study` draws respondents from a population in which seven latent
constructs follow a planted recursive structural model with *standardised* path
coefficients (image drives expectations, perceived quality and value drive
satisfaction, satisfaction drives complaints and loyalty), each measured by 2-5
reflective items on a 1-10 scale with planted loadings: 24 items in all.

The population has two regions ("urban" 60%, "rural" 40%) whose image differs in
mean (rural customers think less of the brand), so region shifts every mean score but
not the standardised paths: the planted paths hold in the population as a whole. With
``weights=True`` the sample over-represents rural customers (70% of the sample) and
carries design weights (population share / sample share), so an unweighted index is
biased low and a weighted one is not.

Examples
--------
>>> frame, truth = make_pls_study(n=100, seed=0)
>>> frame.shape, len(truth["paths"]), sum(len(v) for v in truth["blocks"].values())
((100, 26), 12, 24)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.errors import ParameterError

__all__ = ["PLS_BLOCKS", "PLS_PATHS", "make_pls_study", "write_pls_study"]

#: construct -> items (respondent item names and data columns)
PLS_BLOCKS: dict[str, list[str]] = {
    "image": ["img1", "img2", "img3", "img4", "img5"],
    "expectations": ["exp1", "exp2", "exp3"],
    "quality": ["qual1", "qual2", "qual3", "qual4", "qual5"],
    "value": ["val1", "val2", "val3"],
    "satisfaction": ["sat1", "sat2", "sat3"],
    "complaints": ["comp1", "comp2"],
    "loyalty": ["repurchase", "recommend", "price_tolerance"],
}
#: planted standardised path coefficients (source, target): coefficient
PLS_PATHS: dict[tuple[str, str], float] = {
    ("image", "expectations"): 0.50,
    ("expectations", "quality"): 0.55,
    ("expectations", "value"): 0.15,
    ("quality", "value"): 0.50,
    ("image", "satisfaction"): 0.25,
    ("expectations", "satisfaction"): 0.05,
    ("quality", "satisfaction"): 0.40,
    ("value", "satisfaction"): 0.20,
    ("satisfaction", "complaints"): -0.45,
    ("image", "loyalty"): 0.20,
    ("satisfaction", "loyalty"): 0.50,
    ("complaints", "loyalty"): -0.15,
}
_LEVEL = {  # centre of the 1-10 items of each construct (at latent 0)
    "image": 7.2,
    "expectations": 7.6,
    "quality": 7.0,
    "value": 6.4,
    "satisfaction": 6.9,
    "complaints": 3.0,
    "loyalty": 7.1,
}
_SPREAD = 1.7  # item points per latent standard deviation
_REGIONS = {"urban": (0.6, 0.3, 0.3), "rural": (0.4, 0.7, -0.45)}  # pop, sample share, image shift


def make_pls_study(
    n: int = 250,
    seed: int = 0,
    weights: bool = False,
    loadings: tuple[float, float] = (0.72, 0.9),
    discrete: bool = True,
) -> tuple[pd.DataFrame, dict]:
    """Respondents of an ECSI-style satisfaction survey with a planted path model.

    Parameters
    ----------
    n : int
        Respondents.
    seed : int
        Same seed, same data.
    weights : bool
        False: a simple random sample of the population (no weight column). True:
        rural customers over-sampled (70% instead of 40%) with a ``weight`` column
        of design weights (mean 1).
    loadings : (low, high)
        The planted loadings of each block are spread evenly over this range.
    discrete : bool
        Round the items to the 1-10 scale (True) or keep them continuous (unbounded).

    Returns
    -------
    frame : DataFrame
        ``resp_id``, ``region`` (urban / rural), the 24 items (1-10) and, with
        ``weights``, ``weight``.
    truth : dict
        ``blocks``, ``paths`` (list of pairs), ``path_coefficients`` ({"a->b": c}),
        ``loadings`` ({item: loading}), ``target`` ("satisfaction"),
        ``scales`` ({item: [1, 10]}), ``margins`` (population region shares),
        ``sample_shares``, ``r2`` (planted R² per endogenous construct).

    Examples
    --------
    >>> frame, truth = make_pls_study(n=200, seed=1, weights=True)
    >>> round(float(frame["weight"].mean()), 6), truth["margins"]["region"]["rural"]
    (1.0, 0.4)
    """
    if not isinstance(n, int | np.integer) or n < 10:
        raise ParameterError(f"n must be an integer of at least 10, got {n!r}", location="n")
    lo_l, hi_l = loadings
    if not 0 < lo_l <= hi_l < 1:
        raise ParameterError("loadings must satisfy 0 < low <= high < 1", location="loadings")
    rng = np.random.default_rng([int(seed), 17])
    names = list(PLS_BLOCKS)
    regions = list(_REGIONS)
    pop = np.array([_REGIONS[r][0] for r in regions])
    share = np.array([_REGIONS[r][1] for r in regions]) if weights else pop
    group = rng.choice(len(regions), size=n, p=share)
    shift = np.array([_REGIONS[r][2] for r in regions])
    shift = shift - pop @ shift  # population mean 0
    var_shift = float(pop @ shift**2)

    latent: dict[str, np.ndarray] = {}
    cov: dict[tuple[str, str], float] = {}
    r2 = {}
    for c in names:  # PLS_BLOCKS is in causal order
        preds = [(s, b) for (s, t), b in PLS_PATHS.items() if t == c]
        if not preds:
            latent[c] = shift[group] + np.sqrt(1 - var_shift) * rng.standard_normal(n)
            cov[(c, c)] = 1.0
            continue
        explained = sum(b1 * b2 * cov[(s1, s2)] for s1, b1 in preds for s2, b2 in preds)
        r2[c] = float(explained)
        latent[c] = sum(b * latent[s] for s, b in preds) + np.sqrt(
            1 - explained
        ) * rng.standard_normal(n)
        for other in list({k[0] for k in cov}):
            cov[(c, other)] = cov[(other, c)] = float(sum(b * cov[(s, other)] for s, b in preds))
        cov[(c, c)] = 1.0

    frame = {"resp_id": [f"S{i + 1:04d}" for i in range(n)], "region": [regions[g] for g in group]}
    load = {}
    for c, items in PLS_BLOCKS.items():
        lam = np.linspace(hi_l, lo_l, len(items))
        for item, la in zip(items, lam, strict=True):
            load[item] = float(la)
            x = la * latent[c] + np.sqrt(1 - la**2) * rng.standard_normal(n)
            value = _LEVEL[c] + _SPREAD * x
            frame[item] = np.clip(np.rint(value), 1, 10) if discrete else value
    df = pd.DataFrame(frame)
    if weights:
        w = (pop / share)[group]
        df["weight"] = w / w.mean()
    truth = {
        "blocks": {c: list(v) for c, v in PLS_BLOCKS.items()},
        "paths": [list(p) for p in PLS_PATHS],
        "path_coefficients": {f"{s}->{t}": b for (s, t), b in PLS_PATHS.items()},
        "loadings": load,
        "target": "satisfaction",
        "scales": {i: [1, 10] for items in PLS_BLOCKS.values() for i in items},
        "margins": {"region": dict(zip(regions, pop.tolist(), strict=True))},
        "sample_shares": {"region": dict(zip(regions, share.tolist(), strict=True))},
        "r2": r2,
    }
    return df, truth


_QUESTIONS = {
    "img1": "The company can be trusted in what it says and does",
    "img2": "The company is stable and firmly established",
    "img3": "The company makes a contribution to society",
    "img4": "The company is concerned with its customers",
    "img5": "The company is innovative and forward looking",
    "exp1": "Expectations of overall quality before becoming a customer",
    "exp2": "Expectations of meeting your personal needs",
    "exp3": "Expectations of how often things would go wrong",
    "qual1": "Overall perceived quality",
    "qual2": "Technical quality of the service",
    "qual3": "Personal advice and service",
    "qual4": "Reliability of the service",
    "qual5": "Clarity of bills and information",
    "val1": "Value for money: quality given the price you pay",
    "val2": "Price given the quality you get",
    "val3": "Value compared with other providers",
    "sat1": "Overall satisfaction",
    "sat2": "Fulfilment of expectations",
    "sat3": "Compared with an ideal provider",
    "comp1": "Reasons to complain in the past year",
    "comp2": "Problems you had to report",
    "repurchase": "Would choose the company again",
    "recommend": "Would recommend the company to friends and colleagues",
    "price_tolerance": "Would stay if prices rose by 5%",
}
_LABELS = {
    "image": "Image",
    "expectations": "Customer expectations",
    "quality": "Perceived quality",
    "value": "Perceived value",
    "satisfaction": "Customer satisfaction",
    "complaints": "Complaints",
    "loyalty": "Customer loyalty",
}


def write_pls_study(folder, n: int = 250, seed: int = 0) -> dict:
    """Write the sample satisfaction study: data, codebook with its model, truth, client.

    Writes into ``folder`` (``data/sample`` for the bundled sample):
    ``satisfaction.csv`` (``n`` respondents of :func:`make_pls_study` with rural
    customers over-sampled, no weight column, -99 for about 0.4% of the answers),
    ``satisfaction_codebook.yaml`` (its ``satisfaction_model`` declares the ECSI
    model), ``satisfaction_truth.json``, ``clients/sample_satisfaction.yaml`` and
    ``clients/targets/satisfaction_margins.yaml`` (the population region shares the
    report rakes to).

    Parameters
    ----------
    folder : str or Path
        Where to write (created if missing).
    n : int, default 250
        Respondents.
    seed : int, default 0
        Random seed of the study and of the missing answers.

    Returns
    -------
    dict
        Name -> path of every file written.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_pls_study(tempfile.mkdtemp(), n=60)
    >>> sorted(paths)
    ['client', 'codebook', 'data', 'margins', 'truth']
    """
    import json
    from pathlib import Path

    import yaml

    folder = Path(folder)
    (folder / "clients" / "targets").mkdir(parents=True, exist_ok=True)
    frame, truth = make_pls_study(n=n, seed=seed, weights=True)
    frame = frame.drop(columns=["weight"])
    rng = np.random.default_rng([int(seed), 18])
    items = [i for v in PLS_BLOCKS.values() for i in v]
    for col in items:
        frame.loc[rng.random(n) < 0.004, col] = -99
    frame[items] = frame[items].astype(int)
    data = folder / "satisfaction.csv"
    frame.to_csv(data, index=False, lineterminator="\n")
    model = {
        "constructs": {
            c: {"items": list(v), "mode": "A", "label": _LABELS[c]} for c, v in PLS_BLOCKS.items()
        },
        "paths": [list(p) for p in PLS_PATHS],
        "target": "satisfaction",
        "scheme": "path",
    }
    codebook = {
        "name": "Customer satisfaction index survey (synthetic, ECSI style)",
        "industry": "utilities",
        "respondent_id": "resp_id",
        "missing_codes": [-99],
        "scales": {"ten": {"min": 1, "max": 10}},
        "default_scale": "ten",
        "demographics": {"region": {"column": "region"}},
        "respondent_items": {
            i: {"column": i, "type": "rating", "scale": "ten", "label": _QUESTIONS[i]}
            for i in items
        },
        "derived": {
            "overall_satisfaction": {"mean": list(PLS_BLOCKS["satisfaction"]), "min_valid": 2},
            **{
                f"{c}_index": {"mean": list(PLS_BLOCKS[c]), "min_valid": len(PLS_BLOCKS[c]) - 1}
                for c in ("image", "expectations", "quality", "value")
            },
        },
        "drivers": {
            "outcome": "overall_satisfaction",
            "items": [f"{c}_index" for c in ("image", "expectations", "quality", "value")],
        },
        "item_groups": {c: list(v) for c, v in PLS_BLOCKS.items() if len(v) >= 2},
        "satisfaction_model": model,
    }
    cb = folder / "satisfaction_codebook.yaml"
    cb.write_text(
        "# Codebook of the sample satisfaction study (python -m cxlab.synth.samples writes it).\n"
        "# Its satisfaction_model declares the ECSI path model of the report's satisfaction\n"
        "# index section (docs/codebook.md, 'Satisfaction model').\n"
        + yaml.safe_dump(codebook, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    truth_path = folder / "satisfaction_truth.json"
    truth_path.write_text(json.dumps({**truth, "n": n, "seed": seed}, indent=1), encoding="utf-8")
    margins = folder / "clients" / "targets" / "satisfaction_margins.yaml"
    margins.write_text(
        "# Population region shares of the sample utility's customers (raking targets).\n"
        + yaml.safe_dump(truth["margins"], sort_keys=False),
        encoding="utf-8",
    )
    client = folder / "clients" / "sample_satisfaction.yaml"
    client.write_text(
        "# The sample satisfaction study as a client: a respondent-level ECSI-style survey\n"
        "# (no events) whose codebook declares a PLS path model. Paths are relative to this\n"
        "# file's folder. cxlab report data/sample/clients/sample_satisfaction.yaml\n"
        "client: Sample Utility\n"
        "data_path: ../satisfaction.csv\n"
        "codebook: ../satisfaction_codebook.yaml\n"
        "industry: utilities\n"
        "min_base: 30\n"
        "weighting_targets: targets/satisfaction_margins.yaml  # rural customers were over-sampled\n"
        "seed: 0\n",
        encoding="utf-8",
    )
    return {"data": data, "codebook": cb, "truth": truth_path, "margins": margins, "client": client}
