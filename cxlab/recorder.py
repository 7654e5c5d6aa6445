"""The notebook's side of a report: recorded figures, tables and key figures, and the
HTML export.

:class:`Recorder` writes what the report notebook shows into its run folder
(``figures/*.png`` with alt text and, when the run makes a slide deck, a 300 dpi
copy in ``figures/hires/``, ``tables/*.csv``, ``key_figures.json``, and ``storyline.json``:
each section's headline, note and evidence, see :mod:`cxlab.storyline`) and does
nothing in a plain Jupyter session. :func:`export_html` turns an executed notebook
into the client's HTML report: no code, no parameters, no CDN scripts, images inline
with alt text.

Examples
--------
>>> from cxlab.recorder import Recorder
>>> Recorder(None).record("net_advocacy", 12.5)
12.5
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from cxlab.errors import ParameterError, ReportError

__all__ = ["Recorder", "export_html"]

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}$")
#: Resolution of the copy of each figure the deck uses (``figures/hires/<name>.png``).
HIRES_DPI = 300
#: Set (to "1") by the runner when the run makes a deck: only then are the
#: high-resolution copies written (they cost time).
HIRES_ENV = "CXLAB_HIRES_FIGURES"


class Recorder:
    """Write a notebook's figures, tables and key figures into its run folder.

    Parameters
    ----------
    output_dir : path or None
        The run folder (the validated ``output_dir`` parameter). ``None`` (a plain
        Jupyter session or an nbval run): nothing is written, values are only
        passed through and shown.
    personal_columns : iterable of str, optional
        Personal-data column names: :meth:`table` refuses a frame with any of them
        or with a ``respondent_id`` column (a report shows aggregates, never
        respondent-level rows).
    personal : DataFrame, optional
        The survey's personal data (``survey.personal``). A frame column named like
        one of its columns is refused when it holds any of that column's values, so
        a table of events may still have a ``name`` column while one of respondents'
        names may not.

    Examples
    --------
    >>> rec = Recorder(None)
    >>> rec.record("net_advocacy", 12.5)
    12.5
    """

    def __init__(
        self,
        output_dir: str | os.PathLike | None,
        *,
        personal_columns: Iterable[str] = (),
        personal: pd.DataFrame | None = None,
    ) -> None:
        self.output_dir = None if output_dir is None else Path(output_dir)
        self.personal_columns = frozenset(str(c) for c in personal_columns) | {"respondent_id"}
        # the values as text, as they are (no set of a million Python strings: at 1M
        # respondents that was about 0.5 GB of the kernel and a second of every report)
        self._personal_values = {
            str(c): personal[c].dropna().astype(str)
            for c in (personal.columns if personal is not None else [])
        }

    def record(self, name: str, value: Any, *, alt: str | None = None) -> Any:
        """Record ``value`` under ``name`` and return it unchanged.

        A matplotlib Figure goes to ``figures/<name>.png`` (``alt`` is required:
        the report's alt text), a DataFrame to ``tables/<name>.csv``, anything
        else JSON-serialisable to ``key_figures.json``.

        Parameters
        ----------
        name : str
            The name.
        value : object
            The value.
        alt : str
            Alternative text of the figure (for readers who cannot see it).
        """
        _check_name(name)
        if self.output_dir is None:
            return value
        from matplotlib.figure import Figure

        if isinstance(value, Figure):
            if not alt:
                raise ReportError("every recorded figure needs alt text", location=name)
            folder = self.output_dir / "figures"
            folder.mkdir(parents=True, exist_ok=True)
            value.savefig(folder / f"{name}.png", dpi=150, bbox_inches="tight")
            _save_hires(value, folder, name)
            _merge_json(folder / "figures.json", {name: {"file": f"{name}.png", "alt": alt}})
        elif isinstance(value, pd.DataFrame):
            folder = self.output_dir / "tables"
            folder.mkdir(parents=True, exist_ok=True)
            value.to_csv(folder / f"{name}.csv", index=False)
        else:
            _merge_json(self.output_dir / "key_figures.json", {name: _jsonable(value)})
        return value

    def figure(self, name: str, fig, alt: str):
        """Record ``fig``, close it and return an image display object carrying ``alt``.

        Make it the last expression of a notebook cell (or ``display()`` it): the
        figure shows once, with its alt text in the HTML report and as its text
        repr (which nbval compares).

        Parameters
        ----------
        name : str
            The name.
        fig : matplotlib.figure.Figure
            The figure.
        alt : str
            Alternative text of the figure (for readers who cannot see it).
        """
        from matplotlib import pyplot as plt

        _check_name(name)
        if not alt:
            raise ReportError("every recorded figure needs alt text", location=name)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
        plt.close(fig)
        png = buffer.getvalue()
        if self.output_dir is not None:
            folder = self.output_dir / "figures"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.png").write_bytes(png)
            _save_hires(fig, folder, name)
            _merge_json(folder / "figures.json", {name: {"file": f"{name}.png", "alt": alt}})
        width = int.from_bytes(png[16:20], "big")  # PNG IHDR: shown at 100 dpi
        return _alt_image_class()(
            data=png, format="png", width=round(width * 100 / 150), metadata={"alt": alt}
        )

    def storyline(self, story) -> None:
        """Record the report's storyline (:func:`cxlab.storyline.build`) for the deck.

        Writes ``storyline.json`` and adds the numbers its headlines quote to
        ``key_figures.json``. Returns None (nothing to show in the notebook).

        Parameters
        ----------
        story : cxlab.storyline.Storyline or mapping
            The storyline (an object with ``to_dict()`` or a mapping).

        Raises
        ------
        ReportError
            The storyline quotes a value of the survey's personal data.
        """
        data = story.to_dict() if hasattr(story, "to_dict") else dict(story)
        text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
        pieces: dict = {}  # the text's substrings, shared by the columns
        leaked = sorted(
            c
            for c, values in self._personal_values.items()
            if _quotes_any(text, values, pieces=pieces)
        )
        if leaked:
            raise ReportError(
                "the storyline must not quote personal data", location="storyline", column=leaked
            )
        if self.output_dir is None:
            return None
        self.output_dir.mkdir(parents=True, exist_ok=True)
        (self.output_dir / "storyline.json").write_text(text, encoding="utf-8")
        _merge_json(self.output_dir / "key_figures.json", _jsonable(data.get("numbers", {})))
        return None

    def table(
        self, name: str, frame: pd.DataFrame, *, decimals: int = 2, index: str | None = None
    ) -> pd.DataFrame:
        """Record ``frame`` and return it for display: rounded, indexed by ``index``
        (default: its first column) so that no meaningless row numbers show.

        Parameters
        ----------
        name : str
            The name.
        frame : pandas.DataFrame
            The data.
        decimals : int
            Decimals shown.
        index : bool
            Write the index.

        Raises
        ------
        ReportError
            ``frame`` has a ``respondent_id`` column, one of ``personal_columns``, or a
            column of ``personal`` holding its values: personal data never enters a
            report.
        """
        flat = frame.reset_index() if any(n is not None for n in frame.index.names) else frame
        leaked = sorted(
            str(c)
            for c in flat.columns
            if str(c) in self.personal_columns
            or (
                str(c) in self._personal_values
                # the survey's values looked up among the table's few (a hash of a handful
                # of cells, not of a million personal values, per table)
                and self._personal_values[str(c)].isin(set(flat[c].dropna().astype(str))).any()
            )
        )
        if leaked:
            raise ReportError(
                "a report table must not carry respondent ids or personal data",
                location=name,
                column=leaked,
            )
        self.record(name, frame)
        shown = frame.round(decimals)
        for col in shown.columns:  # + 0.0: a rounded -0.0 (from a value like -1e-15) shows as 0.00
            if pd.api.types.is_float_dtype(shown[col]):
                shown[col] = shown[col] + 0.0
            elif pd.api.types.is_object_dtype(shown[col]):
                shown[col] = shown[col].map(
                    lambda v: round(v, decimals) + 0.0 if isinstance(v, float) else v
                )
        return shown.set_index(index or shown.columns[0])


def _save_hires(fig, folder: Path, name: str) -> None:
    if os.environ.get(HIRES_ENV) != "1":
        return
    hires = folder / "hires"
    hires.mkdir(exist_ok=True)
    fig.savefig(hires / f"{name}.png", dpi=HIRES_DPI, bbox_inches="tight")


def _alt_image_class():
    """An IPython Image whose text repr is its alt text (what nbval compares)."""
    from IPython.display import Image

    def __repr__(self) -> str:
        return f"<Figure: {self.metadata.get('alt', '')}>"

    return type("FigureImage", (Image,), {"__repr__": __repr__})


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, dict):
        try:
            value = value.item()  # numpy scalar -> Python scalar
        except (ValueError, TypeError):
            pass
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _quotes_any(text: str, values: pd.Series, shortest: int = 8, pieces=None) -> bool:
    """Whether ``text`` contains one of ``values`` (text) of ``shortest`` or more
    characters (short answers such as "ok" occur by chance).

    Same answer as ``any(v in text for v in values if len(v) >= shortest)``, without
    searching the text once per value: a value can only occur where its first
    ``shortest`` characters do, so the values whose first characters are among the
    text's substrings of that length (one vectorised lookup) are the only ones
    searched for. ``pieces`` caches those substrings across calls on the same text.
    """
    long = values[(values.str.len() >= shortest).to_numpy()]
    if long.empty:
        return False
    pieces = {} if pieces is None else pieces
    if shortest not in pieces:
        pieces[shortest] = {text[i : i + shortest] for i in range(len(text) - shortest + 1)}
    heads = long.str.slice(0, shortest)
    candidates = long[heads.isin(pieces[shortest]).to_numpy()]
    return any(v in text for v in candidates)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ParameterError(
            "recorded names are lower-case letters, digits, '_' and '-'", location=str(name)
        )


def _merge_json(path: Path, update: dict) -> None:
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data.update(update)
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


# --------------------------------------------------------------------- html
_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" alt="{{ ((output | get_metadata('alt', 'image/png')) or 'Figure') | escape_html }}">
</div>
{%- endblock data_png %}
"""
_REMOTE_RE = re.compile(r"<(script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


def export_html(notebook, title: str | None = None) -> str:
    """HTML report of an executed notebook: no code, no CDN scripts, inline images.

    Code inputs and prompts are excluded, cells tagged ``parameters`` or
    ``injected-parameters`` are dropped, stderr streams (warnings) are left out,
    and every PNG carries the alt text given to :meth:`Recorder.figure`.

    Parameters
    ----------
    notebook : str or path-like
        The notebook.
    title : str
        The title.

    Raises
    ------
    ReportError
        If the result would still load a script or stylesheet from the network.
    """
    import copy

    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    if isinstance(notebook, str | os.PathLike):
        notebook = nbformat.read(str(notebook), as_version=4)
    nb = copy.deepcopy(notebook)
    drop = {"parameters", "injected-parameters", "remove-cell"}
    nb.cells = [c for c in nb.cells if not drop & set(c.get("metadata", {}).get("tags", []))]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")
            ]
    if title:
        nb.metadata["title"] = title
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"cxlab_report.html.j2": _TEMPLATE})],
        template_file="cxlab_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    html, _ = exporter.from_notebook_node(nb)
    if _REMOTE_RE.search(html):
        raise ReportError("the HTML report would load a script or stylesheet from the network")
    return html
