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


def test_score_never_overwrites_the_model_file_not_even_the_survey(tmp_path, project_root, capsys):
    import hashlib

    sample = Path(project_root) / "data" / "sample"
    survey = tmp_path / "banking.csv"
    survey.write_bytes((sample / "banking.csv").read_bytes())
    (tmp_path / "banking_codebook.yaml").write_bytes(
        (sample / "banking_codebook.yaml").read_bytes()
    )
    before = hashlib.sha256(survey.read_bytes()).hexdigest()
    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id,spend\n1,3\n")
    args = ["score", str(customers), "--train", str(survey), "--out", str(tmp_path / "s.csv")]
    assert main([*args, "--save-model", str(survey)]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert hashlib.sha256(survey.read_bytes()).hexdigest() == before
    assert not (tmp_path / "s.csv").exists()


def test_score_out_must_have_a_known_suffix(tmp_path, capsys):
    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id,spend\n1,3\n")
    model = tmp_path / "m.joblib"
    model.write_bytes(b"x")
    assert main(["score", str(model), str(customers), "--out", str(tmp_path / "x.json")]) == 2
    assert "'.json'" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("content", [None, "", "customer_id,spend\n"])
def test_score_bad_customer_files_exit_2(tmp_path, capsys, content):
    import joblib

    customers = tmp_path / "customers.csv"
    if content is not None:
        customers.write_text(content)
    model = tmp_path / "m.joblib"
    joblib.dump({"format": "cxlab-scorer/1"}, model)  # a scorer without metadata
    assert main(["score", str(model), str(customers)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cxlab score: ") and "Traceback" not in err


def test_score_train_without_save_model_leaves_no_temporary_folder(
    tmp_path, project_root, monkeypatch, capsys
):
    import tempfile
    import warnings

    from cxlab.errors import DataQualityWarning
    from cxlab.io import load_survey

    sample = Path(project_root) / "data" / "sample"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        survey = load_survey(sample / "banking.csv")
    customers = tmp_path / "customers.csv"
    survey.respondents.drop(columns=["recommend"]).head(30).to_csv(customers, index=False)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert main(["score", str(customers), "--train", str(sample / "banking.csv")]) == 0
    assert list(scratch.iterdir()) == []
    assert (tmp_path / "customers_scores.csv").is_file()


def _slow_notebook(path: Path) -> Path:
    """A report notebook that records where its kernel runs, then sleeps."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("output_dir = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import os, pathlib, time\n"
            "flag = pathlib.Path(os.environ['CXLAB_TEST_FLAGS']) / client.replace(' ', '_')\n"
            "flag.write_text(str(os.getpid()))\n"
            "time.sleep(300)"
        ),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(path))
    return path


def _start(args: list[str], tmp_path: Path):
    import os
    import subprocess
    import sys

    flags = tmp_path / "flags"
    flags.mkdir(exist_ok=True)
    env = dict(os.environ, CXLAB_TEST_FLAGS=str(flags))
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1])])
    proc = subprocess.Popen(
        [sys.executable, "-m", "cxlab.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, flags


def _wait_for_flags(flags: Path, n: int, proc, seconds: float = 120) -> list[int]:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [p for p in flags.iterdir() if p.read_text().strip()]
        if len(found) >= n:
            return [int(p.read_text()) for p in found]
        if proc.poll() is not None:
            raise AssertionError(f"ended early: {proc.communicate()}")
        time.sleep(0.3)
    proc.kill()
    raise AssertionError("the kernels never started")


def _gone(pid: int, seconds: float = 20) -> bool:
    import time

    import psutil

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.2)
    return False


def test_sigint_stops_cxlab_report_cleanly(tmp_path, project_root):
    import signal

    notebook = _slow_notebook(tmp_path / "slow.ipynb")
    params = client_file(tmp_path, Path(project_root), "Slow Bank")
    reports = tmp_path / "reports"
    proc, flags = _start(
        ["report", str(params), "--notebook", str(notebook), "--reports-dir", str(reports)],
        tmp_path,
    )
    (kernel,) = _wait_for_flags(flags, 1, proc)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=90)
    assert proc.returncode == 130
    assert "interrupted by SIGINT" in err and "kernel was ended" in err
    assert _gone(kernel)
    runs = list((reports / "slow-bank").iterdir())
    assert [p.name.endswith("-failed") for p in runs] == [True]  # no .tmp-* left
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["error"]["ename"] == "Interrupted"


def test_sigterm_stops_a_batch_its_workers_and_kernels_and_writes_a_summary(tmp_path, project_root):
    import signal

    import psutil

    notebook = _slow_notebook(tmp_path / "slow.ipynb")
    root = Path(project_root)
    files = [client_file(tmp_path, root, name) for name in ("Slow One", "Slow Two", "Slow Three")]
    reports = tmp_path / "reports"
    proc, flags = _start(
        ["batch", *map(str, files), "--workers", "2", "--notebook", str(notebook)]
        + ["--reports-dir", str(reports), "--no-progress"],
        tmp_path,
    )
    kernels = _wait_for_flags(flags, 2, proc)
    workers = [c.pid for c in psutil.Process(proc.pid).children() if c.pid not in kernels]
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted by SIGTERM" in err
    assert all(_gone(pid) for pid in kernels + workers)
    (batch,) = [p for p in (reports / "_batches").iterdir()]
    assert not batch.name.startswith(".tmp-")
    summary = json.loads((batch / "summary.json").read_text())
    assert [r["status"] for r in summary["runs"]] == ["interrupted"] * 3
    leftovers = [p for p in reports.rglob(".tmp-*")]
    assert leftovers == []
    for name in ("slow-one", "slow-two"):
        assert all(p.name.endswith("-failed") for p in (reports / name).iterdir())


def test_stale_temporary_folders_of_killed_runs_are_removed(tmp_path, project_root):
    import os
    import signal
    import subprocess
    import sys

    import psutil

    from cxlab.params import OWNER_MARKER
    from cxlab.report import remove_stale_runs, run_report

    notebook = _slow_notebook(tmp_path / "slow.ipynb")
    params = client_file(tmp_path, Path(project_root), "Slow Bank")
    reports = tmp_path / "reports"
    proc, flags = _start(
        ["report", str(params), "--notebook", str(notebook), "--reports-dir", str(reports)],
        tmp_path,
    )
    (kernel,) = _wait_for_flags(flags, 1, proc)
    proc.send_signal(signal.SIGKILL)  # killed: no clean-up possible
    proc.communicate(timeout=30)
    psutil.Process(kernel).kill()  # the orphaned kernel
    client = reports / "slow-bank"
    (stale,) = list(client.glob(".tmp-*"))
    # a live run's folder, another host's and one without an owner record are kept
    live = client / ".tmp-live"
    live.mkdir()
    (live / OWNER_MARKER).write_text(json.dumps({"pid": os.getpid(), "host": os.uname()[1]}))
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    other = client / ".tmp-other-host"
    other.mkdir()
    (other / OWNER_MARKER).write_text(json.dumps({"pid": int(dead), "host": "elsewhere"}))
    (client / ".tmp-unknown").mkdir()
    fast = tmp_path / "fast.ipynb"
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("output_dir = None", metadata={"tags": ["parameters"]})]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(fast))
    result = run_report(params, reports_dir=reports, notebook=fast)
    assert result.status == "ok"
    assert not stale.exists()
    assert live.exists() and other.exists() and (client / ".tmp-unknown").exists()
    assert remove_stale_runs(client) == []
    assert not (result.folder / OWNER_MARKER).exists()


def test_a_phone_numeric_swap_never_leaks_phone_numbers(tmp_path, project_root):
    """Codebook with the phone and spend columns swapped: the run fails in the notebook,
    and neither the -failed manifest, the executed notebook, the batch summary nor the
    console quotes a phone number."""
    import yaml

    root = Path(project_root)
    sample = root / "data" / "sample"
    spec = yaml.safe_load((sample / "banking_codebook.yaml").read_text())
    spec["respondent_items"]["spend"]["column"] = "phone"
    spec["personal_data"] = [c if c != "phone" else "spend" for c in spec["personal_data"]]
    codebook = tmp_path / "swapped_codebook.yaml"
    codebook.write_text(yaml.safe_dump(spec, sort_keys=False))
    params = tmp_path / "swapped.yaml"
    params.write_text(
        f"client: Swapped Bank\ndata_path: {sample / 'banking.csv'}\ncodebook: {codebook}\n"
        "min_base: 30\n"
    )
    phones = pd.read_csv(sample / "banking.csv", dtype=str)["phone"].dropna()
    reports = tmp_path / "reports"
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["batch", str(params), "--reports-dir", str(reports), "--no-progress"])
    assert code == 1
    (run,) = list((reports / "swapped-bank").iterdir())
    assert run.name.endswith("-failed")
    manifest = (run / "manifest.json").read_text()
    assert "text in a numeric column" in manifest and "'phone'" in manifest
    (batch,) = list((reports / "_batches").iterdir())
    texts = {
        "manifest": manifest,
        "notebook": (run / "client_report.ipynb").read_text(),
        "summary.csv": (batch / "summary.csv").read_text(),
        "summary.json": (batch / "summary.json").read_text(),
        "stderr": err.getvalue(),
    }
    digits = {"".join(ch for ch in p if ch.isdigit()) for p in phones}
    for name, text in texts.items():
        assert not any(p in text for p in phones), name
        assert not any(d in text for d in digits if len(d) >= 7), name


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
    cxbatch._run_one(("a.yaml", str(tmp_path), None, 30, None, None, "pptx", "/t/firm.pptx"))
    assert seen["formats"] == "pptx" and seen["template"] == "/t/firm.pptx"
    with pytest.raises(ParameterError, match="unknown format"):
        cxbatch.run_batch(["a.yaml"], formats="html,docx", progress=False)


def test_report_with_an_unknown_format_fails_before_a_kernel(tmp_path, project_root, capsys):
    sample = Path(project_root) / "data" / "sample" / "clients" / "sample.yaml"
    code = main(["report", str(sample), "--reports-dir", str(tmp_path), "--formats", "docx"])
    assert code == 1
    assert "--formats: unknown format(s) docx" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # no run folder


def test_the_report_process_goes_without_the_slow_optional_iri_grammar():
    """``cxlab report`` leaves out rfc3987_syntax (1.5 s at import); nbformat still
    reads and validates notebooks without it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from cxlab.cli import _skip_slow_optional_imports\n"
        "_skip_slow_optional_imports()\n"
        "import nbformat\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('x')])\n"
        "nbformat.validate(nb)\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"
