"""Report parameters: names, types, safe client names and paths."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from cxlab import params as cxparams
from cxlab.errors import ParameterError
from cxlab.params import PARAMETERS, client_slug, load_params, reports_root, validate


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("CXLAB_ROOT", "CXLAB_REPORTS_DIR", "CXLAB_OUTPUT_DIR"):
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, text: str, name: str = "client.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_parameter_file_is_valid(project_root, clean_env):
    p = load_params(Path(project_root) / "data/sample/clients/sample.yaml")
    assert p.client == "Sample Bank"
    assert p.slug == "sample-bank"
    assert p.data_path == Path(project_root) / "data/sample/banking.csv"
    assert p.data_path.is_file() and p.codebook.is_file() and p.weighting_targets.is_file()
    assert p.executive_data.is_file() and p.output_dir is None


def test_every_shipped_client_file_is_valid(project_root, clean_env):
    files = sorted((Path(project_root) / "data/sample/clients").glob("*.yaml"))
    assert len(files) >= 2
    slugs = [load_params(f).slug for f in files]
    assert len(set(slugs)) == len(slugs)


def test_paths_resolve_from_project_root_not_cwd(tmp_path, monkeypatch, project_root, clean_env):
    monkeypatch.chdir(tmp_path)  # a folder outside the project
    p = validate({"data_path": "data/sample/banking.csv"}, root=Path(project_root))
    assert p.data_path == Path(project_root) / "data/sample/banking.csv"


def test_project_root_walks_up_and_honours_env(tmp_path, monkeypatch, project_root, clean_env):
    notebooks = Path(project_root) / "notebooks"
    assert cxparams.project_root(notebooks) == Path(project_root)
    monkeypatch.setenv("CXLAB_ROOT", str(tmp_path))
    assert cxparams.project_root() == tmp_path.resolve()


def test_unknown_parameter_names_the_key_and_suggests(tmp_path, clean_env):
    path = write(tmp_path, "client: Acme\nmin_bsae: 50\n")
    with pytest.raises(ParameterError) as err:
        load_params(path, check_files=False)
    assert err.value.location == "min_bsae"
    assert err.value.file == str(path)
    assert "min_base" in str(err.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("min_base: '30'", "min_base"),
        ("min_base: true", "min_base"),
        ("min_base: 0", "min_base"),
        ("seed: 1.5", "seed"),
        ("client: 7", "client"),
        ("segment_filter: [UK]", "segment_filter"),
        ("weighting_targets: 3", "weighting_targets"),
    ],
)
def test_wrong_types_are_refused(tmp_path, clean_env, text, key):
    with pytest.raises(ParameterError) as err:
        load_params(write(tmp_path, text + "\n"), check_files=False)
    assert err.value.location == key


@pytest.mark.parametrize(
    "name", ["../evil", "a/b", "..", "/etc", "a\\b", "x" * 81, "", " lead", "a;rm -rf"]
)
def test_unsafe_client_names_are_refused(tmp_path, clean_env, name):
    with pytest.raises(ParameterError) as err:
        validate({"client": name}, check_files=False, file="c.yaml")
    assert err.value.location == "client"
    assert err.value.file == "c.yaml"


def test_client_slug_is_folder_safe():
    assert client_slug("Acme Bank (UK)") == "acme-bank-uk"
    assert client_slug("O'Brien & Sons") == "o-brien-sons"
    assert "/" not in client_slug("a.b_c") and client_slug("a.b_c") == "a-b-c"


def test_output_dir_must_stay_inside_reports(tmp_path, project_root, clean_env):
    root = Path(project_root)
    inside = validate({"output_dir": "reports/acme/run1"}, check_files=False, root=root)
    assert inside.output_dir == root / "reports/acme/run1"
    for escape in ("reports/../data", "/tmp/elsewhere", "../reports/x"):
        with pytest.raises(ParameterError) as err:
            validate({"output_dir": escape}, check_files=False, root=root)
        assert err.value.location == "output_dir"


def test_output_dir_follows_symlinks_out_of_reports(tmp_path, monkeypatch, clean_env):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "link").symlink_to(tmp_path / "outside", target_is_directory=True)
    monkeypatch.setenv("CXLAB_REPORTS_DIR", str(reports))
    with pytest.raises(ParameterError):
        validate({"output_dir": str(reports / "link" / "run")}, check_files=False, root=tmp_path)
    assert reports_root(tmp_path) == reports.resolve()


def test_missing_input_file_is_named(tmp_path, clean_env):
    path = write(tmp_path, "data_path: data/nope.csv\n")
    with pytest.raises(ParameterError) as err:
        load_params(path)
    assert err.value.location == "data_path" and "nope.csv" in str(err.value)


def test_segment_filter_is_normalised_and_checked(clean_env):
    p = validate(
        {"segment_filter": {"country": "UK", "age_band": ["18-29", "30-44"]}}, check_files=False
    )
    assert p.segment_filter == {"country": ["UK"], "age_band": ["18-29", "30-44"]}
    with pytest.raises(ParameterError) as err:
        validate({"segment_filter": {"country; drop": "UK"}}, check_files=False)
    assert err.value.location == "segment_filter"
    with pytest.raises(ParameterError) as err:
        validate({"segment_filter": {"country": [{"a": 1}]}}, check_files=False)
    assert err.value.location == "segment_filter.country"


def test_notebook_namespace_ignores_modules_functions_and_private_names(clean_env):
    namespace = {
        "client": "Acme",
        "pd": types.ModuleType("pandas"),
        "display": print,
        "_": "last output",
        "In": [],
        "get_ipython": lambda: None,
        "P": object(),
    }
    assert validate(namespace, check_files=False).client == "Acme"
    namespace["typo_param"] = 5
    with pytest.raises(ParameterError) as err:
        validate(namespace, check_files=False)
    assert err.value.location == "typo_param"


def test_output_dir_from_runner_environment(monkeypatch, project_root, clean_env):
    target = Path(project_root) / "reports" / "x" / ".tmp-1"
    monkeypatch.setenv("CXLAB_OUTPUT_DIR", str(target))
    assert validate({}, check_files=False).output_dir == target


def test_defaults_match_the_schema_and_are_valid(clean_env):
    p = validate({}, check_files=True)  # defaults point at the bundled sample data
    for name, (_types, _kind, default, _doc) in PARAMETERS.items():
        assert p.raw[name] == default
    assert p.as_dict()["data_path"].endswith("banking.csv")


def test_non_mapping_and_bad_yaml_files(tmp_path, clean_env):
    with pytest.raises(ParameterError, match="mapping"):
        load_params(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ParameterError, match="YAML"):
        load_params(write(tmp_path, "client: [unclosed\n"))
    with pytest.raises(ParameterError, match="cannot read"):
        load_params(tmp_path / "missing.yaml")


def test_notebook_parameters_cell_matches_the_schema(project_root):
    """The report notebook declares exactly the validated parameters, same defaults."""
    import papermill as pm

    nb = Path(project_root) / "notebooks" / "client_report.ipynb"
    declared = pm.inspect_notebook(str(nb))
    assert set(declared) == set(PARAMETERS)
    import ast

    for name, spec in declared.items():
        assert ast.literal_eval(spec["default"]) == PARAMETERS[name][2], name


def test_output_dir_of_an_existing_run_is_refused(tmp_path, monkeypatch, clean_env):
    """Issue 12, item 2: `papermill ... -p output_dir reports/acme/<finished run>`."""
    from cxlab.params import OWNER_MARKER

    reports = tmp_path / "reports"
    run = reports / "acme" / "20261123T101500Z-3f9a1c00"
    (run / "tables").mkdir(parents=True)
    (run / "manifest.json").write_text("{}")
    monkeypatch.setenv("CXLAB_REPORTS_DIR", str(reports))
    with pytest.raises(ParameterError, match="never writes into an earlier run") as err:
        validate({"output_dir": str(run)}, check_files=False, root=tmp_path)
    assert err.value.location == "output_dir"
    fresh = reports / "acme" / ".tmp-new"
    fresh.mkdir()
    (fresh / OWNER_MARKER).write_text("{}")  # the runner's own fresh folder is accepted
    assert validate({"output_dir": str(fresh)}, check_files=False, root=tmp_path).output_dir
    (reports / "acme" / "afile").write_text("x")
    with pytest.raises(ParameterError, match="is a file"):
        validate({"output_dir": str(reports / "acme" / "afile")}, check_files=False, root=tmp_path)
