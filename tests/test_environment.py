"""The pip pins and environment.yml agree; the Makefile gives the README's commands."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pip_pins():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def _conda_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            m = re.fullmatch(r"([A-Za-z0-9_.-]+)=([^=]+)", dep)
            if m and m.group(1) != "python":
                pins[m.group(1).lower()] = m.group(2)
        else:
            for pip_dep in dep["pip"]:
                if "==" in pip_dep:
                    name, version = pip_dep.split("==")
                    pins[name.lower()] = version
    return pins


def test_environment_yml_matches_requirements():
    assert _conda_pins() == _pip_pins()


def test_constraints_agree_with_requirements():
    frozen = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            frozen[name.lower().replace("_", "-")] = version
    for name, version in _pip_pins().items():
        assert frozen.get(name) == version, name


def test_known_traps_are_pinned():
    pins = _pip_pins()
    assert int(pins["pandas"].split(".")[0]) < 4
    major, minor = map(int, pins["matplotlib"].split(".")[:2])
    assert (major, minor) < (3, 13)


def test_readme_and_ci_use_make():
    readme = (ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
