"""The tracking report: what changed between waves, why, and whether the actions worked.

``notebooks/tracking_report.ipynb`` (``cxlab report --kind tracking PARAMS``, or a
``kind: tracking`` parameter file; ``cxlab batch`` runs it like any report) only shows
and records what :func:`analyse_tracking` computes here:

* the waves, their bases and their raking (each wave raked to its own margins);
* event satisfaction per wave with wave-on-wave (or vs-base) changes, tested and
  Holm-adjusted (:func:`cxlab.tracking.compare_waves`), as trend charts
  (:func:`plot_trends`) and on the Customer Event Map coloured by the direction of the
  latest change (:func:`change_map`);
* tactile and emotive performance and the expectation gaps the same way;
* net advocacy and the advocacy-group shares per wave, and the latest change in net
  advocacy split into change within segments and change in their mix
  (:func:`cxlab.tracking.shift_share`);
* the action follow-up: the :func:`cxlab.priorities.prioritize` actions of one wave
  checked in the next (:func:`cxlab.tracking.action_followup`);
* written findings generated from those numbers (:func:`findings`).

Examples
--------
>>> from cxlab.params import load_params                            # doctest: +SKIP
>>> P = load_params("data/sample/clients/sample_tracking.yaml")     # doctest: +SKIP
>>> R = analyse_tracking(load_tracking_inputs(P), P)                # doctest: +SKIP
>>> print(R.findings["summary"])                                    # doctest: +SKIP
"""

from __future__ import annotations

import textwrap
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxlab._style import OKABE_ITO, new_ax
from cxlab.errors import DataError, ModelError, ParameterError, SuppressionWarning
from cxlab.tracking import (
    action_followup,
    compare_waves,
    rake_waves,
    shift_share,
)
from cxlab.waves import waves_of

__all__ = [
    "TrackingInputs",
    "TrackingResults",
    "load_tracking_inputs",
    "analyse_tracking",
    "plot_trends",
    "change_map",
    "findings",
    "trend_finding",
    "advocacy_finding",
    "shift_share_finding",
    "followup_finding",
    "summary_finding",
    "METRIC_LABELS",
]

METRIC_LABELS = {
    "satisfaction": "satisfaction",
    "tactile": "tactile performance",
    "emotive": "emotive performance",
    "brand_gap": "gap to the brand expectation",
    "baseline_gap": "gap to the baseline expectation",
    "net_advocacy": "net advocacy",
    "segment_shares": "advocacy-group share",
}
_UP, _DOWN, _FLAT, _GREY = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    "#E8E8E8",
    OKABE_ITO["light_grey"],
)


# --------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class TrackingInputs:
    """What the tracking report reads: the survey with every wave, the raking
    margins (or None) and the segment filter in words (or None)."""

    survey: Any
    margins: dict | None
    filter_text: str | None


def load_tracking_inputs(params) -> TrackingInputs:
    """Read the waves (one file with a wave column, or one file per wave) and margins.

    Parameters
    ----------
    params : cxlab.params.TrackingParams
        Uses ``wave_files`` or ``data_path``, ``codebook``, ``waves``,
        ``segment_filter`` and ``weighting_targets``.

    Returns
    -------
    TrackingInputs

    Raises
    ------
    ParameterError
        A ``data_path`` survey without a wave column, ``waves`` that are not among
        the data's, a filter keeping nobody, unreadable margins.
    """
    import yaml

    from cxlab.io import load_survey
    from cxlab.report import apply_segment_filter, restrict_margins
    from cxlab.waves import load_waves

    if params.wave_files is not None:
        survey = load_waves(params.wave_files, params.codebook, waves=params.waves)
    else:
        survey = load_survey(params.data_path, params.codebook)
        if "wave" not in survey.respondents.columns:
            raise ParameterError(
                "the survey has no wave column: name it in the codebook (wave: COLUMN) or "
                "give wave_files (one file per wave)",
                location="data_path",
            )
        if params.waves is not None:
            present = waves_of(survey)
            unknown = [w for w in params.waves if w not in present]
            if unknown:
                raise ParameterError(
                    f"wave(s) {unknown} are not in the data (waves: {present})",
                    location="waves",
                )
            if [w for w in present if w in params.waves] != list(params.waves):
                raise ParameterError(
                    f"list the waves in the data's order ({present})", location="waves"
                )
            survey = survey.subset(survey.respondents["wave"].astype(str).isin(params.waves))
    filter_text = None
    if params.segment_filter:
        survey, filter_text = apply_segment_filter(survey, params.segment_filter)
    margins = None
    if params.weighting_targets is not None:
        margins = yaml.safe_load(params.weighting_targets.read_text(encoding="utf-8"))
        if not isinstance(margins, dict):
            raise ParameterError(
                "a margins file maps variable: {category: share}",
                file=str(params.weighting_targets),
            )
        if params.segment_filter:
            margins = restrict_margins(margins, params.segment_filter)
    if len(waves_of(survey)) < 2:
        raise ParameterError("a tracking report needs at least two waves", location="waves")
    return TrackingInputs(survey, margins, filter_text)


# --------------------------------------------------------------------- analysis
@dataclass(frozen=True)
class TrackingResults:
    """Everything the tracking report shows (None: the section is left out; its
    reason is in ``skipped``)."""

    waves: list
    survey: Any
    sample: pd.DataFrame
    weighting: pd.DataFrame | None
    satisfaction: pd.DataFrame | None
    performance: pd.DataFrame | None
    gaps: pd.DataFrame | None
    net_advocacy: pd.DataFrame | None
    shares: pd.DataFrame | None
    shift: Any
    actions: pd.DataFrame | None
    followup: Any
    names: dict
    findings: dict
    key_figures: dict
    skipped: dict = field(default_factory=dict)
    base_wave: str | None = None
    action_waves: tuple | None = None
    level: float = 0.95

    def included(self, key: str) -> bool:
        """True when section ``key`` is in the report.

        Parameters
        ----------
        key : str
            A section name (a key of ``skipped`` when it is left out).
        """
        return key not in self.skipped

    def reason(self, key: str) -> str:
        """Why section ``key`` is left out (``""`` when it is included).

        Parameters
        ----------
        key : str
            A section name (a key of ``skipped`` when it is left out).
        """
        return self.skipped.get(key, "")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        return fn(*args, **kwargs)


def analyse_tracking(inputs: TrackingInputs, params) -> TrackingResults:
    """Run every analysis of the tracking report (see the module docstring).

    Parameters
    ----------
    inputs : TrackingInputs
        From :func:`load_tracking_inputs`.
    params : cxlab.params.TrackingParams
        Uses ``min_base``, ``level``, ``base_wave``, ``action_wave``,
        ``shift_share_segment`` and ``client``.

    Returns
    -------
    TrackingResults
    """
    from cxlab.priorities import prioritize

    survey = inputs.survey
    labels = waves_of(survey)
    skipped: dict[str, str] = {}
    min_base, level = int(params.min_base), float(params.level)
    base = params.base_wave
    if base is not None and base not in labels:
        raise ParameterError(f"base wave {base!r} is not among {labels}", location="base_wave")
    weighting = None
    if inputs.margins is not None:
        survey, weighting = rake_waves(survey, inputs.margins)
    else:
        skipped["weighting"] = "no weighting targets given, so the waves are not raked"
    resp = survey.respondents
    sample = (
        resp.groupby("wave", observed=True)
        .agg(respondents=("respondent_id", "size"), weighted=("weight", "sum"))
        .reset_index()
    )
    sample["wave"] = sample["wave"].astype(str)
    if len(survey.events):
        et = survey.event_table()
        sample = sample.merge(
            et.groupby("wave", observed=True).size().rename("ratings").reset_index()
            .assign(wave=lambda d: d["wave"].astype(str)),
            on="wave", how="left",
        )  # fmt: skip
    kw = {"base": base, "min_base": min_base, "level": level}
    et_cols = set(survey.event_table().columns) if len(survey.events) else set()
    sat = perf = gaps = None
    if "satisfaction" in et_cols and survey.event_table()["satisfaction"].notna().any():
        sat = _quiet(compare_waves, survey, "satisfaction", **kw)
    else:
        skipped["satisfaction"] = "the survey has no event satisfaction ratings"
    parts = [
        _quiet(compare_waves, survey, m, **kw)
        for m in ("tactile", "emotive")
        if m in et_cols and survey.event_table()[m].notna().any()
    ]
    perf = pd.concat(parts, ignore_index=True) if parts else None
    if perf is None:
        skipped["performance"] = "the events have no tactile or emotive ratings"
    parts = [
        _quiet(compare_waves, survey, m, **kw)
        for m in ("brand_gap", "baseline_gap")
        if m in et_cols and survey.event_table()[m].notna().any()
    ]
    gaps = pd.concat(parts, ignore_index=True) if parts else None
    if gaps is None:
        skipped["gaps"] = "the events have no brand or baseline expectation ratings"
    net = shares = shift = None
    if "recommend" in resp.columns and resp["recommend"].notna().any():
        net = _quiet(compare_waves, survey, "net_advocacy", by=None, **kw)
        shares = _quiet(compare_waves, survey, "segment_shares", by="advocacy_group", **kw)
        seg = params.shift_share_segment
        if seg is None:
            skipped["shift_share"] = "no shift_share_segment given"
        elif seg not in resp.columns:
            raise ParameterError(
                f"no respondent column {seg!r} to split the change by",
                location="shift_share_segment",
            )
        else:
            shift = shift_share(survey, seg, "net_advocacy", min_base=min_base)
    else:
        skipped["advocacy"] = "no likelihood-to-recommend item, so no net advocacy"
        skipped["shift_share"] = "no net advocacy to decompose"
    actions = followup = None
    action_waves = None
    if sat is None:
        skipped["followup"] = "no event satisfaction to follow the actions up with"
    else:
        start = params.action_wave if params.action_wave is not None else labels[-2]
        if start not in labels or labels.index(start) == len(labels) - 1:
            raise ParameterError(
                f"action wave {start!r} must be one of {labels[:-1]} (a later wave measures it)",
                location="action_wave",
            )
        end = labels[labels.index(start) + 1]
        action_waves = (start, end)
        try:
            wave_survey = survey.subset((resp["wave"].astype(str) == start).to_numpy())
            actions = _quiet(prioritize, wave_survey, min_base=min_base)
            followup = _quiet(
                action_followup, survey, actions, start=start, end=end, min_base=min_base,
                level=level,
            )  # fmt: skip
        except (ModelError, DataError) as err:
            skipped["followup"] = f"the actions of {start} could not be set ({err})"
            actions = followup = None
    names = dict(zip(survey.events["event_id"].astype(str), survey.events["name"], strict=False))
    results = TrackingResults(
        waves=labels,
        survey=survey,
        sample=sample,
        weighting=weighting,
        satisfaction=sat,
        performance=perf,
        gaps=gaps,
        net_advocacy=net,
        shares=shares,
        shift=shift,
        actions=actions,
        followup=followup,
        names=names,
        findings={},
        key_figures={},
        skipped=skipped,
        base_wave=base,
        action_waves=action_waves,
        level=level,
    )
    results.findings.update(findings(results, client=params.client))
    results.key_figures.update(_key_figures(results))
    return results


def _key_figures(r: TrackingResults) -> dict:
    out = {
        "waves": r.waves,
        "latest_wave": r.waves[-1],
        "net_advocacy": None,
        "net_advocacy_ci": None,
        "net_advocacy_change": None,
        "significant_changes": None,
        "actions_moved_as_intended": None,
    }
    if r.net_advocacy is not None:
        last = r.net_advocacy[r.net_advocacy["wave"] == r.waves[-1]].iloc[0]
        if not last["suppressed"]:
            out["net_advocacy"] = round(float(last["estimate"]), 2)
            out["net_advocacy_ci"] = [
                round(float(last["estimate_ci_low"]), 2),
                round(float(last["estimate_ci_high"]), 2),
            ]
            if np.isfinite(last["change"]):
                out["net_advocacy_change"] = round(float(last["change"]), 2)
    if r.satisfaction is not None:
        out["significant_changes"] = int(r.satisfaction["significant"].sum())
    if r.followup is not None:
        out["actions_moved_as_intended"] = int(
            (r.followup.table["verdict"] == "moved as intended").sum()
        )
    return out


# --------------------------------------------------------------------- findings
def _ci(lo: float, hi: float, dec: int = 2) -> str:
    return f"{lo:+.{dec}f} to {hi:+.{dec}f}"


def trend_finding(table: pd.DataFrame, names: dict | None = None, level: float = 0.95) -> str:
    """Which events moved significantly in the latest wave and over all waves.

    Parameters
    ----------
    table : pandas.DataFrame
        One metric's :func:`cxlab.tracking.compare_waves` table.
    names : dict, optional
        Event id -> event name (default: the ids).
    level : float, default 0.95
        The confidence level of the intervals, as written.

    Examples
    --------
    >>> t = pd.DataFrame({"metric": "satisfaction", "wave": ["W1", "W2"], "event_id": "a",
    ...     "estimate": [6.0, 6.5], "compared_with": [None, "W1"], "change": [np.nan, 0.5],
    ...     "ci_low": [np.nan, 0.2], "ci_high": [np.nan, 0.8], "p_adjusted": [np.nan, 0.01],
    ...     "significant": [False, True], "suppressed": False})
    >>> trend_finding(t, {"a": "Open an account"})[:60]
    'Satisfaction in W2 compared with W1: it rose significantly a'
    """
    names = names or {}
    metric = str(table["metric"].iloc[0])
    label = METRIC_LABELS.get(metric, metric.replace("_", " "))
    dec = 1 if metric in ("net_advocacy",) else 2
    waves = list(dict.fromkeys(table["wave"]))
    last = table[(table["wave"] == waves[-1]) & table["change"].notna()]
    key = "event_id" if "event_id" in table.columns else None
    tested = table["change"].notna().sum()
    if not len(last):
        return (
            f"{label.capitalize()} in {waves[-1]} could not be compared with an earlier wave "
            "(bases under the minimum or a single wave)."
        )
    ref = last["compared_with"].iloc[0]

    def who(r):
        return names.get(str(r[key]), str(r[key])) if key else label

    def item(r):
        return f"{who(r)} {r['change']:+.{dec}f} ({level:.0%} CI {_ci(r['ci_low'], r['ci_high'], dec)})"

    up = last[last["significant"] & (last["change"] > 0)].sort_values("change", ascending=False)
    down = last[last["significant"] & (last["change"] < 0)].sort_values("change")
    n = len(last)
    parts = []
    if key:
        head = f"{label.capitalize()} in {waves[-1]} compared with {ref}: "
        if len(up):
            parts.append(
                f"it rose significantly at {len(up)} of {n} events ("
                + "; ".join(item(r) for _, r in up.iterrows())
                + ")"
            )
        if len(down):
            parts.append(
                f"it fell significantly at {len(down)} of {n} events ("
                + "; ".join(item(r) for _, r in down.iterrows())
                + ")"
            )
        if not parts:
            parts.append(f"no event moved significantly ({n} events compared)")
        text = head + " and ".join(parts) + "."
    else:
        r = last.iloc[0]
        moved = "rose" if r["change"] > 0 else "fell"
        text = (
            f"{label.capitalize()} {moved} from {r['estimate'] - r['change']:.{dec}f} in {ref} to "
            f"{r['estimate']:.{dec}f} in {waves[-1]} ({r['change']:+.{dec}f}, {level:.0%} CI "
            f"{_ci(r['ci_low'], r['ci_high'], dec)}); "
            + ("a significant change." if r["significant"] else "not a significant change.")
        )
    sig = int(table["significant"].sum())
    text += (
        f" Over all waves, {sig} of {tested} changes are significant after Holm's adjustment "
        f"over this table's {tested} tests."
    )
    return text


def advocacy_finding(net: pd.DataFrame, shares: pd.DataFrame | None = None,
                     level: float = 0.95) -> str:  # fmt: skip
    """Net advocacy per wave and its latest change, with the group shares that moved.

    Parameters
    ----------
    net : pandas.DataFrame
        The :func:`cxlab.tracking.compare_waves` table of ``net_advocacy``.
    shares : pandas.DataFrame, optional
        The ``segment_shares`` table by ``advocacy_group``; None leaves the shares out.
    level : float, default 0.95
        The confidence level of the intervals, as written.
    """
    shown = net[~net["suppressed"]]
    if shown.empty:
        return "Net advocacy is suppressed in every wave (bases under the minimum)."
    series = ", ".join(f"{r.wave} {r.estimate:+.1f}" for r in shown.itertuples())
    text = (
        f"Net advocacy by wave: {series}. " + trend_finding(net, level=level).split(" Over all")[0]
    )
    if shares is not None:
        last = shares[(shares["wave"] == shares["wave"].iloc[-1]) & shares["significant"]]
        if len(last):
            text += (
                " Group shares that moved significantly: "
                + "; ".join(
                    f"{r.advocacy_group} {100 * r.change:+.1f} points" for r in last.itertuples()
                )
                + "."
            )
    return text


def shift_share_finding(shift) -> str:
    """Why the total moved: the within-segment and the mix parts of the change.

    Parameters
    ----------
    shift : cxlab.tracking.ShiftShare
        The decomposition of the change in net advocacy.
    """
    main = "mix" if abs(shift.mix) > abs(shift.within) else "within"
    seg = shift.segment.replace("_", " ")
    t = shift.table.dropna(subset=["mix"])
    text = (
        f"Net advocacy moved {shift.change:+.1f} points from {shift.start} to {shift.end}: "
        f"{shift.within:+.1f} from changes within {seg} groups and {shift.mix:+.1f} from the "
        f"change in their mix (the two parts sum to the change). "
    )
    if main == "mix" and len(t):
        r = t.iloc[int(np.argmax(np.abs(t["mix"].to_numpy())))]
        text += (
            f"Most of it is mix: {r['segment']} went from {100 * r['share_start']:.0f}% to "
            f"{100 * r['share_end']:.0f}% of customers, and this group's net advocacy is "
            f"{(r['value_start'] + r['value_end']) / 2:+.0f}."
        )
    else:
        text += "Most of it is change within the groups, not a different customer mix."
    return text


def followup_finding(followup) -> str:
    """The difference-in-differences and the per-event verdicts, in words.

    Parameters
    ----------
    followup : cxlab.tracking.ActionFollowUp
        The action follow-up.
    """
    e = followup.effect.iloc[0]
    t = followup.table
    if not np.isfinite(e["estimate"]):
        return (
            f"The actions of {followup.start} could not be compared with untouched events "
            f"({int(e['n_acted_events'])} events acted on, {int(e['n_other_events'])} not)."
        )
    sig = e["p_value"] < 1 - followup.level
    text = (
        f"From {followup.start} to {followup.end}, satisfaction at the {int(e['n_acted_events'])} "
        f"events acted on changed {e['change_acted']:+.2f} points and at the "
        f"{int(e['n_other_events'])} others {e['change_other']:+.2f}: a difference of "
        f"{e['estimate']:+.2f} ({followup.level:.0%} CI {_ci(e['ci_low'], e['ci_high'])}, "
        f"p = {e['p_value']:.3f}), "
        + (
            "so the acted-on events moved more than the rest. "
            if sig and e["estimate"] > 0
            else "so they did not move significantly more than the rest. "
        )  # fmt: skip
    )
    for verdict in ("moved as intended", "not yet", "worse"):
        rows = t[t["verdict"] == verdict]
        if len(rows):
            text += (
                f"{verdict.capitalize()}: "
                + ", ".join(f"{r.name} ({r.action}, {r.did:+.2f})" for r in rows.itertuples())
                + ". "
            )
    return text.strip()


def summary_finding(r: TrackingResults, client: str = "") -> str:
    """The executive summary of the tracking report: one paragraph of bullet points.

    Parameters
    ----------
    r : TrackingResults
        The tracking results.
    client : str, default ""
        The client's name (default "This programme").
    """
    lines = [f"**{client or 'This programme'}: {len(r.waves)} waves ({', '.join(r.waves)}).**"]
    if r.satisfaction is not None:
        last = r.satisfaction[
            (r.satisfaction["wave"] == r.waves[-1]) & r.satisfaction["significant"]
        ]
        up = [r.names.get(e, e) for e in last.loc[last["change"] > 0, "event_id"].astype(str)]
        down = [r.names.get(e, e) for e in last.loc[last["change"] < 0, "event_id"].astype(str)]
        lines.append(
            f"- In {r.waves[-1]}, event satisfaction rose significantly at "
            f"{len(up)} event(s){': ' + ', '.join(up) if up else ''} and fell at "
            f"{len(down)}{': ' + ', '.join(down) if down else ''}."
        )
    if r.net_advocacy is not None:
        k = _key_figures(r)
        if k["net_advocacy"] is not None:
            ch = k["net_advocacy_change"]
            lines.append(
                f"- Net advocacy is {k['net_advocacy']:+.1f} in {r.waves[-1]}"
                + (f" ({ch:+.1f} on the wave before)." if ch is not None else ".")
            )
    if r.shift is not None:
        lines.append(
            f"- Of the {r.shift.change:+.1f}-point move in net advocacy, {r.shift.mix:+.1f} is a "
            f"change in the {r.shift.segment.replace('_', ' ')} mix and {r.shift.within:+.1f} "
            "change within the groups."
        )
    if r.followup is not None:
        t = r.followup.table
        moved = int((t["verdict"] == "moved as intended").sum())
        lines.append(
            f"- Of the {len(t)} actions chosen in {r.followup.start}, {moved} moved as intended "
            f"by {r.followup.end}; the acted-on events moved "
            f"{r.followup.effect['estimate'].iloc[0]:+.2f} points relative to the others."
        )
    return "\n".join(lines)


def findings(r: TrackingResults, client: str = "") -> dict[str, str]:
    """Every written finding of the tracking report, keyed by section.

    Parameters
    ----------
    r : TrackingResults
        The tracking results.
    client : str, default ""
        The client's name, for the summary.
    """
    out = {"summary": summary_finding(r, client)}
    if r.satisfaction is not None:
        out["satisfaction"] = trend_finding(r.satisfaction, r.names, r.level)
    if r.performance is not None:
        out["performance"] = " ".join(
            trend_finding(g, r.names, r.level)
            for _, g in r.performance.groupby("metric", sort=False)
        )
    if r.gaps is not None:
        out["gaps"] = " ".join(
            trend_finding(g, r.names, r.level) for _, g in r.gaps.groupby("metric", sort=False)
        )
    if r.net_advocacy is not None:
        out["advocacy"] = advocacy_finding(r.net_advocacy, r.shares, r.level)
    if r.shift is not None:
        out["shift_share"] = shift_share_finding(r.shift)
    if r.followup is not None:
        out["followup"] = followup_finding(r.followup)
    return out


# --------------------------------------------------------------------- charts
def plot_trends(table: pd.DataFrame, names: dict | None = None, ncols: int = 3, level=0.95):
    """Trend charts: one panel per event (or one panel), the estimate per wave with its
    interval; a wave whose change is significant (after Holm) is a filled triangle
    pointing the way it moved, with the change written beside it.

    Parameters
    ----------
    table : pandas.DataFrame
        One metric's :func:`cxlab.tracking.compare_waves` table.
    names : dict, optional
        Event id -> event name, for the panel titles; its order orders the panels.
    ncols : int, default 3
        Panels per row (at most the number of panels).
    level : float, default 0.95
        The confidence level of the intervals, as written in the title.

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    names = names or {}
    key = "event_id" if "event_id" in table.columns else None
    groups = list(table.groupby(key, sort=False, observed=True)) if key else [(None, table)]
    if key and names:
        order = {k: i for i, k in enumerate(names)}
        groups.sort(key=lambda kg: order.get(str(kg[0]), len(order)))
    metric = str(table["metric"].iloc[0])
    label = METRIC_LABELS.get(metric, metric)
    n = len(groups)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(4.2 * ncols, 7.5), 2.9 * nrows + (0.6 if n == 1 else 0)), squeeze=False,
                             sharey=True)  # fmt: skip
    waves = list(dict.fromkeys(table["wave"]))
    x_of = {w: i for i, w in enumerate(waves)}
    for ax, (k, g) in zip(axes.ravel(), groups, strict=False):
        g = g[g["estimate"].notna()]
        x = g["wave"].map(x_of).to_numpy()
        y = g["estimate"].to_numpy()
        ax.fill_between(x, g["estimate_ci_low"], g["estimate_ci_high"], color="#56B4E9",
                        alpha=0.25, linewidth=0)  # fmt: skip
        ax.plot(x, y, color="#333333", linewidth=1.4, marker="o", markersize=4,
                markerfacecolor="white")  # fmt: skip
        for r in g.itertuples():
            if bool(r.significant):
                up = r.change > 0
                ax.plot(x_of[r.wave], r.estimate, marker="^" if up else "v", markersize=10,
                        color=_UP if up else _DOWN, zorder=5)  # fmt: skip
                ax.annotate(f"{r.change:+.2f}", (x_of[r.wave], r.estimate),
                            xytext=(0, 9 if up else -14), textcoords="offset points",
                            ha="center", fontsize=8, color=_UP if up else _DOWN,
                            fontweight="bold")  # fmt: skip
        title = names.get(str(k), str(k)) if key else label.capitalize()
        ax.set_title("\n".join(textwrap.wrap(title, 34)), fontsize=9)
        ax.set_xticks(range(len(waves)), waves, fontsize=8)
        ax.set_xlim(-0.4, len(waves) - 0.6)
        ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
        ax.tick_params(axis="y", labelsize=8)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(label, fontsize=9)
    lo = np.nanmin(table["estimate_ci_low"].to_numpy(dtype=float))
    hi = np.nanmax(table["estimate_ci_high"].to_numpy(dtype=float))
    pad = 0.12 * (hi - lo if hi > lo else 1)
    axes[0, 0].set_ylim(lo - pad, hi + 2 * pad)
    fig.suptitle(
        f"{label.capitalize()} by wave ({level:.0%} intervals); ▲/▼ a significant change "
        "from the wave compared with (Holm-adjusted)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def change_map(table: pd.DataFrame, events: pd.DataFrame, wave: str | None = None, ax=None):
    """The Customer Event Map coloured by the direction of change: one column per
    lifecycle stage, each event a cell, blue when it rose significantly in ``wave``
    (default the latest) against the wave it is compared with, vermillion when it
    fell, light grey when it did not move significantly, hatched when suppressed.

    Parameters
    ----------
    table : pandas.DataFrame
        One metric's :func:`cxlab.tracking.compare_waves` table by event.
    events : pandas.DataFrame
        The survey's events (``event_id``, ``name``, ``stage``, ``stage_order``).
    wave : str, optional
        The wave whose change is shown. Default: the latest.
    ax : matplotlib Axes, optional
        Where to draw. Default: a new figure.

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.patches import Patch, Rectangle

    waves = list(dict.fromkeys(table["wave"]))
    wave = wave or waves[-1]
    t = table[table["wave"] == wave].set_index(
        table.loc[table["wave"] == wave, "event_id"].astype(str)
    )
    ev = events.copy()
    ev["event_id"] = ev["event_id"].astype(str)
    stages = [s for s in ev.sort_values("stage_order")["stage"].astype(str).unique()]
    cols = {s: ev[ev["stage"].astype(str) == s] for s in stages}
    rows = max(len(v) for v in cols.values())
    if ax is None:
        ax = new_ax(size=(2.3 * len(stages) + 0.6, 1.25 * rows + 1.6))
    metric = str(table["metric"].iloc[0])
    for i, s in enumerate(stages):
        ax.text(i + 0.5, rows + 0.15, "\n".join(textwrap.wrap(s, 16)), ha="center", va="bottom",
                fontsize=9, fontweight="bold")  # fmt: skip
        for j, e in enumerate(cols[s].itertuples()):
            y = rows - 1 - j
            r = t.loc[e.event_id] if e.event_id in t.index else None
            hatch, fill, fg = None, _FLAT, "#222222"
            if r is None or bool(r["suppressed"]) or not np.isfinite(r["change"]):
                fill, hatch, mark = _GREY, "///", "no comparison"
            elif bool(r["significant"]) and r["change"] > 0:
                fill, fg, mark = _UP, "white", f"▲ {r['change']:+.2f}"
            elif bool(r["significant"]) and r["change"] < 0:
                fill, fg, mark = _DOWN, "white", f"▼ {r['change']:+.2f}"
            else:
                mark = f"= {r['change']:+.2f}"
            ax.add_patch(Rectangle((i + 0.04, y + 0.05), 0.92, 0.9, facecolor=fill,
                                   edgecolor="white", hatch=hatch, linewidth=1.5))  # fmt: skip
            name = "\n".join(textwrap.wrap(str(e.name), 18)[:3])
            ax.text(i + 0.5, y + 0.62, name, ha="center", va="center", fontsize=7.5, color=fg)
            ax.text(i + 0.5, y + 0.2, mark, ha="center", va="center", fontsize=8.5, color=fg,
                    fontweight="bold")  # fmt: skip
    ax.set_xlim(0, len(stages))
    ax.set_ylim(0, rows + 0.8)
    ax.axis("off")
    ref = t["compared_with"].dropna().iloc[0] if t["compared_with"].notna().any() else "-"
    ax.set_title(
        f"Customer Event Map: change in {METRIC_LABELS.get(metric, metric)}, {wave} vs {ref}",
        fontsize=11,
    )
    ax.legend(
        handles=[
            Patch(facecolor=_UP, label="rose significantly"),
            Patch(facecolor=_DOWN, label="fell significantly"),
            Patch(facecolor=_FLAT, label="no significant change"),
            Patch(facecolor=_GREY, hatch="///", label="base too small"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.01),
        ncol=4,
        fontsize=8,
        frameon=False,
    )
    ax.figure.tight_layout()
    return ax
