"""The slide deck renderer on a small hand-made run folder (no notebook run)."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from pptx import Presentation  # noqa: E402
from pptx.util import Emu, Inches  # noqa: E402

from cxlab.deck import build_deck, format_cell, table_layout, table_pages  # noqa: E402
from cxlab.errors import ReportError  # noqa: E402
from cxlab.report import file_sha256  # noqa: E402
from cxlab.storyline import Storyline, StorySection  # noqa: E402

WHEN = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture()
def folder(tmp_path) -> Path:
    """A run folder as the notebook records it: a storyline, one figure, two tables
    (one with a suppressed row)."""
    run = tmp_path / "run"
    (run / "figures").mkdir(parents=True)
    (run / "tables").mkdir()
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(["a", "b", "c"], [3, 1, 2])
    fig.savefig(run / "figures" / "quad_map.png", dpi=150)
    plt.close(fig)
    (run / "figures" / "figures.json").write_text(
        json.dumps({"quad_map": {"file": "quad_map.png", "alt": "Importance against performance"}})
    )
    actions = pd.DataFrame(
        {
            "name": [f"event {i}" for i in range(30)],
            "action": ["fix", "maintain"] * 15,
            "importance": np.linspace(-1, 1, 30),
            "base": [120] * 29 + [12],
        }
    )
    actions.loc[29, "importance"] = np.nan  # suppressed: base kept, estimate blank
    actions.to_csv(run / "tables" / "actions.csv", index=False)
    pd.DataFrame({"segment": ["x", "y"], "value": [1.5, np.nan], "n": [200, 9]}).to_csv(
        run / "tables" / "net_advocacy_by_segment.csv", index=False
    )
    story = Storyline(
        client="Acme Bank",
        study="Customer experience research: banking",
        base="Base: 500 respondents; unweighted",
        summary={"Where we stand": "Net advocacy +12.1.", "What matters": "2 moments of truth."},
        sections=(
            StorySection(
                "moments",
                "Moments of truth",
                "2 moments of truth; 4 of 7 events need a change of course",
                "Base per event: 120 to 480 respondents.",
                "Two events are moments of truth.",
                ("quad_map",),
                ("actions",),
            ),
            StorySection(
                "segments",
                "Segments",
                "By region, net advocacy runs from -3.0 to +1.5",
                "Groups of fewer than 30 respondents are suppressed (1 group here).",
                "By region...",
                (),
                ("net_advocacy_by_segment",),
            ),
        ),
        methods=("Weighting: unweighted.",),
        left_out=(("Key drivers", "no rating items"),),
        numbers={"moments_of_truth": 2},
    )
    (run / "storyline.json").write_text(json.dumps(story.to_dict()))
    return run


def _titles(prs) -> list[str]:
    return [s.shapes.title.text_frame.text if s.shapes.title else "" for s in prs.slides]


def test_deck_from_a_run_folder(folder, tmp_path):
    out = build_deck(folder, tmp_path / "deck.pptx", run_date=WHEN)
    prs = Presentation(str(out))
    titles = _titles(prs)
    assert titles[:4] == [
        "Acme Bank",
        "Executive summary",
        "2 moments of truth; 4 of 7 events need a change of course",
        "By region, net advocacy runs from -3.0 to +1.5",
    ]
    assert titles[4] == "Methods"
    # 30 rows do not fit one slide; the segments table was shown on its section slide
    assert titles[5] == "Appendix: Course of action per event" and len(titles) >= 7
    assert set(titles[6:]) == {"Appendix: Course of action per event (continued)"}
    assert prs.slide_width == Emu(int(13.333 * 914400))  # the built-in design is 16:9
    assert "1 December 2026" in " ".join(
        sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame
    )
    segments = next(sh.table for sh in prs.slides[3].shapes if sh.has_table)
    assert [segments.cell(2, j).text for j in range(3)] == ["y", "—", "9"]  # suppressed row
    methods = " ".join(sh.text_frame.text for sh in prs.slides[4].shapes if sh.has_text_frame)
    assert "Key drivers: no rating items." in methods
    props = prs.core_properties
    assert props.created == WHEN.replace(tzinfo=None) and props.author == "cxlab"


def test_rows_are_split_over_slides_and_stay_inside_the_slide(folder, tmp_path):
    prs = Presentation(str(build_deck(folder, tmp_path / "deck.pptx", run_date=WHEN)))
    rows = []
    for slide in prs.slides:
        for sh in slide.shapes:
            if sh.has_table and slide.shapes.title.text_frame.text.startswith("Appendix"):
                rows += [sh.table.cell(r, 0).text for r in range(1, len(sh.table.rows))]
                assert sh.top + sh.height <= prs.slide_height - Inches(1.0)
    assert rows == [f"event {i}" for i in range(30)]  # every row once, in order


def test_a_figure_no_section_claims_still_gets_a_slide(folder, tmp_path):
    meta = json.loads((folder / "figures" / "figures.json").read_text())
    meta["pls_paths"] = {"file": "quad_map.png", "alt": "Path coefficients of the model"}
    (folder / "figures" / "figures.json").write_text(json.dumps(meta))
    prs = Presentation(str(build_deck(folder, tmp_path / "deck.pptx", run_date=WHEN)))
    titles = _titles(prs)
    assert titles.index("Further figure: pls paths") == titles.index("Methods") - 1


def test_same_folder_and_date_give_the_same_bytes(folder, tmp_path):
    a = build_deck(folder, tmp_path / "a.pptx", run_date=WHEN)
    b = build_deck(folder, tmp_path / "b.pptx", run_date=WHEN)
    assert file_sha256(a) == file_sha256(b)
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 12, 1, 9, 30, 0)}


def test_a_firm_template_gives_masters_and_size_and_its_slides_are_left_out(folder, tmp_path):
    template = Presentation()
    template.slide_width, template.slide_height = Emu(12192000), Emu(6858000)
    master = template.slide_master
    master.placeholders[0]._element.nvSpPr.cNvPr.set("name", "FIRM MASTER TITLE")
    template.slide_layouts[5]._element.cSld.set("name", "Title only")  # names as firms spell them
    example = template.slides.add_slide(template.slide_layouts[0])
    example.shapes.title.text = "Example slide of the firm"
    path = tmp_path / "firm.pptx"
    template.save(str(path))
    prs = Presentation(str(build_deck(folder, tmp_path / "deck.pptx", template=path)))
    assert prs.slide_width == Emu(12192000)
    titles = _titles(prs)
    assert "Example slide of the firm" not in titles and titles[0] == "Acme Bank"
    assert prs.slides[0].slide_layout.name == "Title Slide"
    assert {s.slide_layout.name for s in list(prs.slides)[1:]} == {"Title only"}
    assert "FIRM MASTER TITLE" in [sh.name for sh in prs.slide_master.shapes]


def test_errors_name_the_missing_storyline_and_an_unreadable_template(folder, tmp_path):
    story = (folder / "storyline.json").read_text()
    (folder / "storyline.json").unlink()
    with pytest.raises(ReportError, match="storyline"):
        build_deck(folder, tmp_path / "deck.pptx")
    assert not (tmp_path / "deck.pptx").exists()
    (folder / "storyline.json").write_text("{}")
    with pytest.raises(ReportError, match="not a storyline"):
        build_deck(folder, tmp_path / "deck.pptx")
    (folder / "storyline.json").write_text(story)
    bad = tmp_path / "bad.pptx"
    bad.write_text("not a deck")
    with pytest.raises(ReportError, match="template") as err:
        build_deck(folder, tmp_path / "deck.pptx", template=bad)
    assert "bad.pptx" in str(err.value)


def test_format_cell():
    assert format_cell(float("nan")) == "—" and format_cell(None) == "—"
    assert format_cell(15368289.1) == "15,368,289"
    assert format_cell(0.126) == "0.13" and format_cell(-1.5) == "-1.50"
    assert format_cell(202.0, "n") == "202" and format_cell(True) == "yes"
    assert format_cell("631.0000000000002") == "631.00"  # numbers in text columns
    assert format_cell("3.11.7") == "3.11.7" and format_cell("False") == "no"


def test_table_layout_fits_the_width_and_wraps_long_text():
    frame = pd.DataFrame(
        {"name": ["short", "x"], "reason": ["word " * 80, "ok"], "value": [1.0, 2.0]}
    )
    widths, heights = table_layout(frame, 12.0, 12)
    assert sum(widths) == pytest.approx(12.0)
    assert widths[1] == max(widths)  # the long text gets the room
    assert heights[1] > 3 * heights[2]  # the wrapped row is taller
    pages = table_pages(pd.concat([frame] * 10, ignore_index=True), 12.0, 5.0, 12)
    assert len(pages) > 1 and sum(len(p) for p in pages) == 20
