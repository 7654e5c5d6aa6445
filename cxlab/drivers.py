"""Driver models: how personal investment shifts the weight of emotive and tactile performance.

The framework's headline finding (docs/framework.md section 3): neither emotive nor tactile
performance is always more important. Their weight on the outcome of an event depends
on the customer's **personal investment**: emotive treatment dominates high-investment
interactions (buying a car, ~40% more important), tactile performance dominates
low-investment ones. :func:`investment_weighting` fits the moderation model

    outcome ~ tactile + emotive + investment + tactile:investment + emotive:investment (+ controls)

on event-level data (one row per respondent x event, e.g. ``Survey.event_table()``),
with standard errors clustered by respondent (weighted least squares with a
cluster-robust sandwich, written in numpy in :mod:`cxlab._regression` with the rest of
the numerical core) or a random intercept per respondent (statsmodels MixedLM). It
reports the weight of each kind of performance at any investment level, their ratio
(Fieller interval), the investment level where emotive overtakes tactile (Fieller
interval), and a joint Wald test of the moderation (an F test on 2 and G - 1 df with
clustered standard errors, chi-square for the mixed model).

Key driver analysis (:func:`relative_importance`, :func:`penalty_reward`) lives in
:mod:`cxlab.importance` and is re-exported here.

Examples
--------
>>> from cxlab.synth import make_study
>>> survey, truth = make_study("automotive", n_respondents=631, seed=0)
>>> res = investment_weighting(
...     survey.event_table(), "satisfaction", "tactile", "emotive",
...     "personal_investment", "respondent_id", weights="weight")
>>> res.moderation.p_value < 0.001
True
>>> bool(res.by_event.set_index("event_id").loc["buy_car", "ratio"] > 1)
True
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab._checks import check_weights, renamed, sample_design
from cxlab._regression import Crossover, ModerationTest, estimate, weights_at
from cxlab._style import new_ax
from cxlab.display import Card
from cxlab.errors import CxlabWarning, DataError, ModelError, ParameterError, SuppressionWarning
from cxlab.importance import MAX_EXACT, penalty_reward, relative_importance

__all__ = [
    "investment_weighting",
    "InvestmentWeighting",
    "SegmentedInvestmentWeighting",
    "Crossover",
    "ModerationTest",
    "relative_importance",
    "penalty_reward",
    "MAX_EXACT",
]


@dataclass(frozen=True, eq=False, repr=False)
class InvestmentWeighting(Card):
    """Result of :func:`investment_weighting` (one model).

    Attributes
    ----------
    table : DataFrame
        Grid over the observed investment range: ``investment``, ``tactile_weight``,
        ``tactile_ci_low``, ``tactile_ci_high``, ``emotive_weight`` (and CI), ``difference``
        (emotive - tactile, and CI), ``ratio`` (emotive / tactile, Fieller CI
        ``ratio_ci_low``, ``ratio_ci_high``).
    by_event : DataFrame or None
        The same at each event's (weighted) mean investment, with ``event_id``, ``n``,
        ``significant`` (ratio CI excludes 1) and a plain-language ``statement``.
    crossover : Crossover or None
        None when emotive and tactile weights do not cross in the observed range;
        ``crossover_message`` explains.
    moderation : ModerationTest
        Joint Wald test of both interactions: ``test`` ("Wald F" on ``df`` = 2 and
        ``df_denom`` = respondents - 1 with ``method="cluster"``; "Wald chi-square" on
        2 df, ``df_denom`` None, with ``method="mixed"``), ``statistic``, ``p_value``.
    coefficients : DataFrame
        ``term, estimate, se, statistic, p_value, ci_low, ci_high``.
    """

    table: pd.DataFrame
    by_event: pd.DataFrame | None
    crossover: Crossover | None
    crossover_message: str
    moderation: ModerationTest
    coefficients: pd.DataFrame
    method: str
    scale: str
    n_obs: int
    n_respondents: int
    n_dropped: int
    investment_range: tuple[float, float]
    variables: dict
    level: float = 0.95
    _beta: np.ndarray = field(default=None, repr=False)
    _cov: np.ndarray = field(default=None, repr=False)
    _crit: float = field(default=1.96, repr=False)

    def at(self, investment: float | Sequence[float]) -> pd.DataFrame:
        """Weights, difference and ratio (with CIs) at given personal-investment levels.

        Parameters
        ----------
        investment : float or sequence of float
            Personal-investment level(s).
        """
        return weights_at(self._beta, self._cov, self._crit, np.atleast_1d(investment))

    def summary(self) -> pd.DataFrame:
        """The model in one table: ``statistic, value`` (outcome, method, bases, the
        moderation test, the crossover and its interval)."""
        v, m, c = self.variables, self.moderation, self.crossover
        rows = [
            ("outcome", v["outcome"]),
            ("method", _METHOD_TEXT[self.method]),
            ("scale", self.scale),
            ("ratings", self.n_obs),
            ("respondents", self.n_respondents),
            ("rows dropped (missing values)", self.n_dropped),
            ("moderation test", m.test),
            ("moderation statistic", m.statistic),
            ("moderation p-value", m.p_value),
            ("crossover", None if c is None else c.estimate),
            ("crossover ci_low", None if c is None else c.ci_low),
            ("crossover ci_high", None if c is None else c.ci_high),
        ]
        return pd.DataFrame(rows, columns=["statistic", "value"])

    def describe(self) -> str:
        """A short plain-text account of the model (returned, not printed)."""
        v = self.variables
        m = self.moderation
        lines = [
            f"Investment weighting of {v['outcome']!r}: {v['tactile']!r} (tactile) and "
            f"{v['emotive']!r} (emotive) moderated by {v['investment']!r}",
            f"method: {_METHOD_TEXT[self.method]}; scale: {self.scale}",
            f"{self.n_obs} ratings from {self.n_respondents} respondents"
            + (f" ({self.n_dropped} rows with missing values dropped)" if self.n_dropped else ""),
            f"moderation: {m.test} = {m.statistic:.2f} on "
            + (f"{m.df} df" if m.df_denom is None else f"{m.df} and {m.df_denom:g} df")
            + f", p = {m.p_value:.3g}",
        ]
        if self.crossover is not None:
            c = self.crossover
            lines.append(
                f"crossover at investment {c.estimate:.2f} "
                f"({self.level:.0%} CI {c.ci_low:.2f} to {c.ci_high:.2f}, Fieller): {c.direction}"
            )
        else:
            lines.append(self.crossover_message)
        if self.by_event is not None and len(self.by_event):
            lo, hi = self.by_event.iloc[0], self.by_event.iloc[-1]
            for row in (lo, hi):
                lines.append(
                    f"{row['event_id']} (investment {row['investment']:.1f}): emotive/tactile = "
                    f"{row['ratio']:.2f} ({self.level:.0%} CI {row['ratio_ci_low']:.2f} to "
                    f"{row['ratio_ci_high']:.2f}); {row['statement']}"
                )
        return "\n".join(lines)

    def plot(self, ax=None):
        """Both weight curves with CI bands, events on the investment axis, the crossover.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        """
        import seaborn as sns

        ax = new_ax(ax, (7.5, 4.8))
        pal = sns.color_palette("colorblind")
        t = self.table
        for kind, colour in (("tactile", pal[0]), ("emotive", pal[1])):
            ax.plot(t["investment"], t[f"{kind}_weight"], color=colour, lw=2, label=kind)
            ax.fill_between(
                t["investment"],
                t[f"{kind}_ci_low"],
                t[f"{kind}_ci_high"],
                color=colour,
                alpha=0.2,
                lw=0,
            )
        ax.axhline(0, color="0.6", lw=0.8)
        if self.crossover is not None:
            c = self.crossover
            lo, hi = self.investment_range
            ax.axvspan(max(c.ci_low, lo), min(c.ci_high, hi), color="0.85", alpha=0.5, lw=0)
            ax.axvline(
                c.estimate, color="0.25", ls="--", lw=1.2, label=f"crossover ({self.level:.0%} CI)"
            )
        if self.by_event is not None and len(self.by_event):
            ev = self.by_event
            for x in ev["investment"]:
                ax.axvline(x, color="0.5", lw=0.6, ls=":", zorder=0)
            x0, x1 = ax.get_xlim()
            spots = _spread(ev["investment"].to_numpy(float), 0.04 * (x1 - x0), x0, x1)
            for x, xs, name in zip(
                ev["investment"], spots, ev["event_id"].astype(str), strict=True
            ):
                ax.annotate(
                    name,
                    xy=(x, 1.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(xs, 1.06),
                    textcoords=("data", "axes fraction"),
                    rotation=60,
                    ha="left",
                    va="bottom",
                    fontsize=8,
                    rotation_mode="anchor",
                    arrowprops={
                        "arrowstyle": "-",
                        "color": "0.5",
                        "lw": 0.6,
                        "shrinkA": 0,
                        "shrinkB": 0,
                    },
                )
        ax.set_xlabel(f"personal investment ({self.variables['investment']})")
        unit = (
            "SD of outcome per SD"
            if self.scale.startswith("standardised")
            else "points per rating point"
        )
        ax.set_ylabel(f"weight on {self.variables['outcome']} ({unit})")
        ax.set_title(
            "Tactile and emotive weight by personal investment",
            pad=6
            if self.by_event is None
            else 20 + 4.2 * max(len(str(e)) for e in self.by_event["event_id"]),
        )
        ax.legend(loc="best", frameon=False)
        return ax


@dataclass(frozen=True, eq=False, repr=False)
class SegmentedInvestmentWeighting(Card):
    """Result of :func:`investment_weighting` with ``by=``: one model per segment.

    ``table``, ``by_event``, ``coefficients`` stack the segments (the ``by`` columns
    first); ``crossover`` and ``moderation`` are tables with one row per segment
    (``moderation``: ``test, statistic, df, df_denom, p_value, n``);
    ``fits`` maps each segment key to its :class:`InvestmentWeighting`.
    """

    fits: dict
    by: list[str]
    table: pd.DataFrame
    by_event: pd.DataFrame | None
    coefficients: pd.DataFrame
    crossover: pd.DataFrame
    moderation: pd.DataFrame
    scale: str

    def summary(self) -> pd.DataFrame:
        """One row per segment: ratings, moderation p-value, crossover and its interval."""
        rows = []
        for key, fit in self.fits.items():
            c = fit.crossover
            rows.append(
                {
                    "segment": key,
                    "n": fit.n_obs,
                    "moderation_p": fit.moderation.p_value,
                    "crossover": np.nan if c is None else c.estimate,
                    "crossover_ci_low": np.nan if c is None else c.ci_low,
                    "crossover_ci_high": np.nan if c is None else c.ci_high,
                }
            )
        return pd.DataFrame(rows)

    def describe(self) -> str:
        """One line per segment: moderation test, crossover, ratio at the extremes."""
        lines = [f"Investment weighting by {', '.join(self.by)} ({self.scale})"]
        for key, fit in self.fits.items():
            c = fit.crossover
            cross = (
                f"crossover {c.estimate:.2f} ({c.ci_low:.2f} to {c.ci_high:.2f})"
                if c is not None
                else "no crossover in range"
            )
            lines.append(
                f"{key}: n={fit.n_obs}, moderation p={fit.moderation.p_value:.3g}, {cross}"
            )
        return "\n".join(lines)

    def plot(self, ax=None):
        """Emotive/tactile ratio by investment for each segment, with CI bands.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        """
        import seaborn as sns

        ax = new_ax(ax, (7.5, 4.8))
        pal = sns.color_palette("colorblind", n_colors=max(len(self.fits), 3))
        finite = []
        styles = ["-", "--", "-.", ":"]
        for i, (colour, (key, fit)) in enumerate(zip(pal, self.fits.items(), strict=False)):
            t = fit.table
            ax.plot(
                t["investment"], t["ratio"], color=colour, lw=2, ls=styles[i % 4], label=str(key)
            )
            lo = t["ratio_ci_low"].clip(lower=-1e6)
            hi = t["ratio_ci_high"].clip(upper=1e6)
            ax.fill_between(t["investment"], lo, hi, color=colour, alpha=0.15, lw=0)
            finite.append(t["ratio"].to_numpy())
        ax.axhline(1.0, color="0.3", ls="--", lw=1)
        vals = np.concatenate(finite)
        vals = vals[np.isfinite(vals)]
        if vals.size:
            span = vals.max() - vals.min()
            ax.set_ylim(min(vals.min(), 1) - 0.2 * span, max(vals.max(), 1) + 0.3 * span)
        ax.set_xlabel("personal investment")
        ax.set_ylabel("emotive weight / tactile weight")
        ax.set_title(f"Emotive vs tactile weight by investment, by {', '.join(self.by)}")
        ax.legend(title=", ".join(self.by), frameon=False, fontsize=8)
        return ax


_METHOD_TEXT = {
    "cluster": "weighted least squares, standard errors clustered by respondent",
    "mixed": "linear mixed model, random intercept per respondent (REML)",
}


# --------------------------------------------------------------------------- helpers


def _spread(x: np.ndarray, gap: float, lo: float, hi: float) -> np.ndarray:
    """Label positions near ``x`` (sorted) at least ``gap`` apart, kept within [lo, hi]."""
    pos = np.array(x, dtype=float)
    for i in range(1, pos.size):
        pos[i] = max(pos[i], pos[i - 1] + gap)
    pos[-1:] = np.minimum(pos[-1:], hi)
    for i in range(pos.size - 2, -1, -1):
        pos[i] = min(pos[i], pos[i + 1] - gap)
    return np.maximum(pos, lo)


def _fit_one(
    frame: pd.DataFrame,
    v: dict,
    controls: list[str],
    method: str,
    weighted: bool,
    event: str | None,
    grid: int | Sequence[float],
    level: float,
    scale: str,
    n_dropped: int,
) -> InvestmentWeighting:
    """One model: the fit of :func:`cxlab._regression.estimate` as a result object."""
    return InvestmentWeighting(
        **estimate(frame, v, controls, method, weighted, event, grid, level, scale, n_dropped)
    )


# --------------------------------------------------------------------------- public


@renamed(min_respondents="min_base")
def investment_weighting(
    data: pd.DataFrame,
    outcome: str = "satisfaction",
    tactile: str = "tactile",
    emotive: str = "emotive",
    investment: str = "personal_investment",
    respondent: str = "respondent_id",
    weights: str | None = None,
    controls: Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
    method: str = "cluster",
    standardize: bool = False,
    *,
    event: str | None = "event_id",
    grid: int | Sequence[float] = 25,
    level: float = 0.95,
    min_base: int = 30,
    strata: str | None = None,
    cluster: str | None = None,
    fpc: str | None = None,
    lonely_psu: str = "fail",
) -> InvestmentWeighting | SegmentedInvestmentWeighting:
    """Weight of emotive and tactile performance as a function of personal investment.

    Fits ``outcome ~ tactile + emotive + investment + tactile:investment +
    emotive:investment (+ controls)`` on event-level data.

    Parameters
    ----------
    data : DataFrame
        One row per respondent x event, e.g. ``Survey.event_table()``.
    outcome, tactile, emotive, investment, respondent : str
        Column names of the event outcome, the tactile and emotive composites, personal
        investment and the respondent id (the cluster).
    weights : str, optional
        Survey-weight column (``"weight"`` in ``event_table()``); honoured by
        ``method="cluster"`` (weighted least squares, weighted sandwich).
    controls : list of str, optional
        Extra covariates; non-numeric ones are dummy-coded (first level dropped).
    by : str or list of str, optional
        Fit one model per segment (e.g. ``"channel"``, ``"country"``); returns a
        :class:`SegmentedInvestmentWeighting` stacking the segments.
    method : {"cluster", "mixed"}
        ``"cluster"``: WLS with standard errors clustered by respondent (CR1, as
        statsmodels ``cov_type="cluster"``), t reference with G-1 df. ``"mixed"``:
        random intercept per respondent (statsmodels MixedLM, REML), model-based
        standard errors, normal reference; survey weights cannot be honoured there.
    standardize : bool
        When true, the outcome and both composites are converted to weighted z-scores
        (over all rows used) so weights are standardised coefficients; investment stays
        on its raw scale so the investment axis and crossover remain readable.
    event : str or None
        Event-id column for ``by_event`` (skipped when absent).
    grid : int or sequence of float
        Investment grid for ``table``: a number of equally spaced points over the
        observed range, or the points themselves.
    level : float
        Confidence level of every interval.
    min_base : int
        Minimum base (respondents with complete ratings). Without ``by``, a smaller
        base raises :class:`~cxlab.errors.ModelError`; with ``by``, segments with
        fewer respondents are skipped (SuppressionWarning).
    strata, cluster, fpc : str, optional
        The sample design (``method="cluster"`` only): strata, primary sampling units
        (default the respondents) and finite-population correction, as in
        :func:`cxlab.estimates.weighted_mean`. The sandwich's meat is then the design
        covariance of the PSU score totals (:func:`cxlab._stats.cluster_wls`, as R
        survey's ``svyglm``); incomplete rows and other segments stay in the design.
    lonely_psu : {"fail", "adjust", "certainty"}
        What a stratum with one PSU does.

    Returns
    -------
    InvestmentWeighting or SegmentedInvestmentWeighting
        Ratio and crossover intervals are **Fieller** intervals (exact for a ratio of
        asymptotically normal estimates; unbounded, reported as -inf/inf, when the
        denominator is not clearly non-zero). Weight intervals are Wald intervals.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 4000
    >>> df = pd.DataFrame({"respondent_id": rng.integers(0, 800, n),
    ...                    "tactile": rng.integers(1, 11, n), "emotive": rng.integers(1, 11, n),
    ...                    "personal_investment": rng.integers(1, 11, n)}).astype(float)
    >>> pi = df.personal_investment
    >>> df["satisfaction"] = ((0.5 - 0.02 * pi) * df.tactile + (0.1 + 0.04 * pi) * df.emotive
    ...                       + rng.normal(size=n))
    >>> res = investment_weighting(df)
    >>> 5 < res.crossover.estimate < 8.5
    True
    """
    if method not in ("cluster", "mixed"):
        raise ParameterError(f"method must be 'cluster' or 'mixed', not {method!r}")
    if not 0 < level < 1:
        raise ParameterError(f"level must be between 0 and 1, not {level!r}")
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data must be a pandas DataFrame (e.g. survey.event_table())")
    controls = [controls] if isinstance(controls, str) else list(controls or [])
    by_cols = [by] if isinstance(by, str) else list(by or [])
    v = {
        "outcome": outcome,
        "tactile": tactile,
        "emotive": emotive,
        "investment": investment,
        "respondent": respondent,
        "weights": weights,
    }
    model_cols = [outcome, tactile, emotive, investment]
    needed = model_cols + [respondent] + controls + by_cols + ([weights] if weights else [])
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise DataError("column not found in the data", column=missing)
    for c in model_cols + ([weights] if weights else []):
        if not pd.api.types.is_numeric_dtype(data[c]):
            raise DataError("the investment model needs a numeric column here", column=c)
    use_event = event if (event is not None and event in data.columns) else None
    keep_cols = list(dict.fromkeys(needed + ([use_event] if use_event else [])))
    frame = data[keep_cols]
    v["design"] = None
    if strata is not None or cluster is not None or fpc is not None:
        if method != "cluster":
            raise ParameterError("a sample design (strata, cluster, fpc) needs method='cluster'")
        v["design"] = sample_design(
            data, strata=strata, cluster=cluster or respondent, fpc=fpc, lonely_psu=lonely_psu
        )
        frame = frame.assign(_psu=v["design"].psu)
    # complete rows, column by column (no copy of the frame when every row is complete)
    ok = np.ones(len(frame), dtype=bool)
    for c in dict.fromkeys(c for c in needed if c not in by_cols):
        if c in model_cols:
            ok &= np.isfinite(frame[c].to_numpy(dtype=float, na_value=np.nan))
        else:
            ok &= frame[c].notna().to_numpy()
    n_dropped = int((~ok).sum())
    frame = frame.loc[ok].reset_index(drop=True) if n_dropped else frame.reset_index(drop=True)
    weighted = weights is not None
    if weighted:
        wv = check_weights(frame[weights], weights)
        if method == "mixed" and not np.allclose(wv, wv[0]):
            warnings.warn(
                "the mixed model cannot honour survey weights; it was fitted unweighted "
                "(use method='cluster' for a design-weighted estimate)",
                CxlabWarning,
                stacklevel=2,
            )
    if len(frame) == 0:
        raise ModelError("no complete rows to fit", column=model_cols)

    if standardize:
        w = frame[weights].to_numpy(float) if weighted else np.ones(len(frame))
        frame = frame.copy()
        for c in (outcome, tactile, emotive):
            x = frame[c].to_numpy(float)
            m = np.average(x, weights=w)
            sd = np.sqrt(np.average((x - m) ** 2, weights=w))
            if not sd > 0:
                raise ModelError("cannot standardise a column that does not vary", column=c)
            frame[c] = (x - m) / sd
        scale = (
            f"standardised ({outcome}, {tactile} and {emotive} as weighted z-scores; "
            f"{investment} raw)"
        )
    else:
        scale = "raw (rating scales as given)"

    args = (controls, method, weighted, use_event, grid, level, scale)
    if not by_cols:
        n_resp = int(frame[respondent].nunique())
        if n_resp < min_base:
            raise ModelError(
                f"{n_resp} respondents with complete ratings: below the minimum base of "
                f"min_base={min_base} for the investment model",
                column=respondent,
            )
        return _fit_one(frame, v, *args, n_dropped)

    fits, tables, events, coefs, cross, mods = {}, [], [], [], [], []
    for key, part in frame.groupby(by_cols, observed=True, sort=True, dropna=True):
        key = key if len(by_cols) > 1 else key[0]
        label = dict(zip(by_cols, key if len(by_cols) > 1 else (key,), strict=True))
        n_resp = part[respondent].nunique()
        if n_resp < min_base:
            warnings.warn(
                f"segment {label} skipped: {n_resp} respondents (minimum {min_base})",
                SuppressionWarning,
                stacklevel=2,
            )
            continue
        try:
            fit = _fit_one(part.reset_index(drop=True), v, *args, 0)
        except ModelError as err:
            warnings.warn(f"segment {label} skipped: {err}", SuppressionWarning, stacklevel=2)
            continue
        fits[key] = fit

        def tag(df, label=label):
            df = df.copy()
            for i, (col, val) in enumerate(label.items()):
                df.insert(i, col, val)
            return df

        tables.append(tag(fit.table))
        coefs.append(tag(fit.coefficients))
        if fit.by_event is not None:
            events.append(tag(fit.by_event))
        c = fit.crossover
        cross.append(
            {
                **label,
                "estimate": np.nan if c is None else c.estimate,
                "ci_low": np.nan if c is None else c.ci_low,
                "ci_high": np.nan if c is None else c.ci_high,
                "message": fit.crossover_message,
            }
        )
        m = fit.moderation
        mods.append(
            {
                **label,
                "test": m.test,
                "statistic": m.statistic,
                "df": m.df,
                "df_denom": np.nan if m.df_denom is None else m.df_denom,
                "p_value": m.p_value,
                "n": fit.n_obs,
            }
        )
    if not fits:
        raise ModelError(f"no segment of {by_cols} could be fitted", column=by_cols)
    return SegmentedInvestmentWeighting(
        fits=fits,
        by=by_cols,
        table=pd.concat(tables, ignore_index=True),
        by_event=pd.concat(events, ignore_index=True) if events else None,
        coefficients=pd.concat(coefs, ignore_index=True),
        crossover=pd.DataFrame(cross),
        moderation=pd.DataFrame(mods),
        scale=scale,
    )
