"""Fuzzing the report set-up: random parameter files and codebooks (issue 12).

Every failure must be a :class:`cxlab.errors.CxlabError` (``cxlab report``: a failed
run whose error is one of them), and nothing outside ``reports/`` may change: the
input folder is fingerprinted (sha256 and mtime of every file) before and after.
The set-up path (parameters, survey, margins, costs, weighting) is fuzzed in-process;
a handful of the cases that fail there also go through a real ``cxlab report``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import cxlab.errors
from cxlab.errors import CxlabError
from cxlab.synth import write_study

CXLAB_ERRORS = {
    name
    for name in dir(cxlab.errors)
    if isinstance(getattr(cxlab.errors, name), type)
    and issubclass(getattr(cxlab.errors, name), CxlabError)
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A small synthetic client: survey, codebook, margins and costs (read-only)."""
    folder = tmp_path_factory.mktemp("inputs")
    paths = write_study("banking", 80, 7, folder=folder, formats=("csv",))
    truth = json.loads(Path(paths["truth"]).read_text())
    margins = folder / "margins.yaml"
    margins.write_text(yaml.safe_dump({"country": truth["population_margins"]["country"]}))
    costs = folder / "costs.csv"
    costs.write_text(
        "event_id,cost\n"
        + "".join(
            f"{e['id']},1000\n" for e in yaml.safe_load(paths["codebook"].read_text())["events"]
        )
    )
    codebook = yaml.safe_load(Path(paths["codebook"]).read_text())
    base = {
        "client": "Fuzz Bank",
        "data_path": str(paths["csv"]),
        "codebook": str(paths["codebook"]),
        "industry": "banking",
        "min_base": 10,
        "weighting_targets": str(margins),
        "improvement_costs": str(costs),
        "seed": 0,
    }
    return {"folder": folder, "codebook": codebook, "params": base}


def _fingerprint(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): (
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "x", "forty", "../../etc/passwd", "/tmp", "UK", "q1_sat", "phone"]),
    st.lists(st.integers(0, 10), max_size=3),
    st.dictionaries(st.sampled_from(["a", "UK", "tactile"]), st.integers(0, 5), max_size=2),
)


@st.composite
def codebooks(draw, base: dict) -> dict:
    cb = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["drop", "junk", "item", "swap", "scales", "attrs", "weight"]))
        keys = sorted(cb)
        if op == "drop" and keys:
            cb.pop(draw(st.sampled_from(keys)))
        elif op == "junk" and keys:
            cb[draw(st.sampled_from(keys))] = draw(JUNK)
        elif op == "item" and isinstance(cb.get("events"), list) and cb["events"]:
            event = draw(st.sampled_from(cb["events"]))
            items = event.get("items") if isinstance(event, dict) else None
            if isinstance(items, dict) and items:
                name = draw(st.sampled_from(sorted(items)))
                items[name] = {"column": draw(st.sampled_from(["phone", "country", "nope"]))}
        elif op == "swap" and isinstance(cb.get("respondent_items"), dict):
            spend = cb["respondent_items"].get("spend")
            if isinstance(spend, dict) and isinstance(cb.get("personal_data"), list):
                spend["column"], cb["personal_data"] = (
                    "phone",
                    [c if c != "phone" else "spend" for c in cb["personal_data"]],
                )
        elif op == "scales":
            cb["scales"] = draw(st.one_of(JUNK, st.just([1, 10]), st.just({"rating": [1, 10]})))
        elif op == "attrs":
            cb["attributes"] = draw(
                st.one_of(JUNK, st.just({"tactile": 5}), st.just({"tactile": "speed"}))
            )
        elif op == "weight":
            cb["weight"] = draw(st.sampled_from([["a", "b"], "spend", "nope", "country", 3]))
    return cb


@st.composite
def cases(draw, inputs, mutate_params: bool = True) -> tuple[dict, dict | None, str | None]:
    params = dict(inputs["params"])
    codebook = draw(st.one_of(st.none(), codebooks(inputs["codebook"])))
    margins = draw(
        st.one_of(
            st.none(),
            st.sampled_from(
                [
                    "country: {UK: 0.5, France: [\n",
                    "country: {UK: forty, US: 0.6}\n",
                    "country: {UK: 0.4, US: 0.4}\n",
                    "country: {Atlantis: 1.0}\n",
                    "[1, 2]\n",
                ]
            ),
        )
    )
    for _ in range(draw(st.integers(0, 3 if mutate_params else 0))):
        key = draw(
            st.sampled_from(
                sorted(params) + ["segment_filter", "executive_data", "min_bsae", "output_dir"]
            )
        )
        if draw(st.booleans()):
            params.pop(key, None)
        elif key == "segment_filter":
            params[key] = draw(
                st.one_of(
                    JUNK,
                    st.fixed_dictionaries(
                        {
                            draw(st.sampled_from(["country", "life_stage", "nope"])): st.lists(
                                JUNK, max_size=2
                            )
                        }
                    ),
                )
            )
        else:
            params[key] = draw(JUNK)
    return params, codebook, margins


def _write_case(folder: Path, case) -> Path:
    params, codebook, margins = case
    params = dict(params)
    if codebook is not None:
        path = folder / "codebook.yaml"
        path.write_text(yaml.safe_dump(codebook, sort_keys=False))
        params["codebook"] = str(path)
    if margins is not None:
        path = folder / "margins.yaml"
        path.write_text(margins)
        params["weighting_targets"] = str(path)
    out = folder / "params.yaml"
    out.write_text(yaml.safe_dump(params, sort_keys=False))
    return out


def _set_up(params_file: Path) -> None:
    """What the report notebook does before its analyses."""
    from cxlab.params import load_params
    from cxlab.report import load_inputs
    from cxlab.weighting import rake

    params = load_params(params_file)
    inputs = load_inputs(params)
    if inputs.margins:
        rake(inputs.survey.respondents, inputs.margins, weights="weight")


def _fails_in_set_up(params_file: Path, outcomes: list | None = None) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _set_up(params_file)
        except CxlabError as err:
            event(type(err).__name__)
            if outcomes is not None:
                outcomes.append(f"{type(err).__name__}: {err.rule[:50]}")
            return True
    event("set up")
    if outcomes is not None:
        outcomes.append("set up")
    return False


def test_fuzzed_set_up_fails_only_with_cxlab_errors(inputs, tmp_path_factory):
    before = _fingerprint(inputs["folder"])
    outcomes: list[str] = []

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(case=cases(inputs))
    def check(case):
        folder = tmp_path_factory.mktemp("case")
        params_file = _write_case(folder, case)
        written = _fingerprint(folder)
        _fails_in_set_up(params_file, outcomes)  # any other exception fails the test
        assert _fingerprint(folder) == written
        assert _fingerprint(inputs["folder"]) == before

    check()
    # the fuzz reaches far: some cases set up, and failures of several kinds
    assert "set up" in outcomes
    assert len({o.split(":")[0] for o in outcomes if o != "set up"}) >= 3, sorted(set(outcomes))
    print(*sorted(set(outcomes)), sep="\n")


def test_fuzzed_cases_through_cxlab_report(inputs, tmp_path_factory):
    """A few failing cases run by the real `cxlab report`: a failed run whose error
    is a cxlab error, no temporary folder, and only reports/ written. The parameter
    files are valid, so the kernel starts and the notebook's set-up cell fails."""
    before = _fingerprint(inputs["folder"])
    root = Path(__file__).resolve().parents[1]
    seen: list[str] = []

    @settings(
        max_examples=3,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
    )
    @given(case=cases(inputs, mutate_params=False))
    def check(case):
        folder = tmp_path_factory.mktemp("run")
        params_file = _write_case(folder, case)
        if not _fails_in_set_up(params_file):
            return  # a case that sets up fine would run the whole report: too slow here
        written = _fingerprint(folder)
        reports = folder / "reports"
        env = dict(os.environ, PYTHONPATH=str(root))
        proc = subprocess.run(
            [sys.executable, "-m", "cxlab.cli", "report", str(params_file)]
            + ["--reports-dir", str(reports)],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert proc.returncode in (1, 2), proc.stderr
        assert "Traceback" not in proc.stderr
        if proc.returncode == 1:
            ename = proc.stderr.split("FAILED at ", 1)[1].split(": ")[1]
            assert ename in CXLAB_ERRORS, proc.stderr
            for manifest in reports.rglob("manifest.json"):
                error = json.loads(manifest.read_text())["error"]
                assert error["ename"] in CXLAB_ERRORS
                seen.append(error["ename"])
        assert list(reports.rglob(".tmp-*")) == []
        assert (
            _fingerprint(folder)
            == {k: v for k, v in _fingerprint(folder).items() if k.startswith("reports")} | written
        )
        assert _fingerprint(inputs["folder"]) == before

    check()
    assert seen  # at least one case failed inside the report notebook
