"""Shared test set-up: Agg backend, closed figures, fixed seeds, synthetic studies."""

from __future__ import annotations

import os
import random

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

os.environ.setdefault("PYTHONHASHSEED", "0")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def _fixed_seeds_and_closed_figures():
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002 - fix the legacy global state libraries may use
    yield
    plt.close("all")


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
