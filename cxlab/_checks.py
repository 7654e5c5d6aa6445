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

import numpy as np
import pandas as pd

from cxlab._stats import check_level
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
    try:
        w = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").to_numpy(
            dtype=float
        )
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
    """Weights, domains and clusters of one estimate, as integer-coded arrays.

    ``cluster="auto"`` uses ``respondent_id`` when it repeats (respondent x event
    rows); ``None`` makes every row its own cluster.
    """

    def __init__(self, data: pd.DataFrame, weights, by, cluster):
        if not isinstance(data, pd.DataFrame):
            raise ParameterError("data must be a pandas DataFrame")
        n = len(data)
        if n == 0:
            raise DataError("no rows to estimate from")
        self.w = weights_of(data, weights)
        self.by = [] if by is None else ([by] if isinstance(by, str) else list(by))
        for col in self.by:
            if col not in data.columns:
                raise DataError("segment column not found", column=col)
        if self.by:
            gb = data.groupby(self.by, observed=True, dropna=True, sort=True)
            self.g = gb.ngroup().fillna(-1).to_numpy(dtype=np.int64)
            self.keys = gb.size().index.to_frame(index=False)
        else:
            self.g = np.zeros(n, dtype=np.int64)
            self.keys = pd.DataFrame(index=[0])
        self.G = len(self.keys)
        if isinstance(cluster, str) and cluster == "auto":
            cluster = (
                "respondent_id"
                if "respondent_id" in data.columns and data["respondent_id"].duplicated().any()
                else None
            )
        if cluster is None:
            self.cl = None
        else:
            if cluster not in data.columns:
                raise DataError("cluster column not found", column=cluster)
            codes, _ = pd.factorize(data[cluster])
            miss = np.flatnonzero(codes < 0)
            if miss.size:
                raise DataError(
                    "missing cluster (respondent) ids", column=cluster, rows=(miss + 1).tolist()
                )
            self.cl = codes.astype(np.int64)
        self.cluster = cluster


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
