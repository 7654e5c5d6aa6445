"""Charts of the CFE assessment: competency dot plot and indicator heat map."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab._style import CFE_COLORS, new_ax
from cxlab.cfe.stats import display_names
from cxlab.errors import ParameterError


def plot_competencies(table: pd.DataFrame, ax=None, scale: tuple[float, float] = (1, 5)):
    """Dot plot of current and target maturity per competency, with intervals.

    Parameters
    ----------
    table : DataFrame
        :func:`maturity` at competency level (without ``by``).
    ax : matplotlib Axes, optional
    scale : tuple
        Rating scale, for the axis limits.

    Returns
    -------
    matplotlib Axes
    """
    if "competency" not in table or table["competency"].duplicated().any():
        raise ParameterError(
            "plot_competencies needs maturity(data, competency='competency') without 'by'"
        )
    ax = new_ax(ax, (8, 0.55 * len(table) + 1.8))
    t = table.reset_index(drop=True)
    y = np.arange(len(t))[::-1]
    ax.hlines(y, t["current"], t["target"], color=CFE_COLORS["grey"], lw=3, alpha=0.5, zorder=1)
    for col, marker in (("current", "o"), ("target", "s")):
        err = np.vstack([t[col] - t[f"{col}_ci_low"], t[f"{col}_ci_high"] - t[col]])
        ax.errorbar(t[col], y, xerr=err, fmt=marker, color=CFE_COLORS[col], ms=8, capsize=3, lw=1.2,
                    label=f"{col.capitalize()} maturity", zorder=2)  # fmt: skip
    for yy, g, x in zip(y, t["gap"], t["target_ci_high"], strict=True):
        ax.text(x + 0.06, yy, f"gap {g:+.1f}", va="center", fontsize=9, color="#333333")
    ax.set_yticks(y, t["name"].astype(str))
    ax.set_xlim(scale[0], scale[1] + 0.5)
    ax.set_xticks(np.arange(scale[0], scale[1] + 1))
    ax.set_xlabel(
        f"Maturity ({scale[0]:g} = initial ... {scale[1]:g} = leading); {int(t['n'].max())} executives"
    )
    ax.set_title("CFE maturity by competency: current and target")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_indicator_heatmap(table: pd.DataFrame, ax=None, scale: tuple[float, float] = (1, 5)):
    """Heat map of indicators (rows, grouped by competency) x current / target / gap.

    Current and target share one colour scale (the rating scale), the gap its own;
    each cell shows its value.

    Parameters
    ----------
    table : DataFrame
        :func:`maturity` at indicator level (without ``by``).
    ax : matplotlib Axes, optional
    scale : tuple of float
        The rating scale (low, high).

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib as mpl

    if "indicator" not in table or table["indicator"].duplicated().any():
        raise ParameterError(
            "plot_indicator_heatmap needs maturity(data, competency='indicator') without 'by'"
        )
    t = table.reset_index(drop=True)
    ax = new_ax(ax, (9, 0.26 * len(t) + 2))
    level_map = mpl.colormaps["cividis"]
    gap_map = mpl.colormaps["YlOrBr"]
    level_norm = mpl.colors.Normalize(scale[0], scale[1])
    gap_norm = mpl.colors.Normalize(0, max(2.0, float(np.nanmax(t["gap"]))))
    cols = ("current", "target", "gap")
    rgba = np.zeros((len(t), 3, 4))
    for j, col in enumerate(cols):
        cmap, norm = (gap_map, gap_norm) if col == "gap" else (level_map, level_norm)
        rgba[:, j] = cmap(norm(t[col].to_numpy(dtype=float)))
    ax.imshow(rgba, aspect="auto", interpolation="nearest")
    for i in range(len(t)):
        for j, col in enumerate(cols):
            v = t.loc[i, col]
            lum = 0.299 * rgba[i, j, 0] + 0.587 * rgba[i, j, 1] + 0.114 * rgba[i, j, 2]
            ax.text(j, i, "" if pd.isna(v) else f"{v:.1f}", ha="center", va="center", fontsize=7.5,
                    color="black" if lum > 0.55 else "white")  # fmt: skip
    ax.set_yticks(np.arange(len(t)), t["name"].astype(str), fontsize=8)
    ax.set_xticks(range(3), ["Current", "Target", "Gap"])
    ax.xaxis.tick_top()
    comp = t["competency"].astype(str).to_numpy()
    starts = [0, *[i for i in range(1, len(t)) if comp[i] != comp[i - 1]]]
    names = table.attrs.get("names") or display_names(pd.DataFrame())
    for k, s in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(t)
        if s:
            ax.axhline(s - 0.5, color="white", lw=3)
        ax.text(2.62, (s + end - 1) / 2, names.get(comp[s], comp[s]).replace(" ", "\n", 1), va="center",
                ha="left", fontsize=8.5, fontweight="bold")  # fmt: skip
    ax.set_xlim(-0.5, 2.5)
    ax.set_title("CFE maturity by indicator (mean rating of executives)", pad=24)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return ax
