"""Differences between segments or waves, with Holm adjustment.

:func:`compare` tests each pair of levels of a segment column (or of survey waves
passed as a dict) for a difference of a weighted mean, proportion or top-box share,
with the design-based (Taylor-linearised) variance of :mod:`cxlab.estimates`,
Welch-Satterthwaite degrees of freedom and p-values adjusted over the table (Holm by
default). Also importable as ``cxlab.estimates.compare`` (a plain import: this module
does not import :mod:`cxlab.estimates`).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from cxlab.comparisons import compare
>>> rng = np.random.default_rng(1)
>>> df = pd.DataFrame({"y": rng.normal(size=200), "g": np.repeat(["a", "b"], 100),
...                    "weight": 1.0})
>>> compare(df, "y", by="g")[["group_a", "group_b", "n_a", "n_b"]].values.tolist()
[['a', 'b', 100, 100]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._checks import Design, check_common, indicator, numeric_column, renamed, top_box
from cxlab._stats import critical, holm, linearise
from cxlab.errors import DataError, ParameterError
from cxlab.suppression import suppress, warn_suppressed

__all__ = ["compare"]


def _stack_waves(waves: Mapping, by: str, cluster, strata=None) -> tuple[pd.DataFrame, str | None]:
    """Stack ``{label: frame}`` with a ``by`` column and wave-specific cluster ids (and
    strata: each wave is its own sample)."""
    frames = []
    if cluster == "auto":
        cluster = (
            "respondent_id" if any("respondent_id" in f.columns for f in waves.values()) else None
        )
    for label, frame in waves.items():
        if by in frame.columns:
            raise ParameterError(f"the waves already have a column {by!r}; choose another by=")
        f = frame.copy()
        f[by] = label
        if cluster is not None:
            if cluster not in f.columns:
                raise DataError("cluster column not found in a wave", column=cluster)
            ids = f[cluster]
            f[cluster] = (f"{label}\x1f" + ids.astype(str)).where(ids.notna())
        if strata is not None and strata in f.columns:
            ids = f[strata]
            f[strata] = (f"{label}\x1f" + ids.astype(str)).where(ids.notna())
        frames.append(f)
    return pd.concat(frames, ignore_index=True), cluster


@renamed(weight="weights")
def compare(
    data: pd.DataFrame | Mapping[str, pd.DataFrame],
    column: str,
    by: str,
    *,
    stat: str = "mean",
    value=None,
    scale_max: float | None = None,
    k: int = 2,
    within: str | Sequence[str] | None = None,
    reference=None,
    weights: str | None = "weight",
    cluster: str | None = "auto",
    strata: str | None = None,
    fpc: str | None = None,
    lonely_psu: str = "fail",
    calibration=None,
    min_base: float = 30,
    level: float = 0.95,
    method: str | None = "holm",
) -> pd.DataFrame:
    """Test differences between segments (or survey waves) of a weighted estimate.

    Each pair of levels of ``by`` (or each level against ``reference``), within each
    level of ``within``, is compared with a Welch-type t test: the variance of the
    difference is linearised jointly (so respondents who appear in both groups, as in
    event-level data, contribute their covariance; for disjoint groups or independent
    waves it is ``se_a^2 + se_b^2``) and the degrees of freedom are
    Welch-Satterthwaite's from the two groups' linearised variances. p-values are
    adjusted over all the tests in the table (Holm by default; other methods via
    :func:`statsmodels.stats.multitest.multipletests`; Holm is computed here, equal
    to statsmodels' to rounding, because statsmodels runs a garbage collection on
    every Holm call).

    To compare survey waves, pass them as a dict; they are stacked with a ``by``
    column holding the wave label, and the cluster (respondent) ids are made
    wave-specific, so the waves are independent samples even when ids repeat::

        compare({"2025": wave1, "2026": wave2}, "recommend", by="wave", within="country")

    Parameters
    ----------
    data : pandas.DataFrame or dict of DataFrame
        As in :func:`weighted_mean`, or ``{wave label: frame}``.
    column, weights, cluster, strata, fpc, lonely_psu, calibration, min_base, level
        As in :func:`cxlab.estimates.weighted_mean` (the sample design; for waves the
        strata and PSU ids are made wave-specific: independent samples).
    by : str
        The column whose levels are compared (the new wave column for a dict).
    stat : {"mean", "proportion", "top_box"}
        What is compared; ``value`` for proportions, ``scale_max``/``k`` for top-box.
    within : str or list of str, optional
        Compare inside each level of these columns (many cells: one test each).
    reference : optional
        Compare every other level with this one instead of all pairs.
    method : str or None
        Multiple-testing adjustment passed to ``multipletests`` (``None``: none).
    value : object
        The value.
    scale_max : float
        The top of the rating scale.
    k : int
        How many.

    Returns
    -------
    pandas.DataFrame
        ``within columns..., by, group_a, group_b, estimate_a, estimate_b, difference,
        se, ci_low, ci_high, statistic, df, p_value, p_adjusted, n_a, n_b, suppressed``
        (difference = a - b). A comparison involving a group below ``min_base`` is
        suppressed (NaN, left out of the adjustment).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"y": rng.normal(size=200), "g": np.repeat(["a", "b"], 100),
    ...                    "weight": 1.0})
    >>> compare(df, "y", by="g")[["group_a", "group_b"]].values.tolist()
    [['a', 'b']]
    """
    from statsmodels.stats.multitest import multipletests

    check_common(min_base, level)
    if isinstance(data, Mapping):
        if calibration is not None:
            raise ParameterError("calibration= applies to one sample, not to a dict of waves")
        data, cluster = _stack_waves(data, by, cluster, strata)
        if fpc is not None and strata is None:
            strata = by  # each wave its own population (its own fpc)
    within_cols = [] if within is None else ([within] if isinstance(within, str) else list(within))
    design = Design(
        data, weights, within_cols + [by], cluster, strata, fpc, lonely_psu, calibration
    )
    if stat == "mean":
        y = numeric_column(data, column)
    elif stat == "proportion":
        y = indicator(data, column, value)
    elif stat == "top_box":
        if scale_max is None:
            raise ParameterError("stat='top_box' needs scale_max")
        y = top_box(numeric_column(data, column), scale_max, k)
    else:
        raise ParameterError(f"stat must be 'mean', 'proportion' or 'top_box', got {stat!r}")
    res = linearise(y, design.w, design.g, design.G, design.cl, want_cov=True, **design.kwargs)
    keys = design.keys
    rows = []
    cells = keys.groupby(within_cols, sort=False, observed=True) if within_cols else [((), keys)]
    for wkey, part in cells:
        idx = part.index.to_numpy()
        levels = part[by].tolist()
        if reference is not None:
            if reference not in levels:
                continue
            r = idx[levels.index(reference)]
            pairs = [(i, r) for i in idx if i != r]
        else:
            pairs = list(combinations(idx, 2))
        for a, b in pairs:
            row = dict(zip(within_cols, wkey if isinstance(wkey, tuple) else (wkey,), strict=False))
            va, vb = res["var"][a], res["var"][b]
            vd = va + vb - 2 * res["cov"][a, b]
            with np.errstate(invalid="ignore", divide="ignore"):
                df_ = (va + vb) ** 2 / (va**2 / res["df"][a] + vb**2 / res["df"][b])
            row.update(
                by=by,
                group_a=keys.at[a, by],
                group_b=keys.at[b, by],
                estimate_a=res["estimate"][a],
                estimate_b=res["estimate"][b],
                difference=res["estimate"][a] - res["estimate"][b],
                se=np.sqrt(max(vd, 0.0)),
                df=df_,
                n_a=int(res["n"][a]),
                n_b=int(res["n"][b]),
            )
            rows.append(row)
    cols = within_cols + [
        "by",
        "group_a",
        "group_b",
        "estimate_a",
        "estimate_b",
        "difference",
        "se",
        "ci_low",
        "ci_high",
        "statistic",
        "df",
        "p_value",
        "p_adjusted",
        "n_a",
        "n_b",
        "suppressed",
    ]
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=cols)
    q = critical(level, out["df"].to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        out["statistic"] = out["difference"] / out["se"]
        out["p_value"] = 2 * stats.t.sf(np.abs(out["statistic"]), np.maximum(out["df"], 1))
    out["ci_low"] = out["difference"] - q * out["se"]
    out["ci_high"] = out["difference"] + q * out["se"]
    # one rule: a comparison is suppressed when either group's base is under min_base
    out["_base"] = np.minimum(out["n_a"], out["n_b"])
    value_cols = [
        "estimate_a",
        "estimate_b",
        "difference",
        "se",
        "ci_low",
        "ci_high",
        "statistic",
        "df",
        "p_value",
    ]
    out = suppress(out, min_base, n_col="_base", columns=value_cols, warn=False)
    out = out.drop(columns="_base")
    small = out["suppressed"].to_numpy()
    out["p_adjusted"] = out["p_value"]
    testable = out["p_value"].notna().to_numpy()
    if method is not None and testable.sum() > 1:
        p = out.loc[testable, "p_value"].to_numpy()
        out.loc[testable, "p_adjusted"] = (
            holm(p) if method == "holm" else multipletests(p, method=method)[1]
        )
    warn_suppressed(
        f"comparison of {column!r} by {by!r} (a group under the base)",
        int(small.sum()),
        min_base,
        stacklevel=2,
    )
    return out[cols]
