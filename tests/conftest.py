"""Shared test set-up: Agg backend, closed figures, fixed seeds, synthetic studies."""

from __future__ import annotations

import os
import random
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cxlab.codebook import DEFAULT_STAGES  # noqa: E402

os.environ.setdefault("PYTHONHASHSEED", "0")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGES = list(DEFAULT_STAGES[:5])  # the first five stages of the one stage list


@pytest.fixture(autouse=True)
def _fixed_seeds_and_closed_figures():
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002 - fix the legacy global state libraries may use
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def chromium_path():
    """The system Chromium for the browser tests: skipped when missing, failed under CI."""
    import shutil

    found = next(
        (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
    )
    if found is None:
        message = "chromium is not installed (make test installs it when run as root)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run the browser checks, never skip them
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def banking():
    """The default banking study (631 respondents, seed 0) and its truth."""
    from cxlab.synth import make_study

    return make_study(industry="banking", n_respondents=631, seed=0)


@pytest.fixture(scope="session")
def automotive():
    """The default automotive study (631 respondents, seed 0) and its truth."""
    from cxlab.synth import make_study

    return make_study(industry="automotive", n_respondents=631, seed=0)


@pytest.fixture(scope="session")
def project_root():
    return ROOT


@pytest.fixture
def with_small_segment():
    """A weighted frame with a 200-respondent segment and one of 12 (under the minimum base)."""
    rng = np.random.default_rng(9)
    df = pd.DataFrame(
        {
            "seg": ["big"] * 200 + ["tiny"] * 12,
            "y": rng.integers(1, 11, 212).astype(float),
            "weight": rng.uniform(0.5, 2, 212),
        }
    )
    df["flag"] = (df["y"] > 5).astype(float)
    return df


# ------------------------------------------------------------------ numpy-generated survey
def fake_survey(seed: int = 1, n: int = 600, rare_event: bool = True):
    """A small numpy-generated survey with planted event means and advocacy impacts."""
    rng = np.random.default_rng(seed)
    ev = pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(1, 9)],
            "name": [f"event number {i}" for i in range(1, 9)],
            "stage": [STAGES[i % 5] for i in range(8)],
            "channel": ["web", "branch", "phone", "web", "mobile", "branch", "mail", "web"],
            "stage_order": [i % 5 for i in range(8)],
        }
    )
    perf = np.array([6.0, 7.0, 8.0, 5.0, 7.5, 6.5, 7.0, 6.0])
    brand = perf + np.array([0.0, -1.2, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    base = perf + np.array([0.0, -2.0, -1.0, 1.0, -2.0, -1.0, -1.0, -1.0])
    impact = np.array([0.10, 0.30, 0.05, 0.20, 0.0, 0.15, 0.08, 0.1])
    p_rated = np.array([0.8, 0.7, 0.9, 0.6, 0.85, 0.75, 0.8, 0.04 if rare_event else 0.5])
    resp = pd.DataFrame(
        {
            "respondent_id": [f"R{i:04d}" for i in range(n)],
            "weight": rng.uniform(0.5, 2.0, n),
            "life_stage": rng.choice(["young", "family", "retired"], n),
        }
    )
    rows = []
    u = rng.normal(0, 0.5, n)
    for j, e in enumerate(ev["event_id"]):
        rated = rng.random(n) < p_rated[j]
        k = int(rated.sum())
        t = perf[j] + rng.normal(0, 1.2, k)
        m = perf[j] + rng.normal(0, 1.2, k)
        p = (t + m) / 2
        be = brand[j] + rng.normal(0, 1.0, k)
        bl = base[j] + rng.normal(0, 1.0, k)
        sat = 1.0 + 0.45 * t + 0.45 * m + u[rated] + rng.normal(0, 0.8, k)
        rows.append(
            pd.DataFrame(
                {
                    "respondent_id": resp["respondent_id"].to_numpy()[rated],
                    "event_id": e,
                    "stage": ev["stage"].iloc[j],
                    "channel": ev["channel"].iloc[j],
                    "weight": resp["weight"].to_numpy()[rated],
                    "significance": 3 + j * 0.7 + rng.normal(0, 1, k),
                    "personal_investment": 2 + j * 0.6 + rng.normal(0, 1, k),
                    "brand_expectation": be,
                    "baseline_expectation": bl,
                    "tactile": t,
                    "emotive": m,
                    "performance": p,
                    "satisfaction": sat,
                    "brand_gap": p - be,
                    "baseline_gap": p - bl,
                }
            )
        )
    et = pd.concat(rows, ignore_index=True)
    et["stage"] = pd.Categorical(et["stage"], categories=STAGES, ordered=True)
    wide = et.pivot(index="respondent_id", columns="event_id", values="satisfaction")
    wide = wide.reindex(resp["respondent_id"])
    dev = (wide - wide.mean()).fillna(0.0).to_numpy()
    resp["recommend"] = 7 + dev @ impact + rng.normal(0, 1.0, n)
    survey = SimpleNamespace(
        respondents=resp, events=ev, stages=STAGES, event_table=lambda: et.copy()
    )
    return survey, {"impact": dict(zip(ev["event_id"], impact, strict=True)), "et": et}


@pytest.fixture
def fake_survey_factory():
    """The :func:`fake_survey` builder (shared by the moments and priorities tests)."""
    return fake_survey


# ------------------------------------------------------------------ survey shapes on disk
@pytest.fixture(scope="session")
def shape_files(tmp_path_factory):
    """``shape_files(kind, seed=0)`` -> :class:`cxlab.synth.Shape` (data, codebook, truth).

    Each shape of :func:`cxlab.synth.write_shape` ("event_cx", "satisfaction_no_events",
    "opinion_spss") is written once per session; tests must not modify the files.
    """
    from cxlab.synth import write_shape

    cache = {}

    def get(kind: str, seed: int = 0):
        if (kind, seed) not in cache:
            cache[(kind, seed)] = write_shape(kind, tmp_path_factory.mktemp(kind), seed=seed)
        return cache[(kind, seed)]

    return get
