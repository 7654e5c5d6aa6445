"""Benchmark: the weighted ordinal advocacy-driver model, Newton solver vs statsmodels.

``cxlab.advocacy_drivers.advocacy_drivers`` on ``make_study("banking", n, seed=0)`` for
n in 10,000 / 100,000 / 1,000,000: the new implementation (respondents pooled into
cells, Newton's method with analytic derivatives, analytic delta-method gradients;
:mod:`cxlab._ordinal`) against the implementation it replaced, run on the same
design matrix in the same process: a statsmodels ``OrderedModel`` subclass with a
weighted log-likelihood fitted by BFGS on every row with numerical HC0 sandwich SEs,
and average marginal effects with numerical gradients (:func:`old_fit`). Both the
model-building step (the wide respondent x event matrix, shared) and the fits are
timed; the largest difference between the two sets of coefficients is printed.

Run: ``.venv/bin/python -m benchmarks.bench_ordinal [--skip-old-1m]``
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd

from cxlab.advocacy_drivers import _wide, advocacy_drivers
from cxlab.segments import advocacy_groups
from cxlab.synth import make_study


def weighted_ordered_model():
    """statsmodels ``OrderedModel`` with a weighted (pseudo-) log-likelihood ``sum w_i
    log L_i``: the implementation the Newton solver replaced (also the tests' peer)."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    class WeightedOrderedModel(OrderedModel):
        def __init__(self, endog, exog, pweights, **kwargs):
            super().__init__(endog, exog, **kwargs)
            self.pweights = np.asarray(pweights, dtype=float)

        def loglikeobs(self, params):
            return self.pweights * super().loglikeobs(params)

    return WeightedOrderedModel


def old_fit(exog: np.ndarray, y: np.ndarray, wk: np.ndarray, rated: np.ndarray):
    """The replaced fit, as it was: BFGS on all rows, HC0, numerical-gradient AMEs."""
    from threadpoolctl import threadpool_limits

    model = weighted_ordered_model()(y, exog, wk, distr="logit")
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")
        fit = model.fit(method="bfgs", maxiter=2000, disp=False, cov_type="HC0")
    params, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    for j in range(rated.shape[1]):
        r = rated[:, j]
        shifted = exog.copy()
        shifted[:, j] += 1.0

        def ame(p, r=r, shifted=shifted):
            d = model.predict(p, exog=shifted[r]) - model.predict(p, exog=exog[r])
            return 100 * np.average(d[:, [2, 0]], axis=0, weights=wk[r])

        step = 1e-5 * np.maximum(np.abs(params), 1.0)
        eye = np.eye(len(params))
        grad = np.stack(
            [
                (ame(params + eye[i] * step[i]) - ame(params - eye[i] * step[i])) / (2 * step[i])
                for i in range(len(params))
            ],
            axis=1,
        )
        np.sqrt(np.diag(grad @ cov @ grad.T))
    return params


def run(sizes=(10_000, 100_000, 1_000_000), old_max: int = 1_000_000) -> pd.DataFrame:
    rows = []
    for n in sizes:
        survey, _ = make_study("banking", n_respondents=n, seed=0)
        r, et = survey.respondents, survey.event_table()
        repeat = 3 if n <= 100_000 else 1
        best = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            res = advocacy_drivers(survey)
            best = min(best, time.perf_counter() - t0)
        t0 = time.perf_counter()
        X, rated, _ = _wide(r, et, ["satisfaction"], 30)
        t_wide = time.perf_counter() - t0
        g = advocacy_groups(r, three=True)
        keep = g.notna().to_numpy()
        w = r["weight"].to_numpy(float)[keep]
        exog = (X[keep] - X[keep].mean()).to_numpy()
        row = {
            "respondents": n,
            "new_s": best,
            "of_which_wide_s": t_wide,
            "new_fit_s": best - t_wide,
            "old_s": np.nan,
            "old_fit_s": np.nan,
            "max_coef_diff": np.nan,
        }
        if n <= old_max:
            t0 = time.perf_counter()
            old = old_fit(exog, g.cat.codes.to_numpy()[keep], w / w.mean(), rated[keep])
            row["old_fit_s"] = time.perf_counter() - t0
            row["old_s"] = row["old_fit_s"] + t_wide
            row["max_coef_diff"] = float(np.abs(old - res.coefficients["coef"].to_numpy()).max())
        rows.append(row)
        print(pd.DataFrame([row]).to_string(index=False), flush=True)
    out = pd.DataFrame(rows)
    out["ratio_old_new"] = out["old_s"] / out["new_s"]
    out["new_growth"] = (
        out["new_s"] / out["new_s"].shift() / (out.respondents / out.respondents.shift())
    )
    return out


def main() -> None:
    old_max = 100_000 if "--skip-old-1m" in sys.argv else 1_000_000
    out = run(old_max=old_max)
    with pd.option_context("display.width", 200, "display.float_format", "{:.3g}".format):
        print(out.to_string(index=False))


if __name__ == "__main__":
    main()
