"""Weighted survey estimates with design-based standard errors and minimum bases.

Means, proportions, top-box shares and rating distributions, overall or by
segment, with standard errors and confidence intervals that account for the
weighting; comparisons between segments or waves (:func:`compare`, which lives in
:mod:`cxlab.comparisons` and is re-exported here); and the minimum-base rule that
keeps small groups out of reports.

Variance estimation
-------------------
Every estimate is a ratio mean ``sum(w y) / sum(w)`` over the rows of a domain
(a segment, with the analysis variable present). Its variance is estimated by
Taylor linearisation under a with-replacement design: each row contributes
``z = w (y - estimate) / sum(w)``, the ``z`` are summed within clusters (the
respondent, for event-level data where a respondent rates several events), and

    var = m / (m - 1) * sum_c z_c ** 2

where ``m`` is the number of clusters in the whole data (domain estimation: a
segment's size is random). Rows are their own clusters unless ``cluster`` names a
column; the default ``cluster="auto"`` uses ``respondent_id`` when it repeats.
Confidence intervals use Student's t with (clusters in the domain - 1) degrees of
freedom; intervals for proportions are computed on the logit scale (as R's
``svyciprop(method="logit")``), and Clopper-Pearson on the effective sample size
when the estimate is exactly 0 or 1.

Survey designs (``docs/survey-design.md``): ``strata=``, ``cluster=`` (primary
sampling units), ``fpc=`` and ``lonely_psu=`` give R survey's
``svydesign(id=, strata=, fpc=, weights=)`` variance, the between-PSU variance
within strata with ``(1 - f_h)`` and ``n_h / (n_h - 1)`` and PSUs minus strata
degrees of freedom (:func:`cxlab._stats.design_variance`). A segment keeps the whole
design (domain estimation: rows outside contribute zeros, no PSU is dropped).
Raked weights are fixed numbers unless ``calibration=`` passes the raking result:
then the calibration-aware linearisation of R survey's ``calibrate()`` is used,
which lowers the SE of figures related to the raking variables.

Minimum base
------------
An estimate resting on fewer than ``min_base`` respondents (clusters) is
suppressed: ``estimate, se, ci_low, ci_high, n_effective`` are NaN, ``suppressed``
is True, and a :class:`cxlab.errors.SuppressionWarning` is issued; the unweighted
base ``n`` is kept (the policy of :mod:`cxlab.suppression`). A base equal to
``min_base`` is reported.
:func:`~cxlab.suppression.suppress_small_cells` applies the same rule to any table;
:func:`~cxlab.suppression.format_suppressed` renders it with dashes (both live in
:mod:`cxlab.suppression` and are re-exported here).

Every estimate function returns a tidy frame: ``segment columns..., estimate, se,
ci_low, ci_high, n, n_effective, suppressed`` (plus ``category`` for
distributions), where ``n`` is the number of respondents (clusters) with data and
``n_effective`` Kish's effective number ``(sum W_c)^2 / sum W_c^2`` over cluster
weight totals.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from cxlab.estimates import weighted_mean
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"recommend": rng.integers(0, 11, 200), "weight": 1.0,
...                    "country": np.repeat(["UK", "US"], 100)})
>>> weighted_mean(df, "recommend", by="country").columns.tolist()
['country', 'estimate', 'se', 'ci_low', 'ci_high', 'n', 'n_effective', 'suppressed']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlab._checks import Design, check_common, indicator, numeric_column, renamed, top_box
from cxlab._stats import intervals, linearise, replicate_means, replicate_variance
from cxlab.comparisons import compare
from cxlab.errors import DataError
from cxlab.scaling import check_simple_design, domain_means, is_dask
from cxlab.suppression import format_suppressed, suppress, suppress_small_cells

if TYPE_CHECKING:
    from cxlab.design import ReplicateWeights
    from cxlab.weighting import WeightingResult

__all__ = [
    "weighted_mean",
    "weighted_proportion",
    "weighted_top_box",
    "weighted_distribution",
    "top_box",
    "compare",
    "suppress_small_cells",
    "format_suppressed",
]

_EST_COLS = ["estimate", "se", "ci_low", "ci_high"]


def _linearise(design: Design, y: np.ndarray, want_cov: bool = False) -> dict:
    """Domain ratio means with linearised (co)variances (:func:`cxlab._stats.linearise`),
    or with replicate-weight variances when the design has replicates."""
    res = linearise(y, design.w, design.g, design.G, design.cl, want_cov=want_cov, **design.kwargs)
    if design.replicates is not None:
        Wr, scale, rscales, mse = design.replicates
        theta_r = replicate_means(y, design.g, design.G, Wr)
        res["var"] = replicate_variance(theta_r, res["estimate"], scale, rscales, mse)
        if design.method == "replicate":  # R's degf: rank of the replicates - 1
            res["df"] = np.minimum(res["df"], float(np.linalg.matrix_rank(Wr) - 1))
    return res


def _suppress(
    table: pd.DataFrame, keys: list[str], min_base: float, what: str, stacklevel: int = 3
) -> pd.DataFrame:
    labels = table[keys].astype(str).agg(" | ".join, axis=1) if keys else ["overall"] * len(table)
    return suppress(
        table,
        min_base,
        keep=["category", *keys],  # segment keys coded as numbers are labels, not figures
        what=what,
        labels=labels,
        stacklevel=stacklevel,
    )


def _table(design: Design, res: dict, level, min_base, proportion, what) -> pd.DataFrame:
    est = intervals(res, level, proportion)
    out = pd.concat([design.keys.reset_index(drop=True), est], axis=1) if design.by else est
    out["n"] = res["n"].astype(np.int64)
    out["n_effective"] = res["n_effective"]
    out = out[out["n"] > 0].reset_index(drop=True) if design.by else out
    return _suppress(out, design.by, min_base, what, stacklevel=4)


# --------------------------------------------------------------------------- public estimates
@renamed(weight="weights")
def weighted_mean(
    data: pd.DataFrame,
    column: str,
    *,
    by: str | Sequence[str] | None = None,
    weights: str | None = "weight",
    cluster: str | None = "auto",
    strata: str | None = None,
    fpc: str | None = None,
    lonely_psu: str = "fail",
    calibration: WeightingResult | None = None,
    method: str | ReplicateWeights = "linearisation",
    min_base: float = 30,
    level: float = 0.95,
) -> pd.DataFrame:
    """Weighted mean of a column, overall or by segment, with linearised SE and CI.

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        Respondent-level (``survey.respondents``) or event-level
        (``survey.event_table()``) rows; a Dask frame is reduced partition by
        partition to sums per segment (two passes, docs/scaling.md).
    column : str
        The numeric variable; missing values are left out (domain estimation).
    by : str or list of str, optional
        Segment column(s); one output row per observed combination.
    weights : str or None
        Weight column (``None``: unweighted).
    cluster : str, None or "auto"
        The primary sampling units (PSUs: respondents, or branches, stores...
        sampled as clusters), R survey's ``id=``; ``"auto"`` uses ``respondent_id``
        when it repeats (event-level rows), ``None`` treats rows as independent.
        The base ``n`` always counts respondents.
    strata : str, optional
        Stratum column (PSUs are nested in strata), R's ``strata=``.
    fpc : str, optional
        Finite-population correction column, one value per stratum: the population
        number of PSUs, or the sampling fraction (all values <= 1), R's ``fpc=``.
    lonely_psu : {"fail", "adjust", "certainty"}
        What a stratum with one PSU does (R's ``survey.lonely.psu``): an error, centre
        it at the grand mean, or count it as sampled with certainty (no variance).
    calibration : WeightingResult, optional
        The :func:`cxlab.weighting.rake` (or ``poststratify``) result that made the
        weights: its calibrated weights are used, with the calibration-aware
        linearisation (R survey's ``calibrate()``). The data must be the raked rows.
    method : str or ReplicateWeights
        ``"linearisation"`` (Taylor), or replicate weights: ``"jackknife"`` (JK1, or
        JKn with strata), ``"bootstrap"`` (Rao-Wu, 200 replicates, seed 0) built from
        the design, raking re-run in every replicate when ``calibration`` is given; or
        a :class:`cxlab.design.ReplicateWeights` (the client's replicate weights, or
        :func:`cxlab.design.replicate_weights` with other settings).
    min_base : float
        Minimum number of respondents (clusters) for an estimate to be shown.
    level : float
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        ``by columns..., estimate, se, ci_low, ci_high, n, n_effective, suppressed``.

    Notes
    -----
    Ratio-mean Taylor linearisation under a with-replacement design, summing the
    linearised values within clusters; t intervals with (clusters in the domain - 1)
    degrees of freedom. See the module docstring.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "weight": [1.0, 1, 1, 3]})
    >>> float(weighted_mean(df, "y", min_base=2)["estimate"].iloc[0])
    3.0
    """
    check_common(min_base, level)
    if is_dask(data):  # partitions reduced to sums per domain (cxlab.scaling)
        check_simple_design(strata=strata, fpc=fpc, calibration=calibration, method=method)
        design, res = domain_means(data, column, weights=weights, by=by, cluster=cluster)
    else:
        design = Design(data, weights, by, cluster, strata, fpc, lonely_psu, calibration, method)
        res = _linearise(design, numeric_column(data, column))
    return _table(design, res, level, min_base, False, f"weighted mean of {column!r}")


@renamed(weight="weights")
def weighted_proportion(
    data: pd.DataFrame,
    column: str,
    value=None,
    *,
    by: str | Sequence[str] | None = None,
    weights: str | None = "weight",
    cluster: str | None = "auto",
    strata: str | None = None,
    fpc: str | None = None,
    lonely_psu: str = "fail",
    calibration: WeightingResult | None = None,
    method: str | ReplicateWeights = "linearisation",
    min_base: float = 30,
    level: float = 0.95,
) -> pd.DataFrame:
    """Weighted proportion of rows where ``column`` equals ``value`` (or is 1/True).

    Parameters
    ----------
    data, by, weights, cluster, strata, fpc, lonely_psu, calibration, method, min_base, level
        As in :func:`weighted_mean`.
    column : str
        A 0/1 or boolean column (``value=None``) or any column compared with ``value``.
    value : scalar or list, optional
        The category (or categories) counted as a "yes".

    Returns
    -------
    pandas.DataFrame
        As :func:`weighted_mean`; the interval is computed on the logit scale.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"group": ["advocate"] * 3 + ["neutral"], "weight": 1.0})
    >>> float(weighted_proportion(df, "group", "advocate", min_base=1)["estimate"].iloc[0])
    0.75
    """
    check_common(min_base, level)
    if is_dask(data):  # partitions reduced to sums per domain (cxlab.scaling)
        check_simple_design(strata=strata, fpc=fpc, calibration=calibration, method=method)
        design, res = domain_means(
            data, column, value=value, kind="proportion", weights=weights, by=by, cluster=cluster
        )
    else:
        design = Design(data, weights, by, cluster, strata, fpc, lonely_psu, calibration, method)
        res = _linearise(design, indicator(data, column, value))
    label = f"proportion of {column!r}" + ("" if value is None else f" = {value!r}")
    return _table(design, res, level, min_base, True, label)


@renamed(weight="weights")
def weighted_top_box(
    data: pd.DataFrame,
    column: str,
    scale_max: float,
    k: int = 2,
    *,
    by: str | Sequence[str] | None = None,
    weights: str | None = "weight",
    cluster: str | None = "auto",
    strata: str | None = None,
    fpc: str | None = None,
    lonely_psu: str = "fail",
    calibration: WeightingResult | None = None,
    method: str | ReplicateWeights = "linearisation",
    min_base: float = 30,
    level: float = 0.95,
) -> pd.DataFrame:
    """Weighted top-``k``-box share of a rating (see :func:`top_box`).

    Returns the same table as :func:`weighted_proportion`.

    Parameters
    ----------
    data : pandas.DataFrame
        The data.
    column : str
        The column.
    scale_max : float
        The top of the rating scale.
    k : int
        How many.
    by : str or list of str, optional
        Segment column(s).
    weights : str, pandas.Series or None
        Weights (a column name or values); None is unweighted.
    cluster : str, None or "auto"
        Cluster (respondent) id column; "auto" uses ``respondent_id`` when it repeats.
    strata, fpc, lonely_psu, calibration, method
        The sample design and variance method, as in :func:`weighted_mean`.
    min_base : float
        Minimum unweighted base; smaller groups are suppressed.
    level : float
        Confidence level of the intervals.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"satisfaction": [10, 9, 5, 2], "weight": 1.0})
    >>> float(weighted_top_box(df, "satisfaction", 10, min_base=1)["estimate"].iloc[0])
    0.5
    """
    check_common(min_base, level)
    design = Design(data, weights, by, cluster, strata, fpc, lonely_psu, calibration, method)
    y = top_box(numeric_column(data, column), scale_max, k)
    res = _linearise(design, y)
    return _table(design, res, level, min_base, True, f"top-{k}-box of {column!r}")


@renamed(weight="weights")
def weighted_distribution(
    data: pd.DataFrame,
    column: str,
    *,
    categories: Sequence | None = None,
    by: str | Sequence[str] | None = None,
    weights: str | None = "weight",
    cluster: str | None = "auto",
    strata: str | None = None,
    fpc: str | None = None,
    lonely_psu: str = "fail",
    calibration: WeightingResult | None = None,
    method: str | ReplicateWeights = "linearisation",
    min_base: float = 30,
    level: float = 0.95,
) -> pd.DataFrame:
    """Weighted distribution of a rating (share of each category), overall or by segment.

    Parameters
    ----------
    categories : sequence, optional
        Categories to report, in order (default: the sorted observed values; for a
        categorical column its categories). A segment's shares over all its
        categories sum to 1.
    data, column, by, weights, cluster, strata, fpc, lonely_psu, calibration, method, min_base, level
        As in :func:`weighted_mean`; ``n`` is the segment's base.

    Returns
    -------
    pandas.DataFrame
        ``by columns..., category, estimate, se, ci_low, ci_high, n, n_effective,
        suppressed``; one row per segment x category.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"r": [1, 2, 2, 3], "weight": 1.0})
    >>> weighted_distribution(df, "r", min_base=1)["estimate"].tolist()
    [0.25, 0.5, 0.25]
    """
    check_common(min_base, level)
    design = Design(data, weights, by, cluster, strata, fpc, lonely_psu, calibration, method)
    if column not in data.columns:
        raise DataError("column not found", column=column)
    x = data[column]
    if categories is None:
        if isinstance(x.dtype, pd.CategoricalDtype):
            categories = list(x.cat.categories)
        else:
            categories = sorted(pd.unique(x.dropna()).tolist())
    parts = []
    for cat in categories:
        y = np.where(x.isna().to_numpy(), np.nan, (x == cat).to_numpy(dtype=float))
        res = _linearise(design, y)
        est = intervals(res, level, True)
        part = pd.concat([design.keys.reset_index(drop=True), est], axis=1) if design.by else est
        part.insert(len(design.by), "category", cat)
        part["n"] = res["n"].astype(np.int64)
        part["n_effective"] = res["n_effective"]
        part["_order"] = np.arange(len(part))
        parts.append(part)
    out = pd.concat(parts, ignore_index=True).sort_values(["_order"], kind="stable")
    out = out.drop(columns="_order")
    out = out[out["n"] > 0].reset_index(drop=True)
    return _suppress(out, design.by, min_base, f"distribution of {column!r}")
