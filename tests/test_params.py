"""Report parameters: names, types, safe client names and paths."""

from __future__ import annotations

import os
import types
from pathlib import Path

import pytest

from cxlab import params as cxparams
from cxlab.errors import ParameterError
from cxlab.params import (
    PARAMETERS,
    RUN_PARAMETERS,
    client_slug,
    load_params,
    notebook_values,
    reports_root,
    validate,
)


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("CXLAB_ROOT", "CXLAB_REPORTS_DIR", "CXLAB_OUTPUT_DIR"):
        monkeypatch.delenv(name, raising=False)


REQUIRED = {"client": "Acme", "data_path": "data/sample/banking.csv",
            "codebook": "data/sample/banking_codebook.yaml"}  # fmt: skip
HEAD = "".join(f"{k}: {v}\n" for k, v in REQUIRED.items())


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
    p = validate({**REQUIRED, "data_path": "data/sample/banking.csv"}, root=Path(project_root))
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
        ("customer_base: 0", "customer_base"),
        ("customer_base: -5", "customer_base"),
        ("customer_base: '100k'", "customer_base"),
        ("currency: ''", "currency"),
        ("currency: 'a very long currency name'", "currency"),
        ("currency: 3", "currency"),
        ("horizon_years: 0", "horizon_years"),
        ("horizon_years: 2.5", "horizon_years"),
        ("horizon_years: 99", "horizon_years"),
        ("discount_rate: 1.2", "discount_rate"),
        ("discount_rate: -0.1", "discount_rate"),
        ("discount_rate: '8%'", "discount_rate"),
    ],
)
def test_wrong_types_are_refused(tmp_path, clean_env, text, key):
    with pytest.raises(ParameterError) as err:
        load_params(write(tmp_path, HEAD + text + "\n"), check_files=False)
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


def test_output_dir_must_stay_inside_reports(tmp_path, monkeypatch, project_root, clean_env):
    root = Path(project_root)
    monkeypatch.chdir(root)  # the reports folder is ./reports of the working directory
    inside = validate({**REQUIRED, "output_dir": "reports/acme/run1"}, check_files=False, root=root)
    assert inside.output_dir == root / "reports/acme/run1"
    for escape in ("reports/../data", "/tmp/elsewhere", "../reports/x"):
        with pytest.raises(ParameterError) as err:
            validate({**REQUIRED, "output_dir": escape}, check_files=False, root=root)
        assert err.value.location == "output_dir"
    monkeypatch.chdir(tmp_path)  # elsewhere, the repository's reports/ is outside
    with pytest.raises(ParameterError, match="outside the reports folder"):
        validate({"output_dir": str(root / "reports/acme/run1")}, check_files=False, root=root)


def test_output_dir_follows_symlinks_out_of_reports(tmp_path, monkeypatch, clean_env):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "link").symlink_to(tmp_path / "outside", target_is_directory=True)
    monkeypatch.setenv("CXLAB_REPORTS_DIR", str(reports))
    with pytest.raises(ParameterError):
        validate(
            {**REQUIRED, "output_dir": str(reports / "link" / "run")},
            check_files=False,
            root=tmp_path,
        )
    assert reports_root(tmp_path) == reports.resolve()


def test_missing_input_file_is_named(tmp_path, clean_env):
    path = write(tmp_path, "client: Acme\ncodebook: c.yaml\ndata_path: data/nope.csv\n")
    with pytest.raises(ParameterError) as err:
        load_params(path)
    assert err.value.location == "data_path" and "nope.csv" in str(err.value)


def test_segment_filter_is_normalised_and_checked(clean_env):
    p = validate(
        {**REQUIRED, "segment_filter": {"country": "UK", "age_band": ["18-29", "30-44"]}},
        check_files=False,
    )
    assert p.segment_filter == {"country": ["UK"], "age_band": ["18-29", "30-44"]}
    with pytest.raises(ParameterError) as err:
        validate({**REQUIRED, "segment_filter": {"country; drop": "UK"}}, check_files=False)
    assert err.value.location == "segment_filter"
    with pytest.raises(ParameterError) as err:
        validate({**REQUIRED, "segment_filter": {"country": [{"a": 1}]}}, check_files=False)
    assert err.value.location == "segment_filter.country"


def test_notebook_namespace_ignores_modules_functions_and_private_names(clean_env):
    namespace = {
        **REQUIRED,
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
    assert validate(REQUIRED, check_files=False).output_dir == target


def test_defaults_match_the_schema_and_are_valid(clean_env):
    p = validate(REQUIRED, check_files=True)
    for name, (_types, _kind, default, _doc) in PARAMETERS.items():
        assert p.raw[name] == (REQUIRED[name] if name in REQUIRED else default)
    assert p.as_dict()["data_path"].endswith("banking.csv")


def test_no_optional_parameter_defaults_to_a_file_or_a_client_figure():
    """Left out means "not given": no sample file, customer base or currency by default."""
    for name, (_types, kind, default, _doc) in PARAMETERS.items():
        if kind == "path" or name in ("customer_base", "currency", "industry"):
            assert default is None, name
    assert set(cxparams.REQUIRED) == {"client", "data_path", "codebook"}
    for name in cxparams.REQUIRED:
        assert PARAMETERS[name][2] is None


def test_missing_required_parameters_are_listed_together(tmp_path, clean_env):
    with pytest.raises(ParameterError) as err:
        load_params(write(tmp_path, "min_base: 40\n"), check_files=False)
    for name in ("client", "data_path", "codebook"):
        assert name in str(err.value)
    assert err.value.file is not None
    with pytest.raises(ParameterError, match="missing required parameter.*data_path, codebook"):
        load_params(write(tmp_path, "client: Acme\n"), check_files=False)
    with pytest.raises(ParameterError, match="codebook"):
        validate({"client": "Acme", "data_path": "x.csv", "codebook": None}, check_files=False)


def test_an_empty_parameter_file_does_not_run_the_sample(tmp_path, clean_env):
    with pytest.raises(ParameterError, match="client, data_path, codebook"):
        load_params(write(tmp_path, ""))


def test_value_case_parameters_are_converted(clean_env):
    p = validate(
        {**REQUIRED, "customer_base": 250000, "currency": "EUR", "discount_rate": 0},
        check_files=False,
    )
    assert p.customer_base == 250000.0 and isinstance(p.customer_base, float)
    assert p.currency == "EUR" and p.discount_rate == 0.0 and p.horizon_years == 3


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
        value = ast.literal_eval(spec["default"])
        if name in cxparams.REQUIRED:  # the sample values, so the notebook runs on its own
            assert isinstance(value, str) and value, name
            assert "required" in spec["help"], name
        else:
            assert value == PARAMETERS[name][2], name


# ------------------------------------------------- paths relative to the parameter file
def _project(tmp_path: Path) -> Path:
    """A research project: data/, codebooks/, clients/acme.yaml naming them relatively."""
    proj = tmp_path / "proj"
    for folder, name in (("data", "survey.csv"), ("codebooks", "survey_codebook.yaml")):
        (proj / folder).mkdir(parents=True)
        (proj / folder / name).write_text("x\n", encoding="utf-8")
    (proj / "clients").mkdir()
    return write(
        proj / "clients",
        "client: Acme\n"
        "data_path: ../data/survey.csv\n"
        "codebook: ../codebooks/survey_codebook.yaml\n"
        "weighting_targets: null\n"
        "improvement_costs: null\n",
        name="acme.yaml",
    )


@pytest.mark.parametrize("cwd", ["proj", "clients", "elsewhere"])
def test_relative_paths_resolve_from_the_parameter_files_folder(
    tmp_path, monkeypatch, clean_env, cwd
):
    params_file = _project(tmp_path)
    proj = params_file.parent.parent
    where = {"proj": proj, "clients": proj / "clients", "elsewhere": tmp_path / "elsewhere"}
    where[cwd].mkdir(exist_ok=True)
    monkeypatch.chdir(where[cwd])
    relative = os.path.relpath(params_file, where[cwd])  # named as the user would type it
    p = load_params(relative)
    assert p.data_path == proj / "data" / "survey.csv"
    assert p.codebook == proj / "codebooks" / "survey_codebook.yaml"
    assert p.base == proj / "clients"
    assert p.raw["data_path"] == "../data/survey.csv"  # kept as written, for the manifest


def test_a_relative_path_is_not_looked_up_from_the_working_directory(
    tmp_path, monkeypatch, clean_env
):
    params_file = _project(tmp_path)
    proj = params_file.parent.parent
    monkeypatch.chdir(proj)  # proj/data/survey.csv exists, relative to the working directory
    text = params_file.read_text().replace("../data/survey.csv", "data/survey.csv")
    params_file.write_text(text)
    with pytest.raises(ParameterError) as err:
        load_params(params_file)
    assert err.value.location == "data_path"
    assert str(proj / "clients" / "data" / "survey.csv") in str(err.value)


def test_notebook_values_are_absolute_inputs_without_run_parameters(tmp_path, clean_env):
    params_file = _project(tmp_path)
    params_file.write_text(params_file.read_text() + "reports_dir: ../out\nmin_base: 40\n")
    p = load_params(params_file)
    values = notebook_values(p)
    assert set(values) == set(PARAMETERS)  # what the notebook declares, nothing else
    assert values["data_path"] == str(p.data_path) and Path(values["data_path"]).is_absolute()
    assert values["codebook"] == str(p.codebook)
    assert values["weighting_targets"] is None and values["min_base"] == 40
    assert values["client"] == "Acme"
    # the notebook's own validate() of these values finds the same files, from anywhere
    again = validate(values, root=tmp_path / "unrelated")
    assert again.data_path == p.data_path and again.codebook == p.codebook


def test_reports_folder_default_env_and_parameter(tmp_path, monkeypatch, clean_env):
    params_file = _project(tmp_path)
    proj = params_file.parent.parent
    monkeypatch.chdir(tmp_path)
    assert load_params(params_file).reports_dir == tmp_path / "reports"  # ./reports
    assert reports_root() == tmp_path / "reports"
    monkeypatch.setenv("CXLAB_REPORTS_DIR", str(tmp_path / "env"))
    assert load_params(params_file).reports_dir == tmp_path / "env"  # the runner's, in a kernel
    params_file.write_text(params_file.read_text() + "reports_dir: ../reports\n")
    p = load_params(params_file)
    assert p.reports_dir == proj / "reports"  # relative to the file, like every path
    assert p.raw["reports_dir"] == "../reports"
    inside = validate(
        {**REQUIRED, "reports_dir": "reports", "output_dir": "reports/acme/r1"},
        base=proj,
        check_files=False,
    )  # the parameter wins over the environment
    assert inside.output_dir == proj / "reports" / "acme" / "r1"
    with pytest.raises(ParameterError) as err:
        validate(
            {**REQUIRED, "reports_dir": "../reports", "output_dir": "/tmp/x"},
            base=proj / "clients",
            check_files=False,
        )
    assert err.value.location == "output_dir"


def test_reports_dir_must_be_a_usable_folder(tmp_path, clean_env):
    (tmp_path / "afile").write_text("x")
    for bad, match in (("afile", "not a folder"), ("", "usable"), (3, "expected")):
        with pytest.raises(ParameterError, match=match) as err:
            validate({"reports_dir": bad}, base=tmp_path, check_files=False)
        assert err.value.location == "reports_dir"
    assert "reports_dir" in RUN_PARAMETERS and "reports_dir" not in PARAMETERS


def test_a_misspelt_reports_dir_is_caught(tmp_path, clean_env):
    with pytest.raises(ParameterError, match="did you mean 'reports_dir'"):
        load_params(write(tmp_path, "reprts_dir: out\n"), check_files=False)


def test_shipped_sample_files_name_their_inputs_relative_to_themselves(project_root):
    for path in sorted((Path(project_root) / "data/sample/clients").glob("*.yaml")):
        import yaml

        values = yaml.safe_load(path.read_text())
        for name, (_types, kind, _default, _doc) in PARAMETERS.items():
            value = values.get(name)
            if kind == "path" and isinstance(value, str):
                assert not Path(value).is_absolute(), (path.name, name)
                assert not value.startswith("data/sample"), (path.name, name)
                assert (path.parent / value).is_file(), (path.name, name)


def test_output_dir_of_an_existing_run_is_refused(tmp_path, monkeypatch, clean_env):
    """Issue 12, item 2: `papermill ... -p output_dir reports/acme/<finished run>`."""
    from cxlab.params import OWNER_MARKER

    reports = tmp_path / "reports"
    run = reports / "acme" / "20261123T101500Z-3f9a1c00"
    (run / "tables").mkdir(parents=True)
    (run / "manifest.json").write_text("{}")
    monkeypatch.setenv("CXLAB_REPORTS_DIR", str(reports))
    with pytest.raises(ParameterError, match="never writes into an earlier run") as err:
        validate({**REQUIRED, "output_dir": str(run)}, check_files=False, root=tmp_path)
    assert err.value.location == "output_dir"
    fresh = reports / "acme" / ".tmp-new"
    fresh.mkdir()
    (fresh / OWNER_MARKER).write_text("{}")  # the runner's own fresh folder is accepted
    assert validate(
        {**REQUIRED, "output_dir": str(fresh)}, check_files=False, root=tmp_path
    ).output_dir
    (reports / "acme" / "afile").write_text("x")
    with pytest.raises(ParameterError, match="is a file"):
        validate(
            {**REQUIRED, "output_dir": str(reports / "acme" / "afile")},
            check_files=False,
            root=tmp_path,
        )


def test_formats_and_template_are_run_parameters(tmp_path, clean_env):
    assert {"formats", "template"} <= set(RUN_PARAMETERS)
    assert not {"formats", "template"} & set(PARAMETERS)
    (tmp_path / "firm.pptx").write_bytes(b"PK")
    f = write(tmp_path, HEAD + "formats: pdf,pptx\ntemplate: firm.pptx\n")
    p = load_params(f, check_files=False)
    assert p.formats == ("html", "pptx", "pdf")  # html always, in a fixed order
    assert p.template == tmp_path / "firm.pptx"  # relative to the parameter file
    assert "formats" not in notebook_values(p) and "template" not in notebook_values(p)
    assert load_params(write(tmp_path, HEAD + "formats: [pptx]\n"), check_files=False).formats == (
        "html",
        "pptx",
    )
    assert load_params(write(tmp_path, HEAD), check_files=False).formats == ("html",)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("formats: docx\n", "unknown format"),
        ("formats: [pptx, 3]\n", "formats are names"),
        ("formats: 5\n", "expected str or list"),
        ("template: firm.potx\n", "PowerPoint .pptx"),
        ("template: missing.pptx\n", "file not found"),
    ],
)
def test_bad_formats_and_templates_name_the_parameter(tmp_path, clean_env, text, rule):
    with pytest.raises(ParameterError, match=rule) as err:
        load_params(write(tmp_path, HEAD + text))
    assert err.value.location in ("formats", "template")


def test_parse_formats():
    assert cxparams.parse_formats(" PDF ,html") == ("html", "pdf")
    assert cxparams.parse_formats(None) == ("html",)
    with pytest.raises(ParameterError, match="--formats"):
        cxparams.parse_formats("pptx,odp", location="--formats")
