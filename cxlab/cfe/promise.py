"""The promise gap: executives' self-assessment against what customers report."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab._checks import renamed
from cxlab._stats import critical, linearise, wilson
from cxlab._style import CFE_COLORS, OKABE_ITO, new_ax
from cxlab.cfe.stats import check_data
from cxlab.display import Card
from cxlab.errors import DataError
from cxlab.segments import net_advocacy
from cxlab.suppression import warn_suppressed


def _clustered_share(
    flag: np.ndarray, w: np.ndarray, cluster: np.ndarray, k: int
) -> tuple[float, float, int]:
    """Weighted share of ``flag`` with a linearisation SE clustered by respondent;
    ``cluster`` are respondent codes ``0..k-1`` of the whole table, renumbered here to
    the ``m`` respondents present (the variance's ``m / (m - 1)``)."""
    seen = np.zeros(k, dtype=bool)
    seen[cluster] = True
    codes = (np.cumsum(seen) - 1)[cluster]
    m = int(seen.sum())
    res = linearise(flag, w, clusters=codes)
    se = float(np.sqrt(res["var"][0])) if m > 1 else np.nan
    return float(res["estimate"][0]), se, m


def _net_advocacy(
    recommend: pd.Series, weight: pd.Series, level: float
) -> tuple[float, float, float, int]:
    ok = recommend.notna().to_numpy()
    r, w = recommend[ok].to_numpy(dtype=float), weight[ok].to_numpy(dtype=float)
    row = net_advocacy(pd.Series(r), pd.Series(w), min_base=1, level=level).iloc[0]
    return float(row["value"]), float(row["ci_low"]), float(row["ci_high"]), int(row["n"])


@dataclass(frozen=True, repr=False)
class PromiseGap(Card):
    """Executives' self-assessment set against what customers report.

    Attributes
    ----------
    table : DataFrame
        One row per measure: ``measure, side, label, value, ci_low, ci_high, n,
        unit, suppressed`` (percent, or points for net advocacy and the gap). Measures:
        ``brand_promise_fulfilled`` and ``deep_customer_understanding`` (executive),
        ``brand_expectation_met`` and ``net_advocacy`` (customer), ``promise_gap``
        (executive claim minus customer share, percentage points).
    events : DataFrame
        Share of each event's ratings meeting the brand expectation: ``event_id,
        name, stage, value, ci_low, ci_high, n, suppressed`` (``n`` ratings; suppressed
        when fewer than ``min_base`` respondents rated the event).
    verdict : str
        Plain-language reading of the numbers.
    level : float
    population : str
        The executives the claim comes from, e.g. ``"the 27 banking executives"``.
    min_base : int
        Smallest base for a reported figure.
    """

    table: pd.DataFrame
    events: pd.DataFrame
    verdict: str
    level: float = 0.95
    population: str = "the executives"
    min_base: int = 30

    def value(self, measure: str) -> float:
        """The estimate of one measure.

        Parameters
        ----------
        measure : str
            The measure.
        """
        return float(self.table.set_index("measure").loc[measure, "value"])

    def summary(self) -> pd.DataFrame:
        """The table with rounded figures and the interval as text."""
        t = self.table
        ci = [f"{lo:.0f} to {hi:.0f}" if np.isfinite(lo) and np.isfinite(hi) else "not reported"
              for lo, hi in zip(t["ci_low"], t["ci_high"], strict=True)]  # fmt: skip
        return pd.DataFrame({"measure": t["label"], "value": t["value"].round(1), f"{self.level:.0%} CI": ci,
                             "n": t["n"], "unit": t["unit"]})  # fmt: skip

    def plot(self, ax=None):
        """Share of ratings meeting the brand expectation per event, against the executives' claim.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        """

        ev = self.events.sort_values("value", ascending=False).reset_index(drop=True)
        ax = new_ax(ax, (8, 0.45 * len(ev) + 2.2))
        t = self.table.set_index("measure")
        allr = t.loc["brand_expectation_met"]
        labels = ["All interactions", *ev["name"].astype(str)]
        vals = np.r_[allr["value"], ev["value"]]
        lo, hi = np.r_[allr["ci_low"], ev["ci_low"]], np.r_[allr["ci_high"], ev["ci_high"]]
        y = np.arange(len(labels))[::-1]
        colours = [CFE_COLORS["customer"]] + [OKABE_ITO["sky"]] * len(ev)
        ax.barh(y, vals, color=colours, height=0.65, xerr=np.vstack([vals - lo, hi - vals]),
                error_kw={"ecolor": "#333333", "capsize": 3, "lw": 1})  # fmt: skip
        ex = t.loc["brand_promise_fulfilled"]
        if np.isfinite(ex["value"]):
            ax.axvspan(ex["ci_low"], ex["ci_high"], color=CFE_COLORS["executive"], alpha=0.15, lw=0,
                       label=f"{self.level:.0%} CI of the executives' share")  # fmt: skip
            ax.axvline(ex["value"], color=CFE_COLORS["executive"], ls="--", lw=2,
                       label=f"{_cap(self.population)} who say they fulfil the brand promise: {ex['value']:.0f}%")  # fmt: skip
        for i, (yy, v) in enumerate(zip(y, vals, strict=True)):
            ax.text(1.5, yy, "n/a" if np.isnan(v) else f"{v:.0f}%", va="center", ha="left", fontsize=9,
                    fontweight="bold", color="white" if i == 0 and np.isfinite(v) else "#1a1a1a")  # fmt: skip
        ax.set_yticks(y, labels)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Customer ratings meeting or beating the brand expectation (%)")
        gap = self.value("promise_gap")
        if np.isfinite(gap):
            ax.set_title(
                f"The promise gap: {gap:+.0f} points between executives' claim and delivery"
            )
        else:
            ax.set_title(
                f"Promise gap not reported: {self.population} (base under {self.min_base})"
            )
        if ax.get_legend_handles_labels()[0]:
            ax.legend(
                loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False, fontsize=9, ncol=2
            )
        ax.grid(axis="x", alpha=0.3)
        return ax


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _verdict(t: pd.DataFrame, events: pd.DataFrame, level: float, population: str,
             min_base: int) -> str:  # fmt: skip
    r = t.set_index("measure")
    ex, cu, gap = (
        r.loc["brand_promise_fulfilled"],
        r.loc["brand_expectation_met"],
        r.loc["promise_gap"],
    )
    ci = f"{level:.0%} CI"
    if ex["suppressed"]:
        n = int(ex["n"])
        claim = (f"The executives' claim is not reported: {n} answer{'' if n == 1 else 's'} from {population} to "
                 f"'we fulfil our brand promise' {'is' if n == 1 else 'are'} fewer than the minimum base of "
                 f"{min_base}, so there is no promise gap to quote")  # fmt: skip
    else:
        claim = (f"{ex['value']:.0f}% of {population} ({ci} {ex['ci_low']:.0f}-{ex['ci_high']:.0f}%) say the "
                 "company fulfils its brand promise")  # fmt: skip
    if cu["suppressed"]:
        delivery = (f"fewer than {min_base} customers rated the events, too few to report how often delivery "
                    "met the brand expectation")  # fmt: skip
    else:
        delivery = (f"customers' ratings met or beat their brand expectation in {cu['value']:.0f}% of "
                    f"interactions ({cu['ci_low']:.0f}-{cu['ci_high']:.0f}%)")  # fmt: skip
    text = f"{claim}; {delivery}."
    span = f"({ci} {gap['ci_low']:.0f} to {gap['ci_high']:.0f})"
    if not np.isfinite(gap["value"]):
        pass
    elif gap["ci_low"] > 0:
        text += f" Executives overstate delivery: a promise gap of {gap['value']:.0f} percentage points {span}."
    elif gap["ci_high"] < 0:
        text += (f" Customers report better delivery than executives claim ({-gap['value']:.0f} points {span}): "
                 "no promise gap.")  # fmt: skip
    else:
        text += f" The claim and the delivery cannot be told apart (difference {gap['value']:+.0f} points {span})."
    shown = events[np.isfinite(events["value"].to_numpy(dtype=float))] if len(events) else events
    if len(shown):
        worst = shown.sort_values("value").iloc[0]
        text += f" The widest shortfall is at '{worst['name']}' ({worst['value']:.0f}% meet the brand expectation)."
    if "deep_customer_understanding" in r.index and np.isfinite(
        r.loc["deep_customer_understanding", "value"]
    ):
        u = r.loc["deep_customer_understanding", "value"]
        text += (f" {'Only ' if u < 50 else ''}{u:.0f}% of {population} claim a deep understanding of their "
                 f"customers; {100 - u:.0f}% describe it as generalised or superficial.")  # fmt: skip
    if "net_advocacy" in r.index and np.isfinite(r.loc["net_advocacy", "value"]):
        na = r.loc["net_advocacy"]
        text += f" Net advocacy is {na['value']:+.0f} ({ci} {na['ci_low']:+.0f} to {na['ci_high']:+.0f})."
    return text


@renamed(confidence="level")
def promise_gap(
    executive_data: pd.DataFrame,
    survey,
    *,
    industry: str | None = None,
    agree: float = 4,
    level: float = 0.95,
    min_base: int = 30,
) -> PromiseGap:
    """Executives' belief that they keep the brand promise against customers' experience.

    Executive side (one answer per executive): the share agreeing "we fulfil our
    brand promise" (``agree`` or higher on 1-5) and the share claiming a deep
    understanding of customers, with Wilson intervals. Customer side, from
    ``survey.event_table()``: the weighted share of event ratings where
    ``performance >= brand_expectation`` (interval clustered by respondent, since a
    respondent rates several events) and net advocacy (% recommend 9-10 minus % 0-6).
    The promise gap is the executive share minus the customer share, with a normal
    interval from the two independent standard errors.

    Parameters
    ----------
    executive_data : DataFrame
        Tidy executive data (with ``brand_promise`` and ``customer_understanding``).
    survey : cxlab.Survey
        The customer survey of the same company.
    industry : str, optional
        Keep only executives of this industry (e.g. ``survey.codebook.industry``);
        needs an ``industry`` column. The verdict names the population ("the 27
        banking executives").
    agree : float
        Lowest answer counted as agreeing (4 = "agree" on a 1-5 scale).
    level : float
    min_base : int
        Smallest base for a reported figure: executive shares with fewer answers
        (and then the promise gap), customer shares with fewer respondents and
        events rated by fewer respondents are suppressed (NaN, ``suppressed``
        True, a :class:`~cxlab.errors.SuppressionWarning`); the verdict says so
        instead of quoting them.

    Returns
    -------
    PromiseGap

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> from cxlab.synth.executive import make_executive_study
    >>> execs, _ = make_executive_study(seed=0)
    >>> survey, _ = make_study("banking", n_respondents=300, seed=0)
    >>> promise_gap(execs, survey).verdict.split(";")[0]  # doctest: +ELLIPSIS
    '...% of the 108 executives (95% CI ...) say the company fulfils its brand promise'
    """
    check_data(executive_data)
    if "brand_promise" not in executive_data.columns:
        raise DataError(
            "executive data has no 'brand_promise' self-assessment", column="brand_promise"
        )
    people = executive_data.drop_duplicates("executive_id")
    if industry is not None:
        if "industry" not in people.columns:
            raise DataError(f"executive data has no 'industry' column to keep the {industry!r} executives; "
                            "pass industry=None to use all executives", column="industry")  # fmt: skip
        people = people[people["industry"] == industry]
        if people.empty:
            raise DataError(f"no executives of industry {industry!r}", column="industry")
    who = f"{industry} executives" if industry is not None else "executives"
    population = f"the {len(people)} {who}" if len(people) != 1 else f"the one {who[:-1]}"
    z = critical(level)
    rows = []
    labels = {"brand_promise": ("brand_promise_fulfilled", f"{_cap(who)}: 'we fulfil our brand promise'"),
              "customer_understanding": ("deep_customer_understanding", f"{_cap(who)}: deep understanding of customers")}  # fmt: skip
    se_exec = np.nan
    for item, (measure, label) in labels.items():
        x = people[item].dropna().to_numpy(dtype=float) if item in people else np.array([])
        k, n = int((x >= agree).sum()), x.size
        lo, hi = wilson(k / n, n, level) if n else (np.nan, np.nan)
        p = k / n if n else np.nan
        if item == "brand_promise":
            se_exec = np.sqrt(p * (1 - p) / n) if n else np.nan
        rows.append({"measure": measure, "side": "executive", "label": label, "value": 100 * p,
                     "ci_low": 100 * lo, "ci_high": 100 * hi, "n": n, "unit": "percent", "base": n})  # fmt: skip
    # the rated events as arrays (no copy of the event table); respondents and events
    # factorized once (cheap for categorical ids), each event's rows a slice
    et = survey.event_table()
    perf = et["performance"].to_numpy(dtype=float)
    expect = et["brand_expectation"].to_numpy(dtype=float)
    rated = np.flatnonzero(~np.isnan(perf) & ~np.isnan(expect))
    if rated.size == 0:
        raise DataError(
            "the customer survey has no event with both performance and brand_expectation"
        )
    met = (perf[rated] >= expect[rated]).astype(float)
    w = et["weight"].to_numpy(dtype=float)[rated]
    rid, rid_uniques = pd.factorize(et["respondent_id"])
    rid, k_rid = rid[rated], len(rid_uniques)
    p_c, se_c, m_c = _clustered_share(met, w, rid, k_rid)
    rows.append({"measure": "brand_expectation_met", "side": "customer",
                 "label": "Customers: ratings meeting the brand expectation", "value": 100 * p_c,
                 "ci_low": 100 * max(p_c - z * se_c, 0), "ci_high": 100 * min(p_c + z * se_c, 1), "n": rated.size,
                 "unit": "percent", "base": m_c})  # fmt: skip
    resp = survey.respondents
    if "recommend" in resp and resp["recommend"].notna().any():
        na, na_lo, na_hi, na_n = _net_advocacy(resp["recommend"], resp["weight"], level)
    else:  # no likelihood-to-recommend question: the row stays, empty
        na, na_lo, na_hi, na_n = np.nan, np.nan, np.nan, 0
    rows.append({"measure": "net_advocacy", "side": "customer", "label": "Customers: net advocacy",
                 "value": na, "ci_low": na_lo, "ci_high": na_hi, "n": na_n, "unit": "points",
                 "base": na_n if na_n else min_base})  # fmt: skip
    g = 100 * (rows[0]["value"] / 100 - p_c)
    se_g = 100 * np.sqrt(se_exec**2 + se_c**2)
    rows.append({"measure": "promise_gap", "side": "gap", "label": "Promise gap (executive claim - customer delivery)",
                 "value": g, "ci_low": g - z * se_g, "ci_high": g + z * se_g, "n": rows[0]["n"], "unit": "points",
                 "base": min(rows[0]["base"], m_c)})  # fmt: skip
    table = pd.DataFrame(rows)
    small = (table.pop("base") < min_base).to_numpy()
    table["suppressed"] = small
    table.loc[small, ["value", "ci_low", "ci_high"]] = np.nan
    ev_rows = []
    names = survey.events.set_index("event_id")
    # events in order of appearance (as groupby(sort=False)); a stable sort keeps each
    # event's rows in table order
    ev, eids = pd.factorize(et["event_id"].iloc[rated])
    order = np.argsort(ev, kind="stable")
    bounds = np.searchsorted(ev[order], np.arange(len(eids) + 1))
    stage = et["stage"].iloc[rated]
    for e, eid in enumerate(eids):
        part = order[bounds[e] : bounds[e + 1]]  # rows among the rated ones
        p, se, m = _clustered_share(met[part], w[part], rid[part], k_rid)
        ev_rows.append({"event_id": eid, "name": names.loc[eid, "name"] if eid in names.index else eid,
                        "stage": stage.iloc[part[0]], "value": 100 * p, "ci_low": 100 * max(p - z * se, 0),
                        "ci_high": 100 * min(p + z * se, 1), "n": part.size,
                        "suppressed": m < min_base})  # fmt: skip
    events = pd.DataFrame(ev_rows)
    ev_small = events["suppressed"].to_numpy(dtype=bool)
    events.loc[ev_small, ["value", "ci_low", "ci_high"]] = np.nan
    warn_suppressed(f"promise gap ({population})", int(small.sum()) + int(ev_small.sum()), min_base,
                    [*table.loc[small, "measure"], *events.loc[ev_small, "event_id"].astype(str)], stacklevel=2)  # fmt: skip
    verdict = _verdict(table, events, level, population, min_base)
    return PromiseGap(table, events, verdict, level, population, min_base)
