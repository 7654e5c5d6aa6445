"""Multidimensional segmentation across life stage, product usage, behaviour and profitability.

Mixed inputs are handled by a **latent class (finite mixture) model**: within a segment
each categorical variable follows its own categorical distribution and each numeric
variable (log-transformed when positive and skewed, then standardised) a normal
distribution, all independent given the segment (local independence). It is fitted by
EM from several random starts; missing values are skipped in the likelihood. The
number of segments is the one with the lowest BIC (``.selection`` shows the table), and
stability is the adjusted Rand agreement of the chosen solution refitted from other
seeds (``.stability``). Each segment gets a profile: size, advocacy mix, net advocacy,
spend and tenure, and the events that matter most to it (the correlation between event
satisfaction and likelihood to recommend among its raters).

Examples
--------
>>> from cxlab.synth import make_study
>>> from cxlab.clusters import segment_customers
>>> survey, truth = make_study(n_respondents=400, seed=3)
>>> seg = segment_customers(survey, k_range=range(2, 6), n_seeds=2)
>>> int(seg.selection.loc[seg.selection["chosen"], "k"].item()) == seg.k
True
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import logsumexp
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from cxlab._advocacy import advocacy_groups
from cxlab._checks import frames
from cxlab._style import ADVOCACY_COLORS, new_ax
from cxlab.display import Card
from cxlab.errors import ConvergenceWarning, DataError, ParameterError
from cxlab.segments import net_advocacy

__all__ = ["segment_customers", "Segmentation"]

_CATEGORICAL = ("life_stage", "product_usage", "behaviour_profile", "profitability")
_NUMERIC = ("spend", "tenure")


# ----------------------------------------------------------------------- the model
def _design(frame: pd.DataFrame, categorical, numeric, log_numeric: bool):
    missing = [c for c in (*categorical, *numeric) if c not in frame.columns]
    if missing:
        raise DataError("segmentation variables not found", column=missing)
    indicators, levels = [], {}
    for c in categorical:
        codes, uniques = pd.factorize(frame[c], sort=True)
        ind = np.zeros((len(frame), len(uniques)))
        ok = codes >= 0
        ind[np.flatnonzero(ok), codes[ok]] = 1.0
        indicators.append(ind)
        levels[c] = [str(u) for u in uniques]
    num = np.empty((len(frame), len(numeric)))
    for j, c in enumerate(numeric):
        try:
            x = pd.to_numeric(frame[c], errors="raise").to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError) as err:
            raise DataError("numeric segmentation variable is not numeric", column=c) from err
        if log_numeric and np.nanmin(x) > 0:
            x = np.log(x)
        sd = np.nanstd(x)
        num[:, j] = (x - np.nanmean(x)) / (sd if sd > 0 else 1.0)
    return indicators, num, levels


def _fit_em(indicators, num, k: int, rng, n_init: int, max_iter: int = 500, tol: float = 1e-7):
    """Best of ``n_init`` EM runs; returns (loglik, responsibilities, converged)."""
    n = num.shape[0]
    obs = ~np.isnan(num)
    x0 = np.where(obs, num, 0.0)
    best = (-np.inf, None, False)
    for _ in range(n_init):
        resp = rng.dirichlet(np.ones(k), size=n)
        prev, converged = -np.inf, False
        for _ in range(max_iter):
            nk = resp.sum(axis=0) + 1e-12
            logp = np.log(nk / n)[None, :].repeat(n, axis=0)
            for ind in indicators:
                counts = resp.T @ ind + 1e-6
                logp = logp + ind @ np.log(counts / counts.sum(axis=1, keepdims=True)).T
            if num.shape[1]:
                wk = resp.T @ obs  # k x p
                mu = (resp.T @ x0) / wk
                var = np.maximum((resp.T @ (x0**2)) / wk - mu**2, 1e-3)
                for j in range(num.shape[1]):
                    d = (x0[:, [j]] - mu[None, :, j]) ** 2 / var[None, :, j]
                    lp = -0.5 * (np.log(2 * np.pi * var[None, :, j]) + d)
                    logp = logp + np.where(obs[:, [j]], lp, 0.0)
            norm = logsumexp(logp, axis=1)
            ll = float(norm.sum())
            resp = np.exp(logp - norm[:, None])
            if ll - prev < tol * abs(ll):
                converged = True
                break
            prev = ll
        if ll > best[0]:
            best = (ll, resp, converged)
    return best


def _n_params(k: int, indicators, p: int) -> int:
    return (k - 1) + k * sum(ind.shape[1] - 1 for ind in indicators) + 2 * k * p


def _select(indicators, num, ks, n_init: int, n_seeds: int, seed: int):
    """Fit every k, choose by BIC, refit the chosen k from other seeds (ARI)."""
    n = num.shape[0]
    rng = np.random.default_rng(seed)
    rows, fits = [], {}
    for k in ks:
        ll, resp, conv = _fit_em(indicators, num, k, rng, n_init)
        npar = _n_params(k, indicators, num.shape[1])
        bic = -2 * ll + npar * np.log(n)
        rows.append({"k": k, "loglik": ll, "n_params": npar, "bic": bic, "converged": conv})
        fits[k] = resp
    selection = pd.DataFrame(rows)
    k = int(selection.loc[selection["bic"].idxmin(), "k"])
    selection["chosen"] = selection["k"] == k
    if not selection.loc[selection["chosen"], "converged"].item():
        warnings.warn(f"EM for {k} segments did not converge", ConvergenceWarning, stacklevel=3)
    labels = fits[k].argmax(axis=1)
    stab = []
    for s in range(1, n_seeds + 1):
        _, resp, _ = _fit_em(indicators, num, k, np.random.default_rng([seed, s]), n_init)
        stab.append({"seed": s, "ari": adjusted_rand_score(labels, resp.argmax(axis=1))})
    return selection, fits, stab


# ----------------------------------------------------------------------- the result
@dataclass(frozen=True, repr=False)
class Segmentation(Card):
    """A multidimensional segmentation.

    Attributes
    ----------
    k : int
        Number of segments chosen.
    selection : DataFrame
        ``k, loglik, n_params, bic, converged, chosen``: the BIC choice table.
    stability : DataFrame
        ``seed, ari`` of refits from other seeds against the chosen solution.
    assignments : DataFrame
        ``respondent_id, segment, probability`` (segment 1 = largest).
    profiles : DataFrame
        One row per segment: ``segment, label, n, share``, the modal level and its share
        for each categorical variable, ``spend, tenure`` (weighted means),
        ``pct_advocate, pct_neutral, pct_antagonist, net_advocacy, net_advocacy_se``
        and ``top_events``.
    event_importance : DataFrame
        ``segment, event_id, importance, n, rank``: correlation of event satisfaction
        with ``recommend`` among the segment's raters.
    variables : tuple of str
    """

    k: int
    selection: pd.DataFrame
    stability: pd.DataFrame
    assignments: pd.DataFrame
    profiles: pd.DataFrame
    event_importance: pd.DataFrame
    variables: tuple[str, ...]

    @property
    def table(self) -> pd.DataFrame:
        """The segment profiles (alias of ``profiles``)."""
        return self.profiles

    def summary(self) -> pd.DataFrame:
        """Profiles with the main columns, rounded."""
        cols = [
            "segment",
            "label",
            "n",
            "share",
            "spend",
            "tenure",
            "pct_advocate",
            "pct_antagonist",
            "net_advocacy",
            "top_events",
        ]
        return self.profiles[[c for c in cols if c in self.profiles]].round(2)

    def plot(self, ax=None):
        """Advocacy mix per segment (stacked bars), labelled with size and net advocacy.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        """

        p = self.profiles.iloc[::-1]
        ax = new_ax(ax, (8, 0.6 * len(p) + 1.8))
        labels = [
            f"S{s}: {lab}\n(n={n}, net advocacy {na:+.0f})"
            for s, lab, n, na in zip(p.segment, p.label, p.n, p.net_advocacy, strict=True)
        ]
        left = np.zeros(len(p))
        for key, name in (
            ("pct_antagonist", "antagonist"),
            ("pct_neutral", "neutral"),
            ("pct_advocate", "advocate"),
        ):
            ax.barh(
                labels,
                p[key],
                left=left,
                color=ADVOCACY_COLORS[name],
                label=name.capitalize(),
                edgecolor="white",
            )
            left += p[key].to_numpy()
        ax.set_xlim(0, 100)
        ax.set_xlabel("Share of segment (%)")
        ax.set_ylabel("Segment")
        ax.set_title(f"Advocacy mix by customer segment ({self.k} segments, BIC)", pad=26)
        ax.legend(ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
        ax.tick_params(axis="y", labelsize=8)
        return ax


# ---------------------------------------------------------------------- entry point
def segment_customers(
    survey_or_frames,
    *,
    categorical: Sequence[str] = _CATEGORICAL,
    numeric: Sequence[str] = _NUMERIC,
    k_range: Sequence[int] = range(2, 9),
    n_init: int = 10,
    n_seeds: int = 5,
    seed: int = 0,
    log_numeric: bool = True,
    weights: str | None = "weight",
    top: int = 3,
) -> Segmentation:
    """Latent class segmentation of respondents on mixed categorical and numeric variables.

    Parameters
    ----------
    survey_or_frames : Survey, (respondents, event_table) or respondents DataFrame
        Event importance needs the event table.
    categorical, numeric : sequence of str
        Segmentation variables (default life stage, product usage, behaviour profile,
        profitability; spend and tenure).
    k_range : sequence of int
        Candidate numbers of segments; the lowest BIC wins.
    n_init : int
        EM random starts per fit.
    n_seeds : int
        Refits of the chosen k from other seeds for the stability (ARI) table.
    seed : int
    log_numeric : bool
        Log-transform positive numeric variables before standardising.
    weights : str or None
        Weight column for the profiles (the mixture itself is fitted unweighted).
    top : int
        Events listed in ``top_events``.

    Returns
    -------
    Segmentation
    """
    respondents, event_table = frames(survey_or_frames)
    ks = sorted({int(k) for k in k_range})
    if not ks or ks[0] < 1 or len(respondents) < 10 * ks[-1]:
        raise ParameterError(f"k_range {ks} needs k >= 1 and at least 10 respondents per segment")
    indicators, num, _ = _design(respondents, list(categorical), list(numeric), log_numeric)
    with threadpool_limits(limits=1):  # many small products: threaded BLAS only spins
        selection, fits, stab = _select(indicators, num, ks, n_init, n_seeds, seed)
    k = int(selection.loc[selection["chosen"], "k"].item())
    labels = fits[k].argmax(axis=1)
    # segment 1 = largest
    order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
    relabel = np.empty(k, dtype=int)
    relabel[order] = np.arange(1, k + 1)
    segment = relabel[labels]
    assignments = pd.DataFrame(
        {
            "respondent_id": respondents["respondent_id"].to_numpy()
            if "respondent_id" in respondents
            else respondents.index.to_numpy(),
            "segment": segment,
            "probability": fits[k].max(axis=1),
        }
    )
    profiles, importance = _profiles(
        respondents, event_table, segment, k, categorical, weights, top
    )
    return Segmentation(
        k,
        selection,
        pd.DataFrame(stab, columns=["seed", "ari"]),
        assignments,
        profiles,
        importance,
        (*categorical, *numeric),
    )


def _profiles(respondents, event_table, segment, k, categorical, weights, top):
    w = (
        respondents[weights].to_numpy(float)
        if weights and weights in respondents
        else np.ones(len(respondents))
    )
    seg = pd.Series(segment, index=respondents.index, name="segment")
    rows = []
    for s in range(1, k + 1):
        m = segment == s
        row = {"segment": s, "n": int(m.sum()), "share": 100 * w[m].sum() / w.sum()}
        label = []
        for c in categorical:
            shares = pd.Series(w[m]).groupby(respondents[c].to_numpy()[m], observed=True).sum()
            shares = shares / shares.sum()
            row[c] = shares.idxmax()
            row[f"{c}_share"] = 100 * shares.max()
            label.append(str(row[c]))
        row["label"] = " / ".join(label)
        for c in _NUMERIC:
            if c in respondents:
                x = pd.to_numeric(respondents[c], errors="coerce").to_numpy(float)[m]
                ok = np.isfinite(x)
                row[c] = np.average(x[ok], weights=w[m][ok]) if ok.any() else np.nan
        rows.append(row)
    profiles = pd.DataFrame(rows)
    if "recommend" in respondents:
        g = advocacy_groups(respondents, three=True)
        frame = pd.DataFrame({"g": g.astype(object), "seg": segment, "w": w})[g.notna().to_numpy()]
        mix = frame.pivot_table(index="seg", columns="g", values="w", aggfunc="sum", fill_value=0)
        mix = 100 * mix.div(mix.sum(axis=1), axis=0)
        for lev in ("advocate", "neutral", "antagonist"):
            profiles[f"pct_{lev}"] = mix.reindex(profiles["segment"]).get(lev, 0.0).to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            na = net_advocacy(respondents["recommend"], w, by=seg, min_base=0)
        na = na.set_index("segment").reindex(profiles["segment"])
        profiles["net_advocacy"] = na["value"].to_numpy()
        profiles["net_advocacy_se"] = na["se"].to_numpy()
    importance = _event_importance(respondents, event_table, seg)
    if len(importance):
        tops = importance[importance["rank"] <= top].groupby("segment")["event_id"].agg(", ".join)
        profiles["top_events"] = profiles["segment"].map(tops).fillna("")
    first = ["segment", "label", "n", "share"]
    return profiles[first + [c for c in profiles if c not in first]], importance


def _event_importance(respondents, event_table, seg: pd.Series, min_base: int = 15):
    cols = ["segment", "event_id", "importance", "n", "rank"]
    if event_table is None or "recommend" not in respondents or "respondent_id" not in respondents:
        return pd.DataFrame(columns=cols)
    info = pd.DataFrame(
        {
            "respondent_id": respondents["respondent_id"].to_numpy(),
            "segment": seg.to_numpy(),
            "recommend": respondents["recommend"].to_numpy(),
        }
    )
    et = event_table[["respondent_id", "event_id", "satisfaction"]].merge(info, on="respondent_id")
    et = et.dropna(subset=["satisfaction", "recommend"])
    et["event_id"] = et["event_id"].astype(str)
    grouped = et.groupby(["segment", "event_id"], observed=True)
    out = pd.DataFrame(
        {
            "importance": grouped[["satisfaction", "recommend"]]
            .corr()
            .xs("satisfaction", level=2)["recommend"],
            "n": grouped.size(),
        }
    ).reset_index()
    out = out[out["n"] >= min_base].dropna(subset=["importance"])
    out["rank"] = (
        out.groupby("segment")["importance"].rank(ascending=False, method="first").astype(int)
    )
    return out.sort_values(["segment", "rank"]).reset_index(drop=True)[cols]
