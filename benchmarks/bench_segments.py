"""Advocacy at scale: net advocacy by segment and training the advocacy scorer.

1. ``net_advocacy`` with SEs and CIs for 1,000,000 respondents in 50 segments, weighted
   (integer codes + ``np.bincount``), against a pandas ``groupby`` peer computing the
   same table in the same process (results checked equal). Target: under 0.5 s.
2. ``fit_scorer`` (calibrated multinomial logistic pipeline, 5-fold held-out metrics)
   on 100,000 synthetic customers. Target: under a minute on 2 cores.

Run: ``.venv/bin/python -m benchmarks.bench_segments``
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from cxlab.scoring import fit_scorer
from cxlab.segments import net_advocacy
from cxlab.synth import make_study


def _best(fn, repeat: int = 5):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _pandas_peer(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table with pandas: net advocacy as the weighted mean of the +/-100 score
    and its linearised SE (m/(m-1) on all m rows; domain estimation by segment)."""
    m = len(frame)
    d = frame.dropna(subset=["recommend"])
    w = d["weight"]
    score = 100.0 * (d["recommend"] >= 9) - 100.0 * (d["recommend"] <= 6)
    parts = pd.DataFrame({"segment": d["segment"], "w": w, "wy": w * score})
    s = parts.groupby("segment").sum()
    value = s["wy"] / s["w"]
    z = (
        w
        * (score - value.reindex(d["segment"]).to_numpy())
        / s["w"].reindex(d["segment"]).to_numpy()
    )
    var = m / (m - 1) * (z * z).groupby(d["segment"]).sum()
    se = np.sqrt(var)
    return pd.DataFrame(
        {"value": value, "se": se, "ci_low": value - 1.96 * se, "ci_high": value + 1.96 * se}
    )


def bench_net_advocacy(n: int = 1_000_000, segments: int = 50) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "recommend": rng.integers(0, 11, n).astype(float),
            "weight": rng.lognormal(0, 0.5, n),
            "segment": rng.integers(0, segments, n),
        }
    )
    frame.loc[rng.random(n) < 0.02, "recommend"] = np.nan
    ours, table = _best(lambda: net_advocacy("recommend", "weight", by="segment", data=frame))
    peer, ref = _best(lambda: _pandas_peer(frame))
    np.testing.assert_allclose(table["value"], ref["value"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(table["se"], ref["se"].to_numpy(), rtol=1e-9)
    print(f"net advocacy: {n:,} respondents x {segments} segments, weighted, SE + 95% CI")
    print(f"{'method':<44}{'seconds (best of 5)':>20}")
    print(f"{'cxlab.segments.net_advocacy (bincount)':<44}{ours:>20.3f}")
    print(f"{'pandas groupby peer (same table)':<44}{peer:>20.3f}")


def bench_scorer(n: int = 100_000) -> None:
    t0 = time.perf_counter()
    survey, _ = make_study("banking", n_respondents=n, seed=1)
    make_t = time.perf_counter() - t0
    rows = []
    for model, n_jobs in (("logistic", 1), ("logistic", 2)):
        t0 = time.perf_counter()
        scorer = fit_scorer(survey.respondents, model=model, n_splits=5, n_jobs=n_jobs)
        m = scorer.metrics.set_index("metric")["value"]
        rows.append(
            (f"{model}, n_jobs={n_jobs}", time.perf_counter() - t0, m["auc_ovr_macro"], m["brier"])
        )
    print(
        f"\nadvocacy scorer: {int(m['n']):,} customers (synthetic study made in {make_t:.1f} s), 5-fold CV + final fit"
    )
    print(f"{'model':<28}{'seconds':>10}{'AUC':>8}{'Brier':>8}")
    for name, secs, auc, brier in rows:
        print(f"{name:<28}{secs:>10.1f}{auc:>8.3f}{brier:>8.3f}")


def main() -> None:
    warnings.simplefilter("ignore")
    bench_net_advocacy()
    bench_scorer()


if __name__ == "__main__":
    main()
