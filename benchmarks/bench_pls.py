"""Benchmark: the weighted PLS path model (cxlab.pls) and its vectorised bootstrap.

The ECSI-style study of :func:`cxlab.synth.make_pls_study` (7 constructs, 24 items,
12 paths), n = 250:

1. one fit (path scheme), unweighted and weighted;
2. 5,000 bootstrap resamples (the goal: under 10 s on 2 cores), vectorised;
3. the same bootstrap as a loop of ordinary fits on resampled frames (200 of them,
   scaled to 5,000), which is what an unvectorised implementation does;
4. 1,000 resamples re-raked to the population margins (one ``rake`` per resample);
5. the Python peer ``plspm`` (0.5.7, the last release) on the same data, when it is
   importable: it does not run on pandas 2 (see benchmarks/README.md).

Times are medians of repeated runs (the machine is shared: the load average is
printed). Run: ``.venv/bin/python -m benchmarks.bench_pls [--boot-only] [--repeat N]``.
"""

from __future__ import annotations

import os
import sys
import time
import warnings

import numpy as np

from cxlab import pls
from cxlab.synth import make_pls_study


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _plspm(frame, truth):
    """plspm's path-scheme fit with 100 bootstrap resamples, or the error it raises."""
    try:
        import pandas as pd
        from plspm.config import Config
        from plspm.mode import Mode
        from plspm.plspm import Plspm
        from plspm.scheme import Scheme
    except ImportError as err:
        return None, f"not installed ({err})"
    names = list(truth["blocks"])
    structure = pd.DataFrame(0, index=names, columns=names)
    for s, t in truth["paths"]:
        structure.loc[t, s] = 1
    config = Config(structure, scaled=True)
    for c, items in truth["blocks"].items():
        config.add_lv(c, Mode.A, *[__import__("plspm.config").config.MV(i) for i in items])
    t0 = time.perf_counter()
    try:
        Plspm(frame[[i for v in truth["blocks"].values() for i in v]], config, Scheme.PATH)
    except Exception as err:  # noqa: BLE001 - report whatever the peer raises
        return None, f"fails: {type(err).__name__}: {str(err).splitlines()[0][:90]}"
    return time.perf_counter() - t0, "ran"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 5
    frame, truth = make_pls_study(n=250, seed=0)
    blocks, paths = truth["blocks"], truth["paths"]
    if "--boot-only" in argv:
        res = pls.fit(frame, blocks, paths, n_boot=5000, seed=1, progress=False)
        print(f"5,000 resamples done ({res.n_boot} used)")
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"cores available: {cores}; load average before: {os.getloadavg()}")
    print(f"model: {len(blocks)} constructs, {sum(map(len, blocks.values()))} items, "
          f"{len(paths)} paths, n = {len(frame)}; medians of {repeat} runs")  # fmt: skip
    w = frame.assign(w=np.random.default_rng(0).uniform(0.5, 2.0, len(frame)))
    rows = [
        ("one fit, unweighted", _median_time(lambda: pls.fit(frame, blocks, paths), 20 * repeat)),
        (
            "one fit, weighted",
            _median_time(lambda: pls.fit(w, blocks, paths, weights="w"), 20 * repeat),
        ),
    ]
    boot = _median_time(
        lambda: pls.fit(frame, blocks, paths, n_boot=5000, seed=1, progress=False), repeat
    )
    rows.append(("5,000 bootstrap resamples (vectorised)", boot))
    rng = np.random.default_rng(1)
    idx = [rng.integers(0, len(frame), len(frame)) for _ in range(200)]

    def loop():
        for i in idx:
            pls.fit(frame.iloc[i].reset_index(drop=True), blocks, paths)

    loop_t = _median_time(loop, max(1, repeat // 2)) * 5000 / 200
    rows.append(("5,000 resamples as a loop of fits (200 timed, scaled)", loop_t))
    from cxlab.weighting import rake

    wf, wt = make_pls_study(n=250, seed=0, weights=True)
    raked = rake(wf, wt["margins"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rerake = _median_time(
            lambda: pls.fit(wf, blocks, paths, weights=raked, n_boot=1000, progress=False),
            max(1, repeat // 2),
        )
    rows.append(("1,000 resamples, each re-raked", rerake))
    peer_t, peer_status = _plspm(frame, truth)
    print()
    print("| step | seconds |")
    print("|---|---:|")
    for name, t in rows:
        print(f"| {name} | {t:.3f} |")
    print(f"| plspm (peer), one fit | {'n/a' if peer_t is None else f'{peer_t:.3f}'} |")
    print(f"\nvectorised speed-up over the loop: {loop_t / boot:.0f}x; goal 5,000 in < 10 s: "
          f"{'met' if boot < 10 else 'NOT met'} ({boot:.2f} s)")  # fmt: skip
    print(f"plspm 0.5.7: {peer_status}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
