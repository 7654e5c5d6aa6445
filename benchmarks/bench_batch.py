"""Batch reports: per-report overhead and the speed-up of parallel workers.

Runs N sample clients (default 20: the banking and automotive samples under
different client names) once one by one (``workers=1``) and once with two worker
processes, into a temporary reports folder. From each run's manifest it splits a
report's wall time into pure compute (the notebook's cells) and overhead (kernel
start and notebook I/O in papermill, nbconvert HTML export, the XLSX workbook).

Goals (issue 7): overhead under 25% of a report's wall time; speed-up >= 1.7x with
2 workers.

    .venv/bin/python -m benchmarks.bench_batch [N]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from cxlab.batch import run_batch
from cxlab.params import project_root


def make_clients(folder: Path, n: int) -> list[Path]:
    root = project_root()
    sample = root / "data" / "sample"
    files = []
    for i in range(n):
        industry = "banking" if i % 2 == 0 else "automotive"
        path = folder / f"client_{i:02d}.yaml"
        path.write_text(
            f"client: Bench Client {i:02d}\n"
            f"data_path: {sample / f'{industry}.csv'}\n"
            f"codebook: {sample / f'{industry}_codebook.yaml'}\n"
            f"industry: {industry}\n"
            f"weighting_targets: {sample / 'clients' / 'targets' / f'{industry}_margins.yaml'}\n"
            f"improvement_costs: {sample / f'{industry}_improvement_costs.csv'}\n"
            f"seed: {i}\n",
            encoding="utf-8",
        )
        files.append(path)
    return files


def timings(result) -> pd.DataFrame:
    rows = []
    for folder in result.table["folder"]:
        manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
        t = manifest["timings_seconds"]
        rows.append(
            {
                "status": manifest["status"],
                "total": t["total"],
                "compute (cells)": t["cells"],
                "kernel start + notebook I/O": t["kernel_and_io"],
                "nbconvert": t["nbconvert"],
                "tables (CSV/XLSX)": t["tables"],
            }
        )
    table = pd.DataFrame(rows)
    table["overhead"] = table["total"] - table["compute (cells)"]
    table["overhead share"] = table["overhead"] / table["total"]
    return table


def main(n: int = 20) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = make_clients(tmp, n)
        walls, tables = {}, {}
        for workers in (1, 2):
            start = time.perf_counter()
            result = run_batch(
                files, workers=workers, reports_dir=tmp / f"reports_{workers}", progress=False
            )
            walls[workers] = time.perf_counter() - start
            tables[workers] = timings(result)
            failed = result.table.loc[result.table["status"] != "ok"]
            for _, row in failed.iterrows():  # reported, and left out of the timings
                print(
                    f"workers={workers}: {row['client']} failed: {row['error']}: {row['message']}"
                )
            tables[workers] = tables[workers].loc[tables[workers]["status"] == "ok"]
    print(f"{n} sample clients; wall time one by one {walls[1]:.1f} s, 2 workers {walls[2]:.1f} s")
    print(f"speed-up with 2 workers: {walls[1] / walls[2]:.2f}x (goal >= 1.7x)")
    for workers, table in tables.items():
        mean = table.drop(columns="status").mean()
        print(f"\nper report, workers={workers} (mean of {len(table)} reports, seconds):")
        print(mean.round(3).to_string())
    share = tables[1]["overhead share"].mean()
    print(f"\noverhead share of a report's wall time (one by one): {share:.1%} (goal < 25%)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
