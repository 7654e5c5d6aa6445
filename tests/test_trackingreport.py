"""Tests for the tracking report: its parameters (kind: tracking), inputs, analysis,
findings written from the numbers, charts, and runs from `cxlab report --kind tracking`
and `cxlab batch`."""

from __future__ import annotations

import ast
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlab import params as cxparams
from cxlab.errors import DataQualityWarning, ParameterError
from cxlab.params import (
    TRACKING_PARAMETERS,
    TrackingParams,
    load_params,
    notebook_values,
    parameter_table,
    validate,
)
from cxlab.synth import write_waves
from cxlab.trackingreport import (
    analyse_tracking,
    change_map,
    findings,
    load_tracking_inputs,
    plot_trends,
    shift_share_finding,
    trend_finding,
)

SAMPLE = "data/sample/clients/sample_tracking.yaml"


@pytest.fixture
def clean_env(monkeypatch):
    for var in ("CXLAB_ROOT", "CXLAB_REPORTS_DIR", "CXLAB_OUTPUT_DIR"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def sample(project_root):
    p = load_params(Path(project_root) / SAMPLE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        inputs = load_tracking_inputs(p)
    return p, inputs, analyse_tracking(inputs, p)


# ------------------------------------------------------------------ parameters
def test_sample_tracking_file_is_a_tracking_report(project_root, clean_env):
    p = load_params(Path(project_root) / SAMPLE)
    assert isinstance(p, TrackingParams) and p.kind == "tracking"
    assert p.data_path.is_file() and p.codebook.is_file() and p.weighting_targets.is_file()
    assert p.action_wave == "W3" and p.level == 0.95
    assert load_params(Path(project_root) / "data/sample/clients/sample.yaml").kind == "client"


def test_kind_is_checked(project_root, tmp_path, clean_env):
    with pytest.raises(ParameterError, match="a 'tracking' report but a 'client' report"):
        load_params(Path(project_root) / SAMPLE, kind="client")
    bad = tmp_path / "x.yaml"
    bad.write_text("kind: trend\nclient: A\ncodebook: c.yaml\ndata_path: d.csv\n")
    with pytest.raises(ParameterError, match="unknown report kind 'trend'"):
        load_params(bad, check_files=False)
    with pytest.raises(ParameterError, match="unknown report kind"):
        parameter_table("trend")


def test_tracking_parameters_are_validated(tmp_path, clean_env):
    base = {"client": "Acme", "codebook": "c.yaml"}
    with pytest.raises(ParameterError, match="exactly one of data_path"):
        validate(base, kind="tracking", check_files=False)
    with pytest.raises(ParameterError, match="exactly one of data_path"):
        validate({**base, "data_path": "a.csv", "wave_files": ["a.csv"]}, kind="tracking",
                 check_files=False)  # fmt: skip
    with pytest.raises(ParameterError, match="2 wave files but 1 wave labels"):
        validate({**base, "wave_files": ["a.csv", "b.csv"], "waves": ["x"]}, kind="tracking",
                 check_files=False)  # fmt: skip
    with pytest.raises(ParameterError, match="did you mean 'base_wave'"):
        validate({**base, "data_path": "a.csv", "bse_wave": "W1"}, kind="tracking",
                 check_files=False)  # fmt: skip
    with pytest.raises(ParameterError, match="confidence level"):
        validate({**base, "data_path": "a.csv", "level": 1.5}, kind="tracking", check_files=False)
    with pytest.raises(ParameterError, match="listed twice"):
        validate({**base, "wave_files": ["a", "b"], "waves": ["x", "x"]}, kind="tracking",
                 check_files=False)  # fmt: skip
    with pytest.raises(ParameterError, match="missing required parameter"):
        validate({"data_path": "a.csv"}, kind="tracking", check_files=False)
    with pytest.raises(ParameterError, match="not a 'client' report"):
        validate({**base, "data_path": "a.csv", "kind": "tracking"}, check_files=False)
    # a client-report parameter is unknown to the tracking report
    with pytest.raises(ParameterError, match="unknown parameter"):
        validate({**base, "data_path": "a.csv", "improvement_costs": "x.csv"}, kind="tracking",
                 check_files=False)  # fmt: skip


def test_wave_files_resolve_from_the_parameter_file(tmp_path, clean_env):
    paths = write_waves(tmp_path / "data", "banking", 2, 30, changes={}, one_file=False)
    (tmp_path / "clients").mkdir()
    f = tmp_path / "clients" / "t.yaml"
    f.write_text(
        "kind: tracking\nclient: Acme Tracking\ncodebook: ../data/banking_tracking_codebook.yaml\n"
        "wave_files: [../data/banking_tracking_W1.csv, ../data/banking_tracking_W2.csv]\n"
        "waves: [W1, W2]\n"
    )
    p = load_params(f)
    assert p.wave_files == [paths["W1"].resolve(), paths["W2"].resolve()]
    values = notebook_values(p)
    assert values["wave_files"] == [str(paths["W1"].resolve()), str(paths["W2"].resolve())]
    assert "kind" not in values and "reports_dir" not in values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        inputs = load_tracking_inputs(p)
    assert inputs.survey.respondents["wave"].cat.categories.tolist() == ["W1", "W2"]
    f.write_text(f.read_text().replace("W2.csv", "W3.csv"))
    with pytest.raises(ParameterError, match=r"wave_files\[1\]: file not found"):
        load_params(f)


def test_a_survey_without_waves_is_refused(project_root, clean_env):
    p = validate({"client": "A", "data_path": "data/sample/banking.csv",
                  "codebook": "data/sample/banking_codebook.yaml"}, kind="tracking",
                 root=Path(project_root))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        with pytest.raises(ParameterError, match="no wave column"):
            load_tracking_inputs(p)


def test_notebook_parameters_cell_matches_the_schema_and_the_sample_client(project_root):
    import papermill as pm
    import yaml

    nb = Path(project_root) / "notebooks" / "tracking_report.ipynb"
    declared = pm.inspect_notebook(str(nb))
    assert set(declared) == set(TRACKING_PARAMETERS)
    sample_file = Path(project_root) / SAMPLE
    written = yaml.safe_load(sample_file.read_text())
    for name, spec in declared.items():
        value = ast.literal_eval(spec["default"])
        expected = written.get(name, TRACKING_PARAMETERS[name][2])
        if TRACKING_PARAMETERS[name][1] == "path" and expected is not None:
            expected = (
                (sample_file.parent / expected).resolve().relative_to(project_root).as_posix()
            )
        assert value == expected, name
        assert spec["help"], name
    for name in cxparams.TRACKING_REQUIRED:
        assert "required" in declared[name]["help"]


# ------------------------------------------------------------------ analysis and findings
def test_analysis_of_the_sample(sample, project_root):
    p, inputs, r = sample
    truth = json.loads((Path(project_root) / "data/sample/banking_tracking_truth.json").read_text())
    assert r.waves == truth["waves"] and r.skipped == {}
    assert r.weighting["converged"].all()
    sat = r.satisfaction
    for event, waves in truth["planted_changes"].items():
        for wave, change in waves.items():
            row = sat[(sat["event_id"] == event) & (sat["wave"] == wave)].iloc[0]
            assert row["significant"] and np.sign(row["change"]) == np.sign(change)
    assert r.shift.segment == "age_band" and r.shift.mix > abs(r.shift.within)  # W4 is older
    assert r.action_waves == ("W3", "W4")
    assert r.key_figures["net_advocacy"] == pytest.approx(
        r.net_advocacy.iloc[-1]["estimate"], abs=0.01
    )
    assert r.key_figures["significant_changes"] == int(sat["significant"].sum())


def test_findings_quote_the_numbers(sample):
    _, _, r = sample
    f = r.findings
    assert set(f) == {"summary", "satisfaction", "performance", "gaps", "advocacy",
                      "shift_share", "followup"}  # fmt: skip
    last = r.satisfaction[(r.satisfaction["wave"] == "W4") & r.satisfaction["significant"]]
    for row in last.itertuples():
        assert r.names[row.event_id] in f["satisfaction"]
        assert f"{row.change:+.2f}" in f["satisfaction"]
    assert (
        f"{r.shift.mix:+.1f}" in f["shift_share"] and f"{r.shift.within:+.1f}" in f["shift_share"]
    )
    e = r.followup.effect.iloc[0]
    assert f"{e['estimate']:+.2f}" in f["followup"]
    for row in r.followup.table.itertuples():
        assert row.name in f["followup"]
    assert f["summary"].startswith("**Sample Bank Tracking: 4 waves")
    assert findings(r, client="X")["summary"].startswith("**X:")


def test_trend_finding_without_change_and_with_a_fall():
    t = pd.DataFrame({"metric": "satisfaction", "wave": ["W1", "W2", "W1", "W2"],
                      "event_id": ["a", "a", "b", "b"], "estimate": [6.0, 6.1, 7.0, 6.2],
                      "compared_with": [None, "W1", None, "W1"],
                      "change": [np.nan, 0.1, np.nan, -0.8], "ci_low": [np.nan, -0.1, np.nan, -1.0],
                      "ci_high": [np.nan, 0.3, np.nan, -0.6], "p_adjusted": [np.nan, 0.4, np.nan, 0.001],
                      "significant": [False, False, False, True], "suppressed": False})  # fmt: skip
    text = trend_finding(t, {"a": "Alpha", "b": "Beta"})
    assert "fell significantly at 1 of 2 events (Beta -0.80 (95% CI -1.00 to -0.60))" in text
    assert "Alpha" not in text and "1 of 2 changes are significant" in text
    quiet = trend_finding(t.assign(significant=False), {"b": "Beta"})
    assert "no event moved significantly (2 events compared)" in quiet


def test_shift_share_finding_names_the_dominant_part(sample):
    _, _, r = sample
    text = shift_share_finding(r.shift)
    assert "Most of it is mix" in text and "45-65" in text


def test_sections_left_out_say_why(project_root, clean_env):
    p = validate({"client": "A", "data_path": "data/sample/banking_tracking.csv",
                  "codebook": "data/sample/banking_tracking_codebook.yaml", "waves": ["W1", "W2"]},
                 kind="tracking", root=Path(project_root))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        r = analyse_tracking(load_tracking_inputs(p), p)
    assert r.waves == ["W1", "W2"]
    assert r.reason("weighting").startswith("no weighting targets")
    assert r.reason("shift_share") == "no shift_share_segment given" and r.shift is None
    assert r.action_waves == ("W1", "W2")  # the wave before the last
    bad = validate({**p.raw, "action_wave": "W2"}, kind="tracking", root=Path(project_root),
                   strict=True)  # fmt: skip
    with pytest.raises(ParameterError, match="action wave 'W2'"):
        analyse_tracking(load_tracking_inputs(bad), bad)


def test_charts(sample, tmp_path):
    _, _, r = sample
    fig = plot_trends(r.satisfaction, r.names)
    assert len([a for a in fig.axes if a.get_visible()]) == len(r.names)
    titles = [a.get_title() for a in fig.axes if a.get_visible()]
    assert titles[0] == list(r.names.values())[0]  # lifecycle order, not alphabetical
    marked = sum(len(a.lines) - 1 for a in fig.axes if a.get_visible())
    assert marked == int(r.satisfaction["significant"].sum())  # one marker per significant change
    ax = change_map(r.satisfaction, r.survey.events)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "▲" in texts and "▼" in texts
    fig.savefig(tmp_path / "t.png")
    ax.figure.savefig(tmp_path / "m.png")


# ------------------------------------------------------------------ runs
def test_cxlab_report_kind_tracking_and_batch(project_root, tmp_path, clean_env):
    from cxlab.batch import run_batch
    from cxlab.cli import main

    reports = tmp_path / "reports"
    assert main(["report", "--kind", "tracking", str(Path(project_root) / SAMPLE),
                 "--reports-dir", str(reports)]) == 0  # fmt: skip
    (run,) = list((reports / "sample-bank-tracking").iterdir())
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["kind"] == "tracking"
    assert manifest["inputs"]["notebook"]["path"].endswith("tracking_report.ipynb")
    html = (run / "report.html").read_text()
    assert "tracking report" in html and "Did the actions work?" in html
    for figure in ("satisfaction_trends", "event_map_change", "shift_share", "action_followup"):
        assert (run / "figures" / f"{figure}.png").is_file(), figure
    # no personal data: the codebook's personal columns never reach the report
    frame = pd.read_csv(Path(project_root) / "data/sample/banking_tracking.csv", nrows=50)
    for value in frame["email"].tolist() + frame["name"].tolist():
        assert value not in html
    assert not re.search(r"W\d:R\d{6}", html), "respondent ids in the report"
    # and in a batch, picked up from the file's kind: tracking
    result = run_batch([Path(project_root) / SAMPLE], workers=1, reports_dir=reports,
                       progress=False)  # fmt: skip
    assert result.ok, result.summary()
    assert result.key_figures["net_advocacy"].notna().all()


def test_cxlab_report_kind_mismatch_fails_before_a_kernel(project_root, tmp_path, capsys):
    from cxlab.cli import main

    assert main(["report", "--kind", "client", str(Path(project_root) / SAMPLE),
                 "--reports-dir", str(tmp_path)]) == 1  # fmt: skip
    assert "a 'tracking' report but a 'client' report" in capsys.readouterr().err
