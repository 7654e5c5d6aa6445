"""Benchmark: driver models (cxlab.drivers / cxlab.importance), peers timed in the same run.

1. Exact Shapley (LMG) relative importance, 15 drivers, 5,000 respondents: cxlab vs
   ``pingouin.linear_regression(..., relimp=True)`` on the same data (results compared).
2. 1,000 bootstrap resamples of (1) (``n_jobs=1`` and ``n_jobs=2``).
3. How the cost grows with drivers (5..15, both libraries) and respondents (cxlab).
4. The cluster-robust investment model on 1,000,000 event ratings (125,000 respondents):
   cxlab vs statsmodels ``WLS(...).fit(cov_type="cluster")`` on the same arrays, and the
   mixed variant (statsmodels MixedLM) at 10^4 and 10^5 rows (10^6 with ``--mixed-1m``).

Run: ``.venv/bin/python -m benchmarks.bench_drivers [--mixed-1m] [--investment-only]``
"""

from __future__ import annotations

import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

from cxlab._regression import design_matrix
from cxlab.drivers import investment_weighting, relative_importance


def _best_of(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def driver_data(n: int = 5000, p: int = 15, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """Correlated 1-10 ratings of p drivers and an outcome."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    x = 0.6 * latent + rng.normal(size=(n, p))
    y = x @ np.linspace(0.05, 0.5, p) + rng.normal(size=n) * 1.5
    cols = [f"attr{j:02d}" for j in range(p)]
    df = pd.DataFrame(np.clip(np.rint(5.5 + 1.8 * x), 1, 10), columns=cols)
    df["satisfaction"] = y
    return df, cols


def event_data(n: int, seed: int = 0) -> pd.DataFrame:
    """n event ratings from n/8 respondents with a planted moderation model."""
    rng = np.random.default_rng(seed)
    n_resp = max(n // 8, 2)
    rid = rng.integers(0, n_resp, n)
    df = pd.DataFrame(
        {
            "respondent_id": pd.Series([f"R{i:07d}" for i in rid]),
            "event_id": pd.Categorical(rng.integers(0, 8, n).astype(str)),
            "tactile": rng.integers(1, 11, n).astype(float),
            "emotive": rng.integers(1, 11, n).astype(float),
            "personal_investment": rng.integers(1, 11, n).astype(float),
            "weight": rng.uniform(0.5, 2.0, n_resp)[rid],
        }
    )
    pi = df["personal_investment"]
    df["satisfaction"] = (
        (0.5 - 0.02 * pi) * df["tactile"]
        + (0.1 + 0.04 * pi) * df["emotive"]
        + 0.5 * rng.normal(size=n_resp)[rid]
        + rng.normal(size=n)
    )
    return df


def bench_shapley() -> None:
    import pingouin as pg

    df, cols = driver_data()
    t_cx = _best_of(lambda: relative_importance(df, "satisfaction", cols), 5)
    t_pg = _best_of(lambda: pg.linear_regression(df[cols], df["satisfaction"], relimp=True), 2)
    ours = relative_importance(df, "satisfaction", cols).set_index("driver").loc[cols]
    ref = pg.linear_regression(df[cols], df["satisfaction"], relimp=True)
    diff = np.abs(ours["importance"].to_numpy() - ref["relimp"].to_numpy()[1:]).max()
    print("Exact Shapley, 15 drivers, 5,000 respondents (best of runs)")
    print(f"  cxlab     {t_cx * 1000:9.1f} ms")
    print(f"  pingouin  {t_pg * 1000:9.1f} ms   -> cxlab {t_pg / t_cx:.0f}x faster")
    print(f"  max |cxlab - pingouin| = {diff:.1e}\n")

    for jobs in (1, 2):
        t0 = time.perf_counter()
        relative_importance(df, "satisfaction", cols, n_boot=1000, seed=1, n_jobs=jobs)
        print(f"1,000 bootstrap resamples, n_jobs={jobs}: {time.perf_counter() - t0:.1f} s")
    print()

    rows = []
    for p in (5, 8, 10, 12, 13, 14, 15):
        dfp, cp = driver_data(5000, p)
        t_c = _best_of(lambda dfp=dfp, cp=cp: relative_importance(dfp, "satisfaction", cp), 3)
        t_p = _best_of(
            lambda dfp=dfp, cp=cp: pg.linear_regression(dfp[cp], dfp["satisfaction"], relimp=True),
            1,
        )
        rows.append(
            {"drivers": p, "subsets": 2**p, "cxlab_ms": t_c * 1e3, "pingouin_ms": t_p * 1e3}
        )
    tab = pd.DataFrame(rows)
    tab["speed-up"] = tab["pingouin_ms"] / tab["cxlab_ms"]
    print("Cost by number of drivers (5,000 respondents)")
    print(tab.round(1).to_string(index=False), "\n")

    rows = []
    for n in (1_000, 5_000, 50_000, 500_000):
        dfn, cn = driver_data(n, 15)
        t_c = _best_of(lambda dfn=dfn, cn=cn: relative_importance(dfn, "satisfaction", cn), 3)
        rows.append({"respondents": n, "cxlab_ms": t_c * 1e3})
    print("Cost by respondents (15 drivers)")
    print(pd.DataFrame(rows).round(1).to_string(index=False), "\n")


def bench_investment(mixed_1m: bool = False) -> None:
    import statsmodels.api as sm

    df = event_data(1_000_000)
    t_cx = _best_of(lambda: investment_weighting(df, weights="weight"), 3)
    t_noev = _best_of(lambda: investment_weighting(df, weights="weight", event=None), 3)
    x, _ = design_matrix(df, "tactile", "emotive", "personal_investment", [])
    y, w = df["satisfaction"].to_numpy(), df["weight"].to_numpy()
    codes = pd.factorize(df["respondent_id"])[0]
    t_sm = _best_of(
        lambda: sm.WLS(y, x, weights=w).fit(cov_type="cluster", cov_kwds={"groups": codes}), 2
    )
    print("Cluster-robust investment model, 1,000,000 ratings, 125,000 respondents")
    print(f"  cxlab investment_weighting (full result)   {t_cx:6.2f} s")
    print(f"  cxlab without by_event                     {t_noev:6.2f} s")
    print(f"  statsmodels WLS cluster (model fit only)   {t_sm:6.2f} s\n")

    sizes = (10_000, 100_000) + ((1_000_000,) if mixed_1m else ())
    print("Mixed variant (random intercept, statsmodels MixedLM REML) vs cluster")
    for n in sizes:
        d = df if n == len(df) else event_data(n)  # 8 ratings per respondent at every size
        t_c = _best_of(lambda d=d: investment_weighting(d, weights="weight"), 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_m = _best_of(lambda d=d: investment_weighting(d, method="mixed"), 1)
        print(f"  {n:>9,} rows: cluster {t_c:7.2f} s   mixed {t_m:7.2f} s   ({t_m / t_c:.0f}x)")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    print(f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f}\n")
    if "--investment-only" not in argv:
        bench_shapley()
    bench_investment(mixed_1m="--mixed-1m" in argv)


if __name__ == "__main__":
    main()
