"""Where a report's time and memory go, in-process: ``load_inputs`` and each section of
``analyse`` with its wall time, the resident memory when it starts and its peak
(polled every 20 ms). No notebook, no export.

Run: ``.venv/bin/python -m benchmarks.profile_sections <client.yaml>`` (a parameter file
as ``cxlab report`` takes it, e.g. one written by ``bench_report_scaling``'s study).
"""

from __future__ import annotations

import sys
import threading
import time
import warnings

import psutil

import cxlab
import cxlab.analysis as analysis
from cxlab.params import load_params
from cxlab.report import load_inputs


def main(params_file: str) -> None:
    proc = psutil.Process()
    peak, stop = [0], [False]

    def poll() -> None:
        while not stop[0]:
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.02)

    threading.Thread(target=poll, daemon=True).start()
    attempt = analysis._attempt

    def timed(skipped, key, fn, why=None):
        start = proc.memory_info().rss
        peak[0], t0 = start, time.perf_counter()
        out = attempt(skipped, key, fn, why)
        print(
            f"{key:>20} {time.perf_counter() - t0:7.2f} s  start {start / 1e9:5.2f} GB"
            f"  peak {peak[0] / 1e9:5.2f} GB",
            flush=True,
        )
        return out

    analysis._attempt = timed  # a profiling hook: each section runs through _attempt
    params = load_params(params_file)
    t0 = time.perf_counter()
    peak[0] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cxlab.errors.CxlabWarning)
        inputs = load_inputs(params)
        print(
            f"{'load':>20} {time.perf_counter() - t0:7.2f} s  peak {peak[0] / 1e9:5.2f} GB"
            f"  held after {proc.memory_info().rss / 1e9:.2f} GB",
            flush=True,
        )
        t0 = time.perf_counter()
        analysis.analyse(inputs, params, n_boot=200)
    stop[0] = True
    print(f"{'analyse':>20} {time.perf_counter() - t0:7.2f} s")


if __name__ == "__main__":
    main(sys.argv[1])
