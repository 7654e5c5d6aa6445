"""The client deliverables of one run: report.pptx and report.pdf beside report.html.

One real run of the sample client with ``formats="html,pptx,pdf"`` is shared by the
module. The deck is opened with python-pptx; the PDF is rendered to PNG pages with
pdftoppm and read as text with pdftotext (Debian's poppler-utils; `make test`
installs it when missing, and under CI a missing tool fails the tests).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlab import report as cxreport
from cxlab.deck import build_deck
from cxlab.report import file_sha256

POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")
CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
)
_CODE = ("import cxlab", "validate(globals())", "load_inputs(", "rec.storyline", "output_dir")


def _need(tool, what: str) -> None:
    if tool:
        return
    message = f"{what} is not installed (make test installs it when run as root)"
    if os.environ.get("CI"):
        pytest.fail(message)  # CI must check the deliverables, never skip them
    pytest.skip(message)


@pytest.fixture(scope="module")
def run(tmp_path_factory, project_root):
    """`run_report` of the sample client with every deliverable."""
    _need(CHROMIUM, "chromium")
    reports = tmp_path_factory.mktemp("deliverables")
    params = Path(project_root) / "data" / "sample" / "clients" / "sample.yaml"
    result = cxreport.run_report(params, reports_dir=reports, formats="html,pptx,pdf")
    assert result.status == "ok", result.error
    return result


@pytest.fixture(scope="module")
def deck(run):
    from pptx import Presentation

    return Presentation(str(run.folder / "report.pptx"))


@pytest.fixture(scope="module")
def pages(run, tmp_path_factory):
    """The PDF's pages as PNG files (pdftoppm, 30 dpi) and as text (pdftotext)."""
    _need(POPPLER, "poppler-utils (pdftoppm, pdftotext)")
    out = tmp_path_factory.mktemp("pages")
    pdf = run.folder / "report.pdf"
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(out / "p")], check=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return sorted(out.glob("p-*.png")), text.split("\f")


def _titles(deck) -> list[str]:
    return [(s.shapes.title.text_frame.text if s.shapes.title else "") for s in deck.slides]


def _personal_values(project_root) -> set[str]:
    from cxlab.io import load_survey

    with pytest.warns(Warning):
        survey = load_survey(Path(project_root) / "data" / "sample" / "banking.csv")
    values = {
        v
        for column in survey.personal.columns
        for v in survey.personal[column].dropna().astype(str)
        if len(v) >= 8  # skip short fragments that could occur by chance
    }
    assert len(values) > 100
    return values


# ------------------------------------------------------------------ the run
def test_run_folder_has_every_deliverable_and_the_manifest_their_sha256(run):
    manifest = json.loads((run.folder / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["formats"] == ["html", "pptx", "pdf"]
    assert set(manifest["deliverables"]) == {"report.html", "report.pptx", "report.pdf"}
    for name, info in manifest["deliverables"].items():
        assert info["sha256"] == file_sha256(run.folder / name), name
        assert info["bytes"] == (run.folder / name).stat().st_size
        assert name in manifest["outputs"]
    assert manifest["timings_seconds"]["pptx"] > 0 and manifest["timings_seconds"]["pdf"] > 0
    assert not list(run.folder.glob("*.part")), "a half-written file was left behind"
    assert (run.folder / "storyline.json").is_file()
    assert list((run.folder / "figures" / "hires").glob("*.png")), "no high-resolution figures"


def test_the_deck_is_deterministic_given_the_run_date(run, tmp_path):
    manifest = json.loads((run.folder / "manifest.json").read_text())
    when = dt.datetime.fromisoformat(manifest["started_utc"])
    again = build_deck(run.folder, tmp_path / "again.pptx", run_date=when)
    assert file_sha256(again) == manifest["deliverables"]["report.pptx"]["sha256"]
    later = build_deck(run.folder, tmp_path / "later.pptx", run_date=when + dt.timedelta(days=1))
    assert file_sha256(later) != file_sha256(again)  # the date is in it, so the check can fail


# ------------------------------------------------------------------ the deck
def test_deck_structure_title_summary_sections_methods_appendix(run, deck):
    story = json.loads((run.folder / "storyline.json").read_text())
    figures = json.loads((run.folder / "figures" / "figures.json").read_text())
    titles = _titles(deck)
    assert titles[0] == "Sample Bank"
    subtitle = " ".join(
        sh.text_frame.text for sh in deck.slides[0].placeholders if sh.placeholder_format.idx
    )
    run_day = dt.datetime.fromisoformat(
        json.loads((run.folder / "manifest.json").read_text())["started_utc"]
    )
    assert f"{run_day.day} {run_day:%B %Y}" in subtitle and "631 respondents" in subtitle
    assert "banking" in subtitle
    assert titles[1] == "Executive summary"
    summary = " ".join(sh.text_frame.text for sh in deck.slides[1].shapes if sh.has_text_frame)
    where = [summary.index(q) for q in ("Where we stand", "What matters", "How\n", "When\n")]
    assert where == sorted(where), "the executive summary keeps its order"
    headlines = [s["headline"] for s in story["sections"]]
    assert len(headlines) >= 8
    extra = sum(
        len([f for f in s["figures"] if f in figures][1:]) for s in story["sections"]
    )  # a section's further charts get a slide each
    claimed = {f for s in story["sections"] for f in s["figures"]}
    further = len(set(figures) - claimed)  # charts of sections the storyline does not know
    methods = titles.index("Methods")
    assert methods == 2 + len(headlines) + extra + further
    body = [t for t in titles[2:methods] if t in headlines]
    assert body == headlines, "one slide per section, headline as title, in report order"
    appendix = titles[methods + 1 :]
    assert appendix and all(t.startswith("Appendix: ") for t in appendix)
    assert "Appendix: Course of action per event" in appendix
    assert "Appendix: Value case per event" in appendix
    assert len(deck.slides) == methods + 1 + len(appendix)
    for title in titles:
        assert len(title) <= 110, f"title too long for a slide: {title}"


def test_every_picture_has_the_figures_alt_text(run, deck):
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    alts = {
        v["alt"] for v in json.loads((run.folder / "figures" / "figures.json").read_text()).values()
    }
    pictures = [
        sh
        for slide in deck.slides
        for sh in slide.shapes
        if sh.shape_type == MSO_SHAPE_TYPE.PICTURE
    ]
    assert len(pictures) >= 8
    for pic in pictures:
        descr = pic._element.nvPicPr.cNvPr.get("descr")
        assert descr and len(descr) > 20 and descr in alts, descr
        assert pic.image.size[0] >= 1500, "charts are high-resolution images"


def _title_numbers(title: str) -> list[str]:
    return re.findall(r"\d[\d,]*(?:\.\d+)?", title)


def _unquoted_numbers(title: str, key_figures: dict) -> list[str]:
    """Numbers in ``title`` that no key figure gives at the shown precision."""
    values = []

    def collect(v):
        if isinstance(v, bool):
            return
        if isinstance(v, int | float):
            values.append(abs(float(v)))
        elif isinstance(v, list | tuple):
            for x in v:
                collect(x)
        elif isinstance(v, dict):
            for x in v.values():
                collect(x)

    collect(key_figures)
    bad = []
    for token in _title_numbers(title):
        x = float(token.replace(",", ""))
        decimals = len(token.split(".")[1]) if "." in token else 0
        if not any(abs(round(v, decimals) - x) < 1e-9 for v in values):
            bad.append(token)
    return bad


def test_every_number_in_a_slide_title_is_a_recorded_key_figure(run, deck):
    key_figures = json.loads((run.folder / "key_figures.json").read_text())
    numbered = 0
    for title in _titles(deck):
        assert _unquoted_numbers(title, key_figures) == [], title
        numbered += bool(_title_numbers(title))
    assert numbered >= 6
    # the check can fail: a number nobody recorded, or a rounding the figures do not give
    assert _unquoted_numbers("Net advocacy is +99.9", key_figures) == ["99.9"]
    assert _unquoted_numbers("Net advocacy is +12.2", key_figures) == ["12.2"]
    assert key_figures["net_advocacy"] == run.key_figures["net_advocacy"]


def test_tables_are_native_and_editable_with_the_recorded_values(run, deck):
    tables = {}
    for slide in deck.slides:
        title = slide.shapes.title.text_frame.text if slide.shapes.title else ""
        for sh in slide.shapes:
            if sh.has_table:
                tables.setdefault(title.replace(" (continued)", ""), []).append(sh.table)
    assert len(tables) >= 8
    actions = pd.read_csv(run.folder / "tables" / "actions.csv")
    shown = [
        t.cell(r, 0).text
        for t in tables["Appendix: Course of action per event"]
        for r in range(1, len(t.rows))
    ]
    assert shown == list(actions["name"])
    header = [c.text for c in tables["Appendix: Course of action per event"][0].rows[0].cells]
    assert header[:3] == ["name", "stage", "action"]
    value_case = pd.read_csv(run.folder / "tables" / "value_case.csv")
    first = tables["Appendix: Value case per event"][0]
    npv = [c.text for c in first.rows[0].cells].index("npv")
    assert first.cell(1, npv).text == f"{value_case['npv'].iloc[0]:,.0f}"


def test_section_slides_have_a_note_with_the_base_and_speaker_notes(run, deck):
    story = json.loads((run.folder / "storyline.json").read_text())
    by_title = {s.shapes.title.text_frame.text: s for s in deck.slides if s.shapes.title}
    for section in story["sections"]:
        slide = by_title[section["headline"]]
        texts = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        assert section["note"] in texts
        assert re.search(r"[Bb]ase|[Pp]er 1,000|[Cc]ustomer base|suppressed", section["note"])
        assert section["text"][:40] in slide.notes_slide.notes_text_frame.text


def test_no_personal_data_and_no_code_in_the_deck(run, project_root):
    with zipfile.ZipFile(run.folder / "report.pptx") as z:
        xml = "\n".join(
            z.read(n).decode("utf-8", errors="ignore") for n in z.namelist() if n.endswith(".xml")
        )
    assert "Sample Bank" in xml  # the check reads the slides' text
    leaked = [v for v in _personal_values(project_root) if v in xml]
    assert not leaked, f"report.pptx contains personal data: {leaked[:3]}"
    for code in _CODE:
        assert code not in xml


# ------------------------------------------------------------------ the PDF
def test_pdf_pages_render_and_none_is_blank(run, pages):
    from pypdf import PdfReader

    pngs, _text = pages
    n = len(PdfReader(str(run.folder / "report.pdf")).pages)
    assert n >= 12 and len(pngs) == n
    import matplotlib.pyplot as plt

    for png in pngs:
        assert _ink(plt.imread(png)) > 0.002, f"{png.name} is blank"
    blank = np.ones((300, 200, 3))
    blank[-10:, :20] = 0  # a page with only a footer
    assert _ink(blank) <= 0.002  # the check can fail


def _ink(image: np.ndarray) -> float:
    """Share of non-white pixels above the page's footer band."""
    body = image[: int(image.shape[0] * 0.92), :, :3]
    return float((body.min(axis=2) < 0.9).mean())


def test_pdf_has_a_contents_page_with_true_page_numbers_and_page_footers(pages):
    _pngs, text = pages
    text = [t for t in text if t.strip()]
    assert "Contents" in text[0]
    entries = re.findall(r"^\s*(\S.*?\S)\s{2,}(\d+)\s*$", text[0], flags=re.M)
    found = {title: int(page) for title, page in entries}
    for section in ("Executive summary", "Value case", "Methods appendix"):
        page = found[section]
        assert section in text[page - 1], f"{section} is not on page {page}"
    assert len(found) >= 10
    for i, page in enumerate(text, start=1):
        assert f"Page {i} of {len(text)}" in page


def test_sections_start_on_a_new_page(pages):
    _pngs, text = pages
    for section in ("Executive summary", "Segments", "Value case"):
        starts = [p for p in text if p.lstrip().startswith(section) or f"\n{section}\n" in p[:200]]
        assert starts, f"{section} does not open a page"


def test_no_personal_data_and_no_code_in_the_pdf(pages, project_root):
    _pngs, text = pages
    whole = "\n".join(text)
    assert "Net advocacy is" in whole
    flat = re.sub(r"\s+", " ", whole)
    leaked = [v for v in _personal_values(project_root) if v in whole or v in flat]
    assert not leaked, f"report.pdf contains personal data: {leaked[:3]}"
    for code in _CODE:
        assert code not in whole


# ------------------------------------------------------------------ failures
def test_a_failed_deliverable_fails_the_run_without_report_files(tmp_path, project_root):
    """A notebook that records no storyline cannot have a deck: the run is -failed."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        "client = 'x'\ndata_path = 'x'\ncodebook = 'x'\noutput_dir = None",
        metadata={"tags": ["parameters"]},
    )
    nb.cells = [params, nbformat.v4.new_code_cell("print('no storyline recorded')")]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook = tmp_path / "plain.ipynb"
    nbformat.write(nb, str(notebook))
    sample = Path(project_root) / "data" / "sample" / "clients" / "sample.yaml"
    result = cxreport.run_report(
        sample, reports_dir=tmp_path / "reports", notebook=notebook, formats=["pptx"]
    )
    assert result.status == "failed" and result.folder.name.endswith("-failed")
    assert result.error["stage"] == "report.pptx" and "storyline" in result.error["evalue"]
    assert not list(result.folder.glob("report.*")), "a failed run must not hold report files"
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["deliverables"] == {}
    assert result.key_figures == {}
