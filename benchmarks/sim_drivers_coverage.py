"""Simulation: do the 95% intervals of the driver models cover the planted truth 95% of the time?

Part 1 (investment model): ``n_studies`` synthetic studies from ``cxlab.synth.make_study``
(alternating banking / automotive, 631 respondents, seeds 1000, 1001, ...), each fitted
with :func:`cxlab.drivers.investment_weighting` (cluster-robust WLS, survey weights);
for each planted quantity we count how often the 95% interval contains it: the four
slopes (``t0, t1, e0, e1``), the crossover (Fieller) and the emotive/tactile ratio at the
highest- and lowest-investment events' planted mean investment (Fieller).

Part 2 (relative importance): samples of ``n`` rows from a multivariate normal population
whose exact Shapley importances are computed from the population covariance; the
percentile-bootstrap intervals of :func:`cxlab.importance.relative_importance` are
checked the same way.

Run: ``.venv/bin/python -m benchmarks.sim_drivers_coverage [n_studies] [--mixed N]``
(default 1000 studies; ``--mixed N`` adds N studies fitted with the mixed variant).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from cxlab.drivers import investment_weighting
from cxlab.importance import _shapley, _subset_r2, relative_importance


def _planted(truth: dict) -> dict:
    m = truth["satisfaction_model"]
    return {
        "t0 (tactile)": m["tactile"]["const"],
        "t1 (tactile:investment)": m["tactile"]["investment"],
        "e0 (emotive)": m["emotive"]["const"],
        "e1 (emotive:investment)": m["emotive"]["investment"],
        "crossover": truth["crossover"],
        "ratio at highest event": truth["ratio_at_highest_event"],
        "ratio at lowest event": truth["ratio_at_lowest_event"],
    }


def simulate_investment(
    n_studies: int = 1000,
    n_respondents: int = 631,
    method: str = "cluster",
    first_seed: int = 1000,
) -> pd.DataFrame:
    """One row per study x quantity: estimate, ci_low, ci_high, covered."""
    from cxlab.synth import make_study

    rows = []
    for i in range(n_studies):
        industry = ("banking", "automotive")[i % 2]
        survey, truth = make_study(industry, n_respondents=n_respondents, seed=first_seed + i)
        weights = "weight" if method == "cluster" else None
        res = investment_weighting(survey.event_table(), weights=weights, method=method)
        coef = res.coefficients.set_index("term")
        est = {}
        for key, term in [
            ("t0 (tactile)", "tactile"),
            ("t1 (tactile:investment)", "tactile:personal_investment"),
            ("e0 (emotive)", "emotive"),
            ("e1 (emotive:investment)", "emotive:personal_investment"),
        ]:
            est[key] = tuple(coef.loc[term, ["estimate", "ci_low", "ci_high"]])
        c = res.crossover
        est["crossover"] = (np.nan, np.nan, np.nan) if c is None else (
            c.estimate, c.ci_low, c.ci_high
        )  # fmt: skip
        ev = truth["events"]
        for key, eid in [
            ("ratio at highest event", truth["highest_investment_event"]),
            ("ratio at lowest event", truth["lowest_investment_event"]),
        ]:
            at = res.at(ev[eid]["personal_investment"]).iloc[0]
            est[key] = (at["ratio"], at["ratio_ci_low"], at["ratio_ci_high"])
        for key, value in _planted(truth).items():
            e, lo, hi = est[key]
            rows.append(
                {
                    "study": i,
                    "industry": industry,
                    "quantity": key,
                    "truth": value,
                    "estimate": e,
                    "ci_low": lo,
                    "ci_high": hi,
                    "covered": bool(lo < value < hi),
                }
            )
    return pd.DataFrame(rows)


def coverage_table(sims: pd.DataFrame) -> pd.DataFrame:
    """Coverage (and its binomial standard error) per quantity."""
    g = sims.groupby("quantity", sort=False)
    out = pd.DataFrame(
        {
            "coverage": g["covered"].mean(),
            "n_studies": g.size(),
            "mean_estimate": g["estimate"].mean(),
            "truth": g["truth"].mean(),
            "median_width": (sims["ci_high"] - sims["ci_low"]).groupby(sims["quantity"]).median(),
        }
    )
    out["mc_se"] = np.sqrt(out["coverage"] * (1 - out["coverage"]) / out["n_studies"])
    return out


def _population(p: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Covariance of (drivers, outcome) and the exact population Shapley importances."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(p, p))
    sxx = a @ a.T / p + np.eye(p)
    beta = np.linspace(0.2, 0.8, p)
    s_xy = sxx @ beta
    s_yy = beta @ sxx @ beta + 1.0
    cov = np.zeros((p + 1, p + 1))
    cov[:p, :p], cov[:p, p], cov[p, :p], cov[p, p] = sxx, s_xy, s_xy, s_yy
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    truth = _shapley(_subset_r2(corr, [[i] for i in range(p)]), p)
    return cov, truth


def simulate_importance(
    n_samples: int = 200, n: int = 500, n_boot: int = 500, p: int = 5, first_seed: int = 0
) -> pd.DataFrame:
    """Coverage of percentile-bootstrap intervals for exact Shapley importance."""
    cov, truth = _population(p)
    cols = [f"d{i}" for i in range(p)]
    rows = []
    for s in range(n_samples):
        rng = np.random.default_rng(first_seed + s)
        data = rng.multivariate_normal(np.zeros(p + 1), cov, size=n)
        df = pd.DataFrame(data, columns=cols + ["y"])
        res = relative_importance(df, "y", cols, n_boot=n_boot, seed=s).set_index("driver")
        for j, c in enumerate(cols):
            lo, hi = res.loc[c, "ci_low"], res.loc[c, "ci_high"]
            rows.append(
                {
                    "sample": s,
                    "quantity": f"shapley {c}",
                    "truth": truth[j],
                    "estimate": res.loc[c, "importance"],
                    "ci_low": lo,
                    "ci_high": hi,
                    "covered": bool(lo < truth[j] < hi),
                }
            )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    n_mixed = 0
    if "--mixed" in argv:
        i = argv.index("--mixed")
        n_mixed = int(argv[i + 1])
        del argv[i : i + 2]
    n_studies = int(argv[0]) if argv else 1000
    pd.set_option("display.width", 120)
    t0 = time.perf_counter()
    sims = simulate_investment(n_studies)
    print(f"Investment model, cluster-robust WLS: {n_studies} studies of 631 respondents")
    print(coverage_table(sims).round(4).to_string())
    print(f"({time.perf_counter() - t0:.0f} s)\n", flush=True)
    if n_mixed:
        t0 = time.perf_counter()
        sims = simulate_investment(n_mixed, method="mixed")
        print(f"Investment model, mixed (random intercept): {n_mixed} studies")
        print(coverage_table(sims).round(4).to_string())
        print(f"({time.perf_counter() - t0:.0f} s)\n", flush=True)
    t0 = time.perf_counter()
    imp = simulate_importance()
    print("Exact Shapley importance, percentile bootstrap (500 resamples), 200 samples of 500")
    print(coverage_table(imp).round(4).to_string())
    print(f"({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
