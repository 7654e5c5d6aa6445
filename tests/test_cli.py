"""`cxlab report` / `cxlab batch`: a batch with one broken client, retry, Dask."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cxlab.cli import build_parser, main
from cxlab.errors import ParameterError


def client_file(folder: Path, root: Path, name: str, extra: str = "") -> Path:
    sample = root / "data" / "sample"
    text = (
        f"client: {name}\n"
        f"data_path: {sample / 'banking.csv'}\n"
        f"codebook: {sample / 'banking_codebook.yaml'}\n"
        f"weighting_targets: {sample / 'clients' / 'targets' / 'banking_margins.yaml'}\n"
        f"improvement_costs: {sample / 'banking_improvement_costs.csv'}\n"
        "min_base: 30\n" + extra
    )
    path = folder / f"{name.lower().replace(' ', '_')}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def broken_batch(tmp_path_factory, project_root):
    """A batch of two clients, the second deliberately broken inside the notebook."""
    folder = tmp_path_factory.mktemp("clients")
    reports = folder / "reports"
    root = Path(project_root)
    good = client_file(folder, root, "Good Bank")
    # passes parameter validation, fails in the notebook: no such respondent column
    broken = client_file(folder, root, "Broken Bank", "segment_filter: {no_such_column: x}\n")
    code = main(
        [
            "batch",
            str(good),
            str(broken),
            "--workers",
            "2",
            "--reports-dir",
            str(reports),
            "--no-progress",
        ]
    )
    return code, reports, good, broken


def test_batch_exits_non_zero_and_the_good_client_finishes(broken_batch, capsys):
    code, reports, _good, _broken = broken_batch
    assert code == 1
    runs = list((reports / "good-bank").iterdir())
    assert len(runs) == 1
    assert json.loads((runs[0] / "manifest.json").read_text())["status"] == "ok"
    assert (runs[0] / "report.html").is_file()


def test_failed_client_records_the_failing_cell_and_error(broken_batch):
    _, reports, _, _ = broken_batch
    (run,) = list((reports / "broken-bank").iterdir())
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    error = manifest["error"]
    assert error["ename"] == "ParameterError"
    assert "no_such_column" in error["evalue"]
    assert isinstance(error["cell_index"], int) and error["cell_index"] > 0
    assert (run / "client_report.ipynb").is_file()  # the partial notebook is kept


def test_batch_summary_and_cross_client_key_figures(broken_batch):
    _, reports, good, broken = broken_batch
    (batch,) = list((reports / "_batches").iterdir())
    summary = pd.read_csv(batch / "summary.csv")
    by_file = summary.set_index("params_file")
    assert by_file.loc[str(good.resolve()), "status"] == "ok"
    assert by_file.loc[str(broken.resolve()), "status"] == "failed"
    assert by_file.loc[str(broken.resolve()), "error"] == "ParameterError"
    figures = pd.read_csv(batch / "key_figures.csv").set_index("client")
    good_run = next((reports / "good-bank").iterdir())
    recorded = json.loads((good_run / "key_figures.json").read_text())
    assert figures.loc["Good Bank", "net_advocacy"] == pytest.approx(recorded["net_advocacy"])
    assert pd.isna(figures.loc["Broken Bank", "net_advocacy"])
    assert (batch / "key_figures.png").is_file()


def test_retry_failed_reruns_only_the_failed_client(broken_batch, project_root):
    _, reports, good, broken = broken_batch
    client_file(broken.parent, Path(project_root), "Broken Bank")  # the fix
    code = main(["batch", "--retry-failed", "--reports-dir", str(reports), "--no-progress"])
    assert code == 0
    assert len(list((reports / "good-bank").iterdir())) == 1
    runs = sorted((reports / "broken-bank").iterdir())
    assert len(runs) == 2  # the failed run is kept, never overwritten
    statuses = {json.loads((r / "manifest.json").read_text())["status"] for r in runs}
    assert statuses == {"ok", "failed"}
    code = main(["batch", "--retry-failed", "--reports-dir", str(reports), "--no-progress"])
    assert code == 0  # nothing left to retry


def test_report_command_refuses_an_escaping_client_name(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("client: ../../etc\n")
    assert main(["report", str(bad), "--reports-dir", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert "client" in err and "bad.yaml" in err
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


def test_batch_without_files_or_history(tmp_path, capsys):
    assert main(["batch", "--reports-dir", str(tmp_path)]) == 2
    assert main(["batch", "--retry-failed", "--reports-dir", str(tmp_path)]) == 2
    assert "no earlier batch" in capsys.readouterr().err


def test_parser_options():
    args = build_parser().parse_args(
        ["batch", "a.yaml", "b.yaml", "--workers", "3", "--scheduler", "tcp://127.0.0.1:1"]
    )
    assert args.params == ["a.yaml", "b.yaml"] and args.workers == 3
    assert args.scheduler == "tcp://127.0.0.1:1" and args.reports_dir is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report"])


def test_batch_on_a_dask_cluster(tmp_path, project_root):
    distributed = pytest.importorskip("distributed")
    root = Path(project_root)
    files = [
        client_file(tmp_path, root, "Dask Bank 1"),
        client_file(tmp_path, root, "Dask Bank 2", "segment_filter: {country: [UK]}\n"),
    ]
    reports = tmp_path / "reports"
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        code = main(
            ["batch", *map(str, files), "--scheduler", cluster.scheduler_address]
            + ["--reports-dir", str(reports), "--no-progress"]
        )
    assert code == 0
    for i in (1, 2):
        (run,) = list((reports / f"dask-bank-{i}").iterdir())
        assert json.loads((run / "manifest.json").read_text())["status"] == "ok"
    # the filtered client's report says so and rests on the UK respondents only
    html = (run / "report.html").read_text()
    assert "respondents with country = UK" in html
    shares = pd.read_csv(run / "tables" / "advocacy_shares.csv")
    assert 50 < shares["count"].sum() < 400  # a subset of the 631


@pytest.mark.filterwarnings("ignore::cxlab.errors.DataQualityWarning")
def test_score_trains_scores_and_writes_only_ids_and_scores(tmp_path, project_root, capsys):
    """`cxlab score --train`: advocates get a higher advocate probability than antagonists."""
    import warnings

    from cxlab.errors import DataQualityWarning
    from cxlab.io import load_survey

    sample = Path(project_root) / "data" / "sample"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        survey = load_survey(sample / "banking.csv")
    customers = survey.respondents.drop(columns=["recommend"])
    customers.insert(1, "email", survey.personal["email"].to_numpy())  # personal data present
    path = tmp_path / "customers.csv"
    customers.to_csv(path, index=False)
    out = tmp_path / "scores.csv"
    model = tmp_path / "scorer.joblib"
    code = main(
        ["score", str(path), "--train", str(sample / "banking.csv"), "--out", str(out)]
        + ["--save-model", str(model), "--id-column", "respondent_id"]
    )
    assert code == 0 and model.is_file()
    assert "held-out macro AUC" in capsys.readouterr().out
    scores = pd.read_csv(out)
    assert list(scores.columns) == [
        "respondent_id",
        "prob_antagonist",
        "prob_neutral",
        "prob_advocate",
        "advocacy_group",
    ]
    probs = scores[["prob_antagonist", "prob_neutral", "prob_advocate"]].sum(axis=1)
    assert probs.to_numpy() == pytest.approx(1.0)
    recommend = survey.respondents.set_index("respondent_id")["recommend"]
    actual = scores["respondent_id"].astype(str).map(recommend.rename(index=str))
    assert (
        scores.loc[actual >= 9, "prob_advocate"].mean()
        > scores.loc[actual <= 6, "prob_advocate"].mean()
    )
    # the saved model scores the same file to the same result
    again = tmp_path / "again.csv"
    assert (
        main(
            [
                "score",
                str(path),
                "--model",
                str(model),
                "--out",
                str(again),
                "--id-column",
                "respondent_id",
            ]
        )
        == 0
    )
    pd.testing.assert_frame_equal(pd.read_csv(again), scores)
    # the form: `cxlab score MODEL customers.csv` writes <customers>_scores.csv
    assert main(["score", str(model), str(path), "--id-column", "respondent_id"]) == 0
    default_out = path.with_name(f"{path.stem}_scores.csv")
    pd.testing.assert_frame_equal(pd.read_csv(default_out), scores)
    # ... and never overwrites a file
    assert main(["score", str(model), str(path)]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert main(["score", str(path)]) == 2  # no scorer named
    assert "name the scorer" in capsys.readouterr().err


def test_batch_folder_is_published_complete(broken_batch):
    _, reports, _, _ = broken_batch
    names = [p.name for p in (reports / "_batches").iterdir()]
    assert names and not [n for n in names if n.startswith(".tmp-")]
    for run in (reports / "broken-bank").iterdir():  # a retry may have added an ok run
        failed = json.loads((run / "manifest.json").read_text())["status"] == "failed"
        assert run.name.endswith("-failed") == failed
        assert (run / "report.html").exists() != failed


def test_an_interrupted_batch_folder_is_never_taken_for_a_finished_one(tmp_path, monkeypatch):
    from cxlab import batch
    from cxlab.errors import ReportError

    def broken_chart(table, ax=None):
        raise RuntimeError("interrupted while drawing the chart")

    monkeypatch.setattr(batch, "plot_key_figures", broken_chart)
    table = pd.DataFrame([{"params_file": "a.yaml", "client": "A", "status": "failed"}])
    figures = batch.key_figures_table({"A": {"net_advocacy": 1.0}})
    with pytest.raises(RuntimeError):
        batch._write_batch(tmp_path, table, figures)
    left = list((tmp_path / "_batches").iterdir())
    assert all(p.name.startswith(".tmp-") for p in left)  # a partial folder is not a batch
    with pytest.raises(ReportError, match="no earlier batch"):
        batch.failed_in_last_batch(tmp_path)


def test_batch_key_figures_use_completed_runs_only_one_row_per_file():
    from cxlab import batch

    def result(params_file, client, status, net):
        row = {"params_file": params_file, "client": client, "status": status}
        return {
            "row": row,
            "key_figures": {"net_advocacy": net, "net_advocacy_ci": [net - 5, net + 5]},
        }

    files = ["/a/acme.yaml", "/b/acme.yaml", "/c/broken.yaml"]
    results = {
        files[0]: result(files[0], "Acme", "ok", 10.0),
        files[1]: result(files[1], "Acme", "ok", -4.0),  # same client name, other file
        files[2]: result(files[2], "Broken", "failed", 99.0),  # partial figures of a failed run
    }
    table = batch._batch_key_figures(files, results)
    assert list(table["params_file"]) == files and list(table["client"]) == [
        "Acme",
        "Acme",
        "Broken",
    ]
    assert list(table["net_advocacy"].iloc[:2]) == [10.0, -4.0]
    assert table["net_advocacy"].isna().iloc[2] and table["net_advocacy_low"].isna().iloc[2]


# ------------------------------------------------------ a research project folder
@pytest.fixture(scope="module")
def sample_project(tmp_path_factory):
    """`cxlab init --sample proj`, then `cxlab report clients/sample.yaml` from proj."""
    import os

    base = tmp_path_factory.mktemp("research")
    before = os.getcwd()
    os.chdir(base)
    try:
        assert main(["init", "--sample", "proj"]) == 0
        os.chdir(base / "proj")
        code = main(["report", "clients/sample.yaml"])
    finally:
        os.chdir(before)
    return code, base / "proj"


def test_report_from_a_project_folder_writes_under_its_reports(sample_project, capsys):
    import sys

    code, proj = sample_project
    assert code == 0
    (run,) = list((proj / "reports" / "sample-bank").iterdir())
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "ok" and (run / "report.html").is_file()
    assert manifest["paths_relative_to"] == str(proj / "clients")
    assert manifest["reports_dir"] == str(proj / "reports")
    assert manifest["parameters"]["data_path"] == "../data/banking.csv"  # as written
    assert manifest["inputs"]["data_path"]["path"] == str(proj / "data" / "banking.csv")
    assert manifest["kernel"]["argv0"] == sys.executable  # this Python, no registration
    assert manifest["project_git"] == {"commit": None, "dirty": None}  # not a repository
    html = (run / "report.html").read_text()
    assert "Sample Bank" in html and "promise gap" in html.lower()  # executive data found


def test_a_parameter_file_works_from_any_working_directory(sample_project, tmp_path, monkeypatch):
    _, proj = sample_project
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    params = proj / "clients" / "sample_automotive.yaml"
    assert main(["report", str(params)]) == 0
    (run,) = list((elsewhere / "reports" / "sample-motors").iterdir())  # ./reports of cwd
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "ok"
    assert manifest["inputs"]["data_path"]["path"] == str(proj / "data" / "automotive.csv")


def test_reports_dir_parameter_and_option(sample_project, tmp_path, monkeypatch):
    """A file's reports_dir (relative to the file) is used; --reports-dir wins over it."""
    import nbformat

    from cxlab.report import run_report

    _, proj = sample_project
    monkeypatch.chdir(tmp_path)
    notebook = tmp_path / "tiny.ipynb"  # a quick stand-in for the report notebook
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("output_dir = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("assert output_dir"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(notebook))
    routed = proj / "clients" / "routed.yaml"
    routed.write_text((proj / "clients" / "sample.yaml").read_text() + "reports_dir: ../out\n")
    try:
        by_file = run_report(routed, notebook=notebook)
        forced = run_report(routed, notebook=notebook, reports_dir=tmp_path / "forced")
    finally:
        routed.unlink()
    assert by_file.status == "ok", by_file.error
    assert by_file.folder.parent == proj / "out" / "sample-bank"
    assert forced.status == "ok", forced.error
    assert forced.folder.parent == tmp_path / "forced" / "sample-bank"
    assert not (tmp_path / "reports").exists()  # ./reports is only the default


def test_version_option(capsys):
    import cxlab

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"cxlab {cxlab.__version__}"


def test_unknown_kernel_fails_the_run_with_the_registered_names(tmp_path, project_root):
    params = Path(project_root) / "data" / "sample" / "clients" / "sample.yaml"
    reports = tmp_path / "reports"
    assert main(["report", str(params), "--reports-dir", str(reports), "--kernel", "nope"]) == 1
    (run,) = list((reports / "sample-bank").iterdir())
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "no Jupyter kernel named 'nope'" in str(
        manifest["error"]
    )
    assert run.name.endswith("-failed") and not (run / "report.html").exists()


def test_formats_and_template_options_reach_every_run(monkeypatch, tmp_path):
    import cxlab.batch as cxbatch

    args = build_parser().parse_args(
        ["report", "a.yaml", "--formats", "html,pptx,pdf", "--template", "firm.pptx"]
    )
    assert args.formats == "html,pptx,pdf" and args.template == "firm.pptx"
    args = build_parser().parse_args(["batch", "a.yaml", "--formats", "pdf"])
    assert args.formats == "pdf" and args.template is None
    seen = {}

    def fake_run(params_file, **kwargs):
        seen.update(kwargs, params_file=params_file)
        from cxlab.report import RunResult

        return RunResult(params_file, "Acme", "ok", tmp_path, 0.1)

    monkeypatch.setattr(cxbatch, "run_report", fake_run)
    cxbatch._run_one(("a.yaml", str(tmp_path), None, 30, None, "pptx", "/t/firm.pptx"))
    assert seen["formats"] == "pptx" and seen["template"] == "/t/firm.pptx"
    with pytest.raises(ParameterError, match="unknown format"):
        cxbatch.run_batch(["a.yaml"], formats="html,docx", progress=False)


def test_report_with_an_unknown_format_fails_before_a_kernel(tmp_path, project_root, capsys):
    sample = Path(project_root) / "data" / "sample" / "clients" / "sample.yaml"
    code = main(["report", str(sample), "--reports-dir", str(tmp_path), "--formats", "docx"])
    assert code == 1
    assert "--formats: unknown format(s) docx" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # no run folder
