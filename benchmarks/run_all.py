"""Run every benchmark in this folder, one after another (``make bench``).

Each ``bench_*.py`` module exposes ``main()``; its printed table is what
``benchmarks/README.md`` records. Simulations (``sim_*.py``) are slow and run only
when named: ``python -m benchmarks.run_all sim_drivers_coverage``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(names: list[str] | None = None) -> None:
    folder = Path(__file__).parent
    available = sorted(m.name for m in pkgutil.iter_modules([str(folder)]))
    chosen = names or [n for n in available if n.startswith("bench_")]
    for name in chosen:
        if name not in available:
            raise SystemExit(f"no benchmark named {name!r}; available: {', '.join(available)}")
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        importlib.import_module(f"benchmarks.{name}").main()
        print(f"({name} took {time.perf_counter() - t0:.1f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or None)
