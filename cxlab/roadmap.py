"""From value case to roadmap: which initiatives to fund, in which phase.

The framework's programme methodology turns the value case into a roadmap: a sequence
of time-boxed phases, implemented at the rate the organisation can absorb, each phase
paying back while building toward the target experience. :func:`plan` chooses and
orders a client's initiatives (:mod:`cxlab.initiatives`) to maximise the discounted net
value of the event actions they enable, under a budget and a capacity per phase, as a
mixed-integer program solved exactly by HiGHS (:func:`scipy.optimize.milp`, relative
gap 0).

The model
---------
* Time: ``phases`` phases of ``phase_years`` years each; phase ``t`` runs from year
  ``(t - 1) * phase_years`` to ``t * phase_years``; money is discounted yearly at
  ``discount_rate``.
* An initiative chosen to start in phase ``s`` runs ``s .. s + duration - 1`` (it must
  end within the plan) and spends ``cost / duration`` at the start of each of those
  phases. It starts only after every initiative it depends on has ended.
* Budget: in each phase the spend of the initiatives under way is at most
  ``budget_per_phase`` (one figure or one per phase; None: no limit). Capacity: at
  most ``max_parallel`` initiatives under way at once (None: no limit).
* Value: an event's action is enabled when **every** initiative that lists it has
  ended; from the end of that phase it earns the value the value case gives it
  (its benefit, or its NPV net of its own yearly improvement cost, see
  ``event_value``), discounted to today. Actions of negative value are not taken.
  Events no initiative enables are not on the roadmap.
* Objective: sum of the discounted value of the enabled actions minus the discounted
  initiative costs. Choosing nothing is always allowed, so a plan always exists;
  inputs under which an initiative could never be scheduled (longer than the plan,
  costing more a phase than any phase's budget, a dependency cycle or a chain that
  cannot end in time) are refused with a :class:`~cxlab.errors.CxlabError` naming
  them.

Each initiative's ``npv`` in the plan is its share of the objective: the discounted
value of the events whose last enabling initiative it is (shared equally when several
end in the same phase) minus its own discounted cost; the column sums to the plan's NPV.

**Value left on the table** (:attr:`Roadmap.constraints`) is measured by re-solving the
integer program with each limit relaxed (one phase's budget + ``budget_step``, every
phase's budget + ``budget_step``, no budget limit, one more initiative in parallel, no
capacity limit, one more phase), not by the duals of the LP relaxation: an integer plan
changes in steps, and the relaxation's duals price fractions of initiatives no client
can buy.

**Uncertainty**: the plan is re-solved for the value case's bootstrap draws
(:attr:`cxlab.valuecase.ValueCase.benefit_draws`, the same resamples of respondents
for every event); :attr:`Roadmap.stability` gives how often each initiative starts in
each phase, :attr:`Roadmap.boot` the optimal NPV of each draw, the NPV of the central
plan under that draw and the difference (regret).

The value case's figures carry over honestly: without improvement costs the value of
an action is its benefit before any running cost (only initiative costs are netted);
a value case given per 1,000 customers (no customer base) is not netted against an
initiative's total cost unless ``customers`` says how many customers the client has.

Examples
--------
>>> from cxlab.initiatives import initiatives_from_records
>>> from cxlab.roadmap import plan
>>> inits = initiatives_from_records([
...     {"id": "a", "cost": 100, "duration": 1, "enables": ["e1"]},
...     {"id": "b", "cost": 100, "duration": 1, "enables": ["e2"], "depends_on": ["a"]},
... ])
>>> rm = plan({"e1": 300.0, "e2": 150.0}, inits, phases=2, discount_rate=0.0)
>>> rm.table[["initiative", "phase_start", "phase_end", "npv", "cumulative_npv"]]
  initiative  phase_start  phase_end    npv  cumulative_npv
0          a            1          1  200.0           200.0
1          b            2          2   50.0           250.0
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab._style import new_ax
from cxlab.display import Card
from cxlab.errors import CxlabWarning, DataError, ModelError, ParameterError, combine_errors
from cxlab.initiatives import Initiatives, initiatives_from_records, schedule_problems
from cxlab.priorities import ACTION_COLORS, ACTIONS

__all__ = ["Roadmap", "plan"]

_METHOD = (
    "mixed-integer program (choose a start phase per initiative) solved exactly by HiGHS "
    "through scipy.optimize.milp (relative MIP gap 0)"
)
_LEFT_ON_TABLE = (
    "re-solving the integer program with each limit relaxed (not LP duals: an integer "
    "plan changes in steps)"
)


# ------------------------------------------------------------------ instance
@dataclass(frozen=True)
class _Instance:
    ids: tuple[str, ...]
    duration: dict
    cost: dict
    deps: dict
    enables: dict  # initiative -> events
    phases: int
    budget: tuple[float, ...] | None
    parallel: tuple[int, ...] | None
    rate: float
    phase_years: float

    def disc(self, t: float) -> float:
        """Discount factor at the end of phase ``t`` (t = 0: today)."""
        return float((1 + self.rate) ** (-t * self.phase_years))

    def cost_pv(self, i: str, s: int) -> float:
        d = self.duration[i]
        return sum(self.cost[i] / d * self.disc(t - 1) for t in range(s, s + d))

    def starts(self, i: str) -> list[int]:
        """Start phases where ``i`` fits on its own (time, budget, capacity)."""
        d = self.duration[i]
        spend = self.cost[i] / d
        out = []
        for s in range(1, self.phases - d + 2):
            window = range(s - 1, s - 1 + d)
            if self.budget is not None and any(
                spend > self.budget[t] * (1 + 1e-9) + 1e-9 for t in window
            ):
                continue
            if self.parallel is not None and any(self.parallel[t] < 1 for t in window):
                continue
            out.append(s)
        return out

    @property
    def required(self) -> dict:
        """Event -> the initiatives that enable it (all must end)."""
        req: dict[str, list[str]] = {}
        for i in self.ids:
            for e in self.enables[i]:
                req.setdefault(e, []).append(i)
        return req

    def relaxed(self, **changes) -> _Instance:
        from dataclasses import replace

        return replace(self, **changes)


def _evaluate(inst: _Instance, schedule: Mapping[str, int], values: Mapping[str, float]):
    """NPV of a schedule {initiative: start}, with each initiative's share and event timing."""
    end = {i: s + inst.duration[i] - 1 for i, s in schedule.items()}
    share = {i: -inst.cost_pv(i, s) for i, s in schedule.items()}
    timing = {}
    for e, req in inst.required.items():
        v = values.get(e, 0.0)
        if not all(i in schedule for i in req) or not np.isfinite(v) or v <= 0:
            timing[e] = None if not all(i in schedule for i in req) else max(end[i] for i in req)
            continue
        k = max(end[i] for i in req)
        timing[e] = k
        last = [i for i in req if end[i] == k]
        for i in last:
            share[i] += v * inst.disc(k) / len(last)
    return float(sum(share.values())), share, timing


#: The schedules of an instance are enumerated when there are at most this many
#: combinations of start phases (6 initiatives over 4 phases: 8,000); beyond, every
#: solve goes to the integer program.
_ENUMERATE_MAX = 200_000

#: A draw is left to the integer program when the best enumerated schedule beats the
#: runner-up by less than this share of the objective's scale (HiGHS stops within an
#: absolute gap of 1e-6 of its scaled objective, so a clearer optimum is the one it
#: finds), or when a schedule within it lies on a budget's edge (within the solver's
#: feasibility tolerance, where HiGHS and exact arithmetic may disagree).
_TIE_MARGIN = 1e-4
_BUDGET_EDGE = 1e-5


@dataclass(frozen=True)
class _Schedules:
    """Every schedule of an instance that meets its constraints (the integer program's
    feasible set, enumerated once), with what its objective needs."""

    starts: np.ndarray  # (schedules, initiatives): start phase, 0 = not started
    cost_pv: np.ndarray  # (schedules,): present value of the initiatives' costs
    events: list  # the events that initiatives enable
    disc: np.ndarray  # (schedules, events): discount of the event's value, 0 if not enabled
    edge: np.ndarray  # (schedules,): True on a budget's edge (feasible or not)
    feasible: np.ndarray  # (schedules,): meets every constraint exactly
    top_disc: float  # the largest discount factor of an event's value


def _schedules(inst: _Instance) -> _Schedules | None:
    """All schedules of ``inst`` that the integer program could choose, or None when
    there are more than :data:`_ENUMERATE_MAX` combinations of start phases.

    The same constraints as :func:`_solve_milp`: at most one start per initiative among
    the phases where it fits alone, dependencies ended before the start, and per phase
    the budget and the capacity.  An event's value counts with the best discount among
    the phases at or after every enabling initiative ended (the program's choice of
    ``y``; the end itself when the discount rate is positive).
    """
    ids, T = list(inst.ids), inst.phases
    options = [[0, *inst.starts(i)] for i in ids]
    if not ids or int(np.prod([len(o) for o in options], dtype=float)) > _ENUMERATE_MAX:
        return None
    grid = np.stack(np.meshgrid(*map(np.array, options), indexing="ij"), axis=-1)
    grid = grid.reshape(-1, len(ids))
    dur = np.array([inst.duration[i] for i in ids])
    on = grid > 0
    end = np.where(on, grid + dur - 1, 0)
    ok = np.ones(len(grid), dtype=bool)
    for col, i in enumerate(ids):
        for dep in inst.deps[i]:
            if dep in ids:
                d = ids.index(dep)
                ok &= ~on[:, col] | (on[:, d] & (end[:, d] < grid[:, col]))
            else:
                ok &= ~on[:, col]
    edge = np.zeros(len(grid), dtype=bool)
    spend = np.array([inst.cost[i] / inst.duration[i] for i in ids])
    for t in range(1, T + 1):
        active = on & (grid <= t) & (t <= end)
        can_run = any(
            s <= t <= s + inst.duration[i] - 1
            for i, o in zip(ids, options, strict=True)
            for s in o[1:]
        )
        if not can_run:
            continue
        if inst.budget is not None and inst.budget[t - 1] > 0:
            ratio = (active * (spend / inst.budget[t - 1])).sum(axis=1)
            edge |= np.abs(ratio - (1.0 + 1e-9)) <= _BUDGET_EDGE
            ok &= ratio <= 1.0 + 1e-9
        if inst.parallel is not None:
            ok &= active.sum(axis=1) <= inst.parallel[t - 1]
    keep = ok | edge
    grid, on, end, ok, edge = grid[keep], on[keep], end[keep], ok[keep], edge[keep]
    disc_at = np.array([inst.disc(k) for k in range(0, T + 1)])
    best_from = np.array([disc_at[max(k, 1) :].max() for k in range(T + 1)])  # k = 0: unused
    cost_pv = np.zeros(len(grid))
    for col, i in enumerate(ids):
        table = np.array([0.0, *(inst.cost_pv(i, s) for s in range(1, T + 1))])
        cost_pv += table[grid[:, col]]
    req = inst.required
    events = list(req)
    disc = np.zeros((len(grid), len(events)))
    for j, e in enumerate(events):
        cols = [ids.index(i) for i in req[e]]
        done = on[:, cols].all(axis=1)
        k = end[:, cols].max(axis=1)
        disc[:, j] = np.where(done, best_from[k], 0.0)
    return _Schedules(grid, cost_pv, events, disc, edge, ok, float(disc_at[1:].max()))


def _best_schedule(inst: _Instance, sch: _Schedules, values: Mapping[str, float]):
    """The optimal schedule among the enumerated ones, or None when the optimum is not
    clear enough to be sure the integer program finds the same one."""
    v = np.array([values.get(e, 0.0) for e in sch.events], dtype=float)
    v = np.where(np.isfinite(v) & (v > 0), v, 0.0)
    if not sch.feasible.any():
        return None
    obj = sch.disc @ v - sch.cost_pv  # the program's objective, sign flipped
    cpv = np.abs(sch.cost_pv[sch.starts.any(axis=1)])
    scale = max(float(cpv.max(initial=0.0)), float(v.max(initial=0.0)) * sch.top_disc) or 1.0
    margin = _TIE_MARGIN * scale
    feas = np.where(sch.feasible, obj, -np.inf)
    best = int(np.argmax(feas))
    close = obj >= feas[best] - margin
    if close[sch.feasible].sum() > 1 or (close & sch.edge).any():
        return None
    return {i: int(s) for i, s in zip(inst.ids, sch.starts[best], strict=True) if s > 0}


def _solve(
    inst: _Instance, values: Mapping[str, float], schedules: _Schedules | None = None
) -> tuple[dict, float]:
    """The optimal schedule {initiative: start phase} and its NPV.

    Small instances are solved by enumeration (every feasible schedule valued at once:
    a matrix-vector product per set of values); a near-tie, a schedule on a budget's
    edge or a large instance goes to the integer program (:func:`_solve_milp`), so the
    plan is the one HiGHS would choose.
    """
    sch = _schedules(inst) if schedules is None else schedules
    schedule = None if sch is None else _best_schedule(inst, sch, values)
    if schedule is None:
        return _solve_milp(inst, values)
    npv, _, _ = _evaluate(inst, schedule, values)
    return schedule, npv


def _solve_milp(inst: _Instance, values: Mapping[str, float]) -> tuple[dict, float]:
    """The optimal schedule {initiative: start phase} and its NPV, from the integer
    program (HiGHS)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    T = inst.phases
    xvar: dict[tuple[str, int], int] = {}
    for i in inst.ids:
        for s in inst.starts(i):
            xvar[(i, s)] = len(xvar)
    req = inst.required
    yvar: dict[tuple[str, int], int] = {}
    for e in req:
        v = values.get(e, 0.0)
        if np.isfinite(v) and v > 0:
            for k in range(1, T + 1):
                yvar[(e, k)] = len(xvar) + len(yvar)
    n = len(xvar) + len(yvar)
    if not xvar:
        return {}, 0.0
    c = np.zeros(n)
    for (i, s), j in xvar.items():
        c[j] = inst.cost_pv(i, s)
    for (e, k), j in yvar.items():
        c[j] = -values[e] * inst.disc(k)
    scale = float(np.abs(c).max()) or 1.0
    c = c / scale
    rows, cols, vals, lo, hi = [], [], [], [], []

    def add(terms, lower, upper):
        r = len(lo)
        for j, v in terms:
            rows.append(r)
            cols.append(j)
            vals.append(v)
        lo.append(lower)
        hi.append(upper)

    end = {key: key[1] + inst.duration[key[0]] - 1 for key in xvar}
    for i in inst.ids:  # at most one start
        terms = [(j, 1.0) for (ii, _s), j in xvar.items() if ii == i]
        if terms:
            add(terms, -np.inf, 1.0)
    for (i, s), j in xvar.items():  # dependencies end before the start
        for dep in inst.deps[i]:
            before = [(jj, -1.0) for key, jj in xvar.items() if key[0] == dep and end[key] < s]
            add([(j, 1.0), *before], -np.inf, 0.0)
    for e, need in req.items():  # an action is enabled once every enabling initiative ended
        ks = [(j, 1.0) for (ee, _k), j in yvar.items() if ee == e]
        if not ks:
            continue
        add(ks, -np.inf, 1.0)
        for k in range(1, T + 1):
            for i in need:
                done = [(jj, -1.0) for key, jj in xvar.items() if key[0] == i and end[key] <= k]
                add([(yvar[(e, k)], 1.0), *done], -np.inf, 0.0)
    for t in range(1, T + 1):  # budget and capacity of each phase
        active = [(j, key[0]) for key, j in xvar.items() if key[1] <= t <= end[key]]
        if inst.budget is not None and active:
            b = inst.budget[t - 1]
            terms = [(j, inst.cost[i] / inst.duration[i] / b) for j, i in active] if b > 0 else []
            if b > 0:
                add(terms, -np.inf, 1.0 + 1e-9)
        if inst.parallel is not None and active:
            add([(j, 1.0) for j, _i in active], -np.inf, float(inst.parallel[t - 1]))
    constraints = []
    if lo:
        A = coo_matrix((vals, (rows, cols)), shape=(len(lo), n)).tocsr()
        constraints = [LinearConstraint(A, np.array(lo), np.array(hi))]
    res = milp(
        c,
        constraints=constraints,
        integrality=np.ones(n),
        bounds=Bounds(np.zeros(n), np.ones(n)),
        options={"mip_rel_gap": 0.0, "disp": False},
    )
    if res.status != 0 or res.x is None:
        raise ModelError(f"the roadmap's integer program was not solved: {res.message}")
    x = np.round(res.x).astype(int)
    schedule = {key[0]: key[1] for key, j in xvar.items() if x[j] == 1}
    npv, _, _ = _evaluate(inst, schedule, values)
    return schedule, npv


# ------------------------------------------------------------------- values
def _event_values(value_case, customers, event_value):
    """Point values, value draws, event info and the words describing their basis."""
    from cxlab.valuecase import ValueCase

    notes = []
    if event_value not in ("auto", "npv", "benefit"):
        raise ParameterError(f"event_value must be 'auto', 'npv' or 'benefit', got {event_value!r}")
    if isinstance(value_case, ValueCase):
        a = value_case.assumptions
        t = value_case.table.set_index("event_id")
        cost_based = value_case.cost_based
        if event_value == "auto":
            event_value = "npv" if cost_based else "benefit"
        if event_value not in ("npv", "benefit"):
            raise ParameterError(
                f"event_value must be 'auto', 'npv' or 'benefit', got {event_value!r}"
            )
        if event_value == "npv" and not cost_based:
            raise ParameterError(
                "event_value='npv' needs a value case with improvement costs; this one is "
                "benefit-only (costs=None)"
            )
        base = float(a.get("customers", 1.0))
        if a.get("customers_given", True):
            if customers is not None and not np.isclose(float(customers), base):
                raise ParameterError(
                    f"customers={customers!r} differs from the value case's customer base "
                    f"({base:,.0f}); leave customers out"
                )
            scale = 1.0
            customers_text = f"{base:,.0f} customers (the value case's customer base)"
        else:
            if customers is None:
                raise ParameterError(
                    f"the value case is per {base:,.0f} customers (no customer base given), but "
                    "initiative costs are the client's totals: netting them would compare "
                    "unlike figures; give customers (the customer base) to scale the value case"
                )
            if not np.isfinite(customers) or customers <= 0:
                raise ParameterError(f"customers must be a positive number, got {customers!r}")
            scale = float(customers) / base
            customers_text = (
                f"{float(customers):,.0f} customers (argument customers; the value case is "
                f"per {base:,.0f})"
            )
        benefit = t["benefit"].astype(float) * scale
        cost_pv = t["cost_pv"].astype(float) if cost_based else benefit * 0.0
        point = benefit - cost_pv if event_value == "npv" else benefit
        bdraws = value_case.benefit_draws
        if bdraws is None or bdraws.empty:
            if not cost_based:
                bdraws = value_case.draws
            elif value_case.draws is not None and not value_case.draws.empty:
                bdraws = value_case.draws + cost_pv.reindex(value_case.draws.columns)
        draws = None
        if bdraws is not None and not bdraws.empty:
            draws = bdraws * scale
            if event_value == "npv":
                draws = draws - cost_pv.reindex(draws.columns)
        info = pd.DataFrame(
            {
                "name": t["name"] if "name" in t else t.index,
                "action": t["action"] if "action" in t else None,
            }
        )
        basis = (
            "the value case's NPV of each event (its benefit less the present value of its "
            "own yearly improvement cost)"
            if event_value == "npv"
            else (
                "the value case's benefit of each event before any running cost (the value "
                "case is benefit-only: no improvement costs were given)"
                if not cost_based
                else "the value case's benefit of each event (its own improvement cost left out)"
            )
        )
        currency = value_case.currency
        horizon = a.get("horizon_years")
        rate_vc = a.get("discount_rate")
        value_source = {
            "cost_based": cost_based,
            "horizon_years": horizon,
            "value_case_discount_rate": rate_vc,
        }
    elif isinstance(value_case, Mapping | pd.Series):
        if event_value != "auto":
            raise ParameterError(
                "event_value applies to a ValueCase; a mapping of values is used as given"
            )
        point = pd.Series(dict(value_case), dtype=float)
        draws = None
        info = pd.DataFrame({"name": point.index, "action": None}, index=point.index)
        basis = "the given value per event"
        customers_text = "as given"
        currency = "currency units"
        value_source = {"cost_based": None, "horizon_years": None, "value_case_discount_rate": None}
        event_value = "given"
    else:
        raise ParameterError(
            "value_case must be a cxlab.valuecase.ValueCase or a mapping {event_id: value}, "
            f"got {type(value_case).__name__}"
        )
    missing = point[point.isna()].index.tolist()
    if missing:
        notes.append(
            "no value for " + ", ".join(map(str, missing)) + " (no course of action or "
            "suppressed): counted as 0"
        )
    value_source["event_value"] = event_value
    return point, draws, info, basis, customers_text, currency, value_source, notes


def _per_phase(value, name, phases, integer):
    if value is None:
        return None
    values = list(value) if isinstance(value, list | tuple | np.ndarray | pd.Series) else [value]
    if len(values) not in (1, phases):
        raise ParameterError(
            f"{name} must be one number or one per phase ({phases} phases), got {len(values)}"
        )
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float | np.number) or not np.isfinite(v):
            raise ParameterError(f"{name} must hold finite numbers, got {v!r}")
        if integer and (v != int(v) or v < 1):
            raise ParameterError(f"{name} must be whole numbers >= 1, got {v!r}")
        if not integer and v < 0:
            raise ParameterError(f"{name} must be >= 0, got {v!r}")
        out.append(int(v) if integer else float(v))
    return tuple(out * phases if len(out) == 1 else out)


# ------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False)
class Roadmap(Card):
    """The optimal roadmap, what the limits cost, and how stable it is.

    Attributes
    ----------
    table : DataFrame
        The chosen initiatives in order of start: ``initiative, name, phase_start,
        phase_end, cost, cost_pv, capability, enabled_events`` (ids, comma-separated),
        ``unlocked_events`` (the events whose value it completes), ``action`` (the
        action types of its events), ``value`` (discounted value it completes),
        ``npv`` (value - cost_pv), ``cumulative_npv``, ``p_chosen`` and
        ``p_same_start`` (shares of the bootstrap plans choosing it, and starting it in
        the same phase; NaN without draws).
    left_out : DataFrame
        Initiatives not chosen: ``initiative, name, cost, duration, enabled_events,
        p_chosen``.
    events : DataFrame
        Every event an initiative enables: ``event_id, name, action, value``
        (undiscounted, as the value case gives it), ``enabled_by``, ``phase_enabled``
        (None: not on the plan), ``value_pv`` (discounted, 0 when not taken), ``taken``.
    constraints : DataFrame
        The value left on the table: ``constraint, setting, relaxed_to, npv, gain,
        gain_per_unit`` (per currency unit of added budget, or per added initiative or
        phase).
    stability : DataFrame
        ``initiative, name, phase_start`` (NA: not chosen), ``share`` of the bootstrap
        plans.
    boot : DataFrame
        ``draw`` (row of the value case's draws), ``npv_optimal``, ``npv_of_plan``
        (this plan under that draw), ``regret``.
    npv : float
        Net present value of the plan.
    assumptions : dict
        Every setting and its source, the value basis, notes.
    initiatives : Initiatives
        The input (its :meth:`~cxlab.initiatives.Initiatives.lenses` give the event map's
        capability and initiative lenses).
    """

    table: pd.DataFrame
    left_out: pd.DataFrame
    events: pd.DataFrame
    constraints: pd.DataFrame
    stability: pd.DataFrame
    boot: pd.DataFrame
    npv: float
    assumptions: dict = field(default_factory=dict)
    initiatives: Initiatives | None = field(default=None, repr=False)

    @property
    def currency(self) -> str:
        return self.assumptions.get("currency") or "currency units"

    def summary(self) -> pd.DataFrame:
        """The plan in report form: one row per chosen initiative (money rounded)."""
        t = self.table
        names = self.events.set_index("event_id")["name"].astype(str).to_dict()
        return pd.DataFrame(
            {
                "initiative": t["name"],
                "phases": [
                    f"{a}" if a == b else f"{a}-{b}"
                    for a, b in zip(t["phase_start"], t["phase_end"], strict=True)
                ],
                "cost": t["cost"].round(-3),
                "enables": [
                    ", ".join(names.get(e, e) for e in s.split(", ") if e)
                    for s in t["enabled_events"]
                ],
                "NPV": t["npv"].round(-3),
                "cumulative NPV": t["cumulative_npv"].round(-3),
                "chosen in % of draws": (100 * t["p_chosen"]).round(0),
                "same start in % of draws": (100 * t["p_same_start"]).round(0),
            }
        ).reset_index(drop=True)

    def lenses(self, events: pd.DataFrame) -> pd.DataFrame:
        """``events`` with the capability and initiative lenses of the initiatives file,
        each initiative labelled with its phases in this plan ("Branch redesign
        (phases 1-2)") or "(not funded)": the input of
        ``cxlab.eventmap.lens_map(priorities, roadmap.lenses(survey.events),
        lens="initiative")``.

        Parameters
        ----------
        events : pandas.DataFrame
            The survey's events table.
        """
        labels = {}
        for row in self.table.itertuples():
            when = (
                f"phase {row.phase_start}"
                if row.phase_start == row.phase_end
                else f"phases {row.phase_start}-{row.phase_end}"
            )
            labels[row.initiative] = f"{row.name} ({when})"
        for row in self.left_out.itertuples():
            labels[row.initiative] = f"{row.name} (not funded)"
        return self.initiatives.lenses(events, labels=labels)

    def stability_summary(self) -> pd.DataFrame:
        """How often each initiative starts in each phase over the bootstrap plans (%).

        One row per initiative (funded ones first, in plan order): ``initiative``
        (name), ``planned start`` (None: not funded), ``phase 1`` ... ``phase T`` and
        ``not funded`` (percent of the draws). Empty without draws.
        """
        st = self.stability
        if st.empty or st["share"].isna().all():
            return pd.DataFrame()
        order = list(self.table["initiative"]) + list(self.left_out["initiative"])
        planned = dict(zip(self.table["initiative"], self.table["phase_start"], strict=True))
        rows = []
        for i in order:
            part = st[st["initiative"] == i]
            row = {"initiative": str(part["name"].iloc[0]), "planned start": planned.get(i)}
            for p, share in zip(part["phase_start"], part["share"], strict=True):
                key = "not funded" if pd.isna(p) else f"phase {int(p)}"
                row[key] = round(100 * float(share), 1)
            rows.append(row)
        out = pd.DataFrame(rows)
        out["planned start"] = [
            "not funded" if pd.isna(p) else f"phase {int(p)}" for p in out["planned start"]
        ]
        return out

    def describe(self) -> str:
        """The plan, its limits and its stability in a few sentences (Markdown)."""
        a = self.assumptions
        cur = self.currency
        t = self.table
        if t.empty:
            text = (
                f"No initiative pays back within the plan: choosing none is best "
                f"(net present value 0 {cur})."
            )
        else:
            first = t[t["phase_start"] == t["phase_start"].min()]
            text = (
                f"The best sequence funds **{len(t)} of {len(t) + len(self.left_out)} "
                f"initiatives** over {a['phases']} phases, for a net present value of "
                f"**{_short(self.npv)} {cur}**; it starts with "
                + _and(list(first["name"].astype(str)))
                + "."
            )
        if len(self.left_out):
            text += " Not funded: " + _and(list(self.left_out["name"].astype(str))) + "."
        c = self.constraints
        single = c[c["constraint"] != "budget and capacity"]
        if len(single):
            best = single.loc[single["gain"].idxmax()]
            if best["gain"] > 0:
                text += (
                    f" The limit that costs most is {best['constraint']}: relaxing it "
                    f"({best['setting']} to {best['relaxed_to']}) would add "
                    f"{_short(best['gain'])} {cur}."
                )
            else:
                text += " Relaxing the budget, the capacity or the number of phases adds nothing."
        if len(self.boot) and not t.empty:
            worst = t.loc[t["p_same_start"].idxmin()]
            keep = (
                "every funded initiative keeps its start phase in all of them"
                if worst["p_same_start"] >= 1
                else f"the least stable choice is {worst['name']} (same start in "
                f"{worst['p_same_start']:.0%} of them, funded in {worst['p_chosen']:.0%})"
            )
            text += (
                f" Re-solved over {len(self.boot)} bootstrap draws of the value case, {keep};"
                f" this plan's NPV ranges {_short(self.boot['npv_of_plan'].quantile(0.025))} "
                f"to {_short(self.boot['npv_of_plan'].quantile(0.975))} {cur} (95% of draws)."
            )
        return text

    def describe_assumptions(self) -> pd.DataFrame:
        """Every assumption of the plan with its value and source: ``assumption, value, source``."""
        a = self.assumptions
        src = a.get("sources", {})
        budget = a.get("budget_per_phase")
        par = a.get("max_parallel")
        rows = [
            ("phases", f"{a['phases']} of {a['phase_years']:g} year(s)", src.get("phases", "")),
            (
                "budget per phase",
                "no limit" if budget is None else ", ".join(f"{b:,.0f}" for b in budget),
                src.get("budget_per_phase", ""),
            ),
            (
                "initiatives at once",
                "no limit" if par is None else ", ".join(str(p) for p in par),
                src.get("max_parallel", ""),
            ),
            ("discount rate", f"{a['discount_rate']:.1%} a year", src.get("discount_rate", "")),
            ("value of an enabled action", a["value_basis"], "value case"),
            ("customers", a["customers"], "value case"),
            ("initiative costs", "total cost, spent evenly over its phases", "initiatives"),
            ("method", _METHOD, "cxlab"),
            ("value left on the table", _LEFT_ON_TABLE, "cxlab"),
            ("uncertainty", a["uncertainty"], "value case bootstrap"),
        ]
        rows += [("note", n, "cxlab") for n in a.get("notes", [])]
        return pd.DataFrame(rows, columns=["assumption", "value", "source"])

    def plot(self, ax=None):
        """The roadmap as a Gantt chart by phase, coloured by action type.

        Each funded initiative is a bar over its phases, striped by the course of
        action of the events it enables; the label gives its NPV, the plan's cumulative
        NPV and how often the bootstrap plans start it in the same phase. Below the
        bars: each phase's spend against its budget and the initiatives under way.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (None: a new figure).
        """
        from matplotlib.patches import Patch, Rectangle

        t = self.table
        a = self.assumptions
        T = int(a["phases"])
        n = max(len(t), 1)
        if ax is None:
            ax = new_ax(size=(10, 0.62 * n + 2.6))
        actions = self.events.set_index("event_id")["action"].astype(object).to_dict()
        deps = (
            dict(
                zip(
                    self.initiatives.table["initiative"],
                    self.initiatives.table["depends_on"],
                    strict=True,
                )
            )
            if self.initiatives is not None
            else {}
        )
        used = set()
        h = 0.62
        for row_i, row in enumerate(t.itertuples()):
            y = n - 1 - row_i
            evs = [e for e in str(row.enabled_events).split(", ") if e]
            acts = [x for x in ACTIONS if x in {str(actions.get(e)) for e in evs}] or ["(none)"]
            x0, width = row.phase_start - 1, row.phase_end - row.phase_start + 1
            for k, act in enumerate(acts):
                used.add(act)
                ax.add_patch(
                    Rectangle(
                        (x0 + 0.04, y - h / 2 + k * h / len(acts)),
                        width - 0.08,
                        h / len(acts),
                        facecolor=ACTION_COLORS.get(act, "white"),
                        edgecolor="#777777" if act not in ACTION_COLORS else "none",
                        hatch="//" if act not in ACTION_COLORS else None,
                        lw=0,
                    )
                )
            ax.add_patch(
                Rectangle(
                    (x0 + 0.04, y - h / 2), width - 0.08, h, fill=False, edgecolor="black", lw=0.8
                )
            )
            stab = (
                ""
                if not np.isfinite(row.p_same_start)
                else f" · same start in {row.p_same_start:.0%} of draws"
            )
            needed_by = [
                str(r.name) for r in t.itertuples() if row.initiative in deps.get(r.initiative, ())
            ]
            pre = f" (prerequisite of {', '.join(needed_by)})" if not evs and needed_by else ""
            ax.text(
                x0 + width + 0.06 if x0 + width < T else x0 + 0.1,
                y + (0 if x0 + width < T else -h / 2 - 0.16),
                f"NPV {_short(row.npv)}{pre} · cum. {_short(row.cumulative_npv)}{stab}",
                va="center",
                ha="left",
                fontsize=8,
                color="#222222",
            )
        # phase grid and spend / capacity per phase
        spend = np.zeros(T)
        running = np.zeros(T, dtype=int)
        for row in t.itertuples():
            d = row.phase_end - row.phase_start + 1
            for p in range(row.phase_start - 1, row.phase_end):
                spend[p] += row.cost / d
                running[p] += 1
        budget = a.get("budget_per_phase")
        par = a.get("max_parallel")
        for p in range(T):
            ax.axvline(p, color="#CCCCCC", lw=0.8, zorder=0)
            lines = [f"spend {_short(spend[p])}" + (f" / {_short(budget[p])}" if budget else "")]
            lines.append(f"{running[p]}" + (f" of {par[p]}" if par else "") + " under way")
            ax.text(
                p + 0.5,
                -0.95,
                "\n".join(lines),
                ha="center",
                va="center",
                fontsize=7.5,
                color="#444444",
            )
        ax.set_xlim(0, T + 0.02)
        ax.set_ylim(-1.45, n - 0.35)
        ax.set_xticks(np.arange(T) + 0.5)
        py = a.get("phase_years", 1.0)
        ax.set_xticklabels(
            [
                f"Phase {p + 1}\n(years {p * py:g}-{(p + 1) * py:g})"
                if py != 1
                else f"Phase {p + 1}\n(year {p + 1})"
                for p in range(T)
            ]
        )
        ax.xaxis.tick_top()
        ax.set_yticks(
            [n - 1 - i for i in range(len(t))], [_wrap(s, 30) for s in t["name"].astype(str)]
        )
        ax.tick_params(axis="y", length=0)
        for side in ("right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        handles = [Patch(color=ACTION_COLORS[x], label=x) for x in ACTIONS if x in used]
        if "(none)" in used:
            handles.append(
                Patch(facecolor="white", edgecolor="#777777", hatch="//", label="enables no event")
            )
        ax.legend(
            handles=handles,
            title="Action of the enabled events",
            loc="upper center",
            bbox_to_anchor=(0.5, -0.02),
            ncol=min(len(handles), 6),
            fontsize=8,
            frameon=False,
            title_fontsize=8,
        )
        left = (
            " Not funded: " + ", ".join(self.left_out["name"].astype(str)) + "."
            if len(self.left_out)
            else ""
        )
        ax.set_title(
            f"Roadmap: {len(t)} initiatives over {T} phases, NPV {_short(self.npv)} "
            f"{self.currency} (discount {a['discount_rate']:.0%})\n" + _wrap(left.strip(), 110),
            fontsize=10,
            loc="left",
        )
        if t.empty:
            ax.text(T / 2, 0, "no initiative pays back within the plan", ha="center")
        return ax


def _short(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    ax = abs(x)
    if ax >= 1e6:
        return f"{x / 1e6:,.1f}M"
    if ax >= 1e3:
        return f"{x / 1e3:,.0f}k"
    return f"{x:,.0f}"


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _and(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# --------------------------------------------------------------------- public
def plan(
    value_case,
    initiatives,
    *,
    phases: int = 4,
    budget_per_phase: float | Sequence[float] | None = None,
    max_parallel: int | Sequence[int] | None = None,
    discount_rate: float = 0.08,
    phase_years: float = 1.0,
    seed: int = 0,
    n_boot: int = 200,
    customers: float | None = None,
    event_value: str = "auto",
    budget_step: float | None = None,
    sources: Mapping[str, str] | None = None,
) -> Roadmap:
    """Choose and order initiatives to maximise the discounted net value they enable.

    Parameters
    ----------
    value_case : ValueCase or mapping
        A :func:`cxlab.valuecase.value_case` result (its values and bootstrap draws),
        or ``{event_id: value}`` (no uncertainty).
    initiatives : Initiatives, list of dict or DataFrame
        From :func:`cxlab.initiatives.load_initiatives` (or records it validates).
    phases : int
        Number of phases of the plan (4).
    budget_per_phase : float or sequence, optional
        Money a phase can spend (one figure or one per phase). None: no limit.
    max_parallel : int or sequence, optional
        Initiatives under way at once. None: no limit.
    discount_rate : float
        Yearly discount rate (0.08, the value case's default).
    phase_years : float
        Length of a phase in years (1).
    seed : int
        Seed of the choice of bootstrap draws when ``n_boot`` is smaller than the
        value case's.
    n_boot : int
        Bootstrap draws of the value case to re-solve the plan for (200; 0: none).
        All draws are used when the value case has fewer.
    customers : float, optional
        Only for a value case given per 1,000 customers: the client's customer base,
        to scale it to the initiatives' total costs. Without it such a value case is
        refused.
    event_value : {"auto", "npv", "benefit"}
        What an enabled action is worth: the value case's NPV (benefit less its own
        yearly improvement cost; "auto" when costs were given) or its benefit ("auto"
        for a benefit-only value case; choose it when the improvement costs and the
        initiative costs are the same money).
    budget_step : float, optional
        Added budget for the value left on the table (default 10% of the largest
        phase budget).
    sources : mapping, optional
        Where settings come from, in words (``phases``, ``budget_per_phase``,
        ``max_parallel``, ``discount_rate``, ``phase_years``), kept in
        ``assumptions["sources"]``; by default "initiatives file", "cxlab default" or
        "argument".

    Returns
    -------
    Roadmap

    Raises
    ------
    ParameterError
        Bad arguments; a per-1,000-customers value case without ``customers``.
    DataError
        An initiative enables an event the value case does not have, or can never be
        scheduled (longer than the plan, costing more a phase than any phase's budget,
        a dependency chain that cannot end in time); all of them in one error.

    Examples
    --------
    >>> rm = plan(vc, load_initiatives("data/sample/banking_initiatives.yaml"),
    ...           budget_per_phase=2_000_000, max_parallel=2)  # doctest: +SKIP
    >>> rm.table[["initiative", "phase_start", "phase_end", "npv"]]  # doctest: +SKIP
    """
    if not isinstance(initiatives, Initiatives):
        initiatives = initiatives_from_records(initiatives)
    sources_given, sources = sources, {}
    for name, value in (("phases", phases), ("n_boot", n_boot), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ParameterError(f"{name} must be a whole number, got {value!r}")
    if phases < 1:
        raise ParameterError(f"phases must be >= 1, got {phases}")
    if n_boot < 0:
        raise ParameterError(f"n_boot must be >= 0, got {n_boot}")
    for name, value in (("discount_rate", discount_rate), ("phase_years", phase_years)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise ParameterError(f"{name} must be a finite number, got {value!r}")
    if not 0 <= discount_rate < 1:
        raise ParameterError(f"discount_rate must lie in [0, 1), got {discount_rate}")
    if phase_years <= 0:
        raise ParameterError(f"phase_years must be positive, got {phase_years}")
    budget = _per_phase(budget_per_phase, "budget_per_phase", phases, integer=False)
    parallel = _per_phase(max_parallel, "max_parallel", phases, integer=True)
    point, draws, info, basis, customers_text, currency, vsrc, notes = _event_values(
        value_case, customers, event_value
    )
    t = initiatives.table
    unknown = sorted({e for evs in t["enabled_events"] for e in evs} - set(point.index))
    if unknown:
        raise DataError(
            "initiatives enable event(s) the value case does not have: " + ", ".join(unknown),
            file=initiatives.file,
            location="enables",
        )
    problems = schedule_problems(t, phases, budget, parallel)
    if problems:
        raise combine_errors([DataError(p, file=initiatives.file) for p in problems])
    inst = _Instance(
        ids=tuple(t["initiative"]),
        duration=dict(zip(t["initiative"], t["duration"].astype(int), strict=True)),
        cost=dict(zip(t["initiative"], t["cost"].astype(float), strict=True)),
        deps=dict(zip(t["initiative"], t["depends_on"], strict=True)),
        enables=dict(zip(t["initiative"], t["enabled_events"], strict=True)),
        phases=phases,
        budget=budget,
        parallel=parallel,
        rate=float(discount_rate),
        phase_years=float(phase_years),
    )
    values = point.fillna(0.0).to_dict()
    schedules = _schedules(inst)  # enumerated once, re-valued per draw
    schedule, npv = _solve(inst, values, schedules)
    _, share, timing = _evaluate(inst, schedule, values)
    npv = float(npv)

    # ---- uncertainty: re-solve over the value case's draws
    boot_rows, starts = [], []
    n_avail = 0 if draws is None else len(draws)
    if n_boot and n_avail:
        rows = (
            np.arange(n_avail)
            if n_boot >= n_avail
            else np.sort(np.random.default_rng(seed).choice(n_avail, n_boot, replace=False))
        )
        need = [e for e in point.index if e in inst.required and np.isfinite(point[e])]
        failed = 0
        for r in rows:
            vb = draws.iloc[int(r)]
            if not np.isfinite(vb.reindex(need).to_numpy(float)).all():
                failed += 1
                continue
            vals = vb.reindex(point.index).fillna(0.0).to_dict()
            sched_b, npv_b = _solve(inst, vals, schedules)
            plan_b, _, _ = _evaluate(inst, schedule, vals)
            boot_rows.append((int(r), npv_b, plan_b, npv_b - plan_b))
            starts.append(sched_b)
        if failed:
            warnings.warn(
                f"{failed} bootstrap draws of the value case have no value for an enabled "
                "event and were left out of the roadmap's stability",
                CxlabWarning,
                stacklevel=2,
            )
        uncertainty = (
            f"{len(boot_rows)} bootstrap draws of the value case re-solved"
            + (f" ({n_boot} of {n_avail} chosen with seed {seed})" if n_boot < n_avail else "")
            + (f"; {failed} draws without a value left out" if failed else "")
        )
    else:
        failed = 0
        uncertainty = (
            "none: the value case keeps no bootstrap draws" if not n_avail else "none: n_boot=0"
        )
    boot = pd.DataFrame(boot_rows, columns=["draw", "npv_optimal", "npv_of_plan", "regret"])
    nb = len(starts)
    stab_rows = []
    for i in inst.ids:
        name = str(t.set_index("initiative").at[i, "name"])
        counts = pd.Series([s.get(i) for s in starts], dtype="Int64").value_counts(dropna=False)
        for p in [*range(1, phases + 1), pd.NA]:
            k = int(counts.get(p, 0)) if p is not pd.NA else int(counts[counts.index.isna()].sum())
            stab_rows.append((i, name, p, k / nb if nb else np.nan))
    stability = pd.DataFrame(stab_rows, columns=["initiative", "name", "phase_start", "share"])
    stability["phase_start"] = stability["phase_start"].astype("Int64")

    def p_chosen(i):
        return sum(i in s for s in starts) / nb if nb else np.nan

    def p_same(i):
        return sum(s.get(i) == schedule.get(i) for s in starts) / nb if nb else np.nan

    # ---- tables
    by_id = t.set_index("initiative")
    rows = []
    for i, s in schedule.items():
        evs = by_id.at[i, "enabled_events"]
        unlocked = [
            e
            for e, k in timing.items()
            if k is not None
            and i in inst.required[e]
            and k == s + inst.duration[i] - 1
            and values.get(e, 0) > 0
        ]
        acts = [str(info["action"].get(e)) for e in evs if pd.notna(info["action"].get(e))]
        rows.append(
            {
                "initiative": i,
                "name": by_id.at[i, "name"],
                "phase_start": int(s),
                "phase_end": int(s + inst.duration[i] - 1),
                "cost": inst.cost[i],
                "cost_pv": inst.cost_pv(i, s),
                "capability": by_id.at[i, "capability"],
                "enabled_events": ", ".join(evs),
                "unlocked_events": ", ".join(unlocked),
                "action": ", ".join(dict.fromkeys(a for a in ACTIONS if a in acts)),
                "value": share[i] + inst.cost_pv(i, s),
                "npv": share[i],
                "p_chosen": p_chosen(i),
                "p_same_start": p_same(i),
            }
        )
    cols = [
        "initiative",
        "name",
        "phase_start",
        "phase_end",
        "cost",
        "cost_pv",
        "capability",
        "enabled_events",
        "unlocked_events",
        "action",
        "value",
        "npv",
        "p_chosen",
        "p_same_start",
    ]
    table = pd.DataFrame(rows, columns=cols)
    for col in ("cost", "cost_pv", "value", "npv", "p_chosen", "p_same_start"):
        table[col] = table[col].astype(float)
    order = {i: k for k, i in enumerate(inst.ids)}
    if len(table):
        table["_o"] = table["initiative"].map(order)
        table = table.sort_values(["phase_start", "phase_end", "_o"]).drop(columns="_o")
    table = table.reset_index(drop=True)
    table.insert(cols.index("npv") + 1, "cumulative_npv", table["npv"].cumsum())
    table["phase_start"] = table["phase_start"].astype(int)
    table["phase_end"] = table["phase_end"].astype(int)
    left = t[~t["initiative"].isin(schedule)]
    left_out = pd.DataFrame(
        {
            "initiative": left["initiative"],
            "name": left["name"],
            "cost": left["cost"],
            "duration": left["duration"],
            "enabled_events": [", ".join(e) for e in left["enabled_events"]],
            "p_chosen": [p_chosen(i) for i in left["initiative"]],
        }
    ).reset_index(drop=True)
    ev_rows = []
    for e, req in inst.required.items():
        k = timing.get(e)
        v = values.get(e, 0.0)
        taken = k is not None and v > 0
        ev_rows.append(
            {
                "event_id": e,
                "name": info["name"].get(e, e),
                "action": info["action"].get(e),
                "value": point.get(e, np.nan),
                "enabled_by": ", ".join(req),
                "phase_enabled": k,
                "value_pv": v * inst.disc(k) if taken else 0.0,
                "taken": bool(taken),
            }
        )
    events = pd.DataFrame(
        ev_rows,
        columns=[
            "event_id",
            "name",
            "action",
            "value",
            "enabled_by",
            "phase_enabled",
            "value_pv",
            "taken",
        ],
    )
    events["phase_enabled"] = events["phase_enabled"].astype("Int64")
    not_taken = events[(events["phase_enabled"].notna()) & ~events["taken"]]
    if len(not_taken):
        notes.append(
            "enabled but not taken (no positive value): "
            + ", ".join(not_taken["event_id"].astype(str))
        )

    # ---- value left on the table
    step = budget_step
    if budget is not None:
        if step is None:
            spend = max(inst.cost[i] / inst.duration[i] for i in inst.ids)
            step = 0.1 * max(budget) if max(budget) > 0 else (spend or 1.0)
        if isinstance(step, bool) or not np.isfinite(step) or step <= 0:
            raise ParameterError(f"budget_step must be a positive number, got {budget_step!r}")
    cons_rows = []

    def resolve(label, setting, relaxed_to, unit, **changes):
        _, v = _solve(inst.relaxed(**changes), values)
        gain = v - npv
        if abs(gain) <= 1e-7 * max(1.0, abs(npv)):  # solver round-off: nothing gained
            gain = 0.0
        cons_rows.append((label, setting, relaxed_to, v, gain, gain / unit if unit else np.nan))

    if budget is not None:
        for p in range(phases):
            b = list(budget)
            b[p] += step
            resolve(
                f"the budget of phase {p + 1}",
                f"{budget[p]:,.0f}",
                f"{b[p]:,.0f}",
                step,
                budget=tuple(b),
            )
        resolve(
            "the budget of every phase",
            ", ".join(f"{x:,.0f}" for x in budget),
            f"each + {step:,.0f}",
            step * phases,
            budget=tuple(x + step for x in budget),
        )
        resolve("the budget", "per phase", "no limit", None, budget=None)
    if parallel is not None:
        resolve(
            "the initiatives under way at once",
            ", ".join(map(str, parallel)),
            "each + 1",
            1,
            parallel=tuple(x + 1 for x in parallel),
        )
        resolve("the capacity", "initiatives at once", "no limit", None, parallel=None)
    if budget is not None and parallel is not None:
        resolve(
            "budget and capacity", "both limited", "no limits", None, budget=None, parallel=None
        )
    resolve(
        "the number of phases",
        str(phases),
        str(phases + 1),
        1,
        phases=phases + 1,
        budget=None if budget is None else (*budget, budget[-1]),
        parallel=None if parallel is None else (*parallel, parallel[-1]),
    )
    constraints = pd.DataFrame(
        cons_rows, columns=["constraint", "setting", "relaxed_to", "npv", "gain", "gain_per_unit"]
    )

    given = getattr(initiatives, "settings", {}) or {}

    def src(name, value, default):
        if name in given and given[name] == value:
            return "initiatives file"
        return "cxlab default" if value == default else "argument"

    for name, value, default in (
        ("phases", phases, 4),
        ("budget_per_phase", budget_per_phase, None),
        ("max_parallel", max_parallel, None),
        ("discount_rate", discount_rate, 0.08),
        ("phase_years", phase_years, 1.0),
    ):
        sources[name] = src(name, value, default)
    sources.update(dict(sources_given or {}))
    if vsrc.get("value_case_discount_rate") is not None and not np.isclose(
        vsrc["value_case_discount_rate"], discount_rate
    ):
        notes.append(
            f"the plan discounts at {discount_rate:.1%} a year, the value case at "
            f"{vsrc['value_case_discount_rate']:.1%}"
        )
    outside = [e for e in point.index if e not in inst.required]
    if outside:
        notes.append("events no initiative enables (not on the roadmap): " + ", ".join(outside))
    assumptions = {
        "phases": phases,
        "phase_years": float(phase_years),
        "budget_per_phase": budget,
        "max_parallel": parallel,
        "discount_rate": float(discount_rate),
        "budget_step": step,
        "value_basis": basis,
        "event_value": vsrc.pop("event_value"),
        "customers": customers_text,
        "currency": currency,
        "n_boot": nb,
        "n_boot_failed": failed,
        "seed": seed,
        "uncertainty": uncertainty,
        "method": _METHOD,
        "left_on_table": _LEFT_ON_TABLE,
        "sources": sources,
        "notes": notes,
        **{f"value_case_{k}" if not k.startswith("value_case") else k: v for k, v in vsrc.items()},
    }
    return Roadmap(
        table=table,
        left_out=left_out,
        events=events,
        constraints=constraints,
        stability=stability,
        boot=boot,
        npv=npv,
        assumptions=assumptions,
        initiatives=initiatives,
    )
