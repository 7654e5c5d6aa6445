"""The PDF printer: print stylesheet, contents page, page lookup, Chromium errors."""

from __future__ import annotations

import os
import shutil

import pytest

from cxlab import pdf as cxpdf
from cxlab.errors import ReportError

HTML = """<!DOCTYPE html><html><head><title>r</title></head><body><main>
<div class="jp-Cell jp-MarkdownCell"><h1 id="Report">Report</h1><p>Intro.</p></div>
<div class="jp-Cell jp-MarkdownCell"><h2 id="Executive-summary">Executive summary<a class="anchor-link" href="#Executive-summary">¶</a></h2></div>
<div class="jp-Cell"><table class="dataframe"><tr><th>moment_of_truth</th></tr></table></div>
<div class="jp-Cell jp-MarkdownCell"><h2 id="Value-case">Value case &amp; money<a class="anchor-link" href="#Value-case">¶</a></h2></div>
<div style="height: 2400px">tall</div>
<div class="jp-Cell jp-MarkdownCell"><h2 id="Methods">Methods</h2></div>
</main></body></html>"""


def test_print_html_adds_the_stylesheet_and_a_contents_page_before_the_first_section():
    out = cxpdf.print_html(HTML, footer='Acme "Bank"', pages={"Executive-summary": 2})
    assert "@page" in out and "break-before: page" in out and "counter(pages)" in out
    assert "Acme 'Bank'" in out  # the footer cannot end the CSS string early
    nav = out.index('<nav class="cx-contents"')
    assert out.index('id="Report"') < nav < out.index('id="Executive-summary"')
    assert '<a href="#Executive-summary">Executive summary</a>' in out
    assert '<a href="#Value-case">Value case &amp; money</a>' in out
    assert '<span class="cx-page">2</span>' in out
    assert "moment_<wbr>of_<wbr>truth" in out  # long column names may break
    assert HTML.count("<h2") + 1 == out.count("<h2")  # only the contents title added


def test_headings_and_page_matching_ignore_anchors_and_white_space():
    heads = cxpdf._headings(HTML)
    assert heads == [
        ("Executive-summary", "Executive summary"),
        ("Value-case", "Value case & money"),
        ("Methods", "Methods"),
    ]
    # Chromium drops the space where a long heading wrapped in its bookmark title
    found = {"Executive summary": 2, "Value case &money": 3}
    assert cxpdf._match_pages(heads, found) == {"Executive-summary": 2, "Value-case": 3}


def test_missing_chromium_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(cxpdf.CHROMIUM_ENV, "/nonexistent/chromium")
    with pytest.raises(ReportError, match="CXLAB_CHROMIUM"):
        cxpdf.find_chromium()
    monkeypatch.delenv(cxpdf.CHROMIUM_ENV)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ReportError, match="apt-get install chromium"):
        cxpdf.find_chromium()


def test_print_pdf_numbers_the_contents_from_the_printed_pages(tmp_path):
    if not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed")
        pytest.skip("chromium is not installed")
    from pypdf import PdfReader

    page = tmp_path / "report.html"
    page.write_text(HTML, encoding="utf-8")
    out = cxpdf.print_pdf(page, tmp_path / "report.pdf", title="Acme")
    reader = PdfReader(str(out))
    starts = cxpdf.section_pages(out)
    assert starts["Executive summary"] == 2  # contents on page 1, then a page per section
    assert starts["Methods"] > starts["Value case & money"] + 1  # the tall block spills over
    assert len(reader.pages) == starts["Methods"]
    first = reader.pages[0].extract_text()
    assert "Contents" in first and f"Page 1 of {len(reader.pages)}" in first
    for title in ("Executive summary", "Methods"):
        assert f"{starts[title]}" in first.split(title, 1)[1].split("\n", 1)[0]
    assert not list(tmp_path.glob("*.part"))
