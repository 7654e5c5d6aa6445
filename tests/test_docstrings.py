"""Every public function's numpydoc ``Parameters`` section names exactly its parameters
(numpydoc is not a dependency, so the section is parsed here)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import cxlab

_HEADER = re.compile(r"^\s*([A-Z][A-Za-z ]+)\n\s*-{3,}\s*$", re.M)


def _public_modules():
    for info in pkgutil.walk_packages(cxlab.__path__, "cxlab."):
        name = info.name
        if any(part.startswith("_") for part in name.split(".")[1:]):
            continue
        if name in ("cxlab.__main__",) or ".bundled" in name:
            continue
        yield importlib.import_module(name)


def _public_functions():
    seen = set()
    for mod in [cxlab, *_public_modules()]:
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name, None)
            if inspect.isclass(obj):
                members = [
                    (f"{name}.{m}", f)
                    for m, f in vars(obj).items()
                    if not m.startswith("_") and inspect.isfunction(f)
                ]
            elif inspect.isfunction(obj):
                members = [(name, obj)]
            else:
                continue
            for qual, fn in members:
                target = inspect.unwrap(fn)
                if id(target) in seen:
                    continue
                seen.add(id(target))
                yield f"{target.__module__}.{qual}", fn


def documented(doc: str) -> set[str] | None:
    """Names in the Parameters section (None: no such section)."""
    doc = inspect.cleandoc(doc or "")
    m = re.search(r"^Parameters\n-{3,}\n", doc, re.M)
    if not m:
        return None
    body = doc[m.end() :]
    nxt = _HEADER.search(body)
    body = body[: nxt.start()] if nxt else body
    names = set()
    for line in body.splitlines():
        if not line or line[0].isspace():
            continue
        head = line.split(" : ")[0].strip()
        for part in head.split(","):
            part = part.strip().lstrip("*")
            if re.fullmatch(r"[A-Za-z_]\w*", part):
                names.add(part)
    return names


def signature_names(fn) -> set[str]:
    sig = inspect.signature(fn)
    return {p for p in sig.parameters if p not in ("self", "cls")}


FUNCTIONS = dict(_public_functions())


def test_the_parser():
    doc = """Title.

    Parameters
    ----------
    data, by : pandas.DataFrame
        Text.
    level : float
    **kwargs
        More.

    Returns
    -------
    int
    """
    assert documented(doc) == {"data", "by", "level", "kwargs"}
    assert documented("No sections.") is None
    assert len(FUNCTIONS) > 100


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_parameters_section_matches_the_signature(name):
    fn = FUNCTIONS[name]
    params = signature_names(fn)
    names = documented(fn.__doc__)
    if not params:
        return
    assert names is not None, f"{name}: no Parameters section for {sorted(params)}"
    assert names == params, (
        f"{name}: undocumented {sorted(params - names)}, not in the signature "
        f"{sorted(names - params)}"
    )
