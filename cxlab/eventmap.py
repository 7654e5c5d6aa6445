"""The Customer Event Map: events by lifecycle stage, coloured by course of action.

* :func:`event_map` - the heat map of docs/framework.md section 4: one column per lifecycle
  stage (or channel), the events of that stage stacked in cells, each cell coloured by
  its action (Okabe-Ito, colour-blind safe) or by its priority score, and annotated with
  the event name, action, moment-of-truth marker and base.  Suppressed events are grey,
  hatched and labelled ``n<30``.
* :func:`lens_map` - the same events regrouped by a codebook lens (loyalty / retention
  / pain driver, operational capability, initiative).
* :func:`quad_map` - importance-performance map with confidence intervals in both
  directions, crosshairs at the mean or the scale midpoint, and labels kept apart by
  iterative repulsion.

Every function draws on the given matplotlib Axes (or a new figure) and returns it; none
computes statistics (they take :func:`cxlab.moments.prioritize` /
:func:`cxlab.moments.diagnose` tables).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from cxlab.synth import make_study
>>> from cxlab.priorities import prioritize
>>> from cxlab.eventmap import event_map
>>> survey, _ = make_study("banking", n_respondents=400, seed=0)
>>> ax = event_map(prioritize(survey))
>>> ax.figure is not None
True
"""

from __future__ import annotations

import textwrap

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize, to_rgb
from matplotlib.patches import Patch, Rectangle

from cxlab._style import ACTION_COLORS, OKABE_ITO, new_ax
from cxlab.errors import DataError, ParameterError
from cxlab.priorities import ACTIONS

__all__ = ["event_map", "lens_map", "quad_map"]

_SUPPRESSED = "#DDDDDD"
_LENSES = {
    "driver": "lens_driver",
    "capability": "lens_capability",
    "initiative": "lens_initiative",
}
_RATING_MEASURES = {
    "tactile",
    "emotive",
    "performance",
    "satisfaction",
    "significance",
    "personal_investment",
    "brand_expectation",
    "baseline_expectation",
}
_PRIORITY_CMAP = "YlOrRd"  # sequential, single-hue family: readable without colour vision


def _wrap(text: str, width: int) -> list[str]:
    """Wrap at spaces and after slashes ("Add/Renew/Upgrade")."""
    lines = textwrap.wrap(str(text).replace("/", "/ "), max(width, 4))
    return [line.replace("/ ", "/") for line in lines] or [str(text)]


def _fit(txt, build, wrap: int, max_w: float, max_h: float, renderer) -> None:
    """Re-wrap, then shrink, a text artist until it fits ``max_w`` x ``max_h`` pixels."""
    for _ in range(40):
        bb = txt.get_window_extent(renderer)
        if bb.width <= max_w and bb.height <= max_h:
            return
        if bb.width > max_w and wrap > 8:
            before = txt.get_text()
            txt.set_text(build(wrap - 2))
            if txt.get_window_extent(renderer).width < bb.width - 0.5:
                wrap -= 2
                continue
            txt.set_text(before)  # another line sets the width: shrink instead
        if txt.get_fontsize() <= 4.5:
            return
        txt.set_fontsize(txt.get_fontsize() - 0.5)


def _text_color(fill) -> str:
    r, g, b = to_rgb(fill)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _column_order(table: pd.DataFrame, by: str, order) -> list:
    if order is not None:
        present = set(table[by].dropna())
        return [c for c in order if c in present]
    col = table[by]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [c for c in col.cat.categories if c in set(col.dropna())]
    if by == "stage" and "stage_order" in table.columns:
        return table.sort_values("stage_order")["stage"].drop_duplicates().tolist()
    if "stage_order" in table.columns:  # lenses and channels in order of first appearance
        return (
            table.sort_values(["stage_order", "event_id"])[by].dropna().drop_duplicates().tolist()
        )
    return sorted(table[by].dropna().unique().tolist(), key=str)


def _grid(
    table: pd.DataFrame,
    by: str,
    ax,
    color: str,
    min_base: int,
    order,
    title: str,
    wrap: int,
    show_stage: bool,
):
    need = ["event_id", "action", "priority", by]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise DataError("the priorities table lacks columns the map needs", column=missing)
    if color not in ("action", "priority"):
        raise ParameterError(f"color must be 'action' or 'priority', got {color!r}")
    t = table.copy()
    if "name" not in t.columns:
        t["name"] = t["event_id"].astype(str)
    if "suppressed" not in t.columns:
        t["suppressed"] = t["action"].isna()
    columns = _column_order(t, by, order)
    if not columns:
        raise DataError("no events to map", column=by)
    t["_sort"] = t["priority"].fillna(-1)
    stacks = {
        c: t[t[by] == c].sort_values(["_sort", "event_id"], ascending=[False, True])
        for c in columns
    }
    nrows = max(len(s) for s in stacks.values())
    ncols = len(columns)
    if ax is None:
        width = max(6.0, 2.05 * ncols + 0.6)
        height = max(3.0, 1.0 * nrows + 1.6)
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(width, height))
        fig.subplots_adjust(left=0.01, right=0.99, top=1 - 0.55 / height, bottom=0.5 / height)
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    px = ax.get_window_extent(renderer)
    bbox = px.transformed(fig.dpi_scale_trans.inverted())
    cell_w_in = bbox.width / ncols
    cell_h_in = bbox.height / (nrows + 0.6)
    font = float(np.clip(min(cell_w_in * 5.8, cell_h_in * 11.0), 5.0, 9.5))
    chars = max(10, int(cell_w_in * 72 / (font * 0.6)))
    wrap = min(wrap, chars) if wrap else chars
    max_w = 0.84 * px.width / ncols
    max_h = 0.9 * px.height / (nrows + 0.6)
    norm = Normalize(0, 100)
    cmap = matplotlib.colormaps[_PRIORITY_CMAP]
    pad = 0.06
    for j, c in enumerate(columns):
        ax.add_patch(Rectangle((j + pad / 2, nrows), 1 - pad, 0.55, color="#444444", lw=0))
        head = ax.text(
            j + 0.5,
            nrows + 0.275,
            "\n".join(_wrap(c, chars)),
            ha="center",
            va="center",
            color="white",
            fontsize=font + 0.5,
            fontweight="bold",
        )
        _fit(head, lambda k, c=c: "\n".join(_wrap(c, k)), chars, max_w, 0.5 * max_h, renderer)
        for i, (_, row) in enumerate(stacks[c].iterrows()):
            y = nrows - 1 - i
            suppressed = bool(row["suppressed"]) or pd.isna(row["action"])
            if suppressed:
                fill, hatch = _SUPPRESSED, "///"
            elif color == "action":
                fill, hatch = ACTION_COLORS.get(str(row["action"]), "#BBBBBB"), None
            else:
                fill, hatch = cmap(norm(row["priority"])), None
            ax.add_patch(
                Rectangle(
                    (j + pad / 2, y + pad / 2),
                    1 - pad,
                    1 - pad,
                    facecolor=fill,
                    edgecolor="#555555" if suppressed else "white",
                    hatch=hatch,
                    lw=0.8,
                )
            )
            if suppressed:
                n = row.get("n", np.nan)
                detail = f"n<{min_base}" + (f" (n={int(n)})" if pd.notna(n) else "")
            else:
                n = row.get("n", np.nan)
                base = f"n={int(n)}" if pd.notna(n) else ""
                detail = f"{row['action']} · {base}".strip(" ·")
                if color == "priority":
                    detail += f" · p{row['priority']:.0f}"
            tail = [detail]
            if show_stage and "stage" in row and pd.notna(row["stage"]):
                tail.append(str(row["stage"]))

            def build(k, name=str(row["name"]), tail=tail):
                lines = _wrap(name, k)
                if len(lines) > 3:
                    lines = lines[:3]
                    lines[2] = lines[2].rstrip(".") + "…"
                return "\n".join(lines + tail)

            ink = "black" if suppressed else _text_color(fill)
            label = ax.text(
                j + 0.5,
                y + 0.5,
                build(wrap),
                ha="center",
                va="center",
                fontsize=font,
                color=ink,
                linespacing=1.1,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75}
                if suppressed
                else None,
            )
            _fit(label, build, wrap, max_w, max_h, renderer)
            if bool(row.get("moment_of_truth", False)) and not suppressed:
                ax.text(
                    j + 1 - pad,
                    y + 1 - pad,
                    "★",
                    ha="right",
                    va="top",
                    fontsize=font + 3,
                    color=ink,
                )
    ax.set_xlim(0, ncols)
    ax.set_ylim(0, nrows + 0.6)
    ax.set_axis_off()
    ax.set_title(title, fontsize=font + 3, pad=8)
    if color == "action":
        present = [a for a in ACTIONS if a in set(t["action"].dropna().astype(str))]
        handles = [Patch(facecolor=ACTION_COLORS[a], label=a) for a in present]
    else:
        handles = [
            Patch(facecolor=cmap(norm(v)), label=lab)
            for v, lab in ((90, "basics 80-100"), (70, "fix 60-80"), (50, "delight 40-60"))
        ] + [Patch(facecolor=cmap(norm(10)), label="right-size / maintain <40")]
    if t["suppressed"].any():
        handles.append(Patch(facecolor=_SUPPRESSED, hatch="///", label=f"n<{min_base}"))
    if "moment_of_truth" in t.columns and t["moment_of_truth"].fillna(False).astype(bool).any():
        handles.append(Patch(facecolor="white", edgecolor="black", label="★ moment of truth"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=min(len(handles), 7),
        frameon=False,
        fontsize=font,
    )
    return ax


def event_map(
    priorities: pd.DataFrame,
    ax=None,
    by: str = "stage",
    color: str = "action",
    min_base: int = 30,
    order: list | None = None,
    title: str | None = None,
    wrap: int = 22,
):
    """Customer Event Map: events by lifecycle stage (or channel) as a heat map.

    Parameters
    ----------
    priorities : DataFrame
        From :func:`cxlab.moments.prioritize` (``event_id, name, stage, channel, action,
        priority, moment_of_truth, n, suppressed``).
    ax : matplotlib Axes, optional
        Drawn on a new figure sized for the number of events when omitted.
    by : {"stage", "channel"}
        The columns of the map.  Stages follow lifecycle order (``stage`` categorical or
        ``stage_order``); channels their first appearance in the lifecycle.
    color : {"action", "priority"}
        Fill by course of action (Okabe-Ito) or by the 0-100 priority score (sequential
        colour map).
    min_base : int
        The minimum base quoted in the label of suppressed cells.
    order : list, optional
        Explicit order of the columns.
    title : str, optional
    wrap : int
        Maximum characters per line of an event name (reduced to fit narrow cells).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> from cxlab.priorities import prioritize
    >>> survey, _ = make_study("banking", n_respondents=400, seed=0)
    >>> ax = event_map(prioritize(survey), by="channel")
    """
    if by not in ("stage", "channel"):
        raise ParameterError(f"by must be 'stage' or 'channel', got {by!r}")
    title = title or f"Customer Event Map by {'lifecycle stage' if by == 'stage' else 'channel'}"
    return _grid(priorities, by, ax, color, min_base, order, title, wrap, show_stage=False)


def lens_map(
    priorities: pd.DataFrame,
    events: pd.DataFrame,
    lens: str = "driver",
    ax=None,
    color: str = "action",
    min_base: int = 30,
    title: str | None = None,
    wrap: int = 22,
):
    """The event map regrouped by a codebook lens.

    Parameters
    ----------
    priorities : DataFrame
        From :func:`cxlab.moments.prioritize`.
    events : DataFrame
        ``survey.events`` with ``lens_driver``, ``lens_capability``, ``lens_initiative``.
    lens : {"driver", "capability", "initiative"}
        Loyalty / retention / pain driver, operational capability, or initiative.
    ax, color, min_base, title, wrap
        As in :func:`event_map`; each cell also names the event's stage.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> from cxlab.priorities import prioritize
    >>> survey, _ = make_study("banking", n_respondents=400, seed=0)
    >>> ax = lens_map(prioritize(survey), survey.events, lens="capability")
    """
    if lens not in _LENSES:
        raise ParameterError(f"lens must be one of {sorted(_LENSES)}, got {lens!r}")
    col = _LENSES[lens]
    if col not in events.columns:
        raise DataError("the events table has no such lens", column=col)
    extra = ["event_id", col] + (["stage_order"] if "stage_order" in events.columns else [])
    table = priorities.drop(columns=[col, "stage_order"], errors="ignore")
    table = table.merge(events[extra].drop_duplicates("event_id"), on="event_id", how="left")
    table[col] = table[col].fillna("(none)")
    title = title or f"Customer Event Map through the {lens} lens"
    return _grid(table, col, ax, color, min_base, None, title, wrap, show_stage=True)


# --------------------------------------------------------------------- quad map
def _midpoint(table: pd.DataFrame, col: str, how: str, scale) -> float:
    values = table[col].dropna()
    if how == "mean":
        return float(values.mean())
    if col == "importance" or col.endswith("_gap"):
        return 0.0
    if col in _RATING_MEASURES:
        return (scale[0] + scale[1]) / 2
    return float((values.min() + values.max()) / 2)


def _relax(pos, sizes, anchors, frame, iters: int) -> tuple[np.ndarray, bool]:
    """Push label centres apart (vectorised); True when no label overlaps another or
    covers a point."""
    n = len(pos)
    order = np.arange(n)
    tie = np.sign(order[:, None] - order[None, :]).astype(float)
    lo_frame = np.array([frame.x0, frame.y0])
    hi_frame = np.array([frame.x1, frame.y1])
    clear = False
    for _ in range(iters):
        half = sizes / 2
        lo, hi = pos - half, pos + half
        dx = np.minimum(hi[:, None, 0], hi[None, :, 0]) - np.maximum(lo[:, None, 0], lo[None, :, 0])
        dy = np.minimum(hi[:, None, 1], hi[None, :, 1]) - np.maximum(lo[:, None, 1], lo[None, :, 1])
        ov = (dx > 0) & (dy > 0)
        np.fill_diagonal(ov, False)
        d = pos[:, None, :] - pos[None, :, :]
        sx = np.where(d[..., 0] == 0, tie, np.sign(d[..., 0]))
        sy = np.where(d[..., 1] == 0, tie, np.sign(d[..., 1]))
        along_x = dx < dy
        fx = np.where(ov & along_x, sx * (dx / 2 + 0.5), 0.0).sum(axis=1)
        fy = np.where(ov & ~along_x, sy * (dy / 2 + 0.5), 0.0).sum(axis=1)
        r = 5.0
        inside = (
            (anchors[None, :, 0] > lo[:, None, 0] - r)
            & (anchors[None, :, 0] < hi[:, None, 0] + r)
            & (anchors[None, :, 1] > lo[:, None, 1] - r)
            & (anchors[None, :, 1] < hi[:, None, 1] + r)
        )
        away = pos[:, None, :] - anchors[None, :, :]
        norm = np.hypot(away[..., 0], away[..., 1])[..., None]
        away = np.where(norm > 0, away / np.maximum(norm, 1e-9), 1.0)
        force = np.column_stack([fx, fy]) + 2.0 * (inside[..., None] * away).sum(axis=1)
        if not ov.any() and not inside.any():
            clear = True
            break
        pos = pos + np.clip(force, -12, 12)
        pos = np.clip(
            pos, lo_frame + half + 2, np.maximum(lo_frame + half + 2, hi_frame - half - 2)
        )
    return pos, clear


def _repel(ax, texts, anchors_px: np.ndarray, iters: int = 400) -> None:
    """Move text labels (display coordinates) until they do not overlap each other or
    the points, shrinking the font a little when the crowd is too dense."""
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    pos = None
    for _ in range(5):
        sizes = np.array(
            [(bb.width + 4, bb.height + 2) for bb in (t.get_window_extent(renderer) for t in texts)]
        )
        if pos is None:
            pos = anchors_px + np.array([6.0, 6.0]) + sizes / 2
        pos, clear = _relax(pos, sizes, anchors_px, frame, iters)
        if clear or texts[0].get_fontsize() <= 6:
            break
        for t in texts:
            t.set_fontsize(t.get_fontsize() - 0.5)
    inv = ax.transData.inverted()
    for t, p, a in zip(texts, pos, anchors_px, strict=True):
        t.set_position(inv.transform(p))
        t.set_ha("center")
        t.set_va("center")
        if np.hypot(*(p - a)) > 0.5 * np.hypot(*t.get_window_extent(renderer).size) + 14:
            ax.annotate(
                "",
                xy=inv.transform(a),
                xytext=inv.transform(p),
                arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.6},
                zorder=1,
            )


def quad_map(
    diagnosis: pd.DataFrame,
    x: str = "performance",
    y: str = "importance",
    ax=None,
    crosshair: str = "mean",
    scale: tuple[float, float] = (1, 10),
    label: str = "name",
    title: str | None = None,
):
    """Importance-performance quad map with confidence intervals in both directions.

    Parameters
    ----------
    diagnosis : DataFrame
        From :func:`cxlab.moments.diagnose` or :func:`cxlab.moments.prioritize`
        (``x``, ``y`` and, when present, ``x_ci_low/x_ci_high``, ``y_ci_low/y_ci_high``; ``action`` colours
        the points when present).  Suppressed rows are left out.
    x, y : str
        Columns on the axes (performance and the importance index by default).
    ax : matplotlib Axes, optional
    crosshair : {"mean", "midpoint"}
        Crosshairs at the mean of the events, or at the scale midpoint (``scale`` for
        rating measures, 0 for the importance index and gaps).
    scale : (low, high)
        The rating scale.
    label : str
        Column with the point labels.
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from cxlab.synth import make_study
    >>> from cxlab.priorities import prioritize
    >>> survey, _ = make_study("banking", n_respondents=400, seed=0)
    >>> ax = quad_map(prioritize(survey), crosshair="midpoint")
    """
    if crosshair not in ("mean", "midpoint"):
        raise ParameterError(f"crosshair must be 'mean' or 'midpoint', got {crosshair!r}")
    for col in (x, y):
        if col not in diagnosis.columns:
            raise DataError("column not in the diagnosis table", column=col)
    t = diagnosis.copy()
    if "suppressed" in t.columns:
        t = t[~t["suppressed"].fillna(False).astype(bool)]
    t = t.dropna(subset=[x, y])
    if t.empty:
        raise DataError("no unsuppressed events to plot", column=[x, y])
    if label not in t.columns:
        label = "event_id"
    ax = new_ax(ax, (8.5, 6.5))
    xs, ys = t[x].to_numpy(float), t[y].to_numpy(float)
    xlo = t.get(f"{x}_ci_low", t[x]).to_numpy(float)
    xhi = t.get(f"{x}_ci_high", t[x]).to_numpy(float)
    ylo = t.get(f"{y}_ci_low", t[y]).to_numpy(float)
    yhi = t.get(f"{y}_ci_high", t[y]).to_numpy(float)
    if "action" in t.columns:
        colors = [ACTION_COLORS.get(str(a), "#555555") for a in t["action"]]
    else:
        colors = [OKABE_ITO["blue"]] * len(t)
    ax.errorbar(
        xs,
        ys,
        xerr=np.vstack([xs - xlo, xhi - xs]).clip(0),
        yerr=np.vstack([ys - ylo, yhi - ys]).clip(0),
        fmt="none",
        ecolor="#888888",
        elinewidth=0.9,
        capsize=2,
        zorder=2,
    )
    ax.scatter(xs, ys, c=colors, s=46, edgecolor="black", linewidth=0.6, zorder=3)
    cx, cy = _midpoint(t, x, crosshair, scale), _midpoint(t, y, crosshair, scale)
    span_x = np.nanmax(xhi) - np.nanmin(xlo)
    span_y = np.nanmax(yhi) - np.nanmin(ylo)
    x0 = min(np.nanmin(xlo), cx) - 0.12 * span_x
    x1 = max(np.nanmax(xhi), cx) + 0.12 * span_x
    y0 = min(np.nanmin(ylo), cy) - 0.12 * span_y
    y1 = max(np.nanmax(yhi), cy) + 0.12 * span_y
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.axvline(cx, color="#444444", lw=0.9, ls="--", zorder=1)
    ax.axhline(cy, color="#444444", lw=0.9, ls="--", zorder=1)
    corner = {
        "fontsize": 8.5,
        "color": "#555555",
        "style": "italic",
        "zorder": 1.5,
        "bbox": {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
    }
    ax.text(
        0.01,
        0.99,
        "Matters, under-delivers:\nfix first",
        transform=ax.transAxes,
        va="top",
        **corner,
    )
    ax.text(
        0.99,
        0.99,
        "Matters, delivers:\nprotect / delight",
        transform=ax.transAxes,
        ha="right",
        va="top",
        **corner,
    )
    ax.text(0.01, 0.01, "Low priority", transform=ax.transAxes, va="bottom", **corner)
    ax.text(
        0.99,
        0.01,
        "Over-delivers where it matters\nlittle: right-size",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        **corner,
    )
    words = {
        "performance": "Performance (mean rating)",
        "importance": "Importance index (SD above average event)",
        "advocacy_impact": "Impact on advocacy (recommend points per satisfaction point)",
    }
    ax.set_xlabel(words.get(x, x.replace("_", " ").capitalize()))
    ax.set_ylabel(words.get(y, y.replace("_", " ").capitalize()))
    where = "event mean" if crosshair == "mean" else "scale midpoint"
    ax.set_title(title or f"Importance-performance map (95% CIs; crosshairs at the {where})")
    texts = [
        ax.text(px, py, "\n".join(textwrap.wrap(str(lab), 22)), fontsize=8, zorder=4)
        for px, py, lab in zip(xs, ys, t[label], strict=True)
    ]
    ax.figure.canvas.draw()
    anchors = ax.transData.transform(np.column_stack([xs, ys]))
    _repel(ax, texts, anchors)
    if "action" in t.columns:
        present = [a for a in ACTIONS if a in set(t["action"].dropna().astype(str))]
        ax.legend(
            handles=[
                Patch(facecolor=ACTION_COLORS[a], edgecolor="black", label=a) for a in present
            ],
            title="Action",
            fontsize=8,
            title_fontsize=8,
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
            frameon=False,
        )
    return ax
