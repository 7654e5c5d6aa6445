"""Shared test set-up: Agg backend, closed figures, fixed seeds, synthetic studies."""

from __future__ import annotations

import os
import random

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
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
