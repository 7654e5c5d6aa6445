"""The client's slide deck (``report.pptx``) from what the report notebook recorded.

:func:`build_deck` reads a run folder (``storyline.json``, ``figures/figures.json``
with the high-resolution copies in ``figures/hires/``, ``tables/*.csv``) and writes a
PowerPoint deck: a title slide (client, study, date, base), the executive summary
(where we stand, what matters, how, when), one slide per section with its headline
finding as the title, its chart (a picture with the figure's alt text) or a native
table, and a note on the base and on suppression (the section's written finding is
in the speaker notes), one slide per further chart (and per recorded chart no
section claims), a methods slide, and an appendix
of every recorded table as native, editable PowerPoint tables. Nothing is taken
from the HTML.

A firm's template (``template: path.pptx``) gives the master slides, fonts and
colours: its "Title Slide" and "Title Only" layouts are used (by name, else the
first layout with a title) and any slides it holds are left out. Without one, a
plain built-in 16:9 design is used.

The deck is deterministic: its date and document properties come from the run's
start (the manifest's ``started_utc``), and the zip entries carry that time too, so
the same run folder and date always give the same bytes.

Examples
--------
>>> from cxlab.deck import build_deck                                  # doctest: +SKIP
>>> build_deck("reports/sample-bank/20261201T101500Z-3f9a1c", "report.pptx")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
import os
import re
import zipfile
from pathlib import Path

import pandas as pd

from cxlab.errors import ReportError
from cxlab.storyline import (
    FIGURE_CAPTIONS,
    METHODS_TABLES,
    TABLE_TITLES,
    Storyline,
    StorySection,
)

__all__ = ["build_deck", "format_cell", "table_layout", "table_pages"]

_EMU = 914400  # per inch
_DARK = (0x1F, 0x29, 0x37)
_GREY = (0x55, 0x5F, 0x6B)
_ACCENT = (0x00, 0x72, 0xB2)
_TABLE_SKIP = {"report_sections"}  # "what this report covers" is on the methods slide
_NOT_REPORTED = "—"
_CHAR = 0.56  # average character width of a sans-serif font, in em
_NUMBER_RE = re.compile(r"^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")


def build_deck(
    folder: str | os.PathLike,
    out: str | os.PathLike,
    *,
    template: str | os.PathLike | None = None,
    run_date: _dt.datetime | _dt.date | None = None,
) -> Path:
    """Write the slide deck of the run folder ``folder`` to ``out``.

    Parameters
    ----------
    folder : path
        A run folder the report notebook recorded into (``storyline.json`` needed).
    out : path
        The ``.pptx`` to write (a new file; written completely or not at all).
    template : path, optional
        A ``.pptx`` whose masters and layouts to use; default the built-in design.
    run_date : datetime or date, optional
        The run's date (default: today, UTC); shown on the title slide and used for
        the document properties and zip timestamps.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ReportError
        No storyline in ``folder``, or a template that cannot be read.
    """
    from pptx import Presentation
    from pptx.util import Emu

    folder, out = Path(folder), Path(out)
    story_path = folder / "storyline.json"
    if not story_path.is_file():
        raise ReportError(
            "no storyline.json in the run folder: the report notebook must record "
            "rec.storyline(...) for a deck",
            file=str(folder),
        )
    try:
        story = Storyline.from_dict(json.loads(story_path.read_text(encoding="utf-8")))
    except (KeyError, TypeError, ValueError) as err:
        raise ReportError(f"not a storyline ({err!r})", file=str(story_path)) from err
    when = _as_datetime(run_date)
    if template is not None:
        try:
            prs = Presentation(str(template))
        except Exception as err:  # python-pptx raises several kinds
            raise ReportError(f"cannot read the deck template ({err})", file=str(template)) from err
        _drop_slides(prs)
    else:
        prs = Presentation()
        _widen(prs, Emu(int(13.333 * _EMU)))
    deck = _Deck(prs, story, folder, when, plain=template is None)
    deck.build()
    props = prs.core_properties
    props.title = f"{story.client}: customer experience report"
    props.subject = story.study
    props.author = props.last_modified_by = "cxlab"
    props.created = props.modified = props.last_printed = when.replace(tzinfo=None)
    props.revision = 1
    buffer = io.BytesIO()
    prs.save(buffer)
    _write_fixed_zip(buffer.getvalue(), out, when)
    return out


def format_cell(value, column: str = "") -> str:
    """A table cell as shown in the deck: numbers rounded by size, NaN as a dash.

    Parameters
    ----------
    value : object
        The cell's value.
    column : str
        The cell's column name (count columns show floats without decimals).

    Examples
    --------
    >>> format_cell(15368289.1), format_cell(0.12345), format_cell(float("nan")), format_cell(True)
    ('15,368,289', '0.12', '—', 'yes')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _NOT_REPORTED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if column in {"n", "count", "base", "n_flagged", "n_items", "n_rated"} or (
            abs(value) >= 1000
        ):
            return f"{value:,.0f}"
        return f"{value:.2f}"
    text = str(value)
    if _NUMBER_RE.match(text):  # a number in a text column (e.g. a statistic, value table)
        return format_cell(float(text), column)
    return {"True": "yes", "False": "no"}.get(text, text)


def table_pages(
    frame: pd.DataFrame, width_in: float = 12.3, height_in: float = 5.0, size_pt: float = 12
) -> list[pd.DataFrame]:
    """Split a table into pieces that fit a box of ``width_in`` x ``height_in`` inches
    at ``size_pt`` (long cells wrap within their column, see :func:`table_layout`).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    width_in : float
        The box's width in inches.
    height_in : float
        The box's height in inches.
    size_pt : float
        The font size in points.
    """
    if frame.empty:
        return [frame]
    _widths, heights = table_layout(frame, width_in, size_pt)
    pages, start, used = [], 0, heights[0]
    for i, h in enumerate(heights[1:]):
        if used + h > height_in and i > start:
            pages.append(frame.iloc[start:i])
            start, used = i, heights[0]
        used += h
    pages.append(frame.iloc[start:])
    return pages


def table_layout(
    frame: pd.DataFrame, width_in: float, size_pt: float
) -> tuple[list[float], list[float]]:
    """Column widths and row heights (inches, header row first) of a table in a box
    ``width_in`` wide: every column at least as wide as its longest header word, the
    rest shared by content length; rows as tall as their most wrapped cell.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    width_in : float
        The box's width in inches.
    size_pt : float
        The font size in points.
    """
    char, pad = size_pt * _CHAR / 72, 0.14
    heads = [_header(c) for c in frame.columns]
    texts = [[format_cell(v, c) for v in frame[c]] for c in frame.columns]
    least, ideal = _column_needs(heads, texts, char, pad)
    if sum(ideal) <= width_in:
        widths = [i * width_in / sum(ideal) for i in ideal]
    elif sum(least) < width_in:
        extra = [i - m for i, m in zip(ideal, least, strict=True)]
        room = width_in - sum(least)
        widths = [m + room * e / (sum(extra) or 1) for m, e in zip(least, extra, strict=True)]
    else:
        widths = [m * width_in / sum(least) for m in least]

    def height(cells, bold: float = 1.0) -> float:
        lines = max(
            _lines(t, max(w - pad, char) / (char * bold))
            for t, w in zip(cells, widths, strict=True)
        )
        return lines * size_pt * 1.2 / 72 + 0.08

    rows = [height(heads, 1.15)] + [height(cells) for cells in zip(*texts, strict=True)]
    return widths, rows


def _lines(text: str, per_line: float) -> int:
    """Lines ``text`` takes when wrapped at word boundaries, ``per_line`` characters each."""
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, 0
        used += (1 if used else 0) + len(word)
        while used > per_line:  # a word longer than the column breaks
            lines, used = lines + 1, used - int(per_line)
    return lines


def _column_needs(heads, texts, char: float, pad: float) -> tuple[list[float], list[float]]:
    """Least (longest header word, in bold) and ideal (longest cell, at most 90
    characters) width of each column, in inches."""
    least = [max(len(w) for w in h.split()) * char * 1.2 + pad if h else 0.5 for h in heads]
    ideal = [
        max(min(max((len(t) for t in col), default=1), 90), len(h) * 0.6) * char + pad
        for h, col in zip(heads, texts, strict=True)
    ]
    return least, [max(i, m) for i, m in zip(ideal, least, strict=True)]


def _ideal_width(frame: pd.DataFrame, size_pt: float) -> float:
    char = size_pt * _CHAR / 72
    heads = [_header(c) for c in frame.columns]
    texts = [[format_cell(v, c) for v in frame[c]] for c in frame.columns]
    return sum(_column_needs(heads, texts, char, 0.14)[1])


def _fit_size(chars: int, width_in: float, height_in: float) -> int:
    """The largest font size (20 pt down to 10) at which ``chars`` characters of
    wrapped text fit a ``width_in`` x ``height_in`` box."""
    for size in (20, 18, 16, 14, 12, 11, 10):
        per_line = width_in * 72 / (size * _CHAR)
        lines = height_in * 72 / (size * 1.2)
        if chars <= per_line * lines:
            return size
    return 10


def _font_size(frame: pd.DataFrame) -> int:
    n = len(frame.columns)
    return 14 if n <= 5 else 12 if n <= 9 else 11


# ------------------------------------------------------------------ internals
def _as_datetime(value) -> _dt.datetime:
    if value is None:
        return _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    if isinstance(value, _dt.datetime):
        return value.replace(microsecond=0)
    return _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.UTC)


def _date_words(when: _dt.datetime) -> str:
    return f"{when.day} {when.strftime('%B %Y')}"


def _widen(prs, width) -> None:
    """The built-in 4:3 template as 16:9: placeholders of every layout, then of the
    master, stretched horizontally (layouts first: they inherit the master's)."""
    factor = width / prs.slide_width
    shapes = [s for layout in prs.slide_layouts for s in layout.placeholders]
    shapes += list(prs.slide_master.placeholders)
    for shape in shapes:
        left, w = shape.left, shape.width
        if left is not None and w is not None:
            shape.left, shape.width = int(left * factor), int(w * factor)
    prs.slide_width = width


def _drop_slides(prs) -> None:
    """A template's own slides are examples: leave them out of the deck."""
    ids = prs.slides._sldIdLst
    for sld in list(ids):
        prs.part.drop_rel(sld.rId)
        ids.remove(sld)


def _layout(prs, names: tuple[str, ...], fallback: int):
    for layout in prs.slide_layouts:
        if layout.name.strip().lower() in names:
            return layout
    titled = [
        lay
        for lay in prs.slide_layouts
        if any(ph.placeholder_format.type in (1, 3) for ph in lay.placeholders)
    ]
    if fallback < len(prs.slide_layouts) and prs.slide_layouts[fallback] in titled:
        return prs.slide_layouts[fallback]
    if titled:
        return min(titled, key=lambda lay: len(lay.placeholders))
    return prs.slide_layouts[0]


def _write_fixed_zip(data: bytes, out: Path, when: _dt.datetime) -> None:
    """Rewrite the package with every entry dated ``when`` (deterministic bytes);
    written to a temporary name and renamed, so ``out`` is complete or absent."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    part = out.with_name(out.name + ".part")
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as src,
            zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as dst,
        ):
            for info in src.infolist():
                entry = zipfile.ZipInfo(info.filename, date_time=stamp)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o644 << 16
                dst.writestr(entry, src.read(info.filename))
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)


def _header(column: str) -> str:
    return str(column).replace("_", " ")


class _Deck:
    def __init__(self, prs, story: Storyline, folder: Path, when: _dt.datetime, plain: bool):
        from pptx.util import Inches

        self.prs, self.story, self.folder, self.when, self.plain = prs, story, folder, when, plain
        self.width, self.height = prs.slide_width, prs.slide_height
        self.margin = Inches(0.5)
        meta = folder / "figures" / "figures.json"
        self.figures = json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else {}
        tables = folder / "tables"
        self.tables = {p.stem: p for p in sorted(tables.glob("*.csv"))} if tables.is_dir() else {}
        self.title_layout = _layout(prs, ("title slide", "title"), 0)
        self.body_layout = _layout(prs, ("title only",), 5)
        self.shown_tables: set[str] = set()

    # -------------------------------------------------------------- slides
    def build(self) -> None:
        self.title_slide()
        self.summary_slide()
        for section in self.story.sections:
            self.section_slides(section)
        self.further_figures()
        self.methods_slide()
        self.appendix()

    def new_slide(self, title: str, layout=None):
        slide = self.prs.slides.add_slide(layout or self.body_layout)
        for ph in list(slide.placeholders):  # date / footer / number placeholders stay empty
            if ph.placeholder_format.type not in (1, 3):
                ph._element.getparent().remove(ph._element)
        self.set_title(slide, title)
        self.footer(slide)
        return slide

    def set_title(self, slide, text: str, size: int | None = None) -> None:
        from pptx.dml.color import RGBColor
        from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
        from pptx.util import Inches, Pt

        shape = slide.shapes.title
        if shape is None:
            shape = slide.shapes.add_textbox(
                self.margin, Inches(0.3), self.width - 2 * self.margin, Inches(1.1)
            )
        frame = shape.text_frame
        frame.text = text
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
        if self.plain and size is None:
            shape.left, shape.top = self.margin, Inches(0.3)
            shape.width, shape.height = self.width - 2 * self.margin, Inches(1.05)
            frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            para = frame.paragraphs[0]
            para.alignment = PP_ALIGN.LEFT
            font = para.runs[0].font
            font.size = Pt(26 if len(text) <= 70 else 22)
            font.bold = True
            font.color.rgb = RGBColor(*_DARK)
        elif size is not None:
            frame.paragraphs[0].runs[0].font.size = Pt(size)

    def footer(self, slide) -> None:
        from pptx.util import Inches, Pt

        box = slide.shapes.add_textbox(
            self.margin, self.height - Inches(0.4), self.width - 2 * self.margin, Inches(0.3)
        )
        self.write(
            box.text_frame,
            [f"{self.story.client} · {self.story.study} · {_date_words(self.when)}"],
            Pt(9),
            _GREY,
        )

    def write(self, frame, lines, size, color=_DARK, bold_first: bool = False) -> None:
        from pptx.dml.color import RGBColor

        frame.word_wrap = True
        for i, line in enumerate(lines):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            run = para.add_run()
            run.text = line
            run.font.size = size
            run.font.color.rgb = RGBColor(*color)
            run.font.bold = bold_first and i == 0

    def content_box(self, slide) -> tuple[int, int, int, int]:
        """left, top, width, height of the area under the title and above the note."""
        from pptx.util import Inches

        title = slide.shapes.title
        top = (title.top + title.height if title is not None else Inches(1.4)) + Inches(0.1)
        bottom = self.height - Inches(1.15)
        return self.margin, top, self.width - 2 * self.margin, bottom - top

    def note(self, slide, text: str) -> None:
        from pptx.util import Inches, Pt

        box = slide.shapes.add_textbox(
            self.margin, self.height - Inches(1.05), self.width - 2 * self.margin, Inches(0.6)
        )
        self.write(box.text_frame, [text], Pt(11), _GREY)

    def title_slide(self) -> None:
        from pptx.enum.text import MSO_AUTO_SIZE
        from pptx.util import Pt

        slide = self.prs.slides.add_slide(self.title_layout)
        title = slide.shapes.title
        if title is not None:
            title.text_frame.text = self.story.client
        subtitle = next((ph for ph in slide.placeholders if ph.placeholder_format.type == 4), None)
        lines = [self.story.study, _date_words(self.when), self.story.base]
        for ph in list(slide.placeholders):
            if ph.placeholder_format.type not in (1, 3, 4):
                ph._element.getparent().remove(ph._element)
        if subtitle is None:
            left, top, width, height = self.content_box(slide)
            subtitle = slide.shapes.add_textbox(left, top + height // 2, width, height // 2)
        subtitle.text_frame.text = ""
        subtitle.text_frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
        self.write(subtitle.text_frame, lines, Pt(18), _GREY)

    def summary_slide(self) -> None:
        from pptx.dml.color import RGBColor
        from pptx.util import Inches, Pt

        slide = self.new_slide("Executive summary")
        left, top, width, height = self.content_box(slide)
        height += Inches(0.6)  # no note on this slide
        items = list(self.story.summary.items())
        cols = 2 if len(items) > 1 else 1
        rows = math.ceil(len(items) / cols)
        gap = Inches(0.3)
        w = (width - gap * (cols - 1)) // cols
        h = (height - gap * (rows - 1)) // rows
        longest = max((len(t) for _, t in items), default=0)
        size = Pt(_fit_size(longest, (w - Inches(0.4)) / _EMU, (h - Inches(0.7)) / _EMU))
        for i, (question, text) in enumerate(items):
            r, c = divmod(i, cols)
            box = slide.shapes.add_shape(
                1, left + c * (w + gap), top + r * (h + gap), w, h
            )  # 1: rectangle
            box.fill.solid()
            box.fill.fore_color.rgb = RGBColor(0xF2, 0xF5, 0xF8)
            box.line.color.rgb = RGBColor(0xD0, 0xD7, 0xDE)
            box.shadow.inherit = False
            frame = box.text_frame
            frame.margin_left = frame.margin_right = Inches(0.2)
            frame.margin_top = Inches(0.12)
            frame.vertical_anchor = 1  # top
            frame.text = ""
            self.write(frame, [question], Pt(17), _ACCENT, bold_first=True)
            self.write_more(frame, text, size)

    def write_more(self, frame, text: str, size) -> None:
        from pptx.dml.color import RGBColor

        para = frame.add_paragraph()
        run = para.add_run()
        run.text = text
        run.font.size = size
        run.font.color.rgb = RGBColor(*_DARK)
        para.alignment = 1  # left

    def section_slides(self, section: StorySection) -> None:
        figures = [f for f in section.figures if f in self.figures and self.image(f)]
        tables = [t for t in section.tables if t in self.tables]
        slide = self.new_slide(section.headline)
        self.notes(slide, section)
        left, top, width, height = self.content_box(slide)
        side = tables[0] if tables and figures else None
        if side is not None:
            frame = self.read_table(side)
            fits = _ideal_width(frame, _font_size(frame)) <= 0.36 * width / _EMU
            if len(frame) > 6 or not fits:
                side = None
        if figures and side is not None:
            chart_w = int(width * 0.62)
            self.picture(slide, figures[0], left, top, chart_w, height)
            frame = self.read_table(side)
            tw = width - chart_w - self.margin // 2
            self.native_table(slide, frame, left + chart_w + self.margin // 2, top, tw, height)
            self.shown_tables.add(side)
        elif figures:
            self.picture(slide, figures[0], left, top, width, height)
        elif tables:
            frame = self.read_table(tables[0])
            pages = table_pages(frame, width / _EMU, height / _EMU, _font_size(frame))
            self.native_table(slide, pages[0], left, top, width, height)
            if len(pages) == 1:
                self.shown_tables.add(tables[0])
        self.note(slide, section.note)
        for name in figures[1:]:
            caption = FIGURE_CAPTIONS.get(name, name.replace("_", " "))
            extra = self.new_slide(f"{section.title}: {caption}")
            self.notes(extra, section)
            left, top, width, height = self.content_box(extra)
            self.picture(extra, name, left, top, width, height)
            self.note(extra, section.note)

    def further_figures(self) -> None:
        """Recorded figures no section claims (a section without a storyline entry):
        one slide each, titled by the figure's caption, so no chart is lost."""
        claimed = {f for s in self.story.sections for f in s.figures}
        for name in sorted(set(self.figures) - claimed):
            if not self.image(name):
                continue
            caption = FIGURE_CAPTIONS.get(name, name.replace("_", " "))
            slide = self.new_slide(f"Further figure: {caption}")
            left, top, width, height = self.content_box(slide)
            self.picture(slide, name, left, top, width, height)
            self.note(slide, self.figures[name].get("alt") or "")

    def notes(self, slide, section: StorySection) -> None:
        slide.notes_slide.notes_text_frame.text = f"{section.text}\n\n{section.note}"

    def image(self, name: str) -> Path | None:
        file = self.figures[name]["file"]
        for path in (self.folder / "figures" / "hires" / file, self.folder / "figures" / file):
            if path.is_file():
                return path
        return None

    def picture(self, slide, name: str, left, top, width, height) -> None:
        from PIL import Image

        path = self.image(name)
        with Image.open(path) as img:
            w_px, h_px = img.size
        scale = min(width / w_px, height / h_px)
        w, h = int(w_px * scale), int(h_px * scale)
        pic = slide.shapes.add_picture(
            str(path), left + (width - w) // 2, top + (height - h) // 2, w, h
        )
        alt = self.figures[name].get("alt") or name
        pic._element.nvPicPr.cNvPr.set("descr", alt)
        pic._element.nvPicPr.cNvPr.set("name", f"Chart: {name}")

    def read_table(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.tables[name], keep_default_na=True)

    def native_table(self, slide, frame: pd.DataFrame, left, top, width, height) -> None:
        from pptx.dml.color import RGBColor
        from pptx.util import Inches, Pt

        n_rows, n_cols = len(frame) + 1, max(len(frame.columns), 1)
        size = _font_size(frame)
        widths, heights = table_layout(frame, width / _EMU, size)
        total_h = min(Inches(sum(heights)), height)
        shape = slide.shapes.add_table(n_rows, n_cols, left, top, width, total_h)
        table = shape.table
        for j, w in enumerate(widths):
            table.columns[j].width = Inches(w)
        for i, h in enumerate(heights):
            table.rows[i].height = Inches(h)
        for j, col in enumerate(frame.columns):
            self.cell(table.cell(0, j), _header(col), Pt(size), bold=True)
        for i in range(len(frame)):
            for j, col in enumerate(frame.columns):
                value = frame.iloc[i, j]
                text = format_cell(value, col)
                numeric = _NUMBER_RE.match(str(value)) is not None or text == _NOT_REPORTED
                self.cell(table.cell(i + 1, j), text, Pt(size), right=numeric)
        if self.plain:
            for j in range(n_cols):
                table.cell(0, j).fill.solid()
                table.cell(0, j).fill.fore_color.rgb = RGBColor(*_ACCENT)

    def cell(self, cell, text: str, size, bold: bool = False, right: bool = False) -> None:
        from pptx.enum.text import PP_ALIGN
        from pptx.util import Inches

        cell.margin_left = cell.margin_right = Inches(0.05)
        cell.margin_top = cell.margin_bottom = Inches(0.03)
        frame = cell.text_frame
        frame.word_wrap = True
        frame.text = text
        para = frame.paragraphs[0]
        para.alignment = PP_ALIGN.RIGHT if right else PP_ALIGN.LEFT
        for run in para.runs:
            run.font.size = size
            run.font.bold = bold

    def methods_slide(self) -> None:
        from pptx.util import Pt

        slide = self.new_slide("Methods")
        left, top, width, height = self.content_box(slide)
        box = slide.shapes.add_textbox(left, top, width, height)
        lines = [f"• {m}" for m in self.story.methods]
        if self.story.left_out:
            lines += ["", "Not in this report:"]
            lines += [f"• {t}: {reason}." for t, reason in self.story.left_out]
        size = Pt(14 if sum(len(x) for x in lines) < 1400 else 12)
        self.write(box.text_frame, lines, size)
        self.note(
            slide,
            "Every figure in this deck comes from the same run as the HTML report and the "
            "tables workbook; nothing was typed in by hand.",
        )

    def appendix(self) -> None:
        order = [t for s in self.story.sections for t in s.tables] + list(METHODS_TABLES)
        order += sorted(set(self.tables) - set(order) - {"software"}) + ["software"]
        seen = set()
        for name in order:
            if name in seen or name not in self.tables or name in _TABLE_SKIP:
                continue
            seen.add(name)
            if name in self.shown_tables:
                continue
            frame = self.read_table(name)
            if frame.empty:
                continue
            title = f"Appendix: {TABLE_TITLES.get(name, name.replace('_', ' ').capitalize())}"
            k = 0
            while len(frame):
                slide = self.new_slide(title + (" (continued)" if k else ""))
                left, top, width, height = self.content_box(slide)
                page = table_pages(frame, width / _EMU, height / _EMU, _font_size(frame))[0]
                frame, k = frame.iloc[len(page) :], k + 1
                self.native_table(slide, page, left, top, width, height)
                self.note(
                    slide,
                    f"{_NOT_REPORTED} not reported: a base below the minimum of "
                    f"{self.story.min_base} respondents, or not applicable. "
                    f"Source: tables/{name}.csv of this run.",
                )
