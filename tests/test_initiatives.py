"""cxlab.initiatives: the initiatives file, its rules, and the lenses it gives the event map."""

from __future__ import annotations

import pytest

from cxlab.errors import CxlabError, DataError, ParameterError
from cxlab.initiatives import (
    dependency_cycle,
    initiatives_from_records,
    load_initiatives,
    schedule_problems,
)

SAMPLE = "data/sample/banking_initiatives.yaml"


@pytest.fixture(scope="module")
def bank():
    from cxlab.datasets import load_sample

    return load_sample("banking")


def test_the_sample_file_loads_against_the_sample_survey(project_root, bank):
    path = f"{project_root}/{SAMPLE}"
    before = open(path, "rb").read()
    inits = load_initiatives(path, events=bank)
    assert open(path, "rb").read() == before  # input files are never modified
    assert inits.ids == ["crm", "contact_centre", "lending", "branch", "website", "statements"]
    assert inits.settings == {
        "phases": 4,
        "phase_years": 1.0,
        "budget_per_phase": 2_500_000.0,
        "max_parallel": 2,
    }
    row = inits.table.set_index("initiative").loc["contact_centre"]
    assert row["depends_on"] == ("crm",) and row["enabled_events"] == ("resolve_issue",)
    assert row["duration"] == 2 and row["cost"] == 3_000_000
    assert set(inits.enabled_events) <= set(bank.events["event_id"])
    assert list(inits.summary().columns)[:3] == ["initiative", "id", "cost"]


def test_lenses_come_from_the_file_for_enabled_events_and_the_codebook_otherwise(bank):
    inits = initiatives_from_records(
        [
            {"id": "a", "name": "Alpha", "cost": 1, "duration": 1, "capability": "Cap A",
             "enables": ["resolve_issue", "open_checking"]},
            {"id": "b", "name": "Beta", "cost": 1, "duration": 1, "capability": "Cap B",
             "enables": ["resolve_issue"]},
        ],
        events=bank,
    )  # fmt: skip
    out = inits.lenses(bank.events).set_index("event_id")
    assert out.at["resolve_issue", "lens_initiative"] == "Alpha + Beta"
    assert out.at["resolve_issue", "lens_capability"] == "Cap A + Cap B"
    assert out.at["open_checking", "lens_initiative"] == "Alpha"
    codebook = bank.events.set_index("event_id")
    assert (
        out.at["monthly_statement", "lens_initiative"]
        == codebook.at["monthly_statement", "lens_initiative"]
    )
    assert out.at["monthly_statement", "lens_source"] == "codebook"
    assert out.at["open_checking", "lens_source"] == "initiatives file"
    assert "lens_source" not in bank.events.columns  # a copy


def test_every_problem_of_a_yaml_file_is_reported_together(tmp_path, bank):
    path = tmp_path / "inits.yaml"
    path.write_text(
        """
initiatives:
  - id: a
    cost: -5
    duration: 1.5
    enables: [no_such_event]
  - id: a
    cost: ten
    duration: 1
  - id: c
    duration: 1
    colour: red
  - id: d
    cost: 1
    duration: 1
    depends_on: [zz]
"""
    )
    with pytest.raises(DataError) as err:
        load_initiatives(path, events=bank)
    text = str(err.value)
    assert str(path) in text
    for piece in (
        "initiatives[0] (id 'a').cost: cost must be a finite number >= 0",
        "initiatives[0] (id 'a').duration: duration must be a whole number of phases",
        "unknown event(s) 'no_such_event'",
        "id 'a' is given twice",
        "initiatives[1] (id 'a').cost",
        "initiatives[2] (id 'c'): missing required key 'cost'",
        "unknown key 'colour'",
        "depends on unknown initiative 'zz'",
    ):
        assert piece in text, piece
    assert len(err.value.problems) == 8


def test_a_dependency_cycle_is_named(tmp_path):
    path = tmp_path / "cycle.yaml"
    path.write_text(
        "- {id: a, cost: 1, duration: 1, depends_on: [c]}\n"
        "- {id: b, cost: 1, duration: 1, depends_on: [a]}\n"
        "- {id: c, cost: 1, duration: 1, depends_on: [b]}\n"
        "- {id: d, cost: 1, duration: 1}\n"
    )
    with pytest.raises(CxlabError, match=r"dependency cycle a -> c -> b -> a") as err:
        load_initiatives(path)
    assert str(path) in str(err.value)
    with pytest.raises(DataError, match="cannot depend on itself"):
        initiatives_from_records([{"id": "a", "cost": 1, "duration": 1, "depends_on": ["a"]}])


def test_dependency_cycle_finds_cycles_and_only_cycles():
    assert dependency_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert dependency_cycle({"a": [], "b": ["a"], "c": ["a", "b"]}) is None
    assert dependency_cycle({"a": ["x"]}) is None  # unknown ids are not a cycle
    cyc = dependency_cycle({"r": ["s"], "s": ["t"], "t": ["s"]})
    assert cyc == ["s", "t", "s"]


def test_csv_rows_are_named_by_file_line(tmp_path, bank):
    path = tmp_path / "inits.csv"
    path.write_text(
        "id,name,cost,duration,capability,enables,depends_on\n"
        "crm,CRM,1000,1,Data,,\n"
        "cc,Contact centre,1e4,2,Contact,resolve_issue;branch_service,crm\n"
        "web,Website,lots,1,Digital,compare_options|setup_online,\n"
    )
    with pytest.raises(DataError) as err:
        load_initiatives(path, events=bank)
    assert f"{path}: column 'cost', row 4: cost must be a finite number" in str(err.value)
    path.write_text(path.read_text().replace("lots", "500"))
    inits = load_initiatives(path, events=bank)
    t = inits.table.set_index("initiative")
    assert t.at["cc", "enabled_events"] == ("resolve_issue", "branch_service")
    assert t.at["web", "enabled_events"] == ("compare_options", "setup_online")
    assert t.at["cc", "cost"] == 10_000 and t.at["crm", "enabled_events"] == ()
    assert t.at["cc", "location"] == "line 3" and inits.settings == {}
    path.write_text("id,cost,duration,enabls\nx,1,1,e\n")
    with pytest.raises(DataError, match=r"'enabls' \(did you mean 'enables'\?\)"):
        load_initiatives(path)


def test_settings_are_checked(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "phases: 0\nbudget_per_phase: [1, -2]\nmax_parallel: 1.5\nbudget_per_phse: 3\n"
        "initiatives:\n  - {id: a, cost: 1, duration: 1}\n"
    )
    with pytest.raises(DataError) as err:
        load_initiatives(path)
    text = str(err.value)
    assert "phases: must be a whole number of phases >= 1" in text
    assert "budget_per_phase: budget_per_phase must be a finite number >= 0" in text
    assert "max_parallel: max_parallel must be a whole number >= 1" in text
    assert "budget_per_phse: unknown setting (did you mean 'budget_per_phase'?)" in text
    path.write_text(
        "phases: 3\nbudget_per_phase: [1, 2]\ninitiatives: [{id: a, cost: 1, duration: 1}]"
    )
    with pytest.raises(DataError, match=r"one number or one per phase \(3\), got 2"):
        load_initiatives(path)


def test_an_initiative_costing_more_than_any_phase_can_spend_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(
        "phases: 3\nbudget_per_phase: [100, 250, 100]\ninitiatives:\n"
        "  - {id: small, cost: 100, duration: 1}\n"
        "  - {id: platform, cost: 600, duration: 2}\n"  # 300 a phase > 250
        "  - {id: long, cost: 10, duration: 4}\n"
    )
    with pytest.raises(DataError) as err:
        load_initiatives(path)
    text = str(err.value)
    assert "initiative 'platform' costs 600 over 2 phase(s), 300 a phase: more than any " \
        "phase's budget (at most 250)" in text  # fmt: skip
    assert "initiative 'long' lasts 4 phases, longer than the plan (3 phases)" in text


def test_a_dependency_chain_that_cannot_end_in_time_is_named():
    inits = initiatives_from_records(
        [
            {"id": "a", "cost": 1, "duration": 2},
            {"id": "b", "cost": 1, "duration": 1, "depends_on": ["a"]},
            {"id": "c", "cost": 1, "duration": 2, "depends_on": ["b"]},
        ]
    )
    problems = schedule_problems(inits.table, 4, None, None)
    assert problems == [
        "initiative 'c' cannot end within 4 phases: its dependency chain a -> b -> c cannot "
        "be fitted (durations, budgets) in time"
    ]
    assert schedule_problems(inits.table, 5, None, None) == []


def test_other_suffixes_and_missing_files_are_clear(tmp_path):
    with pytest.raises(DataError, match="initiatives file not found"):
        load_initiatives(tmp_path / "nope.yaml")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(ParameterError, match=r"YAML \(.yaml\) or CSV"):
        load_initiatives(tmp_path / "x.json")
    (tmp_path / "y.yaml").write_text("phases: 4\n")
    with pytest.raises(DataError, match="a mapping with 'initiatives:'"):
        load_initiatives(tmp_path / "y.yaml")
    (tmp_path / "z.yaml").write_text("initiatives: []\n")
    with pytest.raises(DataError, match="no initiatives given"):
        load_initiatives(tmp_path / "z.yaml")
