"""Mutation check of the statistics core: does the fast test suite catch plausible bugs?

Each mutation below is a small, plausible mistake in a formula of the statistics core
(standard errors, degrees of freedom, Holm steps, Kish bases, Wilson intervals, raking,
Fieller intervals, minimum-base comparisons). One at a time, it is applied to a
**temporary copy** of the package and its tests (the worktree is never modified, so an
interrupted run leaves nothing behind), and the fast tests named for it are run; the
mutation is *killed* when they fail. The first 11 are the bugs planted by the audit of
issue #23; the rest are more of the same kind.

The unmutated copy must pass the same tests first (otherwise every mutation would look
killed). The script prints one line per mutation and the kill rate, and exits non-zero
when the rate is below ``--threshold`` (default 90%) or the baseline fails.

Run: ``.venv/bin/python -m benchmarks.mutation_check [--only planted] [--readme]``
(``make test-slow`` runs it; ``--readme`` rewrites the results block of
``benchmarks/README.md``; ``--list`` lists the mutations).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
    planted: bool = False
    nth: int | None = None  # replace only this occurrence (0-based) when old is not unique


_SEG = "tests/test_segments.py"
_SUP = "tests/test_suppression.py"
_DRV = "tests/test_drivers.py"
_CFE = "tests/test_cfe.py"

MUTATIONS: list[Mutation] = [
    # ---------------------------------------------------------------- planted (issue #23)
    Mutation(
        "weighted-mean SE without m/(m-1)",
        "cxlab/_stats.py",
        "factor = m / (m - 1) if m > 1 else np.nan",
        "factor = 1.0",
        ("tests/test_estimates.py", "-k", "samplics or textbook"),
        planted=True,
        nth=0,
    ),
    Mutation(
        "net advocacy SE without m/(m-1) (from the cell sums)",
        "cxlab/_stats.py",
        "factor = m / (m - 1) if m > 1 else np.nan",
        "factor = 1.0",
        (_SEG, "-k", "net_advocacy"),
        nth=1,
    ),
    Mutation(
        "by-segment df = all clusters - 1",
        "cxlab/_stats.py",
        '"df": n - 1.0,',
        '"df": np.full(G, m - 1.0),',
        ("tests/test_estimates.py", "-k", "df_is_clusters"),
        planted=True,
    ),
    Mutation(
        "minimum base < changed to <=",
        "cxlab/suppression.py",
        "small = (base.isna() | (base < min_base)).to_numpy()",
        "small = (base.isna() | (base <= min_base)).to_numpy()",
        (_SUP, "-k", "weighted"),
        planted=True,
    ),
    Mutation(
        "net advocacy SE and Kish base from weight totals instead of squares",
        "cxlab/segments.py",
        '"cat2": np.bincount(cell, weights=ww * ww, minlength=4 * k)',
        '"cat2": np.bincount(cell, weights=ww, minlength=4 * k)',
        (_SEG, "-k", "net_advocacy"),
        planted=True,
    ),
    Mutation(
        "Wilson centre z^2/(2n) -> z^2/n",
        "cxlab/_stats.py",
        "centre = (p + z**2 / (2 * n))",
        "centre = (p + z**2 / n)",
        (_SEG, "-k", "shares"),
        planted=True,
    ),
    Mutation(
        "net advocacy suppression skips pct_advocate/pct_antagonist",
        "cxlab/segments.py",
        "table = suppress(table, min_base, keep=key_cols, warn=False)",
        'table = suppress(table, min_base, columns=["value", "se", "ci_low", "ci_high"], '
        "warn=False)",
        (_SUP, "-k", "net_advocacy"),
        planted=True,
    ),
    Mutation(
        "raking converges on the last margin only",
        "cxlab/_raking.py",
        "for c, k, t in zip(codes, ncats, targets, strict=True)\n        )",
        "for c, k, t in zip(codes[-1:], ncats[-1:], targets[-1:], strict=True)\n        )",
        ("tests/test_weighting.py", "-k", "samplics or reproduce"),
        planted=True,
        nth=0,
    ),
    Mutation(
        "Shapley weights replaced by Banzhaf",
        "cxlab/importance.py",
        "[fact[k] * fact[n_players - k - 1] / fact[n_players] for k in range(n_players)]",
        "[1 / 2 ** (n_players - 1) for k in range(n_players)]",
        ("tests/test_importance.py", "-k", "shapley"),
        planted=True,
    ),
    Mutation(
        "crossover Fieller interval without the covariance term",
        "cxlab/_regression.py",
        "gb @ cov @ gb, ga @ cov @ gb, crit)",
        "gb @ cov @ gb, 0.0, crit)",
        (_DRV, "-k", "fieller or statsmodels_t_test"),
        planted=True,
    ),
    Mutation(
        "tactile-emotive difference SE with +2cov",
        "cxlab/_regression.py",
        "ve + vt - 2 * vte",
        "ve + vt + 2 * vte",
        (_DRV, "-k", "statsmodels_t_test"),
        planted=True,
    ),
    Mutation(
        "Satterthwaite df with n instead of n-1",
        "cxlab/comparisons.py",
        '(va**2 / res["df"][a] + vb**2 / res["df"][b])',
        '(va**2 / res["n"][a] + vb**2 / res["n"][b])',
        ("tests/test_comparisons.py",),
        planted=True,
    ),
    # ---------------------------------------------------------------- more of the same kind
    Mutation(
        "Holm without the step-down maximum",
        "cxlab/_stats.py",
        "np.minimum(1.0, np.maximum.accumulate(q[order] * (m - np.arange(m))))",
        "np.minimum(1.0, q[order] * (m - np.arange(m)))",
        ("tests/test_estimates.py", "tests/test_segments.py", "-k", "holm"),
    ),
    Mutation(
        "Holm steps replaced by Bonferroni",
        "cxlab/_stats.py",
        "q[order] * (m - np.arange(m))",
        "q[order] * m",
        ("tests/test_estimates.py", "tests/test_segments.py", "-k", "holm"),
    ),
    Mutation(
        "Holm in CFE agreement skipped (raw p)",
        "cxlab/cfe/stats.py",
        'table["p_holm"] = holm(table["p_value"].to_numpy(dtype=float))',
        'table["p_holm"] = table["p_value"].to_numpy(dtype=float)',
        (_CFE, "-k", "disagreement_found"),
    ),
    Mutation(
        "logit interval half-width on the wrong scale",
        "cxlab/_stats.py",
        "half = q * se / (p * (1 - p))",
        "half = q * se",
        ("tests/test_estimates.py", "-k", "df_is_clusters or samplics or proportion"),
    ),
    Mutation(
        "Kish n_effective from weight totals instead of squares (estimates)",
        "cxlab/_stats.py",
        # the estimates' Kish base sums the squared weights per domain in linearise
        "squares=total(wc * wc)",
        "squares=total(wc)",
        ("tests/test_estimates.py",),
    ),
    Mutation(
        "advocacy share SE on the raw base instead of Kish's (segments)",
        "cxlab/segments.py",
        "se = np.sqrt(p * (1 - p) / n_eff)",
        'se = np.sqrt(p * (1 - p) / s["n"])',
        (_SEG,),
    ),
    Mutation(
        "net advocacy score: antagonists (not agitators) scored 0",
        "cxlab/segments.py",
        "_SCORE = np.array([-100.0, -100.0, 0.0, 100.0, np.nan])",
        "_SCORE = np.array([-100.0, 0.0, 0.0, 100.0, np.nan])",
        (_SEG, "-k", "net_advocacy"),
    ),
    Mutation(
        "Wilson half-width with z^2/(2n^2) (CFE promise gap)",
        "cxlab/_stats.py",
        "z**2 / (4 * n**2)",
        "z**2 / (2 * n**2)",
        (_CFE, "-k", "promise_gap_against"),
    ),
    Mutation(
        "suppress_complementary: < changed to <=",
        "cxlab/suppression.py",
        "(base.isna() | (base < min_base))",
        "(base.isna() | (base <= min_base))",
        (_SUP,),
        nth=1,
    ),
    Mutation(
        "CFE minimum base: < changed to <=",
        "cxlab/cfe/stats.py",
        'small = (table["n"] < min_base).to_numpy()',
        'small = (table["n"] <= min_base).to_numpy()',
        (_SUP, "-k", "cfe"),
    ),
    Mutation(
        "compare suppresses only when both groups are small",
        "cxlab/comparisons.py",
        'out["_base"] = np.minimum(out["n_a"], out["n_b"])',
        'out["_base"] = np.maximum(out["n_a"], out["n_b"])',
        (_SUP, "tests/test_comparisons.py", "-k", "compare"),
    ),
    Mutation(
        "compare ignores the covariance of overlapping groups",
        "cxlab/comparisons.py",
        'vd = va + vb - 2 * res["cov"][a, b]',
        "vd = va + vb",
        ("tests/test_comparisons.py",),
    ),
    Mutation(
        "diagnose leaks the weighted base of a suppressed event",
        "cxlab/_diagnosis.py",
        'c not in ("event_id", "n", "suppressed", by)',
        'c not in ("event_id", "n", "base", "suppressed", by)',
        (_SUP, "-k", "diagnose"),
    ),
    Mutation(
        "cluster sandwich without G/(G-1)",
        "cxlab/_stats.py",
        "corr = n_clusters / (n_clusters - 1) * (n - 1) / max(n - k, 1)",
        "corr = (n - 1) / max(n - k, 1)",
        (_DRV, "-k", "sandwich or statsmodels"),
    ),
    Mutation(
        "driver t reference on residual df instead of clusters - 1",
        "cxlab/_stats.py",
        "float(n_clusters - 1), resid)",
        "float(n - k), resid)",
        (_DRV, "-k", "statsmodels_t_test or cluster_df"),
    ),
    Mutation(
        "CFE Welch df with n instead of n-1",
        "cxlab/cfe/stats.py",
        "(vt**2 / (t.size - 1) + vm**2 / (m.size - 1))",
        "(vt**2 / t.size + vm**2 / m.size)",
        (_CFE, "-k", "disagreement_found or by_hand"),
    ),
    Mutation(
        "CFE maturity t interval on n df",
        "cxlab/cfe/stats.py",
        "half = critical(level, n - 1) * se",
        "half = critical(level, n) * se",
        (_CFE, "-k", "peer or cover"),
    ),
    Mutation(
        "r_wg(J) replaced by single-item r_wg",
        "cxlab/cfe/stats.py",
        "rwg = j * (1 - ratio) / (j * (1 - ratio) + ratio) if ratio < 1 else 0.0",
        "rwg = 1 - ratio if ratio < 1 else 0.0",
        (_CFE, "-k", "rwg or by_hand"),
    ),
    Mutation(
        "CFE interquartile range from the 10th/90th percentiles",
        "cxlab/cfe/stats.py",
        "np.percentile(x, [75, 25])",
        "np.percentile(x, [90, 10])",
        (_CFE, "-k", "rwg or by_hand"),
    ),
    Mutation(
        "advocacy economics SE ignores the weights",
        "cxlab/economics.py",
        "res = linearise(np.where(codes >= 0, x, np.nan), w_all, codes, 4)",
        "res = linearise(np.where(codes >= 0, x, np.nan), np.ones_like(w_all), codes, 4)",
        ("tests/test_economics.py",),
    ),
    Mutation(
        "advocacy-driver delta method ignores the covariances",
        "cxlab/advocacy_drivers.py",
        "np.diag(grad @ cov @ grad.T)",
        "np.diag(grad @ np.diag(np.diag(cov)) @ grad.T)",
        ("tests/test_advocacy_drivers.py", "-k", "delta"),
    ),
]

COPY = ("cxlab", "tests", "benchmarks", "pyproject.toml")
LINK = ("data", "notebooks", "docs")


def _copy_project(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, dest / name)
    for name in LINK:  # read-only inputs of some tests
        if (ROOT / name).exists():
            (dest / name).symlink_to(ROOT / name)


def _apply(root: Path, m: Mutation) -> None:
    path = root / m.file
    text = path.read_text()
    count = text.count(m.old)
    if count == 0 or (count > 1 and m.nth is None):
        raise SystemExit(f"mutation {m.name!r}: pattern found {count} times in {m.file}")
    if m.nth is None:
        text = text.replace(m.old, m.new)
    else:
        parts = text.split(m.old)
        text = (
            m.old.join(parts[: m.nth + 1]) + m.new + m.old.join(parts[m.nth + 1 :])
            if m.nth + 1 < len(parts)
            else text
        )
    path.write_text(text)


def _pytest(
    root: Path, args: tuple[str, ...], timeout: float, workers: int = 0
) -> tuple[bool, float, str]:
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    env.pop("PYTEST_ADDOPTS", None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", str(workers)]
    cmd += ["-x", *args] if workers == 0 else list(args)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return False, time.perf_counter() - start, "timeout"
    lines = proc.stdout.strip().splitlines() or [""]
    failed = [ln.split(" ", 1)[1].split(" - ")[0] for ln in lines if ln.startswith("FAILED ")]
    tail = failed[0].split("/")[-1] if failed else lines[-1]
    return proc.returncode == 0, time.perf_counter() - start, tail


def _one(tmp: Path, base: Path, i: int, m: Mutation, timeout: float) -> dict:
    work = tmp / f"m{i}"
    shutil.copytree(base, work, symlinks=True)
    try:
        _apply(work, m)
        passed, secs, tail = _pytest(work, m.tests, timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    killed = not passed
    print(
        f"{'KILLED  ' if killed else 'SURVIVED'} {secs:5.1f}s  {m.name}  ({m.file}; {tail})",
        flush=True,
    )
    return {
        "mutation": m.name,
        "file": m.file,
        "planted": m.planted,
        "killed": killed,
        "seconds": secs,
        "tests": " ".join(m.tests),
        "outcome": tail,
    }


def run(mutations: list[Mutation], timeout: float = 900, jobs: int = 2) -> list[dict]:
    """Apply each mutation to its own temporary copy and run its tests (``jobs`` at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    with tempfile.TemporaryDirectory(prefix="cxlab-mutation-") as name:
        tmp = Path(name)
        base = tmp / "base"
        base.mkdir()
        _copy_project(base)
        # baseline: the test files used pass on the unmutated copy (else every mutation
        # would look killed)
        files = tuple(dict.fromkeys(a for m in mutations for a in m.tests if a.endswith(".py")))
        ok, secs, tail = _pytest(base, files, timeout, workers=jobs)
        if not ok:
            raise SystemExit(f"baseline fails on the unmutated copy: {tail}")
        print(f"baseline passed in {secs:.0f} s ({len(files)} test files)", flush=True)
        with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
            futures = [
                pool.submit(_one, tmp, base, i, m, timeout) for i, m in enumerate(mutations, 1)
            ]
            return [f.result() for f in futures]


def _markdown(results: list[dict], wall: float) -> str:
    killed = sum(r["killed"] for r in results)
    planted = [r for r in results if r["planted"]]
    lines = [
        "<!-- mutation-check:start (written by `python -m benchmarks.mutation_check --readme`) -->",
        f"Run {time.strftime('%Y-%m-%d')}: **{killed} of {len(results)} mutations killed "
        f"({100 * killed / len(results):.0f}%)**; the 11 planted bugs of issue #23: "
        f"{sum(r['killed'] for r in planted)} of {len(planted)} killed. Wall time {wall:.0f} s "
        f"(load average {os.getloadavg()[0]:.1f} at the end).",
        "",
        "| | mutation | file | tests run | result |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {'planted' if r['planted'] else ''} | {r['mutation']} | `{r['file']}` | "
            f"`{r['tests']}` | {'killed by `' + r['outcome'] + '`' if r['killed'] else '**survived**'} |"
        )
    lines.append("<!-- mutation-check:end -->")
    return "\n".join(lines)


def _write_readme(block: str) -> None:
    path = ROOT / "benchmarks" / "README.md"
    text = path.read_text()
    start, end = "<!-- mutation-check:start", "<!-- mutation-check:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n## Mutation check (`mutation_check.py`)\n\n" + block + "\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["planted", "extra"], default=None)
    ap.add_argument("--threshold", type=float, default=0.90)
    ap.add_argument("--readme", action="store_true", help="rewrite the README results block")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--jobs", type=int, default=2, help="mutations tested at a time")
    args = ap.parse_args(argv)
    chosen = [
        m
        for m in MUTATIONS
        if args.only is None or (m.planted if args.only == "planted" else not m.planted)
    ]
    if args.list:
        for m in chosen:
            print(f"{'planted' if m.planted else 'extra  '}  {m.name}  [{m.file}]")
        return 0
    start = time.perf_counter()
    results = run(chosen, jobs=args.jobs)
    wall = time.perf_counter() - start
    killed = sum(r["killed"] for r in results)
    rate = killed / len(results)
    print(f"kill rate: {killed}/{len(results)} = {rate:.1%} (threshold {args.threshold:.0%})")
    if args.readme:
        _write_readme(_markdown(results, wall))
    return 0 if rate >= args.threshold else 1


if __name__ == "__main__":
    sys.exit(main())
