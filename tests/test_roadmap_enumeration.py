"""The roadmap's enumeration of schedules (issue 14) chooses the plans of the integer
program: every plan, stability table and re-solve is the same as with HiGHS alone
(``_ENUMERATE_MAX = 0`` sends every solve to the integer program)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlab.roadmap
from cxlab.errors import DataError
from cxlab.initiatives import initiatives_from_records, load_initiatives
from cxlab.roadmap import plan

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def _both(monkeypatch, *args, **kwargs):
    """The plan with enumeration, and with every solve left to the integer program."""
    calls = []
    milp = cxlab.roadmap._solve_milp

    def counted(*a):
        calls.append(1)
        return milp(*a)

    monkeypatch.setattr(cxlab.roadmap, "_solve_milp", counted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = plan(*args, **kwargs)
        n_fast = len(calls)
        monkeypatch.setattr(cxlab.roadmap, "_ENUMERATE_MAX", 0)
        slow = plan(*args, **kwargs)
    return fast, slow, n_fast, len(calls) - n_fast


def _same(a, b):
    for name in ("table", "left_out", "events", "constraints", "stability", "boot"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), rtol=1e-12)
    assert a.npv == pytest.approx(b.npv, rel=1e-12)
    assert repr(a.assumptions) == repr(b.assumptions)


def test_the_sample_bank_plan_and_its_stability_are_the_integer_programs(monkeypatch):
    from cxlab.synth import make_study
    from cxlab.valuecase import default_costs, value_case

    survey, _ = make_study("banking", n_respondents=631, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vc = value_case(survey, default_costs(survey), n_boot=200, seed=0, customers=250_000)
    inits = load_initiatives(SAMPLE / "banking_initiatives.yaml")
    fast, slow, n_fast, n_slow = _both(monkeypatch, vc, inits, seed=0, **inits.settings)
    _same(fast, slow)
    assert len(fast.boot) == 200
    assert n_fast < n_slow / 10  # the integer program only for near-ties


@pytest.mark.parametrize("seed", range(40))
def test_random_instances_choose_the_integer_programs_plan(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    n_init, phases = int(rng.integers(2, 6)), int(rng.integers(2, 5))
    events = [f"e{j}" for j in range(6)]
    records = []
    for i in range(n_init):
        deps = [f"i{d}" for d in range(i) if rng.random() < 0.2]
        records.append(
            {
                "id": f"i{i}",
                "cost": float(rng.integers(1, 20)) * 50.0,  # round costs: ties happen
                "duration": int(rng.integers(1, min(phases, 2) + 1)),
                "enables": list(rng.choice(events, int(rng.integers(0, 3)), replace=False)),
                "depends_on": deps,
            }
        )
    values = {
        e: float(rng.choice([-100.0, 0.0, 200.0, 500.0, rng.normal(400, 300)])) for e in events
    }
    budget = float(rng.choice([700.0, 1000.0, 1e6]))
    parallel = int(rng.integers(1, 3))
    settings = {
        "phases": phases,
        "budget_per_phase": budget,
        "max_parallel": parallel,
        "discount_rate": float(rng.choice([0.0, 0.08])),
    }
    try:
        plan(values, initiatives_from_records(records), **settings)
    except DataError as err:  # cannot be scheduled: the integer program says the same
        monkeypatch.setattr(cxlab.roadmap, "_ENUMERATE_MAX", 0)
        with pytest.raises(DataError) as alone:
            plan(values, initiatives_from_records(records), **settings)
        assert str(alone.value) == str(err)
        return
    fast, slow, _, _ = _both(monkeypatch, values, initiatives_from_records(records), **settings)
    _same(fast, slow)
