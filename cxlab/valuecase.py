"""The value case: what closing each event's gap is worth, set against its cost.

"Delight when it makes sense (and cents)" (docs/framework.md section 6).  For every event
:func:`value_case` takes the course from :func:`cxlab.moments.prioritize` and a planned
change in performance (the *lift*):

* **fix** - raise performance to the brand-specific expectation (lift = -brand gap);
* **basics** - raise performance to the customary baseline (lift = -baseline gap);
* **delight** and **maintain** - raise performance by ``lift`` points (1 by default);
* **right-size** - lower performance to the brand expectation (a negative lift), where
  the cost table carries the saving as a negative cost.

The lift moves event satisfaction by the event's slope of satisfaction on performance,
satisfaction moves ``recommend`` through the respondent-level advocacy regression
(:func:`cxlab.moments.advocacy_impact`; negative impact estimates are read as zero,
since better satisfaction does not make customers less likely to recommend), and the shift in each respondent's predicted
``recommend`` (with the model's residual spread) moves the advocacy mix.  Each group's
value per customer over the horizon comes from the data: annual value ``spend -
service_cost`` and retention implied by mean ``tenure`` (``1 - 1 / tenure``), both by
advocacy group, discounted yearly.  Net present value = customers x value of the mix
change - present value of the yearly cost.  Uncertainty: a seeded bootstrap over
respondents re-estimates every step (gaps, slopes, the advocacy model, the economics).

Every money figure rests on the client's assumptions, which the result states with
their source (``ValueCase.assumptions["sources"]``): the customer base (``customers``;
without it the value case is given per 1,000 customers), the currency (``currency``;
without it "currency units"), the horizon and the discount rate (cxlab defaults 3 years
and 8% unless set). Without improvement costs (``costs=None``) only the benefit side is
valued: the present value of the advocacy change per event, with no NPV, ROI or
break-even, since those would rest on costs nobody gave.

Examples
--------
>>> from cxlab.synth import make_study
>>> from cxlab.valuecase import value_case, default_costs
>>> survey, truth = make_study("banking", n_respondents=631, seed=0)
>>> vc = value_case(survey, default_costs(survey), n_boot=50, seed=0)
>>> list(vc.summary().columns)[:3]
['rank', 'event', 'action']
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special
from threadpoolctl import threadpool_limits

from cxlab._checks import renamed, weights_of
from cxlab._diagnosis import advocacy_design
from cxlab._progress import progress
from cxlab._style import ACTION_COLORS, new_ax
from cxlab.display import Card
from cxlab.errors import (
    CxlabWarning,
    DataError,
    DataQualityWarning,
    ModelError,
    ParameterError,
)
from cxlab.priorities import prioritize
from cxlab.segments import ADVOCACY_LEVELS, AdvocacyCuts, agitator_flags, classify_advocacy

__all__ = [
    "DEFAULT_SCENARIOS",
    "PER_CUSTOMERS",
    "ValueCase",
    "default_costs",
    "money",
    "value_case",
]

#: Without a customer base the value case is given for this many customers.
PER_CUSTOMERS = 1_000

#: Sensitivity scenarios: multipliers on the modelled advocacy response (``effect``) and
#: on costs (``cost``), and overrides of ``discount_rate`` / ``horizon_years`` /
#: ``customers``.  "central" uses the arguments of :func:`value_case` unchanged.
DEFAULT_SCENARIOS: dict[str, dict[str, float]] = {
    "low": {"effect": 0.5, "cost": 1.3, "discount_rate": 0.12},
    "central": {"effect": 1.0, "cost": 1.0},
    "high": {"effect": 1.25, "cost": 0.8, "discount_rate": 0.05},
}

#: Illustrative yearly cost of an improvement by course of action (money per year);
#: right-size is a saving.
DEFAULT_COST_BY_ACTION: dict[str, float] = {
    "basics": 60_000.0,
    "fix": 250_000.0,
    "delight": 400_000.0,
    "right-size": -20_000.0,
    "maintain": 150_000.0,
}

_SCENARIO_KEYS = {"effect", "cost", "discount_rate", "horizon_years", "customers"}


# ------------------------------------------------------------------------ result
@dataclass(frozen=True, repr=False)
class ValueCase(Card):
    """Value case per event.

    Attributes
    ----------
    table : DataFrame
        One row per event, best first: ``rank, event_id, name, stage, channel, action,
        lift`` (performance points), ``satisfaction_change``, ``recommend_change``
        (among customers who go through the event), ``reach`` (share of customers who
        do), ``advocate_change, neutral_change, antagonist_change, agitator_change,
        net_advocacy_change`` (percentage points of the whole base),
        ``benefit_per_customer``, ``benefit``, ``cost`` (per year), ``cost_pv``,
        ``npv, npv_ci_low, npv_ci_high``, ``roi, roi_ci_low, roi_ci_high`` (NPV / PV of cost; NaN for
        savings), ``p_positive`` (share of the event's evaluable bootstrap draws with
        NPV > 0), ``p_best`` (share of the successful draws in which the event has the
        highest NPV; failed draws are counted in ``assumptions["n_boot_failed"]``),
        ``break_even_customers``.
    sensitivity : DataFrame
        One row per event x scenario: ``event_id, name, scenario, effect, cost_factor,
        discount_rate, horizon_years, customers, benefit, cost_pv, npv, roi, rank``.
    economics : DataFrame
        Per advocacy group: ``advocacy_group, n, annual_value, tenure, retention,
        horizon_value`` (central assumptions).
    assumptions : dict
        The central assumptions (customers, horizon, discount rate, lift, n_boot, seed)
        and ``n_boot_failed``, the bootstrap draws that could not be evaluated.
    draws : DataFrame
        Bootstrap NPV draws (one row per resample, one column per event; without
        improvement costs the cost is zero, so these are the benefit draws).
    benefit_draws : DataFrame
        Bootstrap draws of the benefit (same resamples, rows and columns as ``draws``),
        before any improvement cost: what :func:`cxlab.roadmap.plan` re-solves over.
    """

    table: pd.DataFrame
    sensitivity: pd.DataFrame
    economics: pd.DataFrame
    assumptions: dict = field(default_factory=dict)
    draws: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    benefit_draws: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def cost_based(self) -> bool:
        """True when improvement costs were given (NPV and ROI are estimated)."""
        return bool(self.assumptions.get("cost_based", True))

    @property
    def currency(self) -> str:
        """The currency label of the money figures ("currency units" when not given)."""
        return self.assumptions.get("currency") or "currency units"

    def describe_assumptions(self) -> pd.DataFrame:
        """Every assumption of the money figures with its value and source.

        Returns
        -------
        DataFrame
            ``assumption, value, source``.
        """
        a = self.assumptions
        src = a.get("sources", {})
        rows = [
            ("customer base", f"{a['customers']:,.0f} customers", src.get("customers", "")),
            ("currency", self.currency, src.get("currency", "")),
            ("horizon", f"{a['horizon_years']} years", src.get("horizon_years", "")),
            ("discount rate", f"{a['discount_rate']:.1%} a year", src.get("discount_rate", "")),
            (
                "improvement costs",
                "given" if self.cost_based else "not given",
                src.get("costs", ""),
            ),
            ("lift of delight / maintain", f"{a['lift']:g} performance points", "cxlab default"),
            (
                "value of a customer",
                "spend minus service cost a year, retention from tenure, by advocacy group",
                "the survey's spend, service_cost and tenure",
            ),
            (
                "advocacy cut points",
                a.get("cuts_rule") or f"cut points {a.get('cuts')}",
                src.get("cuts", ""),
            ),
            ("uncertainty", f"{a['n_boot']} bootstrap resamples, seed {a['seed']}", "cxlab"),
        ]
        return pd.DataFrame(rows, columns=["assumption", "value", "source"])

    def summary(self) -> pd.DataFrame:
        """The ranking in report form (money rounded, shares in percent)."""
        t = self.table
        if not self.cost_based:
            return pd.DataFrame(
                {
                    "rank": t["rank"],
                    "event": t["name"],
                    "action": t["action"],
                    "net advocacy change (pts)": t["net_advocacy_change"].round(1),
                    "benefit": t["benefit"].round(-1),
                    "benefit 95% CI": [
                        f"{lo:,.0f} to {hi:,.0f}"
                        for lo, hi in zip(t["benefit_ci_low"], t["benefit_ci_high"], strict=True)
                    ],
                }
            ).reset_index(drop=True)
        out = pd.DataFrame(
            {
                "rank": t["rank"],
                "event": t["name"],
                "action": t["action"],
                "net advocacy change (pts)": t["net_advocacy_change"].round(1),
                "NPV": t["npv"].round(-3),
                "NPV 95% CI": [
                    f"{lo:,.0f} to {hi:,.0f}"
                    for lo, hi in zip(t["npv_ci_low"], t["npv_ci_high"], strict=True)
                ],
                "ROI": t["roi"].round(2),
                "P(NPV > 0)": (100 * t["p_positive"]).round(0),
                "break-even customers": t["break_even_customers"].round(-2),
            }
        )
        return out.reset_index(drop=True)

    def plot(self, ax=None):
        """Net present value per event with bootstrap intervals, coloured by action.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        """
        from matplotlib.patches import Patch
        from matplotlib.ticker import FuncFormatter

        col = "npv" if self.cost_based else "benefit"
        t = self.table.dropna(subset=[col]).sort_values(col)
        ax = new_ax(ax, (8, 0.45 * len(t) + 1.8))
        ypos = np.arange(len(t))
        colors = [ACTION_COLORS.get(str(a), "#BBBBBB") for a in t["action"]]
        err = np.vstack([t[col] - t[f"{col}_ci_low"], t[f"{col}_ci_high"] - t[col]]).clip(0)
        ax.barh(ypos, t[col], color=colors, edgecolor="black", linewidth=0.5)
        ax.errorbar(t[col], ypos, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(ypos, [_wrap(str(n), 28) for n in t["name"]])
        ax.xaxis.set_major_formatter(FuncFormatter(_money))
        a = self.assumptions
        base = (
            f"{a.get('customers', 0):,.0f} customers"
            if a.get("customers_given", True)
            else f"per {PER_CUSTOMERS:,} customers"
        )
        what = "Net present value" if self.cost_based else "Present value of the benefit"
        ax.set_xlabel(
            f"{what} over {a.get('horizon_years')} years, {self.currency} "
            f"({base}, discount {a.get('discount_rate', 0):.0%})"
        )
        ax.set_title(
            "Value case: net value of closing each event's gap (95% bootstrap CI)"
            if self.cost_based
            else "Value case: benefit of closing each event's gap, before costs (95% bootstrap CI)"
        )
        present = [x for x in ACTION_COLORS if x in set(t["action"].astype(str))]
        ax.legend(
            handles=[Patch(color=ACTION_COLORS[x], label=x) for x in present],
            title="Action",
            loc="lower right",
            frameon=True,
            fontsize=8,
        )
        ax.grid(axis="x", alpha=0.3)
        return ax


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def money(x: float, currency: str | None = None, digits: int = 0) -> str:
    """A money amount with its currency: ``money(1234567, "EUR")`` -> ``"EUR 1,234,567"``.

    Without a currency the amount is labelled "currency units"; NaN gives "n/a".

    Parameters
    ----------
    x : float
        The amount.
    currency : str, optional
        Currency code or symbol for amounts (None: plain numbers).
    digits : int
        Decimals.

    Examples
    --------
    >>> money(1234567.4, "EUR"), money(-50, None)
    ('EUR 1,234,567', '-50 currency units')
    """
    if x is None or not np.isfinite(x):
        return "n/a"
    amount = f"{x:,.{digits}f}"
    return f"{currency} {amount}" if currency else f"{amount} currency units"


def _money(x: float, _pos=None) -> str:
    ax = abs(x)
    if ax >= 1e6:
        return f"{x / 1e6:,.1f}M"
    if ax >= 1e3:
        return f"{x / 1e3:,.0f}k"
    return f"{x:,.0f}"


# ------------------------------------------------------------------------- costs
def default_costs(
    survey=None,
    priorities: pd.DataFrame | None = None,
    by_action: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """An illustrative cost table for the sample data (one yearly cost per event).

    Each event is costed by its course of action (:data:`DEFAULT_COST_BY_ACTION`:
    basics 60k, fix 250k, delight 400k, maintain 150k per year; right-size a 20k
    saving), so a report can run before the client supplies real costs.

    Parameters
    ----------
    survey : Survey, optional
        Prioritised with default rules when ``priorities`` is not given.
    priorities : DataFrame, optional
        A :func:`cxlab.moments.prioritize` table.
    by_action : mapping, optional
        Overrides of the cost per action.

    Returns
    -------
    DataFrame
        ``event_id, cost, basis``.

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, _ = make_study("banking", n_respondents=300, seed=0)
    >>> list(default_costs(survey).columns)
    ['event_id', 'cost', 'basis']
    """
    if priorities is None:
        if survey is None:
            raise ParameterError("default_costs needs a survey or a priorities table")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            priorities = prioritize(survey)
    costs = {**DEFAULT_COST_BY_ACTION, **(by_action or {})}
    action = priorities["action"].astype(object)
    cost = action.map(costs).astype(float)
    basis = [
        f"illustrative yearly cost of a '{a}' improvement" if isinstance(a, str) else "not assessed"
        for a in action
    ]
    return pd.DataFrame({"event_id": priorities["event_id"], "cost": cost, "basis": basis})


def _cost_series(costs, event_ids: list) -> pd.Series:
    if isinstance(costs, pd.DataFrame):
        for col in ("event_id", "cost"):
            if col not in costs.columns:
                raise DataError("the cost table needs columns event_id and cost", column=col)
        series = costs.set_index("event_id")["cost"]
    elif isinstance(costs, Mapping):
        series = pd.Series(dict(costs))
    elif isinstance(costs, pd.Series):
        series = costs
    else:
        raise ParameterError("costs must be a DataFrame (event_id, cost), a dict or a Series")
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() & series.notna()
    if bad.any():
        raise DataError(
            "costs must be numeric", column="cost", rows=[str(i) for i in series.index[bad]]
        )
    if values.index.duplicated().any():
        raise DataError("an event appears twice in the cost table", column="event_id")
    unknown = sorted(set(map(str, values.index)) - set(map(str, event_ids)))
    if unknown:
        warnings.warn(
            f"costs given for events not in the survey: {unknown}", DataQualityWarning, stacklevel=3
        )
    missing = [e for e in event_ids if e not in values.index]
    if missing:
        warnings.warn(
            f"no cost for events {missing}: their value case is left empty",
            DataQualityWarning,
            stacklevel=3,
        )
    return values.reindex(event_ids)


# ------------------------------------------------------------------------- model
def _prepare(survey, weights, outcome, cuts, scale=(0, 10)) -> dict:
    et = survey.event_table()
    resp = survey.respondents
    if outcome not in resp.columns:
        raise DataError("the value case needs this respondent column", column=outcome)
    if not pd.to_numeric(resp[outcome], errors="coerce").notna().any():
        raise ModelError(
            f"no respondent answered {outcome!r}: the value case models advocacy from it",
            column=outcome,
        )
    design = advocacy_design(et, resp, weights, outcome)
    r = resp.iloc[design["rows"]]
    groups = classify_advocacy(r[outcome], agitator=agitator_flags(r), scale=scale, cuts=cuts)
    for col in ("spend", "service_cost", "tenure"):
        if col not in r.columns:
            raise DataError("the value case needs this respondent column", column=col)
    num = r[["spend", "service_cost", "tenure"]].apply(pd.to_numeric, errors="coerce")
    # every respondent is resampled; event rows (gaps, slopes) use all raters, the
    # advocacy model and the economics those who answered the outcome.  The design
    # gives each event row's respondent position and event index (integer codes).
    # (taken out of the design: only the rows below, subset, are kept while F is built)
    pos, code = design.pop("row_pos"), design.pop("row_event")
    keep = (pos >= 0) & (code >= 0)

    rows = {"row_pos": pos[keep], "row_event": code[keep]}
    del pos, code
    for key, name in [
        ("perf", "performance"),
        ("sat", "satisfaction"),
        ("brand_gap", "brand_gap"),
        ("baseline_gap", "baseline_gap"),
    ]:
        rows[key] = et[name].to_numpy(dtype=float)[keep]
    del keep
    # the event rows and the design matrix are needed only for the sufficient
    # statistics: not kept (at 1M respondents they are about 1 GB)
    prep = {key: v for key, v in design.items() if key not in ("X", "rated")}
    prep.update(
        group=groups.cat.codes.to_numpy(),
        annual=(num["spend"] - num["service_cost"]).to_numpy(float),
        tenure=num["tenure"].to_numpy(float),
        w_all=weights_of(resp, weights),
        yidx=design["rows"],
        cuts=cuts,
    )
    X, rated = design.pop("X"), design.pop("rated")
    del design
    # _sufficient empties ``rows`` as it goes (memory: each event-row array is freed
    # once its statistics are in F)
    prep["suff"] = _sufficient(prep, rows, X, rated)
    return prep


def _distinct_rows(M) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``M``: the index of each one's first occurrence and every
    row's distinct-row number (as ``np.unique(M, axis=0)``, in order of appearance).

    ``M`` is a 2-D array or a list of its columns (1-D arrays of one length, e.g. the
    columns of several matrices, so that they need not be stacked into one copy).
    Each column is factorised to integer codes and the codes are combined column by
    column into one integer key (mixed radix, re-factorised whenever the next column
    could overflow), so no row is compared element by element.
    """
    columns = list(M.T) if isinstance(M, np.ndarray) else list(M)
    key = np.zeros(len(columns[0]), dtype=np.int64)
    size = 1
    for col in columns:
        c, uniq = pd.factorize(np.ascontiguousarray(col), use_na_sentinel=False)
        if size * len(uniq) >= 2**62:
            key, u = pd.factorize(key)
            size = len(u)
        key = key * len(uniq) + c
        size *= len(uniq)
    inv, u = pd.factorize(key)
    # factorize numbers keys in order of first appearance: the first row of key j is
    # where the running maximum of the numbers first reaches j
    first = np.searchsorted(np.maximum.accumulate(inv), np.arange(len(u)))
    return first, inv


def _sufficient(prep: dict, rows: dict, X: np.ndarray, rated: np.ndarray) -> dict:
    """Respondent-level sufficient statistics of every weighted sum the value case takes.

    Each bootstrap replicate reweights respondents (``omega``), and every quantity of
    :func:`_evaluate` is a function of weighted sums over respondents: per event the
    raters' gap and performance/satisfaction sums (a respondent x statistic matrix
    ``F``, so the sums are ``omega @ F``), and the advocacy model's cross-products over
    the distinct rows of its design ``X`` (respondents with the same ratings share a
    latent mean, so the normal probabilities are evaluated once per distinct row); its
    ``X'Wy`` and ``y'Wy`` are the last columns of ``F``.  ``rows`` holds the event
    rows' respondent positions, event indices and ratings; it is emptied as they are
    used (memory).
    """
    k = len(prep["events"])
    n_all = len(prep["w_all"])

    def statistics():  # the nine per-row statistics, one at a time (memory)
        for g in ("brand_gap", "baseline_gap"):
            v = rows.pop(g)  # freed once its statistics are in F
            ok = np.isfinite(v)
            yield ok.astype(float)
            yield np.where(ok, v, 0.0)
            del v, ok
        x, y = rows.pop("perf"), rows.pop("sat")
        ok = np.isfinite(x) & np.isfinite(y)
        x0, y0 = np.where(ok, x, 0.0), np.where(ok, y, 0.0)
        del x, y
        yield ok.astype(float)
        del ok
        yield x0
        yield y0
        yield x0 * y0
        yield x0 * x0

    # F is filled in place, column block by column block (memory: no full-width
    # temporaries next to it).  Column-major, so that a column's memory is committed
    # only when the column is written: the event-row arrays are freed while F fills up
    # (in row-major order the first block already touches every page of F).
    g, yv = prep["group"], prep["y"]
    F = np.zeros((n_all, 9 * k + 14 + X.shape[1] + 1), order="F")  # 14 economics columns
    cell = rows.pop("row_pos") * k + rows.pop("row_event")
    for j, c in enumerate(statistics()):  # each one bincount over the rows
        F[:, j * k : (j + 1) * k] = np.bincount(cell, c, n_all * k).reshape(n_all, k)
        del c
    del cell

    def respondent_columns():
        # the advocacy groups' economics (respondents who answered the outcome): per
        # group the weight, spend and tenure sums of complete answers, then the
        # agitator split
        a, t = prep["annual"], prep["tenure"]
        ok = (g >= 0) & np.isfinite(a) & np.isfinite(t)
        for j in range(4):
            yield ok & (g == j)
        for v in (a, t):
            for j in range(4):
                yield np.where(ok & (g == j), v, 0.0)
        yield g == 0
        yield np.isin(g, (0, 1))
        # the advocacy model's cross-products with the outcome: X'Wy and y'Wy
        for j in range(X.shape[1]):
            yield X[:, j] * yv
        yield yv * yv

    yidx = prep["yidx"]
    for j, c in enumerate(respondent_columns(), start=9 * k):
        F[yidx, j] = c
    # the advocacy model's design, collapsed to its distinct rows
    first, inv = _distinct_rows([*X.T, *rated.T])
    # the (distinct row, event) pairs of raters, event by event: event j's raters are
    # pair_u[pair_bounds[j]:pair_bounds[j + 1]]
    pair_e, pair_u = map(np.ascontiguousarray, np.nonzero(rated[first].T))
    return {
        "F": F,
        "Xu": X[first],
        "inv": inv,
        "n_u": len(first),
        "pair_u": pair_u,
        "pair_e": pair_e,
        "pair_bounds": np.searchsorted(pair_e, np.arange(k + 1)),
        "rated_u": np.ascontiguousarray(rated[first], dtype=float),
        "group_n": np.bincount(g[g >= 0], minlength=4),
    }


def _event_sums(sums: np.ndarray, k: int) -> dict:
    """Per-event weighted gaps and slope of satisfaction on performance from the
    weighted sums ``omega @ F``."""
    S = sums[: 9 * k].reshape(9, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"brand_gap": S[1] / S[0], "baseline_gap": S[3] / S[2]}
        sw, sx, sy, sxy, sxx = S[4:]
        out["slope"] = (sxy - sx * sy / sw) / (sxx - sx * sx / sw)
    return out


def _advocacy_fit(prep: dict, omega: np.ndarray, sums: np.ndarray):
    """WLS of the outcome on the design: coefficients, the latent mean of each distinct
    design row, its weight and the residual SD (as :func:`cxlab._diagnosis.wls_hc1`).

    ``X'WX`` comes from the distinct rows' weights (one bincount), ``X'Wy`` and
    ``y'Wy`` from the weighted sums ``omega @ F``; the residual sum of squares is
    ``y'Wy - 2 b'X'Wy + b'X'WX b``.
    """
    suff = prep["suff"]
    Xu, p = suff["Xu"], suff["Xu"].shape[1]
    wu = np.bincount(suff["inv"], omega[prep["yidx"]], suff["n_u"])
    xwy, ywy = sums[-p - 1 : -1], sums[-1]
    xwx = Xu.T @ (Xu * wu[:, None])
    beta = np.linalg.pinv(xwx) @ xwy
    mu = Xu @ beta
    n = len(prep["y"])
    rss = ywy - 2 * beta @ xwy + beta @ xwx @ beta
    sigma = float(np.sqrt(max(rss, 0.0) / wu.sum() * n / max(n - p, 1)))
    return beta, mu, wu, sigma


def _mix_change(cuts, mu, sigma, wu, suff, shift, k) -> np.ndarray:
    """Weighted change in the (agitator, antagonist, neutral, advocate) shares when
    each event's raters' latent mean moves by ``shift`` (one column per event): sums over
    the distinct design rows that rated the event, before the agitator split ``q``.

    Event by event (its raters are a contiguous run of the pairs); an event that does
    not move changes nothing (exactly zero), so its probabilities are not evaluated.
    The sums are plain ones, not BLAS products: a threaded BLAS call per event and draw
    is slow on a busy machine.
    """
    if not (np.isfinite(mu).all() and np.isfinite(sigma) and sigma > 0):
        return _mix_change_plain(cuts, mu, sigma, wu, suff, shift, k)
    u, bounds = suff["pair_u"], suff["pair_bounds"]
    base = [special.ndtr((c + 0.5 - mu) / sigma) for c in cuts[:2]]
    d = np.zeros((2, k))
    for j in np.flatnonzero((shift != 0) & (bounds[1:] > bounds[:-1])):
        uj = u[bounds[j] : bounds[j + 1]]
        mj, wj = mu[uj] + shift[j], wu[uj]
        for i, c in enumerate(cuts[:2]):
            d[i, j] = (wj * (special.ndtr((c + 0.5 - mj) / sigma) - base[i][uj])).sum()
    low, upto = d
    return np.stack([low, low, upto - low, -upto], axis=-1)


def _mix_change_plain(cuts, mu, sigma, wu, suff, shift, k) -> np.ndarray:
    """:func:`_mix_change` term by term (every rater pair, with and without the shift):
    the formula itself, used when the fit is degenerate (NaN shows everywhere)."""
    u, e = suff["pair_u"], suff["pair_e"]
    d = []
    for c in cuts[:2]:
        base = special.ndtr((c + 0.5 - mu) / sigma)
        moved = special.ndtr((c + 0.5 - (mu[u] + shift[e])) / sigma)
        d.append(np.bincount(e, wu[u] * (moved - base[u]), k))
    low, upto = d
    return np.stack([low, low, upto - low, -upto], axis=-1)


def _economics(prep: dict, sums: np.ndarray, horizon: int, rate: float) -> dict:
    """Value of a customer per advocacy group from the weighted sums ``omega @ F``."""
    S = sums[9 * len(prep["events"]) :]
    sw = S[0:4]
    with np.errstate(invalid="ignore", divide="ignore"):
        annual = S[4:8] / sw
        tenure = S[8:12] / sw
    # a group absent from the sample borrows its neighbour's economics
    for j in (1, 0, 2, 3):
        if not np.isfinite(annual[j]):
            donor = {0: 1, 1: 0, 2: 1, 3: 2}[j]
            annual[j], tenure[j] = annual[donor], tenure[donor]
    retention = np.clip(1 - 1 / np.maximum(tenure, 1.0), 0.0, 0.99)
    years = np.arange(1, horizon + 1)
    factor = (retention[:, None] ** (years - 1) / (1 + rate) ** years).sum(axis=1)
    q = float(S[12] / max(S[13], 1e-12))
    return {
        "annual": annual,
        "tenure": tenure,
        "retention": retention,
        "value": annual * factor,
        "n": prep["suff"]["group_n"],
        "q": q,
    }


def _evaluate(prep, omega, actions, costs, a: dict, lift: float, sums=None) -> dict:
    """Every quantity of the value case for one set of respondent weights ``omega``
    (aligned with ``survey.respondents``), from the sufficient statistics of
    :func:`_sufficient` (``sums = omega @ F``, computed here unless given)."""
    k = len(prep["events"])
    sums = omega @ prep["suff"]["F"] if sums is None else sums
    ev = _event_sums(sums, k)
    beta, mu, wu, sigma = _advocacy_fit(prep, omega, sums)
    lifts = np.where(
        actions == "fix",
        np.maximum(-ev["brand_gap"], 0),
        np.where(
            actions == "basics",
            np.maximum(-ev["baseline_gap"], 0),
            np.where(
                actions == "right-size",
                -np.maximum(ev["brand_gap"], 0),
                np.where(np.isin(actions, ("delight", "maintain")), lift, np.nan),
            ),
        ),
    )
    dsat = ev["slope"] * lifts
    # satisfaction never lowers advocacy: a negative impact estimate is noise, read as 0
    drec = a["effect"] * np.maximum(beta[1:], 0.0) * dsat  # per rater
    eco = _economics(prep, sums, int(a["horizon_years"]), a["discount_rate"])
    suff = prep["suff"]
    sw = wu.sum()
    dmix = _mix_change(prep["cuts"], mu, sigma, wu, suff, np.nan_to_num(drec), k) / sw
    dmix = dmix * np.array([eco["q"], 1 - eco["q"], 1.0, 1.0])
    dmix[~np.isfinite(drec)] = np.nan
    benefit_pc = dmix @ eco["value"]
    years = np.arange(1, int(a["horizon_years"]) + 1)
    annuity = float((1 / (1 + a["discount_rate"]) ** years).sum())
    cost_pv = costs * a["cost"] * annuity
    benefit = a["customers"] * benefit_pc
    npv = benefit - cost_pv
    with np.errstate(invalid="ignore", divide="ignore"):
        roi = np.where(cost_pv > 0, npv / cost_pv, np.nan)
        breakeven = np.where((cost_pv > 0) & (benefit_pc > 0), cost_pv / benefit_pc, np.nan)
    reach = (wu @ suff["rated_u"]) / sw
    return {
        "lift": lifts,
        "satisfaction_change": dsat,
        "recommend_change": drec,
        "reach": reach,
        "dmix": dmix,
        "benefit_per_customer": benefit_pc,
        "benefit": benefit,
        "cost_pv": cost_pv,
        "npv": npv,
        "roi": roi,
        "break_even_customers": breakeven,
        "economics": eco,
    }


def _number(name: str, value, where: str = "") -> float:
    """``value`` as a finite float, else a ParameterError naming the argument ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ParameterError(f"{where}{name} must be a finite number, got {value!r}")
    return float(value)


def _check_assumptions(a: dict, where: str = "") -> dict:
    """The assumptions as validated numbers; ParameterError naming the bad argument."""
    keys = ("customers", "horizon_years", "discount_rate", "effect", "cost")
    out = {**a, **{k: _number(k, a[k], where) for k in keys}}
    if out["horizon_years"] < 1 or out["horizon_years"] != int(out["horizon_years"]):
        raise ParameterError(
            f"{where}horizon_years must be a whole number >= 1, got {a['horizon_years']!r}"
        )
    out["horizon_years"] = int(out["horizon_years"])
    if not -0.5 < out["discount_rate"] < 1:
        raise ParameterError(
            f"{where}discount_rate must lie in (-0.5, 1), got {a['discount_rate']}"
        )
    if out["customers"] <= 0:
        raise ParameterError(f"{where}customers must be positive, got {a['customers']}")
    if out["effect"] < 0 or out["cost"] < 0:
        raise ParameterError(f"{where}scenario multipliers effect and cost must be >= 0")
    return out


# ---------------------------------------------------------------------- public
@renamed(confidence="level")
def value_case(
    survey,
    costs,
    diagnosis: pd.DataFrame | None = None,
    horizon_years: int = 3,
    discount_rate: float = 0.08,
    scenarios: Mapping[str, Mapping[str, float]] | None = None,
    *,
    customers: float | None = None,
    currency: str | None = None,
    lift: float = 1.0,
    weights: str | None = "weight",
    n_boot: int = 500,
    seed: int = 0,
    level: float = 0.95,
    cuts: tuple[float, float] | AdvocacyCuts = (6, 8),
    sources: Mapping[str, str] | None = None,
) -> ValueCase:
    """Value of closing each event's gap, against its cost, with uncertainty.

    Parameters
    ----------
    survey : Survey
        The study (respondents need ``recommend, spend, service_cost, tenure``).
    costs : DataFrame, dict, Series or None
        Yearly improvement cost per event (``event_id, cost``; a saving is negative),
        e.g. ``improvement_costs.csv`` or :func:`default_costs`. None: no costs were
        given, so only the benefit is valued (``cost``, ``npv``, ``roi`` and
        ``break_even_customers`` are NaN, the ranking is by benefit and
        ``assumptions["cost_based"]`` is False).
    diagnosis : DataFrame, optional
        A :func:`cxlab.moments.prioritize` table (its ``action`` column sets each
        event's lift); by default the survey is prioritised with default rules.  A
        :func:`cxlab.moments.diagnose` table without ``action`` is prioritised first.
    horizon_years : int
        Years of benefits and costs counted (3).
    discount_rate : float
        Yearly discount rate (0.08).
    scenarios : mapping, optional
        ``{name: {"effect": ..., "cost": ..., "discount_rate": ..., "horizon_years": ...,
        "customers": ...}}`` for the sensitivity table; default :data:`DEFAULT_SCENARIOS`.
    customers : float, optional
        Size of the customer base the survey represents (the client's figure). None:
        the value case is given per :data:`PER_CUSTOMERS` (1,000) customers and
        ``assumptions["customers_given"]`` is False.
    currency : str, optional
        Currency of spend, service cost and costs (labels only; e.g. ``"EUR"``).
    lift : float
        Performance points gained by a delight or maintain improvement (1).
    weights : str or None
        Weight column.
    n_boot : int
        Bootstrap replicates over respondents (0 for point estimates only).  Each
        replicate re-estimates gaps, slopes, the advocacy model and the group economics;
        the course of action per event is held fixed.
    seed : int
        Seed of the bootstrap.
    level : float
        Level of the bootstrap percentile intervals.
    cuts : (antagonist_max, neutral_max) or AdvocacyCuts
        Advocacy cut points on ``recommend`` (as :func:`cxlab.segments.classify_advocacy`),
        or the :func:`cxlab.segments.advocacy_cuts` of the recommend item (its scale
        is then used too). The latent-normal mix model assumes whole-point scores.
    sources : mapping, optional
        Where each assumption comes from, in words (``customers``, ``currency``,
        ``horizon_years``, ``discount_rate``, ``costs``, ``cuts``), kept in
        ``assumptions["sources"]``; missing ones are filled in ("argument ...").

    Returns
    -------
    ValueCase
        ``.table`` ranked by NPV, ``.sensitivity``, ``.economics``, ``.summary()``,
        ``.plot()``.

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, truth = make_study("banking", n_respondents=400, seed=0)
    >>> vc = value_case(survey, truth["improvement_costs"], n_boot=50, seed=0)
    >>> int(vc.table["rank"].iloc[0])
    1
    """
    if not 0 < level < 1:
        raise ParameterError(f"level must lie in (0, 1), got {level!r}")
    n_boot_value = n_boot
    n_boot = _number("n_boot", n_boot)
    if n_boot < 0 or n_boot != int(n_boot):
        raise ParameterError(f"n_boot must be a whole number >= 0, got {n_boot_value!r}")
    n_boot = int(n_boot)
    customers_given = customers is not None
    central = _check_assumptions(
        {
            "effect": 1.0,
            "cost": 1.0,
            "discount_rate": discount_rate,
            "horizon_years": horizon_years,
            "customers": customers if customers_given else PER_CUSTOMERS,
        }
    )
    if currency is not None and (not isinstance(currency, str) or not currency.strip()):
        raise ParameterError(f"currency must be a non-empty label, got {currency!r}")
    scale = (0, 10)
    cuts_rule = None
    if isinstance(cuts, AdvocacyCuts):
        scale, cuts_rule, cuts = cuts.scale, cuts.rule, cuts.cuts
    cost_based = costs is not None
    if diagnosis is None or "action" not in diagnosis.columns:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            diagnosis = (
                prioritize(survey, weights=weights)
                if diagnosis is None
                else prioritize(diagnosis=diagnosis)
            )
    if diagnosis["event_id"].duplicated().any():
        raise ParameterError(
            "the diagnosis has several rows per event (a by-segment table); pass an "
            "overall prioritize() table or a segment's rows with survey.subset(...)"
        )
    prep = _prepare(survey, weights, "recommend", cuts, scale)
    events = list(prep["events"])
    info = diagnosis.drop_duplicates("event_id").set_index("event_id")
    actions = info["action"].astype(object).reindex(events).to_numpy()
    cost = _cost_series(costs, events).to_numpy(float) if cost_based else np.zeros(len(events))
    omega = prep["w_all"].astype(float)
    point = _evaluate(prep, omega, actions, cost, central, lift)

    # bootstrap over respondents (multiplicities as frequency weights)
    rng = np.random.default_rng(seed)
    n = len(omega)
    draws = np.full((n_boot, len(events)), np.nan)
    roi_draws = np.full((n_boot, len(events)), np.nan)
    benefit_draws = np.full((n_boot, len(events)), np.nan)
    batch = max(1, min(n_boot, 10_000_000 // max(n, 1)))  # replicates sharing one pass over F
    # one BLAS thread: many small products per draw, where a threaded BLAS only spins
    # (on a busy machine the bootstrap took several times longer)
    with threadpool_limits(limits=1):
        for start in progress(range(0, n_boot, batch), "value-case bootstrap"):
            stop = min(start + batch, n_boot)
            omegas = np.empty((stop - start, n))
            for j in range(stop - start):  # filled in place: no list of rows to stack
                np.multiply(omega, np.bincount(rng.integers(0, n, n), minlength=n), out=omegas[j])
            sums = omegas @ prep["suff"]["F"]
            for j, b in enumerate(range(start, stop)):
                with np.errstate(invalid="ignore", divide="ignore"):
                    res = _evaluate(prep, omegas[j], actions, cost, central, lift, sums[j])
                draws[b], roi_draws[b], benefit_draws[b] = res["npv"], res["roi"], res["benefit"]
            del omegas
    alpha = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        npv_lo, npv_hi = (
            np.nanquantile(draws, [alpha, 1 - alpha], axis=0)
            if n_boot
            else (np.full(len(events), np.nan),) * 2
        )
        roi_lo, roi_hi = (
            np.nanquantile(roi_draws, [alpha, 1 - alpha], axis=0)
            if n_boot
            else (np.full(len(events), np.nan),) * 2
        )
        benefit_lo, benefit_hi = (
            np.nanquantile(benefit_draws, [alpha, 1 - alpha], axis=0)
            if n_boot
            else (np.full(len(events), np.nan),) * 2
        )
    # shares over the draws that could be evaluated: a failed draw (NaN NPV for an event
    # with a point estimate) counts neither for nor against an event
    finite = np.isfinite(draws)
    failed = (~finite[:, np.isfinite(point["npv"])]).any(axis=1)
    n_failed = int(failed.sum())
    if n_failed:
        warnings.warn(
            f"{n_failed} of {n_boot} bootstrap draws failed (an event's NPV could not be "
            "evaluated on the resample); P(NPV > 0) and P(best) use the draws that succeeded",
            CxlabWarning,
            stacklevel=2,
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        p_pos = (draws > 0).sum(axis=0) / finite.sum(axis=0)
    ok = ~failed
    if ok.any():
        filled = np.where(finite[ok], draws[ok], -np.inf)
        best = np.bincount(filled.argmax(axis=1), minlength=len(events)) / ok.sum()
    else:
        best = np.full(len(events), np.nan)

    dmix = point["dmix"]
    table = pd.DataFrame(
        {
            "event_id": events,
            "name": info["name"].reindex(events).to_numpy() if "name" in info else events,
            "stage": info["stage"].reindex(events).to_numpy() if "stage" in info else None,
            "channel": info["channel"].reindex(events).to_numpy() if "channel" in info else None,
            "action": actions,
            "lift": point["lift"],
            "satisfaction_change": point["satisfaction_change"],
            "recommend_change": point["recommend_change"],
            "reach": point["reach"],
            "advocate_change": 100 * dmix[:, 3],
            "neutral_change": 100 * dmix[:, 2],
            "antagonist_change": 100 * dmix[:, 1],
            "agitator_change": 100 * dmix[:, 0],
            "net_advocacy_change": 100 * (dmix[:, 3] - dmix[:, 1] - dmix[:, 0]),
            "benefit_per_customer": point["benefit_per_customer"],
            "benefit": point["benefit"],
            "benefit_ci_low": benefit_lo,
            "benefit_ci_high": benefit_hi,
            "cost": cost,
            "cost_pv": point["cost_pv"],
            "npv": point["npv"],
            "npv_ci_low": npv_lo,
            "npv_ci_high": npv_hi,
            "roi": point["roi"],
            "roi_ci_low": roi_lo,
            "roi_ci_high": roi_hi,
            "p_positive": p_pos,
            "p_best": best,
            "break_even_customers": point["break_even_customers"],
        }
    )
    if not cost_based:  # nothing rests on costs nobody gave
        none = [
            "cost",
            "cost_pv",
            "npv",
            "npv_ci_low",
            "npv_ci_high",
            "roi",
            "roi_ci_low",
            "roi_ci_high",
        ]
        table[none + ["break_even_customers"]] = np.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            table["p_positive"] = (benefit_draws > 0).sum(axis=0) / np.isfinite(benefit_draws).sum(
                axis=0
            )
    key = "npv" if cost_based else "benefit"
    table = table.sort_values(key, ascending=False, na_position="last", kind="stable")
    table.insert(0, "rank", table[key].rank(ascending=False, method="min"))
    table = table.reset_index(drop=True)

    sens = []
    for name, over in (scenarios or DEFAULT_SCENARIOS).items():
        extra = set(over) - _SCENARIO_KEYS
        if extra:
            raise ParameterError(f"scenario {name!r} has unknown keys {sorted(extra)}")
        a = _check_assumptions({**central, **over}, where=f"scenario {name!r}: ")
        res = _evaluate(prep, omega, actions, cost, a, lift)
        part = pd.DataFrame(
            {
                "event_id": events,
                "name": table.set_index("event_id")["name"].reindex(events).to_numpy(),
                "scenario": name,
                "effect": a["effect"],
                "cost_factor": a["cost"],
                "discount_rate": a["discount_rate"],
                "horizon_years": a["horizon_years"],
                "customers": a["customers"],
                "benefit": res["benefit"],
                "cost_pv": res["cost_pv"],
                "npv": res["npv"],
                "roi": res["roi"],
            }
        )
        if not cost_based:
            part[["cost_pv", "npv", "roi"]] = np.nan
        part["rank"] = part["npv" if cost_based else "benefit"].rank(ascending=False, method="min")
        sens.append(part)
    sensitivity = pd.concat(sens, ignore_index=True)

    eco = point["economics"]
    economics = pd.DataFrame(
        {
            "advocacy_group": pd.Categorical(ADVOCACY_LEVELS, ADVOCACY_LEVELS, ordered=True),
            "n": eco["n"],
            "annual_value": eco["annual"],
            "tenure": eco["tenure"],
            "retention": eco["retention"],
            "horizon_value": eco["value"],
        }
    )
    assumptions = {
        **central,
        "lift": lift,
        "n_boot": n_boot,
        "n_boot_failed": n_failed,
        "seed": seed,
        "level": level,
        "cuts": tuple(cuts),
        "scale": tuple(scale),
        "cuts_rule": cuts_rule,
        "agitator_share_of_low": eco["q"],
        "customers_given": customers_given,
        "currency": currency,
        "cost_based": cost_based,
        "sources": {
            "customers": "argument customers"
            if customers_given
            else f"not given: figures per {PER_CUSTOMERS:,} customers",
            "currency": "argument currency" if currency else "not given",
            "horizon_years": "argument horizon_years",
            "discount_rate": "argument discount_rate",
            "costs": "argument costs" if cost_based else "not given: benefit only, no NPV or ROI",
            "cuts": "argument cuts",
            **dict(sources or {}),
        },
    }
    return ValueCase(
        table=table,
        sensitivity=sensitivity,
        economics=economics,
        assumptions=assumptions,
        draws=pd.DataFrame(draws, columns=events),
        benefit_draws=pd.DataFrame(benefit_draws, columns=events),
    )
