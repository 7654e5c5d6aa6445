"""Weighted PLS path modelling (PLS-PM): the ACSI / ECSI satisfaction index.

A PLS path model has constructs (latent variables), each measured by a block of items,
and directed paths between constructs. :func:`fit` estimates it with the iterative
algorithm of Wold and Lohmöller as SmartPLS and semPLS implement it:

1. every item is standardised (weighted mean 0, weighted variance 1);
2. outer weights start at 1 and each construct score is the standardised weighted
   sum of its items;
3. *inner* estimates: each construct's proxy is a sum of its neighbours' scores with
   inner weights from the scheme: ``"centroid"`` (the sign of their correlation),
   ``"factorial"`` (their correlation) or ``"path"`` (for a predecessor, its
   coefficient in the multiple regression of the construct on all its predecessors;
   for a successor, the correlation);
4. *outer* weights: Mode A (reflective) - the covariance of each item with its
   construct's proxy; Mode B (formative) - the coefficients of the multiple
   regression of the proxy on the block's items; then scores are standardised again;
5. repeat from 3 until no outer weight changes by more than ``tol`` (1e-7, the
   SmartPLS stop criterion) or ``max_iter`` (300) iterations; the number of
   iterations is reported and a :class:`~cxlab.errors.ConvergenceWarning` is raised
   when the criterion was not met;
6. path coefficients are the (weighted) least-squares regressions of each endogenous
   construct's score on its predecessors' scores; loadings are the correlations of
   items with their construct's score.

Everything the algorithm needs is a function of the weighted correlation matrix of
the items, so the whole fit runs on that matrix; the bootstrap computes one weighted
covariance matrix per resample (as a batch) and runs every resample's iterations at
once, which is what makes 5,000 resamples take seconds.

**Survey weights (WPLS).** With ``weights`` every mean, variance, covariance and
regression is weighted, with the frequency-weight convention (variances divide by
``sum(w) - 1``): integer weights give exactly the model of the data with each row
repeated that many times. The bootstrap resamples respondents (or clusters, with
``cluster``) and keeps each respondent's weight; given the result of
:func:`cxlab.weighting.rake` as ``weights`` it re-rakes every resample to the same
margins (within the same bounds, starting from ``design_weights`` or from equal
weights).

**Index and IPMA (ACSI convention).** Each construct's score on 0-100 is
``100 * sum(u_i (x_i - min_i)) / sum(u_i (max_i - min_i))`` with the unstandardised
outer weights ``u_i = w_i / sd(x_i)`` and the items' scale ends ``min_i, max_i``
(from ``scales``, the codebook when ``data`` is a :class:`~cxlab.Survey`, or else the
observed range, which the result states). :meth:`PLSResult.index` gives the weighted
mean of those scores; :meth:`PLSResult.ipma` the importance-performance map of a target
construct (Ringle & Sarstedt 2016): importance = the unstandardised total effect of a
construct's 0-100 score on the target's 0-100 score, performance = its mean 0-100 score.

Examples
--------
>>> from cxlab.synth import make_pls_study
>>> frame, truth = make_pls_study(n=250, seed=0)
>>> res = fit(frame, truth["blocks"], truth["paths"], scheme="path")
>>> res.converged, res.iterations < 20
(True, True)
>>> row = res.paths.query("source == 'quality' and target == 'satisfaction'").iloc[0]
>>> round(float(row["estimate"]), 1)
0.3
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxlab._progress import progress as bar
from cxlab._style import OKABE_ITO, new_ax
from cxlab.display import Card
from cxlab.errors import (
    ConvergenceWarning,
    CxlabError,
    DataError,
    ModelError,
    ParameterError,
    combine_errors,
)

__all__ = ["PLSResult", "SCHEMES", "fit", "model_problems", "plot_ipma"]

#: Inner weighting schemes, as SmartPLS and semPLS define them.
SCHEMES = ("centroid", "factorial", "path")
_MODES = ("A", "B")
_MISSING = ("listwise", "mean")
_CHUNK = 250  # bootstrap resamples per batch


# ------------------------------------------------------------------ the model
def model_problems(
    blocks: Any, paths: Any, modes: Any = None, *, location: str = "", blocks_key: str = "blocks"
) -> list[tuple[str, str]]:
    """Every problem of a model specification, as ``(rule, location)`` pairs.

    Checks that ``blocks`` maps construct names to non-empty lists of distinct
    item names (no item in two blocks), that every path is a pair of declared,
    different constructs listed once, that the model is recursive (no cycle), that
    every construct is on a path and that ``modes`` names declared constructs with
    ``"A"`` or ``"B"``. Used by :func:`fit` and by the codebook's
    ``satisfaction_model``.

    Parameters
    ----------
    blocks, paths, modes
        As for :func:`fit`.
    location : str
        Prefix of the locations (e.g. ``"satisfaction_model."``).
    blocks_key : str
        What the locations call the blocks (``"constructs"`` in a codebook).

    Returns
    -------
    list of (str, str)
        Empty when the model is well formed.

    Examples
    --------
    >>> model_problems({"a": ["x1"], "b": ["y1"]}, [("a", "c")])
    [("path ('a', 'c'): unknown construct 'c'; declared: ['a', 'b']", 'paths[0]')]
    """
    out: list[tuple[str, str]] = []
    loc = location
    if not isinstance(blocks, Mapping) or not blocks:
        out.append(
            ("blocks must be a non-empty mapping construct -> list of items", f"{loc}{blocks_key}")
        )
        blocks = {}
    owner: dict[str, str] = {}
    for name, items in blocks.items():
        where = f"{loc}{blocks_key}.{name}"
        if not isinstance(name, str) or not name:
            out.append((f"construct names must be text, got {name!r}", f"{loc}{blocks_key}"))
            continue
        if isinstance(items, str) or not isinstance(items, Sequence) or len(items) == 0:
            out.append((f"construct {name!r} needs a non-empty list of items", where))
            continue
        seen = set()
        for item in items:
            if not isinstance(item, str) or not item:
                out.append((f"construct {name!r}: item names must be text, got {item!r}", where))
            elif item in seen:
                out.append((f"construct {name!r} lists item {item!r} twice", where))
            elif item in owner and owner[item] != name:
                out.append(
                    (f"item {item!r} is in the blocks of both {owner[item]!r} and {name!r}", where)
                )
            seen.add(item)
            if isinstance(item, str):
                owner.setdefault(item, name)
    names = [n for n in blocks if isinstance(n, str)]
    if isinstance(paths, str | bytes) or not isinstance(paths, Sequence) or len(paths) == 0:
        out.append(("paths must be a non-empty list of (source, target) pairs", f"{loc}paths"))
        paths = []
    edges: list[tuple[str, str]] = []
    for i, p in enumerate(paths):
        where = f"{loc}paths[{i}]"
        if isinstance(p, str) or not isinstance(p, Sequence) or len(p) != 2:
            out.append((f"a path is a pair (source, target), got {p!r}", where))
            continue
        s, t = p
        bad = [c for c in (s, t) if c not in blocks]
        if bad:
            for c in bad:
                out.append(
                    (f"path {tuple(p)!r}: unknown construct {c!r}; declared: {names}", where)
                )
            continue
        if s == t:
            out.append((f"path {tuple(p)!r} goes from a construct to itself", where))
            continue
        if (s, t) in edges:
            out.append((f"path {tuple(p)!r} is listed twice", where))
            continue
        if (t, s) in edges:
            out.append((f"paths {(s, t)!r} and {(t, s)!r} form a loop", where))
            continue
        edges.append((s, t))
    if edges and _order(names, edges) is None:
        out.append(("the paths form a cycle; a PLS path model must be recursive", f"{loc}paths"))
    on_path = {c for e in edges for c in e}
    if edges:
        for name in names:
            if name not in on_path:
                out.append(
                    (
                        f"construct {name!r} is on no path (every construct needs one)",
                        f"{loc}{blocks_key}.{name}",
                    )
                )
    if modes is not None:
        if not isinstance(modes, Mapping):
            out.append(("modes must be a mapping construct -> 'A' or 'B'", f"{loc}modes"))
        else:
            for name, mode in modes.items():
                if name not in blocks:
                    out.append(
                        (f"modes: unknown construct {name!r}; declared: {names}", f"{loc}modes")
                    )
                elif mode not in _MODES:
                    out.append(
                        (
                            f"mode of {name!r} must be 'A' (reflective) or 'B' (formative), got {mode!r}",
                            f"{loc}modes.{name}",
                        )
                    )
    return out


def _order(names, edges):
    """Constructs in topological order, or None when the paths have a cycle."""
    preds = {n: {s for s, t in edges if t == n} for n in names}
    done: list[str] = []
    while len(done) < len(names):
        ready = [n for n in names if n not in done and preds[n] <= set(done)]
        if not ready:
            return None
        done.extend(ready)
    return done


@dataclass(frozen=True)
class _Spec:
    constructs: tuple[str, ...]
    items: tuple[str, ...]
    block_of: np.ndarray  # item -> construct index
    modes: tuple[str, ...]
    D: np.ndarray  # D[i, j] = 1 when construct i -> construct j
    preds: tuple[tuple[int, ...], ...]
    scheme: str

    @property
    def mask(self) -> np.ndarray:
        m = np.zeros((len(self.items), len(self.constructs)))
        m[np.arange(len(self.items)), self.block_of] = 1.0
        return m

    def idx(self, j: int) -> np.ndarray:
        return np.flatnonzero(self.block_of == j)


# ------------------------------------------------------------ the algorithm
def _weighted_moments(X: np.ndarray, F: np.ndarray):
    """Batched weighted means and covariances: X (n, p), F (B, n) frequency weights."""
    n, p = X.shape
    tot = F.sum(axis=1)
    M = F @ X / tot[:, None]
    S = (F @ (X[:, :, None] * X[:, None, :]).reshape(n, p * p)).reshape(-1, p, p)
    cov = (S - tot[:, None, None] * M[:, :, None] * M[:, None, :]) / (tot - 1.0)[:, None, None]
    return M, cov


def _to_corr(cov: np.ndarray):
    sd = np.sqrt(np.clip(np.einsum("bii->bi", cov), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        R = cov / (sd[:, :, None] * sd[:, None, :])
    return R, sd


def _normalise(W: np.ndarray, R: np.ndarray) -> np.ndarray:
    var = (W * (R @ W)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return W / np.sqrt(var)[:, None, :]


def _inner(C: np.ndarray, spec: _Spec) -> np.ndarray:
    """Inner weights E (B, J, J): the proxy of construct j is sum_i Y_i E[i, j]."""
    D = spec.D
    A = ((D + D.T) > 0).astype(float)
    if spec.scheme == "centroid":
        return np.sign(C) * A
    if spec.scheme == "factorial":
        return C * A
    E = C * D.T[None]  # successors k of j (j -> k): correlation
    for j, pred in enumerate(spec.preds):
        if pred:
            p = list(pred)
            E[:, p, j] = np.linalg.solve(C[:, p][:, :, p], C[:, p, j][:, :, None])[:, :, 0]
    return E


def _iterate(R: np.ndarray, spec: _Spec, tol: float, max_iter: int):
    """Outer weights (B, p, J) of every resample's correlation matrix R (B, p, p)."""
    B = R.shape[0]
    mask = spec.mask
    W = _normalise(np.broadcast_to(mask, (B, *mask.shape)).copy(), R)
    iterations = np.zeros(B, dtype=int)
    done = np.zeros(B, dtype=bool)
    blocks_b = [spec.idx(j) for j, m in enumerate(spec.modes) if m == "B"]
    cols_b = [j for j, m in enumerate(spec.modes) if m == "B"]
    for it in range(1, max_iter + 1):
        RW = R @ W
        C = W.transpose(0, 2, 1) @ RW
        E = _inner(C, spec)
        G = RW @ E  # covariance of every item with every proxy
        new = G * mask
        for j, ix in zip(cols_b, blocks_b, strict=True):
            sub = R[:, ix][:, :, ix]
            new[:, ix, j] = np.linalg.solve(sub, G[:, ix, j][:, :, None])[:, :, 0]
        new = _normalise(new, R)
        change = np.abs(new - W).max(axis=(1, 2))
        W = new
        fresh = (change < tol) & ~done
        iterations[fresh] = it
        done |= fresh
        if done.all():
            break
    iterations[~done] = max_iter
    # sign: each construct correlates positively with the sum of its items' loadings
    load = (R @ W) * mask
    flip = np.where(load.sum(axis=1) < 0, -1.0, 1.0)
    return W * flip[:, None, :], iterations, done


def _structural(W: np.ndarray, R: np.ndarray, spec: _Spec):
    """Construct correlations, path matrix, R², loadings and total effects."""
    B, J = W.shape[0], len(spec.constructs)
    RW = R @ W
    C = W.transpose(0, 2, 1) @ RW
    P = np.zeros((B, J, J))
    r2 = np.full((B, J), np.nan)
    for j, pred in enumerate(spec.preds):
        if pred:
            p = list(pred)
            beta = np.linalg.solve(C[:, p][:, :, p], C[:, p, j][:, :, None])[:, :, 0]
            P[:, p, j] = beta
            r2[:, j] = np.einsum("bk,bk->b", beta, C[:, p, j])
    loadings = RW * spec.mask
    total = np.linalg.inv(np.eye(J)[None] - P) - np.eye(J)[None]
    return C, P, r2, loadings, total


def _hundred(W, M, sd, lo, hi, spec: _Spec):
    """Means and standard deviations of the 0-100 construct scores (ACSI)."""
    U = W / sd[:, :, None]  # unstandardised weights
    span = (hi - lo)[None, :, None]
    denom = (U * span).sum(axis=1)  # (B, J)
    mean = 100.0 * (U * (M - lo[None, :])[:, :, None]).sum(axis=1) / denom
    sd100 = 100.0 / np.abs(denom)
    return mean, sd100, U


# ------------------------------------------------------------------ the result
@dataclass(frozen=True, eq=False, repr=False)
class PLSResult(Card):
    """A fitted PLS path model (from :func:`fit`).

    Attributes
    ----------
    paths : DataFrame
        ``source, target, estimate`` (standardised path coefficients), with a
        bootstrap ``se, ci_low, ci_high`` (percentile interval at ``level``).
    total_effects : DataFrame
        ``source, target, estimate, indirect`` for every pair joined by a directed
        route (and ``se, ci_low, ci_high`` with a bootstrap).
    outer : DataFrame
        ``construct, item, mode, weight, loading`` (standardised outer weights and
        loadings; with a bootstrap ``weight_se``, ``loading_se`` and their intervals),
        plus ``unstandardised_weight``, ``scale_min``, ``scale_max``.
    r2 : DataFrame
        ``construct, r2, r2_adj`` per endogenous construct (with bootstrap intervals).
    scores : DataFrame
        Standardised construct scores, indexed like the rows of ``data`` used.
    reliability : DataFrame
        ``construct, mode, n_items, alpha, rho_c`` (composite reliability), ``rho_a``
        (Dijkstra-Henseler), ``ave`` and ``htmt_max`` (the largest HTMT with another
        construct). Meaningful for Mode A blocks of two or more items.
    htmt : DataFrame
        Heterotrait-monotrait ratios (Henseler, Ringle & Sarstedt 2015) of the
        correlations, constructs x constructs (NaN for single-item and Mode B blocks).
    iterations, converged, scheme, n, n_dropped, weighted, n_boot, level, tol
        How the model was fitted (``n_boot`` counts the resamples used).
    scale_source : str
        Where the items' scale ends for the 0-100 index came from.
    reraked : bool
        Whether every bootstrap resample was re-raked (``weights`` a rake result).
    draws : dict
        Bootstrap draws (arrays, resample first) of the estimates; empty without one.
    """

    paths: pd.DataFrame
    total_effects: pd.DataFrame
    outer: pd.DataFrame
    r2: pd.DataFrame
    scores: pd.DataFrame
    reliability: pd.DataFrame
    htmt: pd.DataFrame
    constructs: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    iterations: int
    converged: bool
    scheme: str
    n: int
    n_dropped: int
    weighted: bool
    n_boot: int
    level: float
    tol: float
    scale_source: str
    scores_100: pd.DataFrame = field(repr=False)
    _est: dict = field(repr=False, default_factory=dict)
    draws: dict = field(repr=False, default_factory=dict)
    reraked: bool = False

    @property
    def table(self) -> pd.DataFrame:
        """The path coefficients (same as :attr:`paths`)."""
        return self.paths

    def summary(self) -> pd.DataFrame:
        """One row per structural path with the R² of its target.

        Columns ``source, target, estimate`` (with bootstrap ``se, ci_low, ci_high``),
        ``target_r2``; ``attrs`` hold ``n``, ``iterations``, ``converged``, ``scheme``.
        """
        r2 = dict(zip(self.r2["construct"], self.r2["r2"], strict=True))
        out = self.paths.copy()
        out["target_r2"] = out["target"].map(r2)
        out.attrs.update(
            n=self.n,
            iterations=self.iterations,
            converged=self.converged,
            scheme=self.scheme,
            weighted=self.weighted,
            n_boot=self.n_boot,
        )
        return out

    def index(self) -> pd.DataFrame:
        """The 0-100 index of every construct (ACSI convention).

        Returns
        -------
        DataFrame
            ``construct, index`` (weighted mean of the 0-100 scores), ``sd`` (of the
            0-100 scores) and, with a bootstrap, ``se, ci_low, ci_high``;
            ``attrs["scale_source"]`` says where the scale ends came from.
        """
        mean, sd100 = self._est["index"], self._est["sd100"]
        out = pd.DataFrame({"construct": list(self.constructs), "index": mean, "sd": sd100})
        if self.draws:
            out = _with_ci(out, "index", self.draws["index"], self.level)
        out.attrs["scale_source"] = self.scale_source
        return out

    def ipma(self, target: str) -> pd.DataFrame:
        """Importance-performance map of ``target`` (Ringle & Sarstedt 2016).

        Parameters
        ----------
        target : str
            An endogenous construct.

        Returns
        -------
        DataFrame
            One row per construct with a total effect on ``target``: ``construct,
            importance`` (unstandardised total effect of its 0-100 score on the
            target's: one point more on it, so many points more on the target),
            ``total_effect`` (standardised), ``performance`` (its mean 0-100 score)
            and, with a bootstrap, ``importance_ci_low/high``,
            ``performance_ci_low/high``. Sorted by importance.

        Raises
        ------
        ParameterError
            ``target`` is not a construct, or nothing affects it.
        """
        if target not in self.constructs:
            raise ParameterError(
                f"unknown construct {target!r}; constructs: {list(self.constructs)}",
                location="target",
            )
        t = self.constructs.index(target)
        imp = self._est["importance"][:, t]
        total = self._est["total"][:, t]
        rows = [j for j in range(len(self.constructs)) if j != t and total[j] != 0]
        if not rows:
            raise ParameterError(f"no construct has an effect on {target!r}", location="target")
        out = pd.DataFrame(
            {
                "construct": [self.constructs[j] for j in rows],
                "importance": imp[rows],
                "total_effect": total[rows],
                "performance": self._est["index"][rows],
            }
        )
        if self.draws:
            lo, hi = _pct(self.draws["importance"][:, rows, t], self.level)
            out["importance_ci_low"], out["importance_ci_high"] = lo, hi
            lo, hi = _pct(self.draws["index"][:, rows], self.level)
            out["performance_ci_low"], out["performance_ci_high"] = lo, hi
        out = out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
        out.attrs.update(target=target, target_performance=float(self._est["index"][t]))
        return out

    def plot(
        self,
        ax=None,
        labels: Mapping[str, str] | None = None,
        positions: Mapping[str, tuple[float, float]] | None = None,
    ):
        """The path diagram: constructs in layers, paths labelled with their estimates.

        Exogenous constructs are on the left, each construct one layer right of its
        furthest predecessor, staggered up and down so that no path crosses a
        construct (paths bend around when they would); an endogenous construct shows
        its R². With a bootstrap, paths whose interval excludes 0 are solid with bold
        labels and the others dashed grey; line width grows with the coefficient.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        labels : mapping, optional
            Construct -> name shown.
        positions : mapping, optional
            Construct -> (x, y) to place the constructs by hand.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import textwrap

        from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

        labels = dict(labels or {})
        pos = dict(positions) if positions else _layout(list(self.constructs), list(self.edges))
        bends = _bends(pos, list(self.edges))
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        if ax is None:
            width = max(xs) - min(xs) + 2 * _BOX[0]
            height = max(ys) - min(ys) + 2 * _BOX[1] + 0.8
            ax = new_ax(size=(min(13.0, 0.62 * width + 0.5), 0.62 * height + 0.9))
        r2 = dict(zip(self.r2["construct"], self.r2["r2"], strict=True))
        bw, bh = _BOX
        boxes = {}
        for c, (x, y) in pos.items():
            box = FancyBboxPatch(
                (x - bw / 2, y - bh / 2), bw, bh, boxstyle="round,pad=0.02,rounding_size=0.25",
                facecolor="#DCEAF7" if c in r2 else "#F2F2F2", edgecolor="#1F3B57", lw=1.2,
                zorder=3,
            )  # fmt: skip
            ax.add_patch(box)
            boxes[c] = box
            text = "\n".join(textwrap.wrap(labels.get(c, c.replace("_", " ")), 14))
            if c in r2:
                text += f"\nR\u00b2 = {r2[c]:.2f}"
            ax.text(x, y, text, ha="center", va="center", fontsize=8.5, zorder=4)
        sig = {}
        if "ci_low" in self.paths.columns:
            for row in self.paths.itertuples():
                sig[(row.source, row.target)] = not (row.ci_low <= 0 <= row.ci_high)
        placed: list[tuple[float, float]] = []
        for row in self.paths.itertuples():
            key = (row.source, row.target)
            strong = sig.get(key, True)
            rad = bends[key]
            arrow = FancyArrowPatch(
                pos[row.source], pos[row.target], patchA=boxes[row.source],
                patchB=boxes[row.target], arrowstyle="-|>", mutation_scale=11,
                connectionstyle=f"arc3,rad={rad}", lw=0.6 + 2.6 * min(abs(row.estimate), 1.0),
                color="#1F3B57" if strong else "0.6", linestyle="-" if strong else "--",
                shrinkA=2, shrinkB=2, zorder=2,
            )  # fmt: skip
            ax.add_patch(arrow)
            mx, my = _label_spot(pos, row.source, row.target, rad, placed)
            placed.append((mx, my))
            ax.text(
                mx, my, f"{row.estimate:.2f}", ha="center", va="center", fontsize=8,
                fontweight="bold" if strong and sig else "normal",
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.9},
                zorder=5,
            )  # fmt: skip
            curve = _curve(pos[row.source], pos[row.target], rad, np.linspace(0, 1, 30))
            xs.extend(curve[:, 0])
            ys.extend(curve[:, 1])
        ax.set_xlim(min(xs) - bw / 2 - 0.3, max(xs) + bw / 2 + 0.3)
        ax.set_ylim(min(ys) - bh / 2 - 0.3, max(ys) + bh / 2 + 0.3)
        ax.set_aspect("equal")
        ax.axis("off")
        how = (
            f"bold: {100 * self.level:.0f}% bootstrap interval excludes 0 ({self.n_boot:,} "
            "resamples)"
            if sig
            else "no bootstrap"
        )
        ax.set_title(
            f"PLS path model ({self.scheme} scheme, n = {self.n:,}"
            + (", weighted" if self.weighted else "")
            + f"): standardised path coefficients\n{how}",
            fontsize=9.5,
        )
        return ax

    def plot_ipma(self, target: str, ax=None, labels: Mapping[str, str] | None = None):
        """The importance-performance map of ``target`` (see :func:`plot_ipma`).

        Parameters
        ----------
        target : str
            The target construct.
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (None: a new figure).
        labels : mapping of str to str, optional
            Display names of constructs.
        """
        return plot_ipma(self.ipma(target), ax=ax, labels=labels)


def plot_ipma(table: pd.DataFrame, ax=None, labels: Mapping[str, str] | None = None):
    """Importance-performance map from :meth:`PLSResult.ipma`.

    Importance (unstandardised total effect on the target's 0-100 score) across,
    performance (mean 0-100 score) up; dashed lines at the mean importance and mean
    performance divide the map: high importance and low performance (bottom right) is
    where to act first.

    Parameters
    ----------
    table : pandas.DataFrame
        A :meth:`PLSResult.ipma` table.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (None: a new figure).
    labels : mapping of str to str, optional
        Display names of constructs (default: the name with spaces for underscores).

    Returns
    -------
    matplotlib.axes.Axes
    """

    labels = dict(labels or {})
    if ax is None:
        ax = new_ax(size=(7.5, 5.5))
    x, y = table["importance"].to_numpy(), table["performance"].to_numpy()
    if {"importance_ci_low", "performance_ci_low"} <= set(table.columns):
        ax.errorbar(
            x, y,
            xerr=np.vstack([x - table["importance_ci_low"], table["importance_ci_high"] - x]).clip(0),
            yerr=np.vstack([y - table["performance_ci_low"], table["performance_ci_high"] - y]).clip(0),
            fmt="none", ecolor="0.6", lw=1, capsize=2, zorder=2,
        )  # fmt: skip
    mx, my = float(np.mean(x)), float(np.mean(y))
    act = (x >= mx) & (y < my)
    ax.scatter(x[~act], y[~act], s=70, color=OKABE_ITO["blue"], edgecolor="black", zorder=3)
    ax.scatter(x[act], y[act], s=90, color="#D55E00", edgecolor="black", zorder=3,
               label="act first: important, under-performing")  # fmt: skip
    for xi, yi, c in zip(x, y, table["construct"], strict=True):
        ax.annotate(labels.get(c, str(c).replace("_", " ")), (xi, yi), xytext=(6, 5),
                    textcoords="offset points", fontsize=9, zorder=4)  # fmt: skip
    ax.axvline(mx, color="0.5", ls="--", lw=0.8)
    ax.axhline(my, color="0.5", ls="--", lw=0.8)
    x_lo = min(0.0, float(np.min(table.get("importance_ci_low", x))))
    x_hi = float(np.max(table.get("importance_ci_high", x)))
    y_lo = float(np.min(table.get("performance_ci_low", y)))
    y_hi = float(np.max(table.get("performance_ci_high", y)))
    span = x_hi - x_lo or 1.0
    ax.set_xlim(x_lo - 0.03 * span, x_hi + 0.22 * span)
    ax.set_ylim(max(0.0, y_lo - 6), min(100.0, y_hi + 6))
    for qx, qy, ha, va, text in (
        (0.99, 0.01, "right", "bottom", "act first"),
        (0.99, 0.99, "right", "top", "keep up"),
        (0.01, 0.99, "left", "top", "possible overkill"),
        (0.01, 0.01, "left", "bottom", "lower priority"),
    ):
        ax.text(qx, qy, text, transform=ax.transAxes, ha=ha, va=va, fontsize=8.5,
                color="0.45", style="italic")  # fmt: skip
    target = table.attrs.get("target", "the target")
    target = labels.get(target, str(target).replace("_", " "))
    ax.set_xlabel(f"Importance: points of {target} (0-100) per point of the driver (total effect)")
    ax.set_ylabel("Performance: mean score (0-100)")
    perf = table.attrs.get("target_performance")
    ax.set_title(
        f"Importance-performance map of {target}"
        + (f" (index {perf:.1f})" if perf is not None else "")
    )
    if act.any():
        ax.legend(loc="lower center", fontsize="small", frameon=False)
    ax.grid(alpha=0.3)
    return ax


# ------------------------------------------------------------ diagram layout
_BOX = (2.1, 1.0)  # construct box width, height (data units)
_DX, _DY = 2.9, 1.45  # distance between layers, between rows


def _curve(p0, p1, rad: float, t: np.ndarray) -> np.ndarray:
    """Points of matplotlib's ``arc3`` connection (a quadratic Bezier) at ``t``."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    c = (p0 + p1) / 2 + rad * np.array([d[1], -d[0]])
    t = t[:, None]
    return (1 - t) ** 2 * p0 + 2 * t * (1 - t) * c + t**2 * p1


def _hits(pos, s, t, rad: float) -> int:
    """How many other constructs' boxes the path s -> t runs through."""
    pts = _curve(pos[s], pos[t], rad, np.linspace(0, 1, 60))
    bw, bh = _BOX[0] / 2 + 0.12, _BOX[1] / 2 + 0.12
    n = 0
    for c, (x, y) in pos.items():
        if c in (s, t):
            continue
        n += bool(((np.abs(pts[:, 0] - x) < bw) & (np.abs(pts[:, 1] - y) < bh)).any())
    return n


def _label_spot(pos, s, t, rad: float, placed) -> tuple[float, float]:
    """Where on the path s -> t its label goes: near the middle, clear of other labels."""
    bw, bh = _BOX[0] / 2 + 0.1, _BOX[1] / 2 + 0.1
    spots = _curve(pos[s], pos[t], rad, np.array([0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75]))
    for x, y in spots:
        in_box = any(abs(x - bx) < bw and abs(y - by) < bh for bx, by in pos.values())
        near = any(abs(x - px) < 1.1 and abs(y - py) < 0.45 for px, py in placed)
        if not in_box and not near:
            return float(x), float(y)
    return float(spots[0][0]), float(spots[0][1])


def _bends(pos, edges) -> dict:
    """A curvature per path: straight unless it would cross a construct."""
    out = {}
    for s, t in edges:
        options = [0.0, 0.2, -0.2, 0.35, -0.35, 0.5, -0.5]
        out[(s, t)] = min(options, key=lambda r: (_hits(pos, s, t, r), abs(r)))
    return out


def _layout(names, edges) -> dict:
    """Layered positions: x by longest path from an exogenous construct, y staggered."""
    layer: dict[str, int] = {}
    for c in _order(names, edges):
        layer[c] = 1 + max((layer[s] for s, t in edges if t == c), default=-1)
    layers = [[c for c in names if layer[c] == k] for k in range(max(layer.values()) + 1)]
    patterns = [(0.0,), (0.5, -0.5), (0.0, 1.0, -1.0), (1.0, -1.0, 0.0), (0.0, -1.0, 1.0),
                (-1.0, 1.0, 0.0), (1.0, 0.0, -1.0), (-1.0, 0.0, 1.0)]  # fmt: skip
    best, best_score = None, None
    for pattern in patterns:
        pos = {}
        for k, cs in enumerate(layers):
            centre = pattern[k % len(pattern)] * _DY
            for i, c in enumerate(cs):
                pos[c] = (k * _DX, centre + (i - (len(cs) - 1) / 2) * _DY * 1.4)
        bends = _bends(pos, edges)
        crossings = sum(_hits(pos, s, t, bends[(s, t)]) for s, t in edges)
        score = (crossings, sum(abs(r) for r in bends.values()))
        if best_score is None or score < best_score:
            best, best_score = pos, score
    return best


def _pct(draws: np.ndarray, level: float):
    a = (1 - level) / 2
    return np.nanquantile(draws, a, axis=0), np.nanquantile(draws, 1 - a, axis=0)


def _with_ci(out: pd.DataFrame, col: str, draws: np.ndarray, level: float, prefix: str = ""):
    lo, hi = _pct(draws, level)
    out[f"{prefix}se"] = np.nanstd(draws, axis=0, ddof=1)
    out[f"{prefix}ci_low"], out[f"{prefix}ci_high"] = lo, hi
    return out


# ------------------------------------------------------------------ the fit
def fit(
    data,
    blocks: Mapping[str, Sequence[str]],
    paths: Sequence[Sequence[str]],
    *,
    modes: Mapping[str, str] | None = None,
    scheme: str = "path",
    weights=None,
    n_boot: int = 0,
    seed: int = 0,
    missing: str = "listwise",
    level: float = 0.95,
    cluster=None,
    scales: Mapping[str, Sequence[float]] | None = None,
    tol: float = 1e-7,
    max_iter: int = 300,
    progress: bool | None = None,
    design_weights=None,
) -> PLSResult:
    """Fit a (weighted) PLS path model, optionally with a vectorised bootstrap.

    Parameters
    ----------
    data : DataFrame or cxlab.Survey
        One row per respondent (a Survey: its ``respondents``; the items' scale ends
        then come from the codebook).
    blocks : mapping
        Construct -> list of item columns.
    paths : list of (source, target)
        The structural model (recursive: no cycles).
    modes : mapping, optional
        Construct -> ``"A"`` (reflective) or ``"B"`` (formative); constructs not
        named are Mode A.
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme.
    weights : str, array-like, WeightingResult or None
        Survey weights: a column of ``data``, values aligned with its rows, or the
        result of :func:`cxlab.weighting.rake` (its weights; the bootstrap re-rakes).
        None: unweighted.
    n_boot : int
        Bootstrap resamples (0: none).
    seed : int
        Seed of the bootstrap.
    missing : {"listwise", "mean"}
        Respondents missing any item are dropped (``"listwise"``), or missing values
        are replaced by the item's weighted mean (``"mean"``, as SmartPLS offers).
    level : float
        Confidence level of the percentile intervals.
    cluster : str or array-like, optional
        Primary sampling units: the bootstrap resamples whole clusters.
    scales : mapping, optional
        Item -> ``(min, max)`` scale ends for the 0-100 index; default the codebook's
        (Survey) or else the observed range (stated in ``scale_source``).
    tol : float
        Stop criterion: the largest change of an outer weight (1e-7, as SmartPLS).
    max_iter : int
        Maximum iterations (300, as SmartPLS).
    progress : bool, optional
        Show a progress bar of the bootstrap (default: only on an interactive
        terminal, never in notebooks or tests).
    design_weights : str or array-like, optional
        With a rake result as ``weights``: the weights the raking started from
        (a column or values aligned with ``data``), so each resample is re-raked from
        them. Default: equal starting weights, as :func:`cxlab.weighting.rake` without
        ``weights``.

    Returns
    -------
    PLSResult

    Raises
    ------
    ParameterError
        A malformed model (unknown construct in a path, an item in two blocks, a
        cycle, a construct on no path, a bad mode), scheme, level or option.
    DataError
        Item or weight columns absent or not numeric, non-positive weights, an item
        without variance.
    ModelError
        Too few complete respondents, a Mode B block whose items are collinear.

    Warns
    -----
    ConvergenceWarning
        The outer weights did not settle within ``max_iter`` iterations.

    Examples
    --------
    >>> from cxlab.synth import make_pls_study
    >>> frame, truth = make_pls_study(n=250, seed=0)
    >>> res = fit(frame, truth["blocks"], truth["paths"], n_boot=200, seed=1)
    >>> list(res.paths.columns)
    ['source', 'target', 'estimate', 'se', 'ci_low', 'ci_high']
    >>> round(float(res.index().set_index("construct").loc["satisfaction", "index"]))
    61
    """
    survey_scales: dict[str, tuple[float, float]] = {}
    if hasattr(data, "respondents") and hasattr(data, "codebook"):
        cb_items = getattr(data.codebook, "respondent_items", {}) or {}
        for name, item in cb_items.items():
            lo, hi = item.bounds
            if lo is not None and hi is not None:
                survey_scales[name] = (float(lo), float(hi))
        data = data.respondents
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data must be a DataFrame or a Survey", location="data")
    problems = [ParameterError(r, location=loc) for r, loc in model_problems(blocks, paths, modes)]
    if scheme not in SCHEMES:
        problems.append(
            ParameterError(
                f"scheme must be one of {list(SCHEMES)}, got {scheme!r}", location="scheme"
            )
        )
    if missing not in _MISSING:
        problems.append(
            ParameterError(
                f"missing must be one of {list(_MISSING)}, got {missing!r}", location="missing"
            )
        )
    if not (isinstance(level, float | int) and 0 < level < 1):
        problems.append(ParameterError(f"level must be in (0, 1), got {level!r}", location="level"))
    if not isinstance(n_boot, int | np.integer) or isinstance(n_boot, bool) or n_boot < 0:
        problems.append(
            ParameterError(f"n_boot must be an integer >= 0, got {n_boot!r}", location="n_boot")
        )
    if not (isinstance(tol, float | int) and tol > 0):
        problems.append(ParameterError(f"tol must be positive, got {tol!r}", location="tol"))
    if problems:
        raise combine_errors(problems)

    constructs = tuple(blocks)
    items = tuple(i for c in constructs for i in blocks[c])
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise DataError(
            f"{len(absent)} item(s) of the model are not columns of the data", column=absent
        )
    X = data[list(items)].apply(pd.to_numeric, errors="coerce")
    text = [i for i in items if (X[i].isna() & data[i].notna()).any()]
    if text:
        raise DataError("model items must be numeric", column=text)

    rake_result = None
    if weights is not None and hasattr(weights, "weights") and hasattr(weights, "table"):
        rake_result = weights
        if getattr(rake_result, "method", "rake") != "rake":
            raise ParameterError(
                "the bootstrap re-rakes only a rake result; pass the weights (result.weights) "
                "to keep them fixed",
                location="weights",
            )
        w = rake_result.weights.reindex(data.index).to_numpy(dtype=float)
    elif weights is None:
        w = np.ones(len(data))
    elif isinstance(weights, str):
        if weights not in data.columns:
            raise DataError("weight column is not in the data", column=weights)
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(data),):
            raise ParameterError(
                f"weights has {w.size} values for {len(data)} rows", location="weights"
            )
    bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
    if bad.size:
        raise DataError(
            "weights must be positive numbers",
            column=weights if isinstance(weights, str) else "weights",
            rows=(bad + 1).tolist(),
        )
    if cluster is not None:
        cl = (
            data[cluster]
            if isinstance(cluster, str)
            else pd.Series(np.asarray(cluster), index=data.index)
        )
        if cl.isna().any():
            raise DataError(
                "cluster ids are missing",
                column=str(cluster) if isinstance(cluster, str) else "cluster",
            )

    start = None
    if design_weights is not None:
        if rake_result is None:
            raise ParameterError(
                "design_weights are only used to re-rake: give a rake result as weights",
                location="design_weights",
            )
        start = (
            pd.to_numeric(data[design_weights], errors="coerce").to_numpy(dtype=float)
            if isinstance(design_weights, str)
            else np.asarray(design_weights, dtype=float)
        )
        if start.shape != (len(data),) or not (np.isfinite(start) & (start > 0)).all():
            raise DataError(
                "design weights must be positive numbers, one per row", column="design_weights"
            )

    values = X.to_numpy(dtype=float)
    keep = np.ones(len(data), dtype=bool)
    if missing == "listwise":
        keep = ~np.isnan(values).any(axis=1)
    else:
        means = np.array(
            [np.average(v[~np.isnan(v)], weights=w[~np.isnan(v)]) if (~np.isnan(v)).any() else np.nan
             for v in values.T]
        )  # fmt: skip
        values = np.where(np.isnan(values), means[None, :], values)
    values, w = values[keep], w[keep]
    index = data.index[keep]
    n = int(keep.sum())
    if n < max(10, len(items) // 2):
        raise ModelError(
            f"{n} respondents answered every item of the model; PLS needs at least "
            f"{max(10, len(items) // 2)}",
            column=list(items),
        )
    cmap = {c: j for j, c in enumerate(constructs)}
    edges = tuple((str(s), str(t)) for s, t in paths)
    D = np.zeros((len(constructs), len(constructs)))
    for s, t in edges:
        D[cmap[s], cmap[t]] = 1.0
    modes = dict(modes or {})
    spec = _Spec(
        constructs=constructs,
        items=items,
        block_of=np.array([cmap[c] for c in constructs for _ in blocks[c]]),
        modes=tuple(str(modes.get(c, "A")) for c in constructs),
        D=D,
        preds=tuple(tuple(np.flatnonzero(D[:, j]).tolist()) for j in range(len(constructs))),
        scheme=scheme,
    )

    # ---- the point estimate
    centre = np.average(values, axis=0, weights=w)
    Xc = values - centre
    M, cov = _weighted_moments(Xc, w[None, :])
    R, sd = _to_corr(cov)
    flat = [items[k] for k in np.flatnonzero(~(sd[0] > 0))]
    if flat:
        raise DataError(
            "items without variance (every answer the same) cannot be modelled", column=flat
        )
    _check_mode_b(R[0], spec)
    if scales is not None:
        unknown = [i for i in scales if i not in items]
        if unknown:
            raise ParameterError(
                f"scales name items not in the model: {unknown}", location="scales"
            )
    lo = np.empty(len(items))
    hi = np.empty(len(items))
    sources = set()
    for k, item in enumerate(items):
        if scales is not None and item in scales:
            lo[k], hi[k] = map(float, scales[item])
            sources.add("given scales")
        elif item in survey_scales:
            lo[k], hi[k] = survey_scales[item]
            sources.add("the codebook's scales")
        else:
            lo[k], hi[k] = float(np.min(values[:, k])), float(np.max(values[:, k]))
            sources.add("the observed range (no scale given)")
        if not hi[k] > lo[k]:
            raise ParameterError(f"scale of {item!r} needs min < max", location=f"scales.{item}")
    scale_source = "; ".join(sorted(sources))
    W, its, conv = _iterate(R, spec, tol, max_iter)
    if not conv[0]:
        warnings.warn(
            f"PLS outer weights did not converge within {max_iter} iterations (tol {tol:g})",
            ConvergenceWarning,
            stacklevel=2,
        )
    C, P, r2, L, T = _structural(W, R, spec)
    mean100, sd100, U = _hundred(W, M + centre, sd, lo, hi, spec)
    est = _estimates(P, T, r2, W, L, mean100, sd100)
    Z = Xc / sd[0][None, :]
    scores = pd.DataFrame(Z @ W[0], index=index, columns=list(constructs))
    u = U[0]
    den = (u * (hi - lo)[:, None]).sum(axis=0)
    s100 = 100.0 * ((values - lo[None, :]) @ u) / den[None, :]
    scores_100 = pd.DataFrame(s100, index=index, columns=list(constructs))

    # ---- bootstrap
    draws: dict[str, np.ndarray] = {}
    n_used = 0
    if n_boot:
        F = _boot_frequencies(
            data.loc[index],
            w,
            n_boot,
            seed,
            rake_result,
            None if cluster is None else cl.loc[index],
        )
        draws = _bootstrap(Xc, F, spec, tol, max_iter, lo - centre, hi - centre, progress)
        n_used = int(draws.pop("n_used"))

    paths_t = _paths_table(spec, est, draws, level)
    result = PLSResult(
        paths=paths_t,
        total_effects=_total_table(spec, est, draws, level),
        outer=_outer_table(spec, est, draws, level, u, lo, hi),
        r2=_r2_table(spec, est, draws, level, float(w.sum())),
        scores=scores,
        reliability=_reliability(R[0], W[0], L[0], spec),
        htmt=_htmt(R[0], spec),
        constructs=constructs,
        edges=edges,
        iterations=int(its[0]),
        converged=bool(conv[0]),
        scheme=scheme,
        n=n,
        n_dropped=int(len(data) - n),
        weighted=weights is not None,
        n_boot=n_used,
        level=float(level),
        tol=float(tol),
        scale_source=scale_source,
        scores_100=scores_100,
        _est={k: v[0] for k, v in est.items()},
        draws=draws,
        reraked=rake_result is not None and n_used > 0,
    )
    hm = result.htmt.to_numpy(copy=True)
    np.fill_diagonal(hm, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result.reliability["htmt_max"] = (
            np.nanmax(np.abs(hm), axis=1) if np.isfinite(hm).any() else np.nan
        )
    return result


def _check_mode_b(R: np.ndarray, spec: _Spec) -> None:
    for j, m in enumerate(spec.modes):
        if m == "B":
            ix = spec.idx(j)
            if np.linalg.cond(R[np.ix_(ix, ix)]) > 1e12:
                raise ModelError(
                    f"the items of Mode B construct {spec.constructs[j]!r} are collinear",
                    column=[spec.items[k] for k in ix],
                )


def _estimates(P, T, r2, W, L, mean100, sd100) -> dict:
    with np.errstate(divide="ignore", invalid="ignore"):
        importance = T * sd100[:, None, :] / sd100[:, :, None]
    return {
        "paths": P,
        "total": T,
        "r2": r2,
        "weights": W,
        "loadings": L,
        "index": mean100,
        "sd100": sd100,
        "importance": importance,
    }


def _boot_frequencies(frame, w, n_boot, seed, rake_result, cluster, start=None) -> np.ndarray:
    """(n_boot, n) frequency weights: resample counts times (re-raked) weights."""
    rng = np.random.default_rng(seed)
    n = len(w)
    if cluster is None:
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
    else:
        codes, uniques = pd.factorize(cluster)
        g = len(uniques)
        counts = rng.multinomial(g, np.full(g, 1.0 / g), size=n_boot).astype(float)[:, codes]
    if rake_result is None:
        return counts * w[None, :]
    return _rerake(frame, counts, rake_result, start)


def _rerake(frame, counts, rake_result, start=None) -> np.ndarray:
    """Re-rake each resample (rows repeated by their counts) to the same margins."""
    from cxlab.weighting import rake

    t = rake_result.table
    margins: dict = {}
    for var, cat, share in zip(t["variable"], t["category"], t["target_share"], strict=True):
        margins.setdefault(var, {})[cat] = float(share)
    absent = [v for v in margins if v not in frame.columns]
    if absent:
        raise DataError("re-raking needs the raking variables in the data", column=absent)
    sub = frame[list(margins)].reset_index(drop=True)
    lower, upper = rake_result.bounds
    bounds = None if lower is None and upper is None else (lower, upper)
    out = np.zeros_like(counts)
    failed = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        for b in range(counts.shape[0]):
            idx = np.repeat(np.arange(len(sub)), counts[b].astype(int))
            try:
                res = rake(
                    sub.iloc[idx].reset_index(drop=True),
                    margins,
                    weights=None if start is None else start[idx],
                    bounds=bounds,
                )
            except CxlabError:
                failed += 1
                out[b] = np.nan
                continue
            out[b] = np.bincount(idx, weights=res.weights.to_numpy(), minlength=len(sub))
    return out


def _bootstrap(Xc, F, spec, tol, max_iter, lo, hi, progress) -> dict:
    ok = np.isfinite(F).all(axis=1)
    F = F[ok]
    if F.shape[0] == 0:
        raise ModelError("no bootstrap resample could be re-raked to the weighting margins")
    chunks = range(0, F.shape[0], _CHUNK)
    chunks = bar(chunks, "PLS bootstrap", total=len(chunks), enabled=progress)
    parts = []
    for start in chunks:
        Fb = F[start : start + _CHUNK]
        M, cov = _weighted_moments(Xc, Fb)
        R, sd = _to_corr(cov)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                W, _, conv = _iterate(R, spec, tol, max_iter)
                C, P, r2, L, T = _structural(W, R, spec)
                mean100, sd100, _ = _hundred(W, M, sd, lo, hi, spec)
                est = _estimates(P, T, r2, W, L, mean100, sd100)
            except np.linalg.LinAlgError:
                est = _one_by_one(Xc, Fb, spec, tol, max_iter, lo, hi)
                conv = np.isfinite(est["paths"]).all(axis=(1, 2))
        keep = conv & np.isfinite(sd).all(axis=1) & (sd > 0).all(axis=1)
        parts.append({k: v[keep] for k, v in est.items()})
    draws = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    draws["n_used"] = draws["paths"].shape[0]
    return draws


def _one_by_one(Xc, Fb, spec, tol, max_iter, lo, hi) -> dict:
    """Fallback for a batch with a singular resample: fit each, NaN where singular."""
    rows = []
    for f in Fb:
        M, cov = _weighted_moments(Xc, f[None, :])
        R, sd = _to_corr(cov)
        try:
            W, _, conv = _iterate(R, spec, tol, max_iter)
            C, P, r2, L, T = _structural(W, R, spec)
            mean100, sd100, _ = _hundred(W, M, sd, lo, hi, spec)
            est = _estimates(P, T, r2, W, L, mean100, sd100)
            if not conv[0]:
                est = {k: v * np.nan for k, v in est.items()}
        except np.linalg.LinAlgError:
            est = None
        rows.append(est)
    template = next(e for e in rows if e is not None)
    return {
        k: np.concatenate([(e[k] if e is not None else template[k] * np.nan) for e in rows])
        for k in template
    }


# ------------------------------------------------------------------ the tables
def _paths_table(spec, est, draws, level):
    rows = [
        (spec.constructs[i], spec.constructs[j], i, j)
        for i, j in zip(*np.nonzero(spec.D), strict=True)
    ]
    order = {c: k for k, c in enumerate(spec.constructs)}
    rows.sort(key=lambda r: (order[r[1]], order[r[0]]))
    out = pd.DataFrame(
        {
            "source": [r[0] for r in rows],
            "target": [r[1] for r in rows],
            "estimate": [est["paths"][0, r[2], r[3]] for r in rows],
        }
    )
    if draws:
        d = np.stack([draws["paths"][:, r[2], r[3]] for r in rows], axis=1)
        out = _with_ci(out, "estimate", d, level)
    return out


def _total_table(spec, est, draws, level):
    T = est["total"][0]
    pairs = [
        (i, j) for i in range(T.shape[0]) for j in range(T.shape[0]) if i != j and abs(T[i, j]) > 0
    ]
    reach = np.linalg.matrix_power(spec.D + np.eye(len(spec.constructs)), len(spec.constructs))
    pairs = [(i, j) for i, j in pairs if reach[i, j] > 0]
    pairs.sort(key=lambda p: (p[1], p[0]))
    out = pd.DataFrame(
        {
            "source": [spec.constructs[i] for i, _ in pairs],
            "target": [spec.constructs[j] for _, j in pairs],
            "estimate": [T[i, j] for i, j in pairs],
            "indirect": [T[i, j] - est["paths"][0, i, j] for i, j in pairs],
        }
    )
    if draws:
        d = np.stack([draws["total"][:, i, j] for i, j in pairs], axis=1)
        out = _with_ci(out, "estimate", d, level)
    return out


def _outer_table(spec, est, draws, level, u, lo, hi):
    k = np.arange(len(spec.items))
    j = spec.block_of
    out = pd.DataFrame(
        {
            "construct": [spec.constructs[b] for b in j],
            "item": list(spec.items),
            "mode": [spec.modes[b] for b in j],
            "weight": est["weights"][0, k, j],
            "loading": est["loadings"][0, k, j],
        }
    )
    if draws:
        for name, key in (("weight", "weights"), ("loading", "loadings")):
            d = draws[key][:, k, j]
            lo_, hi_ = _pct(d, level)
            out[f"{name}_se"] = np.nanstd(d, axis=0, ddof=1)
            out[f"{name}_ci_low"], out[f"{name}_ci_high"] = lo_, hi_
    out["unstandardised_weight"] = u[k, j]
    out["scale_min"], out["scale_max"] = lo, hi
    return out


def _r2_table(spec, est, draws, level, n):
    endo = [j for j, p in enumerate(spec.preds) if p]
    r2 = est["r2"][0, endo]
    k = np.array([len(spec.preds[j]) for j in endo])
    out = pd.DataFrame(
        {
            "construct": [spec.constructs[j] for j in endo],
            "r2": r2,
            "r2_adj": 1 - (1 - r2) * (n - 1) / (n - k - 1),
        }
    )
    if draws:
        lo, hi = _pct(draws["r2"][:, endo], level)
        out["ci_low"], out["ci_high"] = lo, hi
    return out


def _reliability(R, W, L, spec):
    rows = []
    for j, c in enumerate(spec.constructs):
        ix = spec.idx(j)
        lam = L[ix, j]
        k = len(ix)
        sub = R[np.ix_(ix, ix)]
        w = W[ix, j]
        if k >= 2:
            alpha = k / (k - 1) * (1 - k / sub.sum())
            rho_c = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
            off = sub - np.diag(np.diag(sub))
            ww = np.outer(w, w)
            rho_a = (w @ w) ** 2 * (w @ off @ w) / (w @ (ww - np.diag(np.diag(ww))) @ w)
        else:
            alpha = rho_c = rho_a = np.nan
        rows.append((c, spec.modes[j], k, alpha, rho_c, rho_a, float(np.mean(lam**2))))
    return pd.DataFrame(
        rows, columns=["construct", "mode", "n_items", "alpha", "rho_c", "rho_a", "ave"]
    )


def _htmt(R, spec):
    J = len(spec.constructs)
    H = np.full((J, J), np.nan)
    mono = np.full(J, np.nan)
    for j in range(J):
        ix = spec.idx(j)
        if len(ix) >= 2 and spec.modes[j] == "A":
            sub = R[np.ix_(ix, ix)]
            mean = sub[np.triu_indices(len(ix), 1)].mean()
            mono[j] = mean if mean > 0 else np.nan
    for a in range(J):
        for b in range(J):
            if a != b and np.isfinite(mono[a]) and np.isfinite(mono[b]):
                het = R[np.ix_(spec.idx(a), spec.idx(b))].mean()
                H[a, b] = het / np.sqrt(mono[a] * mono[b])
    np.fill_diagonal(H, 1.0)
    return pd.DataFrame(H, index=list(spec.constructs), columns=list(spec.constructs))
