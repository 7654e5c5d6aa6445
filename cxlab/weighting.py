"""Survey weighting: raking (iterative proportional fitting) and post-stratification.

A sample rarely matches its population: telephone samples over-represent some
countries, age bands or genders. :func:`rake` adjusts the weights so that the
weighted sample reproduces known population *margins* (one distribution per
variable, e.g. country, age band, gender); :func:`poststratify` does the same for a
*joint* table (one share per combination of the variables).

Both return a :class:`WeightingResult` with the new ``weights`` (a Series aligned
with the data), convergence diagnostics, the Kish design effect and effective
sample size, and a margins table (sample share, weighted share, target share,
error per variable x category).

Raking is vectorised: respondents are collapsed into the cells of the cross
classification of the raking variables (raking only ever multiplies the weights of
a cell by a common factor), so each iteration costs O(number of cells), not
O(number of respondents). With trimming bounds every weight is
``clip(d_i * u_cell, lower, upper)``; each margin step solves exactly for the
category factors with the bounds applied (a safeguarded Newton step on the
clipped cell totals, computed from sorted design weights and prefix sums), so
trimming and raking are iterated until the margins are met with every weight
inside the bounds. These internals live in :mod:`cxlab._raking`.

Examples
--------
>>> import pandas as pd
>>> from cxlab.weighting import rake
>>> df = pd.DataFrame({"gender": ["Female"] * 30 + ["Male"] * 70})
>>> res = rake(df, {"gender": {"Female": 0.5, "Male": 0.5}})
>>> round(float(res.weights.iloc[0]), 4), round(float(res.weights.iloc[-1]), 4)
(1.6667, 0.7143)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab._raking import (
    TARGET_NAMES,
    ClippedCells,
    check_targets,
    codes_for,
    collapse_cells,
    ipf,
    ipf_bounded,
    parse_margins,
    resolve_bounds,
    start_weights,
)
from cxlab._stats import kish
from cxlab._style import new_ax
from cxlab.display import Card
from cxlab.errors import ConvergenceWarning, ModelError, ParameterError
from cxlab.scaling import cell_weights, is_dask, raking_cells

__all__ = [
    "WeightingResult",
    "rake",
    "check_margins",
    "poststratify",
    "kish_design_effect",
    "kish_n_effective",
]


# --------------------------------------------------------------------------- diagnostics
def kish_n_effective(weights: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Kish effective sample size ``(sum w)^2 / sum w^2``.

    Parameters
    ----------
    weights : array-like
        Non-negative weights (missing values are ignored).

    Returns
    -------
    float

    Examples
    --------
    >>> kish_n_effective([1, 1, 1, 1])
    4.0
    """
    return kish(weights)


def kish_design_effect(weights: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Kish design effect due to weighting, ``n * sum w^2 / (sum w)^2 = 1 + cv^2``.

    Parameters
    ----------
    weights : str, pandas.Series or None
        Weights (a column name or values); None is unweighted.

    Examples
    --------
    >>> kish_design_effect([1, 1, 1, 1])
    1.0
    """
    w = np.asarray(weights, dtype=float)
    w = w[np.isfinite(w)]
    return float(w.size / kish_n_effective(w)) if w.size else float("nan")


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False, repr=False)
class WeightingResult(Card):
    """The outcome of :func:`rake` or :func:`poststratify`.

    Attributes
    ----------
    weights : pandas.Series
        The new weights, aligned with (same index as) the input data, named ``weight``.
    table : pandas.DataFrame
        One row per variable x category: ``variable, category, n, sample_share,
        weighted_share, target_share, error`` (error = weighted - target share).
        For post-stratification ``variable`` joins the column names with ``" x "`` and
        ``category`` joins the cell's values with ``" | "``.
    converged : bool
        Whether the margins were met within ``tol`` (and every weight within bounds).
    iterations : int
        Number of full raking sweeps (1 for post-stratification).
    method : str
        ``"rake"`` or ``"poststratify"``.
    bounds : tuple
        The absolute (lower, upper) weight bounds applied (``None`` when unbounded).
    design_weights : pandas.Series or None
        The weights the weighting started from (all 1 without design weights).
    calibration_codes : tuple of numpy.ndarray
        For each raking variable (the one joint cell variable of post-stratification),
        every row's category code: with ``design_weights``, what the calibration-aware
        variance needs (``weighted_mean(..., calibration=result)``, R survey's
        ``calibrate()`` linearisation).
    calibration_ncats : tuple of int
        Number of categories of each raking variable.
    """

    weights: pd.Series
    table: pd.DataFrame
    converged: bool
    iterations: int
    method: str = "rake"
    bounds: tuple[float | None, float | None] = (None, None)
    design_weights: pd.Series | None = None
    calibration_codes: tuple | None = field(default=None, repr=False)
    calibration_ncats: tuple = ()
    reweight: Callable[[np.ndarray], np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def design_effect(self) -> float:
        """Kish design effect of the final weights (``1 + cv^2``)."""
        return kish_design_effect(self.weights)

    @property
    def n_effective(self) -> float:
        """Kish effective sample size of the final weights."""
        return kish_n_effective(self.weights)

    @property
    def max_margin_error(self) -> float:
        """Largest absolute difference between a weighted and a target share."""
        return float(self.table["error"].abs().max())

    def summary(self) -> pd.DataFrame:
        """Diagnostics as a two-column frame (``statistic, value``)."""
        w = self.weights
        rows = [
            ("method", self.method),
            ("converged", bool(self.converged)),
            ("iterations", int(self.iterations)),
            ("n", int(w.size)),
            ("sum_of_weights", float(w.sum())),
            ("min_weight", float(w.min())),
            ("max_weight", float(w.max())),
            ("max_to_mean_ratio", float(w.max() / w.mean())),
            ("lower_bound", self.bounds[0]),
            ("upper_bound", self.bounds[1]),
            ("design_effect", self.design_effect),
            ("n_effective", self.n_effective),
            ("max_margin_error", self.max_margin_error),
        ]
        return pd.DataFrame(rows, columns=["statistic", "value"])

    def plot(self, ax=None):
        """Dot plot of sample, weighted and target shares per variable and category.

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
        labels = [f"{v}: {c}" for v, c in zip(t["variable"], t["category"], strict=True)]
        y = np.arange(len(t))[::-1]
        ax = new_ax(ax, (7, 0.35 * len(t) + 1.5))
        pal = sns.color_palette("colorblind")
        ax.scatter(
            t["sample_share"],
            y,
            marker="o",
            facecolors="none",
            edgecolors=pal[0],
            s=45,
            label="sample (unweighted)",
            zorder=3,
        )
        ax.scatter(
            t["target_share"],
            y,
            marker="x",
            color=pal[1],
            s=60,
            label="population target",
            zorder=4,
        )
        ax.scatter(
            t["weighted_share"], y, marker=".", color=pal[2], s=50, label="weighted", zorder=5
        )
        for yi, (a, b) in zip(
            y, zip(t["sample_share"], t["target_share"], strict=True), strict=True
        ):
            ax.plot([a, b], [yi, yi], color="0.75", lw=1, zorder=1)
        ax.set_yticks(y)
        ax.set_yticklabels(labels)
        ax.set_xlabel("share of respondents")
        ax.set_ylabel("variable: category")
        ax.set_title(
            f"Weighting ({self.method}): deff {self.design_effect:.2f}, "
            f"n_eff {self.n_effective:.0f}"
        )
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize="small", frameon=False
        )
        ax.grid(axis="x", alpha=0.3)
        return ax


def check_margins(margins, *, counts: bool | None = None, sum_tol: float = 0.01) -> dict:
    """Check raking targets without raking: the rules :func:`rake` applies to them.

    Parameters
    ----------
    margins : dict or pandas.DataFrame
        As for :func:`rake`.
    counts : bool, optional
        The margins are population counts (not shares); default as for :func:`rake`.
    sum_tol : float
        Tolerance of the shares' sum around 1 (and between variables' totals).

    Returns
    -------
    dict
        ``{variable: pandas.Series of targets by category}``.

    Raises
    ------
    cxlab.errors.ModelError
        Missing or negative shares, shares that do not sum to 1 (unless counts),
        variables whose totals differ, a category listed twice.
    cxlab.errors.ParameterError
        Malformed margins (not a mapping, a share that is not a number).

    Examples
    --------
    >>> check_margins({"g": {"a": 0.4, "b": 0.6}})["g"].to_dict()
    {'a': 0.4, 'b': 0.6}
    >>> check_margins({"g": {"a": 0.4, "b": 0.4}})
    Traceback (most recent call last):
    ...
    cxlab.errors.ModelError: column 'g': the shares of 'g' sum to 0.8, not 1; shares must sum to 1 per variable (for population counts pass counts=True)
    """
    return _checked_margins(margins, counts, sum_tol)[0]


def _checked_margins(margins, counts, sum_tol: float):
    spec = parse_margins(margins)
    for col, s in spec.items():
        check_targets(col, s)
    sums = {col: float(s.sum()) for col, s in spec.items()}
    if counts is None:
        counts = _explicit_counts(margins)
    if not counts:
        off = {col: s_ for col, s_ in sums.items() if abs(s_ - 1.0) > sum_tol}
        if off:
            col, s_ = next(iter(off.items()))
            raise ModelError(
                f"the shares of {col!r} sum to {s_:g}, not 1"
                + (f" (and those of {len(off) - 1} more variable(s))" if len(off) > 1 else "")
                + "; shares must sum to 1 per variable (for population counts pass counts=True)",
                column=list(off) if len(off) > 1 else col,
            )
    first_col, first = next(iter(sums.items()))
    for col, s_ in sums.items():
        if abs(s_ - first) > sum_tol * max(first, s_):
            raise ModelError(
                f"the margins sum to {s_:g} but those of {first_col!r} sum to "
                f"{first:g}; every variable must describe the same population",
                column=col,
            )
    return spec, counts


# --------------------------------------------------------------------------- public API
def rake(
    data: pd.DataFrame,
    margins,
    weights: str | Sequence[float] | pd.Series | None = None,
    bounds: tuple[float | None, float | None] | None = None,
    max_iter: int = 1000,
    tol: float = 1e-10,
    *,
    max_ratio: float | None = None,
    total: float | None = None,
    sum_tol: float = 0.01,
    counts: bool | None = None,
) -> WeightingResult:
    """Rake (iterative proportional fitting) weights to population margins.

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        One row per respondent, with a column for every raking variable. A Dask frame
        is reduced in one pass to the raking cells (docs/scaling.md); ``weights`` must
        then name a column or be None, bounds are not available, and ``.weights`` is a
        lazy Dask Series.
    margins : dict or pandas.DataFrame
        ``{column: {category: share}}`` (e.g. from ``truth["population_margins"]``), or a
        small table with columns ``variable, category, share`` (or ``target``/``count``/
        ``population``). Shares are proportions summing to 1 per variable (within
        ``sum_tol``); population counts must be said to be counts (``counts=True``, or
        a table whose target column is ``population``, ``count`` or ``total``). Every
        variable's targets must sum to the same total (relative tolerance
        ``sum_tol``) and are then rescaled to sum exactly to it.
    weights : str, array-like or None
        Design weights to start from (a column name or values aligned with ``data``);
        ``None`` starts from 1.
    bounds : (lower, upper), optional
        Absolute trimming bounds for the final weights (either may be ``None``).
        Trimming and raking are iterated: each margin step solves for the category
        factors with the weights clipped to the bounds, so the result meets the margins
        with every weight inside the bounds (or reports ``converged=False``).
    max_iter : int
        Maximum number of full raking sweeps.
    tol : float
        Convergence tolerance on the largest absolute error of a weighted share.
    max_ratio : float, optional
        Keep every weight within ``[mean / max_ratio, mean * max_ratio]`` (combined
        with ``bounds``; the mean weight is fixed by the total).
    total : float, optional
        The sum of the final weights. Default: the population total when the margins
        are counts (they sum to more than 1 + sum_tol), otherwise the sum of the
        starting weights (so weights average 1 without design weights).
    sum_tol : float
        Relative tolerance for the variables' margins summing to the same total.
    counts : bool, optional
        The margins are population counts (not shares). Default: True for a table
        with a ``population``, ``count`` or ``total`` column, else False.

    Returns
    -------
    WeightingResult
        ``.weights`` aligned with ``data``, ``.converged``, ``.iterations``,
        ``.design_effect``, ``.n_effective``, ``.max_margin_error``, ``.table``.

    Raises
    ------
    cxlab.errors.ModelError
        Impossible margins (naming the column and category): a category with a
        population share but no respondents, a data category missing from the margins,
        missing values in a raking variable, negative shares, margins whose totals
        differ, respondents in a category whose share is 0.
    cxlab.errors.ParameterError
        Malformed margins or bounds that exclude the mean weight.

    Warns
    -----
    cxlab.errors.ConvergenceWarning
        When the margins are not met within ``tol`` after ``max_iter`` sweeps.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": list("aaabb"), "c": list("xxyxy")})
    >>> res = rake(df, {"g": {"a": 0.5, "b": 0.5}, "c": {"x": 0.5, "y": 0.5}})
    >>> res.converged, round(res.max_margin_error, 9)
    (True, 0.0)
    """
    dask = is_dask(data)
    if not dask and (not isinstance(data, pd.DataFrame) or len(data) == 0):
        raise ModelError("raking needs a non-empty DataFrame of respondents")
    spec, counts = _checked_margins(margins, counts, sum_tol)
    first = float(next(iter(spec.values())).sum())
    if dask:  # one pass reduces the partitions to raking cells (cxlab.scaling)
        if bounds is not None or max_ratio is not None:
            raise ParameterError(
                "trimming bounds need every design weight in memory; rake a Dask frame "
                "without bounds / max_ratio, or compute it first"
            )
        cats = [list(s.index) for s in spec.values()]
        codes, n_cell, w_cell, cell_index = raking_cells(data, list(spec), cats, weights)
        w0, n_rows = w_cell, int(n_cell.sum())
    else:
        w0, n_cell = start_weights(data, weights), None
        codes = [codes_for(data, col, list(s.index)) for col, s in spec.items()]
        n_rows = len(data)
    if total is None:
        total = first if counts else float(w0.sum())
    if not total > 0:
        raise ParameterError(f"total must be positive, got {total!r}")

    ncats, targets, cats = [], [], []
    for (col, s), c in zip(spec.items(), codes, strict=True):
        counts = np.bincount(c, weights=n_cell, minlength=len(s))
        share = s.to_numpy() / s.sum()
        empty = np.flatnonzero((counts == 0) & (share > 0))
        if empty.size:
            j = empty[0]
            raise ModelError(
                f"category {s.index[j]!r} has population share {share[j]:.4g} but "
                "no respondents; collapse it with a neighbouring category",
                column=col,
            )
        zero = np.flatnonzero((counts > 0) & (share == 0))
        if zero.size:
            j = zero[0]
            raise ModelError(
                f"category {s.index[j]!r} has {counts[j]} respondent(s) but a "
                "population share of 0; drop them or give the category a share",
                column=col,
            )
        ncats.append(len(s))
        targets.append(share * total)
        cats.append(list(s.index))

    lo, hi = resolve_bounds(bounds, max_ratio, total / n_rows)
    bounded = lo is not None or hi is not None
    inv, cell_codes, ncell = collapse_cells(codes, ncats)
    scale = total / float(w0.sum())
    if bounded:
        cells = ClippedCells(inv, w0, ncell, lo, hi)
        u, it, err = ipf_bounded(
            cells, cell_codes, ncats, targets, np.full(ncell, scale), tol, max_iter
        )
        w = cells.weights(inv, w0, u)
    else:
        wc = np.bincount(inv, weights=w0, minlength=ncell)
        wc_new, it, err = ipf(cell_codes, ncats, targets, wc * scale, tol, max_iter)
        w = w0 * (wc_new / wc)[inv]
    converged = bool(err <= tol)
    if not converged:
        warnings.warn(
            f"raking did not converge after {it} iterations: largest margin error {err:.3g} > "
            f"tol {tol:g}" + (" (the trimming bounds may be too tight)" if bounded else ""),
            ConvergenceWarning,
            stacklevel=2,
        )
    table = _margins_table(list(spec), cats, codes, ncats, targets, total, w, n_cell)
    if dask:  # rows of a Dask frame: cells, with w the cell totals; weights stay lazy
        # (no calibration-aware variance or replicate re-raking: those need the rows)
        weights_s = cell_weights(data, list(spec), cats, weights, cell_index, w / w0)
        return WeightingResult(weights_s, table, converged, int(it), "rake", (lo, hi))
    weights_s = pd.Series(w, index=data.index, name="weight")

    def reweight(start: np.ndarray) -> np.ndarray:
        """The same raking from other starting weights (replicate weights)."""
        start = np.asarray(start, dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sc = total / float(start.sum())
            if bounded:
                cl = ClippedCells(inv, start, ncell, lo, hi)
                u_r, _, _ = ipf_bounded(
                    cl, cell_codes, ncats, targets, np.full(ncell, sc), tol, max_iter
                )
                return cl.weights(inv, start, u_r)
            wc_r = np.bincount(inv, weights=start, minlength=ncell)
            new, _, _ = ipf(cell_codes, ncats, targets, wc_r * sc, tol, max_iter)
            ratio = np.divide(new, wc_r, out=np.zeros(ncell), where=wc_r > 0)
            return start * ratio[inv]

    return WeightingResult(
        weights_s,
        table,
        converged,
        int(it),
        "rake",
        (lo, hi),
        pd.Series(w0, index=data.index, name="design_weight"),
        tuple(codes),
        tuple(ncats),
        reweight,
    )


def _explicit_counts(margins) -> bool:
    """A margins table whose target column says counts (population, count, total)."""
    if not isinstance(margins, pd.DataFrame):
        return False
    names = {str(c).lower() for c in margins.columns}
    return not {"share", "target", "proportion"} & names and bool(
        {"population", "count", "total"} & names
    )


def _margins_table(names, cats, codes, ncats, targets, total, w, n_cell=None) -> pd.DataFrame:
    """Sample, weighted and target shares per category; ``codes`` and ``w`` are per row,
    or per cell with ``n_cell`` rows each."""
    rows = []
    n = w.size if n_cell is None else int(n_cell.sum())
    for name, cat, c, k, t in zip(names, cats, codes, ncats, targets, strict=True):
        cnt = np.bincount(c, weights=n_cell, minlength=k).astype(np.int64)
        ws = np.bincount(c, weights=w, minlength=k) / w.sum()
        for j in range(k):
            rows.append(
                (name, cat[j], int(cnt[j]), cnt[j] / n, ws[j], t[j] / total, ws[j] - t[j] / total)
            )
    return pd.DataFrame(
        rows,
        columns=[
            "variable",
            "category",
            "n",
            "sample_share",
            "weighted_share",
            "target_share",
            "error",
        ],
    )


def poststratify(
    data: pd.DataFrame,
    joint_table: pd.DataFrame,
    weights: str | Sequence[float] | pd.Series | None = None,
    *,
    target: str | None = None,
    total: float | None = None,
) -> WeightingResult:
    """Post-stratify weights to a joint population table.

    Every respondent's (design) weight is multiplied by ``T_cell / sum of the
    weights in the cell``, so the weighted sample reproduces the joint distribution
    exactly.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents, with every key column of ``joint_table``.
    joint_table : pandas.DataFrame
        One row per cell: the stratifying columns and a target column (shares or
        counts).
    weights : str, array-like or None
        Design weights to start from.
    target : str, optional
        The target column; default the first of ``share, target, proportion,
        population, count, total`` present.
    total : float, optional
        Sum of the final weights; default the table total when it holds counts,
        otherwise the sum of the starting weights.

    Returns
    -------
    WeightingResult
        ``method="poststratify"``, ``iterations=1``; ``table`` has one row per cell.

    Raises
    ------
    cxlab.errors.ModelError
        A data cell missing from the table, a table cell with a positive share and no
        respondents, negative or duplicated cells, missing values in a key column.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": list("aab")})
    >>> tab = pd.DataFrame({"g": ["a", "b"], "share": [0.5, 0.5]})
    >>> poststratify(df, tab).weights.round(2).tolist()
    [0.75, 0.75, 1.5]
    """
    if target is None:
        target = next((c for c in joint_table.columns if str(c).lower() in TARGET_NAMES), None)
        if target is None:
            raise ParameterError(
                "name the target column of the joint table with target=",
                column=list(joint_table.columns),
            )
    keys = [c for c in joint_table.columns if c != target]
    if not keys:
        raise ParameterError("the joint table has no stratifying columns")
    label = " x ".join(map(str, keys))
    tab = joint_table[keys + [target]].copy()
    if tab.duplicated(keys).any():
        dup = tab.loc[tab.duplicated(keys), keys].iloc[0].tolist()
        raise ModelError(f"cell {dup} is listed twice in the joint table", column=keys)
    t = tab[target].to_numpy(dtype=float)
    if not np.all(np.isfinite(t)) or (t < 0).any():
        j = int(np.flatnonzero(~np.isfinite(t) | (t < 0))[0])
        raise ModelError(
            f"cell {tab[keys].iloc[j].tolist()} has a negative or missing target", column=target
        )
    w0 = start_weights(data, weights)
    if total is None:
        total = float(t.sum()) if abs(t.sum() - 1.0) > 0.01 else float(w0.sum())
    for k in keys:
        if k not in data.columns:
            raise ModelError("stratifying column not found in the data", column=k)
        miss = np.flatnonzero(data[k].isna().to_numpy())
        if miss.size:
            raise ModelError(
                "missing values in a weighting variable", column=k, rows=(miss + 1).tolist()
            )
    tkeys = pd.MultiIndex.from_frame(tab[keys].astype(object))
    dkeys = pd.MultiIndex.from_frame(data[keys].astype(object).reset_index(drop=True))
    cell = tkeys.get_indexer(dkeys)
    unknown = np.flatnonzero(cell < 0)
    if unknown.size:
        raise ModelError(
            f"cell {list(dkeys[unknown[0]])} occurs in the data but not in the joint table",
            column=keys,
            rows=(unknown + 1).tolist(),
        )
    ncell = len(tab)
    cnt = np.bincount(cell, minlength=ncell)
    share = t / t.sum()
    empty = np.flatnonzero((cnt == 0) & (share > 0))
    if empty.size:
        raise ModelError(
            f"cell {tab[keys].iloc[empty[0]].tolist()} has population share "
            f"{share[empty[0]]:.4g} but no respondents; collapse cells",
            column=keys,
        )
    zero = np.flatnonzero((cnt > 0) & (share == 0))
    if zero.size:
        raise ModelError(
            f"cell {tab[keys].iloc[zero[0]].tolist()} has respondents but a population share of 0",
            column=keys,
        )
    wsum = np.bincount(cell, weights=w0, minlength=ncell)
    f = np.divide(share * total, wsum, out=np.zeros(ncell), where=wsum > 0)
    w = w0 * f[cell]
    cats = [" | ".join(map(str, r)) for r in tab[keys].itertuples(index=False)]
    table = _margins_table([label], [cats], [cell], [ncell], [share * total], total, w)

    def reweight(start: np.ndarray) -> np.ndarray:
        """The same post-stratification from other starting weights (replicates)."""
        start = np.asarray(start, dtype=float)
        ws = np.bincount(cell, weights=start, minlength=ncell)
        return start * np.divide(share * total, ws, out=np.zeros(ncell), where=ws > 0)[cell]

    return WeightingResult(
        pd.Series(w, index=data.index, name="weight"),
        table,
        True,
        1,
        "poststratify",
        (None, None),
        pd.Series(w0, index=data.index, name="design_weight"),
        (cell.astype(np.int64),),
        (ncell,),
        reweight,
    )
