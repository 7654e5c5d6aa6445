"""What drives advocacy versus antagonism, and what separates antagonists from advocates.

The framework (docs/framework.md section 5) asks which events turn customers into advocates
and which into antagonists. :func:`advocacy_drivers` regresses the ordered advocacy
group (antagonist < neutral < advocate, agitators merged into antagonists) on each
event's rating with a weighted ordinal logit and reports the change in the probability
of being an advocate / antagonist per one-point improvement; :func:`defector_promoter`
ranks the events and attributes that separate antagonists from advocates (Cohen's d).
The advocacy groups come from :mod:`cxlab.segments` (classification, net advocacy,
economics), which also re-exports the names defined here.

Examples
--------
>>> from cxlab.synth import make_study
>>> from cxlab.advocacy_drivers import advocacy_drivers
>>> survey, truth = make_study(n_respondents=400, seed=2)
>>> advocacy_drivers(survey).table.columns[:3].tolist()
['event_id', 'measure', 'coef']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._advocacy import advocacy_groups
from cxlab._checks import frames, renamed
from cxlab._ordinal import ame, fit_ordinal, pool_rows
from cxlab._stats import critical
from cxlab._style import ADVOCACY_COLORS, new_ax
from cxlab.display import Card
from cxlab.errors import (
    ConvergenceWarning,
    DataError,
    ModelError,
    ParameterError,
    SuppressionWarning,
)
from cxlab.survey import respondent_positions

__all__ = ["advocacy_drivers", "AdvocacyDrivers", "defector_promoter"]


# ------------------------------------------------------------------------ drivers
def _wide(respondents, event_table, measures, min_base):
    """Respondent x (event, measure) matrix, mean-imputed, with not-rated indicators."""
    if event_table is None:
        raise ParameterError("advocacy drivers need the event table (pass a Survey)")
    missing = [m for m in measures if m not in event_table.columns]
    if missing:
        raise DataError("measure not in the event table", column=missing)
    wide = _pivot(respondents, event_table, sorted(set(measures)))
    raters = wide.notna().sum()
    few = raters[raters < min_base]
    if len(few):
        warnings.warn(
            f"events with fewer than {min_base} raters left out: "
            + ", ".join(sorted({str(e) for _, e in few.index})),
            SuppressionWarning,
            stacklevel=3,
        )
        wide = wide.drop(columns=few.index)
    if wide.shape[1] == 0:
        raise ModelError(
            f"no event has at least {min_base} raters; lower min_base or pool events",
            column=list(measures),
        )
    rated = wide.notna()
    filled = wide.fillna(wide.mean())
    cols = [f"{e}:{m}" for m, e in wide.columns]
    X = pd.DataFrame(filled.to_numpy(), columns=cols)
    events = sorted({e for _, e in wide.columns}, key=list(wide.columns.get_level_values(1)).index)
    notr = pd.DataFrame(
        {
            f"{e}:not_rated": (~rated.xs(e, axis=1, level=1).any(axis=1)).to_numpy(float)
            for e in events
        }
    )
    notr = notr.loc[:, notr.std() > 0]
    return pd.concat([X, notr], axis=1), rated.to_numpy(), list(wide.columns)


def _pivot(respondents, event_table, measures) -> pd.DataFrame:
    """Respondent x (measure, event) mean ratings, one row per row of ``respondents``.

    The result of ``event_table.pivot_table(index="respondent_id", columns="event_id",
    values=measures).reindex(respondents["respondent_id"])``, built from integer codes:
    each rating's respondent position and event code, summed per cell by np.bincount
    (cell ``position * events + event``); columns measure-major, events sorted,
    (measure, event) pairs never rated left out.
    """
    pos = respondent_positions(event_table, respondents, match=True)
    code, events = pd.factorize(event_table["event_id"], sort=True)
    events = np.asarray(events, dtype=object)
    n, k = len(respondents), len(events)
    has_id = event_table["respondent_id"].notna().to_numpy() & (code >= 0)
    blocks, columns = [], []
    for m in measures:
        x = event_table[m].to_numpy(dtype=float)
        ok = (pos >= 0) & (code >= 0) & np.isfinite(x)  # the pivot's mean skips missing
        cell = pos[ok] * k + code[ok]
        total = np.bincount(cell, weights=x[ok], minlength=n * k).reshape(n, k)
        count = np.bincount(cell, minlength=n * k).reshape(n, k)
        rated = np.bincount(code[has_id & np.isfinite(x)], minlength=k) > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            blocks.append((total / count)[:, rated])  # pivot_table drops all-NaN columns
        columns += [(m, e) for e in events[rated]]
    return pd.DataFrame(
        np.hstack(blocks) if blocks else np.empty((n, 0)),
        columns=pd.MultiIndex.from_tuples(columns, names=[None, "event_id"]),
    )


@dataclass(frozen=True, repr=False)
class AdvocacyDrivers(Card):
    """What drives advocacy versus antagonism (weighted ordinal logit).

    Attributes
    ----------
    table : DataFrame
        One row per event (and measure): ``event_id, measure, coef, coef_se, p_value,
        advocate_pp, advocate_se, advocate_ci_low, advocate_ci_high, antagonist_pp,
        antagonist_se, antagonist_ci_low, antagonist_ci_high, n_rated, share_rated,
        rank``. ``*_pp`` are average changes (percentage points) in the probability of
        being an advocate / antagonist when the event's rating improves by one point,
        averaged over the respondents who rated it; rank 1 = largest ``coef``.
    coefficients : DataFrame
        All parameters (events, not-rated indicators, thresholds) with robust SEs.
    n : int
    n_effective : float
    converged : bool
    """

    table: pd.DataFrame
    coefficients: pd.DataFrame
    n: int
    n_effective: float
    converged: bool

    def summary(self) -> pd.DataFrame:
        """Ranked drivers: effect on advocate and antagonist probabilities with CIs."""
        cols = [
            "rank",
            "event_id",
            "measure",
            "coef",
            "p_value",
            "advocate_pp",
            "advocate_ci_low",
            "advocate_ci_high",
            "antagonist_pp",
            "antagonist_ci_low",
            "antagonist_ci_high",
            "share_rated",
        ]
        return self.table[cols].round(3)

    def plot(self, ax=None, names=None):
        """Dot-and-whisker chart of the change in advocate and antagonist probability.

        ``names`` maps ``event_id`` to a display name (e.g. from ``survey.events``).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        names : sequence of str
            The names.
        """

        t = self.table.sort_values("rank", ascending=False)
        ax = new_ax(ax, (7.5, 0.45 * len(t) + 1.6))
        names = dict(names or {})
        labels = [
            names.get(e, e) if m == "satisfaction" else f"{names.get(e, e)} ({m})"
            for e, m in zip(t.event_id, t.measure, strict=True)
        ]
        y = np.arange(len(t))
        for off, key, colour, name in (
            (0.15, "advocate", ADVOCACY_COLORS["advocate"], "Advocate"),
            (-0.15, "antagonist", ADVOCACY_COLORS["agitator"], "Antagonist"),
        ):
            err = np.vstack(
                [t[f"{key}_pp"] - t[f"{key}_ci_low"], t[f"{key}_ci_high"] - t[f"{key}_pp"]]
            )
            ax.errorbar(
                t[f"{key}_pp"], y + off, xerr=err, fmt="o", color=colour, capsize=3, label=name
            )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(y, labels)
        ax.set_xlabel("Change in probability (percentage points) per one-point improvement")
        ax.set_ylabel("Event")
        ax.set_title("What drives advocacy versus antagonism (95% CI)")
        ax.legend(title="Probability of being", loc="best")
        return ax


@renamed(min_raters="min_base")
def advocacy_drivers(
    survey_or_frames,
    *,
    measure: str | Sequence[str] = "satisfaction",
    weights: str | None = "weight",
    group=None,
    min_base: int = 30,
    level: float = 0.95,
) -> AdvocacyDrivers:
    """Ordinal logit of antagonist < neutral < advocate on event experiences.

    The three-level group (agitators merged into antagonists) is regressed on each
    event's rating (``satisfaction`` by default, or per-event ``tactile`` / ``emotive``
    composites) pivoted wide from the event table. Events a respondent did not rate are
    mean-imputed and a ``<event>:not_rated`` indicator enters the model, so the event
    coefficient is estimated from raters only. Weights enter as a pseudo-likelihood
    (each respondent's log-likelihood times its weight, weights scaled to mean 1),
    maximised by Newton's method with the analytic gradient and Hessian after pooling
    respondents with the same ratings and group into cells (:mod:`cxlab._ordinal`; the
    parametrisation and the sandwich (HC0) SEs of statsmodels ``OrderedModel``, which
    the tests check it against). The probability changes are average discrete changes
    over raters for a one-point improvement, with delta-method CIs (analytic
    gradients).

    Parameters
    ----------
    survey_or_frames : Survey or (respondents, event_table)
    measure : str or sequence of str
        Event-table column(s) used per event.
    weights : str or None
        Respondent weight column (ignored when absent).
    group : Series or column name, optional
        Advocacy group; default from ``recommend`` (see :func:`advocacy_economics`).
    min_base : int
        Events rated by fewer respondents are left out (with a warning).
    level : float

    Returns
    -------
    AdvocacyDrivers

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, truth = make_study(n_respondents=400, seed=2)
    >>> res = advocacy_drivers(survey)
    >>> res.table.loc[res.table["rank"] == 1, "event_id"].item() in truth["advocacy_impact"]
    True
    """
    respondents, event_table = frames(survey_or_frames)
    measures = [measure] if isinstance(measure, str) else list(measure)
    X, rated, cols = _wide(respondents, event_table, measures, min_base)
    g = advocacy_groups(respondents, group, three=True)
    if weights is not None and weights in respondents.columns:
        w = respondents[weights].to_numpy(float)
    else:
        w = np.ones(len(respondents))
    keep = g.notna().to_numpy() & np.isfinite(w)
    y = g.cat.codes.to_numpy()[keep]
    if len(np.unique(y)) < 3:
        raise ModelError(
            "advocacy drivers need advocates, neutrals and antagonists", column="recommend"
        )
    Xk, rk, wk = X[keep].reset_index(drop=True), rated[keep], w[keep] / w[keep].mean()
    Xk = Xk - Xk.mean()
    exog = Xk.to_numpy()
    # respondents with the same ratings, outcome and rated events share one cell
    cell, first = pool_rows([*exog.T, y, *rk.T])
    cw = np.bincount(cell, weights=wk, minlength=first.size)
    cw2 = np.bincount(cell, weights=wk * wk, minlength=first.size)
    cn = np.bincount(cell, minlength=first.size)
    cx, crated = exog[first], rk[first]
    fit = fit_ordinal(cx, y[first], cw, cw2, n_categories=3)
    params, cov, converged = fit.params, fit.cov, fit.converged
    if not converged:
        why = (
            "the ratings separate the advocacy groups (fitted probabilities of 0 or 1)"
            if fit.separated
            else f"no convergence in {fit.iterations} Newton steps"
        )
        warnings.warn(
            f"ordinal advocacy model did not converge: {why}; its effects are unreliable",
            ConvergenceWarning,
            stacklevel=2,
        )
    z = critical(level)
    rows = []
    for j, (m, e) in enumerate(cols):
        r = crated[:, j]
        est, grad = ame(fit, cx[r], cw[r], j)
        se = np.sqrt(np.maximum(np.diag(grad @ cov @ grad.T), 0))
        row = {"event_id": e, "measure": m, "coef": params[j], "coef_se": np.sqrt(cov[j, j])}
        row["p_value"] = 2 * stats.norm.sf(abs(row["coef"] / row["coef_se"]))
        for k, key in enumerate(("advocate", "antagonist")):
            row |= {
                f"{key}_pp": est[k],
                f"{key}_se": se[k],
                f"{key}_ci_low": est[k] - z * se[k],
                f"{key}_ci_high": est[k] + z * se[k],
            }
        row |= {"n_rated": int(cn[r].sum()), "share_rated": float(cw[r].sum() / cw.sum())}
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("coef", ascending=False, kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    names = list(Xk.columns) + ["threshold_1", "threshold_2_log_increment"]
    bse = np.sqrt(np.diag(cov))
    coefficients = pd.DataFrame(
        {
            "term": names,
            "coef": params,
            "se": bse,
            "p_value": 2 * stats.norm.sf(np.abs(params / bse)),
        }
    )
    return AdvocacyDrivers(
        table.reset_index(drop=True),
        coefficients,
        int(keep.sum()),
        float(w[keep].sum() ** 2 / (w[keep] ** 2).sum()),
        converged,
    )


# ------------------------------------------------------------- defector/promoter
@renamed(min_n="min_base")
def defector_promoter(
    survey_or_frames,
    *,
    weights: str | None = "weight",
    group=None,
    attributes: bool = True,
    min_base: int = 10,
    level: float = 0.95,
) -> pd.DataFrame:
    """Which events and attributes separate antagonists from advocates most.

    For each event (its ``satisfaction``, among raters) and each attribute (the
    respondent's mean rating of that attribute over the events they rated, plus the
    ``tactile`` / ``emotive`` composites and the ``brand_gap`` / ``baseline_gap``), the
    weighted means of advocates and of antagonists (agitators included) are compared by
    Cohen's d (difference over the pooled SD). The CI uses the large-sample SE
    ``sqrt((n1 + n2) / (n1 n2) + d**2 / (2 (n1 + n2)))`` on Kish effective bases.

    Parameters
    ----------
    survey_or_frames : Survey or (respondents, event_table)
    weights : str or None
    group : Series or column name, optional
    attributes : bool
        Include attribute rows (``kind="attribute"``) besides events.
    min_base : int
        Items with fewer advocates or antagonists are left out.
    level : float

    Returns
    -------
    DataFrame
        ``rank, kind, item, mean_advocate, mean_antagonist, difference, d, ci_low,
        ci_high, n_advocate, n_antagonist``, ranked by ``d`` (largest first).

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, _ = make_study(n_respondents=400, seed=2)
    >>> defector_promoter(survey)[["kind", "item"]].iloc[0].tolist()[0] in ("event", "attribute")
    True
    """
    respondents, event_table = frames(survey_or_frames)
    if event_table is None:
        raise ParameterError("defector/promoter analysis needs the event table (pass a Survey)")
    g = advocacy_groups(respondents, group, three=True)
    ids = respondents["respondent_id"]
    if weights is not None and weights in respondents.columns:
        w = respondents[weights].to_numpy(float)
    else:
        w = np.ones(len(respondents))
    items = {}
    sat = event_table.pivot_table(
        index="respondent_id", columns="event_id", values="satisfaction", observed=True
    )
    for e in sat.columns:
        items[("event", str(e))] = sat[e].reindex(ids).to_numpy(float)
    if attributes:
        attr_cols = [
            c
            for c in event_table.columns
            if c
            not in {
                "respondent_id",
                "event_id",
                "stage",
                "channel",
                "weight",
                "significance",
                "personal_investment",
                "brand_expectation",
                "baseline_expectation",
                "satisfaction",
                "performance",
            }
            and pd.api.types.is_numeric_dtype(event_table[c])
        ]
        means = event_table.groupby("respondent_id", observed=True)[attr_cols].mean()
        for c in attr_cols:
            items[("attribute", c)] = means[c].reindex(ids).to_numpy(float)
    codes = g.cat.codes.to_numpy()
    z = critical(level)
    rows = []
    for (kind, item), x in items.items():
        stats_ = []
        for code in (2, 0):
            ok = (codes == code) & np.isfinite(x) & np.isfinite(w)
            xx, ww = x[ok], w[ok]
            if ok.sum() < max(min_base, 2):
                break
            m = np.average(xx, weights=ww)
            v = np.average((xx - m) ** 2, weights=ww) * ok.sum() / (ok.sum() - 1)
            stats_.append((m, v, ok.sum(), ww.sum() ** 2 / (ww**2).sum()))
        if len(stats_) < 2:
            continue
        (m1, v1, n1, e1), (m2, v2, n2, e2) = stats_
        pooled = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
        d = (m1 - m2) / pooled if pooled > 0 else np.nan
        se = np.sqrt((e1 + e2) / (e1 * e2) + d**2 / (2 * (e1 + e2)))
        rows.append(
            {
                "kind": kind,
                "item": item,
                "mean_advocate": m1,
                "mean_antagonist": m2,
                "difference": m1 - m2,
                "d": d,
                "ci_low": d - z * se,
                "ci_high": d + z * se,
                "n_advocate": int(n1),
                "n_antagonist": int(n2),
            }
        )
    out = pd.DataFrame(rows).sort_values("d", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out
