"""The package's shape: no import cycle, no module importing another's private names,
and each shared rule written once (issue 13). Parsed with ``ast``; nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "cxlab"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PKG.rglob("*.py")) if "bundled" not in p.parts}


def _imports(name: str, path: Path):
    """(imported module, names taken from it, line) for every import in the file, including
    those inside functions (a lazy import still ties the modules together)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            yield mod, [a.name for a in node.names], node.lineno


def _resolve(mod: str, names: list[str]) -> list[str]:
    """The cxlab modules an import statement loads (``from cxlab import x`` may load the
    submodule ``cxlab.x``)."""
    out = []
    if mod in MODULES:
        out.append(mod)
    for n in names:
        if f"{mod}.{n}" in MODULES:
            out.append(f"{mod}.{n}")
    if not out and mod.startswith("cxlab."):  # cxlab.x.y: the deepest module that exists
        parts = mod.split(".")
        while parts and ".".join(parts) not in MODULES:
            parts.pop()
        if parts:
            out.append(".".join(parts))
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for name, path in MODULES.items():
        for mod, names, _ in _imports(name, path):
            if mod == "cxlab" and not names:
                continue
            for target in _resolve(mod, names):
                # a package's __init__ importing its own submodules is not a cycle
                if target != name and not name.startswith(target + "."):
                    if not (path.name == "__init__.py" and target.startswith(name + ".")):
                        graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_graph_is_read():
    graph = _graph()
    assert "cxlab._stats" in graph["cxlab.estimates"]
    assert "cxlab.comparisons" in graph["cxlab.estimates"]
    assert "cxlab.segments" in graph["cxlab.cfe.promise"]


def test_no_import_cycle():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_another_modules_private_names():
    found = []
    for name, path in MODULES.items():
        for mod, names, line in _imports(name, path):
            if not mod.startswith("cxlab") or mod == name:
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private:
                found.append(f"{path.relative_to(PKG.parent)}:{line}: from {mod} import {private}")
    assert not found, "\n".join(found)


def test_no_lazy_reexport_shims():
    shims = [
        str(p.relative_to(PKG.parent))
        for n, p in MODULES.items()
        if n != "cxlab"  # the package's lazy submodule access is not a re-export shim
        and any(
            isinstance(node, ast.FunctionDef) and node.name == "__getattr__"
            for node in ast.parse(p.read_text()).body
        )
    ]
    assert shims == []


@pytest.mark.parametrize(
    ("pattern", "home"),
    [
        ('"complained"', {"cxlab/_advocacy.py", "cxlab/codebook.py", "cxlab/scoring.py"}),
        ("def holm(", {"cxlab/_stats.py"}),
        ("def wilson(", {"cxlab/_stats.py"}),
        ("multipletests(p", {"cxlab/comparisons.py"}),  # methods other than Holm, on request
        (".ppf(", {"cxlab/_stats.py"}),
        ("z**2 / (2 * n", {"cxlab/_stats.py"}),
        ("def _suppress(", {"cxlab/estimates.py", "cxlab/cfe/stats.py"}),  # thin wrappers
        ('"#0072B2"', {"cxlab/_style.py"}),  # the palette is named once
        ("plt.subplots(figsize", {"cxlab/_style.py", "cxlab/eventmap.py"}),  # new_ax
        ("def new_run_id(", {"cxlab/_runs.py"}),
        ('"Use & Support"', {"cxlab/codebook.py"}),  # the stage list, DEFAULT_STAGES
    ],
)
def test_each_rule_is_written_once(pattern, home):
    where = {
        str(p.relative_to(PKG.parent))
        for p in MODULES.values()
        if pattern in p.read_text() and "synth" not in p.parts
    }
    assert where <= home, where - home


def test_nothing_cites_a_file_outside_the_project():
    root = PKG.parent
    texts = [*PKG.rglob("*.py"), *(root / "docs").rglob("*.md"), root / "README.md"]
    bad = [str(p.relative_to(root)) for p in texts if "FRAMEWORK.md" in p.read_text()]
    assert bad == []


def test_every_public_module_is_reachable_as_an_attribute():
    """`cxlab.<module>` works for every public module without an explicit import."""
    import pkgutil

    import cxlab

    public = {
        m.name
        for m in pkgutil.iter_modules(cxlab.__path__)
        if not m.name.startswith("_")
        and m.name not in ("cli", "bundled", "codebook", "io", "survey", "errors")
    }
    missing = {name for name in public if name not in cxlab._SUBMODULES}
    assert missing == set(), f"add to cxlab._SUBMODULES: {sorted(missing)}"
