"""The report runner: one real run of the sample client, shared by the tests below."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest

from cxlab import recorder as cxrecorder
from cxlab import report as cxreport
from cxlab.errors import ParameterError, ReportError


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, project_root):
    """`run_report` on data/sample/clients/sample.yaml into a temporary reports folder."""
    reports = tmp_path_factory.mktemp("reports")
    params = Path(project_root) / "data" / "sample" / "clients" / "sample.yaml"
    result = cxreport.run_report(params, reports_dir=reports)
    return result, reports


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_run_succeeds_and_writes_the_run_folder(sample_run):
    result, reports = sample_run
    assert result.status == "ok", result.error
    folder = result.folder
    assert folder.parent == reports / "sample-bank"
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}", folder.name)
    for name in ("client_report.ipynb", "report.html", "manifest.json", "key_figures.json"):
        assert (folder / name).is_file(), name
    assert not list((reports / "sample-bank").glob(".tmp-*")), "temporary folder left behind"


def test_manifest_records_status_inputs_versions_and_timings(sample_run, project_root):
    result, _ = sample_run
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["error"] is None
    assert manifest["run_id"] == result.folder.name
    assert manifest["parameters"]["client"] == "Sample Bank"
    data = Path(project_root) / "data" / "sample" / "banking.csv"
    assert manifest["inputs"]["data_path"]["sha256"] == _sha256(data)
    assert manifest["inputs"]["codebook"]["sha256"] == _sha256(
        data.with_name("banking_codebook.yaml")
    )
    assert manifest["python"].count(".") == 2
    assert manifest["packages"]["pandas"] == pd.__version__
    assert manifest["cxlab_version"]
    assert set(manifest["git"]) == {"commit", "dirty"}
    t = manifest["timings_seconds"]
    assert 0 < t["cells"] < t["papermill"] <= t["total"]
    assert "report.html" in manifest["outputs"]


def test_key_figures_are_consistent_with_the_tables(sample_run):
    result, _ = sample_run
    figures = result.key_figures
    lo, hi = figures["net_advocacy_ci"]
    assert lo < figures["net_advocacy"] < hi
    shares = pd.read_csv(result.folder / "tables" / "advocacy_shares.csv").set_index(
        "advocacy_group"
    )
    # independent check: net advocacy = % advocates - % antagonists - % agitators
    net = (
        shares.loc["advocate", "share"]
        - shares.loc["antagonist", "share"]
        - shares.loc["agitator", "share"]
    )
    assert figures["net_advocacy"] == pytest.approx(net, abs=0.02)
    actions = pd.read_csv(result.folder / "tables" / "actions.csv")
    assert figures["moments_of_truth"] == int(actions["moment_of_truth"].sum())


def test_figures_are_png_not_blank_with_alt_text(sample_run):
    result, _ = sample_run
    meta = json.loads((result.folder / "figures" / "figures.json").read_text())
    assert meta
    for name, info in meta.items():
        assert len(info["alt"]) > 20, name
        image = plt.imread(result.folder / "figures" / info["file"])
        assert image.shape[0] > 200 and image.shape[1] > 200
        assert np.std(image[..., :3]) > 0.05, f"{name} looks blank"


def test_tables_as_csv_and_one_workbook(sample_run):
    result, _ = sample_run
    csvs = sorted((result.folder / "tables").glob("*.csv"))
    assert csvs
    book = pd.read_excel(result.folder / "tables" / "tables.xlsx", sheet_name=None)
    assert set(book) == {p.stem for p in csvs}
    for path in csvs:
        pd.testing.assert_frame_equal(book[path.stem], pd.read_csv(path), check_dtype=False)


def test_html_has_no_code_no_cdn_inline_images_and_alt_text(sample_run):
    result, _ = sample_run
    html = (result.folder / "report.html").read_text()
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//", html)
    assert "require.min.js" not in html and "mathjax" not in html.lower()
    for code in ("validate(globals())", "import cxlab", "load_inputs("):
        assert code not in html
    assert "output_dir" not in html, "parameters cell leaked into the report"
    images = re.findall(r"<img\b[^>]*>", html)
    assert images
    for tag in images:
        assert 'src="data:image/png;base64,' in tag
        alt = re.search(r'alt="([^"]*)"', tag)
        assert alt and len(alt.group(1)) > 20
    assert "Net advocacy is" in html and "Executive summary" in html


def test_no_personal_data_in_any_output(sample_run, project_root):
    """Grep every file of the run for the survey's planted personal values."""
    from cxlab.io import load_survey

    result, _ = sample_run
    with pytest.warns(Warning):
        survey = load_survey(Path(project_root) / "data" / "sample" / "banking.csv")
    values = set()
    for column in survey.personal.columns:
        for value in survey.personal[column].dropna().astype(str):
            if len(value) >= 8:  # skip short fragments ("n/a") that could occur by chance
                values.add(value)
    assert len(values) > 100
    for path in result.folder.rglob("*"):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        if path.suffix == ".xlsx":
            book = pd.read_excel(path, sheet_name=None)
            raw = "\n".join(f.to_csv() for f in book.values()).encode()
        text = raw.decode("utf-8", errors="ignore")
        leaked = [v for v in values if v in text]
        assert not leaked, f"{path.name} contains personal data: {leaked[:3]}"


def test_executed_notebook_has_no_errors_and_the_injected_parameters(sample_run):
    result, _ = sample_run
    nb = nbformat.read(result.folder / "client_report.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert ["injected-parameters"] in tags
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error"


def test_publish_never_overwrites_an_earlier_run(tmp_path, monkeypatch):
    client = tmp_path / "acme"
    client.mkdir()
    earlier = client / "20260101T000000Z-00000000"
    earlier.mkdir()
    (earlier / "manifest.json").write_text("{}")
    ids = iter(["20260101T000000Z-00000000", "20260101T000000Z-00000001"])
    monkeypatch.setattr(cxreport, "new_run_id", lambda: next(ids))
    tmp = client / ".tmp-x"
    tmp.mkdir()
    (tmp / "report.html").write_text("new")
    final = cxreport._publish(tmp, client, {"status": "ok"})
    assert final.name == "20260101T000000Z-00000001"
    assert (earlier / "manifest.json").read_text() == "{}"
    assert json.loads((final / "manifest.json").read_text())["run_id"] == final.name


def test_run_ids_are_utc_and_distinct():
    ids = {cxreport.new_run_id() for _ in range(200)}
    assert len(ids) == 200


def test_invalid_parameter_file_fails_without_a_kernel(tmp_path):
    import os

    bad = tmp_path / "bad.yaml"
    bad.write_text("client: ../escape\n")
    before = dict(os.environ)
    result = cxreport.run_report(bad, reports_dir=tmp_path / "reports")
    assert dict(os.environ) == before  # the kernel environment is restored
    assert result.status == "failed" and result.folder is None
    assert result.error["ename"] == "ParameterError" and "client" in result.error["evalue"]
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


# ------------------------------------------------------------- recorder, html
def test_recorder_writes_figures_tables_and_key_figures(tmp_path):
    rec = cxrecorder.Recorder(tmp_path)
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [3, 1, 2])
    shown = rec.figure("trend", fig, alt="A line falling then rising")
    assert shown.metadata["alt"] == "A line falling then rising"
    assert repr(shown) == "<Figure: A line falling then rising>"
    frame = pd.DataFrame({"event_id": ["a", "b"], "value": [1.23456, 2.0]})
    displayed = rec.table("events", frame)
    assert displayed.index.name == "event_id" and displayed["value"].iloc[0] == 1.23
    # a value a hair below zero (floating-point noise) shows as 0.00, never -0.00
    tiny = rec.table("tiny", pd.DataFrame({"event_id": ["a"], "value": [-1e-15]}))
    assert "-" not in tiny.to_string()
    rec.record("net_advocacy", np.float64(12.5))
    rec.record("top_action", "fix")
    assert (tmp_path / "figures" / "trend.png").is_file()
    assert json.loads((tmp_path / "figures" / "figures.json").read_text())["trend"]["alt"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "tables" / "events.csv"), frame)
    assert json.loads((tmp_path / "key_figures.json").read_text()) == {
        "net_advocacy": 12.5,
        "top_action": "fix",
    }


def test_recorder_without_output_dir_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rec = cxrecorder.Recorder(None)
    fig, _ = plt.subplots()
    rec.figure("x", fig, alt="an empty chart for the test")
    rec.record("n", 3)
    assert not any(tmp_path.iterdir())


def test_recorder_refuses_unsafe_names_and_figures_without_alt(tmp_path):
    rec = cxrecorder.Recorder(tmp_path)
    with pytest.raises(ParameterError):
        rec.record("../../etc/passwd", 1)
    fig, _ = plt.subplots()
    with pytest.raises(ReportError):
        rec.record("fig", fig)


def _png() -> str:
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


def test_export_html_drops_parameters_code_and_stderr_keeps_alt():
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("client = 'secret-param'", metadata={"tags": ["parameters"]})
    cell = nbformat.v4.new_code_cell("print_the_code_marker()")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: noisy\n"),
        nbformat.v4.new_output("stream", name="stdout", text="visible text\n"),
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": _png(), "text/plain": "<Figure>"},
            metadata={"image/png": {"alt": "Diagonal line & more"}},
        ),
    ]
    nb.cells = [params, cell]
    html = cxrecorder.export_html(nb, title="T")
    assert "secret-param" not in html and "print_the_code_marker" not in html
    assert "noisy" not in html and "visible text" in html
    assert 'alt="Diagonal line &amp; more"' in html
    assert not re.search(r"<script[^>]+src=", html)


def test_key_figures_table_and_chart():
    from cxlab import batch

    table = batch.key_figures_table(
        {
            "A": {"net_advocacy": 10.0, "net_advocacy_ci": [5.0, 15.0], "moments_of_truth": 2},
            "B": {"net_advocacy": -3.0, "net_advocacy_ci": [-8.0, 2.0], "top_action": "fix"},
            "C": {},
        }
    )
    assert list(table["client"]) == ["A", "B", "C"]
    assert np.isnan(table.loc[2, "net_advocacy"])
    ax = batch.plot_key_figures(table)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["B\ntop: fix", "A\n2 moments of truth"]
    assert ax.get_title() and ax.get_xlabel()


def test_cfe_section_shown_with_executive_data_and_skipped_without(sample_run, project_root):
    result, _ = sample_run
    html = (result.folder / "report.html").read_text()
    assert "Overall CFE maturity is" in html  # sample.yaml gives executive data
    assert (result.folder / "figures" / "cfe.png").is_file()
    committed = nbformat.read(
        Path(project_root) / "notebooks" / "client_report.ipynb", as_version=4
    )
    text = json.dumps(committed)  # default parameters: executive_data = None
    assert "CFE assessment is skipped" in text and "Overall CFE maturity" not in text


# ------------------------------------------------------------- narrative
def test_findings_quote_the_numbers_of_their_tables():
    from cxlab import narrative

    net = pd.DataFrame(
        {"value": [-7.25], "ci_low": [-12.5], "ci_high": [-2.0], "pct_advocate": [20.0],
         "pct_antagonist": [27.25], "n": [1234]}
    )  # fmt: skip
    text = narrative.advocacy_finding(net)
    for number in ("-7.2", "-12.5", "-2.0", "1,234", "20.0%", "27.2%"):
        assert number in text, number

    priorities = pd.DataFrame(
        {
            "event_id": ["a", "b", "c", "d", "e"],
            "name": ["Apply", "Bill", "Call", "Drop", "Enter"],
            "stage": ["Shop/Buy", "Pay", "Use & Support", "Leave", "Aware"],
            "action": ["fix", "basics", "delight", "maintain", None],
            "moment_of_truth": [True, False, True, False, False],
        }
    )
    actions = narrative.actions_finding(priorities)
    assert actions.index("Bill") < actions.index("Apply") < actions.index("Call")  # basics first
    assert "Of 4 assessed events, 3 need a change" in actions and "1 not assessed" in actions
    assert "Drop" not in actions and "Enter" not in actions

    by_event = pd.DataFrame(
        {"event_id": ["x", "y", "z"], "name": ["Mortgage", "Statement", "Branch"],
         "investment": [8.8, 1.7, 4.0], "ratio": [1.58, 0.31, 0.6],
         "ratio_ci_low": [1.15, 0.22, 0.5], "ratio_ci_high": [2.25, 0.41, 0.7]}
    )  # fmt: skip
    inv = narrative.investment_finding(by_event, crossover=6.4)
    assert inv.index("Mortgage") < inv.index("Statement") and "Branch" not in inv
    assert "1.58" in inv and "0.31" in inv and "6.4" in inv
    assert "do not cross" in narrative.investment_finding(by_event, None)

    ranking = pd.DataFrame(
        {"name": ["Call", "Apply"], "action": ["delight", "fix"], "npv": [2.5e6, 1e5],
         "npv_ci_low": [1e6, -5e4], "npv_ci_high": [4e6, 2e5], "roi": [3.0, 0.5]}
    )  # fmt: skip
    value = narrative.value_finding(ranking)
    assert "delight Call" in value and "2,500,000" in value and "1 of 2 events" in value

    summary = narrative.executive_summary("Acme", net, priorities, by_event, ranking)
    assert "Acme" in summary and "-7.2" in summary
    assert "2 of 4 events break" in summary and "2 moments of truth" in summary
    assert "1.58 times" in summary and "delight Call" in summary


def test_segment_and_sample_findings():
    from cxlab import narrative

    seg = pd.DataFrame(
        {"life_stage": ["Young", "Family", "Old"], "value": [-17.5, 30.2, 5.0],
         "n": [197, 40, 20], "suppressed": [False, False, True]}
    )  # fmt: skip
    text = narrative.segments_finding(seg, "life_stage")
    assert "highest for **Family** (+30.2, n=40)" in text
    assert "lowest for **Young** (-17.5, n=197)" in text and "Old" not in text
    quality = pd.DataFrame({"check": ["speeders", "straight-lining"], "n_flagged": [11, 0]})
    weighting = pd.DataFrame(
        {"statistic": ["converged", "iterations", "min_weight", "max_weight", "design_effect",
                       "n_effective"], "value": [True, 6, 0.29, 2.93, 1.30, 484.0]}
    )  # fmt: skip
    text = narrative.sample_finding(631, 7, 3281, quality, weighting, "country = UK")
    for part in ("631 respondents", "3,281", "7 customer events", "country = UK", "6 iterations",
                 "1.30", "484", "speeders (11 respondents)"):  # fmt: skip
        assert part in text, part
    assert "straight-lining" not in text
    assert "design weights" in narrative.sample_finding(10, 1, 10)


@pytest.mark.filterwarnings("ignore::cxlab.errors.DataQualityWarning")
def test_load_inputs_filters_respondents_and_restricts_margins(project_root):
    from cxlab.params import validate

    root = Path(project_root)
    sample = {
        "client": "Sample Bank",
        "data_path": "data/sample/banking.csv",
        "codebook": "data/sample/banking_codebook.yaml",
        "weighting_targets": "data/sample/clients/targets/banking_margins.yaml",
    }
    params = validate({**sample, "segment_filter": {"country": ["UK", "France"]}}, root=root)
    inputs = cxreport.load_inputs(params)
    countries = inputs.survey.respondents["country"].astype(str)
    assert set(countries) == {"UK", "France"}
    kept = set(inputs.survey.respondents["respondent_id"])
    assert set(inputs.survey.event_table()["respondent_id"]) <= kept
    full = validate(sample, root=root)
    everyone = cxreport.load_inputs(full)
    assert len(inputs.survey.respondents) == int(
        everyone.survey.respondents["country"].astype(str).isin(["UK", "France"]).sum()
    )
    shares = inputs.margins["country"]
    population = everyone.margins["country"]
    assert set(shares) == {"UK", "France"} and sum(shares.values()) == pytest.approx(1)
    assert shares["UK"] / shares["France"] == pytest.approx(population["UK"] / population["France"])
    assert inputs.margins["age_band"] == everyone.margins["age_band"]
    assert "country = UK, France" in inputs.filter_text
    one = cxreport.load_inputs(validate({**sample, "segment_filter": {"country": "UK"}}, root=root))
    assert "country" not in one.margins  # a single category is met trivially
    with pytest.raises(ParameterError) as err:
        cxreport.load_inputs(validate({**sample, "segment_filter": {"nope": "x"}}, root=root))
    assert err.value.location == "segment_filter.nope"
    with pytest.raises(ParameterError, match="keeps no respondent"):
        cxreport.load_inputs(validate({**sample, "segment_filter": {"country": "Mars"}}, root=root))


# ------------------------------------------------------------- failed runs
def _tiny_notebook(path: Path, *, fail: bool) -> Path:
    """A two-cell report notebook: records a key figure, then raises when ``fail``."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("output_dir = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "from cxlab.recorder import Recorder\n"
            "Recorder(output_dir).record('net_advocacy', 5.0)\n"
            "Recorder(output_dir).record('rows', __import__('pandas').DataFrame({'a': [1]}))"
        ),
        nbformat.v4.new_code_cell("raise ValueError('boom in the notebook')" if fail else "1 + 1"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(path))
    return path


@pytest.fixture()
def sample_params(project_root) -> Path:
    return Path(project_root) / "data" / "sample" / "clients" / "sample.yaml"


def test_failed_run_has_no_html_a_failed_folder_and_no_key_figures(tmp_path, sample_params):
    notebook = _tiny_notebook(tmp_path / "failing.ipynb", fail=True)
    reports = tmp_path / "reports"
    result = cxreport.run_report(sample_params, reports_dir=reports, notebook=notebook)
    assert result.status == "failed"
    # cell 3: parameters, injected parameters, recording, the raising cell
    assert result.error["ename"] == "ValueError" and result.error["cell_index"] == 3
    assert result.key_figures == {}  # recorded before the failure, but partial
    folder = result.folder
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}-failed", folder.name)
    assert not (folder / "report.html").exists()
    assert (folder / "client_report.ipynb").is_file()  # kept, with the traceback
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["run_id"] == folder.name
    assert manifest["error"]["cell_index"] == 3 and "boom" in manifest["error"]["evalue"]
    assert "report.html" not in manifest["outputs"]


def test_workbook_and_publish_errors_are_recorded_not_raised(tmp_path, sample_params, monkeypatch):
    notebook = _tiny_notebook(tmp_path / "fine.ipynb", fail=False)
    reports = tmp_path / "reports"

    def broken_workbook(folder):
        raise OSError("disk full while writing tables.xlsx")

    monkeypatch.setattr(cxreport, "_write_workbook", broken_workbook)
    result = cxreport.run_report(sample_params, reports_dir=reports, notebook=notebook)
    assert result.status == "failed" and result.folder.name.endswith("-failed")
    assert result.error["ename"] == "OSError" and "disk full" in result.error["evalue"]
    assert not (result.folder / "report.html").exists()
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "disk full" in manifest["error"]["evalue"]

    monkeypatch.undo()

    def broken_publish(tmp, client_dir, manifest, suffix=""):
        raise ReportError("could not find a free run id")

    monkeypatch.setattr(cxreport, "_publish", broken_publish)
    result = cxreport.run_report(sample_params, reports_dir=reports, notebook=notebook)
    assert result.status == "failed" and result.key_figures == {}
    assert result.folder.name.startswith(".tmp-")  # never named like a finished run
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert manifest["publish_error"]["ename"] == "ReportError"


@pytest.mark.filterwarnings("ignore::cxlab.errors.SuppressionWarning")
def test_a_client_too_small_for_every_figure_still_gets_a_report(tmp_path, project_root):
    """min_base above the sample size suppresses every event and net advocacy."""
    sample = Path(project_root) / "data" / "sample"
    params = tmp_path / "small.yaml"
    params.write_text(
        "client: Small Bank\n"
        f"data_path: {sample / 'banking.csv'}\n"
        f"codebook: {sample / 'banking_codebook.yaml'}\n"
        f"improvement_costs: {sample / 'banking_improvement_costs.csv'}\n"
        "min_base: 700\n",
        encoding="utf-8",
    )
    result = cxreport.run_report(params, reports_dir=tmp_path / "reports", formats="html,pptx")
    assert result.status == "ok", result.error
    html = (result.folder / "report.html").read_text()
    assert "importance-performance map is not shown" in html
    from pptx import Presentation

    titles = [
        s.shapes.title.text_frame.text
        for s in Presentation(str(result.folder / "report.pptx")).slides
        if s.shapes.title
    ]
    assert "Too few respondents to assess net advocacy" in titles  # no suppressed number
    for title in titles:
        assert "nan" not in title.lower(), title
    assert "Too few respondents to assess net advocacy" in html
    assert not (result.folder / "figures" / "quad_map.png").exists()
    for wrong in ("nan%", "then nan", "maintain every event", "Of 0 assessed"):
        assert wrong not in html, wrong
    assert result.key_figures.get("net_advocacy") is None
    assert result.key_figures.get("top_action") is None


# ------------------------------------------------------------- suppressed narrative
def test_findings_say_too_few_respondents_when_everything_is_suppressed():
    from cxlab import narrative

    net = pd.DataFrame(
        {"value": [np.nan], "ci_low": [np.nan], "ci_high": [np.nan], "pct_advocate": [np.nan],
         "pct_antagonist": [np.nan], "n": [18], "suppressed": [True]}
    )  # fmt: skip
    priorities = pd.DataFrame(
        {"event_id": ["a", "b"], "name": ["Apply", "Bill"], "stage": ["Shop/Buy", "Pay"],
         "action": [None, None], "moment_of_truth": [False, False]}
    )  # fmt: skip
    ranking = pd.DataFrame(
        {"name": ["Apply", "Bill"], "action": [np.nan, np.nan], "npv": [np.nan, np.nan],
         "npv_ci_low": [np.nan, np.nan], "npv_ci_high": [np.nan, np.nan], "roi": [np.nan, np.nan]}
    )  # fmt: skip
    by_event = pd.DataFrame(
        {"event_id": ["a"], "investment": [np.nan], "ratio": [np.nan],
         "ratio_ci_low": [np.nan], "ratio_ci_high": [np.nan]}
    )  # fmt: skip
    texts = {
        "advocacy": narrative.advocacy_finding(net),
        "segment": narrative.advocacy_finding(net, label="Young"),
        "actions": narrative.actions_finding(priorities),
        "map": narrative.eventmap_finding(priorities),
        "value": narrative.value_finding(ranking),
        "investment": narrative.investment_finding(by_event),
        "summary": narrative.executive_summary("Acme", net, priorities, by_event, ranking),
    }
    for key, text in texts.items():
        assert "too few respondents" in text.lower(), key
        assert "nan" not in text.lower().replace("financ", ""), (key, text)
        assert "18" not in text, (key, text)  # the base of a suppressed group is not quoted
    assert "maintain every event" not in texts["summary"]
    assert "0 of 0" not in texts["summary"] and "then" not in texts["summary"]
    # a suppressed group is detected from its flag alone as well
    flagged = net.assign(value=[3.0], ci_low=[1.0], ci_high=[5.0], pct_advocate=[30.0])
    assert "Too few respondents" in narrative.advocacy_finding(
        flagged.assign(pct_antagonist=[27.0])
    )


def test_valued_events_are_summarised_when_only_some_are_suppressed():
    from cxlab import narrative

    ranking = pd.DataFrame(
        {"name": ["Apply", "Bill"], "action": [np.nan, "fix"], "npv": [np.nan, 2e5],
         "npv_ci_low": [np.nan, 1e5], "npv_ci_high": [np.nan, 3e5], "roi": [np.nan, 1.5]}
    )  # fmt: skip
    text = narrative.value_finding(ranking)
    assert "**fix Bill**" in text and "1 of 1 events" in text and "nan" not in text


# ------------------------------------------------------------- recorder safety net
def test_recorder_table_refuses_respondent_ids_and_personal_data(tmp_path):
    personal = pd.DataFrame(
        {"name": ["Alice Example", "Bob Sample"], "email": ["a@x.io", "b@y.io"]}
    )
    rec = cxrecorder.Recorder(tmp_path, personal_columns=["phone"], personal=personal)
    refused = {
        "ids": pd.DataFrame({"respondent_id": [1, 2], "score": [0.1, 0.2]}),
        "ids_index": pd.DataFrame({"score": [0.1]}, index=pd.Index([7], name="respondent_id")),
        "phone": pd.DataFrame({"segment": ["x"], "phone": ["n/a"]}),
        "names": pd.DataFrame({"name": ["Bob Sample"], "spend": [10.0]}),
        "emails": pd.DataFrame({"group": ["advocate"], "email": ["a@x.io"]}),
    }
    for label, frame in refused.items():
        with pytest.raises(ReportError) as err:
            rec.table(label, frame)
        assert err.value.location == label
    assert not (tmp_path / "tables").exists()  # nothing refused was written
    # event names share the column name `name` but none of its values: allowed
    events = pd.DataFrame({"name": ["Open an account"], "importance": [0.4]})
    assert rec.table("events", events).index.name == "name"
    assert (tmp_path / "tables" / "events.csv").is_file()
    # in a plain session (no output_dir) the safety net holds as well
    with pytest.raises(ReportError):
        cxrecorder.Recorder(None).table("ids", refused["ids"])


# ------------------------------------------------------------- no silent defaults
def test_a_parameter_file_without_the_required_keys_fails_before_a_kernel(
    tmp_path, monkeypatch, capsys
):
    from cxlab import cli

    def no_kernel(*args, **kwargs):
        raise AssertionError("a kernel was started for an invalid parameter file")

    monkeypatch.setattr(cxreport, "_kernel", no_kernel)
    params = tmp_path / "incomplete.yaml"
    params.write_text("min_base: 40\n", encoding="utf-8")
    result = cxreport.run_report(params, reports_dir=tmp_path / "reports")
    assert result.status == "failed" and result.folder is None
    assert result.error["ename"] == "ParameterError"
    for name in ("client", "data_path", "codebook"):
        assert name in result.error["evalue"]
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert cli.main(["report", str(empty), "--reports-dir", str(tmp_path / "reports")]) != 0
    assert "client, data_path, codebook" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


@pytest.mark.filterwarnings("ignore::cxlab.errors.CxlabWarning")
def test_a_minimal_parameter_file_gets_a_report_that_states_what_it_leaves_out(
    tmp_path, project_root
):
    """Only client, data_path and codebook: no weighting, no costs, no CFE, and it says so."""
    sample = Path(project_root) / "data" / "sample"
    params = tmp_path / "minimal.yaml"
    params.write_text(
        "client: Minimal Bank\n"
        f"data_path: {sample / 'banking.csv'}\n"
        f"codebook: {sample / 'banking_codebook.yaml'}\n",
        encoding="utf-8",
    )
    result = cxreport.run_report(params, reports_dir=tmp_path / "reports")
    assert result.status == "ok", result.error
    folder = result.folder
    html = (folder / "report.html").read_text()
    text = re.sub(r"<[^>]+>", "", html)
    assert "What this report covers" in text
    for reason in (
        "no weighting targets given (weighting_targets), so results are unweighted",
        "no executive self-assessment given (executive_data), so the CFE assessment is skipped",
        "No improvement costs were given, so the value case shows the benefit before costs",
        "per 1,000 customers",
        "currency units",
    ):
        assert reason in text, reason
    manifest = json.loads((folder / "manifest.json").read_text())
    # never another client's files: only the survey and its codebook were read
    assert {"weighting_targets", "improvement_costs", "executive_data"}.isdisjoint(
        manifest["inputs"]
    )
    sections = pd.read_csv(folder / "tables" / "report_sections.csv")
    left_out = set(sections.loc[~sections["included"], "section"])
    assert {"Weighting to population margins", "Customer focused enterprise (CFE) assessment"} <= (
        left_out
    )
    for name in ("weighting.png", "cfe.png"):
        assert not (folder / "figures" / name).exists(), name
    value = pd.read_csv(folder / "tables" / "value_case.csv")
    assert "npv" not in value.columns and "benefit" in value.columns
    standard = {"net_advocacy", "net_advocacy_ci", "moments_of_truth", "top_action", "top_event"}
    quoted = set(json.loads((folder / "storyline.json").read_text())["numbers"])
    assert set(result.key_figures) == standard | quoted  # plus what the deck's headlines quote
    assert "nan" not in text.lower().replace("financ", "").replace("nance", "")


@pytest.mark.filterwarnings("ignore::cxlab.errors.CxlabWarning")
def test_a_survey_without_investment_spend_or_complaints_on_a_1_to_7_recommend(
    tmp_path, project_root
):
    """A CSV + codebook lacking personal investment, complaints and spend: the run finishes,
    the sections those fields feed are left out with the reason, net advocacy uses 1-7."""
    import yaml

    sample = Path(project_root) / "data" / "sample"
    data = pd.read_csv(sample / "banking.csv").copy()
    q = data["q_recommend"]
    data = data.assign(q_rec7=q.where(q.isin([98, 99, -99]), np.round(1 + 6 * q / 10)))
    data.to_csv(tmp_path / "survey.csv", index=False)
    cb = yaml.safe_load((sample / "banking_codebook.yaml").read_text())
    for event in cb["events"]:
        event["items"].pop("personal_investment")
    for name in ("complained", "warned_others", "spend", "tenure", "referrals", "service_cost"):
        cb["respondent_items"].pop(name)
    cb["respondent_items"]["recommend"] = {"column": "q_rec7", "type": "rating",
                                           "scale": {"min": 1, "max": 7}}  # fmt: skip
    (tmp_path / "codebook.yaml").write_text(yaml.safe_dump(cb, sort_keys=False))
    params = tmp_path / "shape.yaml"
    params.write_text(
        f"client: Shape Co\ndata_path: {tmp_path / 'survey.csv'}\n"
        f"codebook: {tmp_path / 'codebook.yaml'}\n",
        encoding="utf-8",
    )
    result = cxreport.run_report(params, reports_dir=tmp_path / "reports")
    assert result.status == "ok", result.error
    text = re.sub(r"<[^>]+>", "", (result.folder / "report.html").read_text())
    for reason in (
        "no personal-investment item, so emotive vs tactile weights by investment are not estimated",
        "no complaint or warned-others item (complained, warned_others), so agitators",
        "no spend, tenure, referrals or service-cost item",
        "advocates 6-7, neutral 5, antagonists 1-4 on the 1-7 scale",
    ):
        assert reason in text, reason
    rec = data["q_rec7"].where(~data["q_rec7"].isin([98, 99, -99])).dropna()
    hand = 100 * ((rec >= 6).mean() - (rec <= 4).mean())
    assert result.key_figures["net_advocacy"] == pytest.approx(hand, abs=0.005)
    for name in ("investment_weights.png", "value_case.png"):
        assert not (result.folder / "figures" / name).exists(), name
    assert (result.folder / "figures" / "event_map.png").is_file()


def test_a_client_folder_symlinked_out_of_reports_is_refused(tmp_path, sample_params):
    """Issue 12, item 3: nothing is written through reports/<client> -> elsewhere."""
    notebook = _tiny_notebook(tmp_path / "failing.ipynb", fail=True)
    reports = tmp_path / "reports"
    reports.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (reports / "sample-bank").symlink_to(outside, target_is_directory=True)
    result = cxreport.run_report(sample_params, reports_dir=reports, notebook=notebook)
    assert result.status == "failed" and result.folder is None
    assert (
        result.error["ename"] == "ReportError"
        and "outside the reports folder" in (result.error["evalue"])
    )
    assert list(outside.iterdir()) == []


def test_the_same_parameter_file_twice_in_a_batch_runs_once(tmp_path, sample_params):
    """Issue 12, item 16: one row (and one run folder) per parameter file."""
    from cxlab.batch import run_batch
    from cxlab.errors import CxlabWarning

    notebook = _tiny_notebook(tmp_path / "ok.ipynb", fail=False)
    reports = tmp_path / "reports"
    with pytest.warns(CxlabWarning, match="more than once"):
        result = run_batch(
            [sample_params, sample_params],
            workers=1,
            reports_dir=reports,
            progress=False,
            notebook=notebook,
        )
    assert len(result.table) == 1 and result.table["folder"].is_unique
    assert len([p for p in (reports / "sample-bank").iterdir()]) == 1


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("country: {UK: 0.5, France: [\n", "not valid YAML"),
        ("country: {UK: forty, France: 0.6}\n", "'forty', not a number"),
        ("- 1\n- 2\n", "maps variable"),
        ("country: 0.5\n", "maps category: share"),
    ],
)
def test_malformed_weighting_targets_are_parameter_errors(tmp_path, text, match):
    from cxlab.errors import ParameterError

    path = tmp_path / "targets.yaml"
    path.write_text(text)
    with pytest.raises(ParameterError, match=match) as err:
        cxreport.read_margins(path)
    assert str(path) in str(err.value)


def test_comments_section_for_the_sample_client(sample_run):
    """The sample banking study declares comments: topics, quotes and the chart."""
    result, _ = sample_run
    html = (result.folder / "report.html").read_text()
    assert "Voice of the customer (comments)" in html and "silhouette" in html
    assert (result.folder / "figures" / "comments_vs_advocacy.png").is_file()
    by_event = pd.read_csv(result.folder / "tables" / "comment_topics_by_event.csv")
    assert by_event["n"].min() >= 30 and by_event["quotes"].str.count("\u201c").between(1, 3).all()
    assert by_event["event"].nunique() == 7
