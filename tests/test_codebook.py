"""The codebook: validation with the YAML location of every problem."""

from __future__ import annotations

import copy

import pytest
import yaml

from cxlab.codebook import DEFAULT_STAGES, Codebook
from cxlab.errors import CodebookError
from cxlab.synth.consumer import _codebook_dict


@pytest.fixture()
def spec():
    return _codebook_dict("banking")


def test_sample_codebook_loads(project_root):
    cb = Codebook.load(f"{project_root}/data/sample/banking_codebook.yaml")
    assert cb.respondent_id == "resp_id"
    assert len(cb.events) == 7
    assert cb.stages == DEFAULT_STAGES
    assert cb.respondent_items["recommend"].scale.min == 0
    assert cb.events[0].items["satisfaction"].scale.max == 10
    assert cb.personal_data == ("name", "email", "phone", "comment")
    assert 98.0 in cb.events[0].items["efficiency"].missing_codes


def test_round_trip(tmp_path, spec):
    cb = Codebook.from_dict(spec)
    path = cb.save(tmp_path / "cb.yaml")
    again = Codebook.load(path)
    assert again.events == cb.events
    assert again.respondent_items == cb.respondent_items


def test_short_item_form_and_custom_stages():
    cb = Codebook.from_dict(
        {
            "respondent_id": "id",
            "stages": ["Join", "Use"],
            "events": [
                {
                    "id": "e",
                    "stage": "Use",
                    "items": {"satisfaction": "q1", "dignity": {"column": "q2", "reverse": True}},
                }
            ],
        }
    )
    assert cb.stages == ("Join", "Use")
    assert cb.events[0].items["dignity"].reverse is True
    assert cb.events[0].items["satisfaction"].column == "q1"


@pytest.mark.parametrize(
    ("mutate", "location", "words"),
    [
        (lambda d: d.pop("respondent_id"), "respondent_id", "required"),
        (
            lambda d: d["events"][1]["items"].update(speediness="x"),
            "events[1].items.speediness",
            "unknown item",
        ),
        (
            lambda d: d["events"][2].update(stage="Dream"),
            "events[2].stage",
            "not one of the codebook stages",
        ),
        (lambda d: d["events"][3].update(id=d["events"][0]["id"]), "events[3]", "appears twice"),
        (lambda d: d.update(colour="red"), "codebook", "unknown key"),
        (
            lambda d: d["events"][0]["lenses"].update(driver="happiness"),
            "events[0].lenses.driver",
            "must be one of",
        ),
        (lambda d: d["scales"].update(bad={"min": 5, "max": 1}), "scales.bad", "below max"),
        (
            lambda d: d["events"][0]["items"].update(efficiency={"column": "q9", "scale": "stars"}),
            "events[0].items.efficiency.scale",
            "unknown scale",
        ),
        (
            lambda d: d["events"][1]["items"].update(
                satisfaction=d["events"][0]["items"]["satisfaction"]
            ),
            "events[1].items.satisfaction",
            "mapped twice",
        ),
        (lambda d: d.update(missing_codes=["DK"]), "missing_codes", "must be numbers"),
        (lambda d: d.update(events=[]), "events", "non-empty"),
        (
            lambda d: d["respondent_items"]["complained"].update(reverse=True),
            "respondent_items.complained.reverse",
            "only rating items",
        ),
    ],
)
def test_invalid_codebooks_name_their_location(spec, mutate, location, words):
    broken = copy.deepcopy(spec)
    mutate(broken)
    with pytest.raises(CodebookError) as info:
        Codebook.from_dict(broken, source="client.yaml")
    message = str(info.value)
    assert message.startswith("client.yaml: ")
    assert location in message
    assert words in message


def test_yaml_syntax_error_names_line(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text("respondent_id: id\nevents: [\n  {id: a, stage: Pay\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"cb.yaml: line \d+, column \d+: not valid YAML"):
        Codebook.load(path)


def test_missing_codebook_file(tmp_path):
    with pytest.raises(CodebookError, match="codebook file not found"):
        Codebook.load(tmp_path / "nope.yaml")


def test_extra_attributes_can_be_declared():
    cb = Codebook.from_dict(
        {
            "respondent_id": "id",
            "attributes": {"emotive": ["courtesy", "dignity"]},
            "events": [{"id": "e", "stage": "Pay", "items": {"courtesy": "q1"}}],
        }
    )
    assert cb.emotive_attributes == ("courtesy", "dignity")


def test_codebook_yaml_is_plain(project_root):
    # the sample codebook is readable YAML a researcher can edit by hand
    text = open(f"{project_root}/data/sample/automotive_codebook.yaml", encoding="utf-8").read()
    assert yaml.safe_load(text)["industry"] == "automotive"


def test_a_codebook_path_that_is_a_folder_is_a_codebook_error(tmp_path):
    from cxlab.errors import CodebookError

    with pytest.raises(CodebookError, match="got a folder"):
        Codebook.load(tmp_path)
