"""The deck's storyline: one headline per section, quoting only recorded key figures."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from cxlab import analysis, narrative, storyline
from cxlab.errors import ReportError
from cxlab.params import load_params
from cxlab.recorder import HIRES_ENV, Recorder
from cxlab.report import load_inputs

pytestmark = pytest.mark.filterwarnings("ignore::cxlab.errors.CxlabWarning")


@pytest.fixture(scope="module")
def sample(project_root):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = load_params(Path(project_root) / "data/sample/clients/sample.yaml")
        inputs = load_inputs(params)
        results = analysis.analyse(inputs, params, n_boot=20)
    return params, inputs, results


def _numbers(text: str) -> list[float]:
    return [float(t.replace(",", "")) for t in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


def test_sample_headlines_quote_the_results(sample):
    params, inputs, r = sample
    story = storyline.build(r, params, filter_text=inputs.filter_text)
    keys = [s.key for s in story.sections]
    assert keys == [k for k in storyline.SECTION_OUTPUTS if k in keys]  # report order
    assert {"sample", "event_map", "moments", "advocacy", "value_case", "cfe"} <= set(keys)
    assert "key_drivers" not in keys  # left out for the sample bank, with its reason
    assert dict(story.left_out)["Key drivers"] == r.reason("key_drivers")
    by = {s.key: s for s in story.sections}
    # independent values from the result tables
    assert _numbers(by["sample"].headline) == [
        r.survey.n_respondents,
        len(r.survey.event_table()),
        len(r.survey.events),
    ]
    net = r.net.iloc[0]
    shares = r.shares.set_index("advocacy_group")["share"]
    antagonists = shares["antagonist"] + shares["agitator"]
    assert _numbers(by["advocacy"].headline) == [
        round(net["value"], 1),
        round(shares["advocate"]),
        round(antagonists),
    ]
    assert _numbers(by["moments"].headline)[0] == int(r.priorities["moment_of_truth"].sum())
    top = analysis.top_event(r.value)
    assert f"“{top['name']}”" in by["value_case"].headline
    assert _numbers(by["value_case"].headline)[-1] == round(top["npv"])
    assert "roadmap" in keys  # the sample bank has initiatives
    assert _numbers(by["roadmap"].headline) == [
        len(r.roadmap.table),
        r.roadmap.assumptions["phases"],
        round(r.roadmap.npv),
    ]
    assert r.key_figures["roadmap_npv"] == round(r.roadmap.npv, 2)
    # every headline number is in .numbers or the analysis' key figures, as shown
    figures = {**r.key_figures, **story.numbers}
    flat = [abs(v) for v in figures.values() if isinstance(v, int | float)]
    for section in story.sections:
        for x in _numbers(section.headline):
            assert any(abs(round(v, 2) - x) < 0.051 for v in flat), (section.key, x)
        assert len(section.headline) <= 110
    # the executive summary is narrative's, question by question
    points = narrative.executive_points(
        r.net, r.priorities, r.by_event, r.value.table, currency=params.currency
    )
    assert list(story.summary) == ["Where we stand", "What matters", "How", "When"]
    assert story.summary["When"] == storyline.plain(points["when"][:1].upper() + points["when"][1:])
    assert story.base.startswith("Base: 631 respondents; raked")


def test_satisfaction_index_section(project_root):
    """The PLS reference run: the index headline quotes the index and its strongest driver."""
    root = Path(project_root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = load_params(root / "notebooks/reference/sample_utility_pls.yaml")
        inputs = load_inputs(params)
        r = analysis.analyse(inputs, params, n_boot=20)
    story = storyline.build(r, params)
    by = {s.key: s for s in story.sections}
    assert "satisfaction_index" in by
    target = r.survey.codebook.satisfaction_model["target"]
    index = r.satisfaction.index().set_index("construct").loc[target, "index"]
    first = r.satisfaction.ipma(target).iloc[0]
    assert _numbers(by["satisfaction_index"].headline) == [
        round(index, 1),
        100,
        round(first["importance"], 2),
    ]
    assert story.numbers["satisfaction_index"] == round(index, 1)
    assert by["satisfaction_index"].figures == ("pls_path_model", "pls_ipma")
    assert any(line.startswith("Satisfaction index:") for line in story.methods)


def test_storyline_round_trips_through_json(sample):
    params, inputs, r = sample
    story = storyline.build(r, params)
    again = storyline.Storyline.from_dict(json.loads(json.dumps(story.to_dict())))
    assert again == story


def test_headlines_never_quote_a_suppressed_figure(project_root):
    """A minimum base above the sample size: every figure is suppressed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = load_params(Path(project_root) / "data/sample/clients/sample.yaml")
        params = params.__class__(**{**params.__dict__, "min_base": 5000})
        inputs = load_inputs(params)
        r = analysis.analyse(inputs, params, n_boot=10)
    story = storyline.build(r, params)
    by = {s.key: s for s in story.sections}
    assert by["advocacy"].headline == "Too few respondents to assess net advocacy"
    assert "pct_advocate" not in story.numbers
    if "moments" in by:
        assert "Too few" in by["moments"].headline or "0 moments" in by["moments"].headline
    assert "suppressed" in by["event_map"].note


def test_plain_strips_markdown():
    assert storyline.plain("- **fix**: *x* and `y`") == "fix: x and y"
    assert storyline.plain("2 * 3 = 6") == "2 * 3 = 6"


def test_executive_summary_is_the_points_joined():
    net = pd.DataFrame({"value": [14.9], "ci_low": [8.0], "ci_high": [21.7]})
    text = narrative.executive_summary("Acme", net, None)
    points = narrative.executive_points(net, None)
    assert text.splitlines()[2] == f"- **Where we stand:** {points['where']}"
    assert set(points) == {"where", "what"}  # no events, no key drivers: no how or when


# ------------------------------------------------------------------ recording
def test_recorder_writes_the_storyline_and_its_numbers(tmp_path, sample):
    params, inputs, r = sample
    story = storyline.build(r, params)
    rec = Recorder(tmp_path)
    rec.record("net_advocacy", 12.11)
    assert rec.storyline(story) is None  # nothing to show in the notebook
    saved = json.loads((tmp_path / "storyline.json").read_text())
    assert saved["sections"][0]["headline"] == story.sections[0].headline
    figures = json.loads((tmp_path / "key_figures.json").read_text())
    assert figures["net_advocacy"] == 12.11 and figures["n_respondents"] == 631
    Recorder(None).storyline(story)  # a plain session records nothing


def test_recorder_refuses_a_storyline_quoting_personal_data(tmp_path, sample):
    params, inputs, r = sample
    story = storyline.build(r, params)
    personal = pd.DataFrame({"name": ["Obtain a mortgage decision"]})  # as if a name
    with pytest.raises(ReportError, match="personal data"):
        Recorder(tmp_path, personal=personal).storyline(story)
    assert not (tmp_path / "storyline.json").exists()


def test_high_resolution_figures_only_for_a_deck(tmp_path, monkeypatch):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2])
    monkeypatch.setenv(HIRES_ENV, "")
    Recorder(tmp_path / "a").figure("line", fig, alt="A rising line from one to two")
    assert not (tmp_path / "a" / "figures" / "hires").exists()
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2])
    monkeypatch.setenv(HIRES_ENV, "1")
    Recorder(tmp_path / "b").figure("line", fig, alt="A rising line from one to two")
    low = plt.imread(tmp_path / "b" / "figures" / "line.png")
    high = plt.imread(tmp_path / "b" / "figures" / "hires" / "line.png")
    assert high.shape[1] == pytest.approx(2 * low.shape[1], rel=0.05)  # 300 against 150 dpi
