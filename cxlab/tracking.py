"""Tracking: what changed between survey waves, why, and whether the actions worked.

The framework's programme is a cycle: measure, act on the moments of truth, measure
again and respond. This module holds the statistics of the "measure again" step,
for a :class:`~cxlab.Survey` with a ``wave`` column (:mod:`cxlab.waves`):

* :func:`compare_waves` - a metric per wave (and per event or segment) with its
  change against the previous wave (or a chosen base wave), confidence interval,
  p-value and Holm-adjusted p-value;
* :func:`rake_waves` - each wave raked to its own margins;
* :func:`shift_share` - a change in a total figure split exactly into the change
  within segments and the change in segment mix;
* :func:`action_followup` - did the actions chosen in wave t (the
  :func:`cxlab.priorities.prioritize` table) work by wave t+1: a
  difference-in-differences of acted-on events against the others, and a verdict per
  event.

Standard errors are design-based (Taylor linearisation, as in
:mod:`cxlab.estimates`): the respondent is the cluster, so the several events one
respondent rates in a wave are not counted as independent; different waves are
independent samples.

Examples
--------
>>> from cxlab.synth import make_waves
>>> from cxlab.tracking import compare_waves
>>> survey, truth = make_waves("banking", n_waves=2, n_respondents=300, seed=0)
>>> table = compare_waves(survey, metric="satisfaction", by="event_id")
>>> table.loc[table["wave"] == "W2", ["event_id", "change", "significant"]].shape
(7, 3)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._stats import critical, holm
from cxlab._style import OKABE_ITO, new_ax
from cxlab.comparisons import compare
from cxlab.display import Card
from cxlab.errors import DataError, ParameterError, SuppressionWarning
from cxlab.estimates import weighted_mean
from cxlab.segments import advocacy_cuts, agitator_flags, classify_advocacy, net_advocacy
from cxlab.waves import waves_of

__all__ = [
    "EVENT_METRICS",
    "METRICS",
    "ACTION_INTENT",
    "VERDICTS",
    "compare_waves",
    "rake_waves",
    "advocacy_score",
    "shift_share",
    "ShiftShare",
    "action_followup",
    "ActionFollowUp",
]

#: metrics measured per event (columns of ``survey.event_table()``)
EVENT_METRICS = ("satisfaction", "tactile", "emotive", "performance", "brand_gap", "baseline_gap")
#: every named metric; any other numeric column of the event table or the
#: respondents is compared as a mean
METRICS = (*EVENT_METRICS, "net_advocacy", "segment_shares")
#: the direction of satisfaction each course of action intends ("hold": right-sizing
#: spends less on an event, so its satisfaction should not fall)
ACTION_INTENT = {"fix": "up", "basics": "up", "delight": "up", "right-size": "hold"}
VERDICTS = ("moved as intended", "not yet", "worse", "not assessed")

_COLUMNS = [
    "metric",
    "wave",
    "estimate",
    "estimate_ci_low",
    "estimate_ci_high",
    "compared_with",
    "change",
    "se",
    "df",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "significant",
    "n",
    "n_compared",
    "suppressed",
]


# --------------------------------------------------------------------- weighting
def rake_waves(
    survey,
    margins: Mapping,
    *,
    wave: str = "wave",
    weights: str | None = "weight",
):
    """Rake each wave to its own margins (:func:`cxlab.weighting.rake` per wave).

    Parameters
    ----------
    survey : Survey
        With a ``wave`` column.
    margins : dict
        ``{variable: {category: share}}`` (every wave raked to the same population),
        or ``{wave: {variable: {category: share}}}`` (one set per wave; every wave
        must have one).
    wave : str
        The wave column.
    weights : str or None
        Design weights raking starts from (None: 1).

    Returns
    -------
    (Survey, DataFrame)
        The reweighted survey, and one row per wave: ``wave, n, converged,
        design_effect, n_effective, max_margin_error``.

    Raises
    ------
    ParameterError
        Per-wave margins missing a wave.
    cxlab.errors.ModelError
        Margins a wave cannot meet (from :func:`cxlab.weighting.rake`).

    Examples
    --------
    >>> from cxlab.synth import make_waves
    >>> s, truth = make_waves("banking", n_waves=2, n_respondents=200, changes={})
    >>> raked, table = rake_waves(s, truth["population_margins"])
    >>> bool(table["converged"].all())
    True
    """
    from cxlab.weighting import rake

    labels = waves_of(survey, wave)
    if not isinstance(margins, Mapping) or not margins:
        raise ParameterError("margins map variable -> {category: share}", location="margins")
    per_wave = set(map(str, margins)) <= set(labels)
    if per_wave:
        absent = [w for w in labels if w not in set(map(str, margins))]
        if absent:
            raise ParameterError(
                f"per-wave margins give no targets for wave(s) {absent}", location="margins"
            )
    resp = survey.respondents
    w = np.ones(len(resp)) if weights is None else resp[weights].to_numpy(dtype=float).copy()
    rows = []
    labels_col = resp[wave].astype(str).to_numpy()
    for label in labels:
        mask = labels_col == label
        targets = {str(k): v for k, v in margins.items()}[label] if per_wave else margins
        part = resp.loc[mask].reset_index(drop=True)
        res = rake(part, targets, weights=None if weights is None else weights)
        w[mask] = res.weights.to_numpy()
        rows.append(
            {
                "wave": label,
                "n": int(mask.sum()),
                "converged": bool(res.converged),
                "design_effect": float(res.design_effect),
                "n_effective": float(res.n_effective),
                "max_margin_error": float(res.max_margin_error),
            }
        )
    return survey.with_weights(w), pd.DataFrame(rows)


# --------------------------------------------------------------------- metrics
def advocacy_score(survey) -> pd.Series:
    """Each respondent's advocacy score: +100 advocate, 0 neutral, -100 antagonist or
    agitator (NaN without a recommend answer); its weighted mean is net advocacy.

    Cut points come from the codebook's ``recommend`` item
    (:func:`cxlab.segments.advocacy_cuts`); agitators from ``complained`` /
    ``warned_others`` when the survey has them.

    Parameters
    ----------
    survey : Survey
        A survey with a ``recommend`` respondent column.

    Returns
    -------
    pandas.Series
        ``advocacy_score``, indexed like ``survey.respondents``.

    Raises
    ------
    DataError
        The survey has no ``recommend`` column.
    """
    resp = survey.respondents
    if "recommend" not in resp.columns:
        raise DataError("net advocacy needs a likelihood-to-recommend item", column="recommend")
    groups = advocacy_groups(survey)
    score = pd.Series(np.nan, index=resp.index, name="advocacy_score")
    score[groups.isin(["advocate"])] = 100.0
    score[groups.isin(["neutral"])] = 0.0
    score[groups.isin(["antagonist", "agitator"])] = -100.0
    return score


def advocacy_groups(survey) -> pd.Series:
    """Advocacy group of each respondent, classified as the client report does."""
    resp = survey.respondents
    item = (getattr(survey.codebook, "respondent_items", {}) or {}).get("recommend")
    cuts = advocacy_cuts(item)
    return classify_advocacy(
        resp["recommend"], agitator=agitator_flags(resp), scale=cuts.scale, cuts=cuts.cuts
    )


def _keys(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _prepare(survey, metric, by, wave, margins, weights):
    if margins is not None:
        survey, _ = rake_waves(survey, margins, wave=wave, weights=weights)
    labels = waves_of(survey, wave)
    keys = _keys(by)
    et_cols = set(survey.event_table().columns) if len(survey.events) else set()
    resp = survey.respondents
    if metric in EVENT_METRICS or (metric in et_cols and metric not in resp.columns):
        data = survey.event_table()
        if data.empty:
            raise DataError("the survey has no customer events", column=metric)
        for k in keys:
            if k not in data.columns:
                if k not in resp.columns:
                    raise DataError("grouping column not found", column=k)
                data[k] = data["respondent_id"].map(resp.set_index("respondent_id")[k]).values
    elif metric in ("net_advocacy", "segment_shares") or metric in resp.columns:
        data = resp.copy()
        if "event_id" in keys:
            raise ParameterError(
                f"{metric} is measured per respondent, not per event: pass by=None or a "
                "respondent column (e.g. by='country')",
                location="by",
            )
        if metric == "net_advocacy":
            data["advocacy_score"] = advocacy_score(survey).to_numpy()
        if "advocacy_group" in keys and "advocacy_group" not in data.columns:
            data["advocacy_group"] = advocacy_groups(survey).to_numpy()
        for k in keys:
            if k not in data.columns:
                raise DataError("grouping column not found", column=k)
    else:
        raise ParameterError(
            f"unknown metric {metric!r}: one of {list(METRICS)} or a numeric column of the "
            "event table or the respondents",
            location="metric",
        )
    return survey, data, labels, keys


def compare_waves(
    survey,
    metric: str = "satisfaction",
    by: str | Sequence[str] | None = "event_id",
    wave: str = "wave",
    base: str | None = None,
    weights: str | None = "weight",
    min_base: float = 30,
    level: float = 0.95,
    *,
    margins: Mapping | None = None,
) -> pd.DataFrame:
    """A metric per wave with its change from the previous (or a base) wave.

    Parameters
    ----------
    survey : Survey
        With a ``wave`` column (:mod:`cxlab.waves`).
    metric : str
        ``"satisfaction"`` (with an event), ``"tactile"``, ``"emotive"``,
        ``"performance"`` (tactile and emotive performance), ``"brand_gap"``,
        ``"baseline_gap"`` (expectation gaps: performance minus expectation),
        ``"net_advocacy"`` (percent advocates minus percent antagonists and agitators),
        ``"segment_shares"`` (the share of each level of ``by``, e.g.
        ``by="advocacy_group"`` or ``by="life_stage"``), or any other numeric column of
        the event table or the respondents (its weighted mean).
    by : str or list of str, optional
        Groups compared separately: ``"event_id"`` for the event metrics, None or a
        respondent column for respondent metrics; for ``"segment_shares"`` the
        segmentation whose shares are tracked.
    wave : str
        The wave column.
    base : str, optional
        Compare every wave with this wave; None: each wave with the one before it.
    weights : str or None
        Weight column (None: unweighted).
    min_base : float
        A wave-group with fewer respondents is suppressed: its ``n`` is kept, every
        other number is NaN (and changes involving it are NaN).
    level : float
        Confidence level of the intervals; a change is ``significant`` when its
        ``p_adjusted`` is below ``1 - level``.
    margins : dict, optional
        Rake each wave to its own margins first (see :func:`rake_waves`).

    Returns
    -------
    DataFrame
        One row per wave x group: ``metric, wave, by columns..., estimate,
        estimate_ci_low, estimate_ci_high`` (the level and its interval),
        ``compared_with`` (the previous or base wave), ``change`` (this wave minus
        ``compared_with``), ``se, df, ci_low, ci_high`` (the change's standard error,
        Welch-Satterthwaite degrees of freedom and t interval), ``p_value``,
        ``p_adjusted``, ``significant``, ``n`` (respondents with data),
        ``n_compared``, ``suppressed``. The first (or base) wave has no change.

    Notes
    -----
    Changes are :func:`cxlab.comparisons.compare` tests: linearised variances,
    respondent-clustered (a respondent rating several events is one cluster), waves
    independent. Net-advocacy changes compare the mean advocacy score (+100 / 0 /
    -100, :func:`advocacy_score`); its levels are :func:`cxlab.segments.net_advocacy`.
    Segment shares are weighted proportions.

    **Multiple testing family**: ``p_adjusted`` is Holm's step-down adjustment over
    every change in the returned table: all waves compared x all groups (events or
    segment levels) of this one metric. Call once per metric; the report states that
    each metric's table is one family.

    Examples
    --------
    >>> from cxlab.synth import make_waves
    >>> s, _ = make_waves("banking", n_waves=3, n_respondents=200, seed=2)
    >>> t = compare_waves(s, "net_advocacy", by=None, base="W1")
    >>> t["compared_with"].tolist()
    [None, 'W1', 'W1']
    """

    if not 0 < level < 1:
        raise ParameterError(f"level must be between 0 and 1, got {level!r}", location="level")
    survey, data, labels, keys = _prepare(survey, metric, by, wave, margins, weights)
    if base is not None and str(base) not in labels:
        raise ParameterError(f"base wave {base!r} is not among the waves {labels}", location="base")
    if metric == "segment_shares" and len(keys) != 1:
        raise ParameterError(
            "segment_shares tracks the shares of one segmentation: pass by='<column>'",
            location="by",
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)  # one summary warning below
        if metric == "segment_shares":
            parts = []
            col = keys[0]
            for cat in data[col].dropna().unique().tolist():
                lev, chg = _mean_tables(
                    data, col, [], wave, weights, min_base, level, "proportion", cat
                )
                parts.append((lev.assign(**{col: cat}), chg.assign(**{col: cat})))
            levels = pd.concat([p[0] for p in parts], ignore_index=True)
            changes = pd.concat([p[1] for p in parts], ignore_index=True)
        elif metric == "net_advocacy":
            lev, changes = _mean_tables(
                data, "advocacy_score", keys, wave, weights, min_base, level, "mean", None
            )
            na = net_advocacy(
                data["recommend"].where(data["advocacy_score"].notna()),
                None if weights is None else data[weights],
                by=[data[wave], *[data[k] for k in keys]],
                min_base=min_base,
                level=level,
                **_advocacy_kwargs(survey),
            )
            levels = na.rename(columns={"value": "estimate"})[[wave, *keys, "estimate",
                                                               "ci_low", "ci_high", "n"]]  # fmt: skip
        else:
            levels, changes = _mean_tables(
                data, metric, keys, wave, weights, min_base, level, "mean", None
            )
    table = _assemble(levels, changes, labels, keys, wave, base, min_base)
    p = table["p_value"].to_numpy(dtype=float)
    ok = np.isfinite(p)
    table["p_adjusted"] = np.nan
    if ok.any():
        table.loc[ok, "p_adjusted"] = holm(p[ok])
    table["significant"] = table["p_adjusted"] < (1 - level)
    table.insert(0, "metric", metric)
    n_small = int(table["suppressed"].sum())
    if n_small:
        warnings.warn(
            f"compare_waves({metric!r}): {n_small} wave-group(s) below the minimum base of "
            f"{min_base:g} respondents suppressed",
            SuppressionWarning,
            stacklevel=2,
        )
    cols = [c for c in _COLUMNS if c not in ("metric", "wave")]
    return table[["metric", "wave", *keys, *cols]].reset_index(drop=True)


def _advocacy_kwargs(survey) -> dict:
    item = (getattr(survey.codebook, "respondent_items", {}) or {}).get("recommend")
    cuts = advocacy_cuts(item)
    return {"agitator": agitator_flags(survey.respondents), "scale": cuts.scale, "cuts": cuts.cuts}


def _mean_tables(data, column, keys, wave, weights, min_base, level, stat, value):
    """(levels, all-pairs changes) of one column by wave (and keys)."""
    if stat == "proportion":
        y = (data[column] == value).astype(float).where(data[column].notna())
        data = data.assign(_share=y)
        column = "_share"
    lev = weighted_mean(
        data, column, by=[wave, *keys], weights=weights, min_base=min_base, level=level
    )
    chg = compare(
        data,
        column,
        by=wave,
        within=keys or None,
        weights=weights,
        min_base=min_base,
        level=level,
        method=None,
    )
    return lev, chg


def _assemble(levels, changes, labels, keys, wave, base, min_base) -> pd.DataFrame:
    lev = levels.copy()
    lev[wave] = lev[wave].astype(str)
    lev = lev.rename(columns={"ci_low": "estimate_ci_low", "ci_high": "estimate_ci_high"})
    if "suppressed" not in lev.columns:
        lev["suppressed"] = lev["n"] < min_base
    pairs = {}
    for row in changes.to_dict("records"):
        a, b = str(row["group_a"]), str(row["group_b"])
        k = tuple(row[c] for c in keys)
        pairs[(k, a, b)] = row
    out = []
    for row in lev.to_dict("records"):
        label = row[wave]
        i = labels.index(label)
        ref = base if base is not None else (labels[i - 1] if i > 0 else None)
        if ref is not None and str(ref) == label:
            ref = None
        rec = {"wave": label, **{c: row[c] for c in keys}}
        rec.update(
            estimate=row["estimate"],
            estimate_ci_low=row["estimate_ci_low"],
            estimate_ci_high=row["estimate_ci_high"],
            compared_with=ref,
            n=int(row["n"]),
            suppressed=bool(row["suppressed"]),
        )
        k = tuple(row[c] for c in keys)
        pair = None
        sign = 1.0
        if ref is not None:
            if (k, ref, label) in pairs:  # difference = ref - label
                pair, sign = pairs[(k, ref, label)], -1.0
            elif (k, label, ref) in pairs:
                pair = pairs[(k, label, ref)]
        if pair is not None:
            ci = (pair["ci_low"], pair["ci_high"])
            rec.update(
                change=-pair["difference"] if sign < 0 else pair["difference"],
                se=pair["se"],
                df=pair["df"],
                ci_low=-ci[1] if sign < 0 else ci[0],
                ci_high=-ci[0] if sign < 0 else ci[1],
                p_value=pair["p_value"],
                n_compared=int(pair["n_a"] if sign < 0 else pair["n_b"]),
            )
        else:
            rec.update(change=np.nan, se=np.nan, df=np.nan, ci_low=np.nan, ci_high=np.nan,
                       p_value=np.nan, n_compared=np.nan)  # fmt: skip
        if rec["suppressed"]:
            for c in ("estimate", "estimate_ci_low", "estimate_ci_high", "change", "se", "df",
                      "ci_low", "ci_high", "p_value"):  # fmt: skip
                rec[c] = np.nan
        out.append(rec)
    table = pd.DataFrame(out)
    table["compared_with"] = (
        table["compared_with"].astype(object).where(table["compared_with"].notna(), None)
    )
    order = {w: i for i, w in enumerate(labels)}
    table["_w"] = table["wave"].map(order)
    table = table.sort_values([*keys, "_w"], kind="stable").drop(columns="_w")
    table["n_compared"] = table["n_compared"].astype("Int64")
    return table.reset_index(drop=True)


# --------------------------------------------------------------------- shift-share
@dataclass(frozen=True, repr=False)
class ShiftShare(Card):
    """A change in a total figure split into within-segment change and mix change.

    ``table`` has one row per segment: ``segment, n_start, n_end, share_start,
    share_end, value_start, value_end, within, mix, total`` (shares as proportions,
    values in the metric's unit). ``change = within + mix`` exactly, where
    ``within = sum_s (share_start + share_end) / 2 * (value_end - value_start)`` and
    ``mix = sum_s (value_start + value_end) / 2 * (share_end - share_start)``.
    """

    table: pd.DataFrame
    metric: str
    segment: str
    start: str
    end: str
    total_start: float
    total_end: float
    change: float
    within: float
    mix: float
    min_base: float

    def summary(self) -> pd.DataFrame:
        """``component, value``: start, end, change, within segments, segment mix."""
        return pd.DataFrame(
            {
                "component": [
                    f"{self.metric} in {self.start}",
                    f"{self.metric} in {self.end}",
                    "change",
                    "change within segments",
                    "change in segment mix",
                ],
                "value": [self.total_start, self.total_end, self.change, self.within, self.mix],
            }
        )

    def plot(self, ax=None):
        """Bars: the change, its within-segment part and its mix part, and each
        segment's contribution to both.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw. Default: a new figure.

        Returns
        -------
        matplotlib Axes
        """

        t = self.table[~self.table["suppressed"]]
        labels = ["Total change", "Within segments", "Segment mix"]
        values = [self.change, self.within, self.mix]
        if ax is None:
            ax = new_ax(size=(8, 1.0 + 0.45 * (3 + 2 * len(t))))
        rows = list(zip(labels, values, strict=True))
        for r in t.itertuples():
            rows.append((f"  {r.segment}: within", r.within))
            rows.append((f"  {r.segment}: mix", r.mix))
        y = np.arange(len(rows))[::-1]
        vals = np.array([v for _, v in rows], dtype=float)
        colors = ["#333333", OKABE_ITO["blue"], OKABE_ITO["orange"]] + [
            "#56B4E9" if "within" in lab else "#F0E442" for lab, _ in rows[3:]
        ]
        ax.barh(y, vals, color=colors, height=0.6)
        ax.set_yticks(y, [lab for lab, _ in rows], fontsize=9)
        ax.axvline(0, color="#555555", linewidth=0.8)
        for yi, v in zip(y, vals, strict=True):
            ax.annotate(f"{v:+.2f}", (v, yi), xytext=(4 if v >= 0 else -4, 0),
                        textcoords="offset points", va="center",
                        ha="left" if v >= 0 else "right", fontsize=8)  # fmt: skip
        metric, segment = self.metric.replace("_", " "), self.segment.replace("_", " ")
        ax.set_xlabel(f"Change in {metric}, {self.start} to {self.end}")
        ax.set_title(f"Why {metric} moved: change within {segment} groups vs change in their mix")
        lo, hi = min(vals.min(), 0), max(vals.max(), 0)
        pad = 0.15 * (hi - lo or 1)
        ax.set_xlim(lo - pad, hi + pad)
        ax.figure.tight_layout()
        return ax


def shift_share(
    survey,
    segment: str,
    metric: str = "net_advocacy",
    *,
    start: str | None = None,
    end: str | None = None,
    wave: str = "wave",
    weights: str | None = "weight",
    min_base: float = 30,
    margins: Mapping | None = None,
) -> ShiftShare:
    """Split the change in a total figure between two waves into the change within
    segments and the change in the segments' mix (shift-share).

    The total figure is a weighted mean over respondents (net advocacy: of the
    advocacy score), so it is ``sum_s share_s x value_s`` over the segments of
    ``segment``; the change is split with the symmetric (midpoint) weights, which
    sum exactly to the total change with no interaction term.

    Parameters
    ----------
    survey : Survey
        With a ``wave`` column.
    segment : str
        A respondent column (e.g. ``"age_band"``, ``"life_stage"``, ``"country"``);
        respondents without a value form a ``"(missing)"`` segment.
    metric : str
        ``"net_advocacy"`` or a numeric respondent column (its weighted mean).
    start, end : str, optional
        The waves compared; default the last two waves.
    wave, weights, margins
        As in :func:`compare_waves`.
    min_base : float
        A segment with fewer respondents in either wave shows no values (its ``n`` is
        kept); it is still part of the totals, which sum exactly.

    Returns
    -------
    ShiftShare

    Examples
    --------
    >>> from cxlab.synth import make_waves
    >>> s, _ = make_waves("banking", n_waves=2, n_respondents=300, changes={},
    ...                   mix={"W2": {"age_band": {"18-29": 0.2, "30-44": 0.3, "45-65": 0.5}}})
    >>> r = shift_share(s, "age_band")
    >>> abs(r.within + r.mix - r.change) < 1e-12
    True
    """
    if margins is not None:
        survey, _ = rake_waves(survey, margins, wave=wave, weights=weights)
    labels = waves_of(survey, wave)
    if len(labels) < 2:
        raise DataError("a change needs two waves", column=wave)
    start = labels[-2] if start is None else str(start)
    end = labels[-1] if end is None else str(end)
    for name, value in (("start", start), ("end", end)):
        if value not in labels:
            raise ParameterError(f"wave {value!r} is not among {labels}", location=name)
    resp = survey.respondents
    if segment not in resp.columns:
        raise DataError("segment column not found", column=segment)
    if metric == "net_advocacy":
        y = advocacy_score(survey).to_numpy(dtype=float)
    elif metric in resp.columns:
        y = pd.to_numeric(resp[metric], errors="coerce").to_numpy(dtype=float)
    else:
        raise ParameterError(
            "metric is 'net_advocacy' or a numeric respondent column", location="metric"
        )
    w = np.ones(len(resp)) if weights is None else resp[weights].to_numpy(dtype=float)
    seg = resp[segment].astype(object).where(resp[segment].notna(), "(missing)").astype(str)
    waves = resp[wave].astype(str).to_numpy()
    ok = np.isfinite(y)
    frame = pd.DataFrame({"seg": seg.to_numpy(), "wave": waves, "y": y, "w": w})[ok]
    out = {}
    for label in (start, end):
        f = frame[frame["wave"] == label]
        total_w = f["w"].sum()
        g = f.assign(wy=f["w"] * f["y"]).groupby("seg", sort=False)
        out[label] = pd.DataFrame(
            {"n": g.size(), "share": g["w"].sum() / total_w, "value": g["wy"].sum() / g["w"].sum()}
        )
        out[label].attrs["total"] = float((f["w"] * f["y"]).sum() / total_w)
    a, b = out[start], out[end]
    segs = list(dict.fromkeys([*a.index, *b.index]))
    if isinstance(resp[segment].dtype, pd.CategoricalDtype):
        order = [str(c) for c in resp[segment].cat.categories]
        segs = [s for s in order if s in segs] + [s for s in segs if s not in order]
    a, b = a.reindex(segs), b.reindex(segs)
    n_a = a["n"].fillna(0).astype(int).to_numpy()
    n_b = b["n"].fillna(0).astype(int).to_numpy()
    sa, sb = a["share"].fillna(0).to_numpy(), b["share"].fillna(0).to_numpy()
    va, vb = a["value"].to_numpy(), b["value"].to_numpy()
    # a segment present in one wave only: its value there stands for both (no within part)
    va_f = np.where(np.isnan(va), vb, va)
    vb_f = np.where(np.isnan(vb), va, vb)
    within = (sa + sb) / 2 * (vb_f - va_f)
    mix = (va_f + vb_f) / 2 * (sb - sa)
    table = pd.DataFrame(
        {
            "segment": segs,
            "n_start": n_a,
            "n_end": n_b,
            "share_start": sa,
            "share_end": sb,
            "value_start": va,
            "value_end": vb,
            "within": within,
            "mix": mix,
            "total": within + mix,
        }
    )
    small = (n_a < min_base) | (n_b < min_base)
    table["suppressed"] = small
    total_start, total_end = out[start].attrs["total"], out[end].attrs["total"]
    result = ShiftShare(
        table=table.copy(),
        metric=metric,
        segment=segment,
        start=start,
        end=end,
        total_start=total_start,
        total_end=total_end,
        change=total_end - total_start,
        within=float(within.sum()),
        mix=float(mix.sum()),
        min_base=min_base,
    )
    shown = result.table
    shown.loc[small, ["share_start", "share_end", "value_start", "value_end", "within", "mix",
                      "total"]] = np.nan  # fmt: skip
    return result


# --------------------------------------------------------------------- did the actions work
@dataclass(frozen=True, repr=False)
class ActionFollowUp(Card):
    """Did the actions of wave ``start`` work by wave ``end``?

    ``effect`` is one row: ``estimate`` (the difference-in-differences: change at the
    acted-on events minus change at the others, in the metric's points), ``se, df,
    ci_low, ci_high, p_value``, ``change_acted, change_other`` (pooled over the
    events' ratings), ``n_acted_events, n_other_events, n`` (respondents).
    ``table`` has one row per acted-on event: ``event_id, name, action, intended,
    estimate_start, estimate_end, change, change_ci_low, change_ci_high,
    change_p_value, change_p_adjusted, did, se, df, ci_low, ci_high, p_value,
    p_adjusted`` (both Holm over the acted-on events), ``verdict`` and ``evidence``
    (the numbers in words).
    """

    effect: pd.DataFrame
    table: pd.DataFrame
    metric: str
    start: str
    end: str
    level: float

    def summary(self) -> pd.DataFrame:
        """The effect row and the count of each verdict."""
        counts = self.table["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)
        return pd.concat(
            [
                self.effect.assign(what="difference-in-differences"),
                pd.DataFrame(
                    {
                        "what": [f"events {v}" for v in counts.index],
                        "estimate": counts.to_numpy(dtype=float),
                    }
                ),  # fmt: skip
            ],
            ignore_index=True,
        )

    def plot(self, ax=None):
        """Per acted-on event: its change relative to the other events (the event's
        difference-in-differences) with its interval, coloured by verdict.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw. Default: a new figure.

        Returns
        -------
        matplotlib Axes
        """

        t = self.table.dropna(subset=["did"])
        if ax is None:
            ax = new_ax(size=(10, 1.8 + 0.55 * max(len(t), 1)))
        colors = {"moved as intended": "#009E73", "not yet": "#999999", "worse": "#D55E00"}
        y = np.arange(len(t))[::-1]
        for yi, r in zip(y, t.itertuples(), strict=True):
            c = colors.get(r.verdict, "#999999")
            ax.errorbar(r.did, yi, xerr=[[r.did - r.ci_low], [r.ci_high - r.did]], fmt="o",
                        color=c, ecolor=c, capsize=3)  # fmt: skip
        ax.set_yticks(y, [f"{r.name} ({r.action}): {r.verdict}" for r in t.itertuples()],
                      fontsize=9)  # fmt: skip
        ax.axvline(0, color="#555555", linewidth=0.8)
        e = self.effect.iloc[0]
        ax.set_xlabel(
            f"Change in {self.metric.replace('_', ' ')}, {self.start} to {self.end}, minus the "
            f"change at the events not acted on ({self.level:.0%} interval)"
        )
        ax.set_title(
            f"Did the actions of {self.start} work? The acted-on events moved "
            f"{e['estimate']:+.2f} points more than the others\n(each event: its own change "
            "minus the others'; verdict from its own change, see the table)",
            fontsize=10,
        )
        ax.figure.tight_layout()
        return ax


def _did(frame: pd.DataFrame, treated: np.ndarray, control: np.ndarray, post: np.ndarray,
         level: float) -> dict:  # fmt: skip
    """Difference-in-differences of cell means with a respondent-clustered SE.

    Cell means ``M = sum(w y) / sum(w)`` of treated/control x pre/post; the estimate is
    ``(M_tp - M_t0) - (M_cp - M_c0)``. Its linearised influence values
    ``+-w (y - M) / W`` are summed within respondents; ``var = G / (G - 1) sum_c z_c^2``
    over the ``G`` respondents with a rating in any cell; t interval with ``G - 1``
    degrees of freedom. This is the weighted least squares regression of ``y`` on
    treated x post with a cluster-robust (CR1 with the G/(G-1) factor only) covariance.
    """
    y = frame["y"].to_numpy(dtype=float)
    w = frame["w"].to_numpy(dtype=float)
    cl = frame["cluster"].to_numpy()
    use = np.isfinite(y) & (w > 0) & (treated | control)
    z = np.zeros(len(y))
    means = {}
    for name, mask, sign in (
        ("tp", treated & post, 1.0),
        ("t0", treated & ~post, -1.0),
        ("cp", control & post, -1.0),
        ("c0", control & ~post, 1.0),
    ):
        m = use & mask
        W = w[m].sum()
        if W <= 0:
            return {"estimate": np.nan, "se": np.nan, "df": np.nan, "ci_low": np.nan,
                    "ci_high": np.nan, "p_value": np.nan, "n": 0}  # fmt: skip
        means[name] = float((w[m] * y[m]).sum() / W)
        z[m] = sign * w[m] * (y[m] - means[name]) / W
    est = (means["tp"] - means["t0"]) - (means["cp"] - means["c0"])
    codes, _ = pd.factorize(cl[use])
    zc = np.bincount(codes, weights=z[use])
    G = zc.size
    var = G / (G - 1) * float((zc**2).sum()) if G > 1 else np.nan
    se = float(np.sqrt(var))
    df = G - 1.0
    q = critical(level, df)
    t = est / se if se > 0 else np.nan
    return {
        "estimate": est,
        "se": se,
        "df": df,
        "ci_low": est - q * se,
        "ci_high": est + q * se,
        "p_value": float(2 * stats.t.sf(abs(t), df)) if np.isfinite(t) else np.nan,
        "n": int(G),
        "change_treated": means["tp"] - means["t0"],
        "change_control": means["cp"] - means["c0"],
    }


def _fmt(x: float, signed: bool = False) -> str:
    return f"{x:+.2f}" if signed else f"{x:.2f}"


def action_followup(
    survey,
    actions: pd.DataFrame,
    *,
    start: str,
    end: str,
    metric: str = "satisfaction",
    acted_on: Sequence[str] | None = None,
    wave: str = "wave",
    weights: str | None = "weight",
    min_base: float = 30,
    level: float = 0.95,
    margins: Mapping | None = None,
) -> ActionFollowUp:
    """Did the actions chosen in wave ``start`` move their events by wave ``end``?

    Parameters
    ----------
    survey : Survey
        With a ``wave`` column.
    actions : DataFrame
        The :func:`cxlab.priorities.prioritize` table of wave ``start``
        (``event_id``, ``action``; ``name`` when present).
    start, end : str
        The wave the actions were chosen in and the wave that measures them.
    metric : str
        An event metric (default satisfaction).
    acted_on : list of str, optional
        The events actually acted on. Default: every event whose action is fix,
        basics, delight or right-size (:data:`ACTION_INTENT`).
    wave, weights, min_base, level, margins
        As in :func:`compare_waves`.

    Returns
    -------
    ActionFollowUp
        ``effect``: change at the acted-on events minus change at the other events
        (difference-in-differences on the ratings of both waves, respondent-clustered
        interval). ``table``: per acted-on event, its own change, its change relative
        to the events not acted on (its difference-in-differences, Holm-adjusted over
        the acted-on events) and a verdict:

        * ``moved as intended`` - its own change is a significant rise (Holm over the
          acted-on events) and it rose more than the events not acted on (fix, basics,
          delight); or it did not fall significantly (right-size: spending less while
          holding satisfaction);
        * ``worse`` - its own change is a significant fall;
        * ``not yet`` - neither (no significant rise yet, or a rise no larger than the
          other events');
        * ``not assessed`` - a base under ``min_base`` in either wave, or no events
          left that were not acted on.

    Examples
    --------
    >>> from cxlab.synth import make_waves
    >>> from cxlab.priorities import prioritize
    >>> s, _ = make_waves("banking", n_waves=2, n_respondents=400, seed=1,
    ...                   changes={"resolve_issue": {"W2": 0.6}})
    >>> acts = prioritize(s.subset(s.respondents["wave"] == "W1"))
    >>> f = action_followup(s, acts, start="W1", end="W2", acted_on=["resolve_issue"])
    >>> f.table["verdict"].tolist()
    ['moved as intended']
    """
    if margins is not None:
        survey, _ = rake_waves(survey, margins, wave=wave, weights=weights)
    labels = waves_of(survey, wave)
    for name, value in (("start", start), ("end", end)):
        if str(value) not in labels:
            raise ParameterError(f"wave {value!r} is not among {labels}", location=name)
    start, end = str(start), str(end)
    if labels.index(end) <= labels.index(start):
        raise ParameterError("end must be a later wave than start", location="end")
    if metric not in EVENT_METRICS:
        raise ParameterError(f"metric must be one of {list(EVENT_METRICS)}", location="metric")
    for col in ("event_id", "action"):
        if col not in actions.columns:
            raise DataError("the actions table lacks a column", column=col)
    acts = actions.drop_duplicates("event_id").set_index("event_id")
    if acted_on is None:
        acted = [e for e, a in acts["action"].items() if isinstance(a, str) and a in ACTION_INTENT]
    else:
        acted = [str(e) for e in acted_on]
        unknown = [e for e in acted if e not in acts.index]
        if unknown:
            raise ParameterError(f"events {unknown} are not in the actions table",
                                 location="acted_on")  # fmt: skip
    et = survey.event_table()
    et = et[et[wave].astype(str).isin([start, end])]
    frame = pd.DataFrame(
        {
            "y": et[metric].to_numpy(dtype=float),
            "w": np.ones(len(et)) if weights is None else et[weights].to_numpy(dtype=float),
            "cluster": et["respondent_id"].astype(str).to_numpy(),
        }
    )
    event = et["event_id"].astype(str).to_numpy()
    post = (et[wave].astype(str) == end).to_numpy()
    is_acted = np.isin(event, acted)
    others = [e for e in survey.events["event_id"].astype(str) if e not in acted]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        per_event = compare_waves(
            survey, metric, by="event_id", wave=wave, base=start, weights=weights,
            min_base=min_base, level=level,
        )  # fmt: skip
    per_event = per_event[per_event["wave"].isin([start, end])]
    effect = _did(frame, is_acted, ~is_acted, post, level) if acted and others else None
    eff = {
        "estimate": np.nan, "se": np.nan, "df": np.nan, "ci_low": np.nan, "ci_high": np.nan,
        "p_value": np.nan, "change_acted": np.nan, "change_other": np.nan, "n": 0,
    }  # fmt: skip
    if effect is not None:
        eff.update({k: effect[k] for k in ("estimate", "se", "df", "ci_low", "ci_high",
                                           "p_value", "n")})  # fmt: skip
        eff["change_acted"] = effect.get("change_treated", np.nan)
        eff["change_other"] = effect.get("change_control", np.nan)
    eff["n_acted_events"] = len(acted)
    eff["n_other_events"] = len(others)
    names = dict(zip(survey.events["event_id"].astype(str), survey.events["name"], strict=False))
    rows = []
    for e in acted:
        action = acts.at[e, "action"]
        pe = per_event[per_event["event_id"].astype(str) == e].set_index("wave")
        small = (
            e not in set(per_event["event_id"].astype(str))
            or start not in pe.index
            or end not in pe.index
            or bool(pe["suppressed"].any())
        )
        row = {
            "event_id": e,
            "name": names.get(e, e),
            "action": action,
            "intended": ACTION_INTENT.get(action, "up"),
            "estimate_start": pe.at[start, "estimate"] if start in pe.index else np.nan,
            "estimate_end": pe.at[end, "estimate"] if end in pe.index else np.nan,
            "change": pe.at[end, "change"] if end in pe.index else np.nan,
            "change_ci_low": pe.at[end, "ci_low"] if end in pe.index else np.nan,
            "change_ci_high": pe.at[end, "ci_high"] if end in pe.index else np.nan,
            "change_p_value": pe.at[end, "p_value"] if end in pe.index else np.nan,
            "n_start": int(pe.at[start, "n"]) if start in pe.index else 0,
            "n_end": int(pe.at[end, "n"]) if end in pe.index else 0,
        }
        if small or not others:
            d = {"estimate": np.nan, "se": np.nan, "df": np.nan, "ci_low": np.nan,
                 "ci_high": np.nan, "p_value": np.nan}  # fmt: skip
        else:
            d = _did(frame, event == e, ~is_acted, post, level)
        row.update(did=d["estimate"], se=d["se"], df=d["df"], ci_low=d["ci_low"],
                   ci_high=d["ci_high"], p_value=d["p_value"])  # fmt: skip
        rows.append(row)
    table = pd.DataFrame(rows, columns=[
        "event_id", "name", "action", "intended", "estimate_start", "estimate_end", "change",
        "change_ci_low", "change_ci_high", "change_p_value", "n_start", "n_end", "did", "se",
        "df", "ci_low", "ci_high", "p_value",
    ])  # fmt: skip

    for src, dst in (("p_value", "p_adjusted"), ("change_p_value", "change_p_adjusted")):
        p = table[src].to_numpy(dtype=float)
        ok = np.isfinite(p)
        table[dst] = np.nan
        if ok.any():
            table.loc[ok, dst] = holm(p[ok])
    alpha = 1 - level
    verdicts, evidence = [], []
    for r in table.itertuples():
        if not np.isfinite(r.did):
            why = (
                f"base under {min_base:g} in {start} or {end} (n={r.n_start} and {r.n_end})"
                if others
                else "every event was acted on, so there is nothing to compare with"
            )
            verdicts.append("not assessed")
            evidence.append(f"Not assessed: {why}.")
            continue
        own = r.change_p_adjusted < alpha
        up, down = own and r.change > 0, own and r.change < 0
        if r.intended == "hold":
            verdict = "worse" if down else "moved as intended"
        else:
            verdict = "moved as intended" if up and r.did > 0 else ("worse" if down else "not yet")
        verdicts.append(verdict)
        evidence.append(
            f"{metric.replace('_', ' ')} {_fmt(r.estimate_start)} in {start}, "
            f"{_fmt(r.estimate_end)} in {end} ({_fmt(r.change, True)}, {level:.0%} CI "
            f"{_fmt(r.change_ci_low, True)} to {_fmt(r.change_ci_high, True)}, Holm-adjusted "
            f"p = {r.change_p_adjusted:.3f}); relative to the events not acted on "
            f"{_fmt(r.did, True)} ({level:.0%} CI {_fmt(r.ci_low, True)} to "
            f"{_fmt(r.ci_high, True)}, Holm-adjusted p = {r.p_adjusted:.3f})"
        )
    table["verdict"] = verdicts
    table["evidence"] = evidence
    return ActionFollowUp(
        effect=pd.DataFrame([eff]), table=table, metric=metric, start=start, end=end, level=level
    )
