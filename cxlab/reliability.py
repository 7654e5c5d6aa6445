"""Scale reliability of the tactile and emotive composites, and their factor structure.

The ``tactile`` and ``emotive`` composites of ``Survey.event_table()`` are row
means of several attribute ratings. Before interpreting them, a researcher checks
that the items of each composite measure one thing (internal consistency:
Cronbach's alpha and McDonald's omega) and that tactile and emotive items are
distinct factors (a two-factor exploratory factor analysis).

* :func:`scale_reliability` -- alpha and omega per composite, per event and overall.
* :func:`cronbach_alpha`, :func:`mcdonald_omega` -- on a frame of item columns.
* :func:`factor_structure` -- rotated two-factor loadings and whether each item
  loads on its own factor.

Omega is computed from a one-factor model fitted to the item correlation matrix
by iterated principal axes (minres): ``omega = (sum lambda)^2 / ((sum lambda)^2 +
sum psi)``. Per event, rows with a missing item are left out (listwise); pooled
over events, pairwise-complete covariances of the items centred within event are
used, because each event asks a subset of the attributes. Reliabilities ignore
the survey weights (they describe the measurement, not the population).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> f = rng.normal(size=500)
>>> items = pd.DataFrame({f"i{j}": f + rng.normal(size=500) for j in range(4)})
>>> round(cronbach_alpha(items), 2)  # population value 0.8
0.81
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from cxlab._style import new_ax
from cxlab.display import Card
from cxlab.errors import DataError, ModelError, ParameterError

__all__ = [
    "cronbach_alpha",
    "mcdonald_omega",
    "scale_reliability",
    "factor_structure",
    "FactorStructure",
]


def _numeric(items: pd.DataFrame) -> pd.DataFrame:
    if items.shape[1] < 2:
        raise ModelError("a scale needs at least two items", column=list(items.columns))
    return items.apply(pd.to_numeric, errors="coerce").astype(float)


def _covariance(items: pd.DataFrame, pairwise: bool) -> tuple[np.ndarray, int]:
    """Item covariance matrix (listwise or pairwise complete) and the rows used."""
    x = _numeric(items)
    if not pairwise:
        x = x.dropna()
        return x.cov().to_numpy(), len(x)
    return _pairwise_cov(x.to_numpy())


class _CrossProducts:
    """Sufficient statistics of pairwise-complete covariances, summed over row blocks.

    For a block of rows ``x`` (NaN: missing) with presence indicators ``m`` and values
    ``z`` (0 where missing), one Gram matrix of ``[z, m]`` gives ``z'z``, ``z'm`` and
    ``m'm``: per pair of items the sum of products, the sums of each item over the rows
    where the other is present, and the rows where both are. ``rows`` counts, per
    subset of the items (positions), the rows with at least two of them present.
    """

    def __init__(self, p: int, subsets: dict | None = None):
        self.p = p
        self.gram = np.zeros((2 * p, 2 * p))
        self.subsets = {None: list(range(p))} if subsets is None else subsets
        self.rows = dict.fromkeys(self.subsets, 0)

    def add(self, x: np.ndarray) -> None:
        present = ~np.isnan(x)
        zm = np.empty((x.shape[0], 2 * self.p))
        np.copyto(zm[:, : self.p], x)
        zm[:, : self.p][~present] = 0.0
        zm[:, self.p :] = present
        self.gram += zm.T @ zm
        for name, items in self.subsets.items():
            self.rows[name] += int(np.count_nonzero(present[:, items].sum(axis=1) >= 2))

    def cov(self, items=None) -> np.ndarray:
        """Covariances ``(z_i'z_j - s_ij s_ji / n_ij) / (n_ij - 1)`` (NaN when fewer than
        two rows have both items), of ``items`` (positions; default all)."""
        p = self.p
        idx = np.arange(p) if items is None else np.asarray(items)
        zz = self.gram[np.ix_(idx, idx)]
        sums = self.gram[np.ix_(idx, p + idx)]  # sums[i, j]: item i where item j is present
        n = self.gram[np.ix_(p + idx, p + idx)]
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = (zz - sums * sums.T / n) / (n - 1)
        cov[n < 2] = np.nan
        return (cov + cov.T) / 2


def _pairwise_cov(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Pairwise-complete sample covariances of the columns of ``x`` (NaN: missing), as
    ``DataFrame.cov(min_periods=2)``, and the rows with at least two items."""
    acc = _CrossProducts(x.shape[1])
    acc.add(x)
    return acc.cov(), acc.rows[None]


def cronbach_alpha(items: pd.DataFrame, pairwise: bool = False) -> float:
    """Cronbach's alpha of a set of item columns.

    ``alpha = k / (k - 1) * (1 - trace(C) / sum(C))`` with ``C`` the item covariance
    matrix (sample covariances of listwise complete rows, or pairwise complete
    covariances with ``pairwise=True``, as ``psych::alpha(use="pairwise")``).

    Parameters
    ----------
    items : pandas.DataFrame
        One column per item, one row per response.
    pairwise : bool
        Use pairwise-complete covariances (for planned missingness).

    Returns
    -------
    float
        NaN when the covariances cannot be estimated.

    Examples
    --------
    >>> import pandas as pd
    >>> round(cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 4, 4]})), 3)
    0.967
    """
    c, _ = _covariance(items, pairwise)
    return _alpha_from_cov(c)


def _alpha_from_cov(c: np.ndarray) -> float:
    k = c.shape[0]
    total = c.sum()
    if not np.all(np.isfinite(c)) or total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(c) / total))


def _correlation(c: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.diag(c))
    if np.any(~np.isfinite(sd)) or np.any(sd == 0):
        raise ModelError("an item has no variance")
    return c / np.outer(sd, sd)


def _principal_axis(r: np.ndarray, n_factors: int, max_iter: int = 1000, tol: float = 1e-9):
    """Iterated principal-axis (minres/ULS) factor loadings of a correlation matrix."""
    try:
        h2 = 1 - 1 / np.diag(np.linalg.inv(r))
    except np.linalg.LinAlgError:
        h2 = np.max(np.abs(r - np.eye(len(r))), axis=1)
    h2 = np.clip(h2, 0.005, 0.995)
    load = None
    for _ in range(max_iter):
        rr = r.copy()
        np.fill_diagonal(rr, h2)
        vals, vecs = np.linalg.eigh(rr)
        top = np.argsort(vals)[::-1][:n_factors]
        load = vecs[:, top] * np.sqrt(np.maximum(vals[top], 0))
        new = np.clip((load**2).sum(axis=1), 0.0, 0.999)
        if np.max(np.abs(new - h2)) < tol:
            break
        h2 = new
    return load


def _varimax(load: np.ndarray, max_iter: int = 1000, tol: float = 1e-10) -> np.ndarray:
    """Varimax rotation with Kaiser normalisation."""
    h = np.sqrt((load**2).sum(axis=1, keepdims=True))
    h[h == 0] = 1
    a = load / h
    p, k = a.shape
    rot = np.eye(k)
    crit = 0.0
    for _ in range(max_iter):
        lam = a @ rot
        u, s, vt = np.linalg.svd(a.T @ (lam**3 - lam @ np.diag((lam**2).sum(axis=0)) / p))
        rot = u @ vt
        old, crit = crit, s.sum()
        if old and crit < old * (1 + tol):
            break
    return (a @ rot) * h


def _omega_from_cov(c: np.ndarray) -> float:
    if not np.all(np.isfinite(c)):
        return float("nan")
    lam = _principal_axis(_correlation(c), 1)[:, 0]
    if lam.sum() < 0:
        lam = -lam
    s = lam.sum() ** 2
    return float(s / (s + np.sum(1 - lam**2)))


def mcdonald_omega(items: pd.DataFrame, pairwise: bool = False) -> float:
    """McDonald's omega (total) from a one-factor model of the standardised items.

    The one-factor model is fitted to the item correlation matrix by iterated
    principal axes (minres); ``omega = (sum lambda)^2 / ((sum lambda)^2 + sum psi)``
    with uniquenesses ``psi = 1 - lambda^2``.

    Parameters
    ----------
    items : pandas.DataFrame
        One column per item.
    pairwise : bool
        Use pairwise-complete correlations instead of listwise complete rows.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=4000)
    >>> items = pd.DataFrame({f"i{j}": f + rng.normal(size=4000) for j in range(4)})
    >>> round(mcdonald_omega(items), 2)  # population value (4 * 0.5) / (4 * 0.5 + 2) = 0.8
    0.8
    """
    c, n = _covariance(items, pairwise)
    if n < c.shape[0] + 2:
        return float("nan")
    return _omega_from_cov(c)


def _event_table(data) -> tuple[pd.DataFrame, list[str], list[str]]:
    if hasattr(data, "event_table"):
        return data.event_table(), list(data.tactile_attributes), list(data.emotive_attributes)
    if isinstance(data, pd.DataFrame):
        return data, [], []
    raise DataError("expected a Survey or an event-level DataFrame")


def _n_respondents(table: pd.DataFrame, cols: list[str]) -> int:
    """Respondents with at least two of ``cols`` answered in some row (rows when the
    table has no ``respondent_id``): the base a pooled figure describes."""
    answered = sum(table[c].notna().to_numpy().astype(np.int8) for c in cols) >= 2
    if "respondent_id" not in table.columns:
        return int(answered.sum())
    ids = table["respondent_id"]
    if isinstance(ids.dtype, pd.CategoricalDtype):  # distinct codes, no hashing
        codes = ids.cat.codes.to_numpy()[answered]
        codes = codes[codes >= 0]
        return int(np.count_nonzero(np.bincount(codes, minlength=len(ids.cat.categories))))
    return int(ids[answered].nunique())


def _item(table: pd.DataFrame, col: str) -> np.ndarray:
    """An item column as floats (non-numeric values missing); numeric columns as they are."""
    x = table[col]
    if not (pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x)):
        x = pd.to_numeric(x, errors="coerce")
    return x.to_numpy(dtype=float, na_value=np.nan)


def _pooled(table: pd.DataFrame, scales: dict[str, list[str]]) -> dict[str, tuple]:
    """Pairwise-complete covariances of the items centred on their event means (pooling
    events without their mean differences), and the rows with at least two items, per
    scale: ``{name: (cov, n)}``.

    One pass over the events: each event's rows are gathered, centred in place and
    added to the cross-products of :class:`_CrossProducts` of all the items (a pairwise
    covariance needs only its two items, so every scale is a block of the pooled
    matrix). Rows without an event are left out (their centred values are missing).
    """
    cols = list(dict.fromkeys(c for items in scales.values() for c in items))
    values = [_item(table, c) for c in cols]
    n_rows = len(table)
    if "event_id" in table.columns:
        ev = pd.factorize(table["event_id"])[0]
        order = np.argsort(ev, kind="stable")
        bounds = np.searchsorted(ev[order], np.arange(ev.max(initial=-1) + 2))
        blocks = [order[bounds[j] : bounds[j + 1]] for j in range(len(bounds) - 1)]
    else:
        blocks = [np.arange(n_rows)]
    where = {name: [cols.index(c) for c in items] for name, items in scales.items()}
    acc = _CrossProducts(len(cols), where)
    # tall, narrow Gram matrices are memory-bound: threaded BLAS only spins (and stalls
    # when the cores are shared)
    with threadpool_limits(limits=1):
        for rows in blocks:
            x = np.empty((rows.size, len(cols)), order="F")
            for j, v in enumerate(values):
                x[:, j] = v[rows]
            if "event_id" in table.columns:
                with np.errstate(invalid="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # an item not asked here
                    x -= np.nanmean(x, axis=0)
            acc.add(x)
    return {name: (acc.cov(items), acc.rows[name]) for name, items in where.items()}


def scale_reliability(
    data,
    tactile: Sequence[str] | None = None,
    emotive: Sequence[str] | None = None,
    *,
    by_event: bool = True,
    min_base: int = 30,
) -> pd.DataFrame:
    """Cronbach's alpha and McDonald's omega of the tactile and emotive composites.

    Per event, the items asked in that event (at least ``min_base`` answers) are
    assessed on the rows answering all of them (listwise). The pooled row
    (``event_id="all"``) assesses the whole item pool on the pairwise-complete
    covariances of the items centred within event, so that events which ask
    different subsets of attributes (planned missingness) can be pooled and the
    differences between event means do not inflate the reliability.

    Parameters
    ----------
    data : Survey or pandas.DataFrame
        A :class:`cxlab.Survey` (its ``event_table()`` and attribute lists are used)
        or an event-level frame (then give ``tactile`` and ``emotive``).
    tactile, emotive : list of str, optional
        Item columns of each composite (default: the survey's attribute lists).
    by_event : bool
        Also report each event separately (``event_id`` column needed).
    min_base : int
        Minimum base for a reliability (fewer gives NaN): rows of an event, and for
        the pooled row *respondents* (several event ratings of one respondent do
        not make a larger base).

    Returns
    -------
    pandas.DataFrame
        ``event_id, composite, n_items, n, alpha, omega``; the pooled rows come first.
        ``n`` counts the rows used (event ratings; pooled: rows with at least two
        of the composite's items).

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, truth = make_study("banking", n_respondents=300, seed=0)
    >>> len(scale_reliability(survey)) > 0
    True
    """
    table, t_default, e_default = _event_table(data)
    tactile = list(tactile) if tactile is not None else t_default
    emotive = list(emotive) if emotive is not None else e_default
    scales = {"tactile": tactile, "emotive": emotive}
    for name, cols in scales.items():
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise DataError(f"{name} item columns not found", column=missing)
    scales = {k: v for k, v in scales.items() if len(v) >= 2}
    if not scales:
        raise ModelError("no composite with at least two items to assess")
    if by_event and "event_id" not in table.columns:
        raise DataError("by_event=True needs an event_id column", column="event_id")
    rows = []
    pooled = _pooled(table, scales)
    for name, cols in scales.items():
        c, n = pooled[name]
        ok = (
            n >= min_base
            and _n_respondents(table, cols) >= min_base
            and bool(np.all(np.isfinite(c)))
        )
        alpha = _alpha_from_cov(c) if ok else float("nan")
        omega = _omega_from_cov(c) if ok else float("nan")
        rows.append(("all", name, len(cols), n, alpha, omega))
    if by_event:
        for event_id, part in table.groupby("event_id", sort=False, observed=True):
            for name, cols in scales.items():
                asked = [c for c in cols if part[c].notna().sum() >= min_base]
                complete = part[asked].dropna()
                n = len(complete)
                if len(asked) >= 2 and n >= max(min_base, len(asked) + 2):
                    alpha, omega = cronbach_alpha(complete), mcdonald_omega(complete)
                else:
                    alpha = omega = float("nan")
                rows.append((str(event_id), name, len(asked), n, alpha, omega))
    return pd.DataFrame(rows, columns=["event_id", "composite", "n_items", "n", "alpha", "omega"])


@dataclass(frozen=True, eq=False, repr=False)
class FactorStructure(Card):
    """Two-factor exploratory factor analysis of tactile and emotive items.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per item: ``item, kind, factor_1, factor_2, own_factor,
        own_loading, cross_loading, loads_on_own``. ``factor_1`` is the factor on
        which the tactile items load most (the "tactile factor"), ``factor_2`` the
        emotive one; ``loads_on_own`` is True when the item's loading on its own
        kind's factor exceeds ``threshold`` and its absolute cross-loading.
    rotation : str
    n : int
        Complete rows used.
    threshold : float
    """

    table: pd.DataFrame
    rotation: str
    n: int
    threshold: float = 0.4

    @property
    def distinct(self) -> bool:
        """Every item loads on its own kind's factor."""
        return bool(self.table["loads_on_own"].all())

    def summary(self) -> pd.DataFrame:
        """Per kind: items, items loading on their own factor, mean own and cross loading."""
        t = self.table
        return (
            t.groupby("kind", sort=False)
            .agg(
                n_items=("item", "size"),
                n_on_own_factor=("loads_on_own", "sum"),
                mean_own_loading=("own_loading", "mean"),
                mean_abs_cross_loading=("cross_loading", lambda s: s.abs().mean()),
            )
            .reset_index()
        )

    def plot(self, ax=None):
        """Horizontal bars of each item's loadings on the two factors, grouped by kind.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).

        Returns
        -------
        matplotlib.axes.Axes
        """
        import seaborn as sns

        t = self.table
        ax = new_ax(ax, (7, 0.42 * len(t) + 1.6))
        pal = sns.color_palette("colorblind", 2)
        y = np.arange(len(t))[::-1].astype(float)
        h = 0.38
        ax.barh(y + h / 2, t["factor_1"], height=h, color=pal[0], label="factor 1 (tactile)")
        ax.barh(
            y - h / 2,
            t["factor_2"],
            height=h,
            color=pal[1],
            label="factor 2 (emotive)",
            hatch="//",
            edgecolor="white",
        )
        labels = [
            f"{i} ({k})" + ("" if ok else "  ⚠")
            for i, k, ok in zip(t["item"], t["kind"], t["loads_on_own"], strict=True)
        ]
        ax.set_yticks(y)
        ax.set_yticklabels(labels)
        ax.set_ylabel("item (kind)")
        n_t = int((t["kind"] == "tactile").sum())
        if 0 < n_t < len(t):
            ax.axhline(y[n_t - 1] - 0.5, color="0.3", lw=0.8)
        ax.axvline(self.threshold, color="0.5", ls=":", lw=1)
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_xlim(min(-0.2, float(t[["factor_1", "factor_2"]].min().min()) - 0.05), 1.0)
        ax.set_xlabel(f"rotated loading ({self.rotation}); dotted line: threshold {self.threshold}")
        verdict = "distinct" if self.distinct else "NOT distinct"
        ax.set_title(f"Tactile vs emotive items: two factors, {verdict} (n={self.n})")
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, fontsize="small", frameon=False
        )
        ax.grid(axis="x", alpha=0.3)
        return ax


def factor_structure(
    data,
    tactile: Sequence[str] | None = None,
    emotive: Sequence[str] | None = None,
    *,
    rotation: str = "varimax",
    threshold: float = 0.4,
    min_base: int = 30,
) -> FactorStructure:
    """Check that tactile and emotive items are distinct factors (two-factor EFA).

    Two factors are extracted by iterated principal axes (minres) from the
    correlation matrix of all items, pooled over events (items centred within
    event, pairwise-complete correlations, so events asking different attribute
    subsets can be pooled), and rotated by varimax (Kaiser-normalised).

    Parameters
    ----------
    data : Survey or pandas.DataFrame
        As in :func:`scale_reliability`.
    tactile, emotive : list of str, optional
    rotation : {"varimax", "none"}
    threshold : float
        Minimum loading on the item's own factor.
    min_base : int
        Fewest respondents (with at least two of the items) to report loadings;
        fewer raise :class:`~cxlab.errors.ModelError` (loadings from a handful of
        respondents describe those people, not the customers).

    Returns
    -------
    FactorStructure
        ``.table`` (item, kind, factor_1, factor_2, ...), ``.distinct``, ``.summary()``.

    Raises
    ------
    cxlab.errors.ModelError
        Fewer than two items of a kind, fewer than ``min_base`` respondents, a pair
        of items never rated together, an item without variance.

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, _ = make_study("banking", n_respondents=631, seed=0)
    >>> factor_structure(survey).distinct
    True
    """
    if rotation not in ("varimax", "none"):
        raise ParameterError(f"rotation must be 'varimax' or 'none', got {rotation!r}")
    table, t_default, e_default = _event_table(data)
    tactile = list(tactile) if tactile is not None else t_default
    emotive = list(emotive) if emotive is not None else e_default
    if len(tactile) < 2 or len(emotive) < 2:
        raise ModelError("a two-factor check needs at least two tactile and two emotive items")
    cols = tactile + emotive
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise DataError("item columns not found", column=missing)
    n_resp = _n_respondents(table, cols)
    if min_base is None or min_base < 0:
        raise ParameterError(f"min_base must be a non-negative number, got {min_base!r}")
    if n_resp < min_base:
        raise ModelError(
            f"factor loadings need at least {min_base} respondents (min_base); "
            f"{n_resp} answered two or more of the items"
        )
    c, n = _pooled(table, {"items": cols})["items"]
    if not np.all(np.isfinite(c)):
        i, j = np.argwhere(~np.isfinite(c))[0]
        raise ModelError(
            "two items are never rated together; their correlation is unknown",
            column=[cols[i], cols[j]],
        )
    load = _principal_axis(_correlation(c), 2)
    if rotation == "varimax":
        load = _varimax(load)
    nt = len(tactile)
    # orient: factor_1 = the factor the tactile items load on most; signs positive
    if np.abs(load[:nt, 1]).mean() > np.abs(load[:nt, 0]).mean():
        load = load[:, ::-1]
    load = load.copy()
    for j, own_rows in enumerate((slice(0, nt), slice(nt, None))):
        if load[own_rows, j].sum() < 0:
            load[:, j] = -load[:, j]
    is_t = np.arange(len(cols)) < nt
    own = np.where(is_t, load[:, 0], load[:, 1])
    cross = np.where(is_t, load[:, 1], load[:, 0])
    out = pd.DataFrame(
        {
            "item": cols,
            "kind": ["tactile"] * nt + ["emotive"] * len(emotive),
            "factor_1": load[:, 0],
            "factor_2": load[:, 1],
            "own_factor": np.where(is_t, "factor_1", "factor_2"),
            "own_loading": own,
            "cross_loading": cross,
        }
    )
    out["loads_on_own"] = (own >= threshold) & (own > np.abs(cross))
    return FactorStructure(out, rotation, int(n), threshold)
