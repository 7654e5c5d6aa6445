"""Surveys shaped unlike the sample, end to end through ``cxlab report``.

Each shape of :func:`cxlab.synth.write_shape` is reported with a parameter file that
holds only ``client``, ``data_path`` and ``codebook``: the run finishes, the sections
the survey cannot support are left out with their reason, no other client's file is
read, and net advocacy is computed on the survey's own scale.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from cxlab import report as cxreport

pytestmark = pytest.mark.filterwarnings("ignore::cxlab.errors.CxlabWarning")

NO_EVENTS = {
    "Customer Event Map and lenses",
    "Expectations (brand and baseline)",
    "Emotive vs tactile performance by personal investment",
    "Moments of truth and the action per event",
    "Events that drive advocacy",
    "Value case",
}
NOT_GIVEN = {"Weighting to population margins", "Customer focused enterprise (CFE) assessment"}


def _report(shape, tmp_path, client, formats=None):
    params = tmp_path / f"{client.lower().replace(' ', '-')}.yaml"
    params.write_text(
        f"client: {client}\ndata_path: {shape.data}\ncodebook: {shape.codebook}\n",
        encoding="utf-8",
    )
    result = cxreport.run_report(params, reports_dir=tmp_path / "reports", formats=formats)
    assert result.status == "ok", result.error
    folder = result.folder
    sections = pd.read_csv(folder / "tables" / "report_sections.csv")
    manifest = json.loads((folder / "manifest.json").read_text())
    text = re.sub(r"<[^>]+>", "", (folder / "report.html").read_text())
    # never another client's files: only this survey and its codebook were read
    assert set(manifest["inputs"]) == {"data_path", "codebook", "params_file", "notebook"}
    assert "data/sample" not in json.dumps(manifest["inputs"])
    left_out = sections.loc[~sections["included"]].set_index("section")["reason"]
    for section, reason in left_out.items():  # every left-out section says why, in the report
        assert isinstance(reason, str) and reason, section
        assert reason.split(",")[0] in text, section
    return result, set(sections.loc[sections["included"], "section"]), left_out, text


def test_a_satisfaction_survey_without_events_or_ids_on_1_to_7(shape_files, tmp_path):
    shape = shape_files("satisfaction_no_events")
    result, included, left_out, text = _report(shape, tmp_path, "Satisfaction Co", "pptx")
    assert NO_EVENTS | NOT_GIVEN <= set(left_out.index)
    assert {"Sample and data quality", "Advocates and antagonists (net advocacy)",
            "Key drivers", "Segment comparisons", "Reliability and factor structure"} <= included  # fmt: skip
    assert "respondents are numbered by row" in text
    # net advocacy on the item's own 1-7 scale: advocates 6-7, antagonists 1-4
    data = pd.read_csv(shape.data)
    rec = data["recommend"].where(data["recommend"].between(1, 7))
    rec = rec.dropna()
    hand = 100 * (np.mean(rec >= 6) - np.mean(rec <= 4))
    assert result.key_figures["net_advocacy"] == pytest.approx(hand, abs=0.005)
    assert "advocates 6-7, neutral 5, antagonists 1-4 on the 1-7 scale" in text
    # the key-driver ranking recovers the planted order
    drivers = pd.read_csv(result.folder / "tables" / "key_drivers.csv")
    order = drivers.sort_values("rank")["label"].str.replace(" index", "").tolist()
    assert order[:2] == shape.truth["driver_order"][:2]
    # the deck of a survey without events: its sections, the top driver as a headline
    from pptx import Presentation

    deck = Presentation(str(result.folder / "report.pptx"))
    titles = [s.shapes.title.text_frame.text for s in deck.slides if s.shapes.title]
    top = drivers.sort_values("rank").iloc[0]
    share = round(100 * top["share"])
    label = top["label"][:1].upper() + top["label"][1:]  # a headline starts with a capital
    assert any(t.startswith(f"{label} drives") and f"{share}%" in t for t in titles), titles
    assert not any("events" in t.lower() for t in titles[2:])


def test_a_weighted_spss_opinion_survey_without_events_or_recommend(shape_files, tmp_path):
    shape = shape_files("opinion_spss")
    result, included, left_out, text = _report(shape, tmp_path, "Opinion Co")
    assert NO_EVENTS | {"Advocates and antagonists (net advocacy)"} <= set(left_out.index)
    assert "Sample and data quality" in included
    assert result.key_figures["net_advocacy"] is None
    assert "design weights of column" in left_out["Weighting to population margins"]


def test_an_event_survey_unlike_the_sample_gets_the_event_sections(shape_files, tmp_path):
    shape = shape_files("event_cx")
    result, included, left_out, _text = _report(shape, tmp_path, "Event Co")
    assert {"Customer Event Map and lenses", "Moments of truth and the action per event",
            "Emotive vs tactile performance by personal investment",
            "Advocates and antagonists (net advocacy)", "Value case"} <= included  # fmt: skip
    assert set(left_out.index) >= NOT_GIVEN
    assert (result.folder / "figures" / "event_map.png").is_file()
    assert result.key_figures["net_advocacy"] is not None
