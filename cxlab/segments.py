"""Advocates and antagonists: classification, net advocacy, shares.

The framework (docs/framework.md section 5) ranges customers from **advocates** through
neutral customers to **antagonists** and **agitators** (antagonists who complain or
warn others away). This module turns likelihood to recommend into an ordered
``advocacy_group``, estimates ``net_advocacy`` (percent advocates minus percent
antagonists) with its sampling error per segment and the advocacy mix. What each group
is worth lives in :mod:`cxlab.economics` (``advocacy_economics``, ``customer_value``,
``CustomerValue``); which events drive advocacy versus antagonism (a weighted ordinal
logit) and which events and attributes separate antagonists from advocates (Cohen's d)
live in :mod:`cxlab.advocacy_drivers`. All of these names are still importable from here.

Examples
--------
>>> import pandas as pd
>>> from cxlab.segments import classify_advocacy, net_advocacy
>>> recommend = pd.Series([10, 9, 8, 7, 3, 0])
>>> classify_advocacy(recommend).tolist()
['advocate', 'advocate', 'neutral', 'neutral', 'antagonist', 'antagonist']
>>> round(float(net_advocacy(recommend, min_base=1)["value"].iloc[0]), 1)
0.0
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._advocacy import (
    ADVOCACY_LEVELS,
    AdvocacyCuts,
    advocacy_cuts,
    advocacy_groups,
    agitator_flags,
    as_groups,
    classify_advocacy,
)
from cxlab._checks import Design, align, check_weights, resolve, resolve_by
from cxlab._stats import critical, holm, intervals, linearise, linearise_categories, wilson

# defined in their own modules (which do not import this one), importable from here too
from cxlab.advocacy_drivers import AdvocacyDrivers, advocacy_drivers, defector_promoter
from cxlab.economics import CustomerValue, advocacy_economics, customer_value
from cxlab.errors import ModelError, ParameterError, SuppressionWarning
from cxlab.scaling import advocacy_sums, check_simple_design, is_dask
from cxlab.suppression import proper_subsets, suppress, suppress_complementary, warn_suppressed

__all__ = [
    "ADVOCACY_LEVELS",
    "AdvocacyCuts",
    "advocacy_cuts",
    "agitator_flags",
    "advocacy_groups",
    "classify_advocacy",
    "net_advocacy",
    "compare_net_advocacy",
    "advocacy_shares",
    # defined in cxlab.economics and cxlab.advocacy_drivers, importable from here too
    "advocacy_economics",
    "customer_value",
    "CustomerValue",
    "advocacy_drivers",
    "AdvocacyDrivers",
    "defector_promoter",
]


# --------------------------------------------------------------------------- helpers
def _group_codes(by: pd.DataFrame | None, n: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer segment code per row (-1 = missing segment) and the segment key table."""
    if by is None:
        return np.zeros(n, dtype=np.intp), pd.DataFrame(index=[0])
    parts = [pd.factorize(by[c], sort=True) for c in by.columns]
    if len(parts) == 1:
        codes, uniques = parts[0]
        return codes.astype(np.intp), pd.DataFrame({by.columns[0]: uniques})
    sizes = tuple(len(u) for _, u in parts)
    stacked = np.stack([c for c, _ in parts])
    ok = (stacked >= 0).all(axis=0)
    flat = np.full(n, -1, dtype=np.int64)
    flat[ok] = np.ravel_multi_index(tuple(stacked[:, ok]), sizes)
    observed, inverse = np.unique(flat[ok], return_inverse=True)
    codes = np.full(n, -1, dtype=np.intp)
    codes[ok] = inverse
    idx = np.unravel_index(observed, sizes)
    keys = pd.DataFrame({c: u.take(i) for c, (_, u), i in zip(by.columns, parts, idx, strict=True)})
    return codes, keys


# ---------------------------------------------------------------------- net advocacy
def _sums(codes: np.ndarray, groups: np.ndarray, w: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Per-segment weighted sums with bincount on segment x group cells (no groupby.apply)."""
    ok = (codes >= 0) & (groups >= 0)
    cell = groups[ok] * 4 + codes[ok]
    ww = w[ok]
    cat = np.bincount(cell, weights=ww, minlength=4 * k).reshape(k, 4)
    cnt = np.bincount(cell, minlength=4 * k).reshape(k, 4)
    return {
        "n": cnt.sum(axis=1).astype(float),
        "sw": cat.sum(axis=1),
        "cat": cat,
        "cat2": np.bincount(cell, weights=ww * ww, minlength=4 * k).reshape(k, 4),
        "cnt": cnt,
        "m": len(codes),
    }


def _prepare(scores, weights, by, data, agitator, scale, cuts, design=None):
    """Group codes, weights, segment codes, segment keys and the sample :class:`Design`
    (None without design arguments: rows are a with-replacement sample)."""
    s = resolve(scores, data, "scores")
    if not isinstance(s, pd.Series):
        s = pd.Series(list(s.ravel()) if s.dtype == object else s.ravel())
    agitator = align(resolve(agitator, data, "agitator"), s.index, "agitator")
    groups = as_groups(s, agitator, scale, cuts)
    codes = groups.cat.codes.to_numpy().astype(np.intp)
    wser = align(resolve(weights, data, "weight"), s.index, "weight")
    w = np.ones(len(codes)) if wser is None else check_weights(wser, "weight")
    if isinstance(by, pd.DataFrame):
        by = [by[c] for c in by.columns]
    elif by is not None and not isinstance(by, list | tuple):
        by = [by]
    if by is not None:
        by = [align(resolve(b, data, "by"), s.index, "by") for b in by]
    seg, keys = _group_codes(resolve_by(by, data), len(codes))
    dsn = None
    if design is not None and any(v is not None for k, v in design.items() if k != "lonely_psu"):
        frame = pd.DataFrame({"_w": w}, index=s.index)
        names = {}
        for key in ("strata", "cluster", "fpc"):
            if design.get(key) is not None:
                frame[key] = np.asarray(align(resolve(design[key], data, key), s.index, key))
                names[key] = key
        dsn = Design(
            frame,
            "_w" if wser is not None else None,
            None,
            names.get("cluster"),
            names.get("strata"),
            names.get("fpc"),
            design.get("lonely_psu", "fail"),
            design.get("calibration"),
        )
        w = dsn.w
    return codes, w, seg, keys, dsn


def _design_res(codes, w, seg, k, dsn, values, want_cov: bool = False) -> dict:
    """:func:`cxlab._stats.linearise` of ``values[group]`` under the design ``dsn``."""
    y = np.where(codes >= 0, values[np.maximum(codes, 0)], np.nan)
    return linearise(y, w, seg, k, dsn.cl, want_cov=want_cov, **dsn.kwargs)


def net_advocacy(
    scores,
    weights=None,
    by=None,
    data: pd.DataFrame | None = None,
    min_base: int = 30,
    *,
    agitator=None,
    scale: tuple[float, float] = (0, 10),
    cuts: tuple[float, float] | None = None,
    level: float = 0.95,
    complementary: bool = True,
    strata=None,
    cluster=None,
    fpc=None,
    lonely_psu: str = "fail",
    calibration=None,
) -> pd.DataFrame:
    """Net advocacy (percent advocates minus percent antagonists) with its uncertainty.

    Agitators count as antagonists. Net advocacy is the weighted mean of a score of
    +100 for an advocate, -100 for an antagonist or agitator and 0 otherwise, and its
    standard error is that weighted mean's Taylor-linearised SE
    (:func:`cxlab.estimates.weighted_mean` with rows as respondents; domain estimation
    by segment): one method for every weighted mean in cxlab. Normal-theory CIs,
    clipped to [-100, 100]. ``n_effective`` is Kish's ``(sum w)**2 / sum w**2``.
    With a sample design (``strata``, ``cluster``, ``fpc``, ``calibration``) the SE is
    the design-based one of :func:`cxlab.estimates.weighted_mean` and the intervals are
    t intervals on PSUs - strata degrees of freedom (docs/survey-design.md).

    Parameters
    ----------
    scores : Series, array-like or column name
        Likelihood to recommend (classified with :func:`classify_advocacy`) or an
        ``advocacy_group`` Series already classified.
    weights : Series, array-like or column name, optional
        Design / raking weights (default: all 1).
    by : Series, column name or list of them, optional
        Segment variable(s); one row per observed segment combination.
    data : DataFrame or dask.dataframe.DataFrame, optional
        Frame the column names refer to. A Dask frame (with ``scores``, ``weights``,
        ``by`` and ``agitator`` naming columns) is reduced in one pass to segment x
        group sums (docs/scaling.md).
    min_base : int
        Segments with fewer respondents are suppressed (estimates, shares and
        ``n_effective`` NaN, ``n`` kept, ``suppressed`` True, a
        :class:`~cxlab.errors.SuppressionWarning`).
    agitator, scale, cuts
        Passed to :func:`classify_advocacy` when scores are numeric.
    level : float
        Confidence level.
    complementary : bool
        With ``by``: complementary suppression (see
        :func:`cxlab.suppression.suppress_complementary`), so that no suppressed
        segment can be recomputed from the overall figure (or a margin of several
        ``by`` variables) and the other segments: when one segment is suppressed, the
        next smallest is too. Suppressed rows keep ``n``; their other numbers are NaN.
    strata, cluster, fpc : Series, array-like or column name, optional
        The sample design: strata, primary sampling units, finite-population
        correction (as in :func:`cxlab.estimates.weighted_mean`, but values or column
        names of ``data`` aligned with ``scores``).
    lonely_psu : {"fail", "adjust", "certainty"}
        What a stratum with one PSU does.
    calibration : cxlab.weighting.WeightingResult, optional
        The raking that made the weights: calibration-aware SEs (the scores' index must
        be the raked rows').

    Returns
    -------
    DataFrame
        Segment column(s), then ``value, se, ci_low, ci_high, n, n_effective,
        suppressed, pct_advocate, pct_antagonist`` (percent points).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"recommend": [10, 9, 3, 8] * 10, "region": ["N", "S"] * 20})
    >>> net_advocacy("recommend", by="region", data=df, min_base=10)[["region", "value", "n"]]
      region  value   n
    0      N    0.0  20
    1      S   50.0  20
    """
    if is_dask(data):  # partitions reduced to segment x group sums (cxlab.scaling)
        check_simple_design(strata=strata, cluster=cluster, fpc=fpc, calibration=calibration)
        sums, keys = advocacy_sums(data, scores, weights, by, agitator, scale, cuts)
        table = _net_from_sums(sums, level)
    else:
        design = {"strata": strata, "cluster": cluster, "fpc": fpc, "lonely_psu": lonely_psu,
                  "calibration": calibration}  # fmt: skip
        codes, w, seg, keys, dsn = _prepare(
            scores, weights, by, data, agitator, scale, cuts, design
        )
        table = _net_table(codes, w, seg, len(keys), level, dsn)
    table = pd.concat([keys.reset_index(drop=True), table], axis=1) if by is not None else table
    key_cols = list(keys.columns) if by is not None else []  # labels, even when numbers
    table = suppress(table, min_base, keep=key_cols, warn=False)
    primary = table["suppressed"].to_numpy().copy()
    if by is not None and complementary:
        table = _complementary(table, min_base, proper_subsets(keys.columns), keep=key_cols)
    _warn("net advocacy", primary, table, min_base, None)
    return table


def _complementary(table, min_base, partitions, together=None, keep=()):
    return suppress_complementary(
        table, "n", min_base, partitions=partitions, together=together, keep=keep
    )


def _warn(what, before, table, min_base, units):
    """One SuppressionWarning for primary and complementary suppression together."""
    primary = int(before.sum())
    if units is not None:  # count segments, not segment x group rows
        primary = len(set(units[before]))
        extra = len(set(units[table["suppressed"].to_numpy()])) - primary
    else:
        extra = int(table["suppressed"].to_numpy().sum()) - primary
    warn_suppressed(what, primary, min_base, complementary=extra, stacklevel=4)


_SCORE = np.array([-100.0, -100.0, 0.0, 100.0, np.nan])  # by code; -1 (missing) is last


def _net_table(codes, w, seg, k, level, dsn=None) -> pd.DataFrame:
    res = None if dsn is None else _design_res(codes, w, seg, k, dsn, _SCORE[:4])
    return _net_from_sums(_sums(codes, seg, w, k), level, res)


def _net_from_sums(s: dict, level, res: dict | None = None) -> pd.DataFrame:
    # the +/-100 score (agitator, antagonist -100; neutral 0; advocate +100): net advocacy
    # is its weighted mean, with the weighted mean's linearised SE (cxlab._stats; rows are
    # respondents), here from the segment x group sums; under a design from the rows
    if res is None:
        res = linearise_categories(_SCORE[:4], s["cat"], s["cat2"], s["m"])
        z = critical(level)
    else:
        z = critical(level, res["df"])
    with np.errstate(invalid="ignore", divide="ignore"):
        p = s["cat"][:, 3] / s["sw"]
        d = (s["cat"][:, 0] + s["cat"][:, 1]) / s["sw"]
        value = 100.0 * (p - d)
        se = np.sqrt(res["var"])
    return pd.DataFrame(
        {
            "value": value,
            "se": se,
            "ci_low": np.clip(value - z * se, -100, 100),
            "ci_high": np.clip(value + z * se, -100, 100),
            "n": s["n"].astype(np.int64),
            "n_effective": res["n_effective"],
            "suppressed": False,
            "pct_advocate": 100.0 * p,
            "pct_antagonist": 100.0 * d,
        }
    )


def compare_net_advocacy(
    scores,
    by,
    weights=None,
    data: pd.DataFrame | None = None,
    *,
    reference=None,
    min_base: int = 30,
    adjust: str = "holm",
    agitator=None,
    scale: tuple[float, float] = (0, 10),
    cuts: tuple[float, float] | None = None,
    level: float = 0.95,
    strata=None,
    cluster=None,
    fpc=None,
    lonely_psu: str = "fail",
    calibration=None,
) -> pd.DataFrame:
    """Differences in net advocacy between segments (or waves) with z-tests.

    Segments are independent samples, so ``se = sqrt(se_a**2 + se_b**2)``; with a
    sample design the segments share PSUs and strata and the SE is the design-based
    one of the difference (``var_a + var_b - 2 cov_ab``). p-values are two-sided and
    Holm-adjusted when there is more than one comparison (``adjust="none"`` to switch
    off).

    Parameters
    ----------
    scores, weights, data, agitator, scale, cuts, level
        As in :func:`net_advocacy`.
    strata, cluster, fpc, lonely_psu, calibration
        The sample design, as in :func:`net_advocacy`.
    by : Series or column name
        One segment (or wave) variable.
    reference : optional
        Compare every other segment with this one; default all pairs.
    min_base : int
        Suppressed segments are left out of the comparisons.
    adjust : {"holm", "none"}

    Returns
    -------
    DataFrame
        ``segment_a, segment_b, value_a, value_b, difference, se, ci_low, ci_high, z,
        p_value, p_adjusted, significant``, one row per comparison (difference = a - b).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"recommend": [10] * 40 + [2] * 40, "wave": [1] * 40 + [2] * 40})
    >>> compare_net_advocacy("recommend", "wave", data=df, min_base=10)["difference"].tolist()
    [200.0]
    """
    if adjust not in ("holm", "none"):
        raise ParameterError(f"adjust={adjust!r}; use 'holm' or 'none'")
    if isinstance(by, list | tuple):
        raise ParameterError("compare_net_advocacy takes one segment variable")
    design = {"strata": strata, "cluster": cluster, "fpc": fpc, "lonely_psu": lonely_psu,
              "calibration": calibration}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        # pairwise differences publish no total, so only segments under min_base go
        table = net_advocacy(
            scores,
            weights,
            by,
            data,
            min_base,
            agitator=agitator,
            scale=scale,
            cuts=cuts,
            complementary=False,
            **design,
        )
    name = table.columns[0]
    table = table[~table["suppressed"]].reset_index(drop=True)
    labels = table[name].tolist()
    if reference is not None:
        if reference not in labels:
            raise ParameterError(f"reference {reference!r} is not an unsuppressed segment")
        pairs = [(i, labels.index(reference)) for i, lab in enumerate(labels) if lab != reference]
    else:
        pairs = [(i, j) for i in range(len(labels)) for j in range(i + 1, len(labels))]
    if not pairs:
        raise ModelError("fewer than two unsuppressed segments to compare", column=name)
    a = np.array([i for i, _ in pairs])
    b = np.array([j for _, j in pairs])
    va, vb = table["value"].to_numpy()[a], table["value"].to_numpy()[b]
    se = np.hypot(table["se"].to_numpy()[a], table["se"].to_numpy()[b])
    if any(v is not None for key, v in design.items() if key != "lonely_psu"):
        # segments of one design sample share its PSUs: not independent
        codes, w, seg, keys, dsn = _prepare(
            scores, weights, by, data, agitator, scale, cuts, design
        )
        res = _design_res(codes, w, seg, len(keys), dsn, _SCORE[:4], want_cov=True)
        pos = {lab: i for i, lab in enumerate(keys.iloc[:, 0])}
        ia = np.array([pos[labels[i]] for i in a])
        ib = np.array([pos[labels[j]] for j in b])
        var = res["var"][ia] + res["var"][ib] - 2 * res["cov"][ia, ib]
        se = np.sqrt(np.maximum(var, 0.0))
    diff = va - vb
    zc = critical(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        zval = diff / se
    p = 2 * stats.norm.sf(np.abs(zval))
    p_adj = holm(p) if adjust == "holm" and len(p) > 1 else p
    return pd.DataFrame(
        {
            "segment_a": [labels[i] for i in a],
            "segment_b": [labels[j] for j in b],
            "value_a": va,
            "value_b": vb,
            "difference": diff,
            "se": se,
            "ci_low": diff - zc * se,
            "ci_high": diff + zc * se,
            "z": zval,
            "p_value": p,
            "p_adjusted": p_adj,
            "significant": p_adj < 1 - level,
        }
    )


def advocacy_shares(
    scores,
    weights=None,
    by=None,
    data: pd.DataFrame | None = None,
    min_base: int = 30,
    *,
    agitator=None,
    scale: tuple[float, float] = (0, 10),
    cuts: tuple[float, float] | None = None,
    level: float = 0.95,
    complementary: bool = True,
    strata=None,
    cluster=None,
    fpc=None,
    lonely_psu: str = "fail",
    calibration=None,
) -> pd.DataFrame:
    """Share of each advocacy group (percent) with Wilson CIs on the effective base.

    With a sample design the SE is the design-based linearised SE of the share and the
    interval is computed on the logit scale (as :func:`cxlab.estimates.weighted_proportion`).

    Parameters
    ----------
    scores, weights, by, data, min_base, agitator, scale, cuts, level, complementary
        As in :func:`net_advocacy` (the counts of one group over the segments add up
        to the group's overall count, so a lone suppressed segment is protected by
        suppressing the next smallest).
    strata, cluster, fpc, lonely_psu, calibration
        The sample design, as in :func:`net_advocacy`.

    Returns
    -------
    DataFrame
        Segment column(s), ``advocacy_group``, ``share, se, ci_low, ci_high, count,
        n, n_effective, suppressed``; one row per segment and group (agitator row
        only when an agitator flag was given or the scores carry agitators).
        Rows of a suppressed segment have ``share, se, ci_low, ci_high, count,
        n_effective`` NaN (``count`` is then float); ``n`` is kept, as in
        :func:`net_advocacy`.

    Examples
    --------
    >>> advocacy_shares([10, 10, 7, 1], min_base=1)[["advocacy_group", "share"]].to_dict("list")
    {'advocacy_group': ['antagonist', 'neutral', 'advocate'], 'share': [25.0, 25.0, 50.0]}
    """
    design = {"strata": strata, "cluster": cluster, "fpc": fpc, "lonely_psu": lonely_psu,
              "calibration": calibration}  # fmt: skip
    codes, w, seg, keys, dsn = _prepare(scores, weights, by, data, agitator, scale, cuts, design)
    k = len(keys)
    s = _sums(codes, seg, w, k)
    levels = list(ADVOCACY_LEVELS)
    if agitator is None and s["cnt"][:, 0].sum() == 0:
        levels = levels[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = s["sw"] ** 2 / s["cat2"].sum(axis=1)  # Kish, from the cell sums
    rows = []
    for lev in levels:
        j = ADVOCACY_LEVELS.index(lev)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = s["cat"][:, j] / s["sw"]
            se = np.sqrt(p * (1 - p) / n_eff)
        if dsn is None:
            lo, hi = wilson(p, n_eff, level)
        else:
            res = _design_res(codes, w, seg, k, dsn, (np.arange(4) == j).astype(float))
            ci = intervals(res, level, proportion=True)
            lo, hi, se = ci["ci_low"].to_numpy(), ci["ci_high"].to_numpy(), ci["se"].to_numpy()
        part = keys.reset_index(drop=True).copy() if by is not None else pd.DataFrame(index=[0])
        part = part.assign(
            advocacy_group=lev,
            share=100 * p,
            se=100 * se,
            ci_low=100 * lo,
            ci_high=100 * hi,
            count=s["cnt"][:, j].astype(np.int64),
            n=s["n"].astype(np.int64),
            n_effective=n_eff,
            suppressed=False,
        )
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    out["advocacy_group"] = pd.Categorical(out["advocacy_group"], levels, ordered=True)
    seg_cols = list(keys.columns) if by is not None else []
    out = out.sort_values([*seg_cols, "advocacy_group"], kind="stable").reset_index(drop=True)
    out = suppress(out, min_base, keep=seg_cols, warn=False)
    primary = out["suppressed"].to_numpy().copy()
    if by is not None and complementary:
        partitions = [["advocacy_group", *p] for p in proper_subsets(seg_cols)]
        out = _complementary(out, min_base, partitions, together=seg_cols, keep=seg_cols)
    units = out[seg_cols].astype(str).agg(" | ".join, axis=1) if seg_cols else None
    if units is None:
        units = pd.Series(["overall"] * len(out))
    _warn("advocacy shares", primary, out, min_base, units.to_numpy())
    return out
