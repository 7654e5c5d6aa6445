"""Per-event diagnosis: performance, gaps and importance with confidence intervals.

The code of :mod:`cxlab.moments` (the public module, which re-exports it with the
courses of action of :mod:`cxlab.priorities`); :mod:`cxlab.priorities` builds on it.

The framework (docs/framework.md section 4) gives every customer event one course of action
(basics, fix, delight, right-size, maintain) from its gaps and its importance.
:func:`diagnose` estimates, per event (and per segment when asked), the weighted base,
performance, gaps, stated importance (significance, personal investment) and derived
importance (impact on advocacy from a respondent-level regression of ``recommend`` on
event satisfaction; impact of performance on event satisfaction), each with a
confidence interval; :func:`importance_index` combines the importance components.
Turning a diagnosis into the course per event (:func:`~cxlab.priorities.prioritize`,
:class:`~cxlab.priorities.Rules`, :func:`~cxlab.priorities.describe_rules`,
:func:`~cxlab.priorities.moments_of_truth`, ``ACTIONS``, ``ACTION_COLORS``) lives in
:mod:`cxlab.priorities`; those names are importable from :mod:`cxlab.moments` too.

Examples
--------
>>> from cxlab.synth import make_study
>>> from cxlab._diagnosis import diagnose
>>> survey, truth = make_study("banking", n_respondents=400, seed=0)
>>> table = diagnose(survey)
>>> {"brand_gap", "brand_gap_ci_low", "importance"} <= set(table.columns)
True
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cxlab._checks import renamed, weights_of
from cxlab._stats import cluster_wls, critical
from cxlab.errors import DataError, ModelError, ParameterError, SuppressionWarning
from cxlab.estimates import weighted_mean
from cxlab.suppression import warn_suppressed
from cxlab.survey import respondent_positions

__all__ = [
    "MEASURES",
    "advocacy_impact",
    "diagnose",
    "importance_index",
    "EVENT_INFO",
    "wls_hc1",
    "advocacy_design",
]

#: Event-level means estimated by :func:`diagnose` (each with ``_se``, ``_ci_low``, ``_ci_high``).
MEASURES: tuple[str, ...] = (
    "tactile",
    "emotive",
    "performance",
    "satisfaction",
    "brand_expectation",
    "baseline_expectation",
    "brand_gap",
    "baseline_gap",
    "significance",
    "personal_investment",
)

EVENT_INFO = ("event_id", "name", "stage", "channel")


# --------------------------------------------------------------------------- helpers
def _wls_slope(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float, int]:
    """Weighted simple-regression slope of ``y`` on ``x`` with an HC1 sandwich SE."""
    ok = np.isfinite(x) & np.isfinite(y) & (w > 0)
    x, y, w = x[ok], y[ok], w[ok]
    n = len(x)
    if n < 3:
        return np.nan, np.nan, n
    xc = x - np.average(x, weights=w)
    sxx = float((w * xc**2).sum())
    if sxx <= 0:
        return np.nan, np.nan, n
    fit = cluster_wls(np.column_stack([np.ones(n), x]), y, w, singular="pinv")  # HC1
    return float(fit.beta[1]), float(np.sqrt(max(fit.cov[1, 1], 0.0))), n


def _event_info(survey, et: pd.DataFrame) -> pd.DataFrame:
    events = getattr(survey, "events", None)
    if events is None or "event_id" not in getattr(events, "columns", []):
        events = et[["event_id", "stage", "channel"]].drop_duplicates("event_id")
        events = events.assign(name=events["event_id"].astype(str))
    keep = [c for c in EVENT_INFO if c in events.columns]
    extra = [c for c in ("stage_order",) if c in events.columns]
    return events[keep + extra].drop_duplicates("event_id").reset_index(drop=True)


def _attach_by(et: pd.DataFrame, respondents: pd.DataFrame, by: str | None) -> pd.DataFrame:
    if by is None or by in et.columns:
        if by is not None and by in ("event_id",):
            raise ParameterError("`by` must be a segment variable, not 'event_id'")
        return et
    if by not in respondents.columns:
        raise DataError("segment variable not found in respondents or event table", column=by)
    seg = respondents[["respondent_id", by]]
    return et.merge(seg, on="respondent_id", how="left", validate="many_to_one")


# ------------------------------------------------------------------ advocacy model
@renamed(confidence="level")
def advocacy_impact(
    event_table: pd.DataFrame,
    respondents: pd.DataFrame,
    weights: str | None = "weight",
    outcome: str = "recommend",
    level: float = 0.95,
) -> pd.DataFrame:
    """Derived importance: impact of each event's satisfaction on advocacy.

    One respondent-level weighted least-squares regression of ``outcome`` (``recommend``,
    0-10) on the satisfaction with every event, centred at the event's weighted mean among
    its raters and set to 0 (the mean) where the respondent did not rate the event, so each
    coefficient is the change in ``recommend`` per point of satisfaction with that event,
    holding the other events fixed.  SEs are HC1 sandwich (one row per respondent).

    Parameters
    ----------
    event_table : DataFrame
        ``Survey.event_table()`` (columns ``respondent_id, event_id, satisfaction``).
    respondents : DataFrame
        ``Survey.respondents`` (``respondent_id``, ``outcome`` and the weight column).
    weights : str or None
        Weight column in ``respondents``; None for unweighted.
    outcome : str
        Respondent-level advocacy outcome.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per event: ``event_id, advocacy_impact, advocacy_impact_se,
        advocacy_impact_ci_low, advocacy_impact_ci_high, advocacy_n`` (respondents who rated it and
        answered ``outcome``).  ``.attrs`` holds ``intercept``, ``resid_sd``, ``n``.

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, _ = make_study("banking", n_respondents=400, seed=0)
    >>> imp = advocacy_impact(survey.event_table(), survey.respondents)
    >>> imp["event_id"].is_unique
    True
    """
    design = advocacy_design(event_table, respondents, weights, outcome)
    X, y, w, cols = design["X"], design["y"], design["w"], design["events"]
    n, p = X.shape
    if n <= p + 1:
        raise ModelError(
            f"advocacy model needs more respondents ({n}) than events + 1 ({p + 1})",
            column=outcome,
        )
    beta, se, resid_sd = wls_hc1(X, y, w)
    crit = critical(level, max(n - p, 1.0))
    rated = design["rated"]
    out = pd.DataFrame(
        {
            "event_id": cols,
            "advocacy_impact": beta[1:],
            "advocacy_impact_se": se[1:],
            "advocacy_impact_ci_low": beta[1:] - crit * se[1:],
            "advocacy_impact_ci_high": beta[1:] + crit * se[1:],
            "advocacy_n": rated.sum(axis=0).astype(int),
        }
    )
    out.attrs.update(intercept=float(beta[0]), resid_sd=resid_sd, n=int(n))
    return out


def advocacy_design(
    event_table: pd.DataFrame,
    respondents: pd.DataFrame,
    weights: str | None,
    outcome: str,
) -> dict:
    """Wide design matrix for the advocacy regression (shared with cxlab.valuecase).

    The wide table (mean satisfaction per respondent and event, events in sorted order)
    is built from integer codes: each rating's respondent position and event code,
    summed by ``np.bincount`` (the pivot table of ``respondent_id x event_id``, without
    hashing the ids more than once).  Besides the design, ``rows`` gives the design
    rows' positions in ``respondents``, and ``row_pos`` / ``row_event`` each event-table
    row's respondent position and index in ``events`` (-1 when it has none).
    """
    for col in ("respondent_id", outcome):
        if col not in respondents.columns:
            raise DataError("column needed by the advocacy model is missing", column=col)
    pos = respondent_positions(event_table, respondents, match=True)
    code, labels = pd.factorize(event_table["event_id"], sort=True)
    labels = pd.Index(labels).astype(object)
    sat = event_table["satisfaction"].to_numpy(dtype=float)
    ok = (pos >= 0) & (code >= 0) & np.isfinite(sat)  # the pivot's mean skips missing
    n_all, k = len(respondents), len(labels)
    cell = pos[ok] * k + code[ok]
    count = np.bincount(cell, minlength=n_all * k)
    total = np.bincount(cell, sat[ok], minlength=n_all * k)
    rows = np.flatnonzero(respondents[outcome].notna().to_numpy())
    resp = respondents.iloc[rows]
    w = weights_of(resp, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        vals = (total / np.where(count > 0, count, np.nan)).reshape(n_all, k)[rows]
    rated = np.isfinite(vals)
    # weighted mean of satisfaction among raters, per event
    wr = np.where(rated, w[:, None], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.nansum(np.where(rated, vals, 0.0) * wr, axis=0) / wr.sum(axis=0)
    keep = rated.sum(axis=0) >= 2
    dev = np.where(rated, vals - means, 0.0)[:, keep]
    X = np.column_stack([np.ones(len(resp)), dev])
    to_kept = np.append(np.where(keep, np.cumsum(keep) - 1, -1), -1)  # code -1: -1
    return {
        "X": X,
        "y": resp[outcome].to_numpy(dtype=float),
        "w": w,
        "events": list(labels[keep]),
        "means": means[keep],
        "rated": rated[:, keep],
        "respondent_id": resp["respondent_id"].to_numpy(),
        "rows": rows,
        "row_pos": pos,
        "row_event": to_kept[code],
    }


def wls_hc1(X: np.ndarray, y: np.ndarray, w: np.ndarray):
    """WLS coefficients, HC1 sandwich SEs (:func:`cxlab._stats.cluster_wls`, one cluster
    per respondent row) and the weighted residual SD."""
    n, p = X.shape
    fit = cluster_wls(X, y, w, singular="pinv")
    resid = fit.resid
    resid_sd = float(np.sqrt((w * resid**2).sum() / w.sum() * n / max(n - p, 1)))
    return fit.beta, np.sqrt(np.clip(np.diag(fit.cov), 0, None)), resid_sd


# -------------------------------------------------------------------- importance
@renamed(confidence="level")
def importance_index(
    diagnosis: pd.DataFrame,
    components: Sequence[str] = ("significance", "personal_investment", "advocacy_impact"),
    by: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Combined importance index: standardised mean of standardised components.

    Each component (an event-level estimate with a ``<component>_se`` column) is turned
    into a z-score across the events (within each segment when ``by`` is given), the
    z-scores are averaged, and the average is standardised again so that ``importance``
    reads in standard deviations above or below the average event.  Its SE propagates
    the component SEs (treating the across-event means and SDs as fixed and the
    components as independent).

    Parameters
    ----------
    diagnosis : pandas.DataFrame
        A :func:`cxlab.moments.diagnose` table.
    components : sequence of str
        The importance components.
    by : str or list of str, optional
        Segment column(s).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        ``diagnosis`` with ``importance, importance_se, importance_ci_low, importance_ci_high``
        (normal intervals at ``level``) and ``importance_rank`` (1 = most important) added.
    """
    missing = [c for c in components if c not in diagnosis.columns]
    if missing:
        raise DataError("importance component not in the diagnosis table", column=missing)
    if not components:
        raise ParameterError("importance needs at least one component")
    z = critical(level)
    out = diagnosis.copy()
    groups = [(None, out.index)] if by is None else out.groupby(by, observed=True).groups.items()
    for col in ("importance", "importance_se", "importance_ci_low", "importance_ci_high"):
        out[col] = np.nan
    out["importance_rank"] = np.nan
    for _, idx in groups:
        part = out.loc[idx]
        usable = ~part.get("suppressed", pd.Series(False, index=part.index)).astype(bool)
        zs, var = [], []
        for comp in components:
            v = part[comp].where(usable)
            sd = v.std(ddof=1)
            if not np.isfinite(sd) or sd == 0:
                sd = 1.0
            zs.append((v - v.mean()) / sd)
            se = part.get(f"{comp}_se", pd.Series(0.0, index=part.index)).fillna(0.0)
            var.append((se / sd) ** 2)
        k = len(components)
        raw = sum(zs) / k
        raw_se = np.sqrt(sum(var)) / k
        sd_raw = raw.std(ddof=1)
        if not np.isfinite(sd_raw) or sd_raw == 0:
            sd_raw = 1.0
        imp = (raw - raw.mean()) / sd_raw
        se = raw_se / sd_raw
        out.loc[idx, "importance"] = imp
        out.loc[idx, "importance_se"] = se.where(imp.notna())
        out.loc[idx, "importance_ci_low"] = imp - z * se
        out.loc[idx, "importance_ci_high"] = imp + z * se
        out.loc[idx, "importance_rank"] = imp.rank(ascending=False, method="min")
    return out


# ---------------------------------------------------------------------- diagnose
def _diagnose_block(
    et: pd.DataFrame,
    resp: pd.DataFrame,
    weights: str | None,
    min_base: int,
    level: float,
) -> pd.DataFrame:
    et = et.assign(_w=weights_of(et, weights))
    w = et["_w"].to_numpy()
    perf = et["performance"].to_numpy(dtype=float)
    sat = et["satisfaction"].to_numpy(dtype=float)
    # factorise once: events in order of appearance (as groupby(sort=False)), respondents
    ev_codes, ev_ids = pd.factorize(et["event_id"])
    ev_ids = np.asarray(ev_ids, dtype=object)
    n_events = len(ev_ids)
    ids = et["respondent_id"]
    if not isinstance(ids.dtype, pd.CategoricalDtype):
        # text or integer ids are factorised once: the estimates below reuse the codes
        codes, uniques = pd.factorize(ids)
        ids = pd.Series(pd.Categorical.from_codes(codes, uniques), index=et.index)
        et = et.assign(respondent_id=ids)
    codes, k = ids.cat.codes.to_numpy().astype(np.intp), len(ids.cat.categories)
    # respondents per event: distinct (respondent, event) cells
    ok = (codes >= 0) & (ev_codes >= 0)
    seen = np.zeros(k * n_events, dtype=bool)
    seen[codes[ok] * n_events + ev_codes[ok]] = True
    n_resp = seen.reshape(k, n_events).sum(axis=0)
    # rows of each event, in table order (a stable sort of the event codes)
    order = np.argsort(ev_codes, kind="stable")
    bounds = np.searchsorted(ev_codes[order], np.arange(n_events + 1))
    rows = []
    for j, event_id in enumerate(ev_ids):
        idx = order[bounds[j] : bounds[j + 1]]
        slope, se, n_sat = _wls_slope(perf[idx], sat[idx], w[idx])
        rows.append(
            {
                "event_id": event_id,
                "n": int(n_resp[j]),
                "base": float(w[idx].sum()),
                "satisfaction_impact": slope,
                "satisfaction_impact_se": se,
                "_sat_n": n_sat,
            }
        )
    out = pd.DataFrame(rows)
    crit = critical(level, np.maximum(out["_sat_n"].to_numpy(dtype=float) - 2, 1.0))
    out["satisfaction_impact_ci_low"] = (
        out["satisfaction_impact"] - crit * out["satisfaction_impact_se"]
    )
    out["satisfaction_impact_ci_high"] = (
        out["satisfaction_impact"] + crit * out["satisfaction_impact_se"]
    )
    out = out.drop(columns="_sat_n")
    # event means: domain estimation over respondents (cxlab.estimates)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        for m in MEASURES:
            if m not in et.columns:
                out[[m, f"{m}_se", f"{m}_ci_low", f"{m}_ci_high"]] = np.nan
                continue
            est = weighted_mean(
                et,
                m,
                by="event_id",
                weights="_w",
                cluster="respondent_id",
                min_base=0,
                level=level,
            )
            est = est[["event_id", "estimate", "se", "ci_low", "ci_high"]].set_axis(
                ["event_id", m, f"{m}_se", f"{m}_ci_low", f"{m}_ci_high"], axis=1
            )
            out = out.merge(est, on="event_id", how="left")
    try:
        adv = advocacy_impact(et, resp, weights=weights, level=level)
    except ModelError as err:
        warnings.warn(f"advocacy impact not estimated: {err}", SuppressionWarning, stacklevel=3)
        adv = pd.DataFrame({"event_id": out["event_id"]})
    out = out.merge(adv, on="event_id", how="left")
    for col in ("advocacy_impact", "advocacy_impact_se", "advocacy_impact_ci_low"):
        if col not in out.columns:
            out[col] = np.nan
    if "advocacy_impact_ci_high" not in out.columns:
        out["advocacy_impact_ci_high"] = np.nan
    out = out.merge(_driver_weights(et, level), on="event_id", how="left")
    out["suppressed"] = out["n"] < min_base
    return out


_DRIVER_COLS = {
    "tactile_weight": "tactile_weight",
    "tactile_ci_low": "tactile_weight_ci_low",
    "tactile_ci_high": "tactile_weight_ci_high",
    "emotive_weight": "emotive_weight",
    "emotive_ci_low": "emotive_weight_ci_low",
    "emotive_ci_high": "emotive_weight_ci_high",
    "statement": "emphasis",
}


def _driver_weights(et: pd.DataFrame, level: float) -> pd.DataFrame:
    """Tactile and emotive weights on satisfaction at each event's mean personal
    investment, from the moderation model of :func:`cxlab.drivers.investment_weighting`."""
    from cxlab.drivers import investment_weighting

    empty = pd.DataFrame(columns=["event_id", *_DRIVER_COLS.values()])
    if not {"tactile", "emotive", "personal_investment"} <= set(et.columns):
        return empty
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = investment_weighting(et, weights="_w", level=level, min_base=0, event="event_id")
    except (ModelError, DataError, np.linalg.LinAlgError) as err:
        warnings.warn(f"driver weights not estimated: {err}", SuppressionWarning, stacklevel=4)
        return empty
    if res.by_event is None:
        return empty
    return res.by_event[["event_id", *_DRIVER_COLS]].rename(columns=_DRIVER_COLS)


@renamed(confidence="level")
def diagnose(
    survey,
    by: str | None = None,
    min_base: int = 30,
    weights: str | None = "weight",
    level: float = 0.95,
    importance: Sequence[str] = ("significance", "personal_investment", "advocacy_impact"),
) -> pd.DataFrame:
    """Per-event (and per-segment) diagnosis with confidence intervals.

    Parameters
    ----------
    survey : Survey
        A :class:`cxlab.Survey` (uses ``event_table()``, ``respondents``, ``events``).
    by : str, optional
        A segment variable (respondent column, e.g. ``"life_stage"``); one block of rows
        per segment, each with its own advocacy model and importance index.
    min_base : int
        Events rated by fewer respondents (unweighted) are suppressed: their estimates
        and weighted ``base`` are set to NaN (``n`` is kept) and ``suppressed`` is True.
    weights : str or None
        Weight column (``"weight"``); None for unweighted estimates.
    level : float
        Level of every interval (0.95).
    importance : sequence of str
        Components of the combined importance index (see :func:`importance_index`).

    Returns
    -------
    DataFrame
        One row per event (x segment): ``event_id, name, stage, channel, [by], n, base,
        suppressed``; for each of :data:`MEASURES` the weighted mean ``m`` with ``m_se``,
        ``m_ci_low``, ``m_ci_high``; ``satisfaction_impact`` (slope of event satisfaction on
        performance) and ``advocacy_impact`` (change in ``recommend`` per satisfaction
        point, from the joint advocacy regression), each with ``_se/_ci_low/_ci_high``;
        ``advocacy_n``; ``tactile_weight`` and ``emotive_weight`` (with ``_ci_low/_ci_high``): the
        weights of tactile and emotive performance on satisfaction at the event's mean
        personal investment (:func:`cxlab.drivers.investment_weighting`) and ``emphasis``
        (which matters more there, in words); ``importance`` (standardised index) with
        ``_se/_ci_low/_ci_high`` and ``importance_rank``.

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, _ = make_study("banking", n_respondents=400, seed=0)
    >>> d = diagnose(survey)
    >>> bool((d["brand_gap_ci_low"] <= d["brand_gap"]).all())
    True
    """
    if min_base < 0:
        raise ParameterError(f"min_base must be >= 0, got {min_base!r}")
    et = survey.event_table()
    resp = survey.respondents
    for col in ("respondent_id", "event_id", "performance", "satisfaction"):
        if col not in et.columns:
            raise DataError("event table lacks a column diagnose needs", column=col)
    if weights is not None and weights not in et.columns:
        if weights not in resp.columns:
            raise DataError("weight column not found", column=weights)
        et = et.merge(resp[["respondent_id", weights]], on="respondent_id", how="left")
    info = _event_info(survey, et)
    et = _attach_by(et, resp, by)
    blocks = []
    if by is None:
        blocks.append(_diagnose_block(et, resp, weights, min_base, level))
    else:
        for seg_value, part in et.groupby(by, observed=True, sort=True):
            r = resp[resp["respondent_id"].isin(part["respondent_id"].unique())]
            block = _diagnose_block(part, r, weights, min_base, level)
            block.insert(0, by, seg_value)
            blocks.append(block)
    out = pd.concat(blocks, ignore_index=True)
    # the unweighted base n is kept; every other number (the weighted base too) is blanked
    estimates = [c for c in out.columns if c not in ("event_id", "n", "suppressed", by)]
    supp = out["suppressed"].to_numpy()
    out.loc[supp, estimates] = np.nan
    labels = out["event_id"].astype(str)
    if by is not None:
        labels = labels + " | " + out[by].astype(str)
    warn_suppressed(
        "event diagnosis", int(supp.sum()), min_base, labels[supp].tolist(), stacklevel=3
    )
    out = info.drop(columns=["stage"], errors="ignore").merge(out, on="event_id", how="right")
    stage = et[["event_id", "stage"]].drop_duplicates("event_id")
    out = stage.merge(out, on="event_id", how="right")
    out = importance_index(out, importance, by=by, level=level)
    lead = [c for c in EVENT_INFO if c in out.columns] + ([by] if by else [])
    lead += ["n", "base", "suppressed"]
    out = out[lead + [c for c in out.columns if c not in lead]]
    order = ["stage_order"] if "stage_order" in out.columns else ["stage"]
    sort_cols = ([by] if by else []) + order + ["event_id"]
    return out.sort_values(sort_cols, kind="stable").reset_index(drop=True)
