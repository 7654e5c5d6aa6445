"""Benchmark: cxlab raking vs samplics raking on the same data, same run.

Rakes n respondents on 4 margins (5 x 10 x 3 x 7 categories) starting from
unequal design weights, for n in 1e4, 1e5, 1e6. samplics is timed on the same
data at its own convergence rule with the same tolerance (relative change and
relative control error <= 1e-6) and at its defaults (1e-4); cxlab at the
equivalent tolerance on the largest share error, at its default (1e-10), and
with trimming bounds (twice the smallest, half the largest untrimmed weight).
Prints a table.

Run: ``.venv/bin/python -m benchmarks.bench_weighting``
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from cxlab.weighting import rake

SIZES = (5, 10, 3, 7)


def make_data(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Skewed sample on four variables, design weights and population margins."""
    rng = np.random.default_rng(seed)
    cols = {}
    margins = {}
    for j, k in enumerate(SIZES):
        p_sample = rng.dirichlet(np.full(k, 3.0))
        p_pop = rng.dirichlet(np.full(k, 3.0))
        name = f"v{j}"
        cols[name] = rng.choice(k, size=n, p=p_sample)
        margins[name] = {c: float(p_pop[c]) for c in range(k)}
    design = rng.uniform(0.5, 2.0, size=n)
    return pd.DataFrame(cols), design, margins


def _best_of(fn, repeat: int) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run(sizes=(10_000, 100_000, 1_000_000), repeat: int = 3) -> pd.DataFrame:
    """Time both implementations; return one row per n."""
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.weighting import SampleWeight

    rows = []
    for n in sizes:
        df, design, margins = make_data(n)
        total = design.sum()
        control = {k: {c: s * total for c, s in v.items()} for k, v in margins.items()}
        domains = {k: df[k].to_numpy() for k in margins}

        def ours(tol, df=df, margins=margins, design=design):
            return rake(df, margins, weights=design, tol=tol)

        def theirs(design=design, domains=domains, control=control):
            return SampleWeight().rake(
                design, domains, control=control, tol=1e-6, ctrl_tol=1e-6, max_iter=1000
            )

        t_ours_6, _ = _best_of(lambda: ours(1e-6), repeat)
        t_ours_10, res_ours = _best_of(lambda: ours(1e-10), repeat)
        t_theirs, w_theirs = _best_of(theirs, 1 if n >= 1_000_000 else repeat)

        def theirs_default(design=design, domains=domains, control=control):
            return SampleWeight().rake(design, domains, control=control)

        t_theirs_default, _ = _best_of(theirs_default, 1 if n >= 1_000_000 else repeat)
        # trimming: floor at twice the smallest and cap at half the largest untrimmed weight
        free = res_ours.weights
        bounds = (2.0 * float(free.min()), 0.5 * float(free.max()))
        n_trimmed = int(((free < bounds[0]) | (free > bounds[1])).sum())
        t0 = time.perf_counter()
        trimmed = rake(df, margins, weights=design, bounds=bounds)
        t_bounded = time.perf_counter() - t0
        w_ours = free.to_numpy()
        rows.append(
            {
                "n": n,
                "cxlab_s_tol1e-6": t_ours_6,
                "cxlab_s_tol1e-10": t_ours_10,
                "samplics_s_tol1e-6": t_theirs,
                "samplics_s_default": t_theirs_default,
                "cxlab_s_trimmed": t_bounded,
                "trimmed_converged": trimmed.converged,
                "n_outside_bounds_untrimmed": n_trimmed,
                "speedup_same_tol": t_theirs / t_ours_6,
                "max_rel_diff_weights": float(np.max(np.abs(w_ours / w_theirs - 1))),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    table = run()
    with pd.option_context("display.width", 160, "display.float_format", "{:.4g}".format):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
