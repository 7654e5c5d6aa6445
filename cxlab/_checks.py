"""Input checking shared by every estimator (as scikit-learn's ``_check_sample_weight``).

One rule per kind of input, with one error text:

* :func:`check_weights` / :func:`weights_of`: weights are finite and non-negative
  (missing weights refused, or dropped with the rest of the row where the caller
  drops incomplete rows);
* :func:`check_min_base`, :func:`check_common`: ``min_base`` and ``level``;
* :func:`resolve`, :func:`resolve_by`, :func:`align`: a column name of ``data``, a
  Series or an array, as a Series on the rows of the scores;
* :func:`numeric_column`, :func:`indicator`: an analysis variable as floats;
* :func:`frames`: a Survey or a ``(respondents, event_table)`` pair;
* :class:`Design`: weights, domains and clusters of one estimate as integer codes.

Examples
--------
>>> import pandas as pd
>>> from cxlab._checks import check_weights
>>> check_weights(pd.Series([1.0, 2.0], name="weight")).tolist()
[1.0, 2.0]
"""

from __future__ import annotations

import functools
import warnings
import weakref

import numpy as np
import pandas as pd

from cxlab._stats import (
    REPLICATE_METHODS,
    Calibration,
    SampleDesign,
    check_level,
    check_lonely_psu,
    replicate_factors,
)
from cxlab.errors import DataError, ParameterError

__all__ = [
    "WEIGHT_RULE",
    "check_weights",
    "weights_of",
    "resolve_weights",
    "check_min_base",
    "check_common",
    "resolve",
    "resolve_by",
    "align",
    "numeric_column",
    "indicator",
    "top_box",
    "frames",
    "Design",
    "describe_design",
    "sample_design",
    "renamed",
]

#: The one weight rule, in the words every error uses.
WEIGHT_RULE = "weights must be finite and non-negative"


# --------------------------------------------------------------------------- weights
def check_weights(values, column: str | None = None, *, allow_missing: bool = False) -> np.ndarray:
    """Weights as a float array, checked: finite and non-negative.

    ``allow_missing=True`` lets NaN through (for callers that drop incomplete rows);
    infinite and negative weights are always refused. Rows in the error are 1-based
    positions.
    """
    name = column if column is not None else getattr(values, "name", None) or "weight"
    arr = np.asarray(values)
    if arr.dtype.kind in "fiub":  # numbers already: a float copy (no text to convert)
        w = arr.astype(float).ravel()
    else:
        try:
            w = pd.to_numeric(pd.Series(arr.ravel()), errors="coerce").to_numpy(dtype=float)
        except (TypeError, ValueError) as err:
            raise DataError(WEIGHT_RULE, column=name) from err
    bad = (w < 0) | np.isinf(w)
    if not allow_missing:
        bad |= np.isnan(w)
    if bad.any():
        raise DataError(WEIGHT_RULE, column=name, rows=(np.flatnonzero(bad) + 1).tolist())
    return w


def weights_of(data: pd.DataFrame, weights: str | None, *, allow_missing: bool = False):
    """The checked weights of a column of ``data`` (``None``: all 1)."""
    if weights is None:
        return np.ones(len(data))
    if weights not in data.columns:
        raise DataError("weight column not found", column=weights)
    return check_weights(data[weights], weights, allow_missing=allow_missing)


def resolve_weights(weights, data: pd.DataFrame | None, n: int) -> np.ndarray:
    """Checked weights from a column name of ``data``, a Series, an array or None (all 1)."""
    if weights is None:
        return np.ones(n)
    x = resolve(weights, data, "weight")
    w = check_weights(x, weights if isinstance(weights, str) else None)
    if w.size != n:
        raise DataError(f"weight has {w.size} values, the data {n}", column="weight")
    return w


# --------------------------------------------------------------------------- parameters
def check_min_base(min_base) -> float:
    """``min_base`` when it is a non-negative number; else a ParameterError."""
    if (
        min_base is None
        or isinstance(min_base, bool)
        or not isinstance(min_base, int | float | np.integer | np.floating)
        or not np.isfinite(min_base)
        or min_base < 0
    ):
        raise ParameterError(f"min_base must be a non-negative number, got {min_base!r}")
    return min_base


def check_common(min_base, level) -> None:
    """Check ``min_base`` and the confidence ``level`` together."""
    check_min_base(min_base)
    check_level(level)


# --------------------------------------------------------------------------- columns
def resolve(x, data: pd.DataFrame | None, what: str):
    """A Series from a Series/array or a column name of ``data``."""
    if x is None:
        return None
    if isinstance(x, str):
        if data is None:
            raise ParameterError(f"{what}={x!r} is a column name but no data= was given")
        if x not in data.columns:
            raise DataError(f"{what} column not found", column=x)
        return data[x]
    if isinstance(x, pd.Series):
        return x
    if data is None:
        return np.asarray(x)  # taken in order by align
    return pd.Series(np.asarray(x), index=data.index, name=what)


def resolve_by(by, data: pd.DataFrame | None) -> pd.DataFrame | None:
    """Segment variable(s) as a DataFrame (one column each)."""
    if by is None:
        return None
    if isinstance(by, str | pd.Series):
        by = [by]
    if isinstance(by, pd.DataFrame):
        return by
    cols = [resolve(b, data, "by") for b in by]
    names = [c.name if c.name is not None else f"segment_{i}" for i, c in enumerate(cols)]
    return pd.concat([c.rename(n) for c, n in zip(cols, names, strict=True)], axis=1)


def align(x, index: pd.Index, what: str):
    """Put a Series/array on ``index`` (arrays are taken in order)."""
    if x is None or isinstance(x, str):
        return x
    if not isinstance(x, pd.Series):
        x = np.asarray(x)
        if len(x) != len(index):
            raise DataError(f"{what} has {len(x)} values, the scores {len(index)}", column=what)
        return pd.Series(x, index=index, name=what)
    if x.index.equals(index):
        return x
    if len(x) == len(index) and x.index.sort_values().equals(index.sort_values()):
        return x.reindex(index)
    raise DataError(f"{what} is not on the same index as the scores", column=what)


def numeric_column(data: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric (or boolean) column as floats; text in it is a DataError."""
    if column not in data.columns:
        raise DataError("column not found", column=column)
    x = data[column]
    if x.dtype == bool:
        return x.to_numpy(dtype=float)
    y = pd.to_numeric(x, errors="coerce")
    bad = np.flatnonzero(y.isna().to_numpy() & x.notna().to_numpy())
    if bad.size:
        raise DataError(
            "non-numeric values in a numeric column", column=column, rows=(bad + 1).tolist()
        )
    return y.to_numpy(dtype=float)


def indicator(data: pd.DataFrame, column: str, value) -> np.ndarray:
    """1.0 where ``column`` is ``value`` (or 1/True when ``value`` is None), NaN where missing."""
    if column not in data.columns:
        raise DataError("column not found", column=column)
    x = data[column]
    if value is None:
        y = numeric_column(data, column)
        bad = np.flatnonzero(np.isfinite(y) & (y != 0) & (y != 1))
        if bad.size:
            raise DataError(
                "a proportion needs a 0/1 (or boolean) column, or value=",
                column=column,
                rows=(bad + 1).tolist(),
            )
        return y
    values = list(value) if isinstance(value, list | tuple | set) else [value]
    return np.where(x.isna().to_numpy(), np.nan, x.isin(values).to_numpy(dtype=float))


def top_box(values, scale_max: float, k: int = 2):
    """Top-k-box indicator: 1 when a rating is in the top ``k`` points of the scale.

    Parameters
    ----------
    values : array-like or pandas.Series
        Ratings on a scale ending at ``scale_max`` (integers, e.g. 1-10).
    scale_max : float
        The top of the scale.
    k : int
        Number of top points counted (2: top-2-box, 9-10 on a 1-10 scale).

    Returns
    -------
    pandas.Series or numpy.ndarray
        1.0 / 0.0, NaN where the rating is missing (same type as the input).

    Raises
    ------
    cxlab.errors.DataError
        Ratings above ``scale_max``.

    Examples
    --------
    >>> top_box([10, 9, 8, None], scale_max=10).tolist()
    [1.0, 1.0, 0.0, nan]
    """
    if k < 1:
        raise ParameterError(f"k must be >= 1, got {k!r}")
    is_series = isinstance(values, pd.Series)
    x = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    above = np.flatnonzero(x > scale_max)
    if above.size:
        raise DataError(
            f"ratings above the scale maximum {scale_max:g}",
            column=getattr(values, "name", None),
            rows=(above + 1).tolist(),
        )
    out = np.where(np.isnan(x), np.nan, (x > scale_max - k).astype(float))
    return pd.Series(out, index=values.index, name=values.name) if is_series else out


def frames(survey_or_frames) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(respondents, event_table) from a Survey, a pair of frames or a respondents frame."""
    if hasattr(survey_or_frames, "respondents") and hasattr(survey_or_frames, "event_table"):
        return survey_or_frames.respondents, survey_or_frames.event_table()
    if isinstance(survey_or_frames, tuple | list) and len(survey_or_frames) == 2:
        return survey_or_frames[0], survey_or_frames[1]
    if isinstance(survey_or_frames, pd.DataFrame):
        return survey_or_frames, None
    raise ParameterError("pass a Survey or a (respondents, event_table) pair")


# --------------------------------------------------------------------------- design
class Design:
    """Weights, domains, clusters and the sample design of one estimate, as integer codes.

    ``cluster="auto"`` uses ``respondent_id`` when it repeats (respondent x event
    rows); ``None`` makes every row its own cluster. Another column names the primary
    sampling units (PSUs: branches, stores...): the variance is then summed within
    PSUs while the base ``n`` still counts respondents. ``strata``, ``fpc``,
    ``lonely_psu`` and ``calibration`` complete the design (:class:`cxlab._stats.
    SampleDesign`, :class:`cxlab._stats.Calibration`); ``self.sample`` and
    ``self.calibration`` are None for a with-replacement sample of the clusters.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        weights,
        by,
        cluster,
        strata=None,
        fpc=None,
        lonely_psu: str = "fail",
        calibration=None,
        method="linearisation",
        n_replicates: int = 200,
        seed: int = 0,
    ):
        if not isinstance(data, pd.DataFrame):
            raise ParameterError("data must be a pandas DataFrame")
        n = len(data)
        if n == 0:
            raise DataError("no rows to estimate from")
        self.calibration = reweight = None
        self.weighted = weights is not None or calibration is not None
        if calibration is not None:
            self.w, self.calibration, reweight = _calibrated(data, weights, calibration)
        else:
            self.w = weights_of(data, weights)
        self.by = [] if by is None else ([by] if isinstance(by, str) else list(by))
        for col in self.by:
            if col not in data.columns:
                raise DataError("segment column not found", column=col)
        if self.by:
            self.g, self.keys = _domains(data, self.by)
        else:
            self.g = np.zeros(n, dtype=np.int64)
            self.keys = pd.DataFrame(index=[0])
        self.G = len(self.keys)

        ids = None  # respondent_id factorized once: whether it repeats, and its codes

        def repeats() -> bool:
            nonlocal ids
            if "respondent_id" not in data.columns:
                return False
            if ids is None:
                ids = _factorize(data["respondent_id"])
            codes, k = ids
            return k + bool((codes < 0).any()) < n  # as .duplicated().any(): NaN one value

        if isinstance(cluster, str) and cluster == "auto":
            cluster = "respondent_id" if repeats() else None
        psu = None
        if cluster is None:
            self.cl = None
        else:
            if cluster == "respondent_id" and ids is None and cluster in data.columns:
                ids = _factorize(data[cluster])
            known = ids if cluster == "respondent_id" else None
            codes = _codes(data, cluster, "missing cluster (PSU or respondent) ids", known)
            if cluster == "respondent_id":
                self.cl = codes
            else:  # PSUs above the respondents: the base still counts respondents
                psu = codes
                self.cl = (
                    _codes(data, "respondent_id", "missing respondent ids", ids)
                    if repeats()
                    else None
                )  # (repeats() has factorized the ids)
        self.cluster = cluster
        self.strata = strata
        self.fpc = fpc
        self.sample = None
        if psu is not None or strata is not None or fpc is not None:
            if psu is None:
                psu = _appearance(self.cl) if self.cl is not None else np.arange(n, dtype=np.int64)
            self.sample = _sample_design(data, psu, cluster, strata, fpc, lonely_psu)
        else:
            check_lonely_psu(lonely_psu)
        self.method = method if isinstance(method, str) else "replicate"
        self.replicates = None
        if isinstance(method, str) and method in REPLICATE_METHODS:
            sample = self.sample
            if sample is None:
                psu_rows = (
                    _appearance(self.cl) if self.cl is not None else np.arange(n, dtype=np.int64)
                )
                sample = _sample_design(data, psu_rows, None, None, None, lonely_psu)
            F, scale, rscales = replicate_factors(sample, method, n_replicates, seed)
            start = self.w if self.calibration is None else self.calibration.d
            Wr = start[:, None] * F[sample.psu]
            if reweight is not None:  # raking re-run in every replicate
                Wr = np.column_stack([reweight(Wr[:, r]) for r in range(Wr.shape[1])])
            self.replicates = (Wr, scale, rscales, False)
        elif not isinstance(method, str):
            self.replicates = _client_replicates(data, method)
        elif method != "linearisation":
            raise ParameterError(
                f"method must be 'linearisation', {' or '.join(map(repr, REPLICATE_METHODS))} "
                f"or replicate weights (cxlab.design.ReplicateWeights), got {method!r}"
            )

    @property
    def kwargs(self) -> dict:
        """The design arguments of :func:`cxlab._stats.linearise`."""
        return {"design": self.sample, "calibration": self.calibration}

    def describe(self) -> str:
        """The design in words (the report quotes it)."""
        return describe_design(
            self.strata, self.cluster, self.fpc, self.calibration is not None, self.weighted
        )


def describe_design(
    strata=None, cluster=None, fpc=None, calibrated: bool = False, weighted: bool = True
) -> str:
    """The sample design in words, e.g. ``"stratified by region, clustered by branch,
    with finite-population corrections (fpc)"``, ``"simple random sample with
    weights"`` or ``"simple random sample (unweighted)"``.

    Parameters
    ----------
    strata, cluster, fpc : str, optional
        The design's column names (``cluster="respondent_id"`` is no clustering).
    calibrated : bool
        The weights are calibrated and the variance says so.
    weighted : bool
        The estimates use weights (design weights or raked ones); False: every
        respondent counts once.

    Examples
    --------
    >>> describe_design()
    'simple random sample with weights'
    >>> describe_design(weighted=False)
    'simple random sample (unweighted)'
    >>> describe_design("region", "branch", "fpc")
    'stratified by region, clustered by branch, with finite-population corrections (fpc)'
    """
    parts = []
    if strata is not None:
        parts.append(f"stratified by {strata}")
    if cluster is not None and cluster != "respondent_id":
        parts.append(f"clustered by {cluster}")
    if fpc is not None:
        parts.append(f"with finite-population corrections ({fpc})")
    if parts:
        text = ", ".join(parts)
    else:
        text = "simple random sample " + ("with weights" if weighted else "(unweighted)")
    if calibrated:
        text += "; calibration-aware variance of the raked weights"
    return text


def _factorize(x: pd.Series) -> tuple[np.ndarray, int]:
    """Cluster (respondent) codes of ``x`` (-1: missing) and how many distinct values
    it has.

    A categorical column is coded in the order of its categories and a numeric one in
    sorted order (cheap for both), so that rows sorted by the ids have sorted codes
    (the variance's cells are then found in one pass, :func:`cxlab._stats.
    domain_clusters`); text in order of appearance (sorting strings costs more than
    it saves)."""
    sort = isinstance(x.dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(x.dtype)
    codes, uniques = _sorted_factorize(x) if sort else pd.factorize(x)
    return codes, len(uniques)


def _sorted_factorize(x: pd.Series):
    """``pd.factorize(x, sort=True)``; for a categorical from its codes by counting
    (the observed categories, in the categories' order) instead of hashing them."""
    if not isinstance(x.dtype, pd.CategoricalDtype):
        return pd.factorize(x, sort=True)
    codes = x.cat.codes.to_numpy()
    k = len(x.cat.categories)
    seen = np.zeros(k + 1, dtype=bool)
    seen[codes] = True  # a missing value (-1) marks the extra last slot
    observed = seen[:k]
    uniques = pd.Categorical.from_codes(np.flatnonzero(observed), dtype=x.dtype)
    if observed.all():  # every category occurs: the codes are already the answer
        return codes.astype(np.intp), uniques
    remap = np.full(k + 1, -1, dtype=np.intp)
    remap[:k][observed] = np.arange(int(observed.sum()))
    return remap[codes], uniques


def _appearance(codes: np.ndarray) -> np.ndarray:
    """``codes`` (``0..k-1``, none missing) renumbered in order of first appearance, as
    ``pd.factorize`` numbers them: PSUs made from respondents keep the order they have
    always had (the bootstrap's draws per PSU depend on it)."""
    first = pd.unique(codes)
    remap = np.empty(first.size, dtype=np.int64)
    remap[first] = np.arange(first.size)
    return remap[codes]


def _codes(data: pd.DataFrame, column: str, missing: str, known=None) -> np.ndarray:
    """Integer codes ``0..k-1`` of a column without missing values, in order of
    appearance (``known``: the column's codes already, e.g. from :func:`_factorize`)."""
    if column not in data.columns:
        raise DataError("column not found", column=column)
    codes = pd.factorize(data[column])[0] if known is None else known[0]
    miss = np.flatnonzero(codes < 0)
    if miss.size:
        raise DataError(missing, column=column, rows=(miss + 1).tolist())
    return codes.astype(np.int64)


def _domains(data: pd.DataFrame, by: list) -> tuple[np.ndarray, pd.DataFrame]:
    """Domain code of every row (-1: a missing segment) and the domains' key table, as
    ``data.groupby(by, observed=True, dropna=True, sort=True)`` (``ngroup``, the group
    keys). One categorical, numeric or text column is factorized (sorted codes, no
    groupby); several columns go through the groupby."""
    if len(by) == 1:
        x = data[by[0]]
        dt = x.dtype
        if isinstance(dt, pd.CategoricalDtype | pd.StringDtype) or pd.api.types.is_numeric_dtype(
            dt
        ):
            codes, uniques = _sorted_factorize(x)
            return codes.astype(np.int64), pd.DataFrame({by[0]: uniques})
    gb = data.groupby(by, observed=True, dropna=True, sort=True)
    return gb.ngroup().fillna(-1).to_numpy(dtype=np.int64), gb.size().index.to_frame(index=False)


def sample_design(
    data: pd.DataFrame, *, strata=None, cluster=None, fpc=None, lonely_psu: str = "fail"
) -> SampleDesign | None:
    """The checked :class:`cxlab._stats.SampleDesign` of the data's design columns
    (``cluster`` names the PSUs; None: the rows); None without design columns."""
    if strata is None and cluster is None and fpc is None:
        check_lonely_psu(lonely_psu)
        return None
    psu = (
        np.arange(len(data), dtype=np.int64)
        if cluster is None
        else _codes(data, cluster, "missing cluster (PSU) ids")
    )
    return _sample_design(data, psu, cluster, strata, fpc, lonely_psu)


def _sample_design(data, psu_rows, cluster, strata, fpc, lonely_psu) -> SampleDesign:
    """The checked :class:`cxlab._stats.SampleDesign` of the data's design columns."""
    n = len(data)
    psu_codes, psu_first = np.unique(psu_rows, return_index=True)
    psu = np.searchsorted(psu_codes, psu_rows)
    if strata is None:
        srow, labels = np.zeros(n, dtype=np.int64), ("all",)
    else:
        srow = _codes(data, strata, "missing strata")
        labels = tuple(pd.unique(data[strata]))
        crossed = pd.Series(srow).groupby(psu).transform("nunique").to_numpy() > 1
        if crossed.any():
            raise DataError(
                "a PSU (cluster) id occurs in more than one stratum; PSUs must be nested in "
                "strata (give each stratum's PSUs their own ids)",
                column=cluster,
                rows=(np.flatnonzero(crossed) + 1).tolist(),
            )
    stratum = srow[psu_first]
    H = len(labels)
    n_h = np.bincount(stratum, minlength=H)
    keep = np.ones(H)
    if fpc is not None:
        if fpc not in data.columns:
            raise DataError("fpc column not found", column=fpc)
        v = pd.to_numeric(data[fpc], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(v) | (v <= 0)
        if bad.any():
            raise DataError(
                "fpc must be a positive number on every row (population PSUs per stratum, "
                "or a sampling fraction <= 1)",
                column=fpc,
                rows=(np.flatnonzero(bad) + 1).tolist(),
            )
        varies = pd.Series(v).groupby(srow).transform("nunique").to_numpy() > 1
        if varies.any():
            raise DataError(
                "fpc varies within a stratum (it is one number per stratum)",
                column=fpc,
                rows=(np.flatnonzero(varies) + 1).tolist(),
            )
        per = np.zeros(H)
        per[srow] = v
        if (per > 1).any():
            if not (per >= 1).all():
                raise DataError(
                    "fpc mixes population counts (> 1) and sampling fractions (< 1); give "
                    "one or the other",
                    column=fpc,
                )
            small = np.flatnonzero(per < n_h)
            if small.size:
                raise DataError(
                    f"fpc of stratum {labels[small[0]]!r} is {per[small[0]]:g} population PSUs "
                    f"but {n_h[small[0]]} were sampled (more than 100%)",
                    column=fpc,
                )
            keep = 1.0 - n_h / per
        else:
            keep = 1.0 - per
    return SampleDesign(psu, stratum, keep, lonely_psu, labels, strata)


#: The :class:`cxlab._stats.Calibration` of a weighting result on its own rows, built
#: once: every estimate on the raked data reuses it (and its projection, computed once).
_CALIBRATIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _calibrated(data: pd.DataFrame, weights, result) -> tuple[np.ndarray, Calibration]:
    """The calibrated weights of ``result`` (a :class:`cxlab.weighting.WeightingResult`)
    on the rows of ``data``, and its :class:`cxlab._stats.Calibration`."""
    cal_w = getattr(result, "weights", None)
    codes = getattr(result, "calibration_codes", None)
    if not isinstance(cal_w, pd.Series) or codes is None:
        raise ParameterError(
            "calibration= takes the result of cxlab.weighting.rake or poststratify"
        )
    pos = cal_w.index.get_indexer(data.index)
    if len(data) != len(cal_w) or (pos < 0).any() or cal_w.index.has_duplicates:
        raise ParameterError(
            "calibration= needs the rows the weighting used (the same index): estimate on "
            "the raked respondents and use by= for segments"
        )
    w = cal_w.to_numpy(dtype=float)[pos]
    if isinstance(weights, str) and weights in data.columns:
        given = check_weights(data[weights], weights)
        if not np.allclose(given, w, rtol=1e-9, atol=0):
            raise ParameterError(
                f"weights column {weights!r} is not the calibrated weights of calibration=; "
                "pass weights=None (the calibrated weights are used) or the raked weights"
            )
    if np.array_equal(pos, np.arange(len(pos))):  # the weighted rows in their order
        cal = _CALIBRATIONS.get(result)
        if cal is None:
            d = result.design_weights.to_numpy(dtype=float)
            cal = Calibration(tuple(codes), tuple(result.calibration_ncats), d)
            _CALIBRATIONS[result] = cal
    else:
        d = result.design_weights.to_numpy(dtype=float)[pos]
        cal = Calibration(tuple(c[pos] for c in codes), tuple(result.calibration_ncats), d)

    def reweight(start: np.ndarray) -> np.ndarray:
        """The weighting re-run from ``start`` (rows of ``data``), on the rows of ``data``."""
        ordered = np.empty(len(pos))
        ordered[pos] = start
        return result.reweight(ordered)[pos]

    return w, cal, reweight


def _client_replicates(data: pd.DataFrame, rep) -> tuple:
    """Replicate weights given with the data (a :class:`cxlab.design.ReplicateWeights`)."""
    table = getattr(rep, "weights", None)
    if not isinstance(table, pd.DataFrame) or not hasattr(rep, "scale"):
        raise ParameterError(
            "method= takes 'linearisation', 'jackknife', 'bootstrap' or replicate weights "
            "(cxlab.design.ReplicateWeights)"
        )
    pos = table.index.get_indexer(data.index)
    if len(table) != len(data) or (pos < 0).any():
        raise ParameterError("the replicate weights are not on the rows of the data (index)")
    Wr = np.column_stack([check_weights(table[c], str(c)) for c in table.columns])[pos]
    return (Wr, float(rep.scale), np.asarray(rep.rscales, dtype=float), bool(rep.mse))


# --------------------------------------------------------------------------- vocabulary
def renamed(**old_to_new: str):
    """Accept a keyword's old name for a while: ``@renamed(weight="weights")`` maps
    ``weight=`` to ``weights=`` with a FutureWarning (both at once: ParameterError). The
    signature shows the new name only."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise ParameterError(f"pass {new}= only ({old}= is its old name)")
                    warnings.warn(
                        f"{fn.__name__}: {old}= is now called {new}=", FutureWarning, stacklevel=2
                    )
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return wrapper

    return decorate
