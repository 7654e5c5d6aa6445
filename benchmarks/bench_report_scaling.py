"""The client report at programme scale: ``cxlab report`` on ``write_study("banking", n)``.

For each size: write the synthetic study (CSV), run ``cxlab report`` on it in a child
process (the CLI starts the Jupyter kernel that runs the notebook), time it and poll the
resident memory of the whole process tree (CLI + kernel) every 0.1 s; beside it, time a
bare ``pandas.read_csv`` of the same file (the floor of loading). Prints one row per size.

Run: ``.venv/bin/python -m benchmarks.bench_report_scaling [--phases] [n ...]``
(default 631 10000 100000 1000000; e.g. ``... 631 10000`` for a quick run). With
``--phases`` each row is followed by the report's own phases (its manifest's
``timings_seconds``: papermill = kernel start + cells, tables, nbconvert, total).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil
import yaml

from cxlab.synth import write_study

SIZES = (631, 10_000, 100_000, 1_000_000)
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _params(folder: Path, paths: dict) -> Path:
    """The sample client's parameters with the synthetic study's files."""
    params = yaml.safe_load((SAMPLE / "clients" / "sample.yaml").read_text())
    clients = SAMPLE / "clients"
    params.update(
        data_path=str(paths["csv"]),
        codebook=str(paths["codebook"]),
        improvement_costs=str(paths["costs"]),
        weighting_targets=str(clients / "targets" / "banking_margins.yaml"),
        executive_data=str((clients / params["executive_data"]).resolve()),
        initiatives=str((clients / params["initiatives"]).resolve()),
    )
    out = folder / "client.yaml"
    out.write_text(yaml.safe_dump(params), encoding="utf-8")
    return out


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_report(params: Path, reports: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (GB) of the process tree, exit code of ``cxlab report``."""
    cmd = [sys.executable, "-m", "cxlab", "report", str(params), "--reports-dir", str(reports)]
    t0 = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc))
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    if proc.returncode:
        sys.stderr.write(proc.stderr.read().decode(errors="replace")[-2000:])
    return wall, peak / 1e9, proc.returncode


def _phases(reports: Path) -> str:
    """The run's phases from its manifest (``timings_seconds``), in one line."""
    found = sorted(reports.glob("*/*/manifest.json"))
    if not found:
        return "no manifest"
    import json

    t = json.loads(found[-1].read_text()).get("timings_seconds") or {}
    return ", ".join(f"{k} {v:.1f} s" for k, v in t.items())


def main(sizes=SIZES, phases: bool = False) -> None:
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    print(f"{'respondents':>12}{'report s':>10}{'peak GB':>9}{'read_csv s':>12}{'ratio':>8}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            paths = write_study("banking", n, 0, folder=folder, formats=("csv",))
            t0 = time.perf_counter()
            pd.read_csv(paths["csv"])
            bare = time.perf_counter() - t0
            wall, peak, code = run_report(_params(folder, paths), folder / "reports")
            status = "" if code == 0 else f"  (exit {code})"
            print(
                f"{n:>12,}{wall:>10.1f}{peak:>9.2f}{bare:>12.2f}{wall / bare:>8.1f}{status}",
                flush=True,
            )
            if phases:
                print(f"{'':>12}  phases: {_phases(folder / 'reports')}", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main([int(a) for a in args if a != "--phases"] or SIZES, phases="--phases" in args)
