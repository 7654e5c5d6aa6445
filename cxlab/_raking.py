"""Raking internals for :mod:`cxlab.weighting` (private).

Margin parsing and validation (:func:`parse_margins`, :func:`check_targets`,
:func:`codes_for`, :func:`start_weights`, :func:`resolve_bounds`) and the
cell-collapsed iterative proportional fitting loops: :func:`ipf` (unbounded) and
:func:`ipf_bounded`, which iterates trimming and re-raking through the clipped
cell totals of :class:`ClippedCells` and the safeguarded Newton margin step
:func:`_bounded_step`.

Respondents are collapsed into the cells of the cross classification of the raking
variables (:func:`collapse_cells`): raking only ever multiplies the weights of a cell by a
common factor, so each sweep costs O(number of cells), not O(number of
respondents). The public API (:func:`cxlab.weighting.rake`,
:func:`cxlab.weighting.poststratify`) lives in :mod:`cxlab.weighting`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cxlab.errors import ModelError, ParameterError

TARGET_NAMES = ("share", "target", "proportion", "population", "count", "total")


# --------------------------------------------------------------------------- input checks
def parse_margins(margins) -> dict[str, pd.Series]:
    """Margins as ``{column: Series(target, index=category)}``."""
    if isinstance(margins, pd.DataFrame):
        cols = {c.lower(): c for c in margins.columns}
        var = next((cols[c] for c in ("variable", "column") if c in cols), None)
        cat = next((cols[c] for c in ("category", "level", "value") if c in cols), None)
        tgt = next((cols[c] for c in TARGET_NAMES if c in cols), None)
        if var is None or cat is None or tgt is None:
            raise ParameterError(
                "a margins table needs columns 'variable', 'category' and a target column "
                f"(one of {', '.join(TARGET_NAMES)})",
                column=list(margins.columns),
            )
        out = {}
        for v, part in margins.groupby(var, sort=False):
            values = [_share(x, str(v), c) for x, c in zip(part[tgt], part[cat], strict=True)]
            out[str(v)] = pd.Series(values, index=list(part[cat]), dtype=float)
        return out
    if not isinstance(margins, Mapping) or not margins:
        raise ParameterError(
            "margins must be a non-empty dict {column: {category: share}} "
            "or a table with columns variable, category, share"
        )
    out = {}
    for col, spec in margins.items():
        if isinstance(spec, pd.Series):
            spec = spec.to_dict() if not spec.index.has_duplicates else spec
        if isinstance(spec, Mapping):
            s = pd.Series({k: _share(x, str(col), k) for k, x in spec.items()}, dtype=float)
        elif isinstance(spec, pd.Series):
            s = pd.Series([_share(x, str(col), k) for k, x in spec.items()], index=spec.index)
        else:
            raise ParameterError(
                f"the margins of {col!r} must map category: share, got {type(spec).__name__}",
                column=str(col),
            )
        if s.index.has_duplicates:
            raise ModelError(
                f"categories {list(s.index[s.index.duplicated()])} are listed twice in the margins",
                column=col,
            )
        out[col] = s
    return out


def _share(value, column: str, category) -> float:
    """A target share or count as a float; text such as ``"forty"`` is refused."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        try:
            return float(str(value).strip())
        except ValueError:
            raise ParameterError(
                f"category {category!r} has the share {value!r}, not a number",
                column=column,
            ) from None
    return float(value)


def check_targets(col: str, s: pd.Series) -> None:
    bad = s[~np.isfinite(s.to_numpy())]
    if len(bad):
        raise ModelError(f"category {bad.index[0]!r} has a missing population share", column=col)
    neg = s[s < 0]
    if len(neg):
        raise ModelError(
            f"category {neg.index[0]!r} has a negative population share ({neg.iloc[0]:g})",
            column=col,
        )
    if s.sum() <= 0:
        raise ModelError("the population shares sum to zero", column=col)


def start_weights(data: pd.DataFrame, weights) -> np.ndarray:
    if weights is None:
        return np.ones(len(data))
    if isinstance(weights, str):
        if weights not in data.columns:
            raise ModelError("design-weight column not found in the data", column=weights)
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
        name = weights
    else:
        if isinstance(weights, pd.Series):
            weights = weights.reindex(data.index)
        w = np.asarray(weights, dtype=float)
        name = "weights"
        if w.shape != (len(data),):
            raise ParameterError(f"weights has {w.size} values for {len(data)} rows")
    bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
    if bad.size:
        raise ModelError(
            "design weights must be positive and not missing", column=name, rows=(bad + 1).tolist()
        )
    return w


def codes_for(data: pd.DataFrame, col: str, categories: list) -> np.ndarray:
    if col not in data.columns:
        raise ModelError("raking variable not found in the data", column=col)
    x = data[col]
    miss = np.flatnonzero(x.isna().to_numpy())
    if miss.size:
        raise ModelError(
            "missing values in a weighting variable; impute them or give "
            "them their own category before weighting",
            column=col,
            rows=(miss + 1).tolist(),
        )
    fcodes, uniques = pd.factorize(x, sort=False)
    lookup = pd.Index(categories, dtype=object).get_indexer(pd.Index(uniques, dtype=object))
    as_text = [str(c) for c in categories]
    if (lookup < 0).any() and len(set(as_text)) == len(as_text):
        # margins read from YAML may say 1 where the data say "1" (or the reverse)
        by_text = pd.Index(as_text).get_indexer([str(u) for u in uniques])
        lookup = np.where(lookup < 0, by_text, lookup)
    codes = lookup.astype(np.int64)[fcodes]
    unknown = np.flatnonzero(codes < 0)
    if unknown.size:
        cats = pd.unique(x.iloc[unknown].astype(object))
        raise ModelError(
            f"category {cats[0]!r} occurs in the data ({unknown.size} row(s) in "
            f"all: {', '.join(map(repr, cats[:5]))}) but has no population share",
            column=col,
            rows=(unknown + 1).tolist(),
        )
    return codes


def resolve_bounds(bounds, max_ratio, mean_weight) -> tuple[float | None, float | None]:
    lo, hi = (None, None) if bounds is None else tuple(bounds)
    if max_ratio is not None:
        if not max_ratio > 1:
            raise ParameterError(f"max_ratio must be > 1, got {max_ratio!r}")
        r_lo, r_hi = mean_weight / max_ratio, mean_weight * max_ratio
        lo = r_lo if lo is None else max(lo, r_lo)
        hi = r_hi if hi is None else min(hi, r_hi)
    if lo is not None and lo < 0:
        raise ParameterError(f"the lower weight bound must be >= 0, got {lo!r}")
    if (lo is not None and lo > mean_weight * (1 + 1e-12)) or (
        hi is not None and hi < mean_weight * (1 - 1e-12)
    ):
        raise ParameterError(
            f"weight bounds ({lo}, {hi}) exclude the mean weight {mean_weight:.6g}; no set of "
            "weights within them can have the required total"
        )
    return (None if lo is None else float(lo), None if hi is None else float(hi))


# --------------------------------------------------------------------------- core IPF
def collapse_cells(codes: list[np.ndarray], ncats: list[int]):
    """Collapse rows into unique cells; return (inverse, cell codes per variable, n cells)."""
    key = np.zeros(codes[0].size, dtype=np.int64)
    size = 1
    for c, k in zip(codes, ncats, strict=True):
        key = key * k + c
        size *= k
    if size <= max(4 * key.size, 1 << 16):
        counts = np.bincount(key, minlength=size)
        used = np.flatnonzero(counts)
        lookup = np.full(size, -1, dtype=np.int64)
        lookup[used] = np.arange(used.size)
        inv, ukeys = lookup[key], used
    else:
        ukeys, inv = np.unique(key, return_inverse=True)
    cell_codes = []
    rem = ukeys.copy()
    for k in reversed(ncats):
        cell_codes.append(rem % k)
        rem //= k
    return inv, cell_codes[::-1], ukeys.size


class ClippedCells:
    """Sums over cells of ``clip(d_i * v_cell, lo, hi)`` in O(cells log n).

    Units are sorted by (cell, design weight) once; for a cell multiplier ``v`` the
    units below ``lo / v`` sit at ``lo``, those above ``hi / v`` at ``hi`` and the
    rest contribute ``v * d``, found by binary search and prefix sums.
    """

    def __init__(self, inv: np.ndarray, d: np.ndarray, ncell: int, lo, hi):
        order = np.lexsort((d, inv))
        ds, cs = d[order], inv[order]
        counts = np.bincount(inv, minlength=ncell)
        self.end = np.cumsum(counts)
        self.start = self.end - counts
        self.count = counts.astype(float)
        self.prefix = np.concatenate([[0.0], np.cumsum(ds)])
        self.key = cs + ds / (1.0 + ds)  # increasing: cell, then weight within cell
        self.cell = np.arange(ncell, dtype=float)
        self.dmin = ds[self.start]
        self.dmax = ds[self.end - 1]
        self.lo, self.hi = lo, hi
        # beyond these multipliers every unit of the cell sits at a bound
        self.u_min = np.full(ncell, 1e-300) if not lo else lo / self.dmax
        self.u_max = np.full(ncell, 1e300) if hi is None else hi / self.dmin

    def _thresholds(self, v):
        if self.lo is None:
            ia = self.start
        else:
            a = self.lo / v
            ia = np.searchsorted(self.key, self.cell + a / (1.0 + a), side="left")
        if self.hi is None:
            ib = self.end
        else:
            b = self.hi / v
            with np.errstate(invalid="ignore"):
                frac = np.where(np.isinf(b), 1.0, b / (1.0 + b))
            ib = np.searchsorted(self.key, self.cell + frac, side="right")
        ib = np.maximum(np.minimum(ib, self.end), ia)
        return ia, ib

    def sums(self, v):
        """Per-cell totals of the clipped weights and their slope in ``v``."""
        ia, ib = self._thresholds(v)
        mid = self.prefix[ib] - self.prefix[ia]
        total = v * mid
        if self.lo is not None:
            total = total + self.lo * (ia - self.start)
        if self.hi is not None:
            total = total + self.hi * (self.end - ib)
        return total, mid

    def weights(self, inv, d, v):
        lo = -np.inf if self.lo is None else self.lo
        hi = np.inf if self.hi is None else self.hi
        return np.clip(d * v[inv], lo, hi)


def _bounded_step(cells: ClippedCells, code, k, target, u, max_steps=100):
    """Category factors f with sum over the category of clip(d u f) = target."""
    lo = -np.inf if cells.lo is None else cells.lo
    hi = np.inf if cells.hi is None else cells.hi
    n_cat = np.bincount(code, weights=cells.count, minlength=k)
    too_high = n_cat * hi <= target  # unreachable: every unit at the upper bound
    too_low = n_cat * lo >= target
    low_w = np.full(k, np.inf)
    np.minimum.at(low_w, code, cells.dmin * u)
    high_w = np.zeros(k)
    np.maximum.at(high_w, code, cells.dmax * u)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_pin = np.where(too_high, hi / low_w, lo / high_w)
    pinned = too_high | too_low
    tot, _ = cells.sums(u)
    cat_tot = np.bincount(code, weights=tot, minlength=k)
    f = np.divide(target, cat_tot, out=np.ones(k), where=cat_tot > 0)
    f_lo, f_hi = np.zeros(k), np.full(k, np.inf)
    scale = max(float(target.sum()), 1e-300)
    for _ in range(max_steps):
        f = np.where(pinned, f_pin, f)
        tot, slope = cells.sums(u * f[code])
        g = np.bincount(code, weights=tot, minlength=k)
        diff = np.where(pinned, 0.0, g - target)
        if np.max(np.abs(diff)) <= 1e-13 * scale:
            break
        f_lo = np.where(diff < 0, np.maximum(f_lo, f), f_lo)
        f_hi = np.where(diff > 0, np.minimum(f_hi, f), f_hi)
        sl = np.bincount(code, weights=u * slope, minlength=k)
        newton = np.divide(-diff, sl, out=np.full(k, np.nan), where=sl > 0) + f
        bisect = np.where(np.isfinite(f_hi), 0.5 * (f_lo + f_hi), 2.0 * np.maximum(f, 1e-12))
        ok = np.isfinite(newton) & (newton > f_lo) & (newton < f_hi)
        f = np.where(ok, newton, bisect)
    return np.where(pinned, f_pin, f)


def _converged(history: list[float], err: float, tol: float) -> bool | None:
    """True when within tol, False when stalled (no relative progress in 50 sweeps)."""
    if err <= tol:
        return True
    history.append(err)
    if len(history) > 50 and err > history[-51] * (1 - 1e-6):
        return False
    return None


def ipf(codes, ncats, targets, w, tol, max_iter):
    """Raking of cell totals ``w`` (one per cell of the raking variables)."""
    w = w.copy()
    total = float(sum(targets[0]))
    err, it = np.inf, 0
    history: list[float] = []
    for it in range(1, max_iter + 1):  # noqa: B007
        for code, k, tgt in zip(codes, ncats, targets, strict=True):
            tot = np.bincount(code, weights=w, minlength=k)
            f = np.divide(tgt, tot, out=np.ones(k), where=tot > 0)
            w = w * f[code]
        err = max(
            float(np.max(np.abs(np.bincount(c, weights=w, minlength=k) - t))) / total
            for c, k, t in zip(codes, ncats, targets, strict=True)
        )
        if _converged(history, err, tol) is not None:
            break
    return w, it, err


def ipf_bounded(cells: ClippedCells, codes, ncats, targets, u, tol, max_iter):
    """Bounded raking: cell multipliers ``u`` with unit weights ``clip(d u, lo, hi)``.

    Each margin step solves exactly (safeguarded Newton) for the category factors
    with the bounds applied, i.e. trimming and re-raking are iterated until the
    margins hold with every weight inside the bounds. The fixed point is the
    minimum-entropy-distance calibration with box constraints.
    """
    u = u.copy()
    total = float(sum(targets[0]))
    err, it = np.inf, 0
    history: list[float] = []
    for it in range(1, max_iter + 1):  # noqa: B007
        for code, k, tgt in zip(codes, ncats, targets, strict=True):
            f = _bounded_step(cells, code, k, tgt, u)
            u = np.clip(u * f[code], cells.u_min, cells.u_max)
        tot, _ = cells.sums(u)
        err = max(
            float(np.max(np.abs(np.bincount(c, weights=tot, minlength=k) - t))) / total
            for c, k, t in zip(codes, ncats, targets, strict=True)
        )
        if _converged(history, err, tol) is not None:
            break
    return u, it, err
