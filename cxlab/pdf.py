"""The client's PDF (``report.pdf``), printed from ``report.html`` by headless Chromium.

:func:`print_pdf` adds a print stylesheet and a contents page to a copy of the HTML
report and prints it with Chromium (``chromium --headless --print-to-pdf``): A4,
every section on a new page, figures and table rows never split across pages, the
page number and page count at the foot of every page, and PDF bookmarks for the
headings. The contents page gives the page each section starts on: a first print
finds the pages (from the PDF's bookmarks, read with pypdf), a second prints them.

Why Chromium: the HTML report is what the research team already checks, and
Chromium (Debian's ``chromium`` package, also used by the browser test) renders it
exactly as a browser shows it, including the inline PNG figures, and supports the
CSS paged-media margin boxes used for page numbers. A Python HTML-to-PDF renderer
(WeasyPrint) would be a second layout engine with its own differences, and
nbconvert's PDF route needs LaTeX. Chromium is looked up as ``$CXLAB_CHROMIUM``,
``chromium``, ``chromium-browser`` or ``google-chrome``; no network is used (every
host name resolves to nothing) and the page holds no code.

Examples
--------
>>> from cxlab.pdf import print_pdf                                   # doctest: +SKIP
>>> print_pdf("report.html", "report.pdf", title="Sample Bank")       # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from cxlab.errors import ReportError

__all__ = ["PRINT_CSS", "find_chromium", "print_html", "print_pdf", "section_pages"]

CHROMIUM_ENV = "CXLAB_CHROMIUM"
_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--no-pdf-header-footer",
    "--generate-pdf-document-outline",
]

#: The print stylesheet added to the report for the PDF (``{footer}`` is filled in).
PRINT_CSS = """
@page {
  size: A4;
  margin: 16mm 14mm 18mm 14mm;
  @bottom-left { content: "{footer}"; font: 8pt sans-serif; color: #555; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
                  font: 8pt sans-serif; color: #555; }
}
@media print {
  html, body { background: #fff !important; }
  body { font-size: 10pt; }
  main, .jp-Notebook { padding: 0 !important; margin: 0 !important; }
  .jp-Cell { padding: 0 !important; }
  h1 { font-size: 20pt; margin-top: 0; }
  h2 { break-before: page; font-size: 16pt; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  .anchor-link { display: none !important; }
  a { color: inherit; text-decoration: none; }
  p, li { orphans: 3; widows: 3; }
  img { max-width: 100% !important; height: auto !important; max-height: 235mm;
        object-fit: contain; break-inside: avoid; page-break-inside: avoid; }
  .jp-RenderedImage, .jp-OutputArea-output, figure { break-inside: avoid;
        page-break-inside: avoid; overflow: visible !important; }
  .jp-OutputArea-output { overflow: visible !important; }
  .jp-RenderedHTMLCommon table, table.dataframe { font-size: 7.5pt; width: 100%;
        table-layout: auto; border-collapse: collapse; }
  table.dataframe td, table.dataframe th { white-space: normal !important;
        word-break: normal; overflow-wrap: break-word; padding: 2px 4px !important; }
  table.dataframe thead { display: table-header-group; }
  tr, td, th { break-inside: avoid; page-break-inside: avoid; }
  .cx-contents { break-after: page; page-break-after: always; margin-top: 8mm; }
  .cx-contents h2 { break-before: avoid; page-break-before: avoid; }
}
.cx-contents { font-family: var(--jp-content-font-family, sans-serif); }
.cx-contents ol { list-style: none; padding: 0; margin: 0; font-size: 11pt; }
.cx-contents li { display: flex; align-items: baseline; margin: 0 0 6pt 0; }
.cx-contents li a { flex: 0 1 auto; }
.cx-contents li .cx-dots { flex: 1 1 auto; border-bottom: 1px dotted #999; margin: 0 6pt; }
.cx-contents li .cx-page { flex: 0 0 auto; min-width: 2.5em; text-align: right; }
"""

_H2_RE = re.compile(r'<h2\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h2>', re.S)
_TAG_RE = re.compile(r"<[^>]+>")
_TH_RE = re.compile(r"(<th\b[^>]*>)([^<]*)(</th>)")  # column names may break after "_"


def find_chromium() -> str:
    """The Chromium executable (``$CXLAB_CHROMIUM``, else on the PATH).

    Raises
    ------
    ReportError
        No Chromium found (install Debian's ``chromium`` package).
    """
    env = os.environ.get(CHROMIUM_ENV)
    if env:
        if shutil.which(env):
            return shutil.which(env)
        raise ReportError(f"${CHROMIUM_ENV} names no executable: {env}")
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise ReportError(
        "the PDF is printed by headless Chromium, which is not installed "
        "(Debian: apt-get install chromium; or set $CXLAB_CHROMIUM)"
    )


def _headings(html: str) -> list[tuple[str, str]]:
    """``(id, text)`` of every section heading (``<h2>``) in report order."""
    out = []
    for hid, inner in _H2_RE.findall(html):
        text = _html.unescape(_TAG_RE.sub("", inner)).replace("¶", "").strip()
        if text:
            out.append((hid, text))
    return out


def print_html(html: str, *, footer: str = "", pages: dict[str, int] | None = None) -> str:
    """The report's HTML for printing: the print stylesheet and a contents page
    (after the opening heading and introduction) listing every section, with the
    page it starts on when ``pages`` (heading id -> page number) is given.

    Parameters
    ----------
    html : str
        The report's HTML.
    footer : str
        Text for the printed pages' footer.
    pages : dict of str to int, optional
        Each heading id's page number (None: the contents list no pages).
    """
    css = PRINT_CSS.replace("{footer}", footer.replace("\\", "").replace('"', "'"))
    items = []
    for hid, text in _headings(html):
        page = "" if pages is None else str(pages.get(hid, ""))
        items.append(
            f'<li><a href="#{_html.escape(hid)}">{_html.escape(text)}</a>'
            f'<span class="cx-dots"></span><span class="cx-page">{page or "&#8199;&#8199;"}'
            "</span></li>"
        )
    nav = (
        '<nav class="cx-contents" aria-label="Contents"><h2 class="cx-contents-title">Contents'
        "</h2><ol>" + "".join(items) + "</ol></nav>"
    )
    out = html.replace("</head>", f"<style>{css}</style>\n</head>", 1)
    out = _TH_RE.sub(lambda m: m.group(1) + m.group(2).replace("_", "_<wbr>") + m.group(3), out)
    first = _H2_RE.search(out)
    if first is None:
        return out.replace("</main>", nav + "</main>", 1) if "</main>" in out else out + nav
    start = out.rfind('<div class="jp-Cell', 0, first.start())
    cut = start if start >= 0 else first.start()
    return out[:cut] + nav + "\n" + out[cut:]


def section_pages(pdf: str | os.PathLike) -> dict[str, int]:
    """``{heading text: first page (1-based)}`` from a PDF's bookmarks (first
    occurrence of each title).

    Parameters
    ----------
    pdf : str or path-like
        The PDF file.
    """
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    out: dict[str, int] = {}

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            title = str(item.title).replace("¶", "").strip()
            page = reader.get_destination_page_number(item)
            if title not in out and page is not None and page >= 0:
                out[title] = page + 1

    walk(reader.outline)
    return out


def _chromium_print(html: str, out: Path, work: Path, timeout: int) -> None:
    page = work / "print.html"
    page.write_text(html, encoding="utf-8")
    cmd = [
        find_chromium(),
        *_FLAGS,
        f"--user-data-dir={work / 'profile'}",
        f"--print-to-pdf={out}",
        page.as_uri(),
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as err:
        raise ReportError(f"Chromium did not print the PDF within {timeout} s") from err
    if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise ReportError("Chromium could not print the PDF: " + " | ".join(tail))


def print_pdf(
    html: str | os.PathLike,
    out: str | os.PathLike,
    *,
    title: str = "",
    run_date: _dt.date | None = None,
    timeout: int = 180,
) -> Path:
    """Print the HTML report ``html`` (a file) to the PDF ``out``.

    Parameters
    ----------
    html : path
        The run's ``report.html``.
    out : path
        The PDF to write (complete or absent: written under a temporary name first).
    title : str
        Shown at the foot of every page (with ``run_date``).
    run_date : date, optional
        The run's date for the footer.
    timeout : int
        Seconds allowed for each Chromium print.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ReportError
        No Chromium, or Chromium failed or timed out.
    """
    out = Path(out)
    text = Path(html).read_text(encoding="utf-8")
    footer = title + (f" · {run_date.day} {run_date.strftime('%B %Y')}" if run_date else "")
    headings = _headings(text)
    with tempfile.TemporaryDirectory(prefix="cxlab-pdf-") as tmp:
        work = Path(tmp)
        first = work / "first.pdf"
        _chromium_print(print_html(text, footer=footer), first, work, timeout)
        pages = _match_pages(headings, section_pages(first))
        final = work / "final.pdf"
        _chromium_print(print_html(text, footer=footer, pages=pages), final, work, timeout)
        if _match_pages(headings, section_pages(final)) != pages:  # numbers moved a page
            pages = _match_pages(headings, section_pages(final))
            _chromium_print(print_html(text, footer=footer, pages=pages), final, work, timeout)
        part = out.with_name(out.name + ".part")
        try:
            shutil.copyfile(final, part)
            os.replace(part, out)
        finally:
            part.unlink(missing_ok=True)
    return out


def _match_pages(headings: list[tuple[str, str]], found: dict[str, int]) -> dict[str, int]:
    """Heading id -> page; titles compared without white space (a bookmark of a
    heading that wrapped loses the space at the line break)."""
    keyed = {}
    for title, page in found.items():
        keyed.setdefault(re.sub(r"\s+", "", title), page)
    out = {}
    for hid, text in headings:
        page = keyed.get(re.sub(r"\s+", "", text))
        if page is not None:
            out[hid] = page
    return out
