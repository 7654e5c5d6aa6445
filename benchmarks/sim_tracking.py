"""Simulation: power and family-wise false alarms of :func:`cxlab.tracking.compare_waves`.

Power: ``n_reps`` two-wave banking studies (631 respondents per wave,
:func:`cxlab.synth.make_waves`, seeds ``seed + r``), each with one planted change of
``change`` points in one event's mean satisfaction (the events in turn); a detection is
that event's change being significant after Holm's adjustment over the seven events.
Also reports how often the planted change lies inside the 95% interval.

False alarms: ``n_reps`` four-wave studies with nothing planted (``changes={}``); a
false alarm is *any* significant change in the satisfaction table (3 wave-on-wave
changes x 7 events = 21 tests, one Holm family). The family-wise rate must stay at or
under the nominal 5% (within Monte Carlo error).

Run: ``.venv/bin/python -m benchmarks.sim_tracking [n_reps]`` (default 400).
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

from cxlab.errors import SuppressionWarning
from cxlab.synth import make_waves
from cxlab.tracking import compare_waves

EVENTS = (
    "compare_options",
    "open_checking",
    "mortgage_decision",
    "setup_online",
    "resolve_issue",
    "branch_service",
    "monthly_statement",
)


def power(n_reps: int = 400, change: float = 0.5, seed: int = 2026, n: int = 631) -> dict:
    """Share of studies in which a planted change is detected (Holm over the events)."""
    hits = covered = 0
    for r in range(n_reps):
        event = EVENTS[r % len(EVENTS)]
        survey, _ = make_waves(
            "banking", n_waves=2, n_respondents=n, seed=seed + r, changes={event: {"W2": change}}
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SuppressionWarning)
            t = compare_waves(survey, "satisfaction")
        row = t[(t["wave"] == "W2") & (t["event_id"] == event)].iloc[0]
        hits += bool(row["significant"]) and row["change"] > 0
        covered += bool(row["ci_low"] <= change <= row["ci_high"])
    return {"n_reps": n_reps, "change": change, "n": n, "power": hits / n_reps,
            "coverage": covered / n_reps}  # fmt: skip


def false_alarms(n_reps: int = 400, seed: int = 2027, n: int = 631, n_waves: int = 4) -> dict:
    """Share of no-change studies with any significant change in the satisfaction table,
    and the per-test rate of unadjusted p < 0.05."""
    alarms = 0
    raw = tests = 0
    for r in range(n_reps):
        survey, _ = make_waves("banking", n_waves=n_waves, n_respondents=n, seed=seed + r,
                               changes={})  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SuppressionWarning)
            t = compare_waves(survey, "satisfaction")
        alarms += bool(t["significant"].any())
        p = t["p_value"].dropna()
        raw += int((p < 0.05).sum())
        tests += len(p)
    return {"n_reps": n_reps, "n": n, "n_waves": n_waves, "tests_per_family": tests // n_reps,
            "family_wise_rate": alarms / n_reps, "per_test_unadjusted_rate": raw / tests}  # fmt: skip


def main(n_reps: int = 400) -> None:
    t0 = time.perf_counter()
    for change in (0.2, 0.3, 0.5):
        res = power(n_reps, change)
        print(f"power  change {change:.1f}: {res['power']:.3f} (coverage {res['coverage']:.3f}, "
              f"{n_reps} studies)")  # fmt: skip
    res = false_alarms(n_reps)
    mc = np.sqrt(0.05 * 0.95 / n_reps)
    print(
        f"false alarms: family-wise {res['family_wise_rate']:.3f} (MC sd {mc:.3f}; "
        f"{res['tests_per_family']} tests per family), per test unadjusted "
        f"{res['per_test_unadjusted_rate']:.3f}"
    )
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":  # pragma: no cover
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
