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
        # rule changed (issue 11): respondent_id may be left out, but must be a column name
        (lambda d: d.update(respondent_id=["a", "b"]), "respondent_id", "one column name"),
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
        # rule changed (issue 11): a column may feed several items, never personal data
        (
            lambda d: d["personal_data"].append(d["events"][0]["items"]["satisfaction"]),
            "personal_data",
            "also mapped as an item at events[0].items.satisfaction",
        ),
        (lambda d: d.update(missing_codes=["DK"]), "missing_codes", "must be numbers"),
        # rule changed (issue 11): events may be absent or [], but must be a list
        (lambda d: d.update(events="pay_bill"), "events", "must be a list"),
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


# ------------------------------------------------------------ issue 11: real files
def _minimal(**extra):
    spec = {"respondent_items": {"overall": {"column": "q1", "type": "rating"}}}
    spec.update(extra)
    return spec


def test_events_and_respondent_id_are_optional():
    cb = Codebook.from_dict(_minimal())
    assert cb.respondent_id is None
    assert cb.events == ()
    assert cb.columns() == ["q1"]
    assert Codebook.from_dict(_minimal(events=[])).events == ()


def test_every_codebook_problem_is_reported_at_once(spec):
    broken = copy.deepcopy(spec)
    broken["events"][1]["items"]["speediness"] = "x"
    broken["events"][2]["stage"] = "Dream"
    broken["missing_codes"] = ["DK"]
    broken["respondent_items"]["complained"]["reverse"] = True
    broken["colour"] = "red"
    with pytest.raises(CodebookError) as info:
        Codebook.from_dict(broken, source="client.yaml")
    err = info.value
    assert len(err.problems) == 5
    message = str(err)
    assert message.startswith("client.yaml: 5 problems:")
    for where in (
        "events[1].items.speediness",
        "events[2].stage",
        "missing_codes",
        "respondent_items.complained.reverse",
        "codebook: unknown key",
    ):
        assert where in message
    assert all(isinstance(p, CodebookError) and p.file == "client.yaml" for p in err.problems)


@pytest.mark.parametrize(
    ("extra", "location", "words"),
    [
        ({"attributes": {"tactile": 5}}, "attributes.tactile", "must be a list"),
        ({"attributes": {"tactile": "speed"}}, "attributes.tactile", "must be a list"),
        ({"scales": [1, 10]}, "scales", "must be a mapping"),
        ({"weight": ["a", "b"]}, "weight", "one column name"),
        ({"duration": 5}, "duration", "one column name"),
        ({"default_scale": "stars"}, "default_scale", "unknown scale"),
        ({"format": "json"}, "format", "unknown format"),
        ({"stages": "Pay"}, "stages", "non-empty list"),
        ({"personal_data": "email"}, "personal_data", "list of column names"),
        ({"events": {"id": "e"}}, "events", "must be a list"),
        ({"derived": {"idx": {"mean": ["overall", "nope"]}}}, "derived.idx.mean", "'nope' is not"),
        ({"derived": {"idx": {"median": ["overall"]}}}, "derived.idx", "exactly one of"),
        (
            {"derived": {"idx": {"mean": ["overall"], "min_valid": 2}}},
            "derived.idx.min_valid",
            "from 1 to 1",
        ),
        (
            {"derived": {"top": {"top_box": {"item": "overall", "min": 11}}}},
            "derived.top.top_box.min",
            "outside the range",
        ),
        ({"derived": {"top": {"top_box": {"item": "overall"}}}}, "derived.top.top_box", "needs"),
        ({"derived": {"weight": {"mean": ["overall"]}}}, "derived.weight", "cxlab uses itself"),
        ({"drivers": {"outcome": "overall", "items": ["nope"]}}, "drivers.items", "not a"),
        ({"drivers": {"outcome": "overall"}}, "drivers", "needs 'outcome'"),
        ({"drivers": {"outcome": "overall", "items": ["overall"]}}, "drivers.items", "cannot"),
        ({"item_groups": {"trust": ["overall"]}}, "item_groups.trust", "at least 2"),
        ({"item_groups": ["overall"]}, "item_groups", "must be a mapping"),
        ({"demographics": {"age": {"column": "age", "bands": [30, 18]}}}, "age.bands", "increase"),
        ({"demographics": {"age": {"column": "age", "bands": "decades"}}}, "age.bands", "list"),
        (
            {
                "demographics": {
                    "age": {"column": "age", "bands": {"young": [18, 40], "old": [30, 90]}}
                }
            },
            "demographics.age.bands",
            "overlap",
        ),
        (
            {"demographics": {"age": {"column": "age", "min": 18, "max": 94, "bands": [18, 65]}}},
            "demographics.age.bands",
            "do not cover",
        ),
        ({"demographics": {"sex": {"column": "s", "bands": [1, 2]}}}, "sex.bands", "numeric"),
        ({"segments": {"weight": "w"}}, "segments.weight", "cxlab uses itself"),
        ({"segments": {"overall": "q9"}}, "segments.overall", "used twice"),
    ],
)
def test_codebook_type_errors_are_codebook_errors(extra, location, words):
    with pytest.raises(CodebookError) as info:
        Codebook.from_dict(_minimal(**extra), source="cb.yaml")
    message = str(info.value)
    assert message.startswith("cb.yaml: ")
    assert location in message
    assert words in message


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ({"advocate_min": 6, "antagonist_max": 7}, "must be above antagonist_max"),
        ({"advocate_min": 12, "antagonist_max": 4}, "not on the item's scale"),
        ({"advocate_min": 6}, "give both"),
        ({"advocate_min": "six", "antagonist_max": 4}, "must be a number"),
        ({"type": "numeric", "advocate_min": 6, "antagonist_max": 4}, "only on respondent-level"),
        ({"recode": {1: "yes"}}, "must be a number or null"),
        ({"recode": []}, "non-empty mapping"),
        ({"min": 5, "max": 1, "type": "numeric"}, "is above 'max'"),
    ],
)
def test_item_rules(item, words):
    spec = {
        "respondent_items": {"recommend": {"column": "q1", "scale": {"min": 1, "max": 7}, **item}}
    }
    with pytest.raises(CodebookError, match=words):
        Codebook.from_dict(spec)


def test_advocacy_cut_points_and_recommend_scale():
    cb = Codebook.from_dict(
        {
            "respondent_items": {
                "recommend": {
                    "column": "q1",
                    "scale": {"min": 1, "max": 7},
                    "advocate_min": 6,
                    "antagonist_max": 4,
                },
                "retention_intent": "q2",
            }
        }
    )
    rec = cb.respondent_items["recommend"]
    assert (rec.scale.min, rec.scale.max, rec.advocate_min, rec.antagonist_max) == (1, 7, 6, 4)
    assert cb.respondent_items["retention_intent"].advocate_min is None
    # recommend without a scale keeps today's 0-10 default, and cut points are checked on it
    plain = Codebook.from_dict({"respondent_items": {"recommend": "q1"}})
    assert plain.respondent_items["recommend"].scale.max == 10
    with pytest.raises(CodebookError, match="not on the item's scale"):
        Codebook.from_dict(
            {
                "respondent_items": {
                    "recommend": {"column": "q1", "advocate_min": 11, "antagonist_max": 6}
                }
            }
        )


def test_derived_items_drivers_and_groups():
    cb = Codebook.from_dict(
        {
            "scales": {"seven": {"min": 1, "max": 7}, "five": {"min": 1, "max": 5}},
            "respondent_items": {
                "s1": {"column": "q1", "type": "rating", "scale": "seven"},
                "s2": {"column": "q2", "type": "rating", "scale": "seven"},
                "v1": {"column": "q3", "type": "rating", "scale": "five"},
                "visits": {"column": "q4", "type": "numeric"},
            },
            "derived": {
                "sat": {"mean": ["s1", "s2"], "min_valid": 1, "label": "Satisfaction"},
                "mixed": {"mean": ["s1", "v1"]},
                "total": {"sum": ["s1", "s2", "v1"]},
                "open": {"sum": ["s1", "visits"]},
                "satisfied": {"top_box": {"item": "sat", "min": 6}},
            },
            "drivers": {"outcome": "sat", "items": ["v1", "visits"]},
            "item_groups": {"satisfaction": ["s1", "s2"]},
        }
    )
    items = cb.respondent_items
    assert list(items)[-5:] == ["sat", "mixed", "total", "open", "satisfied"]
    assert items["sat"].type == "rating" and items["sat"].scale.max == 7
    assert items["sat"].column is None and items["sat"].derived["min_valid"] == 1
    assert items["sat"].label == "Satisfaction"
    assert (items["mixed"].type, items["mixed"].min, items["mixed"].max) == ("numeric", 1, 7)
    assert items["mixed"].derived["min_valid"] == 2  # default: every item answered
    assert (items["total"].min, items["total"].max) == (3, 19)
    assert items["open"].max is None
    assert items["satisfied"].type == "binary"
    assert items["satisfied"].derived == {
        "op": "top_box",
        "items": ("sat",),
        "min_valid": 1,
        "min": 6.0,
    }
    assert cb.drivers == {"outcome": "sat", "items": ["v1", "visits"]}
    assert cb.item_groups == {"satisfaction": ("s1", "s2")}
    assert "sat" not in cb.columns()


def test_a_column_may_feed_several_roles():
    cb = Codebook.from_dict(
        {
            "respondent_items": {"overall": {"column": "q1", "type": "rating"}},
            "segments": {"overall_group": {"column": "q1"}},
            "events": [{"id": "e", "stage": "Pay", "items": {"satisfaction": "q1"}}],
        }
    )
    assert cb.segments["overall_group"].column == cb.events[0].items["satisfaction"].column == "q1"


def test_age_bands_edges_and_labels():
    edges = Codebook.from_dict(
        {"demographics": {"age": {"column": "age", "bands": [18, 30, 45, 65, 120]}}}
    )
    assert [b[0] for b in edges.demographics["age"].bands] == ["18-29", "30-44", "45-64", "65-120"]
    labelled = Codebook.from_dict(
        {"demographics": {"age": {"column": "age", "bands": {"65+": [65, 120], "18-64": [18, 64]}}}}
    )
    assert [b[0] for b in labelled.demographics["age"].bands] == ["18-64", "65+"]


def test_recode_keys_are_normalised():
    cb = Codebook.from_dict(
        {
            "respondent_items": {
                "yes": {
                    "column": "q",
                    "type": "binary",
                    "recode": {"1": 1, 2: 0, "Yes": 1, "n/a": None},
                }
            }
        }
    )
    assert cb.respondent_items["yes"].recode == {1: 1.0, 2: 0.0, "yes": 1.0, "n/a": None}


def test_sample_codebooks_declare_the_age_bands_of_the_weighting_targets(project_root):
    targets = yaml.safe_load(
        open(f"{project_root}/data/sample/clients/targets/banking_margins.yaml", encoding="utf-8")
    )
    for name in ("banking", "automotive"):
        cb = Codebook.load(f"{project_root}/data/sample/{name}_codebook.yaml")
        labels = [b[0] for b in cb.demographics["age"].bands]
        assert labels == list(targets["age_band"])


def test_every_example_in_the_codebook_guide_loads(project_root):
    import re

    text = open(f"{project_root}/docs/codebook.md", encoding="utf-8").read()
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 12
    for block in blocks:
        Codebook.from_dict(yaml.safe_load(block), source="docs/codebook.md")


def test_the_codebook_guide_documents_every_key(project_root):
    from cxlab.codebook import KEYS

    text = open(f"{project_root}/docs/codebook.md", encoding="utf-8").read()
    for key in sorted(set().union(*KEYS.values())):
        assert f"`{key}" in text, key


# ------------------------------------------------------------- property-based
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_junk = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-200, 200),
        st.floats(allow_nan=True, width=32),
        st.text(max_size=5),
        st.sampled_from(["overall", "s1", "q1", "rating", "Pay", "mean", "age", "weight"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)

_PATHS = [
    (),
    ("respondent_items",),
    ("respondent_items", "overall"),
    ("respondent_items", "overall", "scale"),
    ("respondent_items", "overall", "recode"),
    ("respondent_items", "recommend"),
    ("demographics", "age"),
    ("demographics", "age", "bands"),
    ("derived",),
    ("derived", "idx"),
    ("derived", "idx", "top_box"),
    ("drivers",),
    ("item_groups",),
    ("events",),
    ("events", 0),
    ("events", 0, "items"),
    ("scales",),
    ("attributes",),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from(_PATHS),
            st.text(max_size=8)
            | st.sampled_from(["column", "type", "mean", "min", "item", "outcome", "items"]),
            _junk,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_any_malformed_codebook_is_a_codebook_error(changes):
    spec = {
        "respondent_items": {
            "overall": {"column": "q1", "type": "rating"},
            "s1": {"column": "q2", "type": "rating"},
            "recommend": "q3",
        },
        "demographics": {"age": {"column": "age", "type": "numeric", "bands": [18, 65]}},
        "derived": {"idx": {"mean": ["overall", "s1"]}},
        "drivers": {"outcome": "idx", "items": ["overall"]},
        "item_groups": {"g": ["overall", "s1"]},
        "events": [{"id": "e", "stage": "Pay", "items": {"satisfaction": "q9"}}],
    }
    for path, key, value in changes:
        node = spec
        for step in path:
            node = node[step] if isinstance(node, dict | list) and _has(node, step) else None
            if node is None:
                break
        if isinstance(node, dict):
            node[key] = value
        elif isinstance(node, list):
            node.append(value)
    try:
        Codebook.from_dict(spec, source="fuzz.yaml")
    except CodebookError as err:
        assert str(err).startswith("fuzz.yaml")


def _has(node, step):
    if isinstance(node, dict):
        return step in node
    return isinstance(step, int) and step < len(node)


def test_a_codebook_path_that_is_a_folder_is_a_codebook_error(tmp_path):
    from cxlab.errors import CodebookError

    with pytest.raises(CodebookError, match="got a folder"):
        Codebook.load(tmp_path)


# ------------------------------------------------------------ satisfaction_model
def _model_codebook(model):
    items = ["a1", "a2", "b1", "b2", "c1"]
    return {
        "respondent_items": {
            **{i: {"column": i, "type": "rating"} for i in items},
            "channel": {"column": "channel", "type": "category"},
        },
        "demographics": {"region": {"column": "region"}},
        "satisfaction_model": model,
    }


def test_satisfaction_model_is_parsed():
    cb = Codebook.from_dict(
        _model_codebook(
            {
                "constructs": {
                    "image": {"items": ["a1", "a2"], "label": "Image"},
                    "value": {"items": ["b1", "b2"], "mode": "B"},
                    "satisfaction": ["c1"],
                },
                "paths": [["image", "satisfaction"], ["value", "satisfaction"]],
                "target": "satisfaction",
            }
        )
    )
    m = cb.satisfaction_model
    assert m["blocks"] == {"image": ["a1", "a2"], "value": ["b1", "b2"], "satisfaction": ["c1"]}
    assert m["modes"] == {"image": "A", "value": "B", "satisfaction": "A"}
    assert m["paths"] == [("image", "satisfaction"), ("value", "satisfaction")]
    assert m["target"] == "satisfaction" and m["labels"] == {"image": "Image"}
    assert m["scheme"] is None
    assert Codebook.from_dict(_model_codebook(None)).satisfaction_model == {}


def test_satisfaction_model_problems_are_named_together():
    with pytest.raises(CodebookError) as err:
        Codebook.from_dict(
            _model_codebook(
                {
                    "constructs": {
                        "image": {"items": ["a1", "nope"]},
                        "value": {"items": ["b1", "region"], "mode": "C"},
                        "satisfaction": {"items": ["c1"], "colour": "red"},
                    },
                    "paths": [["image", "satisfaction"], ["trust", "satisfaction"]],
                    "target": "loyalty",
                    "scheme": "horst",
                }
            ),
            source="cb.yaml",
        )
    text = str(err.value)
    for expected in (
        "satisfaction_model.constructs.image.items: 'nope' is not a respondent item",
        "satisfaction_model.constructs.value.mode",
        "satisfaction_model.constructs.satisfaction: unknown key(s) ['colour']",
        "satisfaction_model.paths[1]",
        "unknown construct 'trust'",
        "satisfaction_model.target: target 'loyalty' is not a declared construct",
        "satisfaction_model.scheme",
    ):
        assert expected in text, expected
    assert text.startswith("cb.yaml: ")


def test_satisfaction_model_items_must_be_numbers_and_the_model_well_formed():
    with pytest.raises(CodebookError, match="category item"):
        Codebook.from_dict(
            _model_codebook(
                {
                    "constructs": {"image": ["a1", "channel"], "satisfaction": ["c1"]},
                    "paths": [["image", "satisfaction"]],
                    "target": "satisfaction",
                }
            )
        )
    with pytest.raises(CodebookError, match="cycle"):
        Codebook.from_dict(
            _model_codebook(
                {
                    "constructs": {"a": ["a1"], "b": ["b1"], "c": ["c1"]},
                    "paths": [["a", "b"], ["b", "c"], ["c", "a"]],
                    "target": "c",
                }
            )
        )
    with pytest.raises(CodebookError, match="has no path into it"):
        Codebook.from_dict(
            _model_codebook(
                {
                    "constructs": {"a": ["a1"], "b": ["b1"]},
                    "paths": [["a", "b"]],
                    "target": "a",
                }
            )
        )


def test_the_sample_satisfaction_codebook_declares_the_synth_model(project_root):
    from cxlab.synth.pls import PLS_BLOCKS, PLS_PATHS

    cb = Codebook.load(f"{project_root}/data/sample/satisfaction_codebook.yaml")
    assert cb.satisfaction_model["blocks"] == PLS_BLOCKS
    assert cb.satisfaction_model["paths"] == list(PLS_PATHS)
