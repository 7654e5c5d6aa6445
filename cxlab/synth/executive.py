"""A synthetic executive CFE self-assessment with known truth.

Mirrors the source's executive research (108 decision makers in four industries:
financial services, automotive, telecom and insurance): each executive rates the
current and target maturity (1-5) of the 42 CFE indicators and answers two
self-assessment items. Planted: weak and strong competencies, the expected rating of
every indicator, a top-versus-middle management disagreement on one competency
(none elsewhere), and the source's headline shares (69% say they fulfil their brand
promise; 79% have only a generalised or superficial understanding of customers).

Data-generating model. For executive ``e`` (industry ``s``, role ``r``) and indicator
``i`` of competency ``c`` the latent current maturity is

``L = mu_i + industry_s + role_r[c] + a_e + b_ec + noise``

with ``a_e ~ N(0, sd_executive)`` (leniency), ``b_ec ~ N(0, sd_competency)``,
``noise ~ N(0, sd_indicator)``; the target is ``L + gap_c + N(0, sd_gap)``. Observed
ratings are ``L`` rounded and clipped to 1-5, so the expected rating is exactly
``1 + sum_k Phi((m - k - 0.5) / s)`` (k = 1..4), which is what ``truth`` stores.

Examples
--------
>>> from cxlab.synth.executive import make_executive_study
>>> data, truth = make_executive_study(n_executives=108, seed=0)
>>> data["executive_id"].nunique(), sorted(truth["weak_competencies"])
(108, ['customer_authority', 'customer_focused_organization'])
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from cxlab.cfe import COLUMNS, ROLES, default_codebook, executive_data_from_frame
from cxlab.errors import ParameterError

__all__ = ["make_executive_study", "write_executive_study", "EXECUTIVE_INDUSTRIES"]

#: the source's four executive industries (financial services -> banking)
EXECUTIVE_INDUSTRIES = ("banking", "automotive", "telecom", "insurance")
_BUSINESS_UNITS = ("Marketing", "Sales", "Customer service", "Operations", "IT")
_TOP_SHARE = 10 / 27  # 40 of 108 executives are top management

# latent current maturity and the latent gap to target, per competency
_DESIGN = {
    "customer_authority": (2.2, 2.0),  # weak: the 79% with a superficial understanding
    "customer_dialog": (3.0, 1.3),
    "integrated_execution": (3.7, 0.8),  # strong
    "solution_experience": (3.8, 0.8),  # strong: product-centred companies
    "human_performance": (3.0, 1.3),
    "customer_focused_organization": (2.3, 1.9),  # weak, and management levels disagree
    "innovation": (2.9, 1.4),
}
_WEAK = ["customer_authority", "customer_focused_organization"]
_STRONG = ["integrated_execution", "solution_experience"]
_DISAGREE = "customer_focused_organization"
_ROLE_SHIFT = {"top": 0.35, "middle": -0.35}  # top managers rate it higher (latent)
_INDUSTRY_SHIFT = {"banking": 0.15, "automotive": -0.05, "telecom": 0.05, "insurance": -0.15}
_SD = {"executive": 0.30, "competency": 0.25, "indicator": 0.55, "gap": 0.50}
# self-assessment answer shares 1..5 (source: 69% agree they fulfil the brand promise;
# 79% have only a generalised or superficial understanding of customers)
_BRAND_PROMISE = (0.03, 0.08, 0.20, 0.42, 0.27)
_UNDERSTANDING = (0.12, 0.27, 0.40, 0.15, 0.06)
_MISSING_SHARE = 0.02
_MISSING_CODE = 9


def _expected_rating(mean: np.ndarray, sd: float, lo: int = 1, hi: int = 5) -> np.ndarray:
    """E[clip(round(L), lo, hi)] for L ~ N(mean, sd^2)."""
    mean = np.asarray(mean, dtype=float)
    return lo + sum(stats.norm.cdf((mean - k - 0.5) / sd) for k in range(lo, hi))


def _offsets(k: int, salt: int) -> np.ndarray:
    """Fixed (seed-independent) spread of indicator means within a competency."""
    return np.random.default_rng(2006 + salt).permutation(np.linspace(-0.3, 0.3, k))


def make_executive_study(n_executives: int = 108, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """A synthetic executive CFE survey and its planted truth.

    Parameters
    ----------
    n_executives : int
        Executives, spread evenly over the four industries (about 37% top management).
    seed : int
        Same seed, same study.

    Returns
    -------
    data : DataFrame
        Tidy, as :func:`cxlab.cfe.load_executive_survey` returns it (one row per
        executive x indicator); about 2% of ratings are missing ("don't know").
    truth : dict
        ``weak_competencies``, ``strong_competencies``, ``competency_means`` and
        ``indicator_means`` (expected observed ratings: ``current``, ``target``,
        ``gap``), ``management_disagreement`` (``competency``, ``middle_minus_top``
        expected difference of competency means), ``no_disagreement`` (the other
        competencies), ``self_assessment`` (answer shares and the planted
        ``share_agree`` / ``share_deep``), ``design`` (all generator settings).
    """
    if not isinstance(n_executives, int | np.integer) or n_executives < 8:
        raise ParameterError(f"n_executives must be an integer >= 8, got {n_executives!r}")
    rng = np.random.default_rng([int(seed), 8])
    cb = default_codebook()
    ind = cb.indicators
    n = int(n_executives)
    industry = np.array(EXECUTIVE_INDUSTRIES)[np.arange(n) % 4]
    role = np.empty(n, dtype=object)
    for s in EXECUTIVE_INDUSTRIES:
        idx = np.flatnonzero(industry == s)
        n_top = int(round(_TOP_SHARE * idx.size))
        role[idx] = np.where(rng.permutation(idx.size) < n_top, "top", "middle")
    order = rng.permutation(n)
    industry, role = industry[order], role[order]
    unit = rng.choice(_BUSINESS_UNITS, size=n)

    comps = list(_DESIGN)
    comp_of = ind["competency"].to_numpy()
    comp_idx = np.array([comps.index(c) for c in comp_of])
    mu = np.concatenate(
        [_DESIGN[c][0] + _offsets(int((comp_of == c).sum()), j) for j, c in enumerate(comps)]
    )
    gap = np.array([_DESIGN[c][1] for c in comp_of])
    shift = np.array([_INDUSTRY_SHIFT[s] for s in industry])[:, None] + np.where(
        (comp_of == _DISAGREE)[None, :], np.array([_ROLE_SHIFT[r] for r in role])[:, None], 0.0
    )
    mean_cur = mu[None, :] + shift  # executive x indicator latent mean
    k = len(ind)
    a = rng.normal(0, _SD["executive"], (n, 1))
    b = rng.normal(0, _SD["competency"], (n, len(comps)))[:, comp_idx]
    latent = mean_cur + a + b + rng.normal(0, _SD["indicator"], (n, k))
    latent_t = latent + gap[None, :] + rng.normal(0, _SD["gap"], (n, k))
    cur = np.clip(np.rint(latent), 1, 5)
    tgt = np.clip(np.rint(latent_t), 1, 5)
    cur[rng.random((n, k)) < _MISSING_SHARE] = np.nan
    tgt[rng.random((n, k)) < _MISSING_SHARE] = np.nan

    wide = pd.DataFrame({"exec_id": [f"X{i + 1:03d}" for i in range(n)], "mgmt_level": role,
                         "business_unit": unit, "industry": industry})  # fmt: skip
    wide = pd.concat([wide, pd.DataFrame(cur, columns=list(ind["current"])),
                      pd.DataFrame(tgt, columns=list(ind["target"]))], axis=1)  # fmt: skip
    wide["q_brand_promise"] = rng.choice(np.arange(1, 6), size=n, p=_BRAND_PROMISE).astype(float)
    wide["q_understanding"] = rng.choice(np.arange(1, 6), size=n, p=_UNDERSTANDING).astype(float)
    data = executive_data_from_frame(wide, cb, file=f"synth:executive:{n}:{seed}")

    # ---- truth: exact expected observed ratings, averaged over the realised design
    sd_c = float(np.sqrt(_SD["executive"] ** 2 + _SD["competency"] ** 2 + _SD["indicator"] ** 2))
    sd_t = float(np.sqrt(sd_c**2 + _SD["gap"] ** 2))
    e_cur = _expected_rating(mean_cur, sd_c)
    e_tgt = _expected_rating(mean_cur + gap[None, :], sd_t)
    ind_means = {
        name: {"competency": comp_of[j], "current": float(e_cur[:, j].mean()), "target": float(e_tgt[:, j].mean()),
               "gap": float((e_tgt[:, j] - e_cur[:, j]).mean()), "latent_current": float(mu[j])}
        for j, name in enumerate(ind["indicator"])
    }  # fmt: skip
    comp_means = {
        c: {
            q: float(np.mean([v[q] for v in ind_means.values() if v["competency"] == c]))
            for q in ("current", "target", "gap")
        }
        for c in comps
    }
    cols = comp_of == _DISAGREE
    top, mid = role == "top", role == "middle"
    diff = float(
        e_cur[np.ix_(mid, cols)].mean(axis=1).mean() - e_cur[np.ix_(top, cols)].mean(axis=1).mean()
    )
    truth = {
        "n_executives": n,
        "seed": int(seed),
        "industries": list(EXECUTIVE_INDUSTRIES),
        "roles": {r: int((role == r).sum()) for r in ROLES},
        "competencies": comps,
        "weak_competencies": list(_WEAK),
        "strong_competencies": list(_STRONG),
        "competency_means": comp_means,
        "indicator_means": ind_means,
        "management_disagreement": {
            "competency": _DISAGREE,
            "middle_minus_top": diff,
            "latent_top_minus_middle": _ROLE_SHIFT["top"] - _ROLE_SHIFT["middle"],
        },  # fmt: skip
        "no_disagreement": [c for c in comps if c != _DISAGREE],
        "self_assessment": {
            "brand_promise": {
                "shares": list(_BRAND_PROMISE),
                "share_agree": float(sum(_BRAND_PROMISE[3:])),
            },
            "customer_understanding": {
                "shares": list(_UNDERSTANDING),
                "share_deep": float(sum(_UNDERSTANDING[3:])),
            },
        },
        "design": {
            "latent": {c: {"current": v[0], "gap": v[1]} for c, v in _DESIGN.items()},
            "industry_shift": dict(_INDUSTRY_SHIFT),
            "role_shift": dict(_ROLE_SHIFT),
            "sd": dict(_SD),
            "missing_share": _MISSING_SHARE,
            "missing_code": _MISSING_CODE,
        },  # fmt: skip
    }
    return data, truth


def _wide(data: pd.DataFrame) -> pd.DataFrame:
    """The tidy frame back to the file layout of :func:`cxlab.cfe.default_codebook`."""
    cb = default_codebook()
    people = data.drop_duplicates("executive_id").set_index("executive_id")
    out = pd.DataFrame({"exec_id": people.index, "mgmt_level": people["role"].astype(str).to_numpy(),
                        "business_unit": people["business_unit"].to_numpy(),
                        "industry": people["industry"].to_numpy()})  # fmt: skip
    for q in ("current", "target"):
        wide = data.pivot(index="executive_id", columns="indicator", values=q).reindex(
            index=people.index, columns=list(cb.indicators["indicator"])
        )
        wide.columns = list(cb.indicators[q])
        out = pd.concat([out, wide.reset_index(drop=True)], axis=1)
    out["q_brand_promise"] = people["brand_promise"].to_numpy()
    out["q_understanding"] = people["customer_understanding"].to_numpy()
    out = out[cb.file_columns()]
    ratings = [
        c for c in out.columns if c not in ("exec_id", "mgmt_level", "business_unit", "industry")
    ]
    out[ratings] = out[ratings].fillna(_MISSING_CODE).astype(int)
    return out


def write_executive_study(
    data: pd.DataFrame, truth: dict, folder: str | Path, stem: str = "executive"
) -> dict[str, Path]:
    """Write the study as a client would send it: CSV, codebook YAML and ``truth.json``.

    Missing ratings are written as the "don't know" code 9.

    Parameters
    ----------
    data : pandas.DataFrame
        The data.
    truth : dict
        The planted parameters.
    folder : str or path-like
        The folder.
    stem : str
        File name without suffix.

    Returns
    -------
    dict
        Paths: ``csv``, ``codebook``, ``truth``.
    """
    if list(data.columns) != list(COLUMNS):
        raise ParameterError(
            "data must be the tidy frame of make_executive_study / load_executive_survey"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": folder / f"{stem}.csv",
        "codebook": folder / f"{stem}_codebook.yaml",
        "truth": folder / "truth.json",
    }
    _wide(data).to_csv(paths["csv"], index=False, lineterminator="\n")
    text = yaml.safe_dump(
        default_codebook().to_dict(), sort_keys=False, allow_unicode=True, width=100
    )
    paths["codebook"].write_text(text, encoding="utf-8")
    paths["truth"].write_text(json.dumps(truth, indent=1), encoding="utf-8")
    return paths
