"""What an advocate is worth: behaviour and customer value by advocacy group.

Advocates spend more, stay longer, refer others and cost less to serve (docs/framework.md
section 5). :func:`advocacy_economics` gives weighted means of those behaviours by
``advocacy_group`` with linearisation CIs; :func:`customer_value` turns them into
annual and lifetime value per customer and the value of moving one customer to
advocacy, with stratified bootstrap CIs. The advocacy groups come from
:mod:`cxlab.segments`, where these names are also importable
(``cxlab.segments.customer_value``).

Examples
--------
>>> import pandas as pd
>>> respondents = pd.DataFrame({"recommend": [10, 9, 8, 7, 3, 0],
...                             "spend": [900.0, 800, 600, 500, 300, 200]})
>>> eco = advocacy_economics(respondents, measures=["spend"], min_base=1)
>>> eco["advocacy_group"].astype(str).tolist()
['antagonist', 'neutral', 'advocate']
>>> eco["mean"].tolist(), eco["ratio_to_neutral"].round(2).tolist()
([250.0, 550.0, 850.0], [0.45, 1.0, 1.55])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab._advocacy import ADVOCACY_LEVELS, advocacy_groups
from cxlab._checks import resolve_weights
from cxlab._stats import intervals, linearise
from cxlab._style import ADVOCACY_COLORS, new_ax
from cxlab.display import Card
from cxlab.errors import DataError, ModelError
from cxlab.suppression import suppress

__all__ = ["advocacy_economics", "customer_value", "CustomerValue"]


def advocacy_economics(
    respondents: pd.DataFrame,
    group=None,
    weights="weight",
    measures: Sequence[str] = ("spend", "tenure", "referrals", "service_cost"),
    *,
    level: float = 0.95,
    min_base: float = 30,
) -> pd.DataFrame:
    """Weighted means of behaviour by advocacy group, with CIs.

    Standard errors are the linearised ratio-mean SEs of :func:`cxlab.estimates.weighted_mean`
    (domain estimation over all respondents, ``sqrt(m/(m-1) * sum w_i**2 (x_i - mean)**2)
    / sum w_i`` with ``m`` respondents in the data); CIs use the t distribution on
    ``n - 1`` df, ``n`` the group's respondents.

    Parameters
    ----------
    respondents : DataFrame
        ``survey.respondents``.
    group : Series or column name, optional
        The advocacy group; default classified from ``recommend`` with
        ``complained | warned_others`` as the agitator flag.
    weights : Series, column name or None
        Default the ``weight`` column when present.
    measures : sequence of str
        Numeric respondent columns.
    level : float
    min_base : float
        Rows describing fewer respondents are suppressed: ``mean, se, ci_low,
        ci_high, n_effective, ratio_to_neutral`` NaN (``n`` kept), ``suppressed`` True, a
        :class:`~cxlab.errors.SuppressionWarning`. When the neutral row of a measure
        is suppressed, ``ratio_to_neutral`` is NaN for every group of that measure.

    Returns
    -------
    DataFrame
        ``advocacy_group, measure, mean, se, ci_low, ci_high, n, n_effective,
        ratio_to_neutral, suppressed``, one row per group and measure.

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, _ = make_study(n_respondents=300, seed=1)
    >>> eco = advocacy_economics(survey.respondents)
    >>> list(eco.columns[:4])
    ['advocacy_group', 'measure', 'mean', 'se']
    """
    g = advocacy_groups(respondents, group)
    if isinstance(weights, str) and weights not in respondents.columns:
        weights = None
    w_all = resolve_weights(weights, respondents, len(g))
    missing = [m for m in measures if m not in respondents.columns]
    if missing:
        raise DataError("measure columns not found", column=missing)
    codes = g.cat.codes.to_numpy()
    rows = []
    for m in measures:
        x = pd.to_numeric(respondents[m], errors="coerce").to_numpy(dtype=float)
        # linearised ratio-mean SEs by group (cxlab._stats), respondents as clusters
        res = linearise(np.where(codes >= 0, x, np.nan), w_all, codes, 4)
        est = intervals(res, level)
        n = res["n"].astype(float)
        mean, se, neff = est["estimate"].to_numpy(), est["se"].to_numpy(), res["n_effective"]
        lo, hi = est["ci_low"].to_numpy(), est["ci_high"].to_numpy()
        for j, lev in enumerate(ADVOCACY_LEVELS):
            if n[j] == 0:
                continue
            rows.append(
                {
                    "advocacy_group": lev,
                    "measure": m,
                    "mean": mean[j],
                    "se": se[j],
                    "ci_low": lo[j],
                    "ci_high": hi[j],
                    "n": int(n[j]),
                    "n_effective": neff[j],
                    "ratio_to_neutral": mean[j] / mean[2] if n[2] else np.nan,
                }
            )
    out = pd.DataFrame(rows)
    out["advocacy_group"] = pd.Categorical(out["advocacy_group"], ADVOCACY_LEVELS, ordered=True)
    labels = out["advocacy_group"].astype(str) + " x " + out["measure"]
    out = suppress(out, min_base, what="advocacy economics", labels=labels)
    small = out["suppressed"].to_numpy()
    neutral_small = out.loc[small & out["advocacy_group"].eq("neutral").to_numpy(), "measure"]
    out.loc[out["measure"].isin(neutral_small), "ratio_to_neutral"] = np.nan
    return out


@dataclass(frozen=True, repr=False)
class CustomerValue(Card):
    """Value per customer by advocacy group and the value of moving to advocacy.

    Attributes
    ----------
    table : DataFrame
        ``advocacy_group, n, annual_value, annual_ci_low, annual_ci_high,
        expected_tenure, lifetime_value, ci_low, ci_high, suppressed``.
    moves : DataFrame
        ``from_group, to_group, value, ci_low, ci_high, suppressed``: lifetime value
        gained when one customer moves from ``from_group`` to advocate (NaN, and
        ``suppressed`` True, when either group is suppressed).
    referral_value : float
    n_boot : int
    """

    table: pd.DataFrame
    moves: pd.DataFrame
    referral_value: float
    n_boot: int

    def summary(self) -> pd.DataFrame:
        """The moves table, rounded for reading."""
        return self.moves.round(1)

    def plot(self, ax=None):
        """Lifetime value per customer by advocacy group with bootstrap CIs.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        """

        ax = new_ax(ax, (6.5, 4))
        t = self.table
        labels = t["advocacy_group"].astype(str).tolist()
        err = np.vstack([t["lifetime_value"] - t["ci_low"], t["ci_high"] - t["lifetime_value"]])
        x = np.arange(len(labels))
        ax.bar(
            x,
            t["lifetime_value"],
            yerr=err,
            capsize=4,
            color=[ADVOCACY_COLORS[g] for g in labels],
            edgecolor="black",
            linewidth=0.5,
        )
        ax.set_xticks(x, labels)
        hidden = t["suppressed"] if "suppressed" in t else pd.Series(False, index=t.index)
        for xi in x[hidden.to_numpy(dtype=bool)]:  # keep the slot, say why it is empty
            ax.annotate(
                "suppressed\n(small base)",
                (xi, 0),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_xlabel("Advocacy group")
        ax.set_ylabel("Lifetime value per customer")
        ax.set_title("Customer value by advocacy group (95% bootstrap CI)")
        return ax


def customer_value(
    respondents: pd.DataFrame,
    group=None,
    weights="weight",
    *,
    referral_value: float = 0.0,
    n_boot: int = 999,
    seed: int = 0,
    level: float = 0.95,
    min_base: float = 30,
) -> CustomerValue:
    """Annual and lifetime value per customer by advocacy group, and the value of a move.

    For each respondent the annual value is ``spend - service_cost + referral_value *
    referrals``; a group's lifetime value is its weighted mean annual value times its
    weighted mean ``tenure`` (the expected tenure, assuming the observed tenure of a
    group reflects how long its customers stay). The value of moving one customer from
    neutral (or antagonist, or agitator) to advocate is the difference of lifetime
    values. CIs are percentile intervals of a stratified (within-group) bootstrap.

    Parameters
    ----------
    respondents : DataFrame
        Needs ``spend, service_cost, tenure`` (and ``referrals`` if ``referral_value``).
    group, weights
        As in :func:`advocacy_economics`.
    referral_value : float
        Money value of one referral per year.
    n_boot : int
        Bootstrap replicates.
    seed : int
    level : float
    min_base : float
        Groups with fewer respondents (with spend, service cost and tenure) are
        suppressed: their values and CIs are NaN, ``suppressed`` is True, moves from
        or to them are not valued, and a :class:`~cxlab.errors.SuppressionWarning`
        is issued. The bootstrap still draws for them, so the other groups' CIs do
        not depend on ``min_base``.

    Returns
    -------
    CustomerValue

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> survey, _ = make_study(n_respondents=300, seed=1)
    >>> cv = customer_value(survey.respondents, n_boot=200)
    >>> cv.moves["from_group"].tolist()
    ['agitator', 'antagonist', 'neutral']
    """
    need = ["spend", "service_cost", "tenure"] + (["referrals"] if referral_value else [])
    missing = [c for c in need if c not in respondents.columns]
    if missing:
        raise DataError("customer_value needs these columns", column=missing)
    g = advocacy_groups(respondents, group)
    if isinstance(weights, str) and weights not in respondents.columns:
        weights = None
    w_all = resolve_weights(weights, respondents, len(g))
    num = respondents[need].apply(pd.to_numeric, errors="coerce")
    annual = num["spend"] - num["service_cost"]
    if referral_value:
        annual = annual + referral_value * num["referrals"]
    a_all, t_all = annual.to_numpy(float), num["tenure"].to_numpy(float)
    codes = g.cat.codes.to_numpy()
    rng = np.random.default_rng(seed)
    alpha = (1 - level) / 2
    rows, boots = [], {}
    for j, lev in enumerate(ADVOCACY_LEVELS):
        ok = (codes == j) & np.isfinite(a_all) & np.isfinite(t_all)
        if ok.sum() < 2:
            continue
        a, t, w = a_all[ok], t_all[ok], w_all[ok]
        idx = rng.integers(0, ok.sum(), size=(n_boot, ok.sum()))
        wb = w[idx]
        ab = (wb * a[idx]).sum(1) / wb.sum(1)
        lb = ab * (wb * t[idx]).sum(1) / wb.sum(1)
        am, tm = np.average(a, weights=w), np.average(t, weights=w)
        boots[lev] = lb
        rows.append(
            {
                "advocacy_group": lev,
                "n": int(ok.sum()),
                "annual_value": am,
                "annual_ci_low": np.quantile(ab, alpha),
                "annual_ci_high": np.quantile(ab, 1 - alpha),
                "expected_tenure": tm,
                "lifetime_value": am * tm,
                "ci_low": np.quantile(lb, alpha),
                "ci_high": np.quantile(lb, 1 - alpha),
            }
        )
    table = pd.DataFrame(rows)
    if "advocate" not in boots:
        raise ModelError("no advocates with spend, service cost and tenure", column="recommend")
    point = table.set_index("advocacy_group")["lifetime_value"]
    moves = pd.DataFrame(
        [
            {
                "from_group": lev,
                "to_group": "advocate",
                "value": point["advocate"] - point[lev],
                "ci_low": np.quantile(boots["advocate"] - boots[lev], alpha),
                "ci_high": np.quantile(boots["advocate"] - boots[lev], 1 - alpha),
            }
            for lev in ADVOCACY_LEVELS[:3]
            if lev in boots
        ],
        columns=["from_group", "to_group", "value", "ci_low", "ci_high"],
    )
    table = suppress(
        table, min_base, what="customer value", labels=table["advocacy_group"].astype(str)
    )
    small = table["suppressed"].to_numpy()
    hidden = set(table.loc[small, "advocacy_group"])
    moves["suppressed"] = moves["from_group"].isin(hidden) | moves["to_group"].isin(hidden)
    moves.loc[moves["suppressed"], ["value", "ci_low", "ci_high"]] = np.nan
    return CustomerValue(table, moves, float(referral_value), int(n_boot))
