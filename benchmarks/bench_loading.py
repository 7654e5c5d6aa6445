"""Loading a 100,000-respondent, 8-event SPSS survey (about 10 million rating cells).

Compares ``cxlab.load_survey`` (read + validate + build the Survey and its event
table) with a bare ``pyreadstat.read_sav`` of the same file, the floor no loader can
beat, and reports peak memory (tracemalloc, Python allocations incl. numpy/pandas).

Run: ``.venv/bin/python -m benchmarks.bench_loading [n_respondents]``
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import pyreadstat

from cxlab import load_survey
from cxlab.synth import write_study


def _timed(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(n: int = 100_000) -> None:
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_study("automotive", n, 0, folder=Path(tmp), formats=("sav",))
        sav, cb = paths["sav"], paths["codebook"]
        bare, (frame, _) = _timed(lambda: pyreadstat.read_sav(str(sav)))
        cells = frame.filter(regex=r"^q\d+_").notna().sum().sum()
        full, survey = _timed(lambda: load_survey(sav, cb))
        table_t, _ = _timed(lambda: survey.event_table(), repeat=3)
        t0 = time.perf_counter()
        ratings = survey.ratings
        ratings_t = time.perf_counter() - t0
        tracemalloc.start()
        load_survey(sav, cb)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(
        f"respondents: {n:,}; events: {len(survey.events)}; rating cells: {cells:,}; tidy rows: {len(ratings):,}"
    )
    print(f"{'step':<40}{'seconds':>10}")
    print(f"{'pyreadstat.read_sav (floor)':<40}{bare:>10.2f}")
    print(f"{'cxlab.load_survey (read+validate+build)':<40}{full:>10.2f}")
    print(f"{'ratio to floor':<40}{full / bare:>10.2f}")
    print(f"{'survey.event_table() (copy)':<40}{table_t:>10.2f}")
    print(f"{'survey.ratings (tidy, first access)':<40}{ratings_t:>10.2f}")
    print(f"{'peak traced memory of load_survey (GB)':<40}{peak / 1e9:>10.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB on Linux
    print(f"{'peak RSS of the whole script (GB)':<40}{rss:>10.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
