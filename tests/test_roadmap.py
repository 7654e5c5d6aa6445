"""cxlab.roadmap: the plan is the optimum (brute force), respects every limit, and is stable."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxlab.errors import CxlabError, DataError, ParameterError
from cxlab.initiatives import initiatives_from_records
from cxlab.roadmap import Roadmap, plan


# ------------------------------------------------------- an independent brute force
def brute_force(values, records, phases, budget=None, parallel=None, rate=0.0, py=1.0):
    """Best NPV over every choice and start phase of every initiative (and all optima)."""
    ids = [r["id"] for r in records]
    dur = {r["id"]: int(r["duration"]) for r in records}
    cost = {r["id"]: float(r["cost"]) for r in records}
    deps = {r["id"]: list(r.get("depends_on", [])) for r in records}
    need: dict[str, list[str]] = {}
    for r in records:
        for e in r.get("enables", []):
            need.setdefault(e, []).append(r["id"])
    options = [[None, *range(1, phases - dur[i] + 2)] for i in ids]
    best, argbest = -np.inf, []
    for combo in itertools.product(*options):
        sched = {i: s for i, s in zip(ids, combo, strict=True) if s is not None}
        if not feasible(sched, dur, cost, deps, phases, budget, parallel):
            continue
        v = npv_of(sched, values, dur, cost, need, rate, py)
        if v > best + 1e-9:
            best, argbest = v, [sched]
        elif abs(v - best) <= 1e-9:
            argbest.append(sched)
    return best, argbest


def feasible(sched, dur, cost, deps, phases, budget, parallel) -> bool:
    end = {i: s + dur[i] - 1 for i, s in sched.items()}
    if any(e > phases for e in end.values()):
        return False
    for i, s in sched.items():
        for d in deps[i]:
            if d not in sched or end[d] >= s:
                return False
    for t in range(1, phases + 1):
        active = [i for i, s in sched.items() if s <= t <= end[i]]
        if budget is not None and sum(cost[i] / dur[i] for i in active) > budget[t - 1] + 1e-6:
            return False
        if parallel is not None and len(active) > parallel[t - 1]:
            return False
    return True


def npv_of(sched, values, dur, cost, need, rate, py) -> float:
    total = 0.0
    for i, s in sched.items():
        for t in range(s, s + dur[i]):
            total -= cost[i] / dur[i] * (1 + rate) ** (-(t - 1) * py)
    for e, req in need.items():
        if all(i in sched for i in req) and values.get(e, 0) > 0:
            k = max(sched[i] + dur[i] - 1 for i in req)
            total += values[e] * (1 + rate) ** (-k * py)
    return total


def schedule_of(rm: Roadmap) -> dict:
    return dict(zip(rm.table["initiative"], rm.table["phase_start"], strict=True))


def check_plan(rm: Roadmap, records, phases, budget, parallel):
    """The returned plan itself respects dependencies, durations, budgets and capacity."""
    dur = {r["id"]: int(r["duration"]) for r in records}
    cost = {r["id"]: float(r["cost"]) for r in records}
    deps = {r["id"]: list(r.get("depends_on", [])) for r in records}
    sched = schedule_of(rm)
    assert feasible(sched, dur, cost, deps, phases, budget, parallel)
    t = rm.table
    assert (t["phase_end"] - t["phase_start"] + 1 == t["initiative"].map(dur)).all()
    assert np.isclose(t["npv"].sum(), rm.npv) if len(t) else rm.npv == 0
    assert np.allclose(t["cumulative_npv"], t["npv"].cumsum())
    assert list(t["phase_start"]) == sorted(t["phase_start"])
    assert set(rm.left_out["initiative"]) == set(dur) - set(sched)


# ------------------------------------------------------------- known optima by hand
def test_dependencies_budget_and_discounting_give_the_hand_computed_optimum():
    # a is a prerequisite of b; c competes with a for the one-initiative-a-phase budget.
    records = [
        {"id": "a", "cost": 100, "duration": 1, "enables": []},
        {"id": "b", "cost": 100, "duration": 1, "enables": ["e_b"], "depends_on": ["a"]},
        {"id": "c", "cost": 100, "duration": 1, "enables": ["e_c"]},
    ]
    values = {"e_b": 1000.0, "e_c": 300.0}
    rm = plan(values, records, phases=3, budget_per_phase=100, discount_rate=0.1)
    # a (1), b (2), c (3): -100 - 100/1.1 - 100/1.21 + 1000/1.21 + 300/1.331
    expected = -100 - 100 / 1.1 - 100 / 1.21 + 1000 / 1.1**2 + 300 / 1.1**3
    assert rm.npv == pytest.approx(expected, rel=1e-12)
    assert schedule_of(rm) == {"a": 1, "b": 2, "c": 3}
    assert rm.table["initiative"].tolist() == ["a", "b", "c"]
    # the prerequisite carries its cost only; b carries the value it unlocks
    assert rm.table.set_index("initiative").at["a", "npv"] == pytest.approx(-100)
    assert rm.table.set_index("initiative").at["b", "unlocked_events"] == "e_b"
    best, _ = brute_force(values, records, 3, (100,) * 3, None, 0.1)
    assert rm.npv == pytest.approx(best, rel=1e-12)


def test_an_event_needs_every_initiative_that_enables_it():
    records = [
        {"id": "x", "cost": 10, "duration": 1, "enables": ["e"]},
        {"id": "y", "cost": 10, "duration": 2, "enables": ["e"]},
    ]
    rm = plan({"e": 100.0}, records, phases=3, discount_rate=0.0)
    assert rm.npv == pytest.approx(80.0)
    ev = rm.events.set_index("event_id")
    assert ev.at["e", "phase_enabled"] == 2 and ev.at["e", "enabled_by"] == "x, y"
    # y ends last (phase 2) and unlocks e; x ends in phase 1 and only carries its cost
    t = rm.table.set_index("initiative")
    assert t.at["y", "npv"] == pytest.approx(90.0) and t.at["x", "npv"] == pytest.approx(-10.0)
    # not worth it when the pair costs more than the event is worth
    rm = plan({"e": 15.0}, records, phases=3, discount_rate=0.0)
    assert rm.table.empty and rm.npv == 0.0 and len(rm.left_out) == 2
    assert "no initiative pays back" in rm.describe().lower()


def test_actions_of_negative_value_are_not_taken():
    records = [{"id": "a", "cost": 10, "duration": 1, "enables": ["good", "bad"]}]
    rm = plan({"good": 50.0, "bad": -1000.0}, records, phases=2, discount_rate=0.0)
    assert rm.npv == pytest.approx(40.0)
    assert rm.events.set_index("event_id")["taken"].to_dict() == {"good": True, "bad": False}
    assert any("bad" in n for n in rm.assumptions["notes"])


def test_capacity_limits_initiatives_at_once():
    records = [{"id": k, "cost": 1, "duration": 2, "enables": [f"e{k}"]} for k in "abc"]
    values = {"ea": 10.0, "eb": 20.0, "ec": 30.0}
    rm = plan(values, records, phases=2, max_parallel=2, discount_rate=0.0)
    assert set(schedule_of(rm)) == {"b", "c"}
    assert rm.npv == pytest.approx(48.0)
    gains = rm.constraints.set_index("constraint")["gain"]
    assert gains["the initiatives under way at once"] == pytest.approx(9.0)  # a as well
    assert gains["the capacity"] == pytest.approx(9.0)


@pytest.mark.parametrize(
    ("phases", "budget", "parallel", "rate"),
    [(3, None, None, 0.08), (3, (150, 150, 150), None, 0.08), (4, (120,) * 4, (2,) * 4, 0.2),
     (2, (300, 50), (1, 2), 0.0)],
)  # fmt: skip
def test_matches_brute_force_on_a_fixed_case(phases, budget, parallel, rate):
    records = [
        {"id": "p", "cost": 100, "duration": 1},
        {"id": "q", "cost": 80, "duration": 2, "enables": ["e1"], "depends_on": ["p"]},
        {"id": "r", "cost": 50, "duration": 1, "enables": ["e2", "e3"]},
        {"id": "s", "cost": 40, "duration": 1, "enables": ["e3"], "depends_on": ["r"]},
        {"id": "u", "cost": 30, "duration": 1, "enables": ["e4"]},
    ]
    values = {"e1": 260.0, "e2": 20.0, "e3": 90.0, "e4": 25.0}
    try:
        rm = plan(values, records, phases=phases, budget_per_phase=budget,
                  max_parallel=parallel, discount_rate=rate)  # fmt: skip
    except DataError as err:  # only when some initiative can never be scheduled
        best, optima = brute_force(values, records, phases, budget, parallel, rate)
        never = {r["id"] for r in records} - {i for o in optima for i in o}
        assert never and any(i in str(err) for i in never)
        return
    best, optima = brute_force(values, records, phases, budget, parallel, rate)
    assert rm.npv == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert schedule_of(rm) in optima
    check_plan(rm, records, phases, budget, parallel)


# ---------------------------------------------------- property: random small instances
@st.composite
def instances(draw):
    """Small random instances, drawn uniformly from a seed (not shrunk towards trivial
    ones, so that budgets, capacity and dependencies bind in most of them)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = int(rng.integers(2, 6))
    phases = int(rng.integers(2, 5))
    records = []
    for k in range(n):
        deps = [f"i{j}" for j in range(k) if rng.random() < 0.25]
        events = sorted({f"e{j}" for j in rng.integers(0, 4, size=int(rng.integers(0, 3)))})
        records.append(
            {
                "id": f"i{k}",
                "cost": float(rng.integers(0, 101)),
                "duration": 1 if rng.random() < 0.7 else 2,
                "enables": events,
                "depends_on": deps,
            }
        )
    values = {f"e{j}": float(rng.integers(-50, 401)) for j in range(4)}
    spend = [r["cost"] / r["duration"] for r in records]
    top = max(max(spend), 0.6 * sum(spend))
    budget = None if rng.random() < 0.2 else tuple(rng.uniform(max(spend), top, phases))
    parallel = None if rng.random() < 0.4 else tuple(int(p) for p in rng.integers(1, 4, phases))
    rate = float(rng.choice([0.0, 0.05, 0.3]))
    return records, values, phases, budget, parallel, rate


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_the_plan_is_optimal_and_feasible_on_random_instances(case):
    records, values, phases, budget, parallel, rate = case
    best, optima = brute_force(values, records, phases, budget, parallel, rate)
    try:
        rm = plan(values, records, phases=phases, budget_per_phase=budget,
                  max_parallel=parallel, discount_rate=rate)  # fmt: skip
    except CxlabError as err:
        # refused only when an initiative can be in no feasible schedule at all
        reachable = set()
        ids = [r["id"] for r in records]
        dur = {r["id"]: r["duration"] for r in records}
        cost = {r["id"]: float(r["cost"]) for r in records}
        deps = {r["id"]: r["depends_on"] for r in records}
        for combo in itertools.product(*[[None, *range(1, phases - dur[i] + 2)] for i in ids]):
            sched = {i: s for i, s in zip(ids, combo, strict=True) if s is not None}
            if feasible(sched, dur, cost, deps, phases, budget, parallel):
                reachable |= set(sched)
        never = set(ids) - reachable
        assert never, f"refused a schedulable instance: {err}"
        assert any(f"'{i}'" in str(err) for i in never)
        return
    assert rm.npv == pytest.approx(best, rel=1e-7, abs=1e-7)
    check_plan(rm, records, phases, budget, parallel)
    # relaxing a limit never loses value, and "no budget limit" is the brute-force optimum
    assert (rm.constraints["gain"] >= -1e-7).all()
    if budget is not None:
        free, _ = brute_force(values, records, phases, None, parallel, rate)
        got = rm.constraints.set_index("constraint").at["the budget", "npv"]
        assert got == pytest.approx(free, rel=1e-7, abs=1e-7)


# ------------------------------------------------------------- infeasible inputs
def test_infeasible_inputs_are_refused_with_their_names():
    cycle = [
        {"id": "a", "cost": 1, "duration": 1, "depends_on": ["b"]},
        {"id": "b", "cost": 1, "duration": 1, "depends_on": ["a"]},
    ]
    with pytest.raises(CxlabError, match=r"dependency cycle a -> b -> a"):
        plan({}, cycle)
    big = [{"id": "platform", "cost": 900, "duration": 1, "enables": ["e"]},
           {"id": "ok", "cost": 100, "duration": 1, "enables": ["e"]}]  # fmt: skip
    with pytest.raises(DataError) as err:
        plan({"e": 1.0}, big, phases=2, budget_per_phase=500)
    assert "'platform' costs 900 over 1 phase(s), 900 a phase: more than any phase's budget " \
        "(at most 500)" in str(err.value) and "'ok'" not in str(err.value)  # fmt: skip
    long = [{"id": "a", "cost": 1, "duration": 2}, {"id": "b", "cost": 1, "duration": 2,
                                                   "depends_on": ["a"]}]  # fmt: skip
    with pytest.raises(DataError, match=r"'b' cannot end within 3 phases: .* a -> b"):
        plan({}, long, phases=3)
    with pytest.raises(DataError, match="value case does not have: zz"):
        plan({"e": 1.0}, [{"id": "a", "cost": 1, "duration": 1, "enables": ["zz"]}])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"phases": 0}, "phases must be >= 1"),
        ({"phases": 2.5}, "phases must be a whole number"),
        ({"budget_per_phase": [1, 2]}, r"one number or one per phase \(4 phases\), got 2"),
        ({"budget_per_phase": -1}, "budget_per_phase must be >= 0"),
        ({"budget_per_phase": float("nan")}, "finite numbers"),
        ({"max_parallel": 0}, "whole numbers >= 1"),
        ({"discount_rate": 1.5}, r"discount_rate must lie in \[0, 1\)"),
        ({"n_boot": -1}, "n_boot must be >= 0"),
        ({"event_value": "profit"}, "event_value must be"),
    ],
)
def test_bad_arguments_are_parameter_errors(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        plan({"e": 1.0}, [{"id": "a", "cost": 1, "duration": 1, "enables": ["e"]}], **kwargs)


def test_value_left_on_the_table_is_a_re_solve_with_more_budget():
    records = [
        {"id": "a", "cost": 100, "duration": 1, "enables": ["ea"]},
        {"id": "b", "cost": 100, "duration": 1, "enables": ["eb"]},
    ]
    values = {"ea": 500.0, "eb": 400.0}
    rm = plan(values, records, phases=1, budget_per_phase=150, discount_rate=0.0,
              budget_step=50)  # fmt: skip
    c = rm.constraints.set_index("constraint")
    assert rm.npv == pytest.approx(400.0)
    assert c.at["the budget of phase 1", "relaxed_to"] == "200"
    assert c.at["the budget of phase 1", "gain"] == pytest.approx(300.0)
    assert c.at["the budget of phase 1", "gain_per_unit"] == pytest.approx(6.0)
    assert c.at["the number of phases", "gain"] == pytest.approx(300.0)
    assert "not LP duals" in rm.assumptions["left_on_table"]
    assert rm.assumptions["budget_step"] == 50


# ---------------------------------------------------------- with a real value case
@pytest.fixture(scope="module")
def study():
    from cxlab.synth import make_study
    from cxlab.valuecase import default_costs, value_case

    survey, truth = make_study("banking", n_respondents=400, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        costed = value_case(survey, default_costs(survey), n_boot=40, seed=1,
                            customers=50_000)  # fmt: skip
        benefit_only = value_case(survey, None, n_boot=40, seed=1)
    return survey, costed, benefit_only


def _bank_initiatives(survey):
    ev = list(survey.events["event_id"])
    return initiatives_from_records(
        [
            {"id": "base", "cost": 200_000, "duration": 1},
            {
                "id": "one",
                "cost": 600_000,
                "duration": 2,
                "enables": ev[:2],
                "depends_on": ["base"],
            },
            {"id": "two", "cost": 400_000, "duration": 1, "enables": ev[2:4]},
            {"id": "three", "cost": 300_000, "duration": 1, "enables": ev[4:]},
        ],
        events=survey,
    )


def test_value_case_draws_are_kept_without_changing_its_numbers(study):
    _, costed, benefit_only = study
    for vc in (costed, benefit_only):
        assert vc.benefit_draws.shape == vc.draws.shape == (40, len(vc.table))
        pct = vc.benefit_draws.quantile([0.025, 0.975]).T
        t = vc.table.set_index("event_id")
        assert np.allclose(pct[0.025].reindex(t.index), t["benefit_ci_low"], rtol=1e-9)
    cost_pv = costed.table.set_index("event_id")["cost_pv"]
    assert np.allclose(costed.draws, costed.benefit_draws - cost_pv[costed.draws.columns])


def test_the_plan_over_a_cost_based_value_case_and_its_stability(study):
    survey, vc, _ = study
    inits = _bank_initiatives(survey)
    kw = {"phases": 3, "budget_per_phase": 500_000, "max_parallel": 2, "seed": 5}
    rm = plan(vc, inits, n_boot=25, **kw)
    assert (
        rm.assumptions["event_value"] == "npv"
        and "improvement cost" in rm.assumptions["value_basis"]
    )
    assert len(rm.boot) == 25 and (rm.boot["regret"] >= -1e-6).all()
    st_ = rm.stability
    sums = st_.groupby("initiative")["share"].sum()
    assert np.allclose(sums, 1.0)
    for row in rm.table.itertuples():  # p_same_start is the stability share of its start
        share = st_[(st_["initiative"] == row.initiative) & (st_["phase_start"] == row.phase_start)]
        assert share["share"].iloc[0] == pytest.approx(row.p_same_start)
    # deterministic for a seed; another seed picks other draws
    again = plan(vc, inits, n_boot=25, **kw)
    pd.testing.assert_frame_equal(rm.stability, again.stability)
    pd.testing.assert_frame_equal(rm.boot, again.boot)
    other = plan(vc, inits, n_boot=25, **{**kw, "seed": 6})
    assert list(other.boot["draw"]) != list(rm.boot["draw"])
    every = plan(vc, inits, n_boot=1000, **kw)
    assert list(every.boot["draw"]) == list(range(40))  # all the value case has
    # each re-solve is the brute-force optimum of its draw
    records = inits.table.rename(columns={"initiative": "id", "enabled_events": "enables"})
    records = [
        {**r, "enables": list(r["enables"]), "depends_on": list(r["depends_on"])}
        for r in records.to_dict("records")
    ]
    cost_pv = vc.table.set_index("event_id")["cost_pv"]
    for row in rm.boot.head(3).itertuples():
        vals = (vc.benefit_draws.iloc[row.draw] - cost_pv[vc.draws.columns]).to_dict()
        best, _ = brute_force(vals, records, 3, (500_000,) * 3, (2,) * 3, 0.08)
        assert row.npv_optimal == pytest.approx(best, rel=1e-9)
    summary = rm.summary()
    assert list(summary.columns[:3]) == ["initiative", "phases", "cost"]
    wide = rm.stability_summary()
    assert {"phase 1", "phase 3", "not funded", "planned start"} <= set(wide.columns)


def test_a_benefit_only_value_case_values_actions_by_their_benefit(study):
    survey, _, vc = study
    inits = _bank_initiatives(survey)
    with pytest.raises(ParameterError, match=r"per 1,000 customers .* give customers"):
        plan(vc, inits, phases=3)
    rm = plan(vc, inits, phases=3, customers=50_000, n_boot=0)
    assert rm.assumptions["event_value"] == "benefit"
    assert "benefit-only" in rm.assumptions["value_basis"]
    assert "per 1,000" in rm.assumptions["customers"]
    t = vc.table.set_index("event_id")
    ev = rm.events.set_index("event_id")
    assert np.allclose(ev["value"], 50 * t["benefit"].reindex(ev.index))
    assert rm.boot.empty and "n_boot=0" in rm.assumptions["uncertainty"]
    with pytest.raises(ParameterError, match="needs a value case with improvement costs"):
        plan(vc, inits, customers=50_000, event_value="npv")


def test_a_value_case_for_a_customer_base_refuses_a_second_base(study):
    survey, vc, _ = study
    with pytest.raises(ParameterError, match="differs from the value case's customer base"):
        plan(vc, _bank_initiatives(survey), customers=10)


def test_the_charts_render(study, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cxlab.eventmap import lens_map
    from cxlab.priorities import prioritize

    survey, vc, _ = study
    rm = plan(vc, _bank_initiatives(survey), phases=3, budget_per_phase=500_000, n_boot=5)
    ax = rm.plot()
    labels = [t.get_text() for t in ax.texts]
    assert any("cum." in s for s in labels) and any("spend" in s for s in labels)
    assert len(ax.get_yticklabels()) == len(rm.table)
    ax.figure.savefig(tmp_path / "roadmap.png")
    plt.close(ax.figure)
    lensed = rm.lenses(survey.events)
    funded = rm.table.iloc[0]
    assert lensed["lens_initiative"].str.contains(f"{funded['name']} (phase", regex=False).any()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ax = lens_map(prioritize(survey), lensed, lens="initiative")
    heads = {t.get_text().replace("\n", " ") for t in ax.texts}
    assert any(str(funded["name"]) in h for h in heads)
    plt.close(ax.figure)
    assert rm.describe().startswith("The best sequence funds")
    assert "method" in set(rm.describe_assumptions()["assumption"])
